//! Accepted suggestions become draft purchase orders: what a valid acceptance is, the
//! supplier terms a product is bought on, and how lines group into one draft per
//! supplier, location and currency.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::inventory::Quantity;
use crate::money::{Currency, Money};
use crate::validation::{self, FieldError, Invalid, Validator};

/// At most this many suggestions may be accepted at once.
pub const MAX_ACCEPTED: usize = 500;

/// The longest lead time supplier terms may name, in days.
pub const MAX_LEAD_TIME_DAYS: i64 = 365;

/// Supplier names are this long at most (as on a purchase order).
pub const SUPPLIER_NAME_MAX: usize = 200;

/// One accepted suggestion as a buyer sends it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptedSuggestionInput {
    /// SKU (or product id).
    #[cfg_attr(feature = "openapi", schema(example = "MUG-FERN"))]
    pub sku: Option<String>,
    /// Where the goods are to be delivered: location code (or id).
    #[cfg_attr(feature = "openapi", schema(example = "LON"))]
    pub location: Option<String>,
    /// Units to order.
    #[cfg_attr(feature = "openapi", schema(example = 24))]
    pub quantity: Option<i64>,
    /// Buy this line from this supplier instead of the product's supplier terms.
    #[cfg_attr(feature = "openapi", schema(example = "Fernhill Ceramics"))]
    pub supplier: Option<String>,
}

/// Accepted suggestions, to become draft purchase orders.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplenishmentOrderInput {
    pub lines: Option<Vec<AcceptedSuggestionInput>>,
    /// Buy every line from this supplier (a line's own `supplier` wins).
    #[cfg_attr(feature = "openapi", schema(example = "Fernhill Ceramics"))]
    pub supplier: Option<String>,
    /// The currency of drafts whose supplier terms name no unit cost (a cost's own
    /// currency wins); required only for those.
    #[cfg_attr(feature = "openapi", schema(example = "GBP"))]
    pub currency: Option<String>,
}

/// A valid set of accepted suggestions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedOrder {
    pub lines: Vec<Accepted>,
    /// The currency of lines without a unit cost, when given.
    pub currency: Option<Currency>,
}

/// A valid accepted suggestion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub sku: String,
    pub location: String,
    pub quantity: Quantity,
    /// The supplier named in the request, if any.
    pub supplier: Option<String>,
}

fn supplier_name(raw: &str) -> Result<String, Invalid> {
    validation::text(raw, SUPPLIER_NAME_MAX)
}

impl ReplenishmentOrderInput {
    /// Validates every line, reporting every problem at once. One SKU may be accepted
    /// once per location.
    pub fn parse(&self) -> Result<AcceptedOrder, Vec<FieldError>> {
        let mut v = Validator::new();
        let common = v.check_opt("/supplier", self.supplier.as_deref(), supplier_name);
        let currency = v.check_opt("/currency", self.currency.as_deref(), Currency::parse);
        let mut accepted = Vec::new();
        if let Some(lines) = v.require("/lines", self.lines.as_ref()) {
            if lines.is_empty() {
                v.push(Invalid::new("required", "accept at least one suggestion").at("/lines"));
            }
            if lines.len() > MAX_ACCEPTED {
                v.push(Invalid::new("too_long", format!("at most {MAX_ACCEPTED} suggestions at once")).at("/lines"));
            }
            let mut seen = BTreeMap::new();
            for (i, line) in lines.iter().take(MAX_ACCEPTED).enumerate() {
                let at = |f: &str| format!("/lines/{i}/{f}");
                let sku = v
                    .require(at("sku"), line.sku.as_deref())
                    .and_then(|s| v.check(at("sku"), validation::code(s, "sku")));
                let location = v
                    .require(at("location"), line.location.as_deref())
                    .and_then(|l| v.check(at("location"), validation::code(l, "location")));
                let quantity = v
                    .require(at("quantity"), line.quantity)
                    .and_then(|q| v.check(at("quantity"), Quantity::new(q)));
                let supplier = v.check_opt(at("supplier"), line.supplier.as_deref(), supplier_name);
                let (Some(sku), Some(location), Some(quantity), Some(supplier)) = (sku, location, quantity, supplier)
                else {
                    continue;
                };
                if let Some(first) = seen.insert((sku.clone(), location.clone()), i) {
                    v.push(
                        Invalid::new(
                            "duplicate",
                            format!("{sku} at {location} was already accepted by line {first}"),
                        )
                        .at(at("sku")),
                    );
                    continue;
                }
                accepted.push(Accepted {
                    sku,
                    location,
                    quantity,
                    supplier: supplier.or_else(|| common.clone().flatten()),
                });
            }
        }
        v.finish(|| {
            common?;
            Some(AcceptedOrder {
                lines: accepted,
                currency: currency?,
            })
        })
    }
}

/// The terms a product is bought on from its supplier, as a buyer sends them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupplierTermsInput {
    #[cfg_attr(feature = "openapi", schema(example = "Fernhill Ceramics"))]
    pub supplier: Option<String>,
    /// Days from order to delivery as the supplier promises them; learned from receipts
    /// once there are enough.
    #[cfg_attr(feature = "openapi", schema(example = 21))]
    pub lead_time_days: Option<i64>,
    /// Minimum order quantity, in units (default 0: none).
    #[cfg_attr(feature = "openapi", schema(example = 20))]
    pub moq: Option<i64>,
    /// Units per pack: orders are whole packs (default 1).
    #[cfg_attr(feature = "openapi", schema(example = 6))]
    pub pack_size: Option<i64>,
    /// Price of one unit.
    pub unit_cost: Option<Money>,
}

/// Valid supplier terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierTerms {
    #[cfg_attr(feature = "openapi", schema(example = "Fernhill Ceramics"))]
    pub supplier: String,
    #[cfg_attr(feature = "openapi", schema(example = 21))]
    pub lead_time_days: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(example = 20))]
    pub moq: i64,
    #[cfg_attr(feature = "openapi", schema(example = 6))]
    pub pack_size: i64,
    pub unit_cost: Option<Money>,
}

impl SupplierTerms {
    pub fn units(&self) -> super::OrderUnits {
        super::OrderUnits {
            moq: self.moq,
            pack_size: self.pack_size,
        }
    }

    /// The currency a draft of this supplier's lines is in: the unit cost's, when one
    /// is known.
    pub fn currency(&self) -> Option<Currency> {
        self.unit_cost.map(|m| m.currency)
    }
}

fn in_range(n: i64, lo: i64, hi: i64) -> Result<i64, Invalid> {
    if (lo..=hi).contains(&n) {
        Ok(n)
    } else {
        Err(Invalid::new("out_of_range", format!("must be from {lo} to {hi}")))
    }
}

impl SupplierTermsInput {
    pub fn parse(&self) -> Result<SupplierTerms, Vec<FieldError>> {
        let mut v = Validator::new();
        let supplier = v
            .require("/supplier", self.supplier.as_deref())
            .and_then(|s| v.check("/supplier", supplier_name(s)));
        let lead = v.check_opt("/lead_time_days", self.lead_time_days, |d| {
            in_range(d, 0, MAX_LEAD_TIME_DAYS)
        });
        let moq = v.check(
            "/moq",
            in_range(self.moq.unwrap_or(0), 0, crate::inventory::MAX_QUANTITY),
        );
        let pack = v.check(
            "/pack_size",
            in_range(self.pack_size.unwrap_or(1), 1, crate::inventory::MAX_QUANTITY),
        );
        let cost = v.check_opt("/unit_cost", self.unit_cost, Money::bounded);
        v.finish(|| {
            Some(SupplierTerms {
                supplier: supplier?,
                lead_time_days: lead?,
                moq: moq?,
                pack_size: pack?,
                unit_cost: cost?,
            })
        })
    }
}

/// One line on its way into a draft purchase order.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftLine {
    pub sku: String,
    pub location: String,
    pub supplier: String,
    pub currency: Currency,
    pub quantity: Quantity,
    pub unit_cost: Option<Money>,
    /// Days until the line is expected.
    pub lead_time_days: f64,
}

impl DraftLine {
    /// When the line is expected if ordered at `ordered_at`: its lead time later,
    /// rounded up to whole days.
    pub fn expected_at(&self, ordered_at: Timestamp) -> Timestamp {
        let days = self.lead_time_days.max(0.0).ceil().min(MAX_LEAD_TIME_DAYS as f64) as i64;
        ordered_at
            .checked_add(SignedDuration::from_hours(days * 24))
            .unwrap_or(ordered_at)
    }
}

/// The lines of one draft purchase order: one supplier, one location, one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftGroup {
    pub supplier: String,
    pub location: String,
    pub currency: Currency,
    pub lines: Vec<DraftLine>,
}

/// Groups lines into drafts by supplier, location and currency (in that order), each
/// draft's lines in the order they came.
pub fn group(lines: Vec<DraftLine>) -> Vec<DraftGroup> {
    let mut groups: BTreeMap<(String, String, Currency), Vec<DraftLine>> = BTreeMap::new();
    for line in lines {
        groups
            .entry((line.supplier.clone(), line.location.clone(), line.currency))
            .or_default()
            .push(line);
    }
    groups
        .into_iter()
        .map(|((supplier, location, currency), lines)| DraftGroup {
            supplier,
            location,
            currency,
            lines,
        })
        .collect()
}
