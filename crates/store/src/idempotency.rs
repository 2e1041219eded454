//! `Idempotency-Key`, executed (the rules are `switchyard_core::idempotency`).
//!
//! `idempotency_begin` records the key `in_flight` under a fresh claim. The request
//! then runs inside `Claim::scope`: every write transaction it commits marks the key
//! `committed` in that same transaction (`mark_committed`, called by
//! `WriteTx::finish`), and refuses to commit if another run has taken the key over.
//! So whether the request changed anything is known exactly, whatever happens after
//! the commit. `idempotency_finish` then stores the response of a request that
//! changed something and forgets the key of one that did not.

use jiff::{SignedDuration, Timestamp};
use switchyard_core::idempotency::{KeyState, Refusal, Retry, Stored};

use crate::Store;
use crate::db::{self, micros, time};
use crate::error::{StoreError, StoreResult};
use crate::writer::WriteTx;

tokio::task_local! {
    static CLAIM: Claim;
}

/// One run of a keyed request: only the run holding the key's current claim may
/// commit under it.
#[derive(Debug, Clone)]
pub struct Claim {
    principal: String,
    key: String,
    token: String,
}

impl Claim {
    /// Runs `work` with this claim: its write transactions mark the key.
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        CLAIM.scope(self, work).await
    }
}

/// What a request with a key does.
#[derive(Debug, Clone)]
pub enum Begin {
    /// Run it under this claim (`Claim::scope`), then `idempotency_finish`.
    Proceed(Claim),
    /// Answer the first request's response.
    Replay {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Neither: core's reason.
    Refuse(Refusal),
}

/// Marks the key of the request this transaction runs for (if any) `committed`, in
/// this transaction. Fails, rolling the transaction back, when the key was taken over
/// by a retry after this run was taken for dead.
pub(crate) async fn mark_committed(tx: &mut WriteTx) -> StoreResult<()> {
    let Ok(claim) = CLAIM.try_with(Claim::clone) else {
        return Ok(());
    };
    let marked = db::query("UPDATE idempotent_request SET state = $1 WHERE principal = $2 AND key = $3 AND claim = $4")
        .bind(KeyState::Committed.as_str())
        .bind(&claim.principal)
        .bind(&claim.key)
        .bind(&claim.token)
        .execute(&mut **tx)
        .await?;
    if marked.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            code: "idempotency_key_taken_over",
            message: "this request was taken for dead and its Idempotency-Key was taken over by a retry; \
                      nothing of it was kept"
                .into(),
        })
    }
}

impl Store {
    /// Begins a request with `key`: a new (or expired, or abandoned) key is claimed
    /// for this run; a stored one answers what core decides for a retry.
    pub async fn idempotency_begin(
        &self,
        principal: &str,
        key: &str,
        request_hash: &str,
        ttl: SignedDuration,
    ) -> StoreResult<Begin> {
        let now = self.now();
        let claim = Claim {
            principal: principal.to_owned(),
            key: key.to_owned(),
            token: switchyard_core::id::new_body(now),
        };
        let expires_at = now.checked_add(ttl).unwrap_or(Timestamp::MAX);
        transact!(self, |tx| {
            let inserted = db::query(
                "INSERT INTO idempotent_request (principal, key, request_hash, claim, state, created_at, alive_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7) ON CONFLICT (principal, key) DO NOTHING",
            )
            .bind(principal)
            .bind(key)
            .bind(request_hash)
            .bind(&claim.token)
            .bind(KeyState::InFlight.as_str())
            .bind(micros(now))
            .bind(micros(expires_at))
            .execute(&mut ***tx)
            .await?;
            if inserted.rows_affected() == 1 {
                return Ok(Begin::Proceed(claim.clone()));
            }
            let row = db::query(
                "SELECT request_hash, state, status_code, response_headers, response_body, alive_at, expires_at \
                 FROM idempotent_request WHERE principal = $1 AND key = $2",
            )
            .bind(principal)
            .bind(key)
            .fetch_one(&mut ***tx)
            .await?;
            let state = KeyState::parse(&row.try_get::<String, _>("state")?)
                .map_err(|e| StoreError::Corrupt(format!("idempotency key state: {}", e.message)))?;
            let stored = Stored {
                state,
                same_request: row.try_get::<String, _>("request_hash")? == request_hash,
                alive_at: time(row.try_get("alive_at")?),
                expires_at: time(row.try_get("expires_at")?),
            };
            match stored.retry(now) {
                Retry::Run => {
                    // Taken over: the old run, should it still be going, can no
                    // longer commit (its claim is gone).
                    db::query(
                        "UPDATE idempotent_request SET request_hash = $1, claim = $2, state = $3, status_code = NULL, \
                         response_headers = NULL, response_body = NULL, created_at = $4, alive_at = $4, expires_at = $5 \
                         WHERE principal = $6 AND key = $7",
                    )
                    .bind(request_hash)
                    .bind(&claim.token)
                    .bind(KeyState::InFlight.as_str())
                    .bind(micros(now))
                    .bind(micros(expires_at))
                    .bind(principal)
                    .bind(key)
                    .execute(&mut ***tx)
                    .await?;
                    Ok(Begin::Proceed(claim.clone()))
                }
                Retry::Replay => {
                    let status: i64 = row.try_get::<Option<i64>, _>("status_code")?.unwrap_or(500);
                    let headers = row
                        .try_get::<Option<String>, _>("response_headers")?
                        .unwrap_or_default();
                    Ok(Begin::Replay {
                        status: u16::try_from(status).unwrap_or(500),
                        headers: serde_json::from_str(&headers).unwrap_or_default(),
                        body: row.try_get::<Option<String>, _>("response_body")?.unwrap_or_default(),
                    })
                }
                Retry::Refuse(why) => Ok(Begin::Refuse(why)),
            }
        })
    }

    /// Ends the run holding `claim`: stores its response when it changed something
    /// (its key is `committed`), forgets the key when it did not.
    pub async fn idempotency_finish(
        &self,
        claim: &Claim,
        status: u16,
        headers: &[(String, String)],
        body: &str,
    ) -> StoreResult<()> {
        let headers = serde_json::to_string(headers)?;
        transact!(self, |tx| {
            let stored = db::query(
                "UPDATE idempotent_request SET state = $1, status_code = $2, response_headers = $3, response_body = $4 \
                 WHERE principal = $5 AND key = $6 AND claim = $7 AND state = $8",
            )
            .bind(KeyState::Done.as_str())
            .bind(i64::from(status))
            .bind(&headers)
            .bind(body)
            .bind(&claim.principal)
            .bind(&claim.key)
            .bind(&claim.token)
            .bind(KeyState::Committed.as_str())
            .execute(&mut ***tx)
            .await?;
            if stored.rows_affected() == 0 {
                db::query(
                    "DELETE FROM idempotent_request WHERE principal = $1 AND key = $2 AND claim = $3 AND state = $4",
                )
                .bind(&claim.principal)
                .bind(&claim.key)
                .bind(&claim.token)
                .bind(KeyState::InFlight.as_str())
                .execute(&mut ***tx)
                .await?;
            }
            Ok(())
        })
    }

    /// Records that the run holding `claim` is still running (see
    /// `core::idempotency::HEARTBEAT_EVERY`).
    pub async fn idempotency_heartbeat(&self, claim: &Claim) -> StoreResult<()> {
        let now = micros(self.now());
        transact!(self, |tx| {
            db::query("UPDATE idempotent_request SET alive_at = $1 WHERE principal = $2 AND key = $3 AND claim = $4")
                .bind(now)
                .bind(&claim.principal)
                .bind(&claim.key)
                .bind(&claim.token)
                .execute(&mut ***tx)
                .await?;
            Ok(())
        })
    }

    /// Deletes keys that have expired; answers how many.
    pub async fn prune_idempotency_keys(&self) -> StoreResult<u64> {
        let now = micros(self.now());
        transact!(self, |tx| {
            let pruned = db::query("DELETE FROM idempotent_request WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut ***tx)
                .await?;
            Ok(pruned.rows_affected())
        })
    }
}
