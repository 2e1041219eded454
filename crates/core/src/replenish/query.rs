//! Which suggestion lines a buyer asks for: a location, a supplier, stock states (a
//! comma list, like the event feed's types) and a SKU; and the buyer's own review
//! period and target cover, when not the defaults.

use super::drafts::SUPPLIER_NAME_MAX;
use super::line::{PlanSettings, StockState, SuggestionLine};
use crate::validation::{self, FieldError, Invalid, Validator};

/// The filters as sent (query parameters).
#[derive(Debug, Clone, Default)]
pub struct SuggestionQuery {
    pub location: Option<String>,
    pub supplier: Option<String>,
    pub state: Option<String>,
    pub sku: Option<String>,
    pub review_days: Option<String>,
    pub max_cover_days: Option<String>,
}

/// The longest review period a buyer may plan with, in days.
pub const MAX_REVIEW_DAYS: i64 = 90;

/// The most cover a buyer may call the target, in days (two years).
pub const MAX_TARGET_COVER_DAYS: i64 = 730;

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
    /// Days between two looks at the same SKU (default `DEFAULT_REVIEW_DAYS`).
    pub review_days: Option<i64>,
    /// More cover than this is over-stock (default `DEFAULT_MAX_COVER_DAYS`).
    pub max_cover_days: Option<i64>,
}

/// A whole number of days from 1 to `max`.
fn days(raw: &str, max: i64) -> Result<i64, Invalid> {
    let n = validation::whole_number(raw)?;
    if (1..=max).contains(&n) {
        Ok(n)
    } else {
        Err(Invalid::new("out_of_range", format!("must be 1 to {max} days")))
    }
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
        let review_days = v.check_opt("review_days", self.review_days.as_deref(), |d| days(d, MAX_REVIEW_DAYS));
        let max_cover_days = v.check_opt("max_cover_days", self.max_cover_days.as_deref(), |d| {
            days(d, MAX_TARGET_COVER_DAYS)
        });
        v.finish(|| {
            Some(SuggestionFilter {
                location: location?,
                supplier: supplier?,
                states: states?.unwrap_or_default(),
                sku: sku?,
                review_days: review_days?,
                max_cover_days: max_cover_days?,
            })
        })
    }
}

impl SuggestionFilter {
    /// The plan's settings: the defaults, with the buyer's review period and target
    /// cover where given.
    #[allow(clippy::cast_precision_loss)]
    pub fn settings(&self) -> PlanSettings {
        let defaults = PlanSettings::default();
        PlanSettings {
            review_days: self.review_days.map_or(defaults.review_days, |d| d as f64),
            max_cover_days: self.max_cover_days.map_or(defaults.max_cover_days, |d| d as f64),
            ..defaults
        }
    }

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
