//! `GET /api/v1/reports/time-of-order`: the hour × weekday grid of orders on the
//! seller's clock and the orders of each day with their peaks (core
//! `report::time_of_order`).

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::report::{self, PEAK_WINDOW, TimeOfOrder};
use switchyard_core::validation::Invalid;
use utoipa::{IntoParams, ToSchema};

use super::chart::{self, Series};
use super::{ReportParams, Table, respond};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Allowed, ApiQuery, perm};

/// Which chart `?format=svg` draws.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TimeChart {
    /// The hour × weekday heatmap.
    #[default]
    Grid,
    /// Orders per day, peaks marked.
    Daily,
}

/// The time-of-order report's own parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimeChartParams {
    /// With `format=svg`: `grid` (default, the heatmap) or `daily` (orders per day,
    /// peaks marked).
    pub chart: Option<TimeChart>,
}

/// The 24 hours, as the CSV's columns.
const HOURS: [&str; 24] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20",
    "21", "22", "23",
];

/// Time of order
///
/// When customers order, on the seller's clock (`switchyard reports time-zone`): orders
/// placed in the period per weekday (Monday first) and hour of the day, every channel
/// or the one `channel` names; and the orders of each day, each with its baseline (the
/// mean of the 7 days before) and whether it is a peak: at least 1.5 times the baseline
/// and at least 3 orders above it. On the day the clocks go forward its skipped hour
/// has no orders; on the day they go back its repeated hour holds both.
///
/// `location` and `carrier` filter by the order's first shipment. `sku` is refused
/// (422): the hourly roll-up is per order, not per SKU.
///
/// CSV: the grid, a row per weekday and a column per hour. SVG: the heatmap, or with
/// `chart=daily` the daily orders with peaks marked.
#[utoipa::path(get, path = "/api/v1/reports/time-of-order", tag = "reports",
    params(ReportParams, TimeChartParams),
    responses(
        (status = 200, description = "The report", content(
            (TimeOfOrder = "application/json"),
            (String = "text/csv", example = "weekday,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23\nMon,0,0,0,0,0,0,0,1,3,2,0,0,0,0,0,0,0,0,0,0,4,2,1,0\n"),
            (String = "image/svg+xml"),
        )),
        (status = 422, description = "A bad parameter, named", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn time_of_order(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(params): ApiQuery<ReportParams>,
    ApiQuery(extra): ApiQuery<TimeChartParams>,
) -> ApiResult<Response> {
    let value = compute(&s, &params).await?;
    let which = extra.chart.unwrap_or_default();
    respond(params.format(), value, table, |r| chart(r, which))
}

/// The report the filters ask for: 422 naming a bad parameter.
pub async fn compute(s: &AppState, params: &ReportParams) -> ApiResult<TimeOfOrder> {
    let scope = params.scope(s).await?;
    if scope.product_id.is_some() {
        return Err(ApiError::validation(vec![
            Invalid::new(
                "not_supported",
                "the time-of-order report counts whole orders: it has no SKU filter",
            )
            .at("sku"),
        ]));
    }
    let filter = &scope.filter;
    let first = filter
        .from
        .checked_sub(jiff::Span::new().days(PEAK_WINDOW))
        .unwrap_or(filter.from);
    let counts = s.store.hour_counts(&scope, first, filter.to).await?;
    let zone = s.store.report_time_zone_name().await?;
    Ok(report::time_of_order(filter, &zone, &counts))
}

pub fn table(r: &TimeOfOrder) -> Table {
    let mut header = vec!["weekday"];
    header.extend(HOURS);
    Table {
        name: format!("time-of-order-{}-{}", r.from, r.to),
        header,
        rows: r
            .weekdays
            .iter()
            .zip(&r.grid)
            .map(|(day, hours)| {
                let mut row = vec![day.clone()];
                row.extend(hours.iter().map(ToString::to_string));
                row
            })
            .collect(),
    }
}

pub fn chart(r: &TimeOfOrder, which: TimeChart) -> Result<String, chart::ChartError> {
    match which {
        TimeChart::Grid => {
            let cols: Vec<String> = HOURS.iter().map(|h| (*h).to_owned()).collect();
            chart::heatmap(
                &format!("Orders by weekday and hour ({})", r.time_zone),
                &r.weekdays,
                &cols,
                &r.grid,
            )
        }
        TimeChart::Daily => {
            let labels: Vec<String> = r.daily.iter().map(|d| d.day.to_string()).collect();
            #[allow(clippy::cast_precision_loss)]
            let series = [
                Series {
                    name: "orders".to_owned(),
                    values: r.daily.iter().map(|d| Some(d.orders as f64)).collect(),
                },
                Series {
                    name: format!("baseline ({PEAK_WINDOW}-day mean)"),
                    values: r.daily.iter().map(|d| Some(d.baseline)).collect(),
                },
            ];
            let peaks: Vec<usize> = r
                .daily
                .iter()
                .enumerate()
                .filter(|(_, d)| d.peak)
                .map(|(i, _)| i)
                .collect();
            chart::line_chart_marked("Orders per day (peaks marked)", "orders", &labels, &series, &peaks)
        }
    }
}
