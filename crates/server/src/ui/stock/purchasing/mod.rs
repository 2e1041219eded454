//! Purchase orders: the list (status, supplier, first expected date), one order with
//! its lines (ordered, received, outstanding) and receipts, and receiving goods against
//! it line by line. Creating one is in `create`; drafts from reorder suggestions in
//! `suggestions`. What an order's status allows is
//! core's `purchase::transition`.

mod create;
mod end;
mod suggestions;

pub use create::{create, new};
pub use end::{cancel, close};
pub use suggestions::{accept as accept_suggestions, csv as suggestions_csv, page as suggestions};

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::purchase::{
    self as rules, PurchaseOrderAction, PurchaseOrderStatus, PurchaseReceiptInput, ReceiptLineInput,
};
use switchyard_store::purchase::{PurchaseOrder, PurchaseOrderFilter};
use switchyard_store::{PageRequest, StoreError};

use super::{Typed, next_link, when};
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Chrome, Errors, Staff, failed, render, render_status, see_other};

/// A date as purchase orders show when goods are expected.
fn day(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d").to_string()
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    supplier: String,
    #[serde(default)]
    sku: String,
    cursor: Option<String>,
}

pub struct ListRow {
    number: String,
    status: &'static str,
    supplier: String,
    location: String,
    expected: String,
    units_ordered: i64,
    units_received: i64,
}

#[derive(Template)]
#[template(path = "ui/stock/purchase_orders.html")]
struct ListPage {
    chrome: Chrome,
    q: ListQuery,
    statuses: Vec<String>,
    rows: Vec<ListRow>,
    next: Option<String>,
    problem: Option<String>,
}

/// `GET /ui/purchase-orders`
pub async fn list(staff: Staff, State(s): State<AppState>, Query(q): Query<ListQuery>) -> Response {
    let status = match Typed::text(&q.status).map(|raw| PurchaseOrderStatus::parse(&raw)) {
        Some(Ok(status)) => Some(status),
        Some(Err(_)) | None => None,
    };
    let filter = PurchaseOrderFilter {
        status,
        sku: Typed::text(&q.sku),
        supplier: Typed::text(&q.supplier),
        ..Default::default()
    };
    let page = PageRequest {
        cursor: q.cursor.clone(),
        limit: None,
    };
    let (rows, next, problem) = match s.store.list_purchase_orders(&filter, &page).await {
        Ok(orders) => {
            let ids: Vec<_> = orders.data.iter().map(|o| o.id.clone()).collect();
            let expected = match s.store.first_expected(&ids).await {
                Ok(e) => e,
                Err(e) => return failed(e),
            };
            let filters = [
                ("status", q.status.as_str()),
                ("supplier", q.supplier.as_str()),
                ("sku", q.sku.as_str()),
            ];
            let next = next_link("/ui/purchase-orders", &filters, orders.next_cursor.as_deref());
            let rows = orders
                .data
                .into_iter()
                .map(|o| ListRow {
                    expected: expected.get(&o.id).map(|t| day(*t)).unwrap_or_default(),
                    number: o.number,
                    status: o.status.as_str(),
                    supplier: o.supplier.name,
                    location: o.location,
                    units_ordered: o.units_ordered,
                    units_received: o.units_received,
                })
                .collect();
            (rows, next, None)
        }
        Err(e @ StoreError::NotFound { .. }) => (Vec::new(), None, Errors::from_store(e).summary),
        Err(e) => return failed(e),
    };
    render(&ListPage {
        chrome: staff.chrome("purchasing"),
        statuses: PurchaseOrderStatus::ALL.iter().map(|s| s.as_str().to_owned()).collect(),
        q,
        rows,
        next,
        problem,
    })
}

/// One line of the order page, with the receive field (what was typed, its error).
pub struct LineRow {
    line_no: i64,
    sku: String,
    quantity: i64,
    received: i64,
    outstanding: i64,
    unit_cost: String,
    expected: String,
    typed: String,
    error: Option<String>,
}

pub struct ReceiptRow {
    at: String,
    line_no: i64,
    sku: String,
    quantity: i64,
    note: String,
    actor: String,
}

#[derive(Template)]
#[template(path = "ui/stock/purchase_order.html")]
pub struct OrderPage {
    chrome: Chrome,
    po: PurchaseOrder,
    created_at: String,
    closed_at: String,
    lines: Vec<LineRow>,
    receipts: Vec<ReceiptRow>,
    /// What the status allows (core's transition): receive, close, cancel.
    receivable: bool,
    closable: bool,
    cancellable: bool,
    /// The receipt form's note and errors.
    note: String,
    errors: Errors,
    /// The close and cancel form's reason and errors.
    reason: String,
    end_errors: Errors,
    done: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    done: Option<String>,
}

/// The order page, its forms empty.
pub(super) fn order_page(chrome: Chrome, po: PurchaseOrder, done: Option<&str>) -> OrderPage {
    let lines = po
        .lines
        .iter()
        .map(|l| LineRow {
            line_no: l.line_no,
            sku: l.sku.clone(),
            quantity: l.quantity,
            received: l.received,
            outstanding: l.outstanding,
            unit_cost: l.unit_cost.map(|m| m.to_string()).unwrap_or_default(),
            expected: day(l.expected_at),
            typed: String::new(),
            error: None,
        })
        .collect();
    let receipts = po
        .receipts
        .iter()
        .map(|r| ReceiptRow {
            at: when(r.created_at),
            line_no: r.line_no,
            sku: r.sku.clone(),
            quantity: r.quantity,
            note: r.note.clone().unwrap_or_default(),
            actor: r.actor.clone(),
        })
        .collect();
    let allows = |action| rules::transition(po.summary.status, action).is_ok();
    OrderPage {
        chrome,
        created_at: when(po.summary.created_at),
        closed_at: po.summary.closed_at.map(when).unwrap_or_default(),
        receivable: allows(PurchaseOrderAction::Receive { completes: false }),
        closable: allows(PurchaseOrderAction::Close),
        cancellable: allows(PurchaseOrderAction::Cancel),
        po,
        lines,
        receipts,
        note: String::new(),
        errors: Errors::default(),
        reason: String::new(),
        end_errors: Errors::default(),
        done: match done {
            Some("created") => Some("Purchase order created."),
            Some("received") => Some("Goods received into stock."),
            Some("closed") => Some("Purchase order closed: the rest is no longer expected."),
            Some("cancelled") => Some("Purchase order cancelled."),
            _ => None,
        },
    }
}

/// `GET /ui/purchase-orders/{key}`
pub async fn page(
    staff: Staff,
    State(s): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    match s.store.purchase_order(&key).await {
        Ok(po) => render(&order_page(staff.chrome("purchasing"), po, q.done.as_deref())),
        Err(e) => failed(e),
    }
}

/// `POST /ui/purchase-orders/{key}/receive`: fields `line-{n}` (units of line `n`,
/// blank for none) and `note`.
pub async fn receive(
    staff: Staff<perm::MoveStock>,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let po = match s.store.purchase_order(&key).await {
        Ok(po) => po,
        Err(e) => return failed(e),
    };
    let mut typed = Typed::default();
    // The lines sent, in the order of the order's lines: the receipt's `/lines/{i}`.
    let mut sent: Vec<(i64, String)> = Vec::new();
    let mut lines = Vec::new();
    for line in &po.lines {
        let raw = form.get(&format!("line-{}", line.line_no)).cloned().unwrap_or_default();
        if raw.trim().is_empty() {
            continue;
        }
        let at = format!("/lines/{}/quantity", lines.len());
        lines.push(ReceiptLineInput {
            line: Some(line.line_no),
            sku: None,
            quantity: typed.whole(&at, &raw),
        });
        sent.push((line.line_no, raw));
    }
    let note = form.get("note").cloned().unwrap_or_default();
    let input = PurchaseReceiptInput {
        lines: Some(lines),
        note: Typed::text(&note),
    };
    let actor = staff.user().name.clone();
    let outcome = match typed.check(input.parse()) {
        Ok(request) => s
            .store
            .receive_purchase_order(&key, &request, &actor)
            .await
            .map_err(Errors::from_store),
        Err(errors) => Err(errors),
    };
    match outcome {
        Ok(outcome) => {
            let detail = outcome
                .movements
                .iter()
                .map(|m| format!("{} +{} at {}", m.sku, m.on_hand_delta, m.location))
                .collect::<Vec<_>>()
                .join("; ");
            let number = outcome.purchase_order.summary.number;
            staff.audit(&s, "purchase_order_received", &number, &detail).await;
            see_other(&headers, &format!("/ui/purchase-orders/{number}?done=received"))
        }
        Err(mut errors) => {
            if let Some(e) = errors.get("lines").map(str::to_owned) {
                errors.summary.get_or_insert(e);
            }
            let mut page = order_page(staff.chrome("purchasing"), po, None);
            for (i, (line_no, raw)) in sent.into_iter().enumerate() {
                if let Some(row) = page.lines.iter_mut().find(|r| r.line_no == line_no) {
                    row.error = errors.get(&format!("lines/{i}/quantity")).map(str::to_owned);
                    row.typed = raw;
                }
            }
            page.note = note;
            page.errors = errors;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
