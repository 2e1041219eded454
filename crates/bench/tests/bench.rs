//! The load generator against a real server on a real socket: it sets up, places,
//! reads and looks up, verifies, and fails loudly on a lost or oversold order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use switchyard_bench::{Config, Rng, Zipf, build_report, drive, setup, verify};
use switchyard_core::SystemClock;
use switchyard_core::auth::Role;
use switchyard_server::AppState;
use switchyard_store::Store;

struct Server {
    config: Config,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::connect(&url, Arc::new(SystemClock)).await.unwrap();
    store.migrate().await.unwrap();
    let (_, key) = store.create_api_key("bench", Role::Admin).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(switchyard_server::serve(
        listener,
        AppState::new(store.clone()),
        std::future::pending(),
    ));
    let config = Config {
        url: base,
        key,
        skus: 12,
        stock_per_sku: 6,
        concurrency: 8,
        operations: Some(400),
        ..Config::default()
    };
    Server {
        config,
        store,
        _dir: dir,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_places_reads_looks_up_and_lists_and_verifies_clean() {
    let s = server().await;
    let config = Config {
        mix: [60, 15, 5, 10, 10],
        ..s.config.clone()
    };
    let report = switchyard_bench::run(&config).await.unwrap();
    assert!(report.verification.passed(), "{report}");
    let place = report.operations.iter().find(|o| o.operation == "place order").unwrap();
    assert!(place.count > 200, "{report}");
    // Hot SKUs run out: some placements are refused for stock, and none oversold.
    assert!(place.statuses.iter().any(|(s, _)| s == "409"), "{report}");
    assert!(place.statuses.iter().any(|(s, _)| s == "201"), "{report}");
    assert_eq!(report.verification.oversold_units, 0);
    assert!(report.operations.iter().any(|o| o.operation == "availability read"));
    for listing in ["order list", "order search"] {
        let op = report.operations.iter().find(|o| o.operation == listing).unwrap();
        assert!(op.count > 0 && op.statuses.iter().all(|(s, _)| s == "200"), "{report}");
    }
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["operations"][0]["p99_ms"].is_number());
    assert!(s.store.check().await.unwrap().is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_run_measures_stock_push_lag_and_inbound_webhook_orders() {
    let s = server().await;
    // Plenty of stock, so every placement is accepted and changes its SKUs' figures.
    let config = Config {
        stock_per_sku: 1000,
        operations: Some(120),
        mix: [100, 0, 0, 0, 0],
        max_lines: 3,
        channels: true,
        channel_webhooks: 150,
        ..s.config.clone()
    };
    let report = switchyard_bench::run(&config).await.unwrap();
    assert!(report.verification.passed(), "{report}");
    let c = report.channels.as_ref().unwrap();
    assert_eq!(c.listings, 12, "every bench SKU listed on the shop");
    let stock = &c.stock;
    assert_eq!(stock.placements, 120, "{report}");
    assert!(stock.samples >= 120, "one sample per SKU of each placement: {report}");
    assert!(stock.pushes > 0 && stock.lag_max_ms > 0.0, "{report}");
    assert!(stock.lag_p50_ms <= stock.lag_p99_ms && stock.lag_p99_ms <= stock.lag_max_ms);
    assert_eq!(stock.mismatched, 0, "{report}");
    let inbound = &c.inbound;
    assert_eq!(
        (inbound.sent, inbound.placed, inbound.stored),
        (150, 150, 150),
        "{report}"
    );
    assert_eq!(inbound.wrong_totals, 0);
    assert_eq!((inbound.resent, inbound.resent_existing), (100, 100), "{report}");
    assert!(inbound.per_second > 0.0 && inbound.p50_ms <= inbound.p99_ms);
    let text = report.to_string();
    assert!(
        text.contains("stock-push lag") && text.contains("inbound webhooks: 150 of 150 placed"),
        "{text}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["channels"]["stock"]["lag_p99_ms"].is_number());
    assert!(json["channels"]["inbound"]["per_second"].is_number());
    assert!(s.store.check().await.unwrap().is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_fails_loudly_on_a_lost_or_oversold_order() {
    let s = server().await;
    let client = reqwest::Client::new();
    let mut made = setup(&client, &s.config).await.unwrap();
    let run = drive(&client, &s.config, &made).await;
    assert!(!run.accepted.is_empty());
    // The server "loses" an accepted order.
    let lost = run.accepted[0].id.clone();
    for table in [
        "order_event",
        "reservation",
        "order_line",
        "payment_transaction",
        "payment",
    ] {
        switchyard_store::db::query(format!("DELETE FROM {table} WHERE order_id = $1"))
            .bind(&lost)
            .execute(s.store.pool())
            .await
            .unwrap();
    }
    switchyard_store::db::query("DELETE FROM sales_order WHERE id = $1")
        .bind(&lost)
        .execute(s.store.pool())
        .await
        .unwrap();
    let v = verify(&client, &s.config, &made, &run).await.unwrap();
    assert!(!v.passed());
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("accepted but") && p.contains("stored")),
        "{:?}",
        v.problems
    );
    // Stock received was less than what is reserved: oversold.
    for units in made.received.values_mut() {
        *units = 0;
    }
    let v = verify(&client, &s.config, &made, &run).await.unwrap();
    assert!(v.oversold_units > 0);
    let report = build_report(&s.config, &made, run, v);
    assert!(report.to_string().contains("VERIFICATION FAILED"));
}

#[test]
fn zipf_makes_a_few_skus_hot() {
    let zipf = Zipf::new(1000, 1.1);
    let mut rng = Rng::new(7);
    let mut counts = vec![0u32; 1000];
    for _ in 0..100_000 {
        counts[zipf.sample(&mut rng)] += 1;
    }
    let top10: u32 = counts[..10].iter().sum();
    assert!(
        top10 > 30_000,
        "the 10 hottest of 1000 SKUs get over 30% of draws: {top10}"
    );
    assert!(counts[0] > counts[100] * 20);
}
