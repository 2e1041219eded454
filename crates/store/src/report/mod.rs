//! The report roll-ups (migration 0022, core::report): kept current by `refresh_reports`
//! (the background sweep), rebuilt by `rebuild_reports` (`switchyard reports rebuild`),
//! proved by `check_reports` (part of `switchyard check`).
//!
//! Every order event marks its order in `report_change` in the same transaction
//! (`journal`). A refresh holds the one lease in `report_setting`, reads a batch of
//! marks, finds the days those orders were placed on in the seller's time zone, loads
//! every order of each day (`load`), has core roll the day up, and replaces the day's
//! rows and deletes the marks at the versions it read, in one transaction. A mark
//! bumped meanwhile stays, so its day is done again next time: nothing is missed.

use jiff::SignedDuration;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use switchyard_core::report::{self, DEFAULT_TIME_ZONE, DayRollup};

use crate::Store;
use crate::db::{self, Arg, micros};
use crate::error::{StoreError, StoreResult};

mod delivery;
mod load;
mod perfect;
mod quality_rows;
mod read;
mod rows;
mod scope;
pub mod stock;

pub(crate) use rows::parse_day;

pub use perfect::PerfectFailure;
pub use scope::Scope;

/// How many marks a refresh reads at a time, and how many batches one sweep does.
const BATCH: i64 = 500;
const BATCHES_PER_SWEEP: usize = 20;
/// How long the refresh lease lasts (a worker that dies leaves it to run out).
const LEASE: SignedDuration = SignedDuration::from_secs(300);

impl Store {
    /// The seller's time zone the roll-ups are cut in.
    pub async fn report_time_zone(&self) -> StoreResult<TimeZone> {
        let name: String = db::query_scalar("SELECT time_zone FROM report_setting WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned());
        TimeZone::get(&name).map_err(|_| StoreError::Corrupt(format!("unknown report time zone {name:?}")))
    }

    /// The time zone's name (IANA), as set.
    pub async fn report_time_zone_name(&self) -> StoreResult<String> {
        Ok(db::query_scalar("SELECT time_zone FROM report_setting WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned()))
    }

    /// Today in the seller's time zone, by the store's clock.
    pub async fn report_today(&self) -> StoreResult<Date> {
        Ok(report::day_of(self.now(), &self.report_time_zone().await?))
    }

    /// Sets the seller's time zone (an IANA name core has checked) and rebuilds every
    /// roll-up in it. Returns the days rebuilt.
    pub async fn set_report_time_zone(&self, name: &str) -> StoreResult<usize> {
        let mut tx = self.write().await?;
        let result = db::query("UPDATE report_setting SET time_zone = $1, updated_at = $2 WHERE id = 1")
            .bind(name)
            .bind(micros(self.now()))
            .execute(&mut **tx)
            .await
            .map(|_| ())
            .map_err(StoreError::from);
        tx.finish(result).await?;
        self.rebuild_reports().await
    }

    /// Brings the roll-ups of changed orders up to date; returns the days recomputed.
    /// Does nothing while another worker holds the lease.
    pub async fn refresh_reports(&self) -> StoreResult<usize> {
        let Some(token) = self.take_report_lease().await? else {
            return Ok(0);
        };
        let result = self.refresh_batches().await;
        self.give_back_report_lease(&token).await?;
        result
    }

    async fn refresh_batches(&self) -> StoreResult<usize> {
        let tz = self.report_time_zone().await?;
        let mut days_done = 0;
        for _ in 0..BATCHES_PER_SWEEP {
            let marks = db::query(
                "SELECT c.order_id, c.version, o.placed_at FROM report_change c \
                 LEFT JOIN sales_order o ON o.id = c.order_id ORDER BY c.order_id LIMIT $1",
            )
            .bind(BATCH)
            .fetch_all(&self.pool)
            .await?;
            if marks.is_empty() {
                break;
            }
            let mut days = std::collections::BTreeSet::new();
            let mut read = Vec::with_capacity(marks.len());
            for m in &marks {
                let order: String = m.try_get("order_id")?;
                let version: i64 = m.try_get("version")?;
                if let Some(placed) = m.try_get::<Option<i64>, _>("placed_at")? {
                    days.insert(report::day_of(db::time(placed), &tz));
                }
                read.push((order, version));
            }
            let mut rollups = Vec::with_capacity(days.len());
            for day in days {
                rollups.push((day, self.recount_day(day, &tz).await?));
            }
            days_done += rollups.len();
            let mut tx = self.write().await?;
            let result = async {
                for (day, rollup) in &rollups {
                    rows::replace_day(&mut tx, *day, rollup).await?;
                }
                for (order, version) in &read {
                    db::query("DELETE FROM report_change WHERE order_id = $1 AND version = $2")
                        .bind(order.as_str())
                        .bind(*version)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }
            .await;
            tx.finish(result).await?;
        }
        Ok(days_done)
    }

    /// Recomputes every roll-up from the orders: every day from the first order's to
    /// the last's, after clearing the tables. Returns the days with orders.
    pub async fn rebuild_reports(&self) -> StoreResult<usize> {
        let tz = self.report_time_zone().await?;
        let mut tx = self.write().await?;
        let result = async {
            for table in rows::TABLES {
                db::query(format!("DELETE FROM {table}")).execute(&mut **tx).await?;
            }
            db::query("DELETE FROM report_change").execute(&mut **tx).await?;
            Ok(())
        }
        .await;
        tx.finish(result).await?;
        let mut done = 0;
        for day in self.order_days(&tz).await? {
            let rollup = self.recount_day(day, &tz).await?;
            if rollup == DayRollup::default() {
                continue;
            }
            let mut tx = self.write().await?;
            let result = rows::replace_day(&mut tx, day, &rollup).await;
            tx.finish(result).await?;
            done += 1;
        }
        Ok(done)
    }

    /// Every day of the seller's calendar from the first order's to the last's.
    async fn order_days(&self, tz: &TimeZone) -> StoreResult<Vec<Date>> {
        let row = db::query("SELECT MIN(placed_at) AS first, MAX(placed_at) AS last FROM sales_order")
            .fetch_one(&self.pool)
            .await?;
        let (Some(first), Some(last)) = (
            row.try_get::<Option<i64>, _>("first")?,
            row.try_get::<Option<i64>, _>("last")?,
        ) else {
            return Ok(Vec::new());
        };
        let (first, last) = (report::day_of(db::time(first), tz), report::day_of(db::time(last), tz));
        Ok(first
            .series(jiff::Span::new().days(1))
            .take_while(|d| *d <= last)
            .collect())
    }

    /// What the roll-ups of `day` should hold, counted from the orders.
    pub(crate) async fn recount_day(&self, day: Date, tz: &TimeZone) -> StoreResult<DayRollup> {
        let (from, to) = report::day_bounds(day, tz)
            .ok_or_else(|| StoreError::Corrupt(format!("the day {day} has no bounds in the report time zone")))?;
        let orders = self.order_records(from, to).await?;
        Ok(report::rollup_day(day, tz, &orders))
    }

    /// `switchyard check`'s part: every day's roll-ups equal a recount from the orders,
    /// after a refresh. A day with orders still marked (the refresh could not take the
    /// lease, e.g. from a worker killed while holding it) is queued work, not a problem.
    /// Each day that differs is named.
    pub async fn check_reports(&self) -> StoreResult<Vec<String>> {
        self.refresh_reports().await?;
        let tz = self.report_time_zone().await?;
        let mut problems = Vec::new();
        let pending = self.pending_days(&tz).await?;
        let stored_days = rows::stored_days(self).await?;
        let mut days: std::collections::BTreeSet<Date> = self.order_days(&tz).await?.into_iter().collect();
        days.extend(stored_days);
        for day in days.difference(&pending) {
            let counted = self.recount_day(*day, &tz).await?;
            let stored = rows::stored_day(self, *day).await?;
            if counted != stored {
                problems.push(format!("report roll-ups of {day} differ from a recount of its orders"));
            }
        }
        Ok(problems)
    }

    /// The days of orders still marked changed: queued for the next refresh (say, while
    /// a worker that died holds the lease), so not yet expected to match a recount.
    async fn pending_days(&self, tz: &TimeZone) -> StoreResult<std::collections::BTreeSet<Date>> {
        let placed: Vec<i64> =
            db::query_scalar("SELECT o.placed_at FROM report_change c JOIN sales_order o ON o.id = c.order_id")
                .fetch_all(&self.pool)
                .await?;
        Ok(placed.into_iter().map(|at| report::day_of(db::time(at), tz)).collect())
    }

    /// Takes the refresh lease when nobody holds it; returns its token.
    async fn take_report_lease(&self) -> StoreResult<Option<String>> {
        self.take_lease("report_setting", LEASE).await
    }

    async fn give_back_report_lease(&self, token: &str) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let result = db::query(
            "UPDATE report_setting SET lease_token = NULL, lease_until = NULL, refreshed_at = $1 \
             WHERE id = 1 AND lease_token = $2",
        )
        .bind(micros(self.now()))
        .bind(token)
        .execute(&mut **tx)
        .await
        .map(|_| ())
        .map_err(StoreError::from);
        tx.finish(result).await
    }
}

/// The SQL value of a day.
pub(crate) fn day_arg(day: Date) -> Arg {
    Arg::Text(day.to_string())
}
