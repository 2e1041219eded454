//! Requests: the sweep finds orders that came due (every line delivered, the last
//! delivery within core's window for the channel's `feedback_after_days`, not decided
//! yet) and decides each once: sent — an `order.feedback_requested` event whose outbox
//! message carries the signed link the email shows — or not, and why.

use serde_json::json;
use switchyard_core::feedback::{self, RequestOutcome};
use switchyard_core::id::OrderId;
use switchyard_core::order::{FulfilmentStatus, OrderEventKind};

use crate::db::{self, get_id, micros};
use crate::error::StoreResult;
use crate::order::event;
use crate::{Store, WriteTx};

/// The most orders one sweep decides per channel; the rest wait for the next.
const BATCH: i64 = 100;

/// An order that came due.
struct Due {
    order: OrderId,
    customer_email: String,
}

impl Store {
    /// Decides every order that is due for a feedback request now: asks its customer
    /// (its email carries the link), or records why not. Answers how many
    /// customers were asked. The sweep runs it; tests call it after moving the clock.
    pub async fn request_due_feedback(&self) -> StoreResult<usize> {
        let channels = db::query("SELECT id, feedback_after_days FROM channel WHERE feedback_after_days IS NOT NULL")
            .fetch_all(&self.pool)
            .await?;
        let mut asked = 0;
        for row in &channels {
            let channel: String = row.try_get("id")?;
            let days: i64 = row.try_get("feedback_after_days")?;
            let due = self.due(&channel, days).await?;
            if due.is_empty() {
                continue;
            }
            asked += transact!(self, |tx| {
                let mut asked = 0;
                for order in &due {
                    if decide(tx, order).await? == Some(RequestOutcome::Sent) {
                        asked += 1;
                    }
                }
                Ok(asked)
            })?;
        }
        Ok(asked)
    }

    /// Orders of `channel` (asking `days` after delivery) due now and not decided yet.
    async fn due(&self, channel: &str, days: i64) -> StoreResult<Vec<Due>> {
        let window = feedback::due_window(self.now(), days);
        let rows = db::query(format!(
            "SELECT o.id, o.customer_email, MAX(s.delivered_at) AS last_delivered FROM shipment s \
             JOIN sales_order o ON o.id = s.order_id \
             WHERE s.delivered_at > $1 AND s.delivered_at <= $2 AND o.channel_id = $3 \
             AND o.fulfilment_status = {delivered} \
             AND NOT EXISTS (SELECT 1 FROM feedback_request r WHERE r.order_id = o.id) \
             AND NOT EXISTS (SELECT 1 FROM shipment l WHERE l.order_id = o.id AND l.delivered_at > $2) \
             GROUP BY o.id, o.customer_email ORDER BY last_delivered, o.id LIMIT {BATCH}",
            delivered = db::is(FulfilmentStatus::Delivered)
        ))
        .bind(micros(window.delivered_after))
        .bind(micros(window.delivered_by))
        .bind(channel)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Due {
                    order: get_id(row, "id")?,
                    customer_email: row.try_get("customer_email")?,
                })
            })
            .collect()
    }

    /// Records that the customer behind feedback link of `order` wants no more
    /// feedback emails: the address the request went to is kept, lower-cased, and no
    /// later order to it is asked. Not found when the order was never asked.
    pub async fn opt_out_of_feedback(&self, order: &OrderId) -> StoreResult<()> {
        transact!(self, |tx| {
            let email = super::answer::sent_to(tx, order).await?;
            db::query(
                "INSERT INTO feedback_opt_out (email, created_at) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING",
            )
            .bind(email)
            .bind(micros(tx.now()))
            .execute(&mut ***tx)
            .await?;
            Ok(())
        })
    }
}

/// Decides one due order in `tx`: `None` when another sweep decided it first.
async fn decide(tx: &mut WriteTx, due: &Due) -> StoreResult<Option<RequestOutcome>> {
    let now = tx.now();
    let to = feedback::recipient(&due.customer_email);
    let opted_out = match &to {
        Some(to) => db::query("SELECT 1 FROM feedback_opt_out WHERE email = $1")
            .bind(to.as_str())
            .fetch_optional(&mut ***tx)
            .await?
            .is_some(),
        None => false,
    };
    let outcome = feedback::ask(to.as_deref(), opted_out);
    let expires_at = switchyard_core::link::expiry(switchyard_core::link::Purpose::Feedback, now);
    let sent = outcome == RequestOutcome::Sent;
    let taken = db::query(
        "INSERT INTO feedback_request (order_id, outcome, email, decided_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(due.order.as_str())
    .bind(outcome.as_str())
    .bind(to.as_deref().filter(|_| sent))
    .bind(micros(now))
    .bind(sent.then(|| micros(expires_at)))
    .execute(&mut ***tx)
    .await?
    .rows_affected();
    if taken != 1 {
        return Ok(None);
    }
    if sent {
        // The link itself is made again when the email is written (`Store::feedback_link`):
        // the timeline, the event feed and webhooks must not carry a key to the
        // customer's form.
        let data = json!({ "expires_at": expires_at });
        let message = format!(
            "Asked the customer for feedback; the link works until {}",
            expires_at.strftime("%Y-%m-%d %H:%M UTC")
        );
        event(
            tx,
            now,
            &due.order,
            OrderEventKind::FeedbackRequested,
            "system",
            message,
            data,
        );
    }
    Ok(Some(outcome))
}
