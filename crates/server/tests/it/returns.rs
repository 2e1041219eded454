//! Returns through the API on real shipping flows: requests checked against the window
//! and what shipped, authorization and the return label, receipts with each disposition
//! (restock fills a waiting backorder), settlement refunds (shipping for damage, a
//! restocking fee for a change of mind), exchanges both ways, and claims. The books
//! balance after each.

use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;
use crate::shipments::{TEE_BARCODE, kinds};

mod approval;
mod check;

impl TestApp {
    /// Places a `web` order, ships it from LON (simulated UPS label) and has it
    /// delivered a day later; returns the order number.
    pub(crate) async fn delivered(&self, external_id: &str, lines: &[(&str, i64)]) -> String {
        let number = self.place(external_id, lines).await;
        let shipment = self.packed(&number).await;
        let r = self
            .act(&shipment, "label", json!({"provider": "simulated", "carrier": "ups"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = self.act(&shipment, "ship", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        self.clock.advance(SignedDuration::from_hours(24));
        self.track_delivered(&shipment).await;
        number
    }

    async fn request_return(&self, order: &str, lines: Value) -> Resp {
        self.post("/api/v1/returns", json!({"order": order, "lines": lines}))
            .await
    }

    /// Requests and authorizes a return; returns its RMA number.
    pub(crate) async fn authorized(&self, order: &str, lines: Value) -> String {
        let r = self.request_return(order, lines).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let number = r.body["number"].as_str().unwrap().to_owned();
        let r = self
            .post(&format!("/api/v1/returns/{number}/authorize"), json!({}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        number
    }

    async fn receive_return(&self, rma: &str, items: Value) -> Resp {
        self.post(&format!("/api/v1/returns/{rma}/receive"), json!({"items": items}))
            .await
    }

    pub(crate) async fn return_json(&self, rma: &str) -> Value {
        let r = self.get(&format!("/api/v1/returns/{rma}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    async fn policies(&self, body: Value) {
        let r = self.patch("/api/v1/channels/web", body).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

fn fields(r: &Resp) -> Vec<(String, String)> {
    r.problem(422, "validation_failed");
    r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (crate::helpers::at(e).to_owned(), e["code"].as_str().unwrap().to_owned()))
        .collect()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

async fn returns_are_refused_outside_the_window_and_beyond_what_shipped(app: &TestApp) {
    app.warehouse().await;
    let unshipped = app.place("R-0", &[("MUG", 1)]).await;
    let number = app.delivered("R-1", &[("TEE", 2), ("MUG", 1)]).await;

    let r = app
        .request_return(
            &number,
            json!([{"line_no": 1, "quantity": 3, "reason": "too_small"}, {"line_no": 9, "quantity": 1, "reason": "other"}]),
        )
        .await;
    assert_eq!(
        fields(&r),
        [
            pair("/lines/0/quantity", "exceeds_returnable"),
            pair("/lines/1/line_no", "unknown_line")
        ]
    );
    let r = app
        .request_return(&unshipped, json!([{"line_no": 1, "quantity": 1, "reason": "other"}]))
        .await;
    assert_eq!(fields(&r), [pair("/lines/0/line_no", "not_shipped")]);

    // 31 days after delivery the 30-day window has closed; a longer window opens it.
    app.clock.advance(SignedDuration::from_hours(31 * 24));
    let r = app
        .request_return(&number, json!([{"line_no": 1, "quantity": 1, "reason": "too_small"}]))
        .await;
    assert_eq!(fields(&r), [pair("/lines/0/line_no", "outside_return_window")]);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("30 days after delivery"),
        "{}",
        r.body
    );
    assert_eq!(
        app.get("/api/v1/returns").await.body["data"],
        json!([]),
        "nothing was stored"
    );
    app.policies(json!({"return_window_days": 60})).await;
    let r = app
        .request_return(&number, json!([{"line_no": 1, "quantity": 2, "reason": "too_small"}]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["number"], "RMA-100001");
    assert_eq!(r.body["status"], "requested");

    // What is on a return that counts cannot be asked for twice; a rejected one frees it.
    let r = app
        .request_return(&number, json!([{"line_no": 1, "quantity": 1, "reason": "too_small"}]))
        .await;
    assert_eq!(fields(&r), [pair("/lines/0/quantity", "exceeds_returnable")]);
    let r = app.post("/api/v1/returns/RMA-100001/reject", json!({})).await;
    assert_eq!(fields(&r), [pair("/note", "required")]);
    let r = app
        .post("/api/v1/returns/RMA-100001/reject", json!({"note": "worn and washed"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "rejected");
    app.post("/api/v1/returns/RMA-100001/authorize", json!({}))
        .await
        .problem(409, "invalid_transition");
    let r = app
        .request_return(&number, json!([{"line_no": 1, "quantity": 2, "reason": "too_small"}]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let rma = r.body["number"].as_str().unwrap().to_owned();
    let o = app.order_json(&number).await;
    assert_eq!(o["return_status"], "requested");
    assert_eq!(o["returns"].as_array().unwrap().len(), 2);
    let r = app
        .post(
            &format!("/api/v1/returns/{rma}/cancel"),
            json!({"note": "keeping them"}),
        )
        .await;
    assert_eq!(r.body["status"], "cancelled", "{}", r.body);
    assert_eq!(app.order_json(&number).await["return_status"], "none");
    let k = kinds(&o["timeline"]);
    assert!(k.contains(&"order.return_requested".to_owned()) && k.contains(&"order.return_rejected".to_owned()));
    app.assert_books_balance().await;
}

async fn receiving_restocks_quarantines_and_scraps(app: &TestApp) {
    app.warehouse().await;
    let number = app.delivered("R-1", &[("TEE", 3)]).await;
    // The other seven TEEs go to one order; the next one waits for stock.
    assert_eq!(
        app.post("/api/v1/orders", order("amazon", "A-1", &[("TEE", 7)]))
            .await
            .status,
        201
    );
    let r = app.post("/api/v1/orders", order("amazon", "A-2", &[("TEE", 1)])).await;
    assert_eq!(r.body["fulfilment_status"], "backordered", "{}", r.body);
    let waiting = r.body["number"].as_str().unwrap().to_owned();

    let r = app
        .request_return(&number, json!([{"line_no": 1, "quantity": 3, "reason": "too_small"}]))
        .await;
    let rma = r.body["number"].as_str().unwrap().to_owned();
    app.get(&format!("/api/v1/returns/{rma}/label.pdf"))
        .await
        .problem(409, "no_label");
    let r = app.post(&format!("/api/v1/returns/{rma}/authorize"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["status"].as_str(), r.body["location"].as_str()),
        (Some("authorized"), Some("LON"))
    );

    let res = app
        .client
        .get(format!("{}/api/v1/returns/{rma}/label.pdf", app.base))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
    let res = app
        .client
        .get(format!("{}/api/v1/returns/{rma}/label.zpl", app.base))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    let zpl = res.text().await.unwrap();
    assert!(zpl.contains(&format!("^FD{rma}^FS")), "{zpl}");
    assert!(zpl.contains("Switchyard Goods Ltd"), "to the returning location: {zpl}");

    // Over-receipt and an item not on the return change nothing.
    let before = app.level("TEE", "LON").await;
    let r = app
        .receive_return(
            &rma,
            json!([{"sku": "TEE", "quantity": 4, "disposition": "restock"}, {"sku": "MUG", "disposition": "restock"}]),
        )
        .await;
    assert_eq!(
        fields(&r),
        [
            pair("/items/0/quantity", "exceeds_authorized"),
            pair("/items/1/sku", "not_on_return")
        ]
    );
    assert!(
        r.body["errors"][1]["message"].as_str().unwrap().contains("MUG"),
        "{}",
        r.body
    );
    assert_eq!(app.level("TEE", "LON").await, before);

    // One of each: restock by barcode, quarantine, scrap.
    let r = app
        .receive_return(
            &rma,
            json!([{"barcode": TEE_BARCODE, "disposition": "restock"}, {"sku": "TEE", "disposition": "quarantine"}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "partially_received");
    let (on_hand, reserved, available) = app.level("TEE", "LON").await;
    assert_eq!(
        (on_hand, reserved, available),
        (8, 8, 0),
        "the restocked unit went to the waiting order"
    );
    assert_eq!(app.order_json(&waiting).await["fulfilment_status"], "allocated");
    let q = app.get("/api/v1/inventory/quarantine?sku=TEE").await;
    assert_eq!(q.status, 200, "{}", q.body);
    assert_eq!(
        (q.body[0]["location"].as_str(), q.body[0]["quantity"].as_i64()),
        (Some("LON"), Some(1))
    );
    let moves = app.get(&format!("/api/v1/inventory/movements?reference={rma}")).await;
    assert_eq!(moves.body["data"][0]["kind"], "return_restock", "{}", moves.body);
    assert_eq!(moves.body["data"][0]["on_hand_delta"], 1);

    let r = app
        .receive_return(&rma, json!([{"sku": "TEE", "disposition": "scrap"}]))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.level("TEE", "LON").await.0, 8, "scrap moves no stock");
    let ret = &r.body;
    assert_eq!(ret["status"], "closed", "received in full and refunded: {ret}");
    assert_eq!(
        ret["lines"][0]["dispositions"],
        json!({"restock": 1, "quarantine": 1, "scrap": 1})
    );
    assert_eq!(
        ret["credited"],
        gbp(3 * 2160),
        "three units at their line share; no fee, no shipping"
    );
    assert_eq!(ret["receipts"].as_array().unwrap().len(), 3);
    app.receive_return(&rma, json!([{"sku": "TEE", "disposition": "scrap"}]))
        .await
        .problem(409, "invalid_transition");

    let o = app.order_json(&number).await;
    assert_eq!(o["return_status"], "returned");
    let k = kinds(&o["timeline"]);
    for kind in [
        "order.return_authorized",
        "order.return_received",
        "order.return_settled",
    ] {
        assert!(k.contains(&kind.to_owned()), "{kind}: {k:?}");
    }
    let list = app.get("/api/v1/returns?status=closed&sku=TEE&reason=too_small").await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1, "{}", list.body);
    assert_eq!(app.get("/api/v1/returns?reason=damaged").await.body["data"], json!([]));
    let report = app.get("/api/v1/reports/returns").await;
    let tee = &report.body[0];
    assert_eq!(
        (tee["sku"].as_str(), tee["shipped"].as_i64(), tee["returned"].as_i64()),
        (Some("TEE"), Some(3), Some(3))
    );
    assert_eq!(tee["by_reason"], json!({"too_small": 3}));
    app.assert_books_balance().await;
}

async fn settlement_refunds_shipping_for_damage_and_keeps_a_fee_for_a_change_of_mind(app: &TestApp) {
    app.warehouse().await;
    app.policies(json!({"restocking_fee_percent": 10})).await;
    let number = app.delivered("R-1", &[("TEE", 2), ("MUG", 1)]).await;

    let damaged = app
        .authorized(&number, json!([{"line_no": 2, "quantity": 1, "reason": "damaged"}]))
        .await;
    let r = app
        .receive_return(&damaged, json!([{"sku": "MUG", "disposition": "scrap"}]))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["credited"],
        gbp(2160 + 479),
        "the line, and the shipping with its tax"
    );
    assert_eq!(r.body["shipping_refunded"], gbp(479));
    assert_eq!(r.body["restocking_fee"], gbp(0));

    let changed = app
        .authorized(
            &number,
            json!([{"line_no": 1, "quantity": 2, "reason": "changed_mind"}]),
        )
        .await;
    let r = app
        .receive_return(
            &changed,
            json!([{"sku": "TEE", "quantity": 2, "disposition": "restock"}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["restocking_fee"], gbp(432), "10% of 43.20");
    assert_eq!(r.body["credited"], gbp(4320 - 432));
    assert_eq!(r.body["shipping_refunded"], gbp(0));
    let o = app.order_json(&number).await;
    assert_eq!(o["payment_status"], "partially_refunded", "the fee was kept");
    app.assert_books_balance().await;
}

async fn a_channel_refunding_on_authorization_refunds_before_the_goods_arrive(app: &TestApp) {
    app.warehouse().await;
    app.policies(json!({"refund_on": "authorization"})).await;
    let number = app.delivered("R-1", &[("TEE", 1)]).await;
    let rma = app
        .authorized(&number, json!([{"line_no": 1, "quantity": 1, "reason": "defective"}]))
        .await;
    let ret = app.return_json(&rma).await;
    assert_eq!(ret["credited"], gbp(2160 + 479));
    assert_eq!(ret["status"], "authorized");
    let r = app
        .receive_return(&rma, json!([{"sku": "TEE", "disposition": "quarantine"}]))
        .await;
    assert_eq!(r.body["status"], "closed", "{}", r.body);
    assert_eq!(r.body["credited"], gbp(2160 + 479), "refunded once");
    app.assert_books_balance().await;
}

async fn exchanges_charge_or_refund_the_difference(app: &TestApp) {
    app.warehouse().await;
    app.product("HOODIE", 2500).await;
    app.product("CAP", 500).await;
    app.receive("HOODIE", "LON", 2).await;
    app.receive("CAP", "LON", 2).await;

    // Dearer: the credit of 21.60 pays for part of a 25.00 hoodie.
    let number = app.delivered("R-1", &[("TEE", 1)]).await;
    let rma = app
        .authorized(&number, json!([{"line_no": 1, "quantity": 1, "reason": "too_small"}]))
        .await;
    let r = app
        .post(
            &format!("/api/v1/returns/{rma}/exchange"),
            json!({"lines": [{"sku": "HOODIE", "quantity": 1}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["settlement"], "exchange");
    assert_eq!(r.body["credited"], gbp(2160));
    assert_eq!(r.body["exchange_difference"], gbp(340));
    let replacement = app.order_json(r.body["exchange_order"].as_str().unwrap()).await;
    assert_eq!(
        replacement["totals"]["total"],
        gbp(340),
        "only the difference is charged"
    );
    assert_eq!(replacement["fulfilment_status"], "allocated", "reserved at once");
    assert_eq!(replacement["tags"], json!(["exchange"]));
    assert_eq!(replacement["customer"]["email"], "ann@example.com");
    app.post(
        &format!("/api/v1/returns/{rma}/exchange"),
        json!({"lines": [{"sku": "CAP", "quantity": 1}]}),
    )
    .await
    .problem(409, "already_settled");
    // The goods coming back close it without another refund.
    let r = app
        .receive_return(&rma, json!([{"sku": "TEE", "disposition": "restock"}]))
        .await;
    assert_eq!(
        (r.body["status"].as_str(), &r.body["credited"]),
        (Some("closed"), &gbp(2160))
    );

    // Cheaper: a 5.00 cap, and 16.60 of the credit goes back on the original order.
    let second = app.delivered("R-2", &[("TEE", 1)]).await;
    let rma = app
        .authorized(
            &second,
            json!([{"line_no": 1, "quantity": 1, "reason": "changed_mind"}]),
        )
        .await;
    let r = app
        .post(
            &format!("/api/v1/returns/{rma}/exchange"),
            json!({"lines": [{"sku": "CAP", "quantity": 1}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["exchange_difference"], gbp(500 - 2160));
    let replacement = app.order_json(r.body["exchange_order"].as_str().unwrap()).await;
    assert_eq!(replacement["totals"]["total"], gbp(0));
    let o = app.order_json(&second).await;
    assert!(kinds(&o["timeline"]).contains(&"order.refunded".to_owned()));
    assert_eq!(o["payment_status"], "partially_refunded");
    app.assert_books_balance().await;
}

async fn claims_refund_or_replace_without_a_return(app: &TestApp) {
    app.warehouse().await;
    let number = app.delivered("R-1", &[("TEE", 2), ("MUG", 1)]).await;
    let path = format!("/api/v1/orders/{number}/claims");
    let r = app
        .post(
            &path,
            json!({"reason": "item_missing", "resolution": "refund", "lines": [{"line_no": 2, "quantity": 1}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["refunded"], gbp(2160));

    let r = app
        .post(
            &path,
            json!({"reason": "damaged_in_transit", "resolution": "replacement", "lines": [{"line_no": 1, "quantity": 1}],
                   "note": "the box arrived crushed"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let replacement = app.order_json(r.body["replacement_order"].as_str().unwrap()).await;
    assert_eq!(replacement["totals"]["total"], gbp(0), "free");
    assert_eq!(replacement["fulfilment_status"], "allocated");
    assert_eq!(replacement["lines"][0]["sku"], "TEE");

    let r = app
        .post(
            &path,
            json!({"reason": "wrong_item_sent", "resolution": "refund", "lines": [{"line_no": 1, "quantity": 2}]}),
        )
        .await;
    assert_eq!(fields(&r), [pair("/lines/0/quantity", "exceeds_returnable")]);
    let r = app
        .request_return(&number, json!([{"line_no": 2, "quantity": 1, "reason": "damaged"}]))
        .await;
    assert_eq!(
        fields(&r),
        [pair("/lines/0/quantity", "exceeds_returnable")],
        "a claimed unit is not returned"
    );

    let list = app.get("/api/v1/claims?reason=item_missing").await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1, "{}", list.body);
    assert_eq!(
        app.get("/api/v1/claims").await.body["data"].as_array().unwrap().len(),
        2
    );
    assert!(kinds(&app.order_json(&number).await["timeline"]).contains(&"order.claim_filed".to_owned()));
    app.assert_books_balance().await;
}

async fn concurrent_requests_and_receipts_of_one_unit_take_it_once(app: &TestApp) {
    app.warehouse().await;
    let number = app.delivered("R-1", &[("TEE", 1)]).await;
    let line = json!([{"line_no": 1, "quantity": 1, "reason": "too_large"}]);
    let (a, b) = tokio::join!(
        app.request_return(&number, line.clone()),
        app.request_return(&number, line.clone())
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 422], "one unit is returned once: {} {}", a.body, b.body);
    let rma = [a, b].into_iter().find(|r| r.status == 201).unwrap().body["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.post(&format!("/api/v1/returns/{rma}/authorize"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = json!([{"sku": "TEE", "disposition": "restock"}]);
    let (a, b, c) = tokio::join!(
        app.receive_return(&rma, items.clone()),
        app.receive_return(&rma, items.clone()),
        app.receive_return(&rma, items.clone())
    );
    let receipts = [a, b, c];
    let ok = receipts.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "{:?}", receipts.iter().map(|r| &r.body).collect::<Vec<_>>());
    assert!(
        receipts.iter().all(|r| [200, 409, 422].contains(&r.status)),
        "{:?}",
        receipts.iter().map(|r| (r.status, &r.body)).collect::<Vec<_>>()
    );
    assert_eq!(
        app.level("TEE", "LON").await.0,
        10,
        "9 left after shipping one, and one back"
    );
    let ret = app.return_json(&rma).await;
    assert_eq!((ret["status"].as_str(), &ret["credited"]), (Some("closed"), &gbp(2160)));
    app.assert_books_balance().await;
}

async fn a_returned_kit_is_not_restocked_as_a_kit(app: &TestApp) {
    app.warehouse().await;
    app.product("GIFTSET", 4000).await;
    let r = app
        .put(
            "/api/v1/products/GIFTSET/components",
            json!([{"sku": "MUG", "quantity": 1}, {"sku": "TEE", "quantity": 1}]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let number = app.delivered("R-1", &[("GIFTSET", 1)]).await;
    let rma = app
        .authorized(
            &number,
            json!([{"line_no": 1, "quantity": 1, "reason": "changed_mind"}]),
        )
        .await;
    let r = app
        .receive_return(&rma, json!([{"sku": "GIFTSET", "disposition": "restock"}]))
        .await;
    assert_eq!(fields(&r), [pair("/items", "kit")]);
    let r = app
        .receive_return(&rma, json!([{"sku": "GIFTSET", "disposition": "quarantine"}]))
        .await;
    assert_eq!(r.body["status"], "closed", "{}", r.body);
    app.assert_books_balance().await;
}

both!(
    a_returned_kit_is_not_restocked_as_a_kit,
    concurrent_requests_and_receipts_of_one_unit_take_it_once,
    returns_are_refused_outside_the_window_and_beyond_what_shipped,
    receiving_restocks_quarantines_and_scraps,
    settlement_refunds_shipping_for_damage_and_keeps_a_fee_for_a_change_of_mind,
    a_channel_refunding_on_authorization_refunds_before_the_goods_arrive,
    exchanges_charge_or_refund_the_difference,
    claims_refund_or_replace_without_a_return,
);
