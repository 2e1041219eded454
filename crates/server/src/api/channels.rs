//! A channel's connection (`/api/v1/channels/{key}/connection`): saved whole, shown
//! without its credentials' values, tested, polled on demand; and the address a
//! channel sends its webhooks to (`/webhooks/channels/{key}`), authenticated by the
//! channel's signature instead of an API key.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use switchyard_channels::ChannelError;
use switchyard_core::connector::ConnectionInput;
use switchyard_core::validation::{TextKind, visible};
use switchyard_store::connection::ConnectionView;

use crate::AppState;
use crate::channels::intake::{self, IntakeOutcome, Taken};
use crate::channels::poll::{self, Poll};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, perm};

/// Connect a channel
///
/// Saves the channel's connection whole: where its API is, the credentials its kind
/// needs (write-only: answered only by name, never logged; left out, the stored ones
/// are kept), options, how often it is polled for orders, which pushes are on, and the
/// stock buffer and cap of what it is offered. Every invalid field is reported at once.
#[utoipa::path(put, path = "/api/v1/channels/{key}/connection", tag = "channels",
    request_body(content = ConnectionInput, example = json!({
        "base_url": "https://my-shop.myshopify.com",
        "credentials": {"access_token": "shpat_0123456789abcdef", "webhook_secret": "a-long-shared-secret"},
        "options": {"location_id": "655441491"},
        "poll_interval_seconds": 300,
        "pushes": {"stock": true, "fulfilments": true, "cancellations": true},
        "stock_buffer": {"units": 2},
        "max_offered": 50
    })),
    params(("key" = String, Path, description = "Channel id or code")),
    responses(
        (status = 200, description = "Saved", body = ConnectionView),
        (status = 404, description = "No such channel", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_connection(
    _caller: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<ConnectionInput>,
) -> ApiResult<Json<ConnectionView>> {
    Ok(Json(s.store.save_connection(&key, &input).await?))
}

/// Read a channel's connection
///
/// Its settings and the last poll; credentials by name only.
#[utoipa::path(get, path = "/api/v1/channels/{key}/connection", tag = "channels",
    params(("key" = String, Path, description = "Channel id or code")),
    responses(
        (status = 200, description = "The connection", body = ConnectionView),
        (status = 404, description = "No such channel, or it has no connection", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_connection(
    _caller: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<ConnectionView>> {
    Ok(Json(s.store.connection(&key).await?))
}

/// Disconnect a channel
///
/// Removes the connection: the channel is no longer polled or pushed to, and its
/// webhooks are answered 404.
#[utoipa::path(delete, path = "/api/v1/channels/{key}/connection", tag = "channels",
    params(("key" = String, Path, description = "Channel id or code")),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "No such channel, or it has no connection", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_connection(
    _caller: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    s.store.delete_connection(&key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The outcome of a connection test.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectionTest {
    pub ok: bool,
    /// What was reached, or what went wrong.
    #[schema(example = "my-shop.myshopify.com: shop \"My Shop\", API 2025-01")]
    pub detail: String,
}

/// Test a channel's connection
///
/// Calls the channel with the stored credentials and says whether it answered.
#[utoipa::path(post, path = "/api/v1/channels/{key}/connection/test", tag = "channels",
    params(("key" = String, Path, description = "Channel id or code")),
    responses(
        (status = 200, description = "Whether the channel answered, and what", body = ConnectionTest),
        (status = 404, description = "No such channel, or it has no connection", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn test_connection(
    _caller: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<ConnectionTest>> {
    let stored = s.store.stored_connection(&key).await?;
    let connector = s.connectors.build(&stored)?;
    Ok(Json(match connector.check().await {
        Ok(detail) => ConnectionTest { ok: true, detail },
        Err(e) => ConnectionTest {
            ok: false,
            detail: e.to_string(),
        },
    }))
}

/// Poll a channel now
///
/// Asks the channel for its orders changed since the last poll (a little before it),
/// now rather than at its interval, and takes them: new orders are placed, known ones
/// are not placed again, cancellations and refunds are applied.
#[utoipa::path(post, path = "/api/v1/channels/{key}/poll", tag = "channels",
    params(("key" = String, Path, description = "Channel id or code")),
    responses(
        (status = 200, description = "What each order or change polled came to", body = Poll),
        (status = 404, description = "No such channel, or it has no connection", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The channel could not be reached or refused us", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn poll_channel(
    _caller: Allowed<perm::PlaceOrders>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<Poll>> {
    let stored = s.store.stored_connection(&key).await?;
    Ok(Json(poll::poll(&s, &stored, s.store.now()).await?))
}

/// What a channel's webhook came to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub taken: Vec<Taken>,
}

/// A channel's webhook, signed
///
/// The address to give the channel for its order webhooks (Shopify's
/// `orders/create`, `orders/updated`, `orders/cancelled`, `refunds/create`;
/// WooCommerce's `order.created`, `order.updated`; Amazon `ORDER_CHANGE` through a
/// relay). No API key: the channel's signature over the raw body, checked with the
/// connection's `webhook_secret`, authenticates it (a missing or wrong one is a 401 and
/// nothing is stored). A new order is placed, a known one is not placed again; a
/// cancellation cancels (or holds, when work has started on the floor); a refund is
/// recorded as paid by the channel. When nothing of it could be taken, the answer is
/// a 422 naming why, so the channel tries again later.
#[utoipa::path(post, path = "/webhooks/channels/{key}", tag = "channels", security(()),
    params(("key" = String, Path, description = "Channel id or code", example = "web",
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff]+$")),
    request_body(content = Object, description = "The channel's payload, as it sends it (its own shape)", content_type = "application/json",
        example = json!({"id": 450789469, "email": "bob.norman@mail.example.com", "currency": "USD", "line_items": []})),
    responses(
        (status = 200, description = "What each order or change came to", body = Notification),
        (status = 400, description = "A key with control characters", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Missing or wrong signature; nothing stored", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such channel, or it has no connection", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Nothing in it could be taken", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn channel_webhook(
    State(s): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Notification>> {
    // Outside the API's routes, so their check of path parameters is made here: a key
    // with control characters is refused, not echoed back in a 404.
    visible(&key, TextKind::Line).map_err(|e| ApiError::bad_request("invalid_path", vec![e.at("key")]))?;
    let stored = s.store.stored_connection(&key).await?;
    let connector = s.connectors.build(&stored)?;
    connector.verify(&headers, &body).map_err(|e| match e {
        ChannelError::Forged => {
            ApiError::unauthorized("the signature header is missing or does not sign this body with the webhook secret")
        }
        other => unreadable(&other),
    })?;
    let notices = connector.parse(&headers, &body).map_err(|e| unreadable(&e))?;
    let taken = intake::take(&s.store, connector.as_ref(), &stored.channel, notices).await;
    if !taken.is_empty() && taken.iter().all(|t| t.outcome == IntakeOutcome::Refused) {
        let why: Vec<String> = taken.iter().filter_map(|t| t.detail.clone()).collect();
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_taken",
            why.join("; "),
        ));
    }
    Ok(Json(Notification { taken }))
}

fn unreadable(e: &ChannelError) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable_payload", e.to_string())
}
