//! Stored demand forecasts: read one (`GET /api/v1/forecasts`) or make them all now
//! (`POST /api/v1/forecasts/refresh`). The sweep makes them nightly
//! (`lifecycle::Step::Forecasts`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use switchyard_core::report::ReportQuery;
use switchyard_core::validation::required_param;
use switchyard_store::forecast::{ForecastRefresh, StoredForecast};
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// The SKU.
    #[param(example = "TEE-BLK-M")]
    sku: Option<String>,
    /// A location's code: the SKU's demand shipped from there (unshipped orders spread
    /// by its shipped shares). Without it: the SKU everywhere.
    location: Option<String>,
}

/// A SKU's demand forecast
///
/// The stored forecast of a SKU's daily demand in units, 56 days from the day it was
/// made, with 80 % and 95 % intervals, the method chosen and when it was made. Kits
/// have none: their sales are their components' demand.
#[utoipa::path(get, path = "/api/v1/forecasts", tag = "reports", params(ForecastQuery),
    responses(
        (status = 200, description = "The forecast", body = StoredForecast),
        (status = 404, description = "No forecast stored for this SKU (and location)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or unknown SKU or location", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_forecast(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ForecastQuery>,
) -> ApiResult<Json<StoredForecast>> {
    let sku = required_param("sku", q.sku.as_deref()).map_err(ApiError::validation)?;
    let query = ReportQuery {
        sku: Some(sku.clone()),
        location: q.location.clone(),
        ..ReportQuery::default()
    };
    let today = s.store.report_today().await?;
    let filter = query.parse(today).map_err(ApiError::validation)?;
    let scope = s.store.report_scope(&filter).await?.map_err(ApiError::validation)?;
    let product = scope.product_id.unwrap_or_default();
    match s.store.stored_forecast(&product, scope.location_id.as_deref()).await? {
        Some(f) => Ok(Json(f)),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no forecast is stored for {sku} (a kit, or a SKU with no sales yet, or not refreshed)"),
        )),
    }
}

/// The refresh's body: an empty JSON object (nothing to choose yet).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {}

/// Make every forecast now
///
/// Reads the last year of daily demand per SKU and per SKU × location (kits through
/// their components) and stores a forecast of each. Answers with how many SKUs were
/// forecast. 409 while another refresh runs.
#[utoipa::path(post, path = "/api/v1/forecasts/refresh", tag = "reports",
    request_body(content = RefreshRequest, example = json!({})),
    responses(
        (status = 200, description = "The forecasts were made", body = ForecastRefresh,
            example = json!({"skus": 42, "forecasts": 97})),
        (status = 409, description = "Another refresh is running", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh_forecasts(
    _: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    ApiJson(body): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Json<ForecastRefresh>> {
    // `RefreshRequest` has no fields, and serde would read `[]` as one: the body must be
    // a JSON object, and an empty one.
    if let Some(field) = body.keys().next() {
        return Err(ApiError::validation(vec![switchyard_core::validation::FieldError {
            field: format!("/{field}"),
            code: "unknown_field",
            message: "is not a field of this request".to_owned(),
        }]));
    }
    match s.store.refresh_forecasts().await? {
        Some(done) => Ok(Json(done)),
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            "forecast_refresh_running",
            "another refresh of the forecasts is running; try again when it ends",
        )),
    }
}
