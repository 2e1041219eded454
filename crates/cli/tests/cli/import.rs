//! `switchyard import orders`: the Amazon report into a database with only its SKUs,
//! a file with three bad rows, a dry run, and re-runs that place nothing twice.

use std::process::Output;

use serde::Deserialize;
use serde_json::{Value, json};
use switchyard_core::catalog::{ChannelInput, LocationInput, ProductInput};
use switchyard_core::inventory::{Quantity, StockCommand};
use switchyard_store::Store;
use switchyard_store::db;
use switchyard_store::inventory::MovementContext;

use super::{Db, db as new_db, stdout, store, switchyard};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../channels/tests/data/import");

fn parse<T: for<'de> Deserialize<'de>>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// A database with one warehouse, the `amazon` channel and the files' three SKUs
/// (HAT-NONE is not one of them): no demo data.
async fn shop(db: &Db) -> Store {
    assert!(switchyard(db, &["migrate"]).status.success());
    let store = store(db).await;
    let location: LocationInput = parse(json!({
        "code": "LON", "name": "London warehouse", "kind": "warehouse", "priority": 10,
        "address": {"name": "Warehouse", "line1": "1 Dock Road", "city": "London", "postal_code": "E16 1AA", "country": "GB"}
    }));
    store.create_location(&location.parse().unwrap()).await.unwrap();
    let channel: ChannelInput = parse(json!({
        "code": "amazon", "name": "Amazon UK", "kind": "amazon", "ship_from": ["LON"],
        "shortage_policy": "reject", "payment_provider": "channel"
    }));
    store.create_channel(&channel.parse().unwrap()).await.unwrap();
    for (sku, price) in [("MUG-BLUE", 1299), ("TEE-RED-M", 1500), ("SOCK-GRN", 350)] {
        let product: ProductInput = parse(json!({
            "sku": sku, "title": format!("Product {sku}"), "price": {"amount": price, "currency": "GBP"}
        }));
        store.create_product(&product.parse().unwrap()).await.unwrap();
        let ctx = MovementContext {
            actor: "test".into(),
            note: None,
            reference: None,
        };
        store
            .move_stock(sku, "LON", StockCommand::Receive(Quantity::new(50).unwrap()), &ctx)
            .await
            .unwrap();
    }
    store
}

/// A stored line as (sku, quantity, unit price, discount, tax, line id).
type Line<'a> = (&'a str, i64, i64, i64, i64, Option<&'a str>);

fn import(db: &Db, file: &str, extra: &[&str]) -> Output {
    let path = format!("{DATA}/{file}");
    let mut args = vec!["import", "orders", path.as_str(), "--channel", "amazon"];
    args.extend_from_slice(extra);
    switchyard(db, &args)
}

fn json_report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

async fn count(store: &Store, table: &str) -> i64 {
    db::query_scalar::<i64>(format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_amazon_report_imports_with_its_lines_money_and_addresses_and_a_rerun_creates_nothing() {
    let db = new_db();
    let store = shop(&db).await;

    let out = import(&db, "amazon_unshipped_orders.txt", &[]);
    assert!(
        out.status.success(),
        "{}{}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout(&out),
        "6 rows: 4 orders created, 0 already there, 0 refused (0 rows)\n"
    );
    assert!(out.stderr.is_empty(), "no progress bar off a terminal");

    let order = |id: &'static str| {
        let store = store.clone();
        async move {
            let key: String = db::query_scalar("SELECT id FROM sales_order WHERE external_id = $1")
                .bind(id)
                .fetch_one(store.pool())
                .await
                .unwrap();
            store.order(&key).await.unwrap()
        }
    };
    let ann = order("202-1000001-1000001").await;
    assert_eq!(ann.summary.channel, "amazon");
    assert_eq!(ann.summary.placed_at.to_string(), "2026-03-02T09:15:00Z");
    assert_eq!(ann.summary.customer.email, "ann@example.com");
    assert_eq!(ann.summary.customer.name, "Ann Example");
    assert_eq!(ann.summary.customer.phone.as_deref(), Some("020 7946 0001"));
    let a = &ann.shipping_address;
    assert_eq!(
        (a.name.as_str(), a.line1.as_str(), a.line2.as_deref(), a.city.as_str()),
        ("Ann Example", "1 Example Street", Some("Flat 2"), "London")
    );
    assert_eq!((a.postal_code.as_deref(), a.country.as_str()), (Some("SW1A 1AA"), "GB"));
    let lines: Vec<Line> = ann
        .lines
        .iter()
        .map(|l| {
            (
                l.sku.as_str(),
                l.quantity,
                l.unit_price.amount,
                l.discount.amount,
                l.tax.amount,
                l.external_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("MUG-BLUE", 2, 1299, 0, 433, Some("31000000000001")),
            ("TEE-RED-M", 1, 1500, 0, 250, Some("31000000000002")),
        ]
    );
    assert_eq!((ann.shipping.amount.amount, ann.shipping.tax.amount), (299, 50));
    assert_eq!(ann.summary.totals.total.amount, 4098 + 733 + 299);
    assert_eq!(ann.summary.totals.total.currency.as_str(), "GBP");

    let bob = order("202-1000002-1000002").await;
    assert_eq!(bob.summary.service_level.as_str(), "express");
    assert_eq!(bob.shipping_address.region.as_deref(), Some("West Yorkshire"));
    let sock = &bob.lines[0];
    assert_eq!(
        (sock.quantity, sock.unit_price.amount, sock.discount.amount),
        (3, 334, 2)
    );
    assert_eq!(sock.total.amount, 1000 + 167, "10.00 for three pairs, plus tax");

    let cat = order("202-1000003-1000003").await;
    let skus: Vec<&str> = cat.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(skus, ["MUG-BLUE", "SOCK-GRN"], "rows 4 and 7 are one order");
    assert_eq!(cat.shipping.amount.amount, 399);

    let dan = order("202-1000004-1000004").await;
    assert_eq!(dan.shipping_address.line2.as_deref(), Some("Mill Yard, Canal Street"));
    assert_eq!(dan.notes.as_deref(), Some("Leave with the concierge"));
    assert_eq!(dan.lines[0].quantity, 4);

    // The same file again: every order is already there.
    let again = import(&db, "amazon_unshipped_orders.txt", &["--format", "json"]);
    assert!(again.status.success());
    let report = json_report(&again);
    assert_eq!(report["counts"]["orders_created"], 0);
    assert_eq!(report["counts"]["orders_existing"], 4);
    assert_eq!(report["orders"][0]["number"], ann.summary.number.as_str());
    assert_eq!(count(&store, "sales_order").await, 4);
    assert_eq!(count(&store, "order_line").await, 6);
    assert!(switchyard(&db, &["check"]).status.success());
}

#[tokio::test]
async fn three_bad_rows_are_reported_exactly_the_good_orders_go_in_and_a_dry_run_stores_nothing() {
    let db = new_db();
    let store = shop(&db).await;

    let dry = import(&db, "amazon_three_bad_rows.txt", &["--dry-run", "--format", "json"]);
    assert_eq!(dry.status.code(), Some(1));
    let report = json_report(&dry);
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["counts"]["orders_checked"], 2);
    assert_eq!(count(&store, "sales_order").await, 0, "a dry run stores nothing");
    let dry_problems = report["problems"].clone();

    let out = import(&db, "amazon_three_bad_rows.txt", &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "a refused row fails the run");
    let report = json_report(&out);
    let problems: Vec<(i64, &str, &str)> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().unwrap(),
                p["column"].as_str().unwrap(),
                p["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (4, "item-price", "`3.5O` is not a decimal amount in GBP"),
            (5, "quantity-purchased", "`two` is not a whole number"),
            (6, "sku", "there is no product with SKU HAT-NONE"),
        ]
    );
    assert_eq!(dry_problems, report["problems"], "the dry run finds the same rows");
    let counts = &report["counts"];
    assert_eq!(
        (
            &counts["orders_created"],
            &counts["orders_refused"],
            &counts["rows"],
            &counts["rows_refused"]
        ),
        (&json!(2), &json!(3), &json!(6), &json!(4))
    );
    let refused = &report["orders"][1];
    assert_eq!(refused["external_id"], "202-2000002-2000002");
    assert_eq!(
        refused["rows"],
        json!([3, 4]),
        "row 3 is good, but nothing of its order goes in"
    );
    assert_eq!(refused["outcome"], "refused");
    let stored: Vec<String> = db::query_scalar("SELECT external_id FROM sales_order ORDER BY external_id")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(stored, ["202-2000001-2000001", "202-2000005-2000005"]);

    // Text for people: the summary, then each problem by row and column.
    let text = import(&db, "amazon_three_bad_rows.txt", &[]);
    assert_eq!(text.status.code(), Some(1));
    assert_eq!(
        stdout(&text),
        "6 rows: 0 orders created, 2 already there, 3 refused (4 rows)\n\
         row 4, item-price: `3.5O` is not a decimal amount in GBP (order 202-2000002-2000002)\n\
         row 5, quantity-purchased: `two` is not a whole number (order 202-2000003-2000003)\n\
         row 6, sku: there is no product with SKU HAT-NONE (order 202-2000004-2000004)\n"
    );
    assert_eq!(count(&store, "sales_order").await, 2, "a re-run creates nothing");
}

#[tokio::test]
async fn another_layout_imports_with_its_mapping_and_an_unknown_channel_is_refused() {
    let db = new_db();
    let store = shop(&db).await;
    let mapping = format!("{DATA}/spreadsheet_mapping.toml");
    let out = import(&db, "spreadsheet_orders.csv", &["--mapping", &mapping]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        "4 rows: 3 orders created, 0 already there, 0 refused (0 rows)\n"
    );
    assert_eq!(count(&store, "sales_order").await, 3);

    let path = format!("{DATA}/amazon_unshipped_orders.txt");
    let out = switchyard(&db, &["import", "orders", &path, "--channel", "nowhere"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no channel nowhere"));
    assert_eq!(count(&store, "sales_order").await, 3);
}
