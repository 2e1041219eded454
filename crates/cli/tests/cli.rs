//! The `switchyard` binary as an operator runs it: keys, demo data (a year of it:
//! `demo`), the check, and a
//! server that starts, answers and stops cleanly on SIGTERM; killed with SIGKILL under
//! load, it loses no acknowledged order and doubles none (`crash`); the README's
//! walkthrough runs as written against its demo (`walkthrough`); demand forecasts
//! and their backtest on a small sales file (`forecast`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "cli/channel.rs"]
mod channel;
#[path = "cli/crash.rs"]
mod crash;
#[path = "cli/demo.rs"]
mod demo;
#[path = "cli/forecast.rs"]
mod forecast;
#[path = "cli/import.rs"]
mod import;
#[path = "cli/ops.rs"]
mod ops;
#[path = "cli/replenish.rs"]
mod replenish;
#[path = "cli/user.rs"]
mod user;
#[path = "cli/walkthrough.rs"]
mod walkthrough;

use std::io::{BufRead, BufReader, Lines, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStderr, Command, Output, Stdio};
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

/// A short demo (`--history-days 14`): what the year's test (`demo`) would also show,
/// at a fraction of the time.
const SHORT_DEMO: [&str; 3] = ["demo", "--history-days", "14"];

#[tokio::test]
async fn the_demo_signs_its_admin_in_and_loads_once() {
    let db = db();
    let first = switchyard(&db, &SHORT_DEMO);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let key = stdout(&first).lines().last().unwrap().to_owned();
    let store = store(&db).await;
    // The demo admin signs in to the web UI with the password printed on stderr.
    let log = String::from_utf8_lossy(&first.stderr).into_owned();
    let sign_in = log
        .lines()
        .find(|l| l.starts_with("demo sign-in: "))
        .expect("a sign-in line");
    let password = sign_in.rsplit(' ').next().unwrap();
    assert!(sign_in.contains("admin@example.com / "), "{sign_in}");
    assert!(matches!(
        store
            .sign_in("admin@example.com", password, "127.0.0.1", "test")
            .await
            .unwrap(),
        switchyard_store::user::SignIn::Opened { .. }
    ));
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
        before.0 >= 3 && before.1 >= 4 && before.2 >= 50 && before.3 >= 100,
        "{before:?}"
    );
    let countries: Vec<String> = db::query_scalar("SELECT DISTINCT country FROM location")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(countries.len() >= 3, "{countries:?}");
    // Two weeks of orders, ending now.
    let placed: Vec<i64> = db::query_scalar("SELECT placed_at FROM sales_order")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let span_days = (placed.iter().max().unwrap() - placed.iter().min().unwrap()) / 86_400_000_000;
    assert!((12..=14).contains(&span_days), "{span_days}");

    let second = switchyard(&db, &SHORT_DEMO);
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
    assert!(switchyard(&db, &SHORT_DEMO).status.success());
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

/// `switchyard serve` with `args` on a free port, once it logs that it is serving.
fn start_server(db: &Db, args: &[&str]) -> (Child, SocketAddr, Lines<BufReader<ChildStderr>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["serve", "--addr", &addr.to_string()])
        .args(args)
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
    (child, addr, lines)
}

fn terminate(child: &mut Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn serve_answers_and_stops_cleanly_on_sigterm() {
    let db = db();
    assert!(switchyard(&db, &["migrate"]).status.success());
    let (mut child, addr, lines) = start_server(&db, &[]);
    let health = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(health.status(), 200);
    terminate(&mut child);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
}

#[tokio::test]
async fn serve_closes_a_connection_slow_to_send_headers_after_the_timeout_it_was_given() {
    let db = db();
    assert!(switchyard(&db, &["migrate"]).status.success());
    let (mut child, addr, _lines) = start_server(&db, &["--header-read-timeout", "1"]);
    let mut slow = std::net::TcpStream::connect(addr).unwrap();
    slow.write_all(b"GET /healthz HT").unwrap();
    // Generous: the server is wrong long before then.
    slow.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let mut buf = [0u8; 64];
    let closed = loop {
        match slow.read(&mut buf) {
            Ok(0) => break true,
            Ok(_) => {}
            Err(e) => break e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    };
    assert!(closed, "the connection was kept past --header-read-timeout");
    terminate(&mut child);
}

#[test]
fn serve_refuses_limits_that_would_serve_nobody() {
    let db = db();
    for setting in [
        "--max-connections",
        "--header-read-timeout",
        "--idle-timeout",
        "--key-rate-limit",
    ] {
        let out = switchyard_exits(&db, &["serve", "--addr", "127.0.0.1:0", setting, "0"]);
        assert_eq!(out.status.code(), Some(2), "{setting} 0 was taken");
    }
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

/// Runs `switchyard` to its end, or kills it after a generous minute (a server that
/// should have refused to start would otherwise run for ever).
fn switchyard_exits(db: &Db, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .env("SWITCHYARD_DATABASE_URL", &db.url)
        .env("SWITCHYARD_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..600 {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    panic!(
        "`switchyard {}` did not exit: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_demo_refuses_a_database_that_already_holds_data() {
    let db = db();
    let created = switchyard(&db, &["api-key", "create", "--name", "shop admin", "--role", "admin"]);
    assert!(created.status.success());
    for args in [&["serve", "--demo", "--addr", "127.0.0.1:0"][..], &["demo"]] {
        let out = switchyard_exits(&db, args);
        assert!(!out.status.success(), "`{}` was accepted", args.join(" "));
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(text.contains("already holds data"), "{text}");
        assert!(!stdout(&out).contains("sy_"), "a key was printed: {}", stdout(&out));
    }
    // Nothing was written: no demo orders, no catalog, no demo admin key.
    let store = store(&db).await;
    for table in ["sales_order", "product", "location"] {
        let n: i64 = db::query_scalar(format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    let keys: Vec<String> = db::query_scalar("SELECT name FROM api_key")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(keys, ["shop admin"]);
}
