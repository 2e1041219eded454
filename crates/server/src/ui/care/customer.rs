//! `GET /ui/customers?email=`: every order of one customer email, newest first and a
//! page at a time, with what they add up to per currency, their counts and the first
//! and last order date. Without an email it is a form to look one up.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::validation;
use switchyard_store::PageRequest;
use switchyard_store::order::CustomerTotals;

use super::{OrderRow, cursor, next_href, unreadable};
use crate::AppState;
use crate::ui::{Chrome, Errors, Staff, failed, render_status};

#[derive(Debug, Deserialize)]
pub struct CustomerQuery {
    email: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "ui/care/customer.html")]
struct Page {
    chrome: Chrome,
    /// The email as typed.
    email: String,
    errors: Errors,
    /// Set once an email was looked up: its orders follow.
    found: Option<Found>,
}

struct Found {
    email: String,
    /// The name on their newest order of this page.
    name: Option<String>,
    totals: Vec<CustomerTotals>,
    rows: Vec<OrderRow>,
    next: Option<String>,
    paged: bool,
}

pub async fn page(
    staff: Staff,
    State(s): State<AppState>,
    query: Result<Query<CustomerQuery>, QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => return unreadable(&e),
    };
    let typed = q.email.unwrap_or_default();
    let mut page = Page {
        chrome: staff.chrome("orders"),
        email: typed.clone(),
        errors: Errors::default(),
        found: None,
    };
    if typed.trim().is_empty() {
        return render_status(StatusCode::OK, &page);
    }
    let paged = q.cursor.as_deref().is_some_and(|c| !c.is_empty());
    let (email, cursor) = match (validation::email(&typed), cursor(q.cursor)) {
        (Ok(email), Ok(cursor)) => (email, cursor),
        (email, cursor) => {
            if let Err(e) = email {
                page.errors = Errors::fields(&[e.at("email")]);
            }
            if cursor.is_err() {
                page.errors.summary =
                    Some("The link to this page of orders is broken: start again from the first page.".into());
            }
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let totals = match s.store.customer_totals(&email).await {
        Ok(totals) => totals,
        Err(e) => return failed(e),
    };
    let orders = match s
        .store
        .customer_orders(&email, &PageRequest { cursor, limit: None })
        .await
    {
        Ok(orders) => orders,
        Err(e) => return failed(e),
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("email", &email)
        .finish();
    page.found = Some(Found {
        name: orders.data.first().map(|o| o.customer.name.clone()),
        rows: orders.data.iter().map(OrderRow::from).collect(),
        next: next_href("/ui/customers", &query, orders.next_cursor.as_deref()),
        totals,
        paged,
        email,
    });
    render_status(StatusCode::OK, &page)
}
