//! Answers through the signed link: what the form asks about, and saving what the
//! customer said. The first answer stands: a second submit of the same link is refused
//! (`already_answered`) rather than replacing it, because an answer has effects that
//! cannot be taken back — the follow-up flag, the timeline entry, `feedback.negative`
//! sent to helpdesks — and a forwarded or replayed link must not rewrite what the
//! customer said.

use serde::Serialize;
use serde_json::json;
use switchyard_core::feedback::{FeedbackAnswers, NEGATIVE_TOPIC, RequestOutcome};
use switchyard_core::id::{FeedbackId, LineId, OrderId, ProductId};
use switchyard_core::order::{LineStatus, OrderEventKind};

use super::Feedback;
use crate::db::{self, Arg, get_id, get_opt_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::order::{event, lock};
use crate::outbox::enqueue;
use crate::{Store, WriteTx};

/// One item the form asks about.
#[derive(Debug, Clone, Serialize)]
pub struct FormLine {
    pub line_no: i64,
    pub sku: String,
    pub title: String,
    pub quantity: i64,
}

/// What the feedback page of an order shows.
#[derive(Debug, Clone, Serialize)]
pub struct FeedbackForm {
    pub order_number: String,
    /// The channel's name, as the shop the customer bought from.
    pub shop: String,
    /// The delivered lines, in line order.
    pub lines: Vec<FormLine>,
    /// Whether the customer already answered.
    pub answered: bool,
}

/// The address order `order`'s request was sent to; not found when none was sent.
pub(super) async fn sent_to(tx: &mut WriteTx, order: &OrderId) -> StoreResult<String> {
    let email: Option<Option<String>> =
        db::query_scalar("SELECT email FROM feedback_request WHERE order_id = $1 AND outcome = $2")
            .bind(order.as_str())
            .bind(RequestOutcome::Sent.as_str())
            .fetch_optional(&mut ***tx)
            .await?;
    email
        .flatten()
        .ok_or_else(|| StoreError::not_found("feedback request", order.as_str()))
}

/// A line the customer may rate.
struct Rateable {
    id: LineId,
    line_no: i64,
    product: ProductId,
    sku: String,
}

impl Store {
    /// What the feedback page of order `order` asks about; not found unless the
    /// customer was sent a request for it.
    pub async fn feedback_form(&self, order: &OrderId) -> StoreResult<FeedbackForm> {
        let head = db::query(
            "SELECT o.number, c.name, r.answered_at FROM feedback_request r JOIN sales_order o ON o.id = r.order_id \
             JOIN channel c ON c.id = o.channel_id WHERE r.order_id = $1 AND r.outcome = $2",
        )
        .bind(order.as_str())
        .bind(RequestOutcome::Sent.as_str())
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::not_found("feedback request", order.as_str()))?;
        let lines = db::query(
            "SELECT line_no, sku, title, quantity FROM order_line WHERE order_id = $1 AND status = $2 ORDER BY line_no",
        )
        .bind(order.as_str())
        .bind(LineStatus::Delivered.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(FormLine {
                line_no: row.try_get("line_no")?,
                sku: row.try_get("sku")?,
                title: row.try_get("title")?,
                quantity: row.try_get("quantity")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(FeedbackForm {
            order_number: head.try_get("number")?,
            shop: head.try_get("name")?,
            lines,
            answered: get_opt_time(&head, "answered_at")?.is_some(),
        })
    }

    /// Saves the customer's answer to order `order`'s request. A rating of 2 or lower
    /// flags the order `follow_up` and sends `feedback.negative`; every answer goes on
    /// the timeline. Refused (`already_answered`) when the order has its answer.
    pub async fn answer_feedback(&self, order: &OrderId, answers: &FeedbackAnswers) -> StoreResult<Feedback> {
        let id = transact!(self, |tx| {
            let now = tx.now();
            sent_to(tx, order).await?;
            let first =
                db::query("UPDATE feedback_request SET answered_at = $1 WHERE order_id = $2 AND answered_at IS NULL")
                    .bind(micros(now))
                    .bind(order.as_str())
                    .execute(&mut ***tx)
                    .await?;
            if first.rows_affected() != 1 {
                return Err(StoreError::Conflict {
                    code: "already_answered",
                    message: "this order's feedback was already given".into(),
                });
            }
            let lines = rateable(tx, order).await?;
            let id = FeedbackId::new_at(now);
            save(tx, &id, order, answers, &lines).await?;
            let negative = answers.is_negative();
            if negative {
                lock(tx, now, order).await?;
                db::query("UPDATE sales_order SET follow_up_at = $1 WHERE id = $2 AND follow_up_at IS NULL")
                    .bind(micros(now))
                    .bind(order.as_str())
                    .execute(&mut ***tx)
                    .await?;
            }
            let lowest = answers.lowest().unwrap_or_default();
            let rated: Vec<_> = answers
                .items
                .iter()
                .filter_map(|i| {
                    let line = lines.iter().find(|l| l.line_no == i.line_no)?;
                    Some(json!({"line_id": line.id, "sku": line.sku, "rating": i.rating}))
                })
                .collect();
            let data = json!({
                "feedback_id": id,
                "delivery_rating": answers.delivery,
                "items": rated,
                "comment": answers.comment,
                "lowest_rating": lowest,
                "follow_up": negative,
            });
            let message = if negative {
                format!("The customer gave feedback, lowest rating {lowest} of 5: flagged for follow-up")
            } else {
                format!("The customer gave feedback, lowest rating {lowest} of 5")
            };
            event(
                tx,
                now,
                order,
                OrderEventKind::FeedbackReceived,
                "customer",
                message,
                data.clone(),
            );
            if negative {
                let mut payload = data;
                payload["order_id"] = json!(order);
                payload["at"] = json!(now);
                enqueue(tx, now, NEGATIVE_TOPIC, order.as_str(), &payload);
            }
            Ok(id)
        })?;
        self.feedback(&id).await
    }
}

/// The order's delivered lines, which an answer may rate.
async fn rateable(tx: &mut WriteTx, order: &OrderId) -> StoreResult<Vec<Rateable>> {
    db::query("SELECT id, line_no, product_id, sku FROM order_line WHERE order_id = $1 AND status = $2")
        .bind(order.as_str())
        .bind(LineStatus::Delivered.as_str())
        .fetch_all(&mut ***tx)
        .await?
        .iter()
        .map(|row| {
            Ok(Rateable {
                id: get_id(row, "id")?,
                line_no: row.try_get("line_no")?,
                product: get_id(row, "product_id")?,
                sku: row.try_get("sku")?,
            })
        })
        .collect()
}

/// Writes the answer and its item ratings; a rating of a line that cannot be rated
/// (no longer delivered) is refused under its form field.
async fn save(
    tx: &mut WriteTx,
    id: &FeedbackId,
    order: &OrderId,
    answers: &FeedbackAnswers,
    lines: &[Rateable],
) -> StoreResult<()> {
    let now = tx.now();
    let ratings = answers.items.iter().map(|i| i.rating).chain(answers.delivery);
    let (lowest, highest) = (ratings.clone().min(), ratings.max());
    let (Some(lowest), Some(highest)) = (lowest, highest) else {
        return Err(StoreError::invalid(
            "",
            "required",
            "rate at least one item or the delivery",
        ));
    };
    db::query(
        "INSERT INTO feedback (id, order_id, channel_id, delivery_rating, lowest_rating, highest_rating, comment, \
         created_at) SELECT $1, id, channel_id, $2, $3, $4, $5, $6 FROM sales_order WHERE id = $7",
    )
    .bind(id.as_str())
    .bind(answers.delivery)
    .bind(lowest)
    .bind(highest)
    .bind(answers.comment.as_deref())
    .bind(micros(now))
    .bind(order.as_str())
    .execute(&mut ***tx)
    .await?;
    for item in &answers.items {
        let line = lines.iter().find(|l| l.line_no == item.line_no).ok_or_else(|| {
            StoreError::invalid(
                &format!("item_{}", item.line_no),
                "unknown_field",
                "is not a question of this form",
            )
        })?;
        db::query(
            "INSERT INTO feedback_item (feedback_id, line_id, product_id, sku, rating) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.as_str())
        .bind(line.id.as_str())
        .bind(line.product.as_str())
        .bind(Arg::Text(line.sku.clone()))
        .bind(item.rating)
        .execute(&mut ***tx)
        .await?;
    }
    Ok(())
}
