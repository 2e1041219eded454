//! Numbers past every bound: prices, costs and totals up to `i64::MAX` are refused
//! naming the field, and a cost stored before the bound, or a kit too heavy to count,
//! never makes routing wrap around to a cheap location.

use serde_json::{Value, json};

use super::{named, pairs};
use crate::both;
use crate::helpers::*;

const MAX: i64 = i64::MAX;
const AT_MOST: &str = "must be at most 10000000000.00 GBP";

async fn put(app: &TestApp, path: &str, body: Value) -> Resp {
    app.send(reqwest::Method::PUT, path, Some(&app.admin), Some(&body), &[])
        .await
}

fn zone(per_shipment: i64, per_kg: i64) -> Value {
    json!({"country": "GB", "service_level": "standard", "cost_per_shipment": gbp(per_shipment),
           "cost_per_kg": gbp(per_kg), "transit_days": 1})
}

async fn prices_costs_and_totals_past_the_bound_are_refused(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let r = app
        .post(
            "/api/v1/products",
            json!({"sku": "GOLD", "title": "Gold", "price": gbp(MAX)}),
        )
        .await;
    assert_eq!(named(&r), pairs(&[("/price", "out_of_range")]));
    assert_eq!(r.body["errors"][0]["message"], AT_MOST);
    let r = app.patch("/api/v1/products/TEE", json!({"cost": gbp(MAX)})).await;
    assert_eq!(named(&r), pairs(&[("/cost", "out_of_range")]));
    let r = app
        .patch("/api/v1/products/TEE", json!({"weight_grams": 1_000_000_001}))
        .await;
    assert_eq!(named(&r), pairs(&[("/weight_grams", "out_of_range")]));
    let r = put(app, "/api/v1/locations/LON/zones", json!([zone(0, MAX)])).await;
    assert_eq!(named(&r), pairs(&[("/0/cost_per_kg", "out_of_range")]));
    let r = put(app, "/api/v1/locations/LON/zones", json!([zone(MAX, 0)])).await;
    assert_eq!(named(&r), pairs(&[("/0/cost_per_shipment", "out_of_range")]));
    // An order whose total is exactly i64::MAX, sent with that total.
    let mut exact = order("web", "MAX-1", &[("TEE", 1)]);
    exact["lines"][0]["unit_price"] = gbp(MAX);
    exact["lines"][0]["tax"] = gbp(0);
    exact["shipping"] = json!({"amount": gbp(0), "tax": gbp(0)});
    exact["totals"] = json!({"total": gbp(MAX)});
    let r = app.post("/api/v1/orders", exact).await;
    assert_eq!(named(&r), pairs(&[("/lines/0/unit_price", "out_of_range")]));
    // Every amount within the bound, the total past it.
    let mut many = order("web", "MAX-2", &[("TEE", 2)]);
    many["lines"][0]["unit_price"] = gbp(1_000_000_000_000);
    let r = app.post("/api/v1/orders", many).await;
    assert_eq!(named(&r), pairs(&[("/totals", "out_of_range")]));
    let r = app
        .post(
            "/api/v1/purchase-orders",
            json!({"supplier": {"name": "S"}, "location": "LON", "currency": "GBP", "expected_at": "2030-01-01",
                   "lines": [{"sku": "TEE", "quantity": 1, "unit_cost": gbp(MAX)}]}),
        )
        .await;
    assert_eq!(named(&r), pairs(&[("/lines/0/unit_cost", "out_of_range")]));
    assert_eq!(app.order_count().await, 0);
    assert_eq!(app.get("/api/v1/products/TEE").await.body["cost"], Value::Null);
    app.assert_books_balance().await;
}

/// Every `amount` in a JSON document.
fn amounts(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Object(map) => {
            if let Some(a) = map.get("amount").and_then(Value::as_i64) {
                out.push(a);
            }
            map.values().for_each(|v| amounts(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| amounts(v, out)),
        _ => {}
    }
}

async fn a_cost_that_overflows_never_makes_a_location_cheap(app: &TestApp) {
    app.shop().await;
    assert_eq!(
        put(app, "/api/v1/locations/LON/zones", json!([zone(420, 0)]))
            .await
            .status,
        200
    );
    assert_eq!(
        put(app, "/api/v1/locations/MCR/zones", json!([zone(0, 1)]))
            .await
            .status,
        200
    );
    // MCR's price per kg as stored before inputs were bounded.
    switchyard_store::db::query(format!(
        "UPDATE shipping_zone SET cost_per_kg = {MAX} WHERE location_id IN (SELECT id FROM location WHERE code = 'MCR')"
    ))
    .execute(app.store.pool())
    .await
    .unwrap();
    let r = app.patch("/api/v1/products/TEE", json!({"weight_grams": 500})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.receive("TEE", "LON", 5).await;
    app.receive("TEE", "MCR", 5).await;
    let simulate = json!({"channel": "web", "destination": {"country": "GB", "postal_code": "LS1 4AP"},
                          "lines": [{"sku": "TEE", "quantity": 1}]});
    let r = app.post("/api/v1/routing/simulate", simulate).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["chosen"]["shipments"][0]["location"], "LON", "{}", r.body);
    assert_eq!(r.body["chosen"]["total_cost"], gbp(420));
    let mut all = Vec::new();
    amounts(&r.body, &mut all);
    assert!(all.iter().all(|a| (0..=420).contains(a)), "{all:?} in {}", r.body);
    let r = app.post("/api/v1/orders", order("web", "W-1", &[("TEE", 1)])).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(app.level("TEE", "LON").await, (5, 1, 4));
    // A kit too heavy to count: its line waits, nothing wraps.
    app.product("CRATE", 100).await;
    let r = app
        .patch("/api/v1/products/MUG", json!({"weight_grams": 1_000_000}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = put(
        app,
        "/api/v1/products/CRATE/components",
        json!([{"sku": "MUG", "quantity": 1_000_000_000}]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            "/api/v1/routing/simulate",
            json!({"channel": "web", "destination": {"country": "GB", "postal_code": "LS1 4AP"},
                   "lines": [{"sku": "CRATE", "quantity": 10_000}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["chosen"]["unserved_lines"], json!([0]));
    app.assert_books_balance().await;
}

both!(
    prices_costs_and_totals_past_the_bound_are_refused,
    a_cost_that_overflows_never_makes_a_location_cheap,
);
