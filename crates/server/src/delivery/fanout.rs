//! Dispatch decisions for committed messages: the event every destination receives —
//! its type, when it happened and the resource it is about as the API returns it (read
//! now, just after the write) with the message's own record of what happened — and
//! which destinations want it. Everything is read before the dispatch transaction
//! begins, which then only writes.

use serde_json::{Value, json};
use switchyard_core::delivery::{self, Destination};
use switchyard_core::webhook::{self, EndpointFilter};
use switchyard_store::outbox::{Dispatch, Undispatched};
use switchyard_store::webhook::Subscription;
use switchyard_store::{Store, StoreError, StoreResult};

/// The dispatch of each message, in the order given.
pub async fn plan(store: &Store, messages: &[Undispatched]) -> StoreResult<Vec<Dispatch>> {
    let mut plan = Vec::with_capacity(messages.len());
    if messages.is_empty() {
        return Ok(plan);
    }
    // Read once for the batch: what every enabled endpoint wants.
    let subscriptions = store.webhook_subscriptions().await?;
    for message in messages {
        let body = body(store, message).await?;
        plan.push(Dispatch {
            message: message.id.clone(),
            ordering_key: delivery::ordering_key(&message.aggregate_id, &message.payload).to_owned(),
            destinations: destinations(message, &body, &subscriptions),
            body,
        });
    }
    Ok(plan)
}

/// Whether a webhook endpoint with `filter` wants the event of `topic` whose body (as
/// sent) is `body`: the channel is the one of the order or shipment the event is about.
/// Fan-out and replays ask the same.
pub fn webhook_wants(filter: &EndpointFilter, topic: &str, body: &Value) -> bool {
    let channel = body["data"].get("channel").and_then(Value::as_str);
    webhook::wants(filter, topic, channel)
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

/// Who wants `message`, whose body is `body`: every enabled webhook endpoint whose
/// filter wants it.
fn destinations(message: &Undispatched, body: &Value, subscriptions: &[Subscription]) -> Vec<Destination> {
    // Customer email subscribes here (issue 16's email sender).
    subscriptions
        .iter()
        .filter(|s| webhook_wants(&s.filter, &message.topic, body))
        .map(|s| Destination::Webhook(s.endpoint.clone()))
        .collect()
}
