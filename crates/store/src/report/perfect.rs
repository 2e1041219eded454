//! The perfect-order report's reads: decided orders per day of a scope, and the page
//! of failing orders behind the rate.

use jiff::civil::Date;
use serde::Serialize;
use switchyard_core::report::{PerfectComponent, PerfectCounts};

use super::Scope;
use super::day_arg;
use super::delivery::scoped;
use super::quality_rows::failed_components;
use super::rows::parse_day;
use crate::Store;
use crate::db::{Arg, Sql};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};

/// An order that was not perfect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerfectFailure {
    /// The day it was placed, in the seller's time zone.
    pub day: Date,
    pub order_id: String,
    pub number: String,
    /// The components it failed.
    pub failed: Vec<PerfectComponent>,
}

/// The flag column of a component in `report_perfect_failure`.
fn flag(component: PerfectComponent) -> &'static str {
    match component {
        PerfectComponent::OnTime => "late",
        PerfectComponent::Complete => "incomplete",
        PerfectComponent::Undamaged => "damaged",
        PerfectComponent::Right => "wrong",
    }
}

impl Store {
    /// The perfect-order counts of `scope`, summed per day.
    pub async fn perfect_days(&self, scope: &Scope) -> StoreResult<Vec<(Date, PerfectCounts)>> {
        let sum = |c: &str| format!("CAST(SUM({c}) AS BIGINT) AS {c}");
        let columns = PerfectCounts::NAMES.map(sum).join(", ");
        let mut sql = Sql::new(&format!("SELECT day, {columns} FROM report_perfect_daily"));
        scoped(&mut sql, scope);
        sql.push(" GROUP BY day ORDER BY day");
        let mut days = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            let int = |c: &str| r.try_get::<i64, _>(c);
            days.push((
                parse_day(&r.try_get::<String, _>("day")?)?,
                PerfectCounts {
                    decided: int("decided")?,
                    perfect: int("perfect")?,
                    customer_cancelled: int("customer_cancelled")?,
                    late: int("late")?,
                    incomplete: int("incomplete")?,
                    damaged: int("damaged")?,
                    wrong: int("wrong")?,
                },
            ));
        }
        Ok(days)
    }

    /// The orders of `scope` that were not perfect (only those failing `component`
    /// when given), newest day first, cursor-paged.
    pub async fn perfect_failures(
        &self,
        scope: &Scope,
        component: Option<PerfectComponent>,
        page: &PageRequest,
    ) -> StoreResult<Page<PerfectFailure>> {
        let mut sql =
            Sql::new("SELECT day, order_id, number, late, incomplete, damaged, wrong FROM report_perfect_failure");
        scoped(&mut sql, scope);
        if let Some(c) = component {
            sql.filter(&format!("{} = ", flag(c)), Arg::Int(1), "");
        }
        if let Some(cursor) = &page.cursor {
            let bad = || StoreError::invalid("cursor", "invalid_cursor", "is not a cursor of this list");
            let (day, order) = cursor.split_once('|').ok_or_else(bad)?;
            let day = parse_day(day).map_err(|_| bad())?;
            sql.filter("(day < ", day_arg(day), "");
            sql.push(" OR (day = ").bind(day_arg(day)).push(" AND order_id < ");
            sql.bind(Arg::Text(order.to_owned())).push("))");
        }
        sql.push(" ORDER BY day DESC, order_id DESC").limit(page.limit() + 1);
        let mut items = Vec::new();
        for r in sql.query().fetch_all(&self.pool).await? {
            items.push(PerfectFailure {
                day: parse_day(&r.try_get::<String, _>("day")?)?,
                order_id: r.try_get("order_id")?,
                number: r.try_get("number")?,
                failed: failed_components(&r)?,
            });
        }
        Ok(Page::from_rows(items, page.limit(), |f| {
            format!("{}|{}", f.day, f.order_id)
        }))
    }
}
