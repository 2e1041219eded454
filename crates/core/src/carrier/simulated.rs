//! The simulated carrier, for demos and tests: it issues tracking numbers in the
//! chosen carrier's real format (valid check digits, seeded by the shipment id) and
//! reports a plausible journey — collected, sorted, arrived, out for delivery,
//! delivered — at times derived from the ship time and the promise. It never sleeps
//! and never reads a clock: it says what had happened by the time it is asked about.
//! One parcel in ten arrives a day late; one in ten has a failed first attempt.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::{Carrier, CarrierProvider, LabelOrder, Parcel, checksum};
use crate::order::ServiceLevel;
use crate::shipment::{TrackingEvent, TrackingStatus};
use crate::validation::Invalid;

/// FNV-1a: a stable hash, so the same shipment always gets the same number and journey.
pub fn seed(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A tracking number in `carrier`'s format for the shipment `shipment_id`.
pub fn issue(carrier: Carrier, shipment_id: &str, level: ServiceLevel) -> String {
    let seed = seed(shipment_id);
    match carrier {
        Carrier::Ups => {
            let service = match level {
                ServiceLevel::Standard => "03",
                ServiceLevel::Express => "02",
                ServiceLevel::NextDay => "01",
            };
            checksum::issue_ups(seed, service)
        }
        Carrier::Usps => checksum::issue_usps(seed),
        Carrier::Fedex => checksum::issue_fedex(seed),
        Carrier::DhlExpress => checksum::issue_dhl_express(seed),
        Carrier::RoyalMail => checksum::issue_s10(seed, "TT", "GB"),
    }
}

#[derive(Debug, Default)]
pub struct SimulatedProvider;

impl CarrierProvider for SimulatedProvider {
    fn tracking_number(&self, order: &LabelOrder<'_>) -> Result<String, Invalid> {
        Ok(issue(order.carrier, order.shipment_id, order.level))
    }

    fn tracking_events(&self, parcel: &Parcel<'_>, now: Timestamp) -> Vec<TrackingEvent> {
        journey(parcel).into_iter().filter(|e| e.occurred_at <= now).collect()
    }
}

fn at(date: Date, hour: i8, minute: i8) -> Timestamp {
    let time = Time::new(hour, minute, 0, 0).unwrap_or(Time::midnight());
    date.to_datetime(time)
        .to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn date_of(t: Timestamp) -> Date {
    t.to_zoned(TimeZone::UTC).date()
}

fn after(t: Timestamp, hours: i64) -> Timestamp {
    t.saturating_add(SignedDuration::from_hours(hours)).unwrap_or(t)
}

fn next_day(date: Date) -> Date {
    date.tomorrow().unwrap_or(date)
}

/// The whole journey of a parcel, oldest event first.
pub fn journey(parcel: &Parcel<'_>) -> Vec<TrackingEvent> {
    let h = seed(parcel.tracking_number);
    let name = parcel.carrier.name();
    let event = |status, occurred_at, location: &str, description: String| TrackingEvent {
        status,
        occurred_at,
        location: location.to_owned(),
        description,
    };
    let arrived = after(parcel.shipped_at, 20);
    let mut events = vec![
        event(
            TrackingStatus::InTransit,
            after(parcel.shipped_at, 2),
            parcel.origin,
            format!("Collected by {name}"),
        ),
        event(
            TrackingStatus::InTransit,
            after(parcel.shipped_at, 8),
            parcel.origin,
            "Departed sorting centre".to_owned(),
        ),
        event(
            TrackingStatus::InTransit,
            arrived,
            parcel.destination,
            "Arrived at delivery office".to_owned(),
        ),
    ];
    let promised = parcel
        .promised_delivery_at
        .map(date_of)
        .unwrap_or_else(|| next_day(next_day(date_of(parcel.shipped_at))));
    let mut day = if at(promised, 7, 40) > arrived {
        promised
    } else {
        next_day(date_of(arrived))
    };
    if h.is_multiple_of(10) {
        day = next_day(day);
    }
    let out_for_delivery = |day| {
        let description = "Out for delivery".to_owned();
        event(
            TrackingStatus::OutForDelivery,
            at(day, 7, 40),
            parcel.destination,
            description,
        )
    };
    if h % 10 == 1 {
        events.push(out_for_delivery(day));
        let description = "Delivery attempted: nobody in; we will try again next working day".to_owned();
        events.push(event(
            TrackingStatus::Exception,
            at(day, 11, 30),
            parcel.destination,
            description,
        ));
        day = next_day(day);
    }
    let minutes = (h % 120) as i8;
    events.push(out_for_delivery(day));
    let delivered_at = at(day, 11 + minutes / 60, minutes % 60);
    events.push(event(
        TrackingStatus::Delivered,
        delivered_at,
        parcel.destination,
        "Delivered".to_owned(),
    ));
    events
}
