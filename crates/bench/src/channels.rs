//! Sales channels under load (`switchyard bench --channels`). Before the run, a fake
//! Shopify shop starts in the bench process on loopback, sells every bench SKU, and is
//! connected to the server as channel `{run}-shop` (shipping from the run's locations,
//! paid on the channel, backorders when short) with its listing map imported: from
//! then on the server's stock sync pushes every change of those SKUs to the shop.
//! After the run:
//!
//! - **Stock-push lag.** For each accepted placement, answered at time t, and each of
//!   its SKUs: the time from t until the shop received the first push of that SKU
//!   after t (a push computed after the placement's commit carries a figure at least
//!   as new; one already in flight when the answer left can be counted early, so the
//!   figure errs short by at most one push). The bench then waits until the shop
//!   shows, for every SKU, what `GET /api/v1/channels/{key}/stock` says it is offered;
//!   a SKU that never agrees is a problem.
//! - **Inbound webhooks.** N signed `orders/create` webhooks, each a distinct Shopify
//!   order of 1 to 3 bench SKUs with exact money, sent at the run's concurrency to
//!   `/webhooks/channels/{key}`: accepted per second and latency. Each must become
//!   exactly one order with Shopify's total; 100 of them sent again must each be
//!   answered `existing` and create nothing.

mod inbound;
mod stock;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::json;
use switchyard_channels::fake::shopify::FakeShopify;

pub use self::inbound::InboundReport;
pub use self::stock::{StockLagReport, measure as stock_lag};
use crate::workload::{Setup, call, expect};
use crate::{BenchError, Config};

/// How long the bench waits for the shop to agree with the server.
const PATIENCE: Duration = Duration::from_secs(120);
/// The shop's only location, the connection's `location_id`.
const LOCATION_ID: u64 = 655_441_491;
/// The shop's access token and webhook secret: a fake on loopback, made for the run.
const ACCESS_TOKEN: &str = "shpat_switchyard_bench";
const WEBHOOK_SECRET: &str = "switchyard-bench-webhook-secret";
/// Variant and inventory item ids of bench SKU i are these plus i.
const VARIANT_BASE: u64 = 40_000_000_000;
const ITEM_BASE: u64 = 50_000_000_000;

/// What the channel part of a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelReport {
    /// The channel's code.
    pub channel: String,
    /// SKUs listed on the shop and mapped by the import.
    pub listings: u64,
    /// From the listing import until the shop held every SKU's first figure.
    pub initial_sync_seconds: f64,
    pub stock: StockLagReport,
    pub inbound: InboundReport,
}

/// The shop, connected and listed.
pub struct Shop {
    fake: FakeShopify,
    channel: String,
    /// Our SKU to the shop's inventory item.
    items: HashMap<String, u64>,
    initial_sync: Duration,
}

/// Starts the fake shop, connects it as channel `{run}-shop`, lists every SKU on it,
/// imports the listing map, and waits until the shop holds every SKU's figure.
pub async fn prepare(client: &reqwest::Client, config: &Config, setup: &Setup) -> Result<Shop, BenchError> {
    let fake = FakeShopify::start(ACCESS_TOKEN, LOCATION_ID)
        .await
        .map_err(|e| BenchError::Setup(format!("cannot start the fake Shopify: {e}")))?;
    let channel = format!("{}-shop", setup.run);
    expect(
        client,
        config,
        "/api/v1/channels",
        json!({"code": channel, "name": channel, "kind": "shopify", "ship_from": setup.locations,
               "shortage_policy": "backorder", "payment_provider": "channel"}),
    )
    .await?;
    let connection = json!({
        "base_url": fake.base_url(),
        "credentials": {"access_token": ACCESS_TOKEN, "webhook_secret": WEBHOOK_SECRET},
        "options": {"location_id": LOCATION_ID.to_string()},
        // Webhooks bring the orders; a poll would find none on the fake anyway.
        "poll_interval_seconds": 86_400,
        "pushes": {"stock": true, "fulfilments": false, "cancellations": false},
    });
    let path = format!("/api/v1/channels/{channel}/connection");
    let (status, answer) = call(client, config, reqwest::Method::PUT, &path, Some(&connection)).await?;
    if status != 200 {
        return Err(BenchError::Setup(format!("PUT {path} answered {status}: {answer}")));
    }
    let mut items = HashMap::with_capacity(setup.skus.len());
    for (i, sku) in (0u64..).zip(&setup.skus) {
        fake.add_listing(sku, VARIANT_BASE + i, ITEM_BASE + i);
        items.insert(sku.clone(), ITEM_BASE + i);
    }
    let started = Instant::now();
    let import = expect(
        client,
        config,
        &format!("/api/v1/channels/{channel}/listings/import"),
        json!({}),
    )
    .await?;
    let imported = import["imported"].as_u64().unwrap_or_default();
    if imported != setup.skus.len() as u64 {
        return Err(BenchError::Setup(format!(
            "the listing import mapped {imported} of {} SKUs: {import}",
            setup.skus.len()
        )));
    }
    let shop = Shop {
        fake,
        channel,
        items,
        initial_sync: Duration::ZERO,
    };
    let settled = stock::settle(client, config, &shop).await?;
    if !settled.differing.is_empty() {
        return Err(BenchError::Setup(format!(
            "the shop did not get its first figures within {} s: {} SKUs differ, e.g. {}",
            PATIENCE.as_secs(),
            settled.differing.len(),
            settled.differing[0]
        )));
    }
    Ok(Shop {
        initial_sync: started.elapsed(),
        ..shop
    })
}

/// After the run's verification: sends the inbound webhooks, checks what they became,
/// and that the shop followed the stock they reserved. What went wrong is named in
/// `problems`.
pub async fn inbound(
    client: &reqwest::Client,
    config: &Config,
    setup: &Setup,
    shop: &Shop,
    stock: StockLagReport,
    problems: &mut Vec<String>,
) -> Result<ChannelReport, BenchError> {
    let inbound = inbound::measure(client, config, setup, shop, problems).await?;
    // The webhook orders reserved stock too: the shop must follow.
    let settled = stock::settle(client, config, shop).await?;
    if !settled.differing.is_empty() {
        problems.push(format!(
            "after the inbound webhooks, {} SKU(s) on the shop differ from what it is offered, e.g. {}",
            settled.differing.len(),
            settled.differing[0]
        ));
    }
    Ok(ChannelReport {
        channel: shop.channel.clone(),
        listings: shop.items.len() as u64,
        initial_sync_seconds: shop.initial_sync.as_secs_f64(),
        stock,
        inbound,
    })
}
