//! After a change commits: the providers are asked for its pending payment requests,
//! outside any transaction, and each answer is written in a short transaction of its
//! own — the payment or transaction with the provider's reference, the timeline, the
//! order's payment status, and what the answer does to the order (a decline holds it
//! for payment, an approval releases that hold). A request already answered by
//! someone else (the sweep, another instance) is left as written. The sweep asks again
//! for requests left unanswered by a process that stopped.

use jiff::Timestamp;
use serde_json::json;
use switchyard_core::id::{OrderId, PaymentTransactionId};
use switchyard_core::money::Money;
use switchyard_core::order::{self as order_rules, Hold, OrderAction, OrderEventKind, PaymentFollowUp};
use switchyard_core::payment::{
    self as rules, AttemptStatus, CoveredLine, GatewayError, PENDING_REQUEST_SWEEP_AFTER, TransactionKind,
};

use super::request::{self, Entry, Pending, Request};
use super::{Books, Payment, PaymentTransaction, books, insert_payment, provider, save_status};
use crate::db::{self, micros};
use crate::error::{StoreError, StoreResult};
use crate::order::{Head, event};
use crate::{Store, WriteTx};

/// A provider's answer to one request.
#[derive(Debug, Clone)]
pub struct Answered {
    /// The request's id (the payment's or the transaction's).
    pub request: String,
    /// The provider's reference, or why it did not approve.
    pub answer: Result<String, GatewayError>,
}

impl Store {
    /// Asks the providers for every pending request of `order`, oldest first, with no
    /// transaction open, and writes each answer. An approved authorization that
    /// captures on placement asks for its capture, which is answered in the same call.
    /// Returns the answers.
    pub async fn settle_payments(&self, order: &OrderId) -> StoreResult<Vec<Answered>> {
        let mut answered = Vec::new();
        // An authorization may ask for a capture, or for a void when the order was
        // cancelled while it waited: at most two rounds follow the first.
        for _ in 0..3 {
            let pending = {
                let mut conn = self.pool.acquire().await?;
                request::requests(&mut conn, order).await?
            };
            if pending.is_empty() {
                break;
            }
            for r in pending {
                let answer = provider::ask(r.provider, &r.gateway_request()).await;
                transact!(self, |tx| self.write_answer(tx, &r, &answer).await)?;
                answered.push(Answered { request: r.id, answer });
            }
        }
        Ok(answered)
    }

    /// Settles `order`'s payments after a change that committed (a placement, a
    /// shipment, a cancellation, a return): a failure to hear the provider or to write
    /// its answer is logged and left to the sweep, never reported as a failure of the
    /// change, which stands.
    pub(crate) async fn settle_after_commit(&self, order: &OrderId) {
        if let Err(error) = self.settle_payments(order).await {
            tracing::warn!(%order, %error, "payment left to the sweep");
        }
    }

    /// The sweep: settles the orders with a request older than
    /// `PENDING_REQUEST_SWEEP_AFTER` (left by a process that stopped before it heard
    /// back). Asking again by the same id gets the provider's first answer: nothing is
    /// charged twice. Returns how many orders it settled.
    pub async fn settle_stale_payments(&self) -> StoreResult<usize> {
        let before = self.now() - PENDING_REQUEST_SWEEP_AFTER;
        let orders: Vec<String> =
            db::query_scalar("SELECT DISTINCT order_id FROM payment_request WHERE created_at <= $1 ORDER BY order_id")
                .bind(micros(before))
                .fetch_all(&self.pool)
                .await?;
        for order in &orders {
            // One order that cannot be settled now does not hold up the others.
            let order = OrderId::try_from(order.clone()).map_err(StoreError::Corrupt)?;
            self.settle_after_commit(&order).await;
        }
        Ok(orders.len())
    }

    /// Writes the provider's answer to `r`, unless it was written already.
    async fn write_answer(
        &self,
        tx: &mut WriteTx,
        r: &Request,
        answer: &Result<String, GatewayError>,
    ) -> StoreResult<()> {
        let now = tx.now();
        let taken = db::query("DELETE FROM payment_request WHERE id = $1")
            .bind(r.id.as_str())
            .execute(&mut ***tx)
            .await?;
        if taken.rows_affected() == 0 {
            return Ok(());
        }
        crate::order::lock(tx, now, &r.order).await?;
        let mut books = books(tx, &r.order).await?;
        match &r.pending {
            Pending::Attempt { payment, capture } => {
                self.answer_attempt(tx, now, r, payment, *capture, answer, &mut books)
                    .await?
            }
            Pending::Transaction(t) => answer_transaction(tx, now, &r.order, t, answer, &mut books).await?,
        }
        save_status(tx, now, &r.order, &books).await
    }

    /// Writes an authorization attempt with its answer, asks for the capture when the
    /// channel captures on placement (or for a void when the order was cancelled while
    /// it waited), and holds or releases the order (`core::order::after_payment_attempt`).
    #[allow(clippy::too_many_arguments)]
    async fn answer_attempt(
        &self,
        tx: &mut WriteTx,
        now: Timestamp,
        r: &Request,
        asked: &Payment,
        capture: bool,
        answer: &Result<String, GatewayError>,
        books: &mut Books,
    ) -> StoreResult<()> {
        let order = &r.order;
        let mut attempt = asked.clone();
        match answer {
            Ok(reference) => {
                attempt.status = AttemptStatus::Approved;
                attempt.reference = Some(reference.clone());
            }
            Err(e) => {
                attempt.status = match e {
                    GatewayError::Declined(_) => AttemptStatus::Declined,
                    GatewayError::Provider(_) => AttemptStatus::Failed,
                };
                attempt.message = Some(e.to_string());
            }
        }
        insert_payment(tx, order, &attempt).await?;
        let approved = attempt.status == AttemptStatus::Approved;
        let head = Head::take(tx, order.as_str()).await?;
        if approved {
            books.payments.push(attempt.clone());
            let authorization = PaymentTransaction {
                id: PaymentTransactionId::new_at(now),
                payment_id: attempt.id.clone(),
                kind: TransactionKind::Authorization,
                amount: attempt.amount,
                shipment_id: None,
                refund_reason: None,
                appeasement_reason: None,
                note: None,
                settles: None,
                lines: Vec::new(),
                shipping: Money::zero(attempt.amount.currency),
                provider_reference: attempt.reference.clone().unwrap_or_default(),
                actor: attempt.actor.clone(),
                created_at: now,
            };
            write(tx, now, order, books, &authorization).await?;
            if !head.status.is_live() {
                // Cancelled while the provider answered: give the hold on the money back.
                let share =
                    rules::void_share(&books.planned, &[], false).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                request::request(
                    tx,
                    now,
                    order,
                    books,
                    TransactionKind::Void,
                    Entry::new(share),
                    "system",
                )
                .await?;
            } else if capture {
                let parts = request::line_parts(tx, order, books.currency, None).await?;
                let shipping = request::shipping(tx, order, books.currency).await?;
                let share = rules::capture_share(&books.planned, &parts, shipping, true)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                request::request(
                    tx,
                    now,
                    order,
                    books,
                    TransactionKind::Capture,
                    Entry::new(share),
                    &attempt.actor,
                )
                .await?;
            }
        } else {
            let (provider, message) = (attempt.provider, attempt.message.clone().unwrap_or_default());
            event(
                tx,
                now,
                order,
                OrderEventKind::PaymentDeclined,
                &attempt.actor,
                format!("Payment of {} with {provider} not approved: {message}", attempt.amount),
                json!({ "payment_id": attempt.id, "provider": provider, "status": attempt.status, "message": message }),
            );
        }
        let hold = head.hold.clone().map(|h| h.reason);
        match order_rules::after_payment_attempt(head.status, hold, approved) {
            PaymentFollowUp::Release => {
                let to = order_rules::transition(head.status, OrderAction::Release)?;
                head.save(tx, to, None, now).await?;
                let message = "Released from hold: payment approved".to_owned();
                let data = json!({ "payment_id": attempt.id });
                event(tx, now, order, OrderEventKind::Released, &attempt.actor, message, data);
            }
            PaymentFollowUp::HoldForPayment => {
                let to = order_rules::transition(head.status, OrderAction::Hold)?;
                let hold = Hold::for_payment(attempt.message.clone());
                head.save(tx, to, Some(&hold), now).await?;
                let message = format!(
                    "Held for payment: {}",
                    attempt.message.as_deref().unwrap_or("not approved")
                );
                let data = json!({ "reason": hold.reason, "note": hold.note, "payment_id": attempt.id });
                event(tx, now, order, OrderEventKind::Held, &attempt.actor, message, data);
            }
            PaymentFollowUp::Nothing => {}
        }
        Ok(())
    }
}

/// Writes a capture, void or refund the provider approved, or tells the timeline it
/// did not (nothing else changes: the money stays where it was).
async fn answer_transaction(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    asked: &PaymentTransaction,
    answer: &Result<String, GatewayError>,
    books: &mut Books,
) -> StoreResult<()> {
    match answer {
        Ok(reference) => {
            let record = PaymentTransaction {
                provider_reference: reference.clone(),
                created_at: now,
                ..asked.clone()
            };
            write(tx, now, order, books, &record).await
        }
        Err(e) => {
            let covered = covered_text(&asked.lines, asked.shipping);
            let message = format!(
                "{} of {}{covered} not approved: {e}",
                kind_word(asked.kind),
                asked.amount
            );
            let data = json!({ "transaction_id": asked.id, "kind": asked.kind, "amount": asked.amount, "message": e.to_string() });
            event(
                tx,
                now,
                order,
                OrderEventKind::PaymentFailed,
                &asked.actor,
                message,
                data,
            );
            Ok(())
        }
    }
}

fn kind_word(kind: TransactionKind) -> &'static str {
    match kind {
        TransactionKind::Authorization => "Authorization",
        TransactionKind::Capture => "Capture",
        TransactionKind::Void => "Void",
        TransactionKind::Refund => "Refund",
    }
}

/// The money a payment transaction covers, for the timeline.
fn covered_text(lines: &[CoveredLine], shipping: Money) -> String {
    let mut parts: Vec<String> = lines
        .iter()
        .map(|l| format!("line {} × {}", l.line_no, l.quantity))
        .collect();
    if shipping.amount > 0 {
        parts.push("shipping".into());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

/// Writes a transaction the provider accepted, with its timeline event, and enters it
/// in `books`.
pub(super) async fn write(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    books: &mut Books,
    record: &PaymentTransaction,
) -> StoreResult<()> {
    let (kind, amount, actor) = (record.kind, record.amount, record.actor.as_str());
    let provider = books
        .payments
        .iter()
        .find(|p| p.id == record.payment_id)
        .map(|p| p.provider)
        .ok_or_else(|| StoreError::Corrupt(format!("transaction {} has no payment in the books", record.id)))?;
    let after = books.totals.apply(kind, amount).map_err(request::refused)?;
    // What later requests are checked against takes it too (its request is gone).
    let planned = books.planned.apply(kind, amount).map_err(request::refused)?;
    db::query(
        "INSERT INTO payment_transaction (id, payment_id, order_id, kind, amount, currency, shipment_id, refund_reason, \
         appeasement_reason, note, settles, lines, shipping, provider_reference, actor, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(record.id.as_str())
    .bind(record.payment_id.as_str())
    .bind(order.as_str())
    .bind(kind.as_str())
    .bind(amount.amount)
    .bind(amount.currency.to_string())
    .bind(record.shipment_id.as_ref().map(|s| s.to_string()))
    .bind(record.refund_reason.map(|r| r.as_str()))
    .bind(record.appeasement_reason.map(|r| r.as_str()))
    .bind(record.note.as_deref())
    .bind(record.settles.as_deref())
    .bind(serde_json::to_string(&record.lines)?)
    .bind(record.shipping.amount)
    .bind(&record.provider_reference)
    .bind(actor)
    .bind(micros(now))
    .execute(&mut ***tx)
    .await?;
    let covered = covered_text(&record.lines, record.shipping);
    let (event_kind, message) = match kind {
        TransactionKind::Authorization => (
            OrderEventKind::PaymentAuthorized,
            format!("Authorized {amount} with {provider}"),
        ),
        TransactionKind::Capture => (OrderEventKind::PaymentCaptured, format!("Captured {amount}{covered}")),
        TransactionKind::Void => (OrderEventKind::PaymentVoided, format!("Voided {amount}{covered}")),
        TransactionKind::Refund => {
            let why = match record.appeasement_reason {
                Some(a) => format!("appeasement: {}", a.as_str().replace('_', " ")),
                None => record
                    .refund_reason
                    .map(|r| r.as_str().replace('_', " "))
                    .unwrap_or_default(),
            };
            (
                OrderEventKind::Refunded,
                format!("Refunded {amount}{covered} for {why}"),
            )
        }
    };
    event(
        tx,
        now,
        order,
        event_kind,
        actor,
        format!("{message}; reference {}", record.provider_reference),
        json!({
            "transaction_id": record.id, "kind": kind, "amount": amount, "shipment_id": record.shipment_id,
            "refund_reason": record.refund_reason, "appeasement_reason": record.appeasement_reason,
            "lines": record.lines, "shipping": record.shipping, "provider_reference": record.provider_reference,
            "note": record.note, "settles": record.settles,
        }),
    );
    books.totals = after;
    books.planned = planned;
    books.transactions.push(record.clone());
    Ok(())
}
