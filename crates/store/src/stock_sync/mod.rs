//! Stock sync, the store's side: the listing map (which channel listing sells which of
//! our SKUs), the quantity each channel is offered of each listed SKU
//! (`core::connector::offered`, kept in `channel_stock`), and the pushes that tell the
//! channels. The design is in the comments of the migration that made the tables
//! (`0018_channel_connections.sql`); in short:
//!
//! - Every ledger row marks its balance changed (`stock_change`, same transaction).
//!   `refresh_offers` takes the marks, works out the figure of each (channel, SKU) the
//!   balance touches and, when it changed, bumps the row's `version`: a push is due.
//!   Many changes before the next push are one push with the latest figure.
//! - A listing or connection change works out that channel's figures at once.
//! - `claim_stock_pushes` leases due rows to one worker, with the figure and version
//!   at claim time; the worker calls the channel with no transaction open;
//!   `record_stock_pushes` records each outcome under the same lease: the version
//!   pushed, or the next try on the delivery schedule (`core::connector::stock_retry_at`).
//!
//! Why an older figure never follows a newer one: figures are worked out under the row
//! lock (see `offers::recompute`), so versions are in the order of the balances they
//! were read from; one (channel, SKU) is leased to one worker at a time, and each push
//! carries the latest version at its claim, so what a channel is sent only moves forward.

mod listings;
mod offers;
mod push;
mod report;
#[cfg(test)]
mod tests;

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::connector::StockBuffer;

pub use listings::ListingImport;
pub use offers::Refreshed;
pub(crate) use offers::recompute_channel;
pub use push::{ChannelPushes, ClaimedStock, PushOutcome};
pub use report::{ChannelOffer, StockStatus};

/// One row of a channel's listing map, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Listing {
    #[cfg_attr(feature = "openapi", schema(example = "TEE-BLK-M"))]
    pub sku: String,
    /// The channel's product, listing, seller SKU or offer.
    #[cfg_attr(feature = "openapi", schema(example = "632910392"))]
    pub listing_id: String,
    /// The part of the listing stock is set on, when the channel has one.
    #[cfg_attr(feature = "openapi", schema(example = "808950810"))]
    pub item_id: Option<String>,
    /// This SKU's own buffer; `null` when the connection's applies.
    pub buffer: Option<StockBuffer>,
    /// What the channel is offered now; `null` until worked out (stock pushes off).
    pub offered: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
