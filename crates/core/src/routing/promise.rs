//! Promised dates: when a parcel leaves a location and when it reaches the customer,
//! from the location's cut-off in its own time zone, its handling days and the zone's
//! transit days. Carriers and warehouses work Monday to Friday.

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use serde::Serialize;

/// When a shipment is promised to leave and to arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Promise {
    /// The parcel leaves by the location's cut-off on this day.
    pub ship_by: Timestamp,
    /// The customer has it by the end of this day (in the location's time zone).
    pub deliver_by: Timestamp,
}

fn is_working_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The first working day on or after `date`.
fn working_day_from(mut date: Date) -> Date {
    while !is_working_day(date) {
        date = date.tomorrow().unwrap_or(date);
    }
    date
}

/// `date` moved forward by `days` working days.
fn add_working_days(mut date: Date, days: i64) -> Date {
    for _ in 0..days.max(0) {
        date = working_day_from(date.tomorrow().unwrap_or(date));
    }
    date
}

/// Minutes after midnight as a time of day, clamped to the day.
pub fn cutoff_time(minutes: i64) -> Time {
    let m = minutes.clamp(0, 24 * 60 - 1);
    Time::new((m / 60) as i8, (m % 60) as i8, 0, 0).unwrap_or(Time::midnight())
}

/// The promise for an order reaching a location at `now`.
pub fn promise(now: Timestamp, tz: &TimeZone, cutoff_minutes: i64, handling_days: i64, transit_days: i64) -> Promise {
    let local = now.to_zoned(tz.clone());
    let cutoff = cutoff_time(cutoff_minutes);
    let today = local.date();
    let first = if is_working_day(today) && local.time() < cutoff {
        today
    } else {
        working_day_from(today.tomorrow().unwrap_or(today))
    };
    let ship_day = add_working_days(first, handling_days);
    let delivery_day = add_working_days(ship_day, transit_days);
    let at = |day: Date, time: Time| {
        day.to_datetime(time)
            .to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(now)
    };
    let end_of_day = Time::new(23, 59, 59, 0).unwrap_or(Time::midnight());
    Promise {
        ship_by: at(ship_day, cutoff),
        deliver_by: at(delivery_day, end_of_day),
    }
}

/// Whether `name` is a time zone Switchyard knows (IANA names such as Europe/London).
pub fn time_zone(name: &str) -> Option<TimeZone> {
    TimeZone::get(name).ok()
}

/// Whole days `actual` is later than `promised` (0 when on time).
pub fn days_late(promised: Timestamp, actual: Timestamp) -> i64 {
    if actual <= promised {
        return 0;
    }
    let seconds = actual.as_second() - promised.as_second();
    (seconds + 86_399) / 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    fn london() -> TimeZone {
        time_zone("Europe/London").unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn before_the_cut_off_it_ships_today() {
        // Tuesday 2026-11-17, 10:00 in London; cut-off 16:00, next-day transit.
        let p = promise(at("2026-11-17T10:00:00Z"), &london(), 960, 0, 1);
        assert_eq!(p.ship_by, at("2026-11-17T16:00:00Z"));
        assert_eq!(p.deliver_by, at("2026-11-18T23:59:59Z"));
    }

    #[test]
    fn after_the_cut_off_it_ships_the_next_working_day() {
        // Friday 17:00: ships Monday, 2 transit days: Wednesday.
        let p = promise(at("2026-11-20T17:00:00Z"), &london(), 960, 0, 2);
        assert_eq!(p.ship_by, at("2026-11-23T16:00:00Z"));
        assert_eq!(p.deliver_by, at("2026-11-25T23:59:59Z"));
    }

    #[test]
    fn handling_days_and_weekends_are_skipped() {
        // Saturday: first working day Monday, +1 handling day: Tuesday.
        let p = promise(at("2026-11-21T09:00:00Z"), &london(), 960, 1, 0);
        assert_eq!(p.ship_by, at("2026-11-24T16:00:00Z"));
    }

    #[test]
    fn the_cut_off_is_in_the_location_time_zone() {
        // 20:00 UTC is 15:00 in New York: still before a 16:00 cut-off there.
        let ny = time_zone("America/New_York").unwrap();
        let p = promise(at("2026-11-17T20:00:00Z"), &ny, 960, 0, 0);
        assert_eq!(p.ship_by, at("2026-11-17T21:00:00Z"));
    }

    #[test]
    fn an_order_at_the_cut_off_itself_ships_the_next_working_day() {
        // Tuesday 16:00 in London, cut-off 16:00.
        let p = promise(at("2026-11-17T16:00:00Z"), &london(), 960, 0, 0);
        assert_eq!(p.ship_by, at("2026-11-18T16:00:00Z"));
        let a_minute_before = promise(at("2026-11-17T15:59:00Z"), &london(), 960, 0, 0);
        assert_eq!(a_minute_before.ship_by, at("2026-11-17T16:00:00Z"));
    }

    #[test]
    fn a_cut_off_outside_the_day_is_held_to_its_first_or_last_minute() {
        let hm = |t: Time| (t.hour(), t.minute());
        assert_eq!(hm(cutoff_time(16 * 60 + 30)), (16, 30));
        assert_eq!(hm(cutoff_time(24 * 60 - 1)), (23, 59));
        assert_eq!(hm(cutoff_time(24 * 60)), (23, 59));
        assert_eq!(hm(cutoff_time(5_000)), (23, 59));
        assert_eq!(hm(cutoff_time(-5)), (0, 0));
    }

    #[test]
    fn lateness_is_counted_in_started_days() {
        assert_eq!(days_late(at("2026-11-18T23:59:59Z"), at("2026-11-18T23:59:59Z")), 0);
        assert_eq!(days_late(at("2026-11-18T23:59:59Z"), at("2026-11-19T00:00:00Z")), 1);
        assert_eq!(days_late(at("2026-11-18T23:59:59Z"), at("2026-11-18T20:00:00Z")), 0);
        assert_eq!(days_late(at("2026-11-18T23:59:59Z"), at("2026-11-19T10:00:00Z")), 1);
        assert_eq!(days_late(at("2026-11-18T23:59:59Z"), at("2026-11-21T00:00:00Z")), 3);
    }
}
