//! Releasing work: locations that release on their own, held orders and cancelled
//! shipments, unknown places named, and who may release.

use serde_json::json;
use switchyard_core::auth::Role;

use super::kinds;
use crate::both;
use crate::helpers::*;

async fn auto_locations_release_work_without_an_operator(app: &TestApp) {
    app.warehouse().await;
    let waiting = app.place("A-1", &[("TEE", 1)]).await;
    let settings = app.get("/api/v1/locations/LON/fulfilment").await;
    assert_eq!(settings.body["release_mode"], "manual");
    assert_eq!(settings.body["units_waiting"], 1);
    assert_eq!(
        app.store.release_due_shipments().await.unwrap(),
        0,
        "manual locations wait"
    );

    // Switching to auto releases what waits at once, then new work as it comes.
    let r = app
        .put("/api/v1/locations/LON/fulfilment", json!({"release_mode": "auto"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["units_waiting"], 0);
    assert_eq!(r.body["shipments_on_floor"], 1);
    assert_eq!(app.shipment_json(&format!("{waiting}-1")).await["status"], "released");
    let next = app.place("A-2", &[("MUG", 2)]).await;
    let held = app.place("A-3", &[("MUG", 1)]).await;
    let r = app
        .post(
            &format!("/api/v1/orders/{held}/hold"),
            json!({"reason": "fraud_review"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.store.release_due_shipments().await.unwrap(), 1);
    assert_eq!(app.shipment_json(&format!("{next}-1")).await["status"], "released");
    let none = app.get(&format!("/api/v1/orders/{held}/shipments")).await;
    assert_eq!(none.body, json!([]), "held orders stay back");
    let event = app.order_json(&next).await["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "order.shipment_released")
        .cloned()
        .unwrap();
    assert_eq!(event["actor"], "system");
    let r = app.put("/api/v1/locations/LON/fulfilment", json!({})).await;
    assert_eq!(r.invalid_fields(), ["/release_mode"]);
    app.assert_books_balance().await;
}

async fn held_orders_are_not_packed_and_cancelled_shipments_wait_for_release(app: &TestApp) {
    app.warehouse().await;
    let number = app.place("H-1", &[("TEE", 1)]).await;
    let shipments = app.release(json!({"location": "LON"})).await;
    let shipment = shipments[0]["number"].as_str().unwrap().to_owned();
    let r = app
        .post(&format!("/api/v1/orders/{number}/hold"), json!({"reason": "address"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .act(
            &shipment,
            "pack",
            json!({"scans": ["TEE"], "package": {"weight_grams": 300}}),
        )
        .await;
    let problem = r.problem(409, "invalid_transition");
    assert_eq!(problem["current_status"], "on_hold");
    assert_eq!(problem["detail"], "cannot fulfil an order that is on_hold");

    // Cancelling the shipment keeps the stock reserved for the order.
    let r = app
        .act(&shipment, "cancel", json!({"reason": "address to check"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(app.level("TEE", "LON").await, (10, 1, 9));
    assert!(
        app.release(json!({"location": "LON"})).await.is_empty(),
        "the order is held"
    );
    app.post(&format!("/api/v1/orders/{number}/release"), json!({})).await;
    let again = app.release(json!({"location": "LON"})).await;
    assert_eq!(again[0]["number"], format!("{number}-2"));
    let o = app.order_json(&number).await;
    assert!(kinds(&o["timeline"]).contains(&"order.shipment_cancelled".to_owned()));
    app.assert_books_balance().await;
}

async fn releases_name_unknown_places_and_roles_are_enforced(app: &TestApp) {
    app.warehouse().await;
    app.place("R-1", &[("TEE", 1)]).await;
    let r = app
        .post("/api/v1/shipments/release", json!({"location": "NOWHERE"}))
        .await;
    assert_eq!(r.invalid_fields(), ["/location"]);
    let r = app
        .post(
            "/api/v1/shipments/release",
            json!({"location": "LON", "orders": ["SO-1"], "channels": ["nope"]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/orders/0", "/channels/0"]);
    let support = app.key(Role::Support).await;
    let r = app
        .send(
            reqwest::Method::POST,
            "/api/v1/shipments/release",
            Some(&support),
            Some(&json!({"location": "LON"})),
            &[],
        )
        .await;
    r.problem(403, "forbidden");
    let warehouse = app.key(Role::Warehouse).await;
    let r = app
        .send(
            reqwest::Method::POST,
            "/api/v1/shipments/release",
            Some(&warehouse),
            Some(&json!({"location": "LON"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["shipments"][0]["number"].as_str().map(|n| n.ends_with("-1")),
        Some(true)
    );
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/locations/LON/bins",
            Some(&warehouse),
            Some(&json!([{"sku": "TEE", "bin": "Z-9"}])),
            &[],
        )
        .await;
    r.problem(403, "forbidden");
    let r = app
        .put(
            "/api/v1/locations/LON/bins",
            json!([{"sku": "NOPE", "bin": "Z-9"}, {"sku": "MUG", "bin": ""}]),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/0/sku"]);
    let r = app
        .put("/api/v1/locations/LON/bins", json!([{"sku": "MUG", "bin": null}]))
        .await;
    assert_eq!(r.body, json!([]));
    let bins = app.get("/api/v1/locations/LON/bins").await;
    let listed: Vec<&str> = bins.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["sku"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["TEE"]);
    let carriers = app.get("/api/v1/carriers").await;
    assert_eq!(carriers.body["data"].as_array().unwrap().len(), 5);
    assert_eq!(carriers.body["data"][4]["name"], "Royal Mail");
}

both!(
    auto_locations_release_work_without_an_operator,
    held_orders_are_not_packed_and_cancelled_shipments_wait_for_release,
    releases_name_unknown_places_and_roles_are_enforced,
);
