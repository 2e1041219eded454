//! Customer emails on the order's timeline: each one sent is an event naming its kind
//! and subject (never its text), so whoever looks at the order sees what the customer
//! was told and when.

use switchyard_core::delivery::{DeliveryState, Destination};
use switchyard_core::id::MessageId;
use switchyard_core::mail::{self, EmailKind};

use super::*;
use crate::outbox::retry_in;

/// An email of the order's customer: the message it is made from and how its latest
/// delivery stands.
#[derive(Debug, Clone, Serialize)]
pub struct OrderEmail {
    pub message_id: MessageId,
    pub kind: EmailKind,
    pub state: DeliveryState,
    pub tries: i64,
    /// When the latest delivery of it was queued.
    pub queued_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

impl Store {
    /// Puts an email sent to the order's customer on its timeline. The event reaches
    /// the outbox like every other (integrations may follow it) but becomes no email
    /// (`core::mail::kind_for`).
    pub async fn record_email_sent(&self, order: &OrderId, kind: EmailKind, subject: &str) -> StoreResult<()> {
        transact!(self, |tx| {
            let now = tx.now();
            let message = format!("Emailed the customer ({}): {subject}", kind.as_str().replace('_', " "));
            let data = json!({ "kind": kind, "subject": subject });
            event(tx, now, order, OrderEventKind::EmailSent, "system", message, data);
            Ok(())
        })
    }

    /// The emails the order's customer was sent or is to be sent, oldest first: the
    /// latest delivery of each message to `email`.
    pub async fn order_emails(&self, order: &OrderId) -> StoreResult<Vec<OrderEmail>> {
        let rows = db::query(
            "SELECT d.message_id, m.topic, m.payload, d.state, d.tries, d.created_at, d.finished_at \
             FROM delivery d JOIN outbox_message m ON m.id = d.message_id \
             WHERE m.aggregate_id = $1 AND d.destination = $2 \
             AND d.id = (SELECT MAX(l.id) FROM delivery l WHERE l.message_id = d.message_id AND l.destination = $2) \
             ORDER BY d.message_id",
        )
        .bind(order.as_str())
        .bind(Destination::Email.as_text())
        .fetch_all(&self.pool)
        .await?;
        let mut emails = Vec::new();
        for row in &rows {
            let topic: String = row.try_get("topic")?;
            let payload: serde_json::Value = get_json(row, "payload")?;
            // A message the email destination took is one `kind_for` names.
            let Some(kind) = mail::kind_for(&topic, &payload) else {
                continue;
            };
            emails.push(OrderEmail {
                message_id: get_id(row, "message_id")?,
                kind,
                state: get_enum(row, "state", DeliveryState::parse)?,
                tries: row.try_get("tries")?,
                queued_at: get_time(row, "created_at")?,
                finished_at: get_opt_time(row, "finished_at")?,
            });
        }
        Ok(emails)
    }

    /// Sends the customer's email `message` of order `key` again, at `actor`'s request,
    /// as soon as a worker is free (`retry_delivery`), and says so on the timeline. Not
    /// found when the message is not an email of this order.
    pub async fn resend_order_email(&self, key: &str, message: &MessageId, actor: &str) -> StoreResult<Order> {
        let id = transact!(self, |tx| {
            let now = tx.now();
            let head = Head::take(tx, key).await?;
            let row = db::query("SELECT topic, payload FROM outbox_message WHERE id = $1 AND aggregate_id = $2")
                .bind(message.as_str())
                .bind(head.id.as_str())
                .fetch_optional(&mut ***tx)
                .await?
                .ok_or_else(|| StoreError::not_found("email", message.as_str()))?;
            let topic: String = row.try_get("topic")?;
            let kind = mail::kind_for(&topic, &get_json(&row, "payload")?)
                .ok_or_else(|| StoreError::not_found("email", message.as_str()))?;
            retry_in(tx, now, &Destination::Email, message).await?;
            let text = format!(
                "Asked to email the customer again ({})",
                kind.as_str().replace('_', " ")
            );
            let data = json!({ "kind": kind, "message_id": message });
            event(tx, now, &head.id, OrderEventKind::EmailResent, actor, text, data);
            Ok(head.id)
        })?;
        self.order(id.as_str()).await
    }
}
