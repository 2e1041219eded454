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
    assert!(unknown.contains("NOPE"), "{unknown}");
    // A viewer sees the levels and the ledger, not the forms.
    let (_, sku) = ui.get("/ui/stock/TEE").await;
    assert!(sku.contains("id=\"movements\"") && !sku.contains("receive-form"));
}

async fn stock_forms_move_stock_in_the_users_name(app: &TestApp) {
    stocked(app).await;
    let ui = signed_in(app, Role::Warehouse).await;
    let posts: [(&str, &[(&str, &str)]); 4] = [
        ("receive", &[("location", "LON"), ("quantity", "5"), ("reference", "DN-1")]),
        ("adjust", &[("location", "LON"), ("quantity", "-2"), ("reason", "damaged"), ("note", "torn")]),
        ("count", &[("location", "LON"), ("counted", "12")]),
        ("transfer", &[("from", "LON"), ("to", "MCR"), ("quantity", "3")]),
    ];
    for (form, fields) in posts {
        let res = ui.post(&format!("/ui/stock/TEE/{form}"), fields).await;
        assert_eq!(res.status(), 303, "{form}: {}", res.text().await.unwrap());
        assert!(res.headers()["location"].to_str().unwrap().starts_with("/ui/stock/TEE?done="));
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
}

async fn a_refused_adjustment_says_why_and_changes_nothing(app: &TestApp) {
    stocked(app).await;
    let ui = signed_in(app, Role::Warehouse).await;
    let no_reason = ui
        .post("/ui/stock/TEE/adjust", &[("location", "LON"), ("quantity", "-2"), ("note", "kept")])
        .await;
    assert_eq!(no_reason.status(), 422);
    let html = no_reason.text().await.unwrap();
    assert!(html.contains("id=\"adjust-reason\" name=\"reason\" aria-invalid=\"true\""), "{html}");
    assert!(html.contains("id=\"adjust-reason-error\""));
    assert!(html.contains("value=\"kept\"") && html.contains("value=\"-2\""), "what was typed stays");

    let below_zero = ui
        .post("/ui/stock/TEE/adjust", &[("location", "LON"), ("quantity", "-11"), ("reason", "lost")])
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_receives_stock_and_sees_the_movement() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    stocked(&app).await;
    support::user(&app, Role::Warehouse).await;
    let browser = Browser::start(&app.base).await;
    browser
        .sign_in(&support::email(Role::Warehouse), support::PASSWORD)
        .await;
    browser.open("/ui/stock").await;
    browser.wait_for("#levels").await;
    browser.screenshot("stock-levels").await;
    browser.click("#levels a[href='/ui/stock/TEE']").await;
    browser.wait_for("#receive-form").await;
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
    browser.finish().await;
    app.finish().await;
}
