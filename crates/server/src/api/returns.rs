//! Returns (RMAs), their labels, receipts with dispositions, exchanges; claims; the
//! quarantine and the return-rate report. The rules are `core::returns` (inputs are
//! parsed there, and the label rule lives there); the handlers only translate.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchyard_core::returns::{
    self, AuthorizeInput, ClaimInput, ClaimReason, ClaimResolution, ExchangeInput, RejectInput, ReturnInput,
    ReturnReason, ReturnReceiptInput, ReturnStatus,
};
use switchyard_documents::{LabelData, Party, label_pdf, label_zpl};
use switchyard_store::returns::{Claim, ClaimFilter, QuarantineLevel, Return, ReturnFilter, ReturnRate, ReturnSummary};
use switchyard_store::{Page, PageRequest};
use utoipa::IntoParams;

use super::documents::{Binary, date, file, render};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReturnQuery {
    status: Option<ReturnStatus>,
    /// Returns with a line for this reason.
    reason: Option<ReturnReason>,
    /// Returns with a line of this SKU (or product id).
    sku: Option<String>,
    /// The order's number or id.
    order: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500. Default 50.
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClaimQuery {
    reason: Option<ClaimReason>,
    resolution: Option<ClaimResolution>,
    /// The order's number or id.
    order: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuarantineQuery {
    /// SKU (or product id).
    sku: Option<String>,
    /// Location code (or id).
    location: Option<String>,
}

/// Request a return
///
/// Opens a return (RMA) for shipped lines of an order, each with a reason. Every line is
/// checked against what shipped (minus what is already on returns or claims) and the
/// channel's `return_window_days` counted from delivery (or shipment, when delivery is
/// not known); each problem is a 422 at its field (`outside_return_window`,
/// `exceeds_returnable`, `not_shipped`, `unknown_line`) and nothing is stored. The
/// return gets the next RMA number, starts `requested`, and the order's timeline says
/// `order.return_requested`.
#[utoipa::path(post, path = "/api/v1/returns", tag = "returns", request_body(content = ReturnInput, example = json!({
        "order": "SO-100042",
        "lines": [{"line_no": 1, "quantity": 1, "reason": "too_small", "note": "the medium fits like a small"}],
        "customer_note": "can I have a large instead?"
    })),
    responses(
        (status = 201, description = "Requested", body = Return),
        (status = 422, description = "Invalid fields, outside the window or more than returnable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_return(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<ReturnInput>,
) -> ApiResult<impl IntoResponse> {
    let draft = input.parse().map_err(ApiError::validation)?;
    let ret = s.store.request_return(&draft, &caller.actor()).await?;
    let location = format!("/api/v1/returns/{}", ret.summary.number);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(ret)))
}

/// List returns
///
/// Newest first, cursor-paged, filtered by status, reason, SKU and order.
#[utoipa::path(get, path = "/api/v1/returns", tag = "returns", params(ReturnQuery),
    responses(
        (status = 200, description = "A page of returns", body = Page<ReturnSummary>),
        (status = 404, description = "Unknown SKU", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_returns(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ReturnQuery>,
) -> ApiResult<Json<Page<ReturnSummary>>> {
    let filter = ReturnFilter {
        status: q.status,
        reason: q.reason,
        sku: q.sku,
        order: q.order,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.store.list_returns(&filter, &page).await?))
}

/// Read a return
///
/// By id or RMA number, with its lines (requested, received and settled units, and
/// what became of them) and its receipts.
#[utoipa::path(get, path = "/api/v1/returns/{key}", tag = "returns",
    params(("key" = String, Path, description = "RMA number or id")),
    responses(
        (status = 200, description = "The return", body = Return),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_return(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<Return>> {
    Ok(Json(s.store.return_request(&key).await?))
}

/// Authorize a return
///
/// The customer may send the items back, to `location` (default: the location that
/// shipped them), with the return label. Authorized by a role that may refund
/// (manager, admin), the return's refund is approved with it (`refund_approved_by`)
/// and a channel whose `refund_on` is `authorization` refunds now
/// (`order.return_settled`). Authorized by support, nothing is refunded — now or when
/// the items arrive — until a manager approves the refund
/// (`POST /returns/{key}/refund`).
#[utoipa::path(post, path = "/api/v1/returns/{key}/authorize", tag = "returns",
    request_body(content = Option<AuthorizeInput>, example = json!({"location": "LON"})),
    params(("key" = String, Path, description = "RMA number or id")),
    responses(
        (status = 200, description = "Authorized", body = Return),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the return's state, or the refund was refused", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown location", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn authorize_return(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    body: Option<ApiJson<AuthorizeInput>>,
) -> ApiResult<Json<Return>> {
    let auth = body
        .map(|b| b.0)
        .unwrap_or_default()
        .parse()
        .map_err(ApiError::validation)?;
    Ok(Json(s.store.authorize_return(&key, &auth, &caller.as_actor()).await?))
}

/// Approve a return's refund
///
/// For a return authorized by a role that may not refund: approves its refund (needs
/// the `refund` permission) and refunds what is due now — every authorized unit on a
/// channel that refunds on authorization, what arrived on one that refunds on receipt
/// (`order.return_settled`); later receipts refund on this approval. A return received
/// in full and settled is `closed`. A return already approved keeps its approval.
#[utoipa::path(post, path = "/api/v1/returns/{key}/refund", tag = "returns",
    params(("key" = String, Path, description = "RMA number or id")),
    responses(
        (status = 200, description = "Approved, and what was due refunded", body = Return),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the return's state (not authorized yet, or ended), or the refund was refused", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn approve_return_refund(
    caller: Allowed<perm::Refund>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<Return>> {
    Ok(Json(s.store.approve_return_refund(&key, &caller.as_actor()).await?))
}

/// Reject a return
///
/// Refuses a requested return; the `note` (required) says why. Its units may be asked
/// for again.
#[utoipa::path(post, path = "/api/v1/returns/{key}/reject", tag = "returns",
    request_body(content = RejectInput, example = json!({"note": "worn and washed: not returnable"})),
    params(("key" = String, Path, description = "RMA number or id")),
    responses(
        (status = 200, description = "Rejected", body = Return),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the return's state", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No note", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reject_return(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<RejectInput>,
) -> ApiResult<Json<Return>> {
    let note = input.rejection().map_err(ApiError::validation)?;
    Ok(Json(s.store.reject_return(&key, &note, &caller.actor()).await?))
}

/// Cancel a return
///
/// Withdraws a requested or authorized return before anything arrived; its units may
/// be asked for again. The optional `note` says why.
#[utoipa::path(post, path = "/api/v1/returns/{key}/cancel", tag = "returns",
    request_body(content = Option<RejectInput>, example = json!({"note": "customer decided to keep it"})),
    params(("key" = String, Path, description = "RMA number or id")),
    responses(
        (status = 200, description = "Cancelled", body = Return),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the return's state", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel_return(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    body: Option<ApiJson<RejectInput>>,
) -> ApiResult<Json<Return>> {
    let note = body
        .map(|b| b.0)
        .unwrap_or_default()
        .cancellation()
        .map_err(ApiError::validation)?;
    Ok(Json(
        s.store.cancel_return(&key, note.as_deref(), &caller.actor()).await?,
    ))
}

/// Receive returned items
///
/// The returning location scans the items in, by `sku` or `barcode`, each with a
/// disposition: `restock` puts them back on hand (a `return_restock` ledger row with
/// the RMA number as reference) and waiting backorders get them; `quarantine` counts
/// them apart, not sellable (`GET /inventory/quarantine`); `scrap` records them on the
/// return only. An item not on the return or more than authorized is a 422 naming it,
/// and nothing changes. On a channel that refunds on receipt, what arrived is refunded
/// (`order.return_settled`) when the return's refund was approved — on the approver's
/// authority, not the receiver's; otherwise it waits for `POST /returns/{key}/refund`.
/// A return received in full and settled is `closed`.
#[utoipa::path(post, path = "/api/v1/returns/{key}/receive", tag = "returns",
    request_body(content = ReturnReceiptInput, example = json!({
        "items": [{"sku": "TEE-BLA-M", "quantity": 1, "disposition": "restock"},
                  {"barcode": "5012345678900", "disposition": "quarantine"}],
        "note": "tag missing on the second"
    })),
    params(
        ("key" = String, Path, description = "RMA number or id"),
    ),
    responses(
        (status = 200, description = "Received", body = Return),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the return's state", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An item not on the return, or more than authorized", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn receive_return(
    caller: Allowed<perm::MoveStock>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<ReturnReceiptInput>,
) -> ApiResult<Json<Return>> {
    let receipt = input.parse().map_err(ApiError::validation)?;
    Ok(Json(s.store.receive_return(&key, &receipt, &caller.actor()).await?))
}

/// Exchange a return
///
/// Settles an authorized return, not settled yet, with a replacement order for other
/// SKUs or sizes (prices default to each product's price): same channel, customer and
/// address, reserved at once through the normal placement path, linked to the return.
/// The return's credit pays for it; when the replacement is cheaper the difference is
/// refunded on the original order (`exchange_difference`), when dearer the difference
/// is recorded as due on the new order (`exchange_difference`). Refunding the
/// difference needs the `refund` permission, or a return whose refund was approved:
/// otherwise 403 naming `refund`, and no replacement is placed.
#[utoipa::path(post, path = "/api/v1/returns/{key}/exchange", tag = "returns",
    request_body(content = ExchangeInput, example = json!({"lines": [{"sku": "TEE-ORG-L", "quantity": 1}]})),
    params(("key" = String, Path, description = "RMA number or id")),
    responses(
        (status = 200, description = "Exchanged: the return, with its replacement order", body = Return),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not authorized, already settled, or not enough stock for the replacement", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid lines", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn exchange_return(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<ExchangeInput>,
) -> ApiResult<Json<Return>> {
    let lines = input.parse().map_err(ApiError::validation)?;
    Ok(Json(s.store.exchange_return(&key, &lines, &caller.as_actor()).await?))
}

/// What a return label shows: from the customer to the returning location, the RMA
/// number as its reference and barcode.
pub(crate) fn label_data(ret: &Return) -> ApiResult<LabelData> {
    let summary = &ret.summary;
    let (to, authorized_at) = returns::label(&summary.number, summary.authorized_at, ret.ship_to.as_ref())
        .map_err(|e| ApiError::new(StatusCode::CONFLICT, "no_label", e.to_string()))?;
    let mut from = Party::from_address(&ret.ship_from);
    from.name = ret.customer.name.clone();
    Ok(LabelData {
        carrier: "RETURN".to_owned(),
        service: format!("Return to {}", summary.location.clone().unwrap_or_default()),
        tracking_number: summary.number.clone(),
        from,
        to: Party::from_address(to),
        phone: to.phone.clone(),
        weight_grams: 0,
        package: format!("{} unit(s)", summary.units),
        shipment: summary.number.clone(),
        order: summary.order_number.clone(),
        ship_date: date(Some(authorized_at)),
    })
}

/// Print a return label (PDF)
///
/// The 4x6 inch label of an authorized return: from the customer to the returning
/// location, with the RMA number as its reference and Code 128 barcode.
#[utoipa::path(get, path = "/api/v1/returns/{key}/label.pdf", tag = "returns",
    params(("key" = String, Path, description = "RMA number or id")),
    responses(
        (status = 200, description = "The label", content((Binary = "application/pdf"))),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not authorized yet (`no_label`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_return_label_pdf(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    label_pdf_file(&s.store.return_request(&key).await?).await
}

/// The return label of `ret` as a PDF answer (the API's and the customer's returns page's).
pub(crate) async fn label_pdf_file(ret: &Return) -> ApiResult<Response> {
    let label = label_data(ret)?;
    let name = format!("return-label-{}.pdf", ret.summary.number);
    Ok(file(render(label, label_pdf).await?, "application/pdf", name))
}

/// Print a return label (ZPL)
///
/// The same label in ZPL II for Zebra-compatible thermal printers at 203 dpi.
#[utoipa::path(get, path = "/api/v1/returns/{key}/label.zpl", tag = "returns",
    params(("key" = String, Path, description = "RMA number or id")),
    responses(
        (status = 200, description = "The label", content((String = "text/plain"))),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not authorized yet (`no_label`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_return_label_zpl(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let ret = s.store.return_request(&key).await?;
    let label = label_data(&ret)?;
    let name = format!("return-label-{}.zpl", ret.summary.number);
    Ok(file(label_zpl(&label).into_bytes(), "text/plain; charset=utf-8", name))
}

/// File a claim
///
/// Goods that went wrong on the way — `item_missing`, `damaged_in_transit`,
/// `wrong_item_sent` — for shipped lines (no more than shipped and not already on
/// returns or claims), made good without anything coming back: `refund` gives the
/// lines' shares back through the order's payment provider (reason `claim`; it needs
/// the `refund` permission: 403 naming it otherwise, and nothing is filed);
/// `replacement` places a free order for the same lines (price 0), linked to the
/// claim and reserved at once. The reason is kept for reporting; the order's timeline
/// says `order.claim_filed`.
#[utoipa::path(post, path = "/api/v1/orders/{key}/claims", tag = "returns",
    request_body(content = ClaimInput, example = json!({
        "reason": "damaged_in_transit", "resolution": "replacement",
        "lines": [{"line_no": 1, "quantity": 1}], "note": "the box arrived crushed"
    })),
    params(("key" = String, Path, description = "Order number or id")),
    responses(
        (status = 201, description = "Filed and made good", body = Claim),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The refund was refused, or not enough stock for the replacement", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or more than shipped", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_claim(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<ClaimInput>,
) -> ApiResult<(StatusCode, Json<Claim>)> {
    let draft = input.parse().map_err(ApiError::validation)?;
    let claim = s.store.file_claim(&key, &draft, &caller.as_actor()).await?;
    Ok((StatusCode::CREATED, Json(claim)))
}

/// List claims
///
/// Newest first, cursor-paged, filtered by reason, resolution and order.
#[utoipa::path(get, path = "/api/v1/claims", tag = "returns", params(ClaimQuery),
    responses((status = 200, description = "A page of claims", body = Page<Claim>)))]
pub async fn list_claims(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ClaimQuery>,
) -> ApiResult<Json<Page<Claim>>> {
    let filter = ClaimFilter {
        reason: q.reason,
        resolution: q.resolution,
        order: q.order,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.store.list_claims(&filter, &page).await?))
}

/// Stock in quarantine
///
/// Returned units received into quarantine, by SKU and location: counted, not part of
/// on-hand or available stock.
#[utoipa::path(get, path = "/api/v1/inventory/quarantine", tag = "inventory", params(QuarantineQuery),
    responses(
        (status = 200, description = "Quarantined stock", body = Vec<QuarantineLevel>),
        (status = 404, description = "Unknown SKU or location", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_quarantine(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<QuarantineQuery>,
) -> ApiResult<Json<Vec<QuarantineLevel>>> {
    Ok(Json(s.store.quarantine(q.sku.as_deref(), q.location.as_deref()).await?))
}

/// Return rates
///
/// Per SKU: units shipped, units on returns (not rejected or cancelled), the rate, and
/// the returned units by reason. Highest rate first.
#[utoipa::path(get, path = "/api/v1/reports/returns", tag = "returns",
    responses((status = 200, description = "Return rate per SKU", body = Vec<ReturnRate>)))]
pub async fn returns_report(_: Allowed<perm::Read>, State(s): State<AppState>) -> ApiResult<Json<Vec<ReturnRate>>> {
    Ok(Json(s.store.returns_report().await?))
}
