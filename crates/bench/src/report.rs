//! The report: a table for people and JSON for machines.

use std::fmt;

use serde::Serialize;

use crate::Config;
use crate::channels::ChannelReport;
use crate::webhooks::WebhookReport;
use crate::workload::{Op, Run, Setup};

/// Throughput and latency of one kind of operation.
#[derive(Debug, Clone, Serialize)]
pub struct OpReport {
    pub operation: &'static str,
    pub count: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// Responses by HTTP status, and `transport` for requests that got none.
    pub statuses: Vec<(String, u64)>,
}

/// What verification found.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub accepted: u64,
    pub stored: u64,
    pub oversold_units: i64,
    pub problems: Vec<String>,
}

impl Verification {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub skus: usize,
    pub concurrency: usize,
    pub setup_seconds: f64,
    pub run_seconds: f64,
    pub operations: Vec<OpReport>,
    pub verification: Verification,
    /// Webhook delivery, when the run watched it (`--webhooks`).
    pub webhooks: Option<WebhookReport>,
    /// Stock pushes to a sales channel and its inbound webhooks, when the run
    /// connected one (`--channels`).
    pub channels: Option<ChannelReport>,
}

/// The `p`th percentile of `sorted` (nearest rank).
pub(crate) fn percentile<T: Copy + Into<f64>>(sorted: &[T], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].into()
}

pub fn build(config: &Config, setup: &Setup, mut run: Run, verification: Verification) -> Report {
    let seconds = run.elapsed.as_secs_f64().max(1e-9);
    let mut operations = Vec::new();
    for op in Op::ALL {
        let Some(latencies) = run.latencies.get_mut(&op) else {
            continue;
        };
        latencies.sort_unstable();
        let mut statuses: Vec<(String, u64)> = run
            .statuses
            .iter()
            .filter(|((o, _), _)| *o == op)
            .map(|((_, s), n)| (s.to_string(), *n))
            .collect();
        if let Some(n) = run.failures.get(&op) {
            statuses.push(("transport".into(), *n));
        }
        operations.push(OpReport {
            operation: op.name(),
            count: latencies.len() as u64,
            per_second: latencies.len() as f64 / seconds,
            p50_ms: percentile(latencies, 50.0) / 1000.0,
            p90_ms: percentile(latencies, 90.0) / 1000.0,
            p99_ms: percentile(latencies, 99.0) / 1000.0,
            p999_ms: percentile(latencies, 99.9) / 1000.0,
            max_ms: percentile(latencies, 100.0) / 1000.0,
            statuses,
        });
    }
    Report {
        skus: config.skus,
        concurrency: config.concurrency,
        setup_seconds: setup.setup_time.as_secs_f64(),
        run_seconds: seconds,
        operations,
        verification,
        webhooks: None,
        channels: None,
    }
}

/// The table of operations' throughput and latency percentiles.
pub(crate) fn write_operations(f: &mut fmt::Formatter<'_>, operations: &[OpReport]) -> fmt::Result {
    writeln!(
        f,
        "| operation | count | per s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | statuses |"
    )?;
    writeln!(f, "|---|---:|---:|---:|---:|---:|---:|---:|---|")?;
    for o in operations {
        let statuses: Vec<String> = o.statuses.iter().map(|(s, n)| format!("{s}: {n}")).collect();
        writeln!(
            f,
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            o.operation,
            o.count,
            o.per_second,
            o.p50_ms,
            o.p90_ms,
            o.p99_ms,
            o.p999_ms,
            o.max_ms,
            statuses.join(", ")
        )?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} SKUs, {} clients, set-up {:.1} s, run {:.1} s",
            self.skus, self.concurrency, self.setup_seconds, self.run_seconds
        )?;
        write_operations(f, &self.operations)?;
        if let Some(w) = &self.webhooks {
            writeln!(
                f,
                "webhooks: {} of {} orders' order.placed delivered, {} repeats; lag p50 {:.0} ms, p90 {:.0} ms, \
                 p99 {:.0} ms, max {:.0} ms",
                w.delivered, w.expected, w.repeats, w.lag_p50_ms, w.lag_p90_ms, w.lag_p99_ms, w.lag_max_ms
            )?;
            writeln!(
                f,
                "webhook backlog: {} replayed messages delivered in {:.1} s, {:.0} per s",
                w.backlog, w.backlog_seconds, w.backlog_per_second
            )?;
        }
        if let Some(c) = &self.channels {
            write_channels(f, c)?;
        }
        let v = &self.verification;
        writeln!(
            f,
            "accepted orders {}, stored {}, oversold units {}",
            v.accepted, v.stored, v.oversold_units
        )?;
        if v.passed() {
            write!(f, "verification passed: no order lost or duplicated, nothing oversold")
        } else {
            for p in &v.problems {
                writeln!(f, "PROBLEM: {p}")?;
            }
            write!(f, "VERIFICATION FAILED: {} problem(s)", v.problems.len())
        }
    }
}

fn write_channels(f: &mut fmt::Formatter<'_>, c: &ChannelReport) -> fmt::Result {
    let s = &c.stock;
    writeln!(
        f,
        "channel {}: {} SKUs listed on the fake Shopify, first figures pushed in {:.1} s",
        c.channel, c.listings, c.initial_sync_seconds
    )?;
    writeln!(
        f,
        "stock-push lag: {} SKUs of {} placements, {} pushes; p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, \
         max {:.0} ms ({} already there when answered); the shop agreed {:.1} s after the run, {} SKUs differ",
        s.samples,
        s.placements,
        s.pushes,
        s.lag_p50_ms,
        s.lag_p90_ms,
        s.lag_p99_ms,
        s.lag_max_ms,
        s.before_answer,
        s.settle_seconds,
        s.mismatched
    )?;
    let i = &c.inbound;
    let statuses: Vec<String> = i.statuses.iter().map(|(s, n)| format!("{s}: {n}")).collect();
    writeln!(
        f,
        "inbound webhooks: {} of {} placed in {:.1} s, {:.0} per s; p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, \
         max {:.1} ms ({})",
        i.placed,
        i.sent,
        i.seconds,
        i.per_second,
        i.p50_ms,
        i.p90_ms,
        i.p99_ms,
        i.max_ms,
        statuses.join(", ")
    )?;
    writeln!(
        f,
        "inbound orders stored {}, {} with a wrong total; {} of {} sent again answered existing",
        i.stored, i.wrong_totals, i.resent_existing, i.resent
    )
}
