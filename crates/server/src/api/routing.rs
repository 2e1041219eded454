//! Routing: the network's shipping zones and capabilities, simulation of a routing
//! decision, and the operator's levers — disable a location, re-route an order.

use axum::Json;
use axum::extract::{Path, State};
use switchyard_core::catalog::ComponentInput;
use switchyard_core::routing::SimulationInput;
use switchyard_core::routing::zone::ZoneInput;
use switchyard_store::catalog::{Location, Product};
use switchyard_store::order::{Order, Simulation};

use crate::AppState;
use crate::api::orders::CancelInput;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, perm};

/// Simulate routing
///
/// Answers where a hypothetical order would ship from — the chosen plan with its
/// shipments, cost and promised dates, the runner-up and why it lost — without
/// reserving anything. Plans minimise, in order: lines that cannot ship now, number of
/// shipments, shipping cost, the latest promised delivery, then location priority.
#[utoipa::path(post, path = "/api/v1/routing/simulate", tag = "routing", request_body(content = SimulationInput, example = json!({
        "channel": "web", "destination": {"country": "GB", "postal_code": "LS1 4AP"}, "service_level": "standard",
        "lines": [{"sku": "TEE-BLA-M", "quantity": 1}, {"sku": "MUG-FERN", "quantity": 2}]
    })),
    responses(
        (status = 200, description = "The decision", body = Simulation),
        (status = 422, description = "Invalid fields, unknown channel or SKU", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn simulate(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<SimulationInput>,
) -> ApiResult<Json<Simulation>> {
    let draft = input.parse().map_err(ApiError::validation)?;
    Ok(Json(s.store.simulate_route(&draft).await?))
}

/// Set a location's shipping zones
///
/// Replaces the list. Each zone is a destination (country, optionally a region or a
/// postal-code prefix) and a service level with its cost per shipment, cost per kg
/// and transit days; the most specific matching zone applies. A location with zones
/// ships only to them; one with none ships anywhere at no recorded cost.
#[utoipa::path(put, path = "/api/v1/locations/{key}/zones", tag = "routing", request_body(content = Vec<ZoneInput>, example = json!([
        {"country": "GB", "service_level": "standard", "cost_per_shipment": {"amount": 395, "currency": "GBP"}, "cost_per_kg": {"amount": 50, "currency": "GBP"}, "transit_days": 2},
        {"country": "GB", "postal_prefix": "BT", "service_level": "standard", "cost_per_shipment": {"amount": 895, "currency": "GBP"}, "transit_days": 3}
    ])),
    params(("key" = String, Path, description = "Location id or code")),
    responses(
        (status = 200, description = "The location with its zones", body = Location),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid zones", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_zones(
    _: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(zones): ApiJson<Vec<ZoneInput>>,
) -> ApiResult<Json<Location>> {
    Ok(Json(s.store.set_zones(&key, &zones).await?))
}

/// Disable a location
///
/// Takes the location out of routing (an outage, a stock take) and re-routes the
/// open orders reserved there to the next best plan, or to backorder.
#[utoipa::path(post, path = "/api/v1/locations/{key}/disable", tag = "routing",
    params(("key" = String, Path, description = "Location id or code")),
    responses(
        (status = 200, description = "Disabled", body = Location),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn disable_location(
    caller: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<Location>> {
    Ok(Json(s.store.disable_location(&key, &caller.actor()).await?))
}

/// Enable a location
///
/// Puts a disabled location back into routing; orders waiting for stock it has are served.
#[utoipa::path(post, path = "/api/v1/locations/{key}/enable", tag = "routing",
    params(("key" = String, Path, description = "Location id or code")),
    responses(
        (status = 200, description = "Enabled", body = Location),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn enable_location(
    _: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<Location>> {
    Ok(Json(s.store.enable_location(&key).await?))
}

/// Set a kit's components
///
/// Makes the product a kit: one unit of it reserves these components, all from one
/// location. An empty list makes it an ordinary product again. Refused while the kit
/// is on open orders, or when the product has stock of its own.
#[utoipa::path(put, path = "/api/v1/products/{key}/components", tag = "catalog", request_body(content = Vec<ComponentInput>, example = json!([
        {"sku": "MUG-FERN", "quantity": 2}, {"sku": "CANDLE-FIG", "quantity": 1}
    ])),
    params(("key" = String, Path, description = "Product id or SKU")),
    responses(
        (status = 200, description = "The kit", body = Product),
        (status = 409, description = "In use or has stock", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid components", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_components(
    _: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(parts): ApiJson<Vec<ComponentInput>>,
) -> ApiResult<Json<Product>> {
    Ok(Json(s.store.set_components(&key, &parts).await?))
}

/// Re-route an order
///
/// Releases the order's reservations and routes its lines again: to the best plan
/// now, or to backorder. The timeline records what moved and why.
#[utoipa::path(post, path = "/api/v1/orders/{key}/reroute", tag = "orders", request_body(content = Option<CancelInput>, example = json!({"reason": "LON is short after a stock count"})),
    params(("key" = String, Path, description = "Order id or number")),
    responses(
        (status = 200, description = "Re-routed", body = Order),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not open", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reroute_order(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    body: Option<ApiJson<CancelInput>>,
) -> ApiResult<Json<Order>> {
    let reason = crate::api::orders::reason(body.map(|b| b.0))?;
    Ok(Json(
        s.store.reroute_order(&key, reason.as_deref(), &caller.actor()).await?,
    ))
}
