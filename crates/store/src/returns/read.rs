//! Reading returns: one with its lines and receipts, lists, an order's returns, the
//! quarantine, and the return-rate report (its arithmetic is core's).

use switchyard_core::id::{OrderId, ReturnId};
use switchyard_core::money::Money;
use switchyard_core::order::{Customer, LineStatus};
use switchyard_core::returns::{
    self as rules, Disposition, Dispositions, OpenReturnLine, ReturnReason, ReturnStatus, SkuUnits,
};

use super::facts::settlement_kind;
use super::{
    QuarantineLevel, Return, ReturnFilter, ReturnLine, ReturnRate, ReturnReceiptRecord, ReturnSummary, id_column,
};
use crate::Store;
use crate::db::{self, Arg, Row, Sql, get_currency, get_enum, get_id, get_json, get_opt_time, get_time};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};

const SUMMARY_SELECT: &str = "SELECT r.id, r.number, r.order_id, o.number AS order_number, r.status, \
     (SELECT code FROM location WHERE id = r.location_id) AS location, r.currency, r.customer_note, \
     r.decision_note, r.settlement, r.credited, r.restocking_fee, r.shipping_refunded, \
     (SELECT number FROM sales_order WHERE id = r.exchange_order_id) AS exchange_order, r.exchange_difference, \
     r.refund_approved_by, r.refund_approved_at, r.created_by, r.created_at, r.authorized_at, r.received_at, r.closed_at, r.updated_at, r.version, \
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
        settlement: settlement_kind(row)?,
        credited: m("credited")?,
        restocking_fee: m("restocking_fee")?,
        shipping_refunded: m("shipping_refunded")?,
        exchange_order: row.try_get("exchange_order")?,
        exchange_difference: row
            .try_get::<Option<i64>, _>("exchange_difference")?
            .map(|a| Money::new(a, c)),
        refund_approved_by: row.try_get("refund_approved_by")?,
        refund_approved_at: get_opt_time(row, "refund_approved_at")?,
        created_by: row.try_get("created_by")?,
        created_at: get_time(row, "created_at")?,
        authorized_at: get_opt_time(row, "authorized_at")?,
        received_at: get_opt_time(row, "received_at")?,
        closed_at: get_opt_time(row, "closed_at")?,
        updated_at: get_time(row, "updated_at")?,
        version: row.try_get("version")?,
    })
}

impl Store {
    /// A return at the receiving bench and what may still arrive on it: each line's
    /// units authorized and not yet received, as `receive_return` matches scans to them.
    pub async fn return_to_receive(&self, key: &str) -> StoreResult<(Return, Vec<OpenReturnLine>)> {
        let mut conn = self.pool.acquire().await?;
        let head = Self::return_head(&mut conn, key).await?;
        let open = Self::return_lines(&mut conn, &head)
            .await?
            .iter()
            .map(|l| l.state.open())
            .collect();
        drop(conn);
        Ok((self.return_request(head.id.as_str()).await?, open))
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
            let dispositions = Dispositions::tally(
                receipts
                    .iter()
                    .filter(|x| x.line_no == line_no)
                    .map(|x| (x.disposition, x.quantity)),
            );
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
        let shipped = format!(
            "SELECT p.sku, l.product_id, CAST(SUM(l.quantity) AS BIGINT) AS units FROM order_line l \
             JOIN product p ON p.id = l.product_id WHERE l.status IN {} GROUP BY p.sku, l.product_id",
            db::one_of(LineStatus::WENT)
        );
        let shipped = db::query(shipped)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(sku_units)
            .collect::<StoreResult<Vec<_>>>()?;
        let returned = format!(
            "SELECT p.sku, rl.product_id, rl.reason, CAST(SUM(rl.quantity) AS BIGINT) AS units FROM return_line rl \
             JOIN return_request r ON r.id = rl.return_id JOIN product p ON p.id = rl.product_id \
             WHERE r.status NOT IN {} GROUP BY p.sku, rl.product_id, rl.reason",
            db::one_of(ReturnStatus::VOID)
        );
        let returned = db::query(returned)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| Ok((get_enum(row, "reason", ReturnReason::parse)?, sku_units(row)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(rules::return_rates(&shipped, &returned)
            .into_iter()
            .map(|r| ReturnRate {
                sku: r.sku,
                product_id: r.product_id,
                shipped: r.shipped,
                returned: r.returned,
                rate: r.rate,
                by_reason: r.by_reason,
            })
            .collect())
    }
}

/// A report row's SKU and units.
fn sku_units(row: &Row) -> StoreResult<SkuUnits> {
    Ok(SkuUnits {
        sku: row.try_get("sku")?,
        product_id: get_id(row, "product_id")?,
        units: row.try_get("units")?,
    })
}
