//! The standards a request is held to: ISO 4217 currencies with their real minor units,
//! ISO 3166 countries wherever an address or a zone names one, and a location's time
//! zone named or derived from a country that keeps one clock.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;
use crate::shipments::TUESDAY;

fn money(amount: i64, currency: &str) -> Value {
    json!({"amount": amount, "currency": currency})
}

/// An order of one TEE at `price` in `currency`, without tax or shipping.
fn order_in(external_id: &str, currency: &str, price: i64) -> Value {
    let mut body = order("pos", external_id, &[("TEE", 1)]);
    body["currency"] = json!(currency);
    body["lines"][0]["unit_price"] = money(price, currency);
    body["lines"][0]["tax"] = money(0, currency);
    body["shipping"] = json!({"amount": money(0, currency), "tax": money(0, currency)});
    body
}

/// The amount the order's payment-captured event says was captured.
async fn captured(app: &TestApp, order: &Value) -> String {
    let number = order["number"].as_str().unwrap();
    let o = app.get(&format!("/api/v1/orders/{number}")).await;
    let event = o.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "order.payment_captured")
        .unwrap_or_else(|| panic!("no capture on {}", o.body))
        .clone();
    let message = event["message"].as_str().unwrap();
    let (amount, _) = message.split_once(" (").unwrap_or((message, ""));
    amount.to_owned()
}

async fn currencies_are_iso_4217_ones_a_price_can_be_given_in(app: &TestApp) {
    app.clock.set(TUESDAY.parse().unwrap());
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let till = json!({"code": "pos", "name": "pos", "kind": "web", "ship_from": ["LON"],
                      "payment_provider": "manual", "capture_mode": "on_placement"});
    let r = app.post("/api/v1/channels", till).await;
    assert_eq!(r.status, 201, "{}", r.body);

    // Not a code, no currency, a fund, a metal: refused wherever money is given.
    for code in ["ZZZ", "XXX", "CLF", "XAU", "USN"] {
        let product = json!({"sku": format!("P-{code}"), "title": "Cup", "price": money(100, code)});
        let r = app.post("/api/v1/products", product).await;
        assert_eq!(r.invalid_fields(), ["/price/currency"], "{code}");
        let mut body = order("pos", &format!("Z-{code}"), &[("TEE", 1)]);
        body["lines"][0]["unit_price"] = money(1800, code);
        let r = app.post("/api/v1/orders", body.clone()).await;
        assert_eq!(r.invalid_fields(), ["/lines/0/unit_price/currency"], "{code}");
        body["lines"][0]["unit_price"] = gbp(1800);
        body["currency"] = json!(code);
        let r = app.post("/api/v1/orders", body).await;
        assert_eq!(r.invalid_fields(), ["/currency"], "{code}");
    }
    assert_eq!(app.order_count().await, 0);

    // Yen have no minor unit, Bahraini dinars three: 1250 is ¥1250 and BD 1.250.
    let o = app.post("/api/v1/orders", order_in("J-1", "JPY", 1250)).await;
    assert_eq!(o.status, 201, "{}", o.body);
    assert_eq!(o.body["totals"]["total"], money(1250, "JPY"));
    assert_eq!(captured(app, &o.body).await, "Captured 1250 JPY");
    let o = app.post("/api/v1/orders", order_in("B-1", "bhd", 1250)).await;
    assert_eq!(o.status, 201, "{}", o.body);
    assert_eq!(o.body["totals"]["total"], money(1250, "BHD"));
    assert_eq!(captured(app, &o.body).await, "Captured 1.250 BHD");

    // The largest amount is the same number of minor units, shown in each one's units.
    let too_much =
        |code: &str| json!({"sku": format!("BIG-{code}"), "title": "Car", "price": money(1_000_000_000_001, code)});
    let r = app.post("/api/v1/products", too_much("JPY")).await;
    assert_eq!(r.invalid_fields(), ["/price"]);
    assert_eq!(r.body["errors"][0]["message"], "must be at most 1000000000000 JPY");
    let r = app.post("/api/v1/products", too_much("KWD")).await;
    assert_eq!(r.body["errors"][0]["message"], "must be at most 1000000000.000 KWD");
    app.assert_books_balance().await;
}

async fn countries_are_iso_3166_codes_wherever_one_is_named(app: &TestApp) {
    app.shop().await;
    let mut zz = address("GB");
    zz["country"] = json!("ZZ");

    let location = json!({"code": "ZZZ", "name": "Nowhere", "kind": "warehouse", "address": zz,
                          "timezone": "Europe/London"});
    let r = app.post("/api/v1/locations", location).await;
    assert_eq!(r.invalid_fields(), ["/address/country"]);
    let r = app.patch("/api/v1/locations/LON", json!({"address": zz})).await;
    assert_eq!(r.invalid_fields(), ["/address/country"]);

    let mut body = order("web", "ZZ-1", &[("TEE", 1)]);
    body["shipping_address"] = zz.clone();
    let r = app.post("/api/v1/orders", body).await;
    assert_eq!(r.invalid_fields(), ["/shipping_address/country"]);

    let zone = json!([{"country": "ZZ", "service_level": "standard", "cost_per_shipment": gbp(400),
                       "cost_per_kg": gbp(0), "transit_days": 2}]);
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/locations/LON/zones",
            Some(&app.admin),
            Some(&zone),
            &[],
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/0/country"]);

    let simulation = json!({"channel": "web", "destination": {"country": "ZZ", "postal_code": "LS1 4AP"},
                            "lines": [{"sku": "TEE", "quantity": 1}]});
    let r = app.post("/api/v1/routing/simulate", simulation).await;
    assert_eq!(r.invalid_fields(), ["/destination/country"]);

    let r = app.get("/api/v1/locations/LON").await;
    assert_eq!(r.body["address"]["country"], "GB", "nothing changed");
    assert_eq!(app.order_count().await, 0);
}

async fn a_location_time_zone_is_named_or_its_country_s_only_one(app: &TestApp) {
    let site = |code: &str, country: &str| json!({"code": code, "name": code, "kind": "warehouse", "address": address(country)});
    // One clock in Great Britain and Germany: derived.
    let r = app.post("/api/v1/locations", site("LON", "GB")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["timezone"], "Europe/London");
    let r = app.post("/api/v1/locations", site("BER", "DE")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["timezone"], "Europe/Berlin");

    // Several in the United States: it must be named.
    let r = app.post("/api/v1/locations", site("NYC", "US")).await;
    assert_eq!(r.invalid_fields(), ["/timezone"]);
    assert_eq!(
        r.body["errors"][0]["message"],
        "is required for locations in US, which has more than one time zone"
    );
    let mut named = site("NYC", "US");
    named["timezone"] = json!("America/New_York");
    let r = app.post("/api/v1/locations", named).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["timezone"], "America/New_York");

    // A named zone wins over the country's, and a change keeps the zone it had.
    let mut utc = site("MAN", "GB");
    utc["timezone"] = json!("UTC");
    let r = app.post("/api/v1/locations", utc).await;
    assert_eq!(r.body["timezone"], "UTC", "{}", r.body);
    let r = app.patch("/api/v1/locations/BER", json!({"name": "Berlin DC"})).await;
    assert_eq!(r.body["timezone"], "Europe/Berlin", "{}", r.body);
    let r = app.get("/api/v1/locations?limit=10").await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 4, "NYC once");
}

both!(
    currencies_are_iso_4217_ones_a_price_can_be_given_in,
    countries_are_iso_3166_codes_wherever_one_is_named,
    a_location_time_zone_is_named_or_its_country_s_only_one,
);
