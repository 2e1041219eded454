//! Delivering the outbox: where each message goes, in what order, and what follows each
//! try. The store keeps deliveries and attempts and the server's workers make the calls;
//! the rules they follow are here.
//!
//! - A message goes to each destination that wants it (a webhook endpoint, the
//!   customer's email) as one *delivery*. A delivery is tried until it is delivered,
//!   skipped (nothing to send, such as an email for an order without an address) or dead
//!   (every retry of `RETRY_SCHEDULE` failed, or the destination refused it for good).
//! - Messages about one order reach one destination in the order they were written: a
//!   delivery waits while an earlier one for the same destination and `ordering_key` is
//!   still pending.
//! - A worker claims a delivery for `LEASE`; if it dies, the lease runs out and another
//!   worker tries again. Delivery is therefore at least once, and receivers tell repeats
//!   apart by the message id, which every try of every destination shares.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::id::{ChannelId, WebhookEndpointId};
use crate::validation::Invalid;

string_enum!(
    /// Where a delivery stands.
    DeliveryState {
        /// Not yet delivered; tried again at its next attempt time.
        Pending = "pending",
        Delivered = "delivered",
        /// Nothing to send: the destination does not want this message after all.
        Skipped = "skipped",
        /// Every try failed; only an explicit retry sends it again.
        Dead = "dead",
    }
);

impl DeliveryState {
    /// The states operators watch: still on its way, or given up on.
    pub const UNFINISHED: &'static [DeliveryState] = &[DeliveryState::Pending, DeliveryState::Dead];
    /// The states nothing more happens in: kept for `RETAIN`, then forgotten with their
    /// tries. (A dead delivery stays until someone retries it.)
    pub const DONE: &'static [DeliveryState] = &[DeliveryState::Delivered, DeliveryState::Skipped];
}

/// How long a delivered or skipped delivery and its tries are kept: long enough to
/// answer "did the receiver get it last week?", short enough that the tables do not
/// grow with every event forever. The events themselves stay in the feed.
pub const RETAIN: SignedDuration = SignedDuration::from_hours(30 * 24);

string_enum!(
    /// How one try at a delivery went.
    AttemptOutcome {
        Delivered = "delivered",
        Failed = "failed",
        Skipped = "skipped",
    }
);

/// The pauses after each failed try: the first retry 5 seconds after the first try,
/// the last about 32 hours after it. A delivery whose every retry failed is dead.
pub const RETRY_SCHEDULE: [SignedDuration; 7] = [
    SignedDuration::from_secs(5),
    SignedDuration::from_mins(5),
    SignedDuration::from_mins(30),
    SignedDuration::from_hours(2),
    SignedDuration::from_hours(5),
    SignedDuration::from_hours(10),
    SignedDuration::from_hours(10),
];

/// Each pause is its scheduled length give or take this share, so deliveries that
/// failed together (a receiver that was down) do not all come back at once.
pub const JITTER_PERCENT: i64 = 20;

/// How long a claimed delivery is a worker's alone: longer than a try may take
/// (`SEND_TIMEOUT`), so a live worker never loses its claim mid-try.
pub const LEASE: SignedDuration = SignedDuration::from_secs(60);

/// The longest a try may take before it counts as failed.
pub const SEND_TIMEOUT: SignedDuration = SignedDuration::from_secs(10);

/// The most of a receiver's answer or an error kept with an attempt.
pub const REPLY_MAX: usize = 1024;

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Destination {
    /// The customer of the order the message is about.
    Email,
    Webhook(WebhookEndpointId),
    /// The sales channel the order came from, through its connector: fulfilments and
    /// cancellations pushed back (`core::connector::push_for`).
    Channel(ChannelId),
}

impl Destination {
    pub fn as_text(&self) -> &str {
        match self {
            Destination::Email => "email",
            Destination::Webhook(id) => id.as_str(),
            Destination::Channel(id) => id.as_str(),
        }
    }

    pub fn parse(text: &str) -> Result<Destination, Invalid> {
        if text == "email" {
            return Ok(Destination::Email);
        }
        WebhookEndpointId::parse(text)
            .map(Destination::Webhook)
            .or_else(|| ChannelId::parse(text).map(Destination::Channel))
            .ok_or_else(|| Invalid::new("invalid_value", "must be email, a webhook endpoint id or a channel id"))
    }
}

/// What a try at a delivery came to, as its sender reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Not delivered. `permanent`: trying again cannot help (the destination is gone or
    /// refuses this message for good), so the delivery dies now.
    Failed {
        permanent: bool,
    },
    /// Nothing was sent, and nothing will be.
    Skipped,
}

impl Outcome {
    pub fn attempt(self) -> AttemptOutcome {
        match self {
            Outcome::Delivered => AttemptOutcome::Delivered,
            Outcome::Failed { .. } => AttemptOutcome::Failed,
            Outcome::Skipped => AttemptOutcome::Skipped,
        }
    }
}

/// What happens to a delivery after a try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// It is finished in this state (delivered, skipped or dead).
    Finished(DeliveryState),
    /// It stays pending until this time.
    RetryAt(Timestamp),
}

/// After the `tries`-th try (1 for the first) came to `outcome` at `now`: finished, or
/// the time of the next try. `jitter` is a draw from [0, 1) that places the pause
/// within `JITTER_PERCENT` of its scheduled length.
pub fn after(outcome: Outcome, tries: u32, now: Timestamp, jitter: f64) -> Next {
    match outcome {
        Outcome::Delivered => Next::Finished(DeliveryState::Delivered),
        Outcome::Skipped => Next::Finished(DeliveryState::Skipped),
        Outcome::Failed { permanent: true } => Next::Finished(DeliveryState::Dead),
        Outcome::Failed { permanent: false } => {
            let index = usize::try_from(tries.saturating_sub(1)).unwrap_or(usize::MAX);
            match RETRY_SCHEDULE.get(index) {
                Some(pause) => Next::RetryAt(now.saturating_add(jittered(*pause, jitter)).unwrap_or(now)),
                None => Next::Finished(DeliveryState::Dead),
            }
        }
    }
}

/// `pause` moved by up to `JITTER_PERCENT` either way: `jitter` 0 is the shortest,
/// 0.5 the pause itself, towards 1 the longest.
fn jittered(pause: SignedDuration, jitter: f64) -> SignedDuration {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let share = 1.0 + (jitter * 2.0 - 1.0) * (JITTER_PERCENT as f64 / 100.0);
    pause.mul_f64(share)
}

/// The key deliveries are kept in order by: the order a message is about (its
/// payload's `order_id`), else the record it was written for.
pub fn ordering_key<'a>(aggregate_id: &'a str, payload: &'a Value) -> &'a str {
    payload.get("order_id").and_then(Value::as_str).unwrap_or(aggregate_id)
}

/// `text` cut to at most `REPLY_MAX` bytes, on a character boundary.
pub fn reply(text: &str) -> &str {
    if text.len() <= REPLY_MAX {
        return text;
    }
    let mut end = REPLY_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests;
