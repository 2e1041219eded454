//! What the reports read: roll-up rows of a period, filtered by a `Scope`, summed over
//! the keys a report does not show. Only the roll-up tables, never the orders.

use jiff::civil::Date;
use switchyard_core::report::{ChannelDay, HourCount, SkuFigures};

use super::Scope;
use super::rows::{int, parse_day, sales_figures, text};
use crate::Store;
use crate::db::{Arg, Sql};
use crate::error::{StoreError, StoreResult};

const SALES_SUMS: [&str; 9] = [
    "orders",
    "units",
    "gross",
    "discount",
    "cancelled",
    "refunded",
    "net",
    "cancelled_orders",
    "returned_orders",
];
const SKU_SUMS: [&str; 5] = ["orders", "units", "revenue", "cancelled_units", "returned_units"];

/// `CAST(SUM(r.c) AS BIGINT) AS c, ...`: PostgreSQL sums BIGINTs as NUMERIC.
fn sums(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| format!("CAST(SUM(r.{c}) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds the period and the scope's filters on `r` (the roll-up table): each only when
/// the table has the column (`carrier`, `product_id`).
fn scoped(sql: &mut Sql, scope: &Scope, from: Date, to: Date, carrier: bool, product: bool) {
    sql.filter("r.day >= ", Arg::Text(from.to_string()), "");
    sql.filter("r.day <= ", Arg::Text(to.to_string()), "");
    if let Some(id) = &scope.channel_id {
        sql.filter("r.channel_id = ", Arg::Text(id.clone()), "");
    }
    if let Some(id) = &scope.location_id {
        sql.filter("r.location_id = ", Arg::Text(id.clone()), "");
    }
    if carrier && let Some(c) = &scope.carrier {
        sql.filter("r.carrier = ", Arg::Text(c.clone()), "");
    }
    if product && let Some(id) = &scope.product_id {
        sql.filter("r.product_id = ", Arg::Text(id.clone()), "");
    }
}

impl Store {
    /// The channel performance cells of `from..=to`: per day, channel code and
    /// currency. From `report_sku_daily` (its `sku` figures) when the scope names a SKU,
    /// else from `report_sales_daily` (its `sales` figures). The SKU roll-up has no
    /// carrier: the caller refuses a carrier with a SKU.
    pub async fn channel_days(&self, scope: &Scope, from: Date, to: Date) -> StoreResult<Vec<ChannelDay>> {
        let sku = scope.product_id.is_some();
        let (table, columns): (&str, &[&str]) = if sku {
            ("report_sku_daily", &SKU_SUMS)
        } else {
            ("report_sales_daily", &SALES_SUMS)
        };
        let mut sql = Sql::new(&format!(
            "SELECT r.day, c.code AS channel, r.currency, {} FROM {table} r JOIN channel c ON c.id = r.channel_id",
            sums(columns)
        ));
        scoped(&mut sql, scope, from, to, !sku, sku);
        sql.push(" GROUP BY r.day, c.code, r.currency ORDER BY r.day, c.code, r.currency");
        let mut out = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            let mut day = ChannelDay {
                day: parse_day(&text(&r, "day")?)?,
                channel: text(&r, "channel")?,
                currency: text(&r, "currency")?,
                ..ChannelDay::default()
            };
            if sku {
                day.sku = SkuFigures {
                    orders: int(&r, "orders")?,
                    units: int(&r, "units")?,
                    revenue: int(&r, "revenue")?,
                    cancelled_units: int(&r, "cancelled_units")?,
                    returned_units: int(&r, "returned_units")?,
                };
            } else {
                day.sales = sales_figures(&r)?;
            }
            out.push(day);
        }
        Ok(out)
    }

    /// Orders per day and hour of `from..=to` (`report_hour_daily`), every channel,
    /// location and carrier the scope lets through summed. The hour roll-up has no SKU:
    /// the caller refuses one.
    pub async fn hour_counts(&self, scope: &Scope, from: Date, to: Date) -> StoreResult<Vec<HourCount>> {
        let mut sql =
            Sql::new("SELECT r.day, r.hour, CAST(SUM(r.orders) AS BIGINT) AS orders FROM report_hour_daily r");
        scoped(&mut sql, scope, from, to, true, false);
        sql.push(" GROUP BY r.day, r.hour ORDER BY r.day, r.hour");
        let mut out = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            let hour =
                i8::try_from(int(&r, "hour")?).map_err(|_| StoreError::Corrupt("report hour out of range".into()))?;
            out.push(HourCount {
                day: parse_day(&text(&r, "day")?)?,
                hour,
                orders: int(&r, "orders")?,
            });
        }
        Ok(out)
    }
}
