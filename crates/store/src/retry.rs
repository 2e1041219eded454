//! When a write transaction that lost a race runs again (`transact!`). Each pause is
//! drawn at random below a bound that doubles with every attempt, from 1 ms up to
//! 100 ms ("full jitter"), so writers that collided spread out instead of colliding
//! again in step; attempts stop once the next pause would end past a deadline, 5 s
//! after the first attempt began, and the last failure is the answer.

use std::time::Duration;

use tokio::time::Instant;

/// How long after its first attempt a transaction may still be tried again.
pub(crate) const DEADLINE: Duration = Duration::from_secs(5);
/// The bound of the first pause.
const FIRST_PAUSE: Duration = Duration::from_millis(1);
/// The most the bound grows to.
const LONGEST_PAUSE: Duration = Duration::from_millis(100);

/// The pauses between the attempts of one transaction.
#[derive(Debug)]
pub(crate) struct Backoff {
    deadline: Instant,
    bound: Duration,
}

impl Backoff {
    /// Pauses for a transaction whose first attempt begins now.
    pub(crate) fn new() -> Backoff {
        Backoff::until(Instant::now() + DEADLINE)
    }

    fn until(deadline: Instant) -> Backoff {
        Backoff {
            deadline,
            bound: FIRST_PAUSE,
        }
    }

    /// Waits before the next attempt and says `true`; says `false` at once when the
    /// pause would not end before the deadline, so the caller gives up.
    pub(crate) async fn wait(&mut self) -> bool {
        let pause = below(self.bound);
        self.bound = (self.bound * 2).min(LONGEST_PAUSE);
        if Instant::now() + pause >= self.deadline {
            return false;
        }
        tokio::time::sleep(pause).await;
        true
    }
}

/// A random pause no longer than `bound` (half of it when no randomness is available).
fn below(bound: Duration) -> Duration {
    let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
    let drawn = getrandom::u64().map_or(nanos / 2, |r| r % nanos.saturating_add(1));
    Duration::from_nanos(drawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_never_exceeds_its_bound_and_is_not_always_the_same() {
        let bound = Duration::from_millis(8);
        let pauses: Vec<_> = (0..200).map(|_| below(bound)).collect();
        assert!(pauses.iter().all(|p| *p <= bound));
        assert!(pauses.iter().any(|p| *p != pauses[0]), "jitter draws different pauses");
    }

    #[tokio::test]
    async fn the_bound_doubles_up_to_the_longest_pause() {
        let mut backoff = Backoff::until(Instant::now() + DEADLINE);
        let mut bounds = vec![backoff.bound];
        for _ in 0..8 {
            assert!(backoff.wait().await);
            bounds.push(backoff.bound);
        }
        let ms: Vec<_> = bounds.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [1, 2, 4, 8, 16, 32, 64, 100, 100]);
    }

    #[tokio::test]
    async fn past_the_deadline_it_gives_up_without_waiting() {
        let mut backoff = Backoff::until(Instant::now());
        assert!(!backoff.wait().await);
    }
}
