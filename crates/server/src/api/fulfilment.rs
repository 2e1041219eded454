//! A location's fulfilment set-up — how its work reaches the floor, where its products
//! are kept — and the carrier registry.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use switchyard_core::carrier::{Carrier, CarrierInfo};
use switchyard_core::catalog::FulfilmentSettingsInput;
use switchyard_core::shipment::input::{BinInput, parse_bins};
use switchyard_store::shipment::{Bin, FulfilmentSettings};
use switchyard_store::{Page, PageRequest};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BinQuery {
    cursor: Option<String>,
    limit: Option<i64>,
}

/// The carriers Switchyard knows.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarrierList {
    pub data: Vec<CarrierInfo>,
}

/// A location's fulfilment settings
///
/// How its work reaches the floor, with the units waiting to be released and the
/// shipments on the floor.
#[utoipa::path(get, path = "/api/v1/locations/{key}/fulfilment", tag = "fulfilment",
    params(("key" = String, Path, description = "Location code or id")),
    responses(
        (status = 200, description = "The settings", body = FulfilmentSettings),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_fulfilment_settings(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<FulfilmentSettings>> {
    Ok(Json(s.store.fulfilment_settings(&key).await?))
}

/// Set a location's fulfilment settings
///
/// `auto` releases the location's work as it is reserved (the server checks every 30
/// seconds, and at once when switched on); `manual` waits for `POST /shipments/release`.
#[utoipa::path(put, path = "/api/v1/locations/{key}/fulfilment", tag = "fulfilment",
    request_body(content = FulfilmentSettingsInput, example = json!({"release_mode": "auto"})),
    params(("key" = String, Path, description = "Location code or id")),
    responses(
        (status = 200, description = "The settings", body = FulfilmentSettings),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_fulfilment_settings(
    caller: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<FulfilmentSettingsInput>,
) -> ApiResult<Json<FulfilmentSettings>> {
    let mode = input.parse().map_err(ApiError::validation)?;
    Ok(Json(s.store.set_release_mode(&key, mode, &caller.actor()).await?))
}

/// Set product bins
///
/// Where products are kept at the location: pick lists walk bins in text order
/// (zero-pad numbers: `A-03` sorts before `A-10`). Each SKU's bin is set, or removed
/// with a blank or null `bin`; other products keep theirs. Answers the bins set.
#[utoipa::path(put, path = "/api/v1/locations/{key}/bins", tag = "fulfilment", request_body(content = Vec<BinInput>, example = json!([
        {"sku": "TEE-BLA-M", "bin": "A-03-2"}, {"sku": "MUG-FERN", "bin": "C-11-1"}, {"sku": "CAP-STONE", "bin": null}
    ])),
    params(("key" = String, Path, description = "Location code or id")),
    responses(
        (status = 200, description = "The bins now set for these SKUs", body = Vec<Bin>),
        (status = 404, description = "Unknown location", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or unknown SKUs", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_bins(
    _: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<Vec<BinInput>>,
) -> ApiResult<Json<Vec<Bin>>> {
    let bins = parse_bins(&input).map_err(ApiError::validation)?;
    Ok(Json(s.store.set_bins(&key, &bins).await?))
}

/// A location's bins
///
/// In walking order (bin, then SKU), cursor-paged.
#[utoipa::path(get, path = "/api/v1/locations/{key}/bins", tag = "fulfilment", params(("key" = String, Path, description = "Location code or id"), BinQuery),
    responses(
        (status = 200, description = "A page of bins", body = Page<Bin>),
        (status = 404, description = "Unknown location", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_bins(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<BinQuery>,
) -> ApiResult<Json<Page<Bin>>> {
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.store.list_bins(&key, &page).await?))
}

/// Carriers
///
/// The carrier registry: name, tracking link template, accepted tracking-number
/// formats (each checked with its check digit) and default services per service level.
#[utoipa::path(get, path = "/api/v1/carriers", tag = "tracking",
    responses((status = 200, description = "The carriers", body = CarrierList)))]
pub async fn list_carriers(_: Allowed<perm::Read>) -> ApiResult<Json<CarrierList>> {
    Ok(Json(CarrierList {
        data: Carrier::registry().to_vec(),
    }))
}
