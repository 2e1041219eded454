//! Delivery workers: they take committed outbox messages, dispatch each to the
//! destinations that want it (`fanout`), claim due deliveries with a lease, make each
//! call with no database transaction open, and record how it went; failures come back
//! on `core::delivery`'s schedule. A worker runs inside `serve` and on its own as
//! `switchyard worker`; several, on one PostgreSQL, share the work. Tests drive one
//! round at a time with `Worker::run_once`.
//!
//! The calls themselves are made by a `Sender` per kind of destination: customer email
//! and webhooks.

pub mod fanout;
pub mod mail;
pub mod webhook;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use switchyard_core::delivery::{Destination, Outcome};
use switchyard_core::id;
use switchyard_store::outbox::{Claimed, Report};
use switchyard_store::{Store, StoreResult};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// One try of one delivery, handed to its sender.
pub type Job = Claimed;

/// What a sender's try comes to.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Report> + Send + 'a>>;

/// Makes one try at delivering a job to one kind of destination.
pub trait Sender: Send + Sync {
    fn send<'a>(&'a self, job: &'a Job) -> SendFuture<'a>;
}

/// A sender for a kind of destination this server is not set up to reach: every try is
/// skipped, with why.
pub struct NotConfigured(pub &'static str);

impl Sender for NotConfigured {
    fn send<'a>(&'a self, _job: &'a Job) -> SendFuture<'a> {
        Box::pin(async move {
            Report {
                outcome: Outcome::Skipped,
                status_code: None,
                reply: Some(self.0.to_owned()),
                latency: Duration::ZERO,
            }
        })
    }
}

/// The sender for each kind of destination.
#[derive(Clone)]
pub struct Senders {
    pub email: Arc<dyn Sender>,
    pub webhook: Arc<dyn Sender>,
    /// Fulfilments and cancellations pushed to sales channels; `AppState::worker`
    /// gives the channel sender.
    pub channel: Arc<dyn Sender>,
}

impl Default for Senders {
    fn default() -> Self {
        Senders {
            email: Arc::new(NotConfigured("no SMTP server configured (--smtp-url)")),
            webhook: Arc::new(NotConfigured("webhooks are not set up on this server")),
            channel: Arc::new(NotConfigured("channel pushes are not set up on this worker")),
        }
    }
}

impl Senders {
    fn for_destination(&self, destination: &Destination) -> Arc<dyn Sender> {
        match destination {
            Destination::Email => self.email.clone(),
            Destination::Webhook(_) => self.webhook.clone(),
            Destination::Channel(_) => self.channel.clone(),
        }
    }
}

/// How many messages a round dispatches, and how many deliveries it claims, at most.
pub const BATCH: i64 = 500;

/// How long an idle worker waits before looking again.
pub const IDLE_POLL: Duration = Duration::from_millis(250);

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Messages given their place and deliveries.
    pub dispatched: usize,
    /// Tries made.
    pub tried: usize,
}

/// A delivery worker.
#[derive(Clone)]
pub struct Worker {
    store: Store,
    senders: Senders,
    /// This worker's name on the leases it takes.
    owner: Arc<str>,
}

impl Worker {
    pub fn new(store: Store, senders: Senders) -> Worker {
        let owner = format!("wrk_{}", id::new_body(store.now()));
        Worker {
            store,
            senders,
            owner: owner.into(),
        }
    }

    /// One round: dispatches what was committed since the last, then tries every due
    /// delivery it can claim (in parallel: the claim never hands out two deliveries of
    /// one order to one destination at once) and records each outcome.
    pub async fn run_once(&self) -> StoreResult<Round> {
        let messages = self.store.undispatched(BATCH).await?;
        let plan = fanout::plan(&self.store, &messages).await?;
        let dispatched = self.store.dispatch(&plan).await?;
        let jobs = self.store.claim_deliveries(&self.owner, BATCH).await?;
        let tried = jobs.len();
        let mut tries = JoinSet::new();
        for job in jobs {
            let sender = self.senders.for_destination(&job.destination);
            tries.spawn(async move {
                let report = sender.send(&job).await;
                (job, report)
            });
        }
        let mut done = Vec::with_capacity(tried);
        while let Some(joined) = tries.join_next().await {
            // A sender that panicked: its lease runs out and the delivery is tried again.
            if let Ok((job, report)) = joined {
                crate::telemetry::count_delivery(&job.destination, report.outcome);
                done.push((job, report, jitter()));
            }
        }
        self.store.record_tries(&self.owner, &done).await?;
        Ok(Round { dispatched, tried })
    }

    /// Runs rounds until `stop` turns true (see `rounds`).
    pub async fn run(self, stop: watch::Receiver<bool>) {
        rounds(stop, "a delivery round failed", || async {
            self.run_once().await.map(|round| round != Round::default())
        })
        .await;
    }
}

/// Runs `round` (which answers whether it found work) until `stop` turns true, pausing
/// `IDLE_POLL` after a round with nothing to do, or one that failed (`failed` is
/// logged with the error: the database may be away). The background workers' loop.
pub(crate) async fn rounds<F, Fut>(mut stop: watch::Receiver<bool>, failed: &str, mut round: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<bool>>,
{
    loop {
        if *stop.borrow() {
            return;
        }
        let busy = round().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "{failed}");
            false
        });
        if !busy {
            tokio::select! {
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = stop.wait_for(|stop| *stop) => return,
            }
        }
    }
}

/// A draw from [0, 1) that spreads retries (`core::delivery::after`).
pub(crate) fn jitter() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}
