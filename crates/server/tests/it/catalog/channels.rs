//! Channels through HTTP: creation with their defaults, the locations they ship from
//! (unknown, archived, listed twice), and changes to a channel whose list has an archived location.

use serde_json::json;

use super::keys;
use crate::both;
use crate::helpers::*;

async fn a_channel_is_created_and_read_by_id_and_by_code(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "amazon-uk", "name": "Amazon UK", "kind": "amazon", "ship_from": ["MCR", "LON"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert!(id.starts_with("chn_"), "{id}");
    assert_eq!(r.header("location"), Some(format!("/api/v1/channels/{id}").as_str()));
    assert_eq!(r.body["code"], "amazon-uk");
    assert_eq!(r.body["kind"], "amazon");
    assert_eq!(
        r.body["ship_from"],
        json!(["MCR", "LON"]),
        "ship_from keeps the order given"
    );
    assert_eq!(r.body["shortage_policy"], "reject", "the default policy");
    assert_eq!(r.body["payment_provider"], "manual");
    assert_eq!(r.body["capture_mode"], "on_shipment");
    assert_eq!(r.body["return_window_days"], 30);
    assert_eq!(r.body["refund_on"], "receipt");
    assert_eq!(r.body["restocking_fee_percent"], 0);

    let by_id = app.get(r.header("location").unwrap()).await;
    assert_eq!(by_id.status, 200, "{}", by_id.body);
    assert_eq!(by_id.body, r.body);
    let by_code = app.get("/api/v1/channels/amazon-uk").await;
    assert_eq!(by_code.status, 200, "{}", by_code.body);
    assert_eq!(by_code.body, r.body);

    app.get("/api/v1/channels/etsy").await.problem(404, "not_found");
}

async fn a_channel_shipping_from_an_archived_location_can_still_be_changed(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    app.channel("web", &["LON", "MCR"], "reject").await;
    let r = app.post("/api/v1/locations/MCR/archive", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The patch does not mention ship_from, so the archived MCR in it is no reason to refuse.
    let r = app.patch("/api/v1/channels/web", json!({"name": "Web shop"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["name"], "Web shop");
}

async fn a_channel_shipping_from_an_unknown_location_is_refused(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "web", "name": "Web", "kind": "web", "ship_from": ["NOWHERE"]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/ship_from/0"]);
    assert_eq!(r.body["errors"][0]["code"], "unknown_location");

    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "web", "name": "Web", "kind": "web", "ship_from": ["LON", "NOWHERE", "ELSEWHERE"]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/ship_from/1", "/ship_from/2"]);

    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "web", "name": "Web", "kind": "web", "ship_from": ["LON", "LON"]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/ship_from/1"]);
    assert_eq!(r.body["errors"][0]["code"], "duplicate");
    let lon = app.get("/api/v1/locations/LON").await.body["id"].clone();
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "web", "name": "Web", "kind": "web", "ship_from": ["LON", lon]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/ship_from/1"], "once by code and once by id");
    assert_eq!(r.body["errors"][0]["code"], "duplicate");

    let r = app
        .post("/api/v1/channels", json!({"code": "web", "ship_from": ["LON"]}))
        .await;
    assert_eq!(r.invalid_fields(), ["/name", "/kind"]);

    assert_eq!(
        keys(app, "/api/v1/channels?include_archived=true", "code").await,
        Vec::<String>::new(),
        "nothing was created"
    );
}

both!(
    a_channel_is_created_and_read_by_id_and_by_code,
    a_channel_shipping_from_an_archived_location_can_still_be_changed,
    a_channel_shipping_from_an_unknown_location_is_refused,
);
