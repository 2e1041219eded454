//! A server's life after start: the background sweeps every 30 seconds, and draining
//! on shutdown — `/readyz` answers 503 at once, requests in flight (and any that still
//! arrive meanwhile) are served, the sweeps finish the step they are in, and only when
//! no request is in flight does the server stop accepting connections.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::{Notify, watch};

use crate::AppState;

/// Whether the server is draining, and how many requests it is serving.
#[derive(Debug, Default)]
pub struct Lifecycle {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    idle: Notify,
}

impl Lifecycle {
    /// Shutdown has begun: readiness fails from now on.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Requests being served now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Marks the server draining and waits until no request is in flight.
    async fn drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
        loop {
            let idle = self.idle.notified();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// Counts a request in flight for as long as it lives.
struct InFlight<'a>(&'a Lifecycle);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// Counts the requests in flight, so that a drain waits for them.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    state.lifecycle.in_flight.fetch_add(1, Ordering::SeqCst);
    let _guard = InFlight(&state.lifecycle);
    next.run(req).await
}

/// The shutdown the connection loop sees: `shutdown`, then the drain; the sweeps are
/// told to stop as it begins.
pub(crate) async fn draining(state: AppState, shutdown: impl Future<Output = ()>, stop_sweeps: &watch::Sender<bool>) {
    shutdown.await;
    tracing::info!("draining: /readyz answers 503; finishing requests in flight");
    stop_sweeps.send_replace(true);
    state.lifecycle.drain().await;
}

/// One step of the 30-second sweep.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Payments first: a request left unanswered by a process that stopped is asked
    /// again (by its id, so nothing is charged twice) before its order is held,
    /// released or shipped on what it said.
    Payments,
    IdempotencyKeys,
    /// Deliveries finished long ago, with their tries.
    Deliveries,
    Holds,
    /// The safety net for backorders: stock that arrived while a catch-up failed.
    Backorders,
    ExpectedDates,
    Release,
    Tracking,
    /// After tracking, so an order the carrier just delivered counts from its delivery.
    Feedback,
    /// After tracking, so a parcel the carrier just delivered is not called late.
    RunningLate,
    /// Channels whose poll interval has passed are asked for orders changed since.
    Channels,
    /// Last, so the roll-ups take in what the steps before changed.
    Reports,
    /// Makes the demand forecasts once a day of the seller's calendar.
    Forecasts,
}

impl Step {
    const ALL: [Step; 13] = [
        Step::Payments,
        Step::IdempotencyKeys,
        Step::Deliveries,
        Step::Holds,
        Step::Backorders,
        Step::ExpectedDates,
        Step::Release,
        Step::Tracking,
        Step::Feedback,
        Step::RunningLate,
        Step::Channels,
        Step::Reports,
        Step::Forecasts,
    ];

    async fn run(self, state: &AppState) {
        let store = &state.store;
        let (done, what) = match self {
            Step::Payments => (
                store.settle_stale_payments().await,
                "settled payment requests left unanswered",
            ),
            Step::IdempotencyKeys => (
                store.prune_idempotency_keys().await.map(|_| 0),
                "pruned expired idempotency keys",
            ),
            Step::Deliveries => (
                store.prune_deliveries().await.map(|n| n as usize),
                "forgot deliveries finished over 30 days ago",
            ),
            Step::Holds => (store.release_expired_holds().await, "released expired holds"),
            Step::Backorders => (store.allocate_backorders(&[]).await, "filled backorder lines"),
            Step::ExpectedDates => (
                store.refresh_expected_dates(&[]).await.map(|_| 0),
                "refreshed expected dates",
            ),
            Step::Release => (
                store.release_due_shipments().await,
                "released shipments at auto locations",
            ),
            Step::Tracking => (
                store.sync_carrier_tracking().await,
                "recorded tracking events from carriers",
            ),
            Step::Feedback => (store.request_due_feedback().await, "asked customers for feedback"),
            Step::RunningLate => (store.flag_running_late().await, "marked shipments running late"),
            Step::Reports => (
                store.refresh_reports().await,
                "brought report roll-ups up to date (days)",
            ),
            Step::Forecasts => (
                store.refresh_forecasts_if_due().await.map(|r| r.map_or(0, |r| r.skus)),
                "made the demand forecasts (SKUs)",
            ),
            Step::Channels => match crate::channels::poll::poll_due(state).await {
                Ok(n) => (Ok(n), "took orders and changes polled from channels"),
                Err(e) => {
                    tracing::warn!(status = %e.status(), "polling channels failed");
                    return;
                }
            },
        };
        match done {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "{what}"),
            Err(e) => tracing::warn!(error = %e, step = ?self, "a background sweep step failed"),
        }
    }
}

/// Every 30 seconds, runs each `Step` in turn; once `stop` turns true, finishes the
/// step it is in and returns.
pub(crate) async fn sweep(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        for step in Step::ALL {
            if *stop.borrow() {
                return;
            }
            step.run(&state).await;
        }
    }
}
