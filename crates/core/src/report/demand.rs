//! Demand histories for the stored forecasts: units per calendar day of the seller's
//! time zone, per SKU and per SKU × location, from the SKU roll-up (`report_sku_daily`).
//!
//! - Kits hold no stock: a kit's units become `units × quantity` of each component on
//!   the same day and location, and the kit gets no history (no forecast) of its own.
//! - A line no shipment has taken yet sits at location `""`. In the SKU's total it
//!   counts like any other; per location it is spread by the SKU's shipped shares over
//!   the history window (a location that shipped 3 of the SKU's 4 units gets 3/4 of
//!   each unshipped unit). A SKU that never shipped has no per-location history.
//! - Demand is units ordered, cancelled ones included: a line cancelled for want of
//!   stock was still asked for.
//! - A history runs from the later of the window's first day and the SKU's first sale
//!   (a SKU new to the shop is not padded with days it could not sell) to the window's
//!   last day, every day present, zero on days without demand.

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::sales::NONE;

/// How many days of history a forecast reads (the last year).
pub const HISTORY_DAYS: i64 = 365;
/// How many days ahead forecasts are made (eight weeks).
pub const HORIZON_DAYS: usize = 56;

/// Units of one product sold on one day at one location (`""`: not shipped yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandRow {
    pub day: Date,
    pub product_id: String,
    pub location_id: String,
    pub units: i64,
}

/// One component of a kit: `quantity` units per kit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KitPart {
    pub kit_id: String,
    pub component_id: String,
    pub quantity: i64,
}

/// The daily demand of one product, everywhere (`location_id` `None`) or at one
/// location.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandHistory {
    pub product_id: String,
    pub location_id: Option<String>,
    /// The first day of `units`.
    pub first_day: Date,
    /// Units per day, oldest first, up to the window's last day.
    pub units: Vec<f64>,
}

/// The window of days a refresh on `today` reads: the `HISTORY_DAYS` days ending
/// yesterday. `None` only at the very start of the calendar.
pub fn history_window(today: Date) -> Option<(Date, Date)> {
    let last = today.yesterday().ok()?;
    let first = last.checked_sub(jiff::Span::new().days(HISTORY_DAYS - 1)).ok()?;
    Some((first, last))
}

/// Explodes kits into their components: every row of a kit becomes one row per
/// component; other rows stay. `rows` may hold any days.
pub fn explode_kits(rows: &[DemandRow], kits: &[KitPart]) -> Vec<DemandRow> {
    let mut parts: BTreeMap<&str, Vec<&KitPart>> = BTreeMap::new();
    for k in kits {
        parts.entry(k.kit_id.as_str()).or_default().push(k);
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        match parts.get(row.product_id.as_str()) {
            Some(components) => out.extend(components.iter().map(|c| DemandRow {
                product_id: c.component_id.clone(),
                units: row.units.saturating_mul(c.quantity),
                ..row.clone()
            })),
            None => out.push(row.clone()),
        }
    }
    out
}

/// The demand histories of every product with a sale in `window` (or before it,
/// when `first_sales` says so): one for the whole product and one per location it
/// shipped from. `rows` are the roll-up's rows of the window; `first_sales` the
/// first day each product (kits too) ever sold. Kits get none.
pub fn demand_histories(
    rows: &[DemandRow],
    kits: &[KitPart],
    first_sales: &BTreeMap<String, Date>,
    window: (Date, Date),
) -> Vec<DemandHistory> {
    let (window_first, last) = window;
    let exploded = explode_kits(rows, kits);
    // The first day of each product's history: its own first sale or a kit's of it.
    let mut starts: BTreeMap<&str, Date> = BTreeMap::new();
    let kit_of: BTreeMap<&str, Vec<&str>> = kits.iter().fold(BTreeMap::new(), |mut m, k| {
        m.entry(k.kit_id.as_str()).or_default().push(k.component_id.as_str());
        m
    });
    for (product, day) in first_sales {
        let targets = kit_of
            .get(product.as_str())
            .cloned()
            .unwrap_or_else(|| vec![product.as_str()]);
        for t in targets {
            let start = starts.entry(t).or_insert(*day);
            *start = (*start).min(*day);
        }
    }
    // Units per product, location and day within the window.
    let mut cells: BTreeMap<(&str, &str), BTreeMap<Date, f64>> = BTreeMap::new();
    for r in exploded.iter().filter(|r| r.day >= window_first && r.day <= last) {
        *cells
            .entry((r.product_id.as_str(), r.location_id.as_str()))
            .or_default()
            .entry(r.day)
            .or_default() += r.units as f64;
        starts.entry(r.product_id.as_str()).or_insert(r.day);
    }
    let mut out = Vec::new();
    for (product, start) in starts {
        let first = start.max(window_first);
        if first > last {
            continue;
        }
        let days: Vec<Date> = first
            .series(jiff::Span::new().days(1))
            .take_while(|d| *d <= last)
            .collect();
        let series = |by_day: &BTreeMap<Date, f64>, weight: f64, into: &mut Vec<f64>| {
            for (slot, day) in into.iter_mut().zip(&days) {
                *slot += by_day.get(day).copied().unwrap_or(0.0) * weight;
            }
        };
        let at: Vec<(&str, &BTreeMap<Date, f64>)> = cells
            .range((product, "")..)
            .take_while(|((p, _), _)| *p == product)
            .map(|((_, l), d)| (*l, d))
            .collect();
        let mut total = vec![0.0; days.len()];
        for (_, by_day) in &at {
            series(by_day, 1.0, &mut total);
        }
        out.push(DemandHistory {
            product_id: product.to_owned(),
            location_id: None,
            first_day: first,
            units: total,
        });
        let shipped: Vec<(&str, f64)> = at
            .iter()
            .filter(|(l, _)| *l != NONE)
            .map(|(l, d)| (*l, d.values().sum::<f64>()))
            .collect();
        let shipped_total: f64 = shipped.iter().map(|(_, u)| u).sum();
        if shipped_total <= 0.0 {
            continue;
        }
        let unshipped = at.iter().find(|(l, _)| *l == NONE).map(|(_, d)| *d);
        for (location, units) in shipped {
            let mut history = vec![0.0; days.len()];
            if let Some((_, by_day)) = at.iter().find(|(l, _)| *l == location) {
                series(by_day, 1.0, &mut history);
            }
            if let Some(by_day) = unshipped {
                series(by_day, units / shipped_total, &mut history);
            }
            out.push(DemandHistory {
                product_id: product.to_owned(),
                location_id: Some(location.to_owned()),
                first_day: first,
                units: history,
            });
        }
    }
    out
}

/// The mean daily demand a forecast expects over its first `days` days (`None` when
/// it has none of them).
pub fn mean_daily(means: &[f64], days: usize) -> Option<f64> {
    let head = &means[..means.len().min(days)];
    (!head.is_empty()).then(|| head.iter().sum::<f64>() / head.len() as f64)
}
