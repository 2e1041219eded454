//! EasyPost tracker webhooks (`tracker.created`, `tracker.updated`) mapped onto
//! shipment tracking events. EasyPost's statuses are wider than ours: `pre_transit`
//! (label printed, nothing moved) and `unknown` say nothing about the parcel and are
//! skipped; `available_for_pickup` is the last mile; `failure` and `error` are
//! exceptions.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Carrier, normalise};
use crate::shipment::{TrackingEvent, TrackingStatus};
use crate::validation::{FieldError, Invalid, Validator};

/// An EasyPost `Event` as its webhook delivers it (only the fields we read).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EasyPostEvent {
    pub id: Option<String>,
    /// `tracker.created` or `tracker.updated`.
    #[cfg_attr(feature = "openapi", schema(example = "tracker.updated"))]
    pub description: Option<String>,
    pub result: Option<EasyPostTracker>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EasyPostTracker {
    pub tracking_code: Option<String>,
    /// EasyPost's carrier name, e.g. `FedEx`, `UPS`, `USPS`, `DHLExpress`, `RoyalMail`.
    pub carrier: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub tracking_details: Vec<EasyPostDetail>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EasyPostDetail {
    pub message: Option<String>,
    pub description: Option<String>,
    pub status: Option<String>,
    pub datetime: Option<String>,
    pub tracking_location: Option<EasyPostLocation>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EasyPostLocation {
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub zip: Option<String>,
}

/// A tracker's events, ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerUpdate {
    pub tracking_code: String,
    /// `None` when EasyPost names a carrier outside the registry.
    pub carrier: Option<Carrier>,
    pub events: Vec<TrackingEvent>,
    /// How many details said nothing about the parcel (`pre_transit`, `unknown`, ...).
    pub skipped: usize,
}

/// Our status for an EasyPost status; `None` for those that say nothing about the parcel.
pub fn status(easypost: &str) -> Option<TrackingStatus> {
    match easypost {
        "in_transit" => Some(TrackingStatus::InTransit),
        "out_for_delivery" | "available_for_pickup" => Some(TrackingStatus::OutForDelivery),
        "delivered" => Some(TrackingStatus::Delivered),
        "return_to_sender" => Some(TrackingStatus::ReturnedToSender),
        "failure" | "error" => Some(TrackingStatus::Exception),
        _ => None,
    }
}

/// The registry carrier EasyPost means by `name`.
pub fn carrier(name: &str) -> Option<Carrier> {
    let key: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    match key.as_str() {
        "ups" => Some(Carrier::Ups),
        "usps" => Some(Carrier::Usps),
        "fedex" | "fedexdefault" => Some(Carrier::Fedex),
        "dhlexpress" => Some(Carrier::DhlExpress),
        "royalmail" => Some(Carrier::RoyalMail),
        _ => None,
    }
}

fn place(location: Option<&EasyPostLocation>) -> String {
    let Some(l) = location else {
        return String::new();
    };
    let parts: Vec<&str> = [&l.city, &l.state, &l.country]
        .into_iter()
        .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
        .collect();
    let mut text = parts.join(", ");
    if let Some(zip) = l.zip.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(zip);
    }
    text
}

/// Maps a tracker event onto tracking events, every detail that says something.
pub fn map(event: &EasyPostEvent) -> Result<TrackerUpdate, Vec<FieldError>> {
    let mut v = Validator::new();
    match event.description.as_deref() {
        Some("tracker.created" | "tracker.updated") => {}
        _ => v.push(
            Invalid::new(
                "unsupported_event",
                "only tracker.created and tracker.updated events are accepted",
            )
            .at("/description"),
        ),
    }
    let tracker = v.require("/result", event.result.as_ref());
    let code = tracker.and_then(|t| {
        v.require("/result/tracking_code", t.tracking_code.as_deref())
            .map(normalise)
            .filter(|c| !c.is_empty())
    });
    let mut events = Vec::new();
    let mut skipped = 0;
    for (i, detail) in tracker
        .map(|t| t.tracking_details.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let Some(status) = detail.status.as_deref().and_then(status) else {
            skipped += 1;
            continue;
        };
        let field = format!("/result/tracking_details/{i}/datetime");
        let occurred_at = v.require(&field, detail.datetime.as_deref()).and_then(|t| {
            v.check(
                &field,
                t.parse::<Timestamp>()
                    .map_err(|_| Invalid::new("invalid_time", "must be an RFC 3339 time")),
            )
        });
        let description = detail
            .message
            .as_deref()
            .or(detail.description.as_deref())
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| d.chars().take(500).collect())
            .unwrap_or_else(|| status.as_str().replace('_', " "));
        if let Some(occurred_at) = occurred_at {
            events.push(TrackingEvent {
                status,
                occurred_at,
                location: place(detail.tracking_location.as_ref()).chars().take(200).collect(),
                description,
            });
        }
    }
    v.finish(|| {
        Some(TrackerUpdate {
            tracking_code: code?,
            carrier: tracker.and_then(|t| t.carrier.as_deref()).and_then(carrier),
            events,
            skipped,
        })
    })
}

/// The header EasyPost signs its webhooks with.
pub const SIGNATURE_HEADER: &str = "x-hmac-signature";

/// Whether `signature` (the `X-Hmac-Signature` header, `hmac-sha256-hex=<digest>`) is
/// EasyPost's signature of `body` with the webhook `secret`: HMAC-SHA256 over the raw
/// body, keyed with the secret in Unicode NFKD form, compared in constant time.
pub fn signature_matches(secret: &str, body: &[u8], signature: &str) -> bool {
    use hmac::{Hmac, KeyInit, Mac};
    use unicode_normalization::UnicodeNormalization;

    let Some(hex) = signature.trim().strip_prefix("hmac-sha256-hex=") else {
        return false;
    };
    let Some(digest) = decode_hex(hex) else {
        return false;
    };
    let key: String = secret.nfkd().collect();
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&digest).is_ok()
}

/// The bytes of `text`, two hex digits each; anything else (even a sign, which
/// `from_str_radix` would read) is no digest.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
