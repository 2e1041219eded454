//! Channels: creation, look-up by id or code with the locations they ship from, the
//! list, changes and archiving. Core checks a new `ship_from` list against the
//! locations the store finds for it.

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::catalog::{
    ChannelDraft, ChannelInput, ChannelKind, ChannelPolicies, ShipFromFacts, ShortagePolicy, check_ship_from,
};
use switchyard_core::id::{ChannelId, LocationId};
use switchyard_core::mail::{ChannelEmail, EmailKind};
use switchyard_core::payment::{CaptureMode, PaymentProvider};
use switchyard_core::returns::RefundOn;
use switchyard_core::routing::SplitPolicy;

use super::location::LOCATIONS;
use super::{CatalogFilter, Table, find_row, get_row, write_coded};
use crate::db::{self, Row, get_enum, get_id, get_json, get_opt_time, get_time};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};
use crate::{Store, WriteTx};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Channel {
    pub id: ChannelId,
    pub code: String,
    pub name: String,
    pub kind: ChannelKind,
    /// Codes of the locations this channel ships from, in the order they are tried.
    pub ship_from: Vec<String>,
    pub shortage_policy: ShortagePolicy,
    pub split_policy: SplitPolicy,
    #[serde(flatten)]
    pub policies: ChannelPolicies,
    /// Days after an order's delivery its customer is asked for feedback; `null` never.
    #[cfg_attr(feature = "openapi", schema(example = 7))]
    pub feedback_after_days: Option<i64>,
    /// Its customer emails.
    pub email: ChannelEmail,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub archived_at: Option<Timestamp>,
}

const CHANNELS: Table = Table {
    name: "channel",
    columns: "id, code, name, kind, shortage_policy, split_policy, payment_provider, capture_mode, return_window_days, \
              refund_on, restocking_fee_percent, feedback_after_days, email_kinds_off, email_sender_name, \
              email_reply_to, created_at, updated_at, archived_at",
    key: "code",
    is_id: |key| ChannelId::parse(key).is_some(),
};

/// The codes of the locations channel `id` ships from, in the order they are tried.
async fn ship_from<'c>(db: impl Into<db::Target<'c>>, id: &ChannelId) -> StoreResult<Vec<String>> {
    Ok(db::query_scalar(
        "SELECT l.code FROM channel_location cl JOIN location l ON l.id = cl.location_id \
         WHERE cl.channel_id = $1 ORDER BY cl.position",
    )
    .bind(id.as_str())
    .fetch_all(db)
    .await?)
}

/// The channel's fields as stored, with the list it ships from, for a change to apply to.
fn draft(row: &Row, ship_from: Vec<String>) -> StoreResult<ChannelDraft> {
    Ok(ChannelDraft {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: get_enum(row, "kind", ChannelKind::parse)?,
        ship_from,
        shortage_policy: get_enum(row, "shortage_policy", ShortagePolicy::parse)?,
        split_policy: get_enum(row, "split_policy", SplitPolicy::parse)?,
        policies: ChannelPolicies {
            payment_provider: get_enum(row, "payment_provider", PaymentProvider::parse)?,
            capture_mode: get_enum(row, "capture_mode", CaptureMode::parse)?,
            return_window_days: row.try_get("return_window_days")?,
            refund_on: get_enum(row, "refund_on", RefundOn::parse)?,
            restocking_fee_percent: row.try_get("restocking_fee_percent")?,
        },
        feedback_after_days: row.try_get("feedback_after_days")?,
        email: email(row)?,
    })
}

/// A channel's email settings as stored.
fn email(row: &Row) -> StoreResult<ChannelEmail> {
    let kinds: Vec<String> = get_json(row, "email_kinds_off")?;
    Ok(ChannelEmail {
        kinds_off: kinds
            .iter()
            .map(|k| EmailKind::parse(k).map_err(|e| StoreError::Corrupt(e.message)))
            .collect::<StoreResult<_>>()?,
        sender_name: row.try_get("email_sender_name")?,
        reply_to: row.try_get("email_reply_to")?,
    })
}

/// Writes a channel's email settings.
async fn set_email(tx: &mut WriteTx, channel: &ChannelId, email: &ChannelEmail) -> StoreResult<()> {
    let kinds: Vec<&str> = email.kinds_off.iter().map(EmailKind::as_str).collect();
    db::query("UPDATE channel SET email_kinds_off = $1, email_sender_name = $2, email_reply_to = $3 WHERE id = $4")
        .bind(serde_json::to_string(&kinds)?)
        .bind(email.sender_name.as_deref())
        .bind(email.reply_to.as_deref())
        .bind(channel.as_str())
        .execute(&mut ***tx)
        .await?;
    Ok(())
}

/// Writes when a channel asks for feedback.
async fn set_feedback(tx: &mut WriteTx, channel: &ChannelId, after_days: Option<i64>) -> StoreResult<()> {
    db::query("UPDATE channel SET feedback_after_days = $1 WHERE id = $2")
        .bind(after_days)
        .bind(channel.as_str())
        .execute(&mut ***tx)
        .await?;
    Ok(())
}

/// Checks a `ship_from` list against the locations it names, read in the transaction.
async fn resolve_ship_from(tx: &mut WriteTx, refs: &[String]) -> StoreResult<Vec<LocationId>> {
    let mut found = Vec::with_capacity(refs.len());
    for reference in refs {
        found.push(match find_row(&mut ***tx, &LOCATIONS, reference).await? {
            Some(row) => Some(ShipFromFacts {
                id: get_id(&row, "id")?,
                archived: get_opt_time(&row, "archived_at")?.is_some(),
            }),
            None => None,
        });
    }
    check_ship_from(refs, &found).map_err(StoreError::Invalid)
}

/// Replaces the list of locations channel `channel` ships from.
async fn set_ship_from(tx: &mut WriteTx, channel: &ChannelId, locations: &[LocationId]) -> StoreResult<()> {
    db::query("DELETE FROM channel_location WHERE channel_id = $1")
        .bind(channel.as_str())
        .execute(&mut ***tx)
        .await?;
    for (position, location) in locations.iter().enumerate() {
        db::query("INSERT INTO channel_location (channel_id, location_id, position) VALUES ($1, $2, $3)")
            .bind(channel.as_str())
            .bind(location.as_str())
            .bind(position as i64)
            .execute(&mut ***tx)
            .await?;
    }
    Ok(())
}

/// Binds a draft's columns as $1..$10, in the order `code, name, kind, shortage_policy,
/// split_policy, payment_provider, capture_mode, return_window_days, refund_on,
/// restocking_fee_percent`.
fn bind_channel(q: db::Query, d: &ChannelDraft) -> db::Query {
    q.bind(&d.code)
        .bind(&d.name)
        .bind(d.kind.as_str())
        .bind(d.shortage_policy.as_str())
        .bind(d.split_policy.as_str())
        .bind(d.policies.payment_provider.as_str())
        .bind(d.policies.capture_mode.as_str())
        .bind(d.policies.return_window_days)
        .bind(d.policies.refund_on.as_str())
        .bind(d.policies.restocking_fee_percent)
}

impl Store {
    pub async fn create_channel(&self, draft: &ChannelDraft) -> StoreResult<Channel> {
        let id = transact!(self, |tx| {
            let locations = resolve_ship_from(tx, &draft.ship_from).await?;
            let id = ChannelId::new_at(tx.now());
            let sql = "INSERT INTO channel (code, name, kind, shortage_policy, split_policy, payment_provider, \
                       capture_mode, return_window_days, refund_on, restocking_fee_percent, id, created_at, updated_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)";
            write_coded(
                tx,
                bind_channel(db::query(sql), draft),
                "channel",
                &draft.code,
                id.as_str(),
            )
            .await?;
            set_ship_from(tx, &id, &locations).await?;
            set_feedback(tx, &id, draft.feedback_after_days).await?;
            set_email(tx, &id, &draft.email).await?;
            Ok(id)
        })?;
        self.channel(id.as_str()).await
    }

    /// A channel by id or code.
    pub async fn channel(&self, key: &str) -> StoreResult<Channel> {
        let row = get_row(&self.pool, &CHANNELS, key).await?;
        let mut channels = self.channels_from(&[row]).await?;
        channels.pop().ok_or_else(|| StoreError::not_found("channel", key))
    }

    async fn channels_from(&self, rows: &[Row]) -> StoreResult<Vec<Channel>> {
        let mut channels = Vec::with_capacity(rows.len());
        for row in rows {
            let id: ChannelId = get_id(row, "id")?;
            let d = draft(row, ship_from(&self.pool, &id).await?)?;
            channels.push(Channel {
                id,
                code: d.code,
                name: d.name,
                kind: d.kind,
                ship_from: d.ship_from,
                shortage_policy: d.shortage_policy,
                split_policy: d.split_policy,
                policies: d.policies,
                feedback_after_days: d.feedback_after_days,
                email: d.email,
                created_at: get_time(row, "created_at")?,
                updated_at: get_time(row, "updated_at")?,
                archived_at: get_opt_time(row, "archived_at")?,
            });
        }
        Ok(channels)
    }

    pub async fn list_channels(&self, filter: &CatalogFilter, page: &PageRequest) -> StoreResult<Page<Channel>> {
        let rows = self.list_rows(&CHANNELS, &["code", "name"], filter, page).await?;
        let items = self.channels_from(&rows).await?;
        Ok(Page::from_rows(items, page.limit(), |c| c.code.clone()))
    }

    /// Changes the fields present in `patch`; `ship_from`, when present, replaces the list.
    pub async fn update_channel(&self, key: &str, patch: &ChannelInput) -> StoreResult<Channel> {
        let id = transact!(self, |tx| {
            let row = get_row(&mut ***tx, &CHANNELS, key).await?;
            let id: ChannelId = get_id(&row, "id")?;
            let current = draft(&row, ship_from(&mut ***tx, &id).await?)?;
            let change = patch.apply(&current).map_err(StoreError::Invalid)?;
            let locations = if change.replaces_ship_from {
                Some(resolve_ship_from(tx, &change.draft.ship_from).await?)
            } else {
                None
            };
            let sql = "UPDATE channel SET code = $1, name = $2, kind = $3, shortage_policy = $4, split_policy = $5, \
                       payment_provider = $6, capture_mode = $7, return_window_days = $8, refund_on = $9, \
                       restocking_fee_percent = $10, updated_at = $12 WHERE id = $11";
            let q = bind_channel(db::query(sql), &change.draft);
            write_coded(tx, q, "channel", &change.draft.code, id.as_str()).await?;
            if let Some(locations) = &locations {
                set_ship_from(tx, &id, locations).await?;
                // Other locations, other stock to offer on the channel's listings.
                crate::stock_sync::recompute_channel(tx, id.as_str()).await?;
            }
            set_feedback(tx, &id, change.draft.feedback_after_days).await?;
            set_email(tx, &id, &change.draft.email).await?;
            Ok(id)
        })?;
        self.channel(id.as_str()).await
    }

    pub async fn archive_channel(&self, key: &str) -> StoreResult<Channel> {
        let id = self.archive_key(&CHANNELS, key).await?;
        self.channel(&id).await
    }
}
