//! Routing through the API: which location ships, why, when it is promised, and what
//! happens when stock arrives, a location goes down or an operator re-routes.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

fn zone(country: &str, level: &str, cost: i64, days: i64) -> Value {
    json!({"country": country, "service_level": level, "cost_per_shipment": gbp(cost), "cost_per_kg": gbp(0), "transit_days": days})
}

/// LON (priority 10) and MCR (priority 20) with zones: LON ships GB standard for
/// £4.20, MCR for £3.10 but slower; both on channel `web` (reject) and `amazon`
/// (backorder).
async fn network(app: &TestApp) {
    app.shop().await;
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/locations/LON/zones",
            Some(&app.admin),
            Some(&json!([zone("GB", "standard", 420, 2), zone("GB", "express", 900, 1)])),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["zones"].as_array().unwrap().len(), 2);
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/locations/MCR/zones",
            Some(&app.admin),
            Some(&json!([zone("GB", "standard", 310, 3)])),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

fn timeline_kinds(order: &Value) -> Vec<String> {
    order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn locations_of(order: &Value) -> Vec<String> {
    let mut l: Vec<String> = order["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["location"].as_str().unwrap().to_owned())
        .collect();
    l.sort();
    l.dedup();
    l
}

async fn the_cheapest_single_location_wins_and_the_timeline_says_why(app: &TestApp) {
    network(app).await;
    for loc in ["LON", "MCR"] {
        app.receive("TEE", loc, 5).await;
        app.receive("MUG", loc, 5).await;
    }
    let r = app
        .post("/api/v1/orders", order("web", "R-1", &[("TEE", 1), ("MUG", 1)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(locations_of(&r.body), ["MCR"], "MCR ships both for less");
    let routed = r.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "order.allocated")
        .unwrap()
        .clone();
    let message = routed["message"].as_str().unwrap();
    assert!(message.contains("MCR (2 lines): 1 shipment, 3.10 GBP"), "{message}");
    assert!(
        message.contains("Runner-up: LON (2 lines): 1 shipment, 4.20 GBP") && message.contains("costs more"),
        "{message}"
    );
    assert_eq!(routed["data"]["exact"], true);
    // Express: only LON ships it.
    let mut body = order("web", "R-2", &[("TEE", 1)]);
    body["service_level"] = json!("express");
    let r = app.post("/api/v1/orders", body).await;
    assert_eq!(locations_of(&r.body), ["LON"]);
    app.assert_books_balance().await;
}

async fn a_split_happens_only_when_no_single_location_can_ship(app: &TestApp) {
    network(app).await;
    app.receive("TEE", "LON", 5).await;
    app.receive("MUG", "MCR", 5).await;
    let r = app
        .post("/api/v1/orders", order("web", "S-1", &[("TEE", 1), ("MUG", 1)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        locations_of(&r.body),
        ["LON", "MCR"],
        "two shipments because no single location has both"
    );
    // Once one location has both, no split.
    app.receive("MUG", "LON", 5).await;
    let r = app
        .post("/api/v1/orders", order("web", "S-2", &[("TEE", 1), ("MUG", 1)]))
        .await;
    assert_eq!(locations_of(&r.body), ["LON"]);
    app.assert_books_balance().await;
}

async fn a_ship_complete_channel_waits_rather_than_split(app: &TestApp) {
    network(app).await;
    let r = app.post("/api/v1/channels", json!({"code": "etsy", "name": "Etsy", "kind": "etsy", "ship_from": ["LON", "MCR"], "shortage_policy": "backorder", "split_policy": "ship_complete"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.receive("TEE", "LON", 5).await;
    app.receive("MUG", "MCR", 5).await;
    let r = app
        .post("/api/v1/orders", order("etsy", "E-1", &[("TEE", 1), ("MUG", 1)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["fulfilment_status"], "backordered");
    assert!(
        r.body["reservations"].as_array().unwrap().is_empty(),
        "nothing reserved while it waits"
    );
    // When MCR also gets the TEE, the whole order ships from there.
    app.receive("TEE", "MCR", 1).await;
    let r = app.get("/api/v1/orders/E-1").await;
    assert_eq!(r.status, 404, "orders are read by id or number, not external id");
    let listed = app.get("/api/v1/orders?channel=etsy").await;
    let id = listed.body["data"][0]["id"].as_str().unwrap().to_owned();
    let r = app.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(r.body["fulfilment_status"], "allocated", "{}", r.body);
    assert_eq!(locations_of(&r.body), ["MCR"]);
    app.assert_books_balance().await;
}

async fn a_disabled_location_is_skipped_and_its_orders_move(app: &TestApp) {
    network(app).await;
    app.receive("TEE", "LON", 5).await;
    app.receive("TEE", "MCR", 5).await;
    let mut body = order("web", "D-1", &[("TEE", 2)]);
    body["service_level"] = json!("standard");
    let first = app.post("/api/v1/orders", body).await;
    assert_eq!(locations_of(&first.body), ["MCR"]);
    let r = app.post("/api/v1/locations/MCR/disable", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["disabled_at"].is_string());
    // The order placed before moved to LON, and says so.
    let id = first.body["id"].as_str().unwrap();
    let moved = app.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(locations_of(&moved.body), ["LON"], "{}", moved.body);
    assert!(timeline_kinds(&moved.body).contains(&"order.rerouted".to_owned()));
    assert_eq!(app.level("TEE", "MCR").await, (5, 0, 5));
    assert_eq!(app.level("TEE", "LON").await, (5, 2, 3));
    // New orders skip MCR while it is disabled.
    let r = app.post("/api/v1/orders", order("web", "D-2", &[("TEE", 1)])).await;
    assert_eq!(locations_of(&r.body), ["LON"]);
    let r = app.post("/api/v1/locations/MCR/enable", json!({})).await;
    assert_eq!(r.body["disabled_at"], Value::Null);
    let r = app.post("/api/v1/orders", order("web", "D-3", &[("TEE", 1)])).await;
    assert_eq!(locations_of(&r.body), ["MCR"]);
    app.assert_books_balance().await;
}

async fn backorders_are_filled_when_stock_arrives_oldest_first(app: &TestApp) {
    network(app).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let r = app
            .post("/api/v1/orders", order("amazon", &format!("B-{i}"), &[("TEE", 2)]))
            .await;
        assert_eq!(r.body["fulfilment_status"], "backordered");
        ids.push(r.body["id"].as_str().unwrap().to_owned());
        app.clock.advance(jiff::SignedDuration::from_mins(1));
    }
    // 3 units arrive: the oldest order (2) is served, the next (2) must wait.
    app.receive("TEE", "LON", 3).await;
    let status = |i: usize| {
        let id = ids[i].clone();
        async move { app.get(&format!("/api/v1/orders/{id}")).await.body }
    };
    let first = status(0).await;
    assert_eq!(first["fulfilment_status"], "allocated");
    let filled = first["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["message"].as_str().unwrap().starts_with("Backorder filled"))
        .cloned();
    assert!(filled.is_some(), "{}", first["timeline"]);
    assert_eq!(status(1).await["fulfilment_status"], "backordered");
    assert_eq!(status(2).await["fulfilment_status"], "backordered");
    assert_eq!(app.level("TEE", "LON").await, (3, 2, 1));
    // A cycle count up and a transfer in are arrivals too.
    let r = app
        .post(
            "/api/v1/inventory/counts",
            json!({"sku": "TEE", "location": "LON", "counted": 4}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(status(1).await["fulfilment_status"], "allocated");
    app.receive("TEE", "MCR", 2).await;
    assert_eq!(status(2).await["fulfilment_status"], "allocated");
    app.assert_books_balance().await;
}

async fn a_priority_order_jumps_the_backorder_queue(app: &TestApp) {
    network(app).await;
    let old = app.post("/api/v1/orders", order("amazon", "Q-1", &[("TEE", 2)])).await;
    app.clock.advance(jiff::SignedDuration::from_mins(5));
    let mut body = order("amazon", "Q-2", &[("TEE", 2)]);
    body["tags"] = json!(["priority"]);
    let vip = app.post("/api/v1/orders", body).await;
    assert_eq!(vip.body["priority"], 10);
    let mut body = order("amazon", "Q-3", &[("TEE", 1)]);
    body["priority"] = json!(101);
    assert_eq!(app.post("/api/v1/orders", body).await.invalid_fields(), ["/priority"]);
    app.receive("TEE", "LON", 2).await;
    let read = |o: &Value| {
        let id = o["id"].as_str().unwrap().to_owned();
        async move { app.get(&format!("/api/v1/orders/{id}")).await.body["fulfilment_status"].clone() }
    };
    assert_eq!(read(&vip.body).await, "allocated");
    assert_eq!(read(&old.body).await, "backordered");
    app.assert_books_balance().await;
}

async fn expected_at(app: &TestApp, order: &str) -> Value {
    app.get(&format!("/api/v1/orders/{order}")).await.body["lines"][0]["expected_at"].clone()
}

async fn a_backordered_line_expects_the_purchase_orders_that_cover_it(app: &TestApp) {
    network(app).await;
    let placed = app.post("/api/v1/orders", order("amazon", "X-1", &[("TEE", 3)])).await;
    assert_eq!(placed.body["lines"][0]["expected_at"], Value::Null);
    let id = placed.body["id"].as_str().unwrap().to_owned();
    let day = |n: i64| app.now().checked_add(jiff::SignedDuration::from_hours(24 * n)).unwrap();
    let po = |location: &str, quantity: i64, at: jiff::Timestamp| {
        json!({"supplier": {"name": "Cotton Co"}, "location": location, "currency": "GBP",
               "lines": [{"sku": "TEE", "quantity": quantity, "expected_at": at.to_string()}]})
    };
    let first = app.post("/api/v1/purchase-orders", po("LON", 2, day(5))).await;
    assert_eq!(first.status, 201, "{}", first.body);

    assert_eq!(
        expected_at(app, &id).await,
        Value::Null,
        "two of the three units are not enough"
    );
    let second = app.post("/api/v1/purchase-orders", po("MCR", 5, day(9))).await;
    assert_eq!(second.status, 201, "{}", second.body);
    let at: jiff::Timestamp = expected_at(app, &id).await.as_str().unwrap().parse().unwrap();
    assert_eq!(
        at.as_microsecond(),
        day(9).as_microsecond(),
        "covered once the second delivery arrives"
    );
    let number = second.body["number"].as_str().unwrap();
    let r = app
        .post(&format!("/api/v1/purchase-orders/{number}/cancel"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(expected_at(app, &id).await, Value::Null);
    app.assert_books_balance().await;
}

async fn a_cancelled_order_frees_stock_for_waiting_backorders(app: &TestApp) {
    network(app).await;
    app.receive("TEE", "LON", 2).await;
    let first = app.post("/api/v1/orders", order("web", "F-1", &[("TEE", 2)])).await;
    let waiting = app.post("/api/v1/orders", order("amazon", "F-2", &[("TEE", 2)])).await;
    assert_eq!(waiting.body["fulfilment_status"], "backordered");
    app.post(
        &format!("/api/v1/orders/{}/cancel", first.body["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    let r = app
        .get(&format!("/api/v1/orders/{}", waiting.body["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.body["fulfilment_status"], "allocated", "{}", r.body);
    app.assert_books_balance().await;
}

async fn every_order_is_promised_a_ship_and_delivery_date(app: &TestApp) {
    network(app).await;
    let r = app
        .patch(
            "/api/v1/locations/MCR",
            json!({"timezone": "Europe/London", "cutoff": "15:00", "handling_days": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["cutoff"], "15:00");
    app.receive("TEE", "MCR", 5).await;
    let r = app.post("/api/v1/orders", order("web", "P-1", &[("TEE", 1)])).await;
    let ship: jiff::Timestamp = r.body["reservations"][0]["promised_ship_at"]
        .as_str()
        .map(|s| s.parse().unwrap())
        .unwrap();
    let deliver: jiff::Timestamp = r.body["promised_delivery_at"]
        .as_str()
        .map(|s| s.parse().unwrap())
        .unwrap();
    let now = app.now();
    assert!(ship > now, "handling takes a working day");
    assert!(deliver > ship);
    assert_eq!(
        r.body["promised_ship_at"],
        r.body["reservations"][0]["promised_ship_at"]
    );
    // Three working days of transit after the ship day: at least three calendar days.
    assert!(
        deliver.as_second() - ship.as_second() >= 3 * 86_400 - 86_400,
        "{ship} -> {deliver}"
    );
    let bad = app
        .patch(
            "/api/v1/locations/MCR",
            json!({"timezone": "Mars/Olympus", "cutoff": "25:00"}),
        )
        .await;
    assert_eq!(bad.invalid_fields(), ["/timezone", "/cutoff"]);
}

async fn simulation_explains_the_choice_and_reserves_nothing(app: &TestApp) {
    network(app).await;
    app.receive("TEE", "LON", 5).await;
    app.receive("TEE", "MCR", 5).await;
    let r = app
        .post("/api/v1/routing/simulate", json!({"channel": "web", "destination": {"country": "GB", "postal_code": "LS1 4AP"}, "lines": [{"sku": "TEE", "quantity": 2}]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["chosen"]["shipments"][0]["location"], "MCR");
    assert_eq!(r.body["chosen"]["total_cost"], gbp(310));
    assert_eq!(r.body["runner_up"]["shipments"][0]["location"], "LON");
    assert_eq!(r.body["runner_up_lost_because"], "it costs more to ship");
    assert_eq!(app.level("TEE", "MCR").await, (5, 0, 5), "nothing reserved");
    // A destination no zone covers: nothing can ship.
    let r = app
        .post(
            "/api/v1/routing/simulate",
            json!({"channel": "web", "destination": {"country": "JP"}, "lines": [{"sku": "TEE", "quantity": 1}]}),
        )
        .await;
    assert_eq!(r.body["chosen"]["unserved_lines"], json!([0]));
    let r = app
        .post(
            "/api/v1/routing/simulate",
            json!({"channel": "web", "destination": {}, "lines": [{"sku": "NOPE", "quantity": 0}]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/destination/country", "/lines/0/quantity"]);
}

async fn an_operator_can_re_route_an_order(app: &TestApp) {
    network(app).await;
    app.receive("TEE", "MCR", 5).await;
    let r = app.post("/api/v1/orders", order("web", "O-1", &[("TEE", 1)])).await;
    assert_eq!(locations_of(&r.body), ["MCR"]);
    let id = r.body["id"].as_str().unwrap().to_owned();
    // MCR's rates go up: a re-route moves the order to LON.
    app.receive("TEE", "LON", 5).await;
    app.send(
        reqwest::Method::PUT,
        "/api/v1/locations/MCR/zones",
        Some(&app.admin),
        Some(&json!([zone("GB", "standard", 990, 3)])),
        &[],
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/orders/{id}/reroute"),
            json!({"reason": "carrier rates changed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(locations_of(&r.body), ["LON"]);
    let rerouted = r.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "order.rerouted")
        .unwrap()
        .clone();
    assert!(rerouted["message"].as_str().unwrap().contains("carrier rates changed"));
    app.post(&format!("/api/v1/orders/{id}/cancel"), json!({})).await;
    app.post(&format!("/api/v1/orders/{id}/reroute"), json!({}))
        .await
        .problem(409, "invalid_transition");
    app.assert_books_balance().await;
}

async fn a_kit_reserves_its_components_at_one_location(app: &TestApp) {
    network(app).await;
    app.product("GIFTSET", 4000).await;
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/products/GIFTSET/components",
            Some(&app.admin),
            Some(&json!([{"sku": "MUG", "quantity": 2}, {"sku": "TEE", "quantity": 1}])),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["components"].as_array().unwrap().len(), 2);
    app.receive("MUG", "LON", 4).await;
    app.receive("TEE", "LON", 1).await;
    app.receive("MUG", "MCR", 1).await;
    app.receive("TEE", "MCR", 9).await;
    let r = app.post("/api/v1/orders", order("web", "K-1", &[("GIFTSET", 1)])).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(locations_of(&r.body), ["LON"], "only LON has two mugs");
    assert_eq!(app.level("MUG", "LON").await, (4, 2, 2));
    assert_eq!(app.level("TEE", "LON").await, (1, 1, 0));
    let r = app.post("/api/v1/orders", order("web", "K-2", &[("GIFTSET", 2)])).await;
    let p = r.problem(409, "insufficient_stock");
    assert_eq!(p["lines"][0]["available"], 0);
    // A kit has no stock of its own, and cannot change while on open orders.
    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": "GIFTSET", "location": "LON", "quantity": 1}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/sku"]);
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/products/GIFTSET/components",
            Some(&app.admin),
            Some(&json!([])),
            &[],
        )
        .await;
    r.problem(409, "kit_in_use");
    app.assert_books_balance().await;
}

async fn zones_are_validated_field_by_field(app: &TestApp) {
    network(app).await;
    let bad = json!([
        {"country": "GB", "service_level": "standard", "cost_per_shipment": gbp(-1), "transit_days": 2},
        {"country": "XX1", "service_level": "teleport", "transit_days": 2},
    ]);
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/locations/LON/zones",
            Some(&app.admin),
            Some(&bad),
            &[],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/locations/LON/zones",
            Some(&app.admin),
            Some(&json!([{"country": "XX1", "service_level": "standard", "transit_days": 99}])),
            &[],
        )
        .await;
    assert_eq!(
        r.invalid_fields(),
        ["/0/country", "/0/cost_per_shipment", "/0/transit_days"]
    );
    let lon = app.get("/api/v1/locations/LON").await;
    assert_eq!(lon.body["zones"].as_array().unwrap().len(), 2, "nothing changed");
}

both!(
    the_cheapest_single_location_wins_and_the_timeline_says_why,
    a_split_happens_only_when_no_single_location_can_ship,
    a_ship_complete_channel_waits_rather_than_split,
    a_disabled_location_is_skipped_and_its_orders_move,
    backorders_are_filled_when_stock_arrives_oldest_first,
    a_cancelled_order_frees_stock_for_waiting_backorders,
    a_priority_order_jumps_the_backorder_queue,
    a_backordered_line_expects_the_purchase_orders_that_cover_it,
    every_order_is_promised_a_ship_and_delivery_date,
    simulation_explains_the_choice_and_reserves_nothing,
    an_operator_can_re_route_an_order,
    a_kit_reserves_its_components_at_one_location,
    zones_are_validated_field_by_field,
);
