//! The channel performance and time-of-order reports over a small fixed data set,
//! placed on chosen days and hours of the seller's clock (Europe/London), against
//! figures worked out by hand.
//!
//! Current period: Mon 2 – Sun 15 November 2026 (GMT). Previous period of equal
//! length: 19 October – 1 November, across the clocks going back on Sun 25 October.
//!
//! | order | channel | placed (UTC)      | London         | lines             |
//! |-------|---------|-------------------|----------------|-------------------|
//! | A     | web     | 2 Nov 10:15       | Mon 10:15      | 2 TEE, −£3 disc.  |
//! | B     | web     | 3 Nov 10:45       | Tue 10:45      | 1 TEE, cancelled  |
//! | C     | amazon  | 9 Nov 20:30       | Mon 20:30      | 3 TEE, shipped UPS from LON |
//! | D     | web     | 11 Nov 09:00      | Wed 09:00      | 1 TEE in EUR      |
//! | E     | web     | 24 Oct 23:30      | Sun 25 00:30 BST | 1 TEE           |
//! | F     | web     | 25 Oct 00:30      | Sun 01:30 BST  | 1 TEE             |
//! | G     | amazon  | 25 Oct 01:30      | Sun 01:30 GMT  | 2 TEE             |

use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

both!(
    channel_performance_per_bucket_channel_and_currency_against_the_previous_period,
    channel_performance_filters_csv_svg_and_bad_parameters,
    time_of_order_grid_daily_peaks_and_the_autumn_change,
);

const CURRENT: &str = "from=2026-11-02&to=2026-11-15";

/// Places an order of `quantity` TEE at £18 (or €18) on `channel` at `at`.
async fn order_at(
    app: &TestApp,
    id: &str,
    channel: &str,
    at: &str,
    quantity: i64,
    discount: i64,
    currency: &str,
) -> String {
    let mut body = order(channel, id, &[("TEE", quantity)]);
    body["placed_at"] = json!(at);
    body["lines"][0]["discount"] = json!({"amount": discount, "currency": currency});
    if currency != "GBP" {
        body["currency"] = json!(currency);
        body["lines"][0]["unit_price"]["currency"] = json!(currency);
        body["lines"][0]["tax"]["currency"] = json!(currency);
        body["shipping"] =
            json!({"amount": {"amount": 399, "currency": currency}, "tax": {"amount": 80, "currency": currency}});
    }
    let r = app.post("/api/v1/orders", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["number"].as_str().unwrap().to_owned()
}

async fn data_set(app: &TestApp) {
    app.clock.set("2026-11-20T12:00:00Z".parse().unwrap());
    app.store.set_report_time_zone("Europe/London").await.unwrap();
    app.shop().await;
    app.receive("TEE", "LON", 100).await;
    order_at(app, "A", "web", "2026-11-02T10:15:00Z", 2, 300, "GBP").await;
    let b = order_at(app, "B", "web", "2026-11-03T10:45:00Z", 1, 0, "GBP").await;
    let c = order_at(app, "C", "amazon", "2026-11-09T20:30:00Z", 3, 0, "GBP").await;
    order_at(app, "D", "web", "2026-11-11T09:00:00Z", 1, 0, "EUR").await;
    order_at(app, "E", "web", "2026-10-24T23:30:00Z", 1, 0, "GBP").await;
    order_at(app, "F", "web", "2026-10-25T00:30:00Z", 1, 0, "GBP").await;
    order_at(app, "G", "amazon", "2026-10-25T01:30:00Z", 2, 0, "GBP").await;
    let r = app.post(&format!("/api/v1/orders/{b}/cancel"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.shipped(&c, "1Z5R89390357567127").await;
    app.store.refresh_reports().await.unwrap();
}

async fn report(app: &TestApp, path: &str) -> Value {
    let r = app.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body
}

/// The entry of `list` whose `key` is `value`.
fn find<'a>(list: &'a Value, key: &str, value: Value) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value} in {list}"))
}

fn change<'a>(total: &'a Value, metric: &str) -> &'a Value {
    find(&total["changes"], "metric", json!(metric))
}

async fn channel_performance_per_bucket_channel_and_currency_against_the_previous_period(app: &TestApp) {
    data_set(app).await;
    let r = report(app, &format!("/api/v1/reports/channel-performance?{CURRENT}")).await;
    assert_eq!(
        (&r["previous_from"], &r["previous_to"], &r["bucket"], &r["source"]),
        (
            &json!("2026-10-19"),
            &json!("2026-11-01"),
            &json!("day"),
            &json!("orders")
        )
    );
    assert_eq!(r["buckets"].as_array().unwrap().len(), 14);

    // GBP overall: A + B + C. Gross 3600 + 1800 + 5400; B cancelled whole (1800);
    // discount 300; net 3300 + 0 + 5400.
    let gbp = find(&r["totals"], "currency", json!("GBP"));
    let cur = &gbp["current"];
    assert_eq!(
        [
            &cur["orders"],
            &cur["units"],
            &cur["gross"],
            &cur["discount"],
            &cur["net"],
            &cur["refunded"]
        ],
        [
            &json!(3),
            &json!(6),
            &json!(10800),
            &json!(300),
            &json!(8700),
            &json!(0)
        ]
    );
    assert_eq!(cur["average_order_value"], 2900, "8700 / 3");
    assert_eq!(cur["discount_share"], 0.0278, "300 / 10800");
    assert_eq!(cur["cancellation_rate"], 0.3333, "1 of 3");
    assert_eq!(cur["return_rate"], 0.0);
    assert_eq!(cur["revenue"], Value::Null, "a SKU figure");
    // Previous: E, F, G: 4 units, all £18.
    let prev = &gbp["previous"];
    assert_eq!(
        [
            &prev["orders"],
            &prev["units"],
            &prev["gross"],
            &prev["net"],
            &prev["cancellation_rate"]
        ],
        [&json!(3), &json!(4), &json!(7200), &json!(7200), &json!(0.0)]
    );
    let net = change(gbp, "net");
    assert_eq!(
        (net["absolute"].as_f64(), net["relative"].as_f64()),
        (Some(1500.0), Some(0.2083))
    );
    let orders = change(gbp, "orders");
    assert_eq!(
        (orders["absolute"].as_f64(), orders["relative"].as_f64()),
        (Some(0.0), Some(0.0))
    );
    let units = change(gbp, "units");
    assert_eq!(
        (units["absolute"].as_f64(), units["relative"].as_f64()),
        (Some(2.0), Some(0.5))
    );
    let cancel = change(gbp, "cancellation_rate");
    assert_eq!(cancel["absolute"].as_f64(), Some(0.3333));
    assert_eq!(cancel["relative"], Value::Null, "nothing to divide by");

    // EUR is never added to GBP: D alone, nothing before.
    let eur = find(&r["totals"], "currency", json!("EUR"));
    assert_eq!(
        (&eur["current"]["orders"], &eur["current"]["gross"]),
        (&json!(1), &json!(1800))
    );
    assert_eq!(eur["previous"]["orders"], 0);
    assert_eq!(change(eur, "gross")["relative"], Value::Null);
    assert_eq!(r["totals"].as_array().unwrap().len(), 2);

    // Per channel: web GBP (A, B against E, F) and amazon GBP (C against G).
    let web = r["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["channel"] == "web" && t["currency"] == "GBP")
        .unwrap();
    assert_eq!(
        [
            &web["current"]["orders"],
            &web["current"]["net"],
            &web["current"]["average_order_value"],
            &web["current"]["cancellation_rate"]
        ],
        [&json!(2), &json!(3300), &json!(1650), &json!(0.5)]
    );
    assert_eq!(web["previous"]["net"], 3600);
    assert_eq!(change(web, "net")["relative"], -0.0833, "(3300 − 3600) / 3600");
    let amazon = find(&r["channels"], "channel", json!("amazon"));
    assert_eq!(
        (&amazon["current"]["gross"], &amazon["previous"]["gross"]),
        (&json!(5400), &json!(3600))
    );
    assert_eq!(
        r["channels"].as_array().unwrap().len(),
        3,
        "web GBP, web EUR, amazon GBP"
    );

    // Daily rows: one per day, channel and currency with orders.
    let days: Vec<(&str, &str, &str)> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["start"].as_str().unwrap(),
                row["channel"].as_str().unwrap(),
                row["currency"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            ("2026-11-02", "web", "GBP"),
            ("2026-11-03", "web", "GBP"),
            ("2026-11-09", "amazon", "GBP"),
            ("2026-11-11", "web", "EUR")
        ]
    );

    // Weeks from Monday: A and B in the week of 2 Nov; C and D in the week of 9 Nov.
    let w = report(
        app,
        &format!("/api/v1/reports/channel-performance?{CURRENT}&bucket=week"),
    )
    .await;
    assert_eq!(w["buckets"], json!(["2026-11-02", "2026-11-09"]));
    let first = &w["rows"][0];
    assert_eq!(
        (&first["start"], &first["channel"]),
        (&json!("2026-11-02"), &json!("web"))
    );
    assert_eq!(
        [
            &first["figures"]["orders"],
            &first["figures"]["units"],
            &first["figures"]["gross"],
            &first["figures"]["net"]
        ],
        [&json!(2), &json!(3), &json!(5400), &json!(3300)]
    );
    assert_eq!(w["rows"].as_array().unwrap().len(), 3);

    // Months: the period of October 19 – November 15 starts a bucket on its first day
    // and another on 1 November.
    let m = report(
        app,
        "/api/v1/reports/channel-performance?from=2026-10-19&to=2026-11-15&bucket=month",
    )
    .await;
    assert_eq!(m["buckets"], json!(["2026-10-19", "2026-11-01"]));
    let october = m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["start"] == "2026-10-19")
        .map(|row| row["figures"]["orders"].as_i64().unwrap())
        .sum::<i64>();
    assert_eq!(october, 3, "E on 25 October in London (24 October in UTC), F and G");
}

async fn channel_performance_filters_csv_svg_and_bad_parameters(app: &TestApp) {
    data_set(app).await;
    let base = format!("/api/v1/reports/channel-performance?{CURRENT}");
    // Channel: amazon only.
    let r = report(app, &format!("{base}&channel=amazon")).await;
    assert_eq!(r["totals"].as_array().unwrap().len(), 1);
    assert_eq!(
        (&r["totals"][0]["current"]["net"], &r["totals"][0]["previous"]["net"]),
        (&json!(5400), &json!(3600))
    );
    // Location and carrier are the first shipment's: only C shipped (LON, UPS).
    for filter in ["location=LON", "carrier=ups"] {
        let r = report(app, &format!("{base}&{filter}")).await;
        let totals = r["totals"].as_array().unwrap();
        assert_eq!(totals.len(), 1, "{filter}");
        assert_eq!(
            (&totals[0]["current"]["orders"], &totals[0]["current"]["units"]),
            (&json!(1), &json!(3)),
            "{filter}"
        );
        assert_eq!(totals[0]["previous"]["orders"], 0, "{filter}: nothing shipped before");
    }
    assert_eq!(report(app, &format!("{base}&carrier=dpd")).await["rows"], json!([]));

    // SKU: the SKU's lines. GBP: A 3300 after its discount, B 1800 (cancelled, still
    // counted), C 5400.
    let r = report(app, &format!("{base}&sku=TEE")).await;
    assert_eq!(r["source"], "sku");
    let gbp = find(&r["totals"], "currency", json!("GBP"));
    assert_eq!(
        [
            &gbp["current"]["orders"],
            &gbp["current"]["units"],
            &gbp["current"]["revenue"],
            &gbp["current"]["cancelled_units"],
            &gbp["current"]["returned_units"]
        ],
        [&json!(3), &json!(6), &json!(10500), &json!(1), &json!(0)]
    );
    assert_eq!(
        (&gbp["current"]["net"], &gbp["current"]["cancellation_rate"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(gbp["previous"]["revenue"], 7200);
    assert_eq!(report(app, &format!("{base}&sku=MUG")).await["rows"], json!([]));

    // CSV: a row per bucket × channel × currency, money in major units.
    let r = app
        .client
        .get(format!("{}{base}&bucket=week&format=csv", app.base))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines,
        [
            "bucket,channel,currency,orders,units,gross,discount,net,refunded,average_order_value,discount_share,cancellation_rate,return_rate,revenue,cancelled_units,returned_units",
            "2026-11-02,web,GBP,2,3,54.00,3.00,33.00,0.00,16.50,0.0556,0.5,0,,,",
            "2026-11-09,amazon,GBP,1,3,54.00,0.00,54.00,0.00,54.00,0,0,0,,,",
            "2026-11-09,web,EUR,1,1,18.00,0.00,18.00,0.00,18.00,0,0,0,,,",
        ]
    );

    // SVG: orders per channel (two currencies), with the previous period's line.
    let r = app
        .client
        .get(format!("{}{base}&bucket=week&format=svg", app.base))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let svg = r.text().await.unwrap();
    for text in ["Orders per week", "web", "amazon", "previous period", "2026-11-09"] {
        assert!(svg.contains(text), "{text} missing");
    }
    let gbp_only = app
        .client
        .get(format!("{}{base}&channel=amazon&format=svg", app.base))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert!(gbp_only.text().await.unwrap().contains("Net revenue per day (GBP)"));

    // Bad parameters: 422 naming each, nothing else.
    for (query, field) in [
        ("bucket=year", "bucket"),
        ("from=2026-11-16&to=2026-11-15", "from"),
        ("to=15/11/2026", "to"),
        ("channel=ebay", "channel"),
        ("sku=NOPE", "sku"),
        ("sku=TEE&carrier=ups", "carrier"),
        ("format=pdf", "format"),
    ] {
        let r = app.get(&format!("/api/v1/reports/channel-performance?{query}")).await;
        assert_eq!(r.invalid_fields(), [field], "{query}: {}", r.body);
    }
}

async fn time_of_order_grid_daily_peaks_and_the_autumn_change(app: &TestApp) {
    data_set(app).await;
    let base = "/api/v1/reports/time-of-order?from=2026-10-19&to=2026-11-15";
    let r = report(app, base).await;
    assert_eq!((&r["time_zone"], &r["orders"]), (&json!("Europe/London"), &json!(7)));
    let mut expected = vec![vec![0; 24]; 7];
    expected[0][10] = 1; // A, Mon 10:15
    expected[0][20] = 1; // C, Mon 20:30
    expected[1][10] = 1; // B, Tue 10:45
    expected[2][9] = 1; // D, Wed 09:00
    expected[6][0] = 1; // E, 23:30 UTC Saturday is 00:30 BST Sunday
    expected[6][1] = 2; // F at 01:30 BST and G at 01:30 GMT: the hour that happens twice
    assert_eq!(r["grid"], json!(expected));
    assert_eq!(r["weekdays"], json!(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]));

    // Daily: 28 days; 25 October has 3 orders over a baseline of 0 (a peak: ≥ 1.5 × 0
    // and ≥ 0 + 3); 2 November has 1 over a baseline of 0 (not 3 more).
    let daily = r["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 28);
    let day = |d: &str| find(&r["daily"], "day", json!(d)).clone();
    assert_eq!(
        (
            day("2026-10-24")["orders"].as_i64(),
            day("2026-10-25")["orders"].as_i64()
        ),
        (Some(0), Some(3))
    );
    assert_eq!(day("2026-10-25")["peak"], true);
    assert_eq!(
        day("2026-11-01")["baseline"],
        0.4286,
        "the 3 orders of 25 October over 7 days"
    );
    let peaks: Vec<&str> = daily
        .iter()
        .filter(|d| d["peak"] == true)
        .map(|d| d["day"].as_str().unwrap())
        .collect();
    assert_eq!(peaks, ["2026-10-25"]);

    // Per channel, and by carrier (the first shipment's).
    let amazon = report(app, &format!("{base}&channel=amazon")).await;
    assert_eq!(
        (&amazon["orders"], &amazon["grid"][6][1], &amazon["grid"][0][20]),
        (&json!(2), &json!(1), &json!(1))
    );
    let ups = report(app, &format!("{base}&carrier=ups")).await;
    assert_eq!((&ups["orders"], &ups["grid"][0][20]), (&json!(1), &json!(1)));

    // CSV: weekday rows × 24 hours.
    let r = app
        .client
        .get(format!("{}{base}&format=csv", app.base))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(
        lines[0],
        format!(
            "weekday,{}",
            (0..24).map(|h| h.to_string()).collect::<Vec<_>>().join(",")
        )
    );
    assert_eq!(lines[1], "Mon,0,0,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,1,0,0,0");
    assert_eq!(lines[7], "Sun,1,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0");

    // SVG: the heatmap, and the daily line with its peak.
    let svg = |q: &'static str| async move {
        let r = app
            .client
            .get(format!("{}{base}&format=svg{q}", app.base))
            .bearer_auth(&app.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "image/svg+xml");
        r.text().await.unwrap()
    };
    let grid = svg("").await;
    for text in ["Orders by weekday and hour (Europe/London)", "Mon", "Sun"] {
        assert!(grid.contains(text), "{text} missing");
    }
    let line = svg("&chart=daily").await;
    for text in ["Orders per day", "peak", "baseline"] {
        assert!(line.contains(text), "{text} missing");
    }

    // No SKU hours; other bad parameters named.
    for (query, field) in [
        ("sku=TEE", "sku"),
        ("chart=pie", "chart"),
        ("from=2024-01-01&to=2026-11-15", "from"),
    ] {
        let r = app.get(&format!("/api/v1/reports/time-of-order?{query}")).await;
        assert_eq!(r.invalid_fields(), [field], "{query}: {}", r.body);
    }
}
