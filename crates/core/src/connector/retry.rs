//! When a failed stock push is tried again: on the delivery schedule
//! (`core::delivery::RETRY_SCHEDULE`, jittered the same way), but never given up on. A
//! delivery dies after its last retry or a permanent refusal; a channel's stock figure
//! must converge, so a push keeps coming back at the schedule's last, longest pause
//! (ten hours), and a permanent refusal (a listing the channel no longer knows) is
//! retried at that pause straight away, until someone fixes the listing map or the
//! channel takes the figure.

use jiff::Timestamp;

use crate::delivery::{self, Next, Outcome, RETRY_SCHEDULE};

/// When to push again after the `tries`-th failed push in a row (1 for the first)
/// failed at `now`; `permanent` when the channel refused it for good. `jitter` is a
/// draw from [0, 1), as for deliveries.
pub fn stock_retry_at(tries: u32, permanent: bool, now: Timestamp, jitter: f64) -> Timestamp {
    let last = u32::try_from(RETRY_SCHEDULE.len()).unwrap_or(u32::MAX);
    let tries = if permanent { last } else { tries.clamp(1, last) };
    match delivery::after(Outcome::Failed { permanent: false }, tries, now, jitter) {
        Next::RetryAt(at) => at,
        // Within the schedule `after` always answers a time; were it ever to give up,
        // the push is still tried again, at once.
        Next::Finished(_) => now,
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn failed_pushes_follow_the_delivery_schedule_and_never_give_up() {
        let now = at("2026-11-20T12:00:00Z");
        // jitter 0.5 is the scheduled pause itself.
        assert_eq!(stock_retry_at(1, false, now, 0.5), now + SignedDuration::from_secs(5));
        assert_eq!(stock_retry_at(2, false, now, 0.5), now + SignedDuration::from_mins(5));
        let last = now + SignedDuration::from_hours(10);
        assert_eq!(stock_retry_at(7, false, now, 0.5), last);
        assert_eq!(
            stock_retry_at(8, false, now, 0.5),
            last,
            "past the schedule: its last pause"
        );
        assert_eq!(stock_retry_at(500, false, now, 0.5), last);
        assert_eq!(stock_retry_at(0, false, now, 0.5), now + SignedDuration::from_secs(5));
    }

    #[test]
    fn a_permanent_refusal_waits_the_longest_pause_at_once() {
        let now = at("2026-11-20T12:00:00Z");
        assert_eq!(stock_retry_at(1, true, now, 0.5), now + SignedDuration::from_hours(10));
        let shortest = stock_retry_at(1, true, now, 0.0);
        assert_eq!(
            shortest,
            now + SignedDuration::from_hours(8),
            "jittered like deliveries"
        );
    }
}
