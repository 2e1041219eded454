//! `/ui/settings/api-keys`: the keys integrations call the API with. A new key's
//! secret is shown on the page that created it and never again; revoking stops it at
//! once in this process (the store's key cache is emptied).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::auth::Role;
use switchyard_core::id::ApiKeyId;
use switchyard_core::user as rules;
use switchyard_store::api_key::ApiKey;

use super::{Choice, DoneQuery, when};
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Chrome, Errors, Staff, error_page, failed, render_status, see_other};

type Admin = Staff<perm::ManageAccess>;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KeyForm {
    name: String,
    role: String,
}

/// A key just made: its secret, shown this once.
struct Created {
    key: ApiKey,
    secret: String,
}

#[derive(Template)]
#[template(path = "ui/settings/api_keys.html")]
struct List {
    chrome: Chrome,
    keys: Vec<ApiKey>,
    form: KeyForm,
    errors: Errors,
    created: Option<Created>,
    done: Option<String>,
}

impl List {
    fn roles(&self) -> Vec<Choice> {
        Choice::all(Role::ALL.iter().map(|r| r.as_str()), &self.form.role)
    }

    fn when(&self, at: &jiff::Timestamp) -> String {
        when(at)
    }
}

async fn list_page(
    s: &AppState,
    staff: &Admin,
    status: StatusCode,
    form: KeyForm,
    errors: Errors,
    created: Option<Created>,
    done: Option<String>,
) -> Response {
    match s.store.list_api_keys().await {
        Ok(mut keys) => {
            keys.reverse();
            render_status(
                status,
                &List {
                    chrome: staff.chrome("settings"),
                    keys,
                    form,
                    errors,
                    created,
                    done,
                },
            )
        }
        Err(e) => failed(e),
    }
}

/// `GET /ui/settings/api-keys`
pub async fn list(staff: Admin, State(s): State<AppState>, Query(q): Query<DoneQuery>) -> Response {
    let form = KeyForm {
        name: String::new(),
        role: Role::Viewer.as_str().to_owned(),
    };
    list_page(&s, &staff, StatusCode::OK, form, Errors::default(), None, q.done).await
}

/// `POST /ui/settings/api-keys`: answers with the page that shows the secret, once.
pub async fn create(staff: Admin, State(s): State<AppState>, Form(form): Form<KeyForm>) -> Response {
    let created = match rules::role(&form.role) {
        Ok(role) => s
            .store
            .create_api_key(&form.name, role)
            .await
            .map_err(Errors::from_store),
        Err(invalid) => Err(Errors::fields(&[invalid.at("/role")])),
    };
    match created {
        Ok((key, secret)) => {
            staff
                .audit(
                    &s,
                    "api_key_created",
                    &key.name,
                    &format!("{} {}", key.role.as_str(), key.prefix),
                )
                .await;
            let blank = KeyForm {
                name: String::new(),
                role: key.role.as_str().to_owned(),
            };
            let created = Some(Created { key, secret });
            list_page(&s, &staff, StatusCode::CREATED, blank, Errors::default(), created, None).await
        }
        Err(errors) => list_page(&s, &staff, StatusCode::UNPROCESSABLE_ENTITY, form, errors, None, None).await,
    }
}

/// `POST /ui/settings/api-keys/{id}/revoke`
pub async fn revoke(staff: Admin, State(s): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some(id) = ApiKeyId::parse(&id) else {
        return error_page(StatusCode::NOT_FOUND, "No such key", "There is no such API key.");
    };
    match s.store.revoke_api_key(&id).await {
        Ok(key) => {
            staff.audit(&s, "api_key_revoked", &key.name, &key.prefix).await;
            see_other(&headers, "/ui/settings/api-keys?done=revoked")
        }
        Err(e) => failed(e),
    }
}
