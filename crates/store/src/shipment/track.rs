//! Tracking: carrier events by API (one, or many in one transaction), from EasyPost
//! tracker webhooks, and from the carrier providers themselves (the simulated one
//! reports a journey as the clock moves). An event dated before its shipment shipped
//! or in the future (`shipment::event_time`) is refused and recorded nowhere: one sent
//! alone is a 422, one of a bulk upload is `refused` in the results while the others
//! apply, and one pushed by a carrier is logged and dropped (answering an error would
//! make the carrier send it again for ever). Every other event joins the shipment's
//! timeline unless an identical one is there; whether it moves the shipment is the
//! core's call (`shipment::track`). Delivery marks the lines delivered, measures the promise, and
//! completes the order when nothing else is on its way.

use serde::Serialize;
use serde_json::json;
use switchyard_core::FieldError;
use switchyard_core::carrier::easypost::TrackerUpdate;
use switchyard_core::carrier::{Carrier, Parcel, Provider};
use switchyard_core::catalog::Address;
use switchyard_core::id::{ShipmentId, TrackingEventId};
use switchyard_core::order as rules;
use switchyard_core::order::{LineAction, LineStatus, LinesOutcome, OrderEventKind};
use switchyard_core::shipment::input::ShipmentRef;
use switchyard_core::shipment::{
    self as flow, DeliveryPerformance, ShipmentLineStatus, ShipmentStatus, TrackingEvent, TrackingOutcome,
    TrackingStatus,
};
use switchyard_core::validation::Invalid;

use super::link::{ShipmentHead, line_step, save_shipment, shipment_head};
use super::shipment_id;
use crate::db::{self, Arg, get_json, micros};
use crate::error::{StoreError, StoreResult};
use crate::order::Head;
use crate::order::event as order_event;
use crate::{Store, WriteTx};

/// What became of a tracking event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TrackingOutcomeKind {
    /// It moved the shipment's status.
    Applied,
    /// It joined the timeline and left the status alone (late, or after a final word).
    Recorded,
    /// An identical event was already on the timeline; nothing changed.
    Duplicate,
    /// Its time cannot be right (before the shipment shipped, or in the future): it was
    /// not recorded; `note` says why.
    Refused,
}

/// One tracking event's fate.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackingResult {
    pub shipment_id: ShipmentId,
    pub shipment: String,
    pub event_status: TrackingStatus,
    pub outcome: TrackingOutcomeKind,
    /// Why it did not move the shipment.
    pub note: Option<String>,
    /// The shipment's status after the event.
    pub status: ShipmentStatus,
    /// Why the event's time was refused, for the caller to report as it must.
    #[serde(skip)]
    refusal: Option<Invalid>,
}

/// Records `event` on the shipment `id` and applies it when the core says so.
async fn track_in(
    tx: &mut WriteTx,
    now: jiff::Timestamp,
    id: &ShipmentId,
    event: &TrackingEvent,
    source: &str,
) -> StoreResult<TrackingResult> {
    let head = shipment_head(tx, id).await?;
    if let Err(refusal) = flow::event_time(event.occurred_at, head.shipped_at, now) {
        return Ok(TrackingResult {
            shipment_id: head.id.clone(),
            shipment: head.number.clone(),
            event_status: event.status,
            outcome: TrackingOutcomeKind::Refused,
            note: Some(format!("occurred_at {}", refusal.message)),
            status: head.status,
            refusal: Some(refusal),
        });
    }
    let outcome = flow::track(head.status, head.last_event_at, event.status, event.occurred_at);
    let (applied, note) = match outcome {
        TrackingOutcome::Applied(_) => (1, None),
        TrackingOutcome::Recorded(why) => (0, Some(why)),
    };
    let inserted = db::query(
        "INSERT INTO shipment_event (id, shipment_id, status, occurred_at, location, description, source, applied, note, \
         received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (shipment_id, status, occurred_at, location, description) DO NOTHING",
    )
    .bind(TrackingEventId::new_at(now).as_str())
    .bind(id.as_str())
    .bind(event.status.as_str())
    .bind(micros(event.occurred_at))
    .bind(&event.location)
    .bind(&event.description)
    .bind(source)
    .bind(applied)
    .bind(note)
    .bind(micros(now))
    .execute(&mut ***tx)
    .await?;
    let result = |outcome, note: Option<&str>, status| TrackingResult {
        shipment_id: head.id.clone(),
        shipment: head.number.clone(),
        event_status: event.status,
        outcome,
        note: note.map(str::to_owned),
        status,
        refusal: None,
    };
    if inserted.rows_affected() == 0 {
        return Ok(result(TrackingOutcomeKind::Duplicate, None, head.status));
    }
    let TrackingOutcome::Applied(to) = outcome else {
        return Ok(result(TrackingOutcomeKind::Recorded, note, head.status));
    };
    let last = head
        .last_event_at
        .map_or(event.occurred_at, |l| l.max(event.occurred_at));
    let mut columns = vec![("last_event_at", Some(Arg::Int(micros(last))))];
    if to == ShipmentStatus::Delivered {
        columns.push(("delivered_at", Some(Arg::Int(micros(event.occurred_at)))));
    }
    save_shipment(tx, &head, to, columns, now).await?;
    if to != head.status {
        after_status_change(tx, now, &head, to, event, source).await?;
    }
    Ok(result(TrackingOutcomeKind::Applied, None, to))
}

/// What the order hears when a carrier moves one of its shipments.
async fn after_status_change(
    tx: &mut WriteTx,
    now: jiff::Timestamp,
    head: &ShipmentHead,
    to: ShipmentStatus,
    event: &TrackingEvent,
    source: &str,
) -> StoreResult<()> {
    let place = if event.location.is_empty() {
        String::new()
    } else {
        format!(" ({})", event.location)
    };
    let (kind, message) = match to {
        ShipmentStatus::Delivered => {
            let from = LineStatus::Shipped;
            let delivered = line_step(from, LineAction::Deliver)?;
            db::query(format!(
                "UPDATE order_line SET status = $2 WHERE status = $3 AND id IN \
                 (SELECT line_id FROM shipment_line WHERE shipment_id = $1 AND status = {})",
                db::is(ShipmentLineStatus::Open)
            ))
            .bind(head.id.as_str())
            .bind(delivered.as_str())
            .bind(from.as_str())
            .execute(&mut ***tx)
            .await?;
            let performance = DeliveryPerformance::measure(head.promised_delivery_at, event.occurred_at);
            (
                OrderEventKind::Delivered,
                format!(
                    "Shipment {} delivered {}{place}, {}",
                    head.number,
                    event.occurred_at.strftime("%Y-%m-%d %H:%M UTC"),
                    performance.describe()
                ),
            )
        }
        ShipmentStatus::Exception => (
            OrderEventKind::ShipmentException,
            format!(
                "{} reported a problem with shipment {}: {}{place}",
                source, head.number, event.description
            ),
        ),
        ShipmentStatus::ReturnedToSender => (
            OrderEventKind::ShipmentReturned,
            format!(
                "Shipment {} is being returned to {}: {}{place}",
                head.number, head.location, event.description
            ),
        ),
        // In transit and out for delivery reach the outbox (for customer emails), not the timeline.
        _ => return Ok(()),
    };
    let order = Head::take(tx, head.order_id.as_str()).await?;
    // A delivery may leave every line delivered: the order is then completed.
    let outcome = rules::after_lines_changed(order.status, order.lines(tx).await?)?;
    let status = outcome.status(order.status);
    order.save(tx, status, order.hold.as_ref(), now).await?;
    let data = json!({
        "shipment_id": head.id, "shipment": head.number, "status": to, "occurred_at": event.occurred_at,
        "location": event.location, "description": event.description, "source": source,
        "delivery": (to == ShipmentStatus::Delivered)
            .then(|| DeliveryPerformance::measure(head.promised_delivery_at, event.occurred_at)),
    });
    order_event(tx, now, &order.id, kind, source, message, data);
    if outcome == LinesOutcome::Completed {
        let message = "Completed: every line was delivered".to_owned();
        order_event(
            tx,
            now,
            &order.id,
            OrderEventKind::Completed,
            "system",
            message,
            json!({}),
        );
    }
    Ok(())
}

impl Store {
    /// The shipment with this tracking number (of `carrier`, when two carriers share it).
    async fn by_tracking_number(&self, number: &str, carrier: Option<Carrier>) -> StoreResult<Vec<ShipmentId>> {
        let rows: Vec<String> = match carrier {
            Some(c) => {
                db::query_scalar("SELECT id FROM shipment WHERE tracking_number = $1 AND carrier = $2 ORDER BY id")
                    .bind(number)
                    .bind(c.as_str())
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                db::query_scalar("SELECT id FROM shipment WHERE tracking_number = $1 ORDER BY id")
                    .bind(number)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.into_iter()
            .map(|id| ShipmentId::try_from(id).map_err(StoreError::Corrupt))
            .collect()
    }

    /// Applies events to shipments in one transaction, in the order given.
    async fn track_all(
        &self,
        events: &[(ShipmentId, &TrackingEvent)],
        source: &str,
    ) -> StoreResult<Vec<TrackingResult>> {
        transact!(self, |tx| {
            let mut results = Vec::with_capacity(events.len());
            for (id, event) in events {
                results.push(track_in(tx, self.now(), id, event, source).await?);
            }
            Ok(results)
        })
    }

    /// Records one tracking event on the shipment `key` (number or id).
    pub async fn record_tracking(&self, key: &str, event: &TrackingEvent, source: &str) -> StoreResult<TrackingResult> {
        let mut conn = self.pool.acquire().await?;
        let id = shipment_id(&mut conn, key).await?;
        drop(conn);
        let mut results = self.track_all(&[(id, event)], source).await?;
        let result = results
            .pop()
            .ok_or_else(|| StoreError::Corrupt("no tracking result".into()))?;
        match result.refusal {
            Some(refusal) => Err(StoreError::Invalid(vec![refusal.at("/occurred_at")])),
            None => Ok(result),
        }
    }

    /// Records many events: every shipment is looked up first (each unknown one is a
    /// field error and nothing is recorded), then all apply in one transaction, but for
    /// those whose time is refused, which are `refused` in the results.
    pub async fn record_tracking_bulk(
        &self,
        events: &[(ShipmentRef, TrackingEvent)],
        source: &str,
    ) -> StoreResult<Vec<TrackingResult>> {
        let mut resolved = Vec::with_capacity(events.len());
        let mut errors = Vec::new();
        let mut conn = self.pool.acquire().await?;
        for (i, (target, event)) in events.iter().enumerate() {
            match target {
                ShipmentRef::Key(key) => match shipment_id(&mut conn, key).await {
                    Ok(id) => resolved.push((id, event)),
                    Err(StoreError::NotFound { .. }) => errors.push(FieldError {
                        field: format!("/events/{i}/shipment"),
                        code: "not_found",
                        message: format!("there is no shipment {key}"),
                    }),
                    Err(e) => return Err(e),
                },
                ShipmentRef::Tracking { number, carrier } => {
                    let found = self.by_tracking_number(number, *carrier).await?;
                    match found.as_slice() {
                        [id] => resolved.push((id.clone(), event)),
                        [] => errors.push(FieldError {
                            field: format!("/events/{i}/tracking_number"),
                            code: "not_found",
                            message: format!("no shipment has tracking number {number}"),
                        }),
                        _ => errors.push(FieldError {
                            field: format!("/events/{i}/carrier"),
                            code: "ambiguous",
                            message: format!(
                                "{} shipments have tracking number {number}: name the carrier",
                                found.len()
                            ),
                        }),
                    }
                }
            }
        }
        drop(conn);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        self.track_all(&resolved, source).await
    }

    /// Applies an EasyPost tracker's events to the shipment with its tracking code.
    pub async fn record_easypost(&self, update: &TrackerUpdate) -> StoreResult<Vec<TrackingResult>> {
        let found = self.by_tracking_number(&update.tracking_code, update.carrier).await?;
        let [id] = found.as_slice() else {
            return Err(StoreError::not_found(
                "shipment with tracking number",
                &update.tracking_code,
            ));
        };
        let events: Vec<(ShipmentId, &TrackingEvent)> = update.events.iter().map(|e| (id.clone(), e)).collect();
        let results = self.track_all(&events, "easypost").await?;
        log_refused(&results, "easypost");
        Ok(results)
    }

    /// Asks each carrier provider what happened to the parcels it carries that are not
    /// delivered yet, and records it; returns how many events were new. The server
    /// calls this from its background loop; the simulated carrier's parcels move here.
    /// Manual carriers report by API, so their parcels are not asked about.
    pub async fn sync_carrier_tracking(&self) -> StoreResult<usize> {
        let rows = db::query(format!(
            "SELECT s.id, s.carrier, s.provider, s.tracking_number, s.shipped_at, s.promised_delivery_at, \
             l.address AS origin, o.shipping_address AS destination FROM shipment s \
             JOIN location l ON l.id = s.location_id JOIN sales_order o ON o.id = s.order_id \
             WHERE s.status IN {} \
             AND s.provider IS NOT NULL AND s.provider <> {} AND s.tracking_number IS NOT NULL ORDER BY s.id",
            db::one_of(ShipmentStatus::CARRIER_TRACKED),
            db::is(Provider::Manual)
        ))
        .fetch_all(&self.pool)
        .await?;
        let now = self.now();
        let mut new = 0;
        for row in &rows {
            let (Ok(carrier), Ok(provider)) = (
                Carrier::parse(&row.try_get::<String, _>("carrier")?),
                Provider::parse(&row.try_get::<String, _>("provider")?),
            ) else {
                continue;
            };
            let town = |a: Address| format!("{}, {}", a.city, a.country);
            let number: String = row.try_get("tracking_number")?;
            let parcel = Parcel {
                carrier,
                tracking_number: &number,
                shipped_at: crate::db::get_time(row, "shipped_at")?,
                promised_delivery_at: crate::db::get_opt_time(row, "promised_delivery_at")?,
                origin: &town(get_json(row, "origin")?),
                destination: &town(get_json(row, "destination")?),
            };
            let events = provider.implementation().tracking_events(&parcel, now);
            if events.is_empty() {
                continue;
            }
            let id: ShipmentId = crate::db::get_id(row, "id")?;
            let batch: Vec<(ShipmentId, &TrackingEvent)> = events.iter().map(|e| (id.clone(), e)).collect();
            let results = self.track_all(&batch, provider.as_str()).await?;
            log_refused(&results, provider.as_str());
            new += results
                .iter()
                .filter(|r| !matches!(r.outcome, TrackingOutcomeKind::Duplicate | TrackingOutcomeKind::Refused))
                .count();
        }
        Ok(new)
    }
}

/// A carrier's push is answered whatever its events' times: a refused one is logged
/// for the operator, not returned as an error the carrier would retry for ever.
fn log_refused(results: &[TrackingResult], source: &str) {
    for r in results.iter().filter(|r| r.outcome == TrackingOutcomeKind::Refused) {
        tracing::warn!(
            shipment = %r.shipment,
            source,
            event = r.event_status.as_str(),
            why = r.note.as_deref().unwrap_or_default(),
            "tracking event refused"
        );
    }
}
