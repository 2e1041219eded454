//! The catalog lists through HTTP: natural-key order across cursor pages, search by text,
//! and invalid list parameters.

use serde_json::json;

use super::{keys, walk};
use crate::both;
use crate::helpers::*;

async fn products_are_listed_in_sku_order_across_pages(app: &TestApp) {
    for sku in ["SKU-05", "SKU-01", "SKU-07", "SKU-03", "SKU-02", "SKU-06", "SKU-04"] {
        app.product(sku, 1000).await;
    }
    let expected: Vec<String> = (1..=7).map(|i| format!("SKU-{i:02}")).collect();
    assert_eq!(walk(app, "/api/v1/products", 3, "sku").await, expected);
    assert_eq!(
        walk(app, "/api/v1/products", 7, "sku").await,
        expected,
        "exactly one full page"
    );
    assert_eq!(walk(app, "/api/v1/products", 1, "sku").await, expected);
    assert_eq!(
        keys(app, "/api/v1/products", "sku").await,
        expected,
        "the default page holds all seven"
    );
}

async fn locations_and_channels_are_listed_in_code_order_across_pages(app: &TestApp) {
    let codes = ["WH-C", "WH-A", "WH-E", "WH-B", "WH-D"];
    for (i, code) in codes.iter().enumerate() {
        app.location(code, "GB", i as i64).await;
    }
    for code in ["web-3", "web-1", "web-5", "web-2", "web-4"] {
        app.channel(code, &[], "reject").await;
    }
    assert_eq!(
        walk(app, "/api/v1/locations", 2, "code").await,
        ["WH-A", "WH-B", "WH-C", "WH-D", "WH-E"]
    );
    assert_eq!(
        walk(app, "/api/v1/channels", 2, "code").await,
        ["web-1", "web-2", "web-3", "web-4", "web-5"]
    );
}

async fn an_invalid_list_parameter_is_named(app: &TestApp) {
    let r = app.get("/api/v1/products?limit=ten").await;
    r.problem(400, "invalid_limit");
    assert_eq!(r.body["errors"][0]["parameter"], "limit");
    let r = app.get("/api/v1/locations?include_archived=perhaps").await;
    assert_eq!(r.invalid_fields(), ["include_archived"]);
}

async fn a_search_finds_products_locations_and_channels_by_their_text(app: &TestApp) {
    for (sku, title, barcode) in [
        ("TEE-RED", "Red tee", None),
        ("MUG-BLUE", "Blue mug", None),
        ("CAP", "Baseball cap", Some("5012345678900")),
    ] {
        let r = app
            .post(
                "/api/v1/products",
                json!({"sku": sku, "title": title, "barcode": barcode}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    assert_eq!(
        keys(app, "/api/v1/products?q=tee", "sku").await,
        ["TEE-RED"],
        "by SKU, case-insensitive"
    );
    assert_eq!(
        keys(app, "/api/v1/products?q=BLUE", "sku").await,
        ["MUG-BLUE"],
        "by title, case-insensitive"
    );
    assert_eq!(
        keys(app, "/api/v1/products?q=5012345", "sku").await,
        ["CAP"],
        "by barcode"
    );
    assert!(keys(app, "/api/v1/products?q=sofa", "sku").await.is_empty());

    app.location("LON", "GB", 10).await;
    app.location("NYC", "US", 20).await;
    assert_eq!(keys(app, "/api/v1/locations?q=nyc", "code").await, ["NYC"]);
    assert_eq!(keys(app, "/api/v1/locations?q=us", "code").await, ["NYC"], "by country");

    app.channel("shopify-eu", &["LON"], "reject").await;
    app.channel("ebay", &["NYC"], "backorder").await;
    assert_eq!(keys(app, "/api/v1/channels?q=SHOP", "code").await, ["shopify-eu"]);
}

async fn a_search_for_a_sku_with_an_underscore_finds_it(app: &TestApp) {
    app.product("TEE_RED_M", 1800).await;
    app.product("TEERED", 1800).await;
    assert_eq!(keys(app, "/api/v1/products?q=TEE_RED", "sku").await, ["TEE_RED_M"]);
}

both!(
    products_are_listed_in_sku_order_across_pages,
    locations_and_channels_are_listed_in_code_order_across_pages,
    an_invalid_list_parameter_is_named,
    a_search_finds_products_locations_and_channels_by_their_text,
    a_search_for_a_sku_with_an_underscore_finds_it,
);
