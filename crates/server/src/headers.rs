//! The security headers of every response: what a browser may do with what we send.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// What an HTML page may load and who may frame it: its own scripts, styles, images
/// and API, inline style attributes (Swagger UI sets them), nothing inline to run, and
/// no frame around it anywhere.
pub const HTML_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds to every response `X-Content-Type-Options: nosniff`, `Cache-Control: no-store`
/// unless the response says how it may be cached (API responses hold personal data),
/// and to HTML pages a content security policy and `X-Frame-Options: DENY` unless the
/// page brings its own. A layer (`from_fn(headers::security)`) for any router that
/// serves pages: the API docs now, the web UI later.
pub async fn security(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if is_html(headers) {
        headers
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(HTML_CONTENT_SECURITY_POLICY));
        headers
            .entry(header::X_FRAME_OPTIONS)
            .or_insert(HeaderValue::from_static("DENY"));
    }
    response
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"))
}
