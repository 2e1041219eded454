//! The returns report: how often each SKU comes back, from the units that shipped and
//! the units on returns that count, by reason.

use std::collections::BTreeMap;

use super::ReturnReason;
use crate::id::ProductId;

/// How often one SKU comes back.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuReturns {
    pub sku: String,
    pub product_id: ProductId,
    /// Units that left in shipments.
    pub shipped: i64,
    /// Units on returns that count.
    pub returned: i64,
    /// `returned / shipped` to four decimals, 0 when nothing shipped.
    pub rate: f64,
    /// Returned units by reason.
    pub by_reason: BTreeMap<ReturnReason, i64>,
}

/// Units of a SKU: shipped, or on returns that count for one reason (one report row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuUnits {
    pub sku: String,
    pub product_id: ProductId,
    pub units: i64,
}

/// `returned / shipped`, rounded to four decimals; 0 when nothing shipped.
pub fn return_rate(returned: i64, shipped: i64) -> f64 {
    if shipped > 0 {
        (returned as f64 / shipped as f64 * 10_000.0).round() / 10_000.0
    } else {
        0.0
    }
}

/// The return rate of every SKU that shipped or came back, adding up its rows (a SKU
/// keeps the product of its first row), highest rate first and then by SKU.
/// `returned` holds each reason's units.
pub fn return_rates(shipped: &[SkuUnits], returned: &[(ReturnReason, SkuUnits)]) -> Vec<SkuReturns> {
    let mut rates: BTreeMap<&str, SkuReturns> = BTreeMap::new();
    let rows = shipped
        .iter()
        .map(|s| (&s.sku, &s.product_id))
        .chain(returned.iter().map(|(_, r)| (&r.sku, &r.product_id)));
    for (sku, product_id) in rows {
        rates.entry(sku).or_insert_with(|| SkuReturns {
            sku: sku.clone(),
            product_id: product_id.clone(),
            shipped: 0,
            returned: 0,
            rate: 0.0,
            by_reason: BTreeMap::new(),
        });
    }
    for s in shipped {
        if let Some(r) = rates.get_mut(s.sku.as_str()) {
            r.shipped = r.shipped.saturating_add(s.units);
        }
    }
    for (reason, x) in returned {
        if let Some(r) = rates.get_mut(x.sku.as_str()) {
            r.returned = r.returned.saturating_add(x.units);
            let by = r.by_reason.entry(*reason).or_insert(0);
            *by = by.saturating_add(x.units);
        }
    }
    let mut rates: Vec<SkuReturns> = rates
        .into_values()
        .map(|mut r| {
            r.rate = return_rate(r.returned, r.shipped);
            r
        })
        .collect();
    rates.sort_by(|a, b| b.rate.total_cmp(&a.rate).then_with(|| a.sku.cmp(&b.sku)));
    rates
}
