//! Reports: what a seller decides from — channel performance, time of order, promised
//! vs actual delivery, perfect order rate, stock per location.
//!
//! Reports read daily roll-ups, never the order tables. A roll-up row is a sum over the
//! orders *placed* on one day in the seller's time zone (`ReportSetting`), so every
//! report covers "orders placed in the period", whatever happened to them since. The
//! store keeps the roll-ups current: every order event marks its order changed, and a
//! sweep recomputes the days of the marked orders from `OrderRecord`s with
//! [`rollup_day`], which is the one place the figures are decided.
//!
//! - `record`: what the store loads for an order (its lines, shipments, refunds,
//!   returns, claims and the events that matter here).
//! - `sales`: the channel performance, SKU and hour-of-day roll-ups.
//! - `filter`: the filters every report takes (period, channel, location, carrier, SKU).
//! - `delivery`: promised vs actual delivery per shipment (days late, whose fault,
//!   hours to ship).
//! - `perfect`: the perfect order rate and the orders that failed it.
//! - `channel`: the channel performance report's figures, totals and comparisons.
//! - `time_of_order`: the hour × weekday grid and the daily orders with their peaks.
//! - `demand`: the daily demand histories the stored forecasts are made from.
//! - `stock`: the stock-per-location report.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

mod channel;
mod delivery;
pub mod demand;
mod filter;
mod perfect;
mod record;
mod sales;
pub mod stock;
mod time_of_order;

pub use channel::*;
pub use delivery::*;
pub use filter::*;
pub use perfect::*;
pub use record::*;
pub use sales::*;
pub use time_of_order::*;

/// The roll-up rows of one day, every table's. The store replaces a day's rows with
/// these in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayRollup {
    pub sales: Vec<SalesRow>,
    pub skus: Vec<SkuRow>,
    pub hours: Vec<HourRow>,
    pub deliveries: Vec<DeliveryRow>,
    pub ship_times: Vec<ShipTimeRow>,
    pub perfect: Vec<PerfectRow>,
    pub failures: Vec<FailureRow>,
}

/// Every roll-up row of the orders placed on `day` in `tz`. `orders` must be those
/// orders (the store loads them by the day's bounds, `day_bounds`).
pub fn rollup_day(day: Date, tz: &TimeZone, orders: &[OrderRecord]) -> DayRollup {
    let (perfect, failures) = perfect_rows(day, orders);
    DayRollup {
        sales: sales_rows(day, orders),
        skus: sku_rows(day, orders),
        hours: hour_rows(day, tz, orders),
        deliveries: delivery_rows(day, orders),
        ship_times: ship_time_rows(day, orders),
        perfect,
        failures,
    }
}

/// The day `at` falls on in `tz`.
pub fn day_of(at: Timestamp, tz: &TimeZone) -> Date {
    at.to_zoned(tz.clone()).date()
}

/// The first instant of `day` in `tz` and the first of the next day: 23 or 25 hours
/// apart on the days the clocks change.
pub fn day_bounds(day: Date, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    let start = day.to_zoned(tz.clone()).ok()?.start_of_day().ok()?.timestamp();
    let next = day
        .tomorrow()
        .ok()?
        .to_zoned(tz.clone())
        .ok()?
        .start_of_day()
        .ok()?
        .timestamp();
    Some((start, next))
}

/// `part / whole`, rounded to 4 places (a rate shown as a percentage with two
/// decimals); `None` when `whole` is 0. Every rate in every report is this one.
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let r = part as f64 / whole as f64;
    Some(round4(r))
}

/// `x` rounded to 4 decimal places.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The time zone reports are cut in when none was set.
pub const DEFAULT_TIME_ZONE: &str = "UTC";

#[cfg(test)]
mod quality_tests;
#[cfg(test)]
mod stock_tests;
#[cfg(test)]
mod tests;
