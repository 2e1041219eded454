//! What writes on returns and claims read inside their transaction — the order's facts
//! and lines, a return's head and lines — and the rows they take and move: the order's
//! row (queued on, and its `return_status` refreshed) and the return's (version-checked).

use jiff::Timestamp;
use switchyard_core::auth::Role;
use switchyard_core::id::{LocationId, OrderId, ReturnId};
use switchyard_core::money::Money;
use switchyard_core::order::LineStatus;
use switchyard_core::returns::{
    self as rules, OrderLineFacts, OrderReturnStatus, RefundOn, ReturnLineState, ReturnMoney, ReturnReason,
    ReturnStatus, ReturnableLine, SettlementKind,
};
use switchyard_core::shipment::ShipmentLineStatus;
use switchyard_core::validation::Invalid;

use super::{Head, LineRow, OrderFacts, OrderLineRow, id_column};
use crate::db::{self, Link, Row, changed_one, get_currency, get_enum, get_id, get_opt_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::{Store, WriteTx};

pub(super) async fn order_facts(conn: &mut Link, key: &str) -> StoreResult<OrderFacts> {
    let column = id_column::<OrderId>(key, "o.id", "o.number");
    let sql = format!(
        "SELECT o.id, o.currency, o.shipping_amount, o.shipping_tax, c.return_window_days, c.refund_on, \
         c.restocking_fee_percent FROM sales_order o JOIN channel c ON c.id = o.channel_id WHERE {column} = $1"
    );
    let row = db::query(sql)
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("order", key))?;
    let currency = get_currency(&row, "currency")?;
    let money = |col: &str| -> StoreResult<Money> { Ok(Money::new(row.try_get(col)?, currency)) };
    Ok(OrderFacts {
        id: get_id(&row, "id")?,
        currency,
        shipping: switchyard_core::payment::shipping_charge(money("shipping_amount")?, money("shipping_tax")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        window_days: row.try_get("return_window_days")?,
        refund_on: get_enum(&row, "refund_on", RefundOn::parse)?,
        fee_percent: row.try_get("restocking_fee_percent")?,
    })
}

/// The columns of order line `l` (and its order, `o`, for the check) that say what a
/// return or claim may take of it: what it is, when it left, and how many of its units
/// returns that count and claims hold.
pub(super) fn line_facts_columns() -> String {
    let open = db::one_of(&[ShipmentLineStatus::Open]);
    let void = db::one_of(ReturnStatus::VOID);
    format!(
        "l.line_no, l.sku, l.status, l.quantity, \
         (SELECT MAX(s.shipped_at) FROM shipment_line sl JOIN shipment s ON s.id = sl.shipment_id \
          WHERE sl.line_id = l.id AND sl.status IN {open}) AS shipped_at, \
         (SELECT MAX(s.delivered_at) FROM shipment_line sl JOIN shipment s ON s.id = sl.shipment_id \
          WHERE sl.line_id = l.id AND sl.status IN {open}) AS delivered_at, \
         COALESCE((SELECT CAST(SUM(rl.quantity) AS BIGINT) FROM return_line rl JOIN return_request r ON r.id = rl.return_id \
                   WHERE rl.line_id = l.id AND r.status NOT IN {void}), 0) AS on_returns, \
         COALESCE((SELECT CAST(SUM(cl.quantity) AS BIGINT) FROM claim_line cl WHERE cl.line_id = l.id), 0) AS claimed"
    )
}

/// An order line read with `line_facts_columns`, as core's returnable line.
pub(super) fn returnable_line(r: &Row) -> StoreResult<ReturnableLine> {
    Ok(ReturnableLine::from_facts(OrderLineFacts {
        line_no: r.try_get("line_no")?,
        sku: r.try_get("sku")?,
        status: get_enum(r, "status", LineStatus::parse)?,
        quantity: r.try_get("quantity")?,
        on_returns: r.try_get("on_returns")?,
        claimed: r.try_get("claimed")?,
        shipped_at: get_opt_time(r, "shipped_at")?,
        delivered_at: get_opt_time(r, "delivered_at")?,
    }))
}

/// The order's lines with what shipped, when, and what is already on returns and
/// claims that count.
pub(super) async fn order_lines(conn: &mut Link, order: &OrderId) -> StoreResult<Vec<OrderLineRow>> {
    let sql = format!(
        "SELECT l.id, l.product_id, {} FROM order_line l WHERE l.order_id = $1 ORDER BY l.line_no",
        line_facts_columns()
    );
    let rows = db::query(sql).bind(order.as_str()).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(OrderLineRow {
                id: get_id(r, "id")?,
                product_id: get_id(r, "product_id")?,
                returnable: returnable_line(r)?,
            })
        })
        .collect()
}

/// Recomputes the order's `return_status` from its returns and bumps its version.
pub(super) async fn refresh_order(tx: &mut WriteTx, now: Timestamp, order: &OrderId) -> StoreResult<OrderReturnStatus> {
    let sql = format!(
        "SELECT COALESCE((SELECT CAST(SUM(quantity) AS BIGINT) FROM order_line \
                          WHERE order_id = $1 AND status IN {went}), 0) AS shipped, \
                COALESCE((SELECT CAST(SUM(rl.received) AS BIGINT) FROM return_line rl \
                          JOIN return_request r ON r.id = rl.return_id WHERE r.order_id = $1), 0) AS received, \
                (SELECT COUNT(*) FROM return_request WHERE order_id = $1 AND status IN {open}) AS open",
        went = db::one_of(LineStatus::WENT),
        open = db::one_of(ReturnStatus::OPEN),
    );
    let row = db::query(sql).bind(order.as_str()).fetch_one(&mut ***tx).await?;
    let status = rules::order_return_status(
        row.try_get("shipped")?,
        row.try_get("received")?,
        row.try_get::<i64, _>("open")? > 0,
    );
    db::query("UPDATE sales_order SET return_status = $1, updated_at = $2, version = version + 1 WHERE id = $3")
        .bind(status.as_str())
        .bind(micros(now))
        .bind(order.as_str())
        .execute(&mut ***tx)
        .await?;
    Ok(status)
}

/// A return row's `settlement` column.
/// An optional column holding one of core's spellings.
fn opt_enum<T>(row: &Row, col: &str, parse: fn(&str) -> Result<T, Invalid>) -> StoreResult<Option<T>> {
    row.try_get::<Option<String>, _>(col)?
        .map(|s| parse(&s).map_err(|e| StoreError::Corrupt(e.message)))
        .transpose()
}

pub(super) fn settlement_kind(row: &Row) -> StoreResult<Option<SettlementKind>> {
    opt_enum(row, "settlement", SettlementKind::parse)
}

impl Store {
    pub(super) async fn return_head(conn: &mut Link, key: &str) -> StoreResult<Head> {
        let column = id_column::<ReturnId>(key, "id", "number");
        let sql = format!(
            "SELECT id, number, order_id, status, version, location_id, settlement, refund_approved_role, currency, \
             credited, restocking_fee, shipping_refunded FROM return_request WHERE {column} = $1"
        );
        let row = db::query(sql)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("return", key))?;
        let order: String = row.try_get("order_id")?;
        let currency = get_currency(&row, "currency")?;
        let money = |col: &str| -> StoreResult<Money> { Ok(Money::new(row.try_get(col)?, currency)) };
        Ok(Head {
            id: get_id(&row, "id")?,
            number: row.try_get("number")?,
            status: get_enum(&row, "status", ReturnStatus::parse)?,
            version: row.try_get("version")?,
            location: row
                .try_get::<Option<String>, _>("location_id")?
                .map(LocationId::try_from)
                .transpose()
                .map_err(StoreError::Corrupt)?,
            settlement: settlement_kind(&row)?,
            refund_approved: opt_enum(&row, "refund_approved_role", Role::parse)?,
            money: ReturnMoney {
                credited: money("credited")?,
                restocking_fee: money("restocking_fee")?,
                shipping_refunded: money("shipping_refunded")?,
            },
            order: order_facts(conn, &order).await?,
        })
    }

    pub(super) async fn return_lines(conn: &mut Link, head: &Head) -> StoreResult<Vec<LineRow>> {
        let rows = db::query(
            "SELECT rl.id, rl.line_no, rl.sku, rl.product_id, p.barcode, rl.quantity, rl.reason, rl.received, rl.settled, \
             l.total, l.quantity AS line_quantity FROM return_line rl JOIN order_line l ON l.id = rl.line_id \
             JOIN product p ON p.id = rl.product_id WHERE rl.return_id = $1 ORDER BY rl.line_no, rl.id",
        )
        .bind(head.id.as_str())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LineRow {
                    id: get_id(r, "id")?,
                    product_id: get_id(r, "product_id")?,
                    state: ReturnLineState {
                        line_no: r.try_get("line_no")?,
                        sku: r.try_get("sku")?,
                        barcode: r.try_get("barcode")?,
                        quantity: r.try_get("quantity")?,
                        reason: get_enum(r, "reason", ReturnReason::parse)?,
                        received: r.try_get("received")?,
                        settled: r.try_get("settled")?,
                        line_total: Money::new(r.try_get("total")?, head.order.currency),
                        line_quantity: r.try_get("line_quantity")?,
                    },
                })
            })
            .collect()
    }

    /// Reads the return and takes its row, its version checked, before anything else is
    /// written: concurrent actions on one return queue, and the later ones retry on what
    /// the first did.
    pub(super) async fn take_return(tx: &mut WriteTx, key: &str) -> StoreResult<Head> {
        let mut head = Self::return_head(tx, key).await?;
        let taken = db::query("UPDATE return_request SET version = version + 1 WHERE id = $1 AND version = $2")
            .bind(head.id.as_str())
            .bind(head.version)
            .execute(&mut ***tx)
            .await?;
        changed_one(&taken, || format!("return {}", head.number))?;
        head.version += 1;
        Ok(head)
    }

    /// Moves the return to `to` with an optimistic version check, stamping `stamp`.
    pub(super) async fn save_return(
        tx: &mut WriteTx,
        now: Timestamp,
        head: &Head,
        to: ReturnStatus,
        stamp: Option<&str>,
    ) -> StoreResult<()> {
        let extra = match stamp {
            Some(column) => format!(", {column} = $1"),
            None => String::new(),
        };
        let sql = format!(
            "UPDATE return_request SET status = $2, updated_at = $1, version = version + 1{extra} \
             WHERE id = $3 AND version = $4"
        );
        let updated = db::query(sql)
            .bind(micros(now))
            .bind(to.as_str())
            .bind(head.id.as_str())
            .bind(head.version)
            .execute(&mut ***tx)
            .await?;
        changed_one(&updated, || format!("return {}", head.number))
    }
}
