//! API keys: random secrets shown once, stored only as SHA-256 hashes (a key is 160
//! random bits, so a fast hash is enough and keeps every request cheap), each with a role.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use sha2::{Digest, Sha256};
use switchyard_core::auth::Role;
use switchyard_core::id::ApiKeyId;

use crate::Store;
use crate::db::{self, Row, get_enum, get_id, get_opt_time, get_time, micros};
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
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for b in Sha256::digest(secret.as_bytes()) {
        hex.push(HEX[usize::from(b >> 4)] as char);
        hex.push(HEX[usize::from(b & 15)] as char);
    }
    hex
}

/// How long a process trusts a key it has read: a key revoked by another process
/// (the CLI, another server) stops working here within this time.
const KEY_TTL: SignedDuration = SignedDuration::from_secs(5);

/// More live keys than any deployment has; past it the cache starts over.
const MAX_CACHED_KEYS: usize = 10_000;

/// The principals of keys read lately, by key hash, so a request's key costs a
/// database read once per `KEY_TTL` rather than on every request. Revoking through
/// the store empties it at once.
#[derive(Default)]
pub(crate) struct KeyCache {
    inner: Mutex<Keys>,
}

#[derive(Default)]
struct Keys {
    by_hash: HashMap<String, (Principal, Timestamp)>,
    /// Bumped by every revocation, so a read that raced one is not cached.
    generation: u64,
}

impl KeyCache {
    fn keys(&self) -> std::sync::MutexGuard<'_, Keys> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, hash: &str, now: Timestamp) -> Result<Principal, u64> {
        let keys = self.keys();
        match keys.by_hash.get(hash) {
            Some((principal, until)) if now < *until => Ok(principal.clone()),
            _ => Err(keys.generation),
        }
    }

    fn put(&self, hash: String, principal: Principal, until: Timestamp, generation: u64) {
        let mut keys = self.keys();
        if keys.generation != generation {
            return;
        }
        if keys.by_hash.len() >= MAX_CACHED_KEYS {
            keys.by_hash.clear();
        }
        keys.by_hash.insert(hash, (principal, until));
    }

    fn clear(&self) {
        let mut keys = self.keys();
        keys.generation += 1;
        keys.by_hash.clear();
    }
}

const KEY_COLUMNS: &str = "id, name, role, prefix, created_at, revoked_at";

fn api_key_of(r: &Row) -> StoreResult<ApiKey> {
    Ok(ApiKey {
        id: get_id(r, "id")?,
        name: r.try_get("name")?,
        role: get_enum(r, "role", Role::parse)?,
        prefix: r.try_get("prefix")?,
        created_at: get_time(r, "created_at")?,
        revoked_at: get_opt_time(r, "revoked_at")?,
    })
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
        transact!(self, |tx| {
            db::query(
                "INSERT INTO api_key (id, name, role, key_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(key.id.as_str())
            .bind(&key.name)
            .bind(role.as_str())
            .bind(hash(&secret))
            .bind(&key.prefix)
            .bind(micros(now))
            .execute(&mut ***tx)
            .await?;
            Ok(())
        })?;
        Ok((key, secret))
    }

    /// The principal a secret belongs to, if it is a live key. A key read from the
    /// database is trusted for `KEY_TTL` without reading it again.
    pub async fn authenticate(&self, secret: &str) -> StoreResult<Option<Principal>> {
        let hash = hash(secret);
        let now = self.now();
        let generation = match self.keys.get(&hash, now) {
            Ok(principal) => return Ok(Some(principal)),
            Err(generation) => generation,
        };
        let row = db::query("SELECT id, name, role FROM api_key WHERE key_hash = $1 AND revoked_at IS NULL")
            .bind(&hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let principal = Principal {
            key_id: get_id(&row, "id")?,
            name: row.try_get("name")?,
            role: get_enum(&row, "role", Role::parse)?,
        };
        let until = now.checked_add(KEY_TTL).unwrap_or(now);
        self.keys.put(hash, principal.clone(), until, generation);
        Ok(Some(principal))
    }

    pub async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        let rows = db::query(format!("SELECT {KEY_COLUMNS} FROM api_key ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(api_key_of).collect()
    }

    /// Revokes one key; revoking a revoked key again changes nothing. The key as it is now.
    pub async fn revoke_api_key(&self, id: &ApiKeyId) -> StoreResult<ApiKey> {
        transact!(self, |tx| {
            db::query("UPDATE api_key SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(micros(self.now()))
                .bind(id.as_str())
                .execute(&mut ***tx)
                .await?;
            Ok(())
        })?;
        self.keys.clear();
        let row = db::query(format!("SELECT {KEY_COLUMNS} FROM api_key WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("API key", id.as_str()))?;
        api_key_of(&row)
    }

    /// Revokes every live key with this name; returns how many.
    pub async fn revoke_api_keys_named(&self, name: &str) -> StoreResult<u64> {
        let revoked = transact!(self, |tx| {
            let revoked = db::query("UPDATE api_key SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
                .bind(micros(self.now()))
                .bind(name)
                .execute(&mut ***tx)
                .await?;
            Ok(revoked.rows_affected())
        });
        self.keys.clear();
        revoked
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use jiff::SignedDuration;
    use switchyard_core::ManualClock;
    use switchyard_core::auth::Role;

    use super::KEY_TTL;
    use crate::testing::TempDb;

    #[tokio::test]
    async fn a_key_revoked_elsewhere_stops_working_within_the_ttl_and_here_at_once() {
        let clock = Arc::new(ManualClock::new("2026-11-22T10:00:00Z".parse().unwrap()));
        let db = TempDb::open(clock.clone()).await;
        let here = &db.store;
        let elsewhere = db.reopen(clock.clone()).await;
        let (key, secret) = here.create_api_key("night shift", Role::Warehouse).await.unwrap();
        assert_eq!(here.authenticate(&secret).await.unwrap().unwrap().key_id, key.id);

        // Another process revokes it: this one trusts what it read until the TTL ends.
        assert_eq!(elsewhere.revoke_api_keys_named("night shift").await.unwrap(), 1);
        clock.advance(KEY_TTL - SignedDuration::from_secs(1));
        assert!(here.authenticate(&secret).await.unwrap().is_some());
        clock.advance(SignedDuration::from_secs(1));
        assert!(here.authenticate(&secret).await.unwrap().is_none());

        // Revoked through this store, a key it has cached stops working at once.
        let (_, other) = here.create_api_key("day shift", Role::Warehouse).await.unwrap();
        assert!(here.authenticate(&other).await.unwrap().is_some());
        assert_eq!(here.revoke_api_keys_named("day shift").await.unwrap(), 1);
        assert!(here.authenticate(&other).await.unwrap().is_none());

        elsewhere.close().await;
        db.close().await;
    }
}
