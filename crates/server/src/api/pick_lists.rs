//! Pick lists: batching released shipments for one walk of a location, reading them in
//! bin order, and confirming what was found (short picks go back to routing).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use switchyard_core::shipment::PickListStatus;
use switchyard_core::shipment::input::{PickConfirmInput, PickListInput};
use switchyard_store::shipment::{PickList, PickListFilter};
use switchyard_store::{Page, PageRequest};
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PickListQuery {
    /// Location code or id.
    location: Option<String>,
    status: Option<PickListStatus>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Create a pick list
///
/// Batches released shipments of one location into a pick list: the ones named in
/// `shipments`, or up to `max_shipments` of those matching the filters — promised to
/// leave by `ship_by` (a carrier's cut-off), released for `carrier`, single-unit or
/// multi-unit (`items`) — the earliest promised first. Its lines come in bin order with
/// the total of each SKU and the tote (slot) of each shipment; print it from
/// `GET .../pdf`. The shipments become `picking`.
#[utoipa::path(post, path = "/api/v1/pick-lists", tag = "fulfilment", request_body(content = PickListInput, example = json!({
        "location": "LON", "max_shipments": 20, "ship_by": "2026-11-20T16:00:00Z", "items": "single"
    })),
    responses(
        (status = 201, description = "Created", body = PickList),
        (status = 409, description = "No released shipment matches (`nothing_to_pick`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; named shipments unknown, elsewhere or not released", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_pick_list(
    caller: Allowed<perm::Fulfil>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<PickListInput>,
) -> ApiResult<impl IntoResponse> {
    let request = input.parse().map_err(ApiError::validation)?;
    let list = s.store.create_pick_list(&request, &caller.actor()).await?;
    let location = format!("/api/v1/pick-lists/{}", list.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(list)))
}

/// List pick lists
///
/// Newest first, by location and status.
#[utoipa::path(get, path = "/api/v1/pick-lists", tag = "fulfilment", params(PickListQuery),
    responses(
        (status = 200, description = "A page of pick lists", body = Page<PickList>),
        (status = 404, description = "Unknown location", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_pick_lists(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<PickListQuery>,
) -> ApiResult<Json<Page<PickList>>> {
    let filter = PickListFilter {
        location: q.location,
        status: q.status,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.store.list_pick_lists(&filter, &page).await?))
}

/// Read a pick list
#[utoipa::path(get, path = "/api/v1/pick-lists/{key}", tag = "fulfilment",
    params(("key" = String, Path, description = "Pick list number (PL-1001) or id")),
    responses(
        (status = 200, description = "The pick list", body = PickList),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_pick_list(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<PickList>> {
    Ok(Json(s.store.pick_list(&key).await?))
}

/// Confirm picks
///
/// Records what the picker found: name each SKU that was short with the units found;
/// a SKU not named was found in full. Found units fill the totes in slot order. A
/// shipment left short sends the short line back to routing as a backorder: its
/// reservation is released, the missing units are written off as `lost` (ledger
/// reference: the pick list id) and the order's timeline says so; a ship-complete
/// order sends all its lines back, and a shipment left with nothing is cancelled.
#[utoipa::path(post, path = "/api/v1/pick-lists/{key}/confirm", tag = "fulfilment", request_body(content = PickConfirmInput, example = json!({
        "picks": [{"sku": "MUG-FERN", "quantity": 3}]
    })),
    params(("key" = String, Path, description = "Pick list number or id")),
    responses(
        (status = 200, description = "Confirmed", body = PickList),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already confirmed (`pick_list_completed`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, SKUs not on the list, more found than listed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn confirm_picks(
    caller: Allowed<perm::Fulfil>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    body: Option<ApiJson<PickConfirmInput>>,
) -> ApiResult<Json<PickList>> {
    let picks = body
        .map(|b| b.0)
        .unwrap_or_default()
        .parse()
        .map_err(ApiError::validation)?;
    Ok(Json(s.store.confirm_picks(&key, &picks, &caller.actor()).await?))
}
