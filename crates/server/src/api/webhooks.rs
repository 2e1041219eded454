//! Webhook endpoints: create (the secret is answered this once), list, read, change,
//! disable and enable, delete, rotate the secret; what it was sent and sending it more
//! in `deliveries`. Every route needs
//! `manage_webhooks`, reads too: an endpoint's URL often carries the receiver's own
//! token, and its attempts show what the receiver answered.

mod deliveries;

pub use deliveries::*;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use switchyard_core::validation::Invalid;
use switchyard_core::webhook::address::Refusal;
use switchyard_core::webhook::{EndpointInput, WebhookEndpointStatus};
use switchyard_store::webhook::{
    WebhookEndpoint, WebhookEndpointFilter, WebhookEndpointSummary, WebhookEndpointWithSecret,
};
use switchyard_store::{Page, PageRequest};
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};

/// The collection's path, for `Location`.
const COLLECTION: &str = "/api/v1/webhook-endpoints";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhookEndpointQuery {
    status: Option<WebhookEndpointStatus>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500. Default 50.
    limit: Option<i64>,
}

/// Create a webhook endpoint
///
/// Registers a URL to receive the events it names (`event_types`: types such as
/// `order.shipped` or families such as `order.*`; empty or absent for every event),
/// optionally only those of some channels (`channels`, by code). Every request to it is
/// signed as the Standard Webhooks specification says, with the `secret` of this
/// answer: it is shown this once (and again only when rotated), so keep it now. Every
/// invalid field is reported at once.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints", tag = "webhooks",
    request_body(content = EndpointInput, example = json!({
        "url": "https://erp.example.com/hooks/switchyard",
        "description": "ERP order sync",
        "event_types": ["order.*", "shipment.delivered"],
        "channels": ["web"]
    })),
    responses(
        (status = 201, description = "Created, with its secret", body = WebhookEndpointWithSecret),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_webhook_endpoint(
    caller: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<EndpointInput>,
) -> ApiResult<impl IntoResponse> {
    let draft = input.parse().map_err(ApiError::validation)?;
    refuse_forbidden_target(&s, &draft.url).await?;
    let created = s.store.create_webhook_endpoint(&draft, &caller.actor()).await?;
    let location = format!("{COLLECTION}/{}", created.endpoint.summary.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(created)))
}

/// Refuses, as a problem of `/url`, a URL webhooks may not be sent to: one whose host
/// resolves to a private, loopback, link-local or metadata address, or plain `http://`,
/// unless the server runs with `--allow-private-webhook-targets`. A host that does not
/// resolve (yet) is accepted: the receiver may not be in DNS before it is set up, and
/// every try checks again, recording why it could not send.
async fn refuse_forbidden_target(s: &AppState, url: &str) -> ApiResult<()> {
    match crate::delivery::webhook::check_target(url, s.allow_private_webhook_targets).await {
        Ok(()) | Err(Refusal::Unresolved { .. }) => Ok(()),
        Err(refusal) => Err(ApiError::validation(vec![
            Invalid::new(refusal.code(), refusal.to_string()).at("/url"),
        ])),
    }
}

/// List webhook endpoints
///
/// Newest first, cursor-paged; deleted endpoints are not listed. Secrets show only as
/// a hint.
#[utoipa::path(get, path = "/api/v1/webhook-endpoints", tag = "webhooks", params(WebhookEndpointQuery),
    responses(
        (status = 200, description = "A page of endpoints", body = Page<WebhookEndpointSummary>),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_webhook_endpoints(
    _: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<WebhookEndpointQuery>,
) -> ApiResult<Json<Page<WebhookEndpointSummary>>> {
    let filter = WebhookEndpointFilter { status: q.status };
    let page = PageRequest {
        cursor: q.cursor,
        limit: q.limit,
    };
    Ok(Json(s.store.list_webhook_endpoints(&filter, &page).await?))
}

/// Read a webhook endpoint
///
/// With its audit timeline: who created, changed, disabled, enabled it or rotated its
/// secret, and its disabling after 5 days of failures. The secret shows only as a hint.
#[utoipa::path(get, path = "/api/v1/webhook-endpoints/{key}", tag = "webhooks",
    params(("key" = String, Path, description = "Endpoint id")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookEndpoint),
        (status = 404, description = "Not found, or deleted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_webhook_endpoint(
    _: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<WebhookEndpoint>> {
    Ok(Json(s.store.webhook_endpoint(&key).await?))
}

/// Change a webhook endpoint
///
/// Changes the fields present in the body; a list given replaces the current one (an
/// empty list: every event, or every channel). The result is validated as a whole.
#[utoipa::path(patch, path = "/api/v1/webhook-endpoints/{key}", tag = "webhooks",
    request_body(content = EndpointInput, example = json!({"event_types": ["order.*"], "description": "ERP: orders only"})),
    params(("key" = String, Path, description = "Endpoint id")),
    responses(
        (status = 200, description = "Changed", body = WebhookEndpoint),
        (status = 404, description = "Not found, or deleted", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_webhook_endpoint(
    caller: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(patch): ApiJson<EndpointInput>,
) -> ApiResult<Json<WebhookEndpoint>> {
    // A URL that is not one at all is reported by the store's validation, with the
    // other fields' problems.
    if let Some(url) = patch
        .url
        .as_deref()
        .filter(|url| switchyard_core::webhook::url(url).is_ok())
    {
        refuse_forbidden_target(&s, url).await?;
    }
    Ok(Json(
        s.store.update_webhook_endpoint(&key, &patch, &caller.actor()).await?,
    ))
}

/// Delete a webhook endpoint
///
/// It receives nothing more and is no longer listed or read; the record of what was
/// delivered to it stays.
#[utoipa::path(delete, path = "/api/v1/webhook-endpoints/{key}", tag = "webhooks",
    params(("key" = String, Path, description = "Endpoint id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "Not found, or deleted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_webhook_endpoint(
    caller: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    s.store.delete_webhook_endpoint(&key, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disable a webhook endpoint
///
/// Stops sending it events (`disabled_reason` `manual`) until it is enabled again. An
/// endpoint already disabled stays as it is.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{key}/disable", tag = "webhooks",
    params(("key" = String, Path, description = "Endpoint id")),
    responses(
        (status = 200, description = "Disabled", body = WebhookEndpoint),
        (status = 404, description = "Not found, or deleted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn disable_webhook_endpoint(
    caller: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<WebhookEndpoint>> {
    Ok(Json(s.store.disable_webhook_endpoint(&key, &caller.actor()).await?))
}

/// Enable a webhook endpoint
///
/// Sends it events again, whether it was disabled by hand or for failing; its failing
/// streak starts over. An endpoint already enabled stays as it is.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{key}/enable", tag = "webhooks",
    params(("key" = String, Path, description = "Endpoint id")),
    responses(
        (status = 200, description = "Enabled", body = WebhookEndpoint),
        (status = 404, description = "Not found, or deleted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn enable_webhook_endpoint(
    caller: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<WebhookEndpoint>> {
    Ok(Json(s.store.enable_webhook_endpoint(&key, &caller.actor()).await?))
}

/// Rotate a webhook endpoint's secret
///
/// Makes a new secret, answered this once. For 24 hours the old secret signs too (the
/// `webhook-signature` header carries both signatures), so the receiver can switch
/// without refusing a request.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{key}/rotate-secret", tag = "webhooks",
    params(("key" = String, Path, description = "Endpoint id")),
    responses(
        (status = 200, description = "Rotated, with the new secret", body = WebhookEndpointWithSecret),
        (status = 404, description = "Not found, or deleted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rotate_webhook_secret(
    caller: Allowed<perm::ManageWebhooks>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<WebhookEndpointWithSecret>> {
    Ok(Json(s.store.rotate_webhook_secret(&key, &caller.actor()).await?))
}
