//! What a return is worth and when it is paid: the settlement of its lines (goods,
//! shipping, restocking fee), which units a settlement covers, the moments a refund is
//! due, the return's running money totals, and where an order's returns stand.

use serde::Serialize;

use super::{OrderReturnStatus, RefundOn, ReturnAction, ReturnLineState, ReturnReason, SettlementKind};
use crate::auth::{Forbidden, Permission, Role};
use crate::money::{Money, MoneyError};
use crate::payment::{self, RefundLine, RefundReason, RefundRequest};

/// A return line being settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettleLine {
    pub line_no: i64,
    pub reason: ReturnReason,
    /// The order line's total and quantity.
    pub line_total: Money,
    pub line_quantity: i64,
    /// Units settled now.
    pub quantity: i64,
}

/// What a return is worth to the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settlement {
    /// The lines' shares of their totals (discount and tax included).
    pub goods: Money,
    /// The order's shipping and its tax, when a line came back for the seller's fault.
    pub shipping: Money,
    /// Kept from the goods of lines that are not the seller's fault.
    pub restocking_fee: Money,
    /// `goods + shipping - restocking_fee`.
    pub total: Money,
}

/// Settles `lines`: each line's share of its total (`payment::line_share`, the rule
/// refunds use); the order's `shipping` (with its tax) when any line's reason is the
/// seller's fault and it was not refunded before; and `fee_percent` of the goods of
/// the other lines kept as a restocking fee (rounded down, in the customer's favour).
pub fn settle(
    lines: &[SettleLine],
    shipping: Money,
    shipping_refunded: bool,
    fee_percent: i64,
) -> Result<Settlement, MoneyError> {
    let currency = shipping.currency;
    let mut goods = Money::zero(currency);
    let mut chargeable = Money::zero(currency);
    for line in lines {
        let share = payment::line_share(line.line_total, line.line_quantity, line.quantity);
        goods = goods.checked_add(share)?;
        if !line.reason.seller_fault() {
            chargeable = chargeable.checked_add(share)?;
        }
    }
    let shipping = if !shipping_refunded && lines.iter().any(|l| l.quantity > 0 && l.reason.seller_fault()) {
        shipping
    } else {
        Money::zero(currency)
    };
    let fee = i128::from(chargeable.amount) * i128::from(fee_percent.clamp(0, 100)) / 100;
    let restocking_fee = Money::new(i64::try_from(fee).map_err(|_| MoneyError::Overflow)?, currency);
    let total = goods.checked_add(shipping)?.checked_sub(restocking_fee)?;
    Ok(Settlement {
        goods,
        shipping,
        restocking_fee,
        total,
    })
}

impl Settlement {
    /// The refund that pays this settlement out, when it is worth anything: see `refund`.
    pub fn refund_due(&self, lines: &[SettleLine], reason: RefundReason, reference: &str) -> Option<RefundRequest> {
        (self.total.amount > 0).then(|| self.refund(lines, reason, reference))
    }

    /// The refund that pays this settlement of `lines` out, for the payments ledger to
    /// price against what was captured: the lines' units, the shipping when it is
    /// due, the restocking fee kept back.
    pub fn refund(&self, lines: &[SettleLine], reason: RefundReason, reference: &str) -> RefundRequest {
        RefundRequest {
            lines: lines
                .iter()
                .filter(|l| l.quantity > 0)
                .map(|l| RefundLine {
                    line_no: l.line_no,
                    quantity: l.quantity,
                })
                .collect(),
            shipping: self.shipping.amount > 0,
            amount: None,
            fee: (self.restocking_fee.amount > 0).then_some(self.restocking_fee),
            reason,
            appeasement: None,
            note: None,
            reference: Some(reference.to_owned()),
        }
    }
}

/// Where an order's returns stand: `shipped` units left in shipments, `received` units
/// came back, and `open` says whether a return that counts is still waiting.
pub fn order_return_status(shipped: i64, received: i64, open: bool) -> OrderReturnStatus {
    match (received, open) {
        (r, _) if r > 0 && r >= shipped => OrderReturnStatus::Returned,
        (r, _) if r > 0 => OrderReturnStatus::PartiallyReturned,
        (_, true) => OrderReturnStatus::Requested,
        _ => OrderReturnStatus::None,
    }
}

/// How far a settlement reaches into a return's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleUpTo {
    /// Every authorized unit, before anything arrives.
    Authorized,
    /// The units that arrived.
    Received,
}

impl SettleUpTo {
    /// The units of `line` a settlement this far covers in all.
    pub fn of(self, line: &ReturnLineState) -> i64 {
        match self {
            SettleUpTo::Authorized => line.quantity,
            SettleUpTo::Received => line.received,
        }
    }
}

/// A settlement due now: how far it reaches, and the role its refund is given on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettlementDue {
    pub upto: SettleUpTo,
    pub authority: Role,
}

/// Whether `action` settles the return now, how far, and on whose authority. Only a
/// return whose refund was approved (`approved_by`: the approver's role, one that
/// `may_approve_refund`) pays anything, on the approver's authority: authorizing refunds
/// every authorized unit on a channel that refunds on authorization, a receipt settles
/// what arrived and is not settled yet, and approving the refund later settles what
/// the channel's moment has made due — unless the return was exchanged (the
/// replacement was its settlement). On a channel that refunded on authorization a
/// receipt finds nothing left to settle. Without approval nothing is due: the refund
/// waits for `ApproveRefund`.
pub fn settles(
    refund_on: RefundOn,
    action: ReturnAction,
    settled_by: Option<SettlementKind>,
    approved_by: Option<Role>,
) -> Option<SettlementDue> {
    let authority = approved_by.filter(|role| may_approve_refund(*role).is_ok())?;
    if settled_by == Some(SettlementKind::Exchange) {
        return None;
    }
    let upto = match (action, refund_on) {
        (ReturnAction::Authorize | ReturnAction::ApproveRefund, RefundOn::Authorization) => SettleUpTo::Authorized,
        (ReturnAction::Receive { .. } | ReturnAction::ApproveRefund, _) => SettleUpTo::Received,
        _ => return None,
    };
    Some(SettlementDue { upto, authority })
}

/// Whether `role` may approve a return's refund (by authorizing it, or by
/// `ApproveRefund`): only a role that may refund. The approval is recorded on the
/// return, and every refund the return gives — on authorization, on receipt, an
/// exchange's difference — is given on the approver's authority (`settles`,
/// `refund_authority`), whoever carries it out: a receipt at the warehouse only
/// executes what was approved. A return authorized by a role that may not refund
/// refunds nothing until a role that may approves it.
pub fn may_approve_refund(role: Role) -> Result<(), Forbidden> {
    role.require(Permission::Refund)
}

/// The role a return's refund is given on: the approval recorded on the return
/// (`approved_by`, the approver's role), else the role of whoever asks now.
pub fn refund_authority(approved_by: Option<Role>, asking: Role) -> Role {
    approved_by
        .filter(|role| may_approve_refund(*role).is_ok())
        .unwrap_or(asking)
}

/// One step of settling a return: the units settled now, as `settle` prices them, and
/// how far each return line (by its index in the lines given) is settled afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettleStep {
    pub lines: Vec<SettleLine>,
    pub settled: Vec<(usize, i64)>,
}

/// The units of `lines` a settlement up to `upto` settles now: on each line, what it
/// reaches less what was settled before; lines with nothing new are left out.
pub fn settle_step(lines: &[ReturnLineState], upto: SettleUpTo) -> SettleStep {
    let mut step = SettleStep::default();
    for (i, l) in lines.iter().enumerate() {
        let reach = upto.of(l);
        if reach > l.settled {
            step.lines.push(SettleLine {
                line_no: l.line_no,
                reason: l.reason,
                line_total: l.line_total,
                line_quantity: l.line_quantity,
                quantity: reach - l.settled,
            });
            step.settled.push((i, reach));
        }
    }
    step
}

/// The lines an exchange credits: every unit of the return, settled at once. `None`
/// when any unit was settled already: such a return cannot be exchanged.
pub fn exchange_lines(lines: &[ReturnLineState]) -> Option<Vec<SettleLine>> {
    if lines.iter().any(|l| l.settled > 0) {
        return None;
    }
    Some(settle_step(lines, SettleUpTo::Authorized).lines)
}

/// Whether the order's shipping went back before: any of its returns refunded some.
pub fn shipping_refunded_before(refunded: &[Money]) -> bool {
    refunded.iter().any(|m| m.amount > 0)
}

/// What a return has credited, kept as restocking fees and refunded of the shipping,
/// across its settlements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnMoney {
    pub credited: Money,
    pub restocking_fee: Money,
    pub shipping_refunded: Money,
}

impl ReturnMoney {
    /// The totals once `settlement` is recorded, `credited` of it paid out (refunded, or
    /// credited to an exchange).
    pub fn after(self, settlement: &Settlement, credited: Money) -> Result<ReturnMoney, MoneyError> {
        Ok(ReturnMoney {
            credited: self.credited.checked_add(credited)?,
            restocking_fee: self.restocking_fee.checked_add(settlement.restocking_fee)?,
            shipping_refunded: self.shipping_refunded.checked_add(settlement.shipping)?,
        })
    }
}
