//! `/ui/settings/audit`: every change made in the UI, newest first, a page at a time,
//! of everyone or of one user.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use switchyard_core::id::UserId;
use switchyard_store::user::{AuditEntry, User};
use switchyard_store::{Page, PageRequest};

use super::when;
use crate::AppState;
use crate::extract::perm;
use crate::ui::{Chrome, Staff, failed, render};

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    user: Option<String>,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "ui/settings/audit.html")]
struct AuditPage {
    chrome: Chrome,
    entries: Page<AuditEntry>,
    users: Vec<User>,
    /// The user the list is of, if one.
    user: Option<UserId>,
}

impl AuditPage {
    fn when(&self, at: &jiff::Timestamp) -> String {
        when(at)
    }

    /// Whether the list is of `u`.
    fn is_of(&self, u: &User) -> bool {
        self.user.as_ref() == Some(&u.id)
    }

    /// The next page's address, keeping the filter.
    fn next(&self, cursor: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(user) = &self.user {
            query.append_pair("user", user.as_str());
        }
        query.append_pair("cursor", cursor);
        format!("/ui/settings/audit?{}", query.finish())
    }
}

/// `GET /ui/settings/audit?user=&cursor=`
pub async fn list(
    staff: Staff<perm::ManageAccess>,
    State(s): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> Response {
    let user = q.user.as_deref().and_then(UserId::parse);
    let page = PageRequest {
        cursor: q.cursor,
        limit: None,
    };
    let (entries, users) = match (
        s.store.audit_entries(user.as_ref(), &page).await,
        s.store.list_users().await,
    ) {
        (Ok(entries), Ok(users)) => (entries, users),
        (Err(e), _) | (_, Err(e)) => return failed(e),
    };
    render(&AuditPage {
        chrome: staff.chrome("settings"),
        entries,
        users,
        user,
    })
}
