//! Returns: what a customer may send back and when, how the items that arrive are
//! matched to the return (RMA), and what goes back to the customer. Claims — goods lost
//! or damaged on the way, resolved without anything being sent back — share the same
//! quantity and money rules.
//!
//! This module owns the vocabulary (statuses, reasons, dispositions), the return
//! lifecycle and the label rule; `input` parses requests, `request` decides what may
//! still be returned, `receipt` matches arrivals and says when a return is received or
//! closed, `settle` says what a return is worth and when it is paid, `exchange` prices
//! replacement orders, `claim` the claims, `report` the return rates.

use jiff::Timestamp;

use crate::catalog::Address;
use crate::id::LocationId;

mod claim;
mod exchange;
mod input;
mod portal;
mod receipt;
mod report;
mod request;
mod settle;

pub use claim::*;
pub use exchange::*;
pub use input::*;
pub use portal::*;
pub use receipt::*;
pub use report::*;
pub use request::*;
pub use settle::*;

/// A return or claim may carry at most this many lines, and a receipt as many items.
pub const MAX_LINES: usize = 500;

string_enum!(
    /// When a return is refunded.
    RefundOn {
        /// When the returning location has received the items.
        Receipt = "receipt",
        /// As soon as the return is authorized, before the items arrive.
        Authorization = "authorization",
    }
);

string_enum!(
    /// A return's lifecycle.
    ReturnStatus {
        /// The customer asked; nobody decided yet.
        Requested = "requested",
        /// Accepted: the customer may send the items, with the return label.
        Authorized = "authorized",
        /// Refused, with a note.
        Rejected = "rejected",
        /// Some items arrived, more are expected.
        PartiallyReceived = "partially_received",
        /// Every authorized item arrived.
        Received = "received",
        /// Received and settled (refunded or exchanged): nothing more to do.
        Closed = "closed",
        /// Withdrawn before anything arrived.
        Cancelled = "cancelled",
    }
);

string_enum!(
    /// Why the customer sends an item back.
    ReturnReason {
        TooSmall = "too_small",
        TooLarge = "too_large",
        Damaged = "damaged",
        Defective = "defective",
        NotAsDescribed = "not_as_described",
        WrongItem = "wrong_item",
        ChangedMind = "changed_mind",
        ArrivedLate = "arrived_late",
        Other = "other",
    }
);

impl ReturnReason {
    /// Whether the seller is at fault: then the shipping is refunded and no
    /// restocking fee is kept.
    pub fn seller_fault(self) -> bool {
        match self {
            ReturnReason::Damaged
            | ReturnReason::Defective
            | ReturnReason::NotAsDescribed
            | ReturnReason::WrongItem => true,
            ReturnReason::TooSmall
            | ReturnReason::TooLarge
            | ReturnReason::ChangedMind
            | ReturnReason::ArrivedLate
            | ReturnReason::Other => false,
        }
    }
}

string_enum!(
    /// What the returning location does with an item it received.
    Disposition {
        /// Back to sellable stock through the ledger.
        Restock = "restock",
        /// Counted, but not sellable until inspected.
        Quarantine = "quarantine",
        /// Written off: recorded on the return only.
        Scrap = "scrap",
    }
);

string_enum!(
    /// How a return was settled.
    SettlementKind {
        Refund = "refund",
        Exchange = "exchange",
    }
);

string_enum!(
    /// Where an order's returns stand, derived from them.
    OrderReturnStatus {
        None = "none",
        /// A return is open and nothing has arrived yet.
        Requested = "requested",
        /// Some shipped units came back.
        PartiallyReturned = "partially_returned",
        /// Every shipped unit came back.
        Returned = "returned",
    }
);

string_enum!(
    /// What went wrong on the way to the customer.
    ClaimReason {
        ItemMissing = "item_missing",
        DamagedInTransit = "damaged_in_transit",
        WrongItemSent = "wrong_item_sent",
    }
);

string_enum!(
    /// How a claim is made good.
    ClaimResolution {
        /// The money for the lines goes back.
        Refund = "refund",
        /// The lines are sent again, free.
        Replacement = "replacement",
    }
);

/// What an operator, the customer or a receipt asks of a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnAction {
    Authorize,
    Reject,
    /// Items arrived; `completes` when nothing authorized is outstanding afterwards.
    Receive {
        completes: bool,
    },
    /// Settle the return by a replacement order instead of a refund.
    Exchange,
    /// Approve its refund (a role that may refund), for a return authorized without
    /// that approval; what is due is refunded now.
    ApproveRefund,
    /// Received and settled.
    Close,
    Cancel,
}

impl ReturnStatus {
    /// Returns that ended before anything arrived (rejected or cancelled): their units
    /// do not count against the order and may be asked for again.
    pub const VOID: &'static [ReturnStatus] = &[ReturnStatus::Rejected, ReturnStatus::Cancelled];
    /// Returns still waiting for something: a decision, the items, or the rest of them.
    pub const OPEN: &'static [ReturnStatus] = &[
        ReturnStatus::Requested,
        ReturnStatus::Authorized,
        ReturnStatus::PartiallyReceived,
    ];

    /// Whether the return's units count against the order's shipped units.
    pub fn counts(self) -> bool {
        !Self::VOID.contains(&self)
    }

    /// Whether the return still waits for a decision or for items.
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }
}

impl ReturnAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReturnAction::Authorize => "authorize",
            ReturnAction::Reject => "reject",
            ReturnAction::Receive { .. } => "receive",
            ReturnAction::Exchange => "exchange",
            ReturnAction::ApproveRefund => "approve the refund of",
            ReturnAction::Close => "close",
            ReturnAction::Cancel => "cancel",
        }
    }
}

/// An action that is not legal in the return's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a return that is {from}", action.as_str())]
pub struct ReturnTransitionError {
    pub from: ReturnStatus,
    pub action: ReturnAction,
}

/// The return lifecycle: the one place that says which action is legal when.
pub fn transition(from: ReturnStatus, action: ReturnAction) -> Result<ReturnStatus, ReturnTransitionError> {
    use ReturnAction as A;
    use ReturnStatus as S;
    let to = match (from, action) {
        (S::Requested, A::Authorize) => S::Authorized,
        (S::Requested, A::Reject) => S::Rejected,
        (S::Authorized | S::PartiallyReceived, A::Receive { completes: false }) => S::PartiallyReceived,
        (S::Authorized | S::PartiallyReceived, A::Receive { completes: true }) => S::Received,
        // The replacement goes out before the items come back.
        (S::Authorized, A::Exchange) => S::Authorized,
        (S::Received, A::Close) => S::Closed,
        (S::Requested | S::Authorized, A::Cancel) => S::Cancelled,
        // Approving a refund changes what the return may pay, not where it stands.
        (S::Authorized | S::PartiallyReceived | S::Received, A::ApproveRefund) => from,
        (S::Requested, A::Receive { .. } | A::Exchange | A::ApproveRefund | A::Close)
        | (S::Authorized, A::Authorize | A::Reject | A::Close)
        | (S::PartiallyReceived, A::Authorize | A::Reject | A::Exchange | A::Close | A::Cancel)
        | (S::Received, A::Authorize | A::Reject | A::Receive { .. } | A::Exchange | A::Cancel)
        | (
            S::Rejected | S::Closed | S::Cancelled,
            A::Authorize | A::Reject | A::Receive { .. } | A::Exchange | A::ApproveRefund | A::Close | A::Cancel,
        ) => return Err(ReturnTransitionError { from, action }),
    };
    Ok(to)
}

/// The RMA number of the `n`th return: the return label's reference.
pub fn rma_number(n: i64) -> String {
    format!("RMA-{n}")
}

/// A shipment that carried one of a return's lines: when and where from it left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippedFrom {
    pub line_no: i64,
    pub shipped_at: Timestamp,
    pub location: LocationId,
}

/// Where a return's items go back to unless the operator names a location: the
/// location that shipped the return's first line (its latest shipment, when the line
/// left in several). `None` when none of its lines left in a shipment.
pub fn default_location(shipments: &[ShippedFrom]) -> Option<LocationId> {
    shipments
        .iter()
        .min_by_key(|s| (s.line_no, std::cmp::Reverse(s.shipped_at)))
        .map(|s| s.location.clone())
}

/// A return that was never authorized: it has no label to print.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("return {number} is not authorized: it has no label")]
pub struct NoLabel {
    pub number: String,
}

/// Only an authorized return has a label: once a return was authorized (`authorized_at`)
/// and has a returning address (`ship_to`), its label goes there and is dated the
/// authorization. A return never authorized has none.
pub fn label<'a>(
    number: &str,
    authorized_at: Option<Timestamp>,
    ship_to: Option<&'a Address>,
) -> Result<(&'a Address, Timestamp), NoLabel> {
    match (ship_to, authorized_at) {
        (Some(to), Some(at)) => Ok((to, at)),
        _ => Err(NoLabel {
            number: number.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests;
