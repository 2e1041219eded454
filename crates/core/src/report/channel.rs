//! Channel performance: per bucket of days, channel and currency, the orders placed,
//! their units and money, and the rates a seller compares channels by; totals per
//! channel and overall; the same totals for the previous period of equal length and
//! the change of each figure. Money is never added across currencies: every row and
//! total is of one currency.
//!
//! The figures (`ChannelFigures`), from `SalesFigures` summed over the rows:
//! - `average_order_value` = net / orders (minor units, rounded half away from zero);
//! - `discount_share` = discount / gross;
//! - `cancellation_rate` = orders cancelled whole / orders;
//! - `return_rate` = orders with a return (not rejected or withdrawn) / orders.
//!
//! A rate with nothing to divide by is `None`. With a SKU filter the rows are the SKU
//! roll-up's (`SkuFigures`): orders with a line of the SKU, its units, `revenue` (its
//! lines after their discounts, cancelled lines included), `cancelled_units` and
//! `returned_units`; the order-level figures are `None`.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use super::filter::{Bucket, ReportFilter};
use super::sales::{SalesFigures, SkuFigures};
use super::{rate, round4};

/// What the rows of a channel performance report were read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelSource {
    /// Whole orders (`report_sales_daily`).
    Orders,
    /// The lines of one SKU (`report_sku_daily`).
    Sku,
}

/// One roll-up cell as the store reads it: a day, a channel (its code) and a currency,
/// with the figures of the source the report reads (the other left at zero).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelDay {
    pub day: Date,
    pub channel: String,
    pub currency: String,
    pub sales: SalesFigures,
    pub sku: SkuFigures,
}

/// Sums of both sources' figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Sums {
    sales: SalesFigures,
    sku: SkuFigures,
}

impl Sums {
    fn add(&mut self, day: &ChannelDay) {
        self.sales.add(&day.sales);
        self.sku.add(&day.sku);
    }
}

/// The figures of one cell, bucket, channel or period. Money in minor units of the
/// row's currency.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelFigures {
    #[cfg_attr(feature = "openapi", schema(example = 12))]
    pub orders: i64,
    #[cfg_attr(feature = "openapi", schema(example = 20))]
    pub units: i64,
    /// Goods at their unit prices, before discounts.
    #[cfg_attr(feature = "openapi", schema(example = 36000))]
    pub gross: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(example = 1800))]
    pub discount: Option<i64>,
    /// Gross − discount − cancelled − refunded.
    #[cfg_attr(feature = "openapi", schema(example = 30600))]
    pub net: Option<i64>,
    /// Refunds other than of cancelled lines.
    #[cfg_attr(feature = "openapi", schema(example = 1800))]
    pub refunded: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(example = 2550))]
    pub average_order_value: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(example = 0.05))]
    pub discount_share: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(example = 0.0833))]
    pub cancellation_rate: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(example = 0.1667))]
    pub return_rate: Option<f64>,
    /// SKU filter only: the SKU's lines after their discounts.
    pub revenue: Option<i64>,
    /// SKU filter only.
    pub cancelled_units: Option<i64>,
    /// SKU filter only.
    pub returned_units: Option<i64>,
}

/// `a / b` in whole minor units, half away from zero; `None` when `b` is 0.
fn per(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    let (q, r) = (a / b, a % b);
    Some(if 2 * r.abs() >= b.abs() {
        q + a.signum() * b.signum()
    } else {
        q
    })
}

impl ChannelFigures {
    fn of(sums: &Sums, source: ChannelSource) -> ChannelFigures {
        match source {
            ChannelSource::Orders => {
                let f = &sums.sales;
                ChannelFigures {
                    orders: f.orders,
                    units: f.units,
                    gross: Some(f.gross),
                    discount: Some(f.discount),
                    net: Some(f.net),
                    refunded: Some(f.refunded),
                    average_order_value: per(f.net, f.orders),
                    discount_share: rate(f.discount, f.gross),
                    cancellation_rate: rate(f.cancelled_orders, f.orders),
                    return_rate: rate(f.returned_orders, f.orders),
                    ..ChannelFigures::default()
                }
            }
            ChannelSource::Sku => {
                let f = &sums.sku;
                ChannelFigures {
                    orders: f.orders,
                    units: f.units,
                    revenue: Some(f.revenue),
                    cancelled_units: Some(f.cancelled_units),
                    returned_units: Some(f.returned_units),
                    ..ChannelFigures::default()
                }
            }
        }
    }

    /// Every figure by name, in a fixed order (`None`: not available here). What the
    /// comparisons and the CSV walk over.
    pub fn metrics(&self) -> [(&'static str, Option<f64>); 13] {
        #[allow(clippy::cast_precision_loss)]
        let n = |v: Option<i64>| v.map(|v| v as f64);
        [
            ("orders", n(Some(self.orders))),
            ("units", n(Some(self.units))),
            ("gross", n(self.gross)),
            ("discount", n(self.discount)),
            ("net", n(self.net)),
            ("refunded", n(self.refunded)),
            ("average_order_value", n(self.average_order_value)),
            ("discount_share", self.discount_share),
            ("cancellation_rate", self.cancellation_rate),
            ("return_rate", self.return_rate),
            ("revenue", n(self.revenue)),
            ("cancelled_units", n(self.cancelled_units)),
            ("returned_units", n(self.returned_units)),
        ]
    }
}

/// How one figure moved from the previous period to this one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    #[cfg_attr(feature = "openapi", schema(example = "net"))]
    pub metric: String,
    #[cfg_attr(feature = "openapi", schema(example = 30600.0))]
    pub current: Option<f64>,
    #[cfg_attr(feature = "openapi", schema(example = 25500.0))]
    pub previous: Option<f64>,
    /// current − previous (for a rate: the difference of the rates).
    #[cfg_attr(feature = "openapi", schema(example = 5100.0))]
    pub absolute: Option<f64>,
    /// (current − previous) / previous, rounded to 4 places; `None` when previous is 0
    /// or either is missing.
    #[cfg_attr(feature = "openapi", schema(example = 0.2))]
    pub relative: Option<f64>,
}

/// The changes of every figure both periods have.
pub fn changes(current: &ChannelFigures, previous: &ChannelFigures) -> Vec<Change> {
    current
        .metrics()
        .into_iter()
        .zip(previous.metrics())
        .filter(|((_, c), (_, p))| c.is_some() || p.is_some())
        .map(|((metric, c), (_, p))| {
            let absolute = c.zip(p).map(|(c, p)| round4(c - p));
            let relative = c.zip(p).and_then(|(c, p)| (p != 0.0).then(|| round4((c - p) / p)));
            Change {
                metric: metric.to_owned(),
                current: c,
                previous: p,
                absolute,
                relative,
            }
        })
        .collect()
}

/// One bucket × channel × currency cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BucketRow {
    /// The first day of the bucket (a Monday for weeks, the 1st for months; the
    /// period's first day when the bucket starts before it).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-02"))]
    pub start: Date,
    #[cfg_attr(feature = "openapi", schema(example = "web"))]
    pub channel: String,
    #[cfg_attr(feature = "openapi", schema(example = "GBP"))]
    pub currency: String,
    pub figures: ChannelFigures,
}

/// A channel's (or, with `channel` absent, every channel's) totals in one currency, in
/// this period and the previous one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodTotal {
    /// `None` for the overall total of the currency.
    #[cfg_attr(feature = "openapi", schema(example = "web"))]
    pub channel: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "GBP"))]
    pub currency: String,
    pub current: ChannelFigures,
    pub previous: ChannelFigures,
    pub changes: Vec<Change>,
}

/// The channel performance report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelPerformance {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-01"))]
    pub from: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-30"))]
    pub to: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-10-02"))]
    pub previous_from: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-10-31"))]
    pub previous_to: Date,
    /// `day`, `week` or `month`.
    #[cfg_attr(feature = "openapi", schema(example = "week"))]
    pub bucket: String,
    pub source: ChannelSource,
    /// The buckets' first days, in order, with or without orders.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub buckets: Vec<Date>,
    /// Bucket × channel × currency cells that have orders, by bucket, channel, currency.
    pub rows: Vec<BucketRow>,
    /// Per channel and currency.
    pub channels: Vec<PeriodTotal>,
    /// Per currency, every channel.
    pub totals: Vec<PeriodTotal>,
    /// The previous period's every-channel figures per bucket and currency, its buckets
    /// counted from its own first day (what the chart draws against this period).
    pub previous_rows: Vec<BucketRow>,
}

/// The first day of each bucket of `from..=to` (the period's first day for a bucket
/// starting before it).
pub fn bucket_starts(from: Date, to: Date, bucket: Bucket) -> Vec<Date> {
    let mut starts = Vec::new();
    let mut day = from;
    while day <= to {
        let start = bucket.start(day).max(from);
        if starts.last() != Some(&start) {
            starts.push(start);
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    starts
}

fn bucket_of(day: Date, from: Date, bucket: Bucket) -> Date {
    bucket.start(day).max(from)
}

/// Builds the report from the cells of this period and of the previous one
/// (`filter.previous()`). Cells outside their period are ignored.
pub fn channel_performance(
    filter: &ReportFilter,
    bucket: Bucket,
    source: ChannelSource,
    current: &[ChannelDay],
    previous: &[ChannelDay],
) -> ChannelPerformance {
    let prev = filter.previous();
    let inside = |f: &ReportFilter, d: &&ChannelDay| d.day >= f.from && d.day <= f.to;
    let current: Vec<&ChannelDay> = current.iter().filter(|d| inside(filter, d)).collect();
    let previous: Vec<&ChannelDay> = previous.iter().filter(|d| inside(&prev, d)).collect();

    let mut cells: BTreeMap<(Date, String, String), Sums> = BTreeMap::new();
    let mut per_channel: BTreeMap<(String, String), (Sums, Sums)> = BTreeMap::new();
    let mut per_currency: BTreeMap<String, (Sums, Sums)> = BTreeMap::new();
    let mut prev_cells: BTreeMap<(Date, String), Sums> = BTreeMap::new();
    for d in &current {
        let start = bucket_of(d.day, filter.from, bucket);
        cells
            .entry((start, d.channel.clone(), d.currency.clone()))
            .or_default()
            .add(d);
        per_channel
            .entry((d.channel.clone(), d.currency.clone()))
            .or_default()
            .0
            .add(d);
        per_currency.entry(d.currency.clone()).or_default().0.add(d);
    }
    for d in &previous {
        let start = bucket_of(d.day, prev.from, bucket);
        prev_cells.entry((start, d.currency.clone())).or_default().add(d);
        per_channel
            .entry((d.channel.clone(), d.currency.clone()))
            .or_default()
            .1
            .add(d);
        per_currency.entry(d.currency.clone()).or_default().1.add(d);
    }
    let total = |channel: Option<String>, currency: String, (c, p): &(Sums, Sums)| {
        let (current, previous) = (ChannelFigures::of(c, source), ChannelFigures::of(p, source));
        PeriodTotal {
            channel,
            currency,
            changes: changes(&current, &previous),
            current,
            previous,
        }
    };
    ChannelPerformance {
        from: filter.from,
        to: filter.to,
        previous_from: prev.from,
        previous_to: prev.to,
        bucket: bucket.as_str().to_owned(),
        source,
        buckets: bucket_starts(filter.from, filter.to, bucket),
        rows: cells
            .into_iter()
            .map(|((start, channel, currency), sums)| BucketRow {
                start,
                channel,
                currency,
                figures: ChannelFigures::of(&sums, source),
            })
            .collect(),
        channels: per_channel
            .iter()
            .map(|((channel, currency), sums)| total(Some(channel.clone()), currency.clone(), sums))
            .collect(),
        totals: per_currency
            .iter()
            .map(|(currency, sums)| total(None, currency.clone(), sums))
            .collect(),
        previous_rows: prev_cells
            .into_iter()
            .map(|((start, currency), sums)| BucketRow {
                start,
                channel: String::new(),
                currency,
                figures: ChannelFigures::of(&sums, source),
            })
            .collect(),
    }
}
