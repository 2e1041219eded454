//! Purchase orders: create, list, read, receive goods against them (stock moves into
//! the destination through the ledger), close and cancel.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use switchyard_core::purchase::{PurchaseOrderInput, PurchaseOrderStatus, PurchaseReceiptInput};
use switchyard_core::validation;
use switchyard_store::purchase::{PurchaseOrder, PurchaseOrderFilter, PurchaseOrderSummary, ReceiptOutcome};
use switchyard_store::{Page, PageRequest};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PurchaseOrderQuery {
    status: Option<PurchaseOrderStatus>,
    /// Destination location code or id.
    location: Option<String>,
    /// Orders with a line for this SKU (or product id).
    sku: Option<String>,
    /// Case-insensitive text to find in the supplier's name.
    supplier: Option<String>,
    /// Changed at or after (RFC 3339), for sync clients.
    updated_since: Option<Timestamp>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500. Default 50.
    limit: Option<i64>,
}

/// Why a purchase order is closed or cancelled.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    #[schema(example = "supplier discontinued the colour")]
    pub reason: Option<String>,
}

/// Closes the purchase order, or cancels it when `cancel` is set.
async fn end(
    s: &AppState,
    caller: &Allowed<perm::ManageCatalog>,
    key: &str,
    body: Option<ApiJson<CloseInput>>,
    cancel: bool,
) -> ApiResult<Json<PurchaseOrder>> {
    let raw = body.and_then(|b| b.0.reason);
    let reason = validation::reason_field(raw.as_deref()).map_err(ApiError::validation)?;
    let (reason, actor) = (reason.as_deref(), caller.actor());
    let po = if cancel {
        s.store.cancel_purchase_order(key, reason, &actor).await?
    } else {
        s.store.close_purchase_order(key, reason, &actor).await?
    };
    Ok(Json(po))
}

/// Create a purchase order
///
/// Orders goods from a supplier for delivery to a location. Every invalid field is
/// reported at once (unknown SKUs and locations included) and nothing is stored. The
/// order gets the next number, `PO-1001` and up, and starts `open`; its outstanding
/// lines count as inbound stock for available-to-promise from then on. `expected_at`
/// (on the order as a default, or per line) is an RFC 3339 date, meaning midnight UTC,
/// or time. Writes `purchase_order.created` to the outbox.
#[utoipa::path(post, path = "/api/v1/purchase-orders", tag = "purchasing", request_body(content = PurchaseOrderInput, example = json!({
        "supplier": {"name": "Fernhill Ceramics", "reference": "FC-88213", "email": "orders@fernhill.example"},
        "location": "LON", "currency": "GBP", "expected_at": "2026-12-01",
        "lines": [
            {"sku": "MUG-FERN", "quantity": 120, "unit_cost": {"amount": 450, "currency": "GBP"}},
            {"sku": "TEE-BLA-M", "quantity": 60, "expected_at": "2026-12-15T09:00:00Z"}
        ],
        "notes": "deliver to dock 2"
    })),
    responses(
        (status = 201, description = "Created", body = PurchaseOrder),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_purchase_order(
    caller: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<PurchaseOrderInput>,
) -> ApiResult<impl IntoResponse> {
    let draft = input.parse().map_err(ApiError::validation)?;
    let po = s.store.create_purchase_order(&draft, &caller.actor()).await?;
    let location = format!("/api/v1/purchase-orders/{}", po.summary.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(po)))
}

/// List purchase orders
///
/// Newest first, cursor-paged, with filters.
#[utoipa::path(get, path = "/api/v1/purchase-orders", tag = "purchasing", params(PurchaseOrderQuery),
    responses(
        (status = 200, description = "A page of purchase orders", body = Page<PurchaseOrderSummary>),
        (status = 404, description = "Unknown SKU or location", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_purchase_orders(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<PurchaseOrderQuery>,
) -> ApiResult<Json<Page<PurchaseOrderSummary>>> {
    let filter = PurchaseOrderFilter {
        status: q.status,
        location: q.location,
        sku: q.sku,
        supplier: q.supplier,
        updated_since: q.updated_since,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.store.list_purchase_orders(&filter, &page).await?))
}

/// Read a purchase order
///
/// By id or number, with its lines (ordered, received and outstanding units) and its
/// receipts (each one a `receipt` movement of the ledger).
#[utoipa::path(get, path = "/api/v1/purchase-orders/{key}", tag = "purchasing",
    params(("key" = String, Path, description = "Purchase order id or number")),
    responses(
        (status = 200, description = "The purchase order", body = PurchaseOrder),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_purchase_order(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<PurchaseOrder>> {
    Ok(Json(s.store.purchase_order(&key).await?))
}

/// Receive goods
///
/// Records units received against a purchase order's lines, named by `line` number or
/// by `sku` (which fills that SKU's lines earliest expected first). In one transaction:
/// the received quantities, a `receipt` movement per line into the destination
/// location with the order's number as `reference`, the new status
/// (`partially_received`, or `received` once nothing is outstanding) and a
/// `purchase_order.received` outbox message. Receiving more than is outstanding is a
/// 422 naming each receipt line at fault (`exceeds_outstanding`), and nothing changes.
/// A received, closed or cancelled order takes no receipts: 409 `invalid_transition`.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{key}/receipts", tag = "purchasing",
    request_body(content = PurchaseReceiptInput, example = json!({
        "lines": [{"line": 1, "quantity": 48}, {"sku": "TEE-BLA-M", "quantity": 60}],
        "note": "delivery note DN-5521"
    })),
    params(
        ("key" = String, Path, description = "Purchase order id or number"),
    ),
    responses(
        (status = 201, description = "Received: the purchase order after it and the ledger rows written", body = ReceiptOutcome),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the order's state, or its location is archived", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, an unknown line, or more than is outstanding", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn receive_purchase_order(
    caller: Allowed<perm::MoveStock>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<PurchaseReceiptInput>,
) -> ApiResult<(StatusCode, Json<ReceiptOutcome>)> {
    let request = input.parse().map_err(ApiError::validation)?;
    let outcome = s.store.receive_purchase_order(&key, &request, &caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(outcome)))
}

/// Close a purchase order
///
/// Stops expecting what is still outstanding: the order's lines no longer count as
/// inbound. Allowed while it is `open` or `partially_received`; writes
/// `purchase_order.closed` to the outbox.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{key}/close", tag = "purchasing",
    request_body(content = Option<CloseInput>, example = json!({"reason": "supplier discontinued the colour"})),
    params(("key" = String, Path, description = "Purchase order id or number")),
    responses(
        (status = 200, description = "Closed", body = PurchaseOrder),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the order's state", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn close_purchase_order(
    caller: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    body: Option<ApiJson<CloseInput>>,
) -> ApiResult<Json<PurchaseOrder>> {
    end(&s, &caller, &key, body, false).await
}

/// Submit a draft purchase order
///
/// Sends a `draft` (such as one made from replenishment suggestions) to its supplier:
/// it becomes `open` and its lines count as inbound stock from now on. Anything but a
/// draft is 409 `invalid_transition`. Writes `purchase_order.submitted` to the outbox.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{key}/submit", tag = "purchasing",
    params(("key" = String, Path, description = "Purchase order id or number")),
    responses(
        (status = 200, description = "Submitted", body = PurchaseOrder),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit_purchase_order(
    caller: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<PurchaseOrder>> {
    Ok(Json(s.store.submit_purchase_order(&key, &caller.actor()).await?))
}

/// Cancel a purchase order
///
/// Withdraws an order (or a draft) against which nothing was received; once goods arrived, close it
/// instead (409 `invalid_transition`). Writes `purchase_order.cancelled` to the outbox.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{key}/cancel", tag = "purchasing",
    request_body(content = Option<CloseInput>, example = json!({"reason": "ordered twice"})),
    params(("key" = String, Path, description = "Purchase order id or number")),
    responses(
        (status = 200, description = "Cancelled", body = PurchaseOrder),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the order's state", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel_purchase_order(
    caller: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    body: Option<ApiJson<CloseInput>>,
) -> ApiResult<Json<PurchaseOrder>> {
    end(&s, &caller, &key, body, true).await
}
