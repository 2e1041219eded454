//! Orders: what a valid order is, how its totals are computed, and the legal moves of
//! its status dimensions. Each lifecycle has one transition function, an exhaustive
//! match on (state, action): callers carry no allow-lists of their own.

use jiff::Timestamp;

use crate::validation::Invalid;

string_enum!(
    /// The order's own lifecycle.
    OrderStatus {
        Open = "open",
        OnHold = "on_hold",
        Completed = "completed",
        Cancelled = "cancelled",
    }
);

string_enum!(
    /// What an operator or a process asks of an order.
    OrderAction {
        Hold = "hold",
        Release = "release",
        Cancel = "cancel",
        CancelLine = "cancel_line",
        Complete = "complete",
        Reroute = "reroute",
        /// Release, pick, pack or ship the order's goods.
        Fulfil = "fulfil",
    }
);

string_enum!(
    /// Where the goods of an order are, derived from its lines.
    FulfilmentStatus {
        Unallocated = "unallocated",
        Backordered = "backordered",
        Allocated = "allocated",
        PartiallyShipped = "partially_shipped",
        Shipped = "shipped",
        Delivered = "delivered",
    }
);

string_enum!(
    /// Where the money of an order is, derived from its payment records.
    PaymentStatus {
        Pending = "pending",
        Authorized = "authorized",
        /// Part captured (some shipments of a split order have left), the rest authorized.
        PartiallyPaid = "partially_paid",
        Paid = "paid",
        PartiallyRefunded = "partially_refunded",
        Refunded = "refunded",
        Voided = "voided",
        PaidByChannel = "paid_by_channel",
    }
);

string_enum!(
    /// The state of one order line.
    LineStatus {
        /// Stock is reserved at a location.
        Allocated = "allocated",
        /// No eligible location had the stock; waiting for it.
        Backordered = "backordered",
        Cancelled = "cancelled",
        /// Left the location in a shipment.
        Shipped = "shipped",
        /// The carrier delivered the shipment it left in.
        Delivered = "delivered",
    }
);

string_enum!(
    /// Why an order is held back from fulfilment.
    HoldReason {
        Payment = "payment",
        FraudReview = "fraud_review",
        Address = "address",
        CustomerRequest = "customer_request",
        /// A channel that already took the customer's money sent an order there was no
        /// stock for, and its policy refuses backorders: an operator decides.
        Stock = "stock",
        Other = "other",
    }
);

string_enum!(
    /// How fast the customer asked for delivery.
    ServiceLevel {
        Standard = "standard",
        Express = "express",
        NextDay = "next_day",
    }
);

string_enum!(
    /// What happened to an order, as recorded on its timeline and in the outbox.
    OrderEventKind {
        Placed = "order.placed",
        Allocated = "order.allocated",
        Backordered = "order.backordered",
        Held = "order.held",
        Released = "order.released",
        LineCancelled = "order.line_cancelled",
        Cancelled = "order.cancelled",
        Rerouted = "order.rerouted",
        /// Reserved stock went to a location's floor as a shipment.
        ShipmentReleased = "order.shipment_released",
        /// A pick found fewer units than the shipment needs; the line went back to routing.
        ShortPicked = "order.short_picked",
        ShipmentCancelled = "order.shipment_cancelled",
        Shipped = "order.shipped",
        Delivered = "order.delivered",
        /// The carrier reported a problem (failed delivery, damage, address).
        ShipmentException = "order.shipment_exception",
        ShipmentReturned = "order.shipment_returned",
        Completed = "order.completed",
        PaymentAuthorized = "order.payment_authorized",
        /// The provider declined or failed; the order is held for payment.
        PaymentDeclined = "order.payment_declined",
        PaymentCaptured = "order.payment_captured",
        /// The provider did not approve a capture, void or refund; the money stays where it was.
        PaymentFailed = "order.payment_failed",
        PaymentVoided = "order.payment_voided",
        Refunded = "order.refunded",
        ReturnRequested = "order.return_requested",
        ReturnAuthorized = "order.return_authorized",
        /// A role that may refund approved the refund of a return authorized without it.
        ReturnRefundApproved = "order.return_refund_approved",
        ReturnRejected = "order.return_rejected",
        ReturnCancelled = "order.return_cancelled",
        /// Items of a return arrived at the returning location.
        ReturnReceived = "order.return_received",
        /// A return was refunded or exchanged.
        ReturnSettled = "order.return_settled",
        /// Goods went wrong on the way: missing, damaged in transit, the wrong item.
        ClaimFiled = "order.claim_filed",
        /// The customer was asked for feedback (the link their email carries).
        FeedbackRequested = "order.feedback_requested",
        /// The customer answered a feedback request.
        FeedbackReceived = "order.feedback_received",
        /// A shipment's promised delivery passed and the carrier has not delivered it.
        RunningLate = "order.running_late",
        /// The customer was sent an email (its kind and subject; never its text).
        EmailSent = "order.email_sent",
        /// The channel cancelled the order, and nothing could be done about it here on
        /// its own (the goods left, or it was already held): an operator decides.
        ChannelCancelled = "order.channel_cancelled",
        /// Staff wrote an internal note on the order (never shown to the customer).
        NoteAdded = "order.note_added",
        /// Staff asked for an email the customer was sent to be sent again.
        EmailResent = "order.email_resent",
    }
);

/// An action that is not legal in the order's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} an order that is {from}")]
pub struct TransitionError {
    pub from: OrderStatus,
    pub action: OrderAction,
}

/// The order lifecycle: the one place that says which action is legal when.
pub fn transition(from: OrderStatus, action: OrderAction) -> Result<OrderStatus, TransitionError> {
    use OrderAction as A;
    use OrderStatus as S;
    let to = match (from, action) {
        (S::Open, A::Hold) => S::OnHold,
        (S::OnHold, A::Release) => S::Open,
        (S::Open | S::OnHold, A::Cancel) => S::Cancelled,
        (S::Open, A::CancelLine | A::Reroute) => S::Open,
        (S::OnHold, A::CancelLine | A::Reroute) => S::OnHold,
        (S::Open, A::Complete) => S::Completed,
        // Held orders keep their stock, but none of it is released, packed or shipped.
        (S::Open, A::Fulfil) => S::Open,
        (S::Open, A::Release)
        | (S::OnHold, A::Hold | A::Complete | A::Fulfil)
        | (
            S::Completed | S::Cancelled,
            A::Hold | A::Release | A::Cancel | A::CancelLine | A::Complete | A::Reroute | A::Fulfil,
        ) => {
            return Err(TransitionError { from, action });
        }
    };
    Ok(to)
}

/// A hold may end only in the future.
pub fn hold_until(until: Timestamp, now: Timestamp) -> Result<Timestamp, Invalid> {
    if until > now {
        Ok(until)
    } else {
        Err(Invalid::new("in_the_past", "must be in the future"))
    }
}

/// Longest internal note on an order.
pub const NOTE_MAX: usize = 2000;

/// An internal note staff write on an order: trimmed, not blank, at most 2,000 characters.
pub fn note(raw: &str) -> Result<String, Invalid> {
    crate::validation::text(raw, NOTE_MAX)
}

/// The fulfilment status of an order whose lines are `lines`; cancelled lines do not
/// count. Goods on their way win over goods waiting: an order with one line shipped
/// and one backordered is `partially_shipped` (its lines say which one waits).
pub fn fulfilment_status(lines: impl IntoIterator<Item = LineStatus>) -> FulfilmentStatus {
    let (mut allocated, mut backordered, mut shipped, mut delivered) = (0, 0, 0, 0);
    for status in lines {
        match status {
            LineStatus::Allocated => allocated += 1,
            LineStatus::Backordered => backordered += 1,
            LineStatus::Shipped => shipped += 1,
            LineStatus::Delivered => delivered += 1,
            LineStatus::Cancelled => {}
        }
    }
    match (allocated + backordered, shipped, delivered) {
        (0, 0, 0) => FulfilmentStatus::Unallocated,
        (0, 0, _) => FulfilmentStatus::Delivered,
        (0, _, _) => FulfilmentStatus::Shipped,
        (_, s, d) if s + d > 0 => FulfilmentStatus::PartiallyShipped,
        _ if backordered > 0 => FulfilmentStatus::Backordered,
        _ => FulfilmentStatus::Allocated,
    }
}
mod input;
mod lines;
mod lookup;

pub use input::*;
pub use lines::*;
pub use lookup::{CONTACT_FIELD, Lookup, NUMBER_FIELD};

#[cfg(test)]
mod tests;
