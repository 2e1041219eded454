//! `GET /ui/reports/perfect-orders`: the perfect order rate and its components over
//! the period and per bucket, and the failing orders behind them, each linked to its
//! order page.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use switchyard_core::report::{Bucket, PerfectComponent, PerfectRates, PerfectReport};
use switchyard_store::report::PerfectFailure;

use super::{Filters, Form, Report, begin, given, show, svg};
use crate::AppState;
use crate::api::reports::Table;
use crate::api::reports::perfect::{self as api, FailureParams, PerfectParams};
use crate::error::ApiResult;
use crate::ui::{Chrome, Errors, Staff, failed};

/// Failing orders per page.
const FAILURES_PER_PAGE: i64 = 25;

pub struct Perfect;

impl Report for Perfect {
    type Answer = PerfectReport;
    const PATH: &'static str = "/ui/reports/perfect-orders";
    const CSV: &'static str = "/ui/reports/perfect-orders.csv";
    const CHOICES: &'static [&'static str] = &["bucket", "component"];

    async fn compute(s: &AppState, f: &Filters) -> ApiResult<PerfectReport> {
        let bucket = PerfectParams {
            bucket: given(&f.bucket),
        };
        api::compute(s, &f.params(), &bucket).await
    }

    fn table(answer: &PerfectReport) -> Table {
        api::table(answer)
    }

    fn period(answer: &PerfectReport) -> (Date, Date) {
        (answer.from, answer.to)
    }
}

#[derive(Template)]
#[template(path = "ui/reports/perfect.html")]
struct PerfectPage {
    chrome: Chrome,
    form: Form,
    buckets: Vec<String>,
    components: Vec<String>,
    report: Option<View>,
}

struct View {
    chart: String,
    bucket: String,
    /// Each bucket's rates, then the period's.
    rows: Vec<(String, PerfectRates)>,
    failures: Vec<PerfectFailure>,
    /// The next page of failing orders.
    next: Option<String>,
}

/// `GET /ui/reports/perfect-orders`
pub async fn page(staff: Staff, State(s): State<AppState>, Query(f): Query<Filters>) -> Response {
    let (mut form, answer) = match begin::<Perfect>(&s, f).await {
        Ok(begun) => begun,
        Err(page) => return page,
    };
    let report = match answer {
        Some(r) => {
            let chart = match svg(api::chart(&r)) {
                Ok(chart) => chart,
                Err(e) => return failed(e),
            };
            let page = FailureParams {
                component: given(&form.f.component),
                cursor: given(&form.f.cursor),
                limit: Some(FAILURES_PER_PAGE),
            };
            let (failures, next) = match api::failures(&s, &form.f.params(), page).await {
                Ok(page) => {
                    let next = page
                        .next_cursor
                        .map(|c| format!("{}?{}&cursor={}", Perfect::PATH, form.f.query(), encoded(&c)));
                    (page.data, next)
                }
                Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
                    form.errors = Errors::from_api(e);
                    (Vec::new(), None)
                }
                Err(e) => return failed(e),
            };
            let mut rows: Vec<(String, PerfectRates)> =
                r.trend.into_iter().map(|p| (p.start.to_string(), p.rates)).collect();
            rows.push(("All".to_owned(), r.total));
            Some(View {
                chart,
                bucket: r.bucket,
                rows,
                failures,
                next,
            })
        }
        None => None,
    };
    let page = PerfectPage {
        chrome: staff.chrome("reports"),
        form,
        buckets: Bucket::ALL.iter().map(|b| b.as_str().to_owned()).collect(),
        components: PerfectComponent::ALL.iter().map(|c| c.as_str().to_owned()).collect(),
        report,
    };
    show(&page, &page.form)
}

fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
