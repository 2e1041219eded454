//! Dispatching: a committed message gets its place in the event feed, the event as
//! receivers will see it, and one delivery per destination that wants it. The caller
//! (the server's worker) decides the body and the destinations from what it reads
//! before the transaction; the transaction only takes the next places in turn and
//! writes the rows, so dispatchers on several instances never hand out a place twice.

use jiff::Timestamp;
use switchyard_core::delivery::{DeliveryState, Destination};
use switchyard_core::id::{DeliveryId, MessageId};

use crate::db::{self, get_id, get_time, micros};
use crate::error::StoreResult;
use crate::{Store, WriteTx};

/// A committed message no dispatcher has taken yet.
#[derive(Debug, Clone)]
pub struct Undispatched {
    pub id: MessageId,
    pub topic: String,
    pub aggregate_id: String,
    pub payload: serde_json::Value,
    pub created_at: Timestamp,
}

/// What a dispatcher decided for one message.
#[derive(Debug, Clone)]
pub struct Dispatch {
    pub message: MessageId,
    /// The event as every destination receives it.
    pub body: serde_json::Value,
    /// Deliveries of one key to one destination go out in order (`core::delivery::ordering_key`).
    pub ordering_key: String,
    pub destinations: Vec<Destination>,
}

impl Store {
    /// Up to `limit` committed messages not yet dispatched, oldest first.
    pub async fn undispatched(&self, limit: i64) -> StoreResult<Vec<Undispatched>> {
        let rows = db::query(
            "SELECT id, topic, aggregate_id, payload, created_at FROM outbox_message WHERE seq IS NULL \
             ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Undispatched {
                    id: get_id(row, "id")?,
                    topic: row.try_get("topic")?,
                    aggregate_id: row.try_get("aggregate_id")?,
                    payload: serde_json::from_str(&row.try_get::<String, _>("payload")?)?,
                    created_at: get_time(row, "created_at")?,
                })
            })
            .collect()
    }

    /// Gives each message of `batch` the next place in the feed, in the batch's order,
    /// with its body and deliveries. A message another dispatcher took meanwhile is
    /// left as it is. Returns how many this call dispatched.
    pub async fn dispatch(&self, batch: &[Dispatch]) -> StoreResult<usize> {
        if batch.is_empty() {
            return Ok(0);
        }
        transact!(self, |tx| {
            let now = tx.now();
            let mut seq = take_places(tx).await?;
            let mut done = 0;
            for item in batch {
                let placed = db::query("UPDATE outbox_message SET seq = $1, body = $2 WHERE id = $3 AND seq IS NULL")
                    .bind(seq)
                    .bind(item.body.to_string())
                    .bind(item.message.as_str())
                    .execute(&mut ***tx)
                    .await?;
                if placed.rows_affected() == 0 {
                    continue;
                }
                for destination in &item.destinations {
                    add_delivery(tx, now, &item.message, seq, destination, &item.ordering_key).await?;
                }
                seq += 1;
                done += 1;
            }
            give_back_places(tx, seq).await?;
            Ok(done)
        })
    }
}

/// The next free place of the feed, with the sequence row held until the transaction ends.
pub(super) async fn take_places(tx: &mut WriteTx) -> StoreResult<i64> {
    Ok(
        db::query_scalar::<i64>("UPDATE outbox_sequence SET next_seq = next_seq WHERE id = 1 RETURNING next_seq")
            .fetch_one(&mut ***tx)
            .await?,
    )
}

/// Records `next` as the next free place.
pub(super) async fn give_back_places(tx: &mut WriteTx, next: i64) -> StoreResult<()> {
    db::query("UPDATE outbox_sequence SET next_seq = $1 WHERE id = 1")
        .bind(next)
        .execute(&mut ***tx)
        .await?;
    Ok(())
}

/// A pending delivery of message `message` (place `seq`) to `destination`, due now.
pub(super) async fn add_delivery(
    tx: &mut WriteTx,
    now: Timestamp,
    message: &MessageId,
    seq: i64,
    destination: &Destination,
    ordering_key: &str,
) -> StoreResult<DeliveryId> {
    let id = DeliveryId::new_at(now);
    db::query(
        "INSERT INTO delivery (id, message_id, seq, destination, ordering_key, state, tries, next_try_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)",
    )
    .bind(id.as_str())
    .bind(message.as_str())
    .bind(seq)
    .bind(destination.as_text())
    .bind(ordering_key)
    .bind(DeliveryState::Pending.as_str())
    .bind(micros(now))
    .execute(&mut ***tx)
    .await?;
    Ok(id)
}
