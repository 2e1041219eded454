//! Stock through HTTP: receipts, adjustments, cycle counts and transfers, the levels
//! they leave and the ledger they write, and every movement the rules refuse — after
//! which nothing has changed.

use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

/// Lets time pass, so movements made afterwards are newer.
fn tick(app: &TestApp) {
    app.clock.advance(SignedDuration::from_secs(60));
}

/// Every movement of the ledger (newest first), filtered by `query`.
async fn movements(app: &TestApp, query: &str) -> Vec<Value> {
    let sep = if query.is_empty() { "" } else { "&" };
    let r = app
        .get(&format!("/api/v1/inventory/movements?limit=500{sep}{query}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["next_cursor"].is_null(), "more than 500 movements");
    r.body["data"].as_array().unwrap().clone()
}

fn field<'a>(items: &'a [Value], name: &str) -> Vec<&'a Value> {
    items.iter().map(|m| &m[name]).collect()
}

/// Every level and the number of movements: what a refused request must leave as it was.
async fn books(app: &TestApp) -> (Value, usize) {
    let r = app.get("/api/v1/inventory/levels?limit=500").await;
    assert_eq!(r.status, 200, "{}", r.body);
    (r.body["data"].clone(), movements(app, "").await.len())
}

async fn place(app: &TestApp, external_id: &str, lines: &[(&str, i64)]) -> String {
    let r = app.post("/api/v1/orders", order("web", external_id, lines)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn receiving_stock_raises_on_hand_and_records_a_receipt(app: &TestApp) {
    app.shop().await;
    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": "TEE", "location": "LON", "quantity": 10, "reference": "PO-1001", "note": "pallet 1 of 2"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ms = r.body["movements"].as_array().unwrap();
    assert_eq!(ms.len(), 1);
    let m = &ms[0];
    assert!(m["id"].as_str().unwrap().starts_with("mov_"));
    assert_eq!(m["kind"], "receipt");
    assert_eq!(m["sku"], "TEE");
    assert_eq!(m["location"], "LON");
    assert_eq!(m["on_hand_delta"], 10);
    assert_eq!(m["reserved_delta"], 0);
    assert_eq!(m["on_hand_after"], 10);
    assert_eq!(m["reserved_after"], 0);
    assert_eq!(m["reference"], "PO-1001");
    assert_eq!(m["note"], "pallet 1 of 2");
    assert_eq!(m["actor"], "test admin");
    assert!(m["reason"].is_null());
    assert_eq!(app.level("TEE", "LON").await, (10, 0, 10));

    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": "TEE", "location": "LON", "quantity": 5, "reference": "PO-1001"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["movements"][0]["on_hand_after"], 15);
    assert_eq!(app.level("TEE", "LON").await, (15, 0, 15));
    assert_eq!(
        app.level("TEE", "MCR").await,
        (0, 0, 0),
        "other locations are untouched"
    );
    assert_eq!(movements(app, "reference=PO-1001").await.len(), 2);

    // By product id and location id too.
    let product = app.get("/api/v1/products/MUG").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let location = app.get("/api/v1/locations/MCR").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": product, "location": location, "quantity": 4}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["movements"][0]["sku"], "MUG");
    assert_eq!(r.body["movements"][0]["location"], "MCR");
    assert_eq!(app.level("MUG", "MCR").await, (4, 0, 4));
    app.assert_books_balance().await;
}

async fn an_adjustment_changes_on_hand_and_records_its_reason(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -2, "reason": "damaged", "note": "crushed in transit"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let m = &r.body["movements"][0];
    assert_eq!(m["kind"], "adjustment");
    assert_eq!(m["reason"], "damaged");
    assert_eq!(m["note"], "crushed in transit");
    assert_eq!(m["on_hand_delta"], -2);
    assert_eq!(m["on_hand_after"], 8);
    assert_eq!(app.level("TEE", "LON").await, (8, 0, 8));

    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": 1, "reason": "found"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["movements"][0]["reason"], "found");
    assert_eq!(r.body["movements"][0]["on_hand_after"], 9);
    assert_eq!(app.level("TEE", "LON").await, (9, 0, 9));

    // Down to exactly zero is allowed.
    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -9, "reason": "lost"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(app.level("TEE", "LON").await, (0, 0, 0));

    let reasons: Vec<_> = movements(app, "kind=adjustment")
        .await
        .iter()
        .map(|m| m["reason"].clone())
        .collect();
    assert_eq!(reasons, [json!("lost"), json!("found"), json!("damaged")]);
    app.assert_books_balance().await;
}

async fn a_cycle_count_replaces_on_hand_and_the_ledger_records_the_difference(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/counts",
            json!({"sku": "TEE", "location": "LON", "counted": 7, "note": "aisle 4"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let m = &r.body["movements"][0];
    assert_eq!(m["kind"], "cycle_count");
    assert_eq!(m["on_hand_delta"], -3);
    assert_eq!(m["on_hand_after"], 7);
    assert_eq!(m["note"], "aisle 4");
    assert_eq!(app.level("TEE", "LON").await, (7, 0, 7));

    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/counts",
            json!({"sku": "TEE", "location": "LON", "counted": 12}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["movements"][0]["on_hand_delta"], 5);
    assert_eq!(r.body["movements"][0]["on_hand_after"], 12);
    assert_eq!(app.level("TEE", "LON").await, (12, 0, 12));

    // Counting a SKU never stocked at a location starts its balance.
    let r = app
        .post(
            "/api/v1/inventory/counts",
            json!({"sku": "MUG", "location": "MCR", "counted": 4}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["movements"][0]["on_hand_delta"], 4);
    assert_eq!(app.level("MUG", "MCR").await, (4, 0, 4));

    let deltas: Vec<_> = movements(app, "sku=TEE&kind=cycle_count")
        .await
        .iter()
        .map(|m| m["on_hand_delta"].clone())
        .collect();
    assert_eq!(deltas, [json!(5), json!(-3)]);
    app.assert_books_balance().await;
}

async fn a_transfer_moves_units_between_locations_in_two_movements(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    app.receive("TEE", "MCR", 1).await;
    tick(app);
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 4, "reference": "TR-1"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ms = r.body["movements"].as_array().unwrap();
    assert_eq!(ms.len(), 2, "{}", r.body);
    let out = ms.iter().find(|m| m["kind"] == "transfer_out").expect("a transfer_out");
    let inn = ms.iter().find(|m| m["kind"] == "transfer_in").expect("a transfer_in");
    assert_eq!(
        (&out["location"], &out["on_hand_delta"], &out["on_hand_after"]),
        (&json!("LON"), &json!(-4), &json!(6))
    );
    assert_eq!(
        (&inn["location"], &inn["on_hand_delta"], &inn["on_hand_after"]),
        (&json!("MCR"), &json!(4), &json!(5))
    );
    assert!(ms.iter().all(|m| m["reference"] == "TR-1" && m["sku"] == "TEE"));
    assert_eq!(app.level("TEE", "LON").await, (6, 0, 6));
    assert_eq!(app.level("TEE", "MCR").await, (5, 0, 5));

    let mut kinds: Vec<_> = movements(app, "reference=TR-1")
        .await
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["transfer_in", "transfer_out"]);

    // Into a location that never held the SKU.
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "MCR", "to": "LON", "quantity": 5}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(app.level("TEE", "LON").await, (11, 0, 11));
    assert_eq!(app.level("TEE", "MCR").await, (0, 0, 0));
    app.assert_books_balance().await;
}

async fn levels_show_on_hand_reserved_and_available(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    app.receive("TEE", "MCR", 2).await;
    app.receive("MUG", "LON", 5).await;
    place(app, "1001", &[("TEE", 3)]).await;
    assert_eq!(app.level("TEE", "LON").await, (10, 3, 7));
    assert_eq!(app.level("TEE", "MCR").await, (2, 0, 2));

    let r = app.get("/api/v1/inventory/levels").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows: Vec<_> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["sku"].as_str().unwrap(),
                l["location"].as_str().unwrap(),
                l["on_hand"].as_i64().unwrap(),
                l["reserved"].as_i64().unwrap(),
                l["available"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("MUG", "LON", 5, 0, 5),
            ("TEE", "LON", 10, 3, 7),
            ("TEE", "MCR", 2, 0, 2)
        ],
        "ordered by SKU, then location"
    );

    let r = app.get("/api/v1/inventory/levels?sku=TEE").await;
    assert_eq!(
        field(r.body["data"].as_array().unwrap(), "location"),
        [&json!("LON"), &json!("MCR")]
    );
    let r = app.get("/api/v1/inventory/levels?location=LON").await;
    assert_eq!(
        field(r.body["data"].as_array().unwrap(), "sku"),
        [&json!("MUG"), &json!("TEE")]
    );

    // A SKU never stocked at a location answers zeros.
    let r = app.get("/api/v1/inventory/levels?sku=MUG&location=MCR").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let data = r.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{}", r.body);
    assert_eq!((&data[0]["sku"], &data[0]["location"]), (&json!("MUG"), &json!("MCR")));
    assert_eq!(
        (&data[0]["on_hand"], &data[0]["reserved"], &data[0]["available"]),
        (&json!(0), &json!(0), &json!(0))
    );

    // Paged.
    let first = app.get("/api/v1/inventory/levels?limit=2").await;
    assert_eq!(first.body["data"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap().replace('|', "%7C");
    let second = app
        .get(&format!("/api/v1/inventory/levels?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(
        field(second.body["data"].as_array().unwrap(), "location"),
        [&json!("MCR")]
    );
    assert!(second.body["next_cursor"].is_null());

    app.get("/api/v1/inventory/levels?sku=NOPE")
        .await
        .problem(404, "not_found");
    app.get("/api/v1/inventory/levels?location=NOWHERE")
        .await
        .problem(404, "not_found");
    app.assert_books_balance().await;
}

async fn the_ledger_lists_movements_newest_first_with_filters(app: &TestApp) {
    app.shop().await;
    let steps = [
        json!({"path": "receipts", "body": {"sku": "TEE", "location": "LON", "quantity": 10, "reference": "PO-1"}}),
        json!({"path": "receipts", "body": {"sku": "MUG", "location": "LON", "quantity": 5, "reference": "PO-1"}}),
        json!({"path": "adjustments", "body": {"sku": "TEE", "location": "LON", "quantity": -1, "reason": "damaged"}}),
        json!({"path": "receipts", "body": {"sku": "TEE", "location": "MCR", "quantity": 3, "reference": "PO-2"}}),
        json!({"path": "counts", "body": {"sku": "MUG", "location": "LON", "counted": 6}}),
        json!({"path": "transfers", "body": {"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 2, "reference": "TR-1"}}),
    ];
    for step in steps {
        tick(app);
        let r = app
            .post(
                &format!("/api/v1/inventory/{}", step["path"].as_str().unwrap()),
                step["body"].clone(),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    let all = movements(app, "").await;
    assert_eq!(all.len(), 7);
    let times: Vec<&str> = all.iter().map(|m| m["created_at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    let mut newest: Vec<&str> = all[..2].iter().map(|m| m["kind"].as_str().unwrap()).collect();
    newest.sort();
    assert_eq!(newest, ["transfer_in", "transfer_out"]);
    let rest: Vec<&str> = all[2..].iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(rest, ["cycle_count", "receipt", "adjustment", "receipt", "receipt"]);

    let tee_lon = movements(app, "sku=TEE&location=LON").await;
    assert_eq!(
        field(&tee_lon, "kind"),
        [&json!("transfer_out"), &json!("adjustment"), &json!("receipt")]
    );
    assert_eq!(field(&tee_lon, "on_hand_after"), [&json!(7), &json!(9), &json!(10)]);

    let mcr = movements(app, "location=MCR").await;
    assert_eq!(field(&mcr, "kind"), [&json!("transfer_in"), &json!("receipt")]);
    assert_eq!(field(&mcr, "on_hand_after"), [&json!(5), &json!(3)]);

    let receipts = movements(app, "kind=receipt").await;
    assert_eq!(field(&receipts, "sku"), [&json!("TEE"), &json!("MUG"), &json!("TEE")]);
    assert_eq!(
        field(&receipts, "location"),
        [&json!("MCR"), &json!("LON"), &json!("LON")]
    );

    let mug = movements(app, "sku=MUG").await;
    assert_eq!(field(&mug, "on_hand_after"), [&json!(6), &json!(5)]);
    assert_eq!(field(&mug, "on_hand_delta"), [&json!(1), &json!(5)]);

    assert_eq!(
        field(&movements(app, "reference=PO-1").await, "sku"),
        [&json!("MUG"), &json!("TEE")]
    );
    assert_eq!(movements(app, "reference=PO-2").await.len(), 1);
    assert_eq!(movements(app, "reference=TR-1").await.len(), 2);
    assert!(movements(app, "reference=PO-9").await.is_empty());
    assert!(movements(app, "sku=MUG&kind=transfer_out").await.is_empty());

    // Paging by cursor yields the same ledger, each movement once.
    let mut paged = Vec::new();
    let mut url = "/api/v1/inventory/movements?limit=3".to_owned();
    loop {
        let r = app.get(&url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        paged.extend(r.body["data"].as_array().unwrap().iter().map(|m| m["id"].clone()));
        match r.body["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/inventory/movements?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(paged, field(&all, "id").into_iter().cloned().collect::<Vec<_>>());

    app.get("/api/v1/inventory/movements?sku=NOPE")
        .await
        .problem(404, "not_found");
    assert_eq!(
        app.get("/api/v1/inventory/movements?kind=theft").await.invalid_fields(),
        ["kind"]
    );
    app.assert_books_balance().await;
}

async fn movements_made_in_the_same_millisecond_are_listed_newest_first(app: &TestApp) {
    app.shop().await;
    // The clock is not advanced: every receipt happens in the same millisecond.
    for _ in 0..8 {
        app.receive("TEE", "LON", 1).await;
    }
    let after: Vec<_> = movements(app, "sku=TEE")
        .await
        .iter()
        .map(|m| m["on_hand_after"].as_i64().unwrap())
        .collect();
    assert_eq!(after, [8, 7, 6, 5, 4, 3, 2, 1]);
    app.assert_books_balance().await;
}

async fn an_adjustment_below_zero_is_refused_and_changes_nothing(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let before = books(app).await;

    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -6, "reason": "lost"}),
        )
        .await;
    r.problem(409, "negative_stock");
    assert_eq!(books(app).await, before);
    assert_eq!(app.level("TEE", "LON").await, (5, 0, 5));

    // Never stocked here: nothing to write off, and no balance appears.
    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "MUG", "location": "MCR", "quantity": -1, "reason": "theft"}),
        )
        .await;
    r.problem(409, "negative_stock");
    assert_eq!(books(app).await, before);

    // More than on hand in a transfer is refused the same way.
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 6}),
        )
        .await;
    r.problem(409, "negative_stock");
    assert_eq!(books(app).await, before);
    app.assert_books_balance().await;
}

async fn an_adjustment_or_count_below_reserved_is_refused(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    place(app, "1001", &[("TEE", 4)]).await;
    assert_eq!(app.level("TEE", "LON").await, (10, 4, 6));
    let before = books(app).await;

    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -7, "reason": "damaged"}),
        )
        .await;
    r.problem(409, "below_reserved");
    assert_eq!(books(app).await, before);

    let r = app
        .post(
            "/api/v1/inventory/counts",
            json!({"sku": "TEE", "location": "LON", "counted": 3}),
        )
        .await;
    r.problem(409, "below_reserved");
    assert_eq!(books(app).await, before);
    assert_eq!(app.level("TEE", "LON").await, (10, 4, 6));

    // Down to exactly what is reserved is allowed.
    let r = app
        .post(
            "/api/v1/inventory/counts",
            json!({"sku": "TEE", "location": "LON", "counted": 4}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(app.level("TEE", "LON").await, (4, 4, 0));
    app.assert_books_balance().await;
}

async fn a_transfer_of_reserved_units_is_refused(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    place(app, "1001", &[("TEE", 4)]).await;
    let before = books(app).await;

    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 7}),
        )
        .await;
    r.problem(409, "below_reserved");
    assert_eq!(books(app).await, before, "neither side moved");
    assert_eq!(app.level("TEE", "LON").await, (10, 4, 6));
    assert_eq!(app.level("TEE", "MCR").await, (0, 0, 0));

    // What is available can go.
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 6}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(app.level("TEE", "LON").await, (4, 4, 0));
    assert_eq!(app.level("TEE", "MCR").await, (6, 0, 6));
    app.assert_books_balance().await;
}

async fn invalid_stock_movements_name_each_bad_field(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let before = books(app).await;
    let cases = [
        (
            "adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": 0, "reason": "correction"}),
            vec!["/quantity"],
        ),
        (
            "adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -2}),
            vec!["/reason"],
        ),
        (
            "adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": 0}),
            vec!["/quantity", "/reason"],
        ),
        (
            "adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -2, "reason": "gremlins"}),
            vec!["/reason"],
        ),
        (
            "receipts",
            json!({"sku": "TEE", "location": "LON", "quantity": 0}),
            vec!["/quantity"],
        ),
        (
            "receipts",
            json!({"sku": "TEE", "location": "LON", "quantity": -5}),
            vec!["/quantity"],
        ),
        (
            "receipts",
            json!({"sku": "TEE", "location": "LON", "quantity": "two"}),
            vec!["/quantity"],
        ),
        ("receipts", json!({}), vec!["/sku", "/location", "/quantity"]),
        (
            "counts",
            json!({"sku": "TEE", "location": "LON", "counted": -1}),
            vec!["/counted"],
        ),
        ("counts", json!({"sku": "TEE", "location": "LON"}), vec!["/counted"]),
        (
            "transfers",
            json!({"sku": "TEE", "from": "LON", "to": "LON", "quantity": 1}),
            vec!["/to"],
        ),
        (
            "transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 0}),
            vec!["/quantity"],
        ),
        ("transfers", json!({"sku": "TEE", "quantity": 1}), vec!["/from", "/to"]),
    ];
    for (path, body, fields) in cases {
        let r = app.post(&format!("/api/v1/inventory/{path}"), body.clone()).await;
        assert_eq!(r.invalid_fields(), fields, "POST {path} {body}");
        assert_eq!(books(app).await, before, "POST {path} {body} changed the books");
    }

    // The same location spelt once by code and once by id is still the same place.
    let lon_id = app.get("/api/v1/locations/LON").await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": lon_id, "quantity": 1}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/to"]);
    assert_eq!(books(app).await, before);
    app.assert_books_balance().await;
}

async fn moving_stock_of_an_unknown_sku_or_location_is_refused_with_404(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let before = books(app).await;
    let cases = [
        ("receipts", json!({"sku": "NOPE", "location": "LON", "quantity": 1})),
        ("receipts", json!({"sku": "TEE", "location": "NOWHERE", "quantity": 1})),
        (
            "adjustments",
            json!({"sku": "NOPE", "location": "LON", "quantity": 1, "reason": "found"}),
        ),
        ("counts", json!({"sku": "NOPE", "location": "LON", "counted": 1})),
        (
            "transfers",
            json!({"sku": "NOPE", "from": "LON", "to": "MCR", "quantity": 1}),
        ),
        (
            "transfers",
            json!({"sku": "TEE", "from": "LON", "to": "NOWHERE", "quantity": 1}),
        ),
    ];
    for (path, body) in cases {
        let r = app.post(&format!("/api/v1/inventory/{path}"), body.clone()).await;
        r.problem(404, "not_found");
        assert_eq!(books(app).await, before, "POST {path} {body} changed the books");
    }
    app.assert_books_balance().await;
}

async fn stock_cannot_be_received_at_an_archived_location_or_for_an_archived_product(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "MCR", 3).await;
    let r = app.post("/api/v1/locations/MCR/archive", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post("/api/v1/products/MUG/archive", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = books(app).await;

    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": "TEE", "location": "MCR", "quantity": 1}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/location"]);
    let r = app
        .post(
            "/api/v1/inventory/receipts",
            json!({"sku": "MUG", "location": "LON", "quantity": 1}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/sku"]);
    let r = app
        .post(
            "/api/v1/inventory/transfers",
            json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 1}),
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/to"]);
    assert_eq!(books(app).await, before);
    app.assert_books_balance().await;
}

both!(
    receiving_stock_raises_on_hand_and_records_a_receipt,
    an_adjustment_changes_on_hand_and_records_its_reason,
    a_cycle_count_replaces_on_hand_and_the_ledger_records_the_difference,
    a_transfer_moves_units_between_locations_in_two_movements,
    levels_show_on_hand_reserved_and_available,
    the_ledger_lists_movements_newest_first_with_filters,
    movements_made_in_the_same_millisecond_are_listed_newest_first,
    an_adjustment_below_zero_is_refused_and_changes_nothing,
    an_adjustment_or_count_below_reserved_is_refused,
    a_transfer_of_reserved_units_is_refused,
    invalid_stock_movements_name_each_bad_field,
    moving_stock_of_an_unknown_sku_or_location_is_refused_with_404,
    stock_cannot_be_received_at_an_archived_location_or_for_an_archived_product,
);
