//! `GET /ui/reports/stock`: stock per SKU × location with its value, days of cover
//! (from the stored forecasts) and dead-stock flag, and per location and country the
//! share of the stock against the share of the demand.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::civil::Date;
use switchyard_core::report::stock::StockReport;

use super::{Filters, Form, Report, begin, given, show, svg};
use crate::AppState;
use crate::api::reports::Table;
use crate::api::reports::stock::{self as api, StockParams};
use crate::error::ApiResult;
use crate::ui::{Chrome, Staff, failed};

pub struct Stock;

impl Report for Stock {
    type Answer = StockReport;
    const PATH: &'static str = "/ui/reports/stock";
    const CSV: &'static str = "/ui/reports/stock.csv";
    const CARRIER: bool = false;
    const SKU: bool = true;
    const CHOICES: &'static [&'static str] = &["dead_days"];

    async fn compute(s: &AppState, f: &Filters) -> ApiResult<StockReport> {
        let dead = StockParams {
            dead_days: given(&f.dead_days),
        };
        api::compute(s, &f.params(), &dead).await
    }

    fn table(answer: &StockReport) -> Table {
        api::table(answer)
    }

    fn period(answer: &StockReport) -> (Date, Date) {
        (answer.from, answer.to)
    }
}

#[derive(Template)]
#[template(path = "ui/reports/stock.html")]
struct StockPage {
    chrome: Chrome,
    form: Form,
    /// The seller day the stored forecasts were made for; none before the first.
    forecasts: Option<Date>,
    report: Option<(String, StockReport)>,
}

/// `GET /ui/reports/stock`
pub async fn page(staff: Staff, State(s): State<AppState>, Query(f): Query<Filters>) -> Response {
    let (mut form, answer) = match begin::<Stock>(&s, f).await {
        Ok(begun) => begun,
        Err(page) => return page,
    };
    let report = match answer {
        Some(r) => {
            form.f.dead_days = r.dead_days.to_string();
            match svg(api::chart(&r)) {
                Ok(chart) => Some((chart, r)),
                Err(e) => return failed(e),
            }
        }
        None => None,
    };
    let forecasts = match s.store.forecasts_made_for().await {
        Ok(made_for) => made_for,
        Err(e) => return failed(e),
    };
    let page = StockPage {
        chrome: staff.chrome("reports"),
        form,
        forecasts,
        report,
    };
    show(&page, &page.form)
}
