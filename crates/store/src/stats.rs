//! Figures operators watch, read at scrape time by cheap counts on indexed columns:
//! the order backlog, shipments late to leave, and the outbox's undelivered messages.

use jiff::SignedDuration;
use switchyard_core::catalog::ChannelKind;
use switchyard_core::order::{FulfilmentStatus, OrderStatus};

use crate::Store;
use crate::db::{self, micros};
use crate::error::StoreResult;
use crate::outbox::DestinationStatus;
use crate::shipment::late_on_the_floor;

/// What `/metrics` reports of the business, as of `Store::now`.
#[derive(Debug, Clone)]
pub struct Stats {
    /// Open or held orders whose goods have not all left.
    pub backlog: i64,
    /// Shipments still on the floor after the time they were promised to leave.
    pub late_shipments: i64,
    /// Outbox messages not yet dispatched, and deliveries not yet made.
    pub outbox_pending: i64,
    /// How long the oldest of them has waited (zero when there is none).
    pub outbox_oldest_age: SignedDuration,
    /// Deliveries pending and dead, per destination.
    pub destinations: Vec<DestinationStatus>,
}

impl Store {
    /// The backlog, late shipments and outbox lag now.
    pub async fn stats(&self) -> StoreResult<Stats> {
        let now = self.now();
        let backlog = db::query_scalar::<i64>(format!(
            "SELECT COUNT(*) FROM sales_order WHERE status IN {} AND fulfilment_status IN {}",
            db::one_of(OrderStatus::LIVE),
            db::one_of(FulfilmentStatus::NOT_SHIPPED),
        ))
        .fetch_one(&self.pool)
        .await?;
        let late_shipments = db::query_scalar::<i64>(format!(
            "SELECT COUNT(*) FROM shipment s WHERE {} AND s.promised_ship_at < $1",
            late_on_the_floor("s"),
        ))
        .bind(micros(now))
        .fetch_one(&self.pool)
        .await?;
        let outbox = self.outbox_status().await?;
        Ok(Stats {
            backlog,
            late_shipments,
            outbox_pending: outbox.undispatched + outbox.destinations.iter().map(|d| d.pending).sum::<i64>(),
            outbox_oldest_age: SignedDuration::try_from_secs_f64(outbox.oldest_pending_seconds)
                .unwrap_or(SignedDuration::ZERO),
            destinations: outbox.destinations,
        })
    }

    /// The kind of the channel with this code, if there is one: a label from a fixed
    /// set for counting its orders.
    pub async fn channel_kind(&self, code: &str) -> StoreResult<Option<ChannelKind>> {
        let kind: Option<String> = db::query_scalar("SELECT kind FROM channel WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        Ok(kind.and_then(|k| ChannelKind::parse(&k).ok()))
    }
}
