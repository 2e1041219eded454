//! Channel connections in the database: saved whole (credentials left out keep the
//! stored ones), shown without their credentials, read whole by the server to build a
//! connector, and the poll bookkeeping (up to when orders were fetched, the last
//! error). Credentials are stored as given: they are sent to the channel, so they
//! cannot be hashed; the API only ever shows their names.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::catalog::ChannelKind;
use switchyard_core::connector::{ConnectionDraft, ConnectionInput, Credentials, Pushes, StockBuffer};
use switchyard_core::id::ChannelId;

use crate::Store;
use crate::db::{self, Row, get_json, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};

/// A connection as the API shows it: everything but the credentials' values.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionView {
    /// The channel's code.
    #[cfg_attr(feature = "openapi", schema(example = "shop"))]
    pub channel: String,
    pub kind: ChannelKind,
    #[cfg_attr(feature = "openapi", schema(example = "https://my-shop.myshopify.com"))]
    pub base_url: String,
    /// The names of the credentials held; their values are never shown.
    #[cfg_attr(feature = "openapi", schema(example = json!(["access_token", "webhook_secret"])))]
    pub credentials: Vec<String>,
    pub options: BTreeMap<String, String>,
    pub poll_interval_seconds: i64,
    pub pushes: Pushes,
    pub stock_buffer: StockBuffer,
    pub max_offered: Option<i64>,
    /// Orders changed up to this time have been fetched.
    pub polled_until: Option<Timestamp>,
    /// When the channel was last polled, and what went wrong, if anything.
    pub polled_at: Option<Timestamp>,
    pub poll_error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A connection whole, credentials included, for the server to build a connector with.
#[derive(Debug, Clone)]
pub struct StoredConnection {
    pub channel_id: ChannelId,
    pub channel: String,
    pub kind: ChannelKind,
    pub settings: ConnectionDraft,
    pub polled_until: Option<Timestamp>,
    pub polled_at: Option<Timestamp>,
}

/// The connection query, ending with `$tail` (a WHERE clause, an ORDER BY).
macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT c.id AS channel_id, c.code, c.kind, k.base_url, k.credentials, k.options, ",
            "k.poll_interval_seconds, k.push_stock, k.push_fulfilments, k.push_cancellations, k.buffer_kind, ",
            "k.buffer_value, k.max_offered, k.polled_until, k.polled_at, k.poll_error, k.created_at, k.updated_at ",
            "FROM channel_connection k JOIN channel c ON c.id = k.channel_id ",
            $tail
        )
    };
}

pub(crate) fn buffer(kind: &str, value: i64) -> StoreResult<StockBuffer> {
    match kind {
        "units" => Ok(StockBuffer::Units(value)),
        "percent" => Ok(StockBuffer::Percent(value)),
        other => Err(StoreError::Corrupt(format!("unknown stock buffer kind {other}"))),
    }
}

/// A buffer as its two columns.
pub(crate) fn buffer_columns(b: StockBuffer) -> (&'static str, i64) {
    match b {
        StockBuffer::Units(n) => ("units", n),
        StockBuffer::Percent(p) => ("percent", p),
    }
}

fn stored(row: &Row) -> StoreResult<(StoredConnection, ConnectionView)> {
    let credentials: BTreeMap<String, String> = get_json(row, "credentials")?;
    let kind = db::get_enum(row, "kind", ChannelKind::parse)?;
    let settings = ConnectionDraft {
        base_url: row.try_get("base_url")?,
        credentials: Credentials::new(credentials),
        options: get_json(row, "options")?,
        poll_interval_seconds: row.try_get("poll_interval_seconds")?,
        pushes: Pushes {
            stock: row.try_get::<i64, _>("push_stock")? != 0,
            fulfilments: row.try_get::<i64, _>("push_fulfilments")? != 0,
            cancellations: row.try_get::<i64, _>("push_cancellations")? != 0,
        },
        stock_buffer: buffer(&row.try_get::<String, _>("buffer_kind")?, row.try_get("buffer_value")?)?,
        max_offered: row.try_get("max_offered")?,
    };
    let channel: String = row.try_get("code")?;
    let view = ConnectionView {
        channel: channel.clone(),
        kind,
        base_url: settings.base_url.clone(),
        credentials: settings.credentials.names(),
        options: settings.options.clone(),
        poll_interval_seconds: settings.poll_interval_seconds,
        pushes: settings.pushes,
        stock_buffer: settings.stock_buffer,
        max_offered: settings.max_offered,
        polled_until: get_opt_time(row, "polled_until")?,
        polled_at: get_opt_time(row, "polled_at")?,
        poll_error: row.try_get("poll_error")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    };
    let whole = StoredConnection {
        channel_id: db::get_id(row, "channel_id")?,
        channel,
        kind,
        settings,
        polled_until: view.polled_until,
        polled_at: view.polled_at,
    };
    Ok((whole, view))
}

impl Store {
    /// Saves channel `key`'s connection whole, checked by core against the channel's
    /// kind; credentials left out keep the stored ones.
    pub async fn save_connection(&self, key: &str, input: &ConnectionInput) -> StoreResult<ConnectionView> {
        let channel = self.channel(key).await?;
        transact!(self, |tx| {
            let stored = db::query("SELECT credentials FROM channel_connection WHERE channel_id = $1")
                .bind(channel.id.as_str())
                .fetch_optional(&mut ***tx)
                .await?
                .map(|row| get_json::<BTreeMap<String, String>>(&row, "credentials").map(Credentials::new))
                .transpose()?;
            let draft = input
                .parse(channel.kind, stored.as_ref())
                .map_err(StoreError::Invalid)?;
            let (buffer_kind, buffer_value) = buffer_columns(draft.stock_buffer);
            let now = micros(tx.now());
            db::query(
                "INSERT INTO channel_connection (channel_id, base_url, credentials, options, poll_interval_seconds, \
                 push_stock, push_fulfilments, push_cancellations, buffer_kind, buffer_value, max_offered, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
                 ON CONFLICT (channel_id) DO UPDATE SET base_url = $2, credentials = $3, options = $4, \
                 poll_interval_seconds = $5, push_stock = $6, push_fulfilments = $7, push_cancellations = $8, \
                 buffer_kind = $9, buffer_value = $10, max_offered = $11, updated_at = $12",
            )
            .bind(channel.id.as_str())
            .bind(&draft.base_url)
            .bind(serde_json::to_string(draft.credentials.reveal())?)
            .bind(serde_json::to_string(&draft.options)?)
            .bind(draft.poll_interval_seconds)
            .bind(i64::from(draft.pushes.stock))
            .bind(i64::from(draft.pushes.fulfilments))
            .bind(i64::from(draft.pushes.cancellations))
            .bind(buffer_kind)
            .bind(buffer_value)
            .bind(draft.max_offered)
            .bind(now)
            .execute(&mut ***tx)
            .await?;
            // A new buffer, cap or pushes turned on change what the channel is offered.
            crate::stock_sync::recompute_channel(tx, channel.id.as_str()).await?;
            Ok(())
        })?;
        self.connection(key).await
    }

    /// Channel `key`'s connection as the API shows it; not found when it has none.
    pub async fn connection(&self, key: &str) -> StoreResult<ConnectionView> {
        Ok(self.connection_whole(key).await?.1)
    }

    /// Channel `key`'s connection whole, credentials included (never to be answered).
    pub async fn stored_connection(&self, key: &str) -> StoreResult<StoredConnection> {
        Ok(self.connection_whole(key).await?.0)
    }

    async fn connection_whole(&self, key: &str) -> StoreResult<(StoredConnection, ConnectionView)> {
        let channel = self.channel(key).await?;
        let row = db::query(select!("WHERE k.channel_id = $1"))
            .bind(channel.id.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("connection", key))?;
        stored(&row)
    }

    /// Every connection of a channel that is not archived, whole.
    pub async fn stored_connections(&self) -> StoreResult<Vec<StoredConnection>> {
        let rows = db::query(select!("WHERE c.archived_at IS NULL ORDER BY c.code"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| stored(r).map(|(whole, _)| whole)).collect()
    }

    /// Removes channel `key`'s connection: nothing is polled or pushed any more.
    pub async fn delete_connection(&self, key: &str) -> StoreResult<()> {
        let channel = self.channel(key).await?;
        let gone = transact!(self, |tx| {
            Ok(db::query("DELETE FROM channel_connection WHERE channel_id = $1")
                .bind(channel.id.as_str())
                .execute(&mut ***tx)
                .await?
                .rows_affected())
        })?;
        if gone == 0 {
            return Err(StoreError::not_found("connection", key));
        }
        Ok(())
    }

    /// Takes the poll of channel `id` due at `now` (its interval passed since the last
    /// one): true for the one caller, of every instance, that got it.
    pub async fn claim_poll(&self, id: &ChannelId, now: Timestamp) -> StoreResult<bool> {
        transact!(self, |tx| {
            let done = db::query(
                "UPDATE channel_connection SET polled_at = $1 WHERE channel_id = $2 \
                 AND (polled_at IS NULL OR polled_at <= $1 - poll_interval_seconds * 1000000)",
            )
            .bind(micros(now))
            .bind(id.as_str())
            .execute(&mut ***tx)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Records a poll of channel `id` made at `at`: orders changed up to `until` are
    /// fetched (kept as it was when the poll failed), with the error, if any.
    pub async fn record_poll(
        &self,
        id: &ChannelId,
        at: Timestamp,
        until: Option<Timestamp>,
        error: Option<&str>,
    ) -> StoreResult<()> {
        transact!(self, |tx| {
            db::query(
                "UPDATE channel_connection SET polled_at = $1, polled_until = COALESCE($2, polled_until), \
                 poll_error = $3 WHERE channel_id = $4",
            )
            .bind(micros(at))
            .bind(until.map(micros))
            .bind(error)
            .bind(id.as_str())
            .execute(&mut ***tx)
            .await?;
            Ok(())
        })
    }
}
