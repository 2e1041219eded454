//! Pages for customers, served without sign-in by the same server as the API: plain
//! HTML that works without JavaScript, every piece of text escaped, and the security
//! headers every HTML answer gets (`headers::security`: a content security policy that
//! runs no script and posts forms only back here). What a customer may do is decided
//! by the signed link in the page's path, never by a key.
//!
//! These routes answer HTML for errors too, so they sit outside the API's problem+json
//! layer; they bring their own body limit, time-out and panic guard instead.

pub mod feedback;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
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

/// A whole page: `title` (text, escaped here) over `body` (HTML, escaped by the caller).
pub fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let title = escape(title);
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n\
         <body>\n<main>\n<h1>{title}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    );
    // The page's address holds the link's token: no other site hears of it.
    (
        status,
        [(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"))],
        Html(html),
    )
        .into_response()
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
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "<p>We could not do that just now. Please try again in a few minutes.</p>",
    )
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f6f4;color:#222}\
main{max-width:36rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px}\
fieldset{border:1px solid #ddd;border-radius:6px;margin:0 0 1rem;padding:.75rem}\
legend{font-weight:600}label.r{display:inline-block;margin-right:.75rem}\
textarea{width:100%;min-height:6rem;box-sizing:border-box}\
.errors{color:#a40000}button{padding:.5rem 1.25rem;font-size:1rem}";

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
