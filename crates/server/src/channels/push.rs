//! Fulfilments and cancellations pushed to the channel an order came from, as
//! deliveries to its `Destination::Channel`: at least once, in order per order,
//! retried on the delivery schedule, with every try on record like a webhook's. The
//! sender reads the order and shipment as they are at the try, builds what the
//! connector needs, and makes the call with no transaction open.

use std::time::Instant;

use serde_json::Value;
use switchyard_channels::{Cancellation, ChannelError, FulfilledLine, Fulfilment};
use switchyard_core::connector::{ChannelPush, push_for};
use switchyard_core::delivery::{Destination, Outcome, REPLY_MAX};
use switchyard_store::order::Order;
use switchyard_store::outbox::Report;
use switchyard_store::{Store, StoreError};

use super::Connectors;
use crate::delivery::{Job, SendFuture, Sender};

/// Pushes to channels through their connectors.
pub struct ChannelSender {
    store: Store,
    connectors: Connectors,
}

impl ChannelSender {
    pub fn new(store: Store, connectors: Connectors) -> ChannelSender {
        ChannelSender { store, connectors }
    }

    async fn deliver(&self, job: &Job) -> Report {
        let started = Instant::now();
        let (outcome, reply) = match self.push(job).await {
            Tried::Pushed(what) => (Outcome::Delivered, what),
            Tried::Skipped(why) => (Outcome::Skipped, why),
            Tried::Failed(e) => (
                Outcome::Failed {
                    permanent: !e.is_temporary(),
                },
                e.to_string(),
            ),
        };
        Report {
            outcome,
            status_code: None,
            reply: Some(reply.chars().take(REPLY_MAX).collect()),
            latency: started.elapsed(),
        }
    }

    async fn push(&self, job: &Job) -> Tried {
        let Destination::Channel(channel) = &job.destination else {
            return Tried::Skipped("not a channel delivery".into());
        };
        let stored = match self.store.stored_connection(channel.as_str()).await {
            Ok(stored) => stored,
            Err(StoreError::NotFound { .. }) => return Tried::Skipped("the channel has no connection any more".into()),
            Err(e) => return Tried::Failed(ChannelError::Unavailable(format!("store: {e}"))),
        };
        let actor = job.payload.get("actor").and_then(Value::as_str).unwrap_or_default();
        let Some(push) = push_for(&job.topic, actor, stored.settings.pushes) else {
            return Tried::Skipped("the connection does not push this".into());
        };
        let order_id = job.payload.get("order_id").and_then(Value::as_str).unwrap_or_default();
        let order = match self.store.order(order_id).await {
            Ok(order) => order,
            Err(e) => return Tried::Failed(ChannelError::Unavailable(format!("store: {e}"))),
        };
        let Some(external_id) = order.summary.external_id.clone() else {
            return Tried::Skipped("the order has no external id on the channel".into());
        };
        let Ok(connector) = self.connectors.build(&stored) else {
            return Tried::Skipped("the channel has no connector".into());
        };
        let data = job.payload.get("data").unwrap_or(&Value::Null);
        match push {
            ChannelPush::Fulfilment => {
                let shipment_id = data.get("shipment_id").and_then(Value::as_str).unwrap_or_default();
                let fulfilment = match self.fulfilment(&order, external_id, shipment_id).await {
                    Ok(f) => f,
                    Err(tried) => return tried,
                };
                match connector.push_fulfilment(&fulfilment).await {
                    Ok(()) => Tried::Pushed(format!("shipment {} pushed", fulfilment.shipment_id)),
                    Err(e) => Tried::Failed(e),
                }
            }
            ChannelPush::Cancellation => {
                let line_id = data.get("line_id").and_then(Value::as_str);
                let lines = order
                    .lines
                    .iter()
                    .filter(|l| line_id.is_some_and(|id| l.id.as_str() == id))
                    .map(|l| FulfilledLine {
                        external_id: l.external_id.clone(),
                        sku: l.sku.clone(),
                        quantity: l.quantity,
                    })
                    .collect();
                let cancellation = Cancellation {
                    external_id,
                    lines,
                    reason: data.get("reason").and_then(Value::as_str).map(str::to_owned),
                };
                match connector.push_cancellation(&cancellation).await {
                    Ok(()) => Tried::Pushed("cancellation pushed".into()),
                    Err(e) => Tried::Failed(e),
                }
            }
        }
    }

    /// What to tell the channel of shipment `shipment_id` of `order`.
    async fn fulfilment(&self, order: &Order, external_id: String, shipment_id: &str) -> Result<Fulfilment, Tried> {
        let shipment = self
            .store
            .shipment(shipment_id)
            .await
            .map_err(|e| Tried::Failed(ChannelError::Unavailable(format!("store: {e}"))))?;
        let s = &shipment.summary;
        let (Some(carrier), Some(tracking_number), Some(shipped_at)) =
            (s.carrier, s.tracking_number.clone(), s.milestones.shipped_at)
        else {
            return Err(Tried::Skipped(
                "the shipment has no carrier, tracking number or departure".into(),
            ));
        };
        let lines = shipment
            .lines
            .iter()
            .map(|l| FulfilledLine {
                external_id: order
                    .lines
                    .iter()
                    .find(|o| o.id == l.line_id)
                    .and_then(|o| o.external_id.clone()),
                sku: l.sku.clone(),
                quantity: l.quantity,
            })
            .collect();
        Ok(Fulfilment {
            external_id,
            shipment_id: s.id.to_string(),
            lines,
            carrier: carrier.as_str().to_owned(),
            service: s.service.clone(),
            tracking_number,
            tracking_url: s.tracking_url.clone(),
            shipped_at,
        })
    }
}

impl Sender for ChannelSender {
    fn send<'a>(&'a self, job: &'a Job) -> SendFuture<'a> {
        Box::pin(self.deliver(job))
    }
}

/// What a try came to.
enum Tried {
    Pushed(String),
    /// Nothing to push, and nothing will be: why.
    Skipped(String),
    Failed(ChannelError),
}
