//! The event feed: every event Switchyard dispatched, in order, for systems that pull
//! (an ERP, accounting) instead of receiving webhooks. A client keeps the `next_after`
//! of the last page it read and asks for what follows; places are gap-free, so nothing
//! is skipped however the writes that made the events interleaved.

use axum::Json;
use axum::extract::State;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchyard_core::validation::Invalid;
use switchyard_store::outbox::{Event, EventFilter};
use switchyard_store::page::PageRequest;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiQuery, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// The `next_after` of the previous page: only events after that place. Omit to
    /// start at the first event.
    #[param(example = "0")]
    after: Option<String>,
    /// Only these event types, comma-separated (`order.placed,shipment.delivered`).
    #[serde(rename = "type")]
    #[param(rename = "type", example = "order.placed")]
    types: Option<String>,
    /// Page size, 1 to 500. Default 50.
    limit: Option<i64>,
}

/// One event, as webhooks deliver it, with its id and place in the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedEvent {
    /// The message id: the same as the `webhook-id` of every webhook that carried it.
    #[schema(example = "msg_01kc2v8y9q000001ab3de45fgh")]
    pub id: String,
    /// Its place in the feed.
    #[schema(example = "42")]
    pub position: String,
    #[schema(example = "order.placed")]
    pub r#type: String,
    pub timestamp: Timestamp,
    /// The record the event is about, as `GET` on it answered just after the event.
    pub data: serde_json::Value,
    /// What the write recorded: which line, why, by whom.
    pub event: serde_json::Value,
}

impl From<Event> for FeedEvent {
    fn from(e: Event) -> FeedEvent {
        let field = |name: &str| e.body.get(name).cloned().unwrap_or(serde_json::Value::Null);
        FeedEvent {
            data: field("data"),
            event: field("event"),
            id: e.id.to_string(),
            position: e.seq.to_string(),
            r#type: e.topic,
            timestamp: e.created_at,
        }
    }
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventFeed {
    pub data: Vec<FeedEvent>,
    /// Pass as `after` to read on; the same as was given when nothing new has happened
    /// yet. Never null: the feed has no last page, only a present.
    #[schema(example = "42")]
    pub next_after: String,
}

/// Read the event feed
///
/// Every event in the order Switchyard dispatched it, gap-free: read with `after` set to
/// the previous page's `next_after`, and poll with it once the page comes back empty.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventQuery),
    responses(
        (status = 200, description = "Events after the given place", body = EventFeed),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_events(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> ApiResult<Json<EventFeed>> {
    let after = match q.after.as_deref().map(str::parse::<i64>) {
        None => 0,
        Some(Ok(after)) if after >= 0 => after,
        Some(_) => {
            let why = Invalid::new(
                "invalid_value",
                "must be the `next_after` of a page: a whole number, 0 or more",
            );
            return Err(ApiError::validation(vec![why.at("after")]));
        }
    };
    let types = q
        .types
        .iter()
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let filter = EventFilter {
        after,
        types,
        since: None,
    };
    let limit = PageRequest {
        cursor: None,
        limit: q.limit,
    }
    .limit();
    let events = s.store.events(&filter, limit).await?;
    let next_after = events.last().map_or(after, |e| e.seq).to_string();
    Ok(Json(EventFeed {
        data: events.into_iter().map(FeedEvent::from).collect(),
        next_after,
    }))
}
