//! Every error reaches HTTP here, once, as RFC 9457 `application/problem+json` with a
//! stable `type` (`/problems/{code}`, a page the server serves; `crate::problems` holds
//! every kind), a human `detail`, an `instance` naming the request (added by
//! `middleware::problem_errors`), and per-field `errors` where the input was at fault.
//! 5xx bodies say nothing of the cause; the cause is logged with the request.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use switchyard_core::auth::{Forbidden, Permission};
use switchyard_core::inventory::StockError;
use switchyard_core::{FieldError, Money};
use switchyard_store::StoreError;
use switchyard_store::error::ShortLine;
use utoipa::ToSchema;

use crate::problems;

/// A problem detail (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation_failed",
    "title": "The request has invalid fields",
    "status": 422,
    "detail": "2 fields are invalid",
    "instance": "urn:switchyard:request:5f3a09c1000000000000002a",
    "code": "validation_failed",
    "errors": [
        {"pointer": "/lines/0/quantity", "code": "out_of_range", "message": "must be at least 1"},
        {"pointer": "/shipping_address/postal_code", "code": "required", "message": "is required for addresses in GB"}
    ]
}))]
pub struct Problem {
    /// The kind of problem: `/problems/{code}`, a URI reference resolved against the
    /// request's URL to a page of this server that says what the kind means (all kinds:
    /// `/problems`).
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// This occurrence: `urn:switchyard:request:{id}`, with the request's `X-Request-Id`,
    /// under which the server logged it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The same kind as `type`, as a short machine-readable code.
    pub code: String,
    /// Per-field problems, each at a JSON `pointer` (RFC 6901) into the request body
    /// (`""` for the whole body) or in the path or query `parameter` it names.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "located")]
    #[schema(value_type = Vec<FieldErrorDoc>)]
    pub errors: Vec<FieldError>,
    /// Lines that could not be reserved (`insufficient_stock`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<ShortLine>,
    /// The state that made the action illegal (`invalid_transition`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_status: Option<String>,
    /// What may still be refunded (`refund_exceeds_captured`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<Money>,
    /// The permission the caller's role lacks (`forbidden`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<Permission>,
}

/// One invalid field: exactly one of `pointer` and `parameter`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldErrorDoc {
    /// JSON pointer (RFC 6901) into the request body; `""` is the whole body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The path or query parameter at fault, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    pub code: String,
    pub message: String,
}

/// A field error as the client sees it: core names a body's field by its JSON pointer
/// (`""` or starting with `/`) and a parameter by its name, so the one tells which.
struct Located<'a>(&'a FieldError);

impl Serialize for Located<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut s = serializer.serialize_struct("FieldError", 3)?;
        let place = if e.field.is_empty() || e.field.starts_with('/') {
            "pointer"
        } else {
            "parameter"
        };
        s.serialize_field(place, &e.field)?;
        s.serialize_field("code", e.code)?;
        s.serialize_field("message", &e.message)?;
        s.end()
    }
}

fn located<S: Serializer>(errors: &[FieldError], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(errors.iter().map(Located))
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    problem: Box<Problem>,
    www_authenticate: bool,
}

impl ApiError {
    /// A problem of the kind `code` (one of `problems::KINDS`, whose title it takes).
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        let kind = problems::find(code);
        debug_assert!(kind.is_some(), "problem code {code} is not in problems::KINDS");
        ApiError {
            status,
            problem: Box::new(Problem {
                type_: format!("/problems/{code}"),
                title: kind.map_or("Error", |k| k.title).to_owned(),
                status: status.as_u16(),
                detail: detail.into(),
                instance: None,
                code: code.to_owned(),
                errors: Vec::new(),
                lines: Vec::new(),
                current_status: None,
                remaining: None,
                permission: None,
            }),
            www_authenticate: false,
        }
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        ApiError::with_errors(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", errors)
    }

    /// 400: the request itself is malformed (its path, a cursor, its JSON), naming what.
    pub fn bad_request(code: &str, errors: Vec<FieldError>) -> Self {
        ApiError::with_errors(StatusCode::BAD_REQUEST, code, errors)
    }

    fn with_errors(status: StatusCode, code: &str, errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!(
                "{} {}",
                if one.field.is_empty() { "the body" } else { &one.field },
                one.message
            ),
            many => format!("{} fields are invalid", many.len()),
        };
        let mut e = ApiError::new(status, code, detail);
        e.problem.errors = errors;
        e
    }

    pub fn unauthorized(detail: &str) -> Self {
        let mut e = ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail);
        e.www_authenticate = true;
        e
    }

    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; it has been logged",
        )
    }

    /// 409 `invalid_transition`, naming the state that made the action illegal.
    fn invalid_transition(detail: String, current_status: &str) -> Self {
        let mut e = ApiError::new(StatusCode::CONFLICT, "invalid_transition", detail);
        e.problem.current_status = Some(current_status.to_owned());
        e
    }

    /// The problem of an error status made outside our handlers (by the router, a
    /// layer, or the HTTP layer), described as `problems::KINDS` describes its kind.
    pub fn of_status(status: StatusCode) -> Self {
        let code = problems::for_status(status);
        let detail = problems::find(code).map_or("", |k| k.description);
        ApiError::new(status, code, detail)
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn into_problem(self) -> Box<Problem> {
        self.problem
    }
}

/// 403 `forbidden`, naming the permission the role lacks.
impl From<Forbidden> for ApiError {
    fn from(refused: Forbidden) -> Self {
        let mut e = ApiError::new(StatusCode::FORBIDDEN, "forbidden", refused.detail);
        e.problem.permission = Some(refused.permission);
        e
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { resource, key } => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{resource} {key} does not exist"),
            ),
            StoreError::Invalid(errors) => ApiError::validation(errors),
            StoreError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            StoreError::InsufficientStock(lines) => {
                let detail = lines
                    .iter()
                    .map(|l| {
                        format!(
                            "line {} ({}): {} requested, {} available",
                            l.line, l.sku, l.requested, l.available
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                let mut e = ApiError::new(StatusCode::CONFLICT, "insufficient_stock", detail);
                e.problem.lines = lines;
                e
            }
            StoreError::Stock { sku, location, error } => {
                let code = match error {
                    StockError::InsufficientAvailable { .. } => "insufficient_stock",
                    StockError::BelowReserved { .. } => "below_reserved",
                    StockError::Negative { .. } => "negative_stock",
                    StockError::ReleaseExceedsReserved { .. } => "release_exceeds_reserved",
                    StockError::ShipExceedsReserved { .. } => "ship_exceeds_reserved",
                    StockError::OutOfRange => "out_of_range",
                };
                ApiError::new(StatusCode::CONFLICT, code, format!("{sku} at {location}: {error}"))
            }
            StoreError::Transition(t) => ApiError::invalid_transition(t.to_string(), t.from.as_str()),
            StoreError::ShipmentTransition(t) => ApiError::invalid_transition(t.to_string(), t.from.as_str()),
            StoreError::PurchaseTransition(t) => ApiError::invalid_transition(t.to_string(), t.from.as_str()),
            StoreError::ReturnTransition(t) => ApiError::invalid_transition(t.to_string(), t.from.as_str()),
            StoreError::Forbidden(refused) => refused.into(),
            StoreError::RefundExceedsCaptured { requested, remaining } => {
                let mut e = ApiError::new(
                    StatusCode::CONFLICT,
                    "refund_exceeds_captured",
                    format!("{requested} is more than the {remaining} captured and not yet refunded"),
                );
                e.problem.remaining = Some(remaining);
                e
            }
            StoreError::ScanMismatch { shipment, errors } => {
                let detail = format!(
                    "Nothing was packed: the scans do not match shipment {shipment}. {}",
                    errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(". ")
                );
                let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "scan_mismatch", detail);
                e.problem.errors = errors;
                e
            }
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::internal()
            }
        }
    }
}

impl Problem {
    /// The problem as its `application/problem+json` body.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl IntoResponse for ApiError {
    /// The problem's body, with the problem itself in the response's extensions for
    /// `middleware::problem_errors` to name the request in `instance`.
    fn into_response(self) -> Response {
        let mut response = (self.status, self.problem.body()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.www_authenticate {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(self.problem);
        response
    }
}

/// A problem's `instance`: the request's id (its `X-Request-Id`, which the server logs
/// the request under) as a URN, percent-encoding what a client may have put in its id.
pub fn instance(request_id: &str) -> String {
    let mut urn = String::from("urn:switchyard:request:");
    for b in request_id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            urn.push(char::from(b));
        } else {
            urn.push_str(&format!("%{b:02X}"));
        }
    }
    urn
}

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

pub type ApiResult<T> = Result<T, ApiError>;
