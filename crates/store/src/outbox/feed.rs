//! The event feed integrations pull (ERP, accounting): every dispatched message in the
//! order of its place (`seq`). Places are handed out without gaps by dispatchers that
//! take turns, each committing its places at once, so a reader that asks for what
//! follows the last place it saw never skips one. Also the outbox's figures for
//! operators: what waits, for how long, what died, per destination.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use switchyard_core::delivery::DeliveryState;
use switchyard_core::id::MessageId;

use crate::Store;
use crate::db::{self, Arg, Sql, get_enum, get_id, get_time, micros, time};
use crate::error::StoreResult;

/// A dispatched message, as the feed and replays see it.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: MessageId,
    pub seq: i64,
    pub topic: String,
    pub aggregate_id: String,
    pub payload: serde_json::Value,
    /// The event as destinations receive it.
    pub body: serde_json::Value,
    pub created_at: Timestamp,
}

/// Which events to read.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only places after this one.
    pub after: i64,
    /// Only these event types (exact), when any are given.
    pub types: Vec<String>,
    /// Only events created at or after this time.
    pub since: Option<Timestamp>,
}

/// How many deliveries stand where, per destination, and the undispatched backlog.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxStatus {
    /// Messages committed and not yet dispatched.
    pub undispatched: i64,
    /// How long the oldest message waiting (undispatched, or with a delivery pending)
    /// has waited, in seconds.
    pub oldest_pending_seconds: f64,
    pub destinations: Vec<DestinationStatus>,
}

/// Deliveries to one destination that are not finished well: pending or dead. (Delivered
/// and skipped ones are not counted: they only grow, and the count would cost a scan.)
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DestinationStatus {
    /// `email`, or a webhook endpoint's id.
    pub destination: String,
    pub pending: i64,
    /// Deliveries whose every try failed; they wait for a retry by hand.
    pub dead: i64,
    /// How long its oldest pending delivery's message has waited, in seconds.
    pub oldest_pending_seconds: f64,
}

impl Store {
    /// Up to `limit` events of `filter`, in feed order.
    pub async fn events(&self, filter: &EventFilter, limit: i64) -> StoreResult<Vec<Event>> {
        let mut sql =
            Sql::new("SELECT id, seq, topic, aggregate_id, payload, body, created_at FROM outbox_message WHERE seq > ");
        sql.bind(Arg::Int(filter.after));
        if !filter.types.is_empty() {
            sql.push(" AND topic IN (")
                .list(filter.types.iter().map(|t| Arg::Text(t.clone())))
                .push(")");
        }
        if let Some(since) = filter.since {
            sql.push(" AND created_at >= ").bind(Arg::Int(micros(since)));
        }
        sql.push(" ORDER BY seq").limit(limit);
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(Event {
                    id: get_id(row, "id")?,
                    seq: row.try_get("seq")?,
                    topic: row.try_get("topic")?,
                    aggregate_id: row.try_get("aggregate_id")?,
                    payload: serde_json::from_str(&row.try_get::<String, _>("payload")?)?,
                    body: serde_json::from_str(&row.try_get::<Option<String>, _>("body")?.unwrap_or_default())
                        .unwrap_or(serde_json::Value::Null),
                    created_at: get_time(row, "created_at")?,
                })
            })
            .collect()
    }

    /// The outbox now: the undispatched backlog and deliveries per destination.
    pub async fn outbox_status(&self) -> StoreResult<OutboxStatus> {
        let now = self.now();
        let age = |oldest: Option<i64>| {
            oldest.map_or(0.0, |t| {
                now.duration_since(time(t)).max(SignedDuration::ZERO).as_secs_f64()
            })
        };
        let undispatched =
            db::query("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox_message WHERE seq IS NULL")
                .fetch_one(&self.pool)
                .await?;
        let rows = db::query(format!(
            "SELECT d.destination, d.state, COUNT(*) AS n, MIN(m.created_at) AS oldest FROM delivery d \
             JOIN outbox_message m ON m.id = d.message_id WHERE d.state IN {} \
             GROUP BY d.destination, d.state ORDER BY d.destination",
            db::one_of(DeliveryState::UNFINISHED),
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut oldest: Option<i64> = undispatched.try_get("oldest")?;
        let mut destinations: Vec<DestinationStatus> = Vec::new();
        for row in &rows {
            let destination: String = row.try_get("destination")?;
            if destinations.last().is_none_or(|d| d.destination != destination) {
                destinations.push(DestinationStatus {
                    destination,
                    ..DestinationStatus::default()
                });
            }
            let Some(entry) = destinations.last_mut() else { continue };
            let n: i64 = row.try_get("n")?;
            if get_enum(row, "state", DeliveryState::parse)? == DeliveryState::Pending {
                let first: Option<i64> = row.try_get("oldest")?;
                entry.pending = n;
                entry.oldest_pending_seconds = age(first);
                oldest = match (oldest, first) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            } else {
                entry.dead = n;
            }
        }
        Ok(OutboxStatus {
            undispatched: undispatched.try_get("n")?,
            oldest_pending_seconds: age(oldest),
            destinations,
        })
    }
}
