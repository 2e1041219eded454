//! Routing: which location ships each line of an order. A plan is chosen by, in order:
//! fewest lines that cannot be served now, fewest shipments, lowest total shipping
//! cost, earliest latest promised delivery, then the locations' priority. Up to
//! `EXACT_LINES` lines over `EXACT_SITES` locations the plan is optimal (branch and
//! bound); beyond that a greedy heuristic answers in milliseconds. The runner-up — the
//! best plan using another set of locations — is kept to explain the choice.
//! Quantities of one SKU on several lines (and kit components) draw on one balance, so
//! no plan reserves more than a location has.

pub mod promise;
mod simulation;
pub mod zone;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::id::{LocationId, ProductId};
use crate::money::Money;
pub use promise::Promise;
pub use simulation::{DestinationInput, SimulationDraft, SimulationInput, SimulationLineInput};

/// Exact search is used up to this many lines ...
pub const EXACT_LINES: usize = 8;
/// ... over at most this many eligible locations.
pub const EXACT_SITES: usize = 20;

string_enum!(
    /// Whether a channel's orders may be split across locations.
    SplitPolicy {
        /// Split when no single location can ship the whole order.
        Allow = "allow",
        /// One location ships everything, or the order waits.
        ShipComplete = "ship_complete",
    }
);

impl SplitPolicy {
    /// Whether the order's lines move together: a ship-complete order is re-routed,
    /// sent back from a short pick or withdrawn whole, never line by line.
    pub fn moves_whole(self) -> bool {
        self == SplitPolicy::ShipComplete
    }
}

/// One line to route: what it takes from a location's stock (a kit line takes its
/// components) and what it weighs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub needs: Vec<(ProductId, i64)>,
    pub weight_grams: i64,
}

impl Line {
    /// The line for `quantity` units of a product that takes `takes` from stock per unit
    /// (itself, or a kit's components) and weighs `unit_grams`. Products saturate: a
    /// line too large to count asks more than any location has and weighs the most.
    pub fn of_units(takes: &[(ProductId, i64)], unit_grams: i64, quantity: i64) -> Line {
        Line {
            needs: takes
                .iter()
                .map(|(p, q)| (p.clone(), q.saturating_mul(quantity)))
                .collect(),
            weight_grams: unit_grams.saturating_mul(quantity),
        }
    }
}

/// What one unit of a kit weighs: its components' `(units, grams each)`, saturating.
pub fn kit_grams(components: impl IntoIterator<Item = (i64, i64)>) -> i64 {
    components.into_iter().fold(0i64, |sum, (units, grams)| {
        sum.saturating_add(units.saturating_mul(grams))
    })
}

/// An eligible location with its stock, the cost of the zone that serves the
/// destination, and the promise it can make.
#[derive(Debug, Clone)]
pub struct Site {
    pub location: LocationId,
    pub code: String,
    pub priority: i64,
    pub available: BTreeMap<ProductId, i64>,
    pub cost_per_shipment: Money,
    pub cost_per_kg: Money,
    pub promise: Promise,
}

/// How good a plan is; smaller is better, compared field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Score {
    pub unserved: usize,
    pub shipments: usize,
    /// Shipping cost in thousandths of a minor unit (exact for per-gram pricing).
    pub cost_milli: i64,
    /// The latest promised delivery among the shipments, as seconds since the epoch.
    pub latest_delivery: i64,
    /// Sum of the priorities of the locations used.
    pub priority: i64,
}

/// A plan: for each line, the index of the site that ships it, or `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub assignment: Vec<Option<usize>>,
    pub score: Score,
}

/// The chosen plan and the best alternative on another set of locations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub chosen: Plan,
    pub runner_up: Option<Plan>,
    /// Whether the plan is proven optimal (exact search) or heuristic.
    pub exact: bool,
}

/// What a shipment of `grams` from `site` costs, in thousandths of a minor unit; `None`
/// when it is too large to count (the site cannot ship it: an overflow is never cheap).
/// Weights add up saturating, so a weight too large to count costs nothing only where
/// the zone charges nothing by weight.
fn cost_milli(site: &Site, grams: i64) -> Option<i64> {
    site.cost_per_shipment
        .amount
        .checked_mul(1000)?
        .checked_add(site.cost_per_kg.amount.checked_mul(grams)?)
}

/// A score's sums over the sites a plan uses; `None` when a cost overflows.
fn sums(sites: &[Site], used: impl Iterator<Item = (usize, i64)> + Clone) -> Option<(i64, i64, i64)> {
    let mut cost = 0i64;
    for (s, grams) in used.clone() {
        cost = cost.checked_add(cost_milli(&sites[s], grams)?)?;
    }
    let latest = used.clone().map(|(s, _)| sites[s].promise.deliver_by.as_second()).max();
    let priority = used.map(|(s, _)| sites[s].priority).try_fold(0i64, i64::checked_add)?;
    Some((cost, latest.unwrap_or(0), priority))
}

/// Scores a complete assignment, or `None` if it asks a site for more than it has or
/// its cost is too large to count.
pub fn score(lines: &[Line], sites: &[Site], assignment: &[Option<usize>]) -> Option<Score> {
    let mut used: BTreeMap<usize, i64> = BTreeMap::new();
    let mut taken: BTreeMap<(usize, &ProductId), i64> = BTreeMap::new();
    let mut unserved = 0;
    for (line, site) in lines.iter().zip(assignment) {
        match site {
            None => unserved += 1,
            Some(s) => {
                let grams = used.entry(*s).or_insert(0);
                *grams = grams.saturating_add(line.weight_grams);
                for (product, q) in &line.needs {
                    let taken = taken.entry((*s, product)).or_insert(0);
                    *taken = taken.checked_add(*q)?;
                }
            }
        }
    }
    for ((s, product), q) in &taken {
        if sites[*s].available.get(*product).copied().unwrap_or(0) < *q {
            return None;
        }
    }
    let (cost_milli, latest_delivery, priority) = sums(sites, used.iter().map(|(s, g)| (*s, *g)))?;
    Some(Score {
        unserved,
        shipments: used.len(),
        cost_milli,
        latest_delivery,
        priority,
    })
}

/// Keeps the best plan and the best plan on another set of locations.
struct Leaders {
    best: Option<(Plan, u64)>,
    second: Option<(Plan, u64)>,
}

fn site_set(assignment: &[Option<usize>]) -> u64 {
    assignment
        .iter()
        .flatten()
        .fold(0u64, |set, s| set | (1u64 << (*s as u64 % 64)))
}

impl Leaders {
    fn offer(&mut self, plan: Plan) {
        let set = site_set(&plan.assignment);
        match &self.best {
            None => self.best = Some((plan, set)),
            Some((best, best_set)) => {
                if plan.score < best.score {
                    if *best_set != set {
                        self.second = self.best.take();
                    }
                    self.best = Some((plan, set));
                } else if set != *best_set && self.second.as_ref().is_none_or(|(s, _)| plan.score < s.score) {
                    self.second = Some((plan, set));
                }
            }
        }
    }

    /// A partial plan scoring at least this cannot improve either leader.
    fn bound(&self) -> Option<Score> {
        self.second.as_ref().map(|(p, _)| p.score)
    }
}

/// Chooses where each line ships.
pub fn route(lines: &[Line], sites: &[Site], policy: SplitPolicy) -> Decision {
    let mut leaders = Leaders {
        best: None,
        second: None,
    };
    let exact = match policy {
        SplitPolicy::ShipComplete => {
            single_sites(lines, sites, &mut leaders);
            true
        }
        SplitPolicy::Allow if lines.len() <= EXACT_LINES && sites.len() <= EXACT_SITES => {
            single_sites(lines, sites, &mut leaders);
            if let Some(plan) = greedy(lines, sites) {
                leaders.offer(plan);
            }
            search(lines, sites, &mut leaders);
            true
        }
        SplitPolicy::Allow => {
            single_sites(lines, sites, &mut leaders);
            if let Some(plan) = greedy(lines, sites) {
                leaders.offer(plan);
            }
            false
        }
    };
    let none = Plan {
        assignment: vec![None; lines.len()],
        score: Score {
            unserved: lines.len(),
            ..Score::default()
        },
    };
    leaders.offer(none);
    let (chosen, _) = leaders.best.take().unwrap_or_else(|| unreachable_plan(lines));
    Decision {
        chosen,
        runner_up: leaders.second.map(|(p, _)| p),
        exact,
    }
}

fn unreachable_plan(lines: &[Line]) -> (Plan, u64) {
    (
        Plan {
            assignment: vec![None; lines.len()],
            score: Score {
                unserved: lines.len(),
                ..Score::default()
            },
        },
        0,
    )
}

/// Every plan that ships the whole order from one location.
fn single_sites(lines: &[Line], sites: &[Site], leaders: &mut Leaders) {
    for s in 0..sites.len() {
        let assignment = vec![Some(s); lines.len()];
        if let Some(score) = score(lines, sites, &assignment) {
            leaders.offer(Plan { assignment, score });
        }
    }
}

/// Greedy: repeatedly take the location that can ship the most remaining lines
/// (cheapest on ties) until no location can ship another. `None` when the plan's total
/// cost overflows.
fn greedy(lines: &[Line], sites: &[Site]) -> Option<Plan> {
    let mut assignment: Vec<Option<usize>> = vec![None; lines.len()];
    let mut remaining: Vec<BTreeMap<ProductId, i64>> = sites.iter().map(|s| s.available.clone()).collect();
    loop {
        let mut best: Option<(usize, Vec<usize>, i64)> = None;
        for (s, site) in sites.iter().enumerate() {
            let mut stock = remaining[s].clone();
            let mut takes = Vec::new();
            let mut grams = 0i64;
            for (i, line) in lines.iter().enumerate() {
                if assignment[i].is_some() {
                    continue;
                }
                if line.needs.iter().all(|(p, q)| stock.get(p).copied().unwrap_or(0) >= *q) {
                    for (p, q) in &line.needs {
                        *stock.entry(p.clone()).or_insert(0) -= q;
                    }
                    takes.push(i);
                    grams = grams.saturating_add(line.weight_grams);
                }
            }
            // A location whose cost overflows cannot take these lines.
            let Some(cost) = cost_milli(site, grams) else { continue };
            let better = match &best {
                None => !takes.is_empty(),
                Some((_, t, c)) => takes.len() > t.len() || (takes.len() == t.len() && !takes.is_empty() && cost < *c),
            };
            if better {
                best = Some((s, takes, cost));
            }
        }
        let Some((s, takes, _)) = best else { break };
        for i in takes {
            for (p, q) in &lines[i].needs {
                *remaining[s].entry(p.clone()).or_insert(0) -= q;
            }
            assignment[i] = Some(s);
        }
    }
    score(lines, sites, &assignment).map(|score| Plan { assignment, score })
}

/// Branch and bound over lines, most constrained first. Every part of the score only
/// grows as lines are assigned, so a partial plan already scoring no better than the
/// leaders is abandoned.
fn search(lines: &[Line], sites: &[Site], leaders: &mut Leaders) {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    let options = |i: usize| {
        sites
            .iter()
            .filter(|s| {
                lines[i]
                    .needs
                    .iter()
                    .all(|(p, q)| s.available.get(p).copied().unwrap_or(0) >= *q)
            })
            .count()
    };
    order.sort_by_key(|i| options(*i));
    let mut state = State {
        assignment: vec![None; lines.len()],
        remaining: sites.iter().map(|s| s.available.clone()).collect(),
        grams: vec![0; sites.len()],
        unserved: 0,
    };
    descend(lines, sites, &order, 0, &mut state, leaders);
}

struct State {
    assignment: Vec<Option<usize>>,
    remaining: Vec<BTreeMap<ProductId, i64>>,
    grams: Vec<i64>,
    unserved: usize,
}

impl State {
    /// The score so far; `None` when its cost overflows (no completion can ship).
    fn partial_score(&self, sites: &[Site]) -> Option<Score> {
        let used = (0..sites.len())
            .filter(|s| self.assignment.contains(&Some(*s)))
            .map(|s| (s, self.grams[s]));
        let (cost_milli, latest_delivery, priority) = sums(sites, used.clone())?;
        Some(Score {
            unserved: self.unserved,
            shipments: used.count(),
            cost_milli,
            latest_delivery,
            priority,
        })
    }
}

fn descend(lines: &[Line], sites: &[Site], order: &[usize], depth: usize, state: &mut State, leaders: &mut Leaders) {
    let Some(partial) = state.partial_score(sites) else {
        return;
    };
    if leaders.bound().is_some_and(|bound| partial >= bound) {
        return;
    }
    let Some(&i) = order.get(depth) else {
        leaders.offer(Plan {
            assignment: state.assignment.clone(),
            score: partial,
        });
        return;
    };
    let line = &lines[i];
    // Locations already shipping come first: they add no shipment.
    let mut choices: Vec<usize> = (0..sites.len())
        .filter(|s| {
            line.needs
                .iter()
                .all(|(p, q)| state.remaining[*s].get(p).copied().unwrap_or(0) >= *q)
        })
        .collect();
    choices.sort_by_key(|s| {
        (
            state.grams[*s] == 0 && !state.assignment.contains(&Some(*s)),
            sites[*s].cost_per_shipment.amount,
        )
    });
    for s in choices {
        for (p, q) in &line.needs {
            *state.remaining[s].entry(p.clone()).or_insert(0) -= q;
        }
        let grams = state.grams[s];
        state.grams[s] = grams.saturating_add(line.weight_grams);
        state.assignment[i] = Some(s);
        descend(lines, sites, order, depth + 1, state, leaders);
        state.assignment[i] = None;
        state.grams[s] = grams;
        for (p, q) in &line.needs {
            *state.remaining[s].entry(p.clone()).or_insert(0) += q;
        }
    }
    state.unserved += 1;
    descend(lines, sites, order, depth + 1, state, leaders);
    state.unserved -= 1;
}

/// A shipment of a plan: one location and the lines it ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedShipment {
    pub location: String,
    /// Indexes of the order's lines (0-based).
    pub lines: Vec<usize>,
    pub weight_grams: i64,
    pub cost: Money,
    pub promised_ship_at: jiff::Timestamp,
    pub promised_delivery_at: jiff::Timestamp,
}

/// A plan described for people: shipments, cost, promise, unserved lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanSummary {
    pub shipments: Vec<PlannedShipment>,
    /// Indexes of lines no location can ship now.
    pub unserved_lines: Vec<usize>,
    pub total_cost: Option<Money>,
    /// One line of text, e.g. "LON: 1 shipment, 4.20 GBP, delivery by 2026-11-25".
    pub text: String,
}

/// Rounds thousandths of a minor unit up to a whole minor unit.
fn whole(cost_milli: i64) -> i64 {
    cost_milli.div_euclid(1000) + i64::from(cost_milli.rem_euclid(1000) != 0)
}

impl Plan {
    /// The order's promise under this plan: the latest ship-by and deliver-by of the
    /// locations it ships from (an order is delivered when its last shipment is).
    /// None when no line is served.
    pub fn promise(&self, sites: &[Site]) -> Option<promise::Promise> {
        let used = || self.assignment.iter().flatten().map(|s| &sites[*s].promise);
        Some(promise::Promise {
            ship_by: used().map(|p| p.ship_by).max()?,
            deliver_by: used().map(|p| p.deliver_by).max()?,
        })
    }

    pub fn summarize(&self, lines: &[Line], sites: &[Site]) -> PlanSummary {
        let mut by_site: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut unserved_lines = Vec::new();
        for (i, s) in self.assignment.iter().enumerate() {
            match s {
                Some(s) => by_site.entry(*s).or_default().push(i),
                None => unserved_lines.push(i),
            }
        }
        let shipments: Vec<PlannedShipment> = by_site
            .iter()
            .map(|(s, idx)| {
                let site = &sites[*s];
                let grams = idx
                    .iter()
                    .fold(0i64, |sum, i| sum.saturating_add(lines[*i].weight_grams));
                // A scored plan's costs fit; an unscored one's that overflow show as the most.
                let cost = cost_milli(site, grams).map_or(i64::MAX, whole);
                PlannedShipment {
                    location: site.code.clone(),
                    lines: idx.clone(),
                    weight_grams: grams,
                    cost: Money::new(cost, site.cost_per_shipment.currency),
                    promised_ship_at: site.promise.ship_by,
                    promised_delivery_at: site.promise.deliver_by,
                }
            })
            .collect();
        let total_cost = shipments.first().map(|f| {
            let sum = shipments.iter().fold(0i64, |sum, s| sum.saturating_add(s.cost.amount));
            Money::new(sum, f.cost.currency)
        });
        let mut text = String::new();
        for (n, s) in shipments.iter().enumerate() {
            let sep = if n == 0 { "" } else { " + " };
            let _ = write!(
                text,
                "{sep}{} ({} line{})",
                s.location,
                s.lines.len(),
                if s.lines.len() == 1 { "" } else { "s" }
            );
        }
        if shipments.is_empty() {
            text.push_str("nothing can ship now");
        } else {
            let count = shipments.len();
            let _ = write!(text, ": {count} shipment{}", if count == 1 { "" } else { "s" });
            if let Some(total) = total_cost {
                let _ = write!(text, ", {total}");
            }
            if let Some(last) = shipments.iter().map(|s| s.promised_delivery_at).max() {
                let _ = write!(text, ", delivery by {}", last.strftime("%Y-%m-%d"));
            }
        }
        if !unserved_lines.is_empty() && !shipments.is_empty() {
            let _ = write!(text, "; {} line(s) wait for stock", unserved_lines.len());
        }
        PlanSummary {
            shipments,
            unserved_lines,
            total_cost,
            text,
        }
    }
}

/// Why `loser` lost to `winner`, in words: the first part of the score that differs.
pub fn why_lost(winner: &Score, loser: &Score) -> &'static str {
    if loser.unserved != winner.unserved {
        "it leaves more lines waiting for stock"
    } else if loser.shipments != winner.shipments {
        "it needs more shipments"
    } else if loser.cost_milli != winner.cost_milli {
        "it costs more to ship"
    } else if loser.latest_delivery != winner.latest_delivery {
        "it delivers later"
    } else {
        "its locations come later by priority"
    }
}

#[cfg(test)]
mod tests;
