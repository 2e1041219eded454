//! Payments in the database: each order's attempts to get its money authorized, and
//! every authorization, capture, void and refund. A change that moves money (placement,
//! shipping, cancelling, a refund) records what it asks of the provider as a pending
//! request in its own transaction (`request`); the provider is asked after that commit,
//! outside any transaction, and its answer is written in a second short one (`settle`),
//! with the order's `payment_status` derived from the records by `core::payment`. A
//! request whose answer was never written (the process stopped) is asked again by the
//! sweep, by the same id, which the provider treats as its idempotency key. The rules
//! (shares, refundable, status) all live in core.

mod provider;
mod request;
mod settle;

pub use provider::{Performed, performed};
pub(crate) use request::{Terms, capture_shipment_in, refund_in, request_authorization, settle_cancellation_in};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchyard_core::auth::Actor;
use switchyard_core::id::{OrderId, PaymentId, PaymentTransactionId, ShipmentId};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::PaymentStatus;
use switchyard_core::payment::{
    self as rules, AppeasementReason, AttemptStatus, CoveredLine, GatewayError, PaymentProvider, PaymentToken,
    PaymentTotals, RefundReason, RefundRequest, TransactionKind,
};

use crate::db::{self, Link, Row, get_currency, get_enum, get_id, get_json, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::order::Head;
use crate::{Store, WriteTx};

/// One attempt to get an order's money authorized.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// The transactions the providers answered.
    transactions: Vec<PaymentTransaction>,
    /// Transactions asked of a provider and not answered yet.
    pending: Vec<PaymentTransaction>,
    /// Authorization attempts waiting for their provider's answer.
    attempts_pending: Vec<Payment>,
    /// What the answered transactions add up to: the payment status.
    totals: PaymentTotals,
    /// `totals` with the pending transactions as if approved: what new ones are
    /// checked against, so two requests never promise the same money.
    planned: PaymentTotals,
}

impl Books {
    /// The books of an order with no payment yet.
    fn new(due: Money) -> Self {
        Books {
            currency: due.currency,
            due,
            payments: Vec::new(),
            transactions: Vec::new(),
            pending: Vec::new(),
            attempts_pending: Vec::new(),
            totals: PaymentTotals::zero(due.currency),
            planned: PaymentTotals::zero(due.currency),
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

    /// Answered and pending transactions of `kind`.
    fn of_kind(&self, kind: TransactionKind) -> impl Iterator<Item = &PaymentTransaction> {
        self.transactions
            .iter()
            .chain(&self.pending)
            .filter(move |t| t.kind == kind)
    }

    /// Units of each line covered by transactions of `kind` (pending ones too), and
    /// their amount.
    fn covered(&self, kind: TransactionKind, line_no: i64) -> StoreResult<(i64, Money)> {
        rules::covered_line(self.currency, self.of_kind(kind).flat_map(|t| &t.lines), line_no)
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    }

    /// The shipping covered by transactions of `kind` (pending ones too).
    fn shipping(&self, kind: TransactionKind) -> StoreResult<Money> {
        Money::sum(self.currency, self.of_kind(kind).map(|t| t.shipping))
            .map_err(|e| StoreError::Corrupt(e.to_string()))
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
    let requests = request::pending(conn, order).await?;
    let (mut attempts_pending, mut pending) = (Vec::new(), Vec::new());
    for r in requests {
        match r {
            request::Pending::Attempt { payment, .. } => attempts_pending.push(Payment {
                status: AttemptStatus::Pending,
                ..payment
            }),
            request::Pending::Transaction(t) => pending.push(t),
        }
    }
    let sum = |ts: &mut dyn Iterator<Item = &PaymentTransaction>| {
        PaymentTotals::sum(currency, ts.map(|t| (t.kind, t.amount))).map_err(|e| StoreError::Corrupt(e.to_string()))
    };
    let totals = sum(&mut transactions.iter())?;
    let planned = sum(&mut transactions.iter().chain(&pending))?;
    Ok(Books {
        currency,
        due: Money::new(head.try_get("grand_total")?, currency),
        payments,
        transactions,
        pending,
        attempts_pending,
        totals,
        planned,
    })
}

/// Writes a payment attempt with its answer.
async fn insert_payment(tx: &mut WriteTx, order: &OrderId, attempt: &Payment) -> StoreResult<()> {
    db::query(
        "INSERT INTO payment (id, order_id, provider, method_token, amount, currency, status, reference, message, \
         actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(attempt.id.as_str())
    .bind(order.as_str())
    .bind(attempt.provider.as_str())
    .bind(attempt.method_token.as_deref())
    .bind(attempt.amount.amount)
    .bind(attempt.amount.currency.to_string())
    .bind(attempt.status.as_str())
    .bind(attempt.reference.as_deref())
    .bind(attempt.message.as_deref())
    .bind(attempt.actor.as_str())
    .bind(micros(attempt.created_at))
    .execute(&mut ***tx)
    .await?;
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

/// What the provider said when it did not approve, as a 409.
fn not_approved(e: &GatewayError) -> StoreError {
    StoreError::Conflict {
        code: match e {
            GatewayError::Declined(_) => "payment_declined",
            GatewayError::Provider(_) => "payment_provider_error",
        },
        message: format!("the payment provider did not approve: {e}"),
    }
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
            // Attempts still waiting for the provider are listed last, as `pending`.
            payments: books.payments.into_iter().chain(books.attempts_pending).collect(),
            transactions: books.transactions,
        })
    }

    /// Asks for the order's money again, with a new payment method: an order held for
    /// payment is released when it is approved; an open order is held for payment when
    /// it is not. The provider is asked after the request is recorded, outside the
    /// write. Returns the attempt with its answer.
    pub async fn retry_payment(&self, key: &str, token: Option<&PaymentToken>, actor: &str) -> StoreResult<Payment> {
        let (order, attempt) = transact!(self, |tx| {
            let now = tx.now();
            let head = Head::take(tx, key).await?;
            if !head.status.is_live() {
                return Err(StoreError::Conflict {
                    code: "order_closed",
                    message: format!("order {} is {}; it takes no payment", head.number, head.status),
                });
            }
            let attempt = request::authorize_in(tx, now, &head.id, token, actor).await?;
            Ok((head.id, attempt))
        })?;
        self.settle_payments(&order).await?;
        let mut conn = self.pool.acquire().await?;
        let books = books(&mut conn, &order).await?;
        Ok(books
            .payments
            .into_iter()
            .find(|p| p.id == attempt.id)
            .unwrap_or(attempt))
    }

    /// Gives money back for an order (by id or number), asked by `by` and given on its
    /// role's authority; see `refund_in`. The provider is asked once the refund is
    /// recorded; a refund it does not approve is a 409 and moves no money.
    pub async fn refund_order(&self, key: &str, request: &RefundRequest, by: &Actor) -> StoreResult<RefundRecord> {
        let (order, asked) = transact!(self, |tx| {
            let head = Head::take(tx, key).await?;
            let asked = refund_in(tx, &head.id, request, by.role, &by.name).await?;
            Ok((head.id, asked))
        })?;
        let answers = self.settle_payments(&order).await?;
        if let Some(Err(e)) = answers
            .iter()
            .find(|a| a.request == asked.id.as_str())
            .map(|a| &a.answer)
        {
            return Err(not_approved(e));
        }
        let mut conn = self.pool.acquire().await?;
        books(&mut conn, &order)
            .await?
            .transactions
            .into_iter()
            .find(|t| t.id == asked.id)
            .ok_or_else(|| StoreError::Conflict {
                code: "payment_declined",
                message: "the payment provider did not approve the refund".into(),
            })
    }
}
