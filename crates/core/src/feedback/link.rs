//! The link a feedback email carries: it names the order and when it expires, signed
//! with the server's secret (HMAC-SHA256), so the page needs no sign-in and nobody can
//! make a link for an order they were not mailed about or stretch one past its expiry.
//!
//! A token is `base64url(order_id "." expiry)` `.` `base64url(mac)`, without padding:
//! only URL-safe characters, so it sits in a path as it is. The MAC covers a purpose
//! prefix too, so the same secret can sign other links without one passing for another.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};

use crate::id::OrderId;

/// How long a feedback link works after it is made.
pub const LINK_VALID_FOR: SignedDuration = SignedDuration::from_hours(30 * 24);

/// The length of a signing secret, in bytes.
pub const SECRET_LEN: usize = 32;

/// What the MAC covers before the link's own text.
const PURPOSE: &[u8] = b"switchyard feedback link\n";

/// What a genuine link says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub order: OrderId,
    pub expires_at: Timestamp,
}

/// Why a token is no working link. The page tells the customer none of this: each
/// answers the same "not found".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// Not a token at all.
    Malformed,
    /// Not signed by this server's secret.
    Forged,
    /// Genuine, but past its expiry.
    Expired,
}

fn mac(secret: &[u8], text: &[u8]) -> Option<Hmac<sha2::Sha256>> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).ok()?;
    mac.update(PURPOSE);
    mac.update(text);
    Some(mac)
}

/// When a link made at `now` stops working: `LINK_VALID_FOR` later, to the whole
/// second the token records.
pub fn expiry(now: Timestamp) -> Timestamp {
    let end = now.saturating_add(LINK_VALID_FOR).unwrap_or(now);
    Timestamp::from_second(end.as_second()).unwrap_or(end)
}

/// The token of a link to order `order`'s feedback page that works until `expires_at`.
pub fn sign(order: &OrderId, expires_at: Timestamp, secret: &[u8]) -> String {
    let text = format!("{order}.{}", expires_at.as_second());
    let digest = mac(secret, text.as_bytes())
        .map(|m| m.finalize().into_bytes().to_vec())
        .unwrap_or_default();
    format!("{}.{}", URL_SAFE_NO_PAD.encode(&text), URL_SAFE_NO_PAD.encode(digest))
}

impl Link {
    /// What `token` says, if this server signed it, expired or not: an unsubscribe
    /// link keeps working after the feedback form closes.
    pub fn open(token: &str, secret: &[u8]) -> Result<Link, LinkError> {
        let (text, digest) = token.split_once('.').ok_or(LinkError::Malformed)?;
        let text = URL_SAFE_NO_PAD.decode(text).map_err(|_| LinkError::Malformed)?;
        let digest = URL_SAFE_NO_PAD.decode(digest).map_err(|_| LinkError::Malformed)?;
        mac(secret, &text)
            .ok_or(LinkError::Forged)?
            .verify_slice(&digest)
            .map_err(|_| LinkError::Forged)?;
        let text = String::from_utf8(text).map_err(|_| LinkError::Malformed)?;
        let (order, expiry) = text.split_once('.').ok_or(LinkError::Malformed)?;
        let order = OrderId::parse(order).ok_or(LinkError::Malformed)?;
        let expires_at = expiry
            .parse::<i64>()
            .ok()
            .and_then(|s| Timestamp::from_second(s).ok())
            .ok_or(LinkError::Malformed)?;
        Ok(Link { order, expires_at })
    }
}

/// The order a feedback link at `now` is for: signed by `secret` and not expired.
pub fn verify(token: &str, secret: &[u8], now: Timestamp) -> Result<OrderId, LinkError> {
    let link = Link::open(token, secret)?;
    if now >= link.expires_at {
        return Err(LinkError::Expired);
    }
    Ok(link.order)
}
