//! What an endpoint is sent and sending it more, through HTTP with the real worker:
//! fan-out by the endpoint's filter, a test event, its attempts, a message retried and
//! events replayed. This server has no webhook sender set up, so every try is recorded
//! as skipped (why is in its reply): what is under test is which deliveries there are,
//! not the HTTP call, which `delivery` tests against a real receiver.

use jiff::SignedDuration;
use serde_json::{Value, json};
use switchyard_server::delivery::{Senders, Worker};

use super::{ENDPOINTS, create, id};
use crate::both;
use crate::helpers::*;

/// Runs delivery rounds until one finds nothing to do.
async fn drain(app: &TestApp) {
    let worker = Worker::new(app.store.clone(), Senders::default());
    while worker.run_once().await.unwrap() != Default::default() {}
}

/// The endpoint's attempts, newest first, as (event type, message id) pairs.
async fn attempts(app: &TestApp, endpoint: &str) -> Vec<(String, String)> {
    let r = app.get(&format!("{ENDPOINTS}/{endpoint}/attempts?limit=500")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["event_type"].as_str().unwrap().to_owned(),
                a["message_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn types(attempts: &[(String, String)]) -> Vec<&str> {
    attempts.iter().map(|(t, _)| t.as_str()).collect()
}

async fn place(app: &TestApp, channel: &str, external_id: &str) -> Value {
    let r = app
        .post("/api/v1/orders", order(channel, external_id, &[("TEE", 1)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn events_go_to_the_endpoints_whose_filter_wants_them(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let web_orders = create(
        app,
        "https://example.com/web",
        json!({"event_types": ["order.placed"], "channels": ["web"]}),
    )
    .await;
    let everything = create(app, "https://example.com/all", json!({})).await;
    let off = create(app, "https://example.com/off", json!({})).await;
    app.post(&format!("{ENDPOINTS}/{}/disable", id(&off)), json!({})).await;
    place(app, "web", "W-1").await;
    place(app, "amazon", "A-1").await;
    drain(app).await;

    assert_eq!(types(&attempts(app, &id(&web_orders)).await), ["order.placed"]);
    let all = attempts(app, &id(&everything)).await;
    assert!(all.len() > 2, "{all:?}");
    assert!(
        types(&all).iter().filter(|t| **t == "order.placed").count() == 2,
        "{all:?}"
    );
    assert!(attempts(app, &id(&off)).await.is_empty());

    let r = app.get(&format!("{ENDPOINTS}/{}/attempts", id(&web_orders))).await;
    let attempt = &r.body["data"][0];
    assert_eq!(attempt["destination"], id(&web_orders));
    assert_eq!(attempt["outcome"], "skipped");
    assert_eq!(attempt["try_number"], 1);
    assert!(
        attempt["reply"].as_str().unwrap().contains("webhooks are not set up"),
        "{attempt}"
    );
}

async fn a_test_event_goes_to_its_endpoint_only_and_shows_in_its_attempts(app: &TestApp) {
    let endpoint = create(app, "https://example.com/a", json!({"event_types": ["order.*"]})).await;
    let other = create(app, "https://example.com/b", json!({})).await;
    let path = format!("{ENDPOINTS}/{}", id(&endpoint));
    let r = app.post(&format!("{path}/test"), json!({})).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let message = r.body["message_id"].as_str().unwrap().to_owned();
    assert!(message.starts_with("msg_"));
    drain(app).await;
    assert_eq!(
        attempts(app, &id(&endpoint)).await,
        [("webhook.test".to_owned(), message.clone())]
    );
    assert!(
        attempts(app, &id(&other)).await.is_empty(),
        "a test goes to its endpoint only"
    );

    // The feed carries it, with the resource it is about.
    let feed = app.get("/api/v1/events").await;
    let event = &feed.body["data"][0];
    assert_eq!(event["type"], "webhook.test");
    assert_eq!(event["data"]["webhook_endpoint_id"], id(&endpoint));

    // Attempts of one message; a message id that is none is refused.
    let one = app.get(&format!("{path}/attempts?message_id={message}")).await;
    assert_eq!(one.body["data"].as_array().unwrap().len(), 1);
    let none = app
        .get(&format!("{path}/attempts?message_id=msg_01jf3v6p8m2qx4r7s9t0w5y1z3"))
        .await;
    assert_eq!(none.body["data"], json!([]));
    let bad = app.get(&format!("{path}/attempts?message_id=nope")).await;
    assert_eq!(bad.invalid_fields(), ["message_id"]);

    // A disabled endpoint is sent nothing, a test included; a deleted one is gone.
    app.post(&format!("{path}/disable"), json!({})).await;
    app.post(&format!("{path}/test"), json!({}))
        .await
        .problem(409, "endpoint_disabled");
    app.send(reqwest::Method::DELETE, &path, Some(&app.admin), None, &[])
        .await;
    app.post(&format!("{path}/test"), json!({}))
        .await
        .problem(404, "not_found");
    app.get(&format!("{path}/attempts")).await.problem(404, "not_found");
}

async fn a_message_is_retried_on_request_and_only_one_the_endpoint_was_sent(app: &TestApp) {
    let endpoint = create(app, "https://example.com/a", json!({})).await;
    let path = format!("{ENDPOINTS}/{}", id(&endpoint));
    let message = app.post(&format!("{path}/test"), json!({})).await.body["message_id"]
        .as_str()
        .unwrap()
        .to_owned();
    drain(app).await;
    let r = app.post(&format!("{path}/messages/{message}/retry"), json!({})).await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert!(r.body["delivery_id"].as_str().unwrap().starts_with("dlv_"));
    drain(app).await;
    let tries = attempts(app, &id(&endpoint)).await;
    assert_eq!(tries.len(), 2, "{tries:?}");
    assert!(tries.iter().all(|(t, m)| t == "webhook.test" && *m == message));

    let other = create(app, "https://example.com/b", json!({})).await;
    let elsewhere = format!("{ENDPOINTS}/{}/messages/{message}/retry", id(&other));
    app.post(&elsewhere, json!({})).await.problem(404, "not_found");
    app.post(&format!("{path}/messages/nope/retry"), json!({}))
        .await
        .problem(404, "not_found");
}

async fn events_since_a_time_are_replayed_as_the_filter_wants_them(app: &TestApp) {
    app.shop().await;
    let start = app.now();
    place(app, "amazon", "A-1").await;
    app.clock.advance(SignedDuration::from_hours(1));
    let later = app.now();
    place(app, "amazon", "A-2").await;
    // Dispatched before the endpoints exist: they were sent nothing.
    drain(app).await;
    let endpoint = create(app, "https://example.com/a", json!({"event_types": ["order.placed"]})).await;
    let other = create(app, "https://example.com/b", json!({})).await;
    app.post(&format!("{ENDPOINTS}/{}/test", id(&other)), json!({})).await;
    drain(app).await;
    let path = format!("{ENDPOINTS}/{}", id(&endpoint));
    assert!(
        attempts(app, &id(&endpoint)).await.is_empty(),
        "created after the orders"
    );

    let r = app
        .post(&format!("{path}/replay"), json!({"since": later.to_string()}))
        .await;
    assert_eq!((r.status, r.body["replayed"].clone()), (202, json!(1)), "{}", r.body);
    drain(app).await;
    assert_eq!(types(&attempts(app, &id(&endpoint)).await), ["order.placed"]);

    // From the start: both placements, never another endpoint's test event.
    let r = app
        .post(&format!("{path}/replay"), json!({"since": start.to_string()}))
        .await;
    assert_eq!(r.body["replayed"], json!(2));
    drain(app).await;
    assert_eq!(types(&attempts(app, &id(&endpoint)).await), ["order.placed"; 3]);

    let future = (app.now() + SignedDuration::from_hours(1)).to_string();
    let r = app.post(&format!("{path}/replay"), json!({"since": future})).await;
    assert_eq!(r.invalid_fields(), ["/since"]);
    let r = app.post(&format!("{path}/replay"), json!({})).await;
    assert_eq!(r.invalid_fields(), ["/since"]);
}

both!(
    events_go_to_the_endpoints_whose_filter_wants_them,
    a_test_event_goes_to_its_endpoint_only_and_shows_in_its_attempts,
    a_message_is_retried_on_request_and_only_one_the_endpoint_was_sent,
    events_since_a_time_are_replayed_as_the_filter_wants_them,
);
