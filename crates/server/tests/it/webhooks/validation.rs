//! Every field of an endpoint checked, each problem named by its JSON pointer, all at
//! once; a patch checked as a whole; nothing stored when anything is wrong.

use serde_json::{Value, json};

use super::{ENDPOINTS, create, id};
use crate::both;
use crate::helpers::*;

/// (pointer, code) of each field error of a 422.
fn errors(r: &Resp) -> Vec<(String, String)> {
    r.problem(422, "validation_failed");
    r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (at(e).to_owned(), e["code"].as_str().unwrap().to_owned()))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect()
}

async fn every_invalid_field_of_a_new_endpoint_is_named_at_once_and_nothing_is_stored(app: &TestApp) {
    app.location("LON", "GB", 1).await;
    app.channel("web", &["LON"], "reject").await;
    let r = app
        .post(
            ENDPOINTS,
            json!({
                "url": "ftp://example.com/in",
                "description": "x".repeat(501),
                "event_types": ["order.placed", "order.teleported", "order.placed", "invoice.*"],
                "channels": ["web", "has space"],
            }),
        )
        .await;
    assert_eq!(
        errors(&r),
        pairs(&[
            ("/url", "invalid_url"),
            ("/description", "too_long"),
            ("/event_types/1", "unknown_event_type"),
            ("/event_types/2", "duplicate"),
            ("/event_types/3", "unknown_event_type"),
            ("/channels/1", "invalid_format"),
        ])
    );
    // Channels that parse but do not exist are named after the rest passed.
    let r = app
        .post(
            ENDPOINTS,
            json!({"url": "https://example.com", "channels": ["web", "nowhere"]}),
        )
        .await;
    assert_eq!(errors(&r), pairs(&[("/channels/1", "unknown_channel")]));
    assert_eq!(r.body["errors"][0]["message"], "there is no channel nowhere");
    let listed = app.get(ENDPOINTS).await;
    assert_eq!(listed.body["data"], json!([]));
}

async fn a_url_must_be_absolute_http_without_credentials_or_fragment(app: &TestApp) {
    for (url, code) in [
        (json!(null), "required"),
        (json!("   "), "required"),
        (json!("example.com/hooks"), "invalid_url"),
        (json!("mailto:ops@example.com"), "invalid_url"),
        (json!("https://user:secret@example.com/in"), "credentials_in_url"),
        (json!("https://example.com/in#part"), "invalid_url"),
        (json!(format!("https://example.com/{}", "a".repeat(2048))), "too_long"),
    ] {
        let mut body = json!({"url": url});
        if url.is_null() {
            body = json!({});
        }
        let r = app.post(ENDPOINTS, body).await;
        assert_eq!(errors(&r), pairs(&[("/url", code)]), "{url}");
    }
    let r = app.post(ENDPOINTS, json!({"url": 42})).await;
    assert_eq!(errors(&r), pairs(&[("/url", "invalid_type")]));
    let r = app
        .post(ENDPOINTS, json!({"url": "https://example.com", "secret": "whsec_mine"}))
        .await;
    assert_eq!(r.status, 422, "a secret is made by the server, never given: {}", r.body);
}

async fn a_patch_is_checked_whole_and_a_refused_one_changes_nothing(app: &TestApp) {
    let endpoint = create(app, "https://example.com/a", json!({"event_types": ["order.*"]})).await;
    let path = format!("{ENDPOINTS}/{}", id(&endpoint));
    let r = app
        .patch(
            &path,
            json!({"url": "http://", "event_types": ["order.*", "order.*"], "channels": ["nowhere"]}),
        )
        .await;
    assert_eq!(
        errors(&r),
        pairs(&[("/url", "invalid_url"), ("/event_types/1", "duplicate")])
    );
    let r = app.patch(&path, json!({"channels": ["nowhere"]})).await;
    assert_eq!(errors(&r), pairs(&[("/channels/0", "unknown_channel")]));
    let after = app.get(&path).await.body;
    assert_eq!(after["url"], "https://example.com/a");
    assert_eq!(after["event_types"], json!(["order.*"]));
    assert_eq!(after["channels"], json!([]));
    assert_eq!(after["timeline"].as_array().map(Vec::len), Some(1));
    assert_eq!(after["description"], Value::Null);
}

both!(
    every_invalid_field_of_a_new_endpoint_is_named_at_once_and_nothing_is_stored,
    a_url_must_be_absolute_http_without_credentials_or_fragment,
    a_patch_is_checked_whole_and_a_refused_one_changes_nothing,
);
