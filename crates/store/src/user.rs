//! Users of the web UI, their sessions, the throttle on wrong sign-ins and customer
//! look-ups, and the audit list of changes made in the UI.
//!
//! Passwords are kept as argon2id PHC strings (hashed off the async threads); session
//! tokens and the CSRF token are 256 random bits, and only a session token's SHA-256 is
//! stored. The rules (what a valid user is, how long a session lives, how many failures
//! a throttle allows) are `switchyard_core::user`'s.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use sha2::{Digest, Sha256};
use switchyard_core::auth::{Actor, Role};
use switchyard_core::id::{AuditId, SessionId, UserId};
use switchyard_core::user::{self as rules, NewUser, SIGN_IN_PER_ADDRESS, SIGN_IN_PER_EMAIL, Throttle};

use crate::Store;
use crate::db::{self, Row, get_enum, get_id, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};

/// A user as the UI shows them: never their password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
}

impl User {
    /// How the user is named on timelines, in the ledger and in the audit list, with
    /// the role their changes are checked against.
    pub fn actor(&self) -> Actor {
        Actor {
            name: self.name.clone(),
            role: self.role,
        }
    }
}

/// A live session and whose it is.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: SessionId,
    pub user: User,
    /// What every form of the session sends back.
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// A session as the list of a user's sessions shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    pub id: SessionId,
    pub user_agent: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub ends_at: Timestamp,
}

/// What a sign-in came to.
#[derive(Debug)]
pub enum SignIn {
    /// A new session: the cookie's token (shown here only) and the session.
    Opened { token: String, session: Box<Session> },
    /// The email and password do not match a user who may sign in.
    Refused,
    /// Too many recent failures for this email or address: try again after this long.
    Throttled(SignedDuration),
}

/// A change made in the UI, as the audit list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// 256 random bits, URL-safe: session, CSRF and sign-in form tokens.
pub fn new_token() -> StoreResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Config(format!("no randomness available: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// The argon2id PHC string of `password`, computed on a blocking thread.
async fn hash_password(password: String) -> StoreResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Config(format!("cannot hash a password: {e}")))
    })
    .await
    .map_err(|e| StoreError::Config(format!("the password hasher failed: {e}")))?
}

/// Whether `password` matches the PHC string `hash`, on a blocking thread. A stored
/// hash that does not parse matches nothing.
async fn password_matches(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash no password matches, verified for unknown emails so that a wrong email
/// takes as long as a wrong password and does not tell who has an account.
const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c3dpdGNoeWFyZGRlY295$0Wz1m9hPp0bGgS0kjmXb1fB4J5o6c2Lr8r8y1zK3xQk";

const USER_COLUMNS: &str = "id, name, email, role, created_at, disabled_at";

fn user_of(row: &Row) -> StoreResult<User> {
    Ok(User {
        id: get_id(row, "id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        role: get_enum(row, "role", Role::parse)?,
        created_at: get_time(row, "created_at")?,
        disabled_at: get_opt_time(row, "disabled_at")?,
    })
}

impl Store {
    /// Creates a user; `/email` is invalid when another user has it.
    pub async fn create_user(&self, input: NewUser) -> StoreResult<User> {
        let password_hash = hash_password(input.password.clone()).await?;
        let now = self.now();
        let user = User {
            id: UserId::new_at(now),
            name: input.name,
            email: input.email,
            role: input.role,
            created_at: now,
            disabled_at: None,
        };
        transact!(self, |tx| {
            let taken = db::query("SELECT 1 FROM app_user WHERE email = $1")
                .bind(&user.email)
                .fetch_optional(&mut ***tx)
                .await?;
            if taken.is_some() {
                return Err(StoreError::invalid(
                    "/email",
                    "taken",
                    "another user signs in with this email",
                ));
            }
            db::query(
                "INSERT INTO app_user (id, name, email, role, password_hash, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(user.id.as_str())
            .bind(&user.name)
            .bind(&user.email)
            .bind(user.role.as_str())
            .bind(&password_hash)
            .bind(micros(now))
            .execute(&mut ***tx)
            .await?;
            Ok(())
        })?;
        Ok(user)
    }

    /// Every user, by name.
    pub async fn list_users(&self) -> StoreResult<Vec<User>> {
        let rows = db::query(format!("SELECT {USER_COLUMNS} FROM app_user ORDER BY name, id"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_of).collect()
    }

    pub async fn user(&self, id: &UserId) -> StoreResult<User> {
        let row = db::query(format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = $1"))
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("user", id.as_str()))?;
        user_of(&row)
    }

    /// The user who signs in with `email` (any case).
    pub async fn user_by_email(&self, email: &str) -> StoreResult<User> {
        let email = email.trim().to_ascii_lowercase();
        let row = db::query(format!("SELECT {USER_COLUMNS} FROM app_user WHERE email = $1"))
            .bind(&email)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("user", &email))?;
        user_of(&row)
    }

    /// Gives a user another role. Their live sessions carry it from their next request.
    pub async fn set_user_role(&self, id: &UserId, role: Role) -> StoreResult<User> {
        self.update_user(id, "role = $2", role.as_str().into()).await
    }

    /// Disables a user (they cannot sign in, their sessions end) or enables them again.
    pub async fn set_user_disabled(&self, id: &UserId, disabled: bool) -> StoreResult<User> {
        let at = disabled.then(|| micros(self.now()));
        let user = self.update_user(id, "disabled_at = $2", at.into()).await?;
        if disabled {
            self.end_sessions_of(id).await?;
        }
        Ok(user)
    }

    /// Sets a user's password (already checked by `core::user::password`) and ends
    /// every session they have.
    pub async fn set_user_password(&self, id: &UserId, password: String) -> StoreResult<User> {
        let hash = hash_password(password).await?;
        let user = self.update_user(id, "password_hash = $2", hash.into()).await?;
        self.end_sessions_of(id).await?;
        Ok(user)
    }

    /// Sets one column (`set`, with the value as `$2`) of a user.
    async fn update_user(&self, id: &UserId, set: &'static str, value: db::Arg) -> StoreResult<User> {
        let sql = format!("UPDATE app_user SET {set}, updated_at = $3 WHERE id = $1");
        let now = micros(self.now());
        transact!(self, |tx| {
            let updated = db::query(sql.clone())
                .bind(id.as_str())
                .bind(value.clone())
                .bind(now)
                .execute(&mut ***tx)
                .await?;
            if updated.rows_affected() == 0 {
                return Err(StoreError::not_found("user", id.as_str()));
            }
            Ok(())
        })?;
        self.user(id).await
    }

    /// Signs in with an email and a password from `address` (the client's IP, for the
    /// throttle), opening a session for `user_agent`. Refused for a wrong password, an
    /// unknown email and a disabled user alike; throttled before the password is
    /// checked when either the email or the address has failed too often lately.
    pub async fn sign_in(&self, email: &str, password: &str, address: &str, user_agent: &str) -> StoreResult<SignIn> {
        let email = email.trim().to_ascii_lowercase();
        for (throttle, subject) in [(SIGN_IN_PER_EMAIL, email.as_str()), (SIGN_IN_PER_ADDRESS, address)] {
            if let Some(wait) = self.throttled(throttle, subject).await? {
                return Ok(SignIn::Throttled(wait));
            }
        }
        let row = db::query("SELECT id, password_hash, disabled_at FROM app_user WHERE email = $1")
            .bind(&email)
            .fetch_optional(&self.pool)
            .await?;
        let (id, hash, disabled) = match &row {
            Some(row) => (
                Some(get_id::<UserId>(row, "id")?),
                row.try_get::<String, _>("password_hash")?,
                get_opt_time(row, "disabled_at")?.is_some(),
            ),
            None => (None, DECOY_HASH.to_owned(), true),
        };
        let matches = password_matches(password.to_owned(), hash).await;
        match id {
            Some(id) if matches && !disabled => {
                let (token, session) = self.open_session(&id, user_agent).await?;
                Ok(SignIn::Opened {
                    token,
                    session: Box::new(session),
                })
            }
            _ => {
                self.record_failure(SIGN_IN_PER_EMAIL, &email).await?;
                self.record_failure(SIGN_IN_PER_ADDRESS, address).await?;
                Ok(SignIn::Refused)
            }
        }
    }

    async fn open_session(&self, user: &UserId, user_agent: &str) -> StoreResult<(String, Session)> {
        let token = new_token()?;
        let csrf = new_token()?;
        let now = self.now();
        let id = SessionId::new_at(now);
        let agent: String = user_agent.chars().filter(|c| !c.is_control()).take(200).collect();
        transact!(self, |tx| {
            db::query(
                "INSERT INTO user_session (id, token_hash, user_id, csrf_token, user_agent, created_at, last_seen_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(id.as_str())
            .bind(token_hash(&token))
            .bind(user.as_str())
            .bind(&csrf)
            .bind(&agent)
            .bind(micros(now))
            .execute(&mut ***tx)
            .await?;
            Ok(())
        })?;
        let session = Session {
            id,
            user: self.user(user).await?,
            csrf_token: csrf,
            created_at: now,
            last_seen_at: now,
        };
        Ok((token, session))
    }

    /// The live session a cookie's token belongs to: not ended, not past its idle or
    /// maximum age, its user not disabled. Marks it seen (at most once a minute).
    pub async fn session(&self, token: &str) -> StoreResult<Option<Session>> {
        let row = db::query(
            "SELECT s.id AS session_id, s.csrf_token, s.created_at AS session_created_at, s.last_seen_at, \
             u.id, u.name, u.email, u.role, u.created_at, u.disabled_at \
             FROM user_session s JOIN app_user u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.ended_at IS NULL AND u.disabled_at IS NULL",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let now = self.now();
        let session = Session {
            id: get_id(&row, "session_id")?,
            user: user_of(&row)?,
            csrf_token: row.try_get("csrf_token")?,
            created_at: get_time(&row, "session_created_at")?,
            last_seen_at: get_time(&row, "last_seen_at")?,
        };
        if now >= rules::session_ends(session.created_at, session.last_seen_at) {
            return Ok(None);
        }
        if rules::should_touch(session.last_seen_at, now) {
            transact!(self, |tx| {
                db::query("UPDATE user_session SET last_seen_at = $2 WHERE id = $1")
                    .bind(session.id.as_str())
                    .bind(micros(now))
                    .execute(&mut ***tx)
                    .await?;
                Ok(())
            })?;
        }
        Ok(Some(session))
    }

    /// Ends one session (signing out, or an admin ending it).
    pub async fn end_session(&self, id: &SessionId) -> StoreResult<()> {
        let now = micros(self.now());
        transact!(self, |tx| {
            db::query("UPDATE user_session SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL")
                .bind(id.as_str())
                .bind(now)
                .execute(&mut ***tx)
                .await?;
            Ok(())
        })
    }

    /// Ends every session of a user; returns how many were live.
    pub async fn end_sessions_of(&self, user: &UserId) -> StoreResult<u64> {
        let now = micros(self.now());
        transact!(self, |tx| {
            let ended = db::query("UPDATE user_session SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL")
                .bind(user.as_str())
                .bind(now)
                .execute(&mut ***tx)
                .await?;
            Ok(ended.rows_affected())
        })
    }

    /// A user's sessions that are still live, newest first.
    pub async fn sessions_of(&self, user: &UserId) -> StoreResult<Vec<SessionSummary>> {
        let rows = db::query(
            "SELECT id, user_agent, created_at, last_seen_at FROM user_session \
             WHERE user_id = $1 AND ended_at IS NULL ORDER BY created_at DESC",
        )
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await?;
        let now = self.now();
        let mut live = Vec::new();
        for row in &rows {
            let created_at = get_time(row, "created_at")?;
            let last_seen_at = get_time(row, "last_seen_at")?;
            let ends_at = rules::session_ends(created_at, last_seen_at);
            if now < ends_at {
                live.push(SessionSummary {
                    id: get_id(row, "id")?,
                    user_agent: row.try_get("user_agent")?,
                    created_at,
                    last_seen_at,
                    ends_at,
                });
            }
        }
        Ok(live)
    }

    /// How long `subject` must wait before another attempt `throttle` counts, if at all.
    pub async fn throttled(&self, throttle: Throttle, subject: &str) -> StoreResult<Option<SignedDuration>> {
        let now = self.now();
        let row = db::query(
            "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM throttle_event WHERE bucket = $1 AND subject = $2 AND at > $3",
        )
        .bind(throttle.bucket)
        .bind(subject)
        .bind(micros(throttle.since(now)))
        .fetch_one(&self.pool)
        .await?;
        let failures: i64 = row.try_get("n")?;
        let oldest = get_opt_time(&row, "oldest")?;
        Ok(throttle.wait(u64::try_from(failures).unwrap_or(0), oldest, now))
    }

    /// Counts a failed attempt of `subject` towards `throttle`, and forgets attempts of
    /// this kind too old to count.
    pub async fn record_failure(&self, throttle: Throttle, subject: &str) -> StoreResult<()> {
        let now = self.now();
        transact!(self, |tx| {
            db::query("DELETE FROM throttle_event WHERE bucket = $1 AND at < $2")
                .bind(throttle.bucket)
                .bind(micros(throttle.since(now)))
                .execute(&mut ***tx)
                .await?;
            db::query("INSERT INTO throttle_event (bucket, subject, at) VALUES ($1, $2, $3)")
                .bind(throttle.bucket)
                .bind(subject)
                .bind(micros(now))
                .execute(&mut ***tx)
                .await?;
            Ok(())
        })
    }

    /// Puts a change `user` made in the UI on the audit list.
    pub async fn audit(&self, user: &User, action: &str, subject: &str, detail: &str) -> StoreResult<()> {
        let now = self.now();
        transact!(self, |tx| {
            db::query(
                "INSERT INTO audit_entry (id, at, user_id, actor, action, subject, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(AuditId::new_at(now).as_str())
            .bind(micros(now))
            .bind(user.id.as_str())
            .bind(&user.name)
            .bind(action)
            .bind(subject)
            .bind(detail)
            .execute(&mut ***tx)
            .await?;
            Ok(())
        })
    }

    /// The audit list, newest first, optionally of one user.
    pub async fn audit_entries(&self, user: Option<&UserId>, page: &PageRequest) -> StoreResult<Page<AuditEntry>> {
        let limit = page.limit();
        let rows = db::query(
            "SELECT id, at, actor, action, subject, detail FROM audit_entry \
             WHERE ($1 = '' OR user_id = $1) AND ($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(user.map_or("", |u| u.as_str()))
        .bind(page.cursor.as_deref().unwrap_or(""))
        .bind(limit + 1)
        .fetch_all(&self.pool)
        .await?;
        let entries = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: get_id(r, "id")?,
                    at: get_time(r, "at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    subject: r.try_get("subject")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(entries, limit, |e| e.id.to_string()))
    }
}

#[cfg(test)]
mod tests;
