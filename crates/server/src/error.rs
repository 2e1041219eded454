//! Every error reaches HTTP here, once, as RFC 9457 `application/problem+json` with a
//! stable `type`, a human `detail`, and per-field `errors` where the input was at fault.
//! 5xx bodies say nothing of the cause; the cause is logged with the request.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use switchyard_core::auth::{Forbidden, Permission};
use switchyard_core::inventory::StockError;
use switchyard_core::{FieldError, Money};
use switchyard_store::StoreError;
use switchyard_store::error::ShortLine;
use utoipa::ToSchema;

/// A problem detail (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation_failed",
    "title": "The request has invalid fields",
    "status": 422,
    "detail": "2 fields are invalid",
    "code": "validation_failed",
    "errors": [
        {"field": "/lines/0/quantity", "code": "out_of_range", "message": "must be at least 1"},
        {"field": "/shipping_address/postal_code", "code": "required", "message": "is required for addresses in GB"}
    ]
}))]
pub struct Problem {
    /// A stable URI reference naming the kind of problem: `/problems/{code}`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The same kind as `type`, as a short machine-readable code.
    pub code: String,
    /// Per-field problems: `field` is a JSON pointer into the request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
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

/// One invalid field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldErrorDoc {
    /// JSON pointer into the request body (or the query parameter's name).
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    problem: Box<Problem>,
    www_authenticate: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, title: &str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            problem: Box::new(Problem {
                type_: format!("/problems/{code}"),
                title: title.to_owned(),
                status: status.as_u16(),
                detail: detail.into(),
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
        ApiError::with_errors(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "The request has invalid fields",
            errors,
        )
    }

    /// 400: the request itself is malformed (its path, a cursor), naming what.
    pub fn bad_request(code: &str, title: &str, errors: Vec<FieldError>) -> Self {
        ApiError::with_errors(StatusCode::BAD_REQUEST, code, title, errors)
    }

    fn with_errors(status: StatusCode, code: &str, title: &str, errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!(
                "{} {}",
                if one.field.is_empty() { "the body" } else { &one.field },
                one.message
            ),
            many => format!("{} fields are invalid", many.len()),
        };
        let mut e = ApiError::new(status, code, title, detail);
        e.problem.errors = errors;
        e
    }

    pub fn unauthorized(detail: &str) -> Self {
        let mut e = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
            detail,
        );
        e.www_authenticate = true;
        e
    }

    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "something went wrong on our side; it has been logged",
        )
    }

    /// 409 `invalid_transition`, naming the state that made the action illegal.
    fn invalid_transition(detail: String, current_status: &str) -> Self {
        let mut e = ApiError::new(
            StatusCode::CONFLICT,
            "invalid_transition",
            "Not allowed in this state",
            detail,
        );
        e.problem.current_status = Some(current_status.to_owned());
        e
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
}

/// 403 `forbidden`, naming the permission the role lacks.
impl From<Forbidden> for ApiError {
    fn from(refused: Forbidden) -> Self {
        let mut e = ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", refused.detail);
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
                "Not found",
                format!("{resource} {key} does not exist"),
            ),
            StoreError::Invalid(errors) => ApiError::validation(errors),
            StoreError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, "Conflict", message),
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
                let mut e = ApiError::new(StatusCode::CONFLICT, "insufficient_stock", "Not enough stock", detail);
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
                ApiError::new(
                    StatusCode::CONFLICT,
                    code,
                    "Stock rule violated",
                    format!("{sku} at {location}: {error}"),
                )
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
                    "More than can be refunded",
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
                let mut e = ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "scan_mismatch",
                    "The scans do not match the shipment",
                    detail,
                );
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.www_authenticate {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
