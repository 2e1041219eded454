//! Pages for customers, served without sign-in by the same server as the API: plain
//! HTML that works without JavaScript, every piece of text escaped, and the security
//! headers every HTML answer gets (`headers::security`: a content security policy that
//! runs no script and posts forms only back here). What a customer may do is decided
//! by the signed link in the page's path, never by a key.
//!
//! These routes answer HTML for errors too, so they sit outside the API's problem+json
//! layer; they bring their own body limit, time-out and panic guard instead.
//!
//! The pages (askama templates in `templates/public/`, one layout):
//! - `/feedback/{token}`: the feedback form (`feedback`);
//! - `/orders/lookup`: find an order by its number and email or postcode (`lookup`),
//!   which leads to its signed status link;
//! - `/orders/status/{token}`: the order's status, parcels and returns (`track`);
//! - `/orders/status/{token}/return`: the returns portal, and
//!   `/orders/status/{token}/returns/{rma}` (with `/label.pdf`): a return of the order
//!   and its label (`returns`).

pub mod feedback;
pub mod lookup;
pub mod returns;
pub mod track;

use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use switchyard_core::id::OrderId;
use switchyard_core::link::{self, Purpose};
use switchyard_store::StoreError;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::AppState;

/// The largest form a page accepts: ratings and a comment of 2000 characters fit many
/// times over.
pub const FORM_LIMIT: usize = 64 * 1024;

/// The customer pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feedback/{token}", get(feedback::form).post(feedback::answer))
        .route(
            "/feedback/{token}/unsubscribe",
            get(feedback::unsubscribe_page).post(feedback::unsubscribe),
        )
        .route(lookup::PATH, get(lookup::form).post(lookup::find))
        .route("/orders/status/{token}", get(track::status))
        .route(
            "/orders/status/{token}/return",
            get(returns::form).post(returns::request),
        )
        .route("/orders/status/{token}/returns/{rma}", get(returns::requested))
        .route("/orders/status/{token}/returns/{rma}/label.pdf", get(returns::label))
        .layer(RequestBodyLimitLayer::new(FORM_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("page handler panicked");
            failure()
        }))
}

/// `text` safe to put in HTML text or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Template)]
#[template(path = "public/page.html")]
struct Page<'a> {
    brand: &'a str,
    title: &'a str,
    body: &'a str,
}

/// A whole page: `title` (text, escaped here) over `body` (HTML, escaped by the caller).
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    answer(status, &Page { brand: "", title, body })
}

/// A page of ours as the answer, with `status`. The page's address may hold a link's
/// token: no other site hears of it (`Referrer-Policy: no-referrer`).
pub fn answer(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (
            status,
            [(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"))],
            Html(html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a customer page failed to render");
            failure()
        }
    }
}

/// A failure of the store on a customer page: not found as such, the rest logged and
/// said plainly.
pub fn failed(e: StoreError) -> Response {
    match e {
        StoreError::NotFound { .. } => not_found(),
        e => {
            tracing::error!(error = %e, "a customer page failed");
            failure()
        }
    }
}

/// The order a live order-status link `token` is for; the "not found" page for any
/// other token, whatever is wrong with it.
pub async fn order_link(s: &crate::AppState, token: &str) -> Result<OrderId, Response> {
    let secret = s.store.link_secret().await.map_err(failed)?;
    link::verify(Purpose::Order, token, &secret, s.store.now()).map_err(|_| not_found())
}

/// The page for a link that leads nowhere: forged, expired, mistyped or for an order
/// never asked. It says no more than that, so it teaches a guesser nothing.
pub fn not_found() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Page not found",
        "<p>This link does not work (any more). If you followed it from an email, it may have expired.</p>",
    )
}

/// The page for a failure of ours.
pub fn failure() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Something went wrong</title></head>\n<body><h1>Something went wrong</h1><p>We could not do that just now. Please try again in a few minutes.</p></body></html>\n"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_in_text_is_shown_not_run() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'q'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"
        );
        assert_eq!(escape("Zoë"), "Zoë");
    }
}
