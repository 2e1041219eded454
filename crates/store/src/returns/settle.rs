//! Settling a return: core says which units a settlement covers and what they are
//! worth; the refund goes through the payments ledger, and the return's lines and
//! running totals record it. Also the replacement order of an exchange or claim, as
//! core drafts it from the original order.

use jiff::Timestamp;
use serde_json::json;
use switchyard_core::auth::Actor;
use switchyard_core::id::ReturnId;
use switchyard_core::money::Money;
use switchyard_core::order::{LineDraft, OrderDraft, OrderEventKind};
use switchyard_core::payment::RefundReason;
use switchyard_core::returns::{
    self as rules, ReplacedOrder, ReplacementFor, ReturnStatus, SettleLine, Settlement, SettlementDue, SettlementKind,
};

use super::{Head, LineRow, states};
use crate::db::{self, Link, micros};
use crate::error::{StoreError, StoreResult};
use crate::order::{Order, event};
use crate::{Store, WriteTx};

/// A sum of money too large to hold, at `field`.
pub(super) fn out_of_range(field: &'static str) -> impl Fn(switchyard_core::MoneyError) -> StoreError {
    move |e| StoreError::invalid(field, "out_of_range", e.to_string())
}

impl Store {
    /// Settles the units of `lines` not settled yet, as far as `due` reaches (what was
    /// received, or everything authorized), by a refund through the payments ledger on
    /// `due`'s authority (the approval recorded on the return), carried out by `actor`.
    pub(super) async fn settle_return_in(
        tx: &mut WriteTx,
        now: Timestamp,
        head: &Head,
        lines: &mut [LineRow],
        due: SettlementDue,
        actor: &str,
    ) -> StoreResult<()> {
        let step = rules::settle_step(&states(lines), due.upto);
        if step.lines.is_empty() {
            return Ok(());
        }
        let settlement = Self::return_settlement(tx, head, &step.lines).await?;
        let refunded = match settlement.refund_due(&step.lines, RefundReason::Return, &head.number) {
            Some(request) => {
                crate::payment::refund_in(tx, &head.order.id, &request, due.authority, actor)
                    .await?
                    .amount
            }
            None => Money::zero(head.order.currency),
        };
        Self::record_settlement(tx, now, head, SettlementKind::Refund, &settlement, refunded).await?;
        for (i, settled) in step.settled {
            let line = &mut lines[i];
            db::query("UPDATE return_line SET settled = $1 WHERE id = $2")
                .bind(settled)
                .bind(line.id.as_str())
                .execute(&mut ***tx)
                .await?;
            line.state.settled = settled;
        }
        let shipping = if settlement.shipping.amount > 0 {
            format!(" (shipping {} included)", settlement.shipping)
        } else {
            String::new()
        };
        let fee = if settlement.restocking_fee.amount > 0 {
            format!(" (restocking fee {} kept)", settlement.restocking_fee)
        } else {
            String::new()
        };
        let message = format!("Return {} refunded {refunded}{shipping}{fee}", head.number);
        let data = json!({ "return": head.number, "settlement": SettlementKind::Refund, "refunded": refunded, "computed": settlement });
        settled(tx, head, actor, message, data);
        Ok(())
    }

    /// What settling `settle` is worth, the order's shipping refunded at most once.
    pub(super) async fn return_settlement(
        conn: &mut Link,
        head: &Head,
        settle: &[SettleLine],
    ) -> StoreResult<Settlement> {
        let refunded: Vec<i64> = db::query_scalar("SELECT shipping_refunded FROM return_request WHERE order_id = $1")
            .bind(head.order.id.as_str())
            .fetch_all(&mut *conn)
            .await?;
        let refunded: Vec<Money> = refunded
            .into_iter()
            .map(|amount| Money::new(amount, head.order.currency))
            .collect();
        rules::settle(
            settle,
            head.order.shipping,
            rules::shipping_refunded_before(&refunded),
            head.order.fee_percent,
        )
        .map_err(out_of_range(""))
    }

    /// Records a settlement on the return, `credited` of it paid out; the return's row
    /// was taken (`take_return`), so its totals in `head` are current.
    pub(super) async fn record_settlement(
        tx: &mut WriteTx,
        now: Timestamp,
        head: &Head,
        kind: SettlementKind,
        settlement: &Settlement,
        credited: Money,
    ) -> StoreResult<()> {
        let money = head.money.after(settlement, credited).map_err(out_of_range(""))?;
        db::query(
            "UPDATE return_request SET settlement = $1, credited = $2, restocking_fee = $3, shipping_refunded = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(kind.as_str())
        .bind(money.credited.amount)
        .bind(money.restocking_fee.amount)
        .bind(money.shipping_refunded.amount)
        .bind(micros(now))
        .bind(head.id.as_str())
        .execute(&mut ***tx)
        .await?;
        Ok(())
    }
}

/// Records that `by`, whose role may refund, approved the return's refund: from now on
/// its refunds are given on that role's authority.
pub(super) async fn record_approval(tx: &mut WriteTx, now: Timestamp, head: &mut Head, by: &Actor) -> StoreResult<()> {
    rules::may_approve_refund(by.role)?;
    db::query(
        "UPDATE return_request SET refund_approved_by = $1, refund_approved_role = $2, refund_approved_at = $3 \
         WHERE id = $4",
    )
    .bind(by.name.as_str())
    .bind(by.role.as_str())
    .bind(micros(now))
    .bind(head.id.as_str())
    .execute(&mut ***tx)
    .await?;
    head.refund_approved = Some(by.role);
    Ok(())
}

/// Closes a received return once `lines` are all settled (`core::returns::close_when_settled`).
pub(super) async fn close_when_settled(
    tx: &mut WriteTx,
    now: Timestamp,
    id: &ReturnId,
    status: ReturnStatus,
    lines: &[LineRow],
) -> StoreResult<()> {
    if let Some(to) = rules::close_when_settled(status, &states(lines))? {
        db::query("UPDATE return_request SET status = $1, closed_at = $2 WHERE id = $3")
            .bind(to.as_str())
            .bind(micros(now))
            .bind(id.as_str())
            .execute(&mut ***tx)
            .await?;
    }
    Ok(())
}

/// Tells the order's timeline how the return was settled.
pub(super) fn settled(tx: &mut WriteTx, head: &Head, actor: &str, message: String, data: serde_json::Value) {
    let now = tx.now();
    event(
        tx,
        now,
        &head.order.id,
        OrderEventKind::ReturnSettled,
        actor,
        message,
        data,
    );
}

/// The replacement order for `order` (an exchange or a claim) as core drafts it.
pub(super) fn replacement_draft(
    order: &Order,
    purpose: ReplacementFor<'_>,
    lines: Vec<LineDraft>,
    notes: String,
) -> StoreResult<OrderDraft> {
    let of = ReplacedOrder {
        channel: order.summary.channel.clone(),
        currency: order.summary.currency,
        customer: order.summary.customer.clone(),
        shipping_address: order.shipping_address.clone(),
        billing_address: order.billing_address.clone(),
        service_level: order.summary.service_level,
        priority: order.summary.priority,
    };
    rules::replacement_order(&of, purpose, lines, notes).map_err(out_of_range("/lines"))
}
