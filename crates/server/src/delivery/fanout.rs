//! Dispatch decisions for committed messages: the event every destination receives —
//! its type, when it happened and the resource it is about as the API returns it (read
//! now, just after the write) with the message's own record of what happened — and
//! which destinations want it. Everything is read before the dispatch transaction
//! begins, which then only writes.

use serde_json::{Value, json};
use switchyard_core::delivery::{self, Destination};
use switchyard_core::mail;
use switchyard_store::outbox::{Dispatch, Undispatched};
use switchyard_store::{Store, StoreError, StoreResult};

/// The dispatch of each message, in the order given.
pub async fn plan(store: &Store, messages: &[Undispatched]) -> StoreResult<Vec<Dispatch>> {
    let mut plan = Vec::with_capacity(messages.len());
    for message in messages {
        plan.push(Dispatch {
            message: message.id.clone(),
            body: body(store, message).await?,
            ordering_key: delivery::ordering_key(&message.aggregate_id, &message.payload).to_owned(),
            destinations: destinations(store, message).await?,
        });
    }
    Ok(plan)
}

/// The event as sent: `type`, `timestamp`, `data` (the resource), `event` (what the
/// write recorded: which line, why, by whom).
async fn body(store: &Store, message: &Undispatched) -> StoreResult<Value> {
    Ok(json!({
        "type": message.topic,
        "timestamp": message.created_at,
        "data": resource(store, message).await?,
        "event": message.payload,
    }))
}

/// The record a message is about, as `GET` on it answers now; the message's own payload
/// for a record the API does not show (or no longer has).
async fn resource(store: &Store, message: &Undispatched) -> StoreResult<Value> {
    let family = message.topic.split('.').next().unwrap_or_default();
    let key = delivery::ordering_key(&message.aggregate_id, &message.payload);
    let read = match family {
        "order" => store.order(key).await.map(serde_json::to_value),
        "shipment" => store.shipment(&message.aggregate_id).await.map(serde_json::to_value),
        "purchase_order" => store
            .purchase_order(&message.aggregate_id)
            .await
            .map(serde_json::to_value),
        _ => return Ok(message.payload.clone()),
    };
    match read {
        Ok(value) => Ok(value?),
        Err(StoreError::NotFound { .. }) => Ok(message.payload.clone()),
        Err(e) => Err(e),
    }
}

/// Who wants `message`.
async fn destinations(_store: &Store, message: &Undispatched) -> StoreResult<Vec<Destination>> {
    let mut wanted = Vec::new();
    // Webhook endpoints subscribe here (issue 16's webhook senders).
    // The customer, when the message is one they are mailed about; whether the channel
    // sends that kind, and to which address, the email sender decides at its try.
    if mail::kind_for(&message.topic, &message.payload).is_some() {
        wanted.push(Destination::Email);
    }
    Ok(wanted)
}
