//! Request middleware of the JSON API: authentication by bearer key, `Idempotency-Key`
//! replay for POSTs, and request metrics.

use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use switchyard_store::api_key::Principal;
use switchyard_store::idempotency::Begin;

use crate::AppState;
use crate::error::ApiError;

/// The largest request body the API reads.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Resolves `Authorization: Bearer <key>` to a principal, or answers 401. An address
/// that has sent too many keys that are not live keys is answered 429 before its key is
/// looked up; a key over its own rate limit (if it has one), 429 too.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let header = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let Some(secret) = header.and_then(|h| h.strip_prefix("Bearer ")).map(str::trim) else {
        return ApiError::unauthorized("send an API key as Authorization: Bearer <key>").into_response();
    };
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| crate::limits::ClientAddr::from(info.0.ip()));
    if let Some(client) = client
        && let Err(wait) = state.guards.before_lookup(client)
    {
        return wait.response("too many requests from this address with keys that are not valid; retry later");
    }
    match state.store.authenticate(secret).await {
        Ok(Some(principal)) => {
            if let Err(wait) = state.guards.admit(&principal.key_id) {
                return wait.response("this API key has made more requests than its rate limit allows; retry later");
            }
            req.extensions_mut().insert(principal);
            next.run(req).await
        }
        Ok(None) => {
            if let Some(client) = client {
                state.guards.failed(client);
            }
            ApiError::unauthorized("the API key is unknown or revoked").into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// For a POST with `Idempotency-Key`: the first request runs and its response is kept;
/// the same key with the same body replays it, with another body is a 422, and while
/// the first is still running a 409. Server errors are not kept, so they can be retried.
pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_owned))
    else {
        return next.run(req).await;
    };
    let key = match key {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k,
        _ => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "Invalid Idempotency-Key",
                "the Idempotency-Key header must be 1 to 255 visible ASCII characters",
            )
            .into_response();
        }
    };
    let Some(principal) = req.extensions().get::<Principal>().cloned() else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "Body too large",
                "the body exceeds 1 MiB",
            )
            .into_response();
        }
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update(parts.uri.path());
    hasher.update([0]);
    hasher.update(&bytes);
    let hash: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let who = principal.key_id.to_string();
    match state.store.idempotency_begin(&who, &key, &hash).await {
        Err(e) => ApiError::from(e).into_response(),
        Ok(Begin::Mismatch) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency-Key reused",
            "this Idempotency-Key was used with a different request; use a new key for a new request",
        )
        .into_response(),
        Ok(Begin::InFlight) => ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_in_use",
            "Request in progress",
            "a request with this Idempotency-Key is still being processed; retry shortly",
        )
        .into_response(),
        Ok(Begin::Replay { status, headers, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, body).into_response();
            for (name, value) in headers {
                if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
                    response.headers_mut().insert(name, value);
                }
            }
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        Ok(Begin::Proceed) => {
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            let (parts, body) = response.into_parts();
            let body = match to_bytes(body, usize::MAX).await {
                Ok(b) => b,
                Err(_) => return ApiError::internal().into_response(),
            };
            let text = String::from_utf8_lossy(&body);
            let stored = if parts.status.is_server_error() {
                state.store.idempotency_abandon(&who, &key).await
            } else {
                let replayed: Vec<(String, String)> = [header::CONTENT_TYPE, header::LOCATION]
                    .iter()
                    .filter_map(|name| {
                        let value = parts.headers.get(name)?.to_str().ok()?;
                        Some((name.as_str().to_owned(), value.to_owned()))
                    })
                    .collect();
                state
                    .store
                    .idempotency_complete(&who, &key, parts.status.as_u16(), &replayed, &text)
                    .await
            };
            if let Err(e) = stored {
                tracing::error!(error = %e, "could not store the idempotent response");
            }
            Response::from_parts(parts, Body::from(body))
        }
    }
}

/// Counts requests and times them, labelled by route template and status.
pub async fn metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "path" => path.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "path" => path)
        .record(start.elapsed().as_secs_f64());
    response
}

/// Turns error responses made outside our handlers (unknown method, body too large,
/// time-out) into problem+json too, so clients parse one error format.
pub async fn problem_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    // Our handlers answer JSON (problems, or a body of their own like /readyz's);
    // what comes back bare or as plain text was made by the framework.
    let is_json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.to_str()
            .is_ok_and(|v| v.starts_with("application/") && v.contains("json"))
    });
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (code, title, detail) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "Method not allowed",
            "this endpoint does not accept that method; see the Allow header",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("body_too_large", "Body too large", "the body exceeds 1 MiB"),
        StatusCode::SERVICE_UNAVAILABLE => (
            "unavailable",
            "Unavailable",
            "the request took too long or the server is overloaded; retry",
        ),
        StatusCode::NOT_FOUND => ("not_found", "Not found", "no such resource"),
        _ => ("http_error", "Error", "the request could not be handled"),
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut problem = ApiError::new(status, code, title, detail).into_response();
    if let Some(allow) = allow {
        problem.headers_mut().insert(header::ALLOW, allow);
    }
    problem
}
