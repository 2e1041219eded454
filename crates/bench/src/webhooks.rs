//! Webhook delivery under load (`switchyard bench --webhooks`): before the run, a
//! receiver on loopback is registered as a webhook endpoint for `order.placed`; after
//! it, the bench waits until every accepted order's webhook arrived, and measures the
//! lag from each event to its arrival. Then it replays every event of the run to the
//! endpoint at once and times the backlog's delivery: messages delivered per second.
//! The server must run with `--allow-private-webhook-targets` (the receiver is on
//! loopback).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use switchyard_core::{Clock, SystemClock};

use crate::receiver::{Received, Receiver};
use crate::report::percentile;
use crate::workload::{Run, expect};
use crate::{BenchError, Config};

/// How long the bench waits for webhooks still on their way.
const PATIENCE: Duration = Duration::from_secs(120);

/// What the receiver saw.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookReport {
    /// Accepted orders, each owed one `order.placed` webhook.
    pub expected: u64,
    /// Of those, how many arrived.
    pub delivered: u64,
    /// Webhooks that arrived more than once (delivery is at least once).
    pub repeats: u64,
    pub lag_p50_ms: f64,
    pub lag_p90_ms: f64,
    pub lag_p99_ms: f64,
    pub lag_max_ms: f64,
    /// The replayed backlog: messages, and how fast they arrived.
    pub backlog: u64,
    pub backlog_seconds: f64,
    pub backlog_per_second: f64,
}

/// A receiver registered with the server for the run.
pub struct Watch {
    receiver: Receiver,
    endpoint: String,
    since: Timestamp,
}

/// Starts a receiver and registers it as an `order.placed` endpoint.
pub async fn watch(client: &reqwest::Client, config: &Config) -> Result<Watch, BenchError> {
    let receiver = Receiver::start(Duration::ZERO)
        .await
        .map_err(|e| BenchError::Setup(format!("cannot start the webhook receiver: {e}")))?;
    let since = SystemClock.now();
    let endpoint = expect(
        client,
        config,
        "/api/v1/webhook-endpoints",
        json!({"url": receiver.url(), "description": "switchyard bench", "event_types": ["order.placed"]}),
    )
    .await?;
    let endpoint = endpoint["id"].as_str().unwrap_or_default().to_owned();
    Ok(Watch {
        receiver,
        endpoint,
        since,
    })
}

/// Waits for the run's webhooks, measures their lag, then replays them and times the
/// backlog. Missing webhooks are named in `problems`.
pub async fn measure(
    client: &reqwest::Client,
    config: &Config,
    watch: &Watch,
    run: &Run,
    problems: &mut Vec<String>,
) -> Result<WebhookReport, BenchError> {
    let owed: BTreeSet<&str> = run.accepted.iter().map(|a| a.id.as_str()).collect();
    let placed = |all: &[Received]| -> Vec<Received> {
        all.iter().filter(|r| r.event_type == "order.placed").cloned().collect()
    };
    let deadline = Instant::now() + PATIENCE;
    let mut arrived = placed(&watch.receiver.received());
    while arrived
        .iter()
        .map(|r| r.subject.as_str())
        .collect::<BTreeSet<_>>()
        .len()
        < owed.len()
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
        arrived = placed(&watch.receiver.received());
    }
    let mut by_message: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &arrived {
        *by_message.entry(r.id.as_str()).or_default() += 1;
    }
    let delivered: BTreeSet<&str> = arrived
        .iter()
        .map(|r| r.subject.as_str())
        .filter(|s| owed.contains(s))
        .collect();
    let missing = owed.len() - delivered.len();
    if missing > 0 {
        problems.push(format!(
            "{missing} accepted order(s) had no order.placed webhook within {} s",
            PATIENCE.as_secs()
        ));
    }
    let mut lags: Vec<f64> = arrived
        .iter()
        .filter_map(|r| {
            let at = r.occurred_at?;
            Some(r.arrived_at.duration_since(at).as_secs_f64() * 1000.0)
        })
        .collect();
    lags.sort_by(f64::total_cmp);
    let before = watch.receiver.received().len();
    let started = Instant::now();
    let replay = expect(
        client,
        config,
        &format!("/api/v1/webhook-endpoints/{}/replay", watch.endpoint),
        json!({"since": watch.since}),
    )
    .await?;
    let backlog = replay["replayed"].as_u64().unwrap_or_default();
    let deadline = Instant::now() + PATIENCE;
    while (watch.receiver.received().len() - before) < backlog as usize && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let backlog_seconds = started.elapsed().as_secs_f64();
    Ok(WebhookReport {
        expected: owed.len() as u64,
        delivered: delivered.len() as u64,
        repeats: by_message.values().map(|n| n - 1).sum(),
        lag_p50_ms: percentile(&lags, 50.0),
        lag_p90_ms: percentile(&lags, 90.0),
        lag_p99_ms: percentile(&lags, 99.0),
        lag_max_ms: percentile(&lags, 100.0),
        backlog,
        backlog_seconds,
        backlog_per_second: backlog as f64 / backlog_seconds.max(1e-9),
    })
}
