//! Stock: levels per (SKU, location), the ledger, and the movements people make —
//! receipts, adjustments, cycle counts and transfers. Every change goes through the
//! ledger; none may take on-hand stock below zero or below what is reserved.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchyard_core::inventory::{
    AdjustmentInput, CountInput, MovementKind, ReceiptInput, StockRequest, TransferInput,
};
use switchyard_core::validation;
use switchyard_store::atp::AvailableToPromise;
use switchyard_store::inventory::{LevelFilter, Movement, MovementContext, MovementFilter, StockLevel};
use switchyard_store::{Page, PageRequest};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LevelQuery {
    /// SKU or product id.
    sku: Option<String>,
    /// Location code or id.
    location: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovementQuery {
    /// SKU or product id.
    sku: Option<String>,
    /// Location code or id.
    location: Option<String>,
    kind: Option<MovementKind>,
    /// What caused the movements, e.g. an order id.
    reference: Option<String>,
    /// Movements at or after this time (RFC 3339).
    since: Option<Timestamp>,
    /// Movements before this time (RFC 3339).
    until: Option<Timestamp>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AtpQuery {
    /// SKU or product id.
    #[param(required = true)]
    sku: Option<String>,
}

/// What a stock change wrote to the ledger, with the balances after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockChange {
    pub movements: Vec<Movement>,
}

/// Stock levels
///
/// `on_hand`, `reserved` and `available` per (SKU, location). Asking for one SKU at
/// one location where nothing was ever stocked answers with zeros.
#[utoipa::path(get, path = "/api/v1/inventory/levels", tag = "inventory", params(LevelQuery),
    responses(
        (status = 200, description = "A page of levels", body = Page<StockLevel>),
        (status = 404, description = "Unknown SKU or location", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_levels(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<LevelQuery>,
) -> ApiResult<Json<Page<StockLevel>>> {
    let filter = LevelFilter {
        sku: q.sku,
        location: q.location,
    };
    Ok(Json(
        s.store
            .levels(
                &filter,
                &PageRequest {
                    cursor: q.cursor,
                    limit: q.limit,
                },
            )
            .await?,
    ))
}

/// The inventory ledger
///
/// Every movement, newest first, with the balance after it.
#[utoipa::path(get, path = "/api/v1/inventory/movements", tag = "inventory", params(MovementQuery),
    responses(
        (status = 200, description = "A page of movements", body = Page<Movement>),
        (status = 404, description = "Unknown SKU or location", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_movements(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<MovementQuery>,
) -> ApiResult<Json<Page<Movement>>> {
    let filter = MovementFilter {
        sku: q.sku,
        location: q.location,
        kind: q.kind,
        reference: q.reference,
        since: q.since,
        until: q.until,
    };
    Ok(Json(
        s.store
            .movements(
                &filter,
                &PageRequest {
                    cursor: q.cursor,
                    limit: q.limit,
                },
            )
            .await?,
    ))
}

/// Available-to-promise
///
/// What can be promised of one SKU, now and by each date a purchase order delivery is
/// expected, per location and in total.
///
/// Per location: `on_hand` and `reserved` are the balance; `available` is
/// `on_hand - reserved` now; `inbound` is the units still outstanding on lines of
/// `open` and `partially_received` purchase orders delivering there, whatever their
/// expected date. `by_date` has one step per distinct expected date (time) of those
/// lines, earliest first: `available` plus every inbound unit expected at that
/// location at or before that date. A late delivery keeps its (past) expected date.
/// A location is listed when it has a balance or inbound units for the SKU.
///
/// In `total`: `on_hand`, `reserved`, `available` and `inbound` are the sums over the
/// locations; `backordered` is the sum of the quantities of `backordered` lines for the
/// SKU on `open` and `on_hold` orders (backorders reserve nothing and are tied to no
/// location, so they appear in the total only). `total.by_date` has one step per
/// expected date at any location: the sum of the locations' projections at that date
/// minus `backordered`, i.e. `available + inbound expected by then - backordered`. It
/// is negative while backorders exceed what will be there; what can be promised now
/// is `available - backordered`. Without inbound stock, `by_date` is empty.
#[utoipa::path(get, path = "/api/v1/inventory/atp", tag = "inventory", params(AtpQuery),
    responses(
        (status = 200, description = "The projection", body = AvailableToPromise),
        (status = 404, description = "Unknown SKU", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No SKU given", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_atp(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<AtpQuery>,
) -> ApiResult<Json<AvailableToPromise>> {
    let sku = validation::required_param("sku", q.sku.as_deref()).map_err(ApiError::validation)?;
    Ok(Json(s.store.available_to_promise(&sku).await?))
}

async fn apply(
    s: &AppState,
    caller: &Allowed<perm::MoveStock>,
    request: Result<StockRequest, Vec<switchyard_core::FieldError>>,
) -> ApiResult<(StatusCode, Json<StockChange>)> {
    let r = request.map_err(ApiError::validation)?;
    let ctx = MovementContext {
        actor: caller.actor(),
        note: r.note,
        reference: r.reference,
    };
    let movements = s.store.move_stock(&r.sku, &r.location, r.command, &ctx).await?;
    Ok((StatusCode::CREATED, Json(StockChange { movements })))
}

/// Receive stock
///
/// Goods arrived at a location: on-hand stock goes up.
#[utoipa::path(post, path = "/api/v1/inventory/receipts", tag = "inventory", request_body(content = ReceiptInput, example = json!({
        "sku": "TEE-BLA-M", "location": "LON", "quantity": 24, "reference": "DN-5521", "note": "delivery from the mill"
    })),
    responses(
        (status = 201, description = "Received", body = StockChange),
        (status = 404, description = "Unknown SKU or location", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_receipt(
    caller: Allowed<perm::MoveStock>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<ReceiptInput>,
) -> ApiResult<(StatusCode, Json<StockChange>)> {
    apply(&s, &caller, input.parse()).await
}

/// Adjust stock
///
/// A signed correction with a reason (damaged, lost, found, ...). Refused with 409
/// when it would take on-hand stock below zero or below what is reserved.
#[utoipa::path(post, path = "/api/v1/inventory/adjustments", tag = "inventory", request_body(content = AdjustmentInput, example = json!({
        "sku": "TEE-BLA-M", "location": "LON", "quantity": -2, "reason": "damaged", "note": "torn in the shop"
    })),
    responses(
        (status = 201, description = "Adjusted", body = StockChange),
        (status = 409, description = "Would go below zero or below reserved", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_adjustment(
    caller: Allowed<perm::MoveStock>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<AdjustmentInput>,
) -> ApiResult<(StatusCode, Json<StockChange>)> {
    apply(&s, &caller, input.parse()).await
}

/// Record a cycle count
///
/// The counted quantity replaces on-hand stock; the ledger records the difference.
/// Refused with 409 when the count is below what is reserved.
#[utoipa::path(post, path = "/api/v1/inventory/counts", tag = "inventory", request_body(content = CountInput, example = json!({
        "sku": "TEE-BLA-M", "location": "LON", "counted": 17, "note": "shelf A3 counted"
    })),
    responses(
        (status = 201, description = "Counted", body = StockChange),
        (status = 409, description = "Below reserved", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_count(
    caller: Allowed<perm::MoveStock>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<CountInput>,
) -> ApiResult<(StatusCode, Json<StockChange>)> {
    apply(&s, &caller, input.parse()).await
}

/// Transfer stock
///
/// Moves units from one location to another in one transaction: a transfer-out and
/// a transfer-in movement.
#[utoipa::path(post, path = "/api/v1/inventory/transfers", tag = "inventory", request_body(content = TransferInput, example = json!({
        "sku": "TEE-BLA-M", "from": "LON", "to": "NJ-3PL", "quantity": 5, "reference": "TR-0042"
    })),
    responses(
        (status = 201, description = "Transferred", body = StockChange),
        (status = 409, description = "Not enough unreserved stock at the source", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_transfer(
    caller: Allowed<perm::MoveStock>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<TransferInput>,
) -> ApiResult<(StatusCode, Json<StockChange>)> {
    let t = input.parse().map_err(ApiError::validation)?;
    let ctx = MovementContext {
        actor: caller.actor(),
        note: t.note,
        reference: t.reference,
    };
    let movements = s.store.transfer(&t.sku, &t.from, &t.to, t.quantity, &ctx).await?;
    Ok((StatusCode::CREATED, Json(StockChange { movements })))
}
