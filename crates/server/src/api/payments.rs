//! An order's money: its payments and transactions, a new payment method after a
//! decline, refunds and goodwill (appeasement) refunds.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use switchyard_core::FieldError;
use switchyard_core::auth::Actor;
use switchyard_core::payment::{AppeasementInput, AttemptStatus, PaymentToken, RefundInput, RefundRequest};
use switchyard_core::validation::Validator;
use switchyard_store::payment::{OrderPayments, PaymentTransaction};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, perm};

/// A new payment method for an order whose payment was declined.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// The payment method as the provider tokenised it; never a card number.
    #[schema(example = "tok_visa_4242")]
    pub token: Option<String>,
}

/// Read an order's payments
///
/// Every authorization attempt (with its provider, token and answer), every
/// authorization, capture, void and refund, their totals, and what may still be
/// captured and refunded. The order's `payment_status` is derived from these records.
#[utoipa::path(get, path = "/api/v1/orders/{key}/payments", tag = "payments",
    params(("key" = String, Path, description = "Order id or number")),
    responses(
        (status = 200, description = "The order's money", body = OrderPayments),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_payments(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<OrderPayments>> {
    Ok(Json(s.store.order_payments(&key).await?))
}

/// Pay again
///
/// Asks the channel's provider to authorize the order's total again with a new payment
/// method (and to capture it, when the channel captures on placement). Approved: an
/// order held for payment is released. Declined or failed: the attempt is recorded,
/// the order is (or stays) held for payment, and the answer is 402.
///
/// The `test` provider is deterministic: the token `tok_decline` is declined and
/// `tok_error` fails; a total whose minor units end in 51 is declined and in 52 fails;
/// anything else is approved. The same rules apply to its refunds.
#[utoipa::path(post, path = "/api/v1/orders/{key}/payments", tag = "payments",
    request_body(content = PaymentInput, example = json!({"token": "tok_visa_4242"})),
    params(("key" = String, Path, description = "Order id or number")),
    responses(
        (status = 201, description = "Approved: the order's money after it", body = OrderPayments),
        (status = 202, description = "Asked, and the provider has not answered yet: the attempt is listed as `pending` and the payment sweep asks again", body = OrderPayments),
        (status = 402, description = "Declined (`payment_declined`) or the provider failed (`payment_provider_error`); recorded", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Money already authorized or captured (`payment_not_needed`), or the order is closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid token (a card number is refused)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_payment(
    caller: Allowed<perm::ManageOrders>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<PaymentInput>,
) -> ApiResult<(StatusCode, Json<OrderPayments>)> {
    let mut v = Validator::new();
    let token = v.check_opt("/token", input.token.as_deref(), PaymentToken::parse);
    let token = v.finish(|| token).map_err(ApiError::validation)?;
    let attempt = s.store.retry_payment(&key, token.as_ref(), &caller.actor()).await?;
    let code = match attempt.status {
        AttemptStatus::Approved => return Ok((StatusCode::CREATED, Json(s.store.order_payments(&key).await?))),
        // The provider has not answered yet; the sweep will ask it again.
        AttemptStatus::Pending => return Ok((StatusCode::ACCEPTED, Json(s.store.order_payments(&key).await?))),
        AttemptStatus::Declined => "payment_declined",
        AttemptStatus::Failed => "payment_provider_error",
    };
    let detail = attempt.message.unwrap_or_else(|| "the payment was not approved".into());
    Err(ApiError::new(StatusCode::PAYMENT_REQUIRED, code, detail))
}

/// Refund
///
/// Gives money back through the order's provider: units of lines (each at its share of
/// the line total, discount and tax included; a unit is refunded once, and only once
/// charged), the shipping and its tax (once), and any further amount, with a reason.
/// Never more than is captured and not yet refunded: 409 `refund_exceeds_captured`
/// with `remaining`. Managers and admins only (reason `appeasement` and `cancellation`
/// are refused: goodwill and cancellations have their own routes).
#[utoipa::path(post, path = "/api/v1/orders/{key}/refunds", tag = "payments",
    request_body(content = RefundInput, example = json!({
        "lines": [{"line_no": 1, "quantity": 1}], "shipping": false, "reason": "return", "note": "one tee came back"
    })),
    params(("key" = String, Path, description = "Order id or number")),
    responses(
        (status = 201, description = "Refunded", body = PaymentTransaction),
        (status = 409, description = "More than is refundable (`refund_exceeds_captured`, with `remaining`), or the provider declined", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_refund(
    caller: Allowed<perm::Refund>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<RefundInput>,
) -> ApiResult<(StatusCode, Json<PaymentTransaction>)> {
    refund(&s, &key, input.parse(), &caller.as_actor()).await
}

/// Records a parsed refund request: 201 with the refund.
async fn refund(
    s: &AppState,
    key: &str,
    request: Result<RefundRequest, Vec<FieldError>>,
    by: &Actor,
) -> ApiResult<(StatusCode, Json<PaymentTransaction>)> {
    let request = request.map_err(ApiError::validation)?;
    let refund = s.store.refund_order(key, &request, by).await?;
    Ok((StatusCode::CREATED, Json(refund)))
}

/// Give a goodwill refund
///
/// An appeasement: an amount given back with a reason (late delivery, damaged
/// packaging, ...), nothing sent back. Support, managers and admins; never more than
/// is captured and not yet refunded (409 `refund_exceeds_captured` with `remaining`).
/// Support gives at most 20% of what was captured in goodwill on an order, in all;
/// more is a 403 naming `refund`, for a manager.
#[utoipa::path(post, path = "/api/v1/orders/{key}/appeasements", tag = "payments",
    request_body(content = AppeasementInput, example = json!({
        "amount": {"amount": 500, "currency": "GBP"}, "reason": "late_delivery", "note": "parcel arrived four days late"
    })),
    params(("key" = String, Path, description = "Order id or number")),
    responses(
        (status = 201, description = "Refunded", body = PaymentTransaction),
        (status = 409, description = "More than is refundable (`refund_exceeds_captured`, with `remaining`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_appeasement(
    caller: Allowed<perm::Appease>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<AppeasementInput>,
) -> ApiResult<(StatusCode, Json<PaymentTransaction>)> {
    refund(&s, &key, input.parse(), &caller.as_actor()).await
}
