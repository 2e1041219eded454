//! The returns part of `switchyard check`: no line has more on returns and claims than
//! it shipped (core's `ReturnableLine::overdrawn`), every received unit has a receipt,
//! and quarantined stock is what returns put there.

use switchyard_core::returns::Disposition;

use super::facts::{line_facts_columns, returnable_line};
use crate::Store;
use crate::check::CheckReport;
use crate::db;
use crate::error::StoreResult;

impl Store {
    /// No order line has more units on returns and claims than shipped; each return
    /// line received exactly what its receipts say, each unit with one disposition; and
    /// quarantined stock is what returns put there.
    pub(crate) async fn check_returns(&self, report: &mut CheckReport) -> StoreResult<()> {
        let lines = format!(
            "SELECT o.number, {} FROM order_line l JOIN sales_order o ON o.id = l.order_id \
             WHERE l.id IN (SELECT line_id FROM return_line UNION SELECT line_id FROM claim_line) \
             ORDER BY o.number, l.line_no",
            line_facts_columns()
        );
        for row in db::query(lines).fetch_all(&self.pool).await? {
            let line = returnable_line(&row)?;
            if line.overdrawn() {
                report.problems.push(format!(
                    "order {} line {}: {} units on returns and claims, but {} shipped",
                    row.try_get::<String, _>("number")?,
                    line.sku,
                    line.already,
                    line.shipped,
                ));
            }
        }
        let unexplained = db::query(
            "SELECT x.number, x.sku, x.received, x.disposed FROM (
               SELECT r.number, rl.sku, rl.received,
                      COALESCE((SELECT CAST(SUM(x.quantity) AS BIGINT) FROM return_receipt x WHERE x.return_line_id = rl.id), 0) AS disposed
               FROM return_line rl JOIN return_request r ON r.id = rl.return_id) x
             WHERE x.received <> x.disposed",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in unexplained {
            report.problems.push(format!(
                "return {} line {}: {} units received, but its receipts dispose of {}",
                row.try_get::<String, _>("number")?,
                row.try_get::<String, _>("sku")?,
                row.try_get::<i64, _>("received")?,
                row.try_get::<i64, _>("disposed")?,
            ));
        }
        let quarantine = format!(
            "SELECT x.held, x.received, (SELECT sku FROM product WHERE id = x.product_id) AS sku,
                    (SELECT code FROM location WHERE id = x.location_id) AS code FROM (
               SELECT COALESCE(q.product_id, r.product_id) AS product_id, COALESCE(q.location_id, r.location_id) AS location_id,
                      COALESCE(q.quantity, 0) AS held, COALESCE(r.quantity, 0) AS received
               FROM stock_quarantine q
               FULL OUTER JOIN (SELECT product_id, location_id, CAST(SUM(quantity) AS BIGINT) AS quantity FROM return_receipt
                                WHERE disposition IN {quarantined} GROUP BY product_id, location_id) r
                 ON r.product_id = q.product_id AND r.location_id = q.location_id
             ) x WHERE x.held <> x.received",
            quarantined = db::one_of(&[Disposition::Quarantine]),
        );
        let quarantine = db::query(quarantine).fetch_all(&self.pool).await?;
        for row in quarantine {
            report.problems.push(format!(
                "{} at {}: {} in quarantine, but returns quarantined {}",
                row.try_get::<Option<String>, _>("sku")?.unwrap_or_default(),
                row.try_get::<Option<String>, _>("code")?.unwrap_or_default(),
                row.try_get::<i64, _>("held")?,
                row.try_get::<i64, _>("received")?,
            ));
        }
        Ok(())
    }
}
