//! `Idempotency-Key` can never run a request twice: the key is marked in the same
//! transaction as the write, a client that hangs up does not leave it half done, a
//! run taken for dead cannot commit, and keys expire.

use std::time::Duration;

use jiff::SignedDuration;
use reqwest::Method;
use serde_json::{Value, json};
use switchyard_core::auth::Role;
use switchyard_core::idempotency::fingerprint;
use switchyard_core::inventory::{Quantity, StockCommand};
use switchyard_store::idempotency::Begin;
use switchyard_store::inventory::MovementContext;

use crate::both;
use crate::helpers::*;

const RECEIPT: &str = "/api/v1/inventory/receipts";

async fn with_key(app: &TestApp, api_key: &str, path: &str, key: &str, body: &Value) -> Resp {
    app.send(
        Method::POST,
        path,
        Some(api_key),
        Some(body),
        &[("Idempotency-Key", key)],
    )
    .await
}

/// Begins `key` for a receipt of one TEE at LON as the admin would send it over HTTP,
/// and commits the receipt under its claim, as the first run does before it stops.
async fn receipt_committed_then_crash(app: &TestApp, key: &str) -> Value {
    let body = json!({"sku": "TEE", "location": "LON", "quantity": 1});
    let admin = app.store.authenticate(&app.admin).await.unwrap().unwrap();
    let hash = fingerprint("POST", RECEIPT, "", body.to_string().as_bytes());
    let Begin::Proceed(claim) = app
        .store
        .idempotency_begin(admin.key_id.as_str(), key, &hash, SignedDuration::from_hours(24))
        .await
        .unwrap()
    else {
        panic!("a new key runs");
    };
    let ctx = MovementContext {
        actor: "test".into(),
        note: None,
        reference: None,
    };
    let command = StockCommand::Receive(Quantity::new(1).unwrap());
    claim
        .scope(app.store.move_stock("TEE", "LON", command, &ctx))
        .await
        .unwrap();
    body
}

async fn a_write_that_committed_is_never_run_again_even_when_its_response_was_lost(app: &TestApp) {
    app.shop().await;
    let body = receipt_committed_then_crash(app, "dock-7-scan-1").await;
    assert_eq!(app.level("TEE", "LON").await.0, 1);

    // While the first run might still be answering, a retry waits.
    with_key(app, &app.admin, RECEIPT, "dock-7-scan-1", &body)
        .await
        .problem(409, "idempotency_key_in_use");
    // Long after, the first run is known to have stopped after its commit: running
    // the receipt again would count the unit twice.
    app.clock.advance(SignedDuration::from_mins(10));
    with_key(app, &app.admin, RECEIPT, "dock-7-scan-1", &body)
        .await
        .problem(409, "idempotency_response_lost");
    assert_eq!(app.level("TEE", "LON").await.0, 1, "the receipt counted once");
    app.assert_books_balance().await;
}

async fn a_run_taken_for_dead_cannot_commit_under_the_key_it_lost(app: &TestApp) {
    app.shop().await;
    let admin = app.store.authenticate(&app.admin).await.unwrap().unwrap();
    let body = json!({"sku": "TEE", "location": "LON", "quantity": 1});
    let hash = fingerprint("POST", RECEIPT, "", body.to_string().as_bytes());
    let ttl = SignedDuration::from_hours(24);
    let Begin::Proceed(slow) = app
        .store
        .idempotency_begin(admin.key_id.as_str(), "k", &hash, ttl)
        .await
        .unwrap()
    else {
        panic!("a new key runs");
    };
    // The first run has said nothing for long enough to be taken for dead; a retry
    // takes the key over and receives the unit.
    app.clock.advance(SignedDuration::from_mins(2));
    let retry = with_key(app, &app.admin, RECEIPT, "k", &body).await;
    assert_eq!(retry.status, 201, "{}", retry.body);
    // The first run was only slow: its commit is refused and leaves nothing.
    let ctx = MovementContext {
        actor: "test".into(),
        note: None,
        reference: None,
    };
    let late = slow
        .scope(
            app.store
                .move_stock("TEE", "LON", StockCommand::Receive(Quantity::new(1).unwrap()), &ctx),
        )
        .await;
    assert!(late.is_err(), "{late:?}");
    assert_eq!(app.level("TEE", "LON").await.0, 1);
    let replay = with_key(app, &app.admin, RECEIPT, "k", &body).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, retry.body);
    app.assert_books_balance().await;
}

/// The client gives up after a second; the placement commits and then waits three
/// seconds on its card processor. The request goes on without the client, and the
/// retry gets its response instead of a key stuck in flight or a second order.
async fn a_client_that_hangs_up_still_gets_the_response_on_retry(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "cards", "name": "Cards", "kind": "web", "ship_from": ["LON"],
                   "payment_provider": "test", "capture_mode": "on_shipment"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut body = order("cards", "HANG-1", &[("TEE", 1)]);
    body["payment_token"] = json!("tok_slow_3000");
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(format!("{}/api/v1/orders", app.base))
        .bearer_auth(&app.admin)
        .header("Idempotency-Key", "hang-1")
        .json(&body)
        .send()
        .await;
    assert!(gave_up.is_err(), "the client timed out");

    let mut retry = with_key(app, &app.admin, "/api/v1/orders", "hang-1", &body).await;
    for _ in 0..100 {
        if retry.status != 409 {
            break;
        }
        retry.problem(409, "idempotency_key_in_use");
        tokio::time::sleep(Duration::from_millis(200)).await;
        retry = with_key(app, &app.admin, "/api/v1/orders", "hang-1", &body).await;
    }
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.body["external_id"], "HANG-1");
    assert_eq!(app.order_count().await, 1);
    app.assert_books_balance().await;
}

async fn requests_that_change_nothing_are_not_kept(app: &TestApp) {
    app.shop().await;
    // Refused by validation: the key is free for the corrected request.
    let bad = json!({"sku": "TEE", "location": "LON", "quantity": 0});
    let refused = with_key(app, &app.admin, RECEIPT, "r-1", &bad).await;
    assert_eq!(refused.invalid_fields(), ["/quantity"]);
    let good = json!({"sku": "TEE", "location": "LON", "quantity": 2});
    let fixed = with_key(app, &app.admin, RECEIPT, "r-1", &good).await;
    assert_eq!(fixed.status, 201, "{}", fixed.body);
    assert_eq!(fixed.header("idempotent-replayed"), None);

    // Refused for the role: nothing kept either.
    let viewer = app.key(Role::Viewer).await;
    with_key(app, &viewer, RECEIPT, "v-1", &good)
        .await
        .problem(403, "forbidden");
    // A viewer's read-only POST (a routing simulation) keeps nothing: another
    // request under the same key is not a reuse.
    let simulate = |country: &str| json!({"channel": "web", "destination": {"country": country}, "lines": [{"sku": "TEE", "quantity": 1}]});
    let first = with_key(app, &viewer, "/api/v1/routing/simulate", "v-1", &simulate("GB")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let second = with_key(app, &viewer, "/api/v1/routing/simulate", "v-1", &simulate("FR")).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.header("idempotent-replayed"), None);
    assert_eq!(app.level("TEE", "LON").await.0, 2);
}

async fn the_same_json_spelled_differently_is_the_same_request(app: &TestApp) {
    app.shop().await;
    let spelled = |text: &'static str| async move {
        app.post_bytes(
            RECEIPT,
            Some(&app.admin),
            text.as_bytes(),
            &[("content-type", "application/json"), ("Idempotency-Key", "same")],
        )
        .await
    };
    let first = spelled(r#"{"sku":"TEE","location":"LON","quantity":3}"#).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = spelled("{ \"quantity\": 3,\n  \"location\": \"LON\", \"sku\": \"TEE\" }").await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    spelled(r#"{"sku":"TEE","location":"LON","quantity":4}"#)
        .await
        .problem(422, "idempotency_key_reused");
    assert_eq!(app.level("TEE", "LON").await.0, 3);
}

async fn keys_expire_and_are_pruned(app: &TestApp) {
    app.shop().await;
    let body = json!({"sku": "TEE", "location": "LON", "quantity": 1});
    assert_eq!(with_key(app, &app.admin, RECEIPT, "day-1", &body).await.status, 201);
    app.clock.advance(SignedDuration::from_hours(23));
    let replay = with_key(app, &app.admin, RECEIPT, "day-1", &body).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.store.prune_idempotency_keys().await.unwrap(), 0);
    app.clock.advance(SignedDuration::from_hours(2));
    assert_eq!(app.store.prune_idempotency_keys().await.unwrap(), 1);
    // After 24 hours the key means nothing: the same request is a new receipt.
    let later = with_key(app, &app.admin, RECEIPT, "day-1", &body).await;
    assert_eq!(later.status, 201, "{}", later.body);
    assert_eq!(later.header("idempotent-replayed"), None);
    assert_eq!(app.level("TEE", "LON").await.0, 2);
}

both!(
    a_write_that_committed_is_never_run_again_even_when_its_response_was_lost,
    a_run_taken_for_dead_cannot_commit_under_the_key_it_lost,
    a_client_that_hangs_up_still_gets_the_response_on_retry,
    requests_that_change_nothing_are_not_kept,
    the_same_json_spelled_differently_is_the_same_request,
    keys_expire_and_are_pruned,
);
