//! Internal notes: what staff write on an order for each other, kept on its timeline
//! with the writer's name (and in the outbox, like every event, for integrations that
//! follow `order.note_added`; never mailed to the customer).

use super::*;

impl Store {
    /// Puts `note` (checked by `core::order::note`) on the order's timeline, by `actor`.
    /// Any order takes a note, whatever its status.
    pub async fn add_order_note(&self, key: &str, note: &str, actor: &str) -> StoreResult<Order> {
        let id = transact!(self, |tx| {
            let now = tx.now();
            let head = Head::take(tx, key).await?;
            let message = format!("Note: {note}");
            event(
                tx,
                now,
                &head.id,
                OrderEventKind::NoteAdded,
                actor,
                message,
                json!({ "note": note }),
            );
            Ok(head.id)
        })?;
        self.order(id.as_str()).await
    }
}
