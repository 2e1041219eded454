//! Rows for the append-only tables — the order timeline, the outbox, the stock
//! ledger and (SQLite) the order search index — written during a write transaction.
//! They are kept on the `WriteTx` and written as one multi-row INSERT per table just
//! before the commit: on PostgreSQL when the transaction finishes; on SQLite the rows
//! of every caller whose work went into the shared transaction are written together
//! before its one COMMIT. A
//! placement appends half a dozen such rows, and each statement run inside a write
//! turn holds up every writer queued behind it (SQLite) or keeps the row locks taken
//! so far (PostgreSQL).
//!
//! No write path reads these tables back, so deferring the rows changes nothing a
//! transaction can see; they commit or roll back with the rest of its work.

use std::collections::BTreeSet;

use crate::db::{Arg, Link, Sql, insert_rows};

use crate::error::{StoreError, StoreResult};

/// An append-only table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Journal {
    OrderEvent,
    Outbox,
    Movement,
    /// SQLite's full-text index of orders (`order_search`); PostgreSQL indexes the
    /// order's own columns.
    OrderSearch,
}

impl Journal {
    const ALL: [Journal; 4] = [
        Journal::OrderEvent,
        Journal::Outbox,
        Journal::Movement,
        Journal::OrderSearch,
    ];

    fn insert(self) -> &'static str {
        match self {
            Journal::OrderEvent => {
                "INSERT INTO order_event (id, order_id, kind, actor, message, data, created_at) VALUES "
            }
            Journal::Outbox => "INSERT INTO outbox_message (id, topic, aggregate_id, payload, created_at) VALUES ",
            Journal::Movement => {
                "INSERT INTO stock_movement (id, product_id, location_id, kind, on_hand_delta, reserved_delta, \
                 on_hand_after, reserved_after, reason, note, reference, actor, created_at) VALUES "
            }
            Journal::OrderSearch => {
                "INSERT INTO order_search (order_id, number, external_id, customer_email, customer_name) VALUES "
            }
        }
    }
}

/// The rows a transaction has appended and not yet written, per table.
#[derive(Debug, Default)]
pub(crate) struct Appends {
    rows: [Vec<Vec<Arg>>; 4],
}

impl Appends {
    pub(crate) fn push(&mut self, table: Journal, row: Vec<Arg>) {
        self.rows[table as usize].push(row);
    }

    /// Takes over `other`'s rows, after this one's.
    pub(crate) fn extend(&mut self, other: Appends) {
        for (mine, theirs) in self.rows.iter_mut().zip(other.rows) {
            mine.extend(theirs);
        }
    }

    /// Writes the rows, oldest first, and forgets them. The balances the ledger rows
    /// moved are marked changed for stock sync (`stock_change`), and the orders the
    /// timeline rows belong to for the report roll-ups (`report_change`), in the same
    /// transaction, so no change is committed without its marks.
    pub(crate) async fn write(&mut self, conn: &mut Link) -> StoreResult<()> {
        let changed = self.changed_balances();
        let orders = self.changed_orders();
        for table in Journal::ALL {
            let rows = std::mem::take(&mut self.rows[table as usize]);
            insert_rows(conn, table.insert(), &rows).await?;
        }
        mark_changed(conn, &changed).await?;
        mark_orders_changed(conn, &orders).await
    }

    /// The orders of the timeline rows, each once, in key order.
    fn changed_orders(&self) -> BTreeSet<String> {
        self.rows[Journal::OrderEvent as usize]
            .iter()
            .filter_map(|row| match row.get(1) {
                Some(Arg::Text(order)) => Some(order.clone()),
                _ => None,
            })
            .collect()
    }

    /// The (product, location) pairs of the ledger rows, each once, in key order (so
    /// concurrent transactions take the marks in the same order).
    fn changed_balances(&self) -> BTreeSet<(String, String)> {
        self.rows[Journal::Movement as usize]
            .iter()
            .filter_map(|row| match (row.get(1), row.get(2)) {
                (Some(Arg::Text(product)), Some(Arg::Text(location))) => Some((product.clone(), location.clone())),
                _ => None,
            })
            .collect()
    }
}

/// Bumps the `report_change` mark of each order (see the migration that made it).
async fn mark_orders_changed(conn: &mut Link, orders: &BTreeSet<String>) -> StoreResult<()> {
    let keys = orders.iter().map(|o| vec![Arg::Text(o.clone())]);
    bump(
        conn,
        "report_change (order_id, version)",
        "order_id",
        "report_change",
        keys,
    )
    .await
}

/// Bumps the `stock_change` mark of each balance (see the migration that made it).
async fn mark_changed(conn: &mut Link, changed: &BTreeSet<(String, String)>) -> StoreResult<()> {
    let keys = changed
        .iter()
        .map(|(product, location)| vec![Arg::Text(product.clone()), Arg::Text(location.clone())]);
    bump(
        conn,
        "stock_change (product_id, location_id, version)",
        "product_id, location_id",
        "stock_change",
        keys,
    )
    .await
}

/// Inserts a mark for each key, or adds one to the version of a mark already there.
///
/// A new mark starts at a random version, not at 1. A sweep deletes a mark only at
/// the version it read; with two sweeps at once (stock sync runs one per instance), a
/// sweep could read a mark, another take and delete it, a writer make it anew, and the
/// first then delete the new mark at the version it read, losing a change whose
/// figure it never saw. Starting each mark's life at a random version out of 2^62
/// makes a mark made again never carry a version an earlier reader holds.
async fn bump(
    conn: &mut Link,
    into: &str,
    key: &str,
    table: &str,
    keys: impl Iterator<Item = Vec<Arg>>,
) -> StoreResult<()> {
    let keys: Vec<Vec<Arg>> = keys.collect();
    for chunk in keys.chunks(1_000) {
        let start = getrandom::u64().map_err(|e| StoreError::Config(format!("no randomness available: {e}")))?;
        let start = Arg::Int((start >> 2) as i64 + 1);
        let mut sql = Sql::new(&format!("INSERT INTO {into} VALUES "));
        for (i, key) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.list(key.iter().cloned()).push(", ").bind(start.clone()).push(")");
        }
        sql.push(&format!(
            " ON CONFLICT ({key}) DO UPDATE SET version = {table}.version + 1"
        ));
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}
