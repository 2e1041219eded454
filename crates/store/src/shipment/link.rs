//! What ties a shipment to its order (whose head `order::Head` reads and saves under
//! its version, so a shipment action and a cancel of the same order serialise): the
//! shipment's head, timeline events and outbox messages — and the two checks order cancellation and re-routing need:
//! which lines the floor has started on (`lines_in_progress`), and withdrawing the
//! shipments it has not (`withdraw_unstarted_shipments`).

use jiff::Timestamp;
use serde_json::json;
use switchyard_core::carrier::Carrier;
use switchyard_core::id::{LineId, LocationId, OrderId, ProductId, ShipmentId};
use switchyard_core::inventory::{Quantity, StockCommand};
use switchyard_core::order::{self as rules, LineAction, LineStatus, OrderEventKind, ServiceLevel};
use switchyard_core::shipment::{self as flow, FloorProgress, ShipmentAction, ShipmentLineStatus, ShipmentStatus};

use crate::WriteTx;
use crate::db::{self, Arg, Link, Row, Sql, get_enum, get_id, get_opt_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::inventory::{MovementContext, apply};
use crate::order::event as order_event;
use crate::outbox::enqueue;

/// What a shipment action reads of its shipment, inside its transaction.
#[derive(Debug, Clone)]
pub(crate) struct ShipmentHead {
    pub id: ShipmentId,
    pub number: String,
    pub order_id: OrderId,
    pub location_id: LocationId,
    pub location: String,
    pub status: ShipmentStatus,
    pub version: i64,
    pub service_level: ServiceLevel,
    pub carrier: Option<Carrier>,
    pub tracking_number: Option<String>,
    pub last_event_at: Option<Timestamp>,
    pub promised_delivery_at: Option<Timestamp>,
    /// When it left the location; none before.
    pub shipped_at: Option<Timestamp>,
}

pub(crate) async fn shipment_head(conn: &mut Link, id: &ShipmentId) -> StoreResult<ShipmentHead> {
    let row = db::query(
        "SELECT s.number, s.order_id, s.location_id, l.code, s.status, s.version, s.service_level, s.carrier, \
         s.tracking_number, s.last_event_at, s.promised_delivery_at, s.shipped_at FROM shipment s JOIN location l ON l.id = s.location_id WHERE s.id = $1",
    )
    .bind(id.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::not_found("shipment", id.as_str()))?;
    let text = |col: &str| row.try_get::<Option<String>, _>(col);
    Ok(ShipmentHead {
        id: id.clone(),
        number: row.try_get("number")?,
        order_id: get_id(&row, "order_id")?,
        location_id: get_id(&row, "location_id")?,
        location: row.try_get("code")?,
        status: get_enum(&row, "status", ShipmentStatus::parse)?,
        version: row.try_get("version")?,
        service_level: get_enum(&row, "service_level", ServiceLevel::parse)?,
        carrier: text("carrier")?.and_then(|c| Carrier::parse(&c).ok()),
        tracking_number: text("tracking_number")?,
        last_event_at: get_opt_time(&row, "last_event_at")?,
        promised_delivery_at: get_opt_time(&row, "promised_delivery_at")?,
        shipped_at: get_opt_time(&row, "shipped_at")?,
    })
}

/// Moves a shipment to `to`, setting `columns` as well, with an optimistic version
/// check; when the status changes, the outbox hears `shipment.<status>`.
pub(crate) async fn save_shipment(
    tx: &mut WriteTx,
    head: &ShipmentHead,
    to: ShipmentStatus,
    columns: Vec<(&'static str, Option<Arg>)>,
    now: Timestamp,
) -> StoreResult<()> {
    let mut sql = Sql::new("UPDATE shipment SET status = ");
    sql.bind(Arg::Text(to.as_str().into()))
        .push(", updated_at = ")
        .bind(Arg::Int(micros(now)))
        .push(", version = version + 1");
    for (column, value) in columns {
        sql.push(&format!(", {column} = "));
        match value {
            Some(v) => sql.bind(v),
            None => sql.push("NULL"),
        };
    }
    sql.push(" WHERE id = ")
        .bind(Arg::Text(head.id.to_string()))
        .push(" AND version = ")
        .bind(Arg::Int(head.version));
    if sql.query().execute(&mut ***tx).await?.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            code: "concurrent_update",
            message: format!("shipment {} changed while this request ran; retry", head.number),
        });
    }
    if to != head.status {
        let payload = json!({
            "shipment_id": head.id, "number": head.number, "order_id": head.order_id, "location": head.location,
            "status": to, "previous_status": head.status, "carrier": head.carrier,
            "tracking_number": head.tracking_number, "at": now,
        });
        enqueue(tx, now, &format!("shipment.{to}"), head.id.as_str(), &payload);
    }
    Ok(())
}

/// Moves the stock held by the shipment's reservations — of `lines` only, when given —
/// through the ledger with `command` (`Release` or `Ship`) and deletes them. Rows are
/// taken in (product, id) order, so concurrent transactions reach balances alike.
pub(crate) async fn consume_reservations(
    tx: &mut WriteTx,
    now: Timestamp,
    head: &ShipmentHead,
    lines: Option<&[&LineId]>,
    (command, ctx): (fn(Quantity) -> StockCommand, &MovementContext),
) -> StoreResult<()> {
    let rows = db::query(
        "SELECT r.id, r.line_id, r.product_id, p.sku, r.quantity FROM reservation r JOIN product p ON p.id = r.product_id \
         WHERE r.shipment_id = $1 ORDER BY r.product_id, r.id",
    )
    .bind(head.id.as_str())
    .fetch_all(&mut ***tx)
    .await?;
    for r in &rows {
        let line: LineId = get_id(r, "line_id")?;
        if lines.is_some_and(|only| !only.contains(&&line)) {
            continue;
        }
        let product: ProductId = get_id(r, "product_id")?;
        let sku: String = r.try_get("sku")?;
        let quantity = Quantity::new(r.try_get("quantity")?).map_err(|e| StoreError::Corrupt(e.message))?;
        let item = (&head.location_id, head.location.as_str());
        apply(tx, now, (&product, &sku), item, command(quantity), ctx).await?;
        db::query("DELETE FROM reservation WHERE id = $1")
            .bind(r.try_get::<String, _>("id")?)
            .execute(&mut ***tx)
            .await?;
    }
    Ok(())
}

/// The status an order line still `from` takes on `action`, as core's line lifecycle
/// (`core::order::line_transition`) says: for an update guarded by `from`.
pub(crate) fn line_step(from: LineStatus, action: LineAction) -> StoreResult<LineStatus> {
    rules::line_transition(from, action).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A line the floor has started on, which cancellation must leave alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LineInProgress {
    pub line_id: LineId,
    pub shipment: String,
    pub status: ShipmentStatus,
}

/// The lines of `order` (or just `line`) in a shipment the floor has started on:
/// picks confirmed, packed, labelled, or shipped. Cancelling or re-routing such a line
/// must be refused (see `refuse_lines_in_progress`).
pub(crate) async fn lines_in_progress(
    conn: &mut Link,
    order: &OrderId,
    line: Option<&LineId>,
) -> StoreResult<Vec<LineInProgress>> {
    let mut sql = Sql::new(
        "SELECT DISTINCT x.line_id, s.number, s.status, s.picked_at FROM shipment_line x \
         JOIN shipment s ON s.id = x.shipment_id",
    );
    sql.filter("s.order_id = ", Arg::Text(order.to_string()), "");
    sql.push(&format!(" AND x.status = {}", db::is(ShipmentLineStatus::Open)));
    if let Some(line) = line {
        sql.filter("x.line_id = ", Arg::Text(line.to_string()), "");
    }
    sql.push(" ORDER BY s.number, x.line_id");
    let mut busy = Vec::new();
    for r in sql.query().fetch_all(&mut *conn).await? {
        let status = get_enum(&r, "status", ShipmentStatus::parse)?;
        if flow::floor_progress(status, picked(&r)?) == FloorProgress::Started {
            busy.push(LineInProgress {
                line_id: get_id(&r, "line_id")?,
                shipment: r.try_get("number")?,
                status,
            });
        }
    }
    Ok(busy)
}

/// Whether the shipment read in `row` has had its picks confirmed.
fn picked(row: &Row) -> StoreResult<bool> {
    Ok(row.try_get::<Option<i64>, _>("picked_at")?.is_some())
}

/// Fails with `409 shipment_in_progress` when any line of `order` (or `line`) is in a
/// shipment the floor has started on; the message names the shipment and its state.
pub(crate) async fn refuse_lines_in_progress(
    conn: &mut Link,
    order: &OrderId,
    line: Option<&LineId>,
) -> StoreResult<()> {
    let busy = lines_in_progress(conn, order, line).await?;
    match busy.first() {
        None => Ok(()),
        Some(first) => Err(StoreError::Conflict {
            code: "shipment_in_progress",
            message: format!(
                "shipment {} is {} and holds {} of the lines; it can no longer be changed",
                first.shipment,
                first.status.as_str().replace('_', " "),
                if line.is_some() {
                    "this line".to_owned()
                } else {
                    format!("{}", busy.len())
                },
            ),
        }),
    }
}

/// Cancels `head` (the floor has not started on it, or it is being given up) and
/// detaches its reservations, which wait to be released again or are released by the
/// caller. Lines still open are withdrawn.
pub(crate) async fn cancel_shipment_in(
    tx: &mut WriteTx,
    head: &ShipmentHead,
    now: Timestamp,
    (reason, actor): (&str, &str),
) -> StoreResult<()> {
    let to = flow::transition(head.status, ShipmentAction::Cancel)?;
    db::query("UPDATE reservation SET shipment_id = NULL WHERE shipment_id = $1")
        .bind(head.id.as_str())
        .execute(&mut ***tx)
        .await?;
    db::query(format!(
        "UPDATE shipment_line SET status = {} WHERE shipment_id = $1 AND status = {}",
        db::is(ShipmentLineStatus::Withdrawn),
        db::is(ShipmentLineStatus::Open)
    ))
    .bind(head.id.as_str())
    .execute(&mut ***tx)
    .await?;
    save_shipment(tx, head, to, vec![("cancelled_at", Some(Arg::Int(micros(now))))], now).await?;
    order_event(
        tx,
        now,
        &head.order_id,
        OrderEventKind::ShipmentCancelled,
        actor,
        format!("Shipment {} from {} cancelled: {reason}", head.number, head.location),
        json!({ "shipment_id": head.id, "number": head.number, "reason": reason }),
    );
    Ok(())
}

/// Withdraws `line` (or every line) of `order` from the shipments the floor has not
/// started on (released, or on a pick list not yet confirmed): its reservations leave
/// the shipment, and a shipment left with nothing is cancelled. Call this before
/// releasing the reservations of a cancelled order or line, after
/// `refuse_lines_in_progress`. Returns the numbers of the shipments touched.
pub(crate) async fn withdraw_unstarted_shipments(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    line: Option<&LineId>,
    actor: &str,
) -> StoreResult<Vec<String>> {
    let mut ids: Vec<ShipmentId> = Vec::new();
    let rows = db::query("SELECT id, status, picked_at FROM shipment WHERE order_id = $1 ORDER BY id")
        .bind(order.as_str())
        .fetch_all(&mut ***tx)
        .await?;
    for r in &rows {
        let status = get_enum(r, "status", ShipmentStatus::parse)?;
        if flow::floor_progress(status, picked(r)?) == FloorProgress::NotStarted {
            ids.push(get_id(r, "id")?);
        }
    }
    let mut touched = Vec::new();
    for id in ids {
        let head = shipment_head(tx, &id).await?;
        let Some(line) = line else {
            cancel_shipment_in(tx, &head, now, ("the order was cancelled", actor)).await?;
            touched.push(head.number);
            continue;
        };
        let withdrawn = db::query(format!(
            "UPDATE shipment_line SET status = {} WHERE shipment_id = $1 AND line_id = $2 AND status = {}",
            db::is(ShipmentLineStatus::Withdrawn),
            db::is(ShipmentLineStatus::Open)
        ))
        .bind(id.as_str())
        .bind(line.as_str())
        .execute(&mut ***tx)
        .await?
        .rows_affected();
        if withdrawn == 0 {
            continue;
        }
        db::query("UPDATE reservation SET shipment_id = NULL WHERE shipment_id = $1 AND line_id = $2")
            .bind(id.as_str())
            .bind(line.as_str())
            .execute(&mut ***tx)
            .await?;
        let open: i64 = db::query_scalar(format!(
            "SELECT COUNT(*) FROM shipment_line WHERE shipment_id = $1 AND status = {}",
            db::is(ShipmentLineStatus::Open)
        ))
        .bind(id.as_str())
        .fetch_one(&mut ***tx)
        .await?;
        if open == 0 {
            cancel_shipment_in(tx, &head, now, ("its last line was cancelled", actor)).await?;
        } else {
            save_shipment(tx, &head, head.status, Vec::new(), now).await?;
        }
        touched.push(head.number);
    }
    Ok(touched)
}
