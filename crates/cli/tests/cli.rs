//! The `switchyard` binary as an operator runs it: keys, demo data, the check, and a
//! server that starts, answers and stops cleanly on SIGTERM; killed with SIGKILL under
//! load, it loses no acknowledged order and doubles none (`crash`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "cli/crash.rs"]
mod crash;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use switchyard_core::SystemClock;
use switchyard_store::Store;
use switchyard_store::db;

/// A database for one test, and a directory of its own (the SQLite file, logs).
struct Db {
    dir: tempfile::TempDir,
    url: String,
}

fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    Db { dir, url }
}

fn switchyard(db: &Db, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .env("SWITCHYARD_DATABASE_URL", &db.url)
        .env("SWITCHYARD_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn store(db: &Db) -> Store {
    Store::connect(&db.url, Arc::new(SystemClock)).await.unwrap()
}

#[tokio::test]
async fn api_key_create_prints_the_key_alone_on_the_last_line_and_stores_only_its_hash() {
    let db = db();
    let out = switchyard(&db, &["api-key", "create", "--name", "ops bot", "--role", "warehouse"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    let key = text.lines().last().unwrap();
    assert!(key.starts_with("sy_") && !key.contains(' '), "{text}");
    let store = store(&db).await;
    let principal = store.authenticate(key).await.unwrap().unwrap();
    assert_eq!(principal.name, "ops bot");
    let hashes: Vec<String> = db::query_scalar("SELECT key_hash FROM api_key")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(hashes.iter().all(|h| h != key && h.len() == 64));

    let bad = switchyard(&db, &["api-key", "create", "--name", "x", "--role", "owner"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("admin, manager, warehouse, support, viewer"));
}

#[tokio::test]
async fn the_demo_loads_a_believable_business_once() {
    let db = db();
    let first = switchyard(&db, &["demo"]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let key = stdout(&first).lines().last().unwrap().to_owned();
    let store = store(&db).await;
    assert!(
        store.authenticate(&key).await.unwrap().is_some(),
        "the printed key is an admin key"
    );
    let count = |table: &'static str| {
        let pool = store.pool().clone();
        async move {
            db::query_scalar::<i64>(format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let before = (
        count("location").await,
        count("channel").await,
        count("product").await,
        count("sales_order").await,
        count("stock_movement").await,
    );
    assert!(
        before.0 >= 3 && before.1 >= 4 && before.2 >= 50 && before.3 >= 300,
        "{before:?}"
    );
    let countries: Vec<String> = db::query_scalar("SELECT DISTINCT country FROM location")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(countries.len() >= 3, "{countries:?}");
    // Orders are spread over the last 90 days, mostly in waking hours.
    let placed: Vec<i64> = db::query_scalar("SELECT placed_at FROM sales_order")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let span_days = (placed.iter().max().unwrap() - placed.iter().min().unwrap()) / 86_400_000_000;
    assert!(span_days >= 80, "{span_days}");
    let night = placed.iter().filter(|t| (*t / 3_600_000_000) % 24 < 6).count();
    assert!(night * 5 < placed.len(), "{night} of {} at night", placed.len());

    let second = switchyard(&db, &["demo"]);
    assert!(second.status.success());
    let after = (
        count("location").await,
        count("channel").await,
        count("product").await,
        count("sales_order").await,
        count("stock_movement").await,
    );
    assert_eq!(before, after, "a second run adds nothing");
    let check = switchyard(&db, &["check"]);
    assert!(check.status.success(), "{}", stdout(&check));
}

#[tokio::test]
async fn check_exits_non_zero_and_names_a_balance_that_disagrees_with_the_ledger() {
    let db = db();
    assert!(switchyard(&db, &["demo"]).status.success());
    assert!(switchyard(&db, &["check"]).status.success());
    let store = store(&db).await;
    db::query("UPDATE stock_balance SET on_hand = on_hand + 7 WHERE location_id = (SELECT id FROM location WHERE code = 'LON') AND product_id = (SELECT id FROM product WHERE sku = 'MUG-FERN')")
        .execute(store.pool())
        .await
        .unwrap();
    let out = switchyard(&db, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("MUG-FERN at LON") && text.contains("ledger sums to"),
        "{text}"
    );
}

#[tokio::test]
async fn serve_answers_and_stops_cleanly_on_sigterm() {
    let db = db();
    assert!(switchyard(&db, &["migrate"]).status.success());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["serve", "--addr", &addr.to_string()])
        .env("SWITCHYARD_DATABASE_URL", &db.url)
        .env("SWITCHYARD_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the "serving" log line rather than sleeping.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line.unwrap().contains("serving") {
            break;
        }
    }
    let health = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(health.status(), 200);
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
}

#[tokio::test]
async fn bench_refuses_a_mix_it_cannot_run_before_touching_any_server() {
    let db = db();
    for mix in ["80,20", "1,2,3,4,5,6", "0,0,0,0", "80,x,5"] {
        // Nothing listens on this port: a mix that passed would fail on the set-up instead.
        let out = switchyard(
            &db,
            &["bench", "--url", "http://127.0.0.1:9", "--key", "k", "--mix", mix],
        );
        assert!(!out.status.success(), "--mix {mix} was taken");
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(text.contains("three to five whole numbers"), "--mix {mix}: {text}");
    }
}
