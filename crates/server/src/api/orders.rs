//! Orders: placement (idempotent by channel and external id, and by Idempotency-Key),
//! filtered lists, the full order with its timeline, and hold, release and cancel.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use switchyard_core::order::{FulfilmentStatus, HoldInput, OrderInput, OrderStatus};
use switchyard_core::validation;
use switchyard_store::order::{Order, OrderFilter, OrderSummary, Placement};
use switchyard_store::{Page, PageRequest};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};
use crate::{AppState, telemetry};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    status: Option<OrderStatus>,
    fulfilment_status: Option<FulfilmentStatus>,
    /// Channel code or id.
    channel: Option<String>,
    /// Placed at or after (RFC 3339).
    placed_from: Option<Timestamp>,
    /// Placed before (RFC 3339).
    placed_to: Option<Timestamp>,
    /// Changed at or after (RFC 3339), for sync clients.
    updated_since: Option<Timestamp>,
    /// Text to find in the order number, external id, customer email or name.
    q: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Why an order or line is cancelled.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    #[schema(example = "customer changed their mind")]
    pub reason: Option<String>,
}

pub(crate) fn reason(input: Option<CancelInput>) -> ApiResult<Option<String>> {
    let raw = input.and_then(|i| i.reason);
    validation::reason_field(raw.as_deref()).map_err(ApiError::validation)
}

/// Place an order
///
/// Validates the order (every invalid field at once), computes and checks its totals,
/// reserves stock at the best location the channel may ship from, and stores it with
/// a human number. The same channel and `external_id` returns the existing order with
/// 200 instead of a second one. When stock is short, a `reject` channel gets a 409
/// naming each short line and nothing is stored; a `backorder` channel gets the order
/// with those lines backordered.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body(content = OrderInput, example = json!({
        "channel": "web", "external_id": "1001", "currency": "GBP",
        "customer": {"email": "ann@example.com", "name": "Ann Smith"},
        "shipping_address": {"name": "Ann Smith", "line1": "1 High Street", "city": "Leeds", "postal_code": "LS1 4AP", "country": "GB"},
        "lines": [{"sku": "TEE-BLA-M", "quantity": 2, "unit_price": {"amount": 1800, "currency": "GBP"}, "tax": {"amount": 720, "currency": "GBP"}}],
        "shipping": {"amount": {"amount": 399, "currency": "GBP"}},
        "tags": ["gift"]
    })),
    responses(
        (status = 201, description = "Placed", body = Order),
        (status = 200, description = "Already placed: the existing order", body = Order),
        (status = 409, description = "Not enough stock (reject channels), or Idempotency-Key in use", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_order(
    caller: Allowed<perm::PlaceOrders>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<OrderInput>,
) -> ApiResult<impl IntoResponse> {
    let channel = input.channel.clone();
    let placed = place(&s, &caller.actor(), input).await;
    let outcome = placed.as_ref().map(|p| p.created).map_err(|e| e.status().as_u16());
    telemetry::count_placement(&s.store, channel.as_deref().unwrap_or_default(), outcome).await;
    let placement = placed?;
    let status = if placement.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let location = format!("/api/v1/orders/{}", placement.order.summary.id);
    Ok((status, [(header::LOCATION, location)], Json(placement.order)))
}

/// Validates and places an order, refused or placed.
async fn place(s: &AppState, actor: &str, input: OrderInput) -> ApiResult<Placement> {
    let draft = input.parse().map_err(ApiError::validation)?;
    Ok(s.store.place_order(&draft, actor).await?)
}

/// List orders
///
/// Newest first, with filters and free-text search; cursor-paged.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderQuery),
    responses(
        (status = 200, description = "A page of orders", body = Page<OrderSummary>),
        (status = 404, description = "The `channel` filter names no channel", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_orders(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> ApiResult<Json<Page<OrderSummary>>> {
    let filter = OrderFilter {
        status: q.status,
        fulfilment_status: q.fulfilment_status,
        channel: q.channel,
        placed_from: q.placed_from,
        placed_to: q.placed_to,
        updated_since: q.updated_since,
        q: q.q,
    };
    Ok(Json(
        s.store
            .list_orders(
                &filter,
                &PageRequest {
                    cursor: q.cursor,
                    limit: q.limit,
                },
            )
            .await?,
    ))
}

/// Read an order
///
/// By id or number, with its lines, reservations and timeline.
#[utoipa::path(get, path = "/api/v1/orders/{key}", tag = "orders",
    params(("key" = String, Path, description = "Order id or number")),
    responses(
        (status = 200, description = "The order", body = Order),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_order(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<Order>> {
    Ok(Json(s.store.order(&key).await?))
}

/// Cancel an order
///
/// Cancels every line and releases the reserved stock. A completed or cancelled order
/// cannot be cancelled: 409 naming its status.
#[utoipa::path(post, path = "/api/v1/orders/{key}/cancel", tag = "orders",
    request_body(content = Option<CancelInput>, example = json!({"reason": "customer changed their mind"})),
    params(("key" = String, Path, description = "Order id or number")),
    responses(
        (status = 200, description = "Cancelled", body = Order),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the order's state", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel_order(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    body: Option<ApiJson<CancelInput>>,
) -> ApiResult<Json<Order>> {
    let reason = reason(body.map(|b| b.0))?;
    Ok(Json(
        s.store.cancel_order(&key, reason.as_deref(), &caller.actor()).await?,
    ))
}

/// Cancel one line
///
/// Cancels a line (by id or line number) and releases its stock; the order is
/// cancelled with its last line.
#[utoipa::path(post, path = "/api/v1/orders/{key}/lines/{line}/cancel", tag = "orders",
    request_body(content = Option<CancelInput>, example = json!({"reason": "out of this colour"})),
    params(("key" = String, Path, description = "Order id or number"), ("line" = String, Path, description = "Line id or line number")),
    responses(
        (status = 200, description = "Line cancelled", body = Order),
        (status = 404, description = "Order or line not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Line already cancelled, or order not open", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel_order_line(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    Path((key, line)): Path<(String, String)>,
    body: Option<ApiJson<CancelInput>>,
) -> ApiResult<Json<Order>> {
    let reason = reason(body.map(|b| b.0))?;
    Ok(Json(
        s.store
            .cancel_line(&key, &line, reason.as_deref(), &caller.actor())
            .await?,
    ))
}

/// Hold an order
///
/// Holds an open order back from fulfilment, with a reason and optionally until a
/// time; it keeps its reservations.
#[utoipa::path(post, path = "/api/v1/orders/{key}/hold", tag = "orders", request_body(content = HoldInput, example = json!({
        "reason": "fraud_review", "note": "AVS mismatch, calling the customer"
    })),
    params(("key" = String, Path, description = "Order id or number")),
    responses(
        (status = 200, description = "Held", body = Order),
        (status = 409, description = "Not open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn hold_order(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<HoldInput>,
) -> ApiResult<Json<Order>> {
    let hold = input.parse(s.store.now()).map_err(ApiError::validation)?;
    Ok(Json(s.store.hold_order(&key, &hold, &caller.actor()).await?))
}

/// Release a held order
#[utoipa::path(post, path = "/api/v1/orders/{key}/release", tag = "orders",
    params(("key" = String, Path, description = "Order id or number")),
    responses(
        (status = 200, description = "Released", body = Order),
        (status = 409, description = "Not on hold", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn release_order(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<Order>> {
    Ok(Json(s.store.release_order(&key, &caller.actor()).await?))
}
