//! The SP-API calls: each carries an LWA access token in `x-amz-access-token` (or, for
//! the order reads that must return the buyer and the shipping address, a restricted
//! data token got with it); a 403 (`Unauthorized`: the token expired or was revoked)
//! forgets the tokens, fetches fresh ones and tries once more.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use reqwest::{RequestBuilder, StatusCode, Url};

use super::model::{
    Envelope, ItemsPage, ListingItem, ListingsPage, Order, OrderItem, OrdersPage, RestrictedRequest,
    RestrictedResource, RestrictedToken,
};
use super::{Amazon, HeldToken};
use crate::ChannelError;
use crate::http::Reply;
use crate::tokens::Grant;

/// Login with Amazon's token endpoint, unless the option `token_url` says otherwise.
pub const LWA_TOKEN_URL: &str = "https://api.amazon.com/auth/o2/token";
/// The header SP-API reads the access (or restricted data) token from.
pub const TOKEN_HEADER: &str = "x-amz-access-token";
/// The most orders `getOrders` answers in one page.
const ORDERS_PAGE_MAX: &str = "100";
/// The most listings `searchListingsItems` answers in one page.
const LISTINGS_PAGE_MAX: &str = "20";
/// A restricted data token is fetched again this long before it expires.
const EARLY: Duration = Duration::from_secs(60);

/// Which token a call carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The LWA access token.
    Plain,
    /// A restricted data token for the order reads with buyer and address data.
    Restricted,
}

/// A call's outcome before the retry on a refused token.
enum Attempt {
    Done(Reply),
    /// 401 or 403: the token is stale; the body says why.
    Stale(String),
}

impl Amazon {
    fn grant(&self) -> Result<Grant, ChannelError> {
        Ok(Grant {
            token_url: self.connection.option("token_url").unwrap_or(LWA_TOKEN_URL).to_owned(),
            client_id: self.connection.credential("client_id")?.to_owned(),
            client_secret: self.connection.credential("client_secret")?.to_owned(),
            refresh_token: self.connection.credential("refresh_token")?.to_owned(),
            basic_auth: false,
            scope: None,
        })
    }

    /// A required option (core's requirements made sure it is set).
    pub(super) fn required(&self, name: &str) -> Result<&str, ChannelError> {
        self.connection
            .option(name)
            .ok_or_else(|| ChannelError::Config(format!("the connection has no `{name}` option")))
    }

    /// The API address made of `segments`, each percent-encoded (a SKU may hold `/`).
    pub(super) fn endpoint(&self, segments: &[&str]) -> Result<Url, ChannelError> {
        let mut url = Url::parse(&self.connection.settings.base_url)
            .map_err(|e| ChannelError::Config(format!("the base URL is not a URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| ChannelError::Config("the base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Sends the request `build` makes with the token `access` names, once more with
    /// fresh tokens if the first is refused; the reply if it is a success.
    pub(super) async fn call(
        &self,
        access: Access,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Reply, ChannelError> {
        let mut refused = String::new();
        for _ in 0..2 {
            match self.attempt(access, &build).await? {
                Attempt::Done(reply) => return reply.success(),
                Attempt::Stale(body) => {
                    tracing::debug!("amazon refused the access token; fetching a fresh one");
                    self.tokens.forget().await;
                    *self.restricted.lock().await = None;
                    refused = body;
                }
            }
        }
        Err(ChannelError::Auth(refused))
    }

    async fn attempt(
        &self,
        access: Access,
        build: &impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Attempt, ChannelError> {
        let plain = self.tokens.get(&self.http, &self.grant()?).await?;
        let token = match access {
            Access::Plain => plain,
            Access::Restricted => match self.restricted_token(&plain).await? {
                Ok(token) => token,
                Err(body) => return Ok(Attempt::Stale(body)),
            },
        };
        let reply = self.http.send(|c| build(c).header(TOKEN_HEADER, &token)).await?;
        Ok(stale_or_done(reply))
    }

    /// The restricted data token held, or one fetched with the access token `plain`
    /// (the inner error: Amazon refused `plain`, with this body).
    async fn restricted_token(&self, plain: &str) -> Result<Result<String, String>, ChannelError> {
        let mut held = self.restricted.lock().await;
        if let Some(h) = held.as_ref().filter(|h| Instant::now() < h.until) {
            return Ok(Ok(h.token.clone()));
        }
        let url = self.endpoint(&["tokens", "2021-03-01", "restrictedDataToken"])?;
        let body = restricted_request();
        let reply = self
            .http
            .send(|c| c.post(url.clone()).header(TOKEN_HEADER, plain).json(&body))
            .await?;
        let reply = match stale_or_done(reply) {
            Attempt::Done(reply) => reply.success()?,
            Attempt::Stale(body) => return Ok(Err(body)),
        };
        let fresh: RestrictedToken = reply.json()?;
        let lifetime = Duration::from_secs(fresh.expires_in).saturating_sub(EARLY);
        *held = Some(HeldToken {
            token: fresh.restricted_data_token.clone(),
            until: Instant::now() + lifetime,
        });
        Ok(Ok(fresh.restricted_data_token))
    }

    /// Every order changed at or after `since` in the marketplace, page by page.
    pub(super) async fn orders_changed_since(&self, since: Timestamp) -> Result<Vec<Order>, ChannelError> {
        let marketplace = self.required("marketplace_id")?;
        let url = self.endpoint(&["orders", "v0", "orders"])?;
        let mut orders = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut query = vec![("MarketplaceIds", marketplace.to_owned())];
            match &next {
                Some(token) => query.push(("NextToken", token.clone())),
                None => {
                    query.push(("LastUpdatedAfter", since.to_string()));
                    query.push(("MaxResultsPerPage", ORDERS_PAGE_MAX.to_owned()));
                }
            }
            let reply = self
                .call(Access::Restricted, |c| c.get(url.clone()).query(&query))
                .await?;
            let page: Envelope<OrdersPage> = reply.json()?;
            orders.extend(page.payload.orders);
            match page.payload.next_token.filter(|t| !t.is_empty()) {
                Some(token) => next = Some(token),
                None => return Ok(orders),
            }
        }
    }

    /// One order by its Amazon order id.
    pub(super) async fn order_by_id(&self, id: &str) -> Result<Order, ChannelError> {
        let url = self.endpoint(&["orders", "v0", "orders", id])?;
        let reply = self.call(Access::Restricted, |c| c.get(url.clone())).await?;
        Ok(reply.json::<Envelope<Order>>()?.payload)
    }

    /// Every item of an order, page by page.
    pub(super) async fn order_items(&self, id: &str) -> Result<Vec<OrderItem>, ChannelError> {
        let url = self.endpoint(&["orders", "v0", "orders", id, "orderItems"])?;
        let mut items = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let query: Vec<(&str, String)> = next.iter().map(|t| ("NextToken", t.clone())).collect();
            let reply = self
                .call(Access::Restricted, |c| c.get(url.clone()).query(&query))
                .await?;
            let page: Envelope<ItemsPage> = reply.json()?;
            items.extend(page.payload.order_items);
            match page.payload.next_token.filter(|t| !t.is_empty()) {
                Some(token) => next = Some(token),
                None => return Ok(items),
            }
        }
    }

    /// Every listing of the seller in the marketplace, page by page.
    pub(super) async fn all_listings(&self) -> Result<Vec<ListingItem>, ChannelError> {
        let marketplace = self.required("marketplace_id")?;
        let url = self.endpoint(&["listings", "2021-08-01", "items", self.required("seller_id")?])?;
        let mut listings = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut query = vec![
                ("marketplaceIds", marketplace.to_owned()),
                ("pageSize", LISTINGS_PAGE_MAX.to_owned()),
            ];
            query.extend(next.iter().map(|t| ("pageToken", t.clone())));
            let reply = self.call(Access::Plain, |c| c.get(url.clone()).query(&query)).await?;
            let page: ListingsPage = reply.json()?;
            listings.extend(page.items);
            match page.pagination.and_then(|p| p.next_token).filter(|t| !t.is_empty()) {
                Some(token) => next = Some(token),
                None => return Ok(listings),
            }
        }
    }

    /// One listing's fulfilment availability, or `None` when Amazon does not know it.
    pub(super) async fn listing(&self, sku: &str) -> Result<Option<ListingItem>, ChannelError> {
        let marketplace = self.required("marketplace_id")?;
        let url = self.endpoint(&["listings", "2021-08-01", "items", self.required("seller_id")?, sku])?;
        let query = [
            ("marketplaceIds", marketplace),
            ("includedData", "fulfillmentAvailability"),
        ];
        match self.call(Access::Plain, |c| c.get(url.clone()).query(&query)).await {
            Ok(reply) => Ok(Some(reply.json()?)),
            Err(ChannelError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn stale_or_done(reply: Reply) -> Attempt {
    if matches!(reply.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        Attempt::Stale(String::from_utf8_lossy(&reply.body).chars().take(500).collect())
    } else {
        Attempt::Done(reply)
    }
}

/// The order reads a restricted data token is asked for: the order list and any one
/// order with the buyer and the shipping address, any order's items with the buyer's
/// gift wrap (generic paths cover every order id).
fn restricted_request() -> RestrictedRequest {
    let resource = |path: &str, elements: &[&str]| RestrictedResource {
        method: "GET".into(),
        path: path.into(),
        data_elements: elements.iter().map(|e| (*e).to_owned()).collect(),
    };
    RestrictedRequest {
        restricted_resources: vec![
            resource("/orders/v0/orders", &["buyerInfo", "shippingAddress"]),
            resource("/orders/v0/orders/{orderId}", &["buyerInfo", "shippingAddress"]),
            resource("/orders/v0/orders/{orderId}/orderItems", &["buyerInfo"]),
        ],
    }
}
