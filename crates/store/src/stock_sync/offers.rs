//! Working out what each channel is offered (`core::connector::offered`) and keeping
//! it in `channel_stock`: from the balances marked changed (`refresh_offers`), for a
//! channel whose listings or connection changed (`recompute_channel`), and for all of
//! a channel's listings at once (`resync`, in `push`).

use std::collections::{BTreeMap, BTreeSet};

use switchyard_core::connector::{StockBuffer, offered};

use crate::Store;
use crate::WriteTx;
use crate::connection::buffer;
use crate::db::{self, Arg, Sql, Target, micros};
use crate::error::StoreResult;

/// Rows per statement that names many products: well under both databases' limits
/// on bound parameters.
pub(super) const CHUNK: usize = 200;

/// What one `refresh_offers` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Changed balances taken.
    pub marks: usize,
    /// (channel, SKU) figures that changed: pushes now due.
    pub changed: usize,
}

/// The figures the formula gives now for the products listed on `channel` (those in
/// `products`, or all of them), by product id: what is available at the channel's
/// ship-from locations, less the listing's buffer or else the connection's, capped by
/// the connection's maximum. Products without a listing, or a channel without a
/// connection, have none.
pub(super) async fn figures<'a>(
    to: impl Into<Target<'a>>,
    channel: &str,
    products: Option<&[String]>,
) -> StoreResult<BTreeMap<String, i64>> {
    let mut sql = Sql::new(
        "SELECT l.product_id, l.buffer_kind, l.buffer_value, k.buffer_kind AS channel_buffer_kind, \
         k.buffer_value AS channel_buffer_value, k.max_offered, \
         (SELECT CAST(COALESCE(SUM(b.on_hand - b.reserved), 0) AS BIGINT) FROM stock_balance b \
          JOIN channel_location cl ON cl.location_id = b.location_id \
          WHERE cl.channel_id = l.channel_id AND b.product_id = l.product_id) AS available \
         FROM channel_listing l JOIN channel_connection k ON k.channel_id = l.channel_id",
    );
    sql.push(" WHERE l.channel_id = ").bind(Arg::Text(channel.to_owned()));
    if let Some(products) = products {
        sql.push(" AND l.product_id IN (")
            .list(products.iter().map(|p| Arg::Text(p.clone())))
            .push(")");
    }
    let rows = sql.query().fetch_all(to).await?;
    let mut out = BTreeMap::new();
    for row in &rows {
        let own = match (
            row.try_get::<Option<String>, _>("buffer_kind")?,
            row.try_get::<Option<i64>, _>("buffer_value")?,
        ) {
            (Some(kind), Some(value)) => Some(buffer(&kind, value)?),
            _ => None,
        };
        let channel_buffer = buffer(
            &row.try_get::<String, _>("channel_buffer_kind")?,
            row.try_get("channel_buffer_value")?,
        )?;
        let figure = offered(
            row.try_get("available")?,
            own.unwrap_or(channel_buffer),
            row.try_get("max_offered")?,
        );
        out.insert(row.try_get("product_id")?, figure);
    }
    Ok(out)
}

/// A listing's own buffer as its two columns (both NULL for none).
pub(super) fn own_buffer_columns(b: Option<StockBuffer>) -> (Option<&'static str>, Option<i64>) {
    match b.map(crate::connection::buffer_columns) {
        Some((kind, value)) => (Some(kind), Some(value)),
        None => (None, None),
    }
}

/// Works out the figures of `products` (all of the channel's listings for `None`) on
/// `channel`, whose connection pushes stock, inside `tx`, and makes a push due for
/// each that changed (each one, when `force`). Answers how many were made due.
///
/// Each `channel_stock` row is locked (inserted, or updated to itself, which takes the
/// row lock) BEFORE the balances are read. On PostgreSQL (READ COMMITTED) a second
/// transaction working out the same row waits on that lock until the first commits,
/// and only then reads the balances: each statement sees what was committed before it
/// started, so it reads balances at least as new as the first one did. Figures are
/// therefore written in the order of the balances they come from, each under a new
/// `version`, and a push (which carries the latest version) never sends an older
/// figure after a newer one, however many workers and instances refresh at once.
/// Reading first and locking after would let a slow transaction write the figure of
/// older balances over a newer one. Rows are locked in key order, so two
/// transactions never wait on each other in a circle. (SQLite runs one write
/// transaction at a time, which orders them anyway.)
pub(super) async fn recompute(
    tx: &mut WriteTx,
    channel: &str,
    products: Option<&[String]>,
    force: bool,
) -> StoreResult<usize> {
    let products: Vec<String> = match products {
        Some(products) => products.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect(),
        None => {
            db::query_scalar::<String>(
                "SELECT product_id FROM channel_listing WHERE channel_id = $1 ORDER BY product_id",
            )
            .bind(channel)
            .fetch_all(&mut ***tx)
            .await?
        }
    };
    let now = micros(tx.now());
    let mut due = 0;
    for chunk in products.chunks(CHUNK) {
        let stored = lock(tx, channel, chunk, now).await?;
        let figures = figures(&mut ***tx, channel, Some(chunk)).await?;
        for (product, (was, version)) in &stored {
            let Some(figure) = figures.get(product) else {
                // The listing went (or never was): nothing to offer or push.
                db::query("DELETE FROM channel_stock WHERE channel_id = $1 AND product_id = $2")
                    .bind(channel)
                    .bind(product)
                    .execute(&mut ***tx)
                    .await?;
                continue;
            };
            if force || *version == 0 || figure != was {
                // Due now, unless the last push failed: then at its retry time, so a
                // channel that is down is not called with every change. `force`
                // (a resync) starts over.
                db::query(
                    "UPDATE channel_stock SET offered = $1, version = version + 1, updated_at = $2, \
                     next_try_at = CASE WHEN $3 = 1 OR tries = 0 THEN $2 ELSE next_try_at END, \
                     tries = CASE WHEN $3 = 1 THEN 0 ELSE tries END \
                     WHERE channel_id = $4 AND product_id = $5",
                )
                .bind(*figure)
                .bind(now)
                .bind(i64::from(force))
                .bind(channel)
                .bind(product)
                .execute(&mut ***tx)
                .await?;
                due += 1;
            }
        }
    }
    Ok(due)
}

/// Locks (creating when new, at version 0) the `channel_stock` rows of `products`,
/// which are sorted and distinct, on `channel`; answers each one's stored figure and
/// version.
async fn lock(
    tx: &mut WriteTx,
    channel: &str,
    products: &[String],
    now: i64,
) -> StoreResult<BTreeMap<String, (i64, i64)>> {
    let mut sql = Sql::new(
        "INSERT INTO channel_stock (channel_id, product_id, offered, version, pushed_version, next_try_at, tries, \
         updated_at) VALUES ",
    );
    for (i, product) in products.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" });
        sql.list([
            Arg::Text(channel.to_owned()),
            Arg::Text(product.clone()),
            Arg::Int(0),
            Arg::Int(0),
            Arg::Int(0),
            Arg::Int(now),
            Arg::Int(0),
            Arg::Int(now),
        ])
        .push(")");
    }
    sql.push(
        " ON CONFLICT (channel_id, product_id) DO UPDATE SET updated_at = channel_stock.updated_at \
         RETURNING product_id, offered, version",
    );
    let rows = sql.query().fetch_all(&mut ***tx).await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("product_id")?,
                (row.try_get("offered")?, row.try_get("version")?),
            ))
        })
        .collect()
}

/// The channels whose connection pushes stock and that list one of `products`, each
/// with the products it lists, in key order.
async fn listed_on(tx: &mut WriteTx, products: &[String]) -> StoreResult<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for chunk in products.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT l.channel_id, l.product_id FROM channel_listing l \
             JOIN channel_connection k ON k.channel_id = l.channel_id JOIN channel c ON c.id = l.channel_id \
             WHERE k.push_stock <> 0 AND c.archived_at IS NULL AND l.product_id IN (",
        );
        sql.list(chunk.iter().map(|p| Arg::Text(p.clone()))).push(")");
        for row in sql.query().fetch_all(&mut ***tx).await? {
            out.entry(row.try_get("channel_id")?)
                .or_default()
                .push(row.try_get("product_id")?);
        }
    }
    Ok(out)
}

/// Works out every figure of channel `channel` again, inside `tx`, when its connection
/// pushes stock: after its connection, ship-from locations or listings changed.
pub(crate) async fn recompute_channel(tx: &mut WriteTx, channel: &str) -> StoreResult<usize> {
    let pushes = db::query_scalar::<i64>(
        "SELECT k.push_stock FROM channel_connection k JOIN channel c ON c.id = k.channel_id \
         WHERE k.channel_id = $1 AND c.archived_at IS NULL",
    )
    .bind(channel)
    .fetch_optional(&mut ***tx)
    .await?
    .is_some_and(|push| push != 0);
    if !pushes {
        return Ok(0);
    }
    recompute(tx, channel, None, false).await
}

impl Store {
    /// Takes up to `limit` balances marked changed, works out the figure of every
    /// (channel, SKU) they touch (channels whose connection pushes stock and that list
    /// the SKU) and makes a push due for each that changed; all in one transaction.
    /// A mark is removed only at the version read: a balance changed again meanwhile
    /// stays marked, and is looked at again by the next refresh.
    pub async fn refresh_offers(&self, limit: i64) -> StoreResult<Refreshed> {
        // Most rounds find nothing: a read, not a write turn, says so.
        let marked = db::query_scalar::<i64>("SELECT 1 FROM stock_change LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        if marked.is_none() {
            return Ok(Refreshed::default());
        }
        transact!(self, |tx| {
            let mut read =
                Sql::new("SELECT product_id, location_id, version FROM stock_change ORDER BY product_id, location_id");
            read.limit(limit.max(1));
            let marks: Vec<(String, String, i64)> = read
                .query()
                .fetch_all(&mut ***tx)
                .await?
                .iter()
                .map(|row| {
                    Ok((
                        row.try_get("product_id")?,
                        row.try_get("location_id")?,
                        row.try_get("version")?,
                    ))
                })
                .collect::<StoreResult<_>>()?;
            if marks.is_empty() {
                return Ok(Refreshed::default());
            }
            let products: Vec<String> = marks
                .iter()
                .map(|(product, _, _)| product.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut changed = 0;
            for (channel, listed) in listed_on(tx, &products).await? {
                changed += recompute(tx, &channel, Some(&listed), false).await?;
            }
            for chunk in marks.chunks(CHUNK) {
                let mut done = Sql::new("DELETE FROM stock_change WHERE ");
                for (i, (product, location, version)) in chunk.iter().enumerate() {
                    done.push(if i == 0 { "(product_id = " } else { " OR (product_id = " })
                        .bind(Arg::Text(product.clone()))
                        .push(" AND location_id = ")
                        .bind(Arg::Text(location.clone()))
                        .push(" AND version = ")
                        .bind(Arg::Int(*version))
                        .push(")");
                }
                done.query().execute(&mut ***tx).await?;
            }
            Ok(Refreshed {
                marks: marks.len(),
                changed,
            })
        })
    }
}
