//! Returns (RMAs) in the database: requests checked against what shipped and the
//! channel's return window, authorization with the returning location, receipts with a
//! disposition per item (restock through the ledger, quarantine, scrap), settlement
//! through the payments ledger, exchanges (`exchange`) and claims (`claim`). The rules
//! are `core::returns`; this module reads what they need and writes what they decide.

mod check;
mod claim;
mod exchange;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use switchyard_core::catalog::Address;
use switchyard_core::id::{LineId, LocationId, OrderId, ProductId, ReturnId, ReturnLineId, ReturnReceiptId};
use switchyard_core::inventory::{Quantity, StockCommand};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::{Customer, LineDraft, OrderDraft, OrderEventKind, Totals};
use switchyard_core::payment::RefundReason;
use switchyard_core::returns::{
    self as rules, Disposition, OpenReturnLine, OrderReturnStatus, RefundOn, ReturnAction, ReturnDraft, ReturnReason,
    ReturnReceipt, ReturnStatus, ReturnableLine, SettleLine, Settlement, SettlementKind,
};

pub use claim::{Claim, ClaimFilter, ClaimLine};

use crate::db::{
    self, Arg, Link, Row, Sql, changed_one, get_currency, get_enum, get_id, get_json, get_opt_time, get_time, micros,
};
use crate::error::{StoreError, StoreResult};
use crate::inventory::{MovementContext, apply, retrying};
use crate::order::{Order, event};
use crate::page::{Page, PageRequest};
use crate::{Store, WriteTx};

/// Units of a return line by what became of them.
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dispositions {
    pub restock: i64,
    pub quarantine: i64,
    pub scrap: i64,
}

/// One line of a return.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnLine {
    pub id: ReturnLineId,
    /// The order's line number.
    pub line_no: i64,
    pub line_id: LineId,
    pub sku: String,
    pub product_id: ProductId,
    /// Units asked to be returned.
    pub quantity: i64,
    pub reason: ReturnReason,
    pub note: Option<String>,
    /// Units that arrived.
    pub received: i64,
    /// Units whose money was settled (refunded or credited to an exchange).
    pub settled: i64,
    pub dispositions: Dispositions,
}

/// Units received with one disposition.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnReceiptRecord {
    pub id: ReturnReceiptId,
    pub line_no: i64,
    pub sku: String,
    pub location: String,
    pub disposition: Disposition,
    pub quantity: i64,
    /// The `return_restock` ledger row of a restock.
    pub movement_id: Option<String>,
    pub note: Option<String>,
    pub actor: String,
    pub created_at: Timestamp,
}

/// A return as lists show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnSummary {
    pub id: ReturnId,
    /// The RMA number; the return label's reference.
    #[cfg_attr(feature = "openapi", schema(example = "RMA-100001"))]
    pub number: String,
    pub order_id: OrderId,
    pub order_number: String,
    pub status: ReturnStatus,
    /// Code of the location the items go back to, once authorized.
    pub location: Option<String>,
    pub units: i64,
    pub units_received: i64,
    pub customer_note: Option<String>,
    /// The rejection's reason, or the operator's note when authorizing.
    pub decision_note: Option<String>,
    pub settlement: Option<SettlementKind>,
    /// Refunded so far, or credited to the exchange.
    pub credited: Money,
    pub restocking_fee: Money,
    pub shipping_refunded: Money,
    /// Number of the replacement order of an exchange.
    pub exchange_order: Option<String>,
    /// What the replacement cost beyond the credit; negative when the difference was
    /// refunded.
    pub exchange_difference: Option<Money>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub authorized_at: Option<Timestamp>,
    pub received_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub version: i64,
}

/// A return with its lines and receipts, and the two ends of its journey.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Return {
    #[serde(flatten)]
    pub summary: ReturnSummary,
    pub customer: Customer,
    /// Where the items come from: the order's shipping address.
    pub ship_from: Address,
    /// The returning location's address, once authorized.
    pub ship_to: Option<Address>,
    pub lines: Vec<ReturnLine>,
    pub receipts: Vec<ReturnReceiptRecord>,
}

#[derive(Debug, Clone, Default)]
pub struct ReturnFilter {
    pub status: Option<ReturnStatus>,
    pub reason: Option<ReturnReason>,
    /// Returns with a line of this SKU (or product id).
    pub sku: Option<String>,
    /// The order's number or id.
    pub order: Option<String>,
}

/// Returned stock held for inspection at a location: counted, not sellable.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuarantineLevel {
    pub sku: String,
    pub product_id: ProductId,
    pub location: String,
    pub location_id: LocationId,
    pub quantity: i64,
    pub updated_at: Timestamp,
}

/// How often one SKU comes back.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnRate {
    pub sku: String,
    pub product_id: ProductId,
    /// Units that left in shipments.
    pub shipped: i64,
    /// Units on returns that were not rejected or cancelled.
    pub returned: i64,
    /// `returned / shipped`, 0 when nothing shipped.
    #[cfg_attr(feature = "openapi", schema(example = 0.125))]
    pub rate: f64,
    /// Returned units by reason.
    #[cfg_attr(feature = "openapi", schema(value_type = Object, example = json!({"too_small": 2, "damaged": 1})))]
    pub by_reason: BTreeMap<ReturnReason, i64>,
}

/// What an authorization says.
#[derive(Debug, Clone, Default)]
pub struct Authorization {
    /// The returning location's code or id; default where the goods shipped from.
    pub location: Option<String>,
    pub note: Option<String>,
}

const SUMMARY_SELECT: &str = "SELECT r.id, r.number, r.order_id, o.number AS order_number, r.status, \
     (SELECT code FROM location WHERE id = r.location_id) AS location, r.currency, r.customer_note, \
     r.decision_note, r.settlement, r.credited, r.restocking_fee, r.shipping_refunded, \
     (SELECT number FROM sales_order WHERE id = r.exchange_order_id) AS exchange_order, r.exchange_difference, \
     r.created_by, r.created_at, r.authorized_at, r.received_at, r.closed_at, r.updated_at, r.version, \
     COALESCE((SELECT CAST(SUM(quantity) AS BIGINT) FROM return_line WHERE return_id = r.id), 0) AS units, \
     COALESCE((SELECT CAST(SUM(received) AS BIGINT) FROM return_line WHERE return_id = r.id), 0) AS units_received \
     FROM return_request r JOIN sales_order o ON o.id = r.order_id";

fn summary(row: &Row) -> StoreResult<ReturnSummary> {
    let c = get_currency(row, "currency")?;
    let m = |col: &str| -> StoreResult<Money> { Ok(Money::new(row.try_get(col)?, c)) };
    Ok(ReturnSummary {
        id: get_id(row, "id")?,
        number: row.try_get("number")?,
        order_id: get_id(row, "order_id")?,
        order_number: row.try_get("order_number")?,
        status: get_enum(row, "status", ReturnStatus::parse)?,
        location: row.try_get("location")?,
        units: row.try_get("units")?,
        units_received: row.try_get("units_received")?,
        customer_note: row.try_get("customer_note")?,
        decision_note: row.try_get("decision_note")?,
        settlement: row
            .try_get::<Option<String>, _>("settlement")?
            .map(|s| SettlementKind::parse(&s).map_err(|e| StoreError::Corrupt(e.message)))
            .transpose()?,
        credited: m("credited")?,
        restocking_fee: m("restocking_fee")?,
        shipping_refunded: m("shipping_refunded")?,
        exchange_order: row.try_get("exchange_order")?,
        exchange_difference: row
            .try_get::<Option<i64>, _>("exchange_difference")?
            .map(|a| Money::new(a, c)),
        created_by: row.try_get("created_by")?,
        created_at: get_time(row, "created_at")?,
        authorized_at: get_opt_time(row, "authorized_at")?,
        received_at: get_opt_time(row, "received_at")?,
        closed_at: get_opt_time(row, "closed_at")?,
        updated_at: get_time(row, "updated_at")?,
        version: row.try_get("version")?,
    })
}

/// An order line as returns and claims see it, read inside their transaction.
struct OrderLineRow {
    id: LineId,
    product_id: ProductId,
    returnable: ReturnableLine,
}

/// The parts of an order a return needs, read inside its transaction.
struct OrderFacts {
    id: OrderId,
    currency: Currency,
    /// The order's shipping with its tax.
    shipping: Money,
    window_days: i64,
    refund_on: RefundOn,
    fee_percent: i64,
}

/// The parts of a return an action needs, read inside its transaction.
struct Head {
    id: ReturnId,
    number: String,
    status: ReturnStatus,
    version: i64,
    location: Option<LocationId>,
    settlement: Option<SettlementKind>,
    order: OrderFacts,
}

/// A return line as actions see it.
struct LineRow {
    id: ReturnLineId,
    line_no: i64,
    sku: String,
    product_id: ProductId,
    barcode: Option<String>,
    quantity: i64,
    reason: ReturnReason,
    received: i64,
    settled: i64,
    line_total: Money,
    line_quantity: i64,
}

/// Whether `key` is an id of type `T` (else a number).
fn id_column<T: TryFrom<String>>(key: &str, id: &'static str, number: &'static str) -> &'static str {
    if T::try_from(key.to_owned()).is_ok() {
        id
    } else {
        number
    }
}

async fn order_facts(conn: &mut Link, key: &str) -> StoreResult<OrderFacts> {
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
    Ok(OrderFacts {
        id: get_id(&row, "id")?,
        currency,
        shipping: Money::new(
            row.try_get::<i64, _>("shipping_amount")? + row.try_get::<i64, _>("shipping_tax")?,
            currency,
        ),
        window_days: row.try_get("return_window_days")?,
        refund_on: get_enum(&row, "refund_on", RefundOn::parse)?,
        fee_percent: row.try_get("restocking_fee_percent")?,
    })
}

/// The order's lines with what shipped, when, and what is already on returns and
/// claims that count.
async fn order_lines(conn: &mut Link, order: &OrderId) -> StoreResult<Vec<OrderLineRow>> {
    let rows = db::query(
        "SELECT l.id, l.line_no, l.sku, l.product_id, l.quantity, l.status, \
         (SELECT MAX(s.shipped_at) FROM shipment_line sl JOIN shipment s ON s.id = sl.shipment_id \
          WHERE sl.line_id = l.id AND sl.status = 'open') AS shipped_at, \
         (SELECT MAX(s.delivered_at) FROM shipment_line sl JOIN shipment s ON s.id = sl.shipment_id \
          WHERE sl.line_id = l.id AND sl.status = 'open') AS delivered_at, \
         COALESCE((SELECT CAST(SUM(rl.quantity) AS BIGINT) FROM return_line rl JOIN return_request r ON r.id = rl.return_id \
                   WHERE rl.line_id = l.id AND r.status NOT IN ('rejected', 'cancelled')), 0) \
         + COALESCE((SELECT CAST(SUM(cl.quantity) AS BIGINT) FROM claim_line cl WHERE cl.line_id = l.id), 0) AS already \
         FROM order_line l WHERE l.order_id = $1 ORDER BY l.line_no",
    )
    .bind(order.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            let quantity: i64 = r.try_get("quantity")?;
            Ok(OrderLineRow {
                id: get_id(r, "id")?,
                product_id: get_id(r, "product_id")?,
                returnable: ReturnableLine {
                    line_no: r.try_get("line_no")?,
                    sku: r.try_get("sku")?,
                    shipped: if matches!(status.as_str(), "shipped" | "delivered") {
                        quantity
                    } else {
                        0
                    },
                    already: r.try_get("already")?,
                    shipped_at: get_opt_time(r, "shipped_at")?,
                    delivered_at: get_opt_time(r, "delivered_at")?,
                },
            })
        })
        .collect()
}

/// Takes the order's row, so concurrent returns and claims of one order queue and each
/// sees what the one before it put on returns.
async fn lock_order(tx: &mut WriteTx, order: &OrderId) -> StoreResult<()> {
    db::query("UPDATE sales_order SET updated_at = updated_at WHERE id = $1")
        .bind(order.as_str())
        .execute(&mut ***tx)
        .await?;
    Ok(())
}

/// Recomputes the order's `return_status` from its returns and bumps its version.
async fn refresh_order(tx: &mut WriteTx, now: Timestamp, order: &OrderId) -> StoreResult<OrderReturnStatus> {
    let row = db::query(
        "SELECT COALESCE((SELECT CAST(SUM(quantity) AS BIGINT) FROM order_line \
                          WHERE order_id = $1 AND status IN ('shipped', 'delivered')), 0) AS shipped, \
                COALESCE((SELECT CAST(SUM(rl.received) AS BIGINT) FROM return_line rl \
                          JOIN return_request r ON r.id = rl.return_id WHERE r.order_id = $1), 0) AS received, \
                (SELECT COUNT(*) FROM return_request WHERE order_id = $1 \
                 AND status IN ('requested', 'authorized', 'partially_received')) AS open",
    )
    .bind(order.as_str())
    .fetch_one(&mut ***tx)
    .await?;
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

fn describe(lines: impl IntoIterator<Item = (i64, String)>) -> String {
    lines
        .into_iter()
        .map(|(q, sku)| format!("{q} × {sku}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    async fn next_return_number(&self, tx: &mut WriteTx) -> StoreResult<String> {
        let next = match self.backend() {
            crate::Backend::Sqlite => {
                "UPDATE counter SET value = value + 1 WHERE name = 'return_number' RETURNING value"
            }
            crate::Backend::Postgres => "SELECT nextval('return_number_seq')",
        };
        let n: i64 = db::query_scalar(next).fetch_one(&mut ***tx).await?;
        Ok(format!("RMA-{n}"))
    }

    /// Opens a return for shipped lines of an order, each within the channel's return
    /// window and no more than may still be returned; every problem is reported at once.
    pub async fn request_return(&self, draft: &ReturnDraft, actor: &str) -> StoreResult<Return> {
        let id = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let order = order_facts(&mut tx, &draft.order).await.map_err(|e| match e {
                    StoreError::NotFound { .. } => StoreError::invalid(
                        "/order",
                        "unknown_order",
                        format!("there is no order {}", draft.order),
                    ),
                    e => e,
                })?;
                lock_order(&mut tx, &order.id).await?;
                let lines = order_lines(&mut tx, &order.id).await?;
                let returnable: Vec<ReturnableLine> = lines.iter().map(|l| l.returnable.clone()).collect();
                let asked: Vec<(i64, Quantity)> = draft.lines.iter().map(|l| (l.line_no, l.quantity)).collect();
                rules::check_request(&returnable, &asked, now, Some(order.window_days)).map_err(StoreError::Invalid)?;
                let id = ReturnId::new_at(now);
                let number = self.next_return_number(&mut tx).await?;
                db::query(
                    "INSERT INTO return_request (id, number, order_id, status, currency, customer_note, created_by, \
                     created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1)",
                )
                .bind(id.as_str())
                .bind(&number)
                .bind(order.id.as_str())
                .bind(ReturnStatus::Requested.as_str())
                .bind(order.currency.to_string())
                .bind(draft.customer_note.as_deref())
                .bind(actor)
                .bind(micros(now))
                .execute(&mut **tx)
                .await?;
                for l in &draft.lines {
                    let line = lines
                        .iter()
                        .find(|o| o.returnable.line_no == l.line_no)
                        .ok_or_else(|| StoreError::not_found("order line", l.line_no.to_string()))?;
                    db::query(
                        "INSERT INTO return_line (id, return_id, line_id, line_no, product_id, sku, quantity, reason, note) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(ReturnLineId::new_at(now).as_str())
                    .bind(id.as_str())
                    .bind(line.id.as_str())
                    .bind(l.line_no)
                    .bind(line.product_id.as_str())
                    .bind(&line.returnable.sku)
                    .bind(l.quantity.get())
                    .bind(l.reason.as_str())
                    .bind(l.note.as_deref())
                    .execute(&mut **tx)
                    .await?;
                }
                refresh_order(&mut tx, now, &order.id).await?;
                let items = describe(draft.lines.iter().map(|l| {
                    let sku = lines
                        .iter()
                        .find(|o| o.returnable.line_no == l.line_no)
                        .map(|o| o.returnable.sku.clone())
                        .unwrap_or_default();
                    (l.quantity.get(), format!("{sku} ({})", l.reason.as_str().replace('_', " ")))
                }));
                event(
                    &mut tx,
                    now,
                    &order.id,
                    OrderEventKind::ReturnRequested,
                    actor,
                    format!("Return {number} requested: {items}"),
                    json!({ "return": number, "return_id": id }),
                );
                Ok(id)
            }
            .await;
            tx.finish(result).await
        })?;
        self.return_request(id.as_str()).await
    }

    async fn return_head(conn: &mut Link, key: &str) -> StoreResult<Head> {
        let column = id_column::<ReturnId>(key, "id", "number");
        let sql = format!(
            "SELECT id, number, order_id, status, version, location_id, settlement FROM return_request WHERE {column} = $1"
        );
        let row = db::query(sql)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("return", key))?;
        let order: String = row.try_get("order_id")?;
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
            settlement: row
                .try_get::<Option<String>, _>("settlement")?
                .map(|s| SettlementKind::parse(&s).map_err(|e| StoreError::Corrupt(e.message)))
                .transpose()?,
            order: order_facts(conn, &order).await?,
        })
    }

    async fn return_lines(conn: &mut Link, head: &Head) -> StoreResult<Vec<LineRow>> {
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
                    line_no: r.try_get("line_no")?,
                    sku: r.try_get("sku")?,
                    product_id: get_id(r, "product_id")?,
                    barcode: r.try_get("barcode")?,
                    quantity: r.try_get("quantity")?,
                    reason: get_enum(r, "reason", ReturnReason::parse)?,
                    received: r.try_get("received")?,
                    settled: r.try_get("settled")?,
                    line_total: Money::new(r.try_get("total")?, head.order.currency),
                    line_quantity: r.try_get("line_quantity")?,
                })
            })
            .collect()
    }

    /// Reads the return and takes its row, its version checked, before anything else is
    /// written: concurrent actions on one return queue, and the later ones retry on what
    /// the first did.
    async fn take_return(tx: &mut WriteTx, key: &str) -> StoreResult<Head> {
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
    async fn save_return(
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

    /// Settles the units of `lines` not settled yet (up to `upto` of each: what was
    /// received, or everything authorized) by a refund through the payments ledger.
    async fn settle_return_in(
        tx: &mut WriteTx,
        now: Timestamp,
        head: &Head,
        lines: &[LineRow],
        upto: impl Fn(&LineRow) -> i64,
        actor: &str,
    ) -> StoreResult<()> {
        let settle: Vec<SettleLine> = lines
            .iter()
            .filter(|l| upto(l) > l.settled)
            .map(|l| SettleLine {
                line_no: l.line_no,
                reason: l.reason,
                line_total: l.line_total,
                line_quantity: l.line_quantity,
                quantity: upto(l) - l.settled,
            })
            .collect();
        if settle.is_empty() {
            return Ok(());
        }
        let settlement = Self::return_settlement(tx, head, &settle).await?;
        let refunded = if settlement.total.amount > 0 {
            let request = settlement.refund(&settle, RefundReason::Return, &head.number);
            crate::payment::refund_in(tx, &head.order.id, &request, actor)
                .await?
                .amount
        } else {
            Money::zero(head.order.currency)
        };
        Self::record_settlement(tx, now, head, SettlementKind::Refund, &settlement, refunded).await?;
        for l in lines.iter().filter(|l| upto(l) > l.settled) {
            db::query("UPDATE return_line SET settled = $1 WHERE id = $2")
                .bind(upto(l))
                .bind(l.id.as_str())
                .execute(&mut ***tx)
                .await?;
        }
        let message = format!(
            "Return {} refunded {refunded}{}{}",
            head.number,
            if settlement.shipping.amount > 0 {
                format!(" (shipping {} included)", settlement.shipping)
            } else {
                String::new()
            },
            if settlement.restocking_fee.amount > 0 {
                format!(" (restocking fee {} kept)", settlement.restocking_fee)
            } else {
                String::new()
            },
        );
        event(
            tx,
            now,
            &head.order.id,
            OrderEventKind::ReturnSettled,
            actor,
            message,
            json!({ "return": head.number, "settlement": SettlementKind::Refund, "refunded": refunded, "computed": settlement }),
        );
        Ok(())
    }

    /// What settling `settle` is worth, the order's shipping refunded at most once.
    async fn return_settlement(conn: &mut Link, head: &Head, settle: &[SettleLine]) -> StoreResult<Settlement> {
        let shipping_refunded: i64 =
            db::query_scalar("SELECT COUNT(*) FROM return_request WHERE order_id = $1 AND shipping_refunded > 0")
                .bind(head.order.id.as_str())
                .fetch_one(&mut *conn)
                .await?;
        rules::settle(
            settle,
            head.order.shipping,
            shipping_refunded > 0,
            head.order.fee_percent,
        )
        .map_err(|e| StoreError::invalid("", "out_of_range", e.to_string()))
    }

    async fn record_settlement(
        tx: &mut WriteTx,
        now: Timestamp,
        head: &Head,
        kind: SettlementKind,
        settlement: &Settlement,
        credited: Money,
    ) -> StoreResult<()> {
        db::query(
            "UPDATE return_request SET settlement = $1, credited = credited + $2, restocking_fee = restocking_fee + $3, \
             shipping_refunded = shipping_refunded + $4, updated_at = $5 WHERE id = $6",
        )
        .bind(kind.as_str())
        .bind(credited.amount)
        .bind(settlement.restocking_fee.amount)
        .bind(settlement.shipping.amount)
        .bind(micros(now))
        .bind(head.id.as_str())
        .execute(&mut ***tx)
        .await?;
        Ok(())
    }

    /// Authorizes a requested return: the items go back to `location` (by default the
    /// location that shipped them). A channel that refunds on authorization refunds now.
    pub async fn authorize_return(&self, key: &str, auth: &Authorization, actor: &str) -> StoreResult<Return> {
        let location = match &auth.location {
            Some(l) => Some(match self.location(l).await {
                Ok(loc) => loc.id,
                Err(StoreError::NotFound { .. }) => {
                    return Err(StoreError::invalid(
                        "/location",
                        "unknown_location",
                        format!("there is no location {l}"),
                    ));
                }
                Err(e) => return Err(e),
            }),
            None => None,
        };
        let id = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let head = Self::take_return(&mut tx, key).await?;
                let to = rules::transition(head.status, ReturnAction::Authorize)?;
                let location = match &location {
                    Some(l) => l.clone(),
                    None => shipped_from(&mut tx, &head.id).await?,
                };
                Self::save_return(&mut tx, now, &head, to, Some("authorized_at")).await?;
                db::query(
                    "UPDATE return_request SET location_id = $1, decision_note = $2, decided_at = $3 WHERE id = $4",
                )
                .bind(location.as_str())
                .bind(auth.note.as_deref())
                .bind(micros(now))
                .bind(head.id.as_str())
                .execute(&mut **tx)
                .await?;
                let code: String = db::query_scalar("SELECT code FROM location WHERE id = $1")
                    .bind(location.as_str())
                    .fetch_one(&mut **tx)
                    .await?;
                refresh_order(&mut tx, now, &head.order.id).await?;
                event(
                    &mut tx,
                    now,
                    &head.order.id,
                    OrderEventKind::ReturnAuthorized,
                    actor,
                    format!("Return {} authorized: send the items to {code}", head.number),
                    json!({ "return": head.number, "location": code, "note": auth.note }),
                );
                if head.order.refund_on == RefundOn::Authorization {
                    let lines = Self::return_lines(&mut tx, &head).await?;
                    Self::settle_return_in(&mut tx, now, &head, &lines, |l| l.quantity, actor).await?;
                }
                Ok(head.id)
            }
            .await;
            tx.finish(result).await
        })?;
        self.return_request(id.as_str()).await
    }

    /// Rejects a requested return; the note says why.
    pub async fn reject_return(&self, key: &str, note: &str, actor: &str) -> StoreResult<Return> {
        self.decide(
            key,
            (ReturnAction::Reject, OrderEventKind::ReturnRejected),
            Some(note),
            actor,
        )
        .await
    }

    /// Withdraws a return before anything arrived (the customer changed their mind).
    pub async fn cancel_return(&self, key: &str, note: Option<&str>, actor: &str) -> StoreResult<Return> {
        self.decide(
            key,
            (ReturnAction::Cancel, OrderEventKind::ReturnCancelled),
            note,
            actor,
        )
        .await
    }

    /// Ends a return before anything arrived: rejected or cancelled, with a note; its
    /// units may be asked for again.
    async fn decide(
        &self,
        key: &str,
        (action, kind): (ReturnAction, OrderEventKind),
        note: Option<&str>,
        actor: &str,
    ) -> StoreResult<Return> {
        let id = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let head = Self::take_return(&mut tx, key).await?;
                let to = rules::transition(head.status, action)?;
                Self::save_return(&mut tx, now, &head, to, Some("decided_at")).await?;
                db::query("UPDATE return_request SET decision_note = $1 WHERE id = $2")
                    .bind(note)
                    .bind(head.id.as_str())
                    .execute(&mut **tx)
                    .await?;
                refresh_order(&mut tx, now, &head.order.id).await?;
                let verb = to.as_str();
                let why = note.map(|n| format!(": {n}")).unwrap_or_default();
                event(
                    &mut tx,
                    now,
                    &head.order.id,
                    kind,
                    actor,
                    format!("Return {} {verb}{why}", head.number),
                    json!({ "return": head.number, "note": note }),
                );
                Ok(head.id)
            }
            .await;
            tx.finish(result).await
        })?;
        self.return_request(id.as_str()).await
    }

    /// Receives scanned items at the returning location, each with its disposition:
    /// restocked units go back on hand through the ledger (and to waiting backorders),
    /// quarantined units are counted apart, scrapped units only recorded. Items not on
    /// the return or beyond what is authorized are refused and nothing changes. A
    /// channel that refunds on receipt refunds what arrived; a return received in full
    /// and settled is closed.
    pub async fn receive_return(&self, key: &str, receipt: &ReturnReceipt, actor: &str) -> StoreResult<Return> {
        let (id, restocked) = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let head = Self::take_return(&mut tx, key).await?;
                // Refused before matching when the state forbids any receipt.
                rules::transition(head.status, ReturnAction::Receive { completes: false })?;
                let location = head
                    .location
                    .clone()
                    .ok_or_else(|| StoreError::Corrupt(format!("return {} has no location", head.number)))?;
                let code: String = db::query_scalar("SELECT code FROM location WHERE id = $1")
                    .bind(location.as_str())
                    .fetch_one(&mut **tx)
                    .await?;
                let mut lines = Self::return_lines(&mut tx, &head).await?;
                let open: Vec<OpenReturnLine> = lines
                    .iter()
                    .map(|l| OpenReturnLine {
                        line_no: l.line_no,
                        sku: l.sku.clone(),
                        barcode: l.barcode.clone(),
                        outstanding: l.quantity - l.received,
                    })
                    .collect();
                let plan = rules::plan_receipt(&open, receipt).map_err(StoreError::Invalid)?;
                let ctx = MovementContext {
                    actor: actor.to_owned(),
                    note: receipt.note.clone(),
                    reference: Some(head.number.clone()),
                };
                let mut restocked = Vec::new();
                let mut received = Vec::new();
                for r in &plan {
                    let Some(line) = lines.iter_mut().find(|l| l.line_no == r.line_no) else {
                        continue;
                    };
                    let movement = match r.disposition {
                        Disposition::Restock => {
                            let kit: i64 = db::query_scalar("SELECT COUNT(*) FROM kit_component WHERE kit_id = $1")
                                .bind(line.product_id.as_str())
                                .fetch_one(&mut **tx)
                                .await?;
                            switchyard_core::catalog::holds_stock(&line.sku, kit > 0)
                                .map_err(|e| StoreError::Invalid(vec![e.at("/items")]))?;
                            restocked.push(line.product_id.clone());
                            Some(
                                apply(
                                    &mut tx,
                                    now,
                                    (&line.product_id, &line.sku),
                                    (&location, &code),
                                    StockCommand::ReturnRestock(r.quantity),
                                    &ctx,
                                )
                                .await?,
                            )
                        }
                        Disposition::Quarantine => {
                            db::query(
                                "INSERT INTO stock_quarantine (product_id, location_id, quantity, updated_at) \
                                 VALUES ($1, $2, $3, $4) ON CONFLICT (product_id, location_id) \
                                 DO UPDATE SET quantity = stock_quarantine.quantity + excluded.quantity, \
                                 updated_at = excluded.updated_at",
                            )
                            .bind(line.product_id.as_str())
                            .bind(location.as_str())
                            .bind(r.quantity.get())
                            .bind(micros(now))
                            .execute(&mut **tx)
                            .await?;
                            None
                        }
                        Disposition::Scrap => None,
                    };
                    // The receipt refers to its ledger row.
                    tx.write_appends().await?;
                    db::query(
                        "INSERT INTO return_receipt (id, return_id, return_line_id, product_id, location_id, disposition, \
                         quantity, movement_id, note, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(ReturnReceiptId::new_at(now).as_str())
                    .bind(head.id.as_str())
                    .bind(line.id.as_str())
                    .bind(line.product_id.as_str())
                    .bind(location.as_str())
                    .bind(r.disposition.as_str())
                    .bind(r.quantity.get())
                    .bind(movement.as_ref().map(|m| m.as_str()))
                    .bind(receipt.note.as_deref())
                    .bind(actor)
                    .bind(micros(now))
                    .execute(&mut **tx)
                    .await?;
                    db::query("UPDATE return_line SET received = received + $1 WHERE id = $2")
                        .bind(r.quantity.get())
                        .bind(line.id.as_str())
                        .execute(&mut **tx)
                        .await?;
                    line.received += r.quantity.get();
                    received.push((r.quantity.get(), format!("{} {}", line.sku, r.disposition)));
                }
                let completes = lines.iter().all(|l| l.received == l.quantity);
                let mut to = rules::transition(head.status, ReturnAction::Receive { completes })?;
                Self::save_return(&mut tx, now, &head, to, completes.then_some("received_at")).await?;
                event(
                    &mut tx,
                    now,
                    &head.order.id,
                    OrderEventKind::ReturnReceived,
                    actor,
                    format!("Return {} received at {code}: {}", head.number, describe(received)),
                    json!({ "return": head.number, "location": code, "complete": completes }),
                );
                // Refunded on authorization or exchanged, nothing is left to settle.
                if head.settlement != Some(SettlementKind::Exchange) {
                    Self::settle_return_in(&mut tx, now, &head, &lines, |l| l.received, actor).await?;
                }
                let settled: i64 = db::query_scalar(
                    "SELECT COUNT(*) FROM return_line WHERE return_id = $1 AND settled < quantity",
                )
                .bind(head.id.as_str())
                .fetch_one(&mut **tx)
                .await?;
                if to == ReturnStatus::Received && settled == 0 {
                    to = rules::transition(to, ReturnAction::Close)?;
                    db::query("UPDATE return_request SET status = $1, closed_at = $2 WHERE id = $3")
                        .bind(to.as_str())
                        .bind(micros(now))
                        .bind(head.id.as_str())
                        .execute(&mut **tx)
                        .await?;
                }
                refresh_order(&mut tx, now, &head.order.id).await?;
                Ok((head.id, restocked))
            }
            .await;
            tx.finish(result).await
        })?;
        if !restocked.is_empty() {
            self.after_stock_freed(&restocked).await;
        }
        self.return_request(id.as_str()).await
    }

    /// A return by id or RMA number, with its lines and receipts.
    pub async fn return_request(&self, key: &str) -> StoreResult<Return> {
        let column = id_column::<ReturnId>(key, "r.id", "r.number");
        let sql = format!("{SUMMARY_SELECT} WHERE {column} = $1");
        let row = db::query(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("return", key))?;
        let summary = summary(&row)?;
        let order = db::query(
            "SELECT customer_email, customer_name, customer_phone, shipping_address FROM sales_order WHERE id = $1",
        )
        .bind(summary.order_id.as_str())
        .fetch_one(&self.pool)
        .await?;
        let ship_to: Option<String> = db::query_scalar(
            "SELECT l.address FROM return_request r JOIN location l ON l.id = r.location_id WHERE r.id = $1",
        )
        .bind(summary.id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let receipts = db::query(
            "SELECT x.id, rl.line_no, rl.sku, l.code, x.disposition, x.quantity, x.movement_id, x.note, x.actor, x.created_at \
             FROM return_receipt x JOIN return_line rl ON rl.id = x.return_line_id JOIN location l ON l.id = x.location_id \
             WHERE x.return_id = $1 ORDER BY x.id",
        )
        .bind(summary.id.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ReturnReceiptRecord {
                id: get_id(r, "id")?,
                line_no: r.try_get("line_no")?,
                sku: r.try_get("sku")?,
                location: r.try_get("code")?,
                disposition: get_enum(r, "disposition", Disposition::parse)?,
                quantity: r.try_get("quantity")?,
                movement_id: r.try_get("movement_id")?,
                note: r.try_get("note")?,
                actor: r.try_get("actor")?,
                created_at: get_time(r, "created_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let lines = db::query(
            "SELECT id, line_no, line_id, sku, product_id, quantity, reason, note, received, settled \
             FROM return_line WHERE return_id = $1 ORDER BY line_no, id",
        )
        .bind(summary.id.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let line_no: i64 = r.try_get("line_no")?;
            let mut dispositions = Dispositions::default();
            for x in receipts.iter().filter(|x| x.line_no == line_no) {
                match x.disposition {
                    Disposition::Restock => dispositions.restock += x.quantity,
                    Disposition::Quarantine => dispositions.quarantine += x.quantity,
                    Disposition::Scrap => dispositions.scrap += x.quantity,
                }
            }
            Ok(ReturnLine {
                id: get_id(r, "id")?,
                line_no,
                line_id: get_id(r, "line_id")?,
                sku: r.try_get("sku")?,
                product_id: get_id(r, "product_id")?,
                quantity: r.try_get("quantity")?,
                reason: get_enum(r, "reason", ReturnReason::parse)?,
                note: r.try_get("note")?,
                received: r.try_get("received")?,
                settled: r.try_get("settled")?,
                dispositions,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(Return {
            customer: Customer {
                email: order.try_get("customer_email")?,
                name: order.try_get("customer_name")?,
                phone: order.try_get("customer_phone")?,
            },
            ship_from: get_json(&order, "shipping_address")?,
            ship_to: ship_to.map(|a| serde_json::from_str(&a)).transpose()?,
            summary,
            lines,
            receipts,
        })
    }

    /// Returns, newest first.
    pub async fn list_returns(&self, filter: &ReturnFilter, page: &PageRequest) -> StoreResult<Page<ReturnSummary>> {
        let mut sql = Sql::new(SUMMARY_SELECT);
        if let Some(status) = filter.status {
            sql.filter("r.status = ", Arg::Text(status.as_str().into()), "");
        }
        if let Some(reason) = filter.reason {
            sql.filter(
                "r.id IN (SELECT return_id FROM return_line WHERE reason = ",
                Arg::Text(reason.as_str().into()),
                ")",
            );
        }
        if let Some(sku) = &filter.sku {
            let product = self.product(sku).await?;
            sql.filter(
                "r.id IN (SELECT return_id FROM return_line WHERE product_id = ",
                Arg::Text(product.id.to_string()),
                ")",
            );
        }
        if let Some(order) = &filter.order {
            let column = id_column::<OrderId>(order, "o.id = ", "o.number = ");
            sql.filter(column, Arg::Text(order.clone()), "");
        }
        if let Some(cursor) = &page.cursor {
            sql.filter("r.id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY r.id DESC").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(summary).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit(), |r| r.id.to_string()))
    }

    /// The returns of one order, oldest first.
    pub async fn order_returns(&self, order: &OrderId) -> StoreResult<Vec<ReturnSummary>> {
        let sql = format!("{SUMMARY_SELECT} WHERE r.order_id = $1 ORDER BY r.id");
        db::query(sql)
            .bind(order.as_str())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(summary)
            .collect()
    }

    /// Stock in quarantine, by SKU and location.
    pub async fn quarantine(&self, sku: Option<&str>, location: Option<&str>) -> StoreResult<Vec<QuarantineLevel>> {
        let mut sql = Sql::new(
            "SELECT p.sku, q.product_id, l.code, q.location_id, q.quantity, q.updated_at FROM stock_quarantine q \
             JOIN product p ON p.id = q.product_id JOIN location l ON l.id = q.location_id WHERE q.quantity > 0",
        );
        if let Some(sku) = sku {
            let product = self.product(sku).await?;
            sql.filter("q.product_id = ", Arg::Text(product.id.to_string()), "");
        }
        if let Some(location) = location {
            let location = self.location(location).await?;
            sql.filter("q.location_id = ", Arg::Text(location.id.to_string()), "");
        }
        sql.push(" ORDER BY p.sku, l.code");
        sql.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(QuarantineLevel {
                    sku: r.try_get("sku")?,
                    product_id: get_id(r, "product_id")?,
                    location: r.try_get("code")?,
                    location_id: get_id(r, "location_id")?,
                    quantity: r.try_get("quantity")?,
                    updated_at: get_time(r, "updated_at")?,
                })
            })
            .collect()
    }

    /// The return rate of every SKU that shipped or came back, highest first.
    pub async fn returns_report(&self) -> StoreResult<Vec<ReturnRate>> {
        let shipped = db::query(
            "SELECT p.sku, l.product_id, CAST(SUM(l.quantity) AS BIGINT) AS units FROM order_line l \
             JOIN product p ON p.id = l.product_id WHERE l.status IN ('shipped', 'delivered') GROUP BY p.sku, l.product_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let returned = db::query(
            "SELECT p.sku, rl.product_id, rl.reason, CAST(SUM(rl.quantity) AS BIGINT) AS units FROM return_line rl \
             JOIN return_request r ON r.id = rl.return_id JOIN product p ON p.id = rl.product_id \
             WHERE r.status NOT IN ('rejected', 'cancelled') GROUP BY p.sku, rl.product_id, rl.reason",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut rates: BTreeMap<String, ReturnRate> = BTreeMap::new();
        let mut entry = |row: &Row| -> StoreResult<String> {
            let sku: String = row.try_get("sku")?;
            if !rates.contains_key(&sku) {
                rates.insert(
                    sku.clone(),
                    ReturnRate {
                        sku: sku.clone(),
                        product_id: get_id(row, "product_id")?,
                        shipped: 0,
                        returned: 0,
                        rate: 0.0,
                        by_reason: BTreeMap::new(),
                    },
                );
            }
            Ok(sku)
        };
        let mut shipped_units = Vec::new();
        for row in &shipped {
            shipped_units.push((entry(row)?, row.try_get::<i64, _>("units")?));
        }
        let mut returned_units = Vec::new();
        for row in &returned {
            returned_units.push((
                entry(row)?,
                get_enum(row, "reason", ReturnReason::parse)?,
                row.try_get::<i64, _>("units")?,
            ));
        }
        for (sku, units) in shipped_units {
            if let Some(r) = rates.get_mut(&sku) {
                r.shipped += units;
            }
        }
        for (sku, reason, units) in returned_units {
            if let Some(r) = rates.get_mut(&sku) {
                r.returned += units;
                *r.by_reason.entry(reason).or_insert(0) += units;
            }
        }
        let mut rates: Vec<ReturnRate> = rates
            .into_values()
            .map(|mut r| {
                r.rate = if r.shipped > 0 {
                    (r.returned as f64 / r.shipped as f64 * 10_000.0).round() / 10_000.0
                } else {
                    0.0
                };
                r
            })
            .collect();
        rates.sort_by(|a, b| b.rate.total_cmp(&a.rate).then_with(|| a.sku.cmp(&b.sku)));
        Ok(rates)
    }
}

/// A replacement order for `order` (an exchange or a claim): same channel, customer,
/// addresses and service, no shipping charged, tagged `tag` and de-duplicated by
/// `external_id`, so a retried request finds the order it placed before.
fn replacement_draft(
    order: &Order,
    external_id: String,
    lines: Vec<LineDraft>,
    tag: &str,
    notes: String,
) -> StoreResult<OrderDraft> {
    let currency = order.summary.currency;
    let zero = Money::zero(currency);
    let totals = Totals::compute(currency, &lines, zero, zero)
        .map_err(|e| StoreError::invalid("/lines", "out_of_range", e.to_string()))?;
    Ok(OrderDraft {
        channel: order.summary.channel.clone(),
        external_id: Some(external_id),
        placed_at: None,
        currency,
        customer: order.summary.customer.clone(),
        shipping_address: order.shipping_address.clone(),
        billing_address: order.billing_address.clone(),
        lines,
        shipping: zero,
        shipping_tax: zero,
        service_level: order.summary.service_level,
        notes: Some(notes),
        tags: vec![tag.to_owned()],
        totals,
        priority: order.summary.priority,
        payment_token: None,
    })
}

/// The location that shipped the first line of a return: where it goes back by default.
async fn shipped_from(tx: &mut WriteTx, id: &ReturnId) -> StoreResult<LocationId> {
    let location: Option<String> = db::query_scalar(
        "SELECT s.location_id FROM return_line rl JOIN shipment_line sl ON sl.line_id = rl.line_id AND sl.status = 'open' \
         JOIN shipment s ON s.id = sl.shipment_id WHERE rl.return_id = $1 AND s.shipped_at IS NOT NULL \
         ORDER BY rl.line_no, s.shipped_at DESC LIMIT 1",
    )
    .bind(id.as_str())
    .fetch_optional(&mut ***tx)
    .await?;
    location
        .map(LocationId::try_from)
        .transpose()
        .map_err(StoreError::Corrupt)?
        .ok_or_else(|| StoreError::invalid("/location", "required", "name the location the items go back to"))
}
