//! Request middleware of the JSON API: authentication by bearer key, `Idempotency-Key`
//! replay for POSTs, and problem+json for errors the framework makes.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use switchyard_core::idempotency::{self, Refusal};
use switchyard_store::api_key::Principal;
use switchyard_store::idempotency::{Begin, Claim};

use crate::AppState;
use crate::error::{self, ApiError, PROBLEM_JSON, Problem};

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

/// For a POST with `Idempotency-Key` (rules: `switchyard_core::idempotency`): the
/// first request runs and, when it changed something, its response is kept; the same
/// key with the same request replays it, with another request is a 422, and while the
/// first is still running a 409. A request that changed nothing (refused by
/// validation, permissions or a conflict) is not kept, so it can be corrected and sent
/// again with its key.
///
/// The request runs in a task of its own, so that a client that hangs up or a request
/// that times out does not cut it between its commit and the storing of its response.
pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get("idempotency-key") else {
        return next.run(req).await;
    };
    let Some(key) = key
        .to_str()
        .ok()
        .filter(|k| idempotency::valid_key(k))
        .map(str::to_owned)
    else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "the Idempotency-Key header must be 1 to 255 visible ASCII characters",
        )
        .into_response();
    };
    let Some(principal) = req.extensions().get::<Principal>().cloned() else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the body exceeds 1 MiB",
        )
        .into_response();
    };
    let hash = idempotency::fingerprint(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or(""),
        &bytes,
    );
    let begun = state
        .store
        .idempotency_begin(principal.key_id.as_str(), &key, &hash, state.idempotency_ttl)
        .await;
    match begun {
        Err(e) => ApiError::from(e).into_response(),
        Ok(Begin::Refuse(why)) => refusal(why),
        Ok(Begin::Replay { status, headers, body }) => replay(status, headers, body),
        Ok(Begin::Proceed(claim)) => {
            let run = tokio::spawn(async move {
                let beating = tokio::spawn(heartbeat(state.clone(), claim.clone()));
                let response = claim
                    .clone()
                    .scope(next.run(Request::from_parts(parts, Body::from(bytes))))
                    .await;
                beating.abort();
                keep(&state, &claim, response).await
            });
            run.await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "an idempotent request's task failed");
                ApiError::internal().into_response()
            })
        }
    }
}

fn refusal(why: Refusal) -> Response {
    let (status, code, detail) = match why {
        Refusal::Mismatch => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request; use a new key for a new request",
        ),
        Refusal::ResponseLost => (
            StatusCode::CONFLICT,
            "idempotency_response_lost",
            "the request with this Idempotency-Key was applied, but the server stopped before it could keep \
             its response; read the resource to see the result instead of sending the request again",
        ),
        Refusal::InFlight => (
            StatusCode::CONFLICT,
            "idempotency_key_in_use",
            "a request with this Idempotency-Key is still being processed; retry shortly",
        ),
    };
    ApiError::new(status, code, detail).into_response()
}

fn replay(status: u16, headers: Vec<(String, String)>, body: String) -> Response {
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

/// Tells retries, every few seconds, that the run holding `claim` is alive, so only a
/// run whose process died is taken over.
async fn heartbeat(state: AppState, claim: Claim) {
    let every = idempotency::HEARTBEAT_EVERY.unsigned_abs();
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) = state.store.idempotency_heartbeat(&claim).await {
            tracing::warn!(error = %e, "could not record that an idempotent request is running");
        }
    }
}

/// Stores the response of the run holding `claim` (or forgets its key when it
/// changed nothing), and passes the response on.
async fn keep(state: &AppState, claim: &Claim, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, usize::MAX).await else {
        return ApiError::internal().into_response();
    };
    let replayed: Vec<(String, String)> = [header::CONTENT_TYPE, header::LOCATION]
        .iter()
        .filter_map(|name| {
            let value = parts.headers.get(name)?.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    let text = String::from_utf8_lossy(&body);
    if let Err(e) = state
        .store
        .idempotency_finish(claim, parts.status.as_u16(), &replayed, &text)
        .await
    {
        tracing::error!(error = %e, "could not keep an idempotent response");
    }
    Response::from_parts(parts, Body::from(body))
}

/// Makes every error answer problem+json naming its request in `instance`: a problem
/// of ours gets the request's id; an error response made outside our handlers (no
/// route, a method not allowed, a body too large, a time-out) becomes the problem of
/// its status, so clients parse one error format. It wraps the panic handler too.
pub async fn problem_errors(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(crate::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let mut response = next.run(req).await;
    let status = response.status();
    let mut problem = match response.extensions_mut().remove::<Box<Problem>>() {
        Some(problem) => problem,
        None => {
            // Our handlers answer JSON (problems, or a body of their own like
            // /readyz's); what comes back bare or as plain text was made by the framework.
            let is_json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
                v.to_str()
                    .is_ok_and(|v| v.starts_with("application/") && v.contains("json"))
            });
            if !(status.is_client_error() || status.is_server_error()) || is_json {
                return response;
            }
            ApiError::of_status(status).into_problem()
        }
    };
    problem.instance = Some(error::instance(&request_id));
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    Response::from_parts(parts, Body::from(problem.body()))
}
