//! The floor page: each location's work (waiting, released, picking, packed,
//! labelled), releasing work to the floor, and pick lists — making them, reading them
//! in bin order, printing them and confirming what the picker found.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use switchyard_core::carrier::Carrier;
use switchyard_core::shipment::PickListStatus;
use switchyard_core::shipment::input::{PickConfirmInput, PickInput, PickListInput, ReleaseInput};
use switchyard_store::PageRequest;
use switchyard_store::shipment::{FloorBoard, PickList, PickListFilter};

use super::{Fields, document, merged, number};
use crate::AppState;
use crate::api::documents::pick_list_document;
use crate::extract::perm;
use crate::ui::{Chrome, Errors, Staff, failed, render, render_status, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/floor", get(floor))
        .route("/ui/floor/release", post(release))
        .route("/ui/pick-lists", post(create_pick_list))
        .route("/ui/pick-lists/{key}", get(pick_list))
        .route("/ui/pick-lists/{key}/pdf", get(pick_list_pdf))
        .route("/ui/pick-lists/{key}/confirm", post(confirm))
}

/// What the release form holds.
#[derive(Default)]
struct ReleaseForm {
    location: String,
    orders: String,
    carrier: String,
}

/// What the pick list form holds.
#[derive(Default)]
struct PickForm {
    location: String,
    max_shipments: String,
}

#[derive(Template)]
#[template(path = "ui/floor/floor.html")]
struct FloorPage {
    chrome: Chrome,
    boards: Vec<FloorBoard>,
    pick_lists: Vec<PickList>,
    notice: Option<String>,
    release: ReleaseForm,
    release_errors: Errors,
    pick: PickForm,
    pick_errors: Errors,
    carriers: &'static [Carrier],
}

#[derive(Deserialize)]
struct FloorQuery {
    released: Option<usize>,
}

impl FloorPage {
    async fn load(s: &AppState, chrome: Chrome) -> Result<FloorPage, Response> {
        let boards = s.store.floor_boards().await.map_err(failed)?;
        let filter = PickListFilter::default();
        let page = PageRequest {
            cursor: None,
            limit: Some(20),
        };
        let pick_lists = s.store.list_pick_lists(&filter, &page).await.map_err(failed)?.data;
        let first = boards.first().map(|b| b.location.clone()).unwrap_or_default();
        Ok(FloorPage {
            chrome,
            boards,
            pick_lists,
            notice: None,
            release: ReleaseForm {
                location: first.clone(),
                ..ReleaseForm::default()
            },
            release_errors: Errors::default(),
            pick: PickForm {
                location: first,
                max_shipments: "50".into(),
            },
            pick_errors: Errors::default(),
            carriers: Carrier::ALL,
        })
    }
}

/// `GET /ui/floor`
async fn floor(staff: Staff<perm::Fulfil>, State(s): State<AppState>, Query(q): Query<FloorQuery>) -> Response {
    let mut page = match FloorPage::load(&s, staff.chrome("floor")).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    page.notice = q.released.map(|n| match n {
        0 => "Nothing was waiting to be released.".to_owned(),
        1 => "Released 1 shipment to the floor.".to_owned(),
        n => format!("Released {n} shipments to the floor."),
    });
    render(&page)
}

/// `POST /ui/floor/release`: the location's waiting work (or the orders named) becomes
/// shipments, one per order.
async fn release(staff: Staff<perm::Fulfil>, State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let f = Fields::parse(&body);
    let form = ReleaseForm {
        location: f.get("location").to_owned(),
        orders: f.get("orders").to_owned(),
        carrier: f.get("carrier").to_owned(),
    };
    let orders: Vec<String> = form
        .orders
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .collect();
    let mut typed = Vec::new();
    let carrier = f
        .opt("carrier")
        .and_then(|c| Carrier::parse(&c).map_err(|e| typed.push(e.at("/carrier"))).ok());
    let input = ReleaseInput {
        location: f.opt("location"),
        orders: (!orders.is_empty()).then_some(orders),
        channels: None,
        carrier,
    };
    let result = match input.parse() {
        Ok(request) if typed.is_empty() => s
            .store
            .release_shipments(&request, &staff.user().name)
            .await
            .map_err(Errors::from_store),
        Ok(_) => Err(Errors::fields(&typed)),
        Err(errors) => Err(Errors::fields(&merged(typed, errors))),
    };
    match result {
        Ok(shipments) => {
            let numbers: Vec<&str> = shipments.iter().map(|s| s.number.as_str()).collect();
            staff
                .audit(&s, "released_shipments", &form.location, &numbers.join(", "))
                .await;
            see_other(&headers, &format!("/ui/floor?released={}", shipments.len()))
        }
        Err(errors) => {
            let mut page = match FloorPage::load(&s, staff.chrome("floor")).await {
                Ok(page) => page,
                Err(response) => return response,
            };
            page.release = form;
            page.release_errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// `POST /ui/pick-lists`: batches a location's released shipments for one walk.
async fn create_pick_list(
    staff: Staff<perm::Fulfil>,
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let form = PickForm {
        location: f.get("location").to_owned(),
        max_shipments: f.get("max_shipments").to_owned(),
    };
    let mut typed = Vec::new();
    let input = PickListInput {
        location: f.opt("location"),
        max_shipments: number(&mut typed, "/max_shipments", &form.max_shipments),
        ..PickListInput::default()
    };
    let result = match input.parse() {
        Ok(request) if typed.is_empty() => s
            .store
            .create_pick_list(&request, &staff.user().name)
            .await
            .map_err(Errors::from_store),
        Ok(_) => Err(Errors::fields(&typed)),
        Err(errors) => Err(Errors::fields(&merged(typed, errors))),
    };
    match result {
        Ok(list) => {
            let detail = format!("{} shipments at {}", list.totals.shipments, list.location);
            staff.audit(&s, "created_pick_list", &list.number, &detail).await;
            see_other(&headers, &format!("/ui/pick-lists/{}", list.number))
        }
        Err(errors) => {
            let mut page = match FloorPage::load(&s, staff.chrome("floor")).await {
                Ok(page) => page,
                Err(response) => return response,
            };
            page.pick = form;
            page.pick_errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// A line of the pick list as the page shows it, with what the picker typed.
struct PickRow {
    bin: String,
    sku: String,
    title: String,
    barcode: String,
    quantity: i64,
    totes: String,
    picked: Option<i64>,
    /// Units not found, once picks are confirmed.
    short: i64,
    found: String,
    error: Option<String>,
}

/// A tote whose shipment came up short, and what it lacked.
struct ShortTote {
    slot: i64,
    shipment: String,
    status: String,
    missing: Vec<String>,
}

#[derive(Template)]
#[template(path = "ui/floor/pick_list.html")]
struct PickListPage {
    chrome: Chrome,
    list: PickList,
    open: bool,
    rows: Vec<PickRow>,
    short: Vec<ShortTote>,
    errors: Errors,
    notice: Option<&'static str>,
}

impl PickListPage {
    fn new(chrome: Chrome, list: PickList, found: Option<&[String]>, errors: Errors) -> PickListPage {
        let rows = list
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| PickRow {
                bin: l.bin.clone().unwrap_or_default(),
                sku: l.sku.clone(),
                title: l.title.clone(),
                barcode: l.barcode.clone().unwrap_or_default(),
                quantity: l.quantity,
                totes: l
                    .allocations
                    .iter()
                    .map(|a| format!("#{}: {}", a.slot, a.quantity))
                    .collect::<Vec<_>>()
                    .join(", "),
                picked: l.picked,
                short: l.picked.map_or(0, |p| l.quantity - p),
                found: found
                    .and_then(|f| f.get(i).cloned())
                    .unwrap_or_else(|| l.quantity.to_string()),
                error: errors.get(&format!("picks/{i}/quantity")).map(str::to_owned),
            })
            .collect();
        let short = list
            .shipments
            .iter()
            .filter_map(|s| {
                let missing: Vec<String> = list
                    .lines
                    .iter()
                    .flat_map(|l| l.allocations.iter().map(move |a| (l, a)))
                    .filter(|(_, a)| a.slot == s.slot)
                    .filter_map(|(l, a)| {
                        let picked = a.picked?;
                        (picked < a.quantity).then(|| format!("{}: {} of {}", l.sku, picked, a.quantity))
                    })
                    .collect();
                (!missing.is_empty()).then(|| ShortTote {
                    slot: s.slot,
                    shipment: s.number.clone(),
                    status: s.status.to_string(),
                    missing,
                })
            })
            .collect();
        PickListPage {
            chrome,
            open: list.status == PickListStatus::Open,
            list,
            rows,
            short,
            errors,
            notice: None,
        }
    }
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// `GET /ui/pick-lists/{key}`: the lines in bin order, and the confirm form.
async fn pick_list(
    staff: Staff,
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let list = match s.store.pick_list(&key).await {
        Ok(list) => list,
        Err(e) => return failed(e),
    };
    let mut page = PickListPage::new(staff.chrome("floor"), list, None, Errors::default());
    page.notice = match q.done.as_deref() {
        Some("confirmed") => Some("Picks confirmed."),
        _ => None,
    };
    render(&page)
}

/// `GET /ui/pick-lists/{key}/pdf`: the printed pick list, as the API prints it.
async fn pick_list_pdf(_: Staff, State(s): State<AppState>, Path(key): Path<String>) -> Response {
    document(pick_list_document(&s, &key).await)
}

/// `POST /ui/pick-lists/{key}/confirm`: what the picker found of each SKU; a short
/// pick sends its lines back to routing (the store does what the API does).
async fn confirm(
    staff: Staff<perm::Fulfil>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let skus = f.all("sku");
    let found = f.all("found");
    let mut typed = Vec::new();
    let picks = skus
        .iter()
        .zip(&found)
        .enumerate()
        .map(|(i, (sku, raw))| PickInput {
            sku: Some(sku.clone()),
            quantity: number(&mut typed, &format!("/picks/{i}/quantity"), raw),
        })
        .collect();
    let input = PickConfirmInput { picks: Some(picks) };
    let result = match input.parse() {
        Ok(picks) if typed.is_empty() => s
            .store
            .confirm_picks(&key, &picks, &staff.user().name)
            .await
            .map_err(Errors::from_store),
        Ok(_) => Err(Errors::fields(&typed)),
        Err(errors) => Err(Errors::fields(&merged(typed, errors))),
    };
    match result {
        Ok(list) => {
            let short: Vec<String> = list
                .lines
                .iter()
                .filter_map(|l| {
                    let picked = l.picked?;
                    (picked < l.quantity).then(|| format!("{} {} of {}", l.sku, picked, l.quantity))
                })
                .collect();
            let detail = if short.is_empty() {
                "all found".to_owned()
            } else {
                format!("short: {}", short.join(", "))
            };
            staff.audit(&s, "confirmed_picks", &list.number, &detail).await;
            see_other(&headers, &format!("/ui/pick-lists/{}?done=confirmed", list.number))
        }
        Err(errors) => match s.store.pick_list(&key).await {
            Ok(list) => render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PickListPage::new(staff.chrome("floor"), list, Some(&found), errors),
            ),
            Err(e) => failed(e),
        },
    }
}
