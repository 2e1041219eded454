//! What a webhook endpoint was sent, and sending it more: a test event, the list of
//! tries, one message retried, every event since a time replayed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use switchyard_core::delivery::Destination;
use switchyard_core::id::{DeliveryId, MessageId};
use switchyard_core::validation::Invalid;
use switchyard_core::webhook::{EndpointFilter, ReplayInput, TEST_EVENT, WebhookEndpointStatus};
use switchyard_store::outbox::{AttemptFilter, AttemptRecord, EventFilter};
use switchyard_store::webhook::WebhookEndpointSummary;
use switchyard_store::{Page, PageRequest};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::delivery::fanout;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};

/// Events read per round of a replay.
const REPLAY_BATCH: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttemptQuery {
    /// Only the tries of this message.
    message_id: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500. Default 50.
    limit: Option<i64>,
}

/// A test event on its way.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestEventSent {
    /// The message's id: the `webhook-id` the endpoint receives it with.
    pub message_id: MessageId,
}

/// A message on its way again.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetryQueued {
    /// The delivery that sends it: its tries show in the endpoint's attempts.
    pub delivery_id: DeliveryId,
}

/// Events on their way again.
#[derive(Debug, Serialize, ToSchema)]
pub struct Replayed {
    /// How many events are sent again.
    pub replayed: u64,
}

/// The endpoint `key` names, as a destination, when it is enabled: a disabled endpoint
/// is sent nothing, a test or a retry included (409 `endpoint_disabled`).
async fn enabled(s: &AppState, key: &str) -> ApiResult<(WebhookEndpointSummary, Destination)> {
    let endpoint = s.store.webhook_endpoint(key).await?.summary;
    if endpoint.status != WebhookEndpointStatus::Enabled {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "endpoint_disabled",
            format!("webhook endpoint {key} is disabled: enable it first"),
        ));
    }
    let destination = Destination::Webhook(endpoint.id.clone());
    Ok((endpoint, destination))
}

/// Send a test event
///
/// Sends one `webhook.test` event to this endpoint only, signed like every other, to
/// check that the receiver gets and verifies it. Its tries show in the endpoint's
/// attempts.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{key}/test", tag = "webhooks",
    params(("key" = String, Path, description = "Endpoint id")),
    responses(
        (status = 202, description = "The test event is on its way", body = TestEventSent),
        (status = 404, description = "Not found, or deleted", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn send_test_event(
    caller: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<(StatusCode, Json<TestEventSent>)> {
    let (endpoint, destination) = enabled(&s, &key).await?;
    let now = s.store.now();
    let payload = json!({ "webhook_endpoint_id": endpoint.id, "actor": caller.actor(), "at": now });
    let body = json!({
        "type": TEST_EVENT,
        "timestamp": now,
        "data": { "webhook_endpoint_id": endpoint.id, "url": endpoint.url, "message": "a test event from Switchyard" },
        "event": payload,
    });
    let message_id = s
        .store
        .enqueue_to(&destination, TEST_EVENT, endpoint.id.as_str(), &payload, &body)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(TestEventSent { message_id })))
}

/// List a webhook endpoint's attempts
///
/// Every try of every delivery to this endpoint, newest first, cursor-paged: when, the
/// HTTP status the receiver answered, the head of its answer or the error, and how
/// long it took.
#[utoipa::path(get, path = "/api/v1/webhook-endpoints/{key}/attempts", tag = "webhooks",
    params(("key" = String, Path, description = "Endpoint id"), AttemptQuery),
    responses(
        (status = 200, description = "A page of tries", body = Page<AttemptRecord>),
        (status = 404, description = "Not found, or deleted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_webhook_attempts(
    _: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<AttemptQuery>,
) -> ApiResult<Json<Page<AttemptRecord>>> {
    let message = match q.message_id.as_deref() {
        None => None,
        Some(raw) => Some(MessageId::parse(raw.trim()).ok_or_else(|| {
            ApiError::validation(vec![
                Invalid::new("invalid_value", "must be a message id (msg_...)").at("message_id"),
            ])
        })?),
    };
    let endpoint = s.store.webhook_endpoint(&key).await?.summary;
    let filter = AttemptFilter {
        destination: Some(Destination::Webhook(endpoint.id)),
        message,
    };
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.store.attempts(&filter, &page).await?))
}

/// Retry a message
///
/// Sends one message to this endpoint again as soon as a worker is free: a dead
/// delivery or one waiting for its next try becomes due now; a delivered one is sent
/// once more. 404 when the message never went to this endpoint.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{key}/messages/{message_id}/retry", tag = "webhooks",
    params(
        ("key" = String, Path, description = "Endpoint id"),
        ("message_id" = String, Path, description = "The message's id (its `webhook-id`)"),
    ),
    responses(
        (status = 202, description = "The message is on its way again", body = RetryQueued),
        (status = 404, description = "No such endpoint, or the message never went to it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn retry_webhook_message(
    _: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    Path((key, message_id)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<RetryQueued>)> {
    let (_, destination) = enabled(&s, &key).await?;
    let message = MessageId::parse(&message_id)
        .ok_or_else(|| ApiError::from(switchyard_store::StoreError::not_found("message", message_id.as_str())))?;
    let delivery_id = s.store.retry_delivery(&destination, &message).await?;
    Ok((StatusCode::ACCEPTED, Json(RetryQueued { delivery_id })))
}

/// Replay events
///
/// Sends this endpoint again every event since a time that its filter wants (as it
/// stands now), as new deliveries in the order of the feed; test events of other
/// endpoints are not replayed. Receivers tell repeats by their `webhook-id`.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{key}/replay", tag = "webhooks",
    request_body(content = ReplayInput, example = json!({"since": "2026-12-05T00:00:00Z"})),
    params(("key" = String, Path, description = "Endpoint id")),
    responses(
        (status = 202, description = "The events are on their way again", body = Replayed),
        (status = 404, description = "Not found, or deleted", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The endpoint is disabled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replay_webhook_events(
    _: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<ReplayInput>,
) -> ApiResult<(StatusCode, Json<Replayed>)> {
    let since = input.parse(s.store.now()).map_err(ApiError::validation)?;
    let (endpoint, destination) = enabled(&s, &key).await?;
    let wants = EndpointFilter {
        event_types: endpoint.event_types,
        channels: endpoint.channels,
    };
    let (mut after, mut replayed) = (0, 0);
    loop {
        let filter = EventFilter {
            after,
            types: Vec::new(),
            since: Some(since),
        };
        let events = s.store.events(&filter, REPLAY_BATCH).await?;
        let Some(last) = events.last() else { break };
        after = last.seq;
        let wanted: Vec<_> = events
            .into_iter()
            .filter(|e| e.topic != TEST_EVENT && fanout::webhook_wants(&wants, &e.topic, &e.body))
            .collect();
        replayed += s.store.replay(&destination, &wanted).await?;
    }
    Ok((StatusCode::ACCEPTED, Json(Replayed { replayed })))
}
