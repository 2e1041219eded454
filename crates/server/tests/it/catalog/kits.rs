//! Kits through HTTP: what makes a list of components valid (each named once, positive
//! quantities, known products, no kit inside a kit, not the kit itself) and when a
//! product may become a kit (no stock of its own, not a component of another kit).

use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

async fn set_components(app: &TestApp, key: &str, components: Value) -> Resp {
    app.send(
        reqwest::Method::PUT,
        &format!("/api/v1/products/{key}/components"),
        Some(&app.admin),
        Some(&components),
        &[],
    )
    .await
}

async fn kit_components_are_checked_field_by_field(app: &TestApp) {
    for sku in ["GIFTSET", "BOX", "MUG", "TEE"] {
        app.product(sku, 1000).await;
    }
    let r = set_components(app, "BOX", json!([{"sku": "TEE", "quantity": 1}])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = app.get("/api/v1/products/GIFTSET").await.body;

    let r = set_components(
        app,
        "GIFTSET",
        json!([{"sku": "MUG", "quantity": 0}, {"quantity": 1}, {"sku": "TEE RED", "quantity": 1}, {"sku": "MUG", "quantity": 2}]),
    )
    .await;
    assert_eq!(
        r.invalid_fields(),
        ["/0/quantity", "/1/sku", "/2/sku"],
        "what the request itself gets wrong"
    );
    let r = set_components(
        app,
        "GIFTSET",
        json!([{"sku": "MUG", "quantity": 1}, {"sku": "MUG", "quantity": 2}]),
    )
    .await;
    assert_eq!(r.invalid_fields(), ["/1/sku"]);
    assert_eq!(r.body["errors"][0]["code"], "duplicate");

    let r = set_components(
        app,
        "GIFTSET",
        json!([{"sku": "GIFTSET", "quantity": 1}, {"sku": "NOPE", "quantity": 1}, {"sku": "BOX", "quantity": 1},
               {"sku": "MUG", "quantity": 1}]),
    )
    .await;
    assert_eq!(r.invalid_fields(), ["/0/sku", "/1/sku", "/2/sku"]);
    for (i, code) in ["self_reference", "unknown_sku", "nested_kit"].into_iter().enumerate() {
        assert_eq!(r.body["errors"][i]["code"], code, "{}", r.body);
    }
    assert_eq!(
        app.get("/api/v1/products/GIFTSET").await.body,
        before,
        "nothing changed"
    );

    // Named by id, a component is the same product.
    let gift_id = before["id"].as_str().unwrap();
    let r = set_components(app, "GIFTSET", json!([{"sku": gift_id, "quantity": 1}])).await;
    assert_eq!(r.invalid_fields(), ["/0/sku"]);
    assert_eq!(r.body["errors"][0]["code"], "self_reference");
    let mug_id = app.get("/api/v1/products/MUG").await.body["id"].clone();
    let r = set_components(
        app,
        "GIFTSET",
        json!([{"sku": "MUG", "quantity": 1}, {"sku": mug_id, "quantity": 1}]),
    )
    .await;
    assert_eq!(r.invalid_fields(), ["/1/sku"], "once by SKU and once by id");
    assert_eq!(r.body["errors"][0]["code"], "duplicate");

    let r = set_components(
        app,
        "GIFTSET",
        json!([{"sku": "MUG", "quantity": 2}, {"sku": "TEE", "quantity": 1}]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["components"],
        json!([
            {"sku": "MUG", "product_id": r.body["components"][0]["product_id"], "quantity": 2},
            {"sku": "TEE", "product_id": r.body["components"][1]["product_id"], "quantity": 1},
        ])
    );
    let r = set_components(app, "GIFTSET", json!([])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["components"], json!([]), "an empty list makes it ordinary again");
}

async fn a_product_with_stock_or_in_a_kit_cannot_become_one(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    for sku in ["GIFTSET", "BOX", "MUG", "TEE"] {
        app.product(sku, 1000).await;
    }
    app.receive("GIFTSET", "LON", 1).await;
    let r = set_components(app, "GIFTSET", json!([{"sku": "MUG", "quantity": 1}])).await;
    let p = r.problem(409, "cannot_be_kit");
    assert!(p["detail"].as_str().unwrap().contains("stock of its own"), "{p}");
    let r = set_components(app, "GIFTSET", json!([])).await;
    assert_eq!(r.status, 200, "clearing no components is harmless: {}", r.body);

    let r = set_components(app, "BOX", json!([{"sku": "TEE", "quantity": 1}])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = set_components(app, "TEE", json!([{"sku": "MUG", "quantity": 1}])).await;
    let p = r.problem(409, "cannot_be_kit");
    assert!(
        p["detail"].as_str().unwrap().contains("component of another kit"),
        "{p}"
    );
    app.assert_books_balance().await;
}

both!(
    kit_components_are_checked_field_by_field,
    a_product_with_stock_or_in_a_kit_cannot_become_one,
);
