//! Concurrency: many clients racing for the last units never oversell, on either
//! backend. 200 orders of one unit each for a SKU with 100 units: exactly 100 win.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::both;
use crate::helpers::*;

/// Fires all `bodies` at once and counts responses by status.
async fn race(app: &TestApp, bodies: Vec<Value>) -> BTreeMap<u16, usize> {
    let mut tasks = tokio::task::JoinSet::new();
    for body in bodies {
        let client = app.client.clone();
        let url = format!("{}/api/v1/orders", app.base);
        let key = app.admin.clone();
        tasks.spawn(async move {
            client
                .post(url)
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut counts = BTreeMap::new();
    while let Some(status) = tasks.join_next().await {
        *counts.entry(status.unwrap()).or_insert(0) += 1;
    }
    counts
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
