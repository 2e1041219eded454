//! Lead time: how many days a supplier takes from order to receipt, learned from the
//! purchase-order history, or the supplier terms' set value, or a default.

use serde::Serialize;

/// Fewer observations than this are too few to learn a lead time from.
pub const MIN_OBSERVATIONS: usize = 3;

/// Lead time in days when nothing was set and nothing was learned.
pub const DEFAULT_DAYS: f64 = 14.0;

/// A lead time that was set or defaulted has no history to measure its spread: it is
/// taken as this fraction of its mean.
pub const UNMEASURED_SD_FRACTION: f64 = 0.25;

string_enum!(
    /// Where a lead time came from, most specific first.
    LeadTimeSource {
        /// This supplier's receipts of this SKU.
        SkuHistory = "sku_history",
        /// This supplier's receipts of any SKU.
        SupplierHistory = "supplier_history",
        /// The supplier terms' lead time.
        Set = "set",
        /// Neither history nor terms: the default.
        Default = "default",
    }
);

/// A lead time in days: mean and standard deviation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadTime {
    pub mean_days: f64,
    pub sd_days: f64,
    pub source: LeadTimeSource,
    /// How many receipts it was learned from (0 when set or defaulted).
    pub observations: usize,
}

impl LeadTime {
    /// A lead time known only by its mean (set or defaulted).
    pub fn unmeasured(mean_days: f64, source: LeadTimeSource) -> LeadTime {
        let mean_days = mean_days.max(0.0);
        LeadTime {
            mean_days,
            sd_days: mean_days * UNMEASURED_SD_FRACTION,
            source,
            observations: 0,
        }
    }

    /// A lead time of exactly `days`, with no spread (the backtest's fixed lead time).
    pub fn fixed(days: f64) -> LeadTime {
        LeadTime {
            mean_days: days.max(0.0),
            sd_days: 0.0,
            source: LeadTimeSource::Set,
            observations: 0,
        }
    }
}

/// Mean and sample standard deviation of `values`; `None` for fewer than two.
pub fn mean_sd(values: &[f64]) -> Option<(f64, f64)> {
    if values.len() < 2 {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Some((mean, var.sqrt()))
}

/// A lead time learned from observed days between ordering and receiving, or `None`
/// with fewer than `MIN_OBSERVATIONS` (negative observations, a clock error, are
/// ignored).
pub fn learn(days: &[f64], source: LeadTimeSource) -> Option<LeadTime> {
    let days: Vec<f64> = days.iter().copied().filter(|d| d.is_finite() && *d >= 0.0).collect();
    if days.len() < MIN_OBSERVATIONS {
        return None;
    }
    let (mean_days, sd_days) = mean_sd(&days)?;
    Some(LeadTime {
        mean_days,
        sd_days,
        source,
        observations: days.len(),
    })
}

/// What is known about a supplier's lead time for one SKU.
#[derive(Debug, Clone, Default)]
pub struct LeadTimeFacts {
    /// Days from order to receipt of this SKU from this supplier.
    pub sku_history: Vec<f64>,
    /// Days from order to receipt of any SKU from this supplier.
    pub supplier_history: Vec<f64>,
    /// The supplier terms' lead time, when set.
    pub set_days: Option<f64>,
}

/// The lead time to plan with: measured beats promised, so the supplier × SKU history
/// when it is long enough, else the supplier's history, else the set value, else
/// `default_days`.
pub fn lead_time(facts: &LeadTimeFacts, default_days: f64) -> LeadTime {
    learn(&facts.sku_history, LeadTimeSource::SkuHistory)
        .or_else(|| learn(&facts.supplier_history, LeadTimeSource::SupplierHistory))
        .or_else(|| facts.set_days.map(|d| LeadTime::unmeasured(d, LeadTimeSource::Set)))
        .unwrap_or_else(|| LeadTime::unmeasured(default_days, LeadTimeSource::Default))
}
