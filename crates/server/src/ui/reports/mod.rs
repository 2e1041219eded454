//! The reports area, under `/ui/reports`: one page per report of `/api/v1/reports`,
//! each with its filters as a GET form (so a page's address can be shared), its
//! chart(s) inline, its figures as tables and a CSV download. A page computes its
//! report with the same function, table and chart as the API (`api::reports::*`):
//! nothing here decides a figure, it only lays out what core answered.
//!
//! Modules: one per report page (`channel`, `time`, `delivery`, `perfect`, `stock`).

mod channel;
mod delivery;
mod perfect;
mod stock;
mod time;

use std::borrow::Borrow;
use std::fmt::Display;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use jiff::civil::Date;
use serde::Deserialize;

use super::{Chrome, Errors, Staff, channel_codes, failed, location_codes, render, render_status};
use crate::AppState;
use crate::api::reports::chart::ChartError;
use crate::api::reports::{ReportParams, Table, csv as csv_response};
use crate::error::{ApiError, ApiResult};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/reports", get(index))
        .route(channel::Channel::PATH, get(channel::page))
        .route(channel::Channel::CSV, get(csv::<channel::Channel>))
        .route(time::TimeOfOrder::PATH, get(time::page))
        .route(time::TimeOfOrder::CSV, get(csv::<time::TimeOfOrder>))
        .route(delivery::Delivery::PATH, get(delivery::page))
        .route(delivery::Delivery::CSV, get(csv::<delivery::Delivery>))
        .route(perfect::Perfect::PATH, get(perfect::page))
        .route(perfect::Perfect::CSV, get(csv::<perfect::Perfect>))
        .route(stock::Stock::PATH, get(stock::page))
        .route(stock::Stock::CSV, get(csv::<stock::Stock>))
}

/// One report as the area's index and tabs list it.
pub struct Entry {
    pub path: &'static str,
    pub label: &'static str,
    pub about: &'static str,
}

const REPORTS: [Entry; 5] = [
    Entry {
        path: channel::Channel::PATH,
        label: "Channel performance",
        about: "Orders, units and money per channel, against the previous period.",
    },
    Entry {
        path: time::TimeOfOrder::PATH,
        label: "Time of order",
        about: "When customers order: weekday × hour, and the days that peaked.",
    },
    Entry {
        path: delivery::Delivery::PATH,
        label: "Delivery",
        about: "Promised against actual delivery, and whose fault the late ones were.",
    },
    Entry {
        path: perfect::Perfect::PATH,
        label: "Perfect orders",
        about: "The share of orders on time, complete, undamaged and right, and the ones that were not.",
    },
    Entry {
        path: stock::Stock::PATH,
        label: "Stock per location",
        about: "Stock, its value and days of cover per SKU and location, against where demand is.",
    },
];

/// The filters of every report page, as its GET form sends them: text, blank when not
/// given. Each page reads the ones its report takes.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Filters {
    pub from: String,
    pub to: String,
    pub channel: String,
    pub location: String,
    pub carrier: String,
    pub sku: String,
    /// Channel performance and perfect orders: day, week or month.
    pub bucket: String,
    /// Delivery: what shipments are grouped by.
    pub by: String,
    /// Stock: days without a sale that make stock dead.
    pub dead_days: String,
    /// Perfect orders: only the failing orders of this component.
    pub component: String,
    /// Perfect orders: the page of failing orders.
    pub cursor: String,
}

/// Blank as none, anything else as typed.
fn given(raw: &str) -> Option<String> {
    let raw = raw.trim();
    (!raw.is_empty()).then(|| raw.to_owned())
}

impl Filters {
    /// The shared filters as the API's handlers read them.
    fn params(&self) -> ReportParams {
        ReportParams {
            from: given(&self.from),
            to: given(&self.to),
            channel: given(&self.channel),
            location: given(&self.location),
            carrier: given(&self.carrier),
            sku: given(&self.sku),
            format: None,
        }
    }

    /// The filters given, as a query string (without the cursor).
    fn query(&self) -> String {
        let pairs = [
            ("from", &self.from),
            ("to", &self.to),
            ("channel", &self.channel),
            ("location", &self.location),
            ("carrier", &self.carrier),
            ("sku", &self.sku),
            ("bucket", &self.bucket),
            ("by", &self.by),
            ("dead_days", &self.dead_days),
            ("component", &self.component),
        ];
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(_, v)| !v.trim().is_empty()) {
            query.append_pair(k, v.trim());
        }
        query.finish()
    }
}

/// A report a page shows: computed, tabled and dated as the API does it.
trait Report {
    type Answer: Send;
    /// The page's path.
    const PATH: &'static str;
    /// Its CSV download's path.
    const CSV: &'static str;
    /// Whether the report takes the `carrier` and `sku` filters.
    const CARRIER: bool = true;
    const SKU: bool = false;
    /// The report's own fields of the form.
    const CHOICES: &'static [&'static str] = &[];
    fn compute(s: &AppState, f: &Filters) -> impl Future<Output = ApiResult<Self::Answer>> + Send;
    fn table(answer: &Self::Answer) -> Table;
    /// The period the answer covers (the defaults filled in).
    fn period(answer: &Self::Answer) -> (Date, Date);
}

/// `GET /ui/reports/{report}.csv`: the API's CSV of the same filters, for a session.
async fn csv<R: Report>(_: Staff, State(s): State<AppState>, Query(f): Query<Filters>) -> Response {
    match R::compute(&s, &f)
        .await
        .and_then(|answer| csv_response(&R::table(&answer)))
    {
        Ok(response) => response,
        Err(e) => failed(e),
    }
}

/// The filter form of a report page: what was typed, the pickers' choices, the
/// errors, and the links the page offers.
pub struct Form {
    pub path: &'static str,
    pub f: Filters,
    pub carrier: bool,
    pub sku: bool,
    pub channels: Vec<String>,
    pub locations: Vec<String>,
    pub errors: Errors,
    /// The errors of filters the form has no field for (given in the address).
    pub stray: Vec<String>,
    /// The CSV of the report shown (none when the filters were refused).
    pub csv: Option<String>,
    pub tabs: &'static [Entry],
}

impl Form {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// A report page's form and its answer: the report, or the filters' errors (422) for
/// the form to show beside each field.
async fn begin<R: Report>(s: &AppState, mut f: Filters) -> Result<(Form, Option<R::Answer>), Response> {
    let channels = channel_codes(s).await.map_err(failed)?;
    let locations = location_codes(s).await.map_err(failed)?;
    let (answer, errors) = match R::compute(s, &f).await {
        Ok(answer) => (Some(answer), Errors::default()),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => (None, Errors::from_api(e)),
        Err(e) => return Err(failed(e)),
    };
    if let Some(answer) = &answer {
        let (from, to) = R::period(answer);
        f.from = from.to_string();
        f.to = to.to_string();
    }
    let csv = answer.as_ref().map(|_| format!("{}?{}", R::CSV, f.query()));
    let mut fields = vec!["from", "to", "channel", "location"];
    fields.extend(R::CARRIER.then_some("carrier"));
    fields.extend(R::SKU.then_some("sku"));
    fields.extend(R::CHOICES);
    let stray = errors
        .iter()
        .filter(|(field, _)| !fields.contains(field))
        .map(|(field, message)| format!("{field}: {message}"))
        .collect();
    let form = Form {
        path: R::PATH,
        f,
        carrier: R::CARRIER,
        sku: R::SKU,
        channels,
        locations,
        errors,
        stray,
        csv,
        tabs: &REPORTS,
    };
    Ok((form, answer))
}

/// The page, with 422 when its filters were refused.
fn show(page: &impl Template, form: &Form) -> Response {
    if form.errors.is_empty() {
        render(page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
    }
}

/// A chart's SVG for the page to embed; a chart that fails to draw is our failure.
fn svg(chart: Result<String, ChartError>) -> ApiResult<String> {
    chart.map_err(|e| {
        tracing::error!(error = %e, "a report chart failed to draw");
        ApiError::internal()
    })
}

// The figures as the pages show them. Templates pass their arguments by reference,
// Rust code by value: both are `Borrow`.

/// A share (0-1) as a percentage to one decimal; a dash when there is none.
pub fn pct(share: impl Borrow<Option<f64>>) -> String {
    share
        .borrow()
        .map_or_else(|| "—".to_owned(), |v| format!("{:.1} %", v * 100.0))
}

/// A figure that may be missing; a dash when it is.
pub fn opt<T: Display>(value: impl Borrow<Option<T>>) -> String {
    value
        .borrow()
        .as_ref()
        .map_or_else(|| "—".to_owned(), ToString::to_string)
}

/// A measure to one decimal; a dash when there is none.
pub fn one(value: impl Borrow<Option<f64>>) -> String {
    value.borrow().map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

#[derive(Template)]
#[template(path = "ui/reports/index.html")]
struct IndexPage {
    chrome: Chrome,
    reports: &'static [Entry],
}

/// `GET /ui/reports`: the reports, each with what it answers.
async fn index(staff: Staff) -> Response {
    render(&IndexPage {
        chrome: staff.chrome("reports"),
        reports: &REPORTS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filters_given_make_the_query_and_the_apis_parameters() {
        let f = Filters {
            from: "2026-11-01".into(),
            channel: " web ".into(),
            sku: "MUG/L".into(),
            cursor: "abc".into(),
            ..Filters::default()
        };
        assert_eq!(f.query(), "from=2026-11-01&channel=web&sku=MUG%2FL");
        let p = f.params();
        assert_eq!((p.from.as_deref(), p.to), (Some("2026-11-01"), None));
        assert_eq!(p.channel.as_deref(), Some("web"));
        assert_eq!(pct(Some(0.3333)), "33.3 %");
        assert_eq!(pct(None), "—");
    }
}
