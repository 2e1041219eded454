//! A fake Shopify Admin REST API: orders (`status`, `updated_at_min`, `limit`, cursor
//! pages through `Link` with `page_info`), products, inventory levels at one location,
//! fulfillment orders and fulfillments, cancellations; the access token checked on
//! every call (401 in Shopify's shape), the leaky call bucket reported in
//! `X-Shopify-Shop-Api-Call-Limit` (429 with `Retry-After` when it overflows), and
//! faults to inject. Webhooks are signed as Shopify signs them with [`sign`].

mod routes;
mod writes;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use axum::Router;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};

use super::Running;
use crate::signature::hmac_sha256_base64;

/// One `inventory_levels/set.json` call as the fake received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelSet {
    pub location_id: u64,
    pub inventory_item_id: u64,
    pub available: i64,
}

/// One `orders/{id}/cancel.json` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancelled {
    pub order_id: u64,
    pub reason: Option<String>,
}

/// Shopify's leaky bucket of API calls.
#[derive(Debug)]
struct Bucket {
    size: f64,
    leak_per_second: f64,
    level: f64,
    at: Instant,
}

impl Bucket {
    /// Takes one call: the level it reaches, or `None` when the bucket overflows.
    fn take(&mut self) -> Option<u32> {
        let now = Instant::now();
        let leaked = now.duration_since(self.at).as_secs_f64() * self.leak_per_second;
        self.level = (self.level - leaked).max(0.0);
        self.at = now;
        if self.level + 1.0 > self.size {
            return None;
        }
        self.level += 1.0;
        Some(self.level.ceil() as u32)
    }
}

/// A page cursor: what the first request selected, and where the next page starts.
#[derive(Debug, Clone)]
struct Cursor {
    records: Vec<Value>,
    offset: usize,
}

#[derive(Debug)]
struct State {
    token: String,
    location_id: u64,
    orders: Vec<Value>,
    products: Vec<Value>,
    levels: BTreeMap<u64, i64>,
    /// Each set with when it arrived.
    sets: Vec<(LevelSet, Instant)>,
    fulfillment_orders: Vec<Value>,
    fulfillments: Vec<Value>,
    cancellations: Vec<Cancelled>,
    refunds: Vec<Value>,
    rate_limited: u32,
    failing: u32,
    failing_status: u16,
    page_size: Option<usize>,
    bucket: Bucket,
    overflowed: u32,
    cursors: HashMap<String, Cursor>,
    next_id: u64,
    requests: Vec<String>,
}

impl State {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

type Shared = Arc<Mutex<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The fake, serving until dropped; every method reads or changes its state.
pub struct FakeShopify {
    running: Running,
    state: Shared,
}

impl FakeShopify {
    /// A shop that takes `access_token` and keeps stock at `location_id`.
    pub async fn start(access_token: &str, location_id: u64) -> std::io::Result<FakeShopify> {
        let state = Arc::new(Mutex::new(State {
            token: access_token.to_owned(),
            location_id,
            orders: Vec::new(),
            products: Vec::new(),
            levels: BTreeMap::new(),
            sets: Vec::new(),
            fulfillment_orders: Vec::new(),
            fulfillments: Vec::new(),
            cancellations: Vec::new(),
            refunds: Vec::new(),
            rate_limited: 0,
            failing: 0,
            failing_status: 503,
            page_size: None,
            // Roomy unless a test asks for Shopify's own 40 leaking 2 a second.
            bucket: Bucket {
                size: 40.0,
                leak_per_second: 1_000.0,
                level: 0.0,
                at: Instant::now(),
            },
            overflowed: 0,
            cursors: HashMap::new(),
            next_id: 9_000_000,
            requests: Vec::new(),
        }));
        let router = Router::new().fallback(routes::handle).with_state(state.clone());
        let running = Running::start(router).await?;
        Ok(FakeShopify { running, state })
    }

    /// The shop's address, the connection's `base_url`.
    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// Adds an order: a REST order object, bare or in its `{"order": …}` wrapper. It
    /// gets one open fulfillment order holding all its line items.
    pub fn add_order(&self, order: Value) {
        let order = match order {
            Value::Object(mut o) if o.contains_key("order") => o.remove("order").unwrap_or(Value::Null),
            other => other,
        };
        let mut s = lock(&self.state);
        let fo_id = s.id();
        let mut lines = Vec::new();
        for item in order["line_items"].as_array().into_iter().flatten() {
            let id = s.id();
            lines.push(json!({
                "id": id,
                "fulfillment_order_id": fo_id,
                "line_item_id": item["id"],
                "variant_id": item["variant_id"],
                "quantity": item["quantity"],
                "fulfillable_quantity": item["quantity"],
            }));
        }
        let location = s.location_id;
        s.fulfillment_orders.push(json!({
            "id": fo_id,
            "order_id": order["id"],
            "assigned_location_id": location,
            "status": "open",
            "line_items": lines,
        }));
        s.orders.push(order);
    }

    /// Adds a product (a REST product object with `variants`).
    pub fn add_product(&self, product: Value) {
        lock(&self.state).products.push(product);
    }

    /// Adds a product with one variant selling `sku`, its stock kept on
    /// `inventory_item_id` (0 available until set).
    pub fn add_listing(&self, sku: &str, variant_id: u64, inventory_item_id: u64) {
        let mut s = lock(&self.state);
        let product_id = s.id();
        s.products.push(json!({
            "id": product_id,
            "title": sku,
            "variants": [{
                "id": variant_id,
                "product_id": product_id,
                "sku": sku,
                "inventory_item_id": inventory_item_id,
                "inventory_management": "shopify",
            }],
        }));
        s.levels.entry(inventory_item_id).or_insert(0);
    }

    /// Every stock set received, in the order received.
    pub fn stock_sets(&self) -> Vec<LevelSet> {
        lock(&self.state).sets.iter().map(|(set, _)| *set).collect()
    }

    /// Every stock set received with when it arrived, in the order received (for
    /// measuring how long a change takes to reach the shop).
    pub fn stock_sets_received(&self) -> Vec<(LevelSet, Instant)> {
        lock(&self.state).sets.clone()
    }

    /// What is available of an inventory item at the location now.
    pub fn level(&self, inventory_item_id: u64) -> Option<i64> {
        lock(&self.state).levels.get(&inventory_item_id).copied()
    }

    /// Every fulfillment created (the `fulfillment` object of each request).
    pub fn fulfillments(&self) -> Vec<Value> {
        lock(&self.state).fulfillments.clone()
    }

    /// Every order cancelled.
    pub fn cancellations(&self) -> Vec<Cancelled> {
        lock(&self.state).cancellations.clone()
    }

    /// Every refund created (the `refund` object of each request, with `order_id`).
    pub fn refunds(&self) -> Vec<Value> {
        lock(&self.state).refunds.clone()
    }

    /// Each request received (`GET /admin/api/2025-01/orders.json?…`).
    pub fn requests(&self) -> Vec<String> {
        lock(&self.state).requests.clone()
    }

    /// The next `n` requests are answered 429 with `Retry-After: 1.0`.
    pub fn rate_limit_next(&self, n: u32) {
        lock(&self.state).rate_limited = n;
    }

    /// The next `n` requests are answered `status` (a 5xx).
    pub fn fail_next(&self, n: u32, status: u16) {
        let mut s = lock(&self.state);
        s.failing = n;
        s.failing_status = status;
    }

    /// Pages hold at most `n` records, whatever `limit` asks.
    pub fn set_page_size(&self, n: usize) {
        lock(&self.state).page_size = Some(n.max(1));
    }

    /// Makes the call bucket Shopify's: `size` calls, leaking `leak_per_second`, now
    /// holding `level`.
    pub fn set_bucket(&self, size: u32, leak_per_second: f64, level: u32) {
        lock(&self.state).bucket = Bucket {
            size: f64::from(size),
            leak_per_second,
            level: f64::from(level),
            at: Instant::now(),
        };
    }

    /// How many requests overflowed the bucket (answered 429).
    pub fn overflowed(&self) -> u32 {
        lock(&self.state).overflowed
    }
}

/// `X-Shopify-Hmac-Sha256` for a webhook body under the app's secret.
pub fn sign(secret: &str, body: &[u8]) -> String {
    hmac_sha256_base64(secret.as_bytes(), body)
}

/// The headers Shopify sends with a webhook of `topic`, signed under `secret`.
pub fn webhook_headers(topic: &str, secret: &str, body: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    put("x-shopify-topic", topic);
    put("x-shopify-hmac-sha256", &sign(secret, body));
    put("x-shopify-shop-domain", "example.myshopify.com");
    put("x-shopify-api-version", crate::shopify::DEFAULT_API_VERSION);
    put("x-shopify-webhook-id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers
}
