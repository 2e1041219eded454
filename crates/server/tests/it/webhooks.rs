//! Webhook endpoints through HTTP: creation, the list and its filter, reads with their
//! audit timeline, changes, disabling and enabling, deletion and secret rotation, and
//! the helpers the submodules share; every field error in `validation`, who may do
//! what and the secret shown only once in `roles`, and what failing tries do to an
//! endpoint (and what fan-out reads) in `failing`.

mod delivery;
mod failing;
mod resend;
mod roles;
mod validation;

use jiff::SignedDuration;
use reqwest::Method;
use serde_json::{Value, json};
use switchyard_core::id::WebhookEndpointId;

use crate::both;
use crate::helpers::*;

const ENDPOINTS: &str = "/api/v1/webhook-endpoints";

/// Creates an endpoint for `url` with `extra` fields; answers the creation's body.
async fn create(app: &TestApp, url: &str, extra: Value) -> Value {
    let mut body = json!({ "url": url });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let r = app.post(ENDPOINTS, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("{ENDPOINTS}/{}", r.body["id"].as_str().unwrap()).as_str())
    );
    r.body
}

/// `t` as the API answers a stored time: to the microsecond.
fn stored(t: jiff::Timestamp) -> Value {
    json!(jiff::Timestamp::from_microsecond(t.as_microsecond()).unwrap())
}

fn id(endpoint: &Value) -> String {
    endpoint["id"].as_str().unwrap().to_owned()
}

/// The endpoint's id, typed, for the store.
fn whe(endpoint: &Value) -> WebhookEndpointId {
    WebhookEndpointId::parse(&id(endpoint)).unwrap()
}

/// The ids of a page's endpoints, in order.
fn ids(page: &Value) -> Vec<String> {
    page["data"].as_array().unwrap().iter().map(id).collect()
}

/// The secrets a request to `endpoint` is signed with now, the current one first.
async fn signing(app: &TestApp, endpoint: &WebhookEndpointId) -> Vec<String> {
    let target = app.store.webhook_target(endpoint).await.unwrap().unwrap();
    target
        .secrets
        .secrets_at(app.now())
        .iter()
        .map(|s| s.reveal().to_owned())
        .collect()
}

async fn read(app: &TestApp, id: &str) -> Value {
    let r = app.get(&format!("{ENDPOINTS}/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// The kinds of an endpoint's timeline, oldest first.
fn timeline(endpoint: &Value) -> Vec<String> {
    endpoint["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_endpoint_is_created_enabled_with_a_secret_and_read_back_with_its_timeline(app: &TestApp) {
    app.location("LON", "GB", 1).await;
    app.channel("web", &["LON"], "reject").await;
    let created = create(
        app,
        "https://ERP.example.com/hooks/switchyard",
        json!({"description": "ERP order sync", "event_types": ["order.*", "shipment.delivered"], "channels": ["web"]}),
    )
    .await;
    assert!(created["id"].as_str().unwrap().starts_with("whe_"));
    assert_eq!(created["url"], "https://erp.example.com/hooks/switchyard");
    assert_eq!(created["description"], "ERP order sync");
    assert_eq!(created["event_types"], json!(["order.*", "shipment.delivered"]));
    assert_eq!(created["channels"], json!(["web"]));
    assert_eq!(created["status"], "enabled");
    assert_eq!(created["disabled_reason"], Value::Null);
    assert_eq!(created["failing_since"], Value::Null);
    assert_eq!(created["previous_secret_expires_at"], Value::Null);
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && secret.len() == 6 + 44, "{secret}");
    assert_eq!(
        created["secret_hint"],
        format!("whsec_…{}", &secret[secret.len() - 4..])
    );
    assert_eq!(timeline(&created), ["created"]);
    assert_eq!(created["timeline"][0]["actor"], "test admin");

    let read = read(app, &id(&created)).await;
    assert_eq!(read["url"], created["url"]);
    assert_eq!(read["secret_hint"], created["secret_hint"]);
    assert_eq!(read.get("secret"), None);

    // No filter given: every event of every channel.
    let all = create(app, "https://example.com/all", json!({})).await;
    assert_eq!(
        (all["event_types"].clone(), all["channels"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(all["description"], Value::Null);
}

async fn endpoints_are_listed_newest_first_paged_and_by_status(app: &TestApp) {
    let mut all = Vec::new();
    for n in 0..3 {
        all.push(id(&create(app, &format!("https://example.com/{n}"), json!({})).await));
    }
    app.post(&format!("{ENDPOINTS}/{}/disable", all[1]), json!({})).await;
    let page = app.get(&format!("{ENDPOINTS}?limit=2")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(ids(&page.body), [all[2].clone(), all[1].clone()]);
    assert!(page.body["data"][0].get("secret").is_none());
    assert!(page.body["data"][0].get("timeline").is_none());
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("{ENDPOINTS}?limit=2&cursor={cursor}")).await;
    assert_eq!(ids(&rest.body), [all[0].clone()]);
    assert_eq!(rest.body["next_cursor"], Value::Null);

    let disabled = app.get(&format!("{ENDPOINTS}?status=disabled")).await;
    assert_eq!(ids(&disabled.body), [all[1].clone()]);
    let enabled = app.get(&format!("{ENDPOINTS}?status=enabled")).await;
    assert_eq!(ids(&enabled.body), [all[2].clone(), all[0].clone()]);
    let wrong = app.get(&format!("{ENDPOINTS}?status=paused")).await;
    assert_eq!(wrong.invalid_fields(), ["status"]);
}

async fn a_patch_changes_what_it_names_and_the_timeline_says_what(app: &TestApp) {
    app.location("LON", "GB", 1).await;
    app.channel("web", &["LON"], "reject").await;
    app.channel("shop", &["LON"], "reject").await;
    let endpoint = create(
        app,
        "https://example.com/a",
        json!({"description": "ERP", "event_types": ["order.*"], "channels": ["web"]}),
    )
    .await;
    let path = format!("{ENDPOINTS}/{}", id(&endpoint));
    let r = app
        .patch(
            &path,
            json!({"url": "https://example.com/b", "channels": ["shop", "web"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["url"], "https://example.com/b");
    assert_eq!(r.body["description"], "ERP");
    assert_eq!(r.body["event_types"], json!(["order.*"]));
    assert_eq!(r.body["channels"], json!(["shop", "web"]));
    assert_eq!(
        r.body["secret_hint"], endpoint["secret_hint"],
        "a change keeps the secret"
    );
    assert_eq!(timeline(&r.body), ["created", "updated"]);
    assert_eq!(
        r.body["timeline"][1]["message"],
        "changed url to https://example.com/b, channels"
    );
    // A patch that changes nothing writes nothing.
    let same = app.patch(&path, json!({"url": "https://example.com/b"})).await;
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(same.body["updated_at"], r.body["updated_at"]);
    assert_eq!(timeline(&same.body), ["created", "updated"]);

    // Empty lists: every event, every channel; a blank description clears it.
    let r = app
        .patch(&path, json!({"event_types": [], "channels": [], "description": ""}))
        .await;
    assert_eq!(
        (r.body["event_types"].clone(), r.body["channels"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(r.body["description"], Value::Null);

    // A channel whose code changes stays in the filter under its new code.
    let r = app.patch(&path, json!({"channels": ["web"]})).await;
    assert_eq!(r.body["channels"], json!(["web"]));
    let renamed = app.patch("/api/v1/channels/web", json!({"code": "web-uk"})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(read(app, &id(&endpoint)).await["channels"], json!(["web-uk"]));

    let missing = app
        .patch(&format!("{ENDPOINTS}/whe_01jf3v6p8m2qx4r7s9t0w5y1z3"), json!({}))
        .await;
    missing.problem(404, "not_found");
}

async fn disabling_and_enabling_are_recorded_and_repeating_either_changes_nothing(app: &TestApp) {
    let endpoint = create(app, "https://example.com/a", json!({})).await;
    let path = format!("{ENDPOINTS}/{}", id(&endpoint));
    let r = app.post(&format!("{path}/disable"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["status"].as_str(), r.body["disabled_reason"].as_str()),
        (Some("disabled"), Some("manual"))
    );
    assert_eq!(r.body["disabled_at"], stored(app.now()));
    let again = app.post(&format!("{path}/disable"), json!({})).await;
    assert_eq!(again.status, 200);
    assert_eq!(timeline(&again.body), ["created", "disabled"]);

    let r = app.post(&format!("{path}/enable"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "enabled");
    assert_eq!(
        (r.body["disabled_reason"].clone(), r.body["disabled_at"].clone()),
        (Value::Null, Value::Null)
    );
    let again = app.post(&format!("{path}/enable"), json!({})).await;
    assert_eq!(timeline(&again.body), ["created", "disabled", "enabled"]);
}

async fn a_deleted_endpoint_is_gone_from_reads_lists_and_subscriptions(app: &TestApp) {
    let kept = create(app, "https://example.com/kept", json!({})).await;
    let gone = create(app, "https://example.com/gone", json!({})).await;
    let path = format!("{ENDPOINTS}/{}", id(&gone));
    let r = app.send(Method::DELETE, &path, Some(&app.admin), None, &[]).await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.get(&path).await.problem(404, "not_found");
    app.send(Method::DELETE, &path, Some(&app.admin), None, &[])
        .await
        .problem(404, "not_found");
    app.post(&format!("{path}/enable"), json!({}))
        .await
        .problem(404, "not_found");
    app.post(&format!("{path}/rotate-secret"), json!({}))
        .await
        .problem(404, "not_found");
    assert_eq!(ids(&app.get(ENDPOINTS).await.body), [id(&kept)]);
    let subscribed: Vec<String> = app
        .store
        .webhook_subscriptions()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.endpoint.to_string())
        .collect();
    assert_eq!(subscribed, [id(&kept)]);
    // Its row stays, for the deliveries that name it, and sends nothing.
    let target = app.store.webhook_target(&whe(&gone)).await.unwrap().unwrap();
    assert!(!target.live);
}

async fn a_rotated_secret_is_shown_once_and_the_old_one_signs_for_another_day(app: &TestApp) {
    let endpoint = create(app, "https://example.com/a", json!({})).await;
    let old = endpoint["secret"].as_str().unwrap().to_owned();
    let path = format!("{ENDPOINTS}/{}", id(&endpoint));
    let r = app.post(&format!("{path}/rotate-secret"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let new = r.body["secret"].as_str().unwrap().to_owned();
    assert!(new.starts_with("whsec_") && new != old);
    assert_eq!(r.body["secret_hint"], format!("whsec_…{}", &new[new.len() - 4..]));
    let until = app.now() + SignedDuration::from_hours(24);
    assert_eq!(r.body["previous_secret_expires_at"], stored(until));
    assert_eq!(timeline(&r.body), ["created", "secret_rotated"]);

    assert_eq!(signing(app, &whe(&endpoint)).await, [new.clone(), old]);

    app.clock.advance(SignedDuration::from_hours(24));
    assert_eq!(
        read(app, &id(&endpoint)).await["previous_secret_expires_at"],
        Value::Null
    );
    assert_eq!(signing(app, &whe(&endpoint)).await, [new]);
}

both!(
    an_endpoint_is_created_enabled_with_a_secret_and_read_back_with_its_timeline,
    endpoints_are_listed_newest_first_paged_and_by_status,
    a_patch_changes_what_it_names_and_the_timeline_says_what,
    disabling_and_enabling_are_recorded_and_repeating_either_changes_nothing,
    a_deleted_endpoint_is_gone_from_reads_lists_and_subscriptions,
    a_rotated_secret_is_shown_once_and_the_old_one_signs_for_another_day,
);
