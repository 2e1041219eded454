//! Signing webhook requests the way the Standard Webhooks specification says, so a
//! receiver can check with any of its published libraries that a request came from us
//! and was not changed or replayed.
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature is
//! `v1,` and the base64 of its HMAC-SHA256. While a secret is being rotated both the old
//! and the new secret sign, and the `webhook-signature` header carries every signature
//! separated by spaces: a receiver that knows either secret accepts the request.
//!
//! Keys are the secret's bytes (what `whsec_…` decodes to), so this module does not
//! care how secrets are written or stored.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

/// The header carrying the message id, the same on every try of a message so a
/// receiver can tell a repeat from a new message.
pub const ID_HEADER: &str = "webhook-id";
/// The header carrying the time of signing in seconds since the Unix epoch.
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The header carrying the signatures.
pub const SIGNATURE_HEADER: &str = "webhook-signature";

/// How far a request's timestamp may be from the receiver's clock (either way) before
/// `verify` refuses it as a replay; the specification's libraries use 5 minutes.
pub const TOLERANCE: SignedDuration = SignedDuration::from_mins(5);

/// The only signature version we write and read: HMAC-SHA256, symmetric.
const VERSION: &str = "v1";

/// The signature of one request with one key: `v1,<base64 HMAC-SHA256>` of
/// `msg_id.timestamp.body`.
pub fn sign(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    format!("{VERSION},{}", STANDARD.encode(digest(key, msg_id, timestamp, body)))
}

/// The `webhook-signature` header value: the signature with each key, in the order
/// given, separated by spaces. During a rotation that is the new and the old secret.
pub fn header(keys: &[&[u8]], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|key| sign(key, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a request does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unverified {
    #[error("the timestamp is more than the tolerance before now (a replay?)")]
    TooOld,
    #[error("the timestamp is more than the tolerance after now")]
    TooNew,
    #[error("no v1 signature in the header matches")]
    NoMatch,
}

/// Whether `header` (a `webhook-signature` value) holds a `v1` signature of the
/// request made with `key`, and `timestamp` is within `TOLERANCE` of `now`. Entries of
/// other versions are ignored, as the specification asks; the comparison is in
/// constant time.
pub fn verify(
    key: &[u8],
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    header: &str,
    now: Timestamp,
) -> Result<(), Unverified> {
    let tolerance = TOLERANCE.as_secs();
    let now = now.as_second();
    if timestamp < now.saturating_sub(tolerance) {
        return Err(Unverified::TooOld);
    }
    if timestamp > now.saturating_add(tolerance) {
        return Err(Unverified::TooNew);
    }
    let matches = header
        .split(' ')
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == VERSION)
        .filter_map(|(_, signature)| STANDARD.decode(signature).ok())
        .any(|signature| mac(key, msg_id, timestamp, body).verify_slice(&signature).is_ok());
    if matches { Ok(()) } else { Err(Unverified::NoMatch) }
}

/// `key` as HMAC uses it: one block, the key (or, if longer than a block, its hash)
/// followed by zeros. Taking the block makes the HMAC infallible, where the slice
/// constructor returns a `Result` that cannot fail.
fn block_key(key: &[u8]) -> [u8; 64] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        let hashed = Sha256::digest(key);
        block[..hashed.len()].copy_from_slice(&hashed);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    block
}

fn digest(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    mac(key, msg_id, timestamp, body).finalize().into_bytes().to_vec()
}

/// The HMAC over the signed content, ready to finish or to compare.
fn mac(key: &[u8], msg_id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new(&block_key(key).into());
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests;
