//! Products through HTTP: creation, reading by id and SKU, changes to the fields sent,
//! archiving, and the fields an invalid product is refused for.

use jiff::SignedDuration;
use serde_json::json;

use super::keys;
use crate::both;
use crate::helpers::*;

async fn a_product_is_created_and_read_by_id_and_by_sku(app: &TestApp) {
    let r = app
        .post(
            "/api/v1/products",
            json!({
                "sku": "TEE-ORG-M", "title": "Organic cotton tee, medium", "barcode": "5012345678900",
                "weight_grams": 180, "price": gbp(1800), "cost": gbp(650),
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert!(id.starts_with("prd_"), "{id}");
    assert_eq!(r.header("location"), Some(format!("/api/v1/products/{id}").as_str()));
    assert_eq!(r.body["sku"], "TEE-ORG-M");
    assert_eq!(r.body["title"], "Organic cotton tee, medium");
    assert_eq!(r.body["barcode"], "5012345678900");
    assert_eq!(r.body["weight_grams"], 180);
    assert_eq!(r.body["price"], gbp(1800));
    assert_eq!(r.body["cost"], gbp(650));
    assert!(r.body["archived_at"].is_null());

    let by_location = app.get(r.header("location").unwrap()).await;
    assert_eq!(by_location.status, 200, "{}", by_location.body);
    assert_eq!(by_location.body, r.body);
    let by_sku = app.get("/api/v1/products/TEE-ORG-M").await;
    assert_eq!(by_sku.status, 200, "{}", by_sku.body);
    assert_eq!(by_sku.body, r.body);

    app.get("/api/v1/products/NO-SUCH-SKU").await.problem(404, "not_found");
}

async fn patching_a_product_changes_only_the_fields_sent(app: &TestApp) {
    let created = app
        .post(
            "/api/v1/products",
            json!({"sku": "TEE", "title": "Tee", "barcode": "5012345678900", "weight_grams": 180, "price": gbp(1800), "cost": gbp(650)}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    app.clock.advance(SignedDuration::from_secs(60));

    let r = app
        .patch(
            "/api/v1/products/TEE",
            json!({"title": "Organic tee", "price": gbp(2000)}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["title"], "Organic tee");
    assert_eq!(r.body["price"], gbp(2000));
    for unchanged in [
        "id",
        "sku",
        "barcode",
        "weight_grams",
        "cost",
        "created_at",
        "archived_at",
    ] {
        assert_eq!(r.body[unchanged], created.body[unchanged], "{unchanged} changed");
    }
    assert_ne!(r.body["updated_at"], created.body["updated_at"]);
    assert_eq!(
        app.get("/api/v1/products/TEE").await.body,
        r.body,
        "the change was stored"
    );

    // By id too.
    let id = created.body["id"].as_str().unwrap();
    let r2 = app
        .patch(&format!("/api/v1/products/{id}"), json!({"weight_grams": 200}))
        .await;
    assert_eq!(r2.status, 200, "{}", r2.body);
    assert_eq!(r2.body["weight_grams"], 200);
    assert_eq!(r2.body["title"], "Organic tee");

    // A bad change is refused whole.
    let before = app.get("/api/v1/products/TEE").await.body;
    let bad = app
        .patch(
            "/api/v1/products/TEE",
            json!({"title": "Tee again", "barcode": "5012345678901"}),
        )
        .await;
    assert_eq!(bad.invalid_fields(), ["/barcode"]);
    let bad = app.patch("/api/v1/products/TEE", json!({"title": "  "})).await;
    assert_eq!(bad.invalid_fields(), ["/title"]);
    assert_eq!(app.get("/api/v1/products/TEE").await.body, before);

    app.patch("/api/v1/products/NOPE", json!({"title": "x"}))
        .await
        .problem(404, "not_found");
}

async fn an_archived_product_is_hidden_from_the_list_unless_asked_for(app: &TestApp) {
    app.product("TEE", 1800).await;
    app.product("MUG", 1200).await;
    app.clock.advance(SignedDuration::from_secs(60));

    let r = app.post("/api/v1/products/TEE/archive", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let archived_at = r.body["archived_at"].clone();
    assert!(archived_at.is_string(), "{}", r.body);

    assert_eq!(keys(app, "/api/v1/products", "sku").await, ["MUG"]);
    assert_eq!(
        keys(app, "/api/v1/products?include_archived=true", "sku").await,
        ["MUG", "TEE"]
    );
    assert_eq!(keys(app, "/api/v1/products?q=tee", "sku").await, Vec::<String>::new());
    assert_eq!(
        keys(app, "/api/v1/products?q=tee&include_archived=true", "sku").await,
        ["TEE"]
    );
    let read = app.get("/api/v1/products/TEE").await;
    assert_eq!(read.status, 200, "an archived product can still be read");
    assert_eq!(read.body["archived_at"], archived_at);

    app.clock.advance(SignedDuration::from_secs(60));
    let again = app.post("/api/v1/products/TEE/archive", json!({})).await;
    assert_eq!(again.status, 200, "archiving twice is harmless: {}", again.body);
    assert_eq!(again.body["archived_at"], archived_at, "the first archiving time stays");

    app.post("/api/v1/products/NOPE/archive", json!({}))
        .await
        .problem(404, "not_found");
}

async fn an_invalid_product_names_each_bad_field(app: &TestApp) {
    let r = app
        .post(
            "/api/v1/products",
            json!({"sku": "TEE", "title": " ", "barcode": "5012345678901"}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/title", "/barcode"]);
    assert_eq!(r.body["errors"][1]["code"], "invalid_barcode");

    let r = app
        .post(
            "/api/v1/products",
            json!({"title": "Tee", "weight_grams": -5, "price": gbp(-100)}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/sku", "/weight_grams", "/price"]);

    let r = app
        .post("/api/v1/products", json!({"sku": "TEE RED", "title": "Tee"}))
        .await;
    assert_eq!(r.invalid_fields(), ["/sku"], "no spaces in a SKU");

    assert_eq!(
        keys(app, "/api/v1/products?include_archived=true", "sku").await,
        Vec::<String>::new(),
        "nothing was created"
    );
}

both!(
    a_product_is_created_and_read_by_id_and_by_sku,
    patching_a_product_changes_only_the_fields_sent,
    an_archived_product_is_hidden_from_the_list_unless_asked_for,
    an_invalid_product_names_each_bad_field,
);
