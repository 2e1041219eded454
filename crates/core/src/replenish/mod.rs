//! Replenishment: what to reorder, when and how much, from plain numbers (a demand
//! forecast, stock, supplier terms and purchase-order history), so any forecast can
//! feed it.
//!
//! - `lead_time`: a supplier's lead time, learned from receipts, set, or defaulted.
//! - `abc`: ABC classes by revenue, and the service level of each class.
//! - `policy`: safety stock, reorder point, order-up-to level and the suggested
//!   quantity of one SKU at one location, rounded to pack size and MOQ.
//! - `line`: the suggestion lines a buyer reads (every figure, what to order from
//!   whom, under / over / ok), made for every SKU and location, sorted and added up;
//!   `query` the filters a buyer reads them with.
//! - `drafts`: supplier terms, accepted suggestions, and grouping them into draft
//!   purchase orders.
//! - `backtest`: our policy against a fixed reorder point over a demand series.

pub mod abc;
pub mod backtest;
pub mod drafts;
pub mod lead_time;
pub mod line;
pub mod normal;
pub mod policy;
pub mod query;

pub use abc::{AbcClass, AbcSplit, ServiceLevel, ServiceLevels, classify};
pub use backtest::{Backtest, BacktestSettings, Outcome, backtest};
pub use drafts::{
    Accepted, AcceptedOrder, AcceptedSuggestionInput, DraftGroup, DraftLine, ReplenishmentOrderInput, SupplierTerms,
    SupplierTermsInput, group,
};
pub use lead_time::{LeadTime, LeadTimeFacts, LeadTimeSource, lead_time};
pub use line::{
    DemandSource, LineInput, PlanSettings, SiteFacts, SkuFacts, StockState, StoredDemand, SuggestionLine,
    SuggestionSummary, SupplierTotal, Urgency, plan, sort, suggestion_line, summarise,
};
pub use normal::inverse_normal;
pub use policy::{OrderUnits, PolicyInput, StockFacts, Suggestion, SuggestionReason, safety_stock, suggest};
pub use query::{SuggestionFilter, SuggestionQuery};

#[cfg(test)]
mod line_tests;
#[cfg(test)]
mod tests;
