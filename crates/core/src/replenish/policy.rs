//! The reorder policy for one SKU at one location: safety stock, reorder point,
//! order-up-to level, and what to order now, rounded to the supplier's pack and
//! minimum.

use serde::Serialize;

use super::abc::ServiceLevel;
use super::lead_time::LeadTime;
use crate::inventory::Quantity;
use crate::validation::Invalid;

/// Days between two looks at the same SKU, when the caller names none.
pub const DEFAULT_REVIEW_DAYS: f64 = 7.0;

/// More than this many days of cover is over-stock, when the caller names no target.
pub const DEFAULT_MAX_COVER_DAYS: f64 = 90.0;

/// Stock of one SKU at one location, in units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockFacts {
    pub on_hand: i64,
    /// Promised to orders and not shipped yet.
    pub reserved: i64,
    /// Ordered from suppliers and not received yet (open purchase orders only).
    pub inbound: i64,
    /// Demand that waits for stock.
    pub backordered: i64,
}

impl StockFacts {
    /// The inventory position: what is, or will be, free to sell once everything
    /// ordered arrives and every waiting order is served.
    pub fn position(&self) -> i64 {
        self.on_hand - self.reserved + self.inbound - self.backordered
    }
}

/// How a supplier sells a SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderUnits {
    /// The fewest units the supplier takes an order for (0: no minimum).
    pub moq: i64,
    /// Units come in multiples of this (at least 1).
    pub pack_size: i64,
}

impl Default for OrderUnits {
    fn default() -> Self {
        OrderUnits { moq: 0, pack_size: 1 }
    }
}

impl OrderUnits {
    /// What to order for a need of `need` units: rounded up to a whole number of
    /// packs, and at least the minimum order (itself rounded up to whole packs).
    /// Nothing for no need.
    pub fn round(&self, need: i64) -> i64 {
        if need <= 0 {
            return 0;
        }
        let pack = self.pack_size.max(1);
        let up = |n: i64| (n / pack + i64::from(n % pack != 0)).saturating_mul(pack);
        up(need).max(up(self.moq.max(0)))
    }
}

impl OrderUnits {
    /// Whether the supplier takes an order of `quantity` units: whole packs, and at
    /// least the minimum.
    pub fn check(&self, quantity: Quantity) -> Result<Quantity, Invalid> {
        let q = quantity.get();
        let pack = self.pack_size.max(1);
        if q % pack != 0 {
            let (down, up) = (q / pack * pack, (q / pack + 1) * pack);
            let near = if down > 0 {
                format!("{down} or {up}")
            } else {
                up.to_string()
            };
            return Err(Invalid::new(
                "not_whole_packs",
                format!("the supplier sells packs of {pack}: order {near}"),
            ));
        }
        if q < self.moq {
            return Err(Invalid::new(
                "below_minimum",
                format!("the supplier's minimum order is {} units", self.moq),
            ));
        }
        Ok(quantity)
    }
}

/// Everything the policy needs about one SKU at one location.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolicyInput {
    /// Mean demand per day over the coming lead time and review period.
    pub demand_per_day: f64,
    /// Standard deviation of the forecast's error, per day.
    pub demand_sd_per_day: f64,
    /// Whether the SKU has any sales history: a forecast from none is no forecast.
    pub has_history: bool,
    pub lead_time: LeadTime,
    /// Days until the SKU is looked at again.
    pub review_days: f64,
    pub service_level: ServiceLevel,
    pub stock: StockFacts,
    pub units: OrderUnits,
    /// More days of cover than this is over-stock.
    pub max_cover_days: f64,
    /// A stock level the caller wants kept whatever the forecast says (a floor under
    /// the reorder point and the order-up-to level); the only way to stock a new SKU.
    pub manual_minimum: Option<i64>,
}

string_enum!(
    /// Why the policy suggests what it does.
    SuggestionReason {
        /// The position is at or below the reorder point: order up to the order-up-to level.
        BelowReorderPoint = "below_reorder_point",
        /// The position is above the reorder point: nothing to order yet.
        AboveReorderPoint = "above_reorder_point",
        /// No demand is expected: nothing to order (beyond demand already waiting).
        NoDemand = "no_demand",
        /// A new SKU with no sales history: no forecast to order from. Give a manual minimum to stock it.
        NoHistory = "no_history",
        /// A new SKU stocked to the manual minimum the caller gave.
        ManualMinimum = "manual_minimum",
        /// The SKU has sold but has no stored forecast yet (refresh the forecasts): nothing to order from.
        NoForecast = "no_forecast",
    }
);

/// What the policy says about one SKU at one location.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    /// Units kept against demand and lead time running above their means.
    pub safety_stock: f64,
    /// Order when the position falls to this.
    pub reorder_point: f64,
    /// Order up to this.
    pub order_up_to: f64,
    /// On hand - reserved + inbound - backordered.
    pub position: i64,
    /// Units to order now, rounded to the supplier's pack and minimum; none when
    /// nothing is to be ordered.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub quantity: Option<Quantity>,
    /// Days the position lasts at the expected demand; none when no demand is expected.
    pub days_of_cover: Option<f64>,
    /// More cover than the target's maximum (or stock of a SKU nothing is expected to sell).
    pub over_stock: bool,
    /// The position is below the reorder point.
    pub under_stock: bool,
    pub reason: SuggestionReason,
}

/// Safety stock for a service level's `z`, a daily demand `d` with error `sd_d`, and a
/// lead time of mean `L` and spread `sd_L`: `z * sqrt(L * sd_d^2 + d^2 * sd_L^2)`.
pub fn safety_stock(z: f64, d: f64, sd_d: f64, lead_time: &LeadTime) -> f64 {
    let l = lead_time.mean_days.max(0.0);
    let variance = l * sd_d.powi(2) + d.powi(2) * lead_time.sd_days.powi(2);
    (z * variance.max(0.0).sqrt()).max(0.0)
}

/// The policy's decision for one SKU at one location.
pub fn suggest(input: &PolicyInput) -> Suggestion {
    let d = finite_or_zero(input.demand_per_day);
    let sd_d = finite_or_zero(input.demand_sd_per_day);
    let position = input.stock.position();
    let minimum = input.manual_minimum.unwrap_or(0).max(0) as f64;
    let (reason_if_ordering, safety, rop, out) = if !input.has_history {
        // No history, no forecast: only a manual minimum stocks it.
        let reason = match input.manual_minimum {
            Some(_) => SuggestionReason::ManualMinimum,
            None => SuggestionReason::NoHistory,
        };
        (reason, 0.0, minimum, minimum)
    } else if d <= 0.0 {
        // Nothing expected to sell: keep nothing, but still serve what already waits.
        (SuggestionReason::NoDemand, 0.0, minimum, minimum)
    } else {
        let safety = safety_stock(input.service_level.z(), d, sd_d, &input.lead_time);
        let rop = d * input.lead_time.mean_days.max(0.0) + safety;
        let out = rop + d * input.review_days.max(0.0);
        (
            SuggestionReason::BelowReorderPoint,
            safety,
            rop.max(minimum),
            out.max(minimum),
        )
    };
    let ordering = (position as f64) <= rop;
    let need = if ordering {
        (out - position as f64).ceil() as i64
    } else {
        0
    };
    let quantity = Quantity::new(input.units.round(need)).ok();
    let reason = match (quantity, reason_if_ordering) {
        (None, SuggestionReason::BelowReorderPoint) => SuggestionReason::AboveReorderPoint,
        (_, r) => r,
    };
    let days_of_cover = (d > 0.0).then(|| position.max(0) as f64 / d);
    let over_stock = match days_of_cover {
        Some(cover) => cover > input.max_cover_days,
        None => position > 0 && (position as f64) > minimum,
    };
    Suggestion {
        safety_stock: safety,
        reorder_point: rop,
        order_up_to: out,
        position,
        quantity,
        days_of_cover,
        over_stock,
        under_stock: (position as f64) < rop,
        reason,
    }
}

fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() { x.max(0.0) } else { 0.0 }
}
