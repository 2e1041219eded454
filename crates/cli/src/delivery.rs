//! `switchyard worker` and `switchyard outbox status`: delivering the outbox in a
//! process of its own, and what it holds. The settings of delivery are shared with
//! `serve`, which runs a worker too.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use jiff::SignedDuration;
use switchyard_server::AppState;
use switchyard_server::delivery::Senders;
use switchyard_server::delivery::webhook::WebhookSender;
use switchyard_store::Store;

/// How the outbox is delivered (shared by `serve` and `worker`).
#[derive(Debug, Clone, clap::Args)]
pub struct DeliveryArgs {
    #[command(flatten)]
    pub mail: crate::mail::MailArgs,
    /// Let webhook endpoints point at private, loopback and link-local addresses and
    /// use plain http:// (for tests and receivers on this network); off, such
    /// targets are refused when an endpoint is saved and when a webhook is sent.
    #[arg(long, env = "SWITCHYARD_ALLOW_PRIVATE_WEBHOOK_TARGETS", action = clap::ArgAction::SetTrue, value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_private_webhook_targets: bool,
}

impl DeliveryArgs {
    /// The senders these settings describe, for `store`'s deliveries.
    pub fn senders(&self, store: &Store) -> anyhow::Result<Senders> {
        let webhook = WebhookSender::new(store.clone(), self.allow_private_webhook_targets)
            .context("cannot set up the HTTP client webhooks are sent with")?;
        Ok(Senders {
            webhook: Arc::new(webhook),
            ..Senders::default()
        })
    }

    /// `state` delivering with these settings; mail settings that do not check out
    /// stop the process from starting.
    pub fn apply(&self, state: AppState) -> anyhow::Result<AppState> {
        let senders = self.senders(&state.store)?;
        Ok(state
            .with_allow_private_webhook_targets(self.allow_private_webhook_targets)
            .with_senders(senders)
            .with_mail(self.mail.mail()?))
    }
}

/// Runs a delivery worker until `shutdown`; the round in progress finishes first.
pub async fn work(store: Store, args: &DeliveryArgs, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let state = args.apply(AppState::new(store))?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(state.worker().run(stopped.clone()));
    let stock_sync = tokio::spawn(state.stock_sync().run(stopped));
    tracing::info!("delivering the outbox and pushing stock to the channels");
    shutdown.await;
    stop.send_replace(true);
    if let Err(e) = worker.await {
        tracing::error!(error = %e, "the delivery worker failed");
    }
    if let Err(e) = stock_sync.await {
        tracing::error!(error = %e, "the stock sync worker failed");
    }
    Ok(())
}

/// Prints what waits in the outbox; exits 1 when a delivery is dead.
pub async fn status(store: &Store) -> anyhow::Result<ExitCode> {
    let status = store.outbox_status().await?;
    let age = |seconds: f64| {
        SignedDuration::try_from_secs_f64(seconds.round()).map_or_else(|_| format!("{seconds}s"), |d| format!("{d:#}"))
    };
    println!(
        "undispatched messages: {}; oldest waiting: {}",
        status.undispatched,
        age(status.oldest_pending_seconds)
    );
    if status.destinations.is_empty() {
        println!("no delivery pending or dead");
    }
    for d in &status.destinations {
        println!(
            "{}: {} pending (oldest {}), {} dead",
            d.destination,
            d.pending,
            age(d.oldest_pending_seconds),
            d.dead
        );
    }
    let dead = status.destinations.iter().any(|d| d.dead > 0);
    Ok(if dead { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
