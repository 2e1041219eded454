//! Sales-channel connectors. Each kind of channel is one module behind one trait,
//! [`Connector`]: verify and parse what the channel sends us (a webhook), fetch its
//! orders changed since a time (backfill and the safety net for a lost webhook), map a
//! channel order to an [`OrderInput`] (a pure function in each module's `map.rs`), and
//! push stock, fulfilments and cancellations back. Nothing here touches the database:
//! the server turns [`Notice`]s into placements, cancellations and refunds, and decides
//! what to push when; a connector only speaks its channel's wire format.
//!
//! Adding a channel: one module like `shopify` (its `map.rs`, its client, its fake in
//! `fake/`), one arm in [`connector`], its row in `core::connector::requirements`.

use std::future::Future;
use std::pin::Pin;

use jiff::Timestamp;
use reqwest::header::HeaderMap;
use switchyard_core::Money;
use switchyard_core::catalog::ChannelKind;
use switchyard_core::connector::ConnectionDraft;
use switchyard_core::order::OrderInput;

pub mod amazon;
pub mod ebay;
mod error;
#[cfg(feature = "fake")]
pub mod fake;
pub mod http;
pub mod import;
pub mod shopify;
pub mod signature;
pub mod tokens;
pub mod woocommerce;

pub use error::ChannelError;

/// A future a connector returns; boxed so `Connector` can be a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A channel's connection as a connector uses it: the channel's code (written into each
/// `OrderInput` it maps) and its settings, credentials included.
#[derive(Debug, Clone)]
pub struct Connection {
    pub channel: String,
    pub kind: ChannelKind,
    pub settings: ConnectionDraft,
}

impl Connection {
    /// A credential the connection must have (core's `requirements` made sure of it).
    pub fn credential(&self, name: &str) -> Result<&str, ChannelError> {
        self.settings
            .credentials
            .get(name)
            .ok_or_else(|| ChannelError::Config(format!("the connection has no `{name}` credential")))
    }

    /// An option of the connection, if set.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.settings.options.get(name).map(String::as_str)
    }

    /// The API address for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.base_url)
    }
}

/// What a channel told us, in our terms.
#[derive(Debug, Clone)]
pub enum Notice {
    /// An order as the channel has it now. New (by channel and external id), it is
    /// placed; known, it is the same order and nothing is placed again.
    Order(Box<OrderInput>),
    /// The channel cancelled the order with this external id.
    Cancelled {
        external_id: String,
        reason: Option<String>,
    },
    /// The channel refunded the customer: recorded as a refund the channel paid.
    Refunded(ChannelRefund),
    /// Something about this order changed that the notification does not carry
    /// (Amazon's `ORDER_CHANGE`): fetch the order with [`Connector::order`].
    Changed { external_id: String },
    /// A notification about something we do not take (another topic); answered 200
    /// so the channel does not retry it, and dropped.
    Ignored { topic: String },
    /// An order the channel has that cannot be taken as it is (a line without a SKU,
    /// totals that do not add up): refused with `why` (its id and fields, no customer
    /// data), so a poll does not move on past it and asks for it again.
    Unmappable { external_id: String, why: String },
}

impl Notice {
    /// The notice for an order `error` says cannot be mapped; any other error back.
    pub fn unmappable(error: ChannelError) -> Result<Notice, ChannelError> {
        match &error {
            ChannelError::Unmappable { external_id, .. } => Ok(Notice::Unmappable {
                external_id: external_id.clone(),
                why: error.to_string(),
            }),
            _ => Err(error),
        }
    }
}

/// A refund made on the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRefund {
    /// The order's external id.
    pub external_id: String,
    /// The channel's id of the refund: the same refund told twice is recorded once.
    pub refund_id: String,
    pub amount: Money,
    pub reason: Option<String>,
}

/// Where a SKU is sold on a channel (one row of the listing map).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Listing {
    pub sku: String,
    /// The channel's product, listing, seller SKU or offer.
    pub listing_id: String,
    /// The part of it stock is set on (a Shopify inventory item, a WooCommerce
    /// variation), when the channel has one.
    pub item_id: Option<String>,
}

/// The quantity to offer of one listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockPush {
    pub listing: Listing,
    pub quantity: i64,
}

/// What the channel shows of one listing now (for the drift report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelStock {
    pub listing: Listing,
    /// `None` when the channel does not know the listing.
    pub quantity: Option<i64>,
}

/// A shipment to tell the channel about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fulfilment {
    /// The order's external id.
    pub external_id: String,
    /// Our shipment's id, which the channel may keep as its reference.
    pub shipment_id: String,
    pub lines: Vec<FulfilledLine>,
    /// The carrier's name as we know it (`ups`, `royal_mail`, ...).
    pub carrier: String,
    pub service: Option<String>,
    pub tracking_number: String,
    pub tracking_url: Option<String>,
    pub shipped_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfilledLine {
    /// The channel's id of the line, when the order came with one.
    pub external_id: Option<String>,
    pub sku: String,
    pub quantity: i64,
}

/// A cancellation made in Switchyard to tell the channel about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    pub external_id: String,
    /// The lines cancelled; empty for the whole order.
    pub lines: Vec<FulfilledLine>,
    pub reason: Option<String>,
}

/// One channel kind's connector. Every network call is made with no database
/// transaction open (the server calls these between its short transactions).
pub trait Connector: Send + Sync {
    /// Checks that an inbound notification comes from the channel (its signature over
    /// the raw `body`); `ChannelError::Forged` otherwise, answered 401 with nothing
    /// stored.
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), ChannelError>;

    /// What a verified notification says.
    fn parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<Vec<Notice>, ChannelError>;

    /// Checks the connection works (credentials accepted, API reachable): a line
    /// saying what was reached, for `switchyard channel test`.
    fn check(&self) -> BoxFuture<'_, Result<String, ChannelError>>;

    /// The orders created or changed at or after `since`, every page of them, each as
    /// the notices it amounts to (an order, and its cancellation if it is cancelled).
    fn orders_since(&self, since: Timestamp) -> BoxFuture<'_, Result<Vec<Notice>, ChannelError>>;

    /// One order as the notices it amounts to, by its external id.
    fn order<'a>(&'a self, external_id: &'a str) -> BoxFuture<'a, Result<Vec<Notice>, ChannelError>>;

    /// Every listing with a SKU on the channel, to fill the listing map.
    fn listings(&self) -> BoxFuture<'_, Result<Vec<Listing>, ChannelError>>;

    /// Sets the quantity offered of each listing; one result per push, in order.
    fn push_stock<'a>(&'a self, pushes: &'a [StockPush]) -> BoxFuture<'a, Vec<Result<(), ChannelError>>>;

    /// What the channel shows now of each listing.
    fn stock<'a>(&'a self, listings: &'a [Listing]) -> BoxFuture<'a, Result<Vec<ChannelStock>, ChannelError>>;

    /// Tells the channel an order (or part of it) shipped, with its tracking.
    fn push_fulfilment<'a>(&'a self, fulfilment: &'a Fulfilment) -> BoxFuture<'a, Result<(), ChannelError>>;

    /// Tells the channel an order (or some of its lines) was cancelled here.
    fn push_cancellation<'a>(&'a self, cancellation: &'a Cancellation) -> BoxFuture<'a, Result<(), ChannelError>>;
}

/// The connector for a connection, or `None` for a kind that has none.
pub fn connector(connection: Connection, http: http::Http) -> Option<Box<dyn Connector>> {
    match connection.kind {
        ChannelKind::Shopify => Some(Box::new(shopify::Shopify::new(connection, http))),
        ChannelKind::Woocommerce => Some(Box::new(woocommerce::WooCommerce::new(connection, http))),
        ChannelKind::Amazon => Some(Box::new(amazon::Amazon::new(connection, http))),
        ChannelKind::Ebay => Some(Box::new(ebay::Ebay::new(connection, http))),
        ChannelKind::Web | ChannelKind::Etsy | ChannelKind::Pos | ChannelKind::Wholesale | ChannelKind::Api => None,
    }
}
