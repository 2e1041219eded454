//! The inventory ledger in the database. Every change of a balance is decided by core
//! on the balance row taken for the transaction, written with one ledger row in the
//! same transaction, so concurrent writers on PostgreSQL queue on the row instead of
//! both passing a check, or one failing for having raced the other.

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::id::{LocationId, MovementId, ProductId};
use switchyard_core::inventory::{Balance, Delta, MovementKind, Quantity, StockCommand};

use crate::db::{self, Arg, Row, Sql, get_enum, get_id, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::journal::Journal;
use crate::page::{Page, PageRequest};
use crate::{Store, WriteTx};

/// Stock of one SKU at one location.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockLevel {
    pub sku: String,
    pub product_id: ProductId,
    pub location: String,
    pub location_id: LocationId,
    pub on_hand: i64,
    /// Held for open orders.
    pub reserved: i64,
    /// `on_hand - reserved`: what can still be sold.
    pub available: i64,
    pub updated_at: Timestamp,
}

/// One row of the ledger.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Movement {
    pub id: MovementId,
    pub sku: String,
    pub product_id: ProductId,
    pub location: String,
    pub location_id: LocationId,
    pub kind: MovementKind,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
    pub reason: Option<String>,
    pub note: Option<String>,
    /// What caused it: an order id, a transfer, a supplier's delivery note.
    pub reference: Option<String>,
    pub actor: String,
    pub created_at: Timestamp,
}

impl Movement {
    /// What the movement changed.
    pub fn delta(&self) -> Delta {
        Delta {
            on_hand: self.on_hand_delta,
            reserved: self.reserved_delta,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct LevelFilter {
    pub sku: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct MovementFilter {
    pub sku: Option<String>,
    pub location: Option<String>,
    pub kind: Option<MovementKind>,
    pub reference: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

/// Who and why, for the ledger rows a change writes.
#[derive(Debug, Clone, Default)]
pub struct MovementContext {
    pub actor: String,
    pub note: Option<String>,
    pub reference: Option<String>,
}

/// Applies `command` to the balance of (`product`, `location`) inside `tx`, writing its
/// ledger row. The first statement takes the balance row for the transaction (creating
/// it at zero when the SKU was never stocked there) and reads it; core decides on what
/// it read, and the update writes that decision. Concurrent movements of the same
/// stock queue on the row (on PostgreSQL the upsert waits for the writer before it and
/// reads what that one committed; on SQLite writers already run one at a time), so a
/// movement is refused only by the rules, never for having raced another.
pub(crate) async fn apply(
    tx: &mut WriteTx,
    now: Timestamp,
    (product, sku): (&ProductId, &str),
    (location, code): (&LocationId, &str),
    command: StockCommand,
    ctx: &MovementContext,
) -> StoreResult<MovementId> {
    let row = db::query(
        "INSERT INTO stock_balance (product_id, location_id, on_hand, reserved, updated_at) VALUES ($1, $2, 0, 0, $3) \
         ON CONFLICT (product_id, location_id) DO UPDATE SET updated_at = stock_balance.updated_at \
         RETURNING on_hand, reserved",
    )
    .bind(product.as_str())
    .bind(location.as_str())
    .bind(micros(now))
    .fetch_one(&mut ***tx)
    .await?;
    let current = Balance {
        on_hand: row.try_get("on_hand")?,
        reserved: row.try_get("reserved")?,
    };
    let refused = |error| StoreError::Stock {
        sku: sku.to_owned(),
        location: code.to_owned(),
        error,
    };
    let delta = command.delta(current).map_err(refused)?;
    db::query(
        "UPDATE stock_balance SET on_hand = on_hand + $1, reserved = reserved + $2, updated_at = $3 \
         WHERE product_id = $4 AND location_id = $5",
    )
    .bind(delta.on_hand)
    .bind(delta.reserved)
    .bind(micros(now))
    .bind(product.as_str())
    .bind(location.as_str())
    .execute(&mut ***tx)
    .await?;
    let after = current.apply(delta).map_err(refused)?;
    let reason = command.reason().map(|r| r.as_str());
    Ok(record(
        tx,
        now,
        product,
        location,
        command.kind(),
        delta,
        after,
        reason,
        ctx,
    ))
}

/// Writes one ledger row.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    tx: &mut WriteTx,
    now: Timestamp,
    product: &ProductId,
    location: &LocationId,
    kind: MovementKind,
    delta: Delta,
    after: Balance,
    reason: Option<&str>,
    ctx: &MovementContext,
) -> MovementId {
    let id = MovementId::new_at(now);
    tx.append(
        Journal::Movement,
        vec![
            Arg::Text(id.to_string()),
            Arg::Text(product.to_string()),
            Arg::Text(location.to_string()),
            Arg::Text(kind.as_str().to_owned()),
            Arg::Int(delta.on_hand),
            Arg::Int(delta.reserved),
            Arg::Int(after.on_hand),
            Arg::Int(after.reserved),
            Arg::OptText(reason.map(str::to_owned)),
            Arg::OptText(ctx.note.clone()),
            Arg::OptText(ctx.reference.clone()),
            Arg::Text(ctx.actor.clone()),
            Arg::Int(micros(now)),
        ],
    );
    id
}

const MOVEMENT_SELECT: &str = "SELECT m.id, p.sku, m.product_id, l.code AS location, m.location_id, m.kind, \
     m.on_hand_delta, m.reserved_delta, m.on_hand_after, m.reserved_after, m.reason, m.note, m.reference, m.actor, \
     m.created_at FROM stock_movement m JOIN product p ON p.id = m.product_id JOIN location l ON l.id = m.location_id";

fn movement(row: &Row) -> StoreResult<Movement> {
    Ok(Movement {
        id: get_id(row, "id")?,
        sku: row.try_get("sku")?,
        product_id: get_id(row, "product_id")?,
        location: row.try_get("location")?,
        location_id: get_id(row, "location_id")?,
        kind: get_enum(row, "kind", MovementKind::parse)?,
        on_hand_delta: row.try_get("on_hand_delta")?,
        reserved_delta: row.try_get("reserved_delta")?,
        on_hand_after: row.try_get("on_hand_after")?,
        reserved_after: row.try_get("reserved_after")?,
        reason: row.try_get("reason")?,
        note: row.try_get("note")?,
        reference: row.try_get("reference")?,
        actor: row.try_get("actor")?,
        created_at: get_time(row, "created_at")?,
    })
}

fn level(row: &Row) -> StoreResult<StockLevel> {
    let balance = Balance {
        on_hand: row.try_get("on_hand")?,
        reserved: row.try_get("reserved")?,
    };
    Ok(StockLevel {
        sku: row.try_get("sku")?,
        product_id: get_id(row, "product_id")?,
        location: row.try_get("location")?,
        location_id: get_id(row, "location_id")?,
        on_hand: balance.on_hand,
        reserved: balance.reserved,
        available: balance.available(),
        updated_at: get_time(row, "updated_at")?,
    })
}

impl Store {
    /// Applies a stock command to one (SKU, location), referenced by id or natural key.
    pub async fn move_stock(
        &self,
        sku: &str,
        location: &str,
        command: StockCommand,
        ctx: &MovementContext,
    ) -> StoreResult<Vec<Movement>> {
        let product = self.product(sku).await?;
        let location = self.location(location).await?;
        if product.archived_at.is_some() {
            return Err(StoreError::invalid(
                "/sku",
                "archived",
                format!("product {} is archived", product.sku),
            ));
        }
        if location.archived_at.is_some() {
            return Err(StoreError::invalid(
                "/location",
                "archived",
                format!("location {} is archived", location.code),
            ));
        }
        switchyard_core::catalog::holds_stock(&product.sku, !product.components.is_empty())
            .map_err(|e| StoreError::Invalid(vec![e.at("/sku")]))?;
        let id = transact!(self, |tx| {
            apply(
                tx,
                self.now(),
                (&product.id, &product.sku),
                (&location.id, &location.code),
                command,
                ctx,
            )
            .await
        })?;
        let movement = self.movement(&id).await?;
        if movement.delta().frees_stock() {
            self.after_stock_freed(std::slice::from_ref(&product.id)).await;
        }
        Ok(vec![movement])
    }

    /// Moves stock between two locations: a transfer-out and a transfer-in in one transaction.
    pub async fn transfer(
        &self,
        sku: &str,
        from: &str,
        to: &str,
        quantity: Quantity,
        ctx: &MovementContext,
    ) -> StoreResult<Vec<Movement>> {
        let product = self.product(sku).await?;
        let source = self.location(from).await?;
        let target = self.location(to).await?;
        if source.id == target.id {
            return Err(StoreError::invalid(
                "/to",
                "same_location",
                "must differ from the source location",
            ));
        }
        if target.archived_at.is_some() {
            return Err(StoreError::invalid(
                "/to",
                "archived",
                format!("location {} is archived", target.code),
            ));
        }
        let item = (&product.id, product.sku.as_str());
        let mut legs = [
            ((&source.id, source.code.as_str()), StockCommand::TransferOut(quantity)),
            ((&target.id, target.code.as_str()), StockCommand::TransferIn(quantity)),
        ];
        // Balances are taken in location order, as a placement takes them, so transfers
        // of one SKU in opposite directions queue on the rows rather than deadlock.
        legs.sort_by_key(|((id, _), _)| *id);
        let ids = transact!(self, |tx| {
            let now = self.now();
            let mut ids = Vec::with_capacity(legs.len());
            for (place, command) in legs {
                ids.push(apply(tx, now, item, place, command, ctx).await?);
            }
            Ok(ids)
        })?;
        let mut movements = Vec::new();
        for id in &ids {
            movements.push(self.movement(id).await?);
        }
        self.after_stock_freed(std::slice::from_ref(&product.id)).await;
        Ok(movements)
    }

    pub async fn movement(&self, id: &MovementId) -> StoreResult<Movement> {
        let sql = format!("{MOVEMENT_SELECT} WHERE m.id = $1");
        let row = db::query(sql).bind(id.as_str()).fetch_optional(&self.pool).await?;
        row.as_ref()
            .map(movement)
            .transpose()?
            .ok_or_else(|| StoreError::not_found("movement", id.as_str()))
    }

    /// The ledger, newest first.
    pub async fn movements(&self, filter: &MovementFilter, page: &PageRequest) -> StoreResult<Page<Movement>> {
        let mut sql = Sql::new(MOVEMENT_SELECT);
        if let Some(sku) = &filter.sku {
            let product = self.product(sku).await?;
            sql.filter("m.product_id = ", Arg::Text(product.id.to_string()), "");
        }
        if let Some(location) = &filter.location {
            let location = self.location(location).await?;
            sql.filter("m.location_id = ", Arg::Text(location.id.to_string()), "");
        }
        if let Some(kind) = filter.kind {
            sql.filter("m.kind = ", Arg::Text(kind.as_str().to_owned()), "");
        }
        if let Some(reference) = &filter.reference {
            sql.filter("m.reference = ", Arg::Text(reference.clone()), "");
        }
        if let Some(since) = filter.since {
            sql.filter("m.created_at >= ", Arg::Int(micros(since)), "");
        }
        if let Some(until) = filter.until {
            sql.filter("m.created_at < ", Arg::Int(micros(until)), "");
        }
        if let Some(cursor) = &page.cursor {
            sql.filter("m.id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY m.id DESC").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(movement).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit(), |m| m.id.to_string()))
    }

    /// Stock levels by SKU and location. Asking for one SKU at one location where
    /// nothing was ever stocked answers with zeros rather than nothing.
    pub async fn levels(&self, filter: &LevelFilter, page: &PageRequest) -> StoreResult<Page<StockLevel>> {
        let mut sql = Sql::new(
            "SELECT p.sku, b.product_id, l.code AS location, b.location_id, b.on_hand, b.reserved, b.updated_at \
             FROM stock_balance b JOIN product p ON p.id = b.product_id JOIN location l ON l.id = b.location_id",
        );
        // Filtered by key in the one query; the product and location are read on
        // their own only when it finds nothing, to tell unknown from not stocked.
        if let Some(sku) = &filter.sku {
            let column = if ProductId::parse(sku).is_some() {
                "b.product_id = "
            } else {
                "p.sku = "
            };
            sql.filter(column, Arg::Text(sku.clone()), "");
        }
        if let Some(code) = &filter.location {
            let column = if LocationId::parse(code).is_some() {
                "b.location_id = "
            } else {
                "l.code = "
            };
            sql.filter(column, Arg::Text(code.clone()), "");
        }
        if let Some((sku, code)) = page.cursor.as_deref().and_then(|c| c.split_once('|')) {
            sql.filter("(p.sku > ", Arg::Text(sku.to_owned()), "");
            sql.push(" OR (p.sku = ")
                .bind(Arg::Text(sku.to_owned()))
                .push(" AND l.code > ")
                .bind(Arg::Text(code.to_owned()))
                .push("))");
        }
        sql.push(" ORDER BY p.sku, l.code").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut items = rows.iter().map(level).collect::<StoreResult<Vec<_>>>()?;
        if items.is_empty() {
            let product = match &filter.sku {
                Some(sku) => Some(self.product(sku).await?),
                None => None,
            };
            let location = match &filter.location {
                Some(code) => Some(self.location(code).await?),
                None => None,
            };
            if let (Some(p), Some(l)) = (product, location) {
                items.push(StockLevel {
                    sku: p.sku,
                    product_id: p.id,
                    location: l.code,
                    location_id: l.id,
                    on_hand: 0,
                    reserved: 0,
                    available: 0,
                    updated_at: p.created_at,
                });
            }
        }
        Ok(Page::from_rows(items, page.limit(), |s| {
            format!("{}|{}", s.sku, s.location)
        }))
    }
}
