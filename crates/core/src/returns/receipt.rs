//! Receiving: a return line's state, matching scanned items to the lines, the tally of
//! dispositions, and what a receipt does to the return's status — received in part or
//! in full, and closed once everything is also settled.

use serde::Serialize;

use super::{
    Disposition, ItemKey, ReturnAction, ReturnReason, ReturnReceipt, ReturnStatus, ReturnTransitionError, transition,
};
use crate::inventory::Quantity;
use crate::money::Money;
use crate::validation::{FieldError, Invalid, Validator};

/// A return line as actions on the return see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLineState {
    /// The order's line number.
    pub line_no: i64,
    pub sku: String,
    pub barcode: Option<String>,
    /// Units authorized to come back.
    pub quantity: i64,
    pub reason: ReturnReason,
    /// Units that arrived.
    pub received: i64,
    /// Units whose money was settled.
    pub settled: i64,
    /// The order line's total and quantity.
    pub line_total: Money,
    pub line_quantity: i64,
}

impl ReturnLineState {
    /// The line as a receipt sees it: what is authorized and not yet received.
    pub fn open(&self) -> OpenReturnLine {
        OpenReturnLine {
            line_no: self.line_no,
            sku: self.sku.clone(),
            barcode: self.barcode.clone(),
            outstanding: self.quantity - self.received,
        }
    }
}

/// A return line as a receipt sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReturnLine {
    pub line_no: i64,
    pub sku: String,
    pub barcode: Option<String>,
    /// Units authorized and not yet received.
    pub outstanding: i64,
}

/// Units of one return line received with one disposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub line_no: i64,
    pub disposition: Disposition,
    pub quantity: Quantity,
}

/// Matches scanned items to the return's lines: a SKU or barcode fills that product's
/// lines in line order. An item not on the return, or more units than are still
/// outstanding, is refused for the item at fault, naming it; nothing is matched then.
/// The plan has one entry per (line, disposition), in line order.
pub fn plan_receipt(lines: &[OpenReturnLine], receipt: &ReturnReceipt) -> Result<Vec<Received>, Vec<FieldError>> {
    let mut left: Vec<i64> = lines.iter().map(|l| l.outstanding.max(0)).collect();
    let mut taken: Vec<(usize, Disposition, i64)> = Vec::new();
    let mut v = Validator::new();
    for (i, item) in receipt.items.iter().enumerate() {
        let (field, matches): (&str, Vec<usize>) = match &item.key {
            ItemKey::Sku(s) => ("sku", (0..lines.len()).filter(|&k| lines[k].sku == *s).collect()),
            ItemKey::Barcode(b) => (
                "barcode",
                (0..lines.len())
                    .filter(|&k| lines[k].barcode.as_deref() == Some(b.as_str()))
                    .collect(),
            ),
        };
        if matches.is_empty() {
            v.push(
                Invalid::new("not_on_return", format!("{} is not on this return", item.key))
                    .at(format!("/items/{i}/{field}")),
            );
            continue;
        }
        let outstanding: i64 = matches.iter().map(|&k| left[k]).sum();
        if item.quantity.get() > outstanding {
            v.push(
                Invalid::new(
                    "exceeds_authorized",
                    format!(
                        "{} units of {} received, but only {outstanding} are authorized and not yet received",
                        item.quantity.get(),
                        lines[matches[0]].sku
                    ),
                )
                .at(format!("/items/{i}/quantity")),
            );
            continue;
        }
        let mut rest = item.quantity.get();
        for k in matches {
            let take = rest.min(left[k]);
            if take > 0 {
                left[k] -= take;
                rest -= take;
                match taken.iter_mut().find(|(l, d, _)| *l == k && *d == item.disposition) {
                    Some(entry) => entry.2 += take,
                    None => taken.push((k, item.disposition, take)),
                }
            }
        }
    }
    v.finish(|| {
        taken.sort_by_key(|(k, d, _)| (*k, *d));
        taken
            .into_iter()
            .map(|(k, disposition, q)| {
                Quantity::new(q).ok().map(|quantity| Received {
                    line_no: lines[k].line_no,
                    disposition,
                    quantity,
                })
            })
            .collect()
    })
}

/// What a receipt did to the return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AfterReceipt {
    pub status: ReturnStatus,
    /// Every authorized unit has arrived.
    pub complete: bool,
}

/// The return's status once `lines` (with what just arrived counted) are received:
/// received in full when nothing authorized is outstanding, else in part.
pub fn after_receipt(from: ReturnStatus, lines: &[ReturnLineState]) -> Result<AfterReceipt, ReturnTransitionError> {
    let complete = lines.iter().all(|l| l.received == l.quantity);
    let status = transition(from, ReturnAction::Receive { completes: complete })?;
    Ok(AfterReceipt { status, complete })
}

/// A received return closes once every unit of `lines` is also settled (refunded or
/// exchanged): the status it moves to, or `None` while it stays as it is.
pub fn close_when_settled(
    status: ReturnStatus,
    lines: &[ReturnLineState],
) -> Result<Option<ReturnStatus>, ReturnTransitionError> {
    if status == ReturnStatus::Received && lines.iter().all(|l| l.settled >= l.quantity) {
        transition(status, ReturnAction::Close).map(Some)
    } else {
        Ok(None)
    }
}

/// Units of a return line by what became of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dispositions {
    pub restock: i64,
    pub quarantine: i64,
    pub scrap: i64,
}

impl Dispositions {
    /// Adds up receipts of `(disposition, units)`.
    pub fn tally(receipts: impl IntoIterator<Item = (Disposition, i64)>) -> Dispositions {
        let mut d = Dispositions::default();
        for (disposition, units) in receipts {
            let slot = match disposition {
                Disposition::Restock => &mut d.restock,
                Disposition::Quarantine => &mut d.quarantine,
                Disposition::Scrap => &mut d.scrap,
            };
            *slot = slot.saturating_add(units);
        }
        d
    }
}
