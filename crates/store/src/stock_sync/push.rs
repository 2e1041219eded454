//! Claiming due stock pushes and recording how each went, like deliveries
//! (`outbox::claim`): a claim is a short transaction that leases rows to one worker
//! (`core::delivery::LEASE`) with a token; the worker calls the channel after it
//! commits and records each outcome in another short transaction, under the same
//! token. A worker that dies leaves its leases to run out. On PostgreSQL, workers of
//! several instances skip each other's locked rows.

use std::collections::BTreeMap;

use switchyard_core::connector::stock_retry_at;
use switchyard_core::delivery;
use switchyard_core::id::{self, ChannelId};

use super::offers::recompute;
use crate::db::{self, Arg, Sql, get_id, micros};
use crate::error::{StoreError, StoreResult};
use crate::{Backend, Store};

/// One SKU's figure leased to a worker to push, as it was at the claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedStock {
    pub sku: String,
    pub product_id: String,
    pub listing_id: String,
    pub item_id: Option<String>,
    /// The figure to push, and its version.
    pub offered: i64,
    pub version: i64,
    /// This push's number in a row of failures so far: 0 when the last one worked.
    pub tries: i64,
}

/// The pushes claimed for one channel, to make in one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelPushes {
    pub channel_id: ChannelId,
    /// The channel's code.
    pub channel: String,
    /// The lease's token, which recording the outcomes needs.
    pub lease: String,
    pub items: Vec<ClaimedStock>,
}

/// How one push went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    Pushed,
    /// Not taken. `permanent`: the channel refused it for good (it still comes back, on
    /// the schedule's longest pause: `core::connector::stock_retry_at`). `error` says
    /// why, without secrets.
    Failed {
        permanent: bool,
        error: String,
    },
}

/// Due rows not leased to a live worker, of channels whose connection pushes stock;
/// `$1` is now. Ordered by channel, so one channel's pushes come together.
const DUE: &str = "SELECT s.channel_id, c.code, s.product_id, p.sku, l.listing_id, l.item_id, s.offered, s.version, \
     s.tries FROM channel_stock s \
     JOIN channel_connection k ON k.channel_id = s.channel_id \
     JOIN channel c ON c.id = s.channel_id \
     JOIN channel_listing l ON l.channel_id = s.channel_id AND l.product_id = s.product_id \
     JOIN product p ON p.id = s.product_id \
     WHERE k.push_stock <> 0 AND c.archived_at IS NULL AND s.version > s.pushed_version AND s.next_try_at <= $1 \
     AND (s.lease_until IS NULL OR s.lease_until <= $1) \
     ORDER BY s.channel_id, s.next_try_at, s.product_id";

impl Store {
    /// Leases up to `limit` due pushes, grouped by channel, each with the figure and
    /// version of the moment of the claim.
    pub async fn claim_stock_pushes(&self, limit: i64) -> StoreResult<Vec<ChannelPushes>> {
        transact!(self, |tx| {
            let now = tx.now();
            let mut due = Sql::new(DUE);
            due.limit(limit.max(1));
            if self.backend == Backend::Postgres {
                due.push(" FOR UPDATE OF s SKIP LOCKED");
            }
            let rows = due.query().bind(micros(now)).fetch_all(&mut ***tx).await?;
            let until = micros(now.saturating_add(delivery::LEASE).unwrap_or(now));
            let mut claimed: BTreeMap<String, ChannelPushes> = BTreeMap::new();
            for row in &rows {
                let channel_id: ChannelId = get_id(row, "channel_id")?;
                let pushes = claimed.entry(channel_id.to_string()).or_insert_with(|| ChannelPushes {
                    channel_id,
                    channel: String::new(),
                    lease: format!("lse_{}", id::new_body(now)),
                    items: Vec::new(),
                });
                pushes.channel = row.try_get("code")?;
                pushes.items.push(ClaimedStock {
                    sku: row.try_get("sku")?,
                    product_id: row.try_get("product_id")?,
                    listing_id: row.try_get("listing_id")?,
                    item_id: row.try_get("item_id")?,
                    offered: row.try_get("offered")?,
                    version: row.try_get("version")?,
                    tries: row.try_get("tries")?,
                });
            }
            for pushes in claimed.values() {
                let mut lease = Sql::new("UPDATE channel_stock SET lease_until = ");
                lease
                    .bind(Arg::Int(until))
                    .push(", lease_token = ")
                    .bind(Arg::Text(pushes.lease.clone()))
                    .push(" WHERE channel_id = ")
                    .bind(Arg::Text(pushes.channel_id.to_string()))
                    .push(" AND product_id IN (")
                    .list(pushes.items.iter().map(|i| Arg::Text(i.product_id.clone())))
                    .push(")");
                lease.query().execute(&mut ***tx).await?;
            }
            Ok(claimed.into_values().collect())
        })
    }

    /// Records how each claimed push went, `(channel's pushes, outcome of each item in
    /// order, jitter)`, in one transaction, and only under the lease it was claimed
    /// with (a worker whose lease ran out records nothing: the row is another's).
    /// Pushed: the channel has that version's figure; a newer version, if one came
    /// meanwhile, stays due. Failed: tried again at `core::connector::stock_retry_at`.
    /// `jitter` is a draw from [0, 1) for the retry's pause.
    pub async fn record_stock_pushes(&self, results: &[(ChannelPushes, Vec<PushOutcome>, f64)]) -> StoreResult<()> {
        transact!(self, |tx| {
            let now = tx.now();
            for (pushes, outcomes, jitter) in results {
                for (item, outcome) in pushes.items.iter().zip(outcomes) {
                    let query = match outcome {
                        PushOutcome::Pushed => db::query(
                            "UPDATE channel_stock SET pushed_version = $1, pushed_offered = $2, pushed_at = $3, \
                             tries = 0, last_error = NULL, lease_until = NULL, lease_token = NULL, updated_at = $3 \
                             WHERE channel_id = $4 AND product_id = $5 AND lease_token = $6",
                        )
                        .bind(item.version)
                        .bind(item.offered),
                        PushOutcome::Failed { permanent, error } => {
                            let tries = u32::try_from(item.tries.saturating_add(1)).unwrap_or(u32::MAX);
                            let next = stock_retry_at(tries, *permanent, now, *jitter);
                            db::query(
                                "UPDATE channel_stock SET next_try_at = $1, last_error = $2, updated_at = $3, \
                                 tries = tries + 1, lease_until = NULL, lease_token = NULL \
                                 WHERE channel_id = $4 AND product_id = $5 AND lease_token = $6",
                            )
                            .bind(micros(next))
                            .bind(delivery::reply(error))
                        }
                    };
                    query
                        .bind(micros(now))
                        .bind(pushes.channel_id.as_str())
                        .bind(&item.product_id)
                        .bind(&pushes.lease)
                        .execute(&mut ***tx)
                        .await?;
                }
            }
            Ok(())
        })
    }

    /// Works out every figure of channel `key` again and makes a push of each due now,
    /// changed or not (`switchyard channel resync`): for a channel whose figures were
    /// changed by hand, or lost. Answers how many pushes were made due.
    pub async fn resync(&self, key: &str) -> StoreResult<usize> {
        let connection = self.stored_connection(key).await?;
        if !connection.settings.pushes.stock {
            return Err(StoreError::Conflict {
                code: "stock_pushes_off",
                message: format!("channel {key}'s connection does not push stock: turn pushes.stock on first"),
            });
        }
        let channel = connection.channel_id;
        transact!(self, |tx| recompute(tx, channel.as_str(), None, true).await)
    }
}
