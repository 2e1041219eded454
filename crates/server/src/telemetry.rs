//! What the server tells operators: Prometheus metrics (every name prefixed
//! `switchyard_`, with `# HELP` and `# TYPE`, request durations as histograms) and one
//! info log line per request. Every label value comes from a fixed set, never from the
//! request: the route template or `other`, a standard method or `other`, a channel
//! kind.

pub mod process;

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use switchyard_core::delivery::{Destination, Outcome};
use switchyard_store::Store;
use switchyard_store::stats::Stats;
use tracing::Instrument;

const REQUESTS: &str = "switchyard_http_requests_total";
const DURATION: &str = "switchyard_http_request_duration_seconds";
const PLACED: &str = "switchyard_orders_placed_total";
const REFUSED: &str = "switchyard_orders_refused_total";
const BACKLOG: &str = "switchyard_order_backlog";
const LATE: &str = "switchyard_shipments_late";
const OUTBOX_PENDING: &str = "switchyard_outbox_pending_messages";
const OUTBOX_AGE: &str = "switchyard_outbox_oldest_pending_age_seconds";
const DELIVERY_PENDING: &str = "switchyard_delivery_pending";
const DELIVERY_DEAD: &str = "switchyard_delivery_dead";
const DELIVERY_AGE: &str = "switchyard_delivery_oldest_pending_age_seconds";
const DELIVERY_ATTEMPTS: &str = "switchyard_delivery_attempts_total";
const IN_FLIGHT: &str = "switchyard_http_requests_in_flight";
const BUILD_INFO: &str = "switchyard_build_info";

/// Request duration buckets, in seconds: from a cached read (about a millisecond) to the
/// 30-second request timeout.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The methods counted by name; any other is `other`.
const METHODS: &[Method] = &[
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

/// The process-wide Prometheus recorder, installed on first use, with every metric
/// described and `switchyard_build_info` set.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(DURATION.into()), DURATION_BUCKETS)
                .map(PrometheusBuilder::build_recorder);
            let recorder = match recorder {
                Ok(recorder) => recorder,
                Err(e) => {
                    tracing::warn!(error = %e, "histogram buckets refused; durations are summaries");
                    PrometheusBuilder::new().build_recorder()
                }
            };
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed");
            }
            describe();
            metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}

fn describe() {
    describe_counter!(
        REQUESTS,
        "HTTP requests answered, by method, route template and status."
    );
    describe_histogram!(
        DURATION,
        Unit::Seconds,
        "Time from a request's arrival to its response, by method and route template."
    );
    describe_counter!(PLACED, "Orders placed through the API, by channel kind.");
    describe_counter!(
        REFUSED,
        "Order placements refused (invalid, short of stock, unknown channel...), by channel kind and status."
    );
    describe_gauge!(BACKLOG, "Open or held orders whose goods have not all shipped.");
    describe_gauge!(
        LATE,
        "Shipments still on the floor after the time they were promised to leave."
    );
    describe_gauge!(
        DELIVERY_PENDING,
        "Deliveries waiting for their next try, per destination."
    );
    describe_gauge!(DELIVERY_DEAD, "Deliveries whose every try failed, per destination.");
    describe_gauge!(
        DELIVERY_AGE,
        Unit::Seconds,
        "How long the oldest pending delivery's message has waited, per destination."
    );
    describe_counter!(
        DELIVERY_ATTEMPTS,
        "Tries at delivering outbox messages made by this process, by destination kind and outcome."
    );
    describe_gauge!(OUTBOX_PENDING, "Outbox messages not yet delivered.");
    describe_gauge!(
        OUTBOX_AGE,
        Unit::Seconds,
        "How long the oldest undelivered outbox message has waited (0 when none waits)."
    );
    describe_gauge!(IN_FLIGHT, "Requests being served, this scrape included.");
    describe_gauge!(BUILD_INFO, "Always 1; the version of the running build is its label.");
}

/// The method as a label: a standard method's name, or `other`.
fn method_label(method: &Method) -> &'static str {
    METHODS.iter().find(|m| *m == method).map_or("other", Method::as_str)
}

/// Times, counts and logs each request: one info line with its method, route
/// template, status, latency and request id, nothing of its query, body or path
/// parameters (they hold customers' data). The handler's own events are logged in the
/// request's span, so they carry the same request id.
pub async fn observe(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |p| p.as_str().to_owned());
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let span = tracing::info_span!("request", method, route = %route, request_id = %id);
    let response = next.run(req).instrument(span.clone()).await;
    let elapsed = start.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            method,
            route = %route,
            status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            request_id = %id,
            "request"
        );
    });
    metrics::counter!(REQUESTS, "method" => method, "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!(DURATION, "method" => method, "route" => route).record(elapsed.as_secs_f64());
    response
}

/// Counts an order placement on the channel with code `channel`: `Ok(true)` placed,
/// `Ok(false)` an existing order returned again (not counted), `Err(status)` refused.
/// The label is the channel's kind, or `unknown` for a code no channel has.
pub async fn count_placement(store: &Store, channel: &str, outcome: Result<bool, u16>) {
    if outcome == Ok(false) {
        return;
    }
    let kind = match store.channel_kind(channel).await {
        Ok(Some(kind)) => kind.as_str(),
        Ok(None) => "unknown",
        Err(e) => {
            tracing::warn!(error = %e, "could not read a channel's kind to count its order");
            "unknown"
        }
    };
    match outcome {
        Err(status) => metrics::counter!(REFUSED, "channel" => kind, "status" => status.to_string()).increment(1),
        Ok(_) => metrics::counter!(PLACED, "channel" => kind).increment(1),
    }
}

/// Sets the gauges read at scrape time: requests in flight and the business figures.
pub fn record_gauges(in_flight: usize, stats: &Stats) {
    metrics::gauge!(IN_FLIGHT).set(in_flight as f64);
    metrics::gauge!(BACKLOG).set(stats.backlog as f64);
    metrics::gauge!(LATE).set(stats.late_shipments as f64);
    metrics::gauge!(OUTBOX_PENDING).set(stats.outbox_pending as f64);
    metrics::gauge!(OUTBOX_AGE).set(stats.outbox_oldest_age.as_secs_f64());
    for d in &stats.destinations {
        // Destinations are `email` and webhook endpoint ids: rows of our own, not request data.
        let destination = d.destination.clone();
        metrics::gauge!(DELIVERY_PENDING, "destination" => destination.clone()).set(d.pending as f64);
        metrics::gauge!(DELIVERY_DEAD, "destination" => destination.clone()).set(d.dead as f64);
        metrics::gauge!(DELIVERY_AGE, "destination" => destination).set(d.oldest_pending_seconds);
    }
}

/// Counts a try at a delivery by the kind of its destination and how it went.
pub fn count_delivery(destination: &Destination, outcome: Outcome) {
    let kind = match destination {
        Destination::Email => "email",
        Destination::Webhook(_) => "webhook",
        Destination::Channel(_) => "channel",
    };
    metrics::counter!(DELIVERY_ATTEMPTS, "destination" => kind, "outcome" => outcome.attempt().as_str()).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_outside_the_standard_set_is_other() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(method_label(&Method::CONNECT), "other");
    }
}
