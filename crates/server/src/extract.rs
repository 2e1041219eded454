//! Extractors that turn bad input into field-by-field problems instead of plain-text
//! rejections: JSON bodies (with a JSON pointer to the offending field), query strings,
//! and the authenticated caller with the permission its route needs (`Allowed`); and the
//! check of what a request names (its path parameters and query values) before any
//! handler reads it. Every text of a body, a path or a query is held to core's one rule
//! of which characters text may hold (`validation::visible`, `TextKind::of_field`).

use std::fmt::Write as _;
use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::Value;
use switchyard_core::FieldError;
use switchyard_core::auth::Actor;
use switchyard_core::validation::{Invalid, TextKind, visible};
use switchyard_store::api_key::Principal;
use switchyard_store::page::CURSOR_PARAM;

use crate::error::ApiError;
use crate::paging;

/// A JSON body; errors name the field.
pub struct ApiJson<T>(pub T);

fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(format!("/{index}")),
            Segment::Map { key } => Some(format!("/{key}")),
            Segment::Enum { variant } => Some(format!("/{variant}")),
            Segment::Unknown => None,
        })
        .collect()
}

/// Cleans serde's message of its position suffix, which means nothing to a client.
fn message(raw: &str) -> String {
    match raw.find(" at line ") {
        Some(i) => raw[..i].to_owned(),
        None => raw.to_owned(),
    }
}

/// Whether the body is declared JSON: `application/json` or `application/<x>+json`
/// (RFC 6839), with parameters or not, in any case.
fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase())
        .is_some_and(|essence| match essence.split_once('/') {
            Some(("application", subtype)) => subtype == "json" || subtype.ends_with("+json"),
            _ => false,
        })
}

async fn body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "body_too_large"
        } else {
            "body_unreadable"
        };
        ApiError::new(e.status(), code, e.body_text())
    })
}

/// A serde failure as a problem naming the field: a body that is not JSON at all is
/// 400 `malformed_json`, JSON of the wrong shape 422.
fn type_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let field = pointer(err.path());
    let inner = err.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        return malformed(&inner);
    }
    ApiError::validation(vec![FieldError {
        field,
        code: "invalid_type",
        message: message(&inner.to_string()),
    }])
}

/// 400 `malformed_json`, at the whole body, saying where serde stopped.
fn malformed(err: &serde_json::Error) -> ApiError {
    ApiError::bad_request(
        "malformed_json",
        vec![FieldError {
            field: String::new(),
            code: "malformed_json",
            message: format!("is not JSON: {err}"),
        }],
    )
}

/// The most text problems one answer lists: a body of a million bad strings is
/// answered with the first few, not with a body larger than itself.
const MAX_TEXT_ERRORS: usize = 20;

/// Records, under its JSON pointer, every text of `value` (strings and object keys)
/// holding characters its field may not; `name` is the field `value` is under.
fn hidden_characters(value: &Value, at: &mut String, name: &str, errors: &mut Vec<FieldError>) {
    let check = |text: &str, kind: TextKind, at: &str, errors: &mut Vec<FieldError>| {
        if errors.len() < MAX_TEXT_ERRORS
            && let Err(e) = visible(text, kind)
        {
            errors.push(e.at(at));
        }
    };
    let len = at.len();
    match value {
        Value::String(text) => check(text, TextKind::of_field(name), at, errors),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let _ = write!(at, "/{i}");
                hidden_characters(item, at, "", errors);
                at.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                // RFC 6901: `~` and `/` in a key are escaped.
                let _ = write!(at, "/{}", key.replace('~', "~0").replace('/', "~1"));
                check(key, TextKind::Line, at, errors);
                hidden_characters(item, at, key, errors);
                at.truncate(len);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Parses a JSON body read by hand (e.g. after checking its signature); errors name the
/// field. Every text in it is checked before the body is read as `T`, whether `T` has
/// the field or not.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value: Value = serde_path_to_error::deserialize(&mut *de).map_err(type_error)?;
    // Nothing but whitespace may follow the value.
    de.end().map_err(|e| malformed(&e))?;
    let mut errors = Vec::new();
    hidden_characters(&value, &mut String::new(), "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    serde_path_to_error::deserialize(value).map_err(type_error)
}

fn not_json() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "send the body as JSON with Content-Type: application/json (or application/<something>+json)",
    )
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(&req) {
            return Err(not_json());
        }
        parse_json(&body(req, state).await?).map(ApiJson)
    }
}

/// An optional body: no body at all is `None`.
impl<S: Send + Sync, T: DeserializeOwned> OptionalFromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, ApiError> {
        let json = is_json(&req);
        let bytes = body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        if !json {
            return Err(not_json());
        }
        parse_json(&bytes).map(|v| Some(ApiJson(v)))
    }
}

/// A query string; errors name the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => {
                let text = rejection.body_text();
                let detail = text.trim_start_matches("Failed to deserialize query string: ");
                let field = detail
                    .split_once(':')
                    .map(|(f, _)| f.trim())
                    .filter(|f| !f.contains(' '))
                    .unwrap_or("");
                Err(ApiError::validation(vec![FieldError {
                    field: field.to_owned(),
                    code: "invalid_parameter",
                    message: detail.to_owned(),
                }]))
            }
        }
    }
}

/// Checks what a request names before a handler reads it: each path parameter, decoded,
/// holds only characters a one-line text may (else 400 `invalid_path`); a GET's `cursor`
/// and `limit` are those of its list (else 400, see `paging`), and its cursor is handed
/// on as the sort key; every other query name and value holds only characters text may
/// (else 422). Each problem names the parameter. A page answered gets its cursor sealed.
pub async fn request_target(
    params: Result<RawPathParams, RawPathParamsRejection>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let path_errors: Vec<FieldError> = match &params {
        Ok(params) => params
            .iter()
            .filter_map(|(name, value)| visible(value, TextKind::Line).err().map(|e| e.at(name)))
            .collect(),
        Err(rejection) => vec![Invalid::new("invalid_path", rejection.body_text()).at("")],
    };
    if !path_errors.is_empty() {
        return Err(ApiError::bad_request("invalid_path", path_errors));
    }
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(req.uri())
        .map(|q| q.0)
        .unwrap_or_default();
    let list = paging::open(req.uri(), req.method(), &pairs)?;
    let query_errors: Vec<FieldError> = pairs
        .iter()
        // A list's cursor was checked as one; elsewhere it is text like any other.
        .filter(|(name, _)| list.is_none() || name != CURSOR_PARAM)
        .filter_map(|(name, value)| {
            visible(name, TextKind::Line)
                .and_then(|()| visible(value, TextKind::of_field(name)))
                .err()
                .map(|e| e.at(name.as_str()))
        })
        .collect();
    if !query_errors.is_empty() {
        return Err(ApiError::validation(query_errors));
    }
    let Some((binding, uri)) = list else {
        return Ok(next.run(req).await);
    };
    if let Some(uri) = uri {
        *req.uri_mut() = uri;
    }
    Ok(paging::seal(next.run(req).await, &binding).await)
}

/// The permissions a route may require, as types: a handler that takes
/// `Allowed<perm::Refund>` needs `Permission::Refund`.
pub mod perm {
    use switchyard_core::auth::Permission;

    /// A permission as a type, for `Allowed`.
    pub trait Grant {
        const PERMISSION: Permission;
    }

    macro_rules! grants {
        ($($name:ident),+ $(,)?) => {
            $(
                #[doc = concat!("`Permission::", stringify!($name), "`.")]
                pub struct $name;

                impl Grant for $name {
                    const PERMISSION: Permission = Permission::$name;
                }
            )+
        };
    }

    grants!(
        Read,
        ManageCatalog,
        MoveStock,
        PlaceOrders,
        ManageOrders,
        Fulfil,
        Refund,
        Appease,
        ManageWebhooks,
        ManageAccess
    );
}

/// The authenticated caller (put in place by the auth middleware), whose role grants
/// `P`. Every `/api/v1` handler takes one as its first argument, so the permission a
/// route needs is written where the route is declared, and it is checked from the
/// request's head before any body is read: a role that may not call the route gets
/// 403 naming the permission, whatever it sent.
pub struct Allowed<P>(Principal, PhantomData<fn() -> P>);

impl<P> Allowed<P> {
    /// How the caller is named on timelines and in the ledger.
    pub fn actor(&self) -> String {
        self.0.name.clone()
    }

    /// The caller as the store checks what it may do beyond the route (who may move
    /// which money): its name and role.
    pub fn as_actor(&self) -> Actor {
        Actor {
            name: self.0.name.clone(),
            role: self.0.role,
        }
    }
}

impl<S: Send + Sync, P: perm::Grant> FromRequestParts<S> for Allowed<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let principal = parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(|| ApiError::unauthorized("send an API key as Authorization: Bearer <key>"))?;
        principal.role.require(P::PERMISSION)?;
        Ok(Allowed(principal, PhantomData))
    }
}
