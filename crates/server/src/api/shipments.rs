//! Shipments: releasing a location's work to its floor, the floor's lists (by status
//! and location, late, exceptions), and a shipment's way out — pack with scans, label,
//! ship — or cancellation before it ships.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use switchyard_core::carrier::Carrier;
use switchyard_core::shipment::ShipmentStatus;
use switchyard_core::shipment::input::{LabelInput, PackInput, ReleaseInput};
use switchyard_store::shipment::{Shipment, ShipmentFilter, ShipmentSummary, ShipmentView};
use switchyard_store::{Page, PageRequest};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::orders::{CancelInput, reason};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShipmentQuery {
    status: Option<ShipmentStatus>,
    /// Location code or id.
    location: Option<String>,
    /// Order number or id.
    order: Option<String>,
    carrier: Option<Carrier>,
    /// Pick list number or id.
    pick_list: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FloorQuery {
    /// Location code or id.
    location: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// The shipments a release made, one per order; read one for its lines and addresses.
#[derive(Debug, Serialize, ToSchema)]
pub struct Released {
    pub shipments: Vec<ShipmentSummary>,
}

/// Release work to the floor
///
/// Turns the location's reservations not yet in a shipment — of open orders, all or
/// those of the `orders` or `channels` named — into one shipment per order, with the
/// promised ship and delivery dates, most urgent order first. Held orders stay back.
/// The outbox hears `shipment.released` for each. Releasing nothing is not an error.
#[utoipa::path(post, path = "/api/v1/shipments/release", tag = "fulfilment", request_body(content = ReleaseInput, example = json!({
        "location": "LON", "channels": ["web"]
    })),
    responses(
        (status = 200, description = "The shipments made", body = Released),
        (status = 422, description = "Invalid fields, unknown location, order or channel", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn release_shipments(
    caller: Allowed<perm::Fulfil>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<ReleaseInput>,
) -> ApiResult<Json<Released>> {
    let request = input.parse().map_err(ApiError::validation)?;
    let shipments = s.store.release_shipments(&request, &caller.actor()).await?;
    Ok(Json(Released { shipments }))
}

fn page(cursor: Option<String>, limit: Option<i64>) -> PageRequest {
    PageRequest { cursor, limit }
}

/// List shipments
///
/// Newest first; filter by status, location, order, carrier or pick list — e.g. the
/// packed shipments of one location waiting for labels.
#[utoipa::path(get, path = "/api/v1/shipments", tag = "fulfilment", params(ShipmentQuery),
    responses(
        (status = 200, description = "A page of shipments", body = Page<ShipmentSummary>),
        (status = 404, description = "Unknown location, order or pick list", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_shipments(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ShipmentQuery>,
) -> ApiResult<Json<Page<ShipmentSummary>>> {
    let filter = ShipmentFilter {
        status: q.status,
        location: q.location,
        order: q.order,
        carrier: q.carrier,
        pick_list: q.pick_list,
        view: ShipmentView::All,
    };
    Ok(Json(s.store.list_shipments(&filter, &page(q.cursor, q.limit)).await?))
}

async fn floor(s: &AppState, q: FloorQuery, view: ShipmentView) -> ApiResult<Json<Page<ShipmentSummary>>> {
    let filter = ShipmentFilter {
        location: q.location,
        view,
        ..Default::default()
    };
    Ok(Json(s.store.list_shipments(&filter, &page(q.cursor, q.limit)).await?))
}

/// Late shipments
///
/// Shipments past their promised ship time that have not shipped, the most overdue first.
#[utoipa::path(get, path = "/api/v1/shipments/late", tag = "fulfilment", params(FloorQuery),
    responses(
        (status = 200, description = "A page of late shipments", body = Page<ShipmentSummary>),
        (status = 404, description = "Unknown location", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_late_shipments(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<FloorQuery>,
) -> ApiResult<Json<Page<ShipmentSummary>>> {
    floor(&s, q, ShipmentView::Late).await
}

/// Shipment exceptions
///
/// Shipments the carrier reported a problem with (`exception`) or is sending back
/// (`returned_to_sender`), newest first.
#[utoipa::path(get, path = "/api/v1/shipments/exceptions", tag = "fulfilment", params(FloorQuery),
    responses(
        (status = 200, description = "A page of shipments with problems", body = Page<ShipmentSummary>),
        (status = 404, description = "Unknown location", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_shipment_exceptions(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<FloorQuery>,
) -> ApiResult<Json<Page<ShipmentSummary>>> {
    floor(&s, q, ShipmentView::Exceptions).await
}

/// Read a shipment
///
/// By number (`SO-100513-1`) or id, with its addresses, lines, package, label, tracking
/// link, tracking timeline, and — once delivered — the delivery against its promise.
#[utoipa::path(get, path = "/api/v1/shipments/{key}", tag = "fulfilment",
    params(("key" = String, Path, description = "Shipment number or id")),
    responses(
        (status = 200, description = "The shipment", body = Shipment),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_shipment(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<Shipment>> {
    Ok(Json(s.store.shipment(&key).await?))
}

/// The shipments of an order
///
/// Oldest first: where each part of the order is.
#[utoipa::path(get, path = "/api/v1/orders/{key}/shipments", tag = "orders",
    params(("key" = String, Path, description = "Order number or id")),
    responses(
        (status = 200, description = "The order's shipments", body = Vec<ShipmentSummary>),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_order_shipments(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<Vec<ShipmentSummary>>> {
    Ok(Json(s.store.order_shipments(&key).await?))
}

/// Pack a shipment
///
/// Send every unit scanned at the bench — its SKU or barcode (GTIN), once per unit —
/// and the package. Unless the scans match the shipment's lines exactly, nothing is
/// packed and the answer is `422 scan_mismatch`, naming each wrong item (`/scans/{i}`)
/// and each item scanned too few or too many times. Packing a packed shipment again
/// replaces its package. Held orders are not packed (409).
#[utoipa::path(post, path = "/api/v1/shipments/{key}/pack", tag = "fulfilment", request_body(content = PackInput, example = json!({
        "scans": ["5012345678900", "5012345678900", "MUG-FERN"],
        "package": {"package_type": "box-s", "weight_grams": 640, "length_mm": 300, "width_mm": 200, "height_mm": 100}
    })),
    params(("key" = String, Path, description = "Shipment number or id")),
    responses(
        (status = 200, description = "Packed", body = Shipment),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not packable in its state, or the order is held", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or scans that do not match (`scan_mismatch`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn pack_shipment(
    caller: Allowed<perm::Fulfil>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<PackInput>,
) -> ApiResult<Json<Shipment>> {
    let request = input.parse().map_err(ApiError::validation)?;
    Ok(Json(s.store.pack_shipment(&key, &request, &caller.actor()).await?))
}

/// Create a label
///
/// Gives a packed shipment its carrier, service and tracking number. With the
/// `manual` provider you enter the number from the carrier's own tool, checked against
/// the carrier's format and check digit; `simulated` issues a number in the carrier's
/// real format and reports a plausible journey as time passes (demos and tests). Print
/// it from `GET .../label`.
#[utoipa::path(post, path = "/api/v1/shipments/{key}/label", tag = "fulfilment", request_body(content = LabelInput, example = json!({
        "provider": "manual", "carrier": "ups", "service": "UPS Ground", "tracking_number": "1Z5R89390357567127",
        "cost": {"amount": 1295, "currency": "USD"}
    })),
    params(("key" = String, Path, description = "Shipment number or id")),
    responses(
        (status = 200, description = "Labelled", body = Shipment),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not packed, the order is held, or the tracking number is on another shipment", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or tracking number", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_label(
    caller: Allowed<perm::Fulfil>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<LabelInput>,
) -> ApiResult<Json<Shipment>> {
    Ok(Json(s.store.create_label(&key, &input, &caller.actor()).await?))
}

/// Void a label
///
/// Takes the label off a shipment that has not shipped; it is packed again.
#[utoipa::path(post, path = "/api/v1/shipments/{key}/label/void", tag = "fulfilment",
    params(("key" = String, Path, description = "Shipment number or id")),
    responses(
        (status = 200, description = "Voided", body = Shipment),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No label, or already shipped", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn void_label(
    _: Allowed<perm::Fulfil>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<Shipment>> {
    Ok(Json(s.store.void_label(&key).await?))
}

/// Ship a shipment
///
/// Confirms a labelled shipment left with the carrier: its stock leaves through the
/// ledger (`ship` movements take on hand and reserved down), its lines become
/// `shipped`, the order's fulfilment status follows (`partially_shipped` or `shipped`),
/// the timeline records it and the outbox hears `shipment.shipped`.
#[utoipa::path(post, path = "/api/v1/shipments/{key}/ship", tag = "fulfilment",
    params(("key" = String, Path, description = "Shipment number or id")),
    responses(
        (status = 200, description = "Shipped", body = Shipment),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No label yet, already shipped, or the order is held", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ship_shipment(
    caller: Allowed<perm::Fulfil>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<Shipment>> {
    Ok(Json(s.store.ship_shipment(&key, &caller.actor()).await?))
}

/// Cancel a shipment
///
/// Withdraws a shipment that has not shipped from the floor. Its stock stays reserved
/// for the order and waits to be released again — at once at an `auto` location; hold
/// the order to keep it off the floor.
#[utoipa::path(post, path = "/api/v1/shipments/{key}/cancel", tag = "fulfilment", request_body(content = Option<CancelInput>, example = json!({"reason": "parcel damaged while packing"})),
    params(("key" = String, Path, description = "Shipment number or id")),
    responses(
        (status = 200, description = "Cancelled", body = Shipment),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already shipped or cancelled", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel_shipment(
    caller: Allowed<perm::Fulfil>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    body: Option<ApiJson<CancelInput>>,
) -> ApiResult<Json<Shipment>> {
    let reason = reason(body.map(|b| b.0))?;
    Ok(Json(
        s.store
            .cancel_shipment(&key, reason.as_deref(), &caller.actor())
            .await?,
    ))
}
