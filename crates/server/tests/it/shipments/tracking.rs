//! Tracking to the door: events in and out of order, duplicates, bulk uploads, delivery
//! on time and late, the EasyPost tracker payload, the simulated carrier, and the
//! floor's lists of late shipments and exceptions.

use jiff::SignedDuration;
use serde_json::{Value, json};

use super::{UPS_NUMBER, kinds};
use crate::both;
use crate::helpers::*;

fn event(status: &str, at: &str, location: &str) -> Value {
    json!({"status": status, "occurred_at": at, "location": location, "description": status.replace('_', " ")})
}

async fn tracking_events_out_of_order_never_undo_delivery(app: &TestApp) {
    app.warehouse().await;
    let number = app.place("T-1", &[("TEE", 1), ("MUG", 1)]).await;
    let shipment = app.shipped(&number, UPS_NUMBER).await;
    app.clock.set("2026-11-20T09:00:00Z".parse().unwrap());
    let path = format!("/api/v1/shipments/{shipment}/tracking-events");

    // Delivered arrives first; the in-transit scan from the day before arrives late.
    let r = app
        .post(&path, event("delivered", "2026-11-19T12:10:00Z", "Leeds"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["outcome"].as_str(), r.body["status"].as_str()),
        (Some("applied"), Some("delivered"))
    );
    let r = app
        .post(&path, event("in_transit", "2026-11-18T02:00:00Z", "Manchester hub"))
        .await;
    assert_eq!(r.body["outcome"], "recorded");
    assert_eq!(r.body["status"], "delivered");
    assert_eq!(r.body["note"], "the shipment's status is final");
    let r = app
        .post(&path, event("delivered", "2026-11-19T12:10:00Z", "Leeds"))
        .await;
    assert_eq!(r.body["outcome"], "duplicate");

    let s = app.shipment_json(&shipment).await;
    assert_eq!(s["status"], "delivered");
    assert_eq!(
        s["delivery"],
        json!({"promised_by": "2026-11-20T23:59:59Z", "delivered_at": "2026-11-19T12:10:00Z", "on_time": true, "days_late": 0})
    );
    let timeline: Vec<(&str, bool)> = s["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["status"].as_str().unwrap(), e["applied"].as_bool().unwrap()))
        .collect();
    assert_eq!(timeline, [("in_transit", false), ("delivered", true)], "oldest first");
    assert_eq!(s["timeline"][0]["source"], "test admin");

    let o = app.order_json(&number).await;
    assert_eq!(o["status"], "completed");
    assert_eq!(o["fulfilment_status"], "delivered");
    assert!(
        o["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status"] == "delivered")
    );
    let k = kinds(&o["timeline"]);
    assert_eq!(k[k.len() - 2..], ["order.delivered", "order.completed"]);
    let delivered = &o["timeline"].as_array().unwrap()[k.len() - 2];
    assert_eq!(
        delivered["message"],
        format!("Shipment {shipment} delivered 2026-11-19 12:10 UTC (Leeds), on time")
    );
    let topics = app.topics(&s["id"]).await;
    assert_eq!(topics.last().map(String::as_str), Some("shipment.delivered"));
    app.assert_books_balance().await;
}

async fn late_scans_only_join_the_timeline_and_exceptions_are_resolved(app: &TestApp) {
    app.warehouse().await;
    let number = app.place("T-2", &[("TEE", 1)]).await;
    let shipment = app.shipped(&number, UPS_NUMBER).await;
    app.clock.advance(SignedDuration::from_hours(72));
    let bulk = |events: Value| async move { app.post("/api/v1/tracking-events", json!({"events": events})).await };
    let mut e1 = event("in_transit", "2026-11-17T20:00:00Z", "Manchester hub");
    e1["tracking_number"] = json!(UPS_NUMBER);
    let mut e2 = event("out_for_delivery", "2026-11-18T07:40:00Z", "Leeds");
    e2["shipment"] = json!(shipment);
    let mut e3 = event("in_transit", "2026-11-18T01:00:00Z", "Leeds hub");
    e3["tracking_number"] = json!("1z5r89390357567127");
    e3["carrier"] = json!("ups");
    let mut e4 = event("exception", "2026-11-18T11:30:00Z", "Leeds");
    e4["shipment"] = json!(shipment);
    e4["description"] = json!("Delivery attempted: nobody in");
    let r = bulk(json!([e1, e2, e3, e4])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let outcomes: Vec<(&str, &str)> = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["outcome"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("applied", "in_transit"),
            ("applied", "out_for_delivery"),
            ("recorded", "out_for_delivery"),
            ("applied", "exception"),
        ]
    );
    assert_eq!(r.body["results"][2]["note"], "older than the latest event applied");
    let exceptions = app.get("/api/v1/shipments/exceptions?location=LON").await;
    assert_eq!(exceptions.body["data"][0]["number"], shipment);
    let o = app.order_json(&number).await;
    let last = o["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "order.shipment_exception");
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .contains("Delivery attempted: nobody in")
    );

    // The next attempt succeeds; nothing is recorded twice.
    let mut e5 = event("delivered", "2026-11-19T10:00:00Z", "Leeds");
    e5["shipment"] = json!(shipment);
    let r = bulk(json!([e5.clone(), e5])).await;
    let outcomes: Vec<&str> = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["applied", "duplicate"], "{}", r.body);
    let exceptions = app.get("/api/v1/shipments/exceptions").await;
    assert!(
        exceptions.body["data"].as_array().unwrap().is_empty(),
        "{}",
        exceptions.body
    );

    // Bad bulk input names every bad event and records nothing.
    let mut unknown = event("in_transit", "2026-11-19T11:00:00Z", "");
    unknown["tracking_number"] = json!("1Z999AA10123456784");
    let mut no_status = json!({"shipment": shipment, "occurred_at": "2026-11-19T11:00:00Z"});
    no_status["location"] = json!("Leeds");
    let mut bad_time = event("delivered", "2026-11-19T25:00:00Z", "");
    bad_time["shipment"] = json!(shipment);
    let r = bulk(json!([unknown, no_status, bad_time])).await;
    assert_eq!(r.invalid_fields(), ["/events/1/status", "/events/2/occurred_at"]);
    let mut unknown = event("in_transit", "2026-11-19T11:00:00Z", "");
    unknown["tracking_number"] = json!("1Z999AA10123456784");
    let r = bulk(json!([unknown])).await;
    assert_eq!(r.invalid_fields(), ["/events/0/tracking_number"]);
    assert_eq!(
        app.shipment_json(&shipment).await["timeline"].as_array().unwrap().len(),
        5
    );
    app.assert_books_balance().await;
}

async fn a_late_delivery_is_measured_in_days_against_the_promise(app: &TestApp) {
    app.warehouse().await;
    let first = app.place("T-3", &[("TEE", 1)]).await;
    let second = app.place("T-4", &[("MUG", 1)]).await;
    let one = app.shipped(&first, UPS_NUMBER).await;
    let two = app.shipped(&second, "1Z879E930346834440").await;
    app.clock.set("2026-11-23T15:00:00Z".parse().unwrap());
    let r = app
        .act(
            &one,
            "tracking-events",
            event("delivered", "2026-11-22T09:30:00Z", "Leeds"),
        )
        .await;
    assert_eq!(r.body["status"], "delivered", "{}", r.body);
    let s = app.shipment_json(&one).await;
    assert_eq!(s["delivery"]["on_time"], false);
    assert_eq!(s["delivery"]["days_late"], 2);
    let o = app.order_json(&first).await;
    let delivered = o["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "order.delivered")
        .unwrap()
        .clone();
    assert!(
        delivered["message"].as_str().unwrap().ends_with("2 days late"),
        "{}",
        delivered["message"]
    );
    assert_eq!(delivered["data"]["delivery"]["days_late"], 2);
    // Returned to sender is final and listed with the exceptions.
    let r = app
        .act(
            &two,
            "tracking-events",
            event("returned_to_sender", "2026-11-23T09:00:00Z", "Leeds"),
        )
        .await;
    assert_eq!(r.body["status"], "returned_to_sender", "{}", r.body);
    let exceptions = app.get("/api/v1/shipments/exceptions").await;
    assert_eq!(exceptions.body["data"][0]["number"], two);
    assert_eq!(
        app.order_json(&second).await["status"],
        "open",
        "a returned parcel is not delivered"
    );
    app.assert_books_balance().await;
}

async fn tracking_before_shipping_is_recorded_and_late_shipments_are_listed(app: &TestApp) {
    app.warehouse().await;
    let early = app.place("T-5", &[("TEE", 1)]).await;
    app.clock.set("2026-11-17T17:00:00Z".parse().unwrap());
    let later = app.place("T-6", &[("MUG", 1)]).await;
    let labelled = app.packed(&early).await;
    let r = app
        .act(
            &labelled,
            "label",
            json!({"carrier": "ups", "tracking_number": UPS_NUMBER}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .act(
            &labelled,
            "tracking-events",
            event("in_transit", "2026-11-17T16:30:00Z", "London"),
        )
        .await;
    assert_eq!(
        (r.body["outcome"].as_str(), r.body["status"].as_str()),
        (Some("recorded"), Some("label_created"))
    );
    let waiting = app.release(json!({"location": "LON"})).await;
    assert_eq!(waiting[0]["number"], format!("{later}-1"));

    // Past Tuesday's cut-off the first is late; past Wednesday's, both, most overdue first.
    let late = app.get("/api/v1/shipments/late?location=LON").await;
    let numbers: Vec<&str> = late.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, [labelled.as_str()], "{}", late.body);
    app.clock.set("2026-11-18T16:30:00Z".parse().unwrap());
    let late = app.get("/api/v1/shipments/late?limit=1").await;
    assert_eq!(late.body["data"][0]["number"], labelled);
    assert_eq!(late.body["data"][0]["late"], true);
    let cursor = late.body["next_cursor"].as_str().unwrap().to_owned();
    let next = app
        .get(&format!("/api/v1/shipments/late?limit=1&cursor={cursor}"))
        .await;
    assert_eq!(next.body["data"][0]["number"], format!("{later}-1"));
    assert!(next.body["next_cursor"].is_null());
    let r = app.act(&labelled, "ship", json!({})).await;
    assert_eq!(r.body["late"], false, "shipped is no longer late");
    let late = app.get("/api/v1/shipments/late").await;
    assert_eq!(late.body["data"].as_array().unwrap().len(), 1);
    app.assert_books_balance().await;
}

/// The FedEx number the EasyPost fixture's tracker is given in these tests.
const FEDEX_NUMBER: &str = "986578788855";
/// The morning the EasyPost fixture's FedEx parcel was picked up in Orlando (19:27).
const PICKUP_DAY: &str = "2024-07-31T10:00:00Z";

/// A shipment of order `external_id` labelled with `FEDEX_NUMBER` and shipped at `at`.
pub(super) async fn shipped_with_fedex(app: &TestApp, external_id: &str, at: &str) -> String {
    app.clock.set(at.parse().unwrap());
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let number = app.place(external_id, &[("TEE", 1)]).await;
    let shipment = app.packed(&number).await;
    let label = json!({"carrier": "fedex", "tracking_number": FEDEX_NUMBER});
    let r = app.act(&shipment, "label", label).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.act(&shipment, "ship", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    shipment
}

/// The EasyPost fixture's `tracker.updated` event, for the tracker of `FEDEX_NUMBER`.
pub(super) fn fedex_tracker_update() -> Value {
    let mut payload: Value = serde_json::from_str(include_str!(
        "../../../../core/src/carrier/testdata/easypost_event-body_tracker.updated.json"
    ))
    .unwrap();
    payload["result"]["tracking_code"] = json!(FEDEX_NUMBER);
    payload
}

async fn an_easypost_tracker_payload_moves_its_shipment(app: &TestApp) {
    let shipment = shipped_with_fedex(app, "E-1", PICKUP_DAY).await;
    app.clock.set("2024-08-03T00:00:00Z".parse().unwrap());

    let mut payload = fedex_tracker_update();
    let r = app.post("/api/v1/tracking/easypost", payload.clone()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["skipped"], 1, "the pre_transit detail");
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    assert!(
        results
            .iter()
            .all(|r| r["outcome"] == "applied" && r["status"] == "in_transit")
    );
    let s = app.shipment_json(&shipment).await;
    assert_eq!(s["status"], "in_transit");
    assert_eq!(s["timeline"][0]["location"], "ORLANDO, FL, US 32809");
    assert_eq!(s["timeline"][0]["description"], "Picked up");
    assert_eq!(s["timeline"][5]["location"], "EDISON, NJ, US 08817");
    assert!(
        s["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["source"] == "easypost")
    );

    // Replaying the webhook changes nothing; an unknown tracker is a 404.
    let again = app.post("/api/v1/tracking/easypost", payload.clone()).await;
    assert!(
        again.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["outcome"] == "duplicate")
    );
    payload["result"]["tracking_code"] = json!("1");
    app.post("/api/v1/tracking/easypost", payload.clone())
        .await
        .problem(404, "not_found");
    payload["description"] = json!("batch.created");
    let r = app.post("/api/v1/tracking/easypost", payload).await;
    assert_eq!(r.invalid_fields(), ["/description"]);
    app.assert_books_balance().await;
}

async fn easypost_webhooks_need_easypost_signature_not_an_api_key(app: &TestApp) {
    // EasyPost's own published vector: the shared event body (without the file's final
    // newline), signed with the shared secret. Its tracker ("1") is no shipment of ours,
    // so an accepted signature shows as a 404 for the tracker, not a 401.
    let fixture = include_str!("../../../../core/src/carrier/testdata/easypost_event-body_tracker.updated.json");
    let body = fixture.strip_suffix('\n').unwrap().as_bytes();
    let published = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db";
    let json = ("content-type", "application/json");
    let r = app
        .post_bytes(
            "/webhooks/easypost",
            None,
            body,
            &[json, ("x-hmac-signature", published)],
        )
        .await;
    r.problem(404, "not_found");
    assert!(r.body["detail"].as_str().unwrap().contains("1"), "{}", r.body);

    let shipment = shipped_with_fedex(app, "E-2", PICKUP_DAY).await;
    app.clock.set("2024-08-03T00:00:00Z".parse().unwrap());
    let mut payload: Value = serde_json::from_slice(body).unwrap();
    payload["result"]["tracking_code"] = json!(FEDEX_NUMBER);
    let ours = serde_json::to_vec(&payload).unwrap();

    // Forged, missing or signed for another body: refused, and nothing moves.
    for signature in [published.to_owned(), String::new(), easypost_signature(b"{}")] {
        let r = app
            .post_bytes(
                "/webhooks/easypost",
                None,
                &ours,
                &[json, ("x-hmac-signature", &signature)],
            )
            .await;
        r.problem(401, "unauthorized");
    }
    assert_eq!(app.shipment_json(&shipment).await["status"], "shipped");

    let signature = easypost_signature(&ours);
    let r = app
        .post_bytes(
            "/webhooks/easypost",
            None,
            &ours,
            &[json, ("x-hmac-signature", &signature)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["results"].as_array().unwrap().len(), 6);
    assert_eq!(app.shipment_json(&shipment).await["status"], "in_transit");
    app.assert_books_balance().await;
}

async fn the_simulated_carrier_reports_a_journey_as_time_passes(app: &TestApp) {
    app.warehouse().await;
    let number = app.place("SIM-1", &[("TEE", 1)]).await;
    let shipment = app.packed(&number).await;
    let r = app
        .act(
            &shipment,
            "label",
            json!({"provider": "simulated", "carrier": "royal_mail"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let tracking = r.body["tracking_number"].as_str().unwrap().to_owned();
    assert!(
        switchyard_core::carrier::Carrier::RoyalMail.accepts(&tracking),
        "{tracking} is a valid Royal Mail S10 number"
    );
    assert_eq!(r.body["service"], "Royal Mail Tracked 48");
    let r = app.act(&shipment, "ship", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        app.store.sync_carrier_tracking().await.unwrap(),
        0,
        "nothing happened yet"
    );
    app.clock.advance(SignedDuration::from_hours(3));
    assert_eq!(app.store.sync_carrier_tracking().await.unwrap(), 1);
    let s = app.shipment_json(&shipment).await;
    assert_eq!(s["status"], "in_transit");
    assert_eq!(s["timeline"][0]["source"], "simulated");
    assert_eq!(
        s["timeline"][0]["location"], "London, GB",
        "collected in the location's town"
    );
    assert_eq!(
        app.store.sync_carrier_tracking().await.unwrap(),
        0,
        "asked again, nothing new"
    );
    app.clock.advance(SignedDuration::from_hours(24 * 10));
    assert!(app.store.sync_carrier_tracking().await.unwrap() >= 3);
    let s = app.shipment_json(&shipment).await;
    assert_eq!(s["status"], "delivered");
    assert_eq!(
        s["timeline"].as_array().unwrap().last().unwrap()["location"],
        "Leeds, GB"
    );
    assert_eq!(app.order_json(&number).await["status"], "completed");
    app.assert_books_balance().await;
}

both!(
    tracking_events_out_of_order_never_undo_delivery,
    late_scans_only_join_the_timeline_and_exceptions_are_resolved,
    a_late_delivery_is_measured_in_days_against_the_promise,
    tracking_before_shipping_is_recorded_and_late_shipments_are_listed,
    an_easypost_tracker_payload_moves_its_shipment,
    easypost_webhooks_need_easypost_signature_not_an_api_key,
    the_simulated_carrier_reports_a_journey_as_time_passes,
);
