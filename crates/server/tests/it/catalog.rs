//! Products, locations and channels through HTTP: creation, reading by id and natural
//! key, cursor-paged lists and search, changes, archiving, and every way a request can
//! be refused without changing anything.

mod channels;
mod kits;
mod lists;
mod locations;
mod products;
mod requests;
mod standards;

use serde_json::{Value, json};

use crate::helpers::*;

/// Percent-encodes a query value.
fn enc(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Walks a list page by page (`cursor` = `next_cursor` until it is null) and returns
/// the `key` of every item in the order served.
async fn walk(app: &TestApp, path: &str, limit: usize, key: &str) -> Vec<String> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={}", enc(c)),
            None => format!("{path}{sep}limit={limit}"),
        };
        let r = app.get(&url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let data = r.body["data"].as_array().unwrap();
        assert!(data.len() <= limit, "a page is larger than the limit: {}", r.body);
        seen.extend(data.iter().map(|item| item[key].as_str().unwrap().to_owned()));
        match r.body["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(data.len(), limit, "only the last page may be short: {}", r.body);
                cursor = Some(next.to_owned());
            }
            None => return seen,
        }
    }
    panic!("{path} never reached its last page");
}

/// The `key` of every item on one page of `path`.
async fn keys(app: &TestApp, path: &str, key: &str) -> Vec<String> {
    let r = app.get(path).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap().to_owned())
        .collect()
}

/// Sends `body` as-is with the given content type.
async fn post_raw(app: &TestApp, path: &str, content_type: &str, body: &'static str) -> Resp {
    app.post_bytes(
        path,
        Some(&app.admin),
        body.as_bytes(),
        &[("content-type", content_type)],
    )
    .await
}

fn location_body(code: &str) -> Value {
    json!({"code": code, "name": format!("{code} site"), "kind": "warehouse", "address": address("GB")})
}
