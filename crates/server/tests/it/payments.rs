//! Payments and refunds through the API: authorization on placement and a capture per
//! shipment, capture on placement, marketplace-collected money, voids on cancel, a
//! declined payment holding the order, refunds, appeasements, and concurrent refunds.
//! The books (stock and money) balance after every scenario.

use serde_json::{Value, json};
use switchyard_core::auth::Role;

mod roles;
mod slow;

use crate::both;
use crate::helpers::*;
use crate::shipments::TUESDAY;

/// TEE×2 (£43.20 with tax) and MUG×1 (£21.60) plus £4.79 shipping with tax.
const TOTAL: i64 = 4320 + 2160 + 479;

impl TestApp {
    /// LON with 10 TEE, MCR with 5 MUG (so an order of both splits), channel `web`
    /// (manual, on shipment) and a channel `code` with the given payment policy.
    pub(crate) async fn till(&self, code: &str, provider: &str, capture_mode: &str) {
        self.clock.set(TUESDAY.parse().unwrap());
        self.shop().await;
        self.receive("TEE", "LON", 10).await;
        self.receive("MUG", "MCR", 5).await;
        let r = self
            .post(
                "/api/v1/channels",
                json!({"code": code, "name": code, "kind": "web", "ship_from": ["LON", "MCR"],
                       "payment_provider": provider, "capture_mode": capture_mode}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    /// Places TEE×2 and MUG×1 on `channel`; returns the order.
    pub(crate) async fn buy(&self, channel: &str, external_id: &str, token: Option<&str>) -> Value {
        let mut body = order(channel, external_id, &[("TEE", 2), ("MUG", 1)]);
        if let Some(token) = token {
            body["payment_token"] = json!(token);
        }
        let r = self.post("/api/v1/orders", body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body
    }

    /// Releases the order's work at `location`, packs, labels (simulated) and ships it.
    pub(crate) async fn ship_from(&self, order_number: &str, location: &str) -> String {
        let r = self
            .post(
                "/api/v1/shipments/release",
                json!({"location": location, "orders": [order_number]}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let number = r.body["shipments"][0]["number"].as_str().unwrap().to_owned();
        let s = self.get(&format!("/api/v1/shipments/{number}")).await;
        let scans: Vec<Value> = s.body["lines"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| std::iter::repeat_n(l["sku"].clone(), l["quantity"].as_u64().unwrap() as usize))
            .collect();
        let path = |action: &str| format!("/api/v1/shipments/{number}/{action}");
        let r = self
            .post(&path("pack"), json!({"scans": scans, "package": {"weight_grams": 900}}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = self
            .post(
                &path("label"),
                json!({"provider": "simulated", "carrier": "royal_mail"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = self.post(&path("ship"), json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        number
    }

    async fn payments(&self, order: &str) -> Value {
        let r = self.get(&format!("/api/v1/orders/{order}/payments")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    /// The amounts of the order's transactions of `kind`, oldest first.
    async fn amounts(&self, order: &str, kind: &str) -> Vec<i64> {
        self.payments(order).await["transactions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == kind)
            .map(|t| t["amount"]["amount"].as_i64().unwrap())
            .collect()
    }
}

fn number(order: &Value) -> String {
    order["number"].as_str().unwrap().to_owned()
}

async fn a_split_order_is_authorized_on_placement_and_captured_per_shipment(app: &TestApp) {
    app.till("shop", "test", "on_shipment").await;
    let o = app.buy("shop", "P-1", Some("tok_visa")).await;
    let n = number(&o);
    assert_eq!(o["totals"]["total"]["amount"], TOTAL);
    assert_eq!(o["payment_status"], "authorized");
    assert_eq!(o["payment"]["authorized"]["amount"], TOTAL);
    assert_eq!(o["payment"]["captured"]["amount"], 0);
    let locations: Vec<&str> = o["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["location"].as_str().unwrap())
        .collect();
    assert!(
        locations.contains(&"LON") && locations.contains(&"MCR"),
        "{locations:?}"
    );

    // The first shipment captures its lines and the shipping; the order is part paid.
    let lon = app.ship_from(&n, "LON").await;
    let o = app.order_json(&n).await;
    assert_eq!(o["payment_status"], "partially_paid");
    assert_eq!(o["payment"]["captured"]["amount"], 4320 + 479);
    app.assert_books_balance().await;

    // The last captures what is left: the two captures make the total.
    let mcr = app.ship_from(&n, "MCR").await;
    let p = app.payments(&n).await;
    assert_eq!(p["status"], "paid");
    assert_eq!(app.amounts(&n, "capture").await, [4320 + 479, 2160]);
    assert_eq!(p["totals"]["captured"]["amount"], TOTAL);
    assert_eq!(p["capturable"]["amount"], 0);
    assert_eq!(p["refundable"]["amount"], TOTAL);
    let shipments: Vec<&Value> = p["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "capture")
        .map(|t| &t["shipment_id"])
        .collect();
    let ids = [
        app.shipment_json(&lon).await["id"].clone(),
        app.shipment_json(&mcr).await["id"].clone(),
    ];
    assert_eq!(shipments, [&ids[0], &ids[1]]);
    assert_eq!(p["payments"][0]["method_token"], "tok_visa");
    assert_eq!(p["payments"][0]["status"], "approved");
    let o = app.order_json(&n).await;
    assert_eq!(o["payment_status"], "paid");
    let k = crate::shipments::kinds(&o["timeline"]);
    assert_eq!(k.iter().filter(|k| *k == "order.payment_captured").count(), 2);
    let outbox = app.store.outbox_for(o["id"].as_str().unwrap()).await.unwrap();
    assert!(outbox.iter().any(|m| m.topic == "order.payment_captured"));
    app.assert_books_balance().await;
}

async fn a_channel_capturing_on_placement_refunds_a_cancelled_order(app: &TestApp) {
    app.till("pos", "manual", "on_placement").await;
    let o = app.buy("pos", "P-2", None).await;
    let n = number(&o);
    assert_eq!(o["payment_status"], "paid");
    assert_eq!(o["payment"]["captured"]["amount"], TOTAL);
    assert_eq!(app.amounts(&n, "capture").await, [TOTAL]);

    // Shipping captures nothing more.
    app.ship_from(&n, "LON").await;
    assert_eq!(app.amounts(&n, "capture").await, [TOTAL]);

    // Cancelling what has not shipped refunds its share (not the shipping: a part went).
    let r = app.post(&format!("/api/v1/orders/{n}/lines/2/cancel"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["payment_status"], "partially_refunded");
    let p = app.payments(&n).await;
    let refund = p["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "refund")
        .unwrap()
        .clone();
    assert_eq!(refund["amount"]["amount"], 2160);
    assert_eq!(refund["refund_reason"], "cancellation");
    assert_eq!(
        refund["lines"],
        json!([{"line_no": 2, "quantity": 1, "amount": {"amount": 2160, "currency": "GBP"}}])
    );
    assert!(refund["provider_reference"].as_str().unwrap().starts_with("manual_"));
    app.assert_books_balance().await;

    // A whole order cancelled before anything shipped gets everything back.
    let o = app.buy("pos", "P-3", None).await;
    let r = app
        .post(&format!("/api/v1/orders/{}/cancel", number(&o)), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["payment_status"], "refunded");
    assert_eq!(r.body["payment"]["refunded"]["amount"], TOTAL);
    app.assert_books_balance().await;
}

async fn marketplace_money_is_paid_by_channel(app: &TestApp) {
    app.till("amazon_uk", "channel", "on_shipment").await;
    let o = app.buy("amazon_uk", "P-4", None).await;
    let n = number(&o);
    assert_eq!(o["payment_status"], "paid_by_channel");
    let p = app.payments(&n).await;
    assert_eq!(p["payments"][0]["provider"], "channel");
    assert_eq!(p["totals"]["captured"]["amount"], TOTAL);
    app.ship_from(&n, "LON").await;
    app.ship_from(&n, "MCR").await;
    assert_eq!(
        app.amounts(&n, "capture").await,
        [TOTAL],
        "collected once, at placement"
    );
    assert_eq!(app.order_json(&n).await["payment_status"], "paid_by_channel");

    // Its refunds are recorded; the status follows.
    let r = app
        .post(
            &format!("/api/v1/orders/{n}/appeasements"),
            json!({"amount": gbp(500), "reason": "late_delivery"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body["provider_reference"].as_str().unwrap().starts_with("channel_"));
    assert_eq!(app.order_json(&n).await["payment_status"], "partially_refunded");
    app.assert_books_balance().await;
}

async fn cancelling_voids_what_was_not_captured(app: &TestApp) {
    app.till("shop", "test", "on_shipment").await;
    let o = app.buy("shop", "P-5", None).await;
    let n = number(&o);

    // A cancelled line voids its share; the rest stays authorized.
    let r = app.post(&format!("/api/v1/orders/{n}/lines/2/cancel"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["payment_status"], "authorized");
    assert_eq!(app.amounts(&n, "void").await, [2160]);
    app.assert_books_balance().await;

    // The order cancelled: everything left is voided.
    let r = app.post(&format!("/api/v1/orders/{n}/cancel"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["payment_status"], "voided");
    assert_eq!(app.amounts(&n, "void").await, [2160, 4320 + 479]);
    let p = app.payments(&n).await;
    assert_eq!(p["capturable"]["amount"], 0);
    assert_eq!(p["refundable"]["amount"], 0);
    let k = crate::shipments::kinds(&r.body["timeline"]);
    assert_eq!(k.iter().filter(|k| *k == "order.payment_voided").count(), 2);

    // One shipment gone, the other line cancelled: what was captured stays, the rest
    // is voided.
    let o = app.buy("shop", "P-6", None).await;
    let n = number(&o);
    app.ship_from(&n, "LON").await;
    let r = app.post(&format!("/api/v1/orders/{n}/lines/2/cancel"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["payment_status"], "paid");
    assert_eq!(app.amounts(&n, "void").await, [2160]);
    app.assert_books_balance().await;
}

async fn a_declined_payment_holds_the_order_until_a_new_method_is_approved(app: &TestApp) {
    app.till("shop", "test", "on_shipment").await;
    let o = app.buy("shop", "P-7", Some("tok_decline")).await;
    let n = number(&o);
    assert_eq!(o["status"], "on_hold");
    assert_eq!(o["hold"]["reason"], "payment");
    assert_eq!(o["payment_status"], "pending");
    let k = crate::shipments::kinds(&o["timeline"]);
    assert_eq!(k[k.len() - 2..], ["order.payment_declined", "order.held"]);
    // Its stock stays reserved, and it is not fulfilled while held.
    assert_eq!(app.level("TEE", "LON").await, (10, 2, 8));
    let r = app
        .post("/api/v1/shipments/release", json!({"location": "LON", "orders": [n]}))
        .await;
    assert!(
        r.status != 200 || r.body["shipments"].as_array().unwrap().is_empty(),
        "{}",
        r.body
    );
    app.assert_books_balance().await;

    let path = format!("/api/v1/orders/{n}/payments");
    let r = app.post(&path, json!({"token": "4242424242424242"})).await;
    assert_eq!(r.invalid_fields(), ["/token"]);
    let r = app.post(&path, json!({"token": "tok_error"})).await;
    r.problem(402, "payment_provider_error");
    assert_eq!(app.order_json(&n).await["status"], "on_hold");

    let r = app.post(&path, json!({"token": "tok_visa"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "authorized");
    let statuses: Vec<&str> = r.body["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["declined", "failed", "approved"]);
    let o = app.order_json(&n).await;
    assert_eq!(o["status"], "open");
    assert_eq!(o["hold"], Value::Null);
    assert_eq!(o["payment_status"], "authorized");
    let r = app.post(&path, json!({"token": "tok_visa"})).await;
    r.problem(409, "payment_not_needed");

    // The test provider declines by amount too: a total ending in 51.
    let mut body = order("shop", "P-8", &[("TEE", 1)]);
    body["shipping"] = json!({"amount": gbp(391), "tax": gbp(0)});
    let r = app.post("/api/v1/orders", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["totals"]["total"]["amount"], 2551);
    assert_eq!(r.body["status"], "on_hold");
    app.assert_books_balance().await;
}

async fn refunds_are_partial_never_more_than_is_left_and_follow_the_status(app: &TestApp) {
    app.till("pos", "manual", "on_placement").await;
    let o = app.buy("pos", "P-9", None).await;
    let n = number(&o);
    let path = format!("/api/v1/orders/{n}/refunds");

    let r = app
        .post(
            &path,
            json!({"lines": [{"line_no": 1, "quantity": 1}], "reason": "return", "note": "one came back"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["amount"]["amount"], 2160);
    assert_eq!(r.body["refund_reason"], "return");
    assert_eq!(app.order_json(&n).await["payment_status"], "partially_refunded");

    // Too much: 409 naming what is left, and nothing changes.
    let before = app.payments(&n).await;
    let r = app.post(&path, json!({"amount": gbp(TOTAL), "reason": "other"})).await;
    r.problem(409, "refund_exceeds_captured");
    assert_eq!(r.body["remaining"], gbp(TOTAL - 2160));
    assert_eq!(app.payments(&n).await["transactions"], before["transactions"]);

    // A unit is refunded once; fields are checked one by one.
    let r = app
        .post(
            &path,
            json!({"lines": [{"line_no": 1, "quantity": 2}, {"line_no": 7, "quantity": 1}]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/reason"]);
    let r = app
        .post(&path, json!({"lines": [{"line_no": 1, "quantity": 2}, {"line_no": 7, "quantity": 1}], "amount": {"amount": 5, "currency": "EUR"}, "reason": "return"}))
        .await;
    assert_eq!(r.invalid_fields(), ["/lines/0/quantity", "/lines/1/line_no", "/amount"]);
    let r = app
        .post(&path, json!({"reason": "appeasement", "amount": gbp(1)}))
        .await;
    assert_eq!(r.invalid_fields(), ["/reason"]);

    // Support may not refund; the rest refunded, the order is refunded.
    let support = app.key(Role::Support).await;
    let all = json!({"lines": [{"line_no": 1, "quantity": 1}, {"line_no": 2, "quantity": 1}], "shipping": true, "reason": "return"});
    let r = app
        .send(reqwest::Method::POST, &path, Some(&support), Some(&all), &[])
        .await;
    r.problem(403, "forbidden");
    let r = app.post(&path, all).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["amount"]["amount"], TOTAL - 2160);
    assert_eq!(r.body["shipping"]["amount"], 479);
    let p = app.payments(&n).await;
    assert_eq!(p["status"], "refunded");
    assert_eq!(p["refundable"]["amount"], 0);
    let o = app.order_json(&n).await;
    assert_eq!(o["payment"]["refunded"]["amount"], TOTAL);
    assert!(crate::shipments::kinds(&o["timeline"]).contains(&"order.refunded".to_owned()));
    app.assert_books_balance().await;
}

async fn an_appeasement_needs_no_return(app: &TestApp) {
    app.till("shop", "test", "on_shipment").await;
    let o = app.buy("shop", "P-10", None).await;
    let n = number(&o);
    let path = format!("/api/v1/orders/{n}/appeasements");

    // Nothing captured yet: nothing to give back.
    let r = app
        .post(&path, json!({"amount": gbp(500), "reason": "late_delivery"}))
        .await;
    r.problem(409, "refund_exceeds_captured");
    assert_eq!(r.body["remaining"], gbp(0));

    app.ship_from(&n, "LON").await;
    app.ship_from(&n, "MCR").await;
    let r = app.post(&path, json!({"amount": gbp(500)})).await;
    assert_eq!(r.invalid_fields(), ["/reason"]);
    let support = app.key(Role::Support).await;
    let body = json!({"amount": gbp(500), "reason": "late_delivery", "note": "four days late"});
    let r = app
        .send(reqwest::Method::POST, &path, Some(&support), Some(&body), &[])
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["refund_reason"], "appeasement");
    assert_eq!(r.body["appeasement_reason"], "late_delivery");
    assert_eq!(r.body["note"], "four days late");
    assert_eq!(r.body["actor"], "test support");
    let o = app.order_json(&n).await;
    assert_eq!(o["payment_status"], "partially_refunded");
    let last = o["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "order.refunded");
    assert!(last["message"].as_str().unwrap().contains("late delivery"), "{last}");
    app.assert_books_balance().await;
}

async fn concurrent_refunds_never_pay_twice(app: &TestApp) {
    app.till("pos", "manual", "on_placement").await;
    let o = app.buy("pos", "P-11", None).await;
    let n = number(&o);
    let path = format!("/api/v1/orders/{n}/refunds");

    // The same request twice at once with one Idempotency-Key: one refund.
    let body = json!({"lines": [{"line_no": 2, "quantity": 1}], "reason": "return"});
    let send = || {
        app.send(
            reqwest::Method::POST,
            &path,
            Some(&app.admin),
            Some(&body),
            &[("Idempotency-Key", "refund-once")],
        )
    };
    let (a, b) = tokio::join!(send(), send());
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert!(
        statuses == [201, 201] || statuses == [201, 409],
        "{statuses:?}: {} {}",
        a.body,
        b.body
    );
    assert_eq!(app.amounts(&n, "refund").await, [2160]);

    // Two different refunds at once that together exceed what is left: one wins.
    let left = TOTAL - 2160;
    let part = json!({"amount": gbp(left * 6 / 10), "reason": "other"});
    let (a, b) = tokio::join!(app.post(&path, part.clone()), app.post(&path, part.clone()));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{} {}", a.body, b.body);
    let loser = if a.status == 409 { &a } else { &b };
    loser.problem(409, "refund_exceeds_captured");
    assert_eq!(loser.body["remaining"], gbp(left - left * 6 / 10));
    assert_eq!(app.amounts(&n, "refund").await, [2160, left * 6 / 10]);
    app.assert_books_balance().await;
}

async fn check_finds_money_that_does_not_add_up(app: &TestApp) {
    app.till("pos", "manual", "on_placement").await;
    let o = app.buy("pos", "P-12", None).await;
    let id = o["id"].as_str().unwrap();
    app.assert_books_balance().await;
    // A refund of more than was captured, recorded behind the rules' back, and a
    // status that is not what the records say.
    let tamper = |sql: &'static str| async move {
        switchyard_store::db::query(sql)
            .bind(id)
            .execute(app.store.pool())
            .await
            .unwrap();
    };
    tamper("UPDATE payment_transaction SET amount = amount + 1 WHERE order_id = $1 AND kind = 'capture'").await;
    let report = app.store.check().await.unwrap();
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].contains("refunded <= captured <= authorized - voided"));
    tamper("UPDATE payment_transaction SET amount = amount - 1 WHERE order_id = $1 AND kind = 'capture'").await;
    tamper("UPDATE sales_order SET payment_status = 'authorized' WHERE id = $1").await;
    let report = app.store.check().await.unwrap();
    assert_eq!(
        report.problems,
        [format!(
            "order {}: payment status is authorized, but its payment records say paid",
            o["number"].as_str().unwrap()
        )]
    );
}

both!(
    check_finds_money_that_does_not_add_up,
    a_split_order_is_authorized_on_placement_and_captured_per_shipment,
    a_channel_capturing_on_placement_refunds_a_cancelled_order,
    marketplace_money_is_paid_by_channel,
    cancelling_voids_what_was_not_captured,
    a_declined_payment_holds_the_order_until_a_new_method_is_approved,
    refunds_are_partial_never_more_than_is_left_and_follow_the_status,
    an_appeasement_needs_no_return,
    concurrent_refunds_never_pay_twice,
);
