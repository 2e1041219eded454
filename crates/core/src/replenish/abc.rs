//! ABC classes by revenue, and the service level each class is planned for.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::validation::Invalid;

string_enum!(
    /// A SKU's share of revenue: A the few that bring most of it, C the long tail.
    AbcClass {
        A = "a",
        B = "b",
        C = "c",
    }
);

/// ABC classes rank the revenue of this many days, today included.
pub const WINDOW_DAYS: i64 = 90;

/// Where the classes split, in percent of revenue: the SKUs bringing the first
/// `a_percent` are A, the next `b_percent` B, the rest C.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbcSplit {
    pub a_percent: u8,
    pub b_percent: u8,
}

impl Default for AbcSplit {
    fn default() -> Self {
        AbcSplit {
            a_percent: 80,
            b_percent: 15,
        }
    }
}

/// Classes SKUs by their revenue (any one unit: minor units of one currency). Highest
/// revenue first (ties by key), a SKU is A while the revenue of the SKUs before it is
/// under `a_percent` of the total, so the SKU that crosses the line is still A; then B
/// up to `a_percent + b_percent`; then C. A SKU with no revenue (or a negative one,
/// returns over sales) is C whatever the split.
pub fn classify<K: Ord + Clone>(revenue: &[(K, i64)], split: AbcSplit) -> BTreeMap<K, AbcClass> {
    let mut ranked: Vec<&(K, i64)> = revenue.iter().collect();
    ranked.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    let total: i128 = ranked.iter().map(|(_, r)| i128::from((*r).max(0))).sum();
    let a_line = i128::from(split.a_percent);
    let b_line = a_line + i128::from(split.b_percent);
    let mut before: i128 = 0;
    let mut classes = BTreeMap::new();
    for (key, r) in ranked {
        let class = if *r <= 0 {
            AbcClass::C
        } else if before * 100 < total * a_line {
            AbcClass::A
        } else if before * 100 < total * b_line {
            AbcClass::B
        } else {
            AbcClass::C
        };
        before += i128::from((*r).max(0));
        classes.insert(key.clone(), class);
    }
    classes
}

/// A probability of not running out within a replenishment cycle: strictly between 0
/// and 1 (a service level of 1 would need infinite stock).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct ServiceLevel(f64);

impl ServiceLevel {
    /// The highest level accepted: beyond it the safety factor runs away.
    pub const MAX: f64 = 0.9999;
    /// The lowest level accepted: below a half, safety stock would be negative.
    pub const MIN: f64 = 0.5;

    pub fn new(p: f64) -> Result<ServiceLevel, Invalid> {
        if (Self::MIN..=Self::MAX).contains(&p) {
            Ok(ServiceLevel(p))
        } else {
            Err(Invalid::new(
                "out_of_range",
                format!("must be from {} to {}", Self::MIN, Self::MAX),
            ))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }

    /// The safety factor `z`: the standard normal quantile of the level.
    pub fn z(self) -> f64 {
        super::normal::inverse_normal(self.0).unwrap_or(0.0)
    }
}

/// The service level planned for each class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceLevels {
    pub a: ServiceLevel,
    pub b: ServiceLevel,
    pub c: ServiceLevel,
}

impl Default for ServiceLevels {
    fn default() -> Self {
        ServiceLevels {
            a: ServiceLevel(0.98),
            b: ServiceLevel(0.95),
            c: ServiceLevel(0.90),
        }
    }
}

impl ServiceLevels {
    pub fn for_class(&self, class: AbcClass) -> ServiceLevel {
        match class {
            AbcClass::A => self.a,
            AbcClass::B => self.b,
            AbcClass::C => self.c,
        }
    }
}
