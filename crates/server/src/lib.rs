//! Switchyard's HTTP server: the JSON API with its OpenAPI document and docs page,
//! authentication, idempotency, health and metrics, and the background work a running
//! server does (releasing holds whose time has come, filling backorders, releasing
//! work at `auto` locations, polling carriers for tracking).

pub mod api;
pub mod channels;
mod connection;
pub mod csrf;
pub mod delivery;
pub mod error;
pub mod extract;
pub mod headers;
pub mod lifecycle;
pub mod limits;
pub mod middleware;
pub mod ops;
pub mod paging;
pub mod problems;
pub mod public;
pub mod telemetry;
pub mod ui;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, Request, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use jiff::SignedDuration;
use metrics_exporter_prometheus::PrometheusHandle;
use switchyard_core::idempotency;
use switchyard_store::Store;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;
use crate::lifecycle::Lifecycle;
use crate::limits::{Guards, Limits};

/// What every handler can reach: one shared value, so the copy each request's
/// middleware and handler take is one reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

#[derive(Clone)]
pub struct Shared {
    pub store: Store,
    pub metrics: PrometheusHandle,
    /// The secret EasyPost signs its webhooks with; `/webhooks/easypost` is off without it.
    pub easypost_webhook_secret: Option<Arc<str>>,
    /// Whether webhook endpoints may point at private, loopback and link-local
    /// addresses and use plain `http://` (`--allow-private-webhook-targets`): off, a
    /// webhook URL could make the server call hosts inside its own network.
    pub allow_private_webhook_targets: bool,
    /// How long an `Idempotency-Key` is kept.
    pub idempotency_ttl: SignedDuration,
    pub limits: Limits,
    /// The rate limits of `limits` that authentication applies, with their counts.
    pub guards: Arc<Guards>,
    /// Draining or not, and the requests in flight.
    pub lifecycle: Arc<Lifecycle>,
    /// How customer emails are rendered (previews) and sent.
    pub mail: delivery::mail::Mail,
    /// Who makes the calls that deliver the outbox.
    pub senders: delivery::Senders,
    /// Whether `serve` runs a delivery worker (tests run rounds themselves).
    pub background_delivery: bool,
    /// The connectors of the channels with a connection.
    pub connectors: channels::Connectors,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// A server on `store` with the default `Limits`.
    pub fn new(store: Store) -> Self {
        let limits = Limits::default();
        AppState(Arc::new(Shared {
            store,
            metrics: telemetry::handle(),
            easypost_webhook_secret: None,
            allow_private_webhook_targets: false,
            idempotency_ttl: idempotency::DEFAULT_TTL,
            guards: Arc::new(Guards::new(&limits)),
            limits,
            lifecycle: Arc::default(),
            mail: delivery::mail::Mail::default(),
            senders: delivery::Senders::default(),
            background_delivery: true,
            connectors: channels::Connectors::default(),
        }))
    }

    /// Delivers email and webhooks with `senders`.
    pub fn with_senders(self, senders: delivery::Senders) -> Self {
        self.with(|shared| shared.senders = senders)
    }

    /// Whether `serve` delivers the outbox in the background (on by default).
    pub fn with_background_delivery(self, on: bool) -> Self {
        self.with(|shared| shared.background_delivery = on)
    }

    /// Talks to channels as patiently as `patience` (tests wait less than a server).
    pub fn with_channel_patience(self, patience: switchyard_channels::http::Patience) -> Self {
        self.with(|shared| shared.connectors = channels::Connectors::new(patience))
    }

    /// A delivery worker with this server's store and senders.
    pub fn worker(&self) -> delivery::Worker {
        let mut senders = self.senders.clone();
        senders.channel = Arc::new(channels::push::ChannelSender::new(
            self.store.clone(),
            self.connectors.clone(),
        ));
        delivery::Worker::new(self.store.clone(), senders)
    }

    /// A stock-sync worker with this server's store and connectors.
    pub fn stock_sync(&self) -> channels::stock::StockSync {
        channels::stock::StockSync::new(self.store.clone(), self.connectors.clone())
    }

    /// Accepts EasyPost webhooks signed with `secret` at `/webhooks/easypost`.
    pub fn with_easypost_webhook_secret(self, secret: Option<String>) -> Self {
        self.with(|shared| shared.easypost_webhook_secret = secret.map(Arc::from))
    }

    /// Lets webhooks go to private, loopback and link-local addresses and over plain
    /// `http://`: for tests and for receivers on the server's own network.
    pub fn with_allow_private_webhook_targets(self, allow: bool) -> Self {
        self.with(|shared| shared.allow_private_webhook_targets = allow)
    }

    /// Keeps `Idempotency-Key`s for `ttl` instead of the default 24 hours.
    pub fn with_idempotency_ttl(self, ttl: SignedDuration) -> Self {
        self.with(|shared| shared.idempotency_ttl = ttl)
    }

    /// Serves within `limits` instead of the defaults.
    pub fn with_limits(self, limits: Limits) -> Self {
        self.with(|shared| {
            shared.guards = Arc::new(Guards::new(&limits));
            shared.limits = limits;
        })
    }

    /// Renders customer emails with `mail`'s templates and sends them with its SMTP server.
    /// Also makes email deliveries with it: give it after `with_senders`.
    pub fn with_mail(self, mail: delivery::mail::Mail) -> Self {
        self.with(|shared| {
            let sender = delivery::mail::EmailSender::new(shared.store.clone(), mail.clone());
            shared.senders.email = Arc::new(sender);
            shared.mail = mail;
        })
    }

    fn with(self, change: impl FnOnce(&mut Shared)) -> Self {
        let mut shared = Shared::clone(&self.0);
        change(&mut shared);
        AppState(Arc::new(shared))
    }
}

/// Request ids: this process's random prefix, then a count of its requests. An id
/// only has to tell requests apart in the logs of several instances; a system call for
/// fresh randomness on each request showed up in the read path's profile.
#[derive(Clone, Default)]
pub(crate) struct RequestIds;

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        static PREFIX: OnceLock<u32> = OnceLock::new();
        static COUNT: AtomicU64 = AtomicU64::new(0);
        let prefix = PREFIX.get_or_init(|| {
            let mut bytes = [0u8; 4];
            // Should the generator fail, the prefix is 0: ids stay unique within
            // this instance.
            getrandom::fill(&mut bytes).ok();
            u32::from_le_bytes(bytes)
        });
        let id = format!("{prefix:08x}{:016x}", COUNT.fetch_add(1, Ordering::Relaxed));
        id.parse().ok().map(RequestId::new)
    }
}

/// The header carrying a request's id, in and out; problems name it in `instance`.
pub(crate) const REQUEST_ID: &str = "x-request-id";

/// The OpenAPI document of the whole server.
pub fn openapi() -> utoipa::openapi::OpenApi {
    split(api::routes()).1
}

/// The OpenAPI document as pretty JSON, as committed in `docs/openapi.json`.
pub fn openapi_json() -> serde_json::Result<String> {
    openapi().to_pretty_json()
}

fn split(api: OpenApiRouter<AppState>) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    // Signed webhooks from outside: no key, but their path is checked like the API's.
    let hooks = OpenApiRouter::new()
        .routes(routes!(api::tracking::easypost_webhook))
        .routes(routes!(api::channels::channel_webhook))
        .layer(axum::middleware::from_fn(crate::extract::request_target));
    let (router, mut doc) = OpenApiRouter::with_openapi(<api::ApiDoc as utoipa::OpenApi>::openapi())
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
        .merge(hooks)
        .merge(api)
        .split_for_parts();
    api::document_common(&mut doc);
    api::document_examples(&mut doc);
    (router, doc)
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let api = api::routes()
        .layer(from_fn_with_state(state.clone(), middleware::idempotency))
        .layer(from_fn_with_state(state.clone(), middleware::authenticate));
    let (router, doc) = split(api);
    let request_id = HeaderName::from_static(REQUEST_ID);
    router
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", doc))
        .merge(problems::routes())
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint; see /api/docs") })
        .layer(RequestBodyLimitLayer::new(middleware::BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            axum::response::IntoResponse::into_response(ApiError::internal())
        }))
        .layer(from_fn(middleware::problem_errors))
        // Customer pages and the staff UI answer HTML, errors too: outside the
        // problem+json layer.
        .merge(public::routes())
        .merge(ui::routes(state.clone()))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(from_fn(telemetry::observe))
        .layer(from_fn_with_state(state.clone(), lifecycle::track))
        .layer(SetRequestIdLayer::new(request_id, RequestIds))
        .layer(from_fn(headers::security))
        .with_state(state)
}

/// Serves `state` on `listener`, within its `Limits`, until `shutdown` completes and
/// the drain after it ends (`lifecycle`): `/readyz` answers 503 from then on, requests
/// in flight finish, and the background sweeps (`lifecycle::sweep`: payments left
/// unanswered, expired idempotency keys, holds, backorders, expected dates, `auto`
/// locations' work, carrier tracking, feedback requests, parcels running late, every 30
/// seconds) and the delivery worker finish their current step.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = state
        .background_delivery
        .then(|| tokio::spawn(state.worker().run(stopped.clone())));
    let stock_sync = state
        .background_delivery
        .then(|| tokio::spawn(state.stock_sync().run(stopped.clone())));
    let sweeps = tokio::spawn(lifecycle::sweep(state.clone(), stopped));
    let limits = state.limits.clone();
    let drained = lifecycle::draining(state.clone(), shutdown, &stop);
    let result = connection::serve(listener, app(state), &limits, drained).await;
    // Also when the connection loop failed before any shutdown.
    stop.send_replace(true);
    if let Err(e) = sweeps.await {
        tracing::error!(error = %e, "the background sweeps failed");
    }
    if let Some(Err(e)) = match worker {
        Some(worker) => Some(worker.await),
        None => None,
    } {
        tracing::error!(error = %e, "the delivery worker failed");
    }
    if let Some(Err(e)) = match stock_sync {
        Some(stock_sync) => Some(stock_sync.await),
        None => None,
    } {
        tracing::error!(error = %e, "the stock sync worker failed");
    }
    result
}

#[cfg(test)]
mod tests {
    /// The committed spec is the one the code generates: API changes show in review.
    /// Regenerate with `cargo run -- openapi > docs/openapi.json`.
    #[test]
    fn the_committed_openapi_document_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        let generated = super::openapi_json().unwrap();
        assert!(
            committed.trim_end() == generated.trim_end(),
            "docs/openapi.json is stale: run `cargo run -- openapi > docs/openapi.json`"
        );
    }
}
