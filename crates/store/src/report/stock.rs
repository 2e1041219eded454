//! The stock-per-location report's facts: balances, quarantine, inbound purchase
//! orders, last receipts, last sales (the SKU roll-up), the stored per-location
//! forecasts, and the demand of the period from the roll-ups. Core computes every
//! figure (`core::report::stock`).

use std::collections::BTreeMap;

use switchyard_core::inventory::MovementKind;
use switchyard_core::money::{Currency, Money};
use switchyard_core::purchase::{self, PurchaseOrderStatus};
use switchyard_core::report::stock::{DemandUnits, StockFacts, StockPeriod, StockReport, stock_report};
use switchyard_core::report::{self, demand};

use super::{Scope, day_arg, parse_day};
use crate::Store;
use crate::db::{self, Arg, Sql};
use crate::error::{StoreError, StoreResult};

type Key = (String, String);

#[derive(Default)]
struct Cell {
    on_hand: i64,
    reserved: i64,
    quarantined: i64,
    inbound: i64,
}

impl Store {
    /// The stock report of `scope` (its location and SKU filter the rows, its channel
    /// and period the demand), with stock dead after `dead_days` days without a sale.
    pub async fn stock_report(&self, scope: &Scope, dead_days: i64) -> StoreResult<StockReport> {
        let tz = self.report_time_zone().await?;
        let today = report::day_of(self.now(), &tz);
        let wanted = |product: &str, location: &str| {
            scope.product_id.as_deref().is_none_or(|p| p == product)
                && scope.location_id.as_deref().is_none_or(|l| l == location)
        };
        let mut cells: BTreeMap<Key, Cell> = BTreeMap::new();
        for r in db::query("SELECT product_id, location_id, on_hand, reserved FROM stock_balance")
            .fetch_all(&self.pool)
            .await?
        {
            let key: Key = (r.try_get("product_id")?, r.try_get("location_id")?);
            let cell = cells.entry(key).or_default();
            cell.on_hand = r.try_get("on_hand")?;
            cell.reserved = r.try_get("reserved")?;
        }
        for r in db::query("SELECT product_id, location_id, quantity FROM stock_quarantine WHERE quantity > 0")
            .fetch_all(&self.pool)
            .await?
        {
            let key: Key = (r.try_get("product_id")?, r.try_get("location_id")?);
            cells.entry(key).or_default().quarantined = r.try_get("quantity")?;
        }
        let mut sql = Sql::new(
            "SELECT po.status, pl.product_id, po.location_id, pl.quantity, pl.received FROM purchase_order_line pl \
             JOIN purchase_order po ON po.id = pl.purchase_order_id WHERE pl.received < pl.quantity AND po.status IN (",
        );
        let expecting = PurchaseOrderStatus::ALL.iter().filter(|s| purchase::expects_goods(**s));
        sql.list(expecting.map(|s| Arg::Text(s.as_str().into())));
        sql.push(")");
        for r in sql.query().fetch_all(&self.pool).await? {
            let raw: String = r.try_get("status")?;
            let status = PurchaseOrderStatus::parse(&raw)
                .map_err(|_| StoreError::Corrupt(format!("unknown purchase order status {raw:?}")))?;
            let key: Key = (r.try_get("product_id")?, r.try_get("location_id")?);
            cells.entry(key).or_default().inbound +=
                purchase::outstanding(status, r.try_get("quantity")?, r.try_get("received")?);
        }
        cells.retain(|(p, l), _| wanted(p, l));

        let mut products: BTreeMap<String, (String, Option<Money>)> = BTreeMap::new();
        for r in db::query("SELECT id, sku, cost_amount, cost_currency FROM product")
            .fetch_all(&self.pool)
            .await?
        {
            let amount: Option<i64> = r.try_get("cost_amount")?;
            let currency: Option<String> = r.try_get("cost_currency")?;
            let cost = match (amount, currency) {
                (Some(a), Some(c)) => Some(Money::new(
                    a,
                    Currency::parse(&c).map_err(|_| StoreError::Corrupt(format!("unknown currency {c:?}")))?,
                )),
                _ => None,
            };
            products.insert(r.try_get("id")?, (r.try_get("sku")?, cost));
        }
        let mut locations: BTreeMap<String, (String, String)> = BTreeMap::new();
        for r in db::query("SELECT id, code, country FROM location")
            .fetch_all(&self.pool)
            .await?
        {
            locations.insert(r.try_get("id")?, (r.try_get("code")?, r.try_get("country")?));
        }
        let mut receipts: BTreeMap<Key, jiff::civil::Date> = BTreeMap::new();
        // The kind is a literal, not a parameter: the partial index of migration 0026
        // holds only receipts, and a planner can use it only for a literal.
        let newest_receipts = format!(
            "SELECT product_id, location_id, MAX(created_at) AS last FROM stock_movement \
             WHERE kind = '{}' GROUP BY product_id, location_id",
            MovementKind::Receipt.as_str()
        );
        for r in db::query(newest_receipts).fetch_all(&self.pool).await? {
            let last: i64 = r.try_get("last")?;
            receipts.insert(
                (r.try_get("product_id")?, r.try_get("location_id")?),
                report::day_of(db::time(last), &tz),
            );
        }
        let last_sales = self.last_sales().await?;
        let means = self.location_forecast_means().await?;

        let mut facts = Vec::with_capacity(cells.len());
        for (key, cell) in cells {
            let Some((sku, cost)) = products.get(&key.0) else {
                continue;
            };
            let (code, country) = locations.get(&key.1).cloned().unwrap_or_default();
            facts.push(StockFacts {
                sku: sku.clone(),
                location: code,
                country,
                on_hand: cell.on_hand,
                reserved: cell.reserved,
                quarantined: cell.quarantined,
                inbound: cell.inbound,
                cost: *cost,
                last_receipt: receipts.get(&key).copied(),
                last_sale: last_sales.get(&key.0).copied(),
                forecast: means.get(&key).cloned(),
            });
        }
        facts.sort_by(|a, b| (&a.sku, &a.location).cmp(&(&b.sku, &b.location)));

        let shipped = self.period_demand(scope, "report_sku_daily", "location_id").await?;
        let shipped: Vec<DemandUnits> = shipped
            .into_iter()
            .filter(|d| !d.key.is_empty() && scope.location_id.as_deref().is_none_or(|l| l == d.key))
            .filter_map(|d| {
                locations.get(&d.key).map(|(code, _)| DemandUnits {
                    key: code.clone(),
                    units: d.units,
                })
            })
            .collect();
        let ordered = self.period_demand(scope, "report_sales_daily", "ship_country").await?;
        let period = StockPeriod {
            from: scope.filter.from,
            to: scope.filter.to,
            today,
            dead_days,
        };
        Ok(stock_report(&facts, &shipped, &ordered, period))
    }

    /// The day each product (kits' components through their kits) last sold.
    async fn last_sales(&self) -> StoreResult<BTreeMap<String, jiff::civil::Date>> {
        let mut rows = Vec::new();
        for r in
            db::query("SELECT product_id, MAX(day) AS last FROM report_sku_daily WHERE units > 0 GROUP BY product_id")
                .fetch_all(&self.pool)
                .await?
        {
            rows.push(demand::DemandRow {
                day: parse_day(&r.try_get::<String, _>("last")?)?,
                product_id: r.try_get("product_id")?,
                location_id: String::new(),
                units: 1,
            });
        }
        let mut last: BTreeMap<String, jiff::civil::Date> = BTreeMap::new();
        for r in demand::explode_kits(&rows, &self.kit_parts().await?) {
            let day = last.entry(r.product_id).or_insert(r.day);
            *day = (*day).max(r.day);
        }
        Ok(last)
    }

    /// Units per `column` of `table` in the scope's period (and channel; the SKU too in
    /// the SKU roll-up, which has one).
    async fn period_demand(
        &self,
        scope: &Scope,
        table: &'static str,
        column: &'static str,
    ) -> StoreResult<Vec<DemandUnits>> {
        let mut sql = Sql::new(&format!(
            "SELECT {column} AS k, CAST(SUM(units) AS BIGINT) AS units FROM {table} WHERE day >= "
        ));
        sql.bind(day_arg(scope.filter.from));
        sql.push(" AND day <= ");
        sql.bind(day_arg(scope.filter.to));
        if let Some(channel) = &scope.channel_id {
            sql.push(" AND channel_id = ");
            sql.bind(Arg::Text(channel.clone()));
        }
        if let (Some(product), "report_sku_daily") = (&scope.product_id, table) {
            sql.push(" AND product_id = ");
            sql.bind(Arg::Text(product.clone()));
        }
        sql.push(&format!(" GROUP BY {column}"));
        let mut out = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            let key: String = r.try_get("k")?;
            out.push(DemandUnits {
                key,
                units: r.try_get("units")?,
            });
        }
        Ok(out)
    }
}
