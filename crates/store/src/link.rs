//! The key customer links (`core::link`) are signed with, and the links the store
//! makes for emails: the order's status page here, the feedback page in `feedback`.

use switchyard_core::id::OrderId;
use switchyard_core::link::{self, Purpose, SECRET_LEN};

use crate::db::{self, micros};
use crate::error::{StoreError, StoreResult};
use crate::{Store, WriteTx};

/// The name of the customer links' signing key among the server's secrets (it signed
/// feedback links alone when it was named, and keeps the name so links stay valid).
const LINK_SECRET: &str = "feedback_link";

impl Store {
    /// The key customer links are signed with: made on first use and kept in the
    /// database, so every instance on it signs and checks alike and links outlive
    /// restarts.
    pub async fn link_secret(&self) -> StoreResult<Vec<u8>> {
        if let Some(secret) = self.read_secret().await? {
            return Ok(secret);
        }
        let mut fresh = [0u8; SECRET_LEN];
        getrandom::fill(&mut fresh).map_err(|e| StoreError::Config(format!("no randomness for a secret: {e}")))?;
        let mut tx = self.write().await?;
        let result = keep_secret(&mut tx, &hex(&fresh)).await;
        tx.finish(result).await?;
        // Another instance may have made one first: theirs is the one kept.
        self.read_secret()
            .await?
            .ok_or_else(|| StoreError::Corrupt("the link secret was not kept".into()))
    }

    async fn read_secret(&self) -> StoreResult<Option<Vec<u8>>> {
        let value: Option<String> = db::query_scalar("SELECT value FROM server_secret WHERE name = $1")
            .bind(LINK_SECRET)
            .fetch_optional(&self.pool)
            .await?;
        // The text itself is the key: 64 hex digits carry the 256 random bits.
        Ok(value.map(String::into_bytes))
    }

    /// The path of a fresh link to order `order`'s status page, valid for
    /// `core::link::ORDER_VALID_FOR` from now.
    pub async fn order_status_path(&self, order: &OrderId) -> StoreResult<String> {
        let expires_at = link::expiry(Purpose::Order, self.now());
        let token = link::sign(Purpose::Order, order, expires_at, &self.link_secret().await?);
        Ok(link::status_path(&token))
    }
}

/// Random bytes as text, for a secret kept in a text column.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Keeps `value` as the link secret unless one is kept already.
async fn keep_secret(tx: &mut WriteTx, value: &str) -> StoreResult<()> {
    let now = tx.now();
    db::query("INSERT INTO server_secret (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
        .bind(LINK_SECRET)
        .bind(value)
        .bind(micros(now))
        .execute(&mut ***tx)
        .await?;
    Ok(())
}
