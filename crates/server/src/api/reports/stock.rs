//! `GET /api/v1/reports/stock`: stock per SKU × location with its cover, value and
//! dead-stock flag, and per location and destination country the share of the stock
//! held against the share of the demand (core::report::stock).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::report::stock::{StockReport, parse_dead_days};
use utoipa::IntoParams;

use super::{ReportParams, Table, chart, respond};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiQuery, perm};

/// The stock report's own parameter.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockParams {
    /// Stock with no sale of its SKU in this many days (ending today) is dead: 1 to
    /// 3650, default 90.
    #[param(value_type = Option<i64>, example = 90)]
    pub dead_days: Option<String>,
}

/// Stock per location
///
/// Per SKU × location: on hand, reserved, available, inbound (open purchase orders),
/// quarantined, value at cost (minor units), days of cover (available ÷ the stored
/// forecast's mean daily demand there over 28 days; null without demand), days since
/// the last receipt and the dead-stock flag. Per location: totals, its share of the
/// units on hand and of the units shipped in the period. Per destination country: its
/// share of the units ordered in the period against the share of the units on hand in
/// its locations. `location` and `sku` filter the rows; `channel` and the period the
/// demand (the country demand has no SKU: `sku` does not narrow it); `carrier` is not
/// used. CSV: one row per SKU × location, money as minor units with its currency.
/// SVG: stock share and demand share (%) per location and country.
#[utoipa::path(get, path = "/api/v1/reports/stock", tag = "reports", params(ReportParams, StockParams),
    responses(
        (status = 200, description = "The stock report", content(
            (StockReport = "application/json", example = json!({
                "from": "2026-11-01", "to": "2026-11-30", "dead_days": 90,
                "rows": [{"sku": "TEE", "location": "LON", "country": "GB", "on_hand": 10, "reserved": 2,
                    "available": 8, "inbound": 5, "quarantined": 1, "stock_value": {"amount": 4500, "currency": "GBP"},
                    "daily_demand": 2.0, "days_of_cover": 4.0, "days_since_receipt": 10, "dead_stock": false}],
                "locations": [{"location": "LON", "country": "GB", "on_hand": 10, "reserved": 2, "available": 8,
                    "inbound": 5, "quarantined": 1, "stock_value": [{"amount": 4500, "currency": "GBP"}],
                    "stock_share": 1.0, "demand_units": 30, "demand_share": 1.0}],
                "countries": [{"country": "GB", "demand_units": 30, "demand_share": 1.0, "stock_units": 10, "stock_share": 1.0}]
            })),
            (String = "text/csv"),
            (String = "image/svg+xml"),
        )),
        (status = 422, description = "A bad filter, named field by field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn stock_report(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(params): ApiQuery<ReportParams>,
    ApiQuery(extra): ApiQuery<StockParams>,
) -> ApiResult<Response> {
    let report = compute(&s, &params, &extra).await?;
    respond(params.format(), report, table, chart)
}

/// The report the filters ask for: 422 naming every bad parameter.
pub async fn compute(s: &AppState, params: &ReportParams, extra: &StockParams) -> ApiResult<StockReport> {
    let dead_days = parse_dead_days(extra.dead_days.as_deref()).map_err(|e| e.at("dead_days"));
    // Every bad parameter is named at once: the filters' and `dead_days`.
    let (scope, dead_days) = match (params.scope(s).await, dead_days) {
        (Ok(scope), Ok(days)) => (scope, days),
        (Ok(_), Err(bad)) => return Err(ApiError::validation(vec![bad])),
        (Err(e), dead) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut errors = e.into_problem().errors;
            errors.extend(dead.err());
            return Err(ApiError::validation(errors));
        }
        (Err(e), _) => return Err(e),
    };
    Ok(s.store.stock_report(&scope, dead_days).await?)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

pub fn table(r: &StockReport) -> Table {
    Table {
        name: format!("stock-{}-{}", r.from, r.to),
        header: vec![
            "sku",
            "location",
            "country",
            "on_hand",
            "reserved",
            "available",
            "inbound",
            "quarantined",
            "stock_value",
            "currency",
            "daily_demand",
            "days_of_cover",
            "days_since_receipt",
            "dead_stock",
        ],
        rows: r
            .rows
            .iter()
            .map(|x| {
                vec![
                    x.sku.clone(),
                    x.location.clone(),
                    x.country.clone(),
                    x.on_hand.to_string(),
                    x.reserved.to_string(),
                    x.available.to_string(),
                    x.inbound.to_string(),
                    x.quarantined.to_string(),
                    opt(x.stock_value.map(|m| m.amount)),
                    opt(x.stock_value.map(|m| m.currency.as_str())),
                    opt(x.daily_demand.map(|d| format!("{d:.3}"))),
                    opt(x.days_of_cover.map(|d| format!("{d:.1}"))),
                    opt(x.days_since_receipt),
                    x.dead_stock.to_string(),
                ]
            })
            .collect(),
    }
}

pub fn chart(r: &StockReport) -> Result<String, chart::ChartError> {
    let pct = |v: Option<f64>| v.unwrap_or(0.0) * 100.0;
    let mut bars = Vec::new();
    for l in &r.locations {
        bars.push((format!("{} stock", l.location), pct(l.stock_share)));
        bars.push((format!("{} demand", l.location), pct(l.demand_share)));
    }
    for c in &r.countries {
        bars.push((format!("{} stock", c.country), pct(c.stock_share)));
        bars.push((format!("{} demand", c.country), pct(c.demand_share)));
    }
    chart::bar_chart("Stock share vs demand share", "%", &bars)
}
