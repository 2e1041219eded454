//! Reorder suggestions as a buyer reads them: one line per SKU at a location with
//! everything behind it (the position, the forecast demand over lead time and review,
//! the lead time and its source, the ABC class and its service level, the policy's
//! levels), what to order from whom, and the stock state it puts the line in. `plan`
//! makes every line from what the store gathered; `summarise` adds them up.

use std::collections::BTreeMap;

use serde::Serialize;

use super::abc::{AbcClass, AbcSplit, ServiceLevels, classify};
use super::drafts::{AcceptedSuggestionInput, SupplierTerms};
use super::lead_time::LeadTime;
use super::policy::{DEFAULT_MAX_COVER_DAYS, DEFAULT_REVIEW_DAYS, PolicyInput, StockFacts, SuggestionReason, suggest};
use crate::inventory::Quantity;
use crate::money::{Currency, Money};
use crate::report::demand::mean_daily;

string_enum!(
    /// What a suggestion line asks of the buyer.
    StockState {
        /// Order now: the position is at or below the reorder point.
        Under = "under",
        /// More cover than the maximum (or stock nothing is expected to sell): the excess ties up money.
        Over = "over",
        /// Nothing to do.
        Ok = "ok",
    }
);

string_enum!(
    /// Where a line's demand forecast came from.
    DemandSource {
        /// The stored forecast of this SKU at this location.
        Location = "location",
        /// The SKU's stored forecast split by this location's share of its stock (on hand + inbound; equal shares when none holds any): the SKU never shipped, so it has no forecast per location.
        SkuShare = "sku_share",
        /// The SKU is forecast at the locations that ship it, not here: no demand here.
        OtherLocations = "other_locations",
        /// The SKU has no stored forecast.
        Missing = "none",
    }
);

/// A stored forecast as the policy reads it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredDemand {
    /// Mean units per day, from today.
    pub means: Vec<f64>,
    /// Standard deviation of one day's forecast error, in units.
    pub error_sd: f64,
}

impl StoredDemand {
    fn scaled(&self, share: f64) -> StoredDemand {
        StoredDemand {
            means: self.means.iter().map(|m| m * share).collect(),
            error_sd: self.error_sd * share,
        }
    }
}

/// How the lines are planned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanSettings {
    pub review_days: f64,
    pub max_cover_days: f64,
    pub split: AbcSplit,
    pub levels: ServiceLevels,
}

impl Default for PlanSettings {
    fn default() -> Self {
        PlanSettings {
            review_days: DEFAULT_REVIEW_DAYS,
            max_cover_days: DEFAULT_MAX_COVER_DAYS,
            split: AbcSplit::default(),
            levels: ServiceLevels::default(),
        }
    }
}

/// Everything one suggestion line is made from.
#[derive(Debug, Clone, PartialEq)]
pub struct LineInput {
    pub sku: String,
    /// The location's code.
    pub location: String,
    /// Stock here, with the backorders placed here.
    pub stock: StockFacts,
    pub lead_time: LeadTime,
    pub terms: Option<SupplierTerms>,
    pub class: AbcClass,
    pub demand: StoredDemand,
    pub demand_source: DemandSource,
    /// Whether the SKU ever sold: one that never did is new.
    pub sold_before: bool,
}

/// One SKU at one location: what it has, what it needs, and what to do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestionLine {
    #[cfg_attr(feature = "openapi", schema(example = "MUG-FERN"))]
    pub sku: String,
    /// The location's code.
    #[cfg_attr(feature = "openapi", schema(example = "LON"))]
    pub location: String,
    pub state: StockState,
    pub reason: SuggestionReason,
    /// Units to order now: whole packs, at least the supplier's minimum; null when
    /// nothing is to be ordered.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, example = 24))]
    pub quantity: Option<Quantity>,
    /// Who to order from (the product's supplier terms); null without terms.
    pub supplier: Option<String>,
    pub unit_cost: Option<Money>,
    /// `quantity × unit_cost`.
    pub order_value: Option<Money>,
    /// The line to send to `POST /api/v1/replenishment/purchase-orders` as it is, when
    /// there is something to order.
    pub accept: Option<AcceptedSuggestionInput>,
    /// On hand, reserved and inbound here; backordered: units waiting that are placed here.
    pub stock: StockFacts,
    /// on hand - reserved + inbound - backordered.
    pub position: i64,
    pub demand_source: DemandSource,
    /// Mean forecast units per day over the lead time and review period.
    pub demand_per_day: f64,
    /// Days the order has to last: the lead time's mean plus the review period.
    pub horizon_days: f64,
    /// Forecast units over `horizon_days`.
    pub forecast_demand: f64,
    pub lead_time: LeadTime,
    pub abc_class: AbcClass,
    /// The class's chance of not running out in a cycle.
    #[cfg_attr(feature = "openapi", schema(example = 0.95))]
    pub service_level: f64,
    pub safety_stock: f64,
    pub reorder_point: f64,
    pub order_up_to: f64,
    /// Days the position lasts at `demand_per_day`; null when no demand is expected.
    pub days_of_cover: Option<f64>,
    /// Units beyond the maximum cover (all of them when nothing is expected to sell);
    /// 0 unless over-stocked.
    pub excess_units: i64,
    /// `excess_units × unit_cost`.
    pub excess_value: Option<Money>,
}

/// The suggestion line of one SKU at one location: the policy fed with the forecast's
/// mean over the lead time and review period (whole days; past the forecast's end,
/// the mean of all of it) and the class's service level, rounded to the supplier's
/// packs and minimum. `under` when it orders; `over` when the cover is beyond the
/// maximum or stock is held that nothing is forecast to sell (a SKU without a forecast
/// is never over: nothing is known yet); `ok` otherwise.
pub fn suggestion_line(input: &LineInput, settings: &PlanSettings) -> SuggestionLine {
    let horizon = input.lead_time.mean_days.max(0.0) + settings.review_days.max(0.0);
    let forecast = input.demand_source != DemandSource::Missing;
    let d = mean_daily(&input.demand.means, (horizon.ceil() as usize).max(1)).unwrap_or(0.0);
    let service_level = settings.levels.for_class(input.class);
    let s = suggest(&PolicyInput {
        demand_per_day: d,
        demand_sd_per_day: input.demand.error_sd,
        has_history: forecast,
        lead_time: input.lead_time,
        review_days: settings.review_days,
        service_level,
        stock: input.stock,
        units: input.terms.as_ref().map(SupplierTerms::units).unwrap_or_default(),
        max_cover_days: settings.max_cover_days,
        manual_minimum: None,
    });
    let reason = match s.reason {
        SuggestionReason::NoHistory if input.sold_before => SuggestionReason::NoForecast,
        r => r,
    };
    let state = if s.quantity.is_some() {
        StockState::Under
    } else if s.over_stock && forecast {
        StockState::Over
    } else {
        StockState::Ok
    };
    let excess_units = match (state, s.days_of_cover) {
        (StockState::Over, Some(_)) => (s.position - (d * settings.max_cover_days).floor() as i64).max(0),
        (StockState::Over, None) => s.position.max(0),
        _ => 0,
    };
    let unit_cost = input.terms.as_ref().and_then(|t| t.unit_cost);
    let value = |units: i64| unit_cost.filter(|_| units > 0).and_then(|c| c.checked_mul(units).ok());
    let supplier = input.terms.as_ref().map(|t| t.supplier.clone());
    SuggestionLine {
        sku: input.sku.clone(),
        location: input.location.clone(),
        state,
        reason,
        quantity: s.quantity,
        order_value: s.quantity.and_then(|q| value(q.get())),
        accept: s.quantity.map(|q| AcceptedSuggestionInput {
            sku: Some(input.sku.clone()),
            location: Some(input.location.clone()),
            quantity: Some(q.get()),
            supplier: supplier.clone(),
        }),
        supplier,
        unit_cost,
        stock: input.stock,
        position: s.position,
        demand_source: input.demand_source,
        demand_per_day: d,
        horizon_days: horizon,
        forecast_demand: d * horizon,
        lead_time: input.lead_time,
        abc_class: input.class,
        service_level: service_level.get(),
        safety_stock: s.safety_stock,
        reorder_point: s.reorder_point,
        order_up_to: s.order_up_to,
        days_of_cover: s.days_of_cover,
        excess_units,
        excess_value: value(excess_units),
    }
}

/// One location's facts about a SKU, as the store gathers them.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteFacts {
    /// The location's code.
    pub location: String,
    /// On hand, reserved and inbound here (`backordered` is placed by `plan`).
    pub stock: StockFacts,
    pub lead_time: LeadTime,
    pub terms: Option<SupplierTerms>,
    /// The stored forecast of the SKU here.
    pub forecast: Option<StoredDemand>,
}

/// One SKU's facts, as the store gathers them.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuFacts {
    pub sku: String,
    /// Its revenue over the ABC window, per currency.
    pub revenue: Vec<Money>,
    pub sold_before: bool,
    /// The stored forecast of the SKU everywhere.
    pub forecast: Option<StoredDemand>,
    /// Units every backordered line waits for, at any location.
    pub backordered: i64,
    /// The locations that hold or expect it, by code.
    pub sites: Vec<SiteFacts>,
}

/// The currency most revenue was taken in (ties: the first by code): ABC classes rank
/// revenue in it, as there are no exchange rates to add others to it.
pub fn main_currency(skus: &[SkuFacts]) -> Option<Currency> {
    let mut totals: BTreeMap<Currency, i128> = BTreeMap::new();
    for m in skus.iter().flat_map(|s| &s.revenue) {
        *totals.entry(m.currency).or_default() += i128::from(m.amount);
    }
    let best = totals.values().copied().max()?;
    totals.into_iter().find(|(_, t)| *t == best).map(|(c, _)| c)
}

/// Every suggestion line: ABC classes from the revenue in the main currency; each
/// location's demand from its own forecast, else, for a SKU forecast at no location
/// (it never shipped), the SKU's forecast split by the location's share of its stock;
/// a SKU's backordered units placed at the location expected to sell most of it (the
/// first by code on a tie). Lines come out in the order of `skus` and their sites.
pub fn plan(skus: &[SkuFacts], settings: &PlanSettings) -> Vec<SuggestionLine> {
    let currency = main_currency(skus);
    let revenue: Vec<(&str, i64)> = skus
        .iter()
        .map(|s| {
            let r = s
                .revenue
                .iter()
                .filter(|m| Some(m.currency) == currency)
                .map(|m| m.amount)
                .sum();
            (s.sku.as_str(), r)
        })
        .collect();
    let classes = classify(&revenue, settings.split);
    let mut lines = Vec::new();
    for sku in skus {
        let located = sku.sites.iter().any(|s| s.forecast.is_some());
        let weight = |s: &SiteFacts| (s.stock.on_hand + s.stock.inbound).max(0) as f64;
        let total: f64 = sku.sites.iter().map(weight).sum();
        let demands: Vec<(StoredDemand, DemandSource)> = sku
            .sites
            .iter()
            .map(|site| match (&site.forecast, &sku.forecast) {
                (Some(own), _) => (own.clone(), DemandSource::Location),
                (None, _) if located => (StoredDemand::default(), DemandSource::OtherLocations),
                (None, Some(all)) => {
                    let share = if total > 0.0 {
                        weight(site) / total
                    } else {
                        1.0 / sku.sites.len() as f64
                    };
                    (all.scaled(share), DemandSource::SkuShare)
                }
                (None, None) => (StoredDemand::default(), DemandSource::Missing),
            })
            .collect();
        let expected = |d: &StoredDemand| d.means.iter().sum::<f64>();
        let mut waits_at = 0;
        for (i, (d, _)) in demands.iter().enumerate() {
            if expected(d) > expected(&demands[waits_at].0) {
                waits_at = i;
            }
        }
        for (i, (site, (demand, source))) in sku.sites.iter().zip(demands).enumerate() {
            let mut stock = site.stock;
            stock.backordered = if i == waits_at { sku.backordered } else { 0 };
            let input = LineInput {
                sku: sku.sku.clone(),
                location: site.location.clone(),
                stock,
                lead_time: site.lead_time,
                terms: site.terms.clone(),
                class: classes.get(sku.sku.as_str()).copied().unwrap_or(AbcClass::C),
                demand,
                demand_source: source,
                sold_before: sku.sold_before,
            };
            lines.push(suggestion_line(&input, settings));
        }
    }
    lines
}

/// Where a line sorts: the most urgent first. Under-stock first, by days of cover
/// ascending (waiting demand with no forecast counts as none); then over-stock, the
/// most cover first (stock nothing sells before all); then the rest by cover.
/// `cover` is in thousandths of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Urgency {
    pub rank: u8,
    pub cover: i64,
}

impl SuggestionLine {
    pub fn urgency(&self) -> Urgency {
        let milli = self.days_of_cover.map(|c| (c * 1000.0).round() as i64);
        match self.state {
            StockState::Under => Urgency {
                rank: 0,
                cover: milli.unwrap_or(0),
            },
            StockState::Over => Urgency {
                rank: 1,
                cover: milli.map_or(i64::MIN, |m| -m),
            },
            StockState::Ok => Urgency {
                rank: 2,
                cover: milli.unwrap_or(i64::MAX),
            },
        }
    }
}

/// Sorts lines most urgent first, then by SKU and location.
pub fn sort(lines: &mut [SuggestionLine]) {
    lines.sort_by(|a, b| (a.urgency(), &a.sku, &a.location).cmp(&(b.urgency(), &b.sku, &b.location)));
}

/// What to order from one supplier.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierTotal {
    /// Null for lines of products without supplier terms.
    pub supplier: Option<String>,
    pub lines: usize,
    pub units: i64,
    /// Per currency; lines without a unit cost add none.
    pub value: Vec<Money>,
}

/// The suggestions added up.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuggestionSummary {
    pub under: usize,
    pub over: usize,
    pub ok: usize,
    /// What to order, per supplier (by name; lines without one last).
    pub to_order: Vec<SupplierTotal>,
    /// Units held beyond the maximum cover.
    pub excess_units: i64,
    /// Their value at the supplier's unit cost, per currency.
    pub excess_value: Vec<Money>,
}

/// Lines, units and value per currency, while adding up.
#[derive(Default)]
struct Tally {
    lines: usize,
    units: i64,
    value: BTreeMap<Currency, i64>,
}

fn add(into: &mut BTreeMap<Currency, i64>, money: Option<Money>) {
    if let Some(m) = money {
        let sum = into.entry(m.currency).or_default();
        *sum = sum.saturating_add(m.amount);
    }
}

fn amounts(sums: BTreeMap<Currency, i64>) -> Vec<Money> {
    sums.into_iter().map(|(c, a)| Money::new(a, c)).collect()
}

/// Counts per state, what to order per supplier and the over-stock's excess.
pub fn summarise(lines: &[SuggestionLine]) -> SuggestionSummary {
    let mut summary = SuggestionSummary::default();
    // `(false, name)` sorts named suppliers first, by name.
    let mut orders: BTreeMap<(bool, Option<&str>), Tally> = BTreeMap::new();
    let mut excess = BTreeMap::new();
    for line in lines {
        match line.state {
            StockState::Under => summary.under += 1,
            StockState::Over => summary.over += 1,
            StockState::Ok => summary.ok += 1,
        }
        if let Some(q) = line.quantity {
            let supplier = line.supplier.as_deref();
            let entry = orders.entry((supplier.is_none(), supplier)).or_default();
            entry.lines += 1;
            entry.units += q.get();
            add(&mut entry.value, line.order_value);
        }
        summary.excess_units += line.excess_units;
        add(&mut excess, line.excess_value);
    }
    summary.to_order = orders
        .into_iter()
        .map(|((_, supplier), t)| SupplierTotal {
            supplier: supplier.map(str::to_owned),
            lines: t.lines,
            units: t.units,
            value: amounts(t.value),
        })
        .collect();
    summary.excess_value = amounts(excess);
    summary
}
