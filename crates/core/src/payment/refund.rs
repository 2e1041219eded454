//! Refunds: what a client may ask back (by line, shipping or amount), the ledger a refund
//! is priced against, the pricing rules that keep every refund within what was
//! captured and not yet refunded, and who may give it: the permission each refund
//! needs and the limit on goodwill.

use serde::{Deserialize, Serialize};

use super::{AppeasementReason, CoveredLine, PaymentTotals, RefundReason, line_share};
use crate::auth::{Forbidden, Permission, Role};
use crate::money::Money;
use crate::validation::{self, FieldError, Invalid, Validator};

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
    /// Goodwill (appeasements) already given or asked on the order.
    pub appeased: Money,
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
    /// The role it is given on may not give this money back.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
}

/// Goodwill a role that may appease but not refund may give on one order, in all: this
/// percentage of what was captured (rounded down). Beyond it goodwill is a refund
/// decision, for a role that may refund.
pub const APPEASEMENT_LIMIT_PERCENT: i64 = 20;

/// Whether `role` may ask for `request` at all: the permission its reason needs
/// (`RefundReason::permission`). `plan_refund` asks first; a change that would do
/// something before planning its refund (an exchange places its replacement) asks
/// before that.
pub fn may_ask(role: Role, request: &RefundRequest) -> Result<(), Forbidden> {
    role.require(request.reason.permission())
}

/// Whether `role` may give `plan` back: its reason's permission
/// (`RefundReason::permission`), and for goodwill from a role that may not refund, all
/// the order's goodwill within `APPEASEMENT_LIMIT_PERCENT` of what was captured.
fn may_give(role: Role, ledger: &RefundLedger, plan: &RefundPlan) -> Result<(), Forbidden> {
    role.require(plan.reason.permission())?;
    if plan.reason != RefundReason::Appeasement || role.allows(Permission::Refund) {
        return Ok(());
    }
    let captured = ledger.totals.captured;
    let limit = i128::from(captured.amount) * i128::from(APPEASEMENT_LIMIT_PERCENT) / 100;
    let given = i128::from(ledger.appeased.amount) + i128::from(plan.amount.amount);
    if given <= limit {
        return Ok(());
    }
    let limit = Money::new(i64::try_from(limit).unwrap_or(i64::MAX), captured.currency);
    Err(Forbidden {
        role,
        permission: Permission::Refund,
        detail: format!(
            "the {role} role may give at most {limit} of goodwill on this order ({APPEASEMENT_LIMIT_PERCENT}% of \
             the {captured} captured; {} given already): more needs the refund permission",
            ledger.appeased
        ),
    })
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
        m.bounded()
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

/// Prices a refund given on the authority of `role`: lines at their share of the line
/// total (the unit that completes a line takes what is left of it), the shipping once,
/// plus any amount, less any fee. A line's units are refunded at most once and only
/// once charged; the whole refund is never more than is captured and not yet refunded
/// (the error names what is). The role must hold the permission the refund's reason
/// needs, checked before anything else, and goodwill stays within its limit
/// (`may_give`): otherwise `Forbidden`, naming the permission.
pub fn plan_refund(ledger: &RefundLedger, request: &RefundRequest, role: Role) -> Result<RefundPlan, RefundError> {
    may_ask(role, request)?;
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
    may_give(role, ledger, &plan)?;
    Ok(plan)
}

/// What cancelling the order lines `cancelled` (by number) gives back: every unit of
/// them charged and not yet refunded, and the shipping with its tax, once, when the
/// cancellation leaves nothing to ship and nothing went (the customer gets nothing
/// delivered). Price it with `plan_cancellation_refund`.
pub fn cancellation_refund(
    ledger: &RefundLedger,
    cancelled: &[i64],
    anything_left: bool,
    anything_went: bool,
) -> RefundRequest {
    let lines = ledger
        .lines
        .iter()
        .filter(|l| cancelled.contains(&l.line_no) && l.charged > l.refunded)
        .map(|l| RefundLine {
            line_no: l.line_no,
            quantity: l.charged - l.refunded,
        })
        .collect();
    let nothing_delivered = !anything_left && !anything_went;
    RefundRequest {
        lines,
        shipping: nothing_delivered
            && ledger.shipping_charged
            && ledger.shipping_refunded.amount < ledger.shipping.amount,
        ..RefundRequest::new(RefundReason::Cancellation)
    }
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
        match reason {
            Some(RefundReason::Appeasement) => {
                v.push(Invalid::new("not_allowed", "use POST /orders/{key}/appeasements for goodwill").at("/reason"))
            }
            // Only cancelling decides what a cancellation gives back.
            Some(RefundReason::Cancellation) => {
                v.push(Invalid::new("not_allowed", "cancel the order or its lines: their refund follows").at("/reason"))
            }
            _ => {}
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
