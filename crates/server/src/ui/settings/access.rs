//! `/ui/settings/users`: who signs in. The list with a form for a new user, and a
//! user's page: their role, disabling them, a new password, and their live sessions.
//! Core checks every input (`core::user`) and says what nobody may do to their own
//! account (`may_change`); the store hashes passwords and ends sessions.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::auth::Role;
use switchyard_core::id::{SessionId, UserId};
use switchyard_core::user::{self as rules, UserChange, UserInput};
use switchyard_store::StoreError;
use switchyard_store::user::{SessionSummary, User};

use super::{Choice, DoneQuery, when};
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Chrome, Errors, Staff, error_page, failed, render, render_status, see_other};

type Admin = Staff<perm::ManageAccess>;

/// A user in the list, with how many sessions they have open.
struct Row {
    user: User,
    sessions: usize,
}

/// The new-user form as typed (the password is never sent back).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    name: String,
    email: String,
    role: String,
    password: String,
}

fn roles(current: &str) -> Vec<Choice> {
    Choice::all(Role::ALL.iter().map(|r| r.as_str()), current)
}

#[derive(Template)]
#[template(path = "ui/settings/users.html")]
struct List {
    chrome: Chrome,
    rows: Vec<Row>,
    form: NewUserForm,
    errors: Errors,
    done: Option<String>,
}

impl List {
    fn roles(&self) -> Vec<Choice> {
        roles(&self.form.role)
    }

    fn when(&self, at: &jiff::Timestamp) -> String {
        when(at)
    }
}

async fn list_page(
    s: &AppState,
    staff: &Admin,
    form: NewUserForm,
    errors: Errors,
    done: Option<String>,
) -> Result<List, StoreError> {
    let mut rows = Vec::new();
    for user in s.store.list_users().await? {
        let sessions = s.store.sessions_of(&user.id).await?.len();
        rows.push(Row { user, sessions });
    }
    Ok(List {
        chrome: staff.chrome("settings"),
        rows,
        form,
        errors,
        done,
    })
}

/// `GET /ui/settings/users`
pub async fn list(staff: Admin, State(s): State<AppState>, Query(q): Query<DoneQuery>) -> Response {
    let form = NewUserForm {
        role: Role::Viewer.as_str().to_owned(),
        ..NewUserForm::default()
    };
    match list_page(&s, &staff, form, Errors::default(), q.done).await {
        Ok(page) => render(&page),
        Err(e) => failed(e),
    }
}

/// `POST /ui/settings/users`: a new user, who can sign in at once.
pub async fn create(
    staff: Admin,
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(mut form): Form<NewUserForm>,
) -> Response {
    let input = UserInput {
        name: form.name.clone(),
        email: form.email.clone(),
        role: form.role.clone(),
        password: std::mem::take(&mut form.password),
    };
    let created = match input.parse() {
        Ok(new) => s.store.create_user(new).await.map_err(Errors::from_store),
        Err(errors) => Err(Errors::fields(&errors)),
    };
    match created {
        Ok(user) => {
            staff.audit(&s, "user_created", &user.email, user.role.as_str()).await;
            see_other(&headers, "/ui/settings/users?done=created")
        }
        Err(errors) => match list_page(&s, &staff, form, errors, None).await {
            Ok(page) => render_status(StatusCode::UNPROCESSABLE_ENTITY, &page),
            Err(e) => failed(e),
        },
    }
}

#[derive(Template)]
#[template(path = "ui/settings/user.html")]
struct UserPage {
    chrome: Chrome,
    user: User,
    /// Whether this is the signed-in user's own account.
    is_me: bool,
    sessions: Vec<SessionSummary>,
    role_errors: Errors,
    password_errors: Errors,
    done: Option<String>,
}

impl UserPage {
    fn roles(&self) -> Vec<Choice> {
        roles(self.user.role.as_str())
    }

    fn when(&self, at: &jiff::Timestamp) -> String {
        when(at)
    }
}

/// What a user's page may be refused with, besides the store's errors.
enum Refusal {
    Role(Errors),
    Password(Errors),
}

fn no_such_user() -> Response {
    error_page(StatusCode::NOT_FOUND, "No such user", "There is no such user.")
}

async fn user_page(
    s: &AppState,
    staff: &Admin,
    id: &UserId,
    done: Option<String>,
    refusal: Option<Refusal>,
) -> Response {
    let (user, sessions) = match (s.store.user(id).await, s.store.sessions_of(id).await) {
        (Ok(user), Ok(sessions)) => (user, sessions),
        (Err(e), _) | (_, Err(e)) => return failed(e),
    };
    let (role_errors, password_errors, status) = match refusal {
        None => (Errors::default(), Errors::default(), StatusCode::OK),
        Some(Refusal::Role(e)) => (e, Errors::default(), StatusCode::UNPROCESSABLE_ENTITY),
        Some(Refusal::Password(e)) => (Errors::default(), e, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let page = UserPage {
        chrome: staff.chrome("settings"),
        is_me: user.id == staff.user().id,
        user,
        sessions,
        role_errors,
        password_errors,
        done,
    };
    render_status(status, &page)
}

/// `GET /ui/settings/users/{id}`
pub async fn page(
    staff: Admin,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    match UserId::parse(&id) {
        Some(id) => user_page(&s, &staff, &id, q.done, None).await,
        None => no_such_user(),
    }
}

fn back_to(id: &UserId, done: &str) -> String {
    format!("/ui/settings/users/{id}?done={done}")
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

/// `POST /ui/settings/users/{id}/role`
pub async fn set_role(
    staff: Admin,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Response {
    let Some(id) = UserId::parse(&id) else {
        return no_such_user();
    };
    let changed = match rules::role(&form.role) {
        Ok(role) => match rules::may_change(&staff.user().id, &id, UserChange::Role(role)) {
            Ok(()) => s.store.set_user_role(&id, role).await.map_err(Errors::from_store),
            Err(refused) => Err(Errors::fields(&[refused.at("/role")])),
        },
        Err(invalid) => Err(Errors::fields(&[invalid.at("/role")])),
    };
    match changed {
        Ok(user) => {
            staff
                .audit(&s, "user_role_changed", &user.email, user.role.as_str())
                .await;
            see_other(&headers, &back_to(&id, "role"))
        }
        Err(errors) => user_page(&s, &staff, &id, None, Some(Refusal::Role(errors))).await,
    }
}

/// `POST /ui/settings/users/{id}/{disable|enable}`: a disabled user's sessions end.
pub async fn set_disabled(
    staff: Admin,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let Some(id) = UserId::parse(&id) else {
        return no_such_user();
    };
    let disable = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return error_page(StatusCode::NOT_FOUND, "Page not found", "There is no such page."),
    };
    if disable && let Err(refused) = rules::may_change(&staff.user().id, &id, UserChange::Disable) {
        let errors = Errors::summary(format!("Not disabled: {}.", refused.message));
        return user_page(&s, &staff, &id, None, Some(Refusal::Role(errors))).await;
    }
    match s.store.set_user_disabled(&id, disable).await {
        Ok(user) => {
            staff.audit(&s, &format!("user_{action}d"), &user.email, "").await;
            see_other(&headers, &back_to(&id, &format!("{action}d")))
        }
        Err(e) => failed(e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    password: String,
}

/// `POST /ui/settings/users/{id}/password`: a new password ends their sessions.
pub async fn set_password(
    staff: Admin,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let Some(id) = UserId::parse(&id) else {
        return no_such_user();
    };
    let changed = match rules::password(&form.password) {
        Ok(password) => s
            .store
            .set_user_password(&id, password)
            .await
            .map_err(Errors::from_store),
        Err(invalid) => Err(Errors::fields(&[invalid.at("/password")])),
    };
    match changed {
        Ok(user) => {
            staff.audit(&s, "user_password_set", &user.email, "").await;
            see_other(&headers, &back_to(&id, "password"))
        }
        Err(errors) => user_page(&s, &staff, &id, None, Some(Refusal::Password(errors))).await,
    }
}

/// `POST /ui/settings/users/{id}/sessions/{session}/end`
pub async fn end_session(
    staff: Admin,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path((id, session)): Path<(String, String)>,
) -> Response {
    let Some(id) = UserId::parse(&id) else {
        return no_such_user();
    };
    let live = match s.store.sessions_of(&id).await {
        Ok(live) => live,
        Err(e) => return failed(e),
    };
    let Some(found) = SessionId::parse(&session).filter(|sid| live.iter().any(|l| &l.id == sid)) else {
        return error_page(
            StatusCode::NOT_FOUND,
            "No such session",
            "That session has already ended.",
        );
    };
    let ended = match s.store.end_session(&found).await {
        Ok(()) => s.store.user(&id).await,
        Err(e) => Err(e),
    };
    match ended {
        Ok(user) => {
            staff.audit(&s, "session_ended", &user.email, found.as_str()).await;
            see_other(&headers, &back_to(&id, "session_ended"))
        }
        Err(e) => failed(e),
    }
}

/// `POST /ui/settings/users/{id}/sessions/end`: signs the user out everywhere.
pub async fn end_all_sessions(
    staff: Admin,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = UserId::parse(&id) else {
        return no_such_user();
    };
    let ended = match s.store.end_sessions_of(&id).await {
        Ok(n) => s.store.user(&id).await.map(|u| (u, n)),
        Err(e) => Err(e),
    };
    match ended {
        Ok((user, n)) => {
            staff
                .audit(&s, "sessions_ended", &user.email, &format!("{n} sessions"))
                .await;
            see_other(&headers, &back_to(&id, "sessions_ended"))
        }
        Err(e) => failed(e),
    }
}
