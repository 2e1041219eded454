//! Settings: the seller's locations (with their shipping zones) and channels, the
//! people who sign in and the API keys that call, and the audit list of changes made
//! in the UI. Every page reads and changes through the same store calls as the JSON
//! API, parses with core's parsers, and leaves every rule to core.
//!
//! Modules: `locations`, `channels`, `access` (users and their sessions), `keys`
//! (API keys) and `audit`.

mod access;
mod audit;
mod channels;
mod keys;
mod locations;

use askama::Template;
use axum::Router;
use axum::routing::{get, post};
use jiff::Timestamp;
use switchyard_core::validation::{FieldError, Invalid, Validator};

use switchyard_store::StoreError;

use super::{Chrome, Errors, Staff, render};
use crate::AppState;

/// The settings pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/settings", get(index))
        .route("/ui/settings/locations", get(locations::list).post(locations::create))
        .route("/ui/settings/locations/new", get(locations::new))
        .route(
            "/ui/settings/locations/{code}",
            get(locations::page).post(locations::update),
        )
        .route("/ui/settings/locations/{code}/zones", post(locations::save_zone))
        .route(
            "/ui/settings/locations/{code}/zones/{index}/remove",
            post(locations::remove_zone),
        )
        .route("/ui/settings/locations/{code}/{action}", post(locations::act))
        .route("/ui/settings/channels", get(channels::list).post(channels::create))
        .route("/ui/settings/channels/new", get(channels::new))
        .route(
            "/ui/settings/channels/{code}",
            get(channels::page).post(channels::update),
        )
        .route("/ui/settings/channels/{code}/archive", post(channels::archive))
        .route("/ui/settings/users", get(access::list).post(access::create))
        .route("/ui/settings/users/{id}", get(access::page))
        .route("/ui/settings/users/{id}/role", post(access::set_role))
        .route("/ui/settings/users/{id}/password", post(access::set_password))
        .route("/ui/settings/users/{id}/sessions/end", post(access::end_all_sessions))
        .route(
            "/ui/settings/users/{id}/sessions/{session}/end",
            post(access::end_session),
        )
        .route("/ui/settings/users/{id}/{action}", post(access::set_disabled))
        .route("/ui/settings/api-keys", get(keys::list).post(keys::create))
        .route("/ui/settings/api-keys/{id}/revoke", post(keys::revoke))
        .route("/ui/settings/audit", get(audit::list))
}

#[derive(Template)]
#[template(path = "ui/settings/index.html")]
struct Index {
    chrome: Chrome,
}

/// `GET /ui/settings`: the settings pages the user's role may open.
async fn index(staff: Staff) -> axum::response::Response {
    render(&Index {
        chrome: staff.chrome("settings"),
    })
}

/// A time as the settings pages show it (UTC).
fn when(at: &Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M").to_string()
}

/// A text field of a form as an optional input: blank is absent.
fn given(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// A form's text field parsed by core (`parse`, e.g. `LocationKind::parse`): blank is
/// absent, a value that does not parse is recorded under `field`.
fn parsed<T>(v: &mut Validator, field: &str, raw: &str, parse: impl FnOnce(&str) -> Result<T, Invalid>) -> Option<T> {
    given(raw).and_then(|raw| v.check(field, parse(&raw)))
}

/// What a form's fields came to: the errors recorded while reading them, if any.
fn read(v: Validator) -> Result<(), Vec<FieldError>> {
    v.finish(|| Some(()))
}

/// One option of a form's `<select>`.
pub struct Choice {
    pub value: &'static str,
    pub selected: bool,
}

impl Choice {
    /// Every value of a closed set (core's spelling), `current` selected.
    fn all(values: impl Iterator<Item = &'static str>, current: &str) -> Vec<Choice> {
        values
            .map(|value| Choice {
                value,
                selected: value == current,
            })
            .collect()
    }
}

/// Field errors with the pointers `rename` gives them (`None`: as they are), e.g. one
/// zone's errors as the zone form names its fields.
fn renamed(mut errors: Vec<FieldError>, rename: impl Fn(&str) -> Option<String>) -> Errors {
    for e in &mut errors {
        if let Some(field) = rename(&e.field) {
            e.field = field;
        }
    }
    Errors::fields(&errors)
}

/// What the store refused, as `renamed` field errors when it was the input.
fn refused_fields(e: StoreError, rename: impl Fn(&str) -> Option<String>) -> Errors {
    match e {
        StoreError::Invalid(errors) => renamed(errors, rename),
        other => Errors::from_store(other),
    }
}

/// `?done=...`: what the change before this page did, for its notice.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}
