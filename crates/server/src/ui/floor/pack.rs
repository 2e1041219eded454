//! The pack bench, made for a USB barcode scanner and no mouse: scan a shipment, then
//! each unit — core says at once whether it fits (`scan::next_scan`), and a wrong one is
//! refused on screen and not counted — then the package and weight, "Pack" (the API's
//! store call, which checks the scans again), the label, the prints, and "Ship". The
//! scans so far travel in the form as hidden fields.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use switchyard_core::carrier::{Carrier, Provider};
use switchyard_core::shipment::input::{LabelInput, PackInput, PackageInput};
use switchyard_core::shipment::scan::{self, ExpectedItem, NextScan};
use switchyard_core::shipment::{ShipmentAction, ShipmentStatus, transition};
use switchyard_store::StoreError;
use switchyard_store::shipment::Shipment;

use super::{Fields, document, merged, number, refused};
use crate::AppState;
use crate::api::documents::{LabelFormat, label_document, packing_slip_document};
use crate::error::ApiError;
use crate::extract::perm;
use crate::ui::{Chrome, Errors, Staff, failed, render, render_status, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/pack", get(bench))
        .route("/ui/pack/scan", post(scan_code))
        .route("/ui/pack/pack", post(pack))
        .route("/ui/pack/label", post(label))
        .route("/ui/pack/ship", post(ship))
        .route("/ui/pack/{key}/label.pdf", get(label_pdf))
        .route("/ui/pack/{key}/label.zpl", get(label_zpl))
        .route("/ui/pack/{key}/slip.pdf", get(slip_pdf))
}

/// What a scan did, in green or red.
struct ScanResult {
    ok: bool,
    message: String,
}

/// One item of the shipment at the bench and how many of it are scanned.
struct BenchLine {
    sku: String,
    title: String,
    barcode: String,
    expected: i64,
    scanned: i64,
}

/// Where a shipment is at the bench, as core's transitions allow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Scan,
    Label,
    Ship,
    Closed,
}

impl Step {
    fn of(status: ShipmentStatus) -> Step {
        let allows = |action| transition(status, action).is_ok();
        if allows(ShipmentAction::Ship) {
            Step::Ship
        } else if allows(ShipmentAction::CreateLabel) {
            Step::Label
        } else if allows(ShipmentAction::Pack) {
            Step::Scan
        } else {
            Step::Closed
        }
    }
}

/// The shipment on the bench.
struct Loaded {
    shipment: Shipment,
    lines: Vec<BenchLine>,
    /// What its package must hold (core checks each scan against these).
    items: Vec<ExpectedItem>,
    scans: Vec<String>,
    /// Every unit scanned, nothing stray: it may be packed.
    complete: bool,
    step: Step,
}

impl Loaded {
    fn new(shipment: Shipment, items: Vec<ExpectedItem>, scans: Vec<String>) -> Loaded {
        let counts = scan::tally(&items, &scans);
        let lines = items
            .iter()
            .zip(counts)
            .map(|(item, scanned)| BenchLine {
                sku: item.sku.clone(),
                title: item.title.clone(),
                barcode: item.barcode.clone().unwrap_or_default(),
                expected: item.quantity,
                scanned,
            })
            .collect();
        Loaded {
            complete: !items.is_empty() && scan::verify(&items, &scans).is_clean(),
            step: Step::of(shipment.summary.status),
            shipment,
            lines,
            items,
            scans,
        }
    }

    fn number(&self) -> &str {
        &self.shipment.summary.number
    }
}

/// What the label form holds.
#[derive(Default)]
struct LabelForm {
    provider: String,
    carrier: String,
    service: String,
    tracking_number: String,
}

#[derive(Template)]
#[template(path = "ui/floor/pack.html")]
struct BenchPage {
    chrome: Chrome,
    notice: Option<String>,
    result: Option<ScanResult>,
    loaded: Option<Loaded>,
    errors: Errors,
    package_type: String,
    weight_grams: String,
    label: LabelForm,
    carriers: &'static [Carrier],
    providers: &'static [Provider],
}

impl BenchPage {
    fn new(chrome: Chrome, loaded: Option<Loaded>) -> BenchPage {
        let carrier = loaded
            .as_ref()
            .and_then(|l| l.shipment.summary.carrier)
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default();
        BenchPage {
            chrome,
            notice: None,
            result: None,
            loaded,
            errors: Errors::default(),
            package_type: String::new(),
            weight_grams: String::new(),
            label: LabelForm {
                provider: Provider::Manual.as_str().to_owned(),
                carrier,
                ..LabelForm::default()
            },
            carriers: Carrier::ALL,
            providers: Provider::ALL,
        }
    }

    fn step(&self) -> Option<Step> {
        self.loaded.as_ref().map(|l| l.step)
    }

    /// Whether the scan field holds the focus: no shipment yet, or units still to scan.
    fn scanning(&self) -> bool {
        match &self.loaded {
            None => true,
            Some(l) => l.step == Step::Scan && !l.complete,
        }
    }

    fn is_step(&self, name: &str) -> bool {
        let want = match name {
            "scan" => Step::Scan,
            "label" => Step::Label,
            "ship" => Step::Ship,
            _ => Step::Closed,
        };
        self.step() == Some(want)
    }
}

/// The shipment `key` on the bench with `scans`.
async fn load(s: &AppState, key: &str, scans: Vec<String>) -> Result<Loaded, StoreError> {
    let (shipment, items) = s.store.shipment_to_pack(key).await?;
    Ok(Loaded::new(shipment, items, scans))
}

#[derive(Deserialize)]
struct BenchQuery {
    shipment: Option<String>,
    done: Option<String>,
}

/// `GET /ui/pack`: the bench, empty or with a shipment on it.
async fn bench(staff: Staff<perm::Fulfil>, State(s): State<AppState>, Query(q): Query<BenchQuery>) -> Response {
    let shipped = q.done.as_deref() == Some("shipped");
    let loaded = match q.shipment.as_deref().filter(|k| !k.is_empty() && !shipped) {
        Some(key) => match load(&s, key, Vec::new()).await {
            Ok(loaded) => Some(loaded),
            Err(e) => return failed(e),
        },
        None => None,
    };
    let mut page = BenchPage::new(staff.chrome("pack"), loaded);
    let number = q.shipment.clone().unwrap_or_default();
    page.notice = match q.done.as_deref() {
        Some("packed") => Some(format!("Packed {number}. Next: its label.")),
        Some("labelled") => Some(format!(
            "Labelled {number}. Print the label and the slip, then ship it."
        )),
        Some("shipped") => Some(format!("Shipped {number}. Scan the next shipment.")),
        _ => None,
    };
    render(&page)
}

/// The shipment `code` names (when `may_switch`), put on the bench with what the
/// bench says of it; none when no shipment is named so.
async fn shipment_scanned(
    s: &AppState,
    code: &str,
    may_switch: bool,
) -> Result<Option<(Option<Loaded>, ScanResult)>, StoreError> {
    if !may_switch {
        return Ok(None);
    }
    let loaded = match load(s, code, Vec::new()).await {
        Ok(loaded) => loaded,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let summary = &loaded.shipment.summary;
    let result = if loaded.step == Step::Closed {
        ScanResult {
            ok: false,
            message: format!("Shipment {} is {}: nothing to pack", summary.number, summary.status),
        }
    } else {
        ScanResult {
            ok: true,
            message: format!(
                "Shipment {} for order {}: {} units",
                summary.number, summary.order_number, summary.units
            ),
        }
    };
    Ok(Some((Some(loaded), result)))
}

/// `POST /ui/pack/scan`: a shipment (when none is on the bench) or one unit, checked at once.
async fn scan_code(staff: Staff<perm::Fulfil>, State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let f = Fields::parse(&body);
    let code = f.get("code").trim().to_owned();
    let scans = f.all("scan");
    let on_bench = match f.opt("shipment") {
        Some(key) => match load(&s, &key, scans).await {
            Ok(loaded) => Some(loaded),
            Err(e) => return failed(e),
        },
        None => None,
    };
    let mut page = BenchPage::new(staff.chrome("pack"), None);
    if code.is_empty() {
        page.loaded = on_bench;
        return render(&page);
    }
    let (loaded, result) = match on_bench {
        Some(loaded) if loaded.step == Step::Scan => {
            let next = scan::next_scan(&loaded.items, &loaded.scans, &code);
            let message = next.message(&loaded.items, &code, "this shipment");
            match next {
                NextScan::Fits { .. } => {
                    let mut scans = loaded.scans;
                    scans.push(code);
                    let loaded = Loaded::new(loaded.shipment, loaded.items, scans);
                    (Some(loaded), ScanResult { ok: true, message })
                }
                // Nothing scanned into it yet: the code may be the next shipment.
                _ => match shipment_scanned(&s, &code, loaded.scans.is_empty()).await {
                    Ok(Some(other)) => other,
                    Ok(None) => (Some(loaded), ScanResult { ok: false, message }),
                    Err(e) => return failed(e),
                },
            }
        }
        Some(loaded) => match shipment_scanned(&s, &code, true).await {
            Ok(Some(other)) => other,
            Ok(None) => {
                let message = format!(
                    "Shipment {} is {}: there is nothing to scan into it",
                    loaded.number(),
                    loaded.shipment.summary.status
                );
                (Some(loaded), ScanResult { ok: false, message })
            }
            Err(e) => return failed(e),
        },
        None => match shipment_scanned(&s, &code, true).await {
            Ok(Some(other)) => other,
            Ok(None) => (
                None,
                ScanResult {
                    ok: false,
                    message: format!("No shipment {code}: scan the shipment's number from the pick list or slip"),
                },
            ),
            Err(e) => return failed(e),
        },
    };
    let ok = result.ok;
    page.loaded = loaded;
    page.result = Some(result);
    if ok { render(&page) } else { refused(&headers, &page) }
}

/// `POST /ui/pack/pack`: the scans and the package, to the store call the API makes.
async fn pack(staff: Staff<perm::Fulfil>, State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let f = Fields::parse(&body);
    let key = f.get("shipment").to_owned();
    let scans = f.all("scan");
    let mut typed = Vec::new();
    let input = PackInput {
        scans: Some(scans.clone()),
        package: Some(PackageInput {
            package_type: f.opt("package_type"),
            weight_grams: number(&mut typed, "/package/weight_grams", f.get("weight_grams")),
            ..PackageInput::default()
        }),
    };
    let result = match input.parse() {
        Ok(request) if typed.is_empty() => {
            s.store
                .pack_shipment(&key, &request, &staff.user().name)
                .await
                .map_err(|e| match e {
                    StoreError::ScanMismatch { .. } => Errors::summary(ApiError::from(e).into_problem().detail),
                    other => Errors::from_store(other),
                })
        }
        Ok(_) => Err(Errors::fields(&typed)),
        Err(errors) => Err(Errors::fields(&merged(typed, errors))),
    };
    match result {
        Ok(shipment) => {
            let number = shipment.summary.number;
            let detail = format!("{} units scanned", scans.len());
            staff.audit(&s, "packed_shipment", &number, &detail).await;
            see_other(&headers, &format!("/ui/pack?shipment={number}&done=packed"))
        }
        Err(errors) => {
            let loaded = match load(&s, &key, scans).await {
                Ok(loaded) => loaded,
                Err(e) => return failed(e),
            };
            let mut page = BenchPage::new(staff.chrome("pack"), Some(loaded));
            page.errors = errors;
            page.package_type = f.get("package_type").to_owned();
            page.weight_grams = f.get("weight_grams").to_owned();
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// `POST /ui/pack/label`: buys or records the label, as the API does.
async fn label(staff: Staff<perm::Fulfil>, State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let f = Fields::parse(&body);
    let key = f.get("shipment").to_owned();
    let form = LabelForm {
        provider: f.get("provider").to_owned(),
        carrier: f.get("carrier").to_owned(),
        service: f.get("service").to_owned(),
        tracking_number: f.get("tracking_number").to_owned(),
    };
    let mut typed = Vec::new();
    let provider = f
        .opt("provider")
        .and_then(|p| Provider::parse(&p).map_err(|e| typed.push(e.at("/provider"))).ok());
    let carrier = f
        .opt("carrier")
        .and_then(|c| Carrier::parse(&c).map_err(|e| typed.push(e.at("/carrier"))).ok());
    let input = LabelInput {
        provider,
        carrier,
        service: f.opt("service"),
        tracking_number: f.opt("tracking_number"),
        cost: None,
    };
    let result = if typed.is_empty() {
        s.store
            .create_label(&key, &input, &staff.user().name)
            .await
            .map_err(Errors::from_store)
    } else {
        Err(Errors::fields(&typed))
    };
    match result {
        Ok(shipment) => {
            let summary = shipment.summary;
            let detail = summary.tracking_number.clone().unwrap_or_default();
            staff.audit(&s, "created_label", &summary.number, &detail).await;
            see_other(&headers, &format!("/ui/pack?shipment={}&done=labelled", summary.number))
        }
        Err(errors) => {
            let loaded = match load(&s, &key, Vec::new()).await {
                Ok(loaded) => loaded,
                Err(e) => return failed(e),
            };
            let mut page = BenchPage::new(staff.chrome("pack"), Some(loaded));
            page.errors = errors;
            page.label = form;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// `POST /ui/pack/ship`: the labelled shipment left with the carrier.
async fn ship(staff: Staff<perm::Fulfil>, State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let f = Fields::parse(&body);
    let key = f.get("shipment").to_owned();
    match s.store.ship_shipment(&key, &staff.user().name).await {
        Ok(shipment) => {
            let number = shipment.summary.number;
            staff.audit(&s, "shipped_shipment", &number, "").await;
            see_other(&headers, &format!("/ui/pack?shipment={number}&done=shipped"))
        }
        Err(e) => {
            let errors = Errors::from_store(e);
            let loaded = match load(&s, &key, Vec::new()).await {
                Ok(loaded) => loaded,
                Err(e) => return failed(e),
            };
            let mut page = BenchPage::new(staff.chrome("pack"), Some(loaded));
            page.errors = errors;
            render_status(StatusCode::CONFLICT, &page)
        }
    }
}

/// `GET /ui/pack/{key}/label.pdf`
async fn label_pdf(_: Staff, State(s): State<AppState>, Path(key): Path<String>) -> Response {
    document(label_document(&s, &key, LabelFormat::Pdf).await)
}

/// `GET /ui/pack/{key}/label.zpl`: for a thermal printer.
async fn label_zpl(_: Staff, State(s): State<AppState>, Path(key): Path<String>) -> Response {
    document(label_document(&s, &key, LabelFormat::Zpl).await)
}

/// `GET /ui/pack/{key}/slip.pdf`
async fn slip_pdf(_: Staff, State(s): State<AppState>, Path(key): Path<String>) -> Response {
    document(packing_slip_document(&s, &key).await)
}
