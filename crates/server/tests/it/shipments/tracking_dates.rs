//! Tracking events whose time cannot be right: dated before their shipment shipped, or
//! more than five minutes ahead of the server's clock. Sent alone they are a 422; in a
//! bulk upload they are `refused` while the rest apply; pushed by a carrier they are
//! dropped (and logged) while the webhook still answers 200. None is ever recorded, so
//! none can deliver a parcel, on time or otherwise.

use serde_json::{Value, json};

use super::tracking::{fedex_tracker_update, shipped_with_fedex};
use super::{TUESDAY, UPS_NUMBER};
use crate::both;
use crate::helpers::*;

fn event(status: &str, at: &str) -> Value {
    json!({"status": status, "occurred_at": at, "location": "Leeds"})
}

fn outcomes(results: &Value) -> Vec<(String, String)> {
    results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let note = r["note"].as_str().unwrap_or_default().to_owned();
            (r["outcome"].as_str().unwrap().to_owned(), note)
        })
        .collect()
}

async fn an_event_before_shipping_or_in_the_future_is_refused(app: &TestApp) {
    app.warehouse().await;
    let number = app.place("D-1", &[("TEE", 1)]).await;
    let shipment = app.shipped(&number, UPS_NUMBER).await;
    assert_eq!(
        app.shipment_json(&shipment).await["milestones"]["shipped_at"],
        "2026-11-17T10:00:00Z"
    );
    app.clock.set("2026-11-18T12:00:00Z".parse().unwrap());

    // Delivered an hour before it left, well within its promise: refused, not on time.
    let r = app
        .act(&shipment, "tracking-events", event("delivered", "2026-11-17T09:00:00Z"))
        .await;
    assert_eq!(r.invalid_fields(), ["/occurred_at"]);
    assert_eq!(
        r.body["errors"][0]["message"],
        "is before the shipment shipped (2026-11-17T10:00:00Z)"
    );
    // Six minutes ahead of the clock: refused; four: a carrier's clock, accepted.
    let r = app
        .act(
            &shipment,
            "tracking-events",
            event("in_transit", "2026-11-18T12:06:00Z"),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/occurred_at"]);
    let s = app.shipment_json(&shipment).await;
    assert_eq!(s["status"], "shipped");
    assert!(s["delivery"].is_null(), "{}", s["delivery"]);
    assert!(s["timeline"].as_array().unwrap().is_empty(), "nothing recorded");
    assert_eq!(app.order_json(&number).await["status"], "open");

    let r = app
        .act(
            &shipment,
            "tracking-events",
            event("in_transit", "2026-11-18T12:04:00Z"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["outcome"], "applied");
    // At the very moment it shipped is not before it.
    let r = app
        .act(&shipment, "tracking-events", event("in_transit", TUESDAY))
        .await;
    assert_eq!(r.body["outcome"], "recorded", "{}", r.body);
    app.assert_books_balance().await;
}

async fn a_bulk_upload_refuses_only_its_badly_dated_events(app: &TestApp) {
    app.warehouse().await;
    let first = app.place("D-2", &[("TEE", 1)]).await;
    let second = app.place("D-3", &[("MUG", 1)]).await;
    let one = app.shipped(&first, UPS_NUMBER).await;
    let two = app.shipped(&second, "1Z879E930346834440").await;
    app.clock.set("2026-11-18T12:00:00Z".parse().unwrap());
    let at = |shipment: &str, status: &str, when: &str| {
        let mut e = event(status, when);
        e["shipment"] = json!(shipment);
        e
    };
    let events = json!([
        at(&one, "delivered", "2026-11-16T18:00:00Z"),
        at(&one, "in_transit", "2026-11-17T20:00:00Z"),
        at(&two, "delivered", "2026-11-19T09:00:00Z"),
        at(&two, "out_for_delivery", "2026-11-18T07:30:00Z"),
    ]);
    let r = app.post("/api/v1/tracking-events", json!({"events": events})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = "occurred_at is before the shipment shipped (2026-11-17T10:00:00Z)";
    let future = "occurred_at is in the future (more than 5 minutes ahead of the server's clock)";
    assert_eq!(
        outcomes(&r.body["results"]),
        [
            ("refused".into(), before.into()),
            ("applied".into(), String::new()),
            ("refused".into(), future.into()),
            ("applied".into(), String::new()),
        ]
    );
    assert_eq!(r.body["results"][0]["status"], "shipped", "unmoved");
    assert_eq!(app.shipment_json(&one).await["status"], "in_transit");
    let s = app.shipment_json(&two).await;
    assert_eq!(s["status"], "out_for_delivery");
    assert_eq!(s["timeline"].as_array().unwrap().len(), 1);
    assert!(s["delivery"].is_null());
    app.assert_books_balance().await;
}

async fn a_carrier_s_badly_dated_events_are_dropped_and_the_push_answered(app: &TestApp) {
    // Shipped at 20:00, after FedEx says it picked the parcel up (19:27); asked at noon
    // on 2 August, before its two evening scans that day.
    let shipment = shipped_with_fedex(app, "D-4", "2024-07-31T20:00:00Z").await;
    app.clock.set("2024-08-02T12:00:00Z".parse().unwrap());
    let r = app.post("/api/v1/tracking/easypost", fedex_tracker_update()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let kinds: Vec<String> = outcomes(&r.body["results"]).into_iter().map(|(o, _)| o).collect();
    assert_eq!(
        kinds,
        ["refused", "applied", "applied", "applied", "refused", "refused"]
    );
    let s = app.shipment_json(&shipment).await;
    assert_eq!(s["status"], "in_transit");
    let places: Vec<&str> = s["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        places,
        ["Arrived at FedEx location", "Departed FedEx location", "On the way"]
    );

    // Once the clock has passed them, the same push brings the evening scans in.
    app.clock.set("2024-08-03T00:00:00Z".parse().unwrap());
    let r = app.post("/api/v1/tracking/easypost", fedex_tracker_update()).await;
    let kinds: Vec<String> = outcomes(&r.body["results"]).into_iter().map(|(o, _)| o).collect();
    assert_eq!(
        kinds,
        ["refused", "duplicate", "duplicate", "duplicate", "applied", "applied"]
    );
    app.assert_books_balance().await;
}

both!(
    an_event_before_shipping_or_in_the_future_is_refused,
    a_bulk_upload_refuses_only_its_badly_dated_events,
    a_carrier_s_badly_dated_events_are_dropped_and_the_push_answered,
);
