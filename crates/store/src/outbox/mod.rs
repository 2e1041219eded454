//! The outbox: messages for the outside world (webhooks, email, channel stock pushes)
//! written in the same transaction as the change that caused them, so none is lost and
//! none is sent for a change that rolled back.
//!
//! After the write commits, a worker *dispatches* each message (`dispatch`): it gets its
//! place in the event feed and one delivery per destination that wants it. Workers then
//! *claim* due deliveries with a lease, make the call outside any transaction, and
//! *record* each try (`claim`). `history` answers what happened and sends again on
//! request; `feed` is the ordered event feed integrations pull.

mod claim;
mod dispatch;
mod feed;
mod history;

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::id::MessageId;

pub use claim::{Claimed, Report};
pub use dispatch::{Dispatch, Undispatched};
pub use feed::{DestinationStatus, Event, EventFilter, OutboxStatus};
pub(crate) use history::retry_in;
pub use history::{AttemptFilter, AttemptRecord};

use crate::db::{self, Arg, get_time, micros};
use crate::error::StoreResult;
use crate::journal::Journal;
use crate::{Store, WriteTx};

/// Adds a message to the outbox inside `tx`.
pub(crate) fn enqueue(tx: &mut WriteTx, now: Timestamp, topic: &str, aggregate_id: &str, payload: &serde_json::Value) {
    tx.append(
        Journal::Outbox,
        vec![
            Arg::Text(MessageId::new_at(now).to_string()),
            Arg::Text(topic.to_owned()),
            Arg::Text(aggregate_id.to_owned()),
            Arg::Text(payload.to_string()),
            Arg::Int(micros(now)),
        ],
    );
}

/// A message waiting in (or delivered from) the outbox.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    pub topic: String,
    pub aggregate_id: String,
    pub payload: serde_json::Value,
    pub created_at: Timestamp,
}

impl Store {
    /// The messages written for one aggregate, oldest first.
    pub async fn outbox_for(&self, aggregate_id: &str) -> StoreResult<Vec<OutboxMessage>> {
        let rows = db::query(
            "SELECT topic, aggregate_id, payload, created_at FROM outbox_message WHERE aggregate_id = $1 ORDER BY id",
        )
        .bind(aggregate_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OutboxMessage {
                    topic: row.try_get("topic")?,
                    aggregate_id: row.try_get("aggregate_id")?,
                    payload: serde_json::from_str(&row.try_get::<String, _>("payload")?)?,
                    created_at: get_time(row, "created_at")?,
                })
            })
            .collect()
    }
}
