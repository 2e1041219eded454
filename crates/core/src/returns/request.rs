//! What of an order may still be returned or claimed: the return window, the units
//! of each line that left and are not yet on returns or claims, and the check of a
//! request against them.

use jiff::{SignedDuration, Timestamp};

use super::ReturnDraft;
use crate::inventory::Quantity;
use crate::order::LineStatus;
use crate::validation::{FieldError, Invalid, Validator};

/// The end of the return window: `days` after delivery, or after shipment when the
/// delivery is not known.
pub fn window_closes(shipped_at: Timestamp, delivered_at: Option<Timestamp>, days: i64) -> Timestamp {
    let from = delivered_at.unwrap_or(shipped_at);
    from.checked_add(SignedDuration::from_hours(days.saturating_mul(24)))
        .unwrap_or(Timestamp::MAX)
}

/// Whether a channel with this return window takes returns at all: a window of 0 days
/// means it does not (no return is accepted, and the packing slip offers none).
pub fn accepts_returns(window_days: i64) -> bool {
    window_days > 0
}

/// An order line as a return or claim request sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnableLine {
    pub line_no: i64,
    pub sku: String,
    /// Units that left in a shipment (delivered or not).
    pub shipped: i64,
    /// Units already on returns that count and on claims.
    pub already: i64,
    /// When the line's shipment left, if it has.
    pub shipped_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
}

/// An order line's facts, as the store reads them for a return or claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLineFacts {
    pub line_no: i64,
    pub sku: String,
    pub status: LineStatus,
    pub quantity: i64,
    /// Units of the line on returns that count (`ReturnStatus::counts`).
    pub on_returns: i64,
    /// Units of the line on claims.
    pub claimed: i64,
    /// When the line's latest shipment left, and was delivered.
    pub shipped_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
}

impl ReturnableLine {
    /// What a return or claim may take of an order line: all its units once the line
    /// went (shipped or delivered), none before; returns that count and claims have
    /// taken theirs already.
    pub fn from_facts(facts: OrderLineFacts) -> ReturnableLine {
        ReturnableLine {
            line_no: facts.line_no,
            sku: facts.sku,
            shipped: if facts.status.went() { facts.quantity } else { 0 },
            already: facts.on_returns.saturating_add(facts.claimed),
            shipped_at: facts.shipped_at,
            delivered_at: facts.delivered_at,
        }
    }

    /// Units that may still be sent back (or claimed).
    pub fn returnable(&self) -> i64 {
        (self.shipped - self.already).max(0)
    }

    /// More units on returns and claims than left: what `switchyard check` reports.
    pub fn overdrawn(&self) -> bool {
        self.already > self.shipped
    }
}

/// Checks requested `(line_no, quantity)` pairs against the order's `lines`, field by
/// field under `/lines/{i}`: a line the order does not have, one that has not shipped,
/// one outside its return window (when `window_days` is given), or more units than
/// may still be returned (lines asked for twice count together).
pub fn check_request(
    lines: &[ReturnableLine],
    requested: &[(i64, Quantity)],
    now: Timestamp,
    window_days: Option<i64>,
) -> Result<(), Vec<FieldError>> {
    let mut v = Validator::new();
    let mut asked: Vec<i64> = vec![0; lines.len()];
    for (i, (line_no, quantity)) in requested.iter().enumerate() {
        let Some(k) = lines.iter().position(|l| l.line_no == *line_no) else {
            v.push(
                Invalid::new("unknown_line", format!("the order has no line {line_no}"))
                    .at(format!("/lines/{i}/line_no")),
            );
            continue;
        };
        let line = &lines[k];
        let Some(shipped_at) = line.shipped_at.filter(|_| line.shipped > 0) else {
            v.push(
                Invalid::new("not_shipped", format!("line {line_no} ({}) has not shipped", line.sku))
                    .at(format!("/lines/{i}/line_no")),
            );
            continue;
        };
        if let Some(days) = window_days {
            let closes = window_closes(shipped_at, line.delivered_at, days);
            if now > closes {
                let from = if line.delivered_at.is_some() {
                    "delivery"
                } else {
                    "shipment"
                };
                v.push(
                    Invalid::new(
                        "outside_return_window",
                        format!(
                            "the return window of line {line_no} ({}) closed at {closes}, {days} days after {from}",
                            line.sku
                        ),
                    )
                    .at(format!("/lines/{i}/line_no")),
                );
                continue;
            }
        }
        asked[k] += quantity.get();
        if asked[k] > line.returnable() {
            v.push(
                Invalid::new(
                    "exceeds_returnable",
                    format!(
                        "is more than the {} units of line {line_no} ({}) that may still be returned: {} shipped, {} already on returns or claims",
                        line.returnable(),
                        line.sku,
                        line.shipped,
                        line.already
                    ),
                )
                .at(format!("/lines/{i}/quantity")),
            );
        }
    }
    v.finish(|| Some(()))
}

impl ReturnDraft {
    /// Checks the return's lines against the order's: shipped, within the channel's
    /// return window of `window_days`, and no more than may still be returned.
    pub fn check(&self, lines: &[ReturnableLine], now: Timestamp, window_days: i64) -> Result<(), Vec<FieldError>> {
        let asked: Vec<(i64, Quantity)> = self.lines.iter().map(|l| (l.line_no, l.quantity)).collect();
        check_request(lines, &asked, now, Some(window_days))
    }
}
