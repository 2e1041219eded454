//! Products, locations and channels through HTTP: creation, reading by id and natural
//! key, cursor-paged lists and search, changes, archiving, and every way a request can
//! be refused without changing anything.

use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

/// Percent-encodes a query value.
fn enc(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Walks a list page by page (`cursor` = `next_cursor` until it is null) and returns
/// the `key` of every item in the order served.
async fn walk(app: &TestApp, path: &str, limit: usize, key: &str) -> Vec<String> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={}", enc(c)),
            None => format!("{path}{sep}limit={limit}"),
        };
        let r = app.get(&url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let data = r.body["data"].as_array().unwrap();
        assert!(data.len() <= limit, "a page is larger than the limit: {}", r.body);
        seen.extend(data.iter().map(|item| item[key].as_str().unwrap().to_owned()));
        match r.body["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(data.len(), limit, "only the last page may be short: {}", r.body);
                cursor = Some(next.to_owned());
            }
            None => return seen,
        }
    }
    panic!("{path} never reached its last page");
}

/// The `key` of every item on one page of `path`.
async fn keys(app: &TestApp, path: &str, key: &str) -> Vec<String> {
    let r = app.get(path).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap().to_owned())
        .collect()
}

/// Sends `body` as-is with the given content type.
async fn post_raw(app: &TestApp, path: &str, content_type: &str, body: &'static str) -> Resp {
    app.post_bytes(
        path,
        Some(&app.admin),
        body.as_bytes(),
        &[("content-type", content_type)],
    )
    .await
}

fn location_body(code: &str) -> Value {
    json!({"code": code, "name": format!("{code} site"), "kind": "warehouse", "address": address("GB")})
}

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

async fn a_location_is_created_and_read_by_id_and_by_code(app: &TestApp) {
    let r = app
        .post(
            "/api/v1/locations",
            json!({
                "code": "LON", "name": "London warehouse", "kind": "warehouse",
                "address": {"name": "Switchyard Ltd", "line1": "2 Dock Road", "city": "London", "postal_code": "e16 1aa", "country": "gb"},
                "latitude": 51.5, "longitude": 0.02,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert!(id.starts_with("loc_"), "{id}");
    assert_eq!(r.header("location"), Some(format!("/api/v1/locations/{id}").as_str()));
    assert_eq!(r.body["code"], "LON");
    assert_eq!(r.body["kind"], "warehouse");
    assert_eq!(r.body["priority"], 100, "the default priority");
    assert_eq!(r.body["address"]["country"], "GB", "country codes are upper-cased");
    assert_eq!(
        r.body["address"]["postal_code"], "E16 1AA",
        "postal codes are upper-cased"
    );
    assert_eq!(r.body["latitude"], 51.5);

    let by_id = app.get(r.header("location").unwrap()).await;
    assert_eq!(by_id.status, 200, "{}", by_id.body);
    assert_eq!(by_id.body, r.body);
    let by_code = app.get("/api/v1/locations/LON").await;
    assert_eq!(by_code.status, 200, "{}", by_code.body);
    assert_eq!(by_code.body, r.body);

    app.get("/api/v1/locations/NOWHERE").await.problem(404, "not_found");
}

async fn a_channel_is_created_and_read_by_id_and_by_code(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "amazon-uk", "name": "Amazon UK", "kind": "amazon", "ship_from": ["MCR", "LON"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert!(id.starts_with("chn_"), "{id}");
    assert_eq!(r.header("location"), Some(format!("/api/v1/channels/{id}").as_str()));
    assert_eq!(r.body["code"], "amazon-uk");
    assert_eq!(r.body["kind"], "amazon");
    assert_eq!(
        r.body["ship_from"],
        json!(["MCR", "LON"]),
        "ship_from keeps the order given"
    );
    assert_eq!(r.body["shortage_policy"], "reject", "the default policy");
    assert_eq!(r.body["payment_provider"], "manual");
    assert_eq!(r.body["capture_mode"], "on_shipment");
    assert_eq!(r.body["return_window_days"], 30);
    assert_eq!(r.body["refund_on"], "receipt");
    assert_eq!(r.body["restocking_fee_percent"], 0);

    let by_id = app.get(r.header("location").unwrap()).await;
    assert_eq!(by_id.status, 200, "{}", by_id.body);
    assert_eq!(by_id.body, r.body);
    let by_code = app.get("/api/v1/channels/amazon-uk").await;
    assert_eq!(by_code.status, 200, "{}", by_code.body);
    assert_eq!(by_code.body, r.body);

    app.get("/api/v1/channels/etsy").await.problem(404, "not_found");
}

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
    assert_eq!(r.invalid_fields(), ["limit"]);
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

async fn a_channel_shipping_from_an_archived_location_can_still_be_changed(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    app.channel("web", &["LON", "MCR"], "reject").await;
    let r = app.post("/api/v1/locations/MCR/archive", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The patch does not mention ship_from, so the archived MCR in it is no reason to refuse.
    let r = app.patch("/api/v1/channels/web", json!({"name": "Web shop"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["name"], "Web shop");
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

async fn patching_a_location_or_channel_changes_only_the_fields_sent(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    let before = app.get("/api/v1/locations/LON").await.body;
    let r = app
        .patch("/api/v1/locations/LON", json!({"name": "London DC", "priority": 5}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["name"], "London DC");
    assert_eq!(r.body["priority"], 5);
    for unchanged in ["id", "code", "kind", "address", "created_at"] {
        assert_eq!(r.body[unchanged], before[unchanged], "{unchanged} changed");
    }

    app.channel("web", &["LON", "MCR"], "reject").await;
    let before = app.get("/api/v1/channels/web").await.body;
    let r = app
        .patch("/api/v1/channels/web", json!({"shortage_policy": "backorder"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["shortage_policy"], "backorder");
    for unchanged in ["id", "code", "name", "kind", "ship_from"] {
        assert_eq!(r.body[unchanged], before[unchanged], "{unchanged} changed");
    }
    let r = app.patch("/api/v1/channels/web", json!({"ship_from": ["MCR"]})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ship_from"], json!(["MCR"]), "ship_from is replaced");
    assert_eq!(r.body["shortage_policy"], "backorder");

    let r = app
        .patch(
            "/api/v1/channels/web",
            json!({"payment_provider": "test", "capture_mode": "on_placement", "return_window_days": 14,
                   "refund_on": "authorization", "restocking_fee_percent": 10}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for (field, value) in [
        ("payment_provider", json!("test")),
        ("capture_mode", json!("on_placement")),
        ("return_window_days", json!(14)),
        ("refund_on", json!("authorization")),
        ("restocking_fee_percent", json!(10)),
        ("shortage_policy", json!("backorder")),
    ] {
        assert_eq!(r.body[field], value, "{field}");
    }
    let before = r.body;
    let bad = app
        .patch(
            "/api/v1/channels/web",
            json!({"return_window_days": 400, "restocking_fee_percent": 101}),
        )
        .await;
    assert_eq!(bad.invalid_fields(), ["/return_window_days", "/restocking_fee_percent"]);
    assert_eq!(app.get("/api/v1/channels/web").await.body, before);

    let before = app.get("/api/v1/channels/web").await.body;
    let bad = app
        .patch("/api/v1/channels/web", json!({"ship_from": ["NOWHERE"]}))
        .await;
    assert_eq!(bad.invalid_fields(), ["/ship_from/0"]);
    assert_eq!(bad.body["errors"][0]["code"], "unknown_location");
    assert_eq!(app.get("/api/v1/channels/web").await.body, before);

    let before = app.get("/api/v1/locations/MCR").await.body;
    let bad = app
        .patch(
            "/api/v1/locations/MCR",
            json!({"priority": -1, "address": {"country": "GB"}}),
        )
        .await;
    assert_eq!(
        bad.invalid_fields(),
        [
            "/address/name",
            "/address/line1",
            "/address/city",
            "/address/postal_code",
            "/priority"
        ]
    );
    assert_eq!(app.get("/api/v1/locations/MCR").await.body, before);
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

async fn archived_locations_and_channels_are_hidden_unless_asked_for(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    app.channel("web", &["LON"], "reject").await;
    app.channel("pos", &["LON"], "reject").await;

    for _ in 0..2 {
        let r = app.post("/api/v1/locations/MCR/archive", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body["archived_at"].is_string());
        let r = app.post("/api/v1/channels/pos/archive", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body["archived_at"].is_string());
    }
    assert_eq!(keys(app, "/api/v1/locations", "code").await, ["LON"]);
    assert_eq!(
        keys(app, "/api/v1/locations?include_archived=true", "code").await,
        ["LON", "MCR"]
    );
    assert_eq!(keys(app, "/api/v1/channels", "code").await, ["web"]);
    assert_eq!(
        keys(app, "/api/v1/channels?include_archived=true", "code").await,
        ["pos", "web"]
    );

    // An archived location cannot be shipped from.
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "etsy", "name": "Etsy", "kind": "etsy", "ship_from": ["MCR"]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/ship_from/0"]);
    assert_eq!(r.body["errors"][0]["code"], "archived");
}

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

async fn an_invalid_location_names_each_missing_address_field(app: &TestApp) {
    let mut body = location_body("LON");
    body["address"] = json!({"country": "GB"});
    let r = app.post("/api/v1/locations", body).await;
    assert_eq!(
        r.invalid_fields(),
        [
            "/address/name",
            "/address/line1",
            "/address/city",
            "/address/postal_code"
        ]
    );

    let r = app
        .post("/api/v1/locations", json!({"code": "LON", "name": "London"}))
        .await;
    assert_eq!(r.invalid_fields(), ["/kind", "/address"]);

    let mut us = location_body("NYC");
    us["address"] = address("US");
    us["address"].as_object_mut().unwrap().remove("region");
    let r = app.post("/api/v1/locations", us).await;
    assert_eq!(r.invalid_fields(), ["/address/region"], "a US address needs a state");

    let mut body = location_body("LON");
    body["latitude"] = json!(51.5);
    let r = app.post("/api/v1/locations", body).await;
    assert_eq!(r.invalid_fields(), ["/longitude"], "latitude without longitude");

    let mut body = location_body("LON");
    body["latitude"] = json!(95.0);
    body["longitude"] = json!(0.0);
    body["priority"] = json!(-3);
    let r = app.post("/api/v1/locations", body).await;
    assert_eq!(r.invalid_fields(), ["/latitude", "/priority"]);

    assert_eq!(
        keys(app, "/api/v1/locations?include_archived=true", "code").await,
        Vec::<String>::new(),
        "nothing was created"
    );
}

async fn a_channel_shipping_from_an_unknown_location_is_refused(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "web", "name": "Web", "kind": "web", "ship_from": ["NOWHERE"]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/ship_from/0"]);
    assert_eq!(r.body["errors"][0]["code"], "unknown_location");

    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "web", "name": "Web", "kind": "web", "ship_from": ["LON", "NOWHERE", "ELSEWHERE"]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/ship_from/1", "/ship_from/2"]);

    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "web", "name": "Web", "kind": "web", "ship_from": ["LON", "LON"]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/ship_from/1"]);
    assert_eq!(r.body["errors"][0]["code"], "duplicate");

    let r = app
        .post("/api/v1/channels", json!({"code": "web", "ship_from": ["LON"]}))
        .await;
    assert_eq!(r.invalid_fields(), ["/name", "/kind"]);

    assert_eq!(
        keys(app, "/api/v1/channels?include_archived=true", "code").await,
        Vec::<String>::new(),
        "nothing was created"
    );
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
    r.problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "malformed_json");

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

async fn archiving_a_location_with_reserved_stock_is_refused(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let placed = app.post("/api/v1/orders", order("web", "1001", &[("TEE", 2)])).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(app.level("TEE", "LON").await, (5, 2, 3));

    let r = app.post("/api/v1/locations/LON/archive", json!({})).await;
    r.problem(409, "location_in_use");
    let lon = app.get("/api/v1/locations/LON").await;
    assert!(lon.body["archived_at"].is_null(), "{}", lon.body);
    assert_eq!(keys(app, "/api/v1/locations", "code").await, ["LON", "MCR"]);

    // Stock on hand that nobody has reserved does not keep a location in use.
    app.receive("MUG", "MCR", 3).await;
    let r = app.post("/api/v1/locations/MCR/archive", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Once the order is cancelled, nothing is reserved and LON can go.
    let id = placed.body["id"].as_str().unwrap();
    let cancelled = app
        .post(&format!("/api/v1/orders/{id}/cancel"), json!({"reason": "test"}))
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let r = app.post("/api/v1/locations/LON/archive", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["archived_at"].is_string());
    app.assert_books_balance().await;
}

both!(
    a_search_for_a_sku_with_an_underscore_finds_it,
    a_channel_shipping_from_an_archived_location_can_still_be_changed,
    a_product_is_created_and_read_by_id_and_by_sku,
    a_location_is_created_and_read_by_id_and_by_code,
    a_channel_is_created_and_read_by_id_and_by_code,
    products_are_listed_in_sku_order_across_pages,
    locations_and_channels_are_listed_in_code_order_across_pages,
    an_invalid_list_parameter_is_named,
    a_search_finds_products_locations_and_channels_by_their_text,
    patching_a_product_changes_only_the_fields_sent,
    patching_a_location_or_channel_changes_only_the_fields_sent,
    an_archived_product_is_hidden_from_the_list_unless_asked_for,
    archived_locations_and_channels_are_hidden_unless_asked_for,
    a_duplicate_sku_or_code_is_refused_and_changes_nothing,
    an_invalid_product_names_each_bad_field,
    an_invalid_location_names_each_missing_address_field,
    a_channel_shipping_from_an_unknown_location_is_refused,
    a_field_of_the_wrong_json_type_is_named,
    an_unknown_field_is_named,
    a_body_that_is_not_json_is_refused_with_415,
    archiving_a_location_with_reserved_stock_is_refused,
);
