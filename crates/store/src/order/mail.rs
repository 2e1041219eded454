//! Customer emails on the order's timeline: each one sent is an event naming its kind
//! and subject (never its text), so whoever looks at the order sees what the customer
//! was told and when.

use switchyard_core::mail::EmailKind;

use super::*;

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
}
