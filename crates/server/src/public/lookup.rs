//! `GET/POST /orders/lookup`: a customer without the email's link finds their order
//! by its number and the email it was placed with or the postcode it ships to
//! (`core::order::Lookup` decides the match), and is sent on to the order's signed
//! status link. A look-up that finds nothing says the same whether the number exists
//! or not, and counts against the client's address: `core::user::LOOKUP_PER_ADDRESS`
//! failures in its window and the address waits (429 with `Retry-After`). The form,
//! shown before any session, carries a double-submit CSRF token (`csrf::DoubleSubmit`).

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchyard_core::order::Lookup;
use switchyard_core::user::LOOKUP_PER_ADDRESS;
use switchyard_store::StoreError;

use super::{answer, failed, page};
use crate::AppState;
use crate::csrf::DoubleSubmit;
use crate::ui::Errors;

/// Where the form is served and posted.
pub const PATH: &str = "/orders/lookup";

/// The form's own CSRF token.
const FORM: DoubleSubmit = DoubleSubmit {
    cookie: "switchyard_lookup",
    path: PATH,
};

/// The answer to any look-up that found nothing.
const NOT_FOUND: &str = "We could not find an order with that number and email or postcode. \
     Check both against your order confirmation email and try again.";

#[derive(Template)]
#[template(path = "public/lookup.html")]
struct LookupPage<'a> {
    brand: &'a str,
    csrf: String,
    number: &'a str,
    contact: &'a str,
    errors: Errors,
}

impl LookupPage<'_> {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

/// The form with `errors` and what was typed, and a fresh token (its cookie set).
fn show(headers: &HeaderMap, status: StatusCode, lookup: &Lookup, errors: Errors) -> Response {
    let (csrf, cookie) = match FORM.issue(headers) {
        Ok(issued) => issued,
        Err(e) => return failed(e),
    };
    let mut response = answer(
        status,
        &LookupPage {
            brand: "",
            csrf,
            number: &lookup.number,
            contact: &lookup.contact,
            errors,
        },
    );
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// `GET /orders/lookup`
pub async fn form(headers: HeaderMap) -> Response {
    show(&headers, StatusCode::OK, &Lookup::default(), Errors::default())
}

#[derive(Debug, Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    contact: String,
    csrf: Option<String>,
}

/// `POST /orders/lookup`: to the order's status page (303), or the form again.
pub async fn find(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LookupForm>,
) -> Response {
    if !FORM.genuine(&headers, form.csrf.as_deref()) {
        return page(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "<p>Nothing was looked up. <a href=\"/orders/lookup\">Open the form again</a> and try once more.</p>",
        );
    }
    let lookup = Lookup {
        number: form.number,
        contact: form.contact,
    };
    let number = match lookup.check() {
        Ok(number) => number,
        Err(errors) => {
            return show(
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                &lookup,
                Errors::fields(&errors),
            );
        }
    };
    let address = peer.ip().to_string();
    match s.store.throttled(LOOKUP_PER_ADDRESS, &address).await {
        Ok(None) => {}
        Ok(Some(wait)) => {
            let minutes = (wait.as_secs() + 59) / 60;
            let mut response = show(
                &headers,
                StatusCode::TOO_MANY_REQUESTS,
                &lookup,
                Errors::summary(format!(
                    "Too many look-ups that found nothing. To keep orders private, please wait \
                     {minutes} minute{} before trying again.",
                    if minutes == 1 { "" } else { "s" }
                )),
            );
            if let Ok(v) = HeaderValue::from_str(&wait.as_secs().to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return response;
        }
        Err(e) => return failed(e),
    }
    let found = match s.store.order(&number).await {
        Ok(order) => lookup
            .matches(
                &order.summary.number,
                &order.summary.customer.email,
                order.shipping_address.postal_code.as_deref(),
            )
            .then_some(order.summary.id),
        Err(StoreError::NotFound { .. }) => None,
        Err(e) => return failed(e),
    };
    let Some(order) = found else {
        if let Err(e) = s.store.record_failure(LOOKUP_PER_ADDRESS, &address).await {
            return failed(e);
        }
        return show(
            &headers,
            StatusCode::UNPROCESSABLE_ENTITY,
            &lookup,
            Errors::summary(NOT_FOUND),
        );
    };
    match s.store.order_status_path(&order).await {
        Ok(path) => {
            let mut response = Redirect::to(&path).into_response();
            response.headers_mut().append(header::SET_COOKIE, FORM.clear(&headers));
            response
        }
        Err(e) => failed(e),
    }
}
