//! Cookies and CSRF protection for HTML forms, shared by the staff UI (`ui::session`)
//! and the customer pages (`public`): reading and setting cookies, comparing secrets in
//! constant time, and the double-submit token of a form shown before there is any
//! session (the staff sign-in, the customer's order look-up): a random token in a
//! hidden field that must equal the one in a cookie of the form's own, which another
//! site can neither read nor set.

use axum::http::{HeaderMap, HeaderValue, header};
use switchyard_store::StoreResult;

/// The form field that carries a CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// The value of cookie `name` of a request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// Whether the request came over TLS (a proxy in front says so with
/// `X-Forwarded-Proto: https`): its cookies are then `Secure`.
pub fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`, sent back only under `path`;
/// `max_age` 0 forgets it.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""))
}

/// Equal without telling, by how long it takes, how much of a guess was right.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether the browser says the request came from another site.
pub fn cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
}

/// The double-submit token of one form shown without a session: its cookie's name and
/// the path the form posts to.
pub struct DoubleSubmit {
    pub cookie: &'static str,
    pub path: &'static str,
}

/// How long a form's token lasts: an hour to fill it in.
const TOKEN_MAX_AGE: i64 = 3600;

impl DoubleSubmit {
    /// A fresh token for the form's hidden field, and the cookie carrying its twin.
    pub fn issue(&self, headers: &HeaderMap) -> StoreResult<(String, HeaderValue)> {
        let token = switchyard_store::user::new_token()?;
        let cookie = set_cookie(self.cookie, &token, self.path, TOKEN_MAX_AGE, over_tls(headers));
        Ok((token, cookie))
    }

    /// The token the form's cookie holds.
    pub fn expected(&self, headers: &HeaderMap) -> Option<String> {
        cookie(headers, self.cookie)
    }

    /// Whether a posted form carries `sent`, the token of its own cookie, from this site.
    pub fn genuine(&self, headers: &HeaderMap, sent: Option<&str>) -> bool {
        let expected = self.expected(headers);
        !cross_site(headers) && matches!((sent, expected.as_deref()), (Some(a), Some(b)) if same_secret(a, b))
    }

    /// The cookie that forgets the token (the form did its work).
    pub fn clear(&self, headers: &HeaderMap) -> HeaderValue {
        set_cookie(self.cookie, "", self.path, 0, over_tls(headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }

    #[test]
    fn a_form_token_must_match_its_cookie_from_this_site() {
        let form = DoubleSubmit {
            cookie: "t",
            path: "/x",
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; t=tok"));
        assert!(form.genuine(&headers, Some("tok")));
        assert!(!form.genuine(&headers, Some("other")));
        assert!(!form.genuine(&headers, None));
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!form.genuine(&headers, Some("tok")));
        assert!(!form.genuine(&HeaderMap::new(), Some("tok")));
    }
}
