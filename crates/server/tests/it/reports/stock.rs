//! Stored forecasts (kits through their components, made once a day by the sweep and
//! on demand) and the stock-per-location report, with hand-computed figures.

use jiff::SignedDuration;
use serde_json::{Value, json};
use switchyard_core::forecast::forecast;

use crate::both;
use crate::helpers::*;

both!(forecasts_and_the_stock_report);

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-6)
}

/// The mean daily demand over the first 28 days of the forecast of `history`.
fn cover_demand(history: &[f64]) -> f64 {
    let f = forecast(history, 56);
    f.days[..28].iter().map(|d| d.mean).sum::<f64>() / 28.0
}

fn row<'a>(report: &'a Value, sku: &str, location: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sku"] == sku && r["location"] == location)
        .unwrap_or_else(|| panic!("no row {sku} at {location}: {report}"))
}

async fn forecasts_and_the_stock_report(app: &TestApp) {
    app.shop().await;
    app.location("NYC", "US", 30).await;
    app.product("BOX", 3000).await;
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/products/BOX/components",
            Some(&app.admin),
            Some(&json!([{"sku": "MUG", "quantity": 2}])),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            "/api/v1/products",
            json!({"sku": "OLD", "title": "Old stock", "price": {"amount": 900, "currency": "GBP"},
                   "cost": {"amount": 300, "currency": "GBP"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // Day 1: stock in; 2 TEE released to LON; a BOX (2 MUG) not released.
    app.receive("TEE", "LON", 20).await;
    app.receive("MUG", "LON", 20).await;
    app.receive("TEE", "NYC", 55).await;
    app.receive("OLD", "NYC", 5).await;
    let first = app.place("F-1", &[("TEE", 2)]).await;
    app.packed(&first).await;
    app.place("F-2", &[("BOX", 1)]).await;
    // Day 2: 1 TEE, not released.
    app.clock.advance(SignedDuration::from_hours(24));
    app.place("F-3", &[("TEE", 1)]).await;
    // Day 3: forecasts read days 1 and 2.
    app.clock.advance(SignedDuration::from_hours(24));
    app.store.refresh_reports().await.unwrap();
    let today = app.store.report_today().await.unwrap();

    let r = app.post("/api/v1/forecasts/refresh", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // TEE everywhere and at LON; MUG everywhere only (it never shipped); no BOX.
    assert_eq!(r.body, json!({"skus": 2, "forecasts": 3}));

    // MUG's history is the BOX's 2 units on day 1 and none on day 2.
    let r = app.get("/api/v1/forecasts?sku=MUG").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["history_days"], 2);
    assert_eq!(r.body["location"], Value::Null);
    let days = r.body["days"].as_array().unwrap();
    assert_eq!(days.len(), 56);
    assert_eq!(days[0]["day"], today.to_string(), "from the day after the history");
    let expected = forecast(&[2.0, 0.0], 56);
    assert_eq!(r.body["method"], expected.method.as_str());
    assert!(close(&days[0]["mean"], expected.days[0].mean), "{}", days[0]);
    assert!(close(&days[0]["hi95"], expected.days[0].hi95), "{}", days[0]);
    // TEE at LON: 2 shipped on day 1, day 2's unshipped unit all LON's (its only shipper).
    let r = app.get("/api/v1/forecasts?sku=TEE&location=LON").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["location"], "LON");
    let expected = forecast(&[2.0, 1.0], 56);
    assert!(
        close(&r.body["days"][0]["mean"], expected.days[0].mean),
        "{}",
        r.body["days"][0]
    );
    assert_eq!(
        app.get("/api/v1/forecasts?sku=BOX").await.status,
        404,
        "a kit has no forecast"
    );
    assert_eq!(app.get("/api/v1/forecasts?sku=OLD").await.status, 404, "never sold");
    assert_eq!(app.get("/api/v1/forecasts?sku=MUG&location=LON").await.status, 404);
    let r = app.get("/api/v1/forecasts?location=NOPE").await;
    r.problem(422, "validation_failed");
    assert_eq!(r.invalid_fields(), vec!["sku".to_owned()]);

    // The sweep's refresh runs once per seller day: not again today, once tomorrow.
    assert_eq!(app.store.refresh_forecasts_if_due().await.unwrap(), None);

    // The report on day 3, stock dead after 2 days without a sale.
    let r = app.get("/api/v1/reports/stock?dead_days=2").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let report = &r.body;
    assert_eq!(report["rows"].as_array().unwrap().len(), 4, "{report}");
    // TEE at LON: 20 on hand, 3 reserved (F-1's 2, F-3's 1), no cost, received 2 days ago,
    // sold yesterday; 17 available over the LON forecast's daily demand.
    let tee = row(report, "TEE", "LON");
    assert_eq!(
        (
            &tee["on_hand"],
            &tee["reserved"],
            &tee["available"],
            &tee["inbound"],
            &tee["quarantined"]
        ),
        (&json!(20), &json!(3), &json!(17), &json!(0), &json!(0))
    );
    assert_eq!(tee["stock_value"], Value::Null);
    assert_eq!(tee["days_since_receipt"], 2);
    assert_eq!(tee["dead_stock"], false);
    let demand = cover_demand(&[2.0, 1.0]);
    assert!(close(&tee["daily_demand"], demand), "{tee}");
    assert!(close(&tee["days_of_cover"], 17.0 / demand), "{tee}");
    // MUG: 2 reserved for the BOX; no per-location demand, so no cover; last sold (in
    // the BOX) two days ago: dead after 2 days.
    let mug = row(report, "MUG", "LON");
    assert_eq!((&mug["reserved"], &mug["available"]), (&json!(2), &json!(18)));
    assert_eq!(mug["days_of_cover"], Value::Null);
    assert_eq!(mug["dead_stock"], true);
    // OLD: 5 × £3.00 at cost, never sold, received 2 days ago: dead.
    let old = row(report, "OLD", "NYC");
    assert_eq!(old["stock_value"], json!({"amount": 1500, "currency": "GBP"}));
    assert_eq!(old["dead_stock"], true);
    assert_eq!(row(report, "TEE", "NYC")["dead_stock"], false);
    // Shares: 40 of 100 units on hand at LON, which shipped all (2) of the units shipped.
    let locations = report["locations"].as_array().unwrap();
    let lon = locations.iter().find(|l| l["location"] == "LON").unwrap();
    let nyc = locations.iter().find(|l| l["location"] == "NYC").unwrap();
    assert_eq!((&lon["on_hand"], &lon["demand_units"]), (&json!(40), &json!(2)));
    assert!(
        close(&lon["stock_share"], 0.4) && close(&lon["demand_share"], 1.0),
        "{lon}"
    );
    assert!(
        close(&nyc["stock_share"], 0.6) && close(&nyc["demand_share"], 0.0),
        "{nyc}"
    );
    assert_eq!(nyc["stock_value"], json!([{"amount": 1500, "currency": "GBP"}]));
    // Countries: every unit ordered (2 + 1 BOX + 1) went to GB, which holds 40 %.
    let countries = report["countries"].as_array().unwrap();
    let gb = countries.iter().find(|c| c["country"] == "GB").unwrap();
    let us = countries.iter().find(|c| c["country"] == "US").unwrap();
    assert_eq!((&gb["demand_units"], &gb["stock_units"]), (&json!(4), &json!(40)));
    assert!(
        close(&gb["demand_share"], 1.0) && close(&gb["stock_share"], 0.4),
        "{gb}"
    );
    assert!(
        close(&us["demand_share"], 0.0) && close(&us["stock_share"], 0.6),
        "{us}"
    );
    // With 3 days, MUG (sold 2 days ago) is not dead.
    let r = app.get("/api/v1/reports/stock?dead_days=3&location=LON").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["rows"].as_array().unwrap().len(), 2);
    assert_eq!(row(&r.body, "MUG", "LON")["dead_stock"], false);

    // CSV: a header and one row per SKU × location (dead after the default 90 days:
    // not yet); SVG: a chart.
    let r = app.get("/api/v1/reports/stock?format=csv&sku=OLD").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.text,
        "sku,location,country,on_hand,reserved,available,inbound,quarantined,stock_value,currency,daily_demand,\
         days_of_cover,days_since_receipt,dead_stock\nOLD,NYC,US,5,0,5,0,0,1500,GBP,,,2,false\n"
    );
    let r = app.get("/api/v1/reports/stock?format=svg").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("<svg"), "{}", r.text);
    // Bad parameters are named together.
    let r = app
        .get("/api/v1/reports/stock?dead_days=0&from=soon&location=NOPE")
        .await;
    r.problem(422, "validation_failed");
    let mut fields = r.invalid_fields();
    fields.sort();
    assert_eq!(fields, vec!["dead_days".to_owned(), "from".to_owned()]);

    // Tomorrow the sweep makes them once.
    app.clock.advance(SignedDuration::from_hours(24));
    let done = app.store.refresh_forecasts_if_due().await.unwrap().unwrap();
    assert_eq!(done.skus, 2);
    assert_eq!(app.store.refresh_forecasts_if_due().await.unwrap(), None);
}
