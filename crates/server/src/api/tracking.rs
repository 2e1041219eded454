//! Tracking events from carriers: one at a time, in bulk, and EasyPost tracker
//! webhooks. Duplicates are ignored and late events never undo a later state.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use switchyard_core::carrier::easypost::{self, EasyPostEvent};
use switchyard_core::shipment::input::{BulkTrackingInput, TrackingEventInput};
use switchyard_store::shipment::TrackingResult;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, parse_json, perm};

/// What became of each event, in the order sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingResults {
    pub results: Vec<TrackingResult>,
    /// Events that said nothing about the parcel (EasyPost `pre_transit`, `unknown`).
    pub skipped: usize,
}

/// Record a tracking event
///
/// A carrier event for one shipment: `in_transit`, `out_for_delivery`, `delivered`,
/// `exception` or `returned_to_sender`, when and where. It joins the shipment's
/// timeline — unless an identical event is there already (`duplicate`) — and moves the
/// shipment when it is news: an event older than the latest one applied, or after
/// `delivered`, is only recorded. Delivery marks the lines delivered, measures it
/// against the promised date and completes the order when nothing else is on its way.
/// An event dated before the shipment shipped, or more than five minutes ahead of the
/// server's clock, is refused (422 on `/occurred_at`) and recorded nowhere.
#[utoipa::path(post, path = "/api/v1/shipments/{key}/tracking-events", tag = "tracking", request_body(content = TrackingEventInput, example = json!({
        "status": "out_for_delivery", "occurred_at": "2026-11-21T07:40:00Z", "location": "Leeds delivery office",
        "description": "Out for delivery"
    })),
    params(("key" = String, Path, description = "Shipment number or id")),
    responses(
        (status = 200, description = "What became of the event", body = TrackingResult),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_tracking_event(
    caller: Allowed<perm::Fulfil>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<TrackingEventInput>,
) -> ApiResult<Json<TrackingResult>> {
    let event = input.parse().map_err(ApiError::validation)?;
    Ok(Json(s.store.record_tracking(&key, &event, &caller.actor()).await?))
}

/// Record tracking events in bulk
///
/// Up to 500 events, each naming its shipment by number or id, or by tracking number
/// (with `carrier` if two carriers could share it). Every shipment is looked up first:
/// an unknown one is a field error and nothing is recorded. Then all apply in one
/// transaction, in the order sent, each as `POST /shipments/{key}/tracking-events` would;
/// an event whose time is refused there is `refused` here, with why in its `note`, and
/// the others still apply.
#[utoipa::path(post, path = "/api/v1/tracking-events", tag = "tracking", request_body(content = BulkTrackingInput, example = json!({
        "events": [
            {"tracking_number": "1Z5R89390357567127", "status": "in_transit", "occurred_at": "2026-11-20T18:02:00Z", "location": "Louisville, KY, US"},
            {"shipment": "SO-100513-1", "status": "delivered", "occurred_at": "2026-11-21T12:10:00Z", "location": "Leeds"}
        ]
    })),
    responses(
        (status = 200, description = "What became of each event", body = TrackingResults),
        (status = 422, description = "Invalid fields or unknown shipments; nothing was recorded", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_tracking_events(
    caller: Allowed<perm::Fulfil>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<BulkTrackingInput>,
) -> ApiResult<Json<TrackingResults>> {
    let events = input.parse().map_err(ApiError::validation)?;
    let results = s.store.record_tracking_bulk(&events, &caller.actor()).await?;
    Ok(Json(TrackingResults { results, skipped: 0 }))
}

/// EasyPost tracker webhook
///
/// Accepts an EasyPost `tracker.created` or `tracker.updated` event and records each of
/// its tracking details on the shipment with the tracker's tracking code. EasyPost's
/// `pre_transit` and `unknown` details say nothing about the parcel and are skipped;
/// `available_for_pickup` counts as out for delivery, `failure` and `error` as
/// exceptions, `return_to_sender` as returned. Replaying a webhook changes nothing. A
/// detail dated before the shipment shipped or in the future is `refused` and logged,
/// and the webhook still answers 200 so that EasyPost does not send it again.
#[utoipa::path(post, path = "/api/v1/tracking/easypost", tag = "tracking",
    request_body(content = EasyPostEvent, example = easypost_example),
    responses(
        (status = 200, description = "What became of each detail", body = TrackingResults),
        (status = 404, description = "No shipment has the tracker's tracking code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a tracker event, or invalid details", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_easypost_event(
    _: Allowed<perm::Fulfil>,
    State(s): State<AppState>,
    ApiJson(event): ApiJson<EasyPostEvent>,
) -> ApiResult<Json<TrackingResults>> {
    record_easypost(&s, &event).await
}

/// An EasyPost `tracker.updated` event as the two EasyPost routes document it.
fn easypost_example() -> serde_json::Value {
    serde_json::json!({
        "id": "evt_0b6a7f3c", "description": "tracker.updated",
        "result": {
            "tracking_code": "1Z5R89390357567127", "carrier": "UPS", "status": "in_transit",
            "tracking_details": [{
                "message": "Departed facility", "status": "in_transit", "datetime": "2026-11-18T06:40:00Z",
                "tracking_location": {"city": "Leeds", "country": "GB"}
            }]
        }
    })
}

async fn record_easypost(s: &AppState, event: &EasyPostEvent) -> ApiResult<Json<TrackingResults>> {
    let update = easypost::map(event).map_err(ApiError::validation)?;
    let results = s.store.record_easypost(&update).await?;
    Ok(Json(TrackingResults {
        results,
        skipped: update.skipped,
    }))
}

/// EasyPost webhook, signed
///
/// The address to give EasyPost itself: no API key, but every request must carry
/// EasyPost's `X-Hmac-Signature` (`hmac-sha256-hex=…`, HMAC-SHA256 of the raw body with
/// the webhook secret the server was started with, `--easypost-webhook-secret`). A
/// missing or wrong signature is a 401 and nothing is recorded; without a configured
/// secret the endpoint answers 404. The event is then handled as by
/// `POST /api/v1/tracking/easypost`.
#[utoipa::path(post, path = "/webhooks/easypost", tag = "tracking", security(()),
    request_body(content = EasyPostEvent, example = easypost_example),
    params(("X-Hmac-Signature" = String, Header, description = "EasyPost's signature of the raw body",
        example = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db")),
    responses(
        (status = 200, description = "What became of each detail", body = TrackingResults),
        (status = 401, description = "Missing or wrong signature; nothing recorded", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No webhook secret configured, or no shipment has the tracking code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a tracker event, or invalid details", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn easypost_webhook(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<TrackingResults>> {
    let Some(secret) = s.easypost_webhook_secret.as_deref() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no EasyPost webhook secret is configured on this server",
        ));
    };
    let signature = headers
        .get(easypost::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !easypost::signature_matches(secret, &body, signature) {
        return Err(ApiError::unauthorized(
            "the X-Hmac-Signature header is missing or does not sign this body with the webhook secret",
        ));
    }
    let event: EasyPostEvent = parse_json(&body)?;
    record_easypost(&s, &event).await
}
