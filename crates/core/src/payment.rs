//! Payments: who collects an order's money and when it is taken, what each payment
//! transaction may do to an order's totals, the payment status those totals mean, each
//! shipment's (or cancelled line's) share of the money, refund planning, and the
//! providers behind one trait.
//!
//! The totals are the only source of the payment status: an order's `payment_status`
//! is always `PaymentTotals::status` of its recorded transactions.

use serde::{Deserialize, Serialize};

use crate::auth::Permission;
use crate::money::{Money, MoneyError};
use crate::order::PaymentStatus;
use crate::validation::{self, Invalid};

string_enum!(
    /// Who takes an order's money.
    PaymentProvider {
        /// Collected offline: invoices, cash or card at the point of sale.
        Manual = "manual",
        /// The marketplace collected it and pays the seller out.
        Channel = "channel",
        /// Deterministic outcomes for demos and tests.
        Test = "test",
    }
);

string_enum!(
    /// When an order's money is taken.
    CaptureMode {
        /// Authorized when placed; each shipment captures its share.
        OnShipment = "on_shipment",
        /// Captured in full when placed.
        OnPlacement = "on_placement",
    }
);

string_enum!(
    /// What one payment transaction did.
    TransactionKind {
        /// Money reserved on the customer's payment method.
        Authorization = "authorization",
        /// Authorized money taken.
        Capture = "capture",
        /// Authorized money given up without being taken.
        Void = "void",
        /// Captured money given back.
        Refund = "refund",
    }
);

string_enum!(
    /// How the provider answered an authorization attempt.
    AttemptStatus {
        /// Asked, and the provider's answer is not in yet.
        Pending = "pending",
        Approved = "approved",
        Declined = "declined",
        /// The provider failed to answer; the attempt may be retried.
        Failed = "failed",
    }
);

string_enum!(
    /// Why money was given back; kept for reporting.
    RefundReason {
        /// Goods came back.
        Return = "return",
        /// A claim (missing, damaged in transit, wrong item) resolved as a refund.
        Claim = "claim",
        /// Goodwill, with an appeasement reason; nothing comes back.
        Appeasement = "appeasement",
        /// Lines or an order cancelled after their money was captured.
        Cancellation = "cancellation",
        /// An exchange for cheaper goods.
        ExchangeDifference = "exchange_difference",
        Other = "other",
    }
);

impl RefundReason {
    /// The permission giving money back for this reason needs: goodwill `Appease`
    /// (within `APPEASEMENT_LIMIT_PERCENT` of the capture unless the role may also
    /// refund); a cancellation what cancelling needs, `ManageOrders`, since it only
    /// gives back what was captured for lines that never left (`cancellation_refund`);
    /// anything else `Refund`.
    pub fn permission(self) -> Permission {
        match self {
            RefundReason::Appeasement => Permission::Appease,
            RefundReason::Cancellation => Permission::ManageOrders,
            RefundReason::Return | RefundReason::Claim | RefundReason::ExchangeDifference | RefundReason::Other => {
                Permission::Refund
            }
        }
    }
}

string_enum!(
    /// Why a goodwill (appeasement) refund was given.
    AppeasementReason {
        LateDelivery = "late_delivery",
        DamagedPackaging = "damaged_packaging",
        ServiceIssue = "service_issue",
        PriceMatch = "price_match",
        Other = "other",
    }
);

/// A reference to the customer's payment method issued by the provider (a card token,
/// an invoice or till reference). Never a card number: anything that looks like one is
/// refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "tok_visa_4242"))]
#[serde(try_from = "String", into = "String")]
pub struct PaymentToken(String);

impl PaymentToken {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let value = validation::code(raw, "a payment token")?;
        let digits = value.chars().filter(char::is_ascii_digit).count();
        if (12..=19).contains(&digits) && value.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Err(Invalid::new(
                "card_number",
                "looks like a card number; send the token your payment provider issued, never the number",
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PaymentToken {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw).map_err(|e| e.message)
    }
}

impl From<PaymentToken> for String {
    fn from(token: PaymentToken) -> String {
        token.0
    }
}

/// A transaction the rules refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("the amount must be more than zero")]
    NotPositive,
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error("{requested} is more than the {remaining} authorized and neither captured nor voided")]
    ExceedsCapturable { requested: Money, remaining: Money },
    #[error("{requested} is more than the {remaining} captured and not yet refunded")]
    ExceedsRefundable { requested: Money, remaining: Money },
}

/// What an order's payment transactions add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentTotals {
    pub authorized: Money,
    pub captured: Money,
    pub voided: Money,
    pub refunded: Money,
}

impl PaymentTotals {
    pub fn zero(currency: crate::Currency) -> Self {
        let zero = Money::zero(currency);
        PaymentTotals {
            authorized: zero,
            captured: zero,
            voided: zero,
            refunded: zero,
        }
    }

    /// What recorded transactions add up to (as recorded: no rule is applied).
    pub fn sum(
        currency: crate::Currency,
        transactions: impl IntoIterator<Item = (TransactionKind, Money)>,
    ) -> Result<Self, MoneyError> {
        let mut t = PaymentTotals::zero(currency);
        for (kind, amount) in transactions {
            let total = match kind {
                TransactionKind::Authorization => &mut t.authorized,
                TransactionKind::Capture => &mut t.captured,
                TransactionKind::Void => &mut t.voided,
                TransactionKind::Refund => &mut t.refunded,
            };
            *total = total.checked_add(amount)?;
        }
        Ok(t)
    }

    /// Authorized money still to be captured or voided: `authorized - captured - voided`.
    pub fn capturable(&self) -> Money {
        Money::new(
            self.authorized.amount - self.captured.amount - self.voided.amount,
            self.authorized.currency,
        )
    }

    /// Whether the totals obey the rules every transaction is checked against:
    /// `0 <= refunded <= captured <= authorized - voided` (what `switchyard check` asks).
    pub fn is_consistent(&self) -> bool {
        let (a, c, v, r) = (
            self.authorized.amount,
            self.captured.amount,
            self.voided.amount,
            self.refunded.amount,
        );
        0 <= r && r <= c && a.checked_sub(v).is_some_and(|left| c <= left)
    }

    /// Whether the order may ask for its money (again): not while any is authorized
    /// and not yet captured or voided, nor once any was captured.
    pub fn needs_authorization(&self) -> bool {
        self.capturable().amount <= 0 && self.captured.amount <= 0
    }

    /// Captured money that may still be given back: `captured - refunded`.
    pub fn refundable(&self) -> Money {
        Money::new(self.captured.amount - self.refunded.amount, self.captured.currency)
    }

    /// The totals after one more transaction, or why the rules refuse it: nothing is
    /// captured or voided beyond what is authorized and neither, nothing refunded beyond
    /// what is captured and not yet refunded.
    pub fn apply(&self, kind: TransactionKind, amount: Money) -> Result<PaymentTotals, PaymentError> {
        if amount.amount <= 0 {
            return Err(PaymentError::NotPositive);
        }
        let mut next = *self;
        match kind {
            TransactionKind::Authorization => next.authorized = self.authorized.checked_add(amount)?,
            TransactionKind::Capture | TransactionKind::Void => {
                let remaining = self.capturable();
                if amount.checked_sub(remaining)?.amount > 0 {
                    return Err(PaymentError::ExceedsCapturable {
                        requested: amount,
                        remaining,
                    });
                }
                if kind == TransactionKind::Capture {
                    next.captured = self.captured.checked_add(amount)?;
                } else {
                    next.voided = self.voided.checked_add(amount)?;
                }
            }
            TransactionKind::Refund => {
                let remaining = self.refundable();
                if amount.checked_sub(remaining)?.amount > 0 {
                    return Err(PaymentError::ExceedsRefundable {
                        requested: amount,
                        remaining,
                    });
                }
                next.refunded = self.refunded.checked_add(amount)?;
            }
        }
        Ok(next)
    }

    /// The payment status these totals mean for an order of total `due`. `by_channel`:
    /// the money was collected by the marketplace (the `channel` provider).
    ///
    /// - `refunded` / `partially_refunded` once anything is refunded, all of the
    ///   captured money or part of it;
    /// - `paid_by_channel` when the channel collected it;
    /// - `partially_paid` when part is captured and the rest is still authorized (a
    ///   split order, some shipments gone); `paid` when nothing is left to capture;
    /// - `voided` when everything authorized was voided, `authorized` while it waits;
    /// - `pending` when nothing is authorized (none asked yet, or declined), unless
    ///   nothing is due (a free replacement): then `paid`.
    pub fn status(&self, by_channel: bool, due: Money) -> PaymentStatus {
        let (captured, refunded) = (self.captured.amount, self.refunded.amount);
        if refunded > 0 {
            return if refunded >= captured {
                PaymentStatus::Refunded
            } else {
                PaymentStatus::PartiallyRefunded
            };
        }
        if captured > 0 {
            return if by_channel {
                PaymentStatus::PaidByChannel
            } else if self.capturable().amount > 0 {
                PaymentStatus::PartiallyPaid
            } else {
                PaymentStatus::Paid
            };
        }
        match (self.authorized.amount, self.capturable().amount) {
            (0, _) if due.amount == 0 => PaymentStatus::Paid,
            (0, _) => PaymentStatus::Pending,
            (_, 0) => PaymentStatus::Voided,
            _ => PaymentStatus::Authorized,
        }
    }
}

/// `quantity` of a line's `ordered` units' share of its `total` (which includes its
/// discount and tax), rounded down; exact in 128 bits.
pub fn line_share(total: Money, ordered: i64, quantity: i64) -> Money {
    let share = i128::from(total.amount) * i128::from(quantity) / i128::from(ordered.max(1));
    Money::new(i64::try_from(share).unwrap_or(total.amount), total.currency)
}

/// Part of an order line that a capture, void or refund covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinePart {
    pub line_no: i64,
    /// The line's total, discount and tax included.
    pub total: Money,
    /// Units ordered on the line.
    pub ordered: i64,
    /// Units covered now.
    pub quantity: i64,
}

/// What a capture, void or refund covered of each line, as recorded with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoveredLine {
    pub line_no: i64,
    pub quantity: i64,
    pub amount: Money,
}

/// An amount of money and what it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub amount: Money,
    pub lines: Vec<CoveredLine>,
    /// The shipping and its tax included in `amount`.
    pub shipping: Money,
}

fn share(totals: &PaymentTotals, parts: &[LinePart], shipping: Money, last: bool) -> Result<Share, MoneyError> {
    let remaining = totals.capturable();
    let lines: Vec<CoveredLine> = parts
        .iter()
        .map(|p| CoveredLine {
            line_no: p.line_no,
            quantity: p.quantity,
            amount: line_share(p.total, p.ordered, p.quantity),
        })
        .collect();
    let wanted = Money::sum(remaining.currency, lines.iter().map(|l| l.amount))?.checked_add(shipping)?;
    let amount = if last || wanted.amount > remaining.amount {
        remaining
    } else {
        wanted
    };
    Ok(Share {
        amount,
        lines,
        shipping,
    })
}

/// What shipping `parts` captures: each line's share, plus the shipping and its tax
/// (`shipping`) with the order's first capture; the order's `last` shipment captures
/// all that is left, so the captures of an order always add up to its total. Never
/// more than is capturable.
pub fn capture_share(
    totals: &PaymentTotals,
    parts: &[LinePart],
    shipping: Money,
    last: bool,
) -> Result<Share, MoneyError> {
    let first = totals.captured.amount == 0;
    let shipping = if first {
        shipping
    } else {
        Money::zero(shipping.currency)
    };
    share(totals, parts, shipping, last)
}

/// What cancelling `parts` voids: each line's share of what is still authorized, or
/// all of it when nothing is `left` to ship.
pub fn void_share(totals: &PaymentTotals, parts: &[LinePart], left: bool) -> Result<Share, MoneyError> {
    share(totals, parts, Money::zero(totals.capturable().currency), !left)
}

/// The order's shipping charge: the shipping and its tax.
pub fn shipping_charge(shipping: Money, tax: Money) -> Result<Money, MoneyError> {
    shipping.checked_add(tax)
}

/// What transactions cover of one order line: units and money, summed with checks.
pub fn covered_line<'a>(
    currency: crate::Currency,
    covered: impl IntoIterator<Item = &'a CoveredLine>,
    line_no: i64,
) -> Result<(i64, Money), MoneyError> {
    let mut units = 0i64;
    let mut amount = Money::zero(currency);
    for line in covered.into_iter().filter(|l| l.line_no == line_no) {
        units = units.checked_add(line.quantity).ok_or(MoneyError::Overflow)?;
        amount = amount.checked_add(line.amount)?;
    }
    Ok((units, amount))
}

/// How long a payment request may wait for its provider's answer before the sweep
/// asks the provider again (by the request's id, so it is never charged twice): a
/// request older than this was left by a process that stopped before it heard back.
pub const PENDING_REQUEST_SWEEP_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

mod gateway;
mod refund;

pub use gateway::*;
pub use refund::*;

#[cfg(test)]
mod tests;
