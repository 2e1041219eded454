//! People who sign in to the web UI: what a valid user is, how long a session lives,
//! and how many wrong sign-ins (or customer look-ups) an email or an address may make.
//! Passwords are hashed by the store (argon2id); this module only says what a
//! password must be.

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::auth::{Permission, Role};
use crate::id::UserId;
use crate::validation::{self, FieldError, Invalid, Validator};

/// The longest name a user may have.
pub const NAME_MAX: usize = 100;
/// The shortest password a user may choose: long passphrases beat rules about digits.
pub const PASSWORD_MIN: usize = 12;
/// The longest password hashed (argon2 takes any, but a megabyte is an attack).
pub const PASSWORD_MAX: usize = 256;

/// A session ends after this long without a request...
pub const SESSION_IDLE: SignedDuration = SignedDuration::from_hours(12);
/// ...and this long after sign-in, whatever happens.
pub const SESSION_MAX: SignedDuration = SignedDuration::from_hours(7 * 24);
/// How stale a session's "last seen" may be before a request writes it again: one
/// write a minute per session, not one per request.
pub const LAST_SEEN_EVERY: SignedDuration = SignedDuration::from_mins(1);

/// A new user, as an admin or `switchyard user create` gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserInput {
    pub name: String,
    pub email: String,
    pub role: String,
    pub password: String,
}

/// A user ready to store: every field checked, the password still in clear (the store
/// hashes it and forgets it).
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub password: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A role named in a form or a flag.
pub fn role(raw: &str) -> Result<Role, Invalid> {
    Role::parse(raw.trim())
}

/// A password a user may choose: `PASSWORD_MIN` to `PASSWORD_MAX` characters, not only
/// spaces. Not trimmed: spaces are part of a passphrase.
pub fn password(raw: &str) -> Result<String, Invalid> {
    let n = raw.chars().count();
    if raw.trim().is_empty() {
        return Err(Invalid::new("required", "must not be blank"));
    }
    if n < PASSWORD_MIN {
        return Err(Invalid::new(
            "too_short",
            format!("must be at least {PASSWORD_MIN} characters"),
        ));
    }
    if n > PASSWORD_MAX {
        return Err(Invalid::new(
            "too_long",
            format!("must be at most {PASSWORD_MAX} characters"),
        ));
    }
    Ok(raw.to_owned())
}

impl UserInput {
    /// The user, or every field that is wrong (as `/name`, `/email`, `/role`, `/password`).
    pub fn parse(&self) -> Result<NewUser, Vec<FieldError>> {
        let mut v = Validator::new();
        let name = v.check("/name", validation::text(&self.name, NAME_MAX));
        let email = v.check("/email", validation::email(&self.email));
        let role = v.check("/role", role(&self.role));
        let password = v.check("/password", password(&self.password));
        v.finish(|| {
            Some(NewUser {
                name: name?,
                email: email?,
                role: role?,
                password: password?,
            })
        })
    }
}

/// A change to a user's account, as `may_change` weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    /// Give them this role.
    Role(Role),
    /// Disable them (they cannot sign in; their sessions end).
    Disable,
}

/// Whether `actor` may make `change` to `target`'s account. Nobody disables
/// themselves or takes away their own right to manage access: they would lock
/// themselves out, perhaps with nobody left to let them back in.
pub fn may_change(actor: &UserId, target: &UserId, change: UserChange) -> Result<(), Invalid> {
    if actor != target {
        return Ok(());
    }
    match change {
        UserChange::Disable => Err(Invalid::new("own_account", "you cannot disable yourself")),
        UserChange::Role(role) if !role.allows(Permission::ManageAccess) => Err(Invalid::new(
            "own_account",
            "you cannot take away your own right to manage users",
        )),
        UserChange::Role(_) => Ok(()),
    }
}

/// When a session is over: `SESSION_IDLE` after it was last seen or `SESSION_MAX`
/// after it began, whichever comes first.
pub fn session_ends(created_at: Timestamp, last_seen_at: Timestamp) -> Timestamp {
    let idle = last_seen_at.saturating_add(SESSION_IDLE).unwrap_or(last_seen_at);
    let max = created_at.saturating_add(SESSION_MAX).unwrap_or(created_at);
    idle.min(max)
}

/// Whether a request at `now` should write the session's "last seen" again.
pub fn should_touch(last_seen_at: Timestamp, now: Timestamp) -> bool {
    now.duration_since(last_seen_at) >= LAST_SEEN_EVERY
}

/// How many attempts of one kind one subject may make within a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// What the attempts are, as the store files them.
    pub bucket: &'static str,
    pub max: u64,
    pub window: SignedDuration,
}

/// Wrong passwords for one email: five in fifteen minutes, then that email waits.
pub const SIGN_IN_PER_EMAIL: Throttle = Throttle {
    bucket: "sign_in_email",
    max: 5,
    window: SignedDuration::from_mins(15),
};
/// Wrong passwords from one address, whatever the email: twenty in fifteen minutes.
pub const SIGN_IN_PER_ADDRESS: Throttle = Throttle {
    bucket: "sign_in_address",
    max: 20,
    window: SignedDuration::from_mins(15),
};
/// Customer order look-ups (order number with email or postal code) from one address
/// that found nothing: ten in fifteen minutes, so numbers cannot be tried in bulk.
pub const LOOKUP_PER_ADDRESS: Throttle = Throttle {
    bucket: "order_lookup_address",
    max: 10,
    window: SignedDuration::from_mins(15),
};

impl Throttle {
    /// Where the window of attempts counted at `now` starts.
    pub fn since(&self, now: Timestamp) -> Timestamp {
        now.saturating_sub(self.window).unwrap_or(now)
    }

    /// `None` when `failures` recent failures still allow another attempt; otherwise
    /// how long to wait, counted from the oldest failure that still counts.
    pub fn wait(&self, failures: u64, oldest: Option<Timestamp>, now: Timestamp) -> Option<SignedDuration> {
        if failures < self.max {
            return None;
        }
        let frees_at = oldest.and_then(|t| t.saturating_add(self.window).ok()).unwrap_or(now);
        // In whole seconds, rounded up: what `Retry-After` says.
        let wait = (frees_at.duration_since(now).as_millis() + 999).div_euclid(1000).max(1);
        Some(SignedDuration::from_secs(i64::try_from(wait).unwrap_or(i64::MAX)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(password: &str) -> UserInput {
        UserInput {
            name: " Ann Smith ".into(),
            email: "Ann@Example.com".into(),
            role: "support".into(),
            password: password.into(),
        }
    }

    #[test]
    fn a_user_is_checked_field_by_field() {
        let user = input("correct horse battery").parse().unwrap();
        assert_eq!(
            (user.name.as_str(), user.email.as_str()),
            ("Ann Smith", "ann@example.com")
        );
        assert_eq!(user.role, Role::Support);
        let wrong = UserInput {
            name: String::new(),
            email: "nobody".into(),
            role: "owner".into(),
            password: "short".into(),
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = wrong.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("/name", "required"),
                ("/email", "invalid_email"),
                ("/role", "invalid_value"),
                ("/password", "too_short")
            ]
        );
    }

    #[test]
    fn passwords_keep_their_spaces_and_have_bounds() {
        assert_eq!(password("  twelve chars ").unwrap(), "  twelve chars ");
        assert_eq!(password("            ").unwrap_err().code, "required");
        assert_eq!(password(&"x".repeat(PASSWORD_MAX + 1)).unwrap_err().code, "too_long");
        assert!(password(&"x".repeat(PASSWORD_MIN)).is_ok());
    }

    #[test]
    fn a_password_never_shows_in_debug() {
        let user = input("correct horse battery").parse().unwrap();
        assert!(!format!("{user:?}").contains("horse"));
    }

    #[test]
    fn nobody_locks_themselves_out() {
        let (me, other) = (
            UserId::new_at(Timestamp::UNIX_EPOCH),
            UserId::new_at(Timestamp::UNIX_EPOCH),
        );
        assert!(may_change(&me, &me, UserChange::Disable).is_err());
        assert!(may_change(&me, &me, UserChange::Role(Role::Manager)).is_err());
        assert!(may_change(&me, &me, UserChange::Role(Role::Admin)).is_ok());
        assert!(may_change(&me, &other, UserChange::Disable).is_ok());
        assert!(may_change(&me, &other, UserChange::Role(Role::Viewer)).is_ok());
    }

    #[test]
    fn a_session_ends_when_idle_or_at_its_maximum() {
        let start: Timestamp = "2026-12-07T09:00:00Z".parse().unwrap();
        assert_eq!(session_ends(start, start), start + SESSION_IDLE);
        let late = start + SignedDuration::from_hours(7 * 24 - 1);
        assert_eq!(session_ends(start, late), start + SESSION_MAX);
        assert!(!should_touch(start, start + SignedDuration::from_secs(59)));
        assert!(should_touch(start, start + LAST_SEEN_EVERY));
    }

    #[test]
    fn a_throttle_waits_until_the_oldest_failure_leaves_the_window() {
        let now: Timestamp = "2026-12-07T09:00:00Z".parse().unwrap();
        let t = SIGN_IN_PER_EMAIL;
        assert_eq!(t.wait(4, Some(now), now), None);
        let oldest = now - SignedDuration::from_mins(10);
        assert_eq!(t.wait(5, Some(oldest), now), Some(SignedDuration::from_mins(5)));
        assert_eq!(t.since(now), now - SignedDuration::from_mins(15));
    }
}
