//! The backtest: each product's daily series from dated sales, the last weeks held
//! out at one or more origins, and every method's mean MASE and RMSSE per segment.

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::{Method, Segment, classify, forecast, forecast_with, mase, rmsse};

/// One product's demand, one value per calendar day from its first demand to the
/// data's last day.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub sku: String,
    pub first: Date,
    pub history: Vec<f64>,
    /// Days with demand (over the whole history).
    pub selling_days: usize,
}

/// Every product of a sales file, in SKU order, and the file's last day.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub last: Date,
    pub products: Vec<Product>,
}

impl Dataset {
    /// From (day, sku, units) rows in any order; rows of one day and SKU add up, and a
    /// day without a row is a day without demand. None without rows.
    pub fn from_rows(rows: impl IntoIterator<Item = (Date, String, f64)>) -> Option<Self> {
        let mut by_sku: BTreeMap<String, BTreeMap<Date, f64>> = BTreeMap::new();
        let mut last: Option<Date> = None;
        for (day, sku, units) in rows {
            *by_sku.entry(sku).or_default().entry(day).or_default() += units;
            last = Some(last.map_or(day, |l| l.max(day)));
        }
        let last = last?;
        let products = by_sku
            .into_iter()
            .filter_map(|(sku, days)| {
                let (&first, _) = days.iter().find(|(_, u)| **u > 0.0)?;
                let len = usize::try_from(first.until(last).ok()?.get_days()).ok()? + 1;
                let mut history = vec![0.0; len];
                for (day, units) in days {
                    let i = usize::try_from(first.until(day).ok()?.get_days()).ok();
                    if let Some(slot) = i.and_then(|i| history.get_mut(i)) {
                        *slot += units.max(0.0);
                    }
                }
                let selling_days = history.iter().filter(|&&v| v > 0.0).count();
                Some(Product {
                    sku,
                    first,
                    history,
                    selling_days,
                })
            })
            .collect();
        Some(Self { last, products })
    }

    /// Products ranked by selling days, most first, ties by SKU.
    pub fn ranked(&self) -> Vec<&Product> {
        let mut ranked: Vec<&Product> = self.products.iter().collect();
        ranked.sort_by(|a, b| b.selling_days.cmp(&a.selling_days).then_with(|| a.sku.cmp(&b.sku)));
        ranked
    }
}

/// What the backtest compares: the named methods and "ours", the chosen rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Contender {
    Method(Method),
    Ours,
}

impl Contender {
    pub fn label(&self) -> &'static str {
        match self {
            Contender::Method(m) => m.as_str(),
            Contender::Ours => "ours",
        }
    }
}

/// The contenders of the table: the references and ours.
pub const CONTENDERS: &[Contender] = &[
    Contender::Method(Method::SeasonalNaive),
    Contender::Method(Method::Ets),
    Contender::Method(Method::Croston),
    Contender::Method(Method::Sba),
    Contender::Method(Method::Tsb),
    Contender::Method(Method::ProfileEts),
    Contender::Method(Method::ProfileTsb),
    Contender::Ours,
];

/// A set of products the table reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Ranks `from..=to` by selling days (1 = most).
    Ranked { from: usize, to: usize },
    /// Every product of this segment (by the classifier, on the training history).
    Segment(Segment),
}

impl std::fmt::Display for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Group::Ranked { from, to } => write!(f, "ranks {from}-{to}"),
            Group::Segment(s) => write!(f, "{s} (all)"),
        }
    }
}

/// One line of the table: a group's mean scores for one contender at one origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// 0 for the last `holdout` days held out, 1 for the window before, ...
    pub origin: usize,
    pub group: Group,
    pub contender: Contender,
    /// Products scored (a product too new for its history to scale the errors is left
    /// out).
    pub products: usize,
    pub mase: f64,
    pub rmsse: f64,
}

/// Fewest training days a product needs to be scored.
const MIN_TRAIN: usize = 28;

/// Backtests `contenders` on the `groups` at `origins` origins, each `holdout` days
/// before the last.
pub fn run(data: &Dataset, holdout: usize, origins: usize, groups: &[Group], contenders: &[Contender]) -> Vec<Score> {
    let ranked = data.ranked();
    let rank_of: BTreeMap<&str, usize> = ranked
        .iter()
        .enumerate()
        .map(|(i, p)| (p.sku.as_str(), i + 1))
        .collect();
    let mut scores = Vec::new();
    for origin in 0..origins {
        // (group, contender) -> (sum MASE, sum RMSSE, count)
        let mut sums: BTreeMap<(Group, Contender), (f64, f64, usize)> = BTreeMap::new();
        for product in &data.products {
            let rank = rank_of.get(product.sku.as_str()).copied().unwrap_or(usize::MAX);
            let Some(end) = product.history.len().checked_sub(origin * holdout) else {
                continue;
            };
            let Some(cut) = end.checked_sub(holdout).filter(|&c| c >= MIN_TRAIN) else {
                continue;
            };
            let (train, actual) = (&product.history[..cut], &product.history[cut..end]);
            let segment = classify(train);
            let in_groups: Vec<Group> = groups
                .iter()
                .copied()
                .filter(|g| match *g {
                    Group::Ranked { from, to } => (from..=to).contains(&rank),
                    Group::Segment(s) => s == segment,
                })
                .collect();
            if in_groups.is_empty() {
                continue;
            }
            for &contender in contenders {
                let f = match contender {
                    Contender::Method(m) => forecast_with(m, train, holdout),
                    Contender::Ours => forecast(train, holdout),
                };
                let points: Vec<f64> = f.days.iter().map(|d| d.mean).collect();
                let (Some(m), Some(r)) = (mase(train, actual, &points), rmsse(train, actual, &points)) else {
                    continue;
                };
                for &g in &in_groups {
                    let s = sums.entry((g, contender)).or_insert((0.0, 0.0, 0));
                    s.0 += m;
                    s.1 += r;
                    s.2 += 1;
                }
            }
        }
        for ((group, contender), (m, r, n)) in sums {
            scores.push(Score {
                origin,
                group,
                contender,
                products: n,
                mase: m / n as f64,
                rmsse: r / n as f64,
            });
        }
    }
    scores
}
