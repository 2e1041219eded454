//! Which suggestion lines a buyer asks for: a location, a supplier, stock states (a
//! comma list, like the event feed's types) and a SKU.

use super::drafts::SUPPLIER_NAME_MAX;
use super::line::{StockState, SuggestionLine};
use crate::validation::{self, FieldError, Invalid, Validator};

/// The filters as sent (query parameters).
#[derive(Debug, Clone, Default)]
pub struct SuggestionQuery {
    pub location: Option<String>,
    pub supplier: Option<String>,
    pub state: Option<String>,
    pub sku: Option<String>,
}

/// Checked filters. `location` and `sku` are keys (code or id) the store resolves to
/// codes before matching.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SuggestionFilter {
    pub location: Option<String>,
    /// Part of the supplier's name, any case.
    pub supplier: Option<String>,
    /// Any of these states; all when empty.
    pub states: Vec<StockState>,
    pub sku: Option<String>,
}

fn states(raw: &str) -> Result<Vec<StockState>, Invalid> {
    let mut states = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let state = StockState::parse(part).map_err(|_| {
            Invalid::new(
                "invalid_value",
                format!("{part:?} is no stock state: give under, over or ok (several comma-separated)"),
            )
        })?;
        if !states.contains(&state) {
            states.push(state);
        }
    }
    Ok(states)
}

impl SuggestionQuery {
    /// Every bad filter at once, named by its parameter.
    pub fn parse(&self) -> Result<SuggestionFilter, Vec<FieldError>> {
        let mut v = Validator::new();
        let location = v.check_opt("location", self.location.as_deref(), |l| {
            validation::code(l, "location")
        });
        let supplier = v.check_opt("supplier", self.supplier.as_deref(), |s| {
            validation::text(s, SUPPLIER_NAME_MAX)
        });
        let states = v.check_opt("state", self.state.as_deref(), states);
        let sku = v.check_opt("sku", self.sku.as_deref(), |s| validation::code(s, "sku"));
        v.finish(|| {
            Some(SuggestionFilter {
                location: location?,
                supplier: supplier?,
                states: states?.unwrap_or_default(),
                sku: sku?,
            })
        })
    }
}

impl SuggestionFilter {
    /// Whether `line` passes, once `location` and `sku` are resolved to codes.
    pub fn matches(&self, line: &SuggestionLine) -> bool {
        let supplier = |part: &str| {
            line.supplier
                .as_deref()
                .is_some_and(|s| s.to_lowercase().contains(&part.to_lowercase()))
        };
        self.location.as_deref().is_none_or(|l| l == line.location)
            && self.sku.as_deref().is_none_or(|s| s == line.sku)
            && self.supplier.as_deref().is_none_or(supplier)
            && (self.states.is_empty() || self.states.contains(&line.state))
    }
}
