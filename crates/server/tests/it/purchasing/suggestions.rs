//! Reorder suggestions through HTTP, from a week of steady sales (stored forecasts of
//! a constant demand are that demand, with no error), supplier terms and stock with
//! hand-computed figures: one SKU to order, one over-stocked, one fine; filters,
//! pages, refusals, CSV, and the accepted line posted as it is into a draft.

use jiff::SignedDuration;
use serde_json::{Value, json};

use super::replenishment::terms;
use crate::both;
use crate::helpers::*;

both!(suggestions_say_what_to_order_and_what_is_too_much);

fn close(v: &Value, expected: f64) {
    let actual = v.as_f64().unwrap_or(f64::NAN);
    assert!((actual - expected).abs() < 1e-4, "expected {expected}, got {v}");
}

async fn skus(app: &TestApp, query: &str) -> Vec<String> {
    let r = app.get(&format!("/api/v1/replenishment/suggestions?{query}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    skus_of(&r.body)
}

/// Stock at LON, then 7 days of one order a day (TEE 8, MUG 1, JUG 1) released to LON.
pub(crate) async fn a_week_of_sales(app: &TestApp) {
    app.shop().await;
    app.product("JUG", 2500).await;
    app.receive("TEE", "LON", 150).await;
    app.receive("MUG", "LON", 150).await;
    app.receive("JUG", "LON", 40).await;
    for day in 1..=7 {
        let number = app
            .place(&format!("W-{day}"), &[("TEE", 8), ("MUG", 1), ("JUG", 1)])
            .await;
        app.release(json!({"location": "LON", "orders": [number]})).await;
        app.clock.advance(SignedDuration::from_hours(24));
    }
    app.store.refresh_reports().await.unwrap();
    let r = app.post("/api/v1/forecasts/refresh", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

async fn suggestions_say_what_to_order_and_what_is_too_much(app: &TestApp) {
    a_week_of_sales(app).await;
    // Before any terms: TEE has no supplier to order from, but is still under-stocked.
    let r = app.get("/api/v1/replenishment/suggestions").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"][0]["supplier"], Value::Null);
    terms(app, "TEE", "Oakleaf Textiles", Some(10), 20, 10, Some(300)).await;
    terms(app, "MUG", "Fernhill Ceramics", Some(14), 0, 6, Some(450)).await;

    let r = app.get("/api/v1/replenishment/suggestions").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let data = r.body["data"].as_array().unwrap();
    let order: Vec<(&str, &str)> = data
        .iter()
        .map(|l| (l["sku"].as_str().unwrap(), l["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [("TEE", "under"), ("MUG", "over"), ("JUG", "ok")],
        "most urgent first"
    );

    // TEE sells 8 a day at LON: 80 % of the revenue, class A, planned for 98 % (z =
    // 2.053749). Lead time 10 days as set (spread 2.5), review 7: 17 days, 136 units.
    let tee = &data[0];
    assert_eq!(tee["location"], "LON");
    assert_eq!(tee["demand_source"], "location");
    assert_eq!(tee["abc_class"], "a");
    close(&tee["service_level"], 0.98);
    close(&tee["demand_per_day"], 8.0);
    close(&tee["forecast_demand"], 136.0);
    assert_eq!(
        (&tee["lead_time"]["source"], &tee["lead_time"]["mean_days"]),
        (&json!("set"), &json!(10.0))
    );
    // 150 on hand, 56 reserved for the week's orders: position 94, 11.75 days of cover.
    assert_eq!(
        tee["stock"],
        json!({"on_hand": 150, "reserved": 56, "inbound": 0, "backordered": 0})
    );
    assert_eq!(tee["position"], 94);
    close(&tee["days_of_cover"], 11.75);
    // SS = 2.053749 * sqrt(10 * 0² + 8² * 2.5²) = 41.074978; ROP = 80 + SS; up to
    // ROP + 8 * 7 = 177.074978. 177.07 - 94 = 83.07: 84 units, 9 packs of 10 = 90.
    close(&tee["safety_stock"], 41.074978);
    close(&tee["reorder_point"], 121.074978);
    close(&tee["order_up_to"], 177.074978);
    assert_eq!(tee["reason"], "below_reorder_point");
    assert_eq!(tee["quantity"], 90);
    assert_eq!(tee["supplier"], "Oakleaf Textiles");
    assert_eq!((&tee["unit_cost"], &tee["order_value"]), (&gbp(300), &gbp(27_000)));
    assert_eq!(
        tee["accept"],
        json!({"sku": "TEE", "location": "LON", "quantity": 90, "supplier": "Oakleaf Textiles"})
    );
    // MUG: 1 a day, class B; 150 - 7 = 143 units are 143 days of cover, beyond 90:
    // 143 - 90 = 53 units too many, £4.50 each.
    let mug = &data[1];
    assert_eq!((&mug["abc_class"], &mug["position"]), (&json!("b"), &json!(143)));
    close(&mug["days_of_cover"], 143.0);
    assert_eq!((&mug["quantity"], &mug["accept"]), (&Value::Null, &Value::Null));
    assert_eq!((&mug["excess_units"], &mug["excess_value"]), (&json!(53), &gbp(23_850)));
    // JUG: no terms (the default 14 days, spread 3.5): ROP 14 + 1.644854 * 3.5 = 19.757.
    let jug = &data[2];
    assert_eq!(
        (&jug["reason"], &jug["position"]),
        (&json!("above_reorder_point"), &json!(33))
    );
    assert_eq!(jug["lead_time"]["source"], "default");
    close(&jug["reorder_point"], 19.756988);
    assert_eq!((&jug["excess_units"], &jug["excess_value"]), (&json!(0), &Value::Null));

    assert_eq!(
        r.body["summary"],
        json!({
            "under": 1, "over": 1, "ok": 1,
            "to_order": [{"supplier": "Oakleaf Textiles", "lines": 1, "units": 90, "value": [gbp(27_000)]}],
            "excess_units": 53, "excess_value": [gbp(23_850)],
        })
    );

    // Filters: states as a comma list, location and SKU by code, part of a supplier.
    assert_eq!(skus(app, "state=under").await, ["TEE"]);
    assert_eq!(skus(app, "state=ok,over").await, ["MUG", "JUG"]);
    assert_eq!(skus(app, "location=LON&supplier=fern").await, ["MUG"]);
    assert_eq!(skus(app, "sku=JUG").await, ["JUG"]);
    assert!(skus(app, "location=MCR").await.is_empty());
    let r = app.get("/api/v1/replenishment/suggestions?state=over").await;
    assert_eq!(
        (&r.body["summary"]["under"], &r.body["summary"]["over"]),
        (&json!(0), &json!(1)),
        "the summary adds up what the filters match"
    );

    // The buyer's own target cover: MUG's 143 days are fine against 200; JUG's 33
    // (33 units at 1 a day) are 3 units too many against 30, with no cost to value them.
    assert!(skus(app, "state=over&max_cover_days=200").await.is_empty());
    let r = app
        .get("/api/v1/replenishment/suggestions?sku=JUG&max_cover_days=30")
        .await;
    let jug = &r.body["data"][0];
    assert_eq!(
        (&jug["state"], &jug["excess_units"], &jug["excess_value"]),
        (&json!("over"), &json!(3), &Value::Null)
    );
    // A longer review plans more demand: the order-up-to level rises by the 7 more days.
    let tee = |q: &'static str| async move {
        let r = app.get(&format!("/api/v1/replenishment/suggestions?sku=TEE{q}")).await;
        r.body["data"][0]["order_up_to"].as_f64().unwrap()
    };
    close(&json!(tee("&review_days=14").await - tee("").await), 7.0 * 8.0);

    // Pages of one, in the same order, the summary of all on each.
    let mut seen = Vec::new();
    let mut next = String::from("/api/v1/replenishment/suggestions?limit=1");
    loop {
        let r = app.get(&next).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["summary"]["ok"], 1);
        seen.extend(skus_of(&r.body));
        match r.body["next_cursor"].as_str() {
            Some(c) => next = format!("/api/v1/replenishment/suggestions?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["TEE", "MUG", "JUG"]);
    let first = app.get("/api/v1/replenishment/suggestions?limit=1").await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    app.get(&format!("/api/v1/replenishment/suggestions?state=ok&cursor={cursor}"))
        .await
        .problem(400, "cursor_mismatch");

    // Bad filters are named together; unknown ones by name.
    let r = app
        .get("/api/v1/replenishment/suggestions?state=under,lost&format=svg&sku=no%20sku")
        .await;
    r.problem(422, "validation_failed");
    assert_eq!(r.invalid_fields(), ["state", "sku", "format"]);
    let r = app
        .get("/api/v1/replenishment/suggestions?location=NOPE&sku=NOPE")
        .await;
    assert_eq!(r.invalid_fields(), ["location", "sku"]);
    assert_eq!(r.body["errors"][0]["code"], "unknown_location");
    let r = app
        .get("/api/v1/replenishment/suggestions?review_days=0&max_cover_days=lots")
        .await;
    assert_eq!(r.invalid_fields(), ["review_days", "max_cover_days"]);

    // CSV: every line, a header first.
    let r = app
        .get("/api/v1/replenishment/suggestions?format=csv&state=under")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    let mut rows = r.text.lines();
    assert_eq!(
        rows.next(),
        Some(
            "sku,location,state,reason,quantity,supplier,unit_cost,order_value,excess_units,excess_value,currency,\
             on_hand,reserved,inbound,backordered,position,demand_source,demand_per_day,forecast_demand,\
             lead_time_days,lead_time_source,abc_class,service_level,safety_stock,reorder_point,order_up_to,\
             days_of_cover"
        )
    );
    assert_eq!(
        rows.next(),
        Some(
            "TEE,LON,under,below_reorder_point,90,Oakleaf Textiles,300,27000,0,,GBP,150,56,0,0,94,location,8.000,\
             136.000,10.0,set,a,0.9800,41.075,121.075,177.075,11.8"
        )
    );
    assert_eq!(rows.next(), None);

    // The accepted lines, posted as they came, become a draft; a draft is not inbound,
    // so TEE is still to order.
    let under = app.get("/api/v1/replenishment/suggestions?state=under").await;
    let accepted: Vec<Value> = under.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["accept"].clone())
        .collect();
    let r = app
        .post("/api/v1/replenishment/purchase-orders", json!({"lines": accepted}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let draft = &r.body[0];
    assert_eq!(
        (&draft["status"], &draft["supplier"]["name"], &draft["location"]),
        (&json!("draft"), &json!("Oakleaf Textiles"), &json!("LON"))
    );
    assert_eq!(
        (
            &draft["lines"][0]["sku"],
            &draft["lines"][0]["quantity"],
            &draft["lines"][0]["unit_cost"]
        ),
        (&json!("TEE"), &json!(90), &gbp(300))
    );
    assert_eq!(skus(app, "state=under").await, ["TEE"]);
    // Submitted, it is inbound: 94 + 90 = 184 is above the reorder point, and not
    // beyond 90 days of cover: nothing to do.
    let number = draft["number"].as_str().unwrap();
    let r = app
        .post(&format!("/api/v1/purchase-orders/{number}/submit"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.get("/api/v1/replenishment/suggestions?sku=TEE").await;
    let tee = &r.body["data"][0];
    assert_eq!((&tee["state"], &tee["position"]), (&json!("ok"), &json!(184)));
    assert_eq!(tee["stock"]["inbound"], 90);
    app.assert_books_balance().await;
}

fn skus_of(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["sku"].as_str().unwrap().to_owned())
        .collect()
}
