//! Placing and managing orders through the API.

use jiff::SignedDuration;
use serde_json::{Value, json};
use switchyard_core::auth::Role;

use crate::both;
use crate::helpers::*;

async fn placing_an_order_reserves_stock_and_records_it(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    app.receive("MUG", "LON", 5).await;
    let r = app
        .post("/api/v1/orders", order("web", "1001", &[("TEE", 2), ("MUG", 1)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let o = &r.body;
    assert!(o["number"].as_str().unwrap().starts_with("SO-"));
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/orders/{}", o["id"].as_str().unwrap()).as_str())
    );
    assert_eq!(o["status"], "open");
    assert_eq!(o["fulfilment_status"], "allocated");
    assert_eq!(
        o["payment_status"], "authorized",
        "the channel's manual provider authorizes on placement"
    );
    // 3 units at £18, tax £7.20 per unit, shipping £3.99 + £0.80 tax.
    assert_eq!(o["totals"]["subtotal"], gbp(5400));
    assert_eq!(o["totals"]["tax"], gbp(1080 + 80));
    assert_eq!(o["totals"]["shipping"], gbp(399));
    assert_eq!(o["totals"]["total"], gbp(5400 + 1160 + 399));
    assert_eq!(o["lines"][0]["total"], gbp(3600 + 720));
    assert_eq!(o["reservations"].as_array().unwrap().len(), 2);
    assert!(
        o["reservations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["location"] == "LON")
    );
    let kinds: Vec<&str> = o["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["order.placed", "order.allocated", "order.payment_authorized"]);
    assert_eq!(o["timeline"][0]["actor"], "test admin");
    assert_eq!(app.level("TEE", "LON").await, (10, 2, 8));
    assert_eq!(app.level("MUG", "LON").await, (5, 1, 4));

    // The ledger shows the reservations, referenced to the order.
    let m = app
        .get(&format!(
            "/api/v1/inventory/movements?reference={}",
            o["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(m.body["data"].as_array().unwrap().len(), 2);
    assert!(
        m.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["kind"] == "reserve")
    );

    // The order reads back by id and by number, and is in the outbox.
    let by_number = app
        .get(&format!("/api/v1/orders/{}", o["number"].as_str().unwrap()))
        .await;
    assert_eq!(by_number.body["id"], o["id"]);
    let outbox = app.store.outbox_for(o["id"].as_str().unwrap()).await.unwrap();
    assert_eq!(outbox[0].topic, "order.placed");
    app.assert_books_balance().await;
}

async fn the_same_channel_and_external_id_returns_the_existing_order(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let first = app.post("/api/v1/orders", order("web", "A-1", &[("TEE", 1)])).await;
    assert_eq!(first.status, 201);
    let again = app.post("/api/v1/orders", order("web", "A-1", &[("TEE", 1)])).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(app.order_count().await, 1);
    assert_eq!(app.level("TEE", "LON").await, (10, 1, 9));
    // Another channel may use the same external id.
    let other = app.post("/api/v1/orders", order("amazon", "A-1", &[("TEE", 1)])).await;
    assert_eq!(other.status, 201);
    app.assert_books_balance().await;
}

async fn an_idempotency_key_replays_refuses_other_bodies_and_in_flight_use(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let post = |body: Value, key: &'static str| async move {
        app.send(
            reqwest::Method::POST,
            "/api/v1/orders",
            Some(&app.admin),
            Some(&body),
            &[("Idempotency-Key", key)],
        )
        .await
    };
    let body = order("web", "I-1", &[("TEE", 1)]);
    let first = post(body.clone(), "place-42").await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let replay = post(body.clone(), "place-42").await;
    assert_eq!(replay.status, 201, "the stored response is replayed");
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body, first.body);
    let other = post(order("web", "I-2", &[("TEE", 1)]), "place-42").await;
    other.problem(422, "idempotency_key_reused");
    assert_eq!(app.order_count().await, 1);

    // A request still in flight under a key: a second use is told to wait.
    let principal = app.store.authenticate(&app.admin).await.unwrap().unwrap();
    app.store
        .idempotency_begin(
            principal.key_id.as_str(),
            "busy",
            "hash",
            SignedDuration::from_hours(24),
        )
        .await
        .unwrap();
    let busy = post(order("web", "I-3", &[("TEE", 1)]), "busy").await;
    busy.problem(409, "idempotency_key_in_use");
    assert_eq!(app.order_count().await, 1);
    app.assert_books_balance().await;
}

async fn invalid_orders_name_every_bad_field_and_store_nothing(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let mut body = order("web", "BAD-1", &[("TEE", 0), ("NOPE", 1), ("MUG", 1)]);
    body["lines"][2]["unit_price"] = json!({"amount": 1800, "currency": "EUR"});
    body["shipping_address"]["postal_code"] = Value::Null;
    body["customer"]["email"] = json!("not-an-email");
    let r = app.post("/api/v1/orders", body).await;
    assert_eq!(
        r.invalid_fields(),
        [
            "/customer/email",
            "/shipping_address/postal_code",
            "/lines/0/quantity",
            "/lines/2/unit_price"
        ]
    );
    // Catalog problems come once the shape is right.
    let r = app.post("/api/v1/orders", order("web", "BAD-2", &[("NOPE", 1)])).await;
    assert_eq!(r.invalid_fields(), ["/lines/0/sku"]);
    assert_eq!(r.body["errors"][0]["code"], "unknown_sku");
    let r = app
        .post("/api/v1/orders", order("nowhere", "BAD-3", &[("TEE", 1)]))
        .await;
    assert_eq!(r.invalid_fields(), ["/channel"]);
    // Negative quantity and a wrong JSON type.
    let mut body = order("web", "BAD-4", &[("TEE", 1)]);
    body["lines"][0]["quantity"] = json!(-2);
    let r = app.post("/api/v1/orders", body).await;
    assert_eq!(r.invalid_fields(), ["/lines/0/quantity"]);
    let mut body = order("web", "BAD-5", &[("TEE", 1)]);
    body["lines"][0]["quantity"] = json!("two");
    let r = app.post("/api/v1/orders", body).await;
    assert_eq!(r.invalid_fields(), ["/lines/0/quantity"]);
    assert_eq!(app.order_count().await, 0);
    assert_eq!(app.level("TEE", "LON").await, (10, 0, 10));
    app.assert_books_balance().await;
}

async fn sent_totals_are_checked(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let mut body = order("web", "T-1", &[("TEE", 1)]);
    body["totals"] = json!({"subtotal": gbp(1800), "total": gbp(9999)});
    let r = app.post("/api/v1/orders", body.clone()).await;
    assert_eq!(r.invalid_fields(), ["/totals/total"]);
    assert_eq!(r.body["errors"][0]["code"], "totals_mismatch");
    body["totals"]["total"] = gbp(1800 + 360 + 399 + 80);
    let r = app.post("/api/v1/orders", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

async fn a_reject_channel_refuses_short_orders_naming_each_line(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 3).await;
    app.receive("TEE", "MCR", 2).await;
    app.receive("MUG", "LON", 1).await;
    let r = app
        .post("/api/v1/orders", order("web", "S-1", &[("TEE", 4), ("MUG", 1)]))
        .await;
    let p = r.problem(409, "insufficient_stock");
    assert_eq!(
        p["lines"],
        json!([{"line": 0, "sku": "TEE", "requested": 4, "available": 3}])
    );
    assert_eq!(app.order_count().await, 0);
    assert_eq!(app.level("TEE", "LON").await, (3, 0, 3));
    assert_eq!(app.level("MUG", "LON").await, (1, 0, 1));
    app.assert_books_balance().await;
}

async fn lines_of_one_sku_are_summed_before_the_stock_check(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 3).await;
    let r = app
        .post("/api/v1/orders", order("web", "S-2", &[("TEE", 2), ("TEE", 2)]))
        .await;
    let p = r.problem(409, "insufficient_stock");
    assert_eq!(
        p["lines"].as_array().unwrap().len(),
        2,
        "both lines of the SKU are named"
    );
    assert_eq!(p["lines"][1]["requested"], 4);
    let r = app
        .post("/api/v1/orders", order("web", "S-3", &[("TEE", 2), ("TEE", 1)]))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(app.level("TEE", "LON").await, (3, 3, 0));
    app.assert_books_balance().await;
}

async fn a_backorder_channel_accepts_short_orders_with_lines_backordered(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 1).await;
    app.receive("MUG", "LON", 5).await;
    let r = app
        .post("/api/v1/orders", order("amazon", "AMZ-1", &[("TEE", 2), ("MUG", 1)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["fulfilment_status"], "backordered");
    assert_eq!(r.body["lines"][0]["status"], "backordered");
    assert_eq!(r.body["lines"][1]["status"], "allocated");
    assert_eq!(r.body["reservations"].as_array().unwrap().len(), 1);
    let kinds: Vec<&str> = r.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "order.placed",
            "order.allocated",
            "order.backordered",
            "order.payment_authorized"
        ]
    );
    assert_eq!(
        app.level("TEE", "LON").await,
        (1, 0, 1),
        "a backordered line reserves nothing"
    );
    let listed = app.get("/api/v1/orders?fulfilment_status=backordered").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    app.assert_books_balance().await;
}

async fn the_first_location_by_priority_that_has_everything_ships_it(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    app.receive("TEE", "MCR", 5).await;
    app.receive("MUG", "MCR", 5).await;
    // LON has the TEE but not the MUG: MCR ships both in one parcel.
    let r = app
        .post("/api/v1/orders", order("web", "P-1", &[("TEE", 1), ("MUG", 1)]))
        .await;
    assert!(
        r.body["reservations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["location"] == "MCR"),
        "{}",
        r.body
    );
    // Only the TEE: LON comes first.
    let r = app.post("/api/v1/orders", order("web", "P-2", &[("TEE", 1)])).await;
    assert_eq!(r.body["reservations"][0]["location"], "LON");
    // Raise MCR's priority above LON's.
    let r = app.patch("/api/v1/locations/MCR", json!({"priority": 1})).await;
    assert_eq!(r.status, 200);
    let r = app.post("/api/v1/orders", order("web", "P-3", &[("TEE", 1)])).await;
    assert_eq!(r.body["reservations"][0]["location"], "MCR");
    // No single location has both: each SKU goes where it can.
    app.receive("MUG", "LON", 1).await;
    let r = app
        .post("/api/v1/orders", order("web", "P-4", &[("TEE", 4), ("MUG", 4)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.assert_books_balance().await;
}

async fn cancelling_an_order_releases_its_stock_and_cannot_be_repeated(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let placed = app.post("/api/v1/orders", order("web", "C-1", &[("TEE", 2)])).await;
    let id = placed.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/orders/{id}/cancel"),
            json!({"reason": "customer changed their mind"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(r.body["lines"][0]["status"], "cancelled");
    assert!(r.body["reservations"].as_array().unwrap().is_empty());
    assert_eq!(r.body["payment_status"], "voided");
    let timeline = r.body["timeline"].as_array().unwrap();
    assert_eq!(timeline.last().unwrap()["kind"], "order.payment_voided");
    let last = timeline[timeline.len() - 2].clone();
    assert_eq!(last["kind"], "order.cancelled");
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .contains("customer changed their mind")
    );
    assert_eq!(app.level("TEE", "LON").await, (5, 0, 5));
    let again = app.post(&format!("/api/v1/orders/{id}/cancel"), json!({})).await;
    let p = again.problem(409, "invalid_transition");
    assert_eq!(p["current_status"], "cancelled");
    let hold = app
        .post(&format!("/api/v1/orders/{id}/hold"), json!({"reason": "fraud_review"}))
        .await;
    hold.problem(409, "invalid_transition");
    app.assert_books_balance().await;
}

async fn cancelling_lines_releases_them_and_the_last_line_cancels_the_order(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    app.receive("MUG", "LON", 5).await;
    let placed = app
        .post("/api/v1/orders", order("web", "L-1", &[("TEE", 2), ("MUG", 3)]))
        .await;
    let number = placed.body["number"].as_str().unwrap();
    // Without a body at all, by line number.
    let r = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/orders/{number}/lines/1/cancel"),
            Some(&app.admin),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["lines"][0]["status"], "cancelled");
    assert_eq!(app.level("TEE", "LON").await, (5, 0, 5));
    assert_eq!(app.level("MUG", "LON").await, (5, 3, 2));
    let again = app
        .post(&format!("/api/v1/orders/{number}/lines/1/cancel"), json!({}))
        .await;
    again.problem(409, "line_cancelled");
    let missing = app
        .post(&format!("/api/v1/orders/{number}/lines/9/cancel"), json!({}))
        .await;
    missing.problem(404, "not_found");
    let line_id = placed.body["lines"][1]["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/orders/{number}/lines/{line_id}/cancel"),
            json!({"reason": "out of season"}),
        )
        .await;
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(app.level("MUG", "LON").await, (5, 0, 5));
    app.assert_books_balance().await;
}

async fn holds_keep_stock_and_release_by_hand_or_when_their_time_comes(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let placed = app.post("/api/v1/orders", order("web", "H-1", &[("TEE", 1)])).await;
    let id = placed.body["id"].as_str().unwrap().to_owned();
    let path = |action: &str| format!("/api/v1/orders/{id}/{action}");
    let r = app.post(&path("hold"), json!({})).await;
    assert_eq!(r.invalid_fields(), ["/reason"]);
    let r = app
        .post(
            &path("hold"),
            json!({"reason": "address", "note": "flat number missing"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "on_hold");
    assert_eq!(r.body["hold"]["reason"], "address");
    assert_eq!(app.level("TEE", "LON").await, (5, 1, 4), "a held order keeps its stock");
    app.post(&path("hold"), json!({"reason": "other"}))
        .await
        .problem(409, "invalid_transition");
    let r = app.post(&path("release"), json!({})).await;
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["hold"], Value::Null);
    app.post(&path("release"), json!({}))
        .await
        .problem(409, "invalid_transition");

    // A hold in the past is refused; one until a time is released when the time comes.
    let past = app.now().checked_sub(jiff::SignedDuration::from_hours(1)).unwrap();
    let r = app
        .post(&path("hold"), json!({"reason": "payment", "until": past.to_string()}))
        .await;
    assert_eq!(r.invalid_fields(), ["/until"]);
    let until = app.now().checked_add(jiff::SignedDuration::from_hours(2)).unwrap();
    let r = app
        .post(&path("hold"), json!({"reason": "payment", "until": until.to_string()}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.store.release_expired_holds().await.unwrap(), 0);
    app.clock.advance(jiff::SignedDuration::from_hours(3));
    assert_eq!(app.store.release_expired_holds().await.unwrap(), 1);
    let r = app.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(r.body["status"], "open");
    let last = r.body["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["actor"].as_str()),
        (Some("order.released"), Some("system"))
    );
    app.assert_books_balance().await;
}

async fn orders_are_listed_newest_first_with_filters_search_and_cursors(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 100).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let channel = if i % 2 == 0 { "web" } else { "amazon" };
        let mut body = order(channel, &format!("F-{i}"), &[("TEE", 1)]);
        body["customer"]["email"] = json!(format!("buyer{i}@example.com"));
        body["customer"]["name"] = json!(format!("Buyer Number{i}"));
        body["placed_at"] = json!(
            app.now()
                .checked_sub(jiff::SignedDuration::from_hours(10 - i))
                .unwrap()
                .to_string()
        );
        let r = app.post("/api/v1/orders", body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(r.body["id"].as_str().unwrap().to_owned());
        app.clock.advance(jiff::SignedDuration::from_millis(5));
    }
    app.post(&format!("/api/v1/orders/{}/cancel", ids[3]), json!({})).await;

    // Pages of 3, newest first, each order once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/orders?limit=3&cursor={c}"),
            None => "/api/v1/orders?limit=3".into(),
        };
        let r = app.get(&path).await;
        seen.extend(
            r.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    let count = |path: String| async move { app.get(&path).await.body["data"].as_array().unwrap().len() };
    assert_eq!(count("/api/v1/orders?channel=amazon".into()).await, 3);
    assert_eq!(count("/api/v1/orders?status=cancelled".into()).await, 1);
    assert_eq!(count("/api/v1/orders?status=open&channel=web".into()).await, 4);
    assert_eq!(count("/api/v1/orders?q=BUYER5%40example".into()).await, 1);
    assert_eq!(count("/api/v1/orders?q=number2".into()).await, 1);
    assert_eq!(count("/api/v1/orders?q=F-6".into()).await, 1);
    // Shorter than a trigram: still a substring search, of every F-n order.
    assert_eq!(count("/api/v1/orders?q=F-".into()).await, 7);
    // Quotes and search operators are text to find, not syntax.
    assert_eq!(count("/api/v1/orders?q=%22F-6%22%20OR%20x*".into()).await, 0);
    assert_eq!(count("/api/v1/orders?q=uyer%20Number4".into()).await, 1);
    // Placed 10, 9, ... 4 hours ago: three in the last six and a half hours.
    let from = app.now().checked_sub(jiff::SignedDuration::from_mins(390)).unwrap();
    assert_eq!(
        count(format!(
            "/api/v1/orders?placed_from={}",
            from.to_string().replace('+', "%2B")
        ))
        .await,
        3
    );
    let r = app.get("/api/v1/orders?status=lost").await;
    r.problem(422, "validation_failed");
    let r = app.get("/api/v1/orders/SO-999999").await;
    r.problem(404, "not_found");
}

async fn support_staff_place_and_cancel_but_viewers_only_read(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let support = app.key(Role::Support).await;
    let viewer = app.key(Role::Viewer).await;
    let body = order("web", "R-1", &[("TEE", 1)]);
    let r = app
        .send(reqwest::Method::POST, "/api/v1/orders", Some(&viewer), Some(&body), &[])
        .await;
    r.problem(403, "forbidden");
    let r = app
        .send(
            reqwest::Method::POST,
            "/api/v1/orders",
            Some(&support),
            Some(&body),
            &[],
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["timeline"][0]["actor"], "test support");
    let id = r.body["id"].as_str().unwrap();
    let r = app
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/orders/{id}"),
            Some(&viewer),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/orders/{id}/cancel"),
            Some(&viewer),
            None,
            &[],
        )
        .await;
    r.problem(403, "forbidden");
    let r = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/orders/{id}/cancel"),
            Some(&support),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
}

both!(
    placing_an_order_reserves_stock_and_records_it,
    the_same_channel_and_external_id_returns_the_existing_order,
    an_idempotency_key_replays_refuses_other_bodies_and_in_flight_use,
    invalid_orders_name_every_bad_field_and_store_nothing,
    sent_totals_are_checked,
    a_reject_channel_refuses_short_orders_naming_each_line,
    lines_of_one_sku_are_summed_before_the_stock_check,
    a_backorder_channel_accepts_short_orders_with_lines_backordered,
    the_first_location_by_priority_that_has_everything_ships_it,
    cancelling_an_order_releases_its_stock_and_cannot_be_repeated,
    cancelling_lines_releases_them_and_the_last_line_cancels_the_order,
    holds_keep_stock_and_release_by_hand_or_when_their_time_comes,
    orders_are_listed_newest_first_with_filters_search_and_cursors,
    support_staff_place_and_cancel_but_viewers_only_read,
);
