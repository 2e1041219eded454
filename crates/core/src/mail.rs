//! Customer emails: which outbox message becomes which email, and what a channel lets
//! through. The server renders and sends; the decisions are here, so the fan-out that
//! picks destinations and the sender that makes the try agree on one rule.
//!
//! - Each kind comes from exactly one message topic (`kind_for`), so one change never
//!   mails the customer twice. The timeline entry a sent email leaves
//!   (`order.email_sent`) maps to none, so an email never causes another.
//! - A channel turns kinds off (`ChannelEmail`); marketplaces that mail their own
//!   customers start with every kind off.

use serde_json::Value;

use crate::returns::EXCHANGE_SUFFIX;
use crate::validation::{self, Invalid};

mod settings;

pub use settings::{ChannelEmail, ChannelEmailInput, SENDER_NAME_MAX, mails_its_customers};

string_enum!(
    /// A customer email, one per step of an order the customer cares about.
    EmailKind {
        /// The order was placed.
        OrderReceived = "order_received",
        /// Some items wait for stock, with the date it is expected.
        Backordered = "backordered",
        /// A parcel left: carrier, tracking number and link, what is in it.
        Shipped = "shipped",
        OutForDelivery = "out_for_delivery",
        Delivered = "delivered",
        /// A parcel's promised delivery passed and it has not arrived.
        RunningLate = "running_late",
        /// The order, or some of its lines, was cancelled.
        Cancelled = "cancelled",
        /// Money went back: how much and what for.
        RefundIssued = "refund_issued",
        /// A return may be sent, with its label.
        ReturnAuthorized = "return_authorized",
        ReturnReceived = "return_received",
        /// A replacement order went out for a returned item.
        ExchangePlaced = "exchange_placed",
        /// The payment was not approved and the order waits for it.
        PaymentFailed = "payment_failed",
        /// Days after delivery: how was it? With a link to rate each item and the delivery.
        FeedbackRequest = "feedback_request",
    }
);

/// What an order event's `data.cause` says when the order was cancelled because its
/// last line was: the line's own cancellation already told the customer.
pub const CAUSE_NO_LINES_LEFT: &str = "no_lines_left";

/// The customer email an outbox message becomes, if any. `payload` is the message as
/// written: an order event's `{order_id, kind, message, data, at}`, or a shipment's
/// status change `{shipment_id, order_id, status, ...}`.
pub fn kind_for(topic: &str, payload: &Value) -> Option<EmailKind> {
    let data = payload.get("data").unwrap_or(&Value::Null);
    let text = |key: &str| data.get(key).and_then(Value::as_str);
    let kind = match topic {
        "order.placed" if text("external_id").is_some_and(|id| id.ends_with(EXCHANGE_SUFFIX)) => {
            EmailKind::ExchangePlaced
        }
        "order.placed" => EmailKind::OrderReceived,
        "order.backordered" => EmailKind::Backordered,
        "order.shipped" => EmailKind::Shipped,
        "shipment.out_for_delivery" => EmailKind::OutForDelivery,
        "order.delivered" => EmailKind::Delivered,
        "order.running_late" => EmailKind::RunningLate,
        "order.cancelled" if text("cause") == Some(CAUSE_NO_LINES_LEFT) => return None,
        "order.cancelled" | "order.line_cancelled" => EmailKind::Cancelled,
        "order.refunded" => EmailKind::RefundIssued,
        "order.return_authorized" => EmailKind::ReturnAuthorized,
        "order.return_received" => EmailKind::ReturnReceived,
        // Held for payment: declined at placement or later. Other holds are the
        // seller's business, not the customer's.
        "order.held" if text("reason") == Some("payment") => EmailKind::PaymentFailed,
        "order.feedback_requested" => EmailKind::FeedbackRequest,
        _ => return None,
    };
    Some(kind)
}

impl EmailKind {
    /// Whether the email links to this server's customer pages, and so cannot be sent
    /// without knowing where customers reach them (`--public-url`).
    pub fn links_to_our_pages(self) -> bool {
        self == EmailKind::FeedbackRequest
    }
}

/// Why an email is not sent, for the attempt's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The message is not one the customer is mailed about.
    NotAnEmail,
    NoAddress,
    /// The channel turned this kind off.
    TurnedOff(EmailKind),
}

impl Skip {
    pub fn describe(self) -> String {
        match self {
            Skip::NotAnEmail => "no customer email for this message".into(),
            Skip::NoAddress => "no email address".into(),
            Skip::TurnedOff(kind) => format!("{kind} emails are turned off for this channel"),
        }
    }
}

/// Whether to mail the customer about this message, and which email to whom: the kind
/// for the topic, turned on for the channel, to an address that looks like one.
pub fn decide(
    topic: &str,
    payload: &Value,
    channel: &ChannelEmail,
    customer_email: &str,
) -> Result<(EmailKind, String), Skip> {
    let kind = kind_for(topic, payload).ok_or(Skip::NotAnEmail)?;
    let to = recipient(customer_email).ok_or(Skip::NoAddress)?;
    if !channel.sends(kind) {
        return Err(Skip::TurnedOff(kind));
    }
    Ok((kind, to))
}

/// The address to mail, when the order has one: marketplaces may pass none, or a
/// placeholder that is no address.
pub fn recipient(customer_email: &str) -> Option<String> {
    validation::email(customer_email).ok()
}

/// An email's subject: one line of visible text, so a template cannot smuggle a header
/// in. Runs of whitespace (a template's line breaks) become one space.
pub fn subject(rendered: &str) -> Result<String, Invalid> {
    let line = rendered.split_whitespace().collect::<Vec<_>>().join(" ");
    validation::visible(&line, validation::TextKind::Line)?;
    validation::text(&line, 250)
}

#[cfg(test)]
mod tests;
