//! What can go wrong talking to a channel, sorted by what the caller does about it.

use std::time::Duration;

use switchyard_core::validation::FieldError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ChannelError {
    /// An inbound notification whose signature does not match: answered 401, nothing
    /// stored.
    #[error("the signature does not match the body")]
    Forged,
    /// A payload we cannot read (not the shape the channel documents).
    #[error("unreadable payload: {0}")]
    Unreadable(String),
    /// A channel order that does not make a valid order here (an unknown currency, a
    /// line without a SKU); each problem named by field of the `OrderInput`.
    #[error("the channel's order {external_id} cannot be taken: {}", describe(.errors))]
    Unmappable {
        external_id: String,
        errors: Vec<FieldError>,
    },
    /// The connection lacks something it needs.
    #[error("{0}")]
    Config(String),
    /// The channel refused our credentials, even after a token refresh.
    #[error("the channel refused the credentials: {0}")]
    Auth(String),
    /// Still rate-limited after waiting as long as we wait: try again after this.
    #[error("rate-limited by the channel; retry after {}s", .retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// The channel could not be reached or failed (network, timeout, 5xx), after the
    /// retries: worth trying again later.
    #[error("the channel is unavailable: {0}")]
    Unavailable(String),
    /// The channel refused the request for good (a 4xx other than 401/429): trying
    /// again will not help.
    #[error("the channel refused the request ({status}): {body}")]
    Refused { status: u16, body: String },
}

impl ChannelError {
    /// Whether trying again later may succeed.
    pub fn is_temporary(&self) -> bool {
        matches!(self, ChannelError::RateLimited { .. } | ChannelError::Unavailable(_))
    }
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{} {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}
