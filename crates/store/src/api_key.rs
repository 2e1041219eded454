//! API keys: random secrets shown once, stored only as SHA-256 hashes (a key is 160
//! random bits, so a fast hash is enough and keeps every request cheap), each with a role.

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use switchyard_core::auth::Role;
use switchyard_core::id::ApiKeyId;

use crate::Store;
use crate::db::{get_enum, get_id, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};

#[derive(Debug, Clone, Serialize)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub role: Role,
    /// The first characters of the secret, to tell keys apart.
    pub prefix: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// Who is calling: the key that authenticated the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub key_id: ApiKeyId,
    pub name: String,
    pub role: Role,
}

const SECRET_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_secret() -> StoreResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Config(format!("no randomness available: {e}")))?;
    let body: String = bytes
        .iter()
        .map(|b| SECRET_ALPHABET[(b % 32) as usize] as char)
        .collect();
    Ok(format!("sy_{body}"))
}

impl Store {
    /// Creates a key; the secret is returned here and never again.
    pub async fn create_api_key(&self, name: &str, role: Role) -> StoreResult<(ApiKey, String)> {
        let name =
            switchyard_core::validation::text(name, 100).map_err(|e| StoreError::Invalid(vec![e.at("/name")]))?;
        let secret = new_secret()?;
        let now = self.now();
        let key = ApiKey {
            id: ApiKeyId::new_at(now),
            name,
            role,
            prefix: secret.chars().take(10).collect(),
            created_at: now,
            revoked_at: None,
        };
        let mut tx = self.write().await?;
        let result = sqlx::query(
            "INSERT INTO api_key (id, name, role, key_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(key.id.as_str())
        .bind(&key.name)
        .bind(role.as_str())
        .bind(hash(&secret))
        .bind(&key.prefix)
        .bind(micros(now))
        .execute(&mut **tx)
        .await
        .map(|_| ())
        .map_err(StoreError::from);
        tx.finish(result).await?;
        Ok((key, secret))
    }

    /// The principal a secret belongs to, if it is a live key.
    pub async fn authenticate(&self, secret: &str) -> StoreResult<Option<Principal>> {
        let row = sqlx::query("SELECT id, name, role FROM api_key WHERE key_hash = $1 AND revoked_at IS NULL")
            .bind(hash(secret))
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Principal {
                key_id: get_id(&r, "id")?,
                name: r.try_get("name")?,
                role: get_enum(&r, "role", Role::parse)?,
            })
        })
        .transpose()
    }

    pub async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        let rows = sqlx::query("SELECT id, name, role, prefix, created_at, revoked_at FROM api_key ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiKey {
                    id: get_id(r, "id")?,
                    name: r.try_get("name")?,
                    role: get_enum(r, "role", Role::parse)?,
                    prefix: r.try_get("prefix")?,
                    created_at: get_time(r, "created_at")?,
                    revoked_at: get_opt_time(r, "revoked_at")?,
                })
            })
            .collect()
    }

    /// Revokes every live key with this name; returns how many.
    pub async fn revoke_api_keys_named(&self, name: &str) -> StoreResult<u64> {
        let mut tx = self.write().await?;
        let result = sqlx::query("UPDATE api_key SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
            .bind(micros(self.now()))
            .bind(name)
            .execute(&mut **tx)
            .await
            .map(|r| r.rows_affected())
            .map_err(StoreError::from);
        tx.finish(result).await
    }
}
