//! Receipts against purchase orders: partial and full, over-receipts refused with
//! nothing changed, receipts racing each other, and closing and cancelling an order.

use reqwest::Method;
use serde_json::{Value, json};
use switchyard_core::auth::Role;

use super::{create, days, po, po_body, progress, receive, time, topics};
use crate::both;
use crate::helpers::*;

async fn ledger(app: &TestApp, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/inventory/movements?limit=500&{query}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["data"].as_array().unwrap().clone()
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

both!(
    a_partial_receipt_raises_on_hand_and_writes_receipt_movements_referenced_to_the_order,
    receiving_more_than_is_outstanding_is_refused_and_changes_nothing,
    receiving_everything_outstanding_makes_the_order_received_and_it_takes_no_more,
    closing_an_order_stops_expecting_the_rest,
    cancelling_is_refused_once_goods_were_received,
    concurrent_receipts_never_receive_more_than_was_ordered,
);
