//! Settling a return: core says which units a settlement covers and what they are
//! worth; the refund goes through the payments ledger, and the return's lines and
//! running totals record it. Also the replacement order of an exchange or claim, as
//! core drafts it from the original order.

use jiff::Timestamp;
use serde_json::json;
use switchyard_core::money::Money;
use switchyard_core::order::{LineDraft, OrderDraft, OrderEventKind};
use switchyard_core::payment::RefundReason;
use switchyard_core::returns::{
    self as rules, ReplacedOrder, ReplacementFor, SettleLine, SettleUpTo, Settlement, SettlementKind,
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
    /// Settles the units of `lines` not settled yet, as far as `upto` reaches (what was
    /// received, or everything authorized), by a refund through the payments ledger.
    pub(super) async fn settle_return_in(
        tx: &mut WriteTx,
        now: Timestamp,
        head: &Head,
        lines: &mut [LineRow],
        upto: SettleUpTo,
        actor: &str,
    ) -> StoreResult<()> {
        let step = rules::settle_step(&states(lines), upto);
        if step.lines.is_empty() {
            return Ok(());
        }
        let settlement = Self::return_settlement(tx, head, &step.lines).await?;
        let refunded = match settlement.refund_due(&step.lines, RefundReason::Return, &head.number) {
            Some(request) => {
                crate::payment::refund_in(tx, &head.order.id, &request, actor)
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
