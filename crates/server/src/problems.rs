//! The kinds of problem the server answers, in one table: each problem's `type` is
//! `/problems/{code}`, and the server serves that page (and `/problems`, the list), so a
//! problem's `type` resolves, against the server it came from, to what it means.

use std::fmt::Write as _;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::ApiError;

/// One kind of problem: its code (the last segment of its `type`), the status it is
/// answered with, its title and what it means to a client.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub code: &'static str,
    pub status: u16,
    pub title: &'static str,
    pub description: &'static str,
}

const fn kind(code: &'static str, status: u16, title: &'static str, description: &'static str) -> Kind {
    Kind {
        code,
        status,
        title,
        description,
    }
}

/// Every kind of problem the server can answer, by status then code.
#[rustfmt::skip]
pub const KINDS: &[Kind] = &[
    kind("bad_request", 400, "Bad request", "The request could not be read as HTTP: a malformed request line, header or percent-encoding. Nothing was done."),
    kind("body_unreadable", 400, "The body could not be read", "The request body ended early or could not be decoded. Send it again."),
    kind("cursor_mismatch", 400, "Cursor of another list", "The `cursor` was given out for the same list with other filters. Keep the filters of the request that gave out the cursor, or start again without a cursor."),
    kind("invalid_cursor", 400, "Not a cursor of this list", "The `cursor` parameter is not one a list gave out. Pass `next_cursor` (or the `Link: rel=\"next\"` address) back as it came."),
    kind("invalid_idempotency_key", 400, "Invalid Idempotency-Key", "The `Idempotency-Key` header must be 1 to 255 visible ASCII characters."),
    kind("invalid_limit", 400, "Page size out of range", "The `limit` parameter must be a whole number from 1 to the maximum the problem names."),
    kind("invalid_path", 400, "The path is not valid", "A path parameter holds characters no key may hold, or is not valid percent-encoding."),
    kind("malformed_json", 400, "The body is not JSON", "The body is not well-formed JSON: a syntax error, an unexpected end, or data after the JSON value. `errors[0].pointer` is empty (the whole body)."),
    kind("unauthorized", 401, "Authentication required", "Send a live API key as `Authorization: Bearer <key>`."),
    kind("payment_declined", 402, "Payment not approved", "The payment provider declined the payment. Another payment may be tried."),
    kind("payment_provider_error", 402, "Payment not approved", "The payment provider failed to answer. Retry later."),
    kind("forbidden", 403, "Not allowed", "The key's role lacks the permission named in `permission`."),
    kind("not_found", 404, "Not found", "No such resource or endpoint."),
    kind("method_not_allowed", 405, "Method not allowed", "The endpoint does not accept this method; the `Allow` header lists those it does."),
    kind("request_timeout", 408, "Request timeout", "The request's headers did not arrive in time. The connection is closed."),
    kind("already_settled", 409, "Conflict", "The payment was settled already."),
    kind("below_reserved", 409, "Stock rule violated", "The change would leave less stock on hand than is reserved."),
    kind("cannot_be_kit", 409, "Conflict", "This product cannot become a kit (it has stock, orders or is a component)."),
    kind("concurrent_update", 409, "Conflict", "Another request changed the record at the same time. Read it again and retry."),
    kind("duplicate_code", 409, "Conflict", "Another record has this code."),
    kind("duplicate_sku", 409, "Conflict", "Another product has this SKU."),
    kind("duplicate_tracking_number", 409, "Conflict", "Another shipment has this tracking number."),
    kind("endpoint_disabled", 409, "Endpoint disabled", "The webhook endpoint is disabled and is sent nothing, a test or a retry included. Enable it first."),
    kind("forecast_refresh_running", 409, "Refresh running", "Another refresh of the forecasts is running. Try again when it ends."),
    kind("idempotency_key_in_use", 409, "Request in progress", "A request with this `Idempotency-Key` is still running. Retry shortly."),
    kind("idempotency_key_taken_over", 409, "Conflict", "Another run took over this `Idempotency-Key`. Read the resource to see the result."),
    kind("idempotency_response_lost", 409, "Request already applied", "The request with this `Idempotency-Key` was applied but its response was not kept. Read the resource instead of sending the request again."),
    kind("insufficient_stock", 409, "Not enough stock", "Some lines cannot be reserved; `lines` names them with what is available."),
    kind("invalid_transition", 409, "Not allowed in this state", "The action is not allowed in the record's current state, named in `current_status`."),
    kind("kit_in_use", 409, "Conflict", "The kit is used by open orders or stock; its components cannot change."),
    kind("kit_not_bought", 409, "Conflict", "The product is a kit, bought as its components: set the supplier terms of its components instead."),
    kind("line_cancelled", 409, "Conflict", "The order line is cancelled already."),
    kind("line_not_cancellable", 409, "Conflict", "The order line has shipped or is being shipped and cannot be cancelled."),
    kind("location_archived", 409, "Conflict", "The location is archived."),
    kind("location_in_use", 409, "Conflict", "The location has stock reserved for open orders; cancel or re-route them first."),
    kind("negative_stock", 409, "Stock rule violated", "The change would leave negative stock on hand."),
    kind("no_label", 409, "No label", "The shipment (or return) has no label yet: create one first."),
    kind("no_payment", 409, "Conflict", "The order has no payment to act on."),
    kind("nothing_to_pick", 409, "Conflict", "No released shipment has anything left to pick."),
    kind("order_closed", 409, "Conflict", "The order is closed (cancelled or complete)."),
    kind("out_of_range", 409, "Stock rule violated", "The stock quantity would be out of the range the ledger keeps."),
    kind("payment_not_needed", 409, "Conflict", "The order needs no (further) payment."),
    kind("payment_pending", 409, "Conflict", "A payment of the order is still pending."),
    kind("payment_refused", 409, "Conflict", "The payment was refused."),
    kind("pick_list_completed", 409, "Conflict", "The pick list is complete."),
    kind("refund_exceeds_captured", 409, "More than can be refunded", "The refund is more than was captured and not yet refunded; `remaining` says what is left."),
    kind("release_exceeds_reserved", 409, "Stock rule violated", "More would be released than is reserved."),
    kind("ship_exceeds_reserved", 409, "Stock rule violated", "More would ship than is reserved."),
    kind("shipment_in_progress", 409, "Conflict", "A shipment of the order is being picked, packed or shipped."),
    kind("stock_pushes_off", 409, "Stock pushes are off", "The channel's connection does not push stock (`pushes.stock` is false): turn it on first."),
    kind("stock_not_held", 409, "Conflict", "The stock is not held for this order."),
    kind("body_too_large", 413, "Body too large", "The body exceeds 1 MiB."),
    kind("uri_too_long", 414, "URI too long", "The request's path and query are longer than the server reads."),
    kind("unsupported_media_type", 415, "Expected JSON", "Send the body as JSON with `Content-Type: application/json` (or `application/<something>+json`)."),
    kind("idempotency_key_reused", 422, "Idempotency-Key reused", "This `Idempotency-Key` was used with a different request. Use a new key for a new request."),
    kind("template_failed", 422, "The email template failed", "An email template could not be rendered for this order; `detail` says which and where. Fix the file in `--mail-templates` (a retry of the email uses the fix)."),
    kind("not_taken", 422, "Nothing could be taken", "Nothing in a channel's webhook could be taken (an order not valid here, a change to an order we do not have); `detail` says why. Nothing was stored: the channel sends it again later."),
    kind("scan_mismatch", 422, "The scans do not match the shipment", "Nothing was packed; `errors` names each scan that does not match."),
    kind("unreadable_payload", 422, "The payload could not be read", "A channel's webhook, signed, is not what the channel sends (not its JSON, or no header naming its topic); `detail` says what. Nothing was stored."),
    kind("validation_failed", 422, "The request has invalid fields", "Well-formed JSON (or query) with invalid values; `errors` lists every one, with a `pointer` into the body or the `parameter` it is in."),
    kind("rate_limited", 429, "Too many requests", "Too many requests (or failed authentications); wait for the seconds in `Retry-After`."),
    kind("headers_too_large", 431, "Request headers too large", "The request's headers are larger than the server reads."),
    kind("internal", 500, "Internal error", "Something went wrong on the server; it has been logged with the request id in `instance`."),
    kind("http_error", 500, "Error", "An HTTP error with no more specific kind; its status says which."),
    kind("channel_failed", 502, "The channel failed", "The sales channel refused the request or could not be reached; `detail` says how. Retry later, or check the connection with `switchyard channel test`."),
    kind("unavailable", 503, "Unavailable", "The request took too long or the server is overloaded. Retry."),
    kind("http_version_not_supported", 505, "HTTP version not supported", "Speak HTTP/1.1."),
];

/// The kind with this code.
pub fn find(code: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.code == code)
}

/// The kind the server answers for an error status made outside our handlers.
pub fn for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "body_too_large",
        414 => "uri_too_long",
        431 => "headers_too_large",
        503 | 504 => "unavailable",
        505 => "http_version_not_supported",
        _ => "http_error",
    }
}

/// `/problems` and `/problems/{code}`, open without a key.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/problems", get(list))
        .route("/problems/{code}", get(page))
}

const STYLE: &str = "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}\
    td,th{text-align:left;padding:.2em .6em;vertical-align:top}</style>";

fn html(title: &str, body: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>{STYLE}</head><body>{body}</body></html>"),
    )
        .into_response()
}

async fn list() -> Response {
    let mut rows = String::new();
    for k in KINDS {
        let _ = write!(
            rows,
            "<tr><td><a href=\"/problems/{0}\">{0}</a></td><td>{1}</td><td>{2}</td><td>{3}</td></tr>",
            k.code, k.status, k.title, k.description
        );
    }
    html(
        "Problem types",
        &format!(
            "<h1>Problem types</h1><p>Every error is an RFC 9457 <code>application/problem+json</code> \
             body whose <code>type</code> is <code>/problems/{{code}}</code>.</p>\
             <table><tr><th>Code</th><th>Status</th><th>Title</th><th>Meaning</th></tr>{rows}</table>"
        ),
    )
}

async fn page(Path(code): Path<String>) -> Response {
    match find(&code) {
        Some(k) => html(
            k.title,
            &format!(
                "<h1>{title}</h1><p><code>{code}</code> · status {status}</p><p>{description}</p>\
                 <p><a href=\"/problems\">All problem types</a></p>",
                title = k.title,
                code = k.code,
                status = k.status,
                description = k.description
            ),
        ),
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such problem type; see /problems",
        )
        .into_response(),
    }
}
