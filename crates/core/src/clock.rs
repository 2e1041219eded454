//! Time is injected: nothing in Switchyard reads the system clock except `SystemClock`,
//! so promised dates, hold expiries and demo histories are testable.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods, reason = "the one place that reads the system clock")]
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to: for tests and for generating history.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(at: Timestamp) -> Self {
        Self(Mutex::new(at))
    }

    pub fn set(&self, at: Timestamp) {
        if let Ok(mut now) = self.0.lock() {
            *now = at;
        }
    }

    pub fn advance(&self, by: SignedDuration) {
        if let Ok(mut now) = self.0.lock() {
            *now = now.saturating_add(by).unwrap_or(*now);
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map(|now| *now).unwrap_or_else(|p| *p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start = at("2026-11-20T12:00:00Z");
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        assert_eq!(clock.now(), start, "reading it does not move it");
        clock.advance(SignedDuration::from_mins(90));
        assert_eq!(clock.now(), at("2026-11-20T13:30:00Z"));
        clock.set(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::MAX);
        assert_eq!(clock.now(), Timestamp::MAX, "advancing past the end stops there");
    }

    #[test]
    fn the_system_clock_reads_the_present() {
        assert!(SystemClock.now() > at("2024-01-01T00:00:00Z"));
    }
}
