//! The links customer emails carry to the customer pages: each names an order, what it
//! is for and when it expires, signed with the server's secret (HMAC-SHA256), so a page
//! needs no sign-in and nobody can make a link for an order they were not mailed about,
//! stretch one past its expiry, or use a link for one purpose (feedback) as another
//! (the order's status page).
//!
//! A token is `base64url(order_id "." expiry)` `.` `base64url(mac)`, without padding:
//! only URL-safe characters, so it sits in a path as it is. The MAC covers the
//! purpose's own prefix before the text, so one secret signs every purpose and a token
//! of one purpose is forged for any other. Feedback links keep the prefix they were
//! first signed with, so the links already in customers' inboxes keep working.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};

use crate::id::OrderId;

/// The length of a signing secret, in bytes.
pub const SECRET_LEN: usize = 32;

/// How long a feedback link works after it is made.
pub const FEEDBACK_VALID_FOR: SignedDuration = SignedDuration::from_hours(30 * 24);

/// How long an order's status link works after it is made: long enough to follow the
/// parcel, return something within any return window and come back for the label.
pub const ORDER_VALID_FOR: SignedDuration = SignedDuration::from_hours(180 * 24);

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Answer the feedback request on an order, and unsubscribe from them.
    Feedback,
    /// See the order's status and parcels, and return its items.
    Order,
}

impl Purpose {
    /// What the MAC covers before the link's own text.
    fn prefix(self) -> &'static [u8] {
        match self {
            Purpose::Feedback => b"switchyard feedback link\n",
            Purpose::Order => b"switchyard order status link\n",
        }
    }

    /// How long a link of this purpose works after it is made.
    pub fn valid_for(self) -> SignedDuration {
        match self {
            Purpose::Feedback => FEEDBACK_VALID_FOR,
            Purpose::Order => ORDER_VALID_FOR,
        }
    }
}

/// Where the status page of an order link `token` is served (the server's public pages).
pub fn status_path(token: &str) -> String {
    format!("/orders/status/{token}")
}

/// What a genuine link says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub order: OrderId,
    pub expires_at: Timestamp,
}

/// Why a token is no working link. The pages tell the customer none of this: each
/// answers the same "not found".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// Not a token at all.
    Malformed,
    /// Not signed by this server's secret for this purpose.
    Forged,
    /// Genuine, but past its expiry.
    Expired,
}

fn mac(purpose: Purpose, secret: &[u8], text: &[u8]) -> Option<Hmac<sha2::Sha256>> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).ok()?;
    mac.update(purpose.prefix());
    mac.update(text);
    Some(mac)
}

/// When a link of `purpose` made at `now` stops working: its `valid_for` later, to the
/// whole second the token records.
pub fn expiry(purpose: Purpose, now: Timestamp) -> Timestamp {
    let end = now.saturating_add(purpose.valid_for()).unwrap_or(now);
    Timestamp::from_second(end.as_second()).unwrap_or(end)
}

/// The token of a link of `purpose` for order `order` that works until `expires_at`.
pub fn sign(purpose: Purpose, order: &OrderId, expires_at: Timestamp, secret: &[u8]) -> String {
    let text = format!("{order}.{}", expires_at.as_second());
    let digest = mac(purpose, secret, text.as_bytes())
        .map(|m| m.finalize().into_bytes().to_vec())
        .unwrap_or_default();
    format!("{}.{}", URL_SAFE_NO_PAD.encode(&text), URL_SAFE_NO_PAD.encode(digest))
}

impl Link {
    /// What `token` says, if this server signed it for `purpose`, expired or not: an
    /// unsubscribe link keeps working after the feedback form closes.
    pub fn open(purpose: Purpose, token: &str, secret: &[u8]) -> Result<Link, LinkError> {
        let (text, digest) = token.split_once('.').ok_or(LinkError::Malformed)?;
        let text = URL_SAFE_NO_PAD.decode(text).map_err(|_| LinkError::Malformed)?;
        let digest = URL_SAFE_NO_PAD.decode(digest).map_err(|_| LinkError::Malformed)?;
        mac(purpose, secret, &text)
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

/// The order a link of `purpose` at `now` is for: signed by `secret` for that purpose
/// and not expired.
pub fn verify(purpose: Purpose, token: &str, secret: &[u8], now: Timestamp) -> Result<OrderId, LinkError> {
    let link = Link::open(purpose, token, secret)?;
    if now >= link.expires_at {
        return Err(LinkError::Expired);
    }
    Ok(link.order)
}

#[cfg(test)]
mod tests;
