//! Webhook endpoints in the database: reads (one with its audit timeline, the list, the
//! subscriptions fan-out matches messages against, what a sender needs to sign and
//! send). Changes, and what each try's outcome does to an endpoint, are in `change`.
//! Secrets are stored as written: requests are signed with them, so they cannot be
//! hashed as API keys are; the API shows one whole only when it is made.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::id::{ChannelId, EventId, WebhookEndpointId};
use switchyard_core::webhook::{
    EndpointDraft, EndpointFilter, SigningSecrets, WebhookDisabledReason, WebhookEndpointEventKind,
    WebhookEndpointStatus, WebhookSecret,
};

use crate::db::{self, Arg, Row, Sql, get_enum, get_id, get_json, get_opt_time, get_time};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};
use crate::{Store, WriteTx};

mod change;

/// An endpoint as lists show it. Its secret shows only as a hint.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointSummary {
    pub id: WebhookEndpointId,
    #[cfg_attr(feature = "openapi", schema(example = "https://erp.example.com/hooks/switchyard"))]
    pub url: String,
    pub description: Option<String>,
    /// Event types and families (`order.*`) it receives; empty for every event.
    pub event_types: Vec<String>,
    /// Codes of the channels whose events it receives; empty for every channel.
    pub channels: Vec<String>,
    pub status: WebhookEndpointStatus,
    pub disabled_reason: Option<WebhookDisabledReason>,
    pub disabled_at: Option<Timestamp>,
    /// When the first of the failed tries since its last success was made; null while
    /// it succeeds. Failing for 5 days disables it.
    pub failing_since: Option<Timestamp>,
    /// `whsec_…` and the secret's last four characters: which secret signs.
    #[cfg_attr(feature = "openapi", schema(example = "whsec_…TUo="))]
    pub secret_hint: String,
    /// While the secret the last rotation replaced still signs beside the new one: until when.
    pub previous_secret_expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One entry of an endpoint's audit timeline.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointEvent {
    pub id: EventId,
    pub kind: WebhookEndpointEventKind,
    /// Who did it: an API key's name, or `switchyard` for an endpoint disabled for failing.
    pub actor: String,
    pub message: String,
    pub created_at: Timestamp,
}

/// An endpoint with its audit timeline, oldest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    #[serde(flatten)]
    pub summary: WebhookEndpointSummary,
    pub timeline: Vec<WebhookEndpointEvent>,
}

/// An endpoint with its whole secret: answered at creation and rotation only.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// The signing secret. Shown this once: keep it now.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "whsec_LIIjWhVeGXDQGSeBQoXoLyWdWwZH9B9+4d3OsLaqTUo=")
    )]
    pub secret: String,
}

#[derive(Debug, Clone, Default)]
pub struct WebhookEndpointFilter {
    pub status: Option<WebhookEndpointStatus>,
}

/// An enabled endpoint and what it wants, for fan-out to match messages against
/// (`switchyard_core::webhook::wants`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub endpoint: WebhookEndpointId,
    /// Channels by their codes now.
    pub filter: EndpointFilter,
}

/// What a sender needs to try a delivery to an endpoint.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    pub url: String,
    pub secrets: SigningSecrets,
    /// Enabled and not deleted: a delivery to an endpoint that is not is not sent.
    pub live: bool,
}

const COLUMNS: &str = "id, url, description, event_types, channel_ids, status, disabled_reason, disabled_at, secret, \
                       previous_secret, previous_secret_until, failing_since, created_at, updated_at, version";

fn secret(row: &Row, col: &str) -> StoreResult<WebhookSecret> {
    let raw: String = row.try_get(col)?;
    WebhookSecret::parse(&raw).map_err(|e| StoreError::Corrupt(format!("{col}: {}", e.message)))
}

fn secrets(row: &Row) -> StoreResult<SigningSecrets> {
    let previous = match get_opt_time(row, "previous_secret_until")? {
        Some(until) => Some((secret(row, "previous_secret")?, until)),
        None => None,
    };
    Ok(SigningSecrets {
        current: secret(row, "secret")?,
        previous,
    })
}

/// Channel codes by id, to show filters by code.
async fn channel_codes<'c>(db: impl Into<db::Target<'c>>) -> StoreResult<HashMap<String, String>> {
    let rows = db::query("SELECT id, code FROM channel").fetch_all(db).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("code")?)))
        .collect()
}

/// The filter of an endpoint row, its channels by code.
fn filter(row: &Row, codes: &HashMap<String, String>) -> StoreResult<EndpointFilter> {
    let ids: Vec<ChannelId> = get_json(row, "channel_ids")?;
    let channels = ids
        .iter()
        .map(|id| {
            codes
                .get(id.as_str())
                .cloned()
                .ok_or_else(|| StoreError::Corrupt(format!("webhook filter names no channel {id}")))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(EndpointFilter {
        event_types: get_json(row, "event_types")?,
        channels,
    })
}

/// The stored endpoint as a draft, for a patch to apply to.
fn draft(row: &Row, codes: &HashMap<String, String>) -> StoreResult<EndpointDraft> {
    Ok(EndpointDraft {
        url: row.try_get("url")?,
        description: row.try_get("description")?,
        filter: filter(row, codes)?,
    })
}

fn summary(row: &Row, codes: &HashMap<String, String>, now: Timestamp) -> StoreResult<WebhookEndpointSummary> {
    let secrets = secrets(row)?;
    let EndpointFilter { event_types, channels } = filter(row, codes)?;
    Ok(WebhookEndpointSummary {
        id: get_id(row, "id")?,
        url: row.try_get("url")?,
        description: row.try_get("description")?,
        event_types,
        channels,
        status: get_enum(row, "status", WebhookEndpointStatus::parse)?,
        disabled_reason: row
            .try_get::<Option<String>, _>("disabled_reason")?
            .map(|r| WebhookDisabledReason::parse(&r))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("disabled_reason: {}", e.message)))?,
        disabled_at: get_opt_time(row, "disabled_at")?,
        failing_since: get_opt_time(row, "failing_since")?,
        secret_hint: secrets.current.hint(),
        previous_secret_expires_at: secrets.previous_until(now),
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

/// The live (not deleted) endpoint `key` names, read in `db`; 404 for none.
async fn row<'c>(db: impl Into<db::Target<'c>>, key: &str) -> StoreResult<Row> {
    let id = WebhookEndpointId::parse(key).ok_or_else(|| StoreError::not_found("webhook endpoint", key))?;
    db::query(format!(
        "SELECT {COLUMNS} FROM webhook_endpoint WHERE id = $1 AND deleted_at IS NULL"
    ))
    .bind(id.as_str())
    .fetch_optional(db)
    .await?
    .ok_or_else(|| StoreError::not_found("webhook endpoint", key))
}

/// Appends an entry to an endpoint's audit timeline.
async fn audit(
    tx: &mut WriteTx,
    endpoint: &WebhookEndpointId,
    kind: WebhookEndpointEventKind,
    actor: &str,
    message: String,
) -> StoreResult<()> {
    let now = tx.now();
    db::query(
        "INSERT INTO webhook_endpoint_event (id, endpoint_id, kind, actor, message, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(EventId::new_at(now).as_str())
    .bind(endpoint.as_str())
    .bind(kind.as_str())
    .bind(actor)
    .bind(message)
    .bind(db::micros(now))
    .execute(&mut ***tx)
    .await?;
    Ok(())
}

impl Store {
    /// A live endpoint with its timeline.
    pub async fn webhook_endpoint(&self, key: &str) -> StoreResult<WebhookEndpoint> {
        let row = row(&self.pool, key).await?;
        let summary = summary(&row, &channel_codes(&self.pool).await?, self.now())?;
        let timeline = db::query(
            "SELECT id, kind, actor, message, created_at FROM webhook_endpoint_event WHERE endpoint_id = $1 ORDER BY id",
        )
        .bind(summary.id.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(WebhookEndpointEvent {
                id: get_id(r, "id")?,
                kind: get_enum(r, "kind", WebhookEndpointEventKind::parse)?,
                actor: r.try_get("actor")?,
                message: r.try_get("message")?,
                created_at: get_time(r, "created_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(WebhookEndpoint { summary, timeline })
    }

    /// Live endpoints, newest first.
    pub async fn list_webhook_endpoints(
        &self,
        filter: &WebhookEndpointFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<WebhookEndpointSummary>> {
        let mut sql = Sql::new(&format!(
            "SELECT {COLUMNS} FROM webhook_endpoint WHERE deleted_at IS NULL"
        ));
        if let Some(status) = filter.status {
            sql.filter("status = ", Arg::Text(status.as_str().into()), "");
        }
        if let Some(cursor) = &page.cursor {
            sql.filter("id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY id DESC").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let (codes, now) = (channel_codes(&self.pool).await?, self.now());
        let items = rows
            .iter()
            .map(|r| summary(r, &codes, now))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit(), |e| e.id.to_string()))
    }

    /// Every enabled endpoint with what it wants, oldest first: what fan-out matches
    /// each message against.
    pub async fn webhook_subscriptions(&self) -> StoreResult<Vec<Subscription>> {
        let rows = db::query(format!(
            "SELECT {COLUMNS} FROM webhook_endpoint WHERE status = {} AND deleted_at IS NULL ORDER BY id",
            db::is(WebhookEndpointStatus::Enabled)
        ))
        .fetch_all(&self.pool)
        .await?;
        let codes = channel_codes(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(Subscription {
                    endpoint: get_id(r, "id")?,
                    filter: filter(r, &codes)?,
                })
            })
            .collect()
    }

    /// Where and with which secrets a delivery to `endpoint` is sent, deleted or not
    /// (`None` for an id that never was an endpoint).
    pub async fn webhook_target(&self, endpoint: &WebhookEndpointId) -> StoreResult<Option<WebhookTarget>> {
        let row = db::query(format!(
            "SELECT {COLUMNS}, deleted_at FROM webhook_endpoint WHERE id = $1"
        ))
        .bind(endpoint.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let enabled = get_enum(&row, "status", WebhookEndpointStatus::parse)? == WebhookEndpointStatus::Enabled;
        Ok(Some(WebhookTarget {
            url: row.try_get("url")?,
            secrets: secrets(&row)?,
            live: enabled && get_opt_time(&row, "deleted_at")?.is_none(),
        }))
    }
}
