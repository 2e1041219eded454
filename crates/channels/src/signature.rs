//! Signatures on what channels send us: the base64 HMAC-SHA256 of the raw body under a
//! shared secret (Shopify's `X-Shopify-Hmac-Sha256`, WooCommerce's
//! `X-WC-Webhook-Signature`), compared in constant time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::ChannelError;

/// The base64 HMAC-SHA256 of `body` under `secret`.
pub fn hmac_sha256_base64(secret: &[u8], body: &[u8]) -> String {
    STANDARD.encode(mac(secret, body).finalize().into_bytes())
}

/// Checks that `signature` (base64, surrounding spaces ignored) is the HMAC-SHA256 of
/// `body` under `secret`; `Forged` when it is missing, not base64 or different.
pub fn verify_hmac_sha256_base64(secret: &[u8], body: &[u8], signature: Option<&str>) -> Result<(), ChannelError> {
    let given = signature
        .and_then(|s| STANDARD.decode(s.trim()).ok())
        .ok_or(ChannelError::Forged)?;
    mac(secret, body).verify_slice(&given).map_err(|_| ChannelError::Forged)
}

fn mac(secret: &[u8], body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_matches_only_its_body_and_secret() {
        let sig = hmac_sha256_base64(b"hush", b"body");
        assert!(verify_hmac_sha256_base64(b"hush", b"body", Some(&sig)).is_ok());
        assert!(verify_hmac_sha256_base64(b"hush", b"body", Some(&format!(" {sig}\n"))).is_ok());
        assert!(verify_hmac_sha256_base64(b"hush", b"bodY", Some(&sig)).is_err());
        assert!(verify_hmac_sha256_base64(b"hush!", b"body", Some(&sig)).is_err());
        assert!(verify_hmac_sha256_base64(b"hush", b"body", Some("not base64!")).is_err());
        assert!(verify_hmac_sha256_base64(b"hush", b"body", None).is_err());
    }
}
