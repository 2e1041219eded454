//! Loads the `OrderRecord`s of the orders placed in a span of time: the orders, then
//! each kind of child row in one query per kind, joined on the same bounds (the
//! `sales_order (placed_at)` index), gathered under their orders in Rust.

use std::collections::HashMap;

use jiff::Timestamp;
use switchyard_core::order::{LineStatus, OrderEventKind, OrderStatus};
use switchyard_core::payment::{RefundReason, TransactionKind};
use switchyard_core::report::{
    ClaimRecord, EventRecord, LineRecord, OrderRecord, RefundRecord, ReturnLineRecord, ShipmentLineRecord,
    ShipmentRecord,
};
use switchyard_core::returns::{ClaimReason, ReturnReason, ReturnStatus};
use switchyard_core::shipment::ShipmentStatus;

use super::rows::{int, text};
use crate::Store;
use crate::db::{self, Row, get_enum, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};

const IN_SPAN: &str = "o.placed_at >= $1 AND o.placed_at < $2";

fn opt_text(row: &Row, col: &str) -> StoreResult<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

impl Store {
    /// Every order placed in `[from, to)`, with what the roll-ups need of it, in order
    /// of placement.
    pub(crate) async fn order_records(&self, from: Timestamp, to: Timestamp) -> StoreResult<Vec<OrderRecord>> {
        let rows = self
            .span_rows(
                "SELECT o.id, o.number, o.channel_id, o.currency, o.ship_country, o.status, o.placed_at, o.subtotal, \
                 o.discount_total, o.tax_total, o.shipping_amount, o.grand_total, o.promised_ship_at, \
                 o.promised_delivery_at FROM sales_order o WHERE {span} ORDER BY o.placed_at, o.id",
                from,
                to,
            )
            .await?;
        let mut orders = Vec::with_capacity(rows.len());
        for r in &rows {
            orders.push(OrderRecord {
                id: text(r, "id")?,
                number: text(r, "number")?,
                channel_id: text(r, "channel_id")?,
                currency: text(r, "currency")?,
                ship_country: text(r, "ship_country")?,
                status: get_enum(r, "status", OrderStatus::parse)?,
                placed_at: get_time(r, "placed_at")?,
                subtotal: int(r, "subtotal")?,
                discount_total: int(r, "discount_total")?,
                tax_total: int(r, "tax_total")?,
                shipping_amount: int(r, "shipping_amount")?,
                grand_total: int(r, "grand_total")?,
                promised_ship_at: get_opt_time(r, "promised_ship_at")?,
                promised_delivery_at: get_opt_time(r, "promised_delivery_at")?,
                lines: Vec::new(),
                shipments: Vec::new(),
                refunds: Vec::new(),
                returns: Vec::new(),
                claims: Vec::new(),
                events: Vec::new(),
            });
        }
        let index: HashMap<String, usize> = orders.iter().enumerate().map(|(i, o)| (o.id.clone(), i)).collect();
        let slot = |r: &Row| -> StoreResult<Option<usize>> { Ok(index.get(&text(r, "order_id")?).copied()) };

        let lines = "SELECT l.order_id, l.id, l.product_id, l.sku, l.quantity, l.unit_price, l.discount, l.tax, \
                     l.total, l.status FROM order_line l JOIN sales_order o ON o.id = l.order_id WHERE {span} \
                     ORDER BY l.order_id, l.line_no";
        for r in self.span_rows(lines, from, to).await? {
            if let Some(i) = slot(&r)? {
                orders[i].lines.push(LineRecord {
                    id: text(&r, "id")?,
                    product_id: text(&r, "product_id")?,
                    sku: text(&r, "sku")?,
                    quantity: int(&r, "quantity")?,
                    unit_price: int(&r, "unit_price")?,
                    discount: int(&r, "discount")?,
                    tax: int(&r, "tax")?,
                    total: int(&r, "total")?,
                    status: get_enum(&r, "status", LineStatus::parse)?,
                });
            }
        }

        let shipments = "SELECT s.order_id, s.id, s.location_id, s.status, s.carrier, s.service, s.service_level, \
                         s.promised_ship_at, s.promised_delivery_at, s.released_at, s.shipped_at, s.delivered_at \
                         FROM shipment s JOIN sales_order o ON o.id = s.order_id WHERE {span} \
                         ORDER BY s.order_id, s.released_at, s.id";
        let mut shipment_slot: HashMap<String, (usize, usize)> = HashMap::new();
        for r in self.span_rows(shipments, from, to).await? {
            if let Some(i) = slot(&r)? {
                let id = text(&r, "id")?;
                shipment_slot.insert(id.clone(), (i, orders[i].shipments.len()));
                orders[i].shipments.push(ShipmentRecord {
                    id,
                    location_id: text(&r, "location_id")?,
                    status: get_enum(&r, "status", ShipmentStatus::parse)?,
                    carrier: opt_text(&r, "carrier")?,
                    service: opt_text(&r, "service")?,
                    service_level: text(&r, "service_level")?,
                    promised_ship_at: get_opt_time(&r, "promised_ship_at")?,
                    promised_delivery_at: get_opt_time(&r, "promised_delivery_at")?,
                    released_at: get_time(&r, "released_at")?,
                    shipped_at: get_opt_time(&r, "shipped_at")?,
                    delivered_at: get_opt_time(&r, "delivered_at")?,
                    lines: Vec::new(),
                });
            }
        }

        // Ordered by the order first: ordered by shipment alone, SQLite walked every
        // shipment line ever made in shipment order (no sort) and looked each one's
        // order up, 0.25 s a day at a million orders, where this reads only the day's.
        let shipment_lines = "SELECT sl.shipment_id, sl.line_id, sl.product_id, sl.quantity, sl.status \
                              FROM shipment_line sl JOIN shipment s ON s.id = sl.shipment_id \
                              JOIN sales_order o ON o.id = s.order_id WHERE {span} \
                              ORDER BY s.order_id, sl.shipment_id, sl.line_id, sl.product_id";
        for r in self.span_rows(shipment_lines, from, to).await? {
            if let Some(&(i, j)) = shipment_slot.get(&text(&r, "shipment_id")?) {
                orders[i].shipments[j].lines.push(ShipmentLineRecord {
                    line_id: text(&r, "line_id")?,
                    product_id: text(&r, "product_id")?,
                    quantity: int(&r, "quantity")?,
                    short: text(&r, "status")? == "short",
                });
            }
        }

        let refunds = format!(
            "SELECT t.order_id, t.amount, t.refund_reason, t.created_at FROM payment_transaction t \
             JOIN sales_order o ON o.id = t.order_id WHERE {{span}} AND t.kind = {} ORDER BY t.order_id, t.created_at, t.id",
            db::is(TransactionKind::Refund)
        );
        for r in self.span_rows(&refunds, from, to).await? {
            if let Some(i) = slot(&r)? {
                let reason = match opt_text(&r, "refund_reason")? {
                    Some(raw) => Some(
                        RefundReason::parse(&raw)
                            .map_err(|_| StoreError::Corrupt(format!("unknown refund_reason {raw:?}")))?,
                    ),
                    None => None,
                };
                orders[i].refunds.push(RefundRecord {
                    amount: int(&r, "amount")?,
                    reason,
                    at: get_time(&r, "created_at")?,
                });
            }
        }

        let returns = "SELECT rr.order_id, rl.line_id, rl.product_id, rl.quantity, rl.reason, rr.status \
                       FROM return_line rl JOIN return_request rr ON rr.id = rl.return_id \
                       JOIN sales_order o ON o.id = rr.order_id WHERE {span} ORDER BY rr.order_id, rr.id, rl.line_no";
        for r in self.span_rows(returns, from, to).await? {
            if let Some(i) = slot(&r)? {
                orders[i].returns.push(ReturnLineRecord {
                    line_id: text(&r, "line_id")?,
                    product_id: text(&r, "product_id")?,
                    quantity: int(&r, "quantity")?,
                    reason: get_enum(&r, "reason", ReturnReason::parse)?,
                    status: get_enum(&r, "status", ReturnStatus::parse)?,
                });
            }
        }

        let claims = "SELECT c.order_id, c.reason, c.created_at FROM claim c JOIN sales_order o ON o.id = c.order_id \
                      WHERE {span} ORDER BY c.order_id, c.created_at, c.id";
        for r in self.span_rows(claims, from, to).await? {
            if let Some(i) = slot(&r)? {
                orders[i].claims.push(ClaimRecord {
                    reason: get_enum(&r, "reason", ClaimReason::parse)?,
                    at: get_time(&r, "created_at")?,
                });
            }
        }

        let events = format!(
            "SELECT e.order_id, e.kind, e.actor, e.data, e.created_at FROM order_event e \
             JOIN sales_order o ON o.id = e.order_id WHERE {{span}} AND e.kind IN {} ORDER BY e.order_id, e.created_at, e.id",
            db::one_of(&OrderRecord::EVENTS)
        );
        for r in self.span_rows(&events, from, to).await? {
            if let Some(i) = slot(&r)? {
                orders[i].events.push(EventRecord {
                    kind: get_enum(&r, "kind", OrderEventKind::parse)?,
                    actor: text(&r, "actor")?,
                    data: text(&r, "data")?,
                    at: get_time(&r, "created_at")?,
                });
            }
        }
        Ok(orders)
    }

    async fn span_rows(&self, sql: &str, from: Timestamp, to: Timestamp) -> StoreResult<Vec<Row>> {
        Ok(db::query(sql.replace("{span}", IN_SPAN))
            .bind(micros(from))
            .bind(micros(to))
            .fetch_all(&self.pool)
            .await?)
    }
}
