//! Reading stock: levels with on hand, reserved and available, and the ledger listed
//! newest first with its filters, even within one millisecond.

use serde_json::{Value, json};

use super::{movements, place, tick};
use crate::both;
use crate::helpers::*;

fn field<'a>(items: &'a [Value], name: &str) -> Vec<&'a Value> {
    items.iter().map(|m| &m[name]).collect()
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

both!(
    levels_show_on_hand_reserved_and_available,
    the_ledger_lists_movements_newest_first_with_filters,
    movements_made_in_the_same_millisecond_are_listed_newest_first,
);
