//! Shopify, through the Admin REST API (`/admin/api/{version}/…`, version from the
//! `api_version` option, default `2025-01`) with the shop's access token: webhooks
//! (`orders/create`, `orders/updated`, `orders/cancelled`, `refunds/create`) signed
//! with `X-Shopify-Hmac-Sha256`; orders fetched by `updated_at_min` with cursor pages;
//! stock set per inventory item at the connection's location (`location_id`);
//! fulfilments through the order's fulfillment orders; cancellations.

mod client;
mod map;
mod model;
mod push;

use jiff::Timestamp;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::json;

use self::client::{PAGE_LIMIT, numeric_id};
use self::model::{FulfillmentOrder, InventoryLevel, Order, Product, Shop};
use crate::http::Http;
use crate::signature::verify_hmac_sha256_base64;
use crate::{
    BoxFuture, Cancellation, ChannelError, ChannelStock, Connection, Connector, Fulfilment, Listing, Notice, StockPush,
};

pub use self::client::DEFAULT_API_VERSION;
use self::map::{notices_for_order, refund_notice};
use self::push::tracking_company;

/// The header carrying the webhook's signature.
pub const HMAC_HEADER: &str = "X-Shopify-Hmac-Sha256";
/// The header naming the webhook's topic.
pub const TOPIC_HEADER: &str = "X-Shopify-Topic";
/// The most inventory item ids one `inventory_levels.json` call may name.
const LEVEL_IDS_MAX: usize = 50;

pub struct Shopify {
    connection: Connection,
    http: Http,
}

impl Shopify {
    pub fn new(connection: Connection, http: Http) -> Shopify {
        Shopify { connection, http }
    }

    fn location_id(&self) -> Result<u64, ChannelError> {
        let location = self
            .connection
            .option("location_id")
            .ok_or_else(|| ChannelError::Config("the connection has no `location_id` option".into()))?;
        numeric_id(location, "location id")
    }

    async fn fetch_order(&self, external_id: &str) -> Result<Order, ChannelError> {
        #[derive(Deserialize)]
        struct One {
            order: Order,
        }
        let id = numeric_id(external_id, "order id")?;
        let one: One = self.get(&self.api(&format!("/orders/{id}.json"))).await?;
        Ok(one.order)
    }

    async fn set_level(&self, push: &StockPush) -> Result<(), ChannelError> {
        let item = push.listing.item_id.as_deref().ok_or_else(|| {
            ChannelError::Config(format!(
                "the listing of {} has no Shopify inventory item id",
                push.listing.sku
            ))
        })?;
        let body = json!({
            "location_id": self.location_id()?,
            "inventory_item_id": numeric_id(item, "inventory item id")?,
            "available": push.quantity,
        });
        let _: serde_json::Value = self.post("/inventory_levels/set.json", &body).await?;
        Ok(())
    }

    async fn levels(&self, listings: &[Listing]) -> Result<Vec<ChannelStock>, ChannelError> {
        let location = self.location_id()?.to_string();
        let items: Vec<&str> = listings.iter().filter_map(|l| l.item_id.as_deref()).collect();
        let mut known = std::collections::HashMap::new();
        for chunk in items.chunks(LEVEL_IDS_MAX) {
            let ids = chunk.join(",");
            let limit = PAGE_LIMIT.to_string();
            let url = self.api_query(
                "/inventory_levels.json",
                &[
                    ("inventory_item_ids", &ids),
                    ("location_ids", &location),
                    ("limit", &limit),
                ],
            );
            for level in self.pages::<InventoryLevel>(url, "inventory_levels").await? {
                known.insert(level.inventory_item_id.0, level.available);
            }
        }
        Ok(listings
            .iter()
            .map(|l| ChannelStock {
                listing: l.clone(),
                quantity: l.item_id.as_ref().and_then(|id| known.get(id).copied().flatten()),
            })
            .collect())
    }

    async fn fulfil(&self, fulfilment: &Fulfilment) -> Result<(), ChannelError> {
        #[derive(Deserialize)]
        struct Orders {
            fulfillment_orders: Vec<FulfillmentOrder>,
        }
        let id = numeric_id(&fulfilment.external_id, "order id")?;
        let open: Orders = self
            .get(&self.api(&format!("/orders/{id}/fulfillment_orders.json")))
            .await?;
        let by_order = push::fulfillment_lines(fulfilment, &open.fulfillment_orders)?;
        let mut tracking = json!({
            "number": fulfilment.tracking_number,
            "company": tracking_company(&fulfilment.carrier),
        });
        if let Some(url) = &fulfilment.tracking_url {
            tracking["url"] = json!(url);
        }
        let body = json!({
            "fulfillment": {
                "line_items_by_fulfillment_order": by_order,
                "tracking_info": tracking,
                "notify_customer": true,
            }
        });
        let _: serde_json::Value = self.post("/fulfillments.json", &body).await?;
        Ok(())
    }

    async fn cancel(&self, cancellation: &Cancellation) -> Result<(), ChannelError> {
        let id = numeric_id(&cancellation.external_id, "order id")?;
        let reason = push::cancel_reason(cancellation.reason.as_deref());
        if cancellation.lines.is_empty() {
            let _: serde_json::Value = self
                .post(&format!("/orders/{id}/cancel.json"), &json!({ "reason": reason }))
                .await?;
            return Ok(());
        }
        // Some lines only: a refund without money that removes them and puts their stock
        // back (`restock_type: cancel`), as Shopify's admin does for unfulfilled items.
        let lines = push::cancelled_lines(cancellation)?;
        let body = json!({
            "refund": {
                "notify": false,
                "note": cancellation.reason,
                "refund_line_items": lines,
            }
        });
        let _: serde_json::Value = self.post(&format!("/orders/{id}/refunds.json"), &body).await?;
        Ok(())
    }
}

/// A webhook's body as `T`, or why not.
fn read<T: serde::de::DeserializeOwned>(topic: &str, body: &[u8]) -> Result<T, ChannelError> {
    serde_json::from_slice(body).map_err(|e| ChannelError::Unreadable(format!("{topic}: {e}")))
}

impl Connector for Shopify {
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), ChannelError> {
        let secret = self.connection.credential("webhook_secret")?;
        let signature = headers.get(HMAC_HEADER).and_then(|v| v.to_str().ok());
        verify_hmac_sha256_base64(secret.as_bytes(), body, signature)
    }

    fn parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<Vec<Notice>, ChannelError> {
        let topic = headers
            .get(TOPIC_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ChannelError::Unreadable(format!("a notification without {TOPIC_HEADER}")))?;
        let channel = &self.connection.channel;
        match topic {
            "orders/create" | "orders/updated" => {
                let order: Order = read(topic, body)?;
                notices_for_order(channel, &order)
            }
            "orders/cancelled" => {
                let order: Order = read(topic, body)?;
                // The cancellation counts even when the order itself cannot be taken.
                let mut notices = match notices_for_order(channel, &order) {
                    Ok(notices) => notices,
                    Err(e @ ChannelError::Unmappable { .. }) => {
                        tracing::warn!(order = %order.id.0, error = %e, "shopify cancelled order not mappable");
                        Vec::new()
                    }
                    Err(e) => return Err(e),
                };
                if !notices.iter().any(|n| matches!(n, Notice::Cancelled { .. })) {
                    notices.push(Notice::Cancelled {
                        external_id: order.id.0.clone(),
                        reason: order.cancel_reason.clone(),
                    });
                }
                Ok(notices)
            }
            "refunds/create" => {
                let refund: model::Refund = read(topic, body)?;
                Ok(match refund_notice(&refund, None, None)? {
                    Some(refunded) => vec![refunded],
                    None => vec![Notice::Ignored {
                        topic: topic.to_owned(),
                    }],
                })
            }
            other => Ok(vec![Notice::Ignored {
                topic: other.to_owned(),
            }]),
        }
    }

    fn check(&self) -> BoxFuture<'_, Result<String, ChannelError>> {
        Box::pin(async move {
            #[derive(Deserialize)]
            struct Reply {
                shop: Shop,
            }
            let reply: Reply = self.get(&self.api("/shop.json")).await?;
            let name = reply.shop.name.unwrap_or_default();
            let domain = reply.shop.myshopify_domain.unwrap_or_default();
            Ok(format!("Shopify shop {name} ({domain}), API {}", self.version()))
        })
    }

    fn orders_since(&self, since: Timestamp) -> BoxFuture<'_, Result<Vec<Notice>, ChannelError>> {
        Box::pin(async move {
            let since = since.to_string();
            let limit = PAGE_LIMIT.to_string();
            let url = self.api_query(
                "/orders.json",
                &[("status", "any"), ("updated_at_min", &since), ("limit", &limit)],
            );
            let orders: Vec<Order> = self.pages(url, "orders").await?;
            let mut notices = Vec::new();
            for order in &orders {
                match notices_for_order(&self.connection.channel, order) {
                    Ok(more) => notices.extend(more),
                    // One order we cannot take must not stop the others: it is told
                    // as refused (by id and field, no customer data), so the poll asks
                    // for it again; its webhook failed the same way.
                    Err(e) => match Notice::unmappable(e) {
                        Ok(refused) => notices.push(refused),
                        Err(e) => tracing::warn!(order = %order.id.0, error = %e, "shopify order skipped"),
                    },
                }
            }
            Ok(notices)
        })
    }

    fn order<'a>(&'a self, external_id: &'a str) -> BoxFuture<'a, Result<Vec<Notice>, ChannelError>> {
        Box::pin(async move {
            let order = self.fetch_order(external_id).await?;
            notices_for_order(&self.connection.channel, &order)
        })
    }

    fn listings(&self) -> BoxFuture<'_, Result<Vec<Listing>, ChannelError>> {
        Box::pin(async move {
            let limit = PAGE_LIMIT.to_string();
            let url = self.api_query("/products.json", &[("limit", &limit)]);
            let products: Vec<Product> = self.pages(url, "products").await?;
            Ok(map::listings(&products))
        })
    }

    fn push_stock<'a>(&'a self, pushes: &'a [StockPush]) -> BoxFuture<'a, Vec<Result<(), ChannelError>>> {
        Box::pin(async move {
            // The REST API sets one inventory item per call.
            let mut results = Vec::with_capacity(pushes.len());
            for push in pushes {
                results.push(self.set_level(push).await);
            }
            results
        })
    }

    fn stock<'a>(&'a self, listings: &'a [Listing]) -> BoxFuture<'a, Result<Vec<ChannelStock>, ChannelError>> {
        Box::pin(self.levels(listings))
    }

    fn push_fulfilment<'a>(&'a self, fulfilment: &'a Fulfilment) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(self.fulfil(fulfilment))
    }

    fn push_cancellation<'a>(&'a self, cancellation: &'a Cancellation) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(self.cancel(cancellation))
    }
}
