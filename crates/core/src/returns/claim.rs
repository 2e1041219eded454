//! Claims: goods that went wrong on the way, made good by a refund or a free
//! replacement without anything coming back. They share the returns' quantity rules
//! but have no return window.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::input::{line_list, quantity};
use super::{ClaimReason, ClaimResolution, ReplacementLine, ReturnableLine, check_request};
use crate::inventory::Quantity;
use crate::money::{Currency, Money};
use crate::payment::{RefundLine, RefundReason, RefundRequest};
use crate::validation::{self, FieldError, Validator};

/// One line of a claim.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimLineInput {
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub line_no: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub quantity: Option<i64>,
}

/// A claim: goods that went wrong on the way, made good without a return.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    pub reason: Option<ClaimReason>,
    pub resolution: Option<ClaimResolution>,
    pub lines: Option<Vec<ClaimLineInput>>,
    #[cfg_attr(feature = "openapi", schema(example = "the box arrived crushed"))]
    pub note: Option<String>,
}

/// A valid claim, not yet checked against the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimDraft {
    pub reason: ClaimReason,
    pub resolution: ClaimResolution,
    pub lines: Vec<(i64, Quantity)>,
    pub note: Option<String>,
}

impl ClaimDraft {
    /// The refund a claim resolved by refund asks for: the claimed units of each line
    /// at their share of its total; nothing comes back, so no fee is kept.
    pub fn refund(&self, reference: &str) -> RefundRequest {
        RefundRequest {
            lines: self
                .lines
                .iter()
                .map(|(line_no, quantity)| RefundLine {
                    line_no: *line_no,
                    quantity: quantity.get(),
                })
                .collect(),
            shipping: false,
            amount: None,
            fee: None,
            reason: RefundReason::Claim,
            appeasement: None,
            note: self.note.clone(),
            reference: Some(reference.to_owned()),
        }
    }
}

impl ClaimDraft {
    /// Checks the claimed lines against the order's, as a return's are but with no
    /// window: what is claimed must have shipped and not be on returns or claims
    /// already. The claimed SKUs and quantities, in the claim's order.
    pub fn check(&self, lines: &[ReturnableLine], now: Timestamp) -> Result<Vec<(String, Quantity)>, Vec<FieldError>> {
        check_request(lines, &self.lines, now, None)?;
        Ok(self
            .lines
            .iter()
            .filter_map(|(line_no, quantity)| {
                lines
                    .iter()
                    .find(|l| l.line_no == *line_no)
                    .map(|l| (l.sku.clone(), *quantity))
            })
            .collect())
    }
}

impl ClaimInput {
    pub fn parse(&self) -> Result<ClaimDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let reason = v.require("/reason", self.reason);
        let resolution = v.require("/resolution", self.resolution);
        let mut lines = Vec::new();
        for (i, l) in line_list(&mut v, "/lines", self.lines.as_ref())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let line_no = v.require(format!("/lines/{i}/line_no"), l.line_no);
            let quantity = quantity(&mut v, format!("/lines/{i}/quantity"), l.quantity);
            if let (Some(line_no), Some(quantity)) = (line_no, quantity) {
                lines.push((line_no, quantity));
            }
        }
        let note = v.check("/note", validation::optional_text(self.note.as_deref(), 4000));
        v.finish(|| {
            Some(ClaimDraft {
                reason: reason?,
                resolution: resolution?,
                lines,
                note: note?,
            })
        })
    }
}

/// A claim's replacement is free: each claimed SKU again, at price zero.
pub fn free_replacement(claimed: &[(String, Quantity)], currency: Currency) -> Vec<ReplacementLine> {
    claimed
        .iter()
        .map(|(sku, quantity)| ReplacementLine {
            sku: sku.clone(),
            quantity: *quantity,
            unit_price: Some(Money::zero(currency)),
        })
        .collect()
}
