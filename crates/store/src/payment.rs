//! Payments in the database: each order's attempts to get its money authorized, and
//! every authorization, capture, void and refund, recorded in the transaction of the
//! change that caused it (placement, shipping, cancelling, a refund). The order's
//! `payment_status` is derived from the records by `core::payment` and written in the
//! same transaction. The rules (shares, refundable, status) all live in core.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use switchyard_core::id::{OrderId, PaymentId, PaymentTransactionId, ShipmentId};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::{
    self as order_rules, HoldReason, OrderAction, OrderEventKind, OrderStatus, PaymentStatus,
};
use switchyard_core::payment::{
    self as rules, AppeasementReason, AttemptStatus, CoveredLine, GatewayError, GatewayRequest, LineLedger, LinePart,
    PaymentError, PaymentProvider, PaymentToken, PaymentTotals, RefundError, RefundLedger, RefundLine, RefundReason,
    RefundRequest, Share, TransactionKind,
};

use crate::db::{self, Link, Row, get_currency, get_enum, get_id, get_json, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::order::{Head, event};
use crate::{Store, WriteTx};

/// One attempt to get an order's money authorized.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub id: PaymentId,
    pub provider: PaymentProvider,
    /// The payment method's token, as the provider issued it.
    pub method_token: Option<String>,
    pub amount: Money,
    pub status: AttemptStatus,
    /// The provider's reference, when approved.
    pub reference: Option<String>,
    /// Why it was declined or failed.
    pub message: Option<String>,
    pub actor: String,
    pub created_at: Timestamp,
}

/// An authorization, capture, void or refund.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentTransaction {
    pub id: PaymentTransactionId,
    pub payment_id: PaymentId,
    pub kind: TransactionKind,
    pub amount: Money,
    /// The shipment whose departure captured it.
    pub shipment_id: Option<ShipmentId>,
    pub refund_reason: Option<RefundReason>,
    pub appeasement_reason: Option<AppeasementReason>,
    pub note: Option<String>,
    /// What a refund settles (an RMA or claim number).
    pub settles: Option<String>,
    /// What it covered of each order line.
    pub lines: Vec<CoveredLine>,
    /// The part of `amount` that is shipping and its tax.
    pub shipping: Money,
    pub provider_reference: String,
    pub actor: String,
    pub created_at: Timestamp,
}

/// The refund the returns, claims and exchanges record.
pub type RefundRecord = PaymentTransaction;

/// An order's money: every attempt and transaction, what they add up to, and what
/// may still be captured and refunded.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderPayments {
    pub order_id: OrderId,
    pub order_number: String,
    pub status: PaymentStatus,
    pub totals: PaymentTotals,
    pub capturable: Money,
    pub refundable: Money,
    pub payments: Vec<Payment>,
    pub transactions: Vec<PaymentTransaction>,
}

/// What an order's payment records add up to, read inside a transaction (or not).
struct Books {
    currency: Currency,
    /// The order's total.
    due: Money,
    payments: Vec<Payment>,
    transactions: Vec<PaymentTransaction>,
    totals: PaymentTotals,
}

impl Books {
    /// The books of an order with no payment yet.
    fn new(due: Money) -> Self {
        Books {
            currency: due.currency,
            due,
            payments: Vec::new(),
            transactions: Vec::new(),
            totals: PaymentTotals::zero(due.currency),
        }
    }

    /// The approved payment transactions go against.
    fn approved(&self) -> Option<&Payment> {
        self.payments.iter().rev().find(|p| p.status == AttemptStatus::Approved)
    }

    fn status(&self) -> PaymentStatus {
        let by_channel = self.approved().is_some_and(|p| p.provider == PaymentProvider::Channel);
        self.totals.status(by_channel, self.due)
    }

    /// Units of each line covered by transactions of `kind`, and their amounts.
    fn covered(&self, kind: TransactionKind, line_no: i64) -> (i64, i64) {
        self.transactions
            .iter()
            .filter(|t| t.kind == kind)
            .flat_map(|t| &t.lines)
            .filter(|l| l.line_no == line_no)
            .fold((0, 0), |(q, a), l| (q + l.quantity, a + l.amount.amount))
    }

    fn shipping(&self, kind: TransactionKind) -> i64 {
        self.transactions
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| t.shipping.amount)
            .sum()
    }
}

fn payment(row: &Row, c: Currency) -> StoreResult<Payment> {
    Ok(Payment {
        id: get_id(row, "id")?,
        provider: get_enum(row, "provider", PaymentProvider::parse)?,
        method_token: row.try_get("method_token")?,
        amount: Money::new(row.try_get("amount")?, c),
        status: get_enum(row, "status", AttemptStatus::parse)?,
        reference: row.try_get("reference")?,
        message: row.try_get("message")?,
        actor: row.try_get("actor")?,
        created_at: get_time(row, "created_at")?,
    })
}

fn transaction(row: &Row, c: Currency) -> StoreResult<PaymentTransaction> {
    let text = |col: &str| row.try_get::<Option<String>, _>(col);
    Ok(PaymentTransaction {
        id: get_id(row, "id")?,
        payment_id: get_id(row, "payment_id")?,
        kind: get_enum(row, "kind", TransactionKind::parse)?,
        amount: Money::new(row.try_get("amount")?, c),
        shipment_id: text("shipment_id")?
            .map(|s| ShipmentId::try_from(s).map_err(StoreError::Corrupt))
            .transpose()?,
        refund_reason: text("refund_reason")?
            .map(|r| RefundReason::parse(&r).map_err(|e| StoreError::Corrupt(e.message)))
            .transpose()?,
        appeasement_reason: text("appeasement_reason")?
            .map(|r| AppeasementReason::parse(&r).map_err(|e| StoreError::Corrupt(e.message)))
            .transpose()?,
        note: text("note")?,
        settles: text("settles")?,
        lines: get_json(row, "lines")?,
        shipping: Money::new(row.try_get("shipping")?, c),
        provider_reference: row.try_get("provider_reference")?,
        actor: row.try_get("actor")?,
        created_at: get_time(row, "created_at")?,
    })
}

async fn books(conn: &mut Link, order: &OrderId) -> StoreResult<Books> {
    let head = db::query("SELECT currency, grand_total FROM sales_order WHERE id = $1")
        .bind(order.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("order", order.as_str()))?;
    let currency = get_currency(&head, "currency")?;
    let payments = db::query(
        "SELECT id, provider, method_token, amount, status, reference, message, actor, created_at FROM payment \
         WHERE order_id = $1 ORDER BY id",
    )
    .bind(order.as_str())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| payment(r, currency))
    .collect::<StoreResult<Vec<_>>>()?;
    let transactions = db::query(
        "SELECT id, payment_id, kind, amount, shipment_id, refund_reason, appeasement_reason, note, settles, lines, \
         shipping, provider_reference, actor, created_at FROM payment_transaction WHERE order_id = $1 ORDER BY id",
    )
    .bind(order.as_str())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| transaction(r, currency))
    .collect::<StoreResult<Vec<_>>>()?;
    let totals = PaymentTotals::sum(currency, transactions.iter().map(|t| (t.kind, t.amount)))
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Books {
        currency,
        due: Money::new(head.try_get("grand_total")?, currency),
        payments,
        transactions,
        totals,
    })
}

/// What a new transaction records besides its kind and amount.
struct Entry<'a> {
    share: Share,
    shipment: Option<&'a ShipmentId>,
    refund: Option<&'a rules::RefundPlan>,
}

impl<'a> Entry<'a> {
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

fn refused(e: PaymentError) -> StoreError {
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

/// What the provider said when it did not approve, as a 409.
fn approved(outcome: Result<PaymentTransaction, GatewayError>) -> StoreResult<PaymentTransaction> {
    outcome.map_err(|e| StoreError::Conflict {
        code: match e {
            GatewayError::Declined(_) => "payment_declined",
            GatewayError::Provider(_) => "payment_provider_error",
        },
        message: format!("the payment provider did not approve: {e}"),
    })
}

/// Asks the provider for one transaction of `books`' approved payment, once the rules
/// accept it, and records it; returns the record, or what the provider said instead.
async fn record(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    books: &mut Books,
    kind: TransactionKind,
    entry: Entry<'_>,
    actor: &str,
) -> StoreResult<Result<PaymentTransaction, GatewayError>> {
    let asked = ask(now, books, kind, entry, actor)?;
    if let Ok(record) = &asked {
        write(tx, now, order, books, record).await?;
    }
    Ok(asked)
}

/// Asks the provider for one transaction of `books`' approved payment, once the rules
/// accept it: the record to write, or what the provider said instead. Nothing is
/// written yet.
fn ask(
    now: Timestamp,
    books: &Books,
    kind: TransactionKind,
    entry: Entry<'_>,
    actor: &str,
) -> StoreResult<Result<PaymentTransaction, GatewayError>> {
    let payment = books.approved().ok_or_else(|| StoreError::Conflict {
        code: "no_payment",
        message: "the order has no approved payment".into(),
    })?;
    let amount = entry.share.amount;
    books.totals.apply(kind, amount).map_err(refused)?;
    let id = PaymentTransactionId::new_at(now);
    let asked = payment.provider.gateway().execute(&GatewayRequest {
        kind,
        amount,
        token: payment.method_token.as_deref(),
        transaction: id.as_str(),
    });
    let reference = match asked {
        Ok(reference) => reference,
        Err(e) => return Ok(Err(e)),
    };
    let refund = entry.refund;
    Ok(Ok(PaymentTransaction {
        id,
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
        provider_reference: reference,
        actor: actor.to_owned(),
        created_at: now,
    }))
}

/// Writes a transaction the provider accepted, with its timeline event, and enters it
/// in `books`.
async fn write(
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
    let after = books.totals.apply(kind, amount).map_err(refused)?;
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
    books.transactions.push(record.clone());
    Ok(())
}

/// Writes the payment status `books` mean onto the order.
async fn save_status(tx: &mut WriteTx, now: Timestamp, order: &OrderId, books: &Books) -> StoreResult<()> {
    db::query("UPDATE sales_order SET payment_status = $1, updated_at = $2 WHERE id = $3")
        .bind(books.status().as_str())
        .bind(micros(now))
        .bind(order.as_str())
        .execute(&mut ***tx)
        .await?;
    Ok(())
}

/// Takes the order's row for this transaction (bumping its version), so concurrent
/// payment changes of one order queue behind each other and each reads what the
/// previous one wrote. Call it after any optimistic check of the order's version.
async fn lock_order(tx: &mut WriteTx, now: Timestamp, order: &OrderId) -> StoreResult<()> {
    let locked = db::query("UPDATE sales_order SET version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(micros(now))
        .bind(order.as_str())
        .execute(&mut ***tx)
        .await?;
    if locked.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::not_found("order", order.as_str()))
    }
}

/// The order's lines and shipping as a refund is priced against them.
async fn refund_ledger(tx: &mut WriteTx, order: &OrderId, books: &Books) -> StoreResult<RefundLedger> {
    let c = books.currency;
    let shipping = shipping(tx, order, c).await?;
    let lines = db::query("SELECT line_no, quantity, total FROM order_line WHERE order_id = $1 ORDER BY line_no")
        .bind(order.as_str())
        .fetch_all(&mut ***tx)
        .await?
        .iter()
        .map(|r| {
            let line_no: i64 = r.try_get("line_no")?;
            let (charged, _) = books.covered(TransactionKind::Capture, line_no);
            let (refunded, refunded_amount) = books.covered(TransactionKind::Refund, line_no);
            Ok(LineLedger {
                line_no,
                total: Money::new(r.try_get("total")?, c),
                ordered: r.try_get("quantity")?,
                charged,
                refunded,
                refunded_amount: Money::new(refunded_amount, c),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(RefundLedger {
        totals: books.totals,
        lines,
        shipping,
        shipping_charged: books.shipping(TransactionKind::Capture) > 0,
        shipping_refunded: Money::new(books.shipping(TransactionKind::Refund), c),
    })
}

/// Gives money back for `order` inside `tx`: takes the order's row (so concurrent
/// refunds of one order queue), prices `request` against what was captured and already
/// refunded (`core::payment::plan_refund`), asks the order's provider, records the
/// refund with the provider's reference, writes the payment status and the timeline
/// (`order.refunded`, with its outbox message).
///
/// Fails with `Invalid` (field by field), `RefundExceedsCaptured` (409
/// `refund_exceeds_captured`, naming what is left) or a 409 when the provider declines.
/// It bumps the order's version: check the version before calling it, not after.
///
/// The signature is final: `refund_in(tx, order, &request, actor)`, stamped with the
/// transaction's time (`WriteTx::now`).
pub(crate) async fn refund_in(
    tx: &mut WriteTx,
    order: &OrderId,
    request: &RefundRequest,
    actor: &str,
) -> StoreResult<RefundRecord> {
    let now = tx.now();
    lock_order(tx, now, order).await?;
    let mut books = books(tx, order).await?;
    let ledger = refund_ledger(tx, order, &books).await?;
    let plan = rules::plan_refund(&ledger, request).map_err(refund_refused)?;
    let entry = Entry::refund(&plan);
    let record = approved(record(tx, now, order, &mut books, TransactionKind::Refund, entry, actor).await?)?;
    save_status(tx, now, order, &books).await?;
    Ok(record)
}

fn refund_refused(e: RefundError) -> StoreError {
    match e {
        RefundError::Invalid(errors) => StoreError::Invalid(errors),
        RefundError::ExceedsRefundable { requested, remaining } => {
            StoreError::RefundExceedsCaptured { requested, remaining }
        }
    }
}

/// The order's lines (`only` those numbers, when given) as parts of a capture or void:
/// each whole (a line ships whole: a short pick sends all of it back to routing).
async fn line_parts(
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

/// The order's shipping and its tax.
async fn shipping(tx: &mut WriteTx, order: &OrderId, c: Currency) -> StoreResult<Money> {
    let row = db::query("SELECT shipping_amount, shipping_tax FROM sales_order WHERE id = $1")
        .bind(order.as_str())
        .fetch_one(&mut ***tx)
        .await?;
    Ok(Money::new(
        row.try_get::<i64, _>("shipping_amount")? + row.try_get::<i64, _>("shipping_tax")?,
        c,
    ))
}

/// How many of the order's lines are in `statuses`.
async fn count_lines(tx: &mut WriteTx, order: &OrderId, statuses: &str) -> StoreResult<i64> {
    let sql = format!("SELECT COUNT(*) FROM order_line WHERE order_id = $1 AND status IN ({statuses})");
    Ok(db::query_scalar(sql).bind(order.as_str()).fetch_one(&mut ***tx).await?)
}

/// Asks the channel's provider to authorize the order's total — and to capture it,
/// when the channel captures on placement or the marketplace collected it — and
/// records the attempt. A decline or provider error is recorded too (with
/// `order.payment_declined`) and returned as the attempt's status: the caller holds
/// the order. Refused (409 `payment_not_needed`) while money is authorized or captured.
pub(crate) async fn authorize_in(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    token: Option<&PaymentToken>,
    actor: &str,
) -> StoreResult<Payment> {
    let books = books(tx, order).await?;
    if books.totals.capturable().amount > 0 || books.totals.captured.amount > 0 {
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
    authorize_with(tx, now, order, books, terms, token, actor).await
}

/// How a channel takes its orders' money.
pub(crate) struct Terms {
    pub provider: PaymentProvider,
    pub mode: rules::CaptureMode,
}

/// The first authorization of a new order, whose total is `due`: `authorize_in`
/// without reading the books and terms the caller already knows.
pub(crate) async fn authorize_new(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    due: Money,
    terms: Terms,
    token: Option<&PaymentToken>,
    actor: &str,
) -> StoreResult<Payment> {
    authorize_with(tx, now, order, Books::new(due), terms, token, actor).await
}

async fn authorize_with(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    mut books: Books,
    Terms { provider, mode }: Terms,
    token: Option<&PaymentToken>,
    actor: &str,
) -> StoreResult<Payment> {
    let total = books.due;
    let mut attempt = Payment {
        id: PaymentId::new_at(now),
        provider,
        method_token: token.map(|t| t.as_str().to_owned()),
        amount: total,
        status: AttemptStatus::Approved,
        reference: None,
        message: None,
        actor: actor.to_owned(),
        created_at: now,
    };
    books.payments.push(attempt.clone());
    // The provider is asked first, so the payment is written once, with its outcome,
    // before the authorization that refers to it.
    let mut authorization = None;
    if total.amount > 0 {
        let entry = Entry {
            share: Share {
                amount: total,
                lines: Vec::new(),
                shipping: Money::zero(total.currency),
            },
            shipment: None,
            refund: None,
        };
        match ask(now, &books, TransactionKind::Authorization, entry, actor)? {
            Ok(t) => {
                attempt.reference = Some(t.provider_reference.clone());
                authorization = Some(t);
            }
            Err(e) => {
                attempt.status = match e {
                    GatewayError::Declined(_) => AttemptStatus::Declined,
                    GatewayError::Provider(_) => AttemptStatus::Failed,
                };
                let message = e.to_string();
                attempt.message = Some(message.clone());
                event(
                    tx,
                    now,
                    order,
                    OrderEventKind::PaymentDeclined,
                    actor,
                    format!("Payment of {total} with {provider} not approved: {message}"),
                    json!({ "payment_id": attempt.id, "provider": provider, "status": attempt.status, "message": message }),
                );
            }
        }
    }
    db::query(
        "INSERT INTO payment (id, order_id, provider, method_token, amount, currency, status, reference, message, \
         actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(attempt.id.as_str())
    .bind(order.as_str())
    .bind(provider.as_str())
    .bind(attempt.method_token.as_deref())
    .bind(total.amount)
    .bind(total.currency.to_string())
    .bind(attempt.status.as_str())
    .bind(attempt.reference.as_deref())
    .bind(attempt.message.as_deref())
    .bind(actor)
    .bind(micros(now))
    .execute(&mut ***tx)
    .await?;
    if let Some(authorization) = &authorization {
        write(tx, now, order, &mut books, authorization).await?;
    }
    if attempt.status == AttemptStatus::Approved && total.amount > 0 && provider.captures_at_placement(mode) {
        let parts = line_parts(tx, order, books.currency, None).await?;
        let shipping = shipping(tx, order, books.currency).await?;
        let share = rules::capture_share(&books.totals, &parts, shipping, true)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let entry = Entry {
            share,
            shipment: None,
            refund: None,
        };
        approved(record(tx, now, order, &mut books, TransactionKind::Capture, entry, actor).await?)?;
    }
    if attempt.status != AttemptStatus::Approved {
        books.payments.retain(|p| p.id != attempt.id);
    }
    save_status(tx, now, order, &books).await?;
    Ok(attempt)
}

/// Captures the share of a shipment that just shipped (its lines are marked shipped):
/// each line's share, the shipping with the order's first capture, and everything left
/// when nothing is left to ship. Nothing happens when nothing is capturable (captured
/// on placement, or no approved payment).
pub(crate) async fn capture_shipment_in(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    shipment: &ShipmentId,
    actor: &str,
) -> StoreResult<()> {
    let mut books = books(tx, order).await?;
    if books.approved().is_none() || books.totals.capturable().amount <= 0 {
        return Ok(());
    }
    let shipped: Vec<i64> = db::query_scalar(
        "SELECT DISTINCT l.line_no FROM order_line l JOIN shipment_line x ON x.line_id = l.id \
         WHERE x.shipment_id = $1 AND x.status = 'open' AND l.status = 'shipped' ORDER BY l.line_no",
    )
    .bind(shipment.as_str())
    .fetch_all(&mut ***tx)
    .await?;
    let parts = line_parts(tx, order, books.currency, Some(&shipped)).await?;
    let last = count_lines(tx, order, "'allocated', 'backordered'").await? == 0;
    let shipping = shipping(tx, order, books.currency).await?;
    let share =
        rules::capture_share(&books.totals, &parts, shipping, last).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if share.amount.amount > 0 {
        let entry = Entry {
            share,
            shipment: Some(shipment),
            refund: None,
        };
        approved(record(tx, now, order, &mut books, TransactionKind::Capture, entry, actor).await?)?;
        save_status(tx, now, order, &books).await?;
    }
    Ok(())
}

/// Settles the money of lines just cancelled (`lines`, by number): voids their share of
/// what is still authorized (all of it when nothing is left to ship), and refunds what
/// was already captured for them (captured on placement) — with the shipping when the
/// whole order is cancelled before anything shipped.
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
    let left = count_lines(tx, order, "'allocated', 'backordered'").await? > 0;
    if books.totals.capturable().amount > 0 {
        let share = rules::void_share(&books.totals, &parts, left).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if share.amount.amount > 0 {
            let entry = Entry {
                share,
                shipment: None,
                refund: None,
            };
            approved(record(tx, now, order, &mut books, TransactionKind::Void, entry, actor).await?)?;
        }
    }
    let ledger = refund_ledger(tx, order, &books).await?;
    let owed: Vec<RefundLine> = ledger
        .lines
        .iter()
        .filter(|l| lines.contains(&l.line_no) && l.charged > l.refunded)
        .map(|l| RefundLine {
            line_no: l.line_no,
            quantity: l.charged - l.refunded,
        })
        .collect();
    let nothing_went = !left && count_lines(tx, order, "'shipped', 'delivered'").await? == 0;
    let request = RefundRequest {
        lines: owed,
        shipping: nothing_went && ledger.shipping_charged && ledger.shipping_refunded.amount < ledger.shipping.amount,
        ..RefundRequest::new(RefundReason::Cancellation)
    };
    if let Some(plan) = rules::plan_cancellation_refund(&ledger, &request).map_err(refund_refused)? {
        let entry = Entry::refund(&plan);
        approved(record(tx, now, order, &mut books, TransactionKind::Refund, entry, actor).await?)?;
    }
    save_status(tx, now, order, &books).await
}

impl Store {
    /// What an order's payment transactions add up to.
    pub(crate) async fn order_payment_totals(&self, order: &OrderId) -> StoreResult<PaymentTotals> {
        let mut conn = self.pool.acquire().await?;
        Ok(books(&mut conn, order).await?.totals)
    }

    /// An order's payments, transactions and what they add up to.
    pub async fn order_payments(&self, key: &str) -> StoreResult<OrderPayments> {
        let mut conn = self.pool.acquire().await?;
        let column = if OrderId::parse(key).is_some() { "id" } else { "number" };
        let sql = format!("SELECT id, number FROM sales_order WHERE {column} = $1");
        let row = db::query(sql)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("order", key))?;
        let id: OrderId = get_id(&row, "id")?;
        let books = books(&mut conn, &id).await?;
        Ok(OrderPayments {
            order_id: id,
            order_number: row.try_get("number")?,
            status: books.status(),
            totals: books.totals,
            capturable: books.totals.capturable(),
            refundable: books.totals.refundable(),
            payments: books.payments,
            transactions: books.transactions,
        })
    }

    /// Asks for the order's money again, with a new payment method: an order held for
    /// payment is released when it is approved; an open order is held for payment when
    /// it is not. Returns the attempt.
    pub async fn retry_payment(&self, key: &str, token: Option<&PaymentToken>, actor: &str) -> StoreResult<Payment> {
        crate::inventory::retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let head = self.head(&mut tx, key).await?;
                if !matches!(head.status, OrderStatus::Open | OrderStatus::OnHold) {
                    return Err(StoreError::Conflict {
                        code: "order_closed",
                        message: format!("order {} is {}; it takes no payment", head.number, head.status),
                    });
                }
                let attempt = authorize_in(&mut tx, now, &head.id, token, actor).await?;
                self.after_payment_attempt(&mut tx, &head, &attempt, actor, now).await?;
                Ok(attempt)
            }
            .await;
            tx.finish(result).await
        })
    }

    /// Gives money back for an order (by id or number); see `refund_in`.
    pub async fn refund_order(&self, key: &str, request: &RefundRequest, actor: &str) -> StoreResult<RefundRecord> {
        crate::inventory::retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let head = self.head(&mut tx, key).await?;
                refund_in(&mut tx, &head.id, request, actor).await
            }
            .await;
            tx.finish(result).await
        })
    }
}

impl Store {
    /// Holds or releases the order after a payment attempt: an approved one releases a
    /// hold for payment; a declined or failed one holds an open order for payment (its
    /// stock stays reserved). Either way the order's version is checked and bumped.
    pub(crate) async fn after_payment_attempt(
        &self,
        tx: &mut WriteTx,
        head: &Head,
        attempt: &Payment,
        actor: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        let hold = self.current_hold(tx, &head.id).await?;
        let approved = attempt.status == AttemptStatus::Approved;
        match (head.status, approved, hold) {
            (OrderStatus::OnHold, true, Some(h)) if h.reason == HoldReason::Payment => {
                let to = order_rules::transition(head.status, OrderAction::Release)?;
                self.save_head(tx, head, to, None, now).await?;
                let message = "Released from hold: payment approved".to_owned();
                event(
                    tx,
                    now,
                    &head.id,
                    OrderEventKind::Released,
                    actor,
                    message,
                    json!({ "payment_id": attempt.id }),
                );
                Ok(())
            }
            (OrderStatus::Open, false, _) => {
                let to = order_rules::transition(head.status, OrderAction::Hold)?;
                let hold = switchyard_core::order::Hold {
                    reason: HoldReason::Payment,
                    note: attempt.message.clone(),
                    until: None,
                };
                self.save_head(tx, head, to, Some(&hold), now).await?;
                let message = format!(
                    "Held for payment: {}",
                    attempt.message.as_deref().unwrap_or("not approved")
                );
                let data = json!({ "reason": HoldReason::Payment, "note": hold.note, "payment_id": attempt.id });
                event(tx, now, &head.id, OrderEventKind::Held, actor, message, data);
                Ok(())
            }
            (status, _, hold) => self.save_head(tx, head, status, hold.as_ref(), now).await,
        }
    }
}
