//! `GET /ui/reports/time-of-order`: orders per weekday and hour on the seller's
//! clock, and the orders of each day with the peaks core found.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::civil::Date;
use switchyard_core::report;

use super::{Filters, Form, Report, begin, show, svg};
use crate::AppState;
use crate::api::reports::Table;
use crate::api::reports::time_of_order::{self as api, TimeChart};
use crate::error::ApiResult;
use crate::ui::{Chrome, Staff, failed};

pub struct TimeOfOrder;

impl Report for TimeOfOrder {
    type Answer = report::TimeOfOrder;
    const PATH: &'static str = "/ui/reports/time-of-order";
    const CSV: &'static str = "/ui/reports/time-of-order.csv";

    async fn compute(s: &AppState, f: &Filters) -> ApiResult<report::TimeOfOrder> {
        api::compute(s, &f.params()).await
    }

    fn table(answer: &report::TimeOfOrder) -> Table {
        api::table(answer)
    }

    fn period(answer: &report::TimeOfOrder) -> (Date, Date) {
        (answer.from, answer.to)
    }
}

#[derive(Template)]
#[template(path = "ui/reports/time.html")]
struct TimePage {
    chrome: Chrome,
    form: Form,
    report: Option<View>,
}

struct View {
    grid_chart: String,
    daily_chart: String,
    r: report::TimeOfOrder,
}

/// `GET /ui/reports/time-of-order`
pub async fn page(staff: Staff, State(s): State<AppState>, Query(f): Query<Filters>) -> Response {
    let (form, answer) = match begin::<TimeOfOrder>(&s, f).await {
        Ok(begun) => begun,
        Err(page) => return page,
    };
    let report = match answer {
        Some(r) => match (
            svg(api::chart(&r, TimeChart::Grid)),
            svg(api::chart(&r, TimeChart::Daily)),
        ) {
            (Ok(grid_chart), Ok(daily_chart)) => Some(View {
                grid_chart,
                daily_chart,
                r,
            }),
            (Err(e), _) | (_, Err(e)) => return failed(e),
        },
        None => None,
    };
    let page = TimePage {
        chrome: staff.chrome("reports"),
        form,
        report,
    };
    show(&page, &page.form)
}
