//! Dispatch decisions for committed messages: the event every destination receives —
//! `type`, `timestamp`, `data` (the record it is about as the API returns it, read now,
//! just after the write) and `event` (what the write recorded: which line, why, by
//! whom) — and which destinations want it. Everything is read before the dispatch transaction
//! begins, which then only writes.

use std::collections::HashMap;

use serde_json::{Value, json};
use switchyard_core::connector::{self, Pushes};
use switchyard_core::delivery::{self, Destination};
use switchyard_core::id::ChannelId;
use switchyard_core::mail;
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
    // Read once for the batch: what every enabled endpoint wants, and what each
    // channel with a connection has pushed back to it.
    let subscriptions = store.webhook_subscriptions().await?;
    let connections: Connected = store
        .stored_connections()
        .await?
        .into_iter()
        .map(|c| (c.channel, (c.channel_id, c.settings.pushes)))
        .collect();
    // A placement writes several messages about one order at once: read it once a round.
    let mut read: HashMap<(String, String), Value> = HashMap::new();
    for message in messages {
        let which = (family(message).to_owned(), record_key(message).to_owned());
        let data = match read.get(&which) {
            Some(data) => data.clone(),
            None => {
                let data = resource(store, message).await?;
                read.insert(which, data.clone());
                data
            }
        };
        let body = json!({
            "type": message.topic,
            "timestamp": message.created_at,
            "data": data,
            "event": message.payload,
        });
        plan.push(Dispatch {
            message: message.id.clone(),
            ordering_key: delivery::ordering_key(&message.aggregate_id, &message.payload).to_owned(),
            destinations: destinations(message, &body, &subscriptions, &connections),
            body,
        });
    }
    Ok(plan)
}

/// The kind of record a message is about: its topic's first word.
fn family(message: &Undispatched) -> &str {
    message.topic.split('.').next().unwrap_or_default()
}

/// The record a message is about: the order of an order event, else its own record.
fn record_key(message: &Undispatched) -> &str {
    match family(message) {
        "order" => delivery::ordering_key(&message.aggregate_id, &message.payload),
        _ => &message.aggregate_id,
    }
}

/// The record a message is about, as `GET` on it answers now; the message's own payload
/// for a record the API does not show (or no longer has).
async fn resource(store: &Store, message: &Undispatched) -> StoreResult<Value> {
    let key = record_key(message);
    let read = match family(message) {
        "order" => store.order(key).await.map(serde_json::to_value),
        "shipment" => store.shipment(key).await.map(serde_json::to_value),
        "purchase_order" => store.purchase_order(key).await.map(serde_json::to_value),
        _ => return Ok(message.payload.clone()),
    };
    match read {
        Ok(value) => Ok(value?),
        Err(StoreError::NotFound { .. }) => Ok(message.payload.clone()),
        Err(e) => Err(e),
    }
}

/// Whether a webhook endpoint with `filter` wants the event of `topic` whose body (as
/// sent) is `body`: the channel is the one of the order or shipment the event is about.
/// Fan-out and replays ask the same.
pub fn webhook_wants(filter: &EndpointFilter, topic: &str, body: &Value) -> bool {
    let channel = body["data"].get("channel").and_then(Value::as_str);
    webhook::wants(filter, topic, channel)
}

/// The channels with a connection, by code: their id and what is pushed to them.
type Connected = HashMap<String, (ChannelId, Pushes)>;

/// Who wants `message`, whose body is `body`: every enabled webhook endpoint whose
/// filter wants it, the customer when it is a message they are mailed about
/// (whether the channel sends that kind, and to which address, the email sender
/// decides at its try), and the order's channel when it is pushed there
/// (`core::connector::push_for`) and the channel knows the order (its external id).
fn destinations(
    message: &Undispatched,
    body: &Value,
    subscriptions: &[Subscription],
    connections: &Connected,
) -> Vec<Destination> {
    let mut wanted: Vec<Destination> = subscriptions
        .iter()
        .filter(|s| webhook_wants(&s.filter, &message.topic, body))
        .map(|s| Destination::Webhook(s.endpoint.clone()))
        .collect();
    if mail::kind_for(&message.topic, &message.payload).is_some() {
        wanted.push(Destination::Email);
    }
    let channel = body["data"].get("channel").and_then(Value::as_str);
    let known = body["data"].get("external_id").is_some_and(Value::is_string);
    let actor = message.payload.get("actor").and_then(Value::as_str).unwrap_or_default();
    if let Some((id, pushes)) = channel.and_then(|c| connections.get(c))
        && known
        && connector::push_for(&message.topic, actor, *pushes).is_some()
    {
        wanted.push(Destination::Channel(id.clone()));
    }
    wanted
}
