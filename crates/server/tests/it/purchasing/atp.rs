//! Available-to-promise from purchase orders: inbound units by expected date,
//! backorders taken off the total, and a receipt filling the waiting backorders.

use jiff::Timestamp;
use reqwest::Method;
use serde_json::{Value, json};
use switchyard_core::auth::Role;
use switchyard_core::id::ProductId;

use super::{create, days, po_body, receive, time};
use crate::both;
use crate::helpers::*;

/// (date, available) steps of an ATP `by_date`.
fn steps(v: &Value) -> Vec<(Timestamp, i64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| (time(&s["date"]), s["available"].as_i64().unwrap()))
        .collect()
}

async fn available_to_promise_counts_inbound_by_date_and_takes_backorders_off_the_total(app: &TestApp) {
    app.shop().await;
    app.product("GIFT", 4000).await;
    app.kit("GIFT", &[("MUG", 2)]).await;
    // Demand for MUG that nothing can serve: 4 on an open order, 3 on a held one, 2 in
    // a kit, and 5 on a cancelled order, which no longer counts.
    for (id, sku, quantity) in [
        ("AMZ-1", "MUG", 4),
        ("AMZ-2", "MUG", 3),
        ("AMZ-3", "MUG", 5),
        ("AMZ-4", "GIFT", 1),
    ] {
        let r = app
            .post("/api/v1/orders", order("amazon", id, &[(sku, quantity)]))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["lines"][0]["status"], "backordered");
    }
    let orders = app.get("/api/v1/orders?channel=amazon").await;
    let id_of = |external: &str| {
        let data = orders.body["data"].as_array().unwrap();
        let o = data.iter().find(|o| o["external_id"] == external).unwrap();
        o["id"].as_str().unwrap().to_owned()
    };
    let r = app
        .post(
            &format!("/api/v1/orders/{}/hold", id_of("AMZ-2")),
            json!({"reason": "fraud_review"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(&format!("/api/v1/orders/{}/cancel", id_of("AMZ-3")), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let (d5, d10, d20) = (days(app, 5), days(app, 10), days(app, 20));
    create(app, po_body("Fernhill", "LON", &[("MUG", 10, d10), ("TEE", 7, d5)])).await;
    let mcr = create(app, po_body("Fernhill", "MCR", &[("MUG", 6, d5), ("MUG", 4, d20)])).await;
    assert_eq!(
        receive(app, &mcr, json!([{"line": 1, "quantity": 1}])).await.status,
        201
    );
    let cancelled = create(app, po_body("Fernhill", "LON", &[("MUG", 100, d5)])).await;
    app.post(&format!("/api/v1/purchase-orders/{cancelled}/cancel"), json!({}))
        .await;
    let closed = create(app, po_body("Fernhill", "MCR", &[("MUG", 100, d5)])).await;
    app.post(&format!("/api/v1/purchase-orders/{closed}/close"), json!({}))
        .await;

    let r = app.get("/api/v1/inventory/atp?sku=MUG").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let atp = &r.body;
    assert_eq!(atp["sku"], "MUG");
    assert_eq!(time(&atp["as_of"]).as_microsecond(), app.now().as_microsecond());
    let locations = atp["locations"].as_array().unwrap();
    let lon = &locations[0];
    assert_eq!(lon["location"], "LON", "a location with only inbound is listed");
    let figures = |l: &Value| ["on_hand", "reserved", "available", "inbound"].map(|f| l[f].as_i64().unwrap());
    assert_eq!(figures(lon), [0, 0, 0, 10]);
    assert_eq!(steps(&lon["by_date"]), [(d10, 10)]);
    let mcr_atp = &locations[1];
    assert_eq!(mcr_atp["location"], "MCR");
    assert_eq!(figures(mcr_atp), [1, 0, 1, 9]);
    assert_eq!(steps(&mcr_atp["by_date"]), [(d5, 6), (d20, 10)]);
    assert_eq!(locations.len(), 2);
    let total = &atp["total"];
    assert_eq!(figures(total), [1, 0, 1, 19]);
    assert_eq!(total["backordered"], 9);
    assert_eq!(steps(&total["by_date"]), [(d5, 1 + 5 - 9), (d10, 7), (d20, 11)]);

    // Three MUG arrive at LON and fill the held order's backorder: they are reserved
    // now, and 6 stay backordered. By product id as well as by SKU.
    app.receive("MUG", "LON", 3).await;
    let held = app.get(&format!("/api/v1/orders/{}", id_of("AMZ-2"))).await;
    assert_eq!(held.body["lines"][0]["status"], "allocated", "{}", held.body);
    let product = app.get("/api/v1/products/MUG").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.get(&format!("/api/v1/inventory/atp?sku={product}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(figures(&r.body["locations"][0]), [3, 3, 0, 10]);
    assert_eq!(steps(&r.body["locations"][0]["by_date"]), [(d10, 10)]);
    assert_eq!(r.body["total"]["backordered"], 6);
    assert_eq!(steps(&r.body["total"]["by_date"]), [(d5, 0), (d10, 10), (d20, 14)]);

    // What routing reads: each outstanding line, earliest expected first.
    let inbound = app.store.inbound(&[ProductId::parse(&product).unwrap()]).await.unwrap();
    let seen: Vec<_> = inbound
        .iter()
        .map(|i| {
            (
                i.location.as_str(),
                i.sku.as_str(),
                i.quantity,
                i.expected_at,
                i.line_no,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("MCR", "MUG", 5, d5, 1),
            ("LON", "MUG", 10, d10, 1),
            ("MCR", "MUG", 4, d20, 2)
        ]
    );
    assert_eq!(inbound[0].number, mcr);
    assert!(app.store.inbound(&[]).await.unwrap().is_empty());

    let r = app.get("/api/v1/inventory/atp").await;
    assert_eq!(r.invalid_fields(), ["sku"]);
    app.get("/api/v1/inventory/atp?sku=NOPE")
        .await
        .problem(404, "not_found");
    let viewer = app.key(Role::Viewer).await;
    let r = app
        .send(Method::GET, "/api/v1/inventory/atp?sku=TEE", Some(&viewer), None, &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(steps(&r.body["total"]["by_date"]), [(d5, 7)]);
    app.assert_books_balance().await;
}

async fn receiving_a_purchase_order_fills_waiting_backorders(app: &TestApp) {
    app.shop().await;
    let r = app
        .post("/api/v1/orders", order("amazon", "AMZ-1", &[("TEE", 2)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["fulfilment_status"], "backordered");
    let order_id = r.body["id"].as_str().unwrap().to_owned();
    let d2 = days(app, 2);
    let number = create(app, po_body("Fernhill", "MCR", &[("TEE", 5, d2)])).await;
    let atp = app.get("/api/v1/inventory/atp?sku=TEE").await.body;
    assert_eq!(atp["total"]["backordered"], 2);
    assert_eq!(steps(&atp["total"]["by_date"]), [(d2, 3)]);

    assert_eq!(
        receive(app, &number, json!([{"line": 1, "quantity": 5}])).await.status,
        201
    );
    let o = app.get(&format!("/api/v1/orders/{order_id}")).await.body;
    assert_eq!(o["lines"][0]["status"], "allocated", "{o}");
    assert_eq!(o["reservations"][0]["location"], "MCR");
    assert_eq!(app.level("TEE", "MCR").await, (5, 2, 3));
    let atp = app.get("/api/v1/inventory/atp?sku=TEE").await.body;
    assert_eq!(atp["total"]["backordered"], 0);
    assert_eq!(atp["total"]["available"], 3);
    assert!(atp["total"]["by_date"].as_array().unwrap().is_empty());
    app.assert_books_balance().await;
}

both!(
    available_to_promise_counts_inbound_by_date_and_takes_backorders_off_the_total,
    receiving_a_purchase_order_fills_waiting_backorders,
);
