//! Stored demand forecasts (migration 0025): made nightly by the sweep
//! (`refresh_forecasts_if_due`, once the stored ones were made for an earlier seller
//! day) and on demand (`refresh_forecasts`: `POST /api/v1/forecasts/refresh`,
//! `switchyard forecast refresh`), under the one lease in `forecast_setting`.
//!
//! A refresh reads the SKU roll-up of the last year (`core::report::demand`), computes
//! every forecast without a transaction open (`core::forecast`, on a blocking thread),
//! then writes them per batch of SKUs in short transactions, and finally drops the
//! forecasts of SKUs no longer read.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use switchyard_core::forecast::{self, Forecast, Method};
use switchyard_core::report::demand::{self, DemandHistory, DemandRow, KitPart};

use crate::Store;
use crate::db::{self, Arg, insert_rows, micros};
use crate::error::{StoreError, StoreResult};
use crate::report::day_arg;

/// SKUs written per transaction.
const WRITE_BATCH: usize = 50;
/// How long the forecast lease lasts (a worker that dies leaves it to run out).
const LEASE: SignedDuration = SignedDuration::from_secs(1800);

/// One stored day of a forecast, in units.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastDayView {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-08"))]
    pub day: Date,
    pub mean: f64,
    pub lo80: f64,
    pub hi80: f64,
    pub lo95: f64,
    pub hi95: f64,
}

/// A stored forecast of one SKU, everywhere or at one location.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredForecast {
    pub sku: String,
    /// The location's code; null for the SKU everywhere.
    pub location: Option<String>,
    pub method: Method,
    /// Standard deviation of one day's forecast error, in units.
    pub error_sd: f64,
    /// The history it was made from: first day and number of days.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2025-12-07"))]
    pub history_from: Date,
    pub history_days: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-12-07T02:00:00Z"))]
    pub made_at: Timestamp,
    pub days: Vec<ForecastDayView>,
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForecastRefresh {
    /// SKUs forecast (kits are not: their components are).
    pub skus: usize,
    /// Forecasts stored: one per SKU and one per SKU × location it shipped from.
    pub forecasts: usize,
}

impl Store {
    /// The nightly refresh: makes the forecasts when the stored ones were made for an
    /// earlier day of the seller's calendar (or never). `None` when they are current or
    /// another worker holds the lease.
    pub async fn refresh_forecasts_if_due(&self) -> StoreResult<Option<ForecastRefresh>> {
        let today = self.report_today().await?;
        if self.forecasts_made_for().await?.is_some_and(|d| d >= today) {
            return Ok(None);
        }
        self.refresh_forecasts_on(today, true).await
    }

    /// The seller day the stored forecasts were made for; `None` before the first
    /// refresh.
    pub async fn forecasts_made_for(&self) -> StoreResult<Option<Date>> {
        let made_for: Option<String> = db::query_scalar("SELECT made_for FROM forecast_setting WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .flatten();
        made_for
            .map(|d| {
                d.parse()
                    .map_err(|e| StoreError::Corrupt(format!("forecast_setting.made_for {d:?}: {e}")))
            })
            .transpose()
    }

    /// Makes every forecast now. `None` when another worker is making them.
    pub async fn refresh_forecasts(&self) -> StoreResult<Option<ForecastRefresh>> {
        let today = self.report_today().await?;
        self.refresh_forecasts_on(today, false).await
    }

    async fn refresh_forecasts_on(&self, today: Date, only_if_due: bool) -> StoreResult<Option<ForecastRefresh>> {
        let Some(token) = self.take_lease("forecast_setting", LEASE).await? else {
            return Ok(None);
        };
        let result = async {
            if only_if_due {
                // Another worker may have finished between the check and the lease.
                if self.forecasts_made_for().await?.is_some_and(|d| d >= today) {
                    return Ok(None);
                }
            }
            self.make_forecasts(today).await.map(Some)
        }
        .await;
        self.give_back_lease("forecast_setting", &token).await?;
        result
    }

    async fn make_forecasts(&self, today: Date) -> StoreResult<ForecastRefresh> {
        let made_at = self.now();
        let window = demand::history_window(today)
            .ok_or_else(|| StoreError::Corrupt(format!("no history window before {today}")))?;
        let histories = self.demand_histories(window).await?;
        let computed = tokio::task::spawn_blocking(move || {
            histories
                .into_iter()
                .map(|h| {
                    let f = forecast::forecast(&h.units, demand::HORIZON_DAYS);
                    (h, f)
                })
                .collect::<Vec<(DemandHistory, Forecast)>>()
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("forecasting failed: {e}")))?;
        let mut by_product: BTreeMap<String, Vec<(DemandHistory, Forecast)>> = BTreeMap::new();
        for (h, f) in computed {
            by_product.entry(h.product_id.clone()).or_default().push((h, f));
        }
        let skus = by_product.len();
        let forecasts = by_product.values().map(Vec::len).sum();
        let products: Vec<(String, Vec<(DemandHistory, Forecast)>)> = by_product.into_iter().collect();
        for batch in products.chunks(WRITE_BATCH) {
            let mut tx = self.write().await?;
            let result = write_batch(&mut tx, batch, today, made_at).await;
            tx.finish(result).await?;
        }
        let mut tx = self.write().await?;
        let result = async {
            db::query(
                "DELETE FROM demand_forecast_day WHERE EXISTS (SELECT 1 FROM demand_forecast f \
                 WHERE f.product_id = demand_forecast_day.product_id \
                 AND f.location_id = demand_forecast_day.location_id AND f.made_at < $1)",
            )
            .bind(micros(made_at))
            .execute(&mut **tx)
            .await?;
            db::query("DELETE FROM demand_forecast WHERE made_at < $1")
                .bind(micros(made_at))
                .execute(&mut **tx)
                .await?;
            db::query("UPDATE forecast_setting SET made_for = $1, made_at = $2, skus = $3 WHERE id = 1")
                .bind(day_arg(today))
                .bind(micros(made_at))
                .bind(i64::try_from(skus).unwrap_or(i64::MAX))
                .execute(&mut **tx)
                .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await?;
        Ok(ForecastRefresh { skus, forecasts })
    }

    /// Every product's demand history of `window` (core decides what counts).
    async fn demand_histories(&self, window: (Date, Date)) -> StoreResult<Vec<DemandHistory>> {
        let rows = db::query(
            "SELECT day, product_id, location_id, CAST(SUM(units) AS BIGINT) AS units FROM report_sku_daily \
             WHERE day >= $1 AND day <= $2 AND units > 0 GROUP BY day, product_id, location_id",
        )
        .bind(day_arg(window.0))
        .bind(day_arg(window.1))
        .fetch_all(&self.pool)
        .await?;
        let mut demand = Vec::with_capacity(rows.len());
        for r in &rows {
            demand.push(DemandRow {
                day: crate::report::parse_day(&r.try_get::<String, _>("day")?)?,
                product_id: r.try_get("product_id")?,
                location_id: r.try_get("location_id")?,
                units: r.try_get("units")?,
            });
        }
        let mut first_sales = BTreeMap::new();
        for r in
            db::query("SELECT product_id, MIN(day) AS first FROM report_sku_daily WHERE units > 0 GROUP BY product_id")
                .fetch_all(&self.pool)
                .await?
        {
            let first = crate::report::parse_day(&r.try_get::<String, _>("first")?)?;
            first_sales.insert(r.try_get::<String, _>("product_id")?, first);
        }
        let kits = self.kit_parts().await?;
        Ok(demand::demand_histories(&demand, &kits, &first_sales, window))
    }

    /// Every kit's components.
    pub(crate) async fn kit_parts(&self) -> StoreResult<Vec<KitPart>> {
        let mut kits = Vec::new();
        for r in db::query("SELECT kit_id, component_id, quantity FROM kit_component")
            .fetch_all(&self.pool)
            .await?
        {
            kits.push(KitPart {
                kit_id: r.try_get("kit_id")?,
                component_id: r.try_get("component_id")?,
                quantity: r.try_get("quantity")?,
            });
        }
        Ok(kits)
    }

    /// The stored forecast of `product_id`, everywhere (`location_id` `None`) or at one
    /// location; `None` when there is none.
    pub async fn stored_forecast(
        &self,
        product_id: &str,
        location_id: Option<&str>,
    ) -> StoreResult<Option<StoredForecast>> {
        let location_id = location_id.unwrap_or("");
        let Some(head) = db::query(
            "SELECT p.sku, l.code, f.method, f.error_sd, f.history_from, f.history_days, f.made_at \
             FROM demand_forecast f JOIN product p ON p.id = f.product_id \
             LEFT JOIN location l ON l.id = f.location_id WHERE f.product_id = $1 AND f.location_id = $2",
        )
        .bind(product_id)
        .bind(location_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let method: String = head.try_get("method")?;
        let mut days = Vec::new();
        for r in db::query(
            "SELECT day, mean, lo80, hi80, lo95, hi95 FROM demand_forecast_day \
             WHERE product_id = $1 AND location_id = $2 ORDER BY day",
        )
        .bind(product_id)
        .bind(location_id)
        .fetch_all(&self.pool)
        .await?
        {
            days.push(ForecastDayView {
                day: crate::report::parse_day(&r.try_get::<String, _>("day")?)?,
                mean: r.try_get("mean")?,
                lo80: r.try_get("lo80")?,
                hi80: r.try_get("hi80")?,
                lo95: r.try_get("lo95")?,
                hi95: r.try_get("hi95")?,
            });
        }
        Ok(Some(StoredForecast {
            sku: head.try_get("sku")?,
            location: head.try_get("code")?,
            method: Method::parse(&method)
                .map_err(|_| StoreError::Corrupt(format!("unknown forecast method {method:?}")))?,
            error_sd: head.try_get("error_sd")?,
            history_from: crate::report::parse_day(&head.try_get::<String, _>("history_from")?)?,
            history_days: head.try_get("history_days")?,
            made_at: db::time(head.try_get("made_at")?),
            days,
        }))
    }

    /// The daily means of every per-location forecast, from its first day, keyed by
    /// product and location id.
    pub(crate) async fn location_forecast_means(&self) -> StoreResult<BTreeMap<(String, String), Vec<f64>>> {
        let mut means: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
        for r in db::query(
            "SELECT product_id, location_id, mean FROM demand_forecast_day WHERE location_id <> '' \
             ORDER BY product_id, location_id, day",
        )
        .fetch_all(&self.pool)
        .await?
        {
            means
                .entry((r.try_get("product_id")?, r.try_get("location_id")?))
                .or_default()
                .push(r.try_get("mean")?);
        }
        Ok(means)
    }
}

async fn write_batch(
    tx: &mut crate::writer::WriteTx,
    batch: &[(String, Vec<(DemandHistory, Forecast)>)],
    today: Date,
    made_at: Timestamp,
) -> StoreResult<()> {
    let mut heads = Vec::new();
    let mut days = Vec::new();
    for (product, forecasts) in batch {
        db::query("DELETE FROM demand_forecast_day WHERE product_id = $1")
            .bind(product.as_str())
            .execute(&mut ***tx)
            .await?;
        db::query("DELETE FROM demand_forecast WHERE product_id = $1")
            .bind(product.as_str())
            .execute(&mut ***tx)
            .await?;
        for (h, f) in forecasts {
            let location = h.location_id.clone().unwrap_or_default();
            heads.push(vec![
                Arg::Text(product.clone()),
                Arg::Text(location.clone()),
                Arg::Text(f.method.as_str().to_owned()),
                Arg::Real(f.error_sd),
                day_arg(h.first_day),
                Arg::Int(i64::try_from(h.units.len()).unwrap_or(i64::MAX)),
                Arg::Int(micros(made_at)),
            ]);
            for (day, d) in today.series(jiff::Span::new().days(1)).zip(&f.days) {
                days.push(vec![
                    Arg::Text(product.clone()),
                    Arg::Text(location.clone()),
                    day_arg(day),
                    Arg::Real(d.mean),
                    Arg::Real(d.lo80),
                    Arg::Real(d.hi80),
                    Arg::Real(d.lo95),
                    Arg::Real(d.hi95),
                ]);
            }
        }
    }
    insert_rows(
        tx,
        "INSERT INTO demand_forecast (product_id, location_id, method, error_sd, history_from, history_days, made_at) VALUES ",
        &heads,
    )
    .await?;
    insert_rows(
        tx,
        "INSERT INTO demand_forecast_day (product_id, location_id, day, mean, lo80, hi80, lo95, hi95) VALUES ",
        &days,
    )
    .await
}

impl Store {
    /// Takes the lease of the one-row `table` when nobody holds it; returns its token.
    pub(crate) async fn take_lease(&self, table: &'static str, lease: SignedDuration) -> StoreResult<Option<String>> {
        let token = crate::user::new_token()?;
        let now = self.now();
        let until = now.saturating_add(lease).unwrap_or(now);
        let mut tx = self.write().await?;
        let result = db::query(format!(
            "UPDATE {table} SET lease_token = $1, lease_until = $2 \
             WHERE id = 1 AND (lease_until IS NULL OR lease_until <= $3)"
        ))
        .bind(token.as_str())
        .bind(micros(until))
        .bind(micros(now))
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from);
        let taken = tx.finish(result).await?.rows_affected() == 1;
        Ok(taken.then_some(token))
    }

    /// Gives the lease of `table` back, if `token` still holds it.
    pub(crate) async fn give_back_lease(&self, table: &'static str, token: &str) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let result = db::query(format!(
            "UPDATE {table} SET lease_token = NULL, lease_until = NULL WHERE id = 1 AND lease_token = $1"
        ))
        .bind(token)
        .execute(&mut **tx)
        .await
        .map(|_| ())
        .map_err(StoreError::from);
        tx.finish(result).await
    }
}
