//! `GET /ui/reports/delivery`: delivered shipments against their promise per
//! carrier, service, location or country, and whose fault the late ones were.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use jiff::civil::Date;
use switchyard_core::report::{DeliveryGroup, DeliveryGroupBy, DeliveryReport};

use super::{Filters, Form, Report, begin, given, show, svg};
use crate::AppState;
use crate::api::reports::Table;
use crate::api::reports::delivery::{self as api, DeliveryParams};
use crate::error::ApiResult;
use crate::ui::{Chrome, Staff, failed};

pub struct Delivery;

impl Report for Delivery {
    type Answer = DeliveryReport;
    const PATH: &'static str = "/ui/reports/delivery";
    const CSV: &'static str = "/ui/reports/delivery.csv";
    const CHOICES: &'static [&'static str] = &["by"];

    async fn compute(s: &AppState, f: &Filters) -> ApiResult<DeliveryReport> {
        let by = DeliveryParams { by: given(&f.by) };
        api::compute(s, &f.params(), &by).await
    }

    fn table(answer: &DeliveryReport) -> Table {
        api::table(answer)
    }

    fn period(answer: &DeliveryReport) -> (Date, Date) {
        (answer.from, answer.to)
    }
}

#[derive(Template)]
#[template(path = "ui/reports/delivery.html")]
struct DeliveryPage {
    chrome: Chrome,
    form: Form,
    groupings: Vec<String>,
    report: Option<View>,
}

struct View {
    chart: String,
    by: &'static str,
    /// The groups, then all of them.
    rows: Vec<DeliveryGroup>,
}

/// `GET /ui/reports/delivery`
pub async fn page(staff: Staff, State(s): State<AppState>, Query(f): Query<Filters>) -> Response {
    let (form, answer) = match begin::<Delivery>(&s, f).await {
        Ok(begun) => begun,
        Err(page) => return page,
    };
    let report = match answer {
        Some(r) => match svg(api::chart(&r)) {
            Ok(chart) => Some(View {
                chart,
                by: r.by.as_str(),
                rows: r.groups.into_iter().chain([r.total]).collect(),
            }),
            Err(e) => return failed(e),
        },
        None => None,
    };
    let page = DeliveryPage {
        chrome: staff.chrome("reports"),
        form,
        groupings: DeliveryGroupBy::ALL.iter().map(|b| b.as_str().to_owned()).collect(),
        report,
    };
    show(&page, &page.form)
}
