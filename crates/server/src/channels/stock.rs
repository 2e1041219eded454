//! Stock sync's worker: each round works out the figures the ledger's changes touch
//! (`Store::refresh_offers`), claims the due pushes under a lease, makes one
//! `push_stock` call per channel with all of its claimed SKUs (no transaction open
//! during the calls; channels in parallel), and records each outcome: pushed, or
//! retried on the delivery schedule. It runs inside `serve` next to the delivery
//! worker and in `switchyard worker`; several, on one PostgreSQL, share the work
//! (see `switchyard_store::stock_sync` for why an older figure never follows a newer
//! one). Tests drive one round at a time with `run_once`.

pub mod compare;

use std::sync::Arc;

use switchyard_channels::{ChannelError, Connector, Listing, StockPush};
use switchyard_store::stock_sync::{ChannelPushes, PushOutcome};
use switchyard_store::{Store, StoreResult};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::Connectors;
use crate::delivery::{BATCH, jitter};

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// (channel, SKU) figures that changed and became due.
    pub changed: usize,
    /// Pushes the channels took.
    pub pushed: usize,
    /// Pushes that failed (each retried later).
    pub failed: usize,
}

/// A stock-sync worker.
#[derive(Clone)]
pub struct StockSync {
    store: Store,
    connectors: Connectors,
}

impl StockSync {
    pub fn new(store: Store, connectors: Connectors) -> StockSync {
        StockSync { store, connectors }
    }

    /// One round: refresh the figures, claim what is due, push, record.
    pub async fn run_once(&self) -> StoreResult<Round> {
        let refreshed = self.store.refresh_offers(BATCH).await?;
        let claims = self.store.claim_stock_pushes(BATCH).await?;
        let mut calls = JoinSet::new();
        for claim in claims {
            let connector = connector(&self.store, &self.connectors, &claim.channel).await;
            calls.spawn(async move {
                let outcomes = push(connector, &claim).await;
                (claim, outcomes)
            });
        }
        let mut round = Round {
            changed: refreshed.changed,
            ..Round::default()
        };
        let mut done = Vec::new();
        while let Some(joined) = calls.join_next().await {
            // A call that panicked: its leases run out and the pushes are claimed again.
            if let Ok((claim, outcomes)) = joined {
                let failed = outcomes.iter().filter(|o| **o != PushOutcome::Pushed).count();
                if let Some(PushOutcome::Failed { error, .. }) = outcomes.iter().find(|o| **o != PushOutcome::Pushed) {
                    tracing::warn!(channel = %claim.channel, failed, error = %error, "stock pushes failed");
                }
                round.pushed += outcomes.len() - failed;
                round.failed += failed;
                done.push((claim, outcomes, jitter()));
            }
        }
        self.store.record_stock_pushes(&done).await?;
        Ok(round)
    }

    /// Runs rounds until `stop` turns true (see `delivery::rounds`).
    pub async fn run(self, stop: watch::Receiver<bool>) {
        crate::delivery::rounds(stop, "a stock sync round failed", || async {
            self.run_once().await.map(|round| round != Round::default())
        })
        .await;
    }
}

/// The connector of channel `key`'s connection, built by `connectors`, or why there
/// is none (no connection, or a kind of channel without a connector).
pub async fn connector(store: &Store, connectors: &Connectors, key: &str) -> Result<Arc<dyn Connector>, String> {
    let stored = store
        .stored_connection(key)
        .await
        .map_err(|e| format!("channel {key}: {e}"))?;
    // The only refusal: a kind of channel with no connector.
    connectors
        .build(&stored)
        .map_err(|_| format!("{} channels have no connector", stored.kind.as_str()))
}

/// Pushes one channel's claimed figures in one call: an outcome per item, in order.
async fn push(connector: Result<Arc<dyn Connector>, String>, claim: &ChannelPushes) -> Vec<PushOutcome> {
    let connector = match connector {
        Ok(connector) => connector,
        Err(error) => {
            let failed = PushOutcome::Failed {
                permanent: false,
                error,
            };
            return vec![failed; claim.items.len()];
        }
    };
    let pushes: Vec<StockPush> = claim
        .items
        .iter()
        .map(|item| StockPush {
            listing: Listing {
                sku: item.sku.clone(),
                listing_id: item.listing_id.clone(),
                item_id: item.item_id.clone(),
            },
            quantity: item.offered,
        })
        .collect();
    let results = connector.push_stock(&pushes).await;
    let mut outcomes: Vec<PushOutcome> = results.into_iter().map(outcome).collect();
    // A connector that answered fewer results than pushes: the rest are retried.
    outcomes.resize(
        claim.items.len(),
        PushOutcome::Failed {
            permanent: false,
            error: "the connector gave no result for this push".into(),
        },
    );
    outcomes
}

fn outcome(result: Result<(), ChannelError>) -> PushOutcome {
    match result {
        Ok(()) => PushOutcome::Pushed,
        Err(e) => PushOutcome::Failed {
            permanent: !e.is_temporary(),
            error: e.to_string(),
        },
    }
}
