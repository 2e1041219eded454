//! WooCommerce: REST API v3 (`{base_url}/wp-json/wc/v3`) with HTTP Basic auth
//! (`consumer_key`, `consumer_secret`), and its webhooks `order.created` /
//! `order.updated` signed with `X-WC-Webhook-Signature` (the base64 HMAC-SHA256 of the
//! raw body under the webhook's secret, `webhook_secret`). The body of an order
//! webhook is the order as the REST API answers it.
//!
//! Stock is set as `stock_quantity` (with `manage_stock`) on the product, for a simple
//! product (`Listing::listing_id`), or on the variation (`Listing::item_id`) of a
//! variable one, in batch calls of up to 100. A shipment is a note to the customer
//! with the tracking, then the order `completed`; a cancellation is the order
//! `cancelled` (WooCommerce cannot cancel single lines: those are a private note for
//! the shop instead).

mod client;
pub mod map;
pub mod model;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::HeaderMap;

use self::client::{Api, PAGE_MAX};
use self::model::{Note, Order, StockUpdate};
use crate::http::Http;
use crate::signature::verify_hmac_sha256_base64;
use crate::{
    BoxFuture, Cancellation, ChannelError, ChannelStock, Connection, Connector, Fulfilment, Listing, Notice, StockPush,
};

/// The webhook topics that carry an order.
const ORDER_TOPICS: [&str; 2] = ["order.created", "order.updated"];
pub const TOPIC_HEADER: &str = "x-wc-webhook-topic";
pub const SIGNATURE_HEADER: &str = "x-wc-webhook-signature";

pub struct WooCommerce {
    connection: Connection,
    http: Http,
}

impl WooCommerce {
    pub fn new(connection: Connection, http: Http) -> WooCommerce {
        WooCommerce { connection, http }
    }

    fn api(&self) -> Api<'_> {
        Api {
            connection: &self.connection,
            http: &self.http,
        }
    }

    fn notices(&self, order: &Order) -> Result<Vec<Notice>, ChannelError> {
        map::notices(&self.connection.channel, order)
    }

    /// Adds a note to an order unless one containing `marker` is there already (the
    /// same push retried after the note went through).
    async fn note_once(&self, id: u64, note: String, customer_note: bool, marker: &str) -> Result<(), ChannelError> {
        let api = self.api();
        if api.notes(id).await?.iter().any(|n| n.note.contains(marker)) {
            return Ok(());
        }
        api.add_note(id, &Note { note, customer_note }).await
    }
}

/// The ping WooCommerce sends, unsigned, when a webhook is saved (`webhook_id=12`):
/// it must be answered 2xx or WooCommerce will not save the webhook.
fn is_ping(headers: &HeaderMap, body: &[u8]) -> bool {
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    !headers.contains_key(TOPIC_HEADER) && body.strip_prefix(b"webhook_id=").is_some_and(digits)
}

fn order_id(external_id: &str) -> Result<u64, ChannelError> {
    external_id.parse().map_err(|_| ChannelError::Refused {
        status: 404,
        body: format!("`{external_id}` is not a WooCommerce order id"),
    })
}

/// A listing's product id, and its variation's id if it has one.
fn listing_ids(listing: &Listing) -> Result<(u64, Option<u64>), ChannelError> {
    let bad = |id: &str| ChannelError::Config(format!("`{id}` is not a WooCommerce product or variation id"));
    let product = listing.listing_id.parse().map_err(|_| bad(&listing.listing_id))?;
    let variation = match &listing.item_id {
        Some(id) => Some(id.parse().map_err(|_| bad(id))?),
        None => None,
    };
    Ok((product, variation))
}

/// Where a listing's stock is set: the products batch (`None`) or its product's
/// variations batch, and the id in that batch.
fn batch_of(listing: &Listing) -> Result<(Option<u64>, u64), ChannelError> {
    let (product, variation) = listing_ids(listing)?;
    Ok(match variation {
        Some(v) => (Some(product), v),
        None => (None, product),
    })
}

impl Connector for WooCommerce {
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), ChannelError> {
        if is_ping(headers, body) {
            return Ok(());
        }
        let secret = self.connection.credential("webhook_secret")?;
        let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
        verify_hmac_sha256_base64(secret.as_bytes(), body, signature)
    }

    fn parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<Vec<Notice>, ChannelError> {
        if is_ping(headers, body) {
            return Ok(vec![Notice::Ignored { topic: "ping".into() }]);
        }
        let topic = headers
            .get(TOPIC_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim();
        if !ORDER_TOPICS.contains(&topic) {
            return Ok(vec![Notice::Ignored {
                topic: topic.to_owned(),
            }]);
        }
        let order: Order = serde_json::from_slice(body).map_err(|e| ChannelError::Unreadable(e.to_string()))?;
        self.notices(&order)
    }

    fn check(&self) -> BoxFuture<'_, Result<String, ChannelError>> {
        Box::pin(async move {
            let count = self.api().order_count().await?;
            Ok(match count {
                Some(n) => format!("WooCommerce REST API v3 reached: the store has {n} orders"),
                None => "WooCommerce REST API v3 reached".to_owned(),
            })
        })
    }

    fn orders_since(&self, since: Timestamp) -> BoxFuture<'_, Result<Vec<Notice>, ChannelError>> {
        Box::pin(async move {
            // `modified_after` is strictly after, to the second: a second earlier so an
            // order changed in the very second of `since` is not missed.
            let after = since
                .checked_sub(Duration::from_secs(1))
                .unwrap_or(since)
                .strftime("%Y-%m-%dT%H:%M:%S")
                .to_string();
            let query = [
                ("modified_after", after),
                ("dates_are_gmt", "true".to_owned()),
                ("orderby", "modified".to_owned()),
                ("order", "asc".to_owned()),
            ];
            let orders: Vec<Order> = self.api().every("/orders", &query).await?;
            let mut notices = Vec::new();
            for order in &orders {
                match self.notices(order) {
                    Ok(more) => notices.extend(more),
                    // One order we cannot take must not hold back the others; it is
                    // told as refused (by id and field, no customer data), so the
                    // poll asks for it again.
                    Err(e) => notices.push(Notice::unmappable(e)?),
                }
            }
            Ok(notices)
        })
    }

    fn order<'a>(&'a self, external_id: &'a str) -> BoxFuture<'a, Result<Vec<Notice>, ChannelError>> {
        Box::pin(async move {
            let order = self.api().order(order_id(external_id)?).await?;
            self.notices(&order)
        })
    }

    fn listings(&self) -> BoxFuture<'_, Result<Vec<Listing>, ChannelError>> {
        Box::pin(async move {
            let api = self.api();
            let by_id = [("orderby", "id".to_owned()), ("order", "asc".to_owned())];
            let mut listings = Vec::new();
            for product in api.products(None, &by_id).await? {
                if product.kind.as_deref() == Some("variable") {
                    for variation in api.products(Some(product.id), &by_id).await? {
                        if !variation.sku.trim().is_empty() {
                            listings.push(Listing {
                                sku: variation.sku.trim().to_owned(),
                                listing_id: product.id.to_string(),
                                item_id: Some(variation.id.to_string()),
                            });
                        }
                    }
                } else if !product.sku.trim().is_empty() {
                    listings.push(Listing {
                        sku: product.sku.trim().to_owned(),
                        listing_id: product.id.to_string(),
                        item_id: None,
                    });
                }
            }
            Ok(listings)
        })
    }

    fn push_stock<'a>(&'a self, pushes: &'a [StockPush]) -> BoxFuture<'a, Vec<Result<(), ChannelError>>> {
        Box::pin(async move {
            let mut results: Vec<Result<(), ChannelError>> = vec![Ok(()); pushes.len()];
            let mut batches: BTreeMap<Option<u64>, Vec<(usize, StockUpdate)>> = BTreeMap::new();
            for (i, push) in pushes.iter().enumerate() {
                match batch_of(&push.listing) {
                    Ok((parent, id)) => batches.entry(parent).or_default().push((
                        i,
                        StockUpdate {
                            id,
                            stock_quantity: push.quantity,
                            manage_stock: true,
                        },
                    )),
                    Err(e) => results[i] = Err(e),
                }
            }
            for (parent, updates) in batches {
                for chunk in updates.chunks(PAGE_MAX) {
                    let sent: Vec<StockUpdate> = chunk.iter().map(|(_, u)| u.clone()).collect();
                    let answers = self.api().batch(parent, &sent).await;
                    for ((i, _), answer) in chunk.iter().zip(answers) {
                        results[*i] = answer;
                    }
                }
            }
            results
        })
    }

    fn stock<'a>(&'a self, listings: &'a [Listing]) -> BoxFuture<'a, Result<Vec<ChannelStock>, ChannelError>> {
        Box::pin(async move {
            let mut wanted: BTreeMap<Option<u64>, Vec<u64>> = BTreeMap::new();
            for listing in listings {
                let (parent, id) = batch_of(listing)?;
                wanted.entry(parent).or_default().push(id);
            }
            let mut levels: HashMap<(Option<u64>, u64), Option<i64>> = HashMap::new();
            for (parent, ids) in wanted {
                for chunk in ids.chunks(PAGE_MAX) {
                    let include = chunk.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
                    for product in self.api().products(parent, &[("include", include)]).await? {
                        levels.insert((parent, product.id), product.stock_quantity);
                    }
                }
            }
            listings
                .iter()
                .map(|listing| {
                    let key = batch_of(listing)?;
                    Ok(ChannelStock {
                        listing: listing.clone(),
                        quantity: levels.get(&key).copied().flatten(),
                    })
                })
                .collect()
        })
    }

    fn push_fulfilment<'a>(&'a self, fulfilment: &'a Fulfilment) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move {
            let id = order_id(&fulfilment.external_id)?;
            let mut note = format!("Shipped by {}", fulfilment.carrier);
            if let Some(service) = &fulfilment.service {
                note.push_str(&format!(" ({service})"));
            }
            note.push_str(&format!(": {}", fulfilment.tracking_number));
            if let Some(url) = &fulfilment.tracking_url {
                note.push_str(&format!(" {url}"));
            }
            self.note_once(id, note, true, &fulfilment.tracking_number).await?;
            self.api().set_status(id, "completed").await
        })
    }

    fn push_cancellation<'a>(&'a self, cancellation: &'a Cancellation) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move {
            let id = order_id(&cancellation.external_id)?;
            if cancellation.lines.is_empty() {
                return self.api().set_status(id, "cancelled").await;
            }
            let lines: Vec<String> = cancellation
                .lines
                .iter()
                .map(|l| match &l.external_id {
                    Some(line) => format!("{} × {} (line {line})", l.quantity, l.sku),
                    None => format!("{} × {}", l.quantity, l.sku),
                })
                .collect();
            let mut note = format!("Cancelled in Switchyard: {}", lines.join(", "));
            if let Some(reason) = &cancellation.reason {
                note.push_str(&format!(" ({reason})"));
            }
            self.note_once(id, note.clone(), false, &note).await
        })
    }
}
