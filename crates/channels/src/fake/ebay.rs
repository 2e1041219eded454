//! A fake of eBay's REST APIs on loopback: the OAuth token endpoint (refresh-token
//! grant, HTTP Basic client auth), the Sell Fulfillment API's orders (offset pages
//! filtered by `lastmodifieddate`) and shipping fulfilments, the Sell Inventory API's
//! items, offers and bulk price-and-quantity update (at most 25 SKUs a call, a
//! response per offer), and the Post-Order API's cancellations. Tokens are checked as
//! eBay checks them (401, errorId 1001); faults can be injected (429 with
//! `Retry-After`, 500, an expired token) and a smaller page size forced.
//!
//! eBay's order notifications are not webhooks we verify (the connector polls), so
//! there is nothing here to sign.

mod routes;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde_json::Value;
use switchyard_core::catalog::ChannelKind;
use switchyard_core::connector::{ConnectionDraft, Credentials, Pushes};

use super::Running;
use crate::Connection;

/// The credentials the fake accepts.
pub const CLIENT_ID: &str = "Example-App-PRD-0000000000-00000000";
pub const CLIENT_SECRET: &str = "PRD-fake-client-secret";
pub const REFRESH_TOKEN: &str = "v^1.1#i^1#fake-refresh-token";
/// The marketplace the connection made by [`EbayFake::connection`] sells on.
pub const MARKETPLACE: &str = "EBAY_US";

/// One quantity the fake was told, in the order received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenPush {
    pub sku: String,
    pub offer_id: String,
    pub quantity: i64,
}

/// A shipping fulfilment the fake received.
#[derive(Debug, Clone)]
pub struct SeenFulfilment {
    pub order_id: String,
    /// The request body as sent (`lineItems`, `shippedDate`, `shippingCarrierCode`,
    /// `trackingNumber`).
    pub body: Value,
}

#[derive(Debug, Clone)]
struct Offer {
    offer_id: String,
    listing_id: String,
    available: i64,
}

#[derive(Debug, Clone, Default)]
struct Item {
    quantity: i64,
    offers: Vec<Offer>,
}

/// What the fake holds and saw.
#[derive(Debug, Default)]
struct Books {
    tokens: HashSet<String>,
    grants: u32,
    orders: Vec<Value>,
    items: BTreeMap<String, Item>,
    pushes: Vec<SeenPush>,
    bulk_calls: Vec<usize>,
    fulfilments: Vec<SeenFulfilment>,
    cancellations: Vec<Value>,
    rate_limited: u32,
    failing: u32,
    page_size: Option<u64>,
    marketplaces: Vec<String>,
}

type Shared = Arc<Mutex<Books>>;

fn lock(state: &Shared) -> MutexGuard<'_, Books> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running fake and the handle tests drive it by.
pub struct EbayFake {
    pub running: Running,
    state: Shared,
}

impl EbayFake {
    pub async fn start() -> std::io::Result<EbayFake> {
        let state: Shared = Arc::default();
        let api = routes::api()
            .layer(middleware::from_fn_with_state(state.clone(), guard))
            .merge(routes::token())
            .with_state(state.clone());
        let running = Running::start(api).await?;
        Ok(EbayFake { running, state })
    }

    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// A connection to this fake for `channel`, with the credentials it accepts.
    pub fn connection(&self, channel: &str) -> Connection {
        let credentials = [
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", REFRESH_TOKEN),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Connection {
            channel: channel.to_owned(),
            kind: ChannelKind::Ebay,
            settings: ConnectionDraft {
                base_url: self.base_url(),
                credentials: Credentials::new(credentials),
                options: BTreeMap::from([("marketplace_id".to_owned(), MARKETPLACE.to_owned())]),
                poll_interval_seconds: 300,
                pushes: Pushes::default(),
                stock_buffer: Default::default(),
                max_offered: None,
            },
        }
    }

    /// Adds eBay `Order` objects: each of a `getOrders` page's `orders`, or one order.
    /// An order with the same `orderId` is replaced, as when eBay changes it
    /// (cancelled, refunded).
    pub fn add_orders(&self, json: &str) -> Result<usize, serde_json::Error> {
        let value: Value = serde_json::from_str(json)?;
        let orders = match value.get("orders").and_then(Value::as_array) {
            Some(orders) => orders.clone(),
            None => vec![value],
        };
        let added = orders.len();
        let mut state = lock(&self.state);
        for order in orders {
            match state
                .orders
                .iter_mut()
                .find(|o| o.get("orderId") == order.get("orderId"))
            {
                Some(known) => *known = order,
                None => state.orders.push(order),
            }
        }
        Ok(added)
    }

    /// Adds (or replaces) an offer of an inventory item holding `quantity`.
    pub fn add_listing(&self, sku: &str, offer_id: &str, listing_id: &str, quantity: i64) {
        let mut state = lock(&self.state);
        let item = state.items.entry(sku.to_owned()).or_default();
        item.quantity = quantity;
        item.offers.retain(|o| o.offer_id != offer_id);
        item.offers.push(Offer {
            offer_id: offer_id.to_owned(),
            listing_id: listing_id.to_owned(),
            available: quantity,
        });
    }

    /// Every quantity pushed, in the order received.
    pub fn pushes(&self) -> Vec<SeenPush> {
        lock(&self.state).pushes.clone()
    }

    /// How many SKUs each bulk update call carried.
    pub fn bulk_calls(&self) -> Vec<usize> {
        lock(&self.state).bulk_calls.clone()
    }

    /// The quantity an offer shows buyers now.
    pub fn level(&self, offer_id: &str) -> Option<i64> {
        let state = lock(&self.state);
        state
            .items
            .values()
            .flat_map(|i| &i.offers)
            .find(|o| o.offer_id == offer_id)
            .map(|o| o.available)
    }

    pub fn fulfilments(&self) -> Vec<SeenFulfilment> {
        lock(&self.state).fulfilments.clone()
    }

    /// The bodies of the cancellations received (`legacyOrderId`, `cancelReason`).
    pub fn cancellations(&self) -> Vec<Value> {
        lock(&self.state).cancellations.clone()
    }

    /// How many access tokens the fake granted.
    pub fn grants(&self) -> u32 {
        lock(&self.state).grants
    }

    /// The `X-EBAY-C-MARKETPLACE-ID` of each API request, in order.
    pub fn marketplaces(&self) -> Vec<String> {
        lock(&self.state).marketplaces.clone()
    }

    /// The next `n` API requests answer 429 with `Retry-After: 1`.
    pub fn rate_limit_next(&self, n: u32) {
        lock(&self.state).rate_limited = n;
    }

    /// The next `n` API requests answer 500.
    pub fn fail_next(&self, n: u32) {
        lock(&self.state).failing = n;
    }

    /// Every access token granted so far stops working, as when one expires.
    pub fn expire_tokens(&self) {
        lock(&self.state).tokens.clear();
    }

    /// Pages hold at most `n` orders or items, whatever `limit` asks.
    pub fn set_page_size(&self, n: u64) {
        lock(&self.state).page_size = Some(n);
    }
}

/// Faults first, then the token, as eBay's gateway answers.
async fn guard(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let fault = {
        let mut s = lock(&state);
        if let Some(m) = request
            .headers()
            .get("X-EBAY-C-MARKETPLACE-ID")
            .and_then(|v| v.to_str().ok())
        {
            s.marketplaces.push(m.to_owned());
        }
        if s.rate_limited > 0 {
            s.rate_limited -= 1;
            Some(routes::rate_limited())
        } else if s.failing > 0 {
            s.failing -= 1;
            Some(routes::internal_error())
        } else {
            None
        }
    };
    if let Some(fault) = fault {
        return fault;
    }
    let scheme = if request.uri().path().starts_with("/post-order/") {
        "IAF "
    } else {
        "Bearer "
    };
    let token = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix(scheme));
    let valid = token.is_some_and(|t| lock(&state).tokens.contains(t));
    if !valid {
        return routes::invalid_token();
    }
    next.run(request).await
}
