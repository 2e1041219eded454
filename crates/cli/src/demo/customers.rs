//! The history's customers and support desk: orders placed through the store as the
//! API places them, some cancelled by the customer, some lines cancelled by the seller,
//! some held for a fraud review, and those whose payment was declined.

use switchyard_core::order::{Hold, HoldReason, LineStatus};
use switchyard_store::StoreError;

use super::ACTOR;
use super::history::{History, SUPPORT, Task, date_of};
use super::orders::Draft;
use super::season;

impl History<'_> {
    /// A customer places order `n`: refused when a `reject` channel has no stock for
    /// it (a lost sale); otherwise a few are cancelled, held or cut short later.
    pub(super) async fn place(&mut self, n: usize, channel: &'static str) -> anyhow::Result<()> {
        let (_, promotion) = season::demand(date_of(self.now()));
        let popularity = self.popularity().to_vec();
        let draft = Draft {
            n,
            channel,
            at: self.now(),
            skus: self.skus,
            popularity: &popularity,
            promotion,
            gbp: self.gbp,
            eur: self.eur,
        };
        let input = draft.input(&mut self.rng);
        let draft = input.parse().map_err(|e| anyhow::anyhow!("demo order {n}: {e:?}"))?;
        let placed = match self.store.place_order(&draft, ACTOR).await {
            Ok(p) => p.order,
            Err(StoreError::InsufficientStock(_)) => {
                self.stats.lost += 1;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        self.stats.orders += 1;
        let number = placed.summary.number.clone();
        for r in &placed.reservations {
            self.supply.waits(&r.location, &number);
        }
        if placed
            .summary
            .hold
            .as_ref()
            .is_some_and(|h| h.reason == HoldReason::Payment)
        {
            // The card was declined and no other came: cancelled the next day.
            let minutes = 600 + self.rng.below(900) as i64;
            let reason = "payment declined; the customer did not pay another way";
            self.after_minutes(minutes, Task::Cancel { order: number, reason });
            return Ok(());
        }
        let roll = self.rng.below(1000);
        if roll < 22 {
            let minutes = 5 + self.rng.below(90) as i64;
            let reason = "customer asked to cancel";
            self.after_minutes(minutes, Task::Cancel { order: number, reason });
        } else if roll < 32 {
            let hold = Hold {
                reason: HoldReason::FraudReview,
                note: Some("billing and shipping countries differ".into()),
                until: None,
            };
            if self
                .allowed(self.store.hold_order(&number, &hold, SUPPORT).await)?
                .is_some()
            {
                let minutes = 120 + self.rng.below(1200) as i64;
                let approve = self.rng.below(4) != 0;
                self.after_minutes(minutes, Task::Review { order: number, approve });
            }
        } else if roll < 47 && placed.lines.len() > 1 {
            let line_no = placed.lines.last().map_or(1, |l| l.line_no);
            let minutes = 30 + self.rng.below(240) as i64;
            self.after_minutes(minutes, Task::CancelLine { order: number, line_no });
        }
        Ok(())
    }

    pub(super) async fn cancel(&mut self, order: &str, reason: &str) -> anyhow::Result<()> {
        if self
            .allowed(self.store.cancel_order(order, Some(reason), SUPPORT).await)?
            .is_some()
        {
            self.stats.cancelled += 1;
        }
        Ok(())
    }

    /// The seller cannot send one line (found damaged on the shelf) and cancels it;
    /// a line already on its way is left alone.
    pub(super) async fn cancel_line(&mut self, order: &str, line_no: i64) -> anyhow::Result<()> {
        let Some(o) = self.allowed(self.store.order(order).await)? else {
            return Ok(());
        };
        let waiting = o
            .lines
            .iter()
            .any(|l| l.line_no == line_no && LineStatus::WAITING.contains(&l.status));
        if waiting {
            let reason = Some("found damaged on the shelf; refunded");
            let line = line_no.to_string();
            self.allowed(self.store.cancel_line(order, &line, reason, "warehouse team").await)?;
        }
        Ok(())
    }

    pub(super) async fn review(&mut self, order: &str, approve: bool) -> anyhow::Result<()> {
        if approve {
            self.allowed(self.store.release_order(order, SUPPORT).await)?;
        } else {
            let reason = Some("fraud review: the card's owner did not place it");
            if self
                .allowed(self.store.cancel_order(order, reason, SUPPORT).await)?
                .is_some()
            {
                self.stats.cancelled += 1;
            }
        }
        Ok(())
    }
}
