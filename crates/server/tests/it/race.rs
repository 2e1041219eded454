//! Concurrency: many clients racing for the last units never oversell, on either
//! backend. 200 orders of one unit each for a SKU with 100 units: exactly 100 win.
//! Writes that cannot fail for want of stock (receipts, adjustments up) are never
//! refused for racing each other (`storm`).

mod storm;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::both;
use crate::helpers::*;

/// Fires every `(url, body)` POST at once and counts responses by status; the bodies
/// of the answers that were not a success come back too, to show what went wrong.
async fn fire(app: &TestApp, requests: Vec<(String, Value)>) -> (BTreeMap<u16, usize>, Vec<Value>) {
    let mut tasks = tokio::task::JoinSet::new();
    for (url, body) in requests {
        let client = app.client.clone();
        let key = app.admin.clone();
        tasks.spawn(async move {
            let res = client.post(url).bearer_auth(key).json(&body).send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    let mut counts = BTreeMap::new();
    let mut refused = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        let (status, body) = answer.unwrap();
        *counts.entry(status).or_insert(0) += 1;
        if !(200..300).contains(&status) {
            refused.push(body);
        }
    }
    (counts, refused)
}

/// Fires all order `bodies` at once and counts responses by status.
async fn race(app: &TestApp, bodies: Vec<Value>) -> BTreeMap<u16, usize> {
    let url = format!("{}/api/v1/orders", app.base);
    fire(app, bodies.into_iter().map(|b| (url.clone(), b)).collect())
        .await
        .0
}

async fn two_hundred_buyers_for_one_hundred_units_never_oversell(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 100).await;
    let bodies = (0..200)
        .map(|i| order("web", &format!("RACE-{i}"), &[("TEE", 1)]))
        .collect();
    let counts = race(app, bodies).await;
    assert_eq!(counts, BTreeMap::from([(201, 100), (409, 100)]));
    assert_eq!(app.level("TEE", "LON").await, (100, 100, 0));
    assert_eq!(app.order_count().await, 100);
    app.assert_books_balance().await;
}

async fn multi_line_orders_sharing_skus_never_oversell(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 60).await;
    app.receive("MUG", "LON", 40).await;
    // Each order wants 1 TEE and 1 MUG (as two TEE lines for some): MUG runs out first.
    let bodies = (0..100)
        .map(|i| {
            if i % 2 == 0 {
                order("web", &format!("ML-{i}"), &[("TEE", 1), ("MUG", 1)])
            } else {
                order("web", &format!("ML-{i}"), &[("MUG", 1), ("TEE", 1), ("TEE", 1)])
            }
        })
        .collect();
    let counts = race(app, bodies).await;
    let accepted = counts.get(&201).copied().unwrap_or(0);
    assert_eq!(accepted + counts.get(&409).copied().unwrap_or(0), 100, "{counts:?}");
    let (_, tee_reserved, tee_available) = app.level("TEE", "LON").await;
    let (_, mug_reserved, mug_available) = app.level("MUG", "LON").await;
    assert!(tee_available >= 0 && mug_available >= 0);
    assert!(tee_reserved <= 60 && mug_reserved <= 40);
    assert_eq!(mug_reserved as usize, accepted, "every accepted order holds one MUG");
    assert!(accepted >= 30, "stock was there for at least 30 orders: {counts:?}");
    assert_eq!(app.order_count().await, accepted);
    app.assert_books_balance().await;
}

both!(
    two_hundred_buyers_for_one_hundred_units_never_oversell,
    multi_line_orders_sharing_skus_never_oversell
);
