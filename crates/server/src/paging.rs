//! Paging of every list, done once for all of them around the handlers: the store
//! pages by raw sort keys (`store::page`), and the client sees opaque cursors bound to
//! the list they came from.
//!
//! A cursor is base64url (no padding) of: 8 bytes of the SHA-256 of the list's path and
//! filters (every query parameter but `cursor` and `limit`, sorted), the sort key, and 4
//! bytes of the SHA-256 of both as a check. A cursor that does not decode or check is
//! 400 `invalid_cursor`; one made for other filters is 400 `cursor_mismatch`; `limit`
//! outside 1..=`MAX_LIMIT` is 400 `invalid_limit`. On the way in, the cursor is replaced
//! by its sort key (still held to `check_cursor`) for the handler; on the way out, a
//! page's `next_cursor` is sealed again and offered as `Link: <...>; rel="next"`
//! (RFC 8288), built from the request's own query.

use axum::body::{Body, to_bytes};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::IgnoredAny;
use sha2::{Digest, Sha256};
use switchyard_core::validation::Invalid;
use switchyard_store::page::{CURSOR_PARAM, LIMIT_PARAM, MAX_LIMIT, check_cursor};

use crate::error::ApiError;

const FILTER_HASH: usize = 8;
const CHECK: usize = 4;

/// The list a request reads: its path and filters, to which its cursors are bound.
#[derive(Debug, Clone)]
pub struct Binding {
    filters: [u8; FILTER_HASH],
    /// The request's path and query as sent, for `Link`.
    path: String,
    query: Option<String>,
}

impl Binding {
    fn of(uri: &Uri, pairs: &[(String, String)]) -> Binding {
        let mut filters: Vec<&(String, String)> = pairs
            .iter()
            .filter(|(name, _)| name != CURSOR_PARAM && name != LIMIT_PARAM)
            .collect();
        filters.sort();
        let mut hash = Sha256::new();
        hash.update(uri.path().as_bytes());
        for (name, value) in filters {
            // Lengths first, so no two lists of filters hash the same text.
            for part in [name, value] {
                hash.update((part.len() as u64).to_le_bytes());
                hash.update(part.as_bytes());
            }
        }
        let digest = hash.finalize();
        let mut bound = [0; FILTER_HASH];
        bound.copy_from_slice(&digest[..FILTER_HASH]);
        Binding {
            filters: bound,
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
        }
    }

    /// The sort key in `cursor`, if it is a cursor of this list.
    fn open(&self, cursor: &str) -> Result<String, ApiError> {
        let (filters, key) = unseal(cursor).ok_or_else(|| {
            refuse(Invalid::new(
                "invalid_cursor",
                "is not a cursor a list gave out: pass `next_cursor` back as it came",
            ))
        })?;
        check_cursor(&key).map_err(refuse)?;
        if filters != self.filters {
            return Err(refuse(Invalid::new(
                "cursor_mismatch",
                "was given out for this list with other filters: send the same filters with it, or start again \
                 without a cursor",
            )));
        }
        Ok(key)
    }

    /// The opaque cursor of the sort key `key` in this list.
    pub fn seal(&self, key: &str) -> String {
        let mut bytes = Vec::with_capacity(FILTER_HASH + key.len() + CHECK);
        bytes.extend_from_slice(&self.filters);
        bytes.extend_from_slice(key.as_bytes());
        bytes.extend_from_slice(&check(&self.filters, key.as_bytes()));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// `Link: <path?query&cursor=...>; rel="next"`: the request's own query, with the
    /// next page's cursor in place of its own.
    fn link(&self, cursor: &str) -> String {
        format!(
            "<{}>; rel=\"next\"",
            with_cursor(&self.path, self.query.as_deref(), cursor)
        )
    }
}

/// `path?query` with `cursor` (already fit for a query) in place of the query's own.
fn with_cursor(path: &str, query: Option<&str>, cursor: &str) -> String {
    let mut pairs: Vec<&str> = query
        .iter()
        .flat_map(|q| q.split('&'))
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(CURSOR_PARAM))
        .collect();
    let next = format!("{CURSOR_PARAM}={cursor}");
    pairs.push(&next);
    format!("{path}?{}", pairs.join("&"))
}

/// A 400 naming `cursor`, of the kind `why` says (`invalid_cursor`, `cursor_mismatch`).
fn refuse(why: Invalid) -> ApiError {
    let code = why.code;
    ApiError::bad_request(code, vec![why.at(CURSOR_PARAM)])
}

fn check(filters: &[u8; FILTER_HASH], key: &[u8]) -> [u8; CHECK] {
    let digest = Sha256::new().chain_update(filters).chain_update(key).finalize();
    let mut check = [0; CHECK];
    check.copy_from_slice(&digest[..CHECK]);
    check
}

/// The filters' hash and the sort key of a cursor that decodes and checks.
fn unseal(cursor: &str) -> Option<([u8; FILTER_HASH], String)> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    if bytes.len() < FILTER_HASH + CHECK {
        return None;
    }
    let (filters, rest) = bytes.split_at(FILTER_HASH);
    let (key, sum) = rest.split_at(rest.len() - CHECK);
    let filters: [u8; FILTER_HASH] = filters.try_into().ok()?;
    if check(&filters, key) != sum {
        return None;
    }
    String::from_utf8(key.to_vec()).ok().map(|key| (filters, key))
}

/// Checks a GET's `limit` and `cursor` and gives the request the cursor's sort key:
/// the URI to serve instead (when there is a cursor) and the list's binding.
pub fn open(
    uri: &Uri,
    method: &Method,
    pairs: &[(String, String)],
) -> Result<Option<(Binding, Option<Uri>)>, ApiError> {
    if method != Method::GET {
        return Ok(None);
    }
    for (name, value) in pairs {
        if name == LIMIT_PARAM && !value.parse::<i64>().is_ok_and(|n| (1..=MAX_LIMIT).contains(&n)) {
            return Err(ApiError::bad_request(
                "invalid_limit",
                vec![
                    Invalid::new("out_of_range", format!("must be a whole number from 1 to {MAX_LIMIT}"))
                        .at(LIMIT_PARAM),
                ],
            ));
        }
    }
    let binding = Binding::of(uri, pairs);
    let Some((_, cursor)) = pairs
        .iter()
        .find(|(name, value)| name == CURSOR_PARAM && !value.is_empty())
    else {
        return Ok(Some((binding, None)));
    };
    let key = binding.open(cursor)?;
    let uri = with_cursor(uri.path(), uri.query(), &encode(&key))
        .parse::<Uri>()
        .map_err(|_| ApiError::internal())?;
    Ok(Some((binding, Some(uri))))
}

/// Percent-encodes a sort key for a query (its characters: `check_cursor`'s).
fn encode(key: &str) -> String {
    key.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// What tells a page from other bodies: exactly `data` and `next_cursor`, and a
/// `summary` of the whole list on lists that add one up.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageShape {
    #[serde(rename = "summary", default)]
    _summary: Option<IgnoredAny>,
    #[serde(rename = "data")]
    _data: IgnoredAny,
    next_cursor: Option<String>,
}

const NEXT: &[u8] = b",\"next_cursor\":";

/// Seals a page's `next_cursor` for `binding` and adds its `Link`; other responses
/// pass as they are. A page is `store::page::Page` as serde writes it: compact, with
/// `next_cursor` last.
pub async fn seal(response: Response, binding: &Binding) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/json");
    if response.status() != StatusCode::OK || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return ApiError::internal().into_response();
    };
    let next = serde_json::from_slice::<PageShape>(&bytes)
        .ok()
        .and_then(|p| p.next_cursor);
    let (Some(key), Some(at)) = (next, bytes.windows(NEXT.len()).rposition(|w| w == NEXT)) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let cursor = binding.seal(&key);
    let mut sealed = bytes[..at + NEXT.len()].to_vec();
    sealed.extend_from_slice(format!("\"{cursor}\"}}").as_bytes());
    if let Ok(link) = HeaderValue::try_from(binding.link(&cursor)) {
        parts.headers.insert(header::LINK, link);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(sealed))
}
