//! The order's lines and what they decide for the order: the line lifecycle (one
//! transition function), which lines a placement reserves or refuses, what cancelling
//! or delivering a line does to the order, what a payment attempt does to its hold,
//! and which lines a ship-complete order moves together.

use serde::Deserialize;

use super::{HoldReason, LineStatus, OrderAction, OrderStatus, TransitionError, transition};
use crate::catalog::ShortagePolicy;
use crate::money::Money;
use crate::payment::PaymentProvider;
use std::collections::BTreeSet;

use crate::id::ProductId;
use crate::routing::{Line, Site, SplitPolicy};
use crate::validation::{FieldError, Validator, optional_text};

string_enum!(
    /// What happens to one order line.
    LineAction {
        /// Stock is reserved for it at a location.
        Allocate = "allocate",
        /// It waits for stock (no location can serve it, or its stock went back).
        Backorder = "backorder",
        Cancel = "cancel",
        /// It left a location in a shipment.
        Ship = "ship",
        /// The carrier delivered its shipment.
        Deliver = "deliver",
    }
);

/// A line action that is not legal in the line's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a line that is {from}")]
pub struct LineTransitionError {
    pub from: LineStatus,
    pub action: LineAction,
}

/// The line lifecycle: the one place that says which action is legal when.
pub fn line_transition(from: LineStatus, action: LineAction) -> Result<LineStatus, LineTransitionError> {
    use LineAction as A;
    use LineStatus as S;
    let to = match (from, action) {
        (S::Allocated | S::Backordered, A::Allocate) => S::Allocated,
        (S::Allocated | S::Backordered, A::Backorder) => S::Backordered,
        (S::Allocated | S::Backordered, A::Cancel) => S::Cancelled,
        (S::Allocated, A::Ship) => S::Shipped,
        (S::Shipped, A::Deliver) => S::Delivered,
        (S::Backordered, A::Ship | A::Deliver)
        | (S::Allocated, A::Deliver)
        | (S::Shipped, A::Allocate | A::Backorder | A::Cancel | A::Ship)
        | (S::Delivered | S::Cancelled, A::Allocate | A::Backorder | A::Cancel | A::Ship | A::Deliver) => {
            return Err(LineTransitionError { from, action });
        }
    };
    Ok(to)
}

impl LineStatus {
    /// Lines still waiting to leave: reserved or backordered.
    pub const WAITING: &'static [LineStatus] = &[LineStatus::Allocated, LineStatus::Backordered];
    /// Lines whose goods have left.
    pub const WENT: &'static [LineStatus] = &[LineStatus::Shipped, LineStatus::Delivered];

    /// Reserved or backordered: the line has not left yet.
    pub fn is_waiting(self) -> bool {
        Self::WAITING.contains(&self)
    }

    /// Shipped or delivered.
    pub fn went(self) -> bool {
        Self::WENT.contains(&self)
    }
}

impl super::FulfilmentStatus {
    /// Orders whose goods have not all left: the backlog, with `OrderStatus::LIVE`.
    pub const NOT_SHIPPED: &'static [super::FulfilmentStatus] = &[
        super::FulfilmentStatus::Unallocated,
        super::FulfilmentStatus::Backordered,
        super::FulfilmentStatus::Allocated,
        super::FulfilmentStatus::PartiallyShipped,
    ];
}

impl OrderStatus {
    /// Orders that still hold stock and may change: open or on hold.
    pub const LIVE: &'static [OrderStatus] = &[OrderStatus::Open, OrderStatus::OnHold];

    /// Open or on hold.
    pub fn is_live(self) -> bool {
        Self::LIVE.contains(&self)
    }
}

/// A placement some of whose lines no location can serve now, on a channel that
/// refuses such orders.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} line(s) cannot be served now and the channel rejects short orders", .0.len())]
pub struct ShortOrder(pub Vec<usize>);

/// A new order's lines, and the hold it starts on, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedLines {
    pub lines: Vec<LineStatus>,
    /// `Some(Stock)` for an order a reject channel sent that cannot be served, when the
    /// channel already took the customer's money: it is kept, backordered and held for
    /// an operator, never refused (the sale happened; refusing would lose it).
    pub hold: Option<HoldReason>,
}

/// The status of each line of a new order, from whether routing found it a location,
/// the channel's shortage policy and who took the money; or the lines that make the
/// channel refuse the order.
pub fn placement_lines(
    served: &[bool],
    policy: ShortagePolicy,
    provider: PaymentProvider,
) -> Result<PlacedLines, ShortOrder> {
    let short: Vec<usize> = (0..served.len()).filter(|i| !served[*i]).collect();
    let hold = match (short.is_empty(), policy, provider) {
        (true, _, _) | (false, ShortagePolicy::Backorder, _) => None,
        (false, ShortagePolicy::Reject, PaymentProvider::Channel) => Some(HoldReason::Stock),
        (false, ShortagePolicy::Reject, PaymentProvider::Manual | PaymentProvider::Test) => {
            return Err(ShortOrder(short));
        }
    };
    let lines = served
        .iter()
        .map(|s| {
            if *s {
                LineStatus::Allocated
            } else {
                LineStatus::Backordered
            }
        })
        .collect();
    Ok(PlacedLines { lines, hold })
}

/// What a cancellation made on the channel does to the order here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelCancel {
    /// Cancel it: stock is released and pushed back to the channels.
    Cancel,
    /// Work has started on the floor (a shipment is being picked or packed): hold it
    /// with reason `customer_request` for an operator to stop the parcel or let it go.
    Hold,
    /// Tell the operator on the timeline only: the order is already held, or its goods
    /// have left, so neither cancelling nor holding is possible.
    Note,
    /// It is already cancelled: nothing to do (the channel told us twice).
    Nothing,
}

/// The one rule for a channel's cancellation, from the order's status and whether a
/// shipment of it has started on the floor.
pub fn channel_cancel(status: OrderStatus, floor_started: bool) -> ChannelCancel {
    match (status, floor_started) {
        (OrderStatus::Cancelled, _) => ChannelCancel::Nothing,
        (OrderStatus::Open | OrderStatus::OnHold, false) => ChannelCancel::Cancel,
        (OrderStatus::Open, true) => ChannelCancel::Hold,
        (OrderStatus::OnHold, true) | (OrderStatus::Completed, _) => ChannelCancel::Note,
    }
}

/// What of a refund the channel paid (`amount`) is recorded on an order that may still
/// refund `refundable`: all of it; what is left, when the channel returned more than
/// is left (the order was cancelled here first, and the cancellation recorded the money
/// as going back); or nothing, when nothing is left. The channel has paid it either
/// way, so it is never refused: a refused notice would be sent again and again.
pub fn channel_refund(amount: Money, refundable: Money) -> Option<Money> {
    if refundable.amount <= 0 || amount.amount <= 0 {
        return None;
    }
    Some(
        if amount.currency == refundable.currency && amount.amount > refundable.amount {
            refundable
        } else {
            amount
        },
    )
}

/// A line that could not be reserved.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShortLine {
    /// Index of the line in the request (0-based); lines of one SKU share the shortage.
    pub line: usize,
    pub sku: String,
    /// Units of this SKU the whole order asks for.
    pub requested: i64,
    /// The most any one eligible location has available.
    pub available: i64,
}

/// The lines a reject channel refuses: every line of a SKU that could not be served,
/// with what the order asks of that SKU in all and the most one location could give.
pub fn short_lines(
    skus: &[&str],
    wanted: &[(ProductId, i64)],
    lines: &[Line],
    sites: &[Site],
    assignment: &[Option<usize>],
) -> Vec<ShortLine> {
    let short: BTreeSet<&ProductId> = wanted
        .iter()
        .zip(assignment)
        .filter(|(_, s)| s.is_none())
        .map(|((p, _), _)| p)
        .collect();
    let units = |i: usize, site: &Site| {
        let per_unit = wanted[i].1.max(1);
        lines[i]
            .needs
            .iter()
            .map(|(p, q)| site.available.get(p).copied().unwrap_or(0).max(0) / (q / per_unit).max(1))
            .min()
            .unwrap_or(0)
    };
    skus.iter()
        .enumerate()
        .filter(|(i, _)| short.contains(&wanted[*i].0))
        .map(|(i, sku)| ShortLine {
            line: i,
            sku: (*sku).to_owned(),
            requested: wanted.iter().filter(|(p, _)| *p == wanted[i].0).map(|(_, q)| q).sum(),
            available: sites.iter().map(|s| units(i, s)).max().unwrap_or(0),
        })
        .collect()
}

/// What a change of its lines (one cancelled, or delivered) does to the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinesOutcome {
    /// The order stays as it is.
    Unchanged,
    /// No line is left: the order is cancelled with its last line.
    Cancelled,
    /// Every line left has been delivered: the order is completed.
    Completed,
}

impl LinesOutcome {
    /// The order's status after the outcome.
    pub fn status(self, from: OrderStatus) -> OrderStatus {
        match self {
            LinesOutcome::Unchanged => from,
            LinesOutcome::Cancelled => OrderStatus::Cancelled,
            LinesOutcome::Completed => OrderStatus::Completed,
        }
    }
}

/// The order (now `status`) after its lines became `lines`: cancelled when none is
/// left, completed when every line left is delivered and the order may complete
/// (a held order is not completed), otherwise unchanged.
pub fn after_lines_changed(
    status: OrderStatus,
    lines: impl IntoIterator<Item = LineStatus>,
) -> Result<LinesOutcome, TransitionError> {
    let live: Vec<LineStatus> = lines.into_iter().filter(|l| *l != LineStatus::Cancelled).collect();
    if live.is_empty() {
        transition(status, OrderAction::Cancel)?;
        return Ok(LinesOutcome::Cancelled);
    }
    if live.iter().all(|l| *l == LineStatus::Delivered) && transition(status, OrderAction::Complete).is_ok() {
        return Ok(LinesOutcome::Completed);
    }
    Ok(LinesOutcome::Unchanged)
}

/// What a payment attempt does to the order's hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentFollowUp {
    /// The order was held for payment and the money is now approved: release it.
    Release,
    /// The money was not approved: hold the open order for payment (its stock stays).
    HoldForPayment,
    /// Nothing changes.
    Nothing,
}

/// After a payment attempt on an order that is `status` (held for `hold`, if held):
/// an approved attempt releases a hold for payment; a declined or failed one holds an
/// open order for payment. Any other hold stays as it is.
pub fn after_payment_attempt(status: OrderStatus, hold: Option<HoldReason>, approved: bool) -> PaymentFollowUp {
    match (status, hold, approved) {
        (OrderStatus::OnHold, Some(HoldReason::Payment), true) => PaymentFollowUp::Release,
        (OrderStatus::Open, _, false) => PaymentFollowUp::HoldForPayment,
        _ => PaymentFollowUp::Nothing,
    }
}

/// The lines that move together when `moved` of them must (a short pick sends them
/// back to routing): all of `lines` when the order ships complete, else just `moved`.
pub fn lines_moving_together<T: PartialEq + Clone>(policy: SplitPolicy, lines: &[T], moved: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    let from = if policy == SplitPolicy::ShipComplete {
        lines
    } else {
        moved
    };
    for line in from {
        if !out.contains(line) {
            out.push(line.clone());
        }
    }
    out
}

/// Whether backordered lines may be routed now: a ship-complete order never has some
/// lines reserved and others waiting, so it routes only when none is reserved.
pub fn may_route_backorders(policy: SplitPolicy, allocated_lines: usize) -> bool {
    !policy.moves_whole() || allocated_lines == 0
}

/// Longest note on a hold.
pub const HOLD_NOTE_MAX: usize = 1000;

/// A hold as a client asks for it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HoldInput {
    pub reason: Option<HoldReason>,
    /// Why, in words (up to 1,000 characters).
    #[cfg_attr(feature = "openapi", schema(example = "AVS mismatch, calling the customer"))]
    pub note: Option<String>,
    /// When the hold should end (RFC 3339); the server releases it then.
    pub until: Option<jiff::Timestamp>,
}

/// A hold: why, a note, and when it should end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hold {
    pub reason: HoldReason,
    pub note: Option<String>,
    /// The hold is meant to end then; release it by hand or let the hold worker do it.
    pub until: Option<jiff::Timestamp>,
}

impl HoldInput {
    /// A valid hold, asked for at `now`: a reason, a note of at most 1,000 characters, and
    /// an end (if any) in the future.
    pub fn parse(&self, now: jiff::Timestamp) -> Result<Hold, Vec<FieldError>> {
        let mut v = Validator::new();
        let reason = v.require("/reason", self.reason);
        let note = v.check("/note", optional_text(self.note.as_deref(), HOLD_NOTE_MAX));
        let until = match self.until {
            Some(until) => v.check("/until", super::hold_until(until, now).map(Some)),
            None => Some(None),
        };
        v.finish(|| {
            Some(Hold {
                reason: reason?,
                note: note?,
                until: until?,
            })
        })
    }
}

impl Hold {
    /// The hold a declined or failed payment puts on an order.
    pub fn for_payment(message: Option<String>) -> Self {
        Hold {
            reason: HoldReason::Payment,
            note: message,
            until: None,
        }
    }
}

#[cfg(test)]
mod tests;
