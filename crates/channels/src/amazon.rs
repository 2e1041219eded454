//! Amazon Selling Partner API: orders polled with the Orders API v0 (`getOrders` by
//! `LastUpdatedAfter`, `NextToken` pages, then `getOrderItems` per order), read with a
//! restricted data token so they carry the buyer and the shipping address; LWA access
//! tokens refreshed when Amazon refuses one; `ORDER_CHANGE` notifications; quantities
//! pushed through the Listings Items API; shipments confirmed.
//!
//! Notifications: Amazon sends `ORDER_CHANGE` to an SQS queue or EventBridge, unsigned
//! for any HTTP receiver. The seller's relay POSTs each message body to us with the
//! shared secret `notification_token` in `X-Switchyard-Notification-Token`; without
//! that credential no notification is accepted. A notification only names the order:
//! it is `Notice::Changed`, and the order is fetched with [`Connector::order`].
//!
//! Cancellations made here go as an order acknowledgement feed (`feed.rs`): the
//! Orders API has no cancel call for seller-fulfilled orders. A line cancelled cancels
//! its whole order item (the feed has no quantity).

use jiff::Timestamp;
use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};
use switchyard_core::{Clock, SystemClock};
use tokio::sync::Mutex;

use crate::http::Http;
use crate::tokens::Tokens;
use crate::{
    BoxFuture, Cancellation, ChannelError, ChannelStock, Connection, Connector, Fulfilment, Listing, Notice, StockPush,
};

mod client;
mod feed;
pub mod map;
pub mod model;
mod push;

pub use client::{LWA_TOKEN_URL, TOKEN_HEADER};
pub use feed::{ACKNOWLEDGEMENT_FEED, acknowledgement, cancel_reason};
pub use push::package_reference;

/// The header the seller's relay sends the shared notification secret in.
pub const NOTIFICATION_TOKEN_HEADER: &str = "x-switchyard-notification-token";

pub struct Amazon {
    connection: Connection,
    http: Http,
    tokens: Tokens,
    restricted: Mutex<Option<HeldToken>>,
}

/// A restricted data token and when to stop using it.
struct HeldToken {
    token: String,
    until: std::time::Instant,
}

impl Amazon {
    pub fn new(connection: Connection, http: Http) -> Amazon {
        Amazon {
            connection,
            http,
            tokens: Tokens::default(),
            restricted: Mutex::new(None),
        }
    }

    /// The option `prices_include_tax`, when set.
    fn prices_include_tax(&self) -> Result<Option<bool>, ChannelError> {
        match self.connection.option("prices_include_tax") {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(ChannelError::Config(format!(
                "the option `prices_include_tax` is `{other}`; it must be `true` or `false`"
            ))),
        }
    }

    /// An order with its items as the notices it amounts to.
    async fn notices_of(&self, order: &model::Order) -> Result<Vec<Notice>, ChannelError> {
        if map::is_skipped(order) {
            return Ok(Vec::new());
        }
        let items = self.order_items(&order.amazon_order_id).await?;
        map::notices(&self.connection.channel, order, &items, self.prices_include_tax()?)
    }
}

/// Whether two secrets are equal, in time that depends on neither (their digests are
/// compared, all bytes every time).
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(given), Sha256::digest(expected));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Connector for Amazon {
    fn verify(&self, headers: &HeaderMap, _body: &[u8]) -> Result<(), ChannelError> {
        let expected = self
            .connection
            .settings
            .credentials
            .get("notification_token")
            .ok_or(ChannelError::Forged)?;
        let given = headers
            .get(NOTIFICATION_TOKEN_HEADER)
            .map(|v| v.as_bytes())
            .ok_or(ChannelError::Forged)?;
        if same_secret(given, expected.as_bytes()) {
            Ok(())
        } else {
            Err(ChannelError::Forged)
        }
    }

    fn parse(&self, _headers: &HeaderMap, body: &[u8]) -> Result<Vec<Notice>, ChannelError> {
        let note: model::Notification =
            serde_json::from_slice(body).map_err(|e| ChannelError::Unreadable(e.to_string()))?;
        if note.notification_type != "ORDER_CHANGE" {
            return Ok(vec![Notice::Ignored {
                topic: note.notification_type,
            }]);
        }
        let change = note
            .payload
            .and_then(|p| p.order_change_notification)
            .ok_or_else(|| ChannelError::Unreadable("an ORDER_CHANGE without its OrderChangeNotification".into()))?;
        Ok(vec![Notice::Changed {
            external_id: change.amazon_order_id,
        }])
    }

    fn check(&self) -> BoxFuture<'_, Result<String, ChannelError>> {
        Box::pin(async move {
            let marketplace = self.required("marketplace_id")?;
            let url = self.endpoint(&["orders", "v0", "orders"])?;
            let since = SystemClock.now() - jiff::SignedDuration::from_hours(1);
            let query = [
                ("MarketplaceIds", marketplace.to_owned()),
                ("LastUpdatedAfter", since.to_string()),
                ("MaxResultsPerPage", "1".to_owned()),
            ];
            self.call(client::Access::Plain, |c| c.get(url.clone()).query(&query))
                .await?;
            Ok(format!(
                "Amazon SP-API at {} accepted the credentials and listed orders of marketplace {marketplace}",
                self.connection.settings.base_url
            ))
        })
    }

    fn orders_since(&self, since: Timestamp) -> BoxFuture<'_, Result<Vec<Notice>, ChannelError>> {
        Box::pin(async move {
            let mut notices = Vec::new();
            for order in self.orders_changed_since(since).await? {
                match self.notices_of(&order).await {
                    Ok(found) => notices.extend(found),
                    // One order we cannot take must not hold back every later one: it
                    // is told as refused (its id and the fields, no personal data), so
                    // the poll asks for it again.
                    Err(e) => notices.push(Notice::unmappable(e)?),
                }
            }
            Ok(notices)
        })
    }

    fn order<'a>(&'a self, external_id: &'a str) -> BoxFuture<'a, Result<Vec<Notice>, ChannelError>> {
        Box::pin(async move {
            let order = self.order_by_id(external_id).await?;
            self.notices_of(&order).await
        })
    }

    fn listings(&self) -> BoxFuture<'_, Result<Vec<Listing>, ChannelError>> {
        Box::pin(async move {
            Ok(self
                .all_listings()
                .await?
                .into_iter()
                .map(|item| Listing {
                    listing_id: item.sku.clone(),
                    sku: item.sku,
                    item_id: None,
                })
                .collect())
        })
    }

    fn push_stock<'a>(&'a self, pushes: &'a [StockPush]) -> BoxFuture<'a, Vec<Result<(), ChannelError>>> {
        Box::pin(async move {
            let mut results = Vec::with_capacity(pushes.len());
            for push in pushes {
                results.push(self.patch_quantity(push).await);
            }
            results
        })
    }

    fn stock<'a>(&'a self, listings: &'a [Listing]) -> BoxFuture<'a, Result<Vec<ChannelStock>, ChannelError>> {
        Box::pin(async move {
            let mut found = Vec::with_capacity(listings.len());
            for listing in listings {
                let quantity = self.listing(&listing.listing_id).await?.and_then(|item| {
                    item.fulfillment_availability
                        .into_iter()
                        .find(|a| a.fulfillment_channel_code == push::SELLER_FULFILLED)
                        .and_then(|a| a.quantity)
                });
                found.push(ChannelStock {
                    listing: listing.clone(),
                    quantity,
                });
            }
            Ok(found)
        })
    }

    fn push_fulfilment<'a>(&'a self, fulfilment: &'a Fulfilment) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move { self.confirm_shipment(fulfilment).await })
    }

    fn push_cancellation<'a>(&'a self, cancellation: &'a Cancellation) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move { self.send_cancellation(cancellation).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        assert!(!same_secret(b"s3cret", b"s3creT"));
        assert!(!same_secret(b"s3cret", b"s3cret "));
        assert!(!same_secret(b"", b"s3cret"));
    }
}
