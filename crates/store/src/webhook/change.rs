//! Changes to webhook endpoints, each with its audit entry in the same transaction:
//! creation, patches, disabling and enabling, deletion, secret rotation; and what a
//! try's outcome does to an endpoint (a success ends its failing streak, five days of
//! failures disable it).

use jiff::Timestamp;
use switchyard_core::FieldError;
use switchyard_core::id::{ChannelId, WebhookEndpointId};
use switchyard_core::validation::Invalid;
use switchyard_core::webhook::{
    DISABLE_AFTER, EndpointDraft, EndpointInput, SECRET_BYTES, SigningSecrets, WebhookDisabledReason,
    WebhookEndpointEventKind as Kind, WebhookEndpointStatus, WebhookSecret, should_disable,
};

use super::{WebhookEndpoint, WebhookEndpointWithSecret, audit, channel_codes, draft, row, secrets};
use crate::db::{self, changed_one, get_enum, get_id, get_opt_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::{Store, WriteTx};

/// Who the timeline names for what the server decides itself.
pub const SYSTEM_ACTOR: &str = "switchyard";

/// A new secret from the operating system's generator.
fn new_secret() -> StoreResult<WebhookSecret> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Config(format!("no randomness available: {e}")))?;
    Ok(WebhookSecret::from_bytes(bytes))
}

/// The ids of the channels a filter names by code or id, read in the transaction;
/// unknown ones are named under `/channels/{i}`, a channel named twice (by code and by
/// id) as a duplicate.
async fn channel_ids(tx: &mut WriteTx, refs: &[String]) -> StoreResult<Vec<ChannelId>> {
    let mut ids: Vec<ChannelId> = Vec::with_capacity(refs.len());
    let mut errors: Vec<FieldError> = Vec::new();
    for (i, reference) in refs.iter().enumerate() {
        let found: Option<String> = db::query_scalar("SELECT id FROM channel WHERE code = $1 OR id = $1")
            .bind(reference.as_str())
            .fetch_optional(&mut ***tx)
            .await?;
        let field = format!("/channels/{i}");
        match found
            .map(ChannelId::try_from)
            .transpose()
            .map_err(StoreError::Corrupt)?
        {
            None => errors.push(Invalid::new("unknown_channel", format!("there is no channel {reference}")).at(field)),
            Some(id) if ids.contains(&id) => errors.push(Invalid::new("duplicate", "is listed twice").at(field)),
            Some(id) => ids.push(id),
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(StoreError::Invalid(errors))
    }
}

fn json(value: &impl serde::Serialize) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Makes a guarded change to endpoint `id` at `version` (another change since it was
/// read is a `concurrent_update`, which `transact!` runs again): `set` is the SQL after
/// `SET`, its placeholders from `$4` on bound by `bind`.
async fn update(
    tx: &mut WriteTx,
    (id, version): (&WebhookEndpointId, i64),
    set: &str,
    bind: impl FnOnce(db::Query) -> db::Query,
) -> StoreResult<()> {
    let sql = format!(
        "UPDATE webhook_endpoint SET updated_at = $3, version = version + 1, {set} WHERE id = $1 AND version = $2"
    );
    let q = db::query(sql).bind(id.as_str()).bind(version).bind(micros(tx.now()));
    let done = bind(q).execute(&mut ***tx).await?;
    changed_one(&done, || format!("webhook endpoint {id}"))
}

impl Store {
    /// Creates an enabled endpoint with a new secret, answered whole this once.
    pub async fn create_webhook_endpoint(
        &self,
        draft: &EndpointDraft,
        actor: &str,
    ) -> StoreResult<WebhookEndpointWithSecret> {
        let secret = new_secret()?;
        let id = transact!(self, |tx| {
            let channels = channel_ids(tx, &draft.filter.channels).await?;
            let now = tx.now();
            let id = WebhookEndpointId::new_at(now);
            db::query(
                "INSERT INTO webhook_endpoint (id, url, description, event_types, channel_ids, status, secret, \
                 created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1)",
            )
            .bind(id.as_str())
            .bind(&draft.url)
            .bind(draft.description.as_deref())
            .bind(json(&draft.filter.event_types)?)
            .bind(json(&channels)?)
            .bind(WebhookEndpointStatus::Enabled.as_str())
            .bind(secret.reveal())
            .bind(micros(now))
            .execute(&mut ***tx)
            .await?;
            audit(tx, &id, Kind::Created, actor, format!("created for {}", draft.url)).await?;
            Ok(id)
        })?;
        Ok(WebhookEndpointWithSecret {
            endpoint: self.webhook_endpoint(id.as_str()).await?,
            secret: secret.reveal().to_owned(),
        })
    }

    /// Changes the fields present in `patch`; a list given replaces the current one.
    pub async fn update_webhook_endpoint(
        &self,
        key: &str,
        patch: &EndpointInput,
        actor: &str,
    ) -> StoreResult<WebhookEndpoint> {
        let id = transact!(self, |tx| {
            let row = row(&mut ***tx, key).await?;
            let id: WebhookEndpointId = get_id(&row, "id")?;
            let current = draft(&row, &channel_codes(&mut ***tx).await?)?;
            let changed = patch.apply(&current).map_err(StoreError::Invalid)?;
            let channels = channel_ids(tx, &changed.filter.channels).await?;
            if changed == current {
                // Nothing to write, and nothing for the timeline.
                return Ok(id);
            }
            let (event_types, channels) = (json(&changed.filter.event_types)?, json(&channels)?);
            let set = "url = $4, description = $5, event_types = $6, channel_ids = $7";
            update(tx, (&id, row.try_get("version")?), set, |q| {
                q.bind(&changed.url)
                    .bind(changed.description.as_deref())
                    .bind(event_types)
                    .bind(channels)
            })
            .await?;
            audit(tx, &id, Kind::Updated, actor, changes(&current, &changed)).await?;
            Ok(id)
        })?;
        self.webhook_endpoint(id.as_str()).await
    }

    /// Stops sending to the endpoint; one already disabled stays as it is.
    pub async fn disable_webhook_endpoint(&self, key: &str, actor: &str) -> StoreResult<WebhookEndpoint> {
        let id = transact!(self, |tx| {
            let row = row(&mut ***tx, key).await?;
            let id: WebhookEndpointId = get_id(&row, "id")?;
            if get_enum(&row, "status", WebhookEndpointStatus::parse)? == WebhookEndpointStatus::Enabled {
                disable(
                    tx,
                    (&id, row.try_get("version")?),
                    WebhookDisabledReason::Manual,
                    actor,
                    "disabled".into(),
                )
                .await?;
            }
            Ok(id)
        })?;
        self.webhook_endpoint(id.as_str()).await
    }

    /// Sends to the endpoint again, its failing streak forgotten (it has `DISABLE_AFTER`
    /// again before it is disabled); one already enabled stays as it is.
    pub async fn enable_webhook_endpoint(&self, key: &str, actor: &str) -> StoreResult<WebhookEndpoint> {
        let id = transact!(self, |tx| {
            let row = row(&mut ***tx, key).await?;
            let id: WebhookEndpointId = get_id(&row, "id")?;
            if get_enum(&row, "status", WebhookEndpointStatus::parse)? == WebhookEndpointStatus::Disabled {
                let set = "status = $4, disabled_reason = NULL, disabled_at = NULL, failing_since = NULL";
                update(tx, (&id, row.try_get("version")?), set, |q| {
                    q.bind(WebhookEndpointStatus::Enabled.as_str())
                })
                .await?;
                audit(tx, &id, Kind::Enabled, actor, "enabled".into()).await?;
            }
            Ok(id)
        })?;
        self.webhook_endpoint(id.as_str()).await
    }

    /// Deletes the endpoint: it receives nothing more and is no longer listed or read,
    /// but its row stays for the deliveries and attempts that name it.
    pub async fn delete_webhook_endpoint(&self, key: &str, actor: &str) -> StoreResult<()> {
        transact!(self, |tx| {
            let row = row(&mut ***tx, key).await?;
            let id: WebhookEndpointId = get_id(&row, "id")?;
            let now = micros(tx.now());
            update(tx, (&id, row.try_get("version")?), "deleted_at = $4", |q| q.bind(now)).await?;
            audit(tx, &id, Kind::Deleted, actor, "deleted".into()).await?;
            Ok(())
        })
    }

    /// Gives the endpoint a new secret, answered whole this once; the one it replaces
    /// keeps signing beside it for `ROTATION_OVERLAP`.
    pub async fn rotate_webhook_secret(&self, key: &str, actor: &str) -> StoreResult<WebhookEndpointWithSecret> {
        let next = new_secret()?;
        let id = transact!(self, |tx| {
            let row = row(&mut ***tx, key).await?;
            let id: WebhookEndpointId = get_id(&row, "id")?;
            let rotated: SigningSecrets = secrets(&row)?.rotate(next.clone(), tx.now());
            let (previous, until) = rotated
                .previous
                .as_ref()
                .map(|(s, until)| (s.reveal().to_owned(), micros(*until)))
                .ok_or_else(|| StoreError::Corrupt("a rotation keeps the previous secret".into()))?;
            let set = "secret = $4, previous_secret = $5, previous_secret_until = $6";
            update(tx, (&id, row.try_get("version")?), set, |q| {
                q.bind(next.reveal()).bind(previous).bind(until)
            })
            .await?;
            let message = format!(
                "secret rotated to {}; the previous one signs too until {}",
                next.hint(),
                db::time(until)
            );
            audit(tx, &id, Kind::SecretRotated, actor, message).await?;
            Ok(id)
        })?;
        Ok(WebhookEndpointWithSecret {
            endpoint: self.webhook_endpoint(id.as_str()).await?,
            secret: next.reveal().to_owned(),
        })
    }

    /// A try to `endpoint` at `now` failed: its failing streak starts now if it had
    /// none, and an enabled endpoint failing for `DISABLE_AFTER` is disabled with an
    /// audit entry. Answers whether this disabled it.
    pub async fn note_webhook_failure(&self, endpoint: &WebhookEndpointId, now: Timestamp) -> StoreResult<bool> {
        transact!(self, |tx| {
            let row = match row(&mut ***tx, endpoint.as_str()).await {
                Err(StoreError::NotFound { .. }) => return Ok(false),
                other => other?,
            };
            let version: i64 = row.try_get("version")?;
            let since = get_opt_time(&row, "failing_since")?.unwrap_or(now);
            let enabled = get_enum(&row, "status", WebhookEndpointStatus::parse)? == WebhookEndpointStatus::Enabled;
            if enabled && should_disable(Some(since), now) {
                let message = format!(
                    "disabled: every try since {since} failed, for more than {} days",
                    DISABLE_AFTER.as_hours() / 24
                );
                update(tx, (endpoint, version), "failing_since = $4", |q| q.bind(micros(since))).await?;
                disable(
                    tx,
                    (endpoint, version + 1),
                    WebhookDisabledReason::Failing,
                    SYSTEM_ACTOR,
                    message,
                )
                .await?;
                return Ok(true);
            }
            db::query("UPDATE webhook_endpoint SET failing_since = $1 WHERE id = $2 AND failing_since IS NULL")
                .bind(micros(since))
                .bind(endpoint.as_str())
                .execute(&mut ***tx)
                .await?;
            Ok(false)
        })
    }

    /// A try to `endpoint` succeeded: it is no longer failing.
    pub async fn note_webhook_success(&self, endpoint: &WebhookEndpointId) -> StoreResult<()> {
        transact!(self, |tx| {
            db::query("UPDATE webhook_endpoint SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL")
                .bind(endpoint.as_str())
                .execute(&mut ***tx)
                .await?;
            Ok(())
        })
    }
}

/// Disables endpoint `id` (at `version`) for `reason`, with its audit entry.
async fn disable(
    tx: &mut WriteTx,
    (id, version): (&WebhookEndpointId, i64),
    reason: WebhookDisabledReason,
    actor: &str,
    message: String,
) -> StoreResult<()> {
    let now = micros(tx.now());
    let set = "status = $4, disabled_reason = $5, disabled_at = $6";
    update(tx, (id, version), set, |q| {
        q.bind(WebhookEndpointStatus::Disabled.as_str())
            .bind(reason.as_str())
            .bind(now)
    })
    .await?;
    audit(tx, id, Kind::Disabled, actor, message).await
}

/// What a patch changed, for the timeline: the fields, never their values' secrets
/// (an endpoint has none in its fields).
fn changes(before: &EndpointDraft, after: &EndpointDraft) -> String {
    let mut changed = Vec::new();
    if before.url != after.url {
        changed.push(format!("url to {}", after.url));
    }
    if before.description != after.description {
        changed.push("description".to_owned());
    }
    if before.filter.event_types != after.filter.event_types {
        changed.push("event types".to_owned());
    }
    if before.filter.channels != after.filter.channels {
        changed.push("channels".to_owned());
    }
    format!("changed {}", changed.join(", "))
}
