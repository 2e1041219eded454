//! `GET /api/v1/replenishment/suggestions`: every reorder suggestion line, filtered,
//! most urgent first, cursor-paged, with the summary of all the lines the filters
//! match; `?format=csv` gives every line as a spreadsheet (the reports' CSV).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchyard_core::replenish::{SuggestionFilter, SuggestionLine, SuggestionQuery};
use switchyard_core::validation::Invalid;
use switchyard_store::PageRequest;
use switchyard_store::replenish::Suggestions;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::reports::{ReportFormat, Table, csv};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiQuery, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionParams {
    /// Only this location (code or id).
    location: Option<String>,
    /// Only lines bought from a supplier whose name contains this, in any case.
    supplier: Option<String>,
    /// Only these stock states, comma-separated: `under`, `over`, `ok`.
    #[param(example = "under,over")]
    state: Option<String>,
    /// Only this SKU (or product id).
    sku: Option<String>,
    /// Days between two looks at the same SKU, 1 to 90: demand is planned over the lead
    /// time plus this. Default 7.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 90, example = 14)]
    review_days: Option<String>,
    /// The target cover in days, 1 to 730: more is over-stock. Default 90.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 730, example = 60)]
    max_cover_days: Option<String>,
    /// `json` (default, paged) or `csv` (every line the filters match).
    format: Option<ReportFormat>,
    cursor: Option<String>,
    /// Page size, 1 to 500. Default 50.
    limit: Option<i64>,
}

/// Reorder suggestions
///
/// One line per SKU at every location that holds it or expects it: the inventory
/// position (on hand - reserved + inbound - backordered; a SKU's backorders count at
/// the location expected to sell most of it), the forecast demand over the lead time
/// plus the review period, 7 days unless `review_days` says (the stored forecast of the SKU there; for a SKU that never
/// shipped, its forecast split by the location's share of its stock), the lead time and
/// its source, the ABC class (revenue of the last 90 days) and its service level,
/// safety stock, reorder point, order-up-to level, days of cover, and what to order:
/// whole packs, at least the supplier's minimum, with the supplier and unit cost. Each
/// line is `under` (order now), `over` (more cover than `max_cover_days`, 90 unless given, or stock nothing is
/// forecast to sell: the excess units and their value at cost) or `ok`, with a reason.
/// A line's `accept` is what to post to `POST /api/v1/replenishment/purchase-orders`
/// as one of its `lines`. Under-stock first by days of cover, then over-stock, the most
/// cover first, then the rest; `summary` adds up every line the filters match: how many
/// of each state, what to order per supplier and the excess. Unknown filters are named
/// (422). CSV: one row per line, money as minor units with its currency.
#[utoipa::path(get, path = "/api/v1/replenishment/suggestions", tag = "purchasing", params(SuggestionParams),
    responses(
        (status = 200, description = "A page of suggestion lines and the summary of all of them", content(
            (Suggestions = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A cursor of another list, or a bad limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad or unknown filter, named field by field", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_suggestions(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<SuggestionParams>,
) -> ApiResult<Response> {
    let query = SuggestionQuery {
        location: q.location,
        supplier: q.supplier,
        state: q.state,
        sku: q.sku,
        review_days: q.review_days,
        max_cover_days: q.max_cover_days,
    };
    let format = q.format.unwrap_or_default();
    let (filter, mut errors) = match query.parse() {
        Ok(filter) => (Some(filter), Vec::new()),
        Err(errors) => (None, errors),
    };
    if format == ReportFormat::Svg {
        errors.push(Invalid::new("unsupported_format", "suggestions come as json or csv").at("format"));
    }
    let Some(filter) = filter.filter(|_| errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    if format == ReportFormat::Csv {
        return suggestions_csv(&s, &filter).await;
    }
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    let suggestions: Suggestions = s.store.replenishment_suggestions(&filter, Some(&page)).await?;
    Ok(Json(suggestions).into_response())
}

/// Every line `filter` matches as the CSV download (the API's and the staff page's).
pub async fn suggestions_csv(s: &AppState, filter: &SuggestionFilter) -> ApiResult<Response> {
    let all = s.store.replenishment_suggestions(filter, None).await?;
    csv(&table(&all.data))
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn num(v: f64) -> String {
    format!("{v:.3}")
}

fn table(lines: &[SuggestionLine]) -> Table {
    Table {
        name: "reorder-suggestions".to_owned(),
        header: vec![
            "sku",
            "location",
            "state",
            "reason",
            "quantity",
            "supplier",
            "unit_cost",
            "order_value",
            "excess_units",
            "excess_value",
            "currency",
            "on_hand",
            "reserved",
            "inbound",
            "backordered",
            "position",
            "demand_source",
            "demand_per_day",
            "forecast_demand",
            "lead_time_days",
            "lead_time_source",
            "abc_class",
            "service_level",
            "safety_stock",
            "reorder_point",
            "order_up_to",
            "days_of_cover",
        ],
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    l.sku.clone(),
                    l.location.clone(),
                    l.state.as_str().to_owned(),
                    l.reason.as_str().to_owned(),
                    opt(l.quantity.map(|q| q.get())),
                    l.supplier.clone().unwrap_or_default(),
                    opt(l.unit_cost.map(|m| m.amount)),
                    opt(l.order_value.map(|m| m.amount)),
                    l.excess_units.to_string(),
                    opt(l.excess_value.map(|m| m.amount)),
                    opt(l.unit_cost.map(|m| m.currency.as_str())),
                    l.stock.on_hand.to_string(),
                    l.stock.reserved.to_string(),
                    l.stock.inbound.to_string(),
                    l.stock.backordered.to_string(),
                    l.position.to_string(),
                    l.demand_source.as_str().to_owned(),
                    num(l.demand_per_day),
                    num(l.forecast_demand),
                    format!("{:.1}", l.lead_time.mean_days),
                    l.lead_time.source.as_str().to_owned(),
                    l.abc_class.as_str().to_owned(),
                    format!("{:.4}", l.service_level),
                    num(l.safety_stock),
                    num(l.reorder_point),
                    num(l.order_up_to),
                    opt(l.days_of_cover.map(|d| format!("{d:.1}"))),
                ]
            })
            .collect(),
    }
}
