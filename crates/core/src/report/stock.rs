//! The stock-per-location report: per SKU × location what is there, what is coming,
//! what it is worth and how long it lasts; per location and per country the share of
//! the stock held against the share of the demand.
//!
//! - `available` = on hand − reserved; `inbound` is what open purchase orders still
//!   expect (`purchase::outstanding`); quarantined units are counted apart, never
//!   available.
//! - Stock value = the product's cost × on hand (no value when it has no cost).
//! - Days of cover = available ÷ the forecast's mean daily demand at that location over
//!   its first `COVER_DAYS` days; none without a forecast or with no demand.
//! - Dead stock: units on hand and no sale of the SKU (anywhere, a kit's sale counting
//!   for its components) in the last `dead_days` days ending today; a SKU never sold is
//!   dead once its last receipt is that old (or it has none).
//! - Shares: a location's units on hand over all the locations' in the report, and the
//!   units it shipped in the period over all shipped units (lines not shipped yet have
//!   no location and are left out). Per destination country: the units ordered to it
//!   over all units ordered, against the units on hand in locations of that country.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use crate::money::Money;

/// The days of forecast demand that days of cover divide by.
pub const COVER_DAYS: usize = 28;
/// Dead stock: no sale in this many days, when the request does not say.
pub const DEFAULT_DEAD_DAYS: i64 = 90;
/// The most `dead_days` may be.
pub const MAX_DEAD_DAYS: i64 = 3650;

/// What the store knows of one SKU at one location.
#[derive(Debug, Clone, PartialEq)]
pub struct StockFacts {
    pub sku: String,
    pub location: String,
    pub country: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub quarantined: i64,
    pub inbound: i64,
    pub cost: Option<Money>,
    /// The day (seller's time zone) of the last receipt here.
    pub last_receipt: Option<Date>,
    /// The day of the SKU's last sale anywhere.
    pub last_sale: Option<Date>,
    /// The stored forecast's daily means at this location, from tomorrow.
    pub forecast: Option<Vec<f64>>,
}

/// Units shipped from a location, or ordered to a country, in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandUnits {
    pub key: String,
    pub units: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockRow {
    pub sku: String,
    pub location: String,
    pub country: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub inbound: i64,
    pub quarantined: i64,
    /// Cost × on hand; null when the product has no cost.
    pub stock_value: Option<Money>,
    /// The forecast mean daily demand here (units); null without a forecast.
    pub daily_demand: Option<f64>,
    /// Available ÷ daily demand; null when there is no demand.
    pub days_of_cover: Option<f64>,
    /// Null when nothing was ever received here.
    pub days_since_receipt: Option<i64>,
    pub dead_stock: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationTotal {
    pub location: String,
    pub country: String,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub inbound: i64,
    pub quarantined: i64,
    /// Stock value per currency of the products' costs.
    pub stock_value: Vec<Money>,
    /// Units on hand here ÷ units on hand in every location of the report (0-1).
    pub stock_share: Option<f64>,
    /// Units shipped from here in the period.
    pub demand_units: i64,
    /// Its share of every unit shipped in the period (0-1).
    pub demand_share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountryShare {
    pub country: String,
    /// Units ordered to this country in the period, and their share of all.
    pub demand_units: i64,
    pub demand_share: Option<f64>,
    /// Units on hand in this country's locations, and their share of all.
    pub stock_units: i64,
    pub stock_share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockReport {
    /// The demand window (seller's days, both included).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-01"))]
    pub from: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-30"))]
    pub to: Date,
    pub dead_days: i64,
    pub rows: Vec<StockRow>,
    pub locations: Vec<LocationTotal>,
    pub countries: Vec<CountryShare>,
}

/// The period and today the report is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockPeriod {
    pub from: Date,
    pub to: Date,
    pub today: Date,
    pub dead_days: i64,
}

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn days_between(earlier: Date, later: Date) -> i64 {
    i64::from((later - earlier).get_days())
}

/// Whether stock last sold on `last_sale` (last received on `last_receipt`) is dead.
pub fn is_dead(on_hand: i64, last_sale: Option<Date>, last_receipt: Option<Date>, today: Date, dead_days: i64) -> bool {
    if on_hand <= 0 {
        return false;
    }
    match last_sale.or(last_receipt) {
        Some(day) => days_between(day, today) >= dead_days,
        None => true,
    }
}

/// Days the available units last at `daily` units a day.
pub fn days_of_cover(available: i64, daily: Option<f64>) -> Option<f64> {
    daily.filter(|d| *d > 0.0).map(|d| available.max(0) as f64 / d)
}

/// One row's figures.
pub fn stock_row(facts: &StockFacts, today: Date, dead_days: i64) -> StockRow {
    let available = facts.on_hand - facts.reserved;
    let daily = facts
        .forecast
        .as_deref()
        .and_then(|m| super::demand::mean_daily(m, COVER_DAYS));
    StockRow {
        sku: facts.sku.clone(),
        location: facts.location.clone(),
        country: facts.country.clone(),
        on_hand: facts.on_hand,
        reserved: facts.reserved,
        available,
        inbound: facts.inbound,
        quarantined: facts.quarantined,
        stock_value: facts.cost.and_then(|c| c.checked_mul(facts.on_hand).ok()),
        daily_demand: daily,
        days_of_cover: days_of_cover(available, daily),
        days_since_receipt: facts.last_receipt.map(|d| days_between(d, today)),
        dead_stock: is_dead(facts.on_hand, facts.last_sale, facts.last_receipt, today, dead_days),
    }
}

/// The whole report. `shipped` are units shipped per location code in the period,
/// `ordered` units ordered per destination country.
pub fn stock_report(
    facts: &[StockFacts],
    shipped: &[DemandUnits],
    ordered: &[DemandUnits],
    period: StockPeriod,
) -> StockReport {
    let rows: Vec<StockRow> = facts
        .iter()
        .map(|f| stock_row(f, period.today, period.dead_days))
        .collect();
    let total_on_hand: i64 = rows.iter().map(|r| r.on_hand).sum();
    let total_shipped: i64 = shipped.iter().map(|d| d.units).sum();
    let mut by_location: BTreeMap<&str, Vec<&StockRow>> = BTreeMap::new();
    for r in &rows {
        by_location.entry(r.location.as_str()).or_default().push(r);
    }
    let locations = by_location
        .into_iter()
        .map(|(location, rows)| {
            let mut values: BTreeMap<&str, Money> = BTreeMap::new();
            for v in rows.iter().filter_map(|r| r.stock_value) {
                let sum = values
                    .entry(v.currency.as_str())
                    .or_insert_with(|| Money::zero(v.currency));
                *sum = sum.checked_add(v).unwrap_or(*sum);
            }
            let on_hand = rows.iter().map(|r| r.on_hand).sum();
            let demand_units = shipped.iter().filter(|d| d.key == location).map(|d| d.units).sum();
            LocationTotal {
                location: location.to_owned(),
                country: rows.first().map(|r| r.country.clone()).unwrap_or_default(),
                on_hand,
                reserved: rows.iter().map(|r| r.reserved).sum(),
                available: rows.iter().map(|r| r.available).sum(),
                inbound: rows.iter().map(|r| r.inbound).sum(),
                quarantined: rows.iter().map(|r| r.quarantined).sum(),
                stock_value: values.into_values().collect(),
                stock_share: share(on_hand, total_on_hand),
                demand_units,
                demand_share: share(demand_units, total_shipped),
            }
        })
        .collect();
    let total_ordered: i64 = ordered.iter().map(|d| d.units).sum();
    let mut countries: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for d in ordered {
        countries.entry(d.key.as_str()).or_default().0 += d.units;
    }
    for r in &rows {
        countries.entry(r.country.as_str()).or_default().1 += r.on_hand;
    }
    let countries = countries
        .into_iter()
        .map(|(country, (demand, stock))| CountryShare {
            country: country.to_owned(),
            demand_units: demand,
            demand_share: share(demand, total_ordered),
            stock_units: stock,
            stock_share: share(stock, total_on_hand),
        })
        .collect();
    StockReport {
        from: period.from,
        to: period.to,
        dead_days: period.dead_days,
        rows,
        locations,
        countries,
    }
}

/// The `dead_days` parameter, checked (1 to `MAX_DEAD_DAYS`, default 90).
pub fn parse_dead_days(raw: Option<&str>) -> Result<i64, crate::validation::Invalid> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_DEAD_DAYS);
    };
    match raw.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_DEAD_DAYS).contains(&n) => Ok(n),
        _ => Err(crate::validation::Invalid::new(
            "invalid_dead_days",
            format!("must be a whole number of days from 1 to {MAX_DEAD_DAYS}"),
        )),
    }
}
