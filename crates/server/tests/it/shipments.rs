//! Fulfilment through the API: releasing work, pick lists (short picks included),
//! scan-verified packing, labels, shipping; tracking and documents in the submodules.
//! The books balance after every step that moves stock.

mod documents;
mod tracking;

use serde_json::{Value, json};
use switchyard_core::auth::Role;

use crate::both;
use crate::helpers::*;

/// A Tuesday morning, before the 16:00 cut-off: orders placed now ship today.
pub const TUESDAY: &str = "2026-11-17T10:00:00Z";
pub const TEE_BARCODE: &str = "5012345678900";
pub const UPS_NUMBER: &str = "1Z5R89390357567127";

impl TestApp {
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(reqwest::Method::PUT, path, Some(&self.admin), Some(&body), &[])
            .await
    }

    /// The shop with stock at LON (10 TEE, 5 MUG), a barcode on TEE, and bins at LON.
    pub async fn warehouse(&self) {
        self.clock.set(TUESDAY.parse().unwrap());
        self.shop().await;
        self.receive("TEE", "LON", 10).await;
        self.receive("MUG", "LON", 5).await;
        let address = json!({"name": "Switchyard Goods Ltd", "line1": "Unit 4, Orient Way", "city": "London",
                             "postal_code": "E10 7FY", "country": "GB"});
        let r = self.patch("/api/v1/locations/LON", json!({"address": address})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = self
            .patch("/api/v1/products/TEE", json!({"barcode": TEE_BARCODE}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = self
            .put(
                "/api/v1/locations/LON/bins",
                json!([{"sku": "TEE", "bin": "b-02-1"}, {"sku": "MUG", "bin": "A-01-3"}]),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    /// Places an order on `web` and returns its number.
    pub async fn place(&self, external_id: &str, lines: &[(&str, i64)]) -> String {
        let r = self.post("/api/v1/orders", order("web", external_id, lines)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["number"].as_str().unwrap().to_owned()
    }

    /// Releases a location's work; returns the shipments made (summaries).
    pub async fn release(&self, body: Value) -> Vec<Value> {
        let r = self.post("/api/v1/shipments/release", body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["shipments"].as_array().unwrap().clone()
    }

    /// Releases the order's work at LON and packs its one shipment; returns its number.
    pub async fn packed(&self, order_number: &str) -> String {
        let shipments = self.release(json!({"location": "LON", "orders": [order_number]})).await;
        let number = shipments[0]["number"].as_str().unwrap().to_owned();
        let scans: Vec<Value> = self.shipment_json(&number).await["lines"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| std::iter::repeat_n(l["sku"].clone(), l["quantity"].as_u64().unwrap() as usize))
            .collect();
        let r = self
            .post(
                &format!("/api/v1/shipments/{number}/pack"),
                json!({"scans": scans, "package": {"weight_grams": 900}}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        number
    }

    /// Packs, labels (UPS, manual) and ships the order's shipment; returns its number.
    pub async fn shipped(&self, order_number: &str, tracking_number: &str) -> String {
        let number = self.packed(order_number).await;
        self.label_and_ship(&number, tracking_number).await;
        number
    }

    /// Labels (UPS, manual) and ships a packed shipment.
    pub async fn label_and_ship(&self, shipment: &str, tracking_number: &str) {
        let r = self
            .post(
                &format!("/api/v1/shipments/{shipment}/label"),
                json!({"carrier": "ups", "tracking_number": tracking_number}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = self
            .post(&format!("/api/v1/shipments/{shipment}/ship"), json!({}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    /// POSTs `body` to `/api/v1/shipments/{shipment}/{action}` (pack, label, ship, ...).
    pub async fn act(&self, shipment: &str, action: &str, body: Value) -> Resp {
        self.post(&format!("/api/v1/shipments/{shipment}/{action}"), body).await
    }

    /// The outbox topics written for one aggregate (a shipment), oldest first.
    pub async fn topics(&self, aggregate: &Value) -> Vec<String> {
        let messages = self.store.outbox_for(aggregate.as_str().unwrap()).await.unwrap();
        messages.into_iter().map(|m| m.topic).collect()
    }

    pub async fn order_json(&self, number: &str) -> Value {
        let r = self.get(&format!("/api/v1/orders/{number}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    pub async fn shipment_json(&self, number: &str) -> Value {
        let r = self.get(&format!("/api/v1/shipments/{number}")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }
}

pub fn kinds(timeline: &Value) -> Vec<String> {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_shipment_goes_from_release_through_pick_pack_and_label_to_the_carrier(app: &TestApp) {
    app.warehouse().await;
    let number = app.place("F-1", &[("TEE", 2), ("MUG", 1)]).await;
    app.assert_books_balance().await;

    // Release: one shipment per order, with the promise made at placement.
    let shipments = app.release(json!({"location": "LON"})).await;
    assert_eq!(shipments.len(), 1);
    let s = &shipments[0];
    let shipment = s["number"].as_str().unwrap().to_owned();
    assert_eq!(shipment, format!("{number}-1"));
    assert_eq!(s["status"], "released");
    assert_eq!(s["location"], "LON");
    assert_eq!(s["units"], 3);
    assert_eq!(s["promised_ship_at"], "2026-11-17T16:00:00Z");
    assert_eq!(s["promised_delivery_at"], "2026-11-20T23:59:59Z");
    assert_eq!(s["late"], false);
    assert!(s.get("lines").is_none(), "a release lists summaries");
    let full = app.shipment_json(&shipment).await;
    assert_eq!(full["ship_to"]["city"], "Leeds");
    assert_eq!(full["ship_from"]["city"], "London");
    let lines: Vec<(&str, i64, &str)> = full["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["sku"].as_str().unwrap(),
                l["quantity"].as_i64().unwrap(),
                l["bin"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(lines, [("TEE", 2, "B-02-1"), ("MUG", 1, "A-01-3")]);
    assert!(
        app.release(json!({"location": "LON"})).await.is_empty(),
        "nothing is released twice"
    );
    let outbox = app.store.outbox_for(s["id"].as_str().unwrap()).await.unwrap();
    assert_eq!(outbox[0].topic, "shipment.released");
    assert_eq!(outbox[0].payload["items"], json!([["MUG", 1], ["TEE", 2]]));
    app.assert_books_balance().await;

    // Pick: lines in bin order with totals, then confirm everything found.
    let r = app.post("/api/v1/pick-lists", json!({"location": "LON"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let list = &r.body;
    let pl = list["number"].as_str().unwrap();
    assert!(pl.starts_with("PL-"));
    let walk: Vec<(&str, &str, i64)> = list["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["bin"].as_str().unwrap(),
                l["sku"].as_str().unwrap(),
                l["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(walk, [("A-01-3", "MUG", 1), ("B-02-1", "TEE", 2)]);
    assert_eq!(
        list["totals"],
        json!({"shipments": 1, "skus": 2, "units": 3, "picked": null})
    );
    assert_eq!(list["shipments"][0]["slot"], 1);
    assert_eq!(app.shipment_json(&shipment).await["status"], "picking");
    let r = app.post(&format!("/api/v1/pick-lists/{pl}/confirm"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "completed");
    assert_eq!(r.body["totals"]["picked"], 3);
    let again = app.post(&format!("/api/v1/pick-lists/{pl}/confirm"), json!({})).await;
    again.problem(409, "pick_list_completed");
    app.assert_books_balance().await;

    // Pack: scans by barcode and by SKU, with the package.
    let r = app.act(&shipment, "pack", json!({
                "scans": [TEE_BARCODE, "MUG", "tee"],
                "package": {"package_type": "box-s", "weight_grams": 640, "length_mm": 300, "width_mm": 200, "height_mm": 100}
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "packed");
    assert_eq!(
        r.body["package"],
        json!({"package_type": "box-s", "weight_grams": 640, "length_mm": 300, "width_mm": 200, "height_mm": 100})
    );
    // Shipping before the label is refused, naming the state.
    let early = app.act(&shipment, "ship", json!({})).await;
    assert_eq!(early.problem(409, "invalid_transition")["current_status"], "packed");

    // Label: a manual UPS number, checked; the service defaults from the service level.
    let r = app.act(&shipment, "label", json!({"carrier": "ups", "tracking_number": "1z5r 8939 0357 5671 27", "cost": {"amount": 695, "currency": "GBP"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "label_created");
    assert_eq!(r.body["tracking_number"], UPS_NUMBER);
    assert_eq!(r.body["service"], "UPS Ground");
    assert_eq!(r.body["provider"], "manual");
    assert_eq!(
        r.body["tracking_url"],
        format!("https://www.ups.com/track?tracknum={UPS_NUMBER}")
    );
    assert_eq!(r.body["label_cost"], gbp(695));
    assert_eq!(app.level("TEE", "LON").await, (10, 2, 8), "nothing has left yet");

    // Ship: the stock leaves through the ledger.
    app.clock.advance(jiff::SignedDuration::from_hours(3));
    let r = app.act(&shipment, "ship", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "shipped");
    assert_eq!(r.body["milestones"]["shipped_at"], "2026-11-17T13:00:00Z");
    assert_eq!(r.body["late"], false);
    assert_eq!(app.level("TEE", "LON").await, (8, 0, 8));
    assert_eq!(app.level("MUG", "LON").await, (4, 0, 4));
    let m = app
        .get(&format!(
            "/api/v1/inventory/movements?reference={}&kind=ship",
            s["id"].as_str().unwrap()
        ))
        .await;
    let moves: Vec<(i64, i64)> = m.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["on_hand_delta"].as_i64().unwrap(),
                m["reserved_delta"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(moves.len(), 2);
    assert!(moves.contains(&(-2, -2)) && moves.contains(&(-1, -1)));
    let o = app.order_json(&number).await;
    assert_eq!(o["fulfilment_status"], "shipped");
    assert!(o["lines"].as_array().unwrap().iter().all(|l| l["status"] == "shipped"));
    assert!(o["reservations"].as_array().unwrap().is_empty());
    assert_eq!(
        kinds(&o["timeline"]),
        [
            "order.placed",
            "order.allocated",
            "order.payment_authorized",
            "order.shipment_released",
            "order.shipped",
            "order.payment_captured"
        ]
    );
    assert!(o["timeline"][4]["message"].as_str().unwrap().contains(UPS_NUMBER));
    assert_eq!(o["payment_status"], "paid");
    let topics = app.topics(&s["id"]).await;
    assert_eq!(
        topics,
        [
            "shipment.released",
            "shipment.picking",
            "shipment.packed",
            "shipment.label_created",
            "shipment.shipped"
        ]
    );
    let again = app.act(&shipment, "ship", json!({})).await;
    assert_eq!(again.problem(409, "invalid_transition")["current_status"], "shipped");
    let cancel = app.act(&shipment, "cancel", json!({})).await;
    cancel.problem(409, "invalid_transition");
    let of_order = app.get(&format!("/api/v1/orders/{number}/shipments")).await;
    assert_eq!(of_order.body[0]["number"], shipment);
    app.assert_books_balance().await;
}

async fn a_short_pick_writes_off_the_missing_units_and_returns_the_line_to_routing(app: &TestApp) {
    app.warehouse().await;
    let first = app.place("S-1", &[("TEE", 1), ("MUG", 1)]).await;
    let second = app.place("S-2", &[("MUG", 2)]).await;
    app.release(json!({"location": "LON"})).await;
    let r = app.post("/api/v1/pick-lists", json!({"location": "LON"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let pl = r.body["number"].as_str().unwrap().to_owned();
    let pl_id = r.body["id"].as_str().unwrap().to_owned();
    let mug = r.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == "MUG")
        .unwrap()
        .clone();
    assert_eq!(mug["quantity"], 3);
    assert_eq!(mug["allocations"].as_array().unwrap().len(), 2);
    assert_eq!(app.level("MUG", "LON").await, (5, 3, 2));

    // Picks that name SKUs off the list, or more than listed, change nothing.
    let bad = app
        .post(
            &format!("/api/v1/pick-lists/{pl}/confirm"),
            json!({"picks": [{"sku": "CAP", "quantity": 1}, {"sku": "MUG", "quantity": 4}]}),
        )
        .await;
    assert_eq!(bad.invalid_fields(), ["/picks/0/sku", "/picks/1/quantity"]);

    // Two of three mugs found: the first tote is filled, the second is one short.
    let r = app
        .post(
            &format!("/api/v1/pick-lists/{pl}/confirm"),
            json!({"picks": [{"sku": "MUG", "quantity": 2}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["totals"]["picked"], 3, "1 TEE and 2 MUG");
    let s1 = app.shipment_json(&format!("{first}-1")).await;
    assert_eq!(s1["status"], "picking");
    assert!(s1["milestones"]["picked_at"].is_string());
    let s2 = app.shipment_json(&format!("{second}-1")).await;
    assert_eq!(s2["status"], "cancelled", "its only line went back");
    assert_eq!(s2["lines"][0]["status"], "short");
    assert_eq!(s2["lines"][0]["picked_quantity"], 1);

    // The missing mug is written off as lost against the pick list; the line's
    // reservation is released and the line goes straight back to routing.
    let m = app.get(&format!("/api/v1/inventory/movements?reference={pl_id}")).await;
    let moves: Vec<(&str, Option<&str>, i64, i64)> = m.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap(),
                m["reason"].as_str(),
                m["on_hand_delta"].as_i64().unwrap(),
                m["reserved_delta"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(moves, [("adjustment", Some("lost"), -1, 0), ("release", None, 0, -2)]);
    // Routing serves the line again at once, here from LON's remaining stock.
    assert_eq!(app.level("MUG", "LON").await, (4, 3, 1));
    let o = app.order_json(&second).await;
    assert_eq!(o["lines"][0]["status"], "allocated");
    assert_eq!(o["fulfilment_status"], "allocated");
    let kinds: Vec<&str> = o["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    let short = kinds.iter().position(|k| *k == "order.short_picked").unwrap();
    assert_eq!(kinds[short + 1..].first(), Some(&"order.allocated"), "{kinds:?}");
    let event = o["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "order.short_picked")
        .unwrap();
    assert!(
        event["message"].as_str().unwrap().contains("found 1 of 2 × MUG"),
        "{}",
        event["message"]
    );
    assert_eq!(event["data"]["lost"][0]["lost"], 1);
    app.assert_books_balance().await;

    // It is released as the order's second shipment.
    let again = app.release(json!({"location": "LON", "orders": [second]})).await;
    assert_eq!(again[0]["number"], format!("{second}-2"));
    app.assert_books_balance().await;
}

async fn a_ship_complete_order_goes_back_whole_after_a_short_pick(app: &TestApp) {
    app.warehouse().await;
    let r = app
        .patch("/api/v1/channels/web", json!({"split_policy": "ship_complete"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let number = app.place("C-1", &[("TEE", 1), ("MUG", 1)]).await;
    app.release(json!({"location": "LON"})).await;
    let r = app.post("/api/v1/pick-lists", json!({"location": "LON"})).await;
    let pl = r.body["number"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/pick-lists/{pl}/confirm"),
            json!({"picks": [{"sku": "MUG", "quantity": 0}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let s = app.shipment_json(&format!("{number}-1")).await;
    assert_eq!(s["status"], "cancelled");
    let statuses: Vec<(&str, &str)> = s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sku"].as_str().unwrap(), l["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [("TEE", "withdrawn"), ("MUG", "short")]);
    // Both lines went back together and were routed again together: LON still has
    // a tee and (on its books) four mugs.
    let o = app.order_json(&number).await;
    let moved = o["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "order.allocated")
        .count();
    assert_eq!(moved, 2, "routed at placement and again after the short pick");
    assert!(
        o["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status"] == "allocated")
    );
    assert_eq!(app.level("TEE", "LON").await, (10, 1, 9));
    assert_eq!(app.level("MUG", "LON").await, (4, 1, 3));
    app.assert_books_balance().await;
}

async fn a_wrong_scan_is_refused_before_anything_is_packed(app: &TestApp) {
    app.warehouse().await;
    app.product("CAP", 900).await;
    let number = app.place("W-1", &[("TEE", 2), ("MUG", 1)]).await;
    let shipments = app.release(json!({"location": "LON"})).await;
    let shipment = shipments[0]["number"].as_str().unwrap().to_owned();
    let pack = |scans: Value| {
        let path = format!("/api/v1/shipments/{shipment}/pack");
        async move {
            app.post(&path, json!({"scans": scans, "package": {"weight_grams": 700}}))
                .await
        }
    };

    // A cap that is not in the shipment, one tee short, one mug too many.
    let r = pack(json!([TEE_BARCODE, "CAP", "MUG", "MUG"])).await;
    let problem = r.problem(422, "scan_mismatch");
    let errors: Vec<(&str, &str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap(),
                e["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (
                "/scans/1",
                "wrong_item",
                format!("CAP (Product CAP) is not in shipment {shipment}: take it out").as_str()
            ),
            (
                "/scans",
                "wrong_count",
                "MUG (Product MUG): scanned 2, but the shipment has 1; take 1 out"
            ),
            ("/scans", "wrong_count", "TEE (Product TEE): scanned 1 of 2; add 1 more"),
        ]
    );
    assert!(problem["detail"].as_str().unwrap().starts_with("Nothing was packed"));
    let s = app.shipment_json(&shipment).await;
    assert_eq!(s["status"], "released");
    assert!(s["package"].is_null());

    // A code the catalog does not know is named as such.
    let r = pack(json!(["0000-NOPE", TEE_BARCODE, TEE_BARCODE, "MUG"])).await;
    let problem = r.problem(422, "scan_mismatch");
    assert_eq!(
        problem["errors"][0]["message"],
        format!("\"0000-NOPE\", an unknown code, is not in shipment {shipment}: take it out")
    );
    // Missing scans and weight are plain validation errors.
    let r = app.act(&shipment, "pack", json!({"scans": []})).await;
    assert_eq!(r.invalid_fields(), ["/scans", "/package/weight_grams"]);

    let r = pack(json!([TEE_BARCODE, "MUG", TEE_BARCODE])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "packed");
    assert_eq!(app.order_json(&number).await["fulfilment_status"], "allocated");
    app.assert_books_balance().await;
}

async fn labels_need_a_valid_and_unique_tracking_number(app: &TestApp) {
    app.warehouse().await;
    let first = app.place("L-1", &[("TEE", 1)]).await;
    let second = app.place("L-2", &[("MUG", 1)]).await;
    let one = app.packed(&first).await;
    let two = app.packed(&second).await;
    let label = |shipment: &str, body: Value| {
        let path = format!("/api/v1/shipments/{shipment}/label");
        async move { app.post(&path, body).await }
    };
    let r = label(&one, json!({"carrier": "ups", "tracking_number": "1Z5R89390357567128"})).await;
    assert_eq!(r.invalid_fields(), ["/tracking_number"]);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not a valid UPS tracking number")
    );
    let r = label(&one, json!({"carrier": "royal_mail", "tracking_number": UPS_NUMBER})).await;
    assert_eq!(r.invalid_fields(), ["/tracking_number"]);
    let r = label(&one, json!({"tracking_number": UPS_NUMBER})).await;
    assert_eq!(r.invalid_fields(), ["/carrier"], "released for no carrier");
    let r = label(
        &one,
        json!({"provider": "simulated", "carrier": "ups", "tracking_number": UPS_NUMBER}),
    )
    .await;
    assert_eq!(r.invalid_fields(), ["/tracking_number"]);
    let r = label(
        &one,
        json!({"carrier": "ups", "tracking_number": UPS_NUMBER, "service": "UPS Next Day Air"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["service"], "UPS Next Day Air");
    let r = label(&two, json!({"carrier": "ups", "tracking_number": UPS_NUMBER})).await;
    r.problem(409, "duplicate_tracking_number");
    let r = label(&one, json!({"carrier": "ups", "tracking_number": UPS_NUMBER})).await;
    assert_eq!(r.problem(409, "invalid_transition")["current_status"], "label_created");

    // Voiding the label frees the number and returns the shipment to packed.
    let r = app.act(&one, "label/void", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "packed");
    assert!(r.body["tracking_number"].is_null());
    let r = label(&two, json!({"carrier": "ups", "tracking_number": UPS_NUMBER})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.assert_books_balance().await;
}

async fn pick_lists_batch_by_count_cut_off_and_size(app: &TestApp) {
    app.warehouse().await;
    // Placed before the cut-off: ship today (Tuesday); after it: tomorrow.
    let single = app.place("P-1", &[("TEE", 1)]).await;
    app.clock.set("2026-11-17T17:00:00Z".parse().unwrap());
    let multi = app.place("P-2", &[("TEE", 2)]).await;
    let mixed = app.place("P-3", &[("MUG", 1), ("TEE", 1)]).await;
    app.release(json!({"location": "LON"})).await;

    let create = |body: Value| async move { app.post("/api/v1/pick-lists", body).await };
    let r = create(json!({"location": "LON", "items": "single"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["shipments"][0]["number"], format!("{single}-1"));
    assert_eq!(r.body["totals"]["shipments"], 1);
    let r = create(json!({"location": "LON", "ship_by": "2026-11-17T16:00:00Z"})).await;
    r.problem(409, "nothing_to_pick");
    let r = create(json!({"location": "LON", "max_shipments": 1, "items": "multi"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["shipments"][0]["number"], format!("{multi}-1"));
    let r =
        create(json!({"location": "LON", "shipments": [format!("{multi}-1"), "SO-1-9", format!("{mixed}-1")]})).await;
    assert_eq!(r.invalid_fields(), ["/shipments/0", "/shipments/1"]);
    let r = create(json!({"location": "LON", "shipments": [format!("{mixed}-1")]})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let walk: Vec<&str> = r.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["sku"].as_str().unwrap())
        .collect();
    assert_eq!(walk, ["MUG", "TEE"], "bin A-01-3 before B-02-1");
    let lists = app.get("/api/v1/pick-lists?location=LON&status=open").await;
    assert_eq!(lists.body["data"].as_array().unwrap().len(), 3);
    let r = create(json!({"location": "LON"})).await;
    r.problem(409, "nothing_to_pick");
    let picking = app.get("/api/v1/shipments?location=LON&status=picking").await;
    assert_eq!(picking.body["data"].as_array().unwrap().len(), 3);
    app.assert_books_balance().await;
}

async fn auto_locations_release_work_without_an_operator(app: &TestApp) {
    app.warehouse().await;
    let waiting = app.place("A-1", &[("TEE", 1)]).await;
    let settings = app.get("/api/v1/locations/LON/fulfilment").await;
    assert_eq!(settings.body["release_mode"], "manual");
    assert_eq!(settings.body["units_waiting"], 1);
    assert_eq!(
        app.store.release_due_shipments().await.unwrap(),
        0,
        "manual locations wait"
    );

    // Switching to auto releases what waits at once, then new work as it comes.
    let r = app
        .put("/api/v1/locations/LON/fulfilment", json!({"release_mode": "auto"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["units_waiting"], 0);
    assert_eq!(r.body["shipments_on_floor"], 1);
    assert_eq!(app.shipment_json(&format!("{waiting}-1")).await["status"], "released");
    let next = app.place("A-2", &[("MUG", 2)]).await;
    let held = app.place("A-3", &[("MUG", 1)]).await;
    let r = app
        .post(
            &format!("/api/v1/orders/{held}/hold"),
            json!({"reason": "fraud_review"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(app.store.release_due_shipments().await.unwrap(), 1);
    assert_eq!(app.shipment_json(&format!("{next}-1")).await["status"], "released");
    let none = app.get(&format!("/api/v1/orders/{held}/shipments")).await;
    assert_eq!(none.body, json!([]), "held orders stay back");
    let event = app.order_json(&next).await["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "order.shipment_released")
        .cloned()
        .unwrap();
    assert_eq!(event["actor"], "system");
    let r = app.put("/api/v1/locations/LON/fulfilment", json!({})).await;
    assert_eq!(r.invalid_fields(), ["/release_mode"]);
    app.assert_books_balance().await;
}

async fn held_orders_are_not_packed_and_cancelled_shipments_wait_for_release(app: &TestApp) {
    app.warehouse().await;
    let number = app.place("H-1", &[("TEE", 1)]).await;
    let shipments = app.release(json!({"location": "LON"})).await;
    let shipment = shipments[0]["number"].as_str().unwrap().to_owned();
    let r = app
        .post(&format!("/api/v1/orders/{number}/hold"), json!({"reason": "address"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .act(
            &shipment,
            "pack",
            json!({"scans": ["TEE"], "package": {"weight_grams": 300}}),
        )
        .await;
    let problem = r.problem(409, "invalid_transition");
    assert_eq!(problem["current_status"], "on_hold");
    assert_eq!(problem["detail"], "cannot fulfil an order that is on_hold");

    // Cancelling the shipment keeps the stock reserved for the order.
    let r = app
        .act(&shipment, "cancel", json!({"reason": "address to check"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(app.level("TEE", "LON").await, (10, 1, 9));
    assert!(
        app.release(json!({"location": "LON"})).await.is_empty(),
        "the order is held"
    );
    app.post(&format!("/api/v1/orders/{number}/release"), json!({})).await;
    let again = app.release(json!({"location": "LON"})).await;
    assert_eq!(again[0]["number"], format!("{number}-2"));
    let o = app.order_json(&number).await;
    assert!(kinds(&o["timeline"]).contains(&"order.shipment_cancelled".to_owned()));
    app.assert_books_balance().await;
}

async fn releases_name_unknown_places_and_roles_are_enforced(app: &TestApp) {
    app.warehouse().await;
    app.place("R-1", &[("TEE", 1)]).await;
    let r = app
        .post("/api/v1/shipments/release", json!({"location": "NOWHERE"}))
        .await;
    assert_eq!(r.invalid_fields(), ["/location"]);
    let r = app
        .post(
            "/api/v1/shipments/release",
            json!({"location": "LON", "orders": ["SO-1"], "channels": ["nope"]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/orders/0", "/channels/0"]);
    let support = app.key(Role::Support).await;
    let r = app
        .send(
            reqwest::Method::POST,
            "/api/v1/shipments/release",
            Some(&support),
            Some(&json!({"location": "LON"})),
            &[],
        )
        .await;
    r.problem(403, "forbidden");
    let warehouse = app.key(Role::Warehouse).await;
    let r = app
        .send(
            reqwest::Method::POST,
            "/api/v1/shipments/release",
            Some(&warehouse),
            Some(&json!({"location": "LON"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["shipments"][0]["number"].as_str().map(|n| n.ends_with("-1")),
        Some(true)
    );
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/locations/LON/bins",
            Some(&warehouse),
            Some(&json!([{"sku": "TEE", "bin": "Z-9"}])),
            &[],
        )
        .await;
    r.problem(403, "forbidden");
    let r = app
        .put(
            "/api/v1/locations/LON/bins",
            json!([{"sku": "NOPE", "bin": "Z-9"}, {"sku": "MUG", "bin": ""}]),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/0/sku"]);
    let r = app
        .put("/api/v1/locations/LON/bins", json!([{"sku": "MUG", "bin": null}]))
        .await;
    assert_eq!(r.body, json!([]));
    let bins = app.get("/api/v1/locations/LON/bins").await;
    let listed: Vec<&str> = bins.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["sku"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["TEE"]);
    let carriers = app.get("/api/v1/carriers").await;
    assert_eq!(carriers.body["data"].as_array().unwrap().len(), 5);
    assert_eq!(carriers.body["data"][4]["name"], "Royal Mail");
}

both!(
    a_shipment_goes_from_release_through_pick_pack_and_label_to_the_carrier,
    a_short_pick_writes_off_the_missing_units_and_returns_the_line_to_routing,
    a_ship_complete_order_goes_back_whole_after_a_short_pick,
    a_wrong_scan_is_refused_before_anything_is_packed,
    labels_need_a_valid_and_unique_tracking_number,
    pick_lists_batch_by_count_cut_off_and_size,
    auto_locations_release_work_without_an_operator,
    held_orders_are_not_packed_and_cancelled_shipments_wait_for_release,
    releases_name_unknown_places_and_roles_are_enforced,
);
