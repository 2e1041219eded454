//! The load generator. It sets up a network over the public API (two locations, a
//! channel, N SKUs with stock), then runs a mix of order placements (1 to 5 lines,
//! SKU popularity Zipf-distributed so a few SKUs are hot and run out), availability
//! reads, order look-ups and order lists at a given concurrency, for a bounded count
//! or time. It reports throughput and latency per operation and errors by status, and
//! then verifies the server's books from the outside: every accepted order is stored
//! once, and no SKU has more units reserved than were received.

pub mod channels;
pub mod pages;
pub mod receiver;
mod report;
pub mod reports;
mod timing;
pub mod webhooks;
mod workload;

use std::time::Duration;

pub use report::{OpReport, Report, Verification, build as build_report};
pub use switchyard_core::rng::Rng;
pub use workload::{Accepted, Op, Run, Setup, Zipf, drive, setup, verify};

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    /// An admin (or manager) API key.
    pub key: String,
    pub skus: usize,
    /// Units received per SKU at each of the two locations.
    pub stock_per_sku: i64,
    pub concurrency: usize,
    /// Orders have 1 to this many lines.
    pub max_lines: usize,
    /// Stop after this many operations in all ...
    pub operations: Option<u64>,
    /// ... or after this long, whichever comes first.
    pub duration: Option<Duration>,
    /// Each operation's share of the mix, in the order of `Op::ALL` (they need not add
    /// to 100).
    pub mix: [u32; 5],
    /// The Zipf exponent of SKU popularity.
    pub zipf: f64,
    pub seed: u64,
    /// Watch webhook delivery of the placements (`webhooks`).
    pub webhooks: bool,
    /// Connect a fake Shopify shop: measure stock-push lag and inbound webhook orders
    /// (`channels`).
    pub channels: bool,
    /// Inbound `orders/create` webhooks sent when `channels` is on.
    pub channel_webhooks: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            url: "http://127.0.0.1:8080".into(),
            key: String::new(),
            skus: 1000,
            stock_per_sku: 1000,
            concurrency: 64,
            max_lines: 5,
            operations: Some(10_000),
            duration: None,
            mix: [80, 15, 5, 0, 0],
            zipf: 1.1,
            seed: 42,
            webhooks: false,
            channels: false,
            channel_webhooks: 2_000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("set-up failed: {0}")]
    Setup(String),
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Sets up, runs the mix, and verifies. The report says whether verification passed.
pub async fn run(config: &Config) -> Result<Report, BenchError> {
    if config.operations.is_none() && config.duration.is_none() {
        return Err(BenchError::Config(
            "give a number of operations, a duration, or both".into(),
        ));
    }
    if config.skus == 0 || config.concurrency == 0 {
        return Err(BenchError::Config("skus and concurrency must be at least 1".into()));
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(config.concurrency)
        .build()?;
    let setup = workload::setup(&client, config).await?;
    let watch = match config.webhooks {
        true => Some(webhooks::watch(&client, config).await?),
        false => None,
    };
    let shop = match config.channels {
        true => Some(channels::prepare(&client, config, &setup).await?),
        false => None,
    };
    let run = workload::drive(&client, config, &setup).await;
    // Stock-push lag is measured right after the run, before anything else loads the
    // server.
    let mut problems = Vec::new();
    let stock_lag = match &shop {
        Some(shop) => Some(channels::stock_lag(&client, config, shop, &run, &mut problems).await?),
        None => None,
    };
    let mut verification = workload::verify(&client, config, &setup, &run).await?;
    verification.problems.append(&mut problems);
    let delivered = match &watch {
        Some(watch) => Some(webhooks::measure(&client, config, watch, &run, &mut verification.problems).await?),
        None => None,
    };
    let channel = match (&shop, stock_lag) {
        (Some(shop), Some(stock)) => {
            Some(channels::inbound(&client, config, &setup, shop, stock, &mut verification.problems).await?)
        }
        _ => None,
    };
    let mut report = report::build(config, &setup, run, verification);
    report.webhooks = delivered;
    report.channels = channel;
    Ok(report)
}
