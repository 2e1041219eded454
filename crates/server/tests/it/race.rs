//! Concurrency: many clients racing for the last units never oversell, on either
//! backend. 200 orders of one unit each for a SKU with 100 units: exactly 100 win.
//! Writes that cannot fail for want of stock (receipts, adjustments up) are never
//! refused for racing each other (`storm`).

mod storm;

use std::collections::BTreeMap;

use serde_json::{Value, json};

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

/// Two marketplaces that took the customers' money sell the last unit at the same
/// moment: exactly one order reserves it. The other follows its channel's policy: on a
/// `backorder` channel it waits as a backorder; on a `reject` channel it is not refused
/// (the sale happened and the money is taken) but kept on hold with reason `stock` for
/// an operator, with a timeline entry saying why.
async fn two_channels_selling_the_last_unit_reserve_it_once(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.product("TEE", 1800).await;
    app.product("MUG", 1200).await;
    for (code, policy) in [("amazon", "reject"), ("ebay", "reject"), ("etsy", "backorder")] {
        let r = app
            .post(
                "/api/v1/channels",
                json!({"code": code, "name": code, "kind": code, "ship_from": ["LON"],
                       "shortage_policy": policy, "payment_provider": "channel", "capture_mode": "on_placement"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // A SKU per round, so the first round's waiting order does not take the second's unit.
    for (round, (sku, a, b)) in [("TEE", "amazon", "ebay"), ("MUG", "amazon", "etsy")]
        .into_iter()
        .enumerate()
    {
        app.receive(sku, "LON", 1).await;
        let url = format!("{}/api/v1/orders", app.base);
        let (counts, refused) = fire(
            app,
            vec![
                (url.clone(), order(a, &format!("LAST-{round}-A"), &[(sku, 1)])),
                (url, order(b, &format!("LAST-{round}-B"), &[(sku, 1)])),
            ],
        )
        .await;
        assert_eq!(
            counts,
            BTreeMap::from([(201, 2)]),
            "neither sale is refused: {refused:?}"
        );
        assert_eq!(app.level(sku, "LON").await.2, 0, "the one unit is reserved, once");
        let mut reserved = 0;
        for channel in [a, b] {
            let list = app.get(&format!("/api/v1/orders?channel={channel}&limit=500")).await;
            let summary = list.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["external_id"].as_str().unwrap().starts_with(&format!("LAST-{round}")))
                .unwrap()
                .clone();
            let o = app.order_json(summary["number"].as_str().unwrap()).await;
            match o["lines"][0]["status"].as_str().unwrap() {
                "allocated" => {
                    reserved += 1;
                    assert_eq!(o["status"], "open");
                }
                "backordered" if channel == "etsy" => {
                    assert_eq!(o["status"], "open", "a backorder channel's order waits open: {o}");
                }
                "backordered" => {
                    assert_eq!(o["status"], "on_hold", "{o}");
                    assert_eq!(o["hold"]["reason"], "stock", "{o}");
                    let kinds: Vec<&str> = o["timeline"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|e| e["kind"].as_str())
                        .collect();
                    assert!(kinds.contains(&"order.held"), "the operator is told: {kinds:?}");
                }
                other => panic!("unexpected line status {other}: {o}"),
            }
            assert_eq!(
                o["payment_status"], "paid_by_channel",
                "the channel has the money either way"
            );
        }
        assert_eq!(reserved, 1, "exactly one of the two orders reserves the last unit");
    }
    app.assert_books_balance().await;
}

both!(
    two_hundred_buyers_for_one_hundred_units_never_oversell,
    multi_line_orders_sharing_skus_never_oversell,
    two_channels_selling_the_last_unit_reserve_it_once
);
