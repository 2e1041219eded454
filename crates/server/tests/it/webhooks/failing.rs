//! What tries do to an endpoint: a failure starts its failing streak, a success ends
//! it, and an endpoint failing for 5 days is disabled with an entry on its timeline;
//! and what fan-out reads: enabled endpoints with their filters.

use jiff::SignedDuration;
use serde_json::json;
use switchyard_core::id::WebhookEndpointId;
use switchyard_core::webhook::{DISABLE_AFTER, EndpointFilter, wants};

use super::{ENDPOINTS, create, id, stored, timeline, whe};
use crate::both;
use crate::helpers::*;

async fn an_endpoint_failing_for_five_days_is_disabled_with_an_audit_entry(app: &TestApp) {
    let endpoint = create(app, "https://example.com/a", json!({})).await;
    let (path, whe) = (format!("{ENDPOINTS}/{}", id(&endpoint)), whe(&endpoint));
    let start = app.now();
    assert!(!app.store.note_webhook_failure(&whe, start).await.unwrap());
    let read = app.get(&path).await.body;
    assert_eq!(read["failing_since"], stored(start));
    assert_eq!(read["status"], "enabled");

    // Later failures keep the streak's start; a success ends it.
    let later = start + SignedDuration::from_hours(30);
    assert!(!app.store.note_webhook_failure(&whe, later).await.unwrap());
    assert_eq!(app.get(&path).await.body["failing_since"], stored(start));
    app.store.note_webhook_success(&whe).await.unwrap();
    assert_eq!(app.get(&path).await.body["failing_since"], json!(null));

    // A new streak: a second short of five days it stays, at five days it goes.
    let streak = later + SignedDuration::from_hours(1);
    app.store.note_webhook_failure(&whe, streak).await.unwrap();
    let almost = streak + DISABLE_AFTER - SignedDuration::from_secs(1);
    assert!(!app.store.note_webhook_failure(&whe, almost).await.unwrap());
    assert_eq!(app.get(&path).await.body["status"], "enabled");
    assert!(
        app.store
            .note_webhook_failure(&whe, streak + DISABLE_AFTER)
            .await
            .unwrap()
    );
    let read = app.get(&path).await.body;
    assert_eq!(
        (read["status"].as_str(), read["disabled_reason"].as_str()),
        (Some("disabled"), Some("failing"))
    );
    assert_eq!(timeline(&read), ["created", "disabled"]);
    let entry = &read["timeline"][1];
    assert_eq!(entry["actor"], "switchyard");
    assert!(
        entry["message"].as_str().unwrap().contains("for more than 5 days"),
        "{entry}"
    );
    assert!(app.store.webhook_subscriptions().await.unwrap().is_empty());
    // Failing on (tries already under way) neither disables it twice nor records more.
    assert!(
        !app.store
            .note_webhook_failure(&whe, streak + DISABLE_AFTER * 2)
            .await
            .unwrap()
    );
    assert_eq!(timeline(&app.get(&path).await.body), ["created", "disabled"]);

    // Enabled again, it has five more days.
    let enabled = app.post(&format!("{path}/enable"), json!({})).await.body;
    assert_eq!(
        (enabled["status"].as_str(), enabled["failing_since"].clone()),
        (Some("enabled"), json!(null))
    );
}

async fn fan_out_reads_enabled_endpoints_with_their_filters_by_channel_code(app: &TestApp) {
    app.location("LON", "GB", 1).await;
    app.channel("web", &["LON"], "reject").await;
    let orders = create(
        app,
        "https://example.com/orders",
        json!({"event_types": ["order.*"], "channels": ["web"]}),
    )
    .await;
    let all = create(app, "https://example.com/all", json!({})).await;
    let off = create(app, "https://example.com/off", json!({})).await;
    app.post(&format!("{ENDPOINTS}/{}/disable", id(&off)), json!({})).await;
    let subscriptions = app.store.webhook_subscriptions().await.unwrap();
    let found: Vec<(WebhookEndpointId, EndpointFilter)> =
        subscriptions.into_iter().map(|s| (s.endpoint, s.filter)).collect();
    assert_eq!(
        found,
        [
            (
                whe(&orders),
                EndpointFilter {
                    event_types: vec!["order.*".into()],
                    channels: vec!["web".into()],
                }
            ),
            (whe(&all), EndpointFilter::default()),
        ]
    );
    assert!(wants(&found[0].1, "order.shipped", Some("web")));
    assert!(!wants(&found[0].1, "order.shipped", Some("amazon")));

    // A sender finds the URL and the secret to sign with; a disabled endpoint is not live.
    let target = app.store.webhook_target(&whe(&orders)).await.unwrap().unwrap();
    assert_eq!(target.url, "https://example.com/orders");
    assert_eq!(target.secrets.current.reveal(), orders["secret"].as_str().unwrap());
    assert!(target.live);
    assert!(!app.store.webhook_target(&whe(&off)).await.unwrap().unwrap().live);
    let never = WebhookEndpointId::new_at(app.now());
    assert!(app.store.webhook_target(&never).await.unwrap().is_none());
}

both!(
    an_endpoint_failing_for_five_days_is_disabled_with_an_audit_entry,
    fan_out_reads_enabled_endpoints_with_their_filters_by_channel_code,
);
