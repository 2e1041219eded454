//! Pick lists: batching by count, cut-off and size, and short picks, which write off
//! the missing units and send the line back to routing (a ship-complete order whole).

use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

async fn a_short_pick_writes_off_the_missing_units_and_returns_the_line_to_routing(app: &TestApp) {
    app.warehouse().await;
    let first = app.place("S-1", &[("TEE", 1), ("MUG", 1)]).await;
    let second = app.place("S-2", &[("MUG", 2)]).await;
    app.release(json!({"location": "LON"})).await;
    let r = app.post("/api/v1/pick-lists", json!({"location": "LON"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let pl = r.body["number"].as_str().unwrap().to_owned();
    let pl_id = r.body["id"].as_str().unwrap().to_owned();
    let mug = r.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == "MUG")
        .unwrap()
        .clone();
    assert_eq!(mug["quantity"], 3);
    assert_eq!(mug["allocations"].as_array().unwrap().len(), 2);
    assert_eq!(app.level("MUG", "LON").await, (5, 3, 2));

    // Picks that name SKUs off the list, or more than listed, change nothing.
    let bad = app
        .post(
            &format!("/api/v1/pick-lists/{pl}/confirm"),
            json!({"picks": [{"sku": "CAP", "quantity": 1}, {"sku": "MUG", "quantity": 4}]}),
        )
        .await;
    assert_eq!(bad.invalid_fields(), ["/picks/0/sku", "/picks/1/quantity"]);

    // Two of three mugs found: the first tote is filled, the second is one short.
    let r = app
        .post(
            &format!("/api/v1/pick-lists/{pl}/confirm"),
            json!({"picks": [{"sku": "MUG", "quantity": 2}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totals"]["picked"], 3, "1 TEE and 2 MUG");
    let s1 = app.shipment_json(&format!("{first}-1")).await;
    assert_eq!(s1["status"], "picking");
    assert!(s1["milestones"]["picked_at"].is_string());
    let s2 = app.shipment_json(&format!("{second}-1")).await;
    assert_eq!(s2["status"], "cancelled", "its only line went back");
    assert_eq!(s2["lines"][0]["status"], "short");
    assert_eq!(s2["lines"][0]["picked_quantity"], 1);

    // The missing mug is written off as lost against the pick list; the line's
    // reservation is released and the line goes straight back to routing.
    let m = app.get(&format!("/api/v1/inventory/movements?reference={pl_id}")).await;
    let moves: Vec<(&str, Option<&str>, i64, i64)> = m.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap(),
                m["reason"].as_str(),
                m["on_hand_delta"].as_i64().unwrap(),
                m["reserved_delta"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(moves, [("adjustment", Some("lost"), -1, 0), ("release", None, 0, -2)]);
    // Routing serves the line again at once, here from LON's remaining stock.
    assert_eq!(app.level("MUG", "LON").await, (4, 3, 1));
    let o = app.order_json(&second).await;
    assert_eq!(o["lines"][0]["status"], "allocated");
    assert_eq!(o["fulfilment_status"], "allocated");
    let kinds: Vec<&str> = o["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    let short = kinds.iter().position(|k| *k == "order.short_picked").unwrap();
    assert_eq!(kinds[short + 1..].first(), Some(&"order.allocated"), "{kinds:?}");
    let event = o["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "order.short_picked")
        .unwrap();
    assert!(
        event["message"].as_str().unwrap().contains("found 1 of 2 × MUG"),
        "{}",
        event["message"]
    );
    assert_eq!(event["data"]["lost"][0]["lost"], 1);
    app.assert_books_balance().await;

    // It is released as the order's second shipment.
    let again = app.release(json!({"location": "LON", "orders": [second]})).await;
    assert_eq!(again[0]["number"], format!("{second}-2"));
    app.assert_books_balance().await;
}

async fn a_ship_complete_order_goes_back_whole_after_a_short_pick(app: &TestApp) {
    app.warehouse().await;
    let r = app
        .patch("/api/v1/channels/web", json!({"split_policy": "ship_complete"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let number = app.place("C-1", &[("TEE", 1), ("MUG", 1)]).await;
    app.release(json!({"location": "LON"})).await;
    let r = app.post("/api/v1/pick-lists", json!({"location": "LON"})).await;
    let pl = r.body["number"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/pick-lists/{pl}/confirm"),
            json!({"picks": [{"sku": "MUG", "quantity": 0}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let s = app.shipment_json(&format!("{number}-1")).await;
    assert_eq!(s["status"], "cancelled");
    let statuses: Vec<(&str, &str)> = s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sku"].as_str().unwrap(), l["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("TEE", "withdrawn"), ("MUG", "short")]);
    // Both lines went back together and were routed again together: LON still has
    // a tee and (on its books) four mugs.
    let o = app.order_json(&number).await;
    let moved = o["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "order.allocated")
        .count();
    assert_eq!(moved, 2, "routed at placement and again after the short pick");
    assert!(
        o["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status"] == "allocated")
    );
    assert_eq!(app.level("TEE", "LON").await, (10, 1, 9));
    assert_eq!(app.level("MUG", "LON").await, (4, 1, 3));
    app.assert_books_balance().await;
}

async fn pick_lists_batch_by_count_cut_off_and_size(app: &TestApp) {
    app.warehouse().await;
    // Placed before the cut-off: ship today (Tuesday); after it: tomorrow.
    let single = app.place("P-1", &[("TEE", 1)]).await;
    app.clock.set("2026-11-17T17:00:00Z".parse().unwrap());
    let multi = app.place("P-2", &[("TEE", 2)]).await;
    let mixed = app.place("P-3", &[("MUG", 1), ("TEE", 1)]).await;
    app.release(json!({"location": "LON"})).await;

    let create = |body: Value| async move { app.post("/api/v1/pick-lists", body).await };
    let r = create(json!({"location": "LON", "items": "single"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["shipments"][0]["number"], format!("{single}-1"));
    assert_eq!(r.body["totals"]["shipments"], 1);
    let r = create(json!({"location": "LON", "ship_by": "2026-11-17T16:00:00Z"})).await;
    r.problem(409, "nothing_to_pick");
    let r = create(json!({"location": "LON", "max_shipments": 1, "items": "multi"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["shipments"][0]["number"], format!("{multi}-1"));
    let r =
        create(json!({"location": "LON", "shipments": [format!("{multi}-1"), "SO-1-9", format!("{mixed}-1")]})).await;
    assert_eq!(r.invalid_fields(), ["/shipments/0", "/shipments/1"]);
    let r = create(json!({"location": "LON", "shipments": [format!("{mixed}-1")]})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let walk: Vec<&str> = r.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["sku"].as_str().unwrap())
        .collect();
    assert_eq!(walk, ["MUG", "TEE"], "bin A-01-3 before B-02-1");
    let lists = app.get("/api/v1/pick-lists?location=LON&status=open").await;
    assert_eq!(lists.body["data"].as_array().unwrap().len(), 3);
    let r = create(json!({"location": "LON"})).await;
    r.problem(409, "nothing_to_pick");
    let picking = app.get("/api/v1/shipments?location=LON&status=picking").await;
    assert_eq!(picking.body["data"].as_array().unwrap().len(), 3);
    app.assert_books_balance().await;
}

both!(
    a_short_pick_writes_off_the_missing_units_and_returns_the_line_to_routing,
    a_ship_complete_order_goes_back_whole_after_a_short_pick,
    pick_lists_batch_by_count_cut_off_and_size,
);
