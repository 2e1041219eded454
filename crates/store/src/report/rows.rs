//! The roll-up tables' rows: written for a day (`replace_day`) and read back
//! (`stored_day`, for `check`). One `Table` per roll-up: a new roll-up is one more
//! entry in `TABLES` and one pair of conversions.

use jiff::civil::Date;
use switchyard_core::report::{
    DayRollup, HourKey, HourRow, SalesFigures, SalesKey, SalesRow, SkuFigures, SkuKey, SkuRow,
};

use super::{day_arg, quality_rows};
use crate::Store;
use crate::db::{self, Arg, Link, Row, insert_rows};
use crate::error::{StoreError, StoreResult};

/// Every roll-up table, each keyed by `day` first (the delivery and perfect-order
/// tables' conversions are in `quality_rows`).
pub(crate) const TABLES: [&str; 7] = [
    "report_sales_daily",
    "report_sku_daily",
    "report_hour_daily",
    quality_rows::TABLES[0],
    quality_rows::TABLES[1],
    quality_rows::TABLES[2],
    quality_rows::TABLES[3],
];

const SALES: &str = "INSERT INTO report_sales_daily (day, channel_id, location_id, carrier, ship_country, currency, \
                     orders, units, gross, discount, cancelled, refunded, net, cancelled_orders, returned_orders) VALUES ";
const SKUS: &str = "INSERT INTO report_sku_daily (day, product_id, channel_id, location_id, currency, orders, units, \
                    revenue, cancelled_units, returned_units) VALUES ";
const HOURS: &str = "INSERT INTO report_hour_daily (day, hour, channel_id, location_id, carrier, orders) VALUES ";

/// Replaces the rows of `day` in every table with `rollup`'s.
pub(crate) async fn replace_day(conn: &mut Link, day: Date, rollup: &DayRollup) -> StoreResult<()> {
    for table in TABLES {
        db::query(format!("DELETE FROM {table} WHERE day = $1"))
            .bind(day_arg(day))
            .execute(&mut *conn)
            .await?;
    }
    let sales: Vec<Vec<Arg>> = rollup
        .sales
        .iter()
        .map(|r| {
            let (k, f) = (&r.key, &r.figures);
            vec![
                day_arg(k.day),
                Arg::Text(k.channel_id.clone()),
                Arg::Text(k.location_id.clone()),
                Arg::Text(k.carrier.clone()),
                Arg::Text(k.ship_country.clone()),
                Arg::Text(k.currency.clone()),
                Arg::Int(f.orders),
                Arg::Int(f.units),
                Arg::Int(f.gross),
                Arg::Int(f.discount),
                Arg::Int(f.cancelled),
                Arg::Int(f.refunded),
                Arg::Int(f.net),
                Arg::Int(f.cancelled_orders),
                Arg::Int(f.returned_orders),
            ]
        })
        .collect();
    insert_rows(conn, SALES, &sales).await?;
    let skus: Vec<Vec<Arg>> = rollup
        .skus
        .iter()
        .map(|r| {
            let (k, f) = (&r.key, &r.figures);
            vec![
                day_arg(k.day),
                Arg::Text(k.product_id.clone()),
                Arg::Text(k.channel_id.clone()),
                Arg::Text(k.location_id.clone()),
                Arg::Text(k.currency.clone()),
                Arg::Int(f.orders),
                Arg::Int(f.units),
                Arg::Int(f.revenue),
                Arg::Int(f.cancelled_units),
                Arg::Int(f.returned_units),
            ]
        })
        .collect();
    insert_rows(conn, SKUS, &skus).await?;
    let hours: Vec<Vec<Arg>> = rollup
        .hours
        .iter()
        .map(|r| {
            vec![
                day_arg(r.key.day),
                Arg::Int(i64::from(r.key.hour)),
                Arg::Text(r.key.channel_id.clone()),
                Arg::Text(r.key.location_id.clone()),
                Arg::Text(r.key.carrier.clone()),
                Arg::Int(r.orders),
            ]
        })
        .collect();
    insert_rows(conn, HOURS, &hours).await?;
    quality_rows::insert(conn, rollup).await
}

pub(super) fn text(row: &Row, col: &str) -> StoreResult<String> {
    Ok(row.try_get::<String, _>(col)?)
}

pub(super) fn int(row: &Row, col: &str) -> StoreResult<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}

/// The channel performance figures of a `report_sales_daily` row (or of a sum of them
/// under the same column names).
pub(super) fn sales_figures(r: &Row) -> StoreResult<SalesFigures> {
    Ok(SalesFigures {
        orders: int(r, "orders")?,
        units: int(r, "units")?,
        gross: int(r, "gross")?,
        discount: int(r, "discount")?,
        cancelled: int(r, "cancelled")?,
        refunded: int(r, "refunded")?,
        net: int(r, "net")?,
        cancelled_orders: int(r, "cancelled_orders")?,
        returned_orders: int(r, "returned_orders")?,
    })
}

/// The days any roll-up table has rows for.
pub(crate) async fn stored_days(store: &Store) -> StoreResult<Vec<Date>> {
    let union = TABLES.map(|t| format!("SELECT day FROM {t}")).join(" UNION ");
    let mut days = Vec::new();
    for raw in db::query_scalar::<String>(union).fetch_all(&store.pool).await? {
        days.push(parse_day(&raw)?);
    }
    Ok(days)
}

pub(crate) fn parse_day(raw: &str) -> StoreResult<Date> {
    raw.parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown report day {raw:?}")))
}

/// The rows stored for `day`, in core's order.
pub(crate) async fn stored_day(store: &Store, day: Date) -> StoreResult<DayRollup> {
    let read = |table: &'static str| async move {
        db::query(format!("SELECT * FROM {table} WHERE day = $1"))
            .bind(day_arg(day))
            .fetch_all(&store.pool)
            .await
    };
    let mut rollup = DayRollup::default();
    for r in read("report_sales_daily").await? {
        rollup.sales.push(SalesRow {
            key: SalesKey {
                day,
                channel_id: text(&r, "channel_id")?,
                location_id: text(&r, "location_id")?,
                carrier: text(&r, "carrier")?,
                ship_country: text(&r, "ship_country")?,
                currency: text(&r, "currency")?,
            },
            figures: sales_figures(&r)?,
        });
    }
    for r in read("report_sku_daily").await? {
        rollup.skus.push(SkuRow {
            key: SkuKey {
                day,
                product_id: text(&r, "product_id")?,
                channel_id: text(&r, "channel_id")?,
                location_id: text(&r, "location_id")?,
                currency: text(&r, "currency")?,
            },
            figures: SkuFigures {
                orders: int(&r, "orders")?,
                units: int(&r, "units")?,
                revenue: int(&r, "revenue")?,
                cancelled_units: int(&r, "cancelled_units")?,
                returned_units: int(&r, "returned_units")?,
            },
        });
    }
    for r in read("report_hour_daily").await? {
        let hour =
            i8::try_from(int(&r, "hour")?).map_err(|_| StoreError::Corrupt("report hour out of range".into()))?;
        rollup.hours.push(HourRow {
            key: HourKey {
                day,
                hour,
                channel_id: text(&r, "channel_id")?,
                location_id: text(&r, "location_id")?,
                carrier: text(&r, "carrier")?,
            },
            orders: int(&r, "orders")?,
        });
    }
    rollup.sales.sort_by(|a, b| a.key.cmp(&b.key));
    rollup.skus.sort_by(|a, b| a.key.cmp(&b.key));
    rollup.hours.sort_by(|a, b| a.key.cmp(&b.key));
    quality_rows::read(store, day, &mut rollup).await?;
    Ok(rollup)
}
