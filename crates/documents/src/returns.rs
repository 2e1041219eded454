//! What the packing slip says about sending something back: the channel's return
//! window and, where it can be known, the last day of it. When the window closes is
//! core's rule (`returns::window_closes`); how the slip words it is this module's.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use switchyard_core::returns::window_closes;

/// The returns a channel accepts and what is known of the parcel's delivery.
#[derive(Debug, Clone)]
pub struct ReturnTerms {
    /// Days after delivery a return may be asked for; 0: the channel takes no returns.
    pub window_days: i64,
    pub delivered_at: Option<Timestamp>,
    /// The day the customer was promised the parcel, while it is not delivered.
    pub promised_delivery_at: Option<Timestamp>,
    /// Dates print as days in this zone (the shipping location's).
    pub time_zone: TimeZone,
}

/// The last day of the window, as far as the slip can tell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deadline {
    /// Delivered: the window closes then.
    Known { closes: Timestamp },
    /// Not delivered yet: the window closes then if the parcel arrives on its promised day.
    IfOnTime { promised: Timestamp, closes: Timestamp },
    /// Neither delivered nor promised: no date can be given.
    Unknown,
}

impl ReturnTerms {
    /// Whether the channel takes returns at all.
    pub fn accepted(&self) -> bool {
        switchyard_core::returns::accepts_returns(self.window_days)
    }

    fn deadline(&self) -> Deadline {
        // Counted from the day it arrives, whether that is known or promised.
        let closes = |arrival: Timestamp| window_closes(arrival, Some(arrival), self.window_days);
        match (self.delivered_at, self.promised_delivery_at) {
            (Some(delivered), _) => Deadline::Known {
                closes: closes(delivered),
            },
            (None, Some(promised)) => Deadline::IfOnTime {
                promised,
                closes: closes(promised),
            },
            (None, None) => Deadline::Unknown,
        }
    }

    /// "20 December 2026" (`year`) or "6 December", in the terms' zone.
    fn day(&self, at: Timestamp, year: bool) -> String {
        let format = if year { "%-d %B %Y" } else { "%-d %B" };
        at.to_zoned(self.time_zone.clone()).strftime(format).to_string()
    }
}

/// The slip's paragraphs on returns for order `order`: how to send an item back, within
/// how many days of delivery and by which day. Nothing when the channel takes no returns.
pub fn return_instructions(order: &str, terms: &ReturnTerms) -> Vec<String> {
    if !terms.accepted() {
        return Vec::new();
    }
    let by = match terms.deadline() {
        Deadline::Known { closes } => format!(", by {}", terms.day(closes, true)),
        Deadline::IfOnTime { promised, closes } => format!(
            ": by {} if it arrives on its promised date, {}",
            terms.day(closes, true),
            terms.day(promised, false)
        ),
        Deadline::Unknown => String::new(),
    };
    let days = crate::count(usize::try_from(terms.window_days).unwrap_or_default(), "day");
    vec![
        format!(
            "To return an item, write order number {order} on a note, pack the item with it in its original \
             packaging, and send it to the return address above within {days} of delivery{by}."
        ),
        "Keep your proof of postage. We refund or exchange once the parcel arrives and is checked.".to_owned(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn terms(window_days: i64, delivered: Option<&str>, promised: Option<&str>) -> ReturnTerms {
        ReturnTerms {
            window_days,
            delivered_at: delivered.map(at),
            promised_delivery_at: promised.map(at),
            time_zone: TimeZone::UTC,
        }
    }

    /// Asserts that the first paragraph for `t` ends with `ending`.
    fn ends_with(t: &ReturnTerms, ending: &str) {
        let text = return_instructions("SO-1", t);
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(text[0].contains("order number SO-1"), "{}", text[0]);
        assert!(text[0].ends_with(ending), "{}", text[0]);
    }

    #[test]
    fn a_promised_parcel_is_told_the_last_day_if_it_arrives_on_time() {
        ends_with(
            &terms(14, None, Some("2026-12-06T23:59:59Z")),
            "within 14 days of delivery: by 20 December 2026 if it arrives on its promised date, 6 December.",
        );
    }

    #[test]
    fn a_delivered_parcel_counts_from_delivery_as_core_does() {
        let t = terms(30, Some("2026-11-19T12:10:00Z"), Some("2026-11-20T23:59:59Z"));
        ends_with(&t, "within 30 days of delivery, by 19 December 2026.");
    }

    #[test]
    fn without_delivery_or_promise_only_the_window_is_stated() {
        ends_with(&terms(1, None, None), "within 1 day of delivery.");
    }

    #[test]
    fn days_are_those_of_the_shipping_location() {
        // 23:59:59 in New York on 6 December is already the 7th in UTC.
        let t = ReturnTerms {
            time_zone: TimeZone::get("America/New_York").unwrap(),
            ..terms(14, None, Some("2026-12-07T04:59:59Z"))
        };
        ends_with(
            &t,
            "by 20 December 2026 if it arrives on its promised date, 6 December.",
        );
    }

    #[test]
    fn a_channel_without_returns_prints_no_instructions() {
        let t = terms(0, Some("2026-11-19T12:10:00Z"), None);
        assert!(!t.accepted());
        assert!(return_instructions("SO-5", &t).is_empty());
    }
}
