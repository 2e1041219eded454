//! The reorder suggestions page: the API's suggestions (what to order from whom) and
//! its CSV for a session, the under-stock lines ticked and made into draft purchase
//! orders, a refused line named with nothing made, and who may make drafts.

use serde_json::json;
use switchyard_core::auth::Role;

use super::support::signed_in;
use crate::both;
use crate::helpers::TestApp;
use crate::purchasing::replenishment::terms;
use crate::purchasing::suggestions::a_week_of_sales;

both!(suggested_lines_become_draft_purchase_orders);

async fn drafts(app: &TestApp) -> Vec<serde_json::Value> {
    let r = app.get("/api/v1/purchase-orders?status=draft").await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["data"].as_array().unwrap().clone()
}

async fn suggested_lines_become_draft_purchase_orders(app: &TestApp) {
    a_week_of_sales(app).await;
    terms(app, "TEE", "Oakleaf Textiles", Some(10), 20, 10, Some(300)).await;
    terms(app, "MUG", "Fernhill Ceramics", Some(14), 0, 6, Some(450)).await;

    // A viewer sees what to order and the CSV, but no form to order with.
    let viewer = signed_in(app, Role::Viewer).await;
    let (_, orders) = viewer.get("/ui/purchase-orders").await;
    assert!(orders.contains("href=\"/ui/purchasing/suggestions\""), "{orders}");
    let (status, html) = viewer.get("/ui/purchasing/suggestions").await;
    assert_eq!(status, 200, "{html}");
    let tee = html.split("/ui/stock/TEE\"").nth(1).unwrap();
    assert!(
        tee.contains("<td class=\"num\">90</td>") && tee.contains("Oakleaf Textiles"),
        "{tee}"
    );
    assert!(tee.contains("270.00 GBP"), "order value in major units: {tee}");
    assert!(
        html.contains("1 to order, 1 over-stocked (53 units too many, 238.50 GBP)"),
        "{html}"
    );
    assert!(!html.contains("name=\"accept\""), "a viewer may not order");
    assert!(html.contains("href=\"/ui/purchasing/suggestions.csv\""), "{html}");
    let (status, csv) = viewer.get("/ui/purchasing/suggestions.csv?state=under").await;
    assert_eq!(status, 200);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows[1].starts_with("TEE,LON,under,below_reorder_point,90,Oakleaf Textiles,"),
        "{csv}"
    );
    let (_, filtered) = viewer.get("/ui/purchasing/suggestions?state=over").await;
    assert!(filtered.contains("/ui/stock/MUG\"") && !filtered.contains("/ui/stock/TEE\""));
    let (_, bad) = viewer.get("/ui/purchasing/suggestions?state=urgent").await;
    assert!(bad.contains("id=\"filter-state-error\""), "{bad}");
    let warehouse = signed_in(app, Role::Warehouse).await;
    let refused = warehouse.post("/ui/purchasing/suggestions", &[("accept", "0")]).await;
    assert_eq!(refused.status(), 403);

    // A buyer finds the under-stock line ticked, as the API would accept it.
    let buyer = signed_in(app, Role::Manager).await;
    let (_, html) = buyer.get("/ui/purchasing/suggestions").await;
    for field in [
        "name=\"accept\" value=\"0\" id=\"accept-0\" aria-label=\"Order TEE at LON\" checked",
        "name=\"quantity-0\" value=\"90\"",
        "name=\"supplier-0\" value=\"Oakleaf Textiles\"",
    ] {
        assert!(html.contains(field), "{field} in {html}");
    }
    assert!(!html.contains("id=\"accept-1\""), "only under-stock lines are ordered");
    let line = |quantity| {
        [
            ("accept", "0"),
            ("sku-0", "TEE"),
            ("location-0", "LON"),
            ("quantity-0", quantity),
            ("supplier-0", "Oakleaf Textiles"),
        ]
    };
    // Not whole packs of 10: said about the line, and nothing made.
    let res = buyer.post("/ui/purchasing/suggestions", &line("85")).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("No purchase orders were made. TEE at LON: "), "{page}");
    assert!(drafts(app).await.is_empty());

    let res = buyer.post("/ui/purchasing/suggestions", &line("90")).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(res.headers()["location"], "/ui/purchase-orders?status=draft");
    let made = drafts(app).await;
    assert_eq!(made.len(), 1);
    assert_eq!(
        (&made[0]["supplier"]["name"], &made[0]["location"]),
        (&json!("Oakleaf Textiles"), &json!("LON"))
    );
    let number = made[0]["number"].as_str().unwrap();
    let po = app.get(&format!("/api/v1/purchase-orders/{number}")).await;
    assert_eq!(
        (&po.body["lines"][0]["sku"], &po.body["lines"][0]["quantity"]),
        (&json!("TEE"), &json!(90))
    );
    let (_, list) = buyer.get("/ui/purchase-orders?status=draft").await;
    assert!(list.contains(number));
}
