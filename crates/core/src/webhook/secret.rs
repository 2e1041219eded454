//! Signing secrets: `whsec_` and the base64 of the key, as the Standard Webhooks
//! specification writes them, and which secrets sign while a rotation overlaps.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::{SignedDuration, Timestamp};

use crate::validation::Invalid;

/// What every secret's text starts with.
pub const SECRET_PREFIX: &str = "whsec_";

/// How many random bytes a new secret holds.
pub const SECRET_BYTES: usize = 32;

/// The shortest and longest keys a secret may hold, as the specification allows: secrets
/// made elsewhere (its test vectors hold 24 bytes) parse too.
pub const SECRET_KEY_MIN: usize = 24;
pub const SECRET_KEY_MAX: usize = 64;

/// How long the secret a rotation replaced keeps signing beside the new one, so a
/// receiver has a day to switch to the new secret without refusing a request.
pub const ROTATION_OVERLAP: SignedDuration = SignedDuration::from_hours(24);

/// The secret an endpoint's requests are signed with. Its `Debug` shows only the hint,
/// so a secret never reaches a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    text: String,
    key: Vec<u8>,
}

impl WebhookSecret {
    /// A secret of `bytes`, drawn by the caller from the operating system's generator:
    /// core has no randomness of its own.
    pub fn from_bytes(bytes: [u8; SECRET_BYTES]) -> WebhookSecret {
        WebhookSecret {
            text: format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)),
            key: bytes.to_vec(),
        }
    }

    /// A secret as written: `whsec_` and standard base64 of 24 to 64 bytes. Anything
    /// else is refused rather than guessed at, since a wrong key signs every request
    /// wrongly.
    pub fn parse(raw: &str) -> Result<WebhookSecret, Invalid> {
        let refused = || {
            Invalid::new(
                "invalid_secret",
                format!("must be {SECRET_PREFIX} followed by the base64 of {SECRET_KEY_MIN} to {SECRET_KEY_MAX} bytes"),
            )
        };
        let body = raw.strip_prefix(SECRET_PREFIX).ok_or_else(refused)?;
        let key = STANDARD.decode(body).map_err(|_| refused())?;
        if !(SECRET_KEY_MIN..=SECRET_KEY_MAX).contains(&key.len()) {
            return Err(refused());
        }
        Ok(WebhookSecret {
            text: raw.to_owned(),
            key,
        })
    }

    /// The HMAC key: the bytes the text encodes.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// The whole secret, to store it and to show it once (at creation and rotation).
    pub fn reveal(&self) -> &str {
        &self.text
    }

    /// What may be shown of a secret after it was revealed: the prefix and its last four
    /// characters, enough to tell which secret a receiver holds.
    pub fn hint(&self) -> String {
        let tail: String = self
            .text
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{SECRET_PREFIX}…{tail}")
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WebhookSecret").field(&self.hint()).finish()
    }
}

/// An endpoint's secrets: the current one, and for `ROTATION_OVERLAP` after a rotation
/// the one it replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningSecrets {
    pub current: WebhookSecret,
    /// The secret the last rotation replaced, and until when it still signs.
    pub previous: Option<(WebhookSecret, Timestamp)>,
}

impl SigningSecrets {
    pub fn new(current: WebhookSecret) -> SigningSecrets {
        SigningSecrets {
            current,
            previous: None,
        }
    }

    /// `next` becomes current at `now`; the current one signs beside it until
    /// `ROTATION_OVERLAP` has passed. A secret replaced earlier stops at once: only
    /// the one a receiver most likely still holds keeps signing.
    pub fn rotate(self, next: WebhookSecret, now: Timestamp) -> SigningSecrets {
        let until = now.saturating_add(ROTATION_OVERLAP).unwrap_or(now);
        SigningSecrets {
            current: next,
            previous: Some((self.current, until)),
        }
    }

    /// The secrets that sign a request sent at `now`, the current one first.
    pub fn secrets_at(&self, now: Timestamp) -> Vec<&WebhookSecret> {
        let mut secrets = vec![&self.current];
        if let Some((previous, until)) = &self.previous
            && now < *until
        {
            secrets.push(previous);
        }
        secrets
    }

    /// Until when the previous secret signs, while it does.
    pub fn previous_until(&self, now: Timestamp) -> Option<Timestamp> {
        self.previous
            .as_ref()
            .map(|(_, until)| *until)
            .filter(|until| now < *until)
    }
}
