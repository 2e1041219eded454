//! Operations endpoints, open without a key: liveness, readiness (the database
//! answers) and Prometheus metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{AppState, telemetry};

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness
///
/// 200 while the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()), responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness
///
/// 200 when the database answers; 503 with status `draining` once shutdown has begun
/// (requests in flight still finish), or `database unreachable`.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, description = "Ready: the database answers", body = Health),
        (status = 503, description = "Not ready: the database does not answer", body = Health)))]
pub async fn readyz(State(s): State<AppState>) -> (StatusCode, Json<Health>) {
    if s.lifecycle.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "draining" }));
    }
    match s.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(Health { status: "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "database unreachable",
                }),
            )
        }
    }
}

/// Metrics
///
/// Prometheus text format, every name prefixed `switchyard_`: requests by method, route
/// template and status, their durations as histograms, orders placed and refused by
/// channel kind, the order backlog, late shipments, the outbox's lag, the process's
/// CPU, memory, file descriptors and start time, and the build's version.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(()),
    responses((status = 200, description = "Prometheus exposition format", body = String, content_type = "text/plain")))]
pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    match s.store.stats().await {
        Ok(stats) => telemetry::record_gauges(s.lifecycle.in_flight(), &stats),
        Err(e) => tracing::warn!(error = %e, "could not read the business figures for /metrics"),
    }
    let mut text = s.metrics.render();
    text.push_str(&telemetry::process::render());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}
