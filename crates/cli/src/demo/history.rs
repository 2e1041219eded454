//! The demo's past, lived through the store: a manual clock is moved forward through
//! the history, task by task in time order, and every order, shipment, carrier event,
//! return, claim and purchase order is written by the same store calls the API makes.
//!
//! Nothing is written behind the store's back: the history is what the store recorded
//! while it happened, so reports, forecasts and `switchyard check` see a business that
//! really ran.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use switchyard_core::ManualClock;
use switchyard_core::clock::Clock;
use switchyard_core::money::Currency;
use switchyard_core::rng::Rng;
use switchyard_core::shipment::TrackingEvent;
use switchyard_core::shipment::input::ShipmentRef;
use switchyard_store::{Store, StoreError};

use super::catalog::Sku;
use super::season;
use super::supply::Supply;

/// Who the history's work is recorded as.
pub(super) const FLOOR: &str = "warehouse team";
pub(super) const SUPPORT: &str = "customer service";

/// The demo's locations: code, time zone, the local time of the day's last dispatch
/// (ten minutes before the cut-off), and the share of stock it holds.
pub(super) const SITES: [(&str, &str, i8, i8); 3] = [
    ("LON", "Europe/London", 14, 50),
    ("NJ-3PL", "America/New_York", 13, 50),
    ("BER-SHOP", "Europe/Berlin", 16, 50),
];

/// The 3PL in New Jersey has not released its last few days of work yet: the demo
/// ends with late work waiting there.
const NJ_BACKLOG_DAYS: i64 = 8;

/// Something that happens at a moment of the history.
pub(super) enum Task {
    /// A customer places order `n` through `channel`.
    Place { n: usize, channel: &'static str },
    /// A location's daily dispatch: it releases its waiting work and ships it.
    Dispatch(&'static str),
    /// Shipments held back on the floor are shipped at last.
    Ship(Vec<String>),
    /// The carriers upload the day's events.
    CarrierFeed,
    /// The customer (or support, for want of payment) cancels.
    Cancel { order: String, reason: &'static str },
    /// The seller cancels one line it cannot send.
    CancelLine { order: String, line_no: i64 },
    /// A fraud review ends: the order goes ahead or is cancelled.
    Review { order: String, approve: bool },
    /// The customer asks to return something delivered.
    Return(String),
    /// A return's parcel arrives.
    ReceiveReturn {
        rma: String,
        items: Vec<(String, i64, switchyard_core::returns::Disposition)>,
    },
    /// The customer claims against a delivery.
    Claim(String),
    /// The weekly stock review: purchase orders for what runs low.
    Replenish,
    /// Goods arrive against a purchase order.
    Receive { po: String, lines: Vec<(String, i64)> },
}

/// What happened, counted for the summary line.
#[derive(Debug, Default)]
pub(super) struct Stats {
    pub(super) orders: usize,
    pub(super) lost: usize,
    pub(super) shipments: usize,
    pub(super) late_warehouse: usize,
    pub(super) late_carrier: usize,
    pub(super) delivered: usize,
    pub(super) short_picks: usize,
    pub(super) cancelled: usize,
    pub(super) returns: usize,
    pub(super) claims: usize,
    pub(super) purchase_orders: usize,
    /// Steps the store refused (a cancellation that came too late, say).
    pub(super) refused: usize,
}

/// The history being lived.
pub(super) struct History<'a> {
    pub(super) store: Store,
    pub(super) clock: Arc<ManualClock>,
    pub(super) rng: Rng,
    /// Orders on an ordinary day early in the history; `season::demand` scales it.
    pub(super) orders_per_day: f64,
    /// Where the history begins: the opening stock arrives then.
    pub(super) began: Timestamp,
    /// Where the history ends: the moment the demo is loaded.
    pub(super) end: Timestamp,
    pub(super) skus: &'a [Sku],
    pub(super) gbp: Currency,
    pub(super) eur: Currency,
    pub(super) stats: Stats,
    pub(super) supply: Supply,
    queue: BTreeMap<(Timestamp, u64), Task>,
    /// Carrier events not uploaded yet, with the order a delivery completes.
    pub(super) carrier_news: Vec<(ShipmentRef, TrackingEvent, Option<String>)>,
    seq: u64,
    /// Each month's popularity of each SKU, as `season::popularity` gives it.
    popularity: Vec<Vec<u64>>,
}

/// The UTC date of `t`.
pub(super) fn date_of(t: Timestamp) -> Date {
    t.to_zoned(TimeZone::UTC).date()
}

/// `hour:minute` on `date` in the time zone `tz`.
pub(super) fn local(date: Date, tz: &str, hour: i8, minute: i8) -> anyhow::Result<Timestamp> {
    Ok(date.at(hour, minute, 0, 0).in_tz(tz)?.timestamp())
}

/// Monday to Friday: the days warehouses dispatch and carriers deliver.
pub(super) fn working(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The `n`th working day after `date` (`n` may be 0: `date` itself if it is one).
pub(super) fn working_days_after(mut date: Date, n: i64) -> Date {
    let mut left = n;
    while left > 0 || !working(date) {
        date = date.saturating_add(1.day());
        if working(date) {
            left -= 1;
        }
    }
    date
}

/// Whether the store refused a step a real operator could also have been refused
/// (too late to cancel, nothing left to return...), as opposed to a failure.
pub(super) fn refused(e: &StoreError) -> bool {
    !matches!(e, StoreError::Database(_) | StoreError::Config(_))
}

impl<'a> History<'a> {
    pub(super) fn new(
        store: Store,
        clock: Arc<ManualClock>,
        rng: Rng,
        end: Timestamp,
        skus: &'a [Sku],
        orders_per_day: u16,
    ) -> anyhow::Result<Self> {
        let currency = |code: &str| Currency::parse(code).map_err(|e| anyhow::anyhow!(e.message));
        let popularity = (1..=12)
            .map(|month| skus.iter().map(|s| season::popularity(&s.sku, month)).collect())
            .collect();
        Ok(History {
            store,
            orders_per_day: f64::from(orders_per_day),
            began: clock.now(),
            clock,
            rng,
            end,
            skus,
            gbp: currency("GBP")?,
            eur: currency("EUR")?,
            stats: Stats::default(),
            supply: Supply::default(),
            queue: BTreeMap::new(),
            carrier_news: Vec::new(),
            seq: 0,
            popularity,
        })
    }

    pub(super) fn now(&self) -> Timestamp {
        self.store.now()
    }

    /// Plans `task` at `at`; what falls after the end of the history never happens.
    pub(super) fn at(&mut self, at: Timestamp, task: Task) {
        if at <= self.end {
            self.seq += 1;
            self.queue.insert((at, self.seq), task);
        }
    }

    /// Plans `task` `minutes` from now.
    pub(super) fn after_minutes(&mut self, minutes: i64, task: Task) {
        let at = self.now() + SignedDuration::from_mins(minutes);
        self.at(at, task);
    }

    /// The store's answer, or `None` (counted) when it refused the step.
    pub(super) fn allowed<T>(&mut self, answer: Result<T, StoreError>) -> anyhow::Result<Option<T>> {
        match answer {
            Ok(v) => Ok(Some(v)),
            Err(e) if refused(&e) => {
                tracing::debug!("demo history: refused: {e}");
                self.stats.refused += 1;
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Plans `days` of orders, dispatches and stock reviews, ending at `end`.
    pub(super) fn plan(&mut self, start: Timestamp, days: i64) -> anyhow::Result<()> {
        let first = date_of(start);
        let mut n = 0;
        for day in 0..days {
            let date = first.saturating_add(day.days());
            let growth = 0.85 + 0.3 * day as f64 / days.max(1) as f64;
            let (demand, _) = season::demand(date);
            let expected = self.orders_per_day * growth * demand;
            // Poisson-like spread: the expected count, give or take its square root.
            let spread = expected.sqrt();
            let count = (expected + spread * (self.rng.unit() * 2.0 - 1.0)).round().max(0.0) as usize;
            for _ in 0..count {
                let channel = super::orders::channel(&mut self.rng);
                let hours = if channel == "pos" {
                    &season::SHOP_HOURS
                } else {
                    &season::ONLINE_HOURS
                };
                let hour = self.rng.weighted(hours) as i8;
                let at = local(date, "UTC", hour, 0)? + SignedDuration::from_secs(self.rng.below(3600) as i64);
                n += 1;
                self.at(at, Task::Place { n, channel });
            }
            if working(date) {
                for (code, tz, hour, minute) in SITES {
                    let backlog = code == "NJ-3PL" && day >= days - NJ_BACKLOG_DAYS;
                    if !backlog {
                        let at = local(date, tz, hour, minute)?;
                        self.at(at, Task::Dispatch(code));
                    }
                }
            }
            self.at(local(date, "UTC", 23, 50)?, Task::CarrierFeed);
            if date.weekday() == Weekday::Monday {
                self.at(local(date, "Europe/London", 8, 0)?, Task::Replenish);
            }
        }
        Ok(())
    }

    /// Lives the planned history in time order, then sets the clock to its end.
    pub(super) async fn live(&mut self) -> anyhow::Result<()> {
        while let Some(((at, _), task)) = self.queue.pop_first() {
            self.clock.set(at);
            self.perform(task).await?;
        }
        self.clock.set(self.end);
        self.carrier_feed().await?;
        Ok(())
    }

    async fn perform(&mut self, task: Task) -> anyhow::Result<()> {
        match task {
            Task::Place { n, channel } => self.place(n, channel).await,
            Task::Dispatch(location) => self.dispatch(location).await,
            Task::Ship(shipments) => self.ship(shipments).await,
            Task::CarrierFeed => self.carrier_feed().await,
            Task::Cancel { order, reason } => self.cancel(&order, reason).await,
            Task::CancelLine { order, line_no } => self.cancel_line(&order, line_no).await,
            Task::Review { order, approve } => self.review(&order, approve).await,
            Task::Return(order) => self.request_return(&order).await,
            Task::ReceiveReturn { rma, items } => self.receive_return(&rma, &items).await,
            Task::Claim(order) => self.claim(&order).await,
            Task::Replenish => self.replenish().await,
            Task::Receive { po, lines } => self.receive(&po, &lines).await,
        }
    }

    /// The popularity of each SKU this month.
    pub(super) fn popularity(&self) -> &[u64] {
        let month = usize::try_from(date_of(self.now()).month() - 1).unwrap_or(0);
        &self.popularity[month]
    }

    /// Whether the season is the peak (November and December), when the floor and
    /// the carriers fall behind more often.
    pub(super) fn peak(&self) -> bool {
        date_of(self.now()).month() >= 11
    }
}
