//! `Idempotency-Key`: what a retried request gets, and what is kept of the first.
//!
//! The rules follow Stripe's: a request with a key runs once; a retry with the same
//! key and the same request gets the first one's response; the same key with another
//! request is refused. Only a request that changed something is kept: one refused by
//! validation, by permissions, or for a conflict, changed nothing, so it is forgotten and
//! the same key may be sent again once the client has fixed the request. What changed is
//! known exactly, because the key is marked `committed` in the same transaction as the
//! write it stands for.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use sha2::{Digest, Sha256};

string_enum!(
    /// Where a key stands.
    KeyState {
        /// Its first request is running and has changed nothing yet.
        InFlight = "in_flight",
        /// Its first request's write committed; its response is not stored yet.
        Committed = "committed",
        /// Its first request answered after changing something; the answer is stored.
        Done = "done",
    }
);

/// How long a key is kept when the server is not told otherwise.
pub const DEFAULT_TTL: SignedDuration = SignedDuration::from_hours(24);

/// How often a running keyed request tells the others it is alive.
pub const HEARTBEAT_EVERY: SignedDuration = SignedDuration::from_secs(3);

/// A first request not heard from for this long (three missed heartbeats) stopped
/// without answering: its process died. While it had committed nothing, a retry may
/// take the key over (the old run, should it still be going, can no longer commit
/// under it).
pub const STALE_AFTER: SignedDuration = SignedDuration::from_secs(10);

/// The longest `Idempotency-Key` accepted.
pub const KEY_MAX: usize = 255;

/// A key as a client sent it: 1 to 255 visible ASCII characters.
pub fn valid_key(raw: &str) -> bool {
    !raw.is_empty() && raw.len() <= KEY_MAX && raw.bytes().all(|b| b.is_ascii_graphic())
}

/// A key found already stored when a request with it arrives.
#[derive(Debug, Clone, Copy)]
pub struct Stored {
    pub state: KeyState,
    /// Whether the stored request is this one (method, path, query and body).
    pub same_request: bool,
    /// When its first request was last known to be running (it began, or beat).
    pub alive_at: Timestamp,
    /// When it stops counting.
    pub expires_at: Timestamp,
}

/// What to do with a request whose key is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Run it, taking the key over (the stored one expired, or its request died
    /// having changed nothing).
    Run,
    /// Answer the stored response.
    Replay,
    /// Answer neither: say why.
    Refuse(Refusal),
}

/// Why a request whose key is stored is neither run nor answered the stored response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The key was used for another request.
    Mismatch,
    /// The first request is still running: wait and retry.
    InFlight,
    /// The first request changed something, but its process stopped before its
    /// response was stored: running it again would do it twice, so the client is
    /// told to read the resource instead.
    ResponseLost,
}

impl Stored {
    pub fn retry(&self, now: Timestamp) -> Retry {
        if now >= self.expires_at {
            return Retry::Run;
        }
        let stale = now.duration_since(self.alive_at) >= STALE_AFTER;
        match self.state {
            KeyState::Done if self.same_request => Retry::Replay,
            KeyState::Done => Retry::Refuse(Refusal::Mismatch),
            // Whatever this request is, the first must end before the key means anything.
            KeyState::InFlight | KeyState::Committed if !stale => Retry::Refuse(Refusal::InFlight),
            KeyState::InFlight => Retry::Run,
            KeyState::Committed if self.same_request => Retry::Refuse(Refusal::ResponseLost),
            KeyState::Committed => Retry::Refuse(Refusal::Mismatch),
        }
    }
}

/// What tells requests apart under one key: SHA-256 (hex) over the method, path,
/// query and the body in canonical form.
pub fn fingerprint(method: &str, path: &str, query: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    for part in [method.as_bytes(), path.as_bytes(), query.as_bytes()] {
        hasher.update(part);
        hasher.update([0]);
    }
    hasher.update(canonical_body(body));
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The form of a JSON body two requests are compared in: object keys sorted,
/// insignificant whitespace gone, so `{"a":1, "b":2}` and `{"b":2,"a":1}` are the same
/// request. A body that is not JSON is compared byte for byte.
pub fn canonical_body(body: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => {
            let mut out = String::new();
            write_canonical(&value, &mut out);
            out.into_bytes()
        }
        Err(_) => body.to_vec(),
    }
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap()
    }

    fn stored(state: KeyState, same_request: bool) -> Stored {
        Stored {
            state,
            same_request,
            alive_at: at(0),
            expires_at: at(0) + DEFAULT_TTL,
        }
    }

    #[test]
    fn a_finished_request_is_replayed_and_another_body_refused() {
        assert_eq!(stored(KeyState::Done, true).retry(at(5)), Retry::Replay);
        assert_eq!(
            stored(KeyState::Done, false).retry(at(5)),
            Retry::Refuse(Refusal::Mismatch)
        );
        assert_eq!(
            stored(KeyState::Committed, false).retry(at(3_600)),
            Retry::Refuse(Refusal::Mismatch)
        );
    }

    #[test]
    fn a_running_request_makes_retries_wait_until_it_is_stale() {
        assert_eq!(
            stored(KeyState::InFlight, true).retry(at(9)),
            Retry::Refuse(Refusal::InFlight)
        );
        assert_eq!(
            stored(KeyState::Committed, true).retry(at(9)),
            Retry::Refuse(Refusal::InFlight)
        );
        assert_eq!(
            stored(KeyState::InFlight, false).retry(at(5)),
            Retry::Refuse(Refusal::InFlight)
        );
        assert_eq!(stored(KeyState::InFlight, true).retry(at(10)), Retry::Run);
        assert_eq!(stored(KeyState::InFlight, false).retry(at(10)), Retry::Run);
        assert_eq!(
            stored(KeyState::Committed, true).retry(at(10)),
            Retry::Refuse(Refusal::ResponseLost)
        );
        // Three heartbeats fit in the window, so one late beat is not taken for death.
        assert!(HEARTBEAT_EVERY * 3 < STALE_AFTER);
    }

    #[test]
    fn a_request_that_committed_is_never_run_again_even_when_its_answer_was_lost() {
        assert_eq!(
            stored(KeyState::Committed, true).retry(at(3_600)),
            Retry::Refuse(Refusal::ResponseLost)
        );
        assert_eq!(stored(KeyState::Done, true).retry(at(3_600)), Retry::Replay);
    }

    #[test]
    fn an_expired_key_is_new_again() {
        let expiry = 24 * 3_600;
        assert_eq!(stored(KeyState::Done, true).retry(at(expiry - 1)), Retry::Replay);
        assert_eq!(stored(KeyState::Done, true).retry(at(expiry)), Retry::Run);
        assert_eq!(stored(KeyState::Done, false).retry(at(expiry)), Retry::Run);
        assert_eq!(stored(KeyState::Committed, true).retry(at(expiry)), Retry::Run);
    }

    #[test]
    fn bodies_compare_by_their_json_not_their_spelling() {
        let a = canonical_body(br#"{"b": [1, {"y": 2, "x": "1"}], "a": null}"#);
        let b = canonical_body(br#"{"a":null,"b":[1,{"x":"1","y":2}]}"#);
        assert_eq!(a, b);
        assert_eq!(a, br#"{"a":null,"b":[1,{"x":"1","y":2}]}"#.to_vec());
        assert_ne!(canonical_body(br#"{"a":1}"#), canonical_body(br#"{"a":2}"#));
        assert_ne!(canonical_body(br#"[1,2]"#), canonical_body(br#"[2,1]"#));
        assert_eq!(canonical_body(b"not json"), b"not json".to_vec());
    }

    #[test]
    fn requests_differ_by_method_path_query_or_body() {
        let base = fingerprint("POST", "/api/v1/orders", "", br#"{"a":1,"b":2}"#);
        assert_eq!(
            base,
            fingerprint("POST", "/api/v1/orders", "", br#"{ "b": 2, "a": 1 }"#)
        );
        assert_eq!(base.len(), 64);
        assert_ne!(base, fingerprint("PUT", "/api/v1/orders", "", br#"{"a":1,"b":2}"#));
        assert_ne!(base, fingerprint("POST", "/api/v1/products", "", br#"{"a":1,"b":2}"#));
        assert_ne!(base, fingerprint("POST", "/api/v1/orders", "x=1", br#"{"a":1,"b":2}"#));
        assert_ne!(base, fingerprint("POST", "/api/v1/orders", "", br#"{"a":1,"b":3}"#));
        // The separators keep a path's end from passing for the query's start.
        assert_ne!(fingerprint("POST", "/a", "b", b""), fingerprint("POST", "/ab", "", b""));
    }

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        assert!(valid_key("order-1001-attempt"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key("nul\0"));
        assert!(!valid_key("é"));
        assert!(valid_key(&"k".repeat(KEY_MAX)));
        assert!(!valid_key(&"k".repeat(KEY_MAX + 1)));
    }
}
