//! Products, kits, locations and channels: creation, look-up by id or natural key (a
//! product's `sku`, a location's or channel's `code`), cursor-paged lists, changes and
//! archiving. Each change reads what it decides on inside its transaction, asks
//! `core::catalog` whether it may happen, and writes what core decided.

mod channel;
mod kit;
mod location;
mod product;

pub use channel::Channel;
pub use location::Location;
pub(crate) use location::zones_of;
pub use product::{Component, Product};

use jiff::Timestamp;
use switchyard_core::validation::Invalid;

use crate::db::{self, Arg, DbError, Row, Sql, micros};
use crate::error::{StoreError, StoreResult};
use crate::page::PageRequest;
use crate::{Store, WriteTx};

/// Filters of the catalog lists.
#[derive(Debug, Clone, Default)]
pub struct CatalogFilter {
    /// Case-insensitive text to find in codes, names and barcodes.
    pub q: Option<String>,
    pub include_archived: bool,
    pub updated_since: Option<Timestamp>,
}

/// A catalog table: its columns, its natural key, and how to tell an id from a key.
struct Table {
    name: &'static str,
    columns: &'static str,
    key: &'static str,
    is_id: fn(&str) -> bool,
}

/// The row of `table` whose id, or else natural key, is `key`, read through `db` (the
/// pool, or the connection of a transaction in progress).
async fn find_row<'c>(db: impl Into<db::Target<'c>>, table: &Table, key: &str) -> StoreResult<Option<Row>> {
    let column = if (table.is_id)(key) { "id" } else { table.key };
    let sql = format!("SELECT {} FROM {} WHERE {column} = $1", table.columns, table.name);
    Ok(db::query(sql).bind(key).fetch_optional(db).await?)
}

/// Like `find_row`, but a missing row is `NotFound`.
async fn get_row<'c>(db: impl Into<db::Target<'c>>, table: &Table, key: &str) -> StoreResult<Row> {
    find_row(db, table, key)
        .await?
        .ok_or_else(|| StoreError::not_found(table.name, key))
}

/// Adds the catalog filters shared by the three lists; `search` lists the columns `q` looks in.
fn catalog_filter(sql: &mut Sql, filter: &CatalogFilter, search: &[&str], page: &PageRequest, key: &str) {
    if !filter.include_archived {
        sql.push(if sql.text.contains(" WHERE ") {
            " AND archived_at IS NULL"
        } else {
            " WHERE archived_at IS NULL"
        });
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        sql.search(search, q);
    }
    if let Some(since) = filter.updated_since {
        sql.filter("updated_at >= ", Arg::Int(micros(since)), "");
    }
    if let Some(cursor) = &page.cursor {
        sql.filter(&format!("{key} > "), Arg::Text(cursor.clone()), "");
    }
    sql.push(&format!(" ORDER BY {key}")).limit(page.limit() + 1);
}

impl Store {
    /// A page of `table` in natural-key order.
    async fn list_rows(
        &self,
        table: &Table,
        search: &[&str],
        filter: &CatalogFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<Row>> {
        let mut sql = Sql::new(&format!("SELECT {} FROM {}", table.columns, table.name));
        catalog_filter(&mut sql, filter, search, page, table.key);
        Ok(sql.query().fetch_all(&self.pool).await?)
    }
}

impl Store {
    /// Archives the row of `table` that `key` names, and answers its id.
    async fn archive_key(&self, table: &Table, key: &str) -> StoreResult<String> {
        transact!(self, |tx| {
            let id: String = get_row(&mut ***tx, table, key).await?.try_get("id")?;
            archive(tx, table, &id).await?;
            Ok(id)
        })
    }
}

/// Archives the row `id` of `table`; archiving twice keeps the first time.
async fn archive(tx: &mut WriteTx, table: &Table, id: &str) -> StoreResult<()> {
    let sql = format!(
        "UPDATE {} SET archived_at = $1, updated_at = $1 WHERE id = $2 AND archived_at IS NULL",
        table.name
    );
    db::query(sql)
        .bind(micros(tx.now()))
        .bind(id)
        .execute(&mut ***tx)
        .await?;
    Ok(())
}

/// A refusal of core's (a kit in use, a location with reservations) as the store's conflict.
fn conflict(refusal: Invalid) -> StoreError {
    StoreError::Conflict {
        code: refusal.code,
        message: refusal.message,
    }
}

/// Runs `q`, an insert or update of the row `id` of a table with codes (locations,
/// channels) that has bound the draft's columns first: the id and the time follow
/// them. A code another row has is `duplicate_code`.
async fn write_coded(tx: &mut WriteTx, q: db::Query, table: &'static str, code: &str, id: &str) -> StoreResult<()> {
    q.bind(id)
        .bind(micros(tx.now()))
        .execute(&mut ***tx)
        .await
        .map_err(|e| duplicate_code(e, table, code))?;
    Ok(())
}

fn duplicate_code(e: DbError, table: &'static str, code: &str) -> StoreError {
    let constraint = format!("{table}_code_key");
    if e.violates(&constraint, &format!("{table}.code")) {
        StoreError::Conflict {
            code: "duplicate_code",
            message: format!("a {table} with code {code} already exists"),
        }
    } else {
        e.into()
    }
}
