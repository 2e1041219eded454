//! Movements the rules refuse, after which nothing has changed: below zero or below
//! what is reserved, reserved units transferred, bad fields named one by one, unknown
//! SKUs and locations, archived products and locations.

use serde_json::{Value, json};

use super::{movements, place};
use crate::both;
use crate::helpers::*;

/// Every level and the number of movements: what a refused request must leave as it was.
async fn books(app: &TestApp) -> (Value, usize) {
    let r = app.get("/api/v1/inventory/levels?limit=500").await;
    assert_eq!(r.status, 200, "{}", r.body);
    (r.body["data"].clone(), movements(app, "").await.len())
}

async fn an_adjustment_below_zero_is_refused_and_changes_nothing(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let before = books(app).await;

    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -6, "reason": "lost"}),
        )
        .await;
    r.problem(409, "negative_stock");
    assert_eq!(books(app).await, before);
    assert_eq!(app.level("TEE", "LON").await, (5, 0, 5));

    // Never stocked here: nothing to write off, and no balance appears.
    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "MUG", "location": "MCR", "quantity": -1, "reason": "theft"}),
        )
        .await;
    r.problem(409, "negative_stock");
    assert_eq!(books(app).await, before);

    // More than on hand in a transfer is refused the same way.
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 6}),
        )
        .await;
    r.problem(409, "negative_stock");
    assert_eq!(books(app).await, before);
    app.assert_books_balance().await;
}

async fn an_adjustment_or_count_below_reserved_is_refused(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    place(app, "1001", &[("TEE", 4)]).await;
    assert_eq!(app.level("TEE", "LON").await, (10, 4, 6));
    let before = books(app).await;

    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -7, "reason": "damaged"}),
        )
        .await;
    r.problem(409, "below_reserved");
    assert_eq!(books(app).await, before);

    let r = app
        .post(
            "/api/v1/inventory/counts",
            json!({"sku": "TEE", "location": "LON", "counted": 3}),
        )
        .await;
    r.problem(409, "below_reserved");
    assert_eq!(books(app).await, before);
    assert_eq!(app.level("TEE", "LON").await, (10, 4, 6));

    // Down to exactly what is reserved is allowed.
    let r = app
        .post(
            "/api/v1/inventory/counts",
            json!({"sku": "TEE", "location": "LON", "counted": 4}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(app.level("TEE", "LON").await, (4, 4, 0));
    app.assert_books_balance().await;
}

async fn a_transfer_of_reserved_units_is_refused(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    place(app, "1001", &[("TEE", 4)]).await;
    let before = books(app).await;

    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 7}),
        )
        .await;
    r.problem(409, "below_reserved");
    assert_eq!(books(app).await, before, "neither side moved");
    assert_eq!(app.level("TEE", "LON").await, (10, 4, 6));
    assert_eq!(app.level("TEE", "MCR").await, (0, 0, 0));

    // What is available can go.
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 6}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(app.level("TEE", "LON").await, (4, 4, 0));
    assert_eq!(app.level("TEE", "MCR").await, (6, 0, 6));
    app.assert_books_balance().await;
}

async fn invalid_stock_movements_name_each_bad_field(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let before = books(app).await;
    let cases = [
        (
            "adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": 0, "reason": "correction"}),
            vec!["/quantity"],
        ),
        (
            "adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -2}),
            vec!["/reason"],
        ),
        (
            "adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": 0}),
            vec!["/quantity", "/reason"],
        ),
        (
            "adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -2, "reason": "gremlins"}),
            vec!["/reason"],
        ),
        (
            "receipts",
            json!({"sku": "TEE", "location": "LON", "quantity": 0}),
            vec!["/quantity"],
        ),
        (
            "receipts",
            json!({"sku": "TEE", "location": "LON", "quantity": -5}),
            vec!["/quantity"],
        ),
        (
            "receipts",
            json!({"sku": "TEE", "location": "LON", "quantity": "two"}),
            vec!["/quantity"],
        ),
        ("receipts", json!({}), vec!["/sku", "/location", "/quantity"]),
        (
            "counts",
            json!({"sku": "TEE", "location": "LON", "counted": -1}),
            vec!["/counted"],
        ),
        ("counts", json!({"sku": "TEE", "location": "LON"}), vec!["/counted"]),
        (
            "transfers",
            json!({"sku": "TEE", "from": "LON", "to": "LON", "quantity": 1}),
            vec!["/to"],
        ),
        (
            "transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 0}),
            vec!["/quantity"],
        ),
        ("transfers", json!({"sku": "TEE", "quantity": 1}), vec!["/from", "/to"]),
    ];
    for (path, body, fields) in cases {
        let r = app.post(&format!("/api/v1/inventory/{path}"), body.clone()).await;
        assert_eq!(r.invalid_fields(), fields, "POST {path} {body}");
        assert_eq!(books(app).await, before, "POST {path} {body} changed the books");
    }

    // The same location spelt once by code and once by id is still the same place.
    let lon_id = app.get("/api/v1/locations/LON").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": lon_id, "quantity": 1}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/to"]);
    assert_eq!(books(app).await, before);
    app.assert_books_balance().await;
}

async fn moving_stock_of_an_unknown_sku_or_location_is_refused_with_404(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let before = books(app).await;
    let cases = [
        ("receipts", json!({"sku": "NOPE", "location": "LON", "quantity": 1})),
        ("receipts", json!({"sku": "TEE", "location": "NOWHERE", "quantity": 1})),
        (
            "adjustments",
            json!({"sku": "NOPE", "location": "LON", "quantity": 1, "reason": "found"}),
        ),
        ("counts", json!({"sku": "NOPE", "location": "LON", "counted": 1})),
        (
            "transfers",
            json!({"sku": "NOPE", "from": "LON", "to": "MCR", "quantity": 1}),
        ),
        (
            "transfers",
            json!({"sku": "TEE", "from": "LON", "to": "NOWHERE", "quantity": 1}),
        ),
    ];
    for (path, body) in cases {
        let r = app.post(&format!("/api/v1/inventory/{path}"), body.clone()).await;
        r.problem(404, "not_found");
        assert_eq!(books(app).await, before, "POST {path} {body} changed the books");
    }
    app.assert_books_balance().await;
}

async fn stock_cannot_be_received_at_an_archived_location_or_for_an_archived_product(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "MCR", 3).await;
    let r = app.post("/api/v1/locations/MCR/archive", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post("/api/v1/products/MUG/archive", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = books(app).await;

    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": "TEE", "location": "MCR", "quantity": 1}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/location"]);
    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": "MUG", "location": "LON", "quantity": 1}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/sku"]);
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 1}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/to"]);
    assert_eq!(books(app).await, before);
    app.assert_books_balance().await;
}

both!(
    an_adjustment_below_zero_is_refused_and_changes_nothing,
    an_adjustment_or_count_below_reserved_is_refused,
    a_transfer_of_reserved_units_is_refused,
    invalid_stock_movements_name_each_bad_field,
    moving_stock_of_an_unknown_sku_or_location_is_refused_with_404,
    stock_cannot_be_received_at_an_archived_location_or_for_an_archived_product,
);
