//! PLACEHOLDER until the lead's delivery workers land: the seam's types only.

pub mod mail;

use std::pin::Pin;
use std::sync::Arc;

use jiff::Timestamp;
use switchyard_core::delivery::{Destination, Outcome};
use switchyard_core::id::{DeliveryId, MessageId};

pub struct Job {
    pub delivery: DeliveryId,
    pub destination: Destination,
    pub message_id: MessageId,
    pub topic: String,
    pub aggregate_id: String,
    pub occurred_at: Timestamp,
    pub payload: serde_json::Value,
    pub body: serde_json::Value,
    pub tries: u32,
}

pub struct Report {
    pub outcome: Outcome,
    pub status_code: Option<u16>,
    pub reply: Option<String>,
    pub latency: std::time::Duration,
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Report> + Send + 'a>>;

pub trait Sender: Send + Sync {
    fn send<'a>(&'a self, job: &'a Job) -> SendFuture<'a>;
}

pub struct Senders {
    pub email: Arc<dyn Sender>,
    pub webhook: Arc<dyn Sender>,
}
