//! Fulfilment through the API: a shipment from release through pick, pack and label
//! to the carrier, and the helpers the submodules share; releasing, picking, packing,
//! tracking and documents in the submodules. The books balance after every step that
//! moves stock.

mod documents;
mod packing;
mod picking;
mod release;
mod tracking;
mod tracking_dates;

use serde_json::{Value, json};

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

both!(a_shipment_goes_from_release_through_pick_pack_and_label_to_the_carrier);
