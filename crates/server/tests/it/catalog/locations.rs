//! Locations through HTTP: creation, reading by id and code, changes, archiving (refused
//! while stock there is reserved), and the fields an invalid location is refused for.

use serde_json::json;

use super::{keys, location_body};
use crate::both;
use crate::helpers::*;

async fn a_location_is_created_and_read_by_id_and_by_code(app: &TestApp) {
    let r = app
        .post(
            "/api/v1/locations",
            json!({
                "code": "LON", "name": "London warehouse", "kind": "warehouse",
                "address": {"name": "Switchyard Ltd", "line1": "2 Dock Road", "city": "London", "postal_code": "e16 1aa", "country": "gb"},
                "latitude": 51.5, "longitude": 0.02,
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert!(id.starts_with("loc_"), "{id}");
    assert_eq!(r.header("location"), Some(format!("/api/v1/locations/{id}").as_str()));
    assert_eq!(r.body["code"], "LON");
    assert_eq!(r.body["kind"], "warehouse");
    assert_eq!(r.body["priority"], 100, "the default priority");
    assert_eq!(r.body["address"]["country"], "GB", "country codes are upper-cased");
    assert_eq!(
        r.body["address"]["postal_code"], "E16 1AA",
        "postal codes are upper-cased"
    );
    assert_eq!(r.body["latitude"], 51.5);

    let by_id = app.get(r.header("location").unwrap()).await;
    assert_eq!(by_id.status, 200, "{}", by_id.body);
    assert_eq!(by_id.body, r.body);
    let by_code = app.get("/api/v1/locations/LON").await;
    assert_eq!(by_code.status, 200, "{}", by_code.body);
    assert_eq!(by_code.body, r.body);

    app.get("/api/v1/locations/NOWHERE").await.problem(404, "not_found");
}

async fn patching_a_location_or_channel_changes_only_the_fields_sent(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    let before = app.get("/api/v1/locations/LON").await.body;
    let r = app
        .patch("/api/v1/locations/LON", json!({"name": "London DC", "priority": 5}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["name"], "London DC");
    assert_eq!(r.body["priority"], 5);
    for unchanged in ["id", "code", "kind", "address", "created_at"] {
        assert_eq!(r.body[unchanged], before[unchanged], "{unchanged} changed");
    }

    app.channel("web", &["LON", "MCR"], "reject").await;
    let before = app.get("/api/v1/channels/web").await.body;
    let r = app
        .patch("/api/v1/channels/web", json!({"shortage_policy": "backorder"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["shortage_policy"], "backorder");
    for unchanged in ["id", "code", "name", "kind", "ship_from"] {
        assert_eq!(r.body[unchanged], before[unchanged], "{unchanged} changed");
    }
    let r = app.patch("/api/v1/channels/web", json!({"ship_from": ["MCR"]})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ship_from"], json!(["MCR"]), "ship_from is replaced");
    assert_eq!(r.body["shortage_policy"], "backorder");

    let r = app
        .patch(
            "/api/v1/channels/web",
            json!({"payment_provider": "test", "capture_mode": "on_placement", "return_window_days": 14,
                   "refund_on": "authorization", "restocking_fee_percent": 10}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for (field, value) in [
        ("payment_provider", json!("test")),
        ("capture_mode", json!("on_placement")),
        ("return_window_days", json!(14)),
        ("refund_on", json!("authorization")),
        ("restocking_fee_percent", json!(10)),
        ("shortage_policy", json!("backorder")),
    ] {
        assert_eq!(r.body[field], value, "{field}");
    }
    let before = r.body;
    let bad = app
        .patch(
            "/api/v1/channels/web",
            json!({"return_window_days": 400, "restocking_fee_percent": 101}),
        )
        .await;
    assert_eq!(bad.invalid_fields(), ["/return_window_days", "/restocking_fee_percent"]);
    assert_eq!(app.get("/api/v1/channels/web").await.body, before);

    let before = app.get("/api/v1/channels/web").await.body;
    let bad = app
        .patch("/api/v1/channels/web", json!({"ship_from": ["NOWHERE"]}))
        .await;
    assert_eq!(bad.invalid_fields(), ["/ship_from/0"]);
    assert_eq!(bad.body["errors"][0]["code"], "unknown_location");
    assert_eq!(app.get("/api/v1/channels/web").await.body, before);

    let before = app.get("/api/v1/locations/MCR").await.body;
    let bad = app
        .patch(
            "/api/v1/locations/MCR",
            json!({"priority": -1, "address": {"country": "GB"}}),
        )
        .await;
    assert_eq!(
        bad.invalid_fields(),
        [
            "/address/name",
            "/address/line1",
            "/address/city",
            "/address/postal_code",
            "/priority"
        ]
    );
    assert_eq!(app.get("/api/v1/locations/MCR").await.body, before);
}

async fn an_invalid_location_names_each_missing_address_field(app: &TestApp) {
    let mut body = location_body("LON");
    body["address"] = json!({"country": "GB"});
    let r = app.post("/api/v1/locations", body).await;
    assert_eq!(
        r.invalid_fields(),
        [
            "/address/name",
            "/address/line1",
            "/address/city",
            "/address/postal_code"
        ]
    );

    let r = app
        .post("/api/v1/locations", json!({"code": "LON", "name": "London"}))
        .await;
    assert_eq!(r.invalid_fields(), ["/kind", "/address"]);

    let mut us = location_body("NYC");
    us["address"] = address("US");
    us["address"].as_object_mut().unwrap().remove("region");
    let r = app.post("/api/v1/locations", us).await;
    assert_eq!(r.invalid_fields(), ["/address/region"], "a US address needs a state");

    let mut body = location_body("LON");
    body["latitude"] = json!(51.5);
    let r = app.post("/api/v1/locations", body).await;
    assert_eq!(r.invalid_fields(), ["/longitude"], "latitude without longitude");

    let mut body = location_body("LON");
    body["latitude"] = json!(95.0);
    body["longitude"] = json!(0.0);
    body["priority"] = json!(-3);
    let r = app.post("/api/v1/locations", body).await;
    assert_eq!(r.invalid_fields(), ["/latitude", "/priority"]);

    assert_eq!(
        keys(app, "/api/v1/locations?include_archived=true", "code").await,
        Vec::<String>::new(),
        "nothing was created"
    );
}

async fn archived_locations_and_channels_are_hidden_unless_asked_for(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    app.channel("web", &["LON"], "reject").await;
    app.channel("pos", &["LON"], "reject").await;

    for _ in 0..2 {
        let r = app.post("/api/v1/locations/MCR/archive", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body["archived_at"].is_string());
        let r = app.post("/api/v1/channels/pos/archive", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body["archived_at"].is_string());
    }
    assert_eq!(keys(app, "/api/v1/locations", "code").await, ["LON"]);
    assert_eq!(
        keys(app, "/api/v1/locations?include_archived=true", "code").await,
        ["LON", "MCR"]
    );
    assert_eq!(keys(app, "/api/v1/channels", "code").await, ["web"]);
    assert_eq!(
        keys(app, "/api/v1/channels?include_archived=true", "code").await,
        ["pos", "web"]
    );

    // An archived location cannot be shipped from.
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "etsy", "name": "Etsy", "kind": "etsy", "ship_from": ["MCR"]}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/ship_from/0"]);
    assert_eq!(r.body["errors"][0]["code"], "archived");
}

async fn archiving_a_location_with_reserved_stock_is_refused(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let placed = app.post("/api/v1/orders", order("web", "1001", &[("TEE", 2)])).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(app.level("TEE", "LON").await, (5, 2, 3));

    let r = app.post("/api/v1/locations/LON/archive", json!({})).await;
    r.problem(409, "location_in_use");
    let lon = app.get("/api/v1/locations/LON").await;
    assert!(lon.body["archived_at"].is_null(), "{}", lon.body);
    assert_eq!(keys(app, "/api/v1/locations", "code").await, ["LON", "MCR"]);

    // Stock on hand that nobody has reserved does not keep a location in use.
    app.receive("MUG", "MCR", 3).await;
    let r = app.post("/api/v1/locations/MCR/archive", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Once the order is cancelled, nothing is reserved and LON can go.
    let id = placed.body["id"].as_str().unwrap();
    let cancelled = app
        .post(&format!("/api/v1/orders/{id}/cancel"), json!({"reason": "test"}))
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let r = app.post("/api/v1/locations/LON/archive", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["archived_at"].is_string());
    app.assert_books_balance().await;
}

both!(
    a_location_is_created_and_read_by_id_and_by_code,
    patching_a_location_or_channel_changes_only_the_fields_sent,
    an_invalid_location_names_each_missing_address_field,
    archived_locations_and_channels_are_hidden_unless_asked_for,
    archiving_a_location_with_reserved_stock_is_refused,
);
