//! `GET /ui/reports/channel-performance`: orders, units and money per channel and
//! bucket of days, with the totals against the previous period.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::civil::Date;
use switchyard_core::report::{Bucket, ChannelFigures, ChannelPerformance, ChannelSource, PeriodTotal};

use super::{Filters, Form, Report, begin, given, pct, show, svg};
use crate::AppState;
use crate::api::reports::Table;
use crate::api::reports::channel_performance::{self as api, BucketParams, is_money, money};
use crate::error::ApiResult;
use crate::ui::{Chrome, Staff, failed};

pub struct Channel;

impl Report for Channel {
    type Answer = ChannelPerformance;
    const PATH: &'static str = "/ui/reports/channel-performance";
    const CSV: &'static str = "/ui/reports/channel-performance.csv";
    const SKU: bool = true;
    const CHOICES: &'static [&'static str] = &["bucket"];

    async fn compute(s: &AppState, f: &Filters) -> ApiResult<ChannelPerformance> {
        let bucket = BucketParams {
            bucket: given(&f.bucket),
        };
        api::compute(s, &f.params(), &bucket).await
    }

    fn table(answer: &ChannelPerformance) -> Table {
        api::table(answer)
    }

    fn period(answer: &ChannelPerformance) -> (Date, Date) {
        (answer.from, answer.to)
    }
}

/// The figures only the SKU roll-up has (`sku=`); the order roll-up has the others.
const SKU_ONLY: [&str; 3] = ["revenue", "cancelled_units", "returned_units"];
/// The figures the SKU roll-up has.
const SKU_FIGURES: [&str; 5] = ["orders", "units", "revenue", "cancelled_units", "returned_units"];

/// Whether a page of `source` shows the figure `name`.
fn shown(source: ChannelSource, name: &str) -> bool {
    match source {
        ChannelSource::Orders => !SKU_ONLY.contains(&name),
        ChannelSource::Sku => SKU_FIGURES.contains(&name),
    }
}

/// A figure's column heading.
fn heading(name: &str) -> &'static str {
    match name {
        "orders" => "Orders",
        "units" => "Units",
        "gross" => "Gross",
        "discount" => "Discount",
        "net" => "Net revenue",
        "refunded" => "Refunded",
        "average_order_value" => "Average order",
        "discount_share" => "Discount share",
        "cancellation_rate" => "Cancelled",
        "return_rate" => "Returned",
        "revenue" => "Revenue",
        "cancelled_units" => "Units cancelled",
        _ => "Units returned",
    }
}

fn is_rate(name: &str) -> bool {
    name.ends_with("_rate") || name.ends_with("_share")
}

/// A figure as the page shows it: money in major units with its currency, rates as
/// percentages.
fn figure(name: &str, value: Option<f64>, currency: &str) -> String {
    match value {
        None => "—".to_owned(),
        #[allow(clippy::cast_possible_truncation)]
        Some(v) if is_money(name) => format!("{} {currency}", money(v as i64, currency)),
        Some(v) if is_rate(name) => pct(Some(v)),
        Some(v) => v.to_string(),
    }
}

/// A change as the page shows it, signed: money, percentage points or a count.
fn change(name: &str, value: Option<f64>, currency: &str) -> String {
    let Some(v) = value else {
        return "—".to_owned();
    };
    let sign = if v > 0.0 { "+" } else { "" };
    if is_rate(name) {
        format!("{sign}{:.1} pts", v * 100.0)
    } else {
        format!("{sign}{}", figure(name, Some(v), currency))
    }
}

/// A relative change, signed; a dash from zero.
fn relative(value: Option<f64>) -> String {
    match value {
        Some(v) if v > 0.0 => format!("+{}", pct(Some(v))),
        other => pct(other),
    }
}

/// One row of a figures table.
pub struct Row {
    pub label: String,
    pub currency: String,
    pub cells: Vec<String>,
    /// The headline figure's change against the previous period (totals only).
    pub change: String,
}

/// One figure of a total against the previous period.
pub struct ChangeRow {
    pub heading: &'static str,
    pub current: String,
    pub previous: String,
    pub absolute: String,
    pub relative: String,
}

/// One currency's totals against the previous period.
pub struct Comparison {
    pub currency: String,
    pub rows: Vec<ChangeRow>,
}

#[derive(Template)]
#[template(path = "ui/reports/channel.html")]
struct ChannelPage {
    chrome: Chrome,
    form: Form,
    buckets: Vec<String>,
    report: Option<View>,
}

/// The report as the page lays it out.
struct View {
    chart: String,
    bucket: String,
    previous: String,
    headings: Vec<&'static str>,
    /// The headline figure: net revenue, or the SKU's revenue.
    headline: &'static str,
    totals: Vec<Row>,
    comparisons: Vec<Comparison>,
    rows: Vec<Row>,
}

impl View {
    fn of(r: &ChannelPerformance, chart: String) -> View {
        let source = r.source;
        let names: Vec<&'static str> = ChannelFigures::default()
            .metrics()
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| shown(source, name))
            .collect();
        let cells = |figures: &ChannelFigures, currency: &str| -> Vec<String> {
            figures
                .metrics()
                .into_iter()
                .filter(|(name, _)| shown(source, name))
                .map(|(name, v)| figure(name, v, currency))
                .collect()
        };
        let headline = if source == ChannelSource::Sku { "revenue" } else { "net" };
        let total = |t: &PeriodTotal| Row {
            label: t.channel.clone().unwrap_or_else(|| "All channels".to_owned()),
            currency: t.currency.clone(),
            cells: cells(&t.current, &t.currency),
            change: relative(t.changes.iter().find(|c| c.metric == headline).and_then(|c| c.relative)),
        };
        View {
            chart,
            bucket: r.bucket.clone(),
            previous: format!("{} to {}", r.previous_from, r.previous_to),
            headings: names.iter().map(|n| heading(n)).collect(),
            headline: heading(headline),
            totals: r.channels.iter().chain(&r.totals).map(total).collect(),
            comparisons: r
                .totals
                .iter()
                .map(|t| Comparison {
                    currency: t.currency.clone(),
                    rows: t
                        .changes
                        .iter()
                        .filter(|c| shown(source, &c.metric))
                        .map(|c| ChangeRow {
                            heading: heading(&c.metric),
                            current: figure(&c.metric, c.current, &t.currency),
                            previous: figure(&c.metric, c.previous, &t.currency),
                            absolute: change(&c.metric, c.absolute, &t.currency),
                            relative: relative(c.relative),
                        })
                        .collect(),
                })
                .collect(),
            rows: r
                .rows
                .iter()
                .map(|row| Row {
                    label: format!("{} · {}", row.start, row.channel),
                    currency: row.currency.clone(),
                    cells: cells(&row.figures, &row.currency),
                    change: String::new(),
                })
                .collect(),
        }
    }
}

/// `GET /ui/reports/channel-performance`
pub async fn page(staff: Staff, State(s): State<AppState>, Query(f): Query<Filters>) -> Response {
    let (form, answer) = match begin::<Channel>(&s, f).await {
        Ok(begun) => begun,
        Err(page) => return page,
    };
    let report = match answer {
        Some(r) => match svg(api::chart(&r)) {
            Ok(chart) => Some(View::of(&r, chart)),
            Err(e) => return failed(e),
        },
        None => None,
    };
    let page = ChannelPage {
        chrome: staff.chrome("reports"),
        form,
        buckets: Bucket::ALL.iter().map(|b| b.as_str().to_owned()).collect(),
        report,
    };
    show(&page, &page.form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_shown_in_major_units_percentages_and_signed_changes() {
        assert_eq!(figure("net", Some(7200.0), "GBP"), "72.00 GBP");
        assert_eq!(figure("return_rate", Some(0.25), "GBP"), "25.0 %");
        assert_eq!(figure("orders", Some(3.0), "GBP"), "3");
        assert_eq!(change("net", Some(1800.0), "GBP"), "+18.00 GBP");
        assert_eq!(change("cancellation_rate", Some(-0.05), "GBP"), "-5.0 pts");
        assert_eq!(relative(Some(0.5)), "+50.0 %");
        assert_eq!(relative(None), "—");
        assert!(shown(ChannelSource::Sku, "revenue") && !shown(ChannelSource::Orders, "revenue"));
    }
}
