//! The reports under `/api/v1/reports/...`. Every report takes the same filters
//! (`ReportParams`: a period of days in the seller's time zone, channel, location,
//! carrier, SKU) and answers in three formats from one computed value: JSON (the
//! default), CSV (`?format=csv`, one row per figure a spreadsheet wants) and an SVG
//! chart (`?format=svg`, drawn by the server with plotters, no JavaScript).
//!
//! A report module: `compute` parses the filters (`scope`), asks the store for the
//! roll-up rows and has core compute the figures; `table` and `chart` draw that answer.
//! The handler `respond`s with the three; the staff UI's report pages (`ui::reports`)
//! call the same `compute`, `table` and `chart`. Adding a report is one module here
//! like `channel_performance`.

pub mod channel_performance;
pub mod chart;
pub mod delivery;
pub mod perfect;
pub mod stock;
pub mod time_of_order;

use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use switchyard_core::validation::Invalid;
use switchyard_store::report::Scope;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// How a report answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    #[default]
    Json,
    Csv,
    Svg,
}

/// The filters every report takes.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// First day of the period, `YYYY-MM-DD`, in the seller's time zone
    /// (`switchyard reports time-zone`). Default: 29 days before `to`.
    #[param(example = "2026-11-01")]
    pub from: Option<String>,
    /// Last day of the period (included). Default: today. At most 731 days in all.
    #[param(example = "2026-11-30")]
    pub to: Option<String>,
    /// Only orders of this channel (its code).
    pub channel: Option<String>,
    /// Only orders shipped from this location (its code).
    pub location: Option<String>,
    /// Only orders shipped with this carrier (as on their labels, e.g. `ups`).
    pub carrier: Option<String>,
    /// Only this SKU.
    pub sku: Option<String>,
    /// `json` (default), `csv` or `svg`.
    pub format: Option<ReportFormat>,
}

impl ReportParams {
    /// The checked filter, its codes resolved: 422 naming each bad parameter.
    pub async fn scope(&self, state: &AppState) -> ApiResult<Scope> {
        let query = switchyard_core::report::ReportQuery {
            from: self.from.clone(),
            to: self.to.clone(),
            channel: self.channel.clone(),
            location: self.location.clone(),
            carrier: self.carrier.clone(),
            sku: self.sku.clone(),
        };
        let today = state.store.report_today().await?;
        let filter = query.parse(today).map_err(ApiError::validation)?;
        state.store.report_scope(&filter).await?.map_err(ApiError::validation)
    }

    pub fn format(&self) -> ReportFormat {
        self.format.unwrap_or_default()
    }
}

/// A report as rows and columns, for `?format=csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The file name offered, without `.csv`.
    pub name: String,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn to_csv(&self) -> ApiResult<String> {
        let mut out = csv::Writer::from_writer(Vec::new());
        let failed = |e: csv::Error| internal("writing a CSV report", e);
        out.write_record(&self.header).map_err(failed)?;
        for row in &self.rows {
            out.write_record(row).map_err(failed)?;
        }
        let bytes = out.into_inner().map_err(|e| internal("writing a CSV report", e))?;
        String::from_utf8(bytes).map_err(|e| internal("a CSV report is not UTF-8", e))
    }
}

/// Answers with `value` in the asked format: itself as JSON, `table(value)` as CSV or
/// `chart(value)` as SVG.
pub fn respond<T: Serialize>(
    format: ReportFormat,
    value: T,
    table: impl FnOnce(&T) -> Table,
    chart: impl FnOnce(&T) -> Result<String, chart::ChartError>,
) -> ApiResult<Response> {
    match format {
        ReportFormat::Json => Ok(Json(value).into_response()),
        ReportFormat::Csv => csv(&table(&value)),
        ReportFormat::Svg => {
            let svg = chart(&value).map_err(|e| internal("drawing a report chart", e))?;
            Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
        }
    }
}

/// `table` as a CSV download named after it (the reports' and the suggestions'
/// `?format=csv`, and the UI's download links).
pub fn csv(table: &Table) -> ApiResult<Response> {
    let body = table.to_csv()?;
    let disposition = format!("attachment; filename=\"{}.csv\"", table.name);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// 422 on `sku` for a report whose rows are not per SKU, saying `why`.
pub fn no_sku(params: &ReportParams, why: &str) -> ApiResult<()> {
    match params.sku {
        Some(_) => Err(ApiError::validation(vec![
            Invalid::new("unsupported_filter", format!("this report has no SKU filter: {why}")).at("sku"),
        ])),
        None => Ok(()),
    }
}

/// A CSV cell of a count that may be missing (empty).
pub fn cell(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// A CSV cell of a rate or mean that may be missing (empty), to 4 decimals.
pub fn rate_cell(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.4}")).unwrap_or_default()
}

/// 500, with what failed in the log.
fn internal(what: &str, error: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %error, "{what}");
    ApiError::internal()
}
