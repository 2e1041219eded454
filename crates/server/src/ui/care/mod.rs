//! Customer care: the dashboard (`/ui`), the order list with its filters, paging and
//! saved views (`/ui/orders`), and the customer page (`/ui/customers?email=`), which
//! lists every order of one email. Filters are checked by `core::order_list`; the
//! lists are the store's, as the JSON API reads them.

mod customer;
mod dashboard;
mod list;
mod views;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use switchyard_core::validation::Invalid;
use switchyard_store::order::OrderSummary;
use switchyard_store::page::check_cursor;

use crate::AppState;
use crate::ui::error_page;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui", get(dashboard::page))
        .route("/ui/orders", get(list::page))
        .route("/ui/orders/views", post(views::save))
        .route("/ui/orders/views/{id}/delete", post(views::delete))
        .route("/ui/customers", get(customer::page))
}

/// The time format of the care pages (UTC).
const WHEN: &str = "%Y-%m-%d %H:%M";

/// One order as the lists show it: number, when, channel, customer, total, states.
pub struct OrderRow {
    pub id: String,
    pub number: String,
    pub placed: String,
    pub channel: String,
    pub customer_name: String,
    pub customer_email: String,
    pub total: String,
    pub status: Badge,
    pub fulfilment: Badge,
    pub payment: Badge,
    pub hold: Option<Badge>,
}

/// A state as a badge shows it: its spelling for the style (`st-on_hold`) and in words.
pub struct Badge {
    pub code: &'static str,
    pub label: String,
}

impl Badge {
    fn of(code: &'static str) -> Badge {
        Badge {
            code,
            label: code.replace('_', " "),
        }
    }
}

impl From<&OrderSummary> for OrderRow {
    fn from(o: &OrderSummary) -> OrderRow {
        OrderRow {
            id: o.id.to_string(),
            number: o.number.clone(),
            placed: o.placed_at.strftime(WHEN).to_string(),
            channel: o.channel.clone(),
            customer_name: o.customer.name.clone(),
            customer_email: o.customer.email.clone(),
            total: o.totals.total.to_string(),
            status: Badge::of(o.status.as_str()),
            fulfilment: Badge::of(o.fulfilment_status.as_str()),
            payment: Badge::of(o.payment_status.as_str()),
            hold: o.hold.as_ref().map(|h| Badge::of(h.reason.as_str())),
        }
    }
}

/// A page's `cursor` as the store takes it: absent, or a sort key a list gave out.
fn cursor(raw: Option<String>) -> Result<Option<String>, Invalid> {
    match raw.filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) => check_cursor(&c).map(|()| Some(c)),
    }
}

/// The link to the next page: `path?query` with `cursor` added.
fn next_href(path: &str, query: &str, cursor: Option<&str>) -> Option<String> {
    let cursor = cursor?;
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    serializer.append_pair("cursor", cursor);
    let sep = if query.is_empty() { "" } else { "&" };
    Some(format!("{path}?{query}{sep}{}", serializer.finish()))
}

/// The page for a query string that cannot be read (a filter given twice, text that
/// is not UTF-8): it says so, instead of a bare 400.
fn unreadable(e: &QueryRejection) -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "This link cannot be read",
        &format!("{} Open the list again from the menu.", e.body_text()),
    )
}
