//! A fake WooCommerce store's REST API v3 on loopback: HTTP Basic auth with a consumer
//! key and secret (401 in WordPress's error shape otherwise), orders listed by
//! `modified_after` page by page with `X-WP-Total` / `X-WP-TotalPages`, products and
//! variations with their stock, the products and variations batch endpoints, order
//! notes and status changes. A [`Handle`] adds orders and products, reads what was
//! pushed, and injects faults (429 with `Retry-After: 1`, 5xx, a smaller page size).

mod routes;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use super::Running;
use crate::signature::hmac_sha256_base64;

/// A running fake store and the handle to its state.
pub struct FakeWooCommerce {
    pub running: Running,
    pub handle: Handle,
}

impl FakeWooCommerce {
    /// Serves a store that takes `consumer_key` and `consumer_secret`.
    pub async fn start(consumer_key: &str, consumer_secret: &str) -> std::io::Result<FakeWooCommerce> {
        let handle = Handle(Arc::new(Mutex::new(State {
            consumer_key: consumer_key.to_owned(),
            consumer_secret: consumer_secret.to_owned(),
            ..State::default()
        })));
        let running = Running::start(routes::router(handle.clone())).await?;
        Ok(FakeWooCommerce { running, handle })
    }

    pub fn base_url(&self) -> String {
        self.running.base_url()
    }
}

/// One stock update received, in the order received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockSeen {
    pub product_id: u64,
    pub variation_id: Option<u64>,
    pub quantity: i64,
}

/// One order note received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSeen {
    pub order_id: u64,
    pub note: String,
    pub customer_note: bool,
}

/// A product, simple or variable, or a variation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Item {
    pub id: u64,
    pub sku: String,
    pub stock_quantity: Option<i64>,
    pub variations: BTreeMap<u64, Item>,
    pub variable: bool,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub orders: BTreeMap<u64, Value>,
    pub products: BTreeMap<u64, Item>,
    pub stock_pushes: Vec<StockSeen>,
    pub batch_sizes: Vec<usize>,
    pub notes: Vec<NoteSeen>,
    pub status_changes: Vec<(u64, String)>,
    pub rate_limited: u32,
    pub failing: Vec<u16>,
    pub page_size: Option<usize>,
    pub queries: Vec<String>,
}

/// The fake's state, shared with its server.
#[derive(Clone, Default)]
pub struct Handle(Arc<Mutex<State>>);

impl Handle {
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds (or replaces) an order: a REST API order object such as the fixtures.
    pub fn add_order(&self, order: Value) {
        let id = order["id"].as_u64().unwrap_or_default();
        self.state().orders.insert(id, order);
    }

    /// The order as the store has it now.
    pub fn order(&self, id: u64) -> Option<Value> {
        self.state().orders.get(&id).cloned()
    }

    /// Adds a simple product with its stock.
    pub fn add_product(&self, id: u64, sku: &str, stock: i64) {
        let item = Item {
            id,
            sku: sku.to_owned(),
            stock_quantity: Some(stock),
            ..Item::default()
        };
        self.state().products.insert(id, item);
    }

    /// Adds a variable product with its variations `(id, sku, stock)`.
    pub fn add_variable_product(&self, id: u64, variations: &[(u64, &str, i64)]) {
        let variations = variations
            .iter()
            .map(|&(vid, sku, stock)| {
                let item = Item {
                    id: vid,
                    sku: sku.to_owned(),
                    stock_quantity: Some(stock),
                    ..Item::default()
                };
                (vid, item)
            })
            .collect();
        let item = Item {
            id,
            variations,
            variable: true,
            ..Item::default()
        };
        self.state().products.insert(id, item);
    }

    /// The stock of a product, or of one of its variations, now.
    pub fn level(&self, product_id: u64, variation_id: Option<u64>) -> Option<i64> {
        let state = self.state();
        let product = state.products.get(&product_id)?;
        match variation_id {
            Some(v) => product.variations.get(&v)?.stock_quantity,
            None => product.stock_quantity,
        }
    }

    /// Every stock update received, in order.
    pub fn stock_pushes(&self) -> Vec<StockSeen> {
        self.state().stock_pushes.clone()
    }

    /// How many updates each batch call carried, in order.
    pub fn batch_sizes(&self) -> Vec<usize> {
        self.state().batch_sizes.clone()
    }

    /// Every order note received, in order.
    pub fn notes(&self) -> Vec<NoteSeen> {
        self.state().notes.clone()
    }

    /// Every order status change received `(order id, status)`, in order.
    pub fn status_changes(&self) -> Vec<(u64, String)> {
        self.state().status_changes.clone()
    }

    /// The query string of every orders list request, in order.
    pub fn order_queries(&self) -> Vec<String> {
        self.state().queries.clone()
    }

    /// The next `n` requests are answered 429 with `Retry-After: 1`.
    pub fn rate_limit_next(&self, n: u32) {
        self.state().rate_limited = n;
    }

    /// The next requests are answered with these server errors (500, 503), one each.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.state().failing = statuses.to_vec();
    }

    /// Lists answer at most `n` items a page whatever `per_page` asks, to force paging.
    pub fn set_page_size(&self, n: usize) {
        self.state().page_size = Some(n.max(1));
    }
}

/// `X-WC-Webhook-Signature` for `body` under the webhook's `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    hmac_sha256_base64(secret.as_bytes(), body)
}

/// The headers WooCommerce sends with a webhook delivery of `topic`
/// (`order.created`), signed with `secret`.
pub fn webhook_headers(topic: &str, secret: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    let (resource, event) = topic.split_once('.').unwrap_or((topic, ""));
    vec![
        ("content-type", "application/json".to_owned()),
        ("x-wc-webhook-source", "https://shop.example.com/".to_owned()),
        ("x-wc-webhook-topic", topic.to_owned()),
        ("x-wc-webhook-resource", resource.to_owned()),
        ("x-wc-webhook-event", event.to_owned()),
        ("x-wc-webhook-signature", sign(secret, body)),
        ("x-wc-webhook-id", "12".to_owned()),
        ("x-wc-webhook-delivery-id", "34".to_owned()),
    ]
}
