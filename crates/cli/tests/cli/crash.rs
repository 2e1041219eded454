//! The crash test: clients place orders against the real `switchyard` binary while
//! its servers are killed with SIGKILL and started again. Each client sends every
//! order with an `Idempotency-Key` and sends it again, with the same key, until it
//! hears an answer, as a real integrator would after a dropped connection. Afterwards
//! every acknowledged order is in the database exactly once, with the id and number
//! the client heard; no order is there that no client heard of; and `switchyard
//! check` is clean. On SQLite (one server, killed twice) and on PostgreSQL (two
//! servers on one database: one killed while the other serves, then both).
//!
//! The servers also deliver the outbox meanwhile: a webhook receiver on loopback, slow
//! to answer so that kills land while deliveries are in flight, hears `order.placed`;
//! afterwards every stored order's webhook has arrived at least once.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::{Db, db, stdout, store, switchyard};
use switchyard_bench::receiver::Receiver;
use switchyard_core::{Clock, SystemClock};
use switchyard_store::Store;

/// Concurrent clients placing orders.
const CLIENTS: usize = 8;
/// Orders acknowledged between one kill and the next, and after the last restart.
const ACKS_PER_ROUND: usize = 40;
/// How long one order may go unanswered (servers down, or its key still in use)
/// before the test gives up on it.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);
/// The pause before an unanswered order is sent again.
const RESEND_AFTER: Duration = Duration::from_millis(25);

/// A database in a schema of its own on the test server
/// (`SWITCHYARD_TEST_POSTGRES_URL`), and the schema's name.
async fn postgres() -> (Db, String) {
    let schema = format!("t_{}", switchyard_core::id::new_body(SystemClock.now()));
    schema_sql(format!("CREATE SCHEMA {schema}")).await;
    let base = postgres_url();
    let sep = if base.contains('?') { '&' } else { '?' };
    let db = Db {
        dir: tempfile::tempdir().unwrap(),
        url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
    };
    (db, schema)
}

/// Creates or drops a test schema.
async fn schema_sql(statement: String) {
    let admin = Store::connect(&postgres_url(), Arc::new(SystemClock)).await.unwrap();
    db::query(statement).execute(admin.pool()).await.unwrap();
    admin.close().await;
}

fn postgres_url() -> String {
    std::env::var("SWITCHYARD_TEST_POSTGRES_URL").expect("SWITCHYARD_TEST_POSTGRES_URL")
}

/// A `switchyard serve` process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    url: String,
    log: std::path::PathBuf,
}

impl Server {
    /// Starts a server on `addr` and waits until it is ready.
    async fn start(db: &Db, addr: SocketAddr, log: std::path::PathBuf) -> Server {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(["serve", "--addr", &addr.to_string(), "--allow-private-webhook-targets"])
            .env("SWITCHYARD_DATABASE_URL", &db.url)
            .env("SWITCHYARD_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(out)
            .spawn()
            .unwrap();
        let mut server = Server {
            child,
            addr,
            url: db.url.clone(),
            log,
        };
        server.ready().await;
        server
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits until `/readyz` answers, failing with the server's log if it exits.
    async fn ready(&mut self) {
        let client = reqwest::Client::new();
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                panic!("server on {} exited ({exit}): {}", self.url, self.log_text());
            }
            let ready = client.get(format!("{}/readyz", self.base())).send().await;
            if ready.is_ok_and(|r| r.status() == 200) {
                return;
            }
            tokio::time::sleep(RESEND_AFTER).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Starts the killed server again on the same address.
    async fn restart(&mut self, db: &Db) {
        *self = Server::start(db, self.addr, self.log.clone()).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Killing a server already killed is harmless.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// The order a client was told about: `201` (placed) or `200` (placed before, by an
/// earlier send of the same order whose answer was lost).
#[derive(Debug)]
struct Ack {
    /// The order's `Idempotency-Key`, also its tag.
    key: String,
    external_id: Option<String>,
    /// The order's id and number as the answer gave them; `None` when the answer was
    /// that the order was applied but its response lost with the killed server
    /// (`409 idempotency_response_lost`), which tells the client to read it instead.
    heard: Option<(String, String)>,
    status: u16,
}

/// What the clients did.
#[derive(Default)]
struct Load {
    acks: Mutex<Vec<Ack>>,
    acked: AtomicUsize,
    /// Sends of an order after the first: its server was down or died mid-request.
    resent: AtomicUsize,
    stop: AtomicBool,
}

/// Sends one order until it is answered, with the same key every time.
async fn place(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    idempotency_key: &str,
    body: &Value,
    load: &Load,
) -> (u16, Value) {
    let give_up = Instant::now() + ANSWER_WITHIN;
    let mut last = String::new();
    for attempt in 0.. {
        assert!(
            Instant::now() < give_up,
            "order {idempotency_key} unanswered after {attempt} sends: {last}"
        );
        if attempt > 0 {
            load.resent.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(RESEND_AFTER).await;
        }
        let sent = client
            .post(url)
            .bearer_auth(key)
            .header("Idempotency-Key", idempotency_key)
            .json(body)
            .send()
            .await;
        let res = match sent {
            Ok(res) => res,
            Err(e) => {
                last = e.to_string();
                continue;
            }
        };
        let status = res.status().as_u16();
        let Ok(bytes) = res.bytes().await else {
            last = format!("{status} with its body cut off");
            continue;
        };
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status == 409 && answer["code"] == "idempotency_key_in_use" {
            last = answer.to_string();
            continue;
        }
        return (status, answer);
    }
    unreachable!("the loop returns or fails")
}

/// One client: orders one after another, each on a SKU of its own turn, until told
/// to stop. Every order is tagged with its idempotency key; the even clients' orders
/// also carry it as their external id, so for the odd ones only the key keeps a
/// resend from placing the order twice.
async fn client(n: usize, url: String, key: String, channel: String, skus: Vec<String>, load: Arc<Load>) {
    let client = reqwest::Client::new();
    for i in 0.. {
        if load.stop.load(Ordering::Relaxed) {
            return;
        }
        let idempotency_key = format!("crash-{n}-{i}");
        let external_id = n.is_multiple_of(2).then(|| idempotency_key.clone());
        let body = json!({
            "channel": channel,
            "external_id": external_id,
            "currency": "GBP",
            "customer": {"email": format!("crash{n}@example.com"), "name": "Crash Buyer"},
            "shipping_address": {"name": "Crash Buyer", "line1": "1 High Street", "city": "Leeds", "postal_code": "LS1 4AP", "country": "GB"},
            "lines": [{"sku": skus[(n + i) % skus.len()], "quantity": 1, "unit_price": {"amount": 1500, "currency": "GBP"}}],
            "tags": [idempotency_key],
        });
        let (status, answer) = place(&client, &url, &key, &idempotency_key, &body, &load).await;
        let heard = if status == 409 && answer["code"] == "idempotency_response_lost" {
            None
        } else {
            assert!(status == 201 || status == 200, "{idempotency_key}: {status} {answer}");
            assert_eq!(answer["tags"], json!([idempotency_key]), "{answer}");
            Some((
                answer["id"].as_str().unwrap().to_owned(),
                answer["number"].as_str().unwrap().to_owned(),
            ))
        };
        load.acks.lock().unwrap().push(Ack {
            key: idempotency_key,
            external_id,
            heard,
            status,
        });
        load.acked.fetch_add(1, Ordering::Relaxed);
    }
}

/// Waits until the clients have heard about `count` orders in all; a client that
/// stopped before being told to failed, and fails the test.
async fn acknowledged(load: &Load, count: usize, clients: &mut tokio::task::JoinSet<()>) {
    while load.acked.load(Ordering::Relaxed) < count {
        if let Some(stopped) = clients.try_join_next() {
            failed(stopped);
            panic!("a client stopped before it was told to");
        }
        tokio::time::sleep(RESEND_AFTER).await;
    }
}

/// Fails the test with a client's own failure, if it failed.
fn failed(client: Result<(), tokio::task::JoinError>) {
    if let Err(e) = client {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs the load on `instances` servers of `db`; in each of `rounds`, once another
/// `ACKS_PER_ROUND` orders were acknowledged, kills the servers it names and starts
/// them again. Then checks every acknowledged order and the books.
async fn crash_under_load(db: &Db, instances: usize, rounds: &[&[usize]]) {
    let created = switchyard(db, &["api-key", "create", "--name", "crash", "--role", "admin"]);
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let key = stdout(&created).lines().last().unwrap().to_owned();
    let mut servers = Vec::new();
    for i in 0..instances {
        let log = db.dir.path().join(format!("server-{i}.log"));
        servers.push(Server::start(db, free_addr(), log).await);
    }
    let config = switchyard_bench::Config {
        url: servers[0].base(),
        key: key.clone(),
        skus: 4,
        stock_per_sku: 100_000,
        ..switchyard_bench::Config::default()
    };
    let shop = switchyard_bench::setup(&reqwest::Client::new(), &config).await.unwrap();
    let receiver = Receiver::start(Duration::from_millis(20)).await.unwrap();
    let endpoint = reqwest::Client::new()
        .post(format!("{}/api/v1/webhook-endpoints", servers[0].base()))
        .bearer_auth(&key)
        .json(&json!({"url": receiver.url(), "event_types": ["order.placed"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(endpoint.status(), 201, "{}", endpoint.text().await.unwrap());

    let load = Arc::new(Load::default());
    let mut clients = tokio::task::JoinSet::new();
    for n in 0..CLIENTS {
        let url = format!("{}/api/v1/orders", servers[n % instances].base());
        let (key, channel, skus) = (key.clone(), shop.channel.clone(), shop.skus.clone());
        clients.spawn(client(n, url, key, channel, skus, load.clone()));
    }
    let mut target = 0;
    for killed in rounds {
        target += ACKS_PER_ROUND;
        acknowledged(&load, target, &mut clients).await;
        for &i in *killed {
            servers[i].kill();
        }
        for &i in *killed {
            servers[i].restart(db).await;
        }
    }
    acknowledged(&load, target + ACKS_PER_ROUND, &mut clients).await;
    load.stop.store(true, Ordering::Relaxed);
    while let Some(done) = clients.join_next().await {
        failed(done);
    }
    let repeats = every_order_heard_of(db, &shop.channel, &receiver).await;
    drop(servers);

    let acks = std::mem::take(&mut *load.acks.lock().unwrap());
    let store = store(db).await;
    let rows = db::query(
        "SELECT o.id, o.number, o.external_id, o.tags FROM sales_order o JOIN channel c ON c.id = o.channel_id \
         WHERE c.code = $1",
    )
    .bind(shop.channel.as_str())
    .fetch_all(store.pool())
    .await
    .unwrap();
    // Every stored order by the key it was sent with: (id, number, external id).
    type Stored = (String, String, Option<String>);
    let mut stored: BTreeMap<String, Vec<Stored>> = BTreeMap::new();
    for row in &rows {
        let tags: Vec<String> = serde_json::from_str(&row.try_get::<String, _>("tags").unwrap()).unwrap();
        let order = (
            row.try_get("id").unwrap(),
            row.try_get("number").unwrap(),
            row.try_get("external_id").unwrap(),
        );
        stored.entry(tags.concat()).or_default().push(order);
    }
    store.close().await;
    for ack in &acks {
        let orders = stored.get(&ack.key).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(orders.len(), 1, "{ack:?} is not stored exactly once: {orders:?}");
        if let Some((id, number)) = &ack.heard {
            assert_eq!(
                orders[0],
                (id.clone(), number.clone(), ack.external_id.clone()),
                "{ack:?}"
            );
        }
    }
    assert_eq!(stored.len(), acks.len(), "orders no client was told about were stored");
    let check = switchyard(db, &["check"]);
    assert!(check.status.success(), "{}", stdout(&check));
    eprintln!(
        "{} orders acknowledged ({} of them answered 200 after a resend, {} applied with their response lost), \
         {} sends repeated, {} kills, {} webhooks delivered more than once",
        acks.len(),
        acks.iter().filter(|a| a.status == 200).count(),
        acks.iter().filter(|a| a.heard.is_none()).count(),
        load.resent.load(Ordering::Relaxed),
        rounds.iter().map(|r| r.len()).sum::<usize>(),
        repeats,
    );
}

/// Waits until the receiver has heard `order.placed` for every order stored on
/// `channel` (at least once: a kill between a webhook's arrival and its record sends it
/// again); returns how many webhooks arrived more than once.
async fn every_order_heard_of(db: &Db, channel: &str, receiver: &Receiver) -> usize {
    let store = store(db).await;
    let ids: BTreeSet<String> = db::query_scalar::<String>(
        "SELECT o.id FROM sales_order o JOIN channel c ON c.id = o.channel_id WHERE c.code = $1",
    )
    .bind(channel)
    .fetch_all(store.pool())
    .await
    .unwrap()
    .into_iter()
    .collect();
    store.close().await;
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let received = receiver.received();
        let heard: BTreeSet<String> = received.iter().map(|r| r.subject.clone()).collect();
        let missing: Vec<&String> = ids.difference(&heard).collect();
        if missing.is_empty() {
            let messages: BTreeSet<&str> = received.iter().map(|r| r.id.as_str()).collect();
            return received.len() - messages.len();
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} stored orders had no order.placed webhook after the servers came back: {missing:?}",
            missing.len(),
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_acknowledged_orders_survive_sigkill_exactly_once() {
    let db = db();
    crash_under_load(&db, 1, &[&[0], &[0]]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(pg_tests), ignore = "set SWITCHYARD_TEST_POSTGRES_URL to run PostgreSQL tests")]
async fn postgres_two_servers_acknowledged_orders_survive_sigkill_exactly_once() {
    let (db, schema) = postgres().await;
    crash_under_load(&db, 2, &[&[0], &[0, 1]]).await;
    schema_sql(format!("DROP SCHEMA {schema} CASCADE")).await;
}
