//! The provider is asked outside the write: a slow card processor holds up no other
//! order, and a payment left unanswered by a crash is settled once by the sweep.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::SignedDuration;
use serde_json::{Value, json};
use switchyard_core::order::OrderInput;
use switchyard_core::payment::TransactionKind;
use switchyard_store::Store;
use switchyard_store::payment::performed;

use super::number;
use crate::both;
use crate::helpers::*;

/// How many payment requests wait for their provider's answer.
async fn waiting(app: &TestApp) -> i64 {
    switchyard_store::db::query_scalar("SELECT COUNT(*) FROM payment_request")
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

/// POSTs an order on its own task; answers the response and its place in the order
/// the answers came back in.
fn place(app: &TestApp, body: Value, done: &Arc<AtomicUsize>) -> tokio::task::JoinHandle<(u16, Value, usize)> {
    let (client, url, key, done) = (
        app.client.clone(),
        format!("{}/api/v1/orders", app.base),
        app.admin.clone(),
        done.clone(),
    );
    tokio::spawn(async move {
        let r = client.post(url).bearer_auth(key).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        (status, body, done.fetch_add(1, Ordering::SeqCst))
    })
}

/// The provider takes five seconds (`tok_slow_5000`): ample time for fifty placements
/// even on a loaded two-core machine, so the order of the answers is what is asserted.
async fn fifty_orders_are_answered_while_a_slow_provider_answers_one(app: &TestApp) {
    app.till("cards", "test", "on_shipment").await;
    app.receive("TEE", "LON", 100).await;
    let done = Arc::new(AtomicUsize::new(0));
    let mut body = order("cards", "SLOW-1", &[("TEE", 1)]);
    body["payment_token"] = json!("tok_slow_5000");
    let slow = place(app, body, &done);
    // The slow order is stored and its provider asked before the others start.
    while waiting(app).await == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let others: Vec<_> = (0..50)
        .map(|i| place(app, order("cards", &format!("FAST-{i}"), &[("TEE", 1)]), &done))
        .collect();
    let mut finished = Vec::new();
    for other in others {
        let (status, body, at) = other.await.unwrap();
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["payment_status"], "authorized", "{body}");
        finished.push(at);
    }
    let (status, body, slow_at) = slow.await.unwrap();
    assert_eq!(status, 201, "{body}");
    assert!(
        finished.iter().all(|at| *at < slow_at),
        "every other order was answered before the slow one ({finished:?} vs {slow_at})"
    );
    assert_eq!(body["payment_status"], "authorized", "{body}");
    assert_eq!(body["status"], "open");
    let payments = app.payments(&number(&body)).await;
    assert_eq!(payments["payments"][0]["status"], "approved", "{payments}");
    assert_eq!(waiting(app).await, 0);
    app.assert_books_balance().await;
}

async fn a_payment_left_unanswered_by_a_crash_is_settled_once_by_the_sweep(app: &TestApp) {
    app.till("cards", "test", "on_shipment").await;
    let mut body = order("cards", "CRASH-1", &[("TEE", 1)]);
    body["payment_token"] = json!("tok_slow_5000");
    let draft = serde_json::from_value::<OrderInput>(body).unwrap().parse().unwrap();
    let store = app.store.clone();
    let placing = tokio::spawn(async move { store.place_order(&draft, "test").await });
    // The placement committed and the processor took the authorization; the process
    // dies before the answer is written.
    while !performed().iter().any(|p| p.kind == TransactionKind::Authorization) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    placing.abort();
    assert!(placing.await.unwrap_err().is_cancelled());
    assert_eq!(waiting(app).await, 1);
    let r = app.get("/api/v1/orders?q=CRASH-1").await;
    let number = r.body["data"][0]["number"].as_str().unwrap().to_owned();
    let pending = app.get(&format!("/api/v1/orders/{number}")).await.body;
    assert_eq!(pending["payment_status"], "pending", "{pending}");
    // Operators see the attempt waiting for its answer.
    let listed = app.payments(&number).await;
    assert_eq!(listed["payments"][0]["status"], "pending", "{listed}");
    assert_eq!(listed["transactions"], json!([]));

    // Another process on the same database: its sweep leaves a request alone while
    // its answer may still come, and asks again once it is overdue.
    let restarted = Store::connect(&app.url, app.clock.clone()).await.unwrap();
    assert_eq!(restarted.settle_stale_payments().await.unwrap(), 0);
    app.clock.advance(SignedDuration::from_secs(61));
    assert_eq!(restarted.settle_stale_payments().await.unwrap(), 1);
    assert_eq!(restarted.settle_stale_payments().await.unwrap(), 0);
    restarted.close().await;

    let settled = app.get(&format!("/api/v1/orders/{number}")).await.body;
    assert_eq!(settled["payment_status"], "authorized", "{settled}");
    let payments = app.payments(&number).await;
    let attempts = payments["payments"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "{payments}");
    assert_eq!(attempts[0]["status"], "approved");
    assert_eq!(app.amounts(&number, "authorization").await, vec![2160 + 479]);
    // One authorization at the provider: the sweep's request was the same one.
    let authorizations: Vec<_> = performed()
        .into_iter()
        .filter(|p| p.kind == TransactionKind::Authorization)
        .collect();
    assert_eq!(authorizations.len(), 1, "{authorizations:?}");
    assert_eq!(Some(authorizations[0].request.as_str()), attempts[0]["id"].as_str());
    assert_eq!(waiting(app).await, 0);
    app.assert_books_balance().await;
}

both!(
    fifty_orders_are_answered_while_a_slow_provider_answers_one,
    a_payment_left_unanswered_by_a_crash_is_settled_once_by_the_sweep,
);
