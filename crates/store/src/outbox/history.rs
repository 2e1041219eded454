//! What became of deliveries — every try, listed per destination or per message — and
//! sending again on request: a dead or waiting delivery retried now, every message since
//! a time replayed to one destination, or a message of its own to one destination (a
//! webhook endpoint's test event).

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::delivery::{self, AttemptOutcome, DeliveryState, Destination};
use switchyard_core::id::{AttemptId, DeliveryId, MessageId};

use super::dispatch::{add_delivery, give_back_places, take_places};
use super::feed::Event;
use crate::Store;
use crate::db::{self, Arg, Sql, get_enum, get_id, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};

/// Which tries to list.
#[derive(Debug, Clone, Default)]
pub struct AttemptFilter {
    pub destination: Option<Destination>,
    pub message: Option<MessageId>,
}

/// One try at a delivery.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptRecord {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: AttemptId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub delivery_id: DeliveryId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub message_id: MessageId,
    /// The event type of the message.
    pub event_type: String,
    /// `email`, or the webhook endpoint's id.
    pub destination: String,
    /// 1 for the first try of the delivery.
    pub try_number: i64,
    pub outcome: AttemptOutcome,
    /// The HTTP status the receiver answered, or the SMTP reply code.
    pub status_code: Option<i64>,
    /// The head of the receiver's answer, or the error.
    pub reply: Option<String>,
    pub latency_ms: i64,
    pub attempted_at: Timestamp,
}

impl Store {
    /// Tries, newest first.
    pub async fn attempts(&self, filter: &AttemptFilter, page: &PageRequest) -> StoreResult<Page<AttemptRecord>> {
        let mut sql = Sql::new(
            "SELECT a.id, a.delivery_id, a.message_id, m.topic, a.destination, a.try_number, a.outcome, \
             a.status_code, a.reply, a.latency_ms, a.attempted_at FROM delivery_attempt a \
             JOIN outbox_message m ON m.id = a.message_id",
        );
        if let Some(destination) = &filter.destination {
            sql.filter("a.destination = ", Arg::Text(destination.as_text().to_owned()), "");
        }
        if let Some(message) = &filter.message {
            sql.filter("a.message_id = ", Arg::Text(message.to_string()), "");
        }
        if let Some(cursor) = &page.cursor {
            sql.filter("a.id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY a.id DESC").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(AttemptRecord {
                    id: get_id(row, "id")?,
                    delivery_id: get_id(row, "delivery_id")?,
                    message_id: get_id(row, "message_id")?,
                    event_type: row.try_get("topic")?,
                    destination: row.try_get("destination")?,
                    try_number: row.try_get("try_number")?,
                    outcome: get_enum(row, "outcome", AttemptOutcome::parse)?,
                    status_code: row.try_get("status_code")?,
                    reply: row.try_get("reply")?,
                    latency_ms: row.try_get("latency_ms")?,
                    attempted_at: get_time(row, "attempted_at")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit(), |a| a.id.to_string()))
    }

    /// Sends `message` to `destination` again as soon as a worker is free: its latest
    /// delivery there, whether dead, waiting for its next try or already delivered,
    /// becomes due now (a delivered one gets a new delivery, so its history stays).
    /// Not found when the message never went there.
    pub async fn retry_delivery(&self, destination: &Destination, message: &MessageId) -> StoreResult<DeliveryId> {
        transact!(self, |tx| {
            let now = tx.now();
            retry_in(tx, now, destination, message).await
        })
    }

    /// Sends `events` (read with `events_since` and chosen by the caller, who knows what
    /// the destination wants) to `destination` again, as new deliveries in feed order;
    /// returns how many.
    pub async fn replay(&self, destination: &Destination, events: &[Event]) -> StoreResult<u64> {
        if events.is_empty() {
            return Ok(0);
        }
        transact!(self, |tx| {
            let now = tx.now();
            let rows: Vec<Vec<Arg>> = events
                .iter()
                .map(|event| {
                    vec![
                        Arg::Text(DeliveryId::new_at(now).to_string()),
                        Arg::Text(event.id.to_string()),
                        Arg::Int(event.seq),
                        Arg::Text(destination.as_text().to_owned()),
                        Arg::Text(delivery::ordering_key(&event.aggregate_id, &event.payload).to_owned()),
                        Arg::Text(DeliveryState::Pending.as_str().to_owned()),
                        Arg::Int(0),
                        Arg::Int(micros(now)),
                        Arg::Int(micros(now)),
                    ]
                })
                .collect();
            db::insert_rows(
                tx,
                "INSERT INTO delivery (id, message_id, seq, destination, ordering_key, state, tries, next_try_at, \
                 created_at) VALUES ",
                &rows,
            )
            .await?;
            Ok(rows.len() as u64)
        })
    }

    /// Forgets deliveries delivered or skipped more than `core::delivery::RETAIN` ago,
    /// with their tries, up to 10,000 a call (the sweep calls again every 30 s); dead
    /// and pending ones stay. Answers how many deliveries went.
    pub async fn prune_deliveries(&self) -> StoreResult<u64> {
        let before = micros(self.now().saturating_sub(delivery::RETAIN).unwrap_or(self.now()));
        let done = db::one_of(DeliveryState::DONE);
        let old = format!("SELECT id FROM delivery WHERE state IN {done} AND finished_at < $1 LIMIT 10000");
        transact!(self, |tx| {
            db::query(format!("DELETE FROM delivery_attempt WHERE delivery_id IN ({old})"))
                .bind(before)
                .execute(&mut ***tx)
                .await?;
            let pruned = db::query(format!("DELETE FROM delivery WHERE id IN ({old})"))
                .bind(before)
                .execute(&mut ***tx)
                .await?;
            Ok(pruned.rows_affected())
        })
    }

    /// Writes a message of its own that goes to `destination` only (a test event), and
    /// dispatches it at once.
    pub async fn enqueue_to(
        &self,
        destination: &Destination,
        topic: &str,
        aggregate_id: &str,
        payload: &serde_json::Value,
        body: &serde_json::Value,
    ) -> StoreResult<MessageId> {
        transact!(self, |tx| {
            let now = tx.now();
            let seq = take_places(tx).await?;
            let id = MessageId::new_at(now);
            db::query(
                "INSERT INTO outbox_message (id, topic, aggregate_id, payload, created_at, seq, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id.as_str())
            .bind(topic)
            .bind(aggregate_id)
            .bind(payload.to_string())
            .bind(micros(now))
            .bind(seq)
            .bind(body.to_string())
            .execute(&mut ***tx)
            .await?;
            add_delivery(tx, now, &id, seq, destination, aggregate_id).await?;
            give_back_places(tx, seq + 1).await?;
            Ok(id)
        })
    }
}

/// `Store::retry_delivery` inside a transaction of the caller's.
pub(crate) async fn retry_in(
    tx: &mut crate::WriteTx,
    now: Timestamp,
    destination: &Destination,
    message: &MessageId,
) -> StoreResult<DeliveryId> {
    let latest = db::query(
        "SELECT id, seq, ordering_key, state FROM delivery WHERE destination = $1 AND message_id = $2 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(destination.as_text())
    .bind(message.as_str())
    .fetch_optional(&mut ***tx)
    .await?
    .ok_or_else(|| StoreError::not_found("message", message.as_str()))?;
    let state = get_enum(&latest, "state", DeliveryState::parse)?;
    if DeliveryState::UNFINISHED.contains(&state) {
        let id: DeliveryId = get_id(&latest, "id")?;
        db::query("UPDATE delivery SET state = $1, next_try_at = $2, finished_at = NULL WHERE id = $3")
            .bind(DeliveryState::Pending.as_str())
            .bind(micros(now))
            .bind(id.as_str())
            .execute(&mut ***tx)
            .await?;
        return Ok(id);
    }
    let seq: i64 = latest.try_get("seq")?;
    let key: String = latest.try_get("ordering_key")?;
    add_delivery(tx, now, message, seq, destination, &key).await
}
