//! Webhooks delivered to a receiver in a process of its own (`receiver.py`), which
//! checks every signature with the `standardwebhooks` package: an order's event arrives
//! signed; a receiver that fails and then recovers gets the message once more, a dead
//! one gets every retry of the schedule and then nothing; a rotated secret signs
//! alongside the new one for a day; and private targets are refused, at creation and at
//! send time, without `--allow-private-webhook-targets`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use std::sync::Arc;

use jiff::SignedDuration;
use serde_json::{Value, json};
use switchyard_core::delivery::{AttemptOutcome, Destination, RETRY_SCHEDULE};
use switchyard_core::id::WebhookEndpointId;
use switchyard_server::AppState;
use switchyard_server::delivery::webhook::WebhookSender;
use switchyard_server::delivery::{Round, Senders, Worker};
use switchyard_store::outbox::{AttemptFilter, AttemptRecord};
use switchyard_store::page::PageRequest;

use super::{ENDPOINTS, create, id, stored};
use crate::both;
use crate::helpers::*;

/// The receiver process, killed when dropped.
struct Receiver {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Receiver {
    /// A receiver answering `answers` in turn (the last repeats).
    fn start(answers: &str) -> Receiver {
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/webhooks/receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg("--record")
            .arg(dir.path().join("record.jsonl"))
            .arg("--secrets")
            .arg(dir.path().join("secrets"))
            .arg("--answers")
            .arg(answers)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the receiver (pip install standardwebhooks)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!(
                "the receiver did not start (is `standardwebhooks` installed? pip install standardwebhooks): {line:?}"
            )
        });
        Receiver { child, port, dir }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// The secrets the receiver checks each request with, each on its own.
    fn trust(&self, secrets: &[&str]) {
        std::fs::write(self.path("secrets"), secrets.join("\n")).unwrap();
    }

    /// Every request so far, as the receiver recorded it.
    fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(self.path("record.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A worker that sends webhooks as `serve` does; `allow_private` is the flag.
fn worker(app: &TestApp, allow_private: bool) -> Worker {
    let webhook = WebhookSender::new(app.store.clone(), allow_private).unwrap();
    let senders = Senders {
        webhook: Arc::new(webhook),
        ..Senders::default()
    };
    Worker::new(app.store.clone(), senders)
}

/// Runs rounds until one finds nothing to do; answers the tries made.
async fn drain(worker: &Worker) -> usize {
    let mut tried = 0;
    loop {
        let round = worker.run_once().await.unwrap();
        if round == Round::default() {
            return tried;
        }
        tried += round.tried;
    }
}

/// A message of its own to `endpoint` (as "send a test event" writes one).
async fn enqueue(app: &TestApp, endpoint: &Value, n: u32) -> String {
    let destination = Destination::Webhook(WebhookEndpointId::parse(&id(endpoint)).unwrap());
    let body = json!({"type": "webhook.test", "timestamp": app.now(), "data": {"n": n}});
    app.store
        .enqueue_to(
            &destination,
            "webhook.test",
            &format!("test-{n}"),
            &json!({"n": n}),
            &body,
        )
        .await
        .unwrap()
        .to_string()
}

/// The tries at `endpoint`, oldest first.
async fn attempts(app: &TestApp, endpoint: &Value) -> Vec<AttemptRecord> {
    let filter = AttemptFilter {
        destination: Some(Destination::Webhook(WebhookEndpointId::parse(&id(endpoint)).unwrap())),
        message: None,
    };
    let page = app
        .store
        .attempts(
            &filter,
            &PageRequest {
                cursor: None,
                limit: Some(500),
            },
        )
        .await
        .unwrap();
    page.data.into_iter().rev().collect()
}

async fn an_order_placed_reaches_the_receiver_signed_and_verified_independently(app: &TestApp) {
    let receiver = Receiver::start("200");
    let endpoint = create(app, &receiver.url(), json!({"event_types": ["order.placed"]})).await;
    receiver.trust(&[endpoint["secret"].as_str().unwrap()]);
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let placed = app.post("/api/v1/orders", order("web", "W-1", &[("TEE", 1)])).await;
    assert_eq!(placed.status, 201, "{}", placed.body);

    drain(&worker(app, true)).await;
    let received = receiver.received();
    assert_eq!(received.len(), 1, "only order.placed is subscribed: {received:?}");
    let request = &received[0];
    assert_eq!(request["verified"], json!([true]), "{request}");
    assert_eq!(request["body"]["type"], "order.placed");
    assert_eq!(
        request["body"]["data"]["external_id"], "W-1",
        "the order as the API shows it"
    );
    assert_eq!(request["body"]["data"]["id"], placed.body["id"]);
    assert_eq!(request["headers"]["content-type"], "application/json");
    assert!(
        request["headers"]["user-agent"]
            .as_str()
            .unwrap()
            .starts_with("Switchyard-Webhooks/")
    );
    let message = request["headers"]["webhook-id"].as_str().unwrap();
    assert!(message.starts_with("msg_"), "{message}");

    let tries = attempts(app, &endpoint).await;
    assert_eq!(tries.len(), 1);
    assert_eq!(
        (tries[0].outcome, tries[0].status_code),
        (AttemptOutcome::Delivered, Some(200))
    );
    assert_eq!(tries[0].message_id.as_str(), message);
    assert_eq!(tries[0].reply.as_deref(), Some("received"));
}

async fn a_receiver_failing_once_gets_the_message_again_after_the_retry_time_and_then_no_more(app: &TestApp) {
    let receiver = Receiver::start("500,200");
    let endpoint = create(app, &receiver.url(), json!({})).await;
    receiver.trust(&[endpoint["secret"].as_str().unwrap()]);
    let message = enqueue(app, &endpoint, 1).await;
    let worker = worker(app, true);

    assert_eq!(drain(&worker).await, 1);
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(drain(&worker).await, 0, "not again before the retry time");
    // The first pause is 5 s give or take a fifth.
    app.clock.advance(SignedDuration::from_secs(7));
    assert_eq!(drain(&worker).await, 1);
    app.clock.advance(SignedDuration::from_hours(48));
    assert_eq!(drain(&worker).await, 0, "delivered: never sent again");

    let received = receiver.received();
    let statuses: Vec<&Value> = received.iter().map(|r| &r["status"]).collect();
    assert_eq!(statuses, [&json!(500), &json!(200)]);
    for request in &received {
        assert_eq!(
            request["headers"]["webhook-id"],
            message.as_str(),
            "one id for every try"
        );
        assert_eq!(request["verified"], json!([true]));
    }
    let tries = attempts(app, &endpoint).await;
    let seen: Vec<_> = tries.iter().map(|t| (t.try_number, t.outcome, t.status_code)).collect();
    assert_eq!(
        seen,
        [
            (1, AttemptOutcome::Failed, Some(500)),
            (2, AttemptOutcome::Delivered, Some(200))
        ]
    );
    assert_eq!(tries[0].reply.as_deref(), Some("refused by the test receiver"));
    let read = app.get(&format!("{ENDPOINTS}/{}", id(&endpoint))).await.body;
    assert_eq!(
        read["failing_since"],
        Value::Null,
        "the success ended the failing streak"
    );
}

async fn a_receiver_that_is_down_gets_every_retry_then_the_delivery_is_dead(app: &TestApp) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let endpoint = create(app, &url, json!({})).await;
    enqueue(app, &endpoint, 1).await;
    let worker = worker(app, true);
    let first = app.now();

    assert_eq!(drain(&worker).await, 1);
    for pause in RETRY_SCHEDULE {
        assert_eq!(drain(&worker).await, 0, "nothing before the retry time");
        app.clock.advance(pause.mul_f64(1.2) + SignedDuration::from_secs(1));
        assert_eq!(drain(&worker).await, 1, "one retry after {pause:?}");
    }
    app.clock.advance(SignedDuration::from_hours(48));
    assert_eq!(drain(&worker).await, 0, "dead: no more tries");

    let tries = attempts(app, &endpoint).await;
    assert_eq!(tries.len(), 1 + RETRY_SCHEDULE.len());
    for attempt in &tries {
        assert_eq!((attempt.outcome, attempt.status_code), (AttemptOutcome::Failed, None));
        let reply = attempt.reply.as_deref().unwrap();
        assert!(reply.contains("onnection refused"), "{reply}");
    }
    let status = app.store.outbox_status().await.unwrap();
    let dead: Vec<_> = status
        .destinations
        .iter()
        .map(|d| (d.destination.clone(), d.pending, d.dead))
        .collect();
    assert_eq!(dead, [(id(&endpoint), 0, 1)]);
    let read = app.get(&format!("{ENDPOINTS}/{}", id(&endpoint))).await.body;
    assert_eq!(
        read["failing_since"],
        stored(first),
        "the failing streak began at the first try"
    );
    assert_eq!(read["status"], "enabled", "about 32 hours of failing is not 5 days");
}

async fn a_rotated_secret_signs_beside_the_new_one_for_a_day_then_only_the_new_one(app: &TestApp) {
    let receiver = Receiver::start("200");
    let endpoint = create(app, &receiver.url(), json!({})).await;
    let old = endpoint["secret"].as_str().unwrap().to_owned();
    let rotated = app
        .post(&format!("{ENDPOINTS}/{}/rotate-secret", id(&endpoint)), json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new = rotated.body["secret"].as_str().unwrap().to_owned();
    receiver.trust(&[&new, &old]);
    let worker = worker(app, true);

    enqueue(app, &endpoint, 1).await;
    drain(&worker).await;
    app.clock
        .advance(SignedDuration::from_hours(24) + SignedDuration::from_secs(1));
    enqueue(app, &endpoint, 2).await;
    drain(&worker).await;

    let received = receiver.received();
    assert_eq!(received.len(), 2);
    let signatures = |r: &Value| r["headers"]["webhook-signature"].as_str().unwrap().split(' ').count();
    assert_eq!(signatures(&received[0]), 2);
    assert_eq!(received[0]["verified"], json!([true, true]), "either secret verifies");
    assert_eq!(signatures(&received[1]), 1);
    assert_eq!(
        received[1]["verified"],
        json!([true, false]),
        "only the new secret, a day on"
    );
}

/// The targets the issue names, and where each resolves.
const PRIVATE: [(&str, &str); 5] = [
    ("https://127.0.0.1/hook", "127.0.0.1, a loopback address"),
    ("https://10.0.0.1/hook", "10.0.0.1, a private address"),
    (
        "https://169.254.169.254/latest/meta-data",
        "169.254.169.254, a metadata address",
    ),
    ("https://[::1]/hook", "::1, a loopback address"),
    ("https://localhost/hook", "a loopback address"),
];

async fn private_targets_are_refused_at_creation_without_the_flag(app: &TestApp) {
    let strict = strict_server(app).await;
    for (url, why) in PRIVATE {
        let r = TestApp::respond(
            app.client
                .post(format!("{strict}{ENDPOINTS}"))
                .bearer_auth(&app.admin)
                .json(&json!({"url": url})),
            &[],
        )
        .await;
        assert_eq!(r.status, 422, "{url}: {}", r.body);
        assert!(r.body.to_string().contains(why), "{url}: {}", r.body);
    }
    let plain = TestApp::respond(
        app.client
            .post(format!("{strict}{ENDPOINTS}"))
            .bearer_auth(&app.admin)
            .json(&json!({"url": "http://93.184.216.34/hook"})),
        &[],
    )
    .await;
    assert_eq!(plain.status, 422, "http:// without the flag: {}", plain.body);
    // The test server runs with the flag: the same targets are accepted there.
    for (url, _) in PRIVATE.iter().filter(|(url, _)| !url.contains("169.254.169.254")) {
        create(app, url, json!({})).await;
    }
}

async fn private_targets_are_refused_at_send_time_without_the_flag(app: &TestApp) {
    let receiver = Receiver::start("200");
    let on_loopback = format!("https://127.0.0.1:{}/hook", receiver.port);
    let mut endpoints = vec![create(app, &on_loopback, json!({})).await];
    for (url, _) in PRIVATE.iter().filter(|(url, _)| !url.contains("169.254.169.254")) {
        endpoints.push(create(app, url, json!({})).await);
    }
    for (n, endpoint) in endpoints.iter().enumerate() {
        enqueue(app, endpoint, n as u32).await;
    }
    assert_eq!(drain(&worker(app, false)).await, endpoints.len());
    assert!(receiver.received().is_empty(), "nothing reached the receiver");
    for endpoint in &endpoints {
        let tries = attempts(app, endpoint).await;
        assert_eq!(tries.len(), 1);
        assert_eq!((tries[0].outcome, tries[0].status_code), (AttemptOutcome::Failed, None));
        let reply = tries[0].reply.as_deref().unwrap();
        assert!(
            reply.starts_with("refused: the host resolves to"),
            "{}: {reply}",
            endpoint["url"]
        );
        assert!(
            reply.contains("loopback address") || reply.contains("private address"),
            "{reply}"
        );
    }
}

/// A second server on the test's database, without `--allow-private-webhook-targets`;
/// answers its base URL.
async fn strict_server(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(app.store.clone()).with_background_delivery(false);
    tokio::spawn(switchyard_server::serve(listener, state, std::future::pending()));
    base
}

both!(
    an_order_placed_reaches_the_receiver_signed_and_verified_independently,
    a_receiver_failing_once_gets_the_message_again_after_the_retry_time_and_then_no_more,
    a_receiver_that_is_down_gets_every_retry_then_the_delivery_is_dead,
    a_rotated_secret_signs_beside_the_new_one_for_a_day_then_only_the_new_one,
    private_targets_are_refused_at_creation_without_the_flag,
    private_targets_are_refused_at_send_time_without_the_flag,
);
