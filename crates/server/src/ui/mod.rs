//! The web UI for the seller's staff, under `/ui`: server-rendered HTML (askama
//! templates in `templates/ui/`, checked when the crate compiles) with htmx for the
//! parts of a page that change in place. A handler returns a whole page, or only the
//! fragment htmx asked for (`is_htmx`). Pages call the same store functions as the
//! JSON API and leave every rule to core; what a user may do is their role's
//! permissions, checked by the `Staff<P>` extractor exactly as `Allowed<P>` checks an
//! API key, and the buttons a role may not use are not shown (`Chrome::may`).
//!
//! Every asset is in the binary (`assets/`): htmx, the style sheet and our one small
//! script. No CDN: the UI works offline. The pages answer HTML for errors too, so they
//! sit outside the API's problem+json layer with a body limit, time-out and panic
//! guard of their own.
//!
//! Modules: `session` (sign-in, cookie, CSRF, `Staff`), one module per area of the UI.

pub mod care;
pub mod documents;
pub mod floor;
pub mod order;
pub mod reports;
pub mod session;
pub mod settings;
pub mod stock;

use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use switchyard_core::FieldError;
use switchyard_core::auth::Permission;
use switchyard_store::catalog::CatalogFilter;
use switchyard_store::user::Session;
use switchyard_store::{PageRequest, StoreError};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::AppState;
use crate::error::ApiError;
pub use session::Staff;

/// The largest form a page accepts (a pasted CSV of a stock count fits).
pub const FORM_LIMIT: usize = 256 * 1024;

/// The staff pages.
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route(session::SIGN_IN_PATH, get(session::sign_in_form).post(session::sign_in))
        .route("/ui/sign-out", post(session::sign_out))
        .route("/ui/assets/{file}", get(asset))
        .merge(settings::routes())
        .merge(floor::routes())
        .route("/ui/{*rest}", get(not_found))
        .merge(stock::routes())
        .merge(care::routes())
        .merge(order::routes())
        .merge(documents::routes())
        .merge(reports::routes())
        .layer(from_fn_with_state(state, session::layer))
        .layer(RequestBodyLimitLayer::new(FORM_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("page handler panicked");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "That did not work. Nothing was changed; try again.",
            )
        }))
}

/// One entry of the main navigation, shown to the roles its permission allows.
struct Section {
    key: &'static str,
    label: &'static str,
    href: &'static str,
    needs: Permission,
}

const SECTIONS: &[Section] = &[
    Section {
        key: "dashboard",
        label: "Dashboard",
        href: "/ui",
        needs: Permission::Read,
    },
    Section {
        key: "orders",
        label: "Orders",
        href: "/ui/orders",
        needs: Permission::Read,
    },
    Section {
        key: "stock",
        label: "Stock",
        href: "/ui/stock",
        needs: Permission::Read,
    },
    Section {
        key: "catalog",
        label: "Catalog",
        href: "/ui/products",
        needs: Permission::Read,
    },
    Section {
        key: "purchasing",
        label: "Purchasing",
        href: "/ui/purchase-orders",
        needs: Permission::Read,
    },
    Section {
        key: "floor",
        label: "Floor",
        href: "/ui/floor",
        needs: Permission::Fulfil,
    },
    Section {
        key: "pack",
        label: "Pack bench",
        href: "/ui/pack",
        needs: Permission::Fulfil,
    },
    Section {
        key: "returns",
        label: "Returns",
        href: "/ui/returns",
        needs: Permission::Read,
    },
    Section {
        key: "reports",
        label: "Reports",
        href: "/ui/reports",
        needs: Permission::Read,
    },
    Section {
        key: "settings",
        label: "Settings",
        href: "/ui/settings",
        needs: Permission::Read,
    },
];

/// A link of the navigation as the layout draws it.
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

/// What the role of the signed-in user may do, one flag per permission, for
/// templates to show or hide actions (`chrome.may.refund`). The rule is
/// `Role::allows`; this only spells its answers out for the templates.
#[derive(Debug, Clone, Copy, Default)]
pub struct Grants {
    pub read: bool,
    pub manage_catalog: bool,
    pub move_stock: bool,
    pub place_orders: bool,
    pub manage_orders: bool,
    pub fulfil: bool,
    pub refund: bool,
    pub appease: bool,
    pub manage_webhooks: bool,
    pub manage_access: bool,
}

impl Grants {
    fn of(role: switchyard_core::auth::Role) -> Grants {
        let may = |p| role.allows(p);
        Grants {
            read: may(Permission::Read),
            manage_catalog: may(Permission::ManageCatalog),
            move_stock: may(Permission::MoveStock),
            place_orders: may(Permission::PlaceOrders),
            manage_orders: may(Permission::ManageOrders),
            fulfil: may(Permission::Fulfil),
            refund: may(Permission::Refund),
            appease: may(Permission::Appease),
            manage_webhooks: may(Permission::ManageWebhooks),
            manage_access: may(Permission::ManageAccess),
        }
    }
}

/// What the layout (`templates/ui/base.html`) needs of every page: who is signed in,
/// the navigation, the CSRF token for forms and htmx, and what the user may do.
pub struct Chrome {
    pub user_name: String,
    pub role: &'static str,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub may: Grants,
}

impl Chrome {
    pub fn new(session: &Session, section: &str) -> Chrome {
        let role = session.user.role;
        Chrome {
            user_name: session.user.name.clone(),
            role: role.as_str(),
            csrf: session.csrf_token.clone(),
            nav: SECTIONS
                .iter()
                .filter(|s| role.allows(s.needs))
                .map(|s| NavItem {
                    label: s.label,
                    href: s.href,
                    current: s.key == section,
                })
                .collect(),
            may: Grants::of(role),
        }
    }
}

/// A form's field errors by field name (the JSON pointer of core's `FieldError`
/// without its leading `/`, e.g. `lines/0/quantity`), for templates to show next to
/// their field (`errors.get("email")`), and the error that belongs to no one field.
#[derive(Debug, Default, Clone)]
pub struct Errors {
    fields: Vec<(String, String)>,
    pub summary: Option<String>,
}

impl Errors {
    pub fn fields(errors: &[FieldError]) -> Errors {
        Errors {
            fields: errors
                .iter()
                .map(|e| (e.field.trim_start_matches('/').to_owned(), e.message.clone()))
                .collect(),
            summary: None,
        }
    }

    /// A message for the whole form (a conflict, a refusal).
    pub fn summary(message: impl Into<String>) -> Errors {
        Errors {
            fields: Vec::new(),
            summary: Some(message.into()),
        }
    }

    /// What the store refused, as a form shows it: field by field when it was the
    /// input, as a summary otherwise. A failure of ours is logged and said plainly.
    pub fn from_store(e: StoreError) -> Errors {
        Errors::from_api(ApiError::from(e))
    }

    /// What the API would refuse, as a form shows it: field by field when it was the
    /// input, as a summary otherwise. A failure of ours is logged and said plainly.
    pub fn from_api(api: ApiError) -> Errors {
        let status = api.status();
        let problem = api.into_problem();
        if status.is_server_error() {
            tracing::error!(detail = %problem.detail, "a page's change failed");
            return Errors::summary("That did not work on our side. Nothing was changed; try again.");
        }
        let mut errors = Errors::fields(&problem.errors);
        if errors.fields.is_empty() {
            errors.summary = Some(problem.detail);
        }
        errors
    }

    /// Every field's error, as (field, message).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(f, m)| (f.as_str(), m.as_str()))
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.summary.is_none()
    }
}

/// Every one of a list, for the pickers of forms.
fn every() -> PageRequest {
    PageRequest {
        cursor: None,
        limit: Some(switchyard_store::page::MAX_LIMIT),
    }
}

/// The location codes, for the pickers of forms.
pub async fn location_codes(s: &AppState) -> Result<Vec<String>, StoreError> {
    let locations = s.store.list_locations(&CatalogFilter::default(), &every()).await?;
    Ok(locations.data.into_iter().map(|l| l.code).collect())
}

/// The channel codes, for the pickers of forms.
pub async fn channel_codes(s: &AppState) -> Result<Vec<String>, StoreError> {
    let channels = s.store.list_channels(&CatalogFilter::default(), &every()).await?;
    Ok(channels.data.into_iter().map(|c| c.code).collect())
}

/// `template` as an HTML answer; a template that fails to render is our failure.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "This page could not be shown. Try again.",
            )
        }
    }
}

/// `template` with `status` (a form refused: 422 with what the user typed).
pub fn render_status(status: StatusCode, template: &impl Template) -> Response {
    let mut response = render(template);
    if response.status() == StatusCode::OK {
        *response.status_mut() = status;
    }
    response
}

/// Whether htmx made the request (and wants a fragment, not the whole page).
pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// Sends the browser to `to` after a change (303, so a reload does not post again);
/// for htmx, the same by `HX-Redirect`.
pub fn see_other(headers: &HeaderMap, to: &str) -> Response {
    if is_htmx(headers) {
        let mut response = StatusCode::NO_CONTENT.into_response();
        if let Ok(v) = HeaderValue::from_str(to) {
            response.headers_mut().insert("hx-redirect", v);
        }
        return response;
    }
    axum::response::Redirect::to(to).into_response()
}

#[derive(Template)]
#[template(path = "ui/error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

/// The page for an address under `/ui` that is no page (after sign-in: who is not
/// signed in learns nothing of which pages exist).
async fn not_found(_: Staff) -> Response {
    error_page(StatusCode::NOT_FOUND, "Page not found", "There is no such page.")
}

/// A page that says what went wrong, with a way back.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = ErrorPage { title, message }
        .render()
        .unwrap_or_else(|_| "Something went wrong".to_owned());
    (status, Html(html)).into_response()
}

/// The page for a store (or API) error: not found, refused or conflicting as the API
/// would answer it; a failure of ours logged and said plainly.
pub fn failed(e: impl Into<ApiError>) -> Response {
    let api: ApiError = e.into();
    let status = api.status();
    let problem = api.into_problem();
    if status.is_server_error() {
        tracing::error!(detail = %problem.detail, "a page failed");
        return error_page(
            status,
            "Something went wrong",
            "That did not work on our side. Try again.",
        );
    }
    error_page(status, &problem.title, &problem.detail)
}

/// The assets in the binary, by file name.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/htmx.min.js"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/app.css"),
    ),
];

/// `GET /ui/assets/{file}`: cached for an hour, so a handheld fetches them once a shift.
async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600")),
            ],
            *body,
        )
            .into_response(),
        None => error_page(StatusCode::NOT_FOUND, "Not found", "There is no such file."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::auth::Role;

    #[test]
    fn each_role_sees_the_sections_it_may_use() {
        let labels = |role: Role| -> Vec<&str> {
            SECTIONS
                .iter()
                .filter(|s| role.allows(s.needs))
                .map(|s| s.label)
                .collect()
        };
        assert!(labels(Role::Warehouse).contains(&"Pack bench"));
        assert!(!labels(Role::Viewer).contains(&"Pack bench"));
        assert!(!labels(Role::Support).contains(&"Floor"));
        assert_eq!(labels(Role::Admin).len(), SECTIONS.len());
    }

    #[test]
    fn form_errors_are_found_by_field() {
        let errors = Errors::fields(&[
            switchyard_core::validation::Invalid::new("required", "must not be blank").at("/lines/0/sku"),
        ]);
        assert_eq!(errors.get("lines/0/sku"), Some("must not be blank"));
        assert_eq!(errors.get("sku"), None);
        assert!(!errors.is_empty());
    }
}
