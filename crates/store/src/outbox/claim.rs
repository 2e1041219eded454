//! Claiming due deliveries and recording each try. A claim is a short transaction that
//! leases the deliveries to one worker (`core::delivery::LEASE`); the worker makes its
//! calls after it commits, and records each outcome in another short transaction. A
//! worker that dies leaves its leases to run out; another then claims the deliveries
//! again. On PostgreSQL, workers of several instances skip each other's locked rows.

use std::time::Duration;

use jiff::Timestamp;
use switchyard_core::delivery::{self, DeliveryState, Destination, Next, Outcome};
use switchyard_core::id::{AttemptId, DeliveryId, MessageId};

use crate::db::{self, Arg, get_id, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::{Backend, Store};

/// A delivery leased to a worker, with the message it carries.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: DeliveryId,
    pub destination: Destination,
    pub message: MessageId,
    pub seq: i64,
    pub topic: String,
    pub aggregate_id: String,
    pub occurred_at: Timestamp,
    pub payload: serde_json::Value,
    pub body: serde_json::Value,
    /// This try's number: 1 for the first.
    pub tries: u32,
}

/// How one try went, as its sender saw it.
#[derive(Debug, Clone)]
pub struct Report {
    pub outcome: Outcome,
    /// The HTTP status or SMTP reply code the destination answered.
    pub status_code: Option<u16>,
    /// The head of the answer, or the error.
    pub reply: Option<String>,
    pub latency: Duration,
}

/// Due, pending deliveries with no earlier pending delivery of the same key to the
/// same destination, and not leased to a live worker; `$1` is now, `$2` how many.
fn due() -> String {
    let pending = db::is(DeliveryState::Pending);
    format!(
        "SELECT d.id FROM delivery d WHERE d.state = {pending} AND d.next_try_at <= $1 \
         AND (d.leased_until IS NULL OR d.leased_until <= $1) \
         AND NOT EXISTS (SELECT 1 FROM delivery e WHERE e.destination = d.destination \
             AND e.ordering_key = d.ordering_key AND e.state = {pending} AND e.seq < d.seq) \
         ORDER BY d.next_try_at, d.seq LIMIT $2"
    )
}

impl Store {
    /// Leases up to `limit` due deliveries to `owner` and returns them with their
    /// messages, each try counted as it is claimed.
    pub async fn claim_deliveries(&self, owner: &str, limit: i64) -> StoreResult<Vec<Claimed>> {
        let ids: Vec<String> = transact!(self, |tx| {
            let now = tx.now();
            let due = match self.backend {
                Backend::Postgres => format!("{} FOR UPDATE OF d SKIP LOCKED", due()),
                Backend::Sqlite => due(),
            };
            let ids: Vec<String> = db::query_scalar::<String>(due)
                .bind(micros(now))
                .bind(limit)
                .fetch_all(&mut ***tx)
                .await?;
            if !ids.is_empty() {
                let until = now.saturating_add(delivery::LEASE).unwrap_or(now);
                let mut lease = db::Sql::new("UPDATE delivery SET tries = tries + 1, lease_owner = ");
                lease.bind(Arg::Text(owner.to_owned())).push(", leased_until = ");
                lease.bind(Arg::Int(micros(until))).push(" WHERE id IN (");
                lease.list(ids.iter().map(|id| Arg::Text(id.clone()))).push(")");
                lease.query().execute(&mut ***tx).await?;
            }
            Ok(ids)
        })?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut read = db::Sql::new(
            "SELECT d.id, d.destination, d.tries, d.seq, m.id AS message_id, m.topic, m.aggregate_id, m.payload, \
             m.body, m.created_at FROM delivery d JOIN outbox_message m ON m.id = d.message_id WHERE d.id IN (",
        );
        read.list(ids.into_iter().map(Arg::Text)).push(") ORDER BY d.seq");
        let rows = read.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let destination: String = row.try_get("destination")?;
                Ok(Claimed {
                    delivery: get_id(row, "id")?,
                    destination: Destination::parse(&destination)
                        .map_err(|e| StoreError::Corrupt(format!("delivery destination {destination:?}: {e:?}")))?,
                    message: get_id(row, "message_id")?,
                    seq: row.try_get("seq")?,
                    topic: row.try_get("topic")?,
                    aggregate_id: row.try_get("aggregate_id")?,
                    occurred_at: get_time(row, "created_at")?,
                    payload: serde_json::from_str(&row.try_get::<String, _>("payload")?)?,
                    body: serde_json::from_str(&row.try_get::<Option<String>, _>("body")?.unwrap_or_default())
                        .unwrap_or(serde_json::Value::Null),
                    tries: u32::try_from(row.try_get::<i64, _>("tries")?).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    /// Records the tries of a round, each `(job, report, jitter)`, in one transaction,
    /// and moves each delivery on (`core::delivery::after`): finished, or pending until
    /// its next try. If `owner`'s lease ran out and another worker took a delivery
    /// meanwhile, its try is recorded and the delivery left to that worker. `jitter` is
    /// a draw from [0, 1) for the retry's pause. Answers what comes next for each.
    pub async fn record_tries(&self, owner: &str, tries: &[(Claimed, Report, f64)]) -> StoreResult<Vec<Next>> {
        if tries.is_empty() {
            return Ok(Vec::new());
        }
        transact!(self, |tx| {
            let now = tx.now();
            let mut nexts = Vec::with_capacity(tries.len());
            let mut attempts = Vec::with_capacity(tries.len());
            for (job, report, jitter) in tries {
                let next = delivery::after(report.outcome, job.tries, now, *jitter);
                let (state, next_try_at, finished_at) = match next {
                    Next::Finished(state) => (state, now, Some(micros(now))),
                    Next::RetryAt(at) => (DeliveryState::Pending, at, None),
                };
                db::query(
                    "UPDATE delivery SET state = $1, next_try_at = $2, finished_at = $3, lease_owner = NULL, \
                     leased_until = NULL WHERE id = $4 AND lease_owner = $5",
                )
                .bind(state.as_str())
                .bind(micros(next_try_at))
                .bind(finished_at)
                .bind(job.delivery.as_str())
                .bind(owner)
                .execute(&mut ***tx)
                .await?;
                attempts.push(vec![
                    Arg::Text(AttemptId::new_at(now).to_string()),
                    Arg::Text(job.delivery.to_string()),
                    Arg::Text(job.message.to_string()),
                    Arg::Text(job.destination.as_text().to_owned()),
                    Arg::Int(i64::from(job.tries)),
                    Arg::Text(report.outcome.attempt().as_str().to_owned()),
                    Arg::OptInt(report.status_code.map(i64::from)),
                    Arg::OptText(report.reply.as_deref().map(|r| delivery::reply(r).to_owned())),
                    Arg::Int(i64::try_from(report.latency.as_millis()).unwrap_or(i64::MAX)),
                    Arg::Int(micros(now)),
                ]);
                nexts.push(next);
            }
            db::insert_rows(
                tx,
                "INSERT INTO delivery_attempt (id, delivery_id, message_id, destination, try_number, outcome, \
                 status_code, reply, latency_ms, attempted_at) VALUES ",
                &attempts,
            )
            .await?;
            Ok(nexts)
        })
    }
}
