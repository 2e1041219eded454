//! Who is signed in: the session cookie, the `Staff<P>` extractor every page takes,
//! CSRF on every form, and the sign-in and sign-out pages.
//!
//! - The cookie holds a random token (the store keeps its hash). `HttpOnly`,
//!   `SameSite=Lax`, `Path=/ui`, and `Secure` when the request came over TLS (a proxy
//!   in front says so with `X-Forwarded-Proto: https`).
//! - Every POST of a session carries its CSRF token, as the form field `csrf` or the
//!   `X-CSRF-Token` header htmx sends; the sign-in form, before any session, carries a
//!   token that must equal a cookie of its own (double submit). A browser that says
//!   the request came from another site (`Sec-Fetch-Site: cross-site`) is refused too.
//! - Wrong sign-ins are throttled per email and per address (`core::user`).

use std::marker::PhantomData;

use askama::Template;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchyard_core::auth::Permission;
use switchyard_core::user::SESSION_MAX;
use switchyard_store::user::{Session, SignIn, User};

use super::{Chrome, FORM_LIMIT, error_page, render};
use crate::AppState;
use crate::csrf::{CSRF_FIELD, DoubleSubmit, cookie, cross_site, over_tls, same_secret, set_cookie};
use crate::extract::perm::{self, Grant};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "switchyard_session";
/// The sign-in form's own CSRF token, before there is a session.
const SIGN_IN: DoubleSubmit = DoubleSubmit {
    cookie: "switchyard_sign_in",
    path: "/ui",
};
/// The header htmx requests carry it in (set on `<body hx-headers>`).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The field `name` of a urlencoded form body.
pub fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Loads the session of the request's cookie (into the request's extensions, for
/// `Staff`) and refuses a POST whose CSRF token is missing or wrong.
pub async fn layer(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = cookie(req.headers(), SESSION_COOKIE);
    let session = match token {
        Some(token) => match s.store.session(&token).await {
            Ok(session) => session,
            Err(e) => return super::failed(e),
        },
        None => None,
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let cross_site = cross_site(req.headers());
        let (parts, body) = req.into_parts();
        let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
            return error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too much",
                "That form was too large to take.",
            );
        };
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| form_field(&bytes, CSRF_FIELD));
        let expected = match &session {
            Some(session) => Some(session.csrf_token.clone()),
            None if parts.uri.path() == SIGN_IN_PATH => SIGN_IN.expected(&parts.headers),
            // No session: nothing to forge; `Staff` answers "sign in".
            None => sent.clone(),
        };
        let genuine = matches!((&sent, &expected), (Some(a), Some(b)) if same_secret(a, b));
        if cross_site || !genuine {
            return error_page(
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The form did not carry this session's security token, so nothing was changed. \
                 Reload the page and try again.",
            );
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    if let Some(session) = session {
        req.extensions_mut().insert(session);
    }
    next.run(req).await
}

/// A signed-in user whose role grants `P`: every staff page takes one. Without a
/// session a page redirects to sign-in (and back after it); a role without `P` gets
/// a 403 page naming what it may not do.
pub struct Staff<P = perm::Read> {
    pub session: Session,
    _grant: PhantomData<fn() -> P>,
}

impl<P> Staff<P> {
    pub fn user(&self) -> &User {
        &self.session.user
    }

    /// The layout's view of the user: name, what they may do, the CSRF token.
    pub fn chrome(&self, section: &'static str) -> Chrome {
        Chrome::new(&self.session, section)
    }

    /// Whether the user's role grants `permission` (to show an action or not).
    pub fn may(&self, permission: Permission) -> bool {
        self.session.user.role.allows(permission)
    }

    /// Puts a change the user made on the audit list. The change itself is done: a
    /// failure to record it is logged, not shown as the change failing.
    pub async fn audit(&self, s: &AppState, action: &str, subject: &str, detail: &str) {
        if let Err(e) = s.store.audit(&self.session.user, action, subject, detail).await {
            tracing::error!(error = %e, action, "the audit list could not record a change");
        }
    }
}

impl<S: Send + Sync, P: Grant> FromRequestParts<S> for Staff<P> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let Some(session) = parts.extensions.get::<Session>().cloned() else {
            if parts.method == Method::GET {
                let next = parts.uri.path_and_query().map_or("/ui", |p| p.as_str());
                let to = format!(
                    "{SIGN_IN_PATH}?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                return Err(Redirect::to(&to).into_response());
            }
            return Err(error_page(
                StatusCode::UNAUTHORIZED,
                "Signed out",
                "Your session has ended. Sign in again and repeat what you were doing.",
            ));
        };
        if let Err(refused) = session.user.role.require(P::PERMISSION) {
            return Err(error_page(StatusCode::FORBIDDEN, "Not allowed", &refused.detail));
        }
        Ok(Staff {
            session,
            _grant: PhantomData,
        })
    }
}

pub const SIGN_IN_PATH: &str = "/ui/sign-in";

#[derive(Template)]
#[template(path = "ui/sign_in.html")]
struct SignInPage {
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Where to go after signing in: a page of the UI, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/ui") && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/ui".to_owned(),
    }
}

fn sign_in_page(headers: &HeaderMap, status: StatusCode, next: &str, email: &str, error: Option<String>) -> Response {
    let (csrf, csrf_cookie) = match SIGN_IN.issue(headers) {
        Ok(issued) => issued,
        Err(e) => return super::failed(e),
    };
    let page = SignInPage {
        csrf: csrf.clone(),
        next: next.to_owned(),
        email: email.to_owned(),
        error,
    };
    let mut response = render(&page);
    *response.status_mut() = status;
    response.headers_mut().append(header::SET_COOKIE, csrf_cookie);
    response
}

/// `GET /ui/sign-in`
pub async fn sign_in_form(headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    sign_in_page(&headers, StatusCode::OK, &safe_next(q.next.as_deref()), "", None)
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// `POST /ui/sign-in`
pub async fn sign_in(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SignInForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let address = peer.ip().to_string();
    match s.store.sign_in(&form.email, &form.password, &address, agent).await {
        Ok(SignIn::Opened { token, session }) => {
            if let Err(e) = s.store.audit(&session.user, "signed_in", &session.user.email, "").await {
                tracing::error!(error = %e, "the audit list could not record a sign-in");
            }
            let mut response = Redirect::to(&next).into_response();
            let secure = over_tls(&headers);
            let cookies = response.headers_mut();
            cookies.append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &token, "/ui", SESSION_MAX.as_secs(), secure),
            );
            cookies.append(header::SET_COOKIE, SIGN_IN.clear(&headers));
            response
        }
        Ok(SignIn::Refused) => sign_in_page(
            &headers,
            StatusCode::UNAUTHORIZED,
            &next,
            &form.email,
            Some("The email or the password is wrong.".into()),
        ),
        Ok(SignIn::Throttled(wait)) => {
            let minutes = (wait.as_secs() + 59) / 60;
            let mut response = sign_in_page(
                &headers,
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                &form.email,
                Some(format!(
                    "Too many wrong sign-ins. Try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                )),
            );
            if let Ok(v) = HeaderValue::from_str(&wait.as_secs().to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
        Err(e) => super::failed(e),
    }
}

/// `POST /ui/sign-out`: ends this session and forgets its cookie.
pub async fn sign_out(staff: Staff, State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(e) = s.store.end_session(&staff.session.id).await {
        return super::failed(e);
    }
    staff.audit(&s, "signed_out", &staff.user().email, "").await;
    let mut response = Redirect::to(SIGN_IN_PATH).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", "/ui", 0, over_tls(&headers)),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_sign_in_only_pages_of_the_ui_are_reached() {
        assert_eq!(safe_next(Some("/ui/orders?q=1")), "/ui/orders?q=1");
        for elsewhere in [
            "https://evil.example/ui",
            "//evil.example",
            "/api/v1/orders",
            "/ui\\..\\x",
        ] {
            assert_eq!(safe_next(Some(elsewhere)), "/ui", "{elsewhere}");
        }
        assert_eq!(safe_next(None), "/ui");
    }
}
