//! A fake Amazon SP-API (and its Login with Amazon token endpoint) on loopback, as the
//! documentation describes them: LWA's refresh-token grant, `x-amz-access-token` on
//! every call (403 `Unauthorized` otherwise), restricted data tokens without which the
//! order reads leave out the buyer and all of the shipping address but city, region,
//! postal code and country, `NextToken` pages of orders and order items, `pageToken`
//! pages of listings, listing quantity patches, shipment confirmations, and 429s with
//! `x-amzn-RateLimit-Limit`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use switchyard_core::catalog::ChannelKind;
use switchyard_core::connector::{ConnectionDraft, Credentials, Pushes, StockBuffer};

use super::Running;
use crate::Connection;
use crate::amazon::NOTIFICATION_TOKEN_HEADER;

mod api;
mod feeds;

pub const CLIENT_ID: &str = "amzn1.application-oa2-client.fake";
pub const CLIENT_SECRET: &str = "fake-client-secret";
pub const REFRESH_TOKEN: &str = "Atzr|fake-refresh-token";
pub const SELLER_ID: &str = "A3TH9S8BH6GOGM";
pub const MARKETPLACE_ID: &str = "ATVPDKIKX0DER";
/// The secret the seller's notification relay sends (see `notification_headers`).
pub const NOTIFICATION_TOKEN: &str = "fake-relay-secret";

type Shared = Arc<Mutex<Fake>>;

/// What the fake holds and has been told.
#[derive(Debug, Default)]
struct Fake {
    /// Orders (`getOrder`'s payload) with their items, in the order added.
    orders: Vec<(Value, Vec<Value>)>,
    /// Seller SKU → quantity offered.
    listings: BTreeMap<String, i64>,
    pushes: Vec<(String, i64)>,
    shipments: Vec<(String, Value)>,
    access_tokens: Vec<String>,
    restricted_tokens: Vec<String>,
    issued: u64,
    grants: usize,
    rate_limit_next: u32,
    fail_next: u32,
    page_size: Option<usize>,
    requests: Vec<String>,
    /// The fake's own address, for the feed document upload URLs it hands out.
    base_url: String,
    /// Feed document id → its uploaded content, once uploaded.
    documents: BTreeMap<String, Option<String>>,
    /// Feeds created: (feed type, the document's content).
    feeds: Vec<(String, String)>,
}

/// One order cancelled by an order acknowledgement feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedCancellation {
    pub order_id: String,
    /// (order item id, cancel reason) of each item named; none for the whole order.
    pub items: Vec<(String, String)>,
}

/// The running fake and the handle on what it holds.
pub struct FakeAmazon {
    pub running: Running,
    state: Shared,
}

impl FakeAmazon {
    pub async fn start() -> std::io::Result<FakeAmazon> {
        let state = Shared::default();
        let router = api::router(state.clone()).merge(feeds::router(state.clone()));
        let running = Running::start(router).await?;
        lock(&state).base_url = running.base_url();
        Ok(FakeAmazon { running, state })
    }

    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// A connection to this fake, with its credentials and options (and the
    /// notification secret).
    pub fn connection(&self, channel: &str) -> Connection {
        let credentials = [
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", REFRESH_TOKEN),
            ("notification_token", NOTIFICATION_TOKEN),
        ];
        let options = [
            ("marketplace_id", MARKETPLACE_ID.to_owned()),
            ("seller_id", SELLER_ID.to_owned()),
            ("token_url", format!("{}/auth/o2/token", self.base_url())),
        ];
        Connection {
            channel: channel.to_owned(),
            kind: ChannelKind::Amazon,
            settings: ConnectionDraft {
                base_url: self.base_url(),
                credentials: Credentials::new(
                    credentials
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect(),
                ),
                options: options.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                poll_interval_seconds: 300,
                pushes: Pushes::default(),
                stock_buffer: StockBuffer::default(),
                max_offered: None,
            },
        }
    }

    fn state(&self) -> MutexGuard<'_, Fake> {
        lock(&self.state)
    }

    /// Adds an order (`getOrder`'s `payload`, with its personal data) and its items
    /// (`getOrderItems`' `OrderItems`); an order with the same `AmazonOrderId` is
    /// replaced, as when Amazon changes it (cancelled, shipped).
    pub fn add_order(&self, order: Value, items: Vec<Value>) {
        let mut s = self.state();
        match s
            .orders
            .iter_mut()
            .find(|(o, _)| o["AmazonOrderId"] == order["AmazonOrderId"])
        {
            Some(known) => *known = (order, items),
            None => s.orders.push((order, items)),
        }
    }

    /// Lists a seller SKU with a quantity.
    pub fn add_listing(&self, sku: &str, quantity: i64) {
        self.state().listings.insert(sku.to_owned(), quantity);
    }

    /// Every quantity patched, in the order received: (seller SKU, quantity).
    pub fn stock_pushes(&self) -> Vec<(String, i64)> {
        self.state().pushes.clone()
    }

    /// The quantity a listing shows now.
    pub fn quantity(&self, sku: &str) -> Option<i64> {
        self.state().listings.get(sku).copied()
    }

    /// Every shipment confirmed: (order id, the request body).
    pub fn shipments(&self) -> Vec<(String, Value)> {
        self.state().shipments.clone()
    }

    /// Every feed created: (feed type, the uploaded document).
    pub fn feeds(&self) -> Vec<(String, String)> {
        self.state().feeds.clone()
    }

    /// The orders cancelled by order acknowledgement feeds (`StatusCode` `Failure`),
    /// in the order received.
    pub fn cancellations(&self) -> Vec<FeedCancellation> {
        self.feeds()
            .iter()
            .filter(|(kind, _)| kind == crate::amazon::ACKNOWLEDGEMENT_FEED)
            .flat_map(|(_, xml)| feeds::cancellations(xml))
            .collect()
    }

    /// How many access tokens LWA granted.
    pub fn grants(&self) -> usize {
        self.state().grants
    }

    /// Every API request received (LWA's aside), as `METHOD /path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.state().requests.clone()
    }

    /// The next `n` API requests answer 429.
    pub fn rate_limit_next(&self, n: u32) {
        self.state().rate_limit_next = n;
    }

    /// The next `n` API requests answer 503.
    pub fn fail_next(&self, n: u32) {
        self.state().fail_next = n;
    }

    /// Every access and restricted data token issued so far expires now.
    pub fn expire_tokens(&self) {
        let mut s = self.state();
        s.access_tokens.clear();
        s.restricted_tokens.clear();
    }

    /// Pages hold at most `n` orders, items or listings.
    pub fn page_size(&self, n: usize) {
        self.state().page_size = Some(n.max(1));
    }
}

/// The headers the seller's relay sends with a notification it forwards.
pub fn notification_headers(secret: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(secret) {
        headers.insert(NOTIFICATION_TOKEN_HEADER, v);
    }
    headers
}

/// An `ORDER_CHANGE` notification about `order_id`, shaped as Amazon's example.
pub fn order_change(order_id: &str) -> Vec<u8> {
    json!({
        "NotificationVersion": "1.0",
        "NotificationType": "ORDER_CHANGE",
        "PayloadVersion": "1.0",
        "EventTime": "2026-11-20T05:10:00.000Z",
        "Payload": {"OrderChangeNotification": {
            "NotificationLevel": "OrderLevel",
            "SellerId": SELLER_ID,
            "AmazonOrderId": order_id,
            "OrderChangeType": "OrderStatusChange",
            "OrderChangeTrigger": {"TimeOfOrderChange": "2026-11-20T05:10:00.000Z", "ChangeReason": "Order status changed"},
            "Summary": {"MarketplaceId": MARKETPLACE_ID, "OrderStatus": "Unshipped", "FulfillmentType": "MFN"}
        }},
        "NotificationMetadata": {
            "ApplicationId": "app-id-fake",
            "SubscriptionId": "subscription-id-fake",
            "PublishTime": "2026-11-20T05:10:01.000Z",
            "NotificationId": "notification-id-fake"
        }
    })
    .to_string()
    .into_bytes()
}

fn lock(state: &Shared) -> MutexGuard<'_, Fake> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
