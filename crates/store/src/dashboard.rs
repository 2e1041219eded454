//! The customer care dashboard: today's orders by channel, the shipments due to leave
//! today, those late against their promise, carrier exceptions, orders on hold by
//! reason, and the SKUs backordered lines wait for. Every figure comes from an index
//! (0001, 0004, 0008, 0020) and a bounded range of it, so the page stays cheap at a
//! million orders: no query reads the whole order or shipment table.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use switchyard_core::id::OrderId;
use switchyard_core::inventory::Balance;
use switchyard_core::money::Money;
use switchyard_core::order::{HoldReason, LineStatus, OrderStatus};
use switchyard_core::shipment::ShipmentStatus;

use crate::Store;
use crate::db::{self, Row, get_currency, get_enum, get_id, get_opt_time, micros};
use crate::error::StoreResult;

/// How many shipments a card lists by name (its count says how many there are).
pub const LISTED: i64 = 5;
/// How many SKUs the low stock card lists.
pub const LOW_STOCK_LISTED: i64 = 10;

/// Everything the dashboard shows, as of `now`.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub now: Timestamp,
    /// The start of the current UTC day: "today" is from here to a day later.
    pub day_start: Timestamp,
    /// Orders placed today, per channel and currency.
    pub today: Vec<ChannelDay>,
    /// On the floor, promised to leave by the end of today.
    pub to_ship: Due,
    /// Awaiting delivery after their promised delivery.
    pub late: Due,
    /// In one of `ShipmentStatus::EXCEPTIONS`.
    pub exceptions: Due,
    /// Orders on hold, per reason, most first.
    pub on_hold: Vec<HoldCount>,
    /// The SKUs backordered lines wait for, most units first.
    pub low_stock: Vec<LowStock>,
}

#[derive(Debug, Clone)]
pub struct ChannelDay {
    pub channel: String,
    pub orders: i64,
    /// What those orders add up to (grand totals).
    pub value: Money,
}

/// A count of shipments and the first `LISTED` of them, most pressing first.
#[derive(Debug, Clone, Default)]
pub struct Due {
    pub count: i64,
    pub first: Vec<DueShipment>,
}

#[derive(Debug, Clone)]
pub struct DueShipment {
    pub number: String,
    pub status: ShipmentStatus,
    pub order_id: OrderId,
    pub order_number: String,
    /// The promise it is listed against (ship-by or delivery), when it has one.
    pub promised: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct HoldCount {
    pub reason: HoldReason,
    pub orders: i64,
}

#[derive(Debug, Clone)]
pub struct LowStock {
    pub sku: String,
    pub title: String,
    /// Backordered lines waiting for it, and their units.
    pub lines: i64,
    pub units: i64,
    /// Available at all locations together.
    pub available: i64,
}

/// Which shipments a card counts: `condition` on the shipment `s`, ordered by `order`.
struct DueQuery {
    condition: String,
    order: &'static str,
    promised: &'static str,
}

impl Store {
    /// The dashboard as of the store's clock.
    pub async fn dashboard(&self) -> StoreResult<Dashboard> {
        let now = self.now();
        let day_start = now
            .to_zoned(TimeZone::UTC)
            .start_of_day()
            .map(|d| d.timestamp())
            .unwrap_or(now);
        let day_end = day_start.saturating_add(SignedDuration::from_hours(24)).unwrap_or(now);
        let to_ship = DueQuery {
            condition: format!(
                "s.status IN {} AND s.promised_ship_at < {}",
                db::one_of(ShipmentStatus::ON_THE_FLOOR),
                micros(day_end)
            ),
            order: "s.promised_ship_at, s.id",
            promised: "promised_ship_at",
        };
        let late = DueQuery {
            condition: format!(
                "s.status IN {} AND s.promised_delivery_at < {}",
                db::one_of(ShipmentStatus::AWAITING_DELIVERY),
                micros(now)
            ),
            order: "s.promised_delivery_at, s.id",
            promised: "promised_delivery_at",
        };
        let exceptions = DueQuery {
            condition: format!("s.status IN {}", db::one_of(ShipmentStatus::EXCEPTIONS)),
            order: "s.updated_at DESC, s.id",
            promised: "promised_delivery_at",
        };
        Ok(Dashboard {
            now,
            day_start,
            today: self.orders_between(day_start, day_end).await?,
            to_ship: self.due_shipments(&to_ship).await?,
            late: self.due_shipments(&late).await?,
            exceptions: self.due_shipments(&exceptions).await?,
            on_hold: self.holds_by_reason().await?,
            low_stock: self.backordered_skus().await?,
        })
    }

    async fn orders_between(&self, from: Timestamp, to: Timestamp) -> StoreResult<Vec<ChannelDay>> {
        let rows = db::query(
            "SELECT c.code AS channel, o.currency, COUNT(*) AS orders, CAST(SUM(o.grand_total) AS BIGINT) AS value \
             FROM sales_order o JOIN channel c ON c.id = o.channel_id \
             WHERE o.placed_at >= $1 AND o.placed_at < $2 \
             GROUP BY c.code, o.currency ORDER BY c.code, o.currency",
        )
        .bind(micros(from))
        .bind(micros(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChannelDay {
                    channel: r.try_get("channel")?,
                    orders: r.try_get("orders")?,
                    value: Money::new(r.try_get("value")?, get_currency(r, "currency")?),
                })
            })
            .collect()
    }

    async fn due_shipments(&self, q: &DueQuery) -> StoreResult<Due> {
        let count: i64 = db::query(format!("SELECT COUNT(*) AS n FROM shipment s WHERE {}", q.condition))
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        if count == 0 {
            return Ok(Due::default());
        }
        let rows = db::query(format!(
            "SELECT s.number, s.status, s.order_id, o.number AS order_number, s.{} AS promised \
             FROM shipment s JOIN sales_order o ON o.id = s.order_id \
             WHERE {} ORDER BY {} LIMIT {LISTED}",
            q.promised, q.condition, q.order
        ))
        .fetch_all(&self.pool)
        .await?;
        let first = rows.iter().map(due_shipment).collect::<StoreResult<_>>()?;
        Ok(Due { count, first })
    }

    async fn holds_by_reason(&self) -> StoreResult<Vec<HoldCount>> {
        let rows = db::query(format!(
            "SELECT hold_reason, COUNT(*) AS orders FROM sales_order WHERE status = {} \
             GROUP BY hold_reason ORDER BY orders DESC, hold_reason",
            db::is(OrderStatus::OnHold)
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(HoldCount {
                    reason: get_enum(r, "hold_reason", HoldReason::parse)?,
                    orders: r.try_get("orders")?,
                })
            })
            .collect()
    }

    async fn backordered_skus(&self) -> StoreResult<Vec<LowStock>> {
        let rows = db::query(format!(
            "SELECT p.sku, p.title, COUNT(*) AS lines, CAST(SUM(l.quantity) AS BIGINT) AS units, \
             (SELECT CAST(COALESCE(SUM(b.on_hand), 0) AS BIGINT) FROM stock_balance b WHERE b.product_id = p.id) AS on_hand, \
             (SELECT CAST(COALESCE(SUM(b.reserved), 0) AS BIGINT) FROM stock_balance b WHERE b.product_id = p.id) AS reserved \
             FROM order_line l JOIN product p ON p.id = l.product_id \
             WHERE l.status = {} GROUP BY p.id, p.sku, p.title ORDER BY units DESC, p.sku LIMIT {LOW_STOCK_LISTED}",
            db::is(LineStatus::Backordered)
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let balance = Balance {
                    on_hand: r.try_get("on_hand")?,
                    reserved: r.try_get("reserved")?,
                };
                Ok(LowStock {
                    sku: r.try_get("sku")?,
                    title: r.try_get("title")?,
                    lines: r.try_get("lines")?,
                    units: r.try_get("units")?,
                    available: balance.available(),
                })
            })
            .collect()
    }
}

fn due_shipment(r: &Row) -> StoreResult<DueShipment> {
    Ok(DueShipment {
        number: r.try_get("number")?,
        status: get_enum(r, "status", ShipmentStatus::parse)?,
        order_id: get_id(r, "order_id")?,
        order_number: r.try_get("order_number")?,
        promised: get_opt_time(r, "promised")?,
    })
}
