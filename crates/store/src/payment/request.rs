//! Inside a change's transaction: what the change asks of the order's payment provider
//! (an authorization at placement, a shipment's capture, a cancellation's void and
//! refund, a refund), checked against the books by core's rules and recorded as a
//! pending request. Nothing is sent to a provider here: `settle` does that after the
//! commit.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchyard_core::auth::Role;
use switchyard_core::id::{OrderId, PaymentId, PaymentTransactionId, ShipmentId};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::LineStatus;
use switchyard_core::payment::{
    self as rules, AttemptStatus, GatewayRequest, LineLedger, LinePart, PaymentError, PaymentProvider, PaymentToken,
    RefundError, RefundLedger, RefundReason, RefundRequest, Share, TransactionKind,
};
use switchyard_core::shipment::ShipmentLineStatus;

use super::{Books, Payment, PaymentTransaction, RefundRecord, books};
use crate::WriteTx;
use crate::db::{self, Link, get_enum, get_id, get_json, micros};
use crate::error::{StoreError, StoreResult};

/// A request waiting for its provider's answer: what to write when it comes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Pending {
    /// An attempt to authorize the order's money; with `capture`, all of it is
    /// captured once approved (the channel captures on placement).
    Attempt { payment: Payment, capture: bool },
    /// A capture, void or refund of the approved payment.
    Transaction(PaymentTransaction),
}

/// A pending request as stored: whom it asks, with which payment method, and what.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Our id for it (the payment's or the transaction's): the provider's idempotency key.
    pub id: String,
    pub order: OrderId,
    pub provider: PaymentProvider,
    pub token: Option<String>,
    pub pending: Pending,
}

impl Request {
    /// What the provider is asked.
    pub fn gateway_request(&self) -> GatewayRequest<'_> {
        let (kind, amount) = match &self.pending {
            Pending::Attempt { payment, .. } => (TransactionKind::Authorization, payment.amount),
            Pending::Transaction(t) => (t.kind, t.amount),
        };
        GatewayRequest {
            kind,
            amount,
            token: self.token.as_deref(),
            transaction: &self.id,
        }
    }
}

/// The order's pending requests, oldest first.
pub(crate) async fn requests(conn: &mut Link, order: &OrderId) -> StoreResult<Vec<Request>> {
    db::query("SELECT id, order_id, provider, token, record FROM payment_request WHERE order_id = $1 ORDER BY id")
        .bind(order.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Request {
                id: r.try_get("id")?,
                order: get_id(r, "order_id")?,
                provider: get_enum(r, "provider", PaymentProvider::parse)?,
                token: r.try_get("token")?,
                pending: get_json(r, "record")?,
            })
        })
        .collect()
}

/// The order's pending requests as records.
pub(super) async fn pending(conn: &mut Link, order: &OrderId) -> StoreResult<Vec<Pending>> {
    Ok(requests(conn, order).await?.into_iter().map(|r| r.pending).collect())
}

/// Records a request for the provider to answer after the commit.
async fn open(tx: &mut WriteTx, now: Timestamp, request: &Request) -> StoreResult<()> {
    let asked = request.gateway_request();
    db::query(
        "INSERT INTO payment_request (id, order_id, provider, kind, amount, currency, token, record, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(request.id.as_str())
    .bind(request.order.as_str())
    .bind(request.provider.as_str())
    .bind(asked.kind.as_str())
    .bind(asked.amount.amount)
    .bind(asked.amount.currency.to_string())
    .bind(request.token.as_deref())
    .bind(serde_json::to_string(&request.pending)?)
    .bind(micros(now))
    .execute(&mut ***tx)
    .await?;
    Ok(())
}

/// What a new transaction records besides its kind and amount.
pub(super) struct Entry<'a> {
    pub share: Share,
    pub shipment: Option<&'a ShipmentId>,
    pub refund: Option<&'a rules::RefundPlan>,
}

impl<'a> Entry<'a> {
    pub fn new(share: Share) -> Self {
        Entry {
            share,
            shipment: None,
            refund: None,
        }
    }

    fn refund(plan: &'a rules::RefundPlan) -> Self {
        Entry {
            share: Share {
                amount: plan.amount,
                lines: plan.lines.clone(),
                shipping: plan.shipping,
            },
            shipment: None,
            refund: Some(plan),
        }
    }
}

pub(super) fn refused(e: PaymentError) -> StoreError {
    match e {
        PaymentError::ExceedsRefundable { requested, remaining } => {
            StoreError::RefundExceedsCaptured { requested, remaining }
        }
        other => StoreError::Conflict {
            code: "payment_refused",
            message: other.to_string(),
        },
    }
}

/// Asks for one transaction of `books`' approved payment, once the rules accept it
/// against what is recorded and already asked: records the request and enters it in
/// `books`. Answers the transaction as it will be written when approved.
pub(super) async fn request(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    books: &mut Books,
    kind: TransactionKind,
    entry: Entry<'_>,
    actor: &str,
) -> StoreResult<PaymentTransaction> {
    let payment = books.approved().ok_or_else(|| StoreError::Conflict {
        code: "no_payment",
        message: "the order has no approved payment".into(),
    })?;
    let amount = entry.share.amount;
    let planned = books.planned.apply(kind, amount).map_err(refused)?;
    let refund = entry.refund;
    let record = PaymentTransaction {
        id: PaymentTransactionId::new_at(now),
        payment_id: payment.id.clone(),
        kind,
        amount,
        shipment_id: entry.shipment.cloned(),
        refund_reason: refund.map(|r| r.reason),
        appeasement_reason: refund.and_then(|r| r.appeasement),
        note: refund.and_then(|r| r.note.clone()),
        settles: refund.and_then(|r| r.reference.clone()),
        lines: entry.share.lines,
        shipping: entry.share.shipping,
        provider_reference: String::new(),
        actor: actor.to_owned(),
        created_at: now,
    };
    let request = Request {
        id: record.id.to_string(),
        order: order.clone(),
        provider: payment.provider,
        token: payment.method_token.clone(),
        pending: Pending::Transaction(record.clone()),
    };
    open(tx, now, &request).await?;
    books.planned = planned;
    books.pending.push(record.clone());
    Ok(record)
}

/// The order's lines and shipping as a refund is priced against them.
async fn refund_ledger(tx: &mut WriteTx, order: &OrderId, books: &Books) -> StoreResult<RefundLedger> {
    let c = books.currency;
    let shipping = shipping(tx, order, c).await?;
    let rows = db::query("SELECT line_no, quantity, total FROM order_line WHERE order_id = $1 ORDER BY line_no")
        .bind(order.as_str())
        .fetch_all(&mut ***tx)
        .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        let line_no: i64 = r.try_get("line_no")?;
        let (charged, _) = books.covered(TransactionKind::Capture, line_no)?;
        let (refunded, refunded_amount) = books.covered(TransactionKind::Refund, line_no)?;
        lines.push(LineLedger {
            line_no,
            total: Money::new(r.try_get("total")?, c),
            ordered: r.try_get("quantity")?,
            charged,
            refunded,
            refunded_amount,
        });
    }
    let appeased = books
        .of_kind(TransactionKind::Refund)
        .filter(|t| t.refund_reason == Some(RefundReason::Appeasement))
        .map(|t| t.amount);
    Ok(RefundLedger {
        totals: books.planned,
        lines,
        shipping,
        shipping_charged: books.shipping(TransactionKind::Capture)?.amount > 0,
        shipping_refunded: books.shipping(TransactionKind::Refund)?,
        appeased: Money::sum(c, appeased).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

/// Gives money back for `order` inside `tx`, on the authority of `role` (the caller's,
/// or the approval a return carries), recorded as done by `actor`: takes the order's
/// row (so concurrent refunds of one order queue), prices `request` against what was
/// captured and already refunded or asked back, and asks core whether `role` may give
/// it (`core::payment::plan_refund`); then asks the order's provider for it once the
/// transaction commits (`Store::settle_payments` answers it). Every refund but a
/// cancellation's is planned here, so no route moves money its role may not.
///
/// Fails with `Forbidden` (403 naming the permission), `Invalid` (field by field) or
/// `RefundExceedsCaptured` (409 `refund_exceeds_captured`, naming what is left). It
/// bumps the order's version: check the version before calling it, not after. Answers
/// the refund as it will be recorded when the provider approves it.
pub(crate) async fn refund_in(
    tx: &mut WriteTx,
    order: &OrderId,
    request: &RefundRequest,
    role: Role,
    actor: &str,
) -> StoreResult<RefundRecord> {
    let now = tx.now();
    crate::order::lock(tx, now, order).await?;
    let mut books = books(tx, order).await?;
    let ledger = refund_ledger(tx, order, &books).await?;
    let plan = rules::plan_refund(&ledger, request, role).map_err(refund_refused)?;
    let entry = Entry::refund(&plan);
    self::request(tx, now, order, &mut books, TransactionKind::Refund, entry, actor).await
}

fn refund_refused(e: RefundError) -> StoreError {
    match e {
        RefundError::Invalid(errors) => StoreError::Invalid(errors),
        RefundError::ExceedsRefundable { requested, remaining } => {
            StoreError::RefundExceedsCaptured { requested, remaining }
        }
        RefundError::Forbidden(refused) => StoreError::Forbidden(refused),
    }
}

/// The order's lines (`only` those numbers, when given) as parts of a capture or void:
/// each whole (a line ships whole: a short pick sends all of it back to routing).
pub(super) async fn line_parts(
    tx: &mut WriteTx,
    order: &OrderId,
    c: Currency,
    only: Option<&[i64]>,
) -> StoreResult<Vec<LinePart>> {
    let rows = db::query("SELECT line_no, total, quantity FROM order_line WHERE order_id = $1 ORDER BY line_no")
        .bind(order.as_str())
        .fetch_all(&mut ***tx)
        .await?;
    let all = rows.iter().map(|r| {
        Ok(LinePart {
            line_no: r.try_get("line_no")?,
            total: Money::new(r.try_get("total")?, c),
            ordered: r.try_get("quantity")?,
            quantity: r.try_get("quantity")?,
        })
    });
    let parts = all.collect::<StoreResult<Vec<LinePart>>>()?;
    Ok(match only {
        Some(only) => parts.into_iter().filter(|p| only.contains(&p.line_no)).collect(),
        None => parts,
    })
}

/// The order's shipping charge (`core::payment::shipping_charge`).
pub(super) async fn shipping(tx: &mut WriteTx, order: &OrderId, c: Currency) -> StoreResult<Money> {
    let row = db::query("SELECT shipping_amount, shipping_tax FROM sales_order WHERE id = $1")
        .bind(order.as_str())
        .fetch_one(&mut ***tx)
        .await?;
    rules::shipping_charge(
        Money::new(row.try_get("shipping_amount")?, c),
        Money::new(row.try_get("shipping_tax")?, c),
    )
    .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Whether any of the order's lines is in `statuses`.
async fn any_line(tx: &mut WriteTx, order: &OrderId, statuses: &[LineStatus]) -> StoreResult<bool> {
    let sql = format!(
        "SELECT COUNT(*) FROM order_line WHERE order_id = $1 AND status IN {}",
        db::one_of(statuses)
    );
    let n: i64 = db::query_scalar(sql).bind(order.as_str()).fetch_one(&mut ***tx).await?;
    Ok(n > 0)
}

/// How a channel takes its orders' money.
pub(crate) struct Terms {
    pub provider: PaymentProvider,
    pub mode: rules::CaptureMode,
}

/// Asks the channel's provider to authorize the order's money again, with a new
/// payment method (see `request_authorization`). Refused (409 `payment_not_needed`)
/// while money is authorized or captured, and (409 `payment_pending`) while an
/// earlier attempt waits for its answer.
pub(crate) async fn authorize_in(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    token: Option<&PaymentToken>,
    actor: &str,
) -> StoreResult<Payment> {
    crate::order::lock(tx, now, order).await?;
    let books = books(tx, order).await?;
    if !books.attempts_pending.is_empty() {
        return Err(StoreError::Conflict {
            code: "payment_pending",
            message: "an earlier payment attempt is waiting for the provider's answer".into(),
        });
    }
    if !books.planned.needs_authorization() {
        return Err(StoreError::Conflict {
            code: "payment_not_needed",
            message: format!("the order's money is already {}", books.status()),
        });
    }
    let row = db::query(
        "SELECT c.payment_provider, c.capture_mode FROM sales_order o JOIN channel c ON c.id = o.channel_id \
         WHERE o.id = $1",
    )
    .bind(order.as_str())
    .fetch_one(&mut ***tx)
    .await?;
    let terms = Terms {
        provider: get_enum(&row, "payment_provider", PaymentProvider::parse)?,
        mode: get_enum(&row, "capture_mode", rules::CaptureMode::parse)?,
    };
    request_authorization(tx, now, order, books.due, terms, token, actor).await
}

/// Asks the channel's provider to authorize the order's total `due` — and to capture
/// it, when the channel captures on placement or the marketplace collected it — once
/// the transaction commits. Nothing is asked of an order that costs nothing: its
/// payment is approved at once.
pub(crate) async fn request_authorization(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    due: Money,
    Terms { provider, mode }: Terms,
    token: Option<&PaymentToken>,
    actor: &str,
) -> StoreResult<Payment> {
    let attempt = Payment {
        id: PaymentId::new_at(now),
        provider,
        method_token: token.map(|t| t.as_str().to_owned()),
        amount: due,
        // Nothing to ask of an order that costs nothing.
        status: if due.amount > 0 {
            AttemptStatus::Pending
        } else {
            AttemptStatus::Approved
        },
        reference: None,
        message: None,
        actor: actor.to_owned(),
        created_at: now,
    };
    if due.amount > 0 {
        let request = Request {
            id: attempt.id.to_string(),
            order: order.clone(),
            provider,
            token: attempt.method_token.clone(),
            pending: Pending::Attempt {
                payment: attempt.clone(),
                capture: provider.captures_at_placement(mode),
            },
        };
        open(tx, now, &request).await?;
    } else {
        super::insert_payment(tx, order, &attempt).await?;
        let mut books = Books::new(due);
        books.payments.push(attempt.clone());
        super::save_status(tx, now, order, &books).await?;
    }
    Ok(attempt)
}

/// Asks to capture the share of a shipment that just shipped (its lines are marked
/// shipped): each line's share, the shipping with the order's first capture, and
/// everything left when nothing is left to ship. Nothing is asked when nothing is
/// capturable (captured on placement, or no approved payment).
pub(crate) async fn capture_shipment_in(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    shipment: &ShipmentId,
    actor: &str,
) -> StoreResult<()> {
    let mut books = books(tx, order).await?;
    if books.approved().is_none() || books.planned.capturable().amount <= 0 {
        return Ok(());
    }
    let shipped: Vec<i64> = db::query_scalar(format!(
        "SELECT DISTINCT l.line_no FROM order_line l JOIN shipment_line x ON x.line_id = l.id \
         WHERE x.shipment_id = $1 AND x.status = {} AND l.status = {} ORDER BY l.line_no",
        db::is(ShipmentLineStatus::Open),
        db::is(LineStatus::Shipped)
    ))
    .bind(shipment.as_str())
    .fetch_all(&mut ***tx)
    .await?;
    let parts = line_parts(tx, order, books.currency, Some(&shipped)).await?;
    let last = !any_line(tx, order, LineStatus::WAITING).await?;
    let shipping = shipping(tx, order, books.currency).await?;
    let share =
        rules::capture_share(&books.planned, &parts, shipping, last).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if share.amount.amount > 0 {
        let entry = Entry {
            shipment: Some(shipment),
            ..Entry::new(share)
        };
        request(tx, now, order, &mut books, TransactionKind::Capture, entry, actor).await?;
    }
    Ok(())
}

/// Settles the money of lines just cancelled (`lines`, by number): asks to void their
/// share of what is still authorized (all of it when nothing is left to ship), and to
/// refund what was already captured for them (captured on placement), with the
/// shipping when the cancellation leaves nothing delivered (`core::payment::
/// cancellation_refund`).
pub(crate) async fn settle_cancellation_in(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    lines: &[i64],
    actor: &str,
) -> StoreResult<()> {
    let mut books = books(tx, order).await?;
    if books.approved().is_none() {
        return Ok(());
    }
    let parts = line_parts(tx, order, books.currency, Some(lines)).await?;
    let left = any_line(tx, order, LineStatus::WAITING).await?;
    if books.planned.capturable().amount > 0 {
        let share = rules::void_share(&books.planned, &parts, left).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if share.amount.amount > 0 {
            request(
                tx,
                now,
                order,
                &mut books,
                TransactionKind::Void,
                Entry::new(share),
                actor,
            )
            .await?;
        }
    }
    let ledger = refund_ledger(tx, order, &books).await?;
    let went = any_line(tx, order, LineStatus::WENT).await?;
    let refund = rules::cancellation_refund(&ledger, lines, left, went);
    if let Some(plan) = rules::plan_cancellation_refund(&ledger, &refund).map_err(refund_refused)? {
        request(
            tx,
            now,
            order,
            &mut books,
            TransactionKind::Refund,
            Entry::refund(&plan),
            actor,
        )
        .await?;
    }
    Ok(())
}
