//! `Idempotency-Key`: the first request with a key runs and its response is stored;
//! a retry with the same key and body gets the stored response, a different body is
//! refused, and a retry while the first is still running is told to wait.

use crate::Store;
use crate::db::{self, micros};
use crate::error::StoreResult;

/// A key left `in_flight` longer than this (the server died mid-request) may be reused.
const STALE_AFTER_MICROS: i64 = 5 * 60 * 1_000_000;

/// Where a key stands, as its `state` column spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyState {
    /// Its first request is running.
    InFlight,
    /// Its first request answered; the answer is stored.
    Done,
}

impl KeyState {
    fn as_str(self) -> &'static str {
        match self {
            KeyState::InFlight => "in_flight",
            KeyState::Done => "done",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// First use: run the request, then `complete` or `abandon`.
    Proceed,
    /// Seen before with this body: send the stored response.
    Replay {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Seen before with another body.
    Mismatch,
    /// The first request with this key is still running (whatever this one's body):
    /// the caller should wait and retry.
    InFlight,
}

impl Store {
    pub async fn idempotency_begin(&self, principal: &str, key: &str, request_hash: &str) -> StoreResult<Begin> {
        let now = micros(self.now());
        transact!(self, |tx| {
            let inserted = db::query(
                "INSERT INTO idempotency_key (principal, key, request_hash, state, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (principal, key) DO NOTHING",
            )
            .bind(principal)
            .bind(key)
            .bind(request_hash)
            .bind(KeyState::InFlight.as_str())
            .bind(now)
            .execute(&mut ***tx)
            .await?;
            if inserted.rows_affected() == 1 {
                return Ok(Begin::Proceed);
            }
            let row = db::query(
                "SELECT request_hash, state, status_code, response_headers, response_body, created_at FROM idempotency_key \
                 WHERE principal = $1 AND key = $2",
            )
            .bind(principal)
            .bind(key)
            .fetch_one(&mut ***tx)
            .await?;
            let same_body = row.try_get::<String, _>("request_hash")? == request_hash;
            if row.try_get::<String, _>("state")? == KeyState::Done.as_str() {
                if !same_body {
                    return Ok(Begin::Mismatch);
                }
                let status: i64 = row.try_get::<Option<i64>, _>("status_code")?.unwrap_or(500);
                let headers = row
                    .try_get::<Option<String>, _>("response_headers")?
                    .unwrap_or_default();
                return Ok(Begin::Replay {
                    status: u16::try_from(status).unwrap_or(500),
                    headers: serde_json::from_str(&headers).unwrap_or_default(),
                    body: row.try_get::<Option<String>, _>("response_body")?.unwrap_or_default(),
                });
            }
            if now - row.try_get::<i64, _>("created_at")? > STALE_AFTER_MICROS {
                // The first request died without an answer: this one takes the key over.
                db::query(
                    "UPDATE idempotency_key SET created_at = $1, request_hash = $2 WHERE principal = $3 AND key = $4",
                )
                .bind(now)
                .bind(request_hash)
                .bind(principal)
                .bind(key)
                .execute(&mut ***tx)
                .await?;
                return Ok(Begin::Proceed);
            }
            Ok(Begin::InFlight)
        })
    }

    /// Stores the response of the request that began with `key`: its status, the
    /// headers worth replaying, and its body.
    pub async fn idempotency_complete(
        &self,
        principal: &str,
        key: &str,
        status: u16,
        headers: &[(String, String)],
        body: &str,
    ) -> StoreResult<()> {
        let headers = serde_json::to_string(headers)?;
        transact!(self, |tx| {
            db::query(
                "UPDATE idempotency_key SET state = $1, status_code = $2, response_headers = $3, response_body = $4 \
                 WHERE principal = $5 AND key = $6",
            )
            .bind(KeyState::Done.as_str())
            .bind(i64::from(status))
            .bind(&headers)
            .bind(body)
            .bind(principal)
            .bind(key)
            .execute(&mut ***tx)
            .await?;
            Ok(())
        })
    }

    /// Forgets `key` so the request can be retried (after a server-side failure).
    pub async fn idempotency_abandon(&self, principal: &str, key: &str) -> StoreResult<()> {
        transact!(self, |tx| {
            db::query("DELETE FROM idempotency_key WHERE principal = $1 AND key = $2")
                .bind(principal)
                .bind(key)
                .execute(&mut ***tx)
                .await?;
            Ok(())
        })
    }
}
