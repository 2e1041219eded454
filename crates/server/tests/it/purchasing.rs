//! Purchase orders through HTTP: creation with every field validated, lists and
//! filters, and the helpers the submodules share; receipts, close and cancel in
//! `receipts`, available-to-promise from inbound stock and backorders in `atp`, supplier
//! terms and draft purchase orders from reorder suggestions in `replenishment`, the
//! suggestions themselves in `suggestions`. The
//! books balance after each.

mod atp;
mod receipts;
pub(crate) mod replenishment;
pub(crate) mod suggestions;

use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use serde_json::{Value, json};
use switchyard_core::auth::Role;

use crate::both;
use crate::helpers::*;

/// `n` days from the test clock's now, in whole seconds.
fn days(app: &TestApp, n: i64) -> Timestamp {
    Timestamp::from_second(app.now().as_second() + n * 86_400).unwrap()
}

fn time(v: &Value) -> Timestamp {
    v.as_str().unwrap().parse().unwrap()
}

/// A purchase order body from `supplier` to `location` with `(sku, quantity, expected)` lines.
fn po_body(supplier: &str, location: &str, lines: &[(&str, i64, Timestamp)]) -> Value {
    json!({
        "supplier": {"name": supplier},
        "location": location,
        "currency": "GBP",
        "lines": lines.iter().map(|(sku, q, at)| json!({"sku": sku, "quantity": q, "expected_at": at.to_string()})).collect::<Vec<_>>(),
    })
}

/// Creates a purchase order and returns its number.
async fn create(app: &TestApp, body: Value) -> String {
    let r = app.post("/api/v1/purchase-orders", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["number"].as_str().unwrap().to_owned()
}

async fn receive(app: &TestApp, number: &str, lines: Value) -> Resp {
    app.post(
        &format!("/api/v1/purchase-orders/{number}/receipts"),
        json!({ "lines": lines }),
    )
    .await
}

async fn po(app: &TestApp, number: &str) -> Value {
    let r = app.get(&format!("/api/v1/purchase-orders/{number}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// (received, outstanding) of each line.
fn progress(po: &Value) -> Vec<(i64, i64)> {
    po["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["received"].as_i64().unwrap(), l["outstanding"].as_i64().unwrap()))
        .collect()
}

async fn topics(app: &TestApp, po: &Value) -> Vec<String> {
    let messages = app.store.outbox_for(po["id"].as_str().unwrap()).await.unwrap();
    messages.into_iter().map(|m| m.topic).collect()
}

async fn numbers(app: &TestApp, query: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/purchase-orders?{query}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let data = r.body["data"].as_array().unwrap();
    data.iter().map(|p| p["number"].as_str().unwrap().to_owned()).collect()
}

async fn a_purchase_order_is_validated_field_by_field_and_nothing_is_stored_until_it_is_valid(app: &TestApp) {
    app.shop().await;
    let r = app
        .post(
            "/api/v1/purchase-orders",
            json!({
                "supplier": {"name": "", "email": "not-an-email"},
                "location": "L O N",
                "currency": "POUNDS",
                "lines": [
                    {"sku": "TEE", "quantity": 0, "expected_at": "next week"},
                    {"quantity": 5, "unit_cost": {"amount": -1, "currency": "GBP"}, "expected_at": "2027-01-01"},
                ],
            }),
        )
        .await;
    assert_eq!(
        r.invalid_fields(),
        [
            "/supplier/name",
            "/supplier/email",
            "/location",
            "/currency",
            "/lines/0/quantity",
            "/lines/0/expected_at",
            "/lines/1/sku",
            "/lines/1/unit_cost",
        ]
    );
    let r = app.post("/api/v1/purchase-orders", json!({})).await;
    assert_eq!(r.invalid_fields(), ["/supplier", "/location", "/currency", "/lines"]);
    // Unknown SKUs and locations are named too, and a cost in another currency.
    let mut body = po_body(
        "Fernhill",
        "NOWHERE",
        &[("TEE", 5, days(app, 3)), ("NOPE", 1, days(app, 3))],
    );
    body["lines"][0]["unit_cost"] = json!({"amount": 500, "currency": "EUR"});
    assert_eq!(
        app.post("/api/v1/purchase-orders", body.clone()).await.invalid_fields(),
        ["/lines/0/unit_cost"]
    );
    body["lines"][0]["unit_cost"] = gbp(500);
    let r = app.post("/api/v1/purchase-orders", body).await;
    assert_eq!(r.invalid_fields(), ["/location", "/lines/1/sku"]);
    assert_eq!(r.body["errors"][0]["code"], "unknown_location");
    assert_eq!(r.body["errors"][1]["code"], "unknown_sku");
    // A kit has no stock of its own: its components are ordered instead.
    app.product("GIFT", 4000).await;
    let components = json!([{"sku": "MUG", "quantity": 2}]);
    let set = app.send(
        Method::PUT,
        "/api/v1/products/GIFT/components",
        Some(&app.admin),
        Some(&components),
        &[],
    );
    assert_eq!(set.await.status, 200);
    let r = app
        .post(
            "/api/v1/purchase-orders",
            po_body("Fernhill", "LON", &[("GIFT", 1, days(app, 3))]),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/lines/0/sku"]);
    assert_eq!(r.body["errors"][0]["code"], "kit");
    assert!(numbers(app, "").await.is_empty(), "nothing was stored");

    let warehouse = app.key(Role::Warehouse).await;
    let valid = json!({
        "supplier": {"name": "Fernhill Ceramics", "reference": "FC-88213", "email": "Orders@Fernhill.example"},
        "location": "LON",
        "currency": "GBP",
        "expected_at": "2027-01-15",
        "lines": [
            {"sku": "MUG", "quantity": 120, "unit_cost": gbp(450)},
            {"sku": "TEE", "quantity": 60, "expected_at": "2027-02-01T09:00:00Z"},
        ],
        "notes": "deliver to dock 2",
    });
    let refused = app
        .send(
            Method::POST,
            "/api/v1/purchase-orders",
            Some(&warehouse),
            Some(&valid),
            &[],
        )
        .await;
    refused.problem(403, "forbidden");

    let r = app.post("/api/v1/purchase-orders", valid.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let p = &r.body;
    assert_eq!(p["number"], "PO-1001", "the refused requests used up no number");
    assert!(p["id"].as_str().unwrap().starts_with("po_"));
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/purchase-orders/{}", p["id"].as_str().unwrap()).as_str())
    );
    assert_eq!(p["status"], "open");
    assert_eq!(
        p["supplier"],
        json!({"name": "Fernhill Ceramics", "reference": "FC-88213", "email": "orders@fernhill.example"})
    );
    assert_eq!(p["location"], "LON");
    assert_eq!(p["currency"], "GBP");
    assert_eq!(
        (p["units_ordered"].as_i64(), p["units_received"].as_i64()),
        (Some(180), Some(0))
    );
    assert_eq!(p["notes"], "deliver to dock 2");
    assert_eq!(p["created_by"], "test admin");
    assert!(p["closed_at"].is_null());
    let lines = p["lines"].as_array().unwrap();
    assert_eq!(lines[0]["line_no"], 1);
    assert!(lines[0]["id"].as_str().unwrap().starts_with("pol_"));
    assert_eq!(lines[0]["sku"], "MUG");
    assert_eq!(lines[0]["unit_cost"], gbp(450));
    assert_eq!(time(&lines[0]["expected_at"]), "2027-01-15T00:00:00Z".parse().unwrap());
    assert_eq!(time(&lines[1]["expected_at"]), "2027-02-01T09:00:00Z".parse().unwrap());
    assert!(lines[1]["unit_cost"].is_null());
    assert_eq!(progress(p), [(0, 120), (0, 60)]);
    assert!(p["receipts"].as_array().unwrap().is_empty());
    assert_eq!(topics(app, p).await, ["purchase_order.created"]);

    // Read by number and by id; the next order gets the next number.
    assert_eq!(po(app, "PO-1001").await, po(app, p["id"].as_str().unwrap()).await);
    app.get("/api/v1/purchase-orders/PO-9999")
        .await
        .problem(404, "not_found");
    assert_eq!(create(app, valid).await, "PO-1002");
    let viewer = app.key(Role::Viewer).await;
    let read = app
        .send(Method::GET, "/api/v1/purchase-orders/PO-1002", Some(&viewer), None, &[])
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    app.assert_books_balance().await;
}

async fn purchase_orders_are_listed_newest_first_with_filters(app: &TestApp) {
    app.shop().await;
    let at = days(app, 4);
    let first = create(app, po_body("Fernhill Ceramics", "LON", &[("MUG", 10, at)])).await;
    app.clock.advance(SignedDuration::from_secs(60));
    let second = create(
        app,
        po_body("Oakleaf Textiles", "MCR", &[("TEE", 10, at), ("MUG", 2, at)]),
    )
    .await;
    app.clock.advance(SignedDuration::from_secs(60));
    let third = create(app, po_body("Oakleaf Textiles", "LON", &[("TEE", 5, at)])).await;
    assert_eq!(
        receive(app, &third, json!([{"line": 1, "quantity": 5}])).await.status,
        201
    );
    app.post(&format!("/api/v1/purchase-orders/{first}/cancel"), json!({}))
        .await;

    assert_eq!(
        numbers(app, "").await,
        [third.as_str(), second.as_str(), first.as_str()]
    );
    assert_eq!(numbers(app, "status=open").await, [second.as_str()]);
    assert_eq!(numbers(app, "status=received").await, [third.as_str()]);
    assert_eq!(numbers(app, "status=cancelled").await, [first.as_str()]);
    assert_eq!(numbers(app, "location=LON").await, [third.as_str(), first.as_str()]);
    assert_eq!(numbers(app, "sku=MUG").await, [second.as_str(), first.as_str()]);
    assert_eq!(
        numbers(app, "supplier=oakleaf&sku=TEE&location=MCR").await,
        [second.as_str()]
    );
    assert_eq!(numbers(app, "supplier=FERN").await, [first.as_str()]);
    assert!(numbers(app, "supplier=nobody").await.is_empty());

    let page = app.get("/api/v1/purchase-orders?limit=2").await;
    let summary = &page.body["data"][0];
    assert_eq!(summary["number"], third.as_str());
    assert_eq!(
        (summary["units_ordered"].as_i64(), summary["units_received"].as_i64()),
        (Some(5), Some(5))
    );
    assert!(summary.get("lines").is_none(), "lists carry no lines");
    let cursor = page.body["next_cursor"].as_str().unwrap();
    assert_eq!(
        numbers(app, &format!("limit=2&cursor={cursor}")).await,
        [first.as_str()]
    );

    app.get("/api/v1/purchase-orders?sku=NOPE")
        .await
        .problem(404, "not_found");
    let r = app.get("/api/v1/purchase-orders?status=lost").await;
    assert_eq!(r.invalid_fields(), ["status"]);
    app.assert_books_balance().await;
}

both!(
    a_purchase_order_is_validated_field_by_field_and_nothing_is_stored_until_it_is_valid,
    purchase_orders_are_listed_newest_first_with_filters,
);
