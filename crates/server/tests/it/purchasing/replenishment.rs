//! Replenishment through HTTP: supplier terms per product, accepted suggestions made
//! into draft purchase orders grouped by supplier and location, drafts that are not
//! inbound stock until submitted, lead times learned from receipts, and what the store
//! gathers for the reorder policy.

use jiff::SignedDuration;
use reqwest::Method;
use serde_json::{Value, json};

use super::{create, days, po, po_body, receive, time, topics};
use crate::both;
use crate::helpers::*;

/// A draft as a buyer reads it: status, supplier, location and (SKU, units) lines.
type Shape = (String, String, String, Vec<(String, i64)>);

async fn put_terms(app: &TestApp, sku: &str, body: Value) -> Resp {
    let path = format!("/api/v1/products/{sku}/supplier");
    app.send(Method::PUT, &path, Some(&app.admin), Some(&body), &[]).await
}

pub(crate) async fn terms(
    app: &TestApp,
    sku: &str,
    supplier: &str,
    lead: Option<i64>,
    moq: i64,
    pack: i64,
    cost: Option<i64>,
) {
    let mut body = json!({"supplier": supplier, "moq": moq, "pack_size": pack, "lead_time_days": lead});
    if let Some(c) = cost {
        body["unit_cost"] = gbp(c);
    }
    let r = put_terms(app, sku, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// A SKU's inbound units over every location, as available-to-promise counts them.
async fn inbound(app: &TestApp, sku: &str) -> i64 {
    let r = app.get(&format!("/api/v1/inventory/atp?sku={sku}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["inbound"].as_i64().unwrap())
        .sum()
}

async fn supplier_terms_are_set_read_and_checked_field_by_field(app: &TestApp) {
    app.shop().await;
    app.get("/api/v1/products/MUG/supplier").await.problem(404, "not_found");
    let r = put_terms(
        app,
        "MUG",
        json!({"lead_time_days": -1, "moq": -5, "pack_size": 0, "unit_cost": {"amount": -1, "currency": "GBP"}}),
    )
    .await;
    assert_eq!(
        r.invalid_fields(),
        ["/supplier", "/lead_time_days", "/moq", "/pack_size", "/unit_cost"]
    );
    app.get("/api/v1/products/MUG/supplier").await.problem(404, "not_found");

    terms(app, "MUG", "Fernhill Ceramics", Some(21), 20, 6, Some(450)).await;
    let r = app.get("/api/v1/products/MUG/supplier").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            &r.body["sku"],
            &r.body["supplier"],
            &r.body["lead_time_days"],
            &r.body["moq"],
            &r.body["pack_size"]
        ),
        (
            &json!("MUG"),
            &json!("Fernhill Ceramics"),
            &json!(21),
            &json!(20),
            &json!(6)
        )
    );
    assert_eq!(r.body["unit_cost"], gbp(450));
    // Setting them again replaces them; left out, MOQ is none and packs are single units.
    let r = put_terms(app, "MUG", json!({"supplier": "Potters Ltd"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (
            &r.body["supplier"],
            &r.body["moq"],
            &r.body["pack_size"],
            &r.body["unit_cost"]
        ),
        (&json!("Potters Ltd"), &json!(0), &json!(1), &Value::Null)
    );
    put_terms(app, "NOPE", json!({"supplier": "X"}))
        .await
        .problem(404, "not_found");

    app.product("GIFT", 4000).await;
    app.kit("GIFT", &[("MUG", 2)]).await;
    put_terms(app, "GIFT", json!({"supplier": "X"}))
        .await
        .problem(409, "kit_not_bought");

    let viewer = app.key(switchyard_core::auth::Role::Viewer).await;
    let r = app
        .send(
            Method::PUT,
            "/api/v1/products/MUG/supplier",
            Some(&viewer),
            Some(&json!({"supplier": "X"})),
            &[],
        )
        .await;
    r.problem(403, "forbidden");
}

async fn accepted_suggestions_become_drafts_per_supplier_and_location_that_are_not_inbound_until_submitted(
    app: &TestApp,
) {
    app.shop().await;
    app.product("JUG", 2500).await;
    terms(app, "MUG", "Fernhill", Some(10), 20, 6, Some(450)).await;
    terms(app, "TEE", "Cotton Co", Some(7), 0, 1, Some(300)).await;

    // Every line at fault is named, and nothing is created.
    let faulty = json!([
        {"sku": "MUG", "location": "LON", "quantity": 13},
        {"sku": "MUG", "location": "MCR", "quantity": 12},
        {"sku": "JUG", "location": "LON", "quantity": 4},
        {"sku": "TEE", "location": "NOWHERE", "quantity": 5},
        {"sku": "NOPE", "location": "LON", "quantity": 5}
    ]);
    let mut with_zero = faulty.clone();
    with_zero
        .as_array_mut()
        .unwrap()
        .push(json!({"sku": "TEE", "location": "LON", "quantity": 0}));
    let r = app
        .post("/api/v1/replenishment/purchase-orders", json!({"lines": with_zero}))
        .await;
    assert_eq!(
        r.invalid_fields(),
        ["/lines/5/quantity",],
        "the body's own checks come first: {}",
        r.body
    );
    let r = app
        .post("/api/v1/replenishment/purchase-orders", json!({"lines": faulty}))
        .await;
    assert_eq!(
        r.invalid_fields(),
        [
            "/lines/0/quantity",
            "/lines/1/quantity",
            "/lines/2/supplier",
            "/lines/3/location",
            "/lines/4/sku"
        ]
    );
    let codes: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "not_whole_packs",
            "below_minimum",
            "no_supplier",
            "unknown_location",
            "unknown_sku"
        ]
    );
    assert_eq!(app.get("/api/v1/purchase-orders").await.body["data"], json!([]));

    // JUG has no terms: it names its supplier, and with no unit cost the drafts'
    // currency is the body's.
    let body = json!({"currency": "GBP", "lines": [
        {"sku": "MUG", "location": "LON", "quantity": 24},
        {"sku": "TEE", "location": "LON", "quantity": 10},
        {"sku": "TEE", "location": "MCR", "quantity": 5},
        {"sku": "JUG", "location": "LON", "quantity": 4, "supplier": "Fernhill"}
    ]});
    let key = [("Idempotency-Key", "replenish-1")];
    let post = || {
        app.send(
            Method::POST,
            "/api/v1/replenishment/purchase-orders",
            Some(&app.admin),
            Some(&body),
            &key,
        )
    };
    let r = post().await;
    assert_eq!(r.status, 201, "{}", r.body);
    let again = post().await;
    assert_eq!(
        (again.status, &again.body),
        (201, &r.body),
        "the same key answers the same drafts"
    );
    assert_eq!(again.header("idempotent-replayed"), Some("true"));

    let drafts = r.body.as_array().unwrap();
    let summary: Vec<Shape> = drafts
        .iter()
        .map(|d| {
            let lines = d["lines"].as_array().unwrap();
            (
                d["status"].as_str().unwrap().to_owned(),
                d["supplier"]["name"].as_str().unwrap().to_owned(),
                d["location"].as_str().unwrap().to_owned(),
                lines
                    .iter()
                    .map(|l| (l["sku"].as_str().unwrap().to_owned(), l["quantity"].as_i64().unwrap()))
                    .collect(),
            )
        })
        .collect();
    let s = |x: &str| x.to_owned();
    assert_eq!(
        summary,
        [
            (s("draft"), s("Cotton Co"), s("LON"), vec![(s("TEE"), 10)]),
            (s("draft"), s("Cotton Co"), s("MCR"), vec![(s("TEE"), 5)]),
            (s("draft"), s("Fernhill"), s("LON"), vec![(s("MUG"), 24), (s("JUG"), 4)]),
        ]
    );
    let fernhill = &drafts[2];
    assert_eq!(fernhill["currency"], "GBP");
    assert_eq!(fernhill["lines"][0]["unit_cost"], gbp(450));
    assert_eq!(fernhill["lines"][1]["unit_cost"], Value::Null);
    // Expected a lead time from now: MUG's terms say 10 days; JUG has no terms nor
    // history, so the default 14; TEE's terms 7.
    assert_eq!(
        time(&fernhill["lines"][0]["expected_at"]).as_second(),
        days(app, 10).as_second()
    );
    assert_eq!(
        time(&fernhill["lines"][1]["expected_at"]).as_second(),
        days(app, 14).as_second()
    );
    assert_eq!(
        time(&drafts[0]["lines"][0]["expected_at"]).as_second(),
        days(app, 7).as_second()
    );
    assert_eq!(
        app.get("/api/v1/purchase-orders?status=draft").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // A draft is not inbound stock, is not received, and is sent by submitting it.
    assert_eq!(inbound(app, "MUG").await, 0);
    let number = fernhill["number"].as_str().unwrap();
    receive(app, number, json!([{"line": 1, "quantity": 6}]))
        .await
        .problem(409, "invalid_transition");
    let r = app
        .post(&format!("/api/v1/purchase-orders/{number}/submit"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "open");
    assert_eq!(inbound(app, "MUG").await, 24);
    app.post(&format!("/api/v1/purchase-orders/{number}/submit"), json!({}))
        .await
        .problem(409, "invalid_transition");
    let submitted = po(app, number).await;
    assert_eq!(
        topics(app, &submitted).await,
        ["purchase_order.created", "purchase_order.submitted"]
    );
    // A draft may be cancelled.
    let other = drafts[1]["number"].as_str().unwrap();
    let r = app
        .post(&format!("/api/v1/purchase-orders/{other}/cancel"), json!({}))
        .await;
    assert_eq!(r.body["status"], "cancelled", "{}", r.body);
    app.assert_books_balance().await;
}

async fn lead_times_are_learned_from_receipts_and_the_store_gathers_what_the_policy_needs(app: &TestApp) {
    app.shop().await;
    terms(app, "MUG", "Fernhill", Some(30), 0, 1, Some(450)).await;
    app.receive("MUG", "LON", 40).await;
    // Three purchase orders from Fernhill took 4, 6 and 8 days to arrive.
    let start = app.now();
    for took in [4, 6, 8] {
        app.clock.set(start);
        let number = create(app, po_body("Fernhill", "LON", &[("MUG", 10, days(app, 5))])).await;
        app.clock.advance(SignedDuration::from_hours(24 * took));
        let r = receive(app, &number, json!([{"line": 1, "quantity": 10}])).await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    app.clock.set(start);
    // 12 more are on their way; a draft of 6 is not.
    create(app, po_body("Fernhill", "LON", &[("MUG", 12, days(app, 5))])).await;
    let r = app
        .post(
            "/api/v1/replenishment/purchase-orders",
            json!({"lines": [{"sku": "MUG", "location": "LON", "quantity": 6}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Learned: mean 6 days, which wins over the 30 the terms promise.
    assert_eq!(
        time(&r.body[0]["lines"][0]["expected_at"]).as_second(),
        days(app, 6).as_second()
    );
    // An order reserves 3 at LON.
    let r = app
        .post("/api/v1/orders", order("amazon", "AMZ-1", &[("MUG", 3)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let facts = app.store.replenishment_facts().await.unwrap();
    let mug = facts.iter().find(|f| f.sku == "MUG" && f.location == "LON").unwrap();
    // 40 + 30 received, 3 reserved, 12 inbound (the draft's 6 are not).
    assert_eq!(
        (
            mug.stock.on_hand,
            mug.stock.reserved,
            mug.stock.inbound,
            mug.backordered_anywhere
        ),
        (70, 3, 12, 0)
    );
    assert_eq!(mug.lead_time.source.as_str(), "sku_history");
    assert_eq!(mug.lead_time.observations, 3);
    assert!((mug.lead_time.mean_days - 6.0).abs() < 1e-9);
    assert!((mug.lead_time.sd_days - 2.0).abs() < 1e-9);
    assert_eq!(mug.terms.as_ref().map(|t| t.supplier.as_str()), Some("Fernhill"));
}

both!(
    supplier_terms_are_set_read_and_checked_field_by_field,
    accepted_suggestions_become_drafts_per_supplier_and_location_that_are_not_inbound_until_submitted,
    lead_times_are_learned_from_receipts_and_the_store_gathers_what_the_policy_needs,
);
