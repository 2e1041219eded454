//! Returns on the floor: the list of returns (by status), and the receiving bench —
//! scan an RMA number, then each item (core says at once whether it is on the return
//! and still outstanding; a wrong one is refused and not counted), choose what becomes
//! of each line's units (restock, quarantine, scrap) and "Receive": the store call the
//! API makes, with its result (what arrived, what was refunded, what waits) shown.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use switchyard_core::returns::{
    Disposition, OpenReturnLine, ReturnAction, ReturnItemInput, ReturnReceiptInput, ReturnStatus, transition,
};
use switchyard_core::shipment::scan::{self, ExpectedItem, NextScan};
use switchyard_store::returns::{Return, ReturnFilter, ReturnSummary};
use switchyard_store::{PageRequest, StoreError};

use super::{Fields, refused};
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Chrome, Errors, Staff, failed, render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/returns", get(list))
        .route("/ui/returns/bench", get(bench))
        .route("/ui/returns/bench/scan", post(scan_code))
        .route("/ui/returns/bench/receive", post(receive))
}

/// Whether items may still be received against a return in `status` (core's rule).
fn receivable(status: ReturnStatus) -> bool {
    transition(status, ReturnAction::Receive { completes: false }).is_ok()
}

#[derive(Template)]
#[template(path = "ui/floor/returns.html")]
struct ListPage {
    chrome: Chrome,
    returns: Vec<ReturnSummary>,
    statuses: &'static [ReturnStatus],
    status: String,
    next: Option<String>,
}

impl ListPage {
    fn receivable(&self, r: &ReturnSummary) -> bool {
        receivable(r.status)
    }
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    cursor: Option<String>,
}

/// `GET /ui/returns`: newest first, by status.
async fn list(staff: Staff, State(s): State<AppState>, Query(q): Query<ListQuery>) -> Response {
    let status = q.status.as_deref().filter(|v| !v.is_empty());
    let filter = ReturnFilter {
        status: status.and_then(|v| ReturnStatus::parse(v).ok()),
        ..ReturnFilter::default()
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: Some(50),
    };
    let found = match s.store.list_returns(&filter, &page).await {
        Ok(found) => found,
        Err(e) => return failed(e),
    };
    let status = status.unwrap_or_default().to_owned();
    let next = found
        .next_cursor
        .map(|c| format!("/ui/returns?status={status}&cursor={c}"));
    render(&ListPage {
        chrome: staff.chrome("returns"),
        returns: found.data,
        statuses: ReturnStatus::ALL,
        status,
        next,
    })
}

/// One line of the return on the bench.
struct BenchLine {
    line_no: i64,
    sku: String,
    outstanding: i64,
    scanned: i64,
    disposition: String,
    error: Option<String>,
}

/// The return on the bench, with the items scanned so far (each by its line's SKU).
struct Loaded {
    ret: Return,
    lines: Vec<BenchLine>,
    items: Vec<ExpectedItem>,
    scans: Vec<String>,
}

impl Loaded {
    fn new(ret: Return, open: Vec<OpenReturnLine>, scans: Vec<String>, f: Option<&Fields>) -> Loaded {
        let items: Vec<ExpectedItem> = open
            .iter()
            .map(|l| ExpectedItem {
                sku: l.sku.clone(),
                barcode: l.barcode.clone(),
                title: format!("line {}", l.line_no),
                quantity: l.outstanding,
            })
            .collect();
        let counts = scan::tally(&items, &scans);
        let lines = open
            .iter()
            .zip(counts)
            .enumerate()
            .map(|(i, (l, scanned))| BenchLine {
                line_no: l.line_no,
                sku: l.sku.clone(),
                outstanding: l.outstanding,
                scanned,
                disposition: f
                    .and_then(|f| f.opt(&format!("disposition_{i}")))
                    .unwrap_or_else(|| Disposition::Restock.as_str().to_owned()),
                error: None,
            })
            .collect();
        Loaded {
            ret,
            lines,
            items,
            scans,
        }
    }

    fn number(&self) -> &str {
        &self.ret.summary.number
    }

    fn receivable(&self) -> bool {
        receivable(self.ret.summary.status)
    }
}

#[derive(Template)]
#[template(path = "ui/floor/returns_bench.html")]
struct BenchPage {
    chrome: Chrome,
    loaded: Option<Loaded>,
    result: Option<(bool, String)>,
    notice: Option<String>,
    errors: Errors,
    note: String,
    dispositions: &'static [Disposition],
}

impl BenchPage {
    fn new(chrome: Chrome, loaded: Option<Loaded>) -> BenchPage {
        BenchPage {
            chrome,
            loaded,
            result: None,
            notice: None,
            errors: Errors::default(),
            note: String::new(),
            dispositions: Disposition::ALL,
        }
    }

    /// Whether the scan field holds the focus: a return still to receive items on.
    fn scanning(&self) -> bool {
        self.loaded.as_ref().is_none_or(|l| l.receivable())
    }
}

async fn load(s: &AppState, key: &str, scans: Vec<String>, f: Option<&Fields>) -> Result<Loaded, StoreError> {
    let (ret, open) = s.store.return_to_receive(key).await?;
    Ok(Loaded::new(ret, open, scans, f))
}

#[derive(Deserialize)]
struct BenchQuery {
    rma: Option<String>,
    done: Option<String>,
}

/// `GET /ui/returns/bench`: empty, or with a return on it (after receiving: its result).
async fn bench(staff: Staff<perm::MoveStock>, State(s): State<AppState>, Query(q): Query<BenchQuery>) -> Response {
    let loaded = match q.rma.as_deref().filter(|k| !k.is_empty()) {
        Some(key) => match load(&s, key, Vec::new(), None).await {
            Ok(loaded) => Some(loaded),
            Err(e) => return failed(e),
        },
        None => None,
    };
    let mut page = BenchPage::new(staff.chrome("returns"), loaded);
    if q.done.as_deref() == Some("received")
        && let Some(l) = &page.loaded
    {
        let r = &l.ret.summary;
        let mut notice = format!(
            "Received on {}: {} of {} units have arrived; the return is {}. Refunded so far: {}.",
            r.number, r.units_received, r.units, r.status, r.credited
        );
        if r.refund_approved_by.is_none() && r.settlement.is_none() {
            notice.push_str(" Its refund waits for a manager's approval.");
        }
        page.notice = Some(notice);
    }
    render(&page)
}

/// `POST /ui/returns/bench/scan`: an RMA number (when no return is on the bench) or one
/// item, checked at once against what is still outstanding.
async fn scan_code(
    staff: Staff<perm::MoveStock>,
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let code = f.get("code").trim().to_owned();
    let on_bench = match f.opt("rma") {
        Some(key) => match load(&s, &key, f.all("scan"), Some(&f)).await {
            Ok(loaded) => Some(loaded),
            Err(e) => return failed(e),
        },
        None => None,
    };
    let mut page = BenchPage::new(staff.chrome("returns"), None);
    page.note = f.get("note").to_owned();
    if code.is_empty() {
        page.loaded = on_bench;
        return render(&page);
    }
    let (loaded, ok, message) = match on_bench {
        Some(mut loaded) if loaded.receivable() => {
            let next = scan::next_scan(&loaded.items, &loaded.scans, &code);
            let message = next.message(&loaded.items, &code, "this return");
            match next {
                NextScan::Fits { item, scanned } => {
                    loaded.scans.push(loaded.items[item].sku.clone());
                    loaded.lines[item].scanned = scanned;
                    (Some(loaded), true, message)
                }
                _ => (Some(loaded), false, message),
            }
        }
        Some(loaded) => {
            let message = format!(
                "Return {} is {}: nothing more can be received on it",
                loaded.number(),
                loaded.ret.summary.status
            );
            (Some(loaded), false, message)
        }
        None => match load(&s, &code, Vec::new(), None).await {
            Ok(loaded) => {
                let message = format!(
                    "Return {} for order {}: {} units",
                    loaded.number(),
                    loaded.ret.summary.order_number,
                    loaded.ret.summary.units
                );
                let ok = loaded.receivable();
                (Some(loaded), ok, message)
            }
            Err(StoreError::NotFound { .. }) => (None, false, format!("No return {code}: scan the RMA number")),
            Err(e) => return failed(e),
        },
    };
    page.loaded = loaded;
    page.result = Some((ok, message));
    if ok { render(&page) } else { refused(&headers, &page) }
}

/// `POST /ui/returns/bench/receive`: the scanned items with their lines' dispositions,
/// to the store call the API makes.
async fn receive(
    staff: Staff<perm::MoveStock>,
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = Fields::parse(&body);
    let key = f.get("rma").to_owned();
    let mut loaded = match load(&s, &key, f.all("scan"), Some(&f)).await {
        Ok(loaded) => loaded,
        Err(e) => return failed(e),
    };
    // Which bench line each receipt item comes from, to show its errors there.
    let from: Vec<usize> = (0..loaded.lines.len())
        .filter(|&i| loaded.lines[i].scanned > 0)
        .collect();
    let input = ReturnReceiptInput {
        items: Some(
            from.iter()
                .map(|&i| {
                    let line = &loaded.lines[i];
                    ReturnItemInput {
                        sku: Some(line.sku.clone()),
                        barcode: None,
                        quantity: Some(line.scanned),
                        disposition: Disposition::parse(&line.disposition).ok(),
                    }
                })
                .collect(),
        ),
        note: f.opt("note"),
    };
    let result = match input.parse() {
        Ok(receipt) => s
            .store
            .receive_return(&key, &receipt, &staff.user().name)
            .await
            .map_err(Errors::from_store),
        Err(errors) => Err(Errors::fields(&errors)),
    };
    match result {
        Ok(ret) => {
            let detail = from
                .iter()
                .map(|&i| {
                    let line = &loaded.lines[i];
                    format!("{} × {} {}", line.scanned, line.sku, line.disposition)
                })
                .collect::<Vec<_>>()
                .join(", ");
            staff.audit(&s, "received_return", &ret.summary.number, &detail).await;
            see_other(
                &headers,
                &format!("/ui/returns/bench?rma={}&done=received", ret.summary.number),
            )
        }
        Err(errors) => {
            for (k, &i) in from.iter().enumerate() {
                loaded.lines[i].error = ["sku", "quantity", "disposition"]
                    .iter()
                    .find_map(|field| errors.get(&format!("items/{k}/{field}")))
                    .map(str::to_owned);
            }
            let mut page = BenchPage::new(staff.chrome("returns"), Some(loaded));
            page.note = f.get("note").to_owned();
            page.errors = errors;
            refused(&headers, &page)
        }
    }
}
