//! Channel connections: what a valid connection to a sales channel is (where it is,
//! which credentials and options its kind needs, how often it is polled, which pushes
//! are on), and the one stock-sync rule, the quantity a channel is offered.
//!
//! The connectors themselves (HTTP, payload shapes) are in the `switchyard-channels`
//! crate; what they decide about money, orders and stock is here.

mod listing;
mod offer;
mod push;
mod retry;
mod settings;

pub use listing::{LISTING_ID_MAX, ListingDraft, ListingInput};
pub use offer::{StockBuffer, offered};
pub use push::{CHANNEL_ACTOR_PREFIX, ChannelPush, channel_actor, push_for};
pub use retry::stock_retry_at;
pub use settings::{
    ConnectionDraft, ConnectionInput, Credentials, POLL_INTERVAL_DEFAULT_SECONDS, POLL_INTERVAL_MAX_SECONDS,
    POLL_INTERVAL_MIN_SECONDS, Pushes, PushesInput, Requirements, requirements,
};
