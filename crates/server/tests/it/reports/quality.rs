//! Promised vs actual delivery and the perfect order rate, through HTTP on orders
//! shipped and delivered at chosen times, against hand-computed figures. The first
//! order is placed at 00:30 on the night the clocks go back in London (23:30 UTC the
//! day before), so it counts on the seller's day, not UTC's.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use switchyard_store::db;

use crate::both;
use crate::helpers::*;

both!(delivery_and_perfect_orders_follow_promises_and_failures);

const HOUR: i64 = 3600;

/// A delivery plan relative to placement, in hours: when the shipment is promised to
/// ship and arrive (4 h and 48 h for every order here), when it ships and arrives.
struct Plan {
    ship: i64,
    deliver: i64,
}

impl TestApp {
    /// Places a `web` order at the clock's time, packs it at LON with the promise
    /// written onto the shipment (ship by +4 h, deliver by +48 h), ships it (UPS) at
    /// `+plan.ship` hours and has it delivered at `+plan.deliver`; returns its number.
    async fn delivered_as(
        &self,
        external_id: &str,
        lines: &[(&str, i64)],
        cancel_line: Option<&str>,
        plan: Plan,
    ) -> String {
        let placed = self.now();
        let number = self.place(external_id, lines).await;
        if let Some(reason) = cancel_line {
            let r = self
                .post(
                    &format!("/api/v1/orders/{number}/lines/2/cancel"),
                    json!({"reason": reason}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let shipment = self.packed(&number).await;
        let at = |h: i64| placed.checked_add(SignedDuration::from_secs(h * HOUR)).unwrap();
        db::query("UPDATE shipment SET promised_ship_at = $1, promised_delivery_at = $2 WHERE number = $3")
            .bind(db::micros(at(4)))
            .bind(db::micros(at(48)))
            .bind(shipment.as_str())
            .execute(self.store.pool())
            .await
            .unwrap();
        self.clock.set(at(plan.ship));
        let r = self
            .act(&shipment, "label", json!({"provider": "simulated", "carrier": "ups"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = self.act(&shipment, "ship", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        self.clock.set(at(plan.deliver));
        self.track_delivered(&shipment).await;
        // The next order is placed a day later.
        self.clock.set(at(plan.deliver + 24));
        number
    }

    async fn report(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        r.body
    }

    async fn text(&self, path: &str) -> (u16, String, String) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.admin)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let kind = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, kind, res.text().await.unwrap())
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

async fn delivery_and_perfect_orders_follow_promises_and_failures(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 50).await;
    app.receive("MUG", "LON", 50).await;
    app.store.set_report_time_zone("Europe/London").await.unwrap();
    // Sunday 31 October 2027, 00:30 BST.
    app.clock.set(at("2027-10-30T23:30:00Z"));

    // On time: shipped after 3 h, delivered after a day.
    app.delivered_as("A", &[("TEE", 1)], None, Plan { ship: 3, deliver: 24 })
        .await;
    // Warehouse: shipped a day in (promised 4 h), carried 25 h (allowed 44 h): 1 h late = 1 day.
    app.delivered_as("B", &[("TEE", 1)], None, Plan { ship: 24, deliver: 49 })
        .await;
    // Carrier: shipped after 2 h, carried 94 h: 48 h late = 2 days.
    app.delivered_as("C", &[("TEE", 1)], None, Plan { ship: 2, deliver: 96 })
        .await;
    // Both: shipped a day in and carried 96 h: 72 h late = 3 days.
    app.delivered_as("D", &[("TEE", 1)], None, Plan { ship: 24, deliver: 120 })
        .await;
    let on_time = Plan { ship: 1, deliver: 24 };
    // Incomplete: a line cancelled by staff, for stock.
    app.delivered_as("E", &[("TEE", 1), ("MUG", 1)], Some("out of stock"), on_time)
        .await;
    // Damaged and wrong: returns with those reasons.
    let f = app
        .delivered_as("F", &[("TEE", 1)], None, Plan { ship: 1, deliver: 24 })
        .await;
    let g = app
        .delivered_as("G", &[("TEE", 1)], None, Plan { ship: 1, deliver: 24 })
        .await;
    for (order, reason) in [(&f, "damaged"), (&g, "wrong_item")] {
        let r = app
            .post(
                "/api/v1/returns",
                json!({"order": order, "lines": [{"line_no": 1, "quantity": 1, "reason": reason}]}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // Cancelled at the customer's request (left out), and by staff (incomplete).
    for (id, reason) in [("H", "customer asked to cancel"), ("I", "suspected fraud")] {
        let number = app.place(id, &[("TEE", 1)]).await;
        let r = app
            .post(&format!("/api/v1/orders/{number}/cancel"), json!({"reason": reason}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    app.store.refresh_reports().await.unwrap();
    assert_eq!(app.store.check_reports().await.unwrap(), Vec::<String>::new());
    // `check` recounts these roll-ups too: a tampered row is named, a rebuild mends it.
    for table in ["report_delivery_daily", "report_perfect_failure"] {
        db::query(format!("DELETE FROM {table}"))
            .execute(app.store.pool())
            .await
            .unwrap();
        assert!(!app.store.check_reports().await.unwrap().is_empty(), "{table}");
        app.store.rebuild_reports().await.unwrap();
        assert_eq!(app.store.check_reports().await.unwrap(), Vec::<String>::new());
    }

    let period = "from=2027-10-31&to=2027-12-31";
    let r = app.report(&format!("/api/v1/reports/delivery?{period}")).await;
    assert_eq!(r["by"], "carrier");
    let ups = &r["groups"][0];
    assert_eq!(ups["group"], "ups");
    // 7 delivered, 4 on time; late 1, 2, 3 days: mean 2, p90 (rank 3 of 3) 3.
    assert_eq!(
        (&ups["delivered"], &ups["on_time"], &ups["late"]),
        (&json!(7), &json!(4), &json!(3))
    );
    assert_eq!(ups["on_time_rate"].as_f64().unwrap(), 0.5714, "4 of 7, to 4 places");
    assert_eq!(ups["mean_days_late"], json!(2.0));
    assert_eq!(ups["p90_days_late"], json!(3));
    assert_eq!(
        ups["days_late"],
        json!({"on_time": 4, "one": 1, "two": 1, "three": 1, "four_to_six": 0, "seven_plus": 0})
    );
    assert_eq!(
        ups["late_cause"],
        json!({"warehouse": 1, "carrier": 1, "both": 1, "unknown": 0})
    );
    // Hours to ship 3, 24, 2, 24, 1, 1, 1: sorted 1 1 1 2 3 24 24; p50 rank 4 → 2, p90 and p95 rank 7 → 24.
    assert_eq!(ups["shipped"], json!(7));
    assert_eq!(ups["hours_to_ship"], json!({"p50": 2, "p90": 24, "p95": 24}));
    assert_eq!(r["total"]["delivered"], json!(7));

    let r = app
        .report(&format!("/api/v1/reports/delivery?{period}&by=country"))
        .await;
    assert_eq!(r["groups"][0]["group"], "GB");
    let r = app
        .report(&format!("/api/v1/reports/delivery?{period}&by=location"))
        .await;
    assert_eq!(r["groups"][0]["group"], "LON");

    let r = app.report(&format!("/api/v1/reports/perfect-orders?{period}")).await;
    // Decided: A-G and I (H is the customer's); A alone is perfect; B, C, D late; E, I
    // incomplete; F damaged; G wrong.
    assert_eq!(
        r["total"]["counts"],
        json!({"decided": 8, "perfect": 1, "customer_cancelled": 1, "late": 3, "incomplete": 2, "damaged": 1, "wrong": 1})
    );
    assert_eq!(r["total"]["perfect_rate"], json!(0.125));
    assert_eq!(r["total"]["on_time_rate"], json!(0.625));
    assert_eq!(r["total"]["complete_rate"], json!(0.75));
    assert_eq!(r["total"]["undamaged_rate"], json!(0.875));
    assert_eq!(r["total"]["right_rate"], json!(0.875));
    assert_eq!(r["bucket"], "week");
    // Weeks from Monday: the period's first day (a Sunday) is a bucket of its own.
    assert_eq!(r["trend"][0]["start"], "2027-10-31");
    assert_eq!(r["trend"][1]["start"], "2027-11-01");

    // The seller's day: A was placed at 23:30 UTC on the 30th, which is the 31st in London.
    let r = app
        .report("/api/v1/reports/perfect-orders?from=2027-10-30&to=2027-10-30")
        .await;
    assert_eq!(r["total"]["counts"]["decided"], json!(0));
    let r = app
        .report("/api/v1/reports/perfect-orders?from=2027-10-31&to=2027-10-31&bucket=day")
        .await;
    assert_eq!(r["total"]["counts"]["perfect"], json!(1));

    // The failing orders, paged two at a time, newest first; and by component.
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/reports/perfect-orders/failures?{period}&limit=2");
    loop {
        let page = app.report(&path).await;
        for f in page["data"].as_array().unwrap() {
            seen.push((f["number"].as_str().unwrap().to_owned(), f["failed"].clone()));
        }
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/reports/perfect-orders/failures?{period}&limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    let failed_of = |n: &str| {
        seen.iter()
            .find(|(number, _)| number == n)
            .map(|(_, f)| f.clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(failed_of(&f), json!(["undamaged"]));
    assert_eq!(failed_of(&g), json!(["right"]));
    let late = app
        .report(&format!(
            "/api/v1/reports/perfect-orders/failures?{period}&component=on_time"
        ))
        .await;
    assert_eq!(late["data"].as_array().unwrap().len(), 3);

    // CSV and SVG.
    let (status, kind, csv) = app.text(&format!("/api/v1/reports/delivery?{period}&format=csv")).await;
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("carrier,delivered,on_time,late,on_time_rate"),
        "{csv}"
    );
    assert!(
        lines[1].starts_with("ups,7,4,3,0.5714,2.0000,3,1,1,1,0,0,1,1,1,0,7,2,24,24"),
        "{csv}"
    );
    assert!(lines[2].starts_with("all,7,"), "{csv}");
    let (status, kind, svg) = app.text(&format!("/api/v1/reports/delivery?{period}&format=svg")).await;
    assert_eq!((status, kind.as_str()), (200, "image/svg+xml"));
    assert!(svg.starts_with("<svg") && svg.contains("ups") && svg.contains("Late: carrier"));
    let (status, _, csv) = app
        .text(&format!(
            "/api/v1/reports/perfect-orders?{period}&format=csv&bucket=month"
        ))
        .await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "header, October, November, December: {csv}");
    let (status, kind, svg) = app
        .text(&format!("/api/v1/reports/perfect-orders?{period}&format=svg"))
        .await;
    assert_eq!((status, kind.as_str()), (200, "image/svg+xml"));
    assert!(svg.contains("Perfect order rate"));

    // Bad parameters are 422 naming each, and change nothing.
    for (path, field) in [
        (format!("/api/v1/reports/delivery?{period}&by=planet"), "by"),
        (format!("/api/v1/reports/delivery?{period}&sku=TEE"), "sku"),
        (format!("/api/v1/reports/perfect-orders?{period}&bucket=year"), "bucket"),
        (
            format!("/api/v1/reports/perfect-orders/failures?{period}&format=csv"),
            "format",
        ),
        (
            format!("/api/v1/reports/perfect-orders/failures?{period}&component=pretty"),
            "component",
        ),
        (
            "/api/v1/reports/delivery?from=2027-12-01&to=2027-11-01".to_owned(),
            "from",
        ),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status, 422, "{path}: {}", r.body);
        assert_eq!(r.body["errors"][0]["parameter"], field, "{path}: {}", r.body);
    }
}
