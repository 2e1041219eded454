//! Perfect order rate: of the decided orders, the share that were on time, complete,
//! undamaged and right, each component's rate, the trend, and the failing orders
//! (core::report::perfect).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchyard_core::report::{Bucket, PerfectComponent, PerfectCounts, PerfectReport, perfect_report};
use switchyard_core::validation::Invalid;
use switchyard_store::page::{Page, PageRequest};
use switchyard_store::report::PerfectFailure;
use utoipa::IntoParams;

use super::chart::{Series, line_chart};
use super::{ReportFormat, ReportParams, Table, no_sku, rate_cell, respond};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Allowed, ApiQuery, perm};

/// The perfect-order report's own parameter.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PerfectParams {
    /// The trend's buckets: `day`, `week` (default, from Monday) or `month`.
    pub bucket: Option<String>,
}

/// The failures list's own parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FailureParams {
    /// Only orders that failed this component.
    #[param(value_type = Option<PerfectComponent>)]
    pub component: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// Perfect order rate
///
/// Over the orders placed in the period that are decided — completed (every line
/// left delivered) or cancelled — the share that were perfect: **on time** (every
/// shipment delivered by its promise), **complete** (no backorder wait, no short pick,
/// no missing-item claim, no line or order cancelled unless the customer asked: the
/// channel's cancellations are the customer's, a staff cancellation only when its
/// reason names the customer), **undamaged** (no damaged-in-transit claim, no return as
/// damaged or defective) and **right** (no wrong-item claim or return, no carrier
/// exception or return to sender about the address). Orders cancelled whole at the
/// customer's request are counted apart (`customer_cancelled`) and left out of the
/// rates. Each component's rate is the share of decided orders that passed it. The
/// trend has every bucket of the period. The `sku` filter does not apply and is
/// refused. CSV: one row per bucket, rates as fractions 0-1. SVG: the rates' trend.
#[utoipa::path(get, path = "/api/v1/reports/perfect-orders", tag = "reports", params(ReportParams, PerfectParams),
    responses(
        (status = 200, description = "Perfect order rate and its trend", content(
            (PerfectReport = "application/json", example = json!({
                "from": "2026-11-02", "to": "2026-11-15", "bucket": "week",
                "total": {"counts": {"decided": 10, "perfect": 7, "customer_cancelled": 1, "late": 2, "incomplete": 1,
                    "damaged": 0, "wrong": 0}, "perfect_rate": 0.7, "on_time_rate": 0.8, "complete_rate": 0.9,
                    "undamaged_rate": 1.0, "right_rate": 1.0},
                "trend": [{"start": "2026-11-02", "counts": {"decided": 10, "perfect": 7, "customer_cancelled": 1,
                    "late": 2, "incomplete": 1, "damaged": 0, "wrong": 0}, "perfect_rate": 0.7, "on_time_rate": 0.8,
                    "complete_rate": 0.9, "undamaged_rate": 1.0, "right_rate": 1.0},
                    {"start": "2026-11-09", "counts": {"decided": 0, "perfect": 0, "customer_cancelled": 0, "late": 0,
                    "incomplete": 0, "damaged": 0, "wrong": 0}, "perfect_rate": null, "on_time_rate": null,
                    "complete_rate": null, "undamaged_rate": null, "right_rate": null}]
            })),
            (String = "text/csv"),
            (String = "image/svg+xml"),
        )),
        (status = 422, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn perfect_orders(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(params): ApiQuery<ReportParams>,
    ApiQuery(extra): ApiQuery<PerfectParams>,
) -> ApiResult<Response> {
    let report = compute(&s, &params, &extra).await?;
    respond(params.format(), report, table, chart)
}

/// Orders that were not perfect
///
/// The decided orders of the period (and filters) that failed a component (only
/// `component` when given), newest day first, each with the components it failed.
/// Cursor-paged. JSON only; the `sku` filter is refused.
#[utoipa::path(get, path = "/api/v1/reports/perfect-orders/failures", tag = "reports",
    params(ReportParams, FailureParams),
    responses(
        (status = 200, description = "A page of failing orders", body = Page<PerfectFailure>, example = json!({
            "data": [{"day": "2026-11-16", "order_id": "ord_01kb4v5n3m000000000000000", "number": "SY-1042",
                "failed": ["on_time", "undamaged"]}],
            "next_cursor": null
        })),
        (status = 422, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn perfect_order_failures(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(params): ApiQuery<ReportParams>,
    ApiQuery(extra): ApiQuery<FailureParams>,
) -> ApiResult<Response> {
    if params.format() != ReportFormat::Json {
        return Err(ApiError::validation(vec![
            Invalid::new("unsupported_format", "the failures list answers JSON only").at("format"),
        ]));
    }
    let failures = failures(&s, &params, extra).await?;
    Ok(Json(failures).into_response())
}

/// The report the filters ask for: 422 naming a bad parameter.
pub async fn compute(s: &AppState, params: &ReportParams, extra: &PerfectParams) -> ApiResult<PerfectReport> {
    let bucket = match extra.bucket.as_deref().map(Bucket::parse).transpose() {
        Ok(bucket) => bucket.unwrap_or(Bucket::Week),
        Err(invalid) => return Err(ApiError::validation(vec![invalid.at("bucket")])),
    };
    let scope = params.scope(s).await?;
    no_sku(params, "an order is not one SKU")?;
    let days = s.store.perfect_days(&scope).await?;
    Ok(perfect_report(scope.filter.from, scope.filter.to, bucket, &days))
}

/// A page of the failing orders the filters ask for: 422 naming a bad parameter.
pub async fn failures(s: &AppState, params: &ReportParams, extra: FailureParams) -> ApiResult<Page<PerfectFailure>> {
    let component = match extra.component.as_deref().map(PerfectComponent::parse).transpose() {
        Ok(component) => component,
        Err(invalid) => return Err(ApiError::validation(vec![invalid.at("component")])),
    };
    let scope = params.scope(s).await?;
    no_sku(params, "an order is not one SKU")?;
    let page = PageRequest {
        cursor: extra.cursor,
        limit: extra.limit,
    };
    Ok(s.store.perfect_failures(&scope, component, &page).await?)
}

pub fn table(r: &PerfectReport) -> Table {
    Table {
        name: format!("perfect-orders-{}-{}", r.from, r.to),
        header: ["start"]
            .into_iter()
            .chain(PerfectCounts::NAMES)
            .chain([
                "perfect_rate",
                "on_time_rate",
                "complete_rate",
                "undamaged_rate",
                "right_rate",
            ])
            .collect(),
        rows: r
            .trend
            .iter()
            .map(|p| {
                let (c, t) = (&p.rates.counts, &p.rates);
                let mut row = vec![p.start.to_string()];
                row.extend(c.values().map(|v| v.to_string()));
                row.extend([
                    rate_cell(t.perfect_rate),
                    rate_cell(t.on_time_rate),
                    rate_cell(t.complete_rate),
                    rate_cell(t.undamaged_rate),
                    rate_cell(t.right_rate),
                ]);
                row
            })
            .collect(),
    }
}

pub fn chart(r: &PerfectReport) -> Result<String, super::chart::ChartError> {
    let labels: Vec<String> = r.trend.iter().map(|p| p.start.to_string()).collect();
    let line = |name: &str, f: fn(&switchyard_core::report::PerfectRates) -> Option<f64>| Series {
        name: name.to_owned(),
        values: r.trend.iter().map(|p| f(&p.rates).map(|v| v * 100.0)).collect(),
    };
    let series = [
        line("Perfect", |t| t.perfect_rate),
        line("On time", |t| t.on_time_rate),
        line("Complete", |t| t.complete_rate),
        line("Undamaged", |t| t.undamaged_rate),
        line("Right", |t| t.right_rate),
    ];
    let title = format!("Perfect order rate per {}, {} to {}", r.bucket, r.from, r.to);
    line_chart(&title, "% of decided orders", &labels, &series)
}
