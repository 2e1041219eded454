//! Payments: who collects an order's money and when it is taken, what each payment
//! transaction may do to an order's totals, the payment status those totals mean, each
//! shipment's (or cancelled line's) share of the money, refund planning, and the
//! providers behind one trait.
//!
//! The totals are the only source of the payment status: an order's `payment_status`
//! is always `PaymentTotals::status` of its recorded transactions.

use serde::{Deserialize, Serialize};

use crate::money::{Money, MoneyError};
use crate::order::PaymentStatus;
use crate::validation::{self, FieldError, Invalid, Validator};

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

/// One line of a refund request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundLine {
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub line_no: i64,
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub quantity: i64,
}

/// What to give back and why. The store prices it against what was charged and
/// already refunded, inside the transaction that records it (`plan_refund`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// Units of lines, each priced at its share of the line total (discount and tax
    /// included).
    pub lines: Vec<RefundLine>,
    /// The shipping and its tax, once.
    pub shipping: bool,
    /// Any further amount (goodwill, a price difference).
    pub amount: Option<Money>,
    /// Kept back from the lines (a restocking fee).
    pub fee: Option<Money>,
    pub reason: RefundReason,
    /// Required when `reason` is `appeasement`, refused otherwise.
    pub appeasement: Option<AppeasementReason>,
    pub note: Option<String>,
    /// What the refund settles, for people and reports: an RMA or claim number.
    pub reference: Option<String>,
}

impl RefundRequest {
    /// A refund of just `amount`.
    pub fn amount(amount: Money, reason: RefundReason) -> Self {
        RefundRequest {
            amount: Some(amount),
            ..RefundRequest::new(reason)
        }
    }

    /// A refund of nothing yet, for `reason`.
    pub fn new(reason: RefundReason) -> Self {
        RefundRequest {
            lines: Vec::new(),
            shipping: false,
            amount: None,
            fee: None,
            reason,
            appeasement: None,
            note: None,
            reference: None,
        }
    }
}

/// What an order line has been charged and given back, read with the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineLedger {
    pub line_no: i64,
    pub total: Money,
    pub ordered: i64,
    /// Units whose money was captured.
    pub charged: i64,
    /// Units already refunded, and for how much.
    pub refunded: i64,
    pub refunded_amount: Money,
}

/// What a refund is priced against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundLedger {
    pub totals: PaymentTotals,
    pub lines: Vec<LineLedger>,
    /// The order's shipping and its tax.
    pub shipping: Money,
    pub shipping_charged: bool,
    pub shipping_refunded: Money,
}

/// A priced refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundPlan {
    pub amount: Money,
    pub lines: Vec<CoveredLine>,
    pub shipping: Money,
    pub reason: RefundReason,
    pub appeasement: Option<AppeasementReason>,
    pub note: Option<String>,
    pub reference: Option<String>,
}

/// A refund the rules refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    #[error("the refund has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("{requested} is more than the {remaining} captured and not yet refunded")]
    ExceedsRefundable { requested: Money, remaining: Money },
}

fn same_currency(m: Money, currency: crate::Currency) -> Result<Money, Invalid> {
    if m.currency != currency {
        Err(Invalid::new(
            "currency_mismatch",
            format!("is in {}, but the order is in {currency}", m.currency),
        ))
    } else if m.amount <= 0 {
        Err(Invalid::new("out_of_range", "must be more than zero"))
    } else {
        Ok(m)
    }
}

/// Prices `request` without the refundable check.
fn price(ledger: &RefundLedger, request: &RefundRequest) -> Result<RefundPlan, RefundError> {
    let currency = ledger.totals.captured.currency;
    let mut v = Validator::new();
    let mut lines: Vec<CoveredLine> = Vec::new();
    for (i, wanted) in request.lines.iter().enumerate() {
        let Some(line) = ledger.lines.iter().find(|l| l.line_no == wanted.line_no) else {
            v.push(
                Invalid::new("unknown_line", format!("the order has no line {}", wanted.line_no))
                    .at(format!("/lines/{i}/line_no")),
            );
            continue;
        };
        let before: i64 = lines
            .iter()
            .filter(|l| l.line_no == line.line_no)
            .map(|l| l.quantity)
            .sum();
        let open = line.charged - line.refunded - before;
        if wanted.quantity < 1 {
            v.push(Invalid::new("out_of_range", "must be at least 1").at(format!("/lines/{i}/quantity")));
            continue;
        }
        if wanted.quantity > open {
            let message = format!(
                "line {} has {} unit(s) charged and not yet refunded; {} asked",
                line.line_no,
                open.max(0),
                wanted.quantity
            );
            v.push(Invalid::new("exceeds_refundable_quantity", message).at(format!("/lines/{i}/quantity")));
            continue;
        }
        let done = line.refunded + before + wanted.quantity;
        let given: i64 = lines
            .iter()
            .filter(|l| l.line_no == line.line_no)
            .map(|l| l.amount.amount)
            .sum();
        // The unit that completes a line takes what is left of its total: no drift.
        let amount = if done == line.ordered {
            Money::new(line.total.amount - line.refunded_amount.amount - given, currency)
        } else {
            line_share(line.total, line.ordered, wanted.quantity)
        };
        lines.push(CoveredLine {
            line_no: line.line_no,
            quantity: wanted.quantity,
            amount,
        });
    }
    let shipping = if request.shipping {
        let left = ledger.shipping.amount - ledger.shipping_refunded.amount;
        if !ledger.shipping_charged {
            v.push(Invalid::new("not_charged", "the shipping has not been charged").at("/shipping"));
        } else if left <= 0 {
            v.push(Invalid::new("already_refunded", "the shipping has already been refunded").at("/shipping"));
        }
        Money::new(left.max(0), currency)
    } else {
        Money::zero(currency)
    };
    let extra = v.check_opt("/amount", request.amount, |m| same_currency(m, currency));
    let fee = v.check_opt("/fee", request.fee, |m| same_currency(m, currency));
    match (request.reason, request.appeasement) {
        (RefundReason::Appeasement, None) => {
            v.push(Invalid::new("required", "is required for an appeasement").at("/appeasement_reason"))
        }
        (RefundReason::Appeasement, Some(_)) | (_, None) => {}
        (_, Some(_)) => v.push(Invalid::new("not_allowed", "is only for appeasements").at("/appeasement_reason")),
    }
    let note = v.check("/note", validation::optional_text(request.note.as_deref(), 1000));
    let reference = v.check(
        "/reference",
        validation::optional_text(request.reference.as_deref(), 128),
    );
    let goods = lines.iter().map(|l| l.amount.amount).sum::<i64>();
    let (extra, fee) = (extra.flatten(), fee.flatten());
    if let Some(fee) = fee
        && fee.amount > goods
    {
        v.push(
            Invalid::new(
                "out_of_range",
                format!(
                    "is more than the {} refunded for the lines",
                    Money::new(goods, currency)
                ),
            )
            .at("/fee"),
        );
    }
    let amount = goods + shipping.amount + extra.map_or(0, |m| m.amount) - fee.map_or(0, |m| m.amount);
    v.finish(|| {
        Some(RefundPlan {
            amount: Money::new(amount, currency),
            lines,
            shipping,
            reason: request.reason,
            appeasement: request.appeasement,
            note: note?,
            reference: reference?,
        })
    })
    .map_err(RefundError::Invalid)
}

/// Prices a refund: lines at their share of the line total (the unit that completes a
/// line takes what is left of it), the shipping once, plus any amount, less any fee.
/// A line's units are refunded at most once and only once charged; the whole refund
/// is never more than is captured and not yet refunded (the error names what is).
pub fn plan_refund(ledger: &RefundLedger, request: &RefundRequest) -> Result<RefundPlan, RefundError> {
    let plan = price(ledger, request)?;
    if plan.amount.amount <= 0 {
        let nothing = Invalid::new("required", "nothing to refund: give lines, shipping or an amount");
        return Err(RefundError::Invalid(vec![nothing.at("")]));
    }
    let remaining = ledger.totals.refundable();
    if plan.amount.amount > remaining.amount {
        return Err(RefundError::ExceedsRefundable {
            requested: plan.amount,
            remaining,
        });
    }
    Ok(plan)
}

/// Prices the refund a cancellation owes: like `plan_refund`, but never more than is
/// left to refund; `None` when that is nothing.
pub fn plan_cancellation_refund(
    ledger: &RefundLedger,
    request: &RefundRequest,
) -> Result<Option<RefundPlan>, RefundError> {
    let mut plan = price(ledger, request)?;
    let remaining = ledger.totals.refundable();
    plan.amount = Money::new(plan.amount.amount.min(remaining.amount), remaining.currency);
    Ok((plan.amount.amount > 0).then_some(plan))
}

/// What a provider is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct GatewayRequest<'a> {
    pub kind: TransactionKind,
    pub amount: Money,
    /// The payment method's token, when the customer gave one.
    pub token: Option<&'a str>,
    /// Our id for the transaction; providers derive their reference from it.
    pub transaction: &'a str,
}

/// Why a provider did not approve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// The customer's bank or the provider said no; retry with another method.
    #[error("declined: {0}")]
    Declined(String),
    /// The provider failed to answer; the same request may be retried.
    #[error("payment provider error: {0}")]
    Provider(String),
}

/// A payment provider. The built-in providers are local and deterministic, so they are
/// asked synchronously, inside the transaction that records the answer. A networked
/// provider would need a `pending` record written first, the call made outside the
/// transaction, and its answer recorded in a second one (with the provider's
/// idempotency key), so a slow or lost answer never holds a database transaction.
pub trait PaymentGateway: Send + Sync {
    /// Performs `request`; answers the provider's reference for it.
    fn execute(&self, request: &GatewayRequest<'_>) -> Result<String, GatewayError>;
}

/// Offline money (invoices, cash or card at a till): everything is approved and
/// recorded; the reference is ours.
#[derive(Debug, Default)]
pub struct ManualGateway;

impl PaymentGateway for ManualGateway {
    fn execute(&self, request: &GatewayRequest<'_>) -> Result<String, GatewayError> {
        Ok(format!("manual_{}", request.transaction))
    }
}

/// The marketplace collected the money: its capture at placement and its refunds are
/// recorded, never asked of anyone.
#[derive(Debug, Default)]
pub struct ChannelGateway;

impl PaymentGateway for ChannelGateway {
    fn execute(&self, request: &GatewayRequest<'_>) -> Result<String, GatewayError> {
        Ok(format!("channel_{}", request.transaction))
    }
}

/// Deterministic outcomes for demos and tests. Authorizations and refunds: the token
/// `tok_decline` is declined and `tok_error` fails; an amount whose minor units end in
/// 51 is declined, in 52 fails; anything else is approved. Captures and voids of an
/// approved authorization are always approved.
#[derive(Debug, Default)]
pub struct TestGateway;

impl PaymentGateway for TestGateway {
    fn execute(&self, request: &GatewayRequest<'_>) -> Result<String, GatewayError> {
        if matches!(request.kind, TransactionKind::Authorization | TransactionKind::Refund) {
            match (request.token, request.amount.amount % 100) {
                (Some("tok_decline"), _) => return Err(GatewayError::Declined("card declined (tok_decline)".into())),
                (Some("tok_error"), _) => {
                    return Err(GatewayError::Provider("processor unavailable (tok_error)".into()));
                }
                (_, 51) => {
                    return Err(GatewayError::Declined(format!(
                        "{} declined (ends in 51)",
                        request.amount
                    )));
                }
                (_, 52) => {
                    return Err(GatewayError::Provider(format!(
                        "{} failed (ends in 52)",
                        request.amount
                    )));
                }
                _ => {}
            }
        }
        Ok(format!("test_{}", request.transaction))
    }
}

impl PaymentProvider {
    /// The implementation behind this provider.
    pub fn gateway(self) -> &'static dyn PaymentGateway {
        match self {
            PaymentProvider::Manual => &ManualGateway,
            PaymentProvider::Channel => &ChannelGateway,
            PaymentProvider::Test => &TestGateway,
        }
    }

    /// Whether the money is captured at placement whatever the channel's capture mode
    /// says: a marketplace has already collected it.
    pub fn captures_at_placement(self, mode: CaptureMode) -> bool {
        self == PaymentProvider::Channel || mode == CaptureMode::OnPlacement
    }
}

/// A refund as an API client asks for it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    /// Units of lines to refund, at their share of the line total (discount and tax
    /// included).
    pub lines: Option<Vec<RefundLine>>,
    /// Refund the shipping and its tax (once).
    pub shipping: Option<bool>,
    /// A further amount.
    pub amount: Option<Money>,
    pub reason: Option<RefundReason>,
    #[cfg_attr(feature = "openapi", schema(example = "customer returned one tee"))]
    pub note: Option<String>,
}

impl RefundInput {
    pub fn parse(&self) -> Result<RefundRequest, Vec<FieldError>> {
        let mut v = Validator::new();
        let reason = v.require("/reason", self.reason);
        if reason == Some(RefundReason::Appeasement) {
            v.push(Invalid::new("not_allowed", "use POST /orders/{key}/appeasements for goodwill").at("/reason"));
        }
        v.finish(|| {
            Some(RefundRequest {
                lines: self.lines.clone().unwrap_or_default(),
                shipping: self.shipping.unwrap_or(false),
                amount: self.amount,
                fee: None,
                reason: reason?,
                appeasement: None,
                note: self.note.clone(),
                reference: None,
            })
        })
    }
}

/// A goodwill refund: an amount and why, nothing sent back.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppeasementInput {
    pub amount: Option<Money>,
    pub reason: Option<AppeasementReason>,
    #[cfg_attr(feature = "openapi", schema(example = "parcel arrived four days late"))]
    pub note: Option<String>,
}

impl AppeasementInput {
    pub fn parse(&self) -> Result<RefundRequest, Vec<FieldError>> {
        let mut v = Validator::new();
        let amount = v.require("/amount", self.amount);
        let appeasement = v.require("/reason", self.reason);
        v.finish(|| {
            Some(RefundRequest {
                appeasement: Some(appeasement?),
                note: self.note.clone(),
                ..RefundRequest::amount(amount?, RefundReason::Appeasement)
            })
        })
    }
}

#[cfg(test)]
mod tests;
