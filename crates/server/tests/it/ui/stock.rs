//! Stock, purchasing and catalog pages: levels as the API counts them, stock forms
//! that move stock in the user's name (and refuse without changing anything), purchase
//! orders created and received, products and kits, and who may change the catalog.

use serde_json::json;
use switchyard_core::auth::Role;

use super::support::browser::Browser;
use super::support::{self, signed_in};
use crate::both;
use crate::helpers::{Backend, TestApp};

both!(
    the_levels_page_shows_what_the_api_counts,
    stock_forms_move_stock_in_the_users_name,
    a_refused_adjustment_says_why_and_changes_nothing,
    a_warehouse_user_may_not_change_the_catalog,
    purchase_orders_are_created_and_received,
    products_are_created_with_kit_components,
);

/// LON and MCR, TEE with 10 at LON.
async fn stocked(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    app.product("TEE", 1800).await;
    app.receive("TEE", "LON", 10).await;
}

async fn the_levels_page_shows_what_the_api_counts(app: &TestApp) {
    stocked(app).await;
    app.product("MUG", 1200).await;
    app.receive("MUG", "MCR", 4).await;
    let po = app
        .post(
            "/api/v1/purchase-orders",
            json!({"supplier": {"name": "Mill"}, "location": "LON", "currency": "GBP", "expected_at": "2030-01-01",
                   "lines": [{"sku": "TEE", "quantity": 7}]}),
        )
        .await;
    assert_eq!(po.status, 201, "{}", po.body);
    let api = app.get("/api/v1/inventory/levels").await;
    let ui = signed_in(app, Role::Viewer).await;
    let (status, html) = ui.get("/ui/stock").await;
    assert_eq!(status, 200);
    for level in api.body["data"].as_array().unwrap() {
        let row = format!(
            "<td class=\"num\">{}</td>\n      <td class=\"num\">{}</td>",
            level["on_hand"], level["reserved"]
        );
        assert!(html.contains(&row), "{row} in {html}");
    }
    // TEE at LON: 10 on hand, 7 inbound on the open purchase order.
    let tee = html.split("/ui/stock/TEE\"").nth(1).unwrap();
    let cells: Vec<&str> = tee
        .split("<td class=\"num\">")
        .skip(1)
        .take(5)
        .map(|c| c.split('<').next().unwrap())
        .collect();
    assert_eq!(cells, ["10", "0", "10", "7", "0"]);

    let (_, filtered) = ui.get("/ui/stock?sku=MUG&location=MCR").await;
    assert!(filtered.contains("/ui/stock/MUG\"") && !filtered.contains("/ui/stock/TEE\""));
    let (status, unknown) = ui.get("/ui/stock?sku=NOPE").await;
    assert_eq!(status, 200);
    assert!(unknown.contains("href=\"/ui/products?q=NOPE\""), "{unknown}");
    // A viewer sees the levels and the ledger, not the forms.
    let (_, sku) = ui.get("/ui/stock/TEE").await;
    assert!(sku.contains("id=\"movements\"") && !sku.contains("receive-form"));
}

async fn stock_forms_move_stock_in_the_users_name(app: &TestApp) {
    stocked(app).await;
    let ui = signed_in(app, Role::Warehouse).await;
    let posts: [(&str, &[(&str, &str)]); 4] = [
        (
            "receive",
            &[("location", "LON"), ("quantity", "5"), ("reference", "DN-1")],
        ),
        (
            "adjust",
            &[
                ("location", "LON"),
                ("quantity", "-2"),
                ("reason", "damaged"),
                ("note", "torn"),
            ],
        ),
        ("count", &[("location", "LON"), ("counted", "12")]),
        ("transfer", &[("from", "LON"), ("to", "MCR"), ("quantity", "3")]),
    ];
    for (form, fields) in posts {
        let res = ui.post(&format!("/ui/stock/TEE/{form}"), fields).await;
        assert_eq!(res.status(), 303, "{form}: {}", res.text().await.unwrap());
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/ui/stock/TEE?done=")
        );
    }
    // 10 + 5 - 2 = 13, counted 12, 3 moved to MCR.
    assert_eq!(app.level("TEE", "LON").await, (9, 0, 9));
    assert_eq!(app.level("TEE", "MCR").await, (3, 0, 3));
    let (_, page) = ui.get("/ui/stock/TEE?done=transferred").await;
    assert!(page.contains("Stock transferred."));
    for kind in ["receipt", "adjustment", "cycle_count", "transfer_out", "transfer_in"] {
        assert!(page.contains(&format!("<span class=\"badge\">{kind}</span>")), "{kind}");
    }
    assert_eq!(page.matches("<td>Wes Warehouse</td>").count(), 5, "{page}");
    assert!(page.contains("DN-1") && page.contains("torn") && page.contains("damaged"));

    // A SKU may hold a `/`: its links and forms still name it as one path segment.
    app.product("MUG/L", 900).await;
    let res = ui
        .post("/ui/stock/MUG%2FL/receive", &[("location", "MCR"), ("quantity", "2")])
        .await;
    assert_eq!(res.headers()["location"], "/ui/stock/MUG%2FL?done=received");
    assert_eq!(app.level("MUG/L", "MCR").await, (2, 0, 2));
    let (_, levels) = ui.get("/ui/stock?location=MCR").await;
    assert!(levels.contains("href=\"/ui/stock/MUG%2FL\""), "{levels}");
}

async fn a_refused_adjustment_says_why_and_changes_nothing(app: &TestApp) {
    stocked(app).await;
    let ui = signed_in(app, Role::Warehouse).await;
    let no_reason = ui
        .post(
            "/ui/stock/TEE/adjust",
            &[("location", "LON"), ("quantity", "-2"), ("note", "kept")],
        )
        .await;
    assert_eq!(no_reason.status(), 422);
    let html = no_reason.text().await.unwrap();
    assert!(
        html.contains("id=\"adjust-reason\" name=\"reason\" aria-invalid=\"true\""),
        "{html}"
    );
    assert!(html.contains("id=\"adjust-reason-error\""));
    assert!(
        html.contains("value=\"kept\"") && html.contains("value=\"-2\""),
        "what was typed stays"
    );

    let below_zero = ui
        .post(
            "/ui/stock/TEE/adjust",
            &[("location", "LON"), ("quantity", "-11"), ("reason", "lost")],
        )
        .await;
    assert_eq!(below_zero.status(), 422);
    let html = below_zero.text().await.unwrap();
    assert!(html.contains("notice bad") && html.contains("TEE at LON"), "{html}");

    let not_a_number = ui
        .post("/ui/stock/TEE/count", &[("location", "LON"), ("counted", "a dozen")])
        .await;
    assert_eq!(not_a_number.status(), 422);
    assert!(not_a_number.text().await.unwrap().contains("must be a whole number"));

    assert_eq!(app.level("TEE", "LON").await, (10, 0, 10));
    let ledger = app.get("/api/v1/inventory/movements?sku=TEE").await;
    assert_eq!(ledger.body["data"].as_array().unwrap().len(), 1);
}

async fn a_warehouse_user_may_not_change_the_catalog(app: &TestApp) {
    stocked(app).await;
    let ui = signed_in(app, Role::Warehouse).await;
    let (status, list) = ui.get("/ui/products").await;
    assert_eq!(status, 200);
    assert!(list.contains("/ui/products/TEE") && !list.contains("new-product"));
    let (_, page) = ui.get("/ui/products/TEE").await;
    assert!(page.contains("Product TEE") && !page.contains("product-form") && !page.contains("components-form"));
    let (_, orders) = ui.get("/ui/purchase-orders").await;
    assert!(!orders.contains("new-po"));
    for (path, fields) in [
        ("/ui/products/TEE", &[("title", "Forged")][..]),
        ("/ui/products", &[("sku", "NEW"), ("title", "Forged")][..]),
        (
            "/ui/products/TEE/components",
            &[("component_sku", "TEE"), ("component_quantity", "1")][..],
        ),
        ("/ui/purchase-orders", &[("supplier_name", "Forged")][..]),
    ] {
        let res = ui.post(path, fields).await;
        assert_eq!(res.status(), 403, "{path}");
    }
    let tee = app.get("/api/v1/products/TEE").await;
    assert_eq!(tee.body["title"], "Product TEE");
    assert_eq!(app.get("/api/v1/products/NEW").await.status, 404);
}

async fn purchase_orders_are_created_and_received(app: &TestApp) {
    stocked(app).await;
    app.product("MUG", 1200).await;
    let ui = signed_in(app, Role::Manager).await;
    let (status, form) = ui.get("/ui/purchase-orders/new").await;
    assert_eq!(status, 200);
    assert!(form.contains("<label for=\"line-0-sku\""));

    let mut fields = vec![
        ("supplier_name", "Fernhill"),
        ("supplier_reference", "FC-1"),
        ("location", "LON"),
        ("currency", "GBP"),
        ("expected_at", "2030-03-01"),
        ("line_sku", "TEE"),
        ("line_quantity", "7"),
        ("line_cost", "4.50"),
        ("line_sku", ""),
        ("line_quantity", ""),
        ("line_cost", ""),
        ("line_sku", "MUG"),
        ("line_quantity", "lots"),
        ("line_cost", ""),
    ];
    let refused = ui.post("/ui/purchase-orders", &fields).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("id=\"line-1-quantity\" name=\"line_quantity\" type=\"number\""),
        "the blank row is left out"
    );
    assert!(
        html.contains("id=\"line-1-quantity-error\">must be a whole number"),
        "{html}"
    );
    assert!(html.contains("value=\"Fernhill\"") && html.contains("value=\"4.50\""));
    assert_eq!(
        app.get("/api/v1/purchase-orders").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    fields[12] = ("line_quantity", "3");
    let created = ui.post("/ui/purchase-orders", &fields).await;
    assert_eq!(created.status(), 303, "{}", created.text().await.unwrap());
    let to = created.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/ui/purchase-orders/PO-") && to.ends_with("?done=created"),
        "{to}"
    );
    let number = to
        .trim_start_matches("/ui/purchase-orders/")
        .trim_end_matches("?done=created")
        .to_owned();
    let api = app.get(&format!("/api/v1/purchase-orders/{number}")).await;
    assert_eq!(api.body["created_by"], "Max Manager");
    assert_eq!(api.body["lines"][0]["unit_cost"]["amount"], 450);

    let (_, list) = ui.get("/ui/purchase-orders?status=open").await;
    assert!(list.contains(&number) && list.contains("Fernhill") && list.contains("2030-03-01"));

    let path = format!("/ui/purchase-orders/{number}/receive");
    let too_many = ui.post(&path, &[("line-1", "4"), ("line-2", "9")]).await;
    assert_eq!(too_many.status(), 422);
    let html = too_many.text().await.unwrap();
    assert!(html.contains("id=\"line-2-error\""), "{html}");
    assert!(html.contains("value=\"9\""));
    assert_eq!(app.level("TEE", "LON").await, (10, 0, 10), "nothing was received");

    let received = ui
        .post(&path, &[("line-1", "4"), ("line-2", ""), ("note", "DN-9")])
        .await;
    assert_eq!(received.status(), 303);
    assert_eq!(app.level("TEE", "LON").await, (14, 0, 14));
    let (_, page) = ui.get(&format!("/ui/purchase-orders/{number}?done=received")).await;
    assert!(page.contains("Goods received into stock.") && page.contains("partially_received"));
    assert!(page.contains("<td>DN-9</td><td>Max Manager</td>"), "{page}");
    // Line 1: 7 ordered, 4 received, 3 outstanding.
    assert!(page.contains("<td class=\"num\">7</td>\n      <td class=\"num\">4</td>\n      <td class=\"num\">3</td>"));
    // Goods arrived: core allows closing it, no longer cancelling it.
    assert!(page.contains("id=\"close-submit\"") && !page.contains("id=\"cancel-submit\""));
    let long = "x".repeat(501);
    let refused = ui
        .post(&format!("/ui/purchase-orders/{number}/close"), &[("reason", &long)])
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("id=\"end-reason-error\""));
    let closed = ui
        .post(
            &format!("/ui/purchase-orders/{number}/close"),
            &[("reason", "mill out of stock")],
        )
        .await;
    assert_eq!(closed.status(), 303);
    let api = app.get(&format!("/api/v1/purchase-orders/{number}")).await;
    assert_eq!(
        (api.body["status"].as_str(), api.body["close_reason"].as_str()),
        (Some("closed"), Some("mill out of stock"))
    );
    let (_, page) = ui.get(&format!("/ui/purchase-orders/{number}")).await;
    assert!(!page.contains("end-po") && !page.contains("receive-submit"));
}

async fn products_are_created_with_kit_components(app: &TestApp) {
    stocked(app).await;
    let ui = signed_in(app, Role::Manager).await;
    let mut fields = vec![
        ("sku", "MUG"),
        ("title", "Fern mug"),
        ("barcode", "5012345678901"),
        ("weight_grams", "350"),
        ("price", "12.50"),
        ("cost", "4.5"),
        ("currency", "GBP"),
    ];
    let refused = ui.post("/ui/products", &fields).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("id=\"product-barcode-error\">GTIN check digit"), "{html}");
    assert!(html.contains("value=\"Fern mug\""));
    assert_eq!(app.get("/api/v1/products/MUG").await.status, 404);

    fields[2] = ("barcode", "5012345678900");
    let created = ui.post("/ui/products", &fields).await;
    assert_eq!(created.status(), 303);
    assert_eq!(created.headers()["location"], "/ui/products/MUG?done=created");
    let mug = app.get("/api/v1/products/MUG").await.body;
    assert_eq!(
        (mug["price"]["amount"].as_i64(), mug["cost"]["amount"].as_i64()),
        (Some(1250), Some(450))
    );
    let (_, page) = ui.get("/ui/products/MUG?done=created").await;
    assert!(page.contains("5012345678900") && page.contains("12.50 GBP") && page.contains("350 g"));

    let kit = ui.post("/ui/products", &[("sku", "GIFT"), ("title", "Gift set")]).await;
    assert_eq!(kit.status(), 303);
    let unknown = ui
        .post(
            "/ui/products/GIFT/components",
            &[
                ("component_sku", "TEE"),
                ("component_quantity", "1"),
                ("component_sku", "NOPE"),
                ("component_quantity", "2"),
            ],
        )
        .await;
    assert_eq!(unknown.status(), 422);
    assert!(unknown.text().await.unwrap().contains("value=\"NOPE\""));
    let set = ui
        .post(
            "/ui/products/GIFT/components",
            &[
                ("component_sku", "TEE"),
                ("component_quantity", "1"),
                ("component_sku", ""),
                ("component_quantity", ""),
                ("component_sku", "MUG"),
                ("component_quantity", "2"),
            ],
        )
        .await;
    assert_eq!(set.status(), 303);
    let gift = app.get("/api/v1/products/GIFT").await.body;
    assert_eq!(gift["components"].as_array().unwrap().len(), 2);
    let (_, page) = ui.get("/ui/products/GIFT?done=components").await;
    assert!(page.contains("2 × <a href=\"/ui/products/MUG\">MUG</a>") && page.contains("Kit components saved."));
    // A kit holds no stock: its stock page has no forms, and says why.
    let (_, stock) = ui.get("/ui/stock/GIFT").await;
    assert!(!stock.contains("receive-form") && stock.contains("is a kit"));

    let edited = ui
        .post("/ui/products/MUG", &[("title", "Fern mug, large"), ("price", "x")])
        .await;
    assert_eq!(edited.status(), 422);
    assert_eq!(app.get("/api/v1/products/MUG").await.body["title"], "Fern mug");
    let edited = ui
        .post(
            "/ui/products/MUG",
            &[("title", "Fern mug, large"), ("price", "13"), ("currency", "GBP")],
        )
        .await;
    assert_eq!(edited.status(), 303);
    let mug = app.get("/api/v1/products/MUG").await.body;
    assert_eq!(
        (
            mug["title"].as_str(),
            mug["price"]["amount"].as_i64(),
            mug["cost"]["amount"].as_i64()
        ),
        (Some("Fern mug, large"), Some(1300), Some(450))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_receives_stock_and_sees_the_movement() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    stocked(&app).await;
    support::user(&app, Role::Warehouse).await;
    let browser = Browser::start(&app.base).await;
    browser
        .sign_in(&support::email(Role::Warehouse), support::PASSWORD)
        .await;
    let po = app
        .post(
            "/api/v1/purchase-orders",
            json!({"supplier": {"name": "Fernhill Ceramics", "reference": "FC-88213"}, "location": "LON", "currency": "GBP",
                   "expected_at": "2030-01-01", "lines": [{"sku": "TEE", "quantity": 24, "unit_cost": {"amount": 650, "currency": "GBP"}}]}),
        )
        .await;
    let number = po.body["number"].as_str().unwrap().to_owned();
    browser.open("/ui/stock").await;
    browser.wait_for("#levels").await;
    browser.screenshot("stock-levels").await;
    browser.click("#levels a[href='/ui/stock/TEE']").await;
    browser.wait_for("#receive-form").await;
    assert!(browser.has("#transfer-form").await, "a warehouse user may move stock");
    browser.click("#receive-location option[value='LON']").await;
    browser.fill("#receive-quantity", "6").await;
    browser.fill("#receive-reference", "DN-77").await;
    browser.click("#receive-submit").await;
    browser.wait_for_text("Stock received.").await;
    assert_eq!(browser.path().await, "/ui/stock/TEE?done=received");
    let text = browser.text().await;
    assert!(text.contains("DN-77") && text.contains("Wes Warehouse"), "{text}");
    browser.screenshot("stock-sku").await;
    assert_eq!(app.level("TEE", "LON").await, (16, 0, 16));

    browser.open(&format!("/ui/purchase-orders/{number}")).await;
    browser.fill("#line-1", "12").await;
    browser.fill("#receive-note", "DN-5521").await;
    browser.click("#receive-submit").await;
    browser.wait_for_text("Goods received into stock.").await;
    browser.screenshot("purchase-order").await;
    assert_eq!(app.level("TEE", "LON").await, (28, 0, 28));
    let patched = app
        .patch(
            "/api/v1/products/TEE",
            json!({"barcode": "5012345678900", "weight_grams": 180, "cost": {"amount": 650, "currency": "GBP"}}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    browser.open("/ui/products/TEE").await;
    browser.wait_for("#product-details").await;
    browser.screenshot("product").await;
    browser.finish().await;
    app.finish().await;
}
