//! When the demo's customers buy, and what: the year's curve (quiet January, a
//! November and December peak around Black Friday and Christmas), the week's shape,
//! a few promotions, the hours of the day, and which products sell in which season
//! (regular sellers, slow and intermittent ones).

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

/// Hourly weights of online orders (UTC, close to UK time): quiet at night, a lunch
/// bump, busy evenings.
pub(super) const ONLINE_HOURS: [u64; 24] = [
    3, 2, 1, 1, 1, 1, 2, 4, 6, 7, 8, 9, 11, 10, 8, 8, 9, 10, 12, 15, 16, 14, 10, 6,
];

/// Hourly weights of the Berlin shop's till (UTC): open 10:00 to 19:00 Berlin time.
pub(super) const SHOP_HOURS: [u64; 24] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 6, 8, 10, 9, 8, 9, 10, 8, 4, 0, 0, 0, 0, 0];

/// A named promotion: its tag on the orders it brought, and its discount in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Promotion {
    pub(super) tag: &'static str,
    pub(super) discount_percent: i64,
}

fn black_friday(year: i16) -> Option<Date> {
    Date::new(year, 11, 1)
        .ok()?
        .nth_weekday_of_month(4, Weekday::Friday)
        .ok()
}

/// The day's demand relative to an ordinary day, and the promotion running, if any.
pub(super) fn demand(date: Date) -> (f64, Option<Promotion>) {
    const MONTH: [f64; 12] = [0.75, 0.8, 0.9, 0.92, 0.95, 0.9, 0.85, 0.85, 0.95, 1.05, 1.3, 1.55];
    let mut factor = MONTH[usize::try_from(date.month() - 1).unwrap_or(0)];
    factor *= match date.weekday() {
        Weekday::Monday => 1.08,
        Weekday::Tuesday => 1.02,
        Weekday::Wednesday => 1.0,
        Weekday::Thursday => 0.98,
        Weekday::Friday => 0.92,
        Weekday::Saturday => 0.78,
        Weekday::Sunday => 0.95,
    };
    // Christmas: the last posting days, then the quiet days, then the sales.
    if date.month() == 12 {
        factor *= match date.day() {
            1..=17 => 1.1,
            18..=22 => 0.8,
            23..=26 => 0.3,
            _ => 0.75,
        };
    }
    let promotion = |tag, discount_percent| Some(Promotion { tag, discount_percent });
    let (boost, promo) = match black_friday(date.year()) {
        Some(friday) if date == friday => (3.2, promotion("black-friday", 20)),
        Some(friday) if date > friday && date <= friday.saturating_add(3.days()) => {
            // The weekend, then Cyber Monday.
            let boost = if date.weekday() == Weekday::Monday { 2.6 } else { 2.0 };
            (boost, promotion("black-friday", 20))
        }
        Some(friday) if date < friday && date >= friday.saturating_sub(4.days()) => (1.3, None),
        _ => match (date.month(), date.day()) {
            (3, 12..=14) => (1.9, promotion("spring-sale", 15)),
            (7, 3..=6) => (1.7, promotion("summer-sale", 15)),
            (9, 18) => (2.4, promotion("anniversary", 10)),
            _ => (1.0, None),
        },
    };
    (factor * boost, promo)
}

/// How a product line's sales follow the seasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seasonality {
    Flat,
    Winter,
    Summer,
    Gifts,
}

impl Seasonality {
    fn factor(self, month: i8) -> f64 {
        const WINTER: [f64; 12] = [1.5, 1.1, 0.8, 0.6, 0.5, 0.4, 0.4, 0.5, 0.8, 1.2, 1.6, 1.9];
        const SUMMER: [f64; 12] = [0.5, 0.6, 0.8, 1.1, 1.4, 1.6, 1.6, 1.4, 1.0, 0.7, 0.7, 0.9];
        const GIFTS: [f64; 12] = [0.8, 0.7, 0.6, 0.5, 0.4, 0.4, 0.4, 0.5, 0.8, 1.3, 2.2, 3.0];
        let m = usize::try_from(month - 1).unwrap_or(0);
        match self {
            Seasonality::Flat => 1.0,
            Seasonality::Winter => WINTER[m],
            Seasonality::Summer => SUMMER[m],
            Seasonality::Gifts => GIFTS[m],
        }
    }
}

/// SKUs that sell now and then, a unit at a time: the intermittent tail.
const SLOW: &[&str] = &[
    "PRINT-A3-MOTH",
    "PRINT-A3-DUSK",
    "NOTE-RUST",
    "CANDLE-SMOKE",
    "HOOD-CHA-XL",
    "SOCK-DOT-S",
    "CAP-FOREST",
];

/// How well a SKU sells in `month`, relative to the others (tenths).
pub(super) fn popularity(sku: &str, month: i8) -> u64 {
    let (base, season) = match sku.split('-').next().unwrap_or_default() {
        "TEE" => (30.0, Seasonality::Flat),
        "HOOD" => (16.0, Seasonality::Winter),
        "MUG" => (16.0, Seasonality::Gifts),
        "PRINT" => (4.0, Seasonality::Gifts),
        "TOTE" => (10.0, Seasonality::Summer),
        "NOTE" => (6.0, Seasonality::Flat),
        "CAP" => (8.0, Seasonality::Summer),
        "SOCK" => (9.0, Seasonality::Winter),
        "CANDLE" => (8.0, Seasonality::Gifts),
        _ => (14.0, Seasonality::Flat),
    };
    // Middle sizes sell best.
    let size = match sku.rsplit('-').next() {
        Some("M" | "L") => 1.4,
        Some("S" | "XL") => 0.6,
        _ => 1.0,
    };
    let slow = if SLOW.contains(&sku) { 0.08 } else { 1.0 };
    (base * size * slow * season.factor(month) * 10.0).round().max(1.0) as u64
}

/// The relative demand for a SKU `ahead` days after `today`, as a planner who knows
/// the seasons expects it: what purchase orders are sized by.
pub(super) fn outlook(sku: &str, today: Date, ahead: i64) -> f64 {
    let later = today.saturating_add(ahead.days());
    let level = |d: Date| demand(d).0.max(0.3) * popularity(sku, d.month()) as f64;
    // A week either side smooths out the weekdays and single promotion days.
    let around = |d: Date| (-3..=3).map(|k| level(d.saturating_add(k.days()))).sum::<f64>();
    (around(later) / around(today.saturating_sub(14.days()))).clamp(0.4, 3.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn black_friday_and_early_december_beat_an_ordinary_spring_week() {
        let friday = Date::new(2026, 11, 27).unwrap();
        assert_eq!(black_friday(2026), Some(friday));
        let (bf, promo) = demand(friday);
        assert_eq!(promo.map(|p| p.tag), Some("black-friday"));
        let (december, _) = demand(Date::new(2026, 12, 8).unwrap());
        let (april, _) = demand(Date::new(2026, 4, 14).unwrap());
        assert!(bf > 3.0 * april && december > 1.4 * april, "{bf} {december} {april}");
        let (saturday, _) = demand(Date::new(2026, 4, 18).unwrap());
        assert!(saturday < april);
    }

    #[test]
    fn hoodies_sell_in_winter_and_slow_skus_barely_sell() {
        assert!(popularity("HOOD-NAV-M", 12) > 3 * popularity("HOOD-NAV-M", 6));
        assert!(popularity("PRINT-A3-MOTH", 6) * 10 < popularity("PRINT-A3-FERN", 6) * 2);
        assert!(outlook("CANDLE-FIG", Date::new(2026, 10, 20).unwrap(), 21) > 1.3);
    }
}
