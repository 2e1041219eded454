//! eBay's REST calls: each made with the connection's OAuth access token (fetched by
//! the refresh-token grant with HTTP Basic client auth, fetched again once when eBay
//! answers 401 to it) and its marketplace in `X-EBAY-C-MARKETPLACE-ID`.

use jiff::Timestamp;
use reqwest::header::HeaderValue;
use reqwest::{RequestBuilder, StatusCode};
use url::Url;

use super::model::{InventoryItem, InventoryItemPage, Offer, OfferPage, Order, OrderPage};
use crate::http::{Http, Reply};
use crate::tokens::{Grant, Tokens};
use crate::{ChannelError, Connection};

/// The scopes the connector's calls need (orders and fulfilments; inventory).
pub const SCOPES: &str =
    "https://api.ebay.com/oauth/api_scope/sell.fulfillment https://api.ebay.com/oauth/api_scope/sell.inventory";
/// Where eBay's token endpoint is under the API's base URL (`api.ebay.com`,
/// `api.sandbox.ebay.com`), unless the `token_url` option says otherwise.
const TOKEN_PATH: &str = "/identity/v1/oauth2/token";
/// Orders per page: `getOrders` allows at most 200.
pub const ORDER_PAGE: u64 = 200;
/// Inventory items per page: `getInventoryItems` allows at most 200.
const ITEM_PAGE: u64 = 200;

/// How a call presents the access token: REST APIs take `Bearer`, the Post-Order
/// API takes the same OAuth token as `IAF`.
#[derive(Debug, Clone, Copy)]
pub enum Scheme {
    Bearer,
    Iaf,
}

pub struct Client {
    pub connection: Connection,
    http: Http,
    tokens: Tokens,
}

impl Client {
    pub fn new(connection: Connection, http: Http) -> Client {
        Client {
            connection,
            http,
            tokens: Tokens::default(),
        }
    }

    fn grant(&self) -> Result<Grant, ChannelError> {
        let c = &self.connection;
        Ok(Grant {
            token_url: c.option("token_url").map_or_else(|| c.url(TOKEN_PATH), str::to_owned),
            client_id: c.credential("client_id")?.to_owned(),
            client_secret: c.credential("client_secret")?.to_owned(),
            refresh_token: c.credential("refresh_token")?.to_owned(),
            basic_auth: true,
            scope: Some(SCOPES.to_owned()),
        })
    }

    /// The URL of `path` with `segment` appended as one escaped path segment.
    pub fn url_with(&self, path: &str, segment: &str, rest: &str) -> Result<String, ChannelError> {
        let mut url = Url::parse(&self.connection.url(path))
            .map_err(|e| ChannelError::Config(format!("the base URL does not make an address: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| ChannelError::Config("the base URL cannot take a path".into()))?
            .push(segment);
        Ok(format!("{url}{rest}"))
    }

    /// Sends the request `build` makes with the access token; when eBay refuses the
    /// token (401), forgets it and sends once more with a fresh one.
    pub async fn call(
        &self,
        scheme: Scheme,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Reply, ChannelError> {
        let grant = self.grant()?;
        let marketplace = self.connection.option("marketplace_id").unwrap_or_default();
        let marketplace = HeaderValue::from_str(marketplace)
            .map_err(|_| ChannelError::Config("the marketplace_id option is not a header value".into()))?;
        let mut refreshed = false;
        loop {
            let token = self.tokens.get(&self.http, &grant).await?;
            let auth = match scheme {
                Scheme::Bearer => format!("Bearer {token}"),
                Scheme::Iaf => format!("IAF {token}"),
            };
            let reply = self
                .http
                .send(|client| {
                    build(client)
                        .header(reqwest::header::AUTHORIZATION, &auth)
                        .header("X-EBAY-C-MARKETPLACE-ID", marketplace.clone())
                })
                .await?;
            if reply.status == StatusCode::UNAUTHORIZED && !refreshed {
                self.tokens.forget().await;
                refreshed = true;
                continue;
            }
            return Ok(reply);
        }
    }

    /// A GET of JSON with the bearer token, a success or the error its status means.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, String)],
    ) -> Result<T, ChannelError> {
        self.call(Scheme::Bearer, |c| c.get(url).query(query))
            .await?
            .success()?
            .json()
    }

    /// Every order changed at or after `since`, page after page by `offset` until
    /// eBay's `total` is read.
    pub async fn orders_since(&self, since: Timestamp) -> Result<Vec<Order>, ChannelError> {
        let url = self.connection.url("/sell/fulfillment/v1/order");
        let filter = format!("lastmodifieddate:[{}..]", ebay_time(since));
        let mut orders = Vec::new();
        let mut offset = 0;
        loop {
            let query = [
                ("filter", filter.clone()),
                ("limit", ORDER_PAGE.to_string()),
                ("offset", offset.to_string()),
            ];
            let page: OrderPage = self.get(&url, &query).await?;
            let read = page.orders.len() as u64;
            orders.extend(page.orders);
            offset += read;
            if read == 0 || offset >= page.total {
                return Ok(orders);
            }
        }
    }

    /// One order by its id; `None` when eBay has no such order.
    pub async fn order(&self, order_id: &str) -> Result<Option<Order>, ChannelError> {
        let url = self.url_with("/sell/fulfillment/v1/order", order_id, "")?;
        let reply = self.call(Scheme::Bearer, |c| c.get(&url)).await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        reply.success()?.json().map(Some)
    }

    /// The first page of orders, to check the connection: how many eBay has.
    pub async fn order_count(&self) -> Result<u64, ChannelError> {
        let url = self.connection.url("/sell/fulfillment/v1/order");
        let page: OrderPage = self.get(&url, &[("limit", "1".to_owned())]).await?;
        Ok(page.total)
    }

    /// Every inventory item's SKU, page after page.
    pub async fn skus(&self) -> Result<Vec<String>, ChannelError> {
        let url = self.connection.url("/sell/inventory/v1/inventory_item");
        let mut skus = Vec::new();
        let mut offset = 0;
        loop {
            let query = [("limit", ITEM_PAGE.to_string()), ("offset", offset.to_string())];
            let page: InventoryItemPage = self.get(&url, &query).await?;
            let read = page.inventory_items.len() as u64;
            skus.extend(page.inventory_items.into_iter().filter_map(|i| i.sku));
            offset += read;
            if read == 0 || offset >= page.total {
                return Ok(skus);
            }
        }
    }

    /// The offers of one SKU on the connection's marketplace (none: eBay answers 404).
    pub async fn offers(&self, sku: &str) -> Result<Vec<Offer>, ChannelError> {
        let url = self.connection.url("/sell/inventory/v1/offer");
        let mut query = vec![("sku", sku.to_owned())];
        if let Some(marketplace) = self.connection.option("marketplace_id") {
            query.push(("marketplace_id", marketplace.to_owned()));
        }
        let reply = self.call(Scheme::Bearer, |c| c.get(&url).query(&query)).await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(Vec::new());
        }
        Ok(reply.success()?.json::<OfferPage>()?.offers)
    }

    /// The quantity eBay holds of a SKU (`None`: eBay has no such item).
    pub async fn quantity(&self, sku: &str) -> Result<Option<i64>, ChannelError> {
        let url = self.url_with("/sell/inventory/v1/inventory_item", sku, "")?;
        let reply = self.call(Scheme::Bearer, |c| c.get(&url)).await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let item: InventoryItem = reply.success()?.json()?;
        Ok(Some(
            item.availability
                .and_then(|a| a.ship_to_location_availability)
                .and_then(|s| s.quantity)
                .unwrap_or(0),
        ))
    }
}

/// A time as eBay's filters take it: UTC with milliseconds (`2026-11-20T14:03:00.000Z`).
pub fn ebay_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_with_milliseconds_in_utc() {
        let t: Timestamp = "2026-11-20T14:03:00+01:00".parse().unwrap();
        assert_eq!(ebay_time(t), "2026-11-20T13:03:00.000Z");
    }
}
