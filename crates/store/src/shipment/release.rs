//! Releasing work to a location's floor: the location's reservations not yet in a
//! shipment become one shipment per order, with the promise made when they were
//! reserved. Locations release by hand (`manual`) or as work comes (`auto`, by the
//! server's background loop). Also the location's fulfilment settings and product bins.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use switchyard_core::FieldError;
use switchyard_core::carrier::Carrier;
use switchyard_core::id::{LineId, LocationId, OrderId, ProductId, ShipmentId};
use switchyard_core::order as rules;
use switchyard_core::order::{LineStatus, OrderAction, OrderEventKind, OrderStatus, ServiceLevel};
use switchyard_core::shipment::input::ReleaseRequest;
use switchyard_core::shipment::{ReleaseMode, ShipmentLineStatus, ShipmentStatus};

use super::ShipmentSummary;
use crate::catalog::Location;
use crate::db::{self, Arg, Row, Sql, get_enum, get_id, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::order::Head;
use crate::order::event as order_event;
use crate::outbox::enqueue;
use crate::page::{Page, PageRequest};
use crate::{Store, WriteTx};

/// How a location's work reaches its floor, and how much is waiting.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FulfilmentSettings {
    pub location: String,
    pub location_id: LocationId,
    pub release_mode: ReleaseMode,
    /// Reserved units of open orders not yet released to the floor.
    pub units_waiting: i64,
    /// Shipments on the floor: released, picking, packed or labelled.
    pub shipments_on_floor: i64,
}

/// Where a product is kept at a location.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bin {
    pub sku: String,
    pub product_id: ProductId,
    pub location: String,
    #[cfg_attr(feature = "openapi", schema(example = "A-03-2"))]
    pub bin: String,
    pub updated_at: Timestamp,
}

/// SQL for the units waiting to be released at the location `l`: reserved for open
/// orders and in no shipment yet.
pub(super) fn units_waiting() -> String {
    format!(
        "COALESCE((SELECT CAST(SUM(r.quantity) AS BIGINT) FROM reservation r JOIN sales_order o ON o.id = r.order_id \
         WHERE r.location_id = l.id AND r.shipment_id IS NULL AND o.status = {}), 0)",
        db::is(OrderStatus::Open)
    )
}

/// A reservation waiting to be released.
struct Waiting {
    id: String,
    line_id: LineId,
    product_id: ProductId,
    quantity: i64,
    promised_ship_at: Option<Timestamp>,
    promised_delivery_at: Option<Timestamp>,
}

/// Makes one shipment of the order's reservations at `location` that are in none yet.
/// Returns `None` when there is nothing to release or the order may not be fulfilled
/// (held, cancelled, completed).
async fn release_order_in(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    location: &Location,
    carrier: Option<Carrier>,
    actor: &str,
) -> StoreResult<Option<ShipmentId>> {
    let head = Head::take(tx, order.as_str()).await?;
    if rules::transition(head.status, OrderAction::Fulfil).is_err() {
        return Ok(None);
    }
    let rows = db::query(format!(
        "SELECT r.id, r.line_id, r.product_id, r.quantity, r.promised_ship_at, r.promised_delivery_at \
         FROM reservation r JOIN order_line ol ON ol.id = r.line_id \
         WHERE r.order_id = $1 AND r.location_id = $2 AND r.shipment_id IS NULL AND ol.status = {} ORDER BY r.id",
        db::is(LineStatus::Allocated)
    ))
    .bind(order.as_str())
    .bind(location.id.as_str())
    .fetch_all(&mut ***tx)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let waiting = rows
        .iter()
        .map(|r| {
            Ok(Waiting {
                id: r.try_get("id")?,
                line_id: get_id(r, "line_id")?,
                product_id: get_id(r, "product_id")?,
                quantity: r.try_get("quantity")?,
                promised_ship_at: get_opt_time(r, "promised_ship_at")?,
                promised_delivery_at: get_opt_time(r, "promised_delivery_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    // Bumping the order first makes a concurrent release of the same order wait here
    // (PostgreSQL) and then retry, so shipment numbers never collide.
    head.touch(tx, now).await?;
    let count: i64 = db::query_scalar("SELECT COUNT(*) FROM shipment WHERE order_id = $1")
        .bind(order.as_str())
        .fetch_one(&mut ***tx)
        .await?;
    let level: String = db::query_scalar("SELECT service_level FROM sales_order WHERE id = $1")
        .bind(order.as_str())
        .fetch_one(&mut ***tx)
        .await?;
    let level = ServiceLevel::parse(&level).map_err(|e| StoreError::Corrupt(e.message))?;
    let id = ShipmentId::new_at(now);
    let number = format!("{}-{}", head.number, count + 1);
    let ship_by = waiting.iter().filter_map(|w| w.promised_ship_at).min();
    let deliver_by = waiting.iter().filter_map(|w| w.promised_delivery_at).min();
    let mut sql = Sql::new(
        "INSERT INTO shipment (id, number, order_id, location_id, status, service_level, carrier, promised_ship_at, \
         promised_delivery_at, released_at, created_at, updated_at, version) VALUES (",
    );
    let opt_time = |t: Option<Timestamp>| t.map(|t| Arg::Int(micros(t)));
    sql.list([
        Arg::Text(id.to_string()),
        Arg::Text(number.clone()),
        Arg::Text(order.to_string()),
        Arg::Text(location.id.to_string()),
        Arg::Text(ShipmentStatus::Released.as_str().into()),
        Arg::Text(level.as_str().into()),
    ]);
    for value in [
        carrier.map(|c| Arg::Text(c.as_str().into())),
        opt_time(ship_by),
        opt_time(deliver_by),
    ] {
        match value {
            Some(v) => sql.push(", ").bind(v),
            None => sql.push(", NULL"),
        };
    }
    sql.push(", ")
        .list([
            Arg::Int(micros(now)),
            Arg::Int(micros(now)),
            Arg::Int(micros(now)),
            Arg::Int(1),
        ])
        .push(")");
    sql.query().execute(&mut ***tx).await?;
    let mut lines: BTreeMap<(&LineId, &ProductId), i64> = BTreeMap::new();
    for w in &waiting {
        *lines.entry((&w.line_id, &w.product_id)).or_insert(0) += w.quantity;
        let taken = db::query("UPDATE reservation SET shipment_id = $1 WHERE id = $2 AND shipment_id IS NULL")
            .bind(id.as_str())
            .bind(&w.id)
            .execute(&mut ***tx)
            .await?;
        if taken.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                code: "concurrent_update",
                message: format!("order {} changed while it was released; retry", head.number),
            });
        }
    }
    for ((line, product), quantity) in &lines {
        db::query(format!(
            "INSERT INTO shipment_line (shipment_id, line_id, product_id, quantity, status) VALUES ($1, $2, $3, $4, {})",
            db::is(ShipmentLineStatus::Open)
        ))
        .bind(id.as_str())
        .bind(line.as_str())
        .bind(product.as_str())
        .bind(*quantity)
        .execute(&mut ***tx)
        .await?;
    }
    let items: Vec<(String, i64)> = db::query(
        "SELECT p.sku, x.quantity FROM shipment_line x JOIN product p ON p.id = x.product_id \
         WHERE x.shipment_id = $1 ORDER BY p.sku",
    )
    .bind(id.as_str())
    .fetch_all(&mut ***tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("sku")?, r.try_get("quantity")?)))
    .collect::<StoreResult<_>>()?;
    let listed: Vec<String> = items.iter().map(|(sku, q)| format!("{q} × {sku}")).collect();
    order_event(
        tx,
        now,
        order,
        OrderEventKind::ShipmentReleased,
        actor,
        format!(
            "Released to {} as shipment {number}: {}",
            location.code,
            listed.join(", ")
        ),
        json!({ "shipment_id": id, "number": number, "location": location.code, "items": items }),
    );
    let payload = json!({
        "shipment_id": id, "number": number, "order_id": order, "order_number": head.number,
        "location": location.code, "status": ShipmentStatus::Released, "carrier": carrier,
        "promised_ship_at": ship_by, "promised_delivery_at": deliver_by, "items": items, "at": now,
    });
    enqueue(tx, now, "shipment.released", id.as_str(), &payload);
    Ok(Some(id))
}

impl Store {
    /// Resolves keys (numbers, codes or ids) to ids, naming each unknown one at `field/i`.
    async fn resolve_all<F, Fut>(&self, keys: &[String], field: &str, find: F) -> StoreResult<Vec<String>>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = StoreResult<String>>,
    {
        let mut ids = Vec::new();
        let mut errors = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            match find(key.clone()).await {
                Ok(id) => ids.push(id),
                Err(StoreError::NotFound { resource, .. }) => errors.push(FieldError {
                    field: format!("{field}/{i}"),
                    code: "not_found",
                    message: format!("there is no {resource} {key}"),
                }),
                Err(e) => return Err(e),
            }
        }
        errors.is_empty().then_some(ids).ok_or(StoreError::Invalid(errors))
    }

    /// The location named in a request's `/location`: an unknown or archived one is a
    /// field error, not a missing resource.
    pub(super) async fn floor(&self, key: &str) -> StoreResult<Location> {
        let location = match self.location(key).await {
            Err(StoreError::NotFound { .. }) => {
                return Err(StoreError::invalid(
                    "/location",
                    "not_found",
                    format!("there is no location {key}"),
                ));
            }
            other => other?,
        };
        if location.archived_at.is_some() {
            let message = format!("location {} is archived", location.code);
            return Err(StoreError::invalid("/location", "archived", message));
        }
        Ok(location)
    }

    /// Releases the location's waiting reservations of open orders — all, or those of
    /// the orders or channels named — as one shipment per order, most urgent first.
    pub async fn release_shipments(&self, request: &ReleaseRequest, actor: &str) -> StoreResult<Vec<ShipmentSummary>> {
        let location = self.floor(&request.location).await?;
        let orders = self
            .resolve_all(&request.orders, "/orders", |k| async move {
                Ok(self.order(&k).await?.summary.id.to_string())
            })
            .await;
        let channels = self
            .resolve_all(&request.channels, "/channels", |k| async move {
                Ok(self.channel(&k).await?.id.to_string())
            })
            .await;
        let (orders, channels) = match (orders, channels) {
            (Ok(o), Ok(c)) => (o, c),
            (Err(StoreError::Invalid(mut a)), Err(StoreError::Invalid(b))) => {
                a.extend(b);
                return Err(StoreError::Invalid(a));
            }
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        let ids = self
            .release_at(&location, &orders, &channels, request.carrier, actor)
            .await?;
        self.summaries(&ids).await
    }

    async fn release_at(
        &self,
        location: &Location,
        orders: &[String],
        channels: &[String],
        carrier: Option<Carrier>,
        actor: &str,
    ) -> StoreResult<Vec<ShipmentId>> {
        let mut sql = Sql::new(
            "SELECT DISTINCT r.order_id, o.priority, o.placed_at FROM reservation r \
             JOIN sales_order o ON o.id = r.order_id JOIN order_line ol ON ol.id = r.line_id",
        );
        sql.filter("r.location_id = ", Arg::Text(location.id.to_string()), "");
        sql.push(&format!(
            " AND r.shipment_id IS NULL AND o.status = {} AND ol.status = {}",
            db::is(OrderStatus::Open),
            db::is(LineStatus::Allocated)
        ));
        if !orders.is_empty() {
            sql.push(" AND r.order_id IN (")
                .list(orders.iter().map(|o| Arg::Text(o.clone())))
                .push(")");
        }
        if !channels.is_empty() {
            sql.push(" AND o.channel_id IN (")
                .list(channels.iter().map(|c| Arg::Text(c.clone())))
                .push(")");
        }
        sql.push(" ORDER BY o.priority DESC, o.placed_at, r.order_id");
        let candidates: Vec<OrderId> = sql
            .query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| get_id(r, "order_id"))
            .collect::<StoreResult<_>>()?;
        let mut released = Vec::new();
        for order in candidates {
            let id = transact!(self, |tx| {
                release_order_in(tx, self.now(), &order, location, carrier, actor).await
            })?;
            released.extend(id);
        }
        Ok(released)
    }

    /// Releases everything waiting at `auto` locations; returns how many shipments
    /// were made. The server calls this from its background loop.
    pub async fn release_due_shipments(&self) -> StoreResult<usize> {
        let codes: Vec<String> = db::query_scalar(format!(
            "SELECT code FROM location WHERE release_mode = {} AND archived_at IS NULL ORDER BY code",
            db::is(ReleaseMode::Auto)
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut made = 0;
        for code in codes {
            let location = self.location(&code).await?;
            made += self.release_at(&location, &[], &[], None, "system").await?.len();
        }
        Ok(made)
    }

    /// A location's fulfilment settings and what is waiting there.
    pub async fn fulfilment_settings(&self, key: &str) -> StoreResult<FulfilmentSettings> {
        let location = self.location(key).await?;
        let row = db::query(format!(
            "SELECT l.release_mode, {} AS waiting, \
             (SELECT COUNT(*) FROM shipment s WHERE s.location_id = l.id AND s.status IN {}) AS on_floor \
             FROM location l WHERE l.id = $1",
            units_waiting(),
            db::one_of(ShipmentStatus::ON_THE_FLOOR)
        ))
        .bind(location.id.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(FulfilmentSettings {
            location: location.code,
            location_id: location.id,
            release_mode: get_enum(&row, "release_mode", ReleaseMode::parse)?,
            units_waiting: row.try_get("waiting")?,
            shipments_on_floor: row.try_get("on_floor")?,
        })
    }

    /// Sets how a location releases its work. Switching to `auto` releases what waits now.
    pub async fn set_release_mode(&self, key: &str, mode: ReleaseMode, actor: &str) -> StoreResult<FulfilmentSettings> {
        let location = self.location(key).await?;
        let mut sql = Sql::new("UPDATE location SET release_mode = ");
        sql.bind(Arg::Text(mode.as_str().into()))
            .push(", updated_at = ")
            .bind(Arg::Int(micros(self.now())))
            .push(" WHERE id = ")
            .bind(Arg::Text(location.id.to_string()));
        let mut tx = self.write().await?;
        let updated = sql.query().execute(&mut **tx).await;
        tx.finish(updated.map(|_| ()).map_err(StoreError::from)).await?;
        if mode == ReleaseMode::Auto {
            self.release_at(&location, &[], &[], None, actor).await?;
        }
        self.fulfilment_settings(key).await
    }

    /// Sets or clears the bins of products at a location; returns the bins set.
    pub async fn set_bins(&self, key: &str, bins: &[(String, Option<String>)]) -> StoreResult<Vec<Bin>> {
        let location = self.location(key).await?;
        let products = self
            .resolve_all(
                &bins.iter().map(|(sku, _)| sku.clone()).collect::<Vec<_>>(),
                "",
                |k| async move { Ok(self.product(&k).await?.id.to_string()) },
            )
            .await
            .map_err(|e| match e {
                StoreError::Invalid(errors) => StoreError::Invalid(
                    errors
                        .into_iter()
                        .map(|e| FieldError {
                            field: format!("{}/sku", e.field),
                            code: "unknown_sku",
                            ..e
                        })
                        .collect(),
                ),
                other => other,
            })?;
        let mut tx = self.write().await?;
        let placed = place_bins(&mut tx, micros(self.now()), &location.id, &products, bins).await;
        tx.finish(placed).await?;
        let mut sql = Sql::new(BIN_SELECT);
        sql.filter("b.location_id = ", Arg::Text(location.id.to_string()), "");
        sql.push(" AND b.product_id IN (")
            .list(products.into_iter().map(Arg::Text))
            .push(") ORDER BY b.bin, p.sku");
        sql.query().fetch_all(&self.pool).await?.iter().map(bin).collect()
    }

    /// A location's bins in walking order.
    pub async fn list_bins(&self, key: &str, page: &PageRequest) -> StoreResult<Page<Bin>> {
        let location = self.location(key).await?;
        let mut sql = Sql::new(BIN_SELECT);
        sql.filter("b.location_id = ", Arg::Text(location.id.to_string()), "");
        if let Some((at, sku)) = page.cursor.as_deref().and_then(|c| c.split_once('|')) {
            sql.filter("(b.bin > ", Arg::Text(at.to_owned()), "");
            sql.push(" OR (b.bin = ")
                .bind(Arg::Text(at.to_owned()))
                .push(" AND p.sku > ")
                .bind(Arg::Text(sku.to_owned()))
                .push("))");
        }
        sql.push(" ORDER BY b.bin, p.sku").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(bin).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit(), |b| format!("{}|{}", b.bin, b.sku)))
    }
}

/// Sets (or, for `None`, removes) the bin of each product at `location`.
async fn place_bins(
    tx: &mut WriteTx,
    now: i64,
    location: &LocationId,
    products: &[String],
    bins: &[(String, Option<String>)],
) -> StoreResult<()> {
    for (product, (_, bin)) in products.iter().zip(bins) {
        let query = match bin {
            Some(bin) => db::query(
                "INSERT INTO product_bin (product_id, location_id, bin, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (product_id, location_id) DO UPDATE SET bin = excluded.bin, updated_at = excluded.updated_at",
            )
            .bind(product)
            .bind(location.as_str())
            .bind(bin)
            .bind(now),
            None => db::query("DELETE FROM product_bin WHERE product_id = $1 AND location_id = $2")
                .bind(product)
                .bind(location.as_str()),
        };
        query.execute(&mut ***tx).await?;
    }
    Ok(())
}

const BIN_SELECT: &str = "SELECT p.sku, b.product_id, l.code AS location, b.bin, b.updated_at FROM product_bin b \
     JOIN product p ON p.id = b.product_id JOIN location l ON l.id = b.location_id";

fn bin(row: &Row) -> StoreResult<Bin> {
    Ok(Bin {
        sku: row.try_get("sku")?,
        product_id: get_id(row, "product_id")?,
        location: row.try_get("location")?,
        bin: row.try_get("bin")?,
        updated_at: get_time(row, "updated_at")?,
    })
}
