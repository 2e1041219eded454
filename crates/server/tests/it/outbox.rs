//! Delivering the outbox with real workers on both backends: the event feed, retries on
//! the schedule, dead deliveries, order per order and destination, leases that run out,
//! and two workers sharing the work. The destination here is a recording stand-in for
//! the outside world (a customer's mailbox); the webhook and email tests use real
//! receivers.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::SignedDuration;
use serde_json::json;
use switchyard_core::delivery::{Destination, Outcome, RETRY_SCHEDULE};
use switchyard_server::delivery::{Job, Round, SendFuture, Sender, Senders, Worker};
use switchyard_store::outbox::{AttemptFilter, Report};
use switchyard_store::page::PageRequest;

use crate::both;
use crate::helpers::*;

/// Receives what it is sent, failing the tries it was told to fail.
#[derive(Default)]
struct Mailbox {
    /// Every try: message id and its aggregate, in the order made.
    tries: Mutex<Vec<(String, String)>>,
    /// Messages (by aggregate) whose tries fail, and how many more times.
    failing: Mutex<BTreeMap<String, u32>>,
}

impl Mailbox {
    fn tries(&self) -> Vec<(String, String)> {
        self.tries.lock().unwrap().clone()
    }

    fn fail(&self, aggregate: &str, times: u32) {
        self.failing.lock().unwrap().insert(aggregate.to_owned(), times);
    }
}

impl Sender for Mailbox {
    fn send<'a>(&'a self, job: &'a Job) -> SendFuture<'a> {
        Box::pin(async move {
            self.tries
                .lock()
                .unwrap()
                .push((job.message.to_string(), job.aggregate_id.clone()));
            let mut failing = self.failing.lock().unwrap();
            let fail = failing.get_mut(&job.aggregate_id).filter(|n| **n > 0);
            let outcome = match fail {
                Some(n) => {
                    *n -= 1;
                    Outcome::Failed { permanent: false }
                }
                None => Outcome::Delivered,
            };
            Report {
                outcome,
                status_code: Some(if outcome == Outcome::Delivered { 250 } else { 451 }),
                reply: Some("ok".into()),
                latency: Duration::from_millis(3),
            }
        })
    }
}

fn worker(app: &TestApp, mailbox: &Arc<Mailbox>) -> Worker {
    let senders = Senders {
        email: mailbox.clone(),
        ..Senders::default()
    };
    Worker::new(app.store.clone(), senders)
}

/// A message of its own to the mailbox, about `aggregate`.
async fn send(app: &TestApp, aggregate: &str, n: u32) -> String {
    let body = json!({"type": "test.message", "data": {"n": n}});
    app.store
        .enqueue_to(&Destination::Email, "test.message", aggregate, &json!({"n": n}), &body)
        .await
        .unwrap()
        .to_string()
}

async fn drain(worker: &Worker) -> Round {
    let mut total = Round::default();
    loop {
        let round = worker.run_once().await.unwrap();
        if round == Round::default() {
            return total;
        }
        total.dispatched += round.dispatched;
        total.tried += round.tried;
    }
}

async fn the_feed_lists_every_event_in_order_without_gaps(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    for n in 0..3 {
        let r = app
            .post("/api/v1/orders", order("web", &format!("W-{n}"), &[("TEE", 1)]))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let mailbox = Arc::new(Mailbox::default());
    let round = drain(&worker(app, &mailbox)).await;
    assert!(round.dispatched >= 6, "placed and allocated for each order: {round:?}");

    let page = app.get("/api/v1/events?limit=4").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let first = page.body["data"].as_array().unwrap().clone();
    let positions: Vec<&str> = first.iter().map(|e| e["position"].as_str().unwrap()).collect();
    assert_eq!(positions, ["1", "2", "3", "4"]);
    assert_eq!(first[0]["type"], "order.placed");
    assert_eq!(first[0]["data"]["external_id"], "W-0", "the order as the API shows it");
    assert_eq!(first[0]["event"]["kind"], "order.placed");
    assert!(first[0]["id"].as_str().unwrap().starts_with("msg_"));

    let after = page.body["next_after"].as_str().unwrap();
    let rest = app.get(&format!("/api/v1/events?after={after}&limit=500")).await;
    let rest = rest.body["data"].as_array().unwrap().clone();
    let all: Vec<i64> = first
        .iter()
        .chain(&rest)
        .map(|e| e["position"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(all, (1..=all.len() as i64).collect::<Vec<_>>(), "gap-free and ordered");

    let end = app.get("/api/v1/events?after=999").await;
    assert_eq!(end.body["data"], json!([]));
    assert_eq!(
        end.body["next_after"], "999",
        "an empty page keeps the place to poll from"
    );

    let placed = app.get("/api/v1/events?type=order.placed&limit=500").await;
    let placed = placed.body["data"].as_array().unwrap().clone();
    assert_eq!(placed.len(), 3);
    assert!(placed.iter().all(|e| e["type"] == "order.placed"));

    for bad in ["-1", "x", "1.5"] {
        let r = app.get(&format!("/api/v1/events?after={bad}")).await;
        r.problem(422, "validation_failed");
        assert_eq!(r.invalid_fields(), ["after"], "{bad}");
    }
}

async fn a_failed_delivery_is_tried_again_on_the_schedule_and_dies_after_the_last(app: &TestApp) {
    let mailbox = Arc::new(Mailbox::default());
    let worker = worker(app, &mailbox);
    mailbox.fail("ord_flaky", 1);
    mailbox.fail("ord_down", u32::MAX);
    send(app, "ord_flaky", 1).await;
    let down = send(app, "ord_down", 1).await;

    assert_eq!(drain(&worker).await.tried, 2);
    assert_eq!(drain(&worker).await.tried, 0, "nothing is due before its retry time");
    app.clock.advance(SignedDuration::from_secs(7));
    assert_eq!(drain(&worker).await.tried, 2, "both retried after about 5 s");

    let attempts = app
        .store
        .attempts(&AttemptFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    let flaky: Vec<_> = attempts.data.iter().filter(|a| a.message_id.as_str() != down).collect();
    assert_eq!(flaky.len(), 2);
    assert_eq!(flaky[0].outcome.as_str(), "delivered", "newest first");
    assert_eq!((flaky[1].outcome.as_str(), flaky[1].status_code), ("failed", Some(451)));

    for pause in &RETRY_SCHEDULE[1..] {
        app.clock.advance(pause.mul_f64(1.3));
        assert_eq!(drain(&worker).await.tried, 1);
    }
    app.clock.advance(SignedDuration::from_hours(48));
    assert_eq!(
        drain(&worker).await.tried,
        0,
        "dead after the first try and seven retries"
    );
    let tries = mailbox.tries().iter().filter(|(m, _)| *m == down).count();
    assert_eq!(tries, 8);
    let status = app.store.outbox_status().await.unwrap();
    assert_eq!(status.destinations[0].dead, 1);
    assert_eq!(status.destinations[0].pending, 0);

    // A retry by hand sends it again at once.
    let id = switchyard_core::id::MessageId::parse(&down).unwrap();
    mailbox.fail("ord_down", 0);
    app.store.retry_delivery(&Destination::Email, &id).await.unwrap();
    assert_eq!(drain(&worker).await.tried, 1);
    assert!(app.store.outbox_status().await.unwrap().destinations.is_empty());
}

async fn messages_about_one_order_reach_a_destination_in_the_order_written(app: &TestApp) {
    let mailbox = Arc::new(Mailbox::default());
    let worker = worker(app, &mailbox);
    mailbox.fail("ord_a", 2);
    let a1 = send(app, "ord_a", 1).await;
    let b1 = send(app, "ord_b", 1).await;
    let a2 = send(app, "ord_a", 2).await;
    let a3 = send(app, "ord_a", 3).await;
    drain(&worker).await;
    // A round sends different orders' messages at the same time: a1 and b1 arrive in
    // either order.
    let mut first: Vec<String> = mailbox.tries().iter().map(|(m, _)| m.clone()).collect();
    first.sort();
    let mut expected = [a1.clone(), b1.clone()];
    expected.sort();
    assert_eq!(
        first, expected,
        "the order's later messages wait behind its first; another order's do not"
    );
    app.clock.advance(SignedDuration::from_secs(7));
    drain(&worker).await;
    app.clock.advance(SignedDuration::from_mins(7));
    drain(&worker).await;
    let sent: Vec<String> = mailbox.tries().iter().map(|(m, _)| m.clone()).skip(2).collect();
    assert_eq!(sent, [a1.clone(), a1, a2, a3]);
}

async fn a_dead_workers_lease_runs_out_and_another_delivers(app: &TestApp) {
    let mailbox = Arc::new(Mailbox::default());
    send(app, "ord_x", 1).await;
    let claimed = app.store.claim_deliveries("wrk_dead", 10).await.unwrap();
    assert_eq!(claimed.len(), 1, "a worker claimed it, then died without a word");
    let other = worker(app, &mailbox);
    assert_eq!(drain(&other).await.tried, 0, "leased to the dead worker");
    app.clock.advance(SignedDuration::from_secs(61));
    assert_eq!(drain(&other).await.tried, 1, "its lease ran out");
    assert_eq!(mailbox.tries().len(), 1);
}

async fn two_workers_deliver_each_message_once(app: &TestApp) {
    let mailbox = Arc::new(Mailbox::default());
    let mut sent = Vec::new();
    for n in 0..60 {
        sent.push(send(app, &format!("ord_{}", n % 20), n).await);
    }
    let (one, two) = (worker(app, &mailbox), worker(app, &mailbox));
    let (a, b) = tokio::join!(
        tokio::spawn(async move { drain(&one).await }),
        tokio::spawn(async move { drain(&two).await })
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.tried + b.tried, 60, "{a:?} {b:?}");
    let mut got: Vec<String> = mailbox.tries().into_iter().map(|(m, _)| m).collect();
    got.sort();
    sent.sort();
    assert_eq!(got, sent, "each message once");
}

async fn outbox_figures_show_on_metrics(app: &TestApp) {
    let mailbox = Arc::new(Mailbox::default());
    mailbox.fail("ord_m", 1);
    send(app, "ord_m", 1).await;
    drain(&worker(app, &mailbox)).await;
    let metrics = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains("switchyard_delivery_pending{destination=\"email\"} 1"),
        "{text}"
    );
    assert!(text.contains("switchyard_delivery_attempts_total{destination=\"email\",outcome=\"failed\"}"));
    assert!(text.contains("switchyard_outbox_pending_messages 1"));
}

async fn finished_deliveries_are_forgotten_after_thirty_days_and_dead_ones_kept(app: &TestApp) {
    let mailbox = Arc::new(Mailbox::default());
    let worker = worker(app, &mailbox);
    mailbox.fail("ord_dead", u32::MAX);
    send(app, "ord_ok", 1).await;
    let dead = send(app, "ord_dead", 1).await;
    for _ in 0..8 {
        drain(&worker).await;
        app.clock.advance(SignedDuration::from_hours(13));
    }
    let tries = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            store
                .attempts(&AttemptFilter::default(), &PageRequest::default())
                .await
                .unwrap()
                .data
        }
    };
    assert_eq!(tries(app).await.len(), 9, "one delivered try, eight failed");
    assert_eq!(
        app.store.prune_deliveries().await.unwrap(),
        0,
        "nothing is old enough yet"
    );
    app.clock.advance(SignedDuration::from_hours(30 * 24));
    assert_eq!(app.store.prune_deliveries().await.unwrap(), 1, "the delivered one");
    let left = tries(app).await;
    assert_eq!(left.len(), 8);
    assert!(
        left.iter().all(|t| t.message_id.as_str() == dead),
        "the dead one stays, with its tries"
    );
    assert_eq!(app.store.outbox_status().await.unwrap().destinations[0].dead, 1);
    let feed = app.get("/api/v1/events?limit=500").await;
    assert_eq!(
        feed.body["data"].as_array().unwrap().len(),
        2,
        "the events stay in the feed"
    );
}

both!(
    finished_deliveries_are_forgotten_after_thirty_days_and_dead_ones_kept,
    the_feed_lists_every_event_in_order_without_gaps,
    a_failed_delivery_is_tried_again_on_the_schedule_and_dies_after_the_last,
    messages_about_one_order_reach_a_destination_in_the_order_written,
    a_dead_workers_lease_runs_out_and_another_delivers,
    two_workers_deliver_each_message_once,
    outbox_figures_show_on_metrics,
);
