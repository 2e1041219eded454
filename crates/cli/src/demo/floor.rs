//! The history's warehouse floors and carriers: each working day a location releases
//! its waiting work and ships it before the cut-off; now and then a pick comes up
//! short or a shipment is held back past its promised ship time (more often in the
//! peak). Carriers collect the parcels and deliver them on the promised day, a day
//! early now and then, and late now and then.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use switchyard_core::carrier::simulated;
use switchyard_core::carrier::{Carrier, Provider};
use switchyard_core::order::ServiceLevel;
use switchyard_core::shipment::input::{
    ItemMix, LabelInput, PackInput, PackageInput, PickListRequest, ReleaseRequest, ShipmentRef,
};
use switchyard_core::shipment::{ShipmentStatus, TrackingEvent, TrackingStatus};
use switchyard_store::shipment::{Shipment, TrackingOutcomeKind};
use switchyard_store::{Store, StoreError};
use tokio::task::JoinSet;

use super::history::{FLOOR, History, SITES, Task, date_of, local, working_days_after};

/// Packaging added to what a parcel holds.
const PACKAGING_GRAMS: i64 = 150;

/// Who carries a parcel from `location` to `country`.
fn carrier(location: &str, country: &str, level: ServiceLevel) -> Carrier {
    match (location, country) {
        ("LON", "GB") => Carrier::RoyalMail,
        ("NJ-3PL", "US") if level == ServiceLevel::Standard => Carrier::Usps,
        ("NJ-3PL", _) => Carrier::Ups,
        _ => Carrier::DhlExpress,
    }
}

impl History<'_> {
    /// A location's daily dispatch: what waits is released and shipped; a few short
    /// picks; a few shipments held back to a later day.
    pub(super) async fn dispatch(&mut self, location: &'static str) -> anyhow::Result<()> {
        // The orders known to wait here are released side by side (the store commits
        // them together); then whatever else waits (backorders filled since, free
        // replacements, lines back from a short pick).
        let mut work = JoinSet::new();
        for (i, order) in self.supply.take_waiting(location).into_iter().enumerate() {
            let store = self.store.clone();
            let request = ReleaseRequest {
                location: location.to_owned(),
                orders: vec![order],
                channels: Vec::new(),
                carrier: None,
            };
            work.spawn(async move { (i, store.release_shipments(&request, FLOOR).await) });
        }
        let mut done = work.join_all().await;
        done.sort_by_key(|(i, _)| *i);
        let mut released = Vec::new();
        for (_, answer) in done {
            released.extend(self.allowed(answer)?.unwrap_or_default());
        }
        let rest = ReleaseRequest {
            location: location.to_owned(),
            orders: Vec::new(),
            channels: Vec::new(),
            carrier: None,
        };
        released.extend(
            self.allowed(self.store.release_shipments(&rest, FLOOR).await)?
                .unwrap_or_default(),
        );
        let held_back = if self.peak() { 90 } else { 30 };
        let mut short = Vec::new();
        let mut now = Vec::new();
        for s in released {
            let roll = self.rng.below(1000);
            if roll < 15 {
                if let Some(product) = self.short_pick(location, &s.number).await? {
                    short.push(product);
                }
                now.push(s.number);
            } else if roll < 15 + held_back {
                // Too much work, or the parcel waited for a missing label: shipped one
                // or two working days after its promised ship time.
                let days = 1 + i64::from(self.rng.below(3) == 0);
                let (_, tz, hour, minute) = SITES.iter().copied().find(|s| s.0 == location).unwrap_or(SITES[0]);
                let day = working_days_after(date_of(self.now()), days);
                let at = local(day, tz, hour, minute)? - SignedDuration::from_mins(20);
                self.at(at, Task::Ship(vec![s.number]));
            } else {
                now.push(s.number);
            }
        }
        self.ship(now).await?;
        if !short.is_empty() {
            self.allowed(self.store.allocate_backorders(&short).await)?;
        }
        Ok(())
    }

    /// Picks `shipment` on a pick list of its own and finds one unit fewer than its
    /// first line needs: the line goes back to routing. Returns its product.
    async fn short_pick(
        &mut self,
        location: &str,
        shipment: &str,
    ) -> anyhow::Result<Option<switchyard_core::id::ProductId>> {
        let request = PickListRequest {
            location: location.to_owned(),
            shipments: vec![shipment.to_owned()],
            max_shipments: 1,
            ship_by: None,
            carrier: None,
            items: ItemMix::Any,
        };
        let Some(list) = self.allowed(self.store.create_pick_list(&request, FLOOR).await)? else {
            return Ok(None);
        };
        let Some(s) = self.allowed(self.store.shipment(shipment).await)? else {
            return Ok(None);
        };
        let Some(line) = s.lines.first() else {
            return Ok(None);
        };
        let picks = vec![(line.sku.clone(), line.quantity - 1)];
        let product = line.product_id.clone();
        if self
            .allowed(self.store.confirm_picks(&list.number, &picks, FLOOR).await)?
            .is_some()
        {
            self.stats.short_picks += 1;
        }
        Ok(Some(product))
    }

    /// Packs, labels and ships released shipments, side by side as a floor does (the
    /// store commits their work together), and plans their journeys.
    pub(super) async fn ship(&mut self, numbers: Vec<String>) -> anyhow::Result<()> {
        let weights: Arc<HashMap<String, i64>> =
            Arc::new(self.skus.iter().map(|s| (s.sku.clone(), s.weight)).collect());
        let mut work = JoinSet::new();
        for (i, number) in numbers.into_iter().enumerate() {
            let store = self.store.clone();
            let weights = weights.clone();
            work.spawn(async move { (i, ship_one(&store, &number, &weights).await) });
        }
        let mut done = work.join_all().await;
        done.sort_by_key(|(i, _)| *i);
        for (_, shipped) in done {
            let Some(shipped) = self.allowed(shipped)?.flatten() else {
                continue;
            };
            self.stats.shipments += 1;
            for line in &shipped.lines {
                self.supply
                    .shipped(date_of(self.now()), &line.sku, &shipped.summary.location, line.quantity);
            }
            self.journey(&shipped)?;
        }
        Ok(())
    }

    /// Plans the carrier's events: collected within hours, out for delivery and
    /// delivered on the promised day moved by the days the warehouse was late, a day
    /// early now and then, a day or two late now and then.
    fn journey(&mut self, shipped: &Shipment) -> anyhow::Result<()> {
        let now = self.now();
        let s = &shipped.summary;
        let origin = format!("{}, {}", shipped.ship_from.city, shipped.ship_from.country);
        let destination = format!("{}, {}", shipped.ship_to.city, shipped.ship_to.country);
        let collected = now + SignedDuration::from_mins(90 + self.rng.below(180) as i64);
        self.report(collected, &s.number, TrackingStatus::InTransit, origin, None);
        let today = date_of(now);
        let promised_ship = s.promised_ship_at.unwrap_or(now);
        let warehouse_late = if now > promised_ship {
            self.stats.late_warehouse += 1;
            let mut days = 0;
            while working_days_after(date_of(promised_ship), days) < today {
                days += 1;
            }
            days.max(1)
        } else {
            0
        };
        // The promise ends the day in the customer's time zone (up to a day either side
        // of UTC's): its date is the UTC date half a day before.
        let promised = s.promised_delivery_at.map_or_else(
            || working_days_after(today, 2),
            |t| date_of(t - SignedDuration::from_hours(12)),
        );
        let mut day = working_days_after(promised, warehouse_late);
        let roll = self.rng.below(100);
        let carrier_late = if self.peak() { 12 } else { 5 };
        if roll < carrier_late {
            self.stats.late_carrier += 1;
            day = working_days_after(day, 1 + i64::from(self.rng.below(3) == 0));
        } else if roll >= 75 && s.service_level == ServiceLevel::Standard {
            let early = day.saturating_sub(jiff::ToSpan::day(1));
            if early > working_days_after(today, 1) {
                day = working_days_after(early, 0);
            }
        }
        let out = local(day, "UTC", 7, 40)?;
        let delivered = out + SignedDuration::from_mins(150 + self.rng.below(360) as i64);
        self.report(
            out,
            &s.number,
            TrackingStatus::OutForDelivery,
            destination.clone(),
            None,
        );
        let order = Some(s.order_number.clone());
        self.report(delivered, &s.number, TrackingStatus::Delivered, destination, order);
        Ok(())
    }

    /// Notes a carrier event for the carrier's next daily upload.
    fn report(&mut self, at: Timestamp, shipment: &str, status: TrackingStatus, place: String, order: Option<String>) {
        let description = match status {
            TrackingStatus::InTransit => "Collected",
            TrackingStatus::OutForDelivery => "Out for delivery",
            _ => "Delivered",
        };
        let event = TrackingEvent {
            status,
            occurred_at: at,
            location: place,
            description: description.to_owned(),
        };
        self.carrier_news
            .push((ShipmentRef::Key(shipment.to_owned()), event, order));
    }

    /// The carriers' daily upload: every event that happened by now, in one bulk
    /// upload; a delivery may bring a return or a claim later.
    pub(super) async fn carrier_feed(&mut self) -> anyhow::Result<()> {
        let now = self.now();
        let (mut due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.carrier_news)
            .into_iter()
            .partition(|(_, e, _)| e.occurred_at <= now);
        self.carrier_news = later;
        if due.is_empty() {
            return Ok(());
        }
        due.sort_by_key(|(_, e, _)| e.occurred_at);
        let events: Vec<(ShipmentRef, TrackingEvent)> = due.iter().map(|(r, e, _)| (r.clone(), e.clone())).collect();
        let Some(results) = self.allowed(self.store.record_tracking_bulk(&events, "carrier").await)? else {
            return Ok(());
        };
        for (result, (_, _, order)) in results.iter().zip(due) {
            let delivered =
                result.event_status == TrackingStatus::Delivered && result.outcome == TrackingOutcomeKind::Applied;
            if let (true, Some(order)) = (delivered, order) {
                self.stats.delivered += 1;
                self.after_delivery(order);
            }
        }
        Ok(())
    }
}

/// Packs `number` with every unit it holds scanned, buys its label and ships it; `None`
/// when nothing is left to ship.
async fn ship_one(store: &Store, number: &str, weights: &HashMap<String, i64>) -> Result<Option<Shipment>, StoreError> {
    let (shipment, items) = store.shipment_to_pack(number).await?;
    if items.is_empty() || !ShipmentStatus::ON_THE_FLOOR.contains(&shipment.summary.status) {
        return Ok(None);
    }
    let mut scans = Vec::new();
    let mut grams = PACKAGING_GRAMS;
    for item in &items {
        grams += weights.get(&item.sku).copied().unwrap_or(200) * item.quantity;
        scans.extend(std::iter::repeat_n(
            item.sku.clone(),
            usize::try_from(item.quantity).unwrap_or(0),
        ));
    }
    let pack = PackInput {
        scans: Some(scans),
        package: Some(PackageInput {
            weight_grams: Some(grams),
            ..PackageInput::default()
        }),
    }
    .parse()
    .map_err(StoreError::Invalid)?;
    store.pack_shipment(number, &pack, FLOOR).await?;
    let level = shipment.summary.service_level;
    let carrier = carrier(&shipment.summary.location, &shipment.ship_to.country, level);
    // The operator buys the label in the carrier's own tool and types its number.
    let label = LabelInput {
        provider: Some(Provider::Manual),
        carrier: Some(carrier),
        service: None,
        tracking_number: Some(simulated::issue(carrier, shipment.summary.id.as_str(), level)),
        cost: None,
    };
    store.create_label(number, &label, FLOOR).await?;
    store.ship_shipment(number, FLOOR).await.map(Some)
}
