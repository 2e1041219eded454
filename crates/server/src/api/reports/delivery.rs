//! Promised vs actual delivery: per carrier, service, location or destination country,
//! the shipments delivered, the on-time rate, how late the late ones were and whose
//! fault, and the hours from placement to shipment (core::report::delivery).

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::report::{DeliveryGroup, DeliveryGroupBy, DeliveryReport, delivery_report};
use utoipa::IntoParams;

use super::chart::{Series, stacked_bar_chart};
use super::{ReportParams, Table, cell, no_sku, rate_cell, respond};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Allowed, ApiQuery, perm};

/// The delivery report's own parameter.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Group shipments by `carrier` (default), `service`, `location` or `country`
    /// (of the destination).
    #[param(value_type = Option<DeliveryGroupBy>)]
    pub by: Option<String>,
}

/// Promised vs actual delivery
///
/// The shipments of the orders placed in the period, grouped `by` carrier (default),
/// service, location or destination country, lowest on-time rate first, and over all:
/// how many were delivered and on time (by the promised delivery time), the late ones'
/// mean and 90th-percentile days late (whole days started) and their spread (1, 2, 3,
/// 4-6, 7+ days), whose fault each was (`warehouse`: shipped after the promised ship
/// time; `carrier`: in transit longer than the promise allowed; `both`; `unknown`: no
/// promised ship time), and the hours from placement to shipment (50th, 90th, 95th
/// percentiles, nearest rank). The `sku` filter does not apply (a shipment is not one
/// SKU) and is refused. CSV: one row per group then `all`; rates are fractions 0-1.
/// SVG: stacked bars per group of on-time and late shipments by cause.
#[utoipa::path(get, path = "/api/v1/reports/delivery", tag = "reports", params(ReportParams, DeliveryParams),
    responses(
        (status = 200, description = "Delivery against its promise", content(
            (DeliveryReport = "application/json", example = json!({
                "from": "2026-11-01", "to": "2026-11-30", "by": "carrier",
                "total": {"group": "all", "delivered": 10, "on_time": 6, "late": 4, "on_time_rate": 0.6,
                    "mean_days_late": 2.25, "p90_days_late": 5,
                    "days_late": {"on_time": 6, "one": 2, "two": 1, "three": 0, "four_to_six": 1, "seven_plus": 0},
                    "late_cause": {"warehouse": 1, "carrier": 2, "both": 1, "unknown": 0},
                    "shipped": 11, "hours_to_ship": {"p50": 4, "p90": 30, "p95": 30}},
                "groups": [{"group": "ups", "delivered": 10, "on_time": 6, "late": 4, "on_time_rate": 0.6,
                    "mean_days_late": 2.25, "p90_days_late": 5,
                    "days_late": {"on_time": 6, "one": 2, "two": 1, "three": 0, "four_to_six": 1, "seven_plus": 0},
                    "late_cause": {"warehouse": 1, "carrier": 2, "both": 1, "unknown": 0},
                    "shipped": 11, "hours_to_ship": {"p50": 4, "p90": 30, "p95": 30}}]
            })),
            (String = "text/csv"),
            (String = "image/svg+xml"),
        )),
        (status = 422, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn delivery(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(params): ApiQuery<ReportParams>,
    ApiQuery(extra): ApiQuery<DeliveryParams>,
) -> ApiResult<Response> {
    let report = compute(&s, &params, &extra).await?;
    respond(params.format(), report, table, chart)
}

/// The report the filters ask for: 422 naming a bad parameter.
pub async fn compute(s: &AppState, params: &ReportParams, extra: &DeliveryParams) -> ApiResult<DeliveryReport> {
    let by = match extra.by.as_deref().map(DeliveryGroupBy::parse).transpose() {
        Ok(by) => by.unwrap_or(DeliveryGroupBy::Carrier),
        Err(invalid) => return Err(ApiError::validation(vec![invalid.at("by")])),
    };
    let scope = params.scope(s).await?;
    no_sku(params, "a shipment is not one SKU")?;
    let (cells, ship) = s.store.delivery_cells(&scope, by).await?;
    Ok(delivery_report(scope.filter.from, scope.filter.to, by, &cells, &ship))
}

fn row(g: &DeliveryGroup) -> Vec<String> {
    vec![
        g.group.clone(),
        g.delivered.to_string(),
        g.on_time.to_string(),
        g.late.to_string(),
        rate_cell(g.on_time_rate),
        rate_cell(g.mean_days_late),
        cell(g.p90_days_late),
        g.days_late.one.to_string(),
        g.days_late.two.to_string(),
        g.days_late.three.to_string(),
        g.days_late.four_to_six.to_string(),
        g.days_late.seven_plus.to_string(),
        g.late_cause.warehouse.to_string(),
        g.late_cause.carrier.to_string(),
        g.late_cause.both.to_string(),
        g.late_cause.unknown.to_string(),
        g.shipped.to_string(),
        cell(g.hours_to_ship.p50),
        cell(g.hours_to_ship.p90),
        cell(g.hours_to_ship.p95),
    ]
}

pub fn table(r: &DeliveryReport) -> Table {
    let mut rows: Vec<Vec<String>> = r.groups.iter().map(row).collect();
    rows.push(row(&r.total));
    Table {
        name: format!("delivery-{}-{}", r.from, r.to),
        header: vec![
            r.by.as_str(),
            "delivered",
            "on_time",
            "late",
            "on_time_rate",
            "mean_days_late",
            "p90_days_late",
            "late_1_day",
            "late_2_days",
            "late_3_days",
            "late_4_6_days",
            "late_7_plus_days",
            "late_warehouse",
            "late_carrier",
            "late_both",
            "late_unknown",
            "shipped",
            "hours_to_ship_p50",
            "hours_to_ship_p90",
            "hours_to_ship_p95",
        ],
        rows,
    }
}

pub fn chart(r: &DeliveryReport) -> Result<String, super::chart::ChartError> {
    let labels: Vec<String> = r
        .groups
        .iter()
        .map(|g| {
            if g.group.is_empty() {
                "(none)".to_owned()
            } else {
                g.group.clone()
            }
        })
        .collect();
    let layer = |name: &str, f: fn(&DeliveryGroup) -> i64| Series {
        name: name.to_owned(),
        values: r.groups.iter().map(|g| Some(f(g) as f64)).collect(),
    };
    let series = [
        layer("On time", |g| g.on_time),
        layer("Late: warehouse", |g| g.late_cause.warehouse),
        layer("Late: carrier", |g| g.late_cause.carrier),
        layer("Late: both", |g| g.late_cause.both),
        layer("Late: unknown", |g| g.late_cause.unknown),
    ];
    let title = format!("Deliveries by {}, {} to {}", r.by.as_str(), r.from, r.to);
    stacked_bar_chart(&title, "shipments delivered", &labels, &series)
}
