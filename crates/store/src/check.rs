//! `switchyard check`: proves the books balance. Every balance equals the sum of its
//! ledger movements, `0 <= reserved <= on_hand`, `reserved` equals the reservations
//! held for it, every reservation belongs to an open, allocated order line, every
//! allocated line is reserved in full, every shipment on the floor holds exactly
//! the stock of what it carries (and no other), and every order's money adds up
//! (refunded <= captured <= authorized - voided, with the payment status it means),
//! and returns never exceed what shipped (`returns::check`), and the report roll-ups
//! equal a recount of the orders (`report::check_reports`).

use serde::Serialize;

use switchyard_core::Money;
use switchyard_core::order::{LineStatus, OrderStatus};
use switchyard_core::payment::{AttemptStatus, PaymentProvider, PaymentTotals, TransactionKind};
use switchyard_core::shipment::ShipmentStatus;

use crate::Store;
use crate::db::{self, get_currency};
use crate::error::StoreResult;
use crate::shipment::units_carried;

#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    pub balances: i64,
    pub movements: i64,
    pub reservations: i64,
    pub orders: i64,
    /// Each discrepancy found, in words.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Store {
    pub async fn check(&self) -> StoreResult<CheckReport> {
        let count = |table: &'static str| async move {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            db::query_scalar::<i64>(sql).fetch_one(&self.pool).await
        };
        let mut report = CheckReport {
            balances: count("stock_balance").await?,
            movements: count("stock_movement").await?,
            reservations: count("reservation").await?,
            orders: count("sales_order").await?,
            problems: Vec::new(),
        };
        let item = "(SELECT sku FROM product WHERE id = x.product_id) AS sku, (SELECT code FROM location WHERE id = x.location_id) AS code";

        let ledger = format!(
            "SELECT x.*, {item} FROM (
               SELECT COALESCE(b.product_id, m.product_id) AS product_id, COALESCE(b.location_id, m.location_id) AS location_id,
                      COALESCE(b.on_hand, 0) AS on_hand, COALESCE(b.reserved, 0) AS reserved,
                      COALESCE(m.on_hand, 0) AS ledger_on_hand, COALESCE(m.reserved, 0) AS ledger_reserved
               FROM stock_balance b
               FULL OUTER JOIN (SELECT product_id, location_id, CAST(SUM(on_hand_delta) AS BIGINT) AS on_hand,
                                       CAST(SUM(reserved_delta) AS BIGINT) AS reserved
                                FROM stock_movement GROUP BY product_id, location_id) m
                 ON m.product_id = b.product_id AND m.location_id = b.location_id
             ) x WHERE x.on_hand <> x.ledger_on_hand OR x.reserved <> x.ledger_reserved"
        );
        for row in db::query(ledger).fetch_all(&self.pool).await? {
            report.problems.push(format!(
                "{} at {}: balance on_hand {} reserved {}, but the ledger sums to on_hand {} reserved {}",
                row.try_get::<Option<String>, _>("sku")?.unwrap_or_default(),
                row.try_get::<Option<String>, _>("code")?.unwrap_or_default(),
                row.try_get::<i64, _>("on_hand")?,
                row.try_get::<i64, _>("reserved")?,
                row.try_get::<i64, _>("ledger_on_hand")?,
                row.try_get::<i64, _>("ledger_reserved")?,
            ));
        }

        let bounds = format!(
            "SELECT x.on_hand, x.reserved, {item} FROM stock_balance x WHERE x.reserved < 0 OR x.reserved > x.on_hand"
        );
        for row in db::query(bounds).fetch_all(&self.pool).await? {
            report.problems.push(format!(
                "{} at {}: reserved {} is outside 0..=on_hand {}",
                row.try_get::<Option<String>, _>("sku")?.unwrap_or_default(),
                row.try_get::<Option<String>, _>("code")?.unwrap_or_default(),
                row.try_get::<i64, _>("reserved")?,
                row.try_get::<i64, _>("on_hand")?,
            ));
        }

        let held = format!(
            "SELECT x.reserved, x.held, {item} FROM (
               SELECT b.product_id, b.location_id, b.reserved,
                      COALESCE((SELECT CAST(SUM(r.quantity) AS BIGINT) FROM reservation r
                                WHERE r.product_id = b.product_id AND r.location_id = b.location_id), 0) AS held
               FROM stock_balance b) x
             WHERE x.reserved <> x.held"
        );
        for row in db::query(held).fetch_all(&self.pool).await? {
            report.problems.push(format!(
                "{} at {}: reserved {}, but reservations hold {}",
                row.try_get::<Option<String>, _>("sku")?.unwrap_or_default(),
                row.try_get::<Option<String>, _>("code")?.unwrap_or_default(),
                row.try_get::<i64, _>("reserved")?,
                row.try_get::<i64, _>("held")?,
            ));
        }

        let live = db::one_of(OrderStatus::LIVE);
        let allocated = db::is(LineStatus::Allocated);
        let orphans = db::query(format!(
            "SELECT r.id, o.number, o.status, l.status AS line_status FROM reservation r
             JOIN order_line l ON l.id = r.line_id JOIN sales_order o ON o.id = r.order_id
             WHERE o.status NOT IN {live} OR l.status <> {allocated} OR l.order_id <> r.order_id"
        ))
        .fetch_all(&self.pool)
        .await?;
        for row in orphans {
            report.problems.push(format!(
                "reservation {} belongs to order {} ({}) line ({}), which is not open and allocated",
                row.try_get::<String, _>("id")?,
                row.try_get::<String, _>("number")?,
                row.try_get::<String, _>("status")?,
                row.try_get::<String, _>("line_status")?,
            ));
        }

        // A kit line holds its components: quantity × the units of components per kit.
        let unreserved = db::query(format!(
            "SELECT x.number, x.sku, x.expected, x.held FROM (
               SELECT o.number, l.sku,
                      l.quantity * COALESCE((SELECT CAST(SUM(k.quantity) AS BIGINT) FROM kit_component k WHERE k.kit_id = l.product_id), 1) AS expected,
                      COALESCE((SELECT CAST(SUM(r.quantity) AS BIGINT) FROM reservation r WHERE r.line_id = l.id), 0) AS held
               FROM order_line l JOIN sales_order o ON o.id = l.order_id
               WHERE l.status = {allocated} AND o.status IN {live}) x
             WHERE x.expected <> x.held"
        ))
        .fetch_all(&self.pool)
        .await?;
        for row in unreserved {
            report.problems.push(format!(
                "order {} line {}: allocated {} but {} reserved",
                row.try_get::<String, _>("number")?,
                row.try_get::<String, _>("sku")?,
                row.try_get::<i64, _>("expected")?,
                row.try_get::<i64, _>("held")?,
            ));
        }
        // A reservation in a shipment is stock that shipment holds for its own order at
        // its own location, and only until the shipment leaves or is cancelled.
        let floor = db::one_of(ShipmentStatus::ON_THE_FLOOR);
        let astray = db::query(format!(
            "SELECT r.id, s.number, s.status FROM reservation r JOIN shipment s ON s.id = r.shipment_id
             WHERE s.order_id <> r.order_id OR s.location_id <> r.location_id
                OR s.status NOT IN {floor}"
        ))
        .fetch_all(&self.pool)
        .await?;
        for row in astray {
            report.problems.push(format!(
                "reservation {} is in shipment {} ({}), which is not on the floor for its order and location",
                row.try_get::<String, _>("id")?,
                row.try_get::<String, _>("number")?,
                row.try_get::<String, _>("status")?,
            ));
        }

        // A shipment on the floor holds the stock of every line it carries.
        let unheld = db::query(format!(
            "SELECT x.number, x.carried, x.held FROM (
               SELECT s.number, {} AS carried,
                      COALESCE((SELECT CAST(SUM(r.quantity) AS BIGINT) FROM reservation r WHERE r.shipment_id = s.id), 0) AS held
               FROM shipment s WHERE s.status IN {floor}) x
             WHERE x.carried <> x.held",
            units_carried()
        ))
        .fetch_all(&self.pool)
        .await?;
        for row in unheld {
            report.problems.push(format!(
                "shipment {} carries {} units but holds the stock of {}",
                row.try_get::<String, _>("number")?,
                row.try_get::<i64, _>("carried")?,
                row.try_get::<i64, _>("held")?,
            ));
        }
        self.check_payments(&mut report).await?;
        self.check_returns(&mut report).await?;
        let rollups = self.check_reports().await?;
        report.problems.extend(rollups);
        Ok(report)
    }

    /// Per order: refunded <= captured <= authorized - voided, and the stored payment
    /// status is the one its records mean.
    async fn check_payments(&self, report: &mut CheckReport) -> StoreResult<()> {
        let sum = |kind: TransactionKind| {
            format!(
                "COALESCE((SELECT CAST(SUM(t.amount) AS BIGINT) FROM payment_transaction t \
                 WHERE t.order_id = o.id AND t.kind = {}), 0) AS {kind}_total",
                db::is(kind)
            )
        };
        let sql = format!(
            "SELECT o.number, o.currency, o.grand_total, o.payment_status, {}, {}, {}, {}, \
             (SELECT p.provider FROM payment p WHERE p.order_id = o.id AND p.status = {} ORDER BY p.id DESC LIMIT 1) AS provider \
             FROM sales_order o ORDER BY o.id",
            sum(TransactionKind::Authorization),
            sum(TransactionKind::Capture),
            sum(TransactionKind::Void),
            sum(TransactionKind::Refund),
            db::is(AttemptStatus::Approved)
        );
        for row in db::query(sql).fetch_all(&self.pool).await? {
            let number: String = row.try_get("number")?;
            let c = get_currency(&row, "currency")?;
            let m = |col: &str| -> StoreResult<Money> { Ok(Money::new(row.try_get(col)?, c)) };
            let totals = PaymentTotals {
                authorized: m("authorization_total")?,
                captured: m("capture_total")?,
                voided: m("void_total")?,
                refunded: m("refund_total")?,
            };
            if !totals.is_consistent() {
                let (a, cap, v, r) = (
                    totals.authorized.amount,
                    totals.captured.amount,
                    totals.voided.amount,
                    totals.refunded.amount,
                );
                report.problems.push(format!(
                    "order {number}: refunded {r}, captured {cap}, authorized {a} and voided {v} break \
                     refunded <= captured <= authorized - voided"
                ));
            }
            let by_channel =
                row.try_get::<Option<String>, _>("provider")?.as_deref() == Some(PaymentProvider::Channel.as_str());
            let derived = totals.status(by_channel, m("grand_total")?);
            let stored: String = row.try_get("payment_status")?;
            if stored != derived.as_str() {
                report.problems.push(format!(
                    "order {number}: payment status is {stored}, but its payment records say {derived}"
                ));
            }
        }
        Ok(())
    }
}
