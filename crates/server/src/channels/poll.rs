//! Polling channels for orders changed since the last poll: the backfill of a new
//! connection and the safety net for a webhook that never came. Each connection is
//! polled at most once per its interval across every instance (`Store::claim_poll`).
//! A poll asks from a little before where the last one got to, since a channel's
//! clock and index lag; what it fetches twice is the same order (channel and external
//! id). When an order is refused, the poll does not move on past it: the next poll
//! fetches it again, so an order that becomes valid (its SKU created) is not lost.

use jiff::{SignedDuration, Timestamp};
use switchyard_store::connection::StoredConnection;

use super::intake::{self, IntakeOutcome, Taken};
use crate::AppState;
use crate::error::ApiError;

/// How far before the last poll's end the next one asks from.
pub const OVERLAP: SignedDuration = SignedDuration::from_mins(5);
/// How far back the first poll of a connection asks.
pub const BACKFILL: SignedDuration = SignedDuration::from_hours(24 * 7);

/// What one poll did.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Poll {
    #[schema(example = "shop")]
    pub channel: String,
    /// Orders changed since this time were asked for.
    pub since: Timestamp,
    pub taken: Vec<Taken>,
}

/// Polls every connection that is due; answers how many notices were taken.
pub async fn poll_due(state: &AppState) -> Result<usize, ApiError> {
    let now = state.store.now();
    let mut taken = 0;
    for stored in state.store.stored_connections().await? {
        if !state.store.claim_poll(&stored.channel_id, now).await? {
            continue;
        }
        match poll(state, &stored, now).await {
            Ok(poll) => taken += poll.taken.len(),
            Err(e) => tracing::warn!(
                channel = %stored.channel,
                status = %e.status(),
                "polling a channel failed; its connection's poll_error says why"
            ),
        }
    }
    Ok(taken)
}

/// Polls one connection now, whether due or not, and records how far it got.
pub async fn poll(state: &AppState, stored: &StoredConnection, now: Timestamp) -> Result<Poll, ApiError> {
    let connector = state.connectors.build(stored)?;
    let since = stored
        .polled_until
        .map_or_else(|| now - BACKFILL, |until| until - OVERLAP);
    let notices = match connector.orders_since(since).await {
        Ok(notices) => notices,
        Err(e) => {
            let error = e.to_string();
            state
                .store
                .record_poll(&stored.channel_id, now, None, Some(&error))
                .await?;
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_GATEWAY,
                "channel_failed",
                format!("{} could not be polled: {error}", stored.channel),
            ));
        }
    };
    let taken = intake::take(&state.store, connector.as_ref(), &stored.channel, notices).await;
    let refused: Vec<String> = taken
        .iter()
        .filter(|t| t.outcome == IntakeOutcome::Refused)
        .map(|t| {
            format!(
                "{}: {}",
                t.external_id.as_deref().unwrap_or("?"),
                t.detail.as_deref().unwrap_or("refused")
            )
        })
        .collect();
    let (until, error) = if refused.is_empty() {
        (Some(now), None)
    } else {
        (None, Some(format!("orders refused: {}", refused.join("; "))))
    };
    state
        .store
        .record_poll(&stored.channel_id, now, until, error.as_deref())
        .await?;
    Ok(Poll {
        channel: stored.channel.clone(),
        since,
        taken,
    })
}
