//! Purchase orders through HTTP: creation with every field validated, partial and full
//! receipts that move stock through the ledger, refused over-receipts, close and
//! cancel, lists and filters, and available-to-promise from inbound stock and
//! backorders. The books balance after each.

use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use serde_json::{Value, json};
use switchyard_core::auth::Role;
use switchyard_core::id::ProductId;

use crate::both;
use crate::helpers::*;

/// `n` days from the test clock's now, in whole seconds.
fn days(app: &TestApp, n: i64) -> Timestamp {
    Timestamp::from_second(app.now().as_second() + n * 86_400).unwrap()
}

fn time(v: &Value) -> Timestamp {
    v.as_str().unwrap().parse().unwrap()
}

/// A purchase order body from `supplier` to `location` with `(sku, quantity, expected)` lines.
fn po_body(supplier: &str, location: &str, lines: &[(&str, i64, Timestamp)]) -> Value {
    json!({
        "supplier": {"name": supplier},
        "location": location,
        "currency": "GBP",
        "lines": lines.iter().map(|(sku, q, at)| json!({"sku": sku, "quantity": q, "expected_at": at.to_string()})).collect::<Vec<_>>(),
    })
}

/// Creates a purchase order and returns its number.
async fn create(app: &TestApp, body: Value) -> String {
    let r = app.post("/api/v1/purchase-orders", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["number"].as_str().unwrap().to_owned()
}

async fn receive(app: &TestApp, number: &str, lines: Value) -> Resp {
    app.post(
        &format!("/api/v1/purchase-orders/{number}/receipts"),
        json!({ "lines": lines }),
    )
    .await
}

async fn po(app: &TestApp, number: &str) -> Value {
    let r = app.get(&format!("/api/v1/purchase-orders/{number}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// (received, outstanding) of each line.
fn progress(po: &Value) -> Vec<(i64, i64)> {
    po["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["received"].as_i64().unwrap(), l["outstanding"].as_i64().unwrap()))
        .collect()
}

async fn topics(app: &TestApp, po: &Value) -> Vec<String> {
    let messages = app.store.outbox_for(po["id"].as_str().unwrap()).await.unwrap();
    messages.into_iter().map(|m| m.topic).collect()
}

async fn ledger(app: &TestApp, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/inventory/movements?limit=500&{query}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["data"].as_array().unwrap().clone()
}

async fn numbers(app: &TestApp, query: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/purchase-orders?{query}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let data = r.body["data"].as_array().unwrap();
    data.iter().map(|p| p["number"].as_str().unwrap().to_owned()).collect()
}

async fn a_purchase_order_is_validated_field_by_field_and_nothing_is_stored_until_it_is_valid(app: &TestApp) {
    app.shop().await;
    let r = app
        .post(
            "/api/v1/purchase-orders",
            json!({
                "supplier": {"name": "", "email": "not-an-email"},
                "location": "L O N",
                "currency": "POUNDS",
                "lines": [
                    {"sku": "TEE", "quantity": 0, "expected_at": "next week"},
                    {"quantity": 5, "unit_cost": {"amount": -1, "currency": "GBP"}, "expected_at": "2027-01-01"},
                ],
            }),
        )
        .await;
    assert_eq!(
        r.invalid_fields(),
        [
            "/supplier/name",
            "/supplier/email",
            "/location",
            "/currency",
            "/lines/0/quantity",
            "/lines/0/expected_at",
            "/lines/1/sku",
            "/lines/1/unit_cost",
        ]
    );
    let r = app.post("/api/v1/purchase-orders", json!({})).await;
    assert_eq!(r.invalid_fields(), ["/supplier", "/location", "/currency", "/lines"]);
    // Unknown SKUs and locations are named too, and a cost in another currency.
    let mut body = po_body(
        "Fernhill",
        "NOWHERE",
        &[("TEE", 5, days(app, 3)), ("NOPE", 1, days(app, 3))],
    );
    body["lines"][0]["unit_cost"] = json!({"amount": 500, "currency": "EUR"});
    assert_eq!(
        app.post("/api/v1/purchase-orders", body.clone()).await.invalid_fields(),
        ["/lines/0/unit_cost"]
    );
    body["lines"][0]["unit_cost"] = gbp(500);
    let r = app.post("/api/v1/purchase-orders", body).await;
    assert_eq!(r.invalid_fields(), ["/location", "/lines/1/sku"]);
    assert_eq!(r.body["errors"][0]["code"], "unknown_location");
    assert_eq!(r.body["errors"][1]["code"], "unknown_sku");
    // A kit has no stock of its own: its components are ordered instead.
    app.product("GIFT", 4000).await;
    let components = json!([{"sku": "MUG", "quantity": 2}]);
    let set = app.send(
        Method::PUT,
        "/api/v1/products/GIFT/components",
        Some(&app.admin),
        Some(&components),
        &[],
    );
    assert_eq!(set.await.status, 200);
    let r = app
        .post(
            "/api/v1/purchase-orders",
            po_body("Fernhill", "LON", &[("GIFT", 1, days(app, 3))]),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/lines/0/sku"]);
    assert_eq!(r.body["errors"][0]["code"], "kit");
    assert!(numbers(app, "").await.is_empty(), "nothing was stored");

    let warehouse = app.key(Role::Warehouse).await;
    let valid = json!({
        "supplier": {"name": "Fernhill Ceramics", "reference": "FC-88213", "email": "Orders@Fernhill.example"},
        "location": "LON",
        "currency": "GBP",
        "expected_at": "2027-01-15",
        "lines": [
            {"sku": "MUG", "quantity": 120, "unit_cost": gbp(450)},
            {"sku": "TEE", "quantity": 60, "expected_at": "2027-02-01T09:00:00Z"},
        ],
        "notes": "deliver to dock 2",
    });
    let refused = app
        .send(
            Method::POST,
            "/api/v1/purchase-orders",
            Some(&warehouse),
            Some(&valid),
            &[],
        )
        .await;
    refused.problem(403, "forbidden");

    let r = app.post("/api/v1/purchase-orders", valid.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let p = &r.body;
    assert_eq!(p["number"], "PO-1001", "the refused requests used up no number");
    assert!(p["id"].as_str().unwrap().starts_with("po_"));
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/purchase-orders/{}", p["id"].as_str().unwrap()).as_str())
    );
    assert_eq!(p["status"], "open");
    assert_eq!(
        p["supplier"],
        json!({"name": "Fernhill Ceramics", "reference": "FC-88213", "email": "orders@fernhill.example"})
    );
    assert_eq!(p["location"], "LON");
    assert_eq!(p["currency"], "GBP");
    assert_eq!(
        (p["units_ordered"].as_i64(), p["units_received"].as_i64()),
        (Some(180), Some(0))
    );
    assert_eq!(p["notes"], "deliver to dock 2");
    assert_eq!(p["created_by"], "test admin");
    assert!(p["closed_at"].is_null());
    let lines = p["lines"].as_array().unwrap();
    assert_eq!(lines[0]["line_no"], 1);
    assert!(lines[0]["id"].as_str().unwrap().starts_with("pol_"));
    assert_eq!(lines[0]["sku"], "MUG");
    assert_eq!(lines[0]["unit_cost"], gbp(450));
    assert_eq!(time(&lines[0]["expected_at"]), "2027-01-15T00:00:00Z".parse().unwrap());
    assert_eq!(time(&lines[1]["expected_at"]), "2027-02-01T09:00:00Z".parse().unwrap());
    assert!(lines[1]["unit_cost"].is_null());
    assert_eq!(progress(p), [(0, 120), (0, 60)]);
    assert!(p["receipts"].as_array().unwrap().is_empty());
    assert_eq!(topics(app, p).await, ["purchase_order.created"]);

    // Read by number and by id; the next order gets the next number.
    assert_eq!(po(app, "PO-1001").await, po(app, p["id"].as_str().unwrap()).await);
    app.get("/api/v1/purchase-orders/PO-9999")
        .await
        .problem(404, "not_found");
    assert_eq!(create(app, valid).await, "PO-1002");
    let viewer = app.key(Role::Viewer).await;
    let read = app
        .send(Method::GET, "/api/v1/purchase-orders/PO-1002", Some(&viewer), None, &[])
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    app.assert_books_balance().await;
}

async fn a_partial_receipt_raises_on_hand_and_writes_receipt_movements_referenced_to_the_order(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 2).await;
    let number = create(
        app,
        po_body(
            "Fernhill",
            "LON",
            &[("TEE", 10, days(app, 5)), ("MUG", 5, days(app, 9))],
        ),
    )
    .await;
    let warehouse = app.key(Role::Warehouse).await;
    let body = json!({"lines": [{"line": 1, "quantity": 4}, {"sku": "MUG", "quantity": 2}], "note": "DN-5521"});
    let path = format!("/api/v1/purchase-orders/{number}/receipts");
    let viewer = app.key(Role::Viewer).await;
    app.send(Method::POST, &path, Some(&viewer), Some(&body), &[])
        .await
        .problem(403, "forbidden");
    let r = app.send(Method::POST, &path, Some(&warehouse), Some(&body), &[]).await;
    assert_eq!(r.status, 201, "{}", r.body);

    let movements = r.body["movements"].as_array().unwrap();
    let shape: Vec<_> = movements
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap(),
                m["sku"].as_str().unwrap(),
                m["location"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(shape, [("receipt", "TEE", "LON"), ("receipt", "MUG", "LON")]);
    assert_eq!(movements[0]["on_hand_delta"], 4);
    assert_eq!(movements[0]["on_hand_after"], 6);
    for m in movements {
        assert_eq!(m["reference"], number.as_str());
        assert_eq!(m["note"], "DN-5521");
        assert_eq!(m["actor"], "test warehouse");
    }
    assert_eq!(app.level("TEE", "LON").await, (6, 0, 6));
    assert_eq!(app.level("MUG", "LON").await, (2, 0, 2));
    assert_eq!(ledger(app, &format!("reference={number}")).await.len(), 2);

    let p = &r.body["purchase_order"];
    assert_eq!(p["status"], "partially_received");
    assert_eq!(progress(p), [(4, 6), (2, 3)]);
    assert_eq!(p["units_received"], 6);
    let receipts = p["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 2);
    assert_eq!(receipts[0]["movement_id"], movements[0]["id"]);
    assert_eq!(
        (receipts[1]["line_no"].as_i64(), receipts[1]["quantity"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(*p, po(app, &number).await);
    assert_eq!(
        topics(app, p).await,
        ["purchase_order.created", "purchase_order.received"]
    );

    // A second delivery adds to the first.
    let r = receive(app, &number, json!([{"sku": "TEE", "quantity": 1}])).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(progress(&r.body["purchase_order"]), [(5, 5), (2, 3)]);
    assert_eq!(r.body["purchase_order"]["status"], "partially_received");
    assert_eq!(app.level("TEE", "LON").await, (7, 0, 7));
    app.assert_books_balance().await;
}

async fn receiving_more_than_is_outstanding_is_refused_and_changes_nothing(app: &TestApp) {
    app.shop().await;
    let number = create(
        app,
        po_body(
            "Fernhill",
            "MCR",
            &[("TEE", 10, days(app, 5)), ("MUG", 3, days(app, 5))],
        ),
    )
    .await;
    assert_eq!(
        receive(app, &number, json!([{"line": 1, "quantity": 6}])).await.status,
        201
    );
    let before = (
        po(app, &number).await,
        ledger(app, "").await.len(),
        app.level("TEE", "MCR").await,
    );
    let messages = topics(app, &before.0).await.len();

    let r = receive(
        app,
        &number,
        json!([{"line": 2, "quantity": 3}, {"line": 1, "quantity": 5}]),
    )
    .await;
    assert_eq!(
        r.invalid_fields(),
        ["/lines/1/quantity"],
        "the good line is not received alone"
    );
    assert_eq!(r.body["errors"][0]["code"], "exceeds_outstanding");
    assert_eq!(
        r.body["errors"][0]["message"],
        "is more than the 4 units of TEE still outstanding"
    );
    // Two receipt lines for one order line add up.
    let r = receive(
        app,
        &number,
        json!([{"sku": "TEE", "quantity": 3}, {"line": 1, "quantity": 2}]),
    )
    .await;
    assert_eq!(r.invalid_fields(), ["/lines/1/quantity"]);
    let r = receive(
        app,
        &number,
        json!([{"line": 9, "quantity": 1}, {"sku": "CAP", "quantity": 1}]),
    )
    .await;
    assert_eq!(r.invalid_fields(), ["/lines/0/line", "/lines/1/sku"]);
    assert_eq!(r.body["errors"][0]["code"], "unknown_line");
    let r = receive(
        app,
        &number,
        json!([{"line": 1, "sku": "TEE", "quantity": 1}, {"line": 2, "quantity": 0}, {}]),
    )
    .await;
    assert_eq!(
        r.invalid_fields(),
        [
            "/lines/0/sku",
            "/lines/1/quantity",
            "/lines/2/line",
            "/lines/2/quantity"
        ]
    );
    assert_eq!(receive(app, &number, json!([])).await.invalid_fields(), ["/lines"]);
    receive(app, "PO-9999", json!([{"line": 1, "quantity": 1}]))
        .await
        .problem(404, "not_found");

    let after = (
        po(app, &number).await,
        ledger(app, "").await.len(),
        app.level("TEE", "MCR").await,
    );
    assert_eq!(after, before, "nothing changed");
    assert_eq!(topics(app, &after.0).await.len(), messages);
    app.assert_books_balance().await;
}

async fn receiving_everything_outstanding_makes_the_order_received_and_it_takes_no_more(app: &TestApp) {
    app.shop().await;
    let lines = [
        ("TEE", 10, days(app, 9)),
        ("TEE", 5, days(app, 2)),
        ("MUG", 4, days(app, 2)),
    ];
    let number = create(app, po_body("Fernhill", "LON", &lines)).await;
    // By SKU, the line expected first fills first.
    let r = receive(
        app,
        &number,
        json!([{"sku": "TEE", "quantity": 12}, {"sku": "MUG", "quantity": 4}]),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(progress(&r.body["purchase_order"]), [(7, 3), (5, 0), (4, 0)]);
    let r = receive(app, &number, json!([{"line": 1, "quantity": 3}])).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let p = &r.body["purchase_order"];
    assert_eq!(p["status"], "received");
    assert_eq!(progress(p), [(10, 0), (5, 0), (4, 0)]);
    assert_eq!(app.level("TEE", "LON").await, (15, 0, 15));
    assert_eq!(app.level("MUG", "LON").await, (4, 0, 4));
    assert_eq!(ledger(app, &format!("reference={number}&kind=receipt")).await.len(), 4);

    let r = receive(app, &number, json!([{"line": 1, "quantity": 1}])).await;
    assert_eq!(r.problem(409, "invalid_transition")["current_status"], "received");
    app.post(&format!("/api/v1/purchase-orders/{number}/close"), json!({}))
        .await
        .problem(409, "invalid_transition");
    app.post(&format!("/api/v1/purchase-orders/{number}/cancel"), json!({}))
        .await
        .problem(409, "invalid_transition");
    assert_eq!(app.level("TEE", "LON").await, (15, 0, 15));
    app.assert_books_balance().await;
}

async fn closing_an_order_stops_expecting_the_rest(app: &TestApp) {
    app.shop().await;
    let number = create(app, po_body("Fernhill", "LON", &[("TEE", 10, days(app, 5))])).await;
    assert_eq!(
        receive(app, &number, json!([{"line": 1, "quantity": 4}])).await.status,
        201
    );
    let warehouse = app.key(Role::Warehouse).await;
    let path = format!("/api/v1/purchase-orders/{number}/close");
    app.send(Method::POST, &path, Some(&warehouse), None, &[])
        .await
        .problem(403, "forbidden");
    let r = app.post(&path, json!({"reason": "supplier is out of stock"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "closed");
    assert_eq!(r.body["close_reason"], "supplier is out of stock");
    assert_eq!(time(&r.body["closed_at"]).as_microsecond(), app.now().as_microsecond());
    assert_eq!(progress(&r.body), [(4, 0)], "the rest is no longer outstanding");
    assert_eq!(
        topics(app, &r.body).await.last().map(String::as_str),
        Some("purchase_order.closed")
    );
    let atp = app.get("/api/v1/inventory/atp?sku=TEE").await;
    assert_eq!(atp.body["total"]["inbound"], 0, "{}", atp.body);

    let r = receive(app, &number, json!([{"line": 1, "quantity": 1}])).await;
    assert_eq!(r.problem(409, "invalid_transition")["current_status"], "closed");
    app.post(&path, json!({})).await.problem(409, "invalid_transition");
    assert_eq!(app.level("TEE", "LON").await, (4, 0, 4));

    // An order with nothing received may be closed too, without a body.
    let other = create(app, po_body("Fernhill", "LON", &[("MUG", 3, days(app, 5))])).await;
    let r = app
        .send(
            Method::POST,
            &format!("/api/v1/purchase-orders/{other}/close"),
            Some(&app.admin),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "closed");
    assert!(r.body["close_reason"].is_null());
    app.assert_books_balance().await;
}

async fn cancelling_is_refused_once_goods_were_received(app: &TestApp) {
    app.shop().await;
    let untouched = create(app, po_body("Fernhill", "LON", &[("TEE", 10, days(app, 5))])).await;
    let started = create(app, po_body("Fernhill", "LON", &[("TEE", 10, days(app, 5))])).await;
    assert_eq!(
        receive(app, &started, json!([{"line": 1, "quantity": 1}])).await.status,
        201
    );

    let r = app
        .post(
            &format!("/api/v1/purchase-orders/{untouched}/cancel"),
            json!({"reason": "x".repeat(501)}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/reason"]);
    let r = app
        .post(
            &format!("/api/v1/purchase-orders/{untouched}/cancel"),
            json!({"reason": "ordered twice"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(r.body["close_reason"], "ordered twice");
    assert_eq!(progress(&r.body), [(0, 0)]);
    assert_eq!(
        topics(app, &r.body).await,
        ["purchase_order.created", "purchase_order.cancelled"]
    );
    let again = app
        .post(&format!("/api/v1/purchase-orders/{untouched}/cancel"), json!({}))
        .await;
    assert_eq!(again.problem(409, "invalid_transition")["current_status"], "cancelled");
    receive(app, &untouched, json!([{"line": 1, "quantity": 1}]))
        .await
        .problem(409, "invalid_transition");

    let r = app
        .post(&format!("/api/v1/purchase-orders/{started}/cancel"), json!({}))
        .await;
    let p = r.problem(409, "invalid_transition");
    assert_eq!(p["current_status"], "partially_received");
    assert!(p["detail"].as_str().unwrap().contains("close it"), "{p}");
    assert_eq!(po(app, &started).await["status"], "partially_received");
    assert_eq!(app.level("TEE", "LON").await, (1, 0, 1));
    app.assert_books_balance().await;
}

async fn purchase_orders_are_listed_newest_first_with_filters(app: &TestApp) {
    app.shop().await;
    let at = days(app, 4);
    let first = create(app, po_body("Fernhill Ceramics", "LON", &[("MUG", 10, at)])).await;
    app.clock.advance(SignedDuration::from_secs(60));
    let second = create(
        app,
        po_body("Oakleaf Textiles", "MCR", &[("TEE", 10, at), ("MUG", 2, at)]),
    )
    .await;
    app.clock.advance(SignedDuration::from_secs(60));
    let third = create(app, po_body("Oakleaf Textiles", "LON", &[("TEE", 5, at)])).await;
    assert_eq!(
        receive(app, &third, json!([{"line": 1, "quantity": 5}])).await.status,
        201
    );
    app.post(&format!("/api/v1/purchase-orders/{first}/cancel"), json!({}))
        .await;

    assert_eq!(
        numbers(app, "").await,
        [third.as_str(), second.as_str(), first.as_str()]
    );
    assert_eq!(numbers(app, "status=open").await, [second.as_str()]);
    assert_eq!(numbers(app, "status=received").await, [third.as_str()]);
    assert_eq!(numbers(app, "status=cancelled").await, [first.as_str()]);
    assert_eq!(numbers(app, "location=LON").await, [third.as_str(), first.as_str()]);
    assert_eq!(numbers(app, "sku=MUG").await, [second.as_str(), first.as_str()]);
    assert_eq!(
        numbers(app, "supplier=oakleaf&sku=TEE&location=MCR").await,
        [second.as_str()]
    );
    assert_eq!(numbers(app, "supplier=FERN").await, [first.as_str()]);
    assert!(numbers(app, "supplier=nobody").await.is_empty());

    let page = app.get("/api/v1/purchase-orders?limit=2").await;
    let summary = &page.body["data"][0];
    assert_eq!(summary["number"], third.as_str());
    assert_eq!(
        (summary["units_ordered"].as_i64(), summary["units_received"].as_i64()),
        (Some(5), Some(5))
    );
    assert!(summary.get("lines").is_none(), "lists carry no lines");
    let cursor = page.body["next_cursor"].as_str().unwrap();
    assert_eq!(
        numbers(app, &format!("limit=2&cursor={cursor}")).await,
        [first.as_str()]
    );

    app.get("/api/v1/purchase-orders?sku=NOPE")
        .await
        .problem(404, "not_found");
    let r = app.get("/api/v1/purchase-orders?status=lost").await;
    assert_eq!(r.invalid_fields(), ["status"]);
    app.assert_books_balance().await;
}

async fn concurrent_receipts_never_receive_more_than_was_ordered(app: &TestApp) {
    app.shop().await;
    let number = create(app, po_body("Fernhill", "LON", &[("TEE", 20, days(app, 3))])).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let request = app
            .client
            .post(format!("{}/api/v1/purchase-orders/{number}/receipts", app.base))
            .bearer_auth(&app.admin)
            .json(&json!({"lines": [{"line": 1, "quantity": 3}]}));
        tasks.spawn(async move { request.send().await.unwrap().status().as_u16() });
    }
    let mut accepted = 0;
    while let Some(status) = tasks.join_next().await {
        match status.unwrap() {
            201 => accepted += 1,
            // Too late: less than 3 left; or the retries of a lost race ran out.
            422 | 409 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    let p = po(app, &number).await;
    assert_eq!(progress(&p), [(3 * accepted, 20 - 3 * accepted)]);
    assert!(
        (1..=6).contains(&accepted),
        "{accepted} receipts of 3 accepted against 20 ordered"
    );
    if app.store.backend() == switchyard_store::Backend::Sqlite {
        assert_eq!(accepted, 6, "one writer at a time: every receipt that fits is taken");
    }
    assert_eq!(app.level("TEE", "LON").await, (3 * accepted, 0, 3 * accepted));
    assert_eq!(p["receipts"].as_array().unwrap().len() as i64, accepted);
    app.assert_books_balance().await;
}

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
    let r = app
        .send(
            Method::PUT,
            "/api/v1/products/GIFT/components",
            Some(&app.admin),
            Some(&json!([{"sku": "MUG", "quantity": 2}])),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
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
    a_purchase_order_is_validated_field_by_field_and_nothing_is_stored_until_it_is_valid,
    a_partial_receipt_raises_on_hand_and_writes_receipt_movements_referenced_to_the_order,
    receiving_more_than_is_outstanding_is_refused_and_changes_nothing,
    receiving_everything_outstanding_makes_the_order_received_and_it_takes_no_more,
    closing_an_order_stops_expecting_the_rest,
    cancelling_is_refused_once_goods_were_received,
    purchase_orders_are_listed_newest_first_with_filters,
    concurrent_receipts_never_receive_more_than_was_ordered,
    available_to_promise_counts_inbound_by_date_and_takes_backorders_off_the_total,
    receiving_a_purchase_order_fills_waiting_backorders,
);
