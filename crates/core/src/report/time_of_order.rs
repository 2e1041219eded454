//! Time of order: when customers order, on the seller's clock. The hour-of-day ×
//! weekday grid of orders placed in the period, and the orders of each day with its
//! peaks marked.
//!
//! The peak rule: a day's *baseline* is the mean of the orders of the
//! `PEAK_WINDOW` days before it (days before the period count too, the store reads
//! them; days without orders count as 0). A day is a *peak* when its orders are at
//! least `PEAK_RATIO` times its baseline and at least `PEAK_MIN_EXTRA` more than it:
//! the ratio finds surges, the extra keeps 1 order after a quiet week from being one.

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday};
use serde::Serialize;

use super::filter::ReportFilter;
use super::round4;

/// Days the baseline of a day is the mean of.
pub const PEAK_WINDOW: i64 = 7;
/// How many times its baseline a peak day's orders are, at least.
pub const PEAK_RATIO: f64 = 1.5;
/// How many orders more than its baseline a peak day has, at least.
pub const PEAK_MIN_EXTRA: f64 = 3.0;

/// Weekdays in the grid's order (ISO 8601: Monday first), with their names.
pub const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Monday, "Mon"),
    (Weekday::Tuesday, "Tue"),
    (Weekday::Wednesday, "Wed"),
    (Weekday::Thursday, "Thu"),
    (Weekday::Friday, "Fri"),
    (Weekday::Saturday, "Sat"),
    (Weekday::Sunday, "Sun"),
];

/// The orders of one hour of one day, as the store reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourCount {
    pub day: Date,
    /// 0-23 on the seller's clock.
    pub hour: i8,
    pub orders: i64,
}

/// One day of the daily series.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayOrders {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-27"))]
    pub day: Date,
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub orders: i64,
    /// The mean orders of the 7 days before (4 places).
    #[cfg_attr(feature = "openapi", schema(example = 12.5714))]
    pub baseline: f64,
    pub peak: bool,
}

/// The time-of-order report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeOfOrder {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-01"))]
    pub from: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-30"))]
    pub to: Date,
    /// The seller's time zone the hours and days are in.
    #[cfg_attr(feature = "openapi", schema(example = "Europe/London"))]
    pub time_zone: String,
    /// `Mon` … `Sun`: the grid's rows.
    #[cfg_attr(feature = "openapi", schema(example = json!(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])))]
    pub weekdays: Vec<String>,
    /// Orders per weekday (row, Monday first) and hour of the day (24 columns).
    pub grid: Vec<Vec<i64>>,
    #[cfg_attr(feature = "openapi", schema(example = 312))]
    pub orders: i64,
    /// Every day of the period, in order.
    pub daily: Vec<DayOrders>,
}

/// Whether `orders` on a day with `baseline` is a peak (see the module).
pub fn is_peak(orders: i64, baseline: f64) -> bool {
    #[allow(clippy::cast_precision_loss)]
    let orders = orders as f64;
    orders >= baseline * PEAK_RATIO && orders >= baseline + PEAK_MIN_EXTRA
}

/// Builds the report from hour counts of the period and of the `PEAK_WINDOW` days
/// before it (those only feed the baselines).
pub fn time_of_order(filter: &ReportFilter, time_zone: &str, counts: &[HourCount]) -> TimeOfOrder {
    let mut grid = vec![vec![0_i64; 24]; 7];
    let mut per_day: BTreeMap<Date, i64> = BTreeMap::new();
    let mut orders = 0;
    for c in counts {
        *per_day.entry(c.day).or_default() += c.orders;
        if c.day < filter.from || c.day > filter.to {
            continue;
        }
        let row = usize::from(c.day.weekday().to_monday_zero_offset().unsigned_abs());
        if let Some(cell) = grid
            .get_mut(row)
            .and_then(|r| r.get_mut(usize::try_from(c.hour).unwrap_or(usize::MAX)))
        {
            *cell += c.orders;
            orders += c.orders;
        }
    }
    let window = jiff::Span::new().days(PEAK_WINDOW);
    let daily = filter
        .from
        .series(jiff::Span::new().days(1))
        .take_while(|d| *d <= filter.to)
        .map(|day| {
            let first = day.checked_sub(window).unwrap_or(day);
            let before: i64 = per_day.range(first..day).map(|(_, n)| n).sum();
            #[allow(clippy::cast_precision_loss)]
            let baseline = round4(before as f64 / PEAK_WINDOW as f64);
            let count = per_day.get(&day).copied().unwrap_or(0);
            DayOrders {
                day,
                orders: count,
                baseline,
                peak: is_peak(count, baseline),
            }
        })
        .collect();
    TimeOfOrder {
        from: filter.from,
        to: filter.to,
        time_zone: time_zone.to_owned(),
        weekdays: WEEKDAYS.iter().map(|(_, n)| (*n).to_owned()).collect(),
        grid,
        orders,
        daily,
    }
}
