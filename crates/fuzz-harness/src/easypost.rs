//! The EasyPost webhook: the `X-Hmac-Signature` header checked against the raw body,
//! then the body parsed and mapped onto tracking events.

use hmac::{Hmac, KeyInit, Mac};
use switchyard_core::carrier::easypost::{self, EasyPostEvent};
use switchyard_core::carrier::normalise;
use unicode_normalization::UnicodeNormalization;

use crate::{json, must, selector};

/// The first byte is the secret's length, then the secret, then the header, a NUL, and
/// the body: every part an attacker or a misconfiguration controls.
pub fn easypost_webhook(data: &[u8]) {
    let Some((len, rest)) = selector(data) else { return };
    let (secret, rest) = rest.split_at(usize::from(len).min(rest.len()));
    let (header, body) = match rest.iter().position(|b| *b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (&[][..], rest),
    };
    if let (Ok(secret), Ok(header)) = (std::str::from_utf8(secret), std::str::from_utf8(header)) {
        signature(secret, header, body);
    }
    if let Some(event) = json::<EasyPostEvent>(body) {
        mapped(&event);
    }
}

/// EasyPost's digest of `body` in hex, computed here from its documentation.
fn digest(secret: &str, body: &[u8]) -> String {
    let key: String = secret.nfkd().collect();
    let mut mac = must(Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()), "HMAC key");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The right signature is accepted, in either case of hex; a header accepted is the
/// right digest; a body changed by one byte is refused.
fn signature(secret: &str, header: &str, body: &[u8]) {
    let right = digest(secret, body);
    for hex in [right.clone(), right.to_ascii_uppercase()] {
        assert!(easypost::signature_matches(
            secret,
            body,
            &format!("hmac-sha256-hex={hex}")
        ));
    }
    if easypost::signature_matches(secret, body, header) {
        let given = header
            .trim()
            .strip_prefix("hmac-sha256-hex=")
            .map(str::to_ascii_lowercase);
        assert_eq!(given.as_deref(), Some(right.as_str()), "forged: {header:?}");
    }
    let mut changed = body.to_vec();
    changed.push(b' ');
    assert!(!easypost::signature_matches(
        secret,
        &changed,
        &format!("hmac-sha256-hex={right}")
    ));
}

/// An event mapped accounts for every detail (an event or skipped), keeps the normalised
/// tracking code, and bounds the texts it stores.
fn mapped(event: &EasyPostEvent) {
    let Ok(update) = easypost::map(event) else { return };
    let tracker = event.result.as_ref();
    let details = tracker.map_or(0, |t| t.tracking_details.len());
    assert_eq!(update.events.len() + update.skipped, details);
    let code = tracker.and_then(|t| t.tracking_code.as_deref()).map(normalise);
    assert_eq!(code.as_deref(), Some(update.tracking_code.as_str()));
    assert!(!update.tracking_code.is_empty());
    for e in &update.events {
        assert!(
            !e.description.is_empty() && e.description.chars().count() <= 500,
            "{e:?}"
        );
        assert!(e.location.chars().count() <= 200, "{e:?}");
    }
}
