//! Stock through HTTP: receipts, adjustments, cycle counts and transfers and the
//! ledger rows they write, and the helpers the submodules share; levels and ledger
//! lists in `reads`, every movement the rules refuse in `refusals`.

mod reads;
mod refusals;

use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

/// Lets time pass, so movements made afterwards are newer.
fn tick(app: &TestApp) {
    app.clock.advance(SignedDuration::from_secs(60));
}

/// Every movement of the ledger (newest first), filtered by `query`.
async fn movements(app: &TestApp, query: &str) -> Vec<Value> {
    let sep = if query.is_empty() { "" } else { "&" };
    let r = app
        .get(&format!("/api/v1/inventory/movements?limit=500{sep}{query}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["next_cursor"].is_null(), "more than 500 movements");
    r.body["data"].as_array().unwrap().clone()
}

async fn place(app: &TestApp, external_id: &str, lines: &[(&str, i64)]) -> String {
    let r = app.post("/api/v1/orders", order("web", external_id, lines)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn receiving_stock_raises_on_hand_and_records_a_receipt(app: &TestApp) {
    app.shop().await;
    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": "TEE", "location": "LON", "quantity": 10, "reference": "PO-1001", "note": "pallet 1 of 2"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ms = r.body["movements"].as_array().unwrap();
    assert_eq!(ms.len(), 1);
    let m = &ms[0];
    assert!(m["id"].as_str().unwrap().starts_with("mov_"));
    assert_eq!(m["kind"], "receipt");
    assert_eq!(m["sku"], "TEE");
    assert_eq!(m["location"], "LON");
    assert_eq!(m["on_hand_delta"], 10);
    assert_eq!(m["reserved_delta"], 0);
    assert_eq!(m["on_hand_after"], 10);
    assert_eq!(m["reserved_after"], 0);
    assert_eq!(m["reference"], "PO-1001");
    assert_eq!(m["note"], "pallet 1 of 2");
    assert_eq!(m["actor"], "test admin");
    assert!(m["reason"].is_null());
    assert_eq!(app.level("TEE", "LON").await, (10, 0, 10));

    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": "TEE", "location": "LON", "quantity": 5, "reference": "PO-1001"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["movements"][0]["on_hand_after"], 15);
    assert_eq!(app.level("TEE", "LON").await, (15, 0, 15));
    assert_eq!(
        app.level("TEE", "MCR").await,
        (0, 0, 0),
        "other locations are untouched"
    );
    assert_eq!(movements(app, "reference=PO-1001").await.len(), 2);

    // By product id and location id too.
    let product = app.get("/api/v1/products/MUG").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let location = app.get("/api/v1/locations/MCR").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": product, "location": location, "quantity": 4}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["movements"][0]["sku"], "MUG");
    assert_eq!(r.body["movements"][0]["location"], "MCR");
    assert_eq!(app.level("MUG", "MCR").await, (4, 0, 4));
    app.assert_books_balance().await;
}

async fn an_adjustment_changes_on_hand_and_records_its_reason(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -2, "reason": "damaged", "note": "crushed in transit"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let m = &r.body["movements"][0];
    assert_eq!(m["kind"], "adjustment");
    assert_eq!(m["reason"], "damaged");
    assert_eq!(m["note"], "crushed in transit");
    assert_eq!(m["on_hand_delta"], -2);
    assert_eq!(m["on_hand_after"], 8);
    assert_eq!(app.level("TEE", "LON").await, (8, 0, 8));

    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": 1, "reason": "found"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["movements"][0]["reason"], "found");
    assert_eq!(r.body["movements"][0]["on_hand_after"], 9);
    assert_eq!(app.level("TEE", "LON").await, (9, 0, 9));

    // Down to exactly zero is allowed.
    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -9, "reason": "lost"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(app.level("TEE", "LON").await, (0, 0, 0));

    let reasons: Vec<_> = movements(app, "kind=adjustment")
        .await
        .iter()
        .map(|m| m["reason"].clone())
        .collect();
    assert_eq!(reasons, [json!("lost"), json!("found"), json!("damaged")]);
    app.assert_books_balance().await;
}

async fn a_cycle_count_replaces_on_hand_and_the_ledger_records_the_difference(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/counts",
            json!({"sku": "TEE", "location": "LON", "counted": 7, "note": "aisle 4"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let m = &r.body["movements"][0];
    assert_eq!(m["kind"], "cycle_count");
    assert_eq!(m["on_hand_delta"], -3);
    assert_eq!(m["on_hand_after"], 7);
    assert_eq!(m["note"], "aisle 4");
    assert_eq!(app.level("TEE", "LON").await, (7, 0, 7));

    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/counts",
            json!({"sku": "TEE", "location": "LON", "counted": 12}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["movements"][0]["on_hand_delta"], 5);
    assert_eq!(r.body["movements"][0]["on_hand_after"], 12);
    assert_eq!(app.level("TEE", "LON").await, (12, 0, 12));

    // Counting a SKU never stocked at a location starts its balance.
    let r = app
        .post(
            "/api/v1/inventory/counts",
            json!({"sku": "MUG", "location": "MCR", "counted": 4}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["movements"][0]["on_hand_delta"], 4);
    assert_eq!(app.level("MUG", "MCR").await, (4, 0, 4));

    let deltas: Vec<_> = movements(app, "sku=TEE&kind=cycle_count")
        .await
        .iter()
        .map(|m| m["on_hand_delta"].clone())
        .collect();
    assert_eq!(deltas, [json!(5), json!(-3)]);
    app.assert_books_balance().await;
}

async fn a_transfer_moves_units_between_locations_in_two_movements(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    app.receive("TEE", "MCR", 1).await;
    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 4, "reference": "TR-1"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ms = r.body["movements"].as_array().unwrap();
    assert_eq!(ms.len(), 2, "{}", r.body);
    let out = ms.iter().find(|m| m["kind"] == "transfer_out").expect("a transfer_out");
    let inn = ms.iter().find(|m| m["kind"] == "transfer_in").expect("a transfer_in");
    assert_eq!(
        (&out["location"], &out["on_hand_delta"], &out["on_hand_after"]),
        (&json!("LON"), &json!(-4), &json!(6))
    );
    assert_eq!(
        (&inn["location"], &inn["on_hand_delta"], &inn["on_hand_after"]),
        (&json!("MCR"), &json!(4), &json!(5))
    );
    assert!(ms.iter().all(|m| m["reference"] == "TR-1" && m["sku"] == "TEE"));
    assert_eq!(app.level("TEE", "LON").await, (6, 0, 6));
    assert_eq!(app.level("TEE", "MCR").await, (5, 0, 5));

    let mut kinds: Vec<_> = movements(app, "reference=TR-1")
        .await
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["transfer_in", "transfer_out"]);

    // Into a location that never held the SKU.
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "MCR", "to": "LON", "quantity": 5}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(app.level("TEE", "LON").await, (11, 0, 11));
    assert_eq!(app.level("TEE", "MCR").await, (0, 0, 0));
    app.assert_books_balance().await;
}

both!(
    receiving_stock_raises_on_hand_and_records_a_receipt,
    an_adjustment_changes_on_hand_and_records_its_reason,
    a_cycle_count_replaces_on_hand_and_the_ledger_records_the_difference,
    a_transfer_moves_units_between_locations_in_two_movements,
);
