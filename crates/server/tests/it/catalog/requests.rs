//! Catalog requests refused before anything changes: duplicate SKUs and codes, unknown
//! fields, fields of the wrong JSON type, bodies that are not JSON.

use serde_json::json;

use super::{keys, location_body, post_raw};
use crate::both;
use crate::helpers::*;

async fn a_duplicate_sku_or_code_is_refused_and_changes_nothing(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    app.channel("web", &["LON"], "reject").await;
    app.product("TEE", 1800).await;
    let products = app.get("/api/v1/products").await.body;
    let locations = app.get("/api/v1/locations").await.body;
    let channels = app.get("/api/v1/channels").await.body;

    let r = app
        .post(
            "/api/v1/products",
            json!({"sku": "TEE", "title": "Another tee", "price": gbp(999)}),
        )
        .await;
    r.problem(409, "duplicate_sku");
    let mut lon = location_body("LON");
    lon["name"] = json!("Second London");
    app.post("/api/v1/locations", lon).await.problem(409, "duplicate_code");
    app.post(
        "/api/v1/channels",
        json!({"code": "web", "name": "Web 2", "kind": "web", "ship_from": ["MCR"]}),
    )
    .await
    .problem(409, "duplicate_code");
    app.patch("/api/v1/locations/MCR", json!({"code": "LON"}))
        .await
        .problem(409, "duplicate_code");

    assert_eq!(app.get("/api/v1/products").await.body, products);
    assert_eq!(app.get("/api/v1/locations").await.body, locations);
    assert_eq!(app.get("/api/v1/channels").await.body, channels);
}

async fn an_unknown_field_is_named(app: &TestApp) {
    app.product("TEE", 1800).await;
    let before = app.get("/api/v1/products/TEE").await.body;
    let r = app.patch("/api/v1/products/TEE", json!({"sku": "TEE-2"})).await;
    assert_eq!(r.invalid_fields(), ["/sku"], "a SKU cannot be changed: {}", r.body);
    let r = app
        .post(
            "/api/v1/products",
            json!({"sku": "MUG", "title": "Mug", "colour": "blue"}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/colour"], "{}", r.body);
    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": "TEE", "location": "LON", "quantity": 1, "qty": 1}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/qty"], "{}", r.body);
    assert_eq!(app.get("/api/v1/products/TEE").await.body, before);
    assert_eq!(keys(app, "/api/v1/products", "sku").await, ["TEE"]);
}

async fn a_field_of_the_wrong_json_type_is_named(app: &TestApp) {
    let mut body = location_body("LON");
    body["priority"] = json!("high");
    let r = app.post("/api/v1/locations", body).await;
    assert_eq!(r.invalid_fields(), ["/priority"]);
    assert_eq!(r.body["errors"][0]["code"], "invalid_type");

    let r = app
        .post(
            "/api/v1/products",
            json!({"sku": "TEE", "title": "Tee", "weight_grams": "heavy"}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/weight_grams"]);

    let r = app
        .post(
            "/api/v1/products",
            json!({"sku": "TEE", "title": "Tee", "price": {"amount": "18.00", "currency": "GBP"}}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/price/amount"]);

    let r = app
        .post(
            "/api/v1/locations",
            json!({"code": "LON", "name": "London", "kind": "castle", "address": address("GB")}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/kind"], "an unknown kind");

    let r = post_raw(
        app,
        "/api/v1/products",
        "application/json",
        r#"{"sku": "TEE", "title": "#,
    )
    .await;
    r.problem(400, "malformed_json");
    assert_eq!(r.body["errors"][0]["pointer"], "");

    assert_eq!(
        keys(app, "/api/v1/products?include_archived=true", "sku").await,
        Vec::<String>::new()
    );
    assert_eq!(
        keys(app, "/api/v1/locations?include_archived=true", "code").await,
        Vec::<String>::new()
    );
}

async fn a_body_that_is_not_json_is_refused_with_415(app: &TestApp) {
    post_raw(
        app,
        "/api/v1/products",
        "text/plain",
        r#"{"sku": "TEE", "title": "Tee"}"#,
    )
    .await
    .problem(415, "unsupported_media_type");
    post_raw(
        app,
        "/api/v1/products",
        "application/x-www-form-urlencoded",
        "sku=TEE&title=Tee",
    )
    .await
    .problem(415, "unsupported_media_type");
    app.product("MUG", 1200).await;
    let res = app
        .client
        .patch(format!("{}/api/v1/products/MUG", app.base))
        .bearer_auth(&app.admin)
        .body(r#"{"title": "Cup"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 415, "a body without a content type");

    assert_eq!(
        keys(app, "/api/v1/products?include_archived=true", "sku").await,
        ["MUG"]
    );
    assert_eq!(app.get("/api/v1/products/MUG").await.body["title"], "Product MUG");
}

both!(
    a_duplicate_sku_or_code_is_refused_and_changes_nothing,
    an_unknown_field_is_named,
    a_field_of_the_wrong_json_type_is_named,
    a_body_that_is_not_json_is_refused_with_415,
);
