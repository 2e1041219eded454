//! `POST /api/v1/imports`: an order file placed order by order, answered with a report
//! of each order and each problem by row and column.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../channels/tests/data/import");

fn file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{name}")).unwrap()
}

/// A shop with the files' SKUs on channel `amazon` (reject), stock at LON.
async fn shop(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.channel("amazon", &["LON"], "reject").await;
    for (sku, price) in [("MUG-BLUE", 1299), ("TEE-RED-M", 1500), ("SOCK-GRN", 350)] {
        app.product(sku, price).await;
        app.receive(sku, "LON", 20).await;
    }
}

fn problems(report: &Value) -> Vec<(i64, String, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap(),
                p["column"].as_str().unwrap().to_owned(),
                p["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn import_tsv(app: &TestApp, query: &str, name: &str) -> crate::helpers::Resp {
    app.post_bytes(
        &format!("/api/v1/imports?{query}"),
        Some(&app.admin),
        &file(name),
        &[("content-type", "text/tab-separated-values")],
    )
    .await
}

async fn an_amazon_report_is_placed_once_however_often_it_is_sent(app: &TestApp) {
    shop(app).await;
    let r = import_tsv(app, "channel=amazon&mapping=amazon", "amazon_unshipped_orders.txt").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["problems"], json!([]));
    assert_eq!(
        r.body["counts"],
        json!({"orders_created": 4, "orders_existing": 0, "orders_checked": 0, "orders_refused": 0, "rows": 6, "rows_refused": 0})
    );
    let first = &r.body["orders"][0];
    assert_eq!(first["external_id"], "202-1000001-1000001");
    assert_eq!(first["rows"], json!([2, 3]));
    let number = first["number"].as_str().unwrap();
    let order = app.get(&format!("/api/v1/orders/{number}")).await;
    assert_eq!(order.body["customer"]["email"], "ann@example.com");
    assert_eq!(order.body["shipping_address"]["postal_code"], "SW1A 1AA");
    assert_eq!(
        order.body["lines"][0]["unit_price"],
        json!({"amount": 1299, "currency": "GBP"})
    );
    assert_eq!(order.body["lines"][0]["external_id"], "31000000000001");
    assert_eq!(order.body["totals"]["total"]["amount"], 5130);
    assert_eq!(order.body["shipping"]["amount"]["amount"], 299);
    // 2 + 1 mugs reserved of 20.
    assert_eq!(app.level("MUG-BLUE", "LON").await, (20, 3, 17));

    let again = import_tsv(app, "channel=amazon", "amazon_unshipped_orders.txt").await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["counts"]["orders_created"], 0);
    assert_eq!(again.body["counts"]["orders_existing"], 4);
    assert_eq!(app.order_count().await, 4);
    app.assert_books_balance().await;
}

async fn bad_rows_are_named_and_a_dry_run_places_nothing(app: &TestApp) {
    shop(app).await;
    let dry = import_tsv(app, "channel=amazon&dry_run=true", "amazon_three_bad_rows.txt").await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert_eq!(dry.body["dry_run"], true);
    assert_eq!(app.order_count().await, 0);

    let r = import_tsv(app, "channel=amazon", "amazon_three_bad_rows.txt").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let want = vec![
        (
            4,
            "item-price".to_owned(),
            "`3.5O` is not a decimal amount in GBP".to_owned(),
        ),
        (
            5,
            "quantity-purchased".to_owned(),
            "`two` is not a whole number".to_owned(),
        ),
        (6, "sku".to_owned(), "there is no product with SKU HAT-NONE".to_owned()),
    ];
    assert_eq!(problems(&r.body), want);
    assert_eq!(problems(&dry.body), want, "the dry run finds the same rows");
    assert_eq!(r.body["counts"]["orders_created"], 2);
    assert_eq!(r.body["counts"]["orders_refused"], 3);
    assert_eq!(app.order_count().await, 2);

    // Not enough stock on a reject channel is a problem of the line's quantity.
    let tsv = String::from_utf8(file("amazon_unshipped_orders.txt")).unwrap();
    let header = tsv.lines().next().unwrap();
    let dan = tsv.lines().find(|l| l.starts_with("202-1000004")).unwrap();
    let greedy = dan.replace("\t4\tGBP\t60.00\t", "\t40\tGBP\t600.00\t");
    let r = app
        .post_bytes(
            "/api/v1/imports?channel=amazon",
            Some(&app.admin),
            format!("{header}\n{greedy}\n").as_bytes(),
            &[("content-type", "text/plain")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = problems(&r.body);
    assert_eq!((p[0].0, p[0].1.as_str()), (2, "quantity-purchased"), "{p:?}");
    assert!(p[0].2.starts_with("not enough stock of TEE-RED-M"), "{p:?}");
    app.assert_books_balance().await;
}

async fn any_layout_comes_as_json_with_its_mapping(app: &TestApp) {
    shop(app).await;
    let r = app
        .post(
            "/api/v1/imports",
            json!({
                "channel": "amazon",
                "mapping": {
                    "order_id": "Order", "sku": "SKU", "quantity": "Qty", "line_price": "Total",
                    "currency": {"value": "GBP"}, "email": "Email", "name": "Customer", "recipient": "Customer",
                    "address1": "Street", "city": "Town", "postal_code": "Postcode", "country": {"value": "GB"}
                },
                "content": "Order;SKU;Qty;Total;Email;Customer;Street;Town;Postcode\nS-1;MUG-BLUE;3;10.00;ann@example.com;Ann Example;1 High St;Leeds;LS1 4AP\n"
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["problems"], json!([]));
    let number = r.body["orders"][0]["number"].as_str().unwrap();
    let order = app.get(&format!("/api/v1/orders/{number}")).await;
    let line = &order.body["lines"][0];
    assert_eq!(
        (&line["unit_price"]["amount"], &line["discount"]["amount"]),
        (&json!(334), &json!(2))
    );
    assert_eq!(order.body["totals"]["total"]["amount"], 1000);

    // Requests that cannot be acted on at all do nothing.
    let r = import_tsv(app, "channel=nowhere", "amazon_unshipped_orders.txt").await;
    r.problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["pointer"], "/channel");
    let r = app
        .post(
            "/api/v1/imports",
            json!({"channel": "amazon", "mapping": {"order_id": "A"}, "content": ""}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["pointer"], "/mapping");
    let r = app
        .post_bytes(
            "/api/v1/imports?channel=amazon",
            Some(&app.admin),
            b"x",
            &[("content-type", "image/png")],
        )
        .await;
    r.problem(415, "unsupported_media_type");
    assert_eq!(app.order_count().await, 1);
}

both!(
    an_amazon_report_is_placed_once_however_often_it_is_sent,
    bad_rows_are_named_and_a_dry_run_places_nothing,
    any_layout_comes_as_json_with_its_mapping,
);
