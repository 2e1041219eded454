//! Emails sent by delivery workers to a real SMTP server: one order walked from
//! placement to its return mailed at each step, exactly once and in order (and its
//! webhooks to a receiver on loopback, in order too); an SMTP
//! server that refuses for a while (the email waits and goes out) or for good (the
//! delivery dies, nothing is lost silently); a seller's template directory; channels
//! and orders that get no email.

use std::path::Path;
use std::sync::Arc;

use jiff::SignedDuration;
use serde_json::{Value, json};
use switchyard_bench::receiver::Receiver;
use switchyard_core::delivery::Destination;
use switchyard_core::mail::EmailKind;
use switchyard_server::delivery::mail::EmailSender;
use switchyard_server::delivery::webhook::WebhookSender;
use switchyard_server::delivery::{Round, Senders, Worker};
use switchyard_store::outbox::{AttemptFilter, AttemptRecord};
use switchyard_store::page::PageRequest;

use super::sink::SmtpSink;
use super::{SHOP_FROM, amazon_channel, mail_for, ordered, shown};
use crate::helpers::*;
use crate::shipments::{UPS_NUMBER, kinds};

/// A worker sending email to `sink` (templates from `templates` when given).
pub fn worker(app: &TestApp, sink: &SmtpSink, templates: Option<&Path>) -> Worker {
    let sender = EmailSender::new(app.store.clone(), mail_for(sink, templates));
    let senders = Senders {
        email: Arc::new(sender),
        ..Senders::default()
    };
    Worker::new(app.store.clone(), senders)
}

/// Runs rounds until one has nothing to do.
pub async fn drain(worker: &Worker) {
    for _ in 0..50 {
        if worker.run_once().await.unwrap() == Round::default() {
            return;
        }
    }
    panic!("the outbox did not drain in 50 rounds");
}

/// The email tries, oldest first.
pub async fn email_attempts(app: &TestApp) -> Vec<AttemptRecord> {
    let filter = AttemptFilter {
        destination: Some(Destination::Email),
        message: None,
    };
    let page = PageRequest {
        cursor: None,
        limit: Some(500),
    };
    let mut tries = app.store.attempts(&filter, &page).await.unwrap().data;
    tries.reverse();
    tries
}

/// Requests and authorizes the return of one unit of line 1 of `order`; its RMA number.
async fn authorized_return(app: &TestApp, order: &str) -> String {
    let r = app
        .post(
            "/api/v1/returns",
            json!({"order": order, "lines": [{"line_no": 1, "quantity": 1, "reason": "too_small"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let rma = r.body["number"].as_str().unwrap().to_owned();
    let r = app.post(&format!("/api/v1/returns/{rma}/authorize"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    rma
}

impl TestApp {
    pub async fn track(&self, shipment: &str, status: &str) {
        self.clock.advance(SignedDuration::from_hours(3));
        let r = self
            .post(
                &format!("/api/v1/shipments/{shipment}/tracking-events"),
                json!({"status": status, "occurred_at": self.now().to_string(), "location": "Leeds",
                       "description": status}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
}

pub async fn one_order_is_mailed_at_every_step_once_and_in_order(app: &TestApp, sink: &SmtpSink) {
    // Webhooks of the same steps go to a receiver on loopback, by the same workers.
    let receiver = Receiver::start(std::time::Duration::ZERO).await.unwrap();
    let steps = [
        "order.placed",
        "order.shipped",
        "shipment.out_for_delivery",
        "order.delivered",
        "order.return_authorized",
        "order.return_received",
        "order.refunded",
    ];
    let r = app
        .post(
            "/api/v1/webhook-endpoints",
            json!({"url": receiver.url(), "event_types": steps}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mut senders = Senders {
        email: Arc::new(EmailSender::new(app.store.clone(), mail_for(sink, None))),
        ..Senders::default()
    };
    senders.webhook = Arc::new(WebhookSender::new(app.store.clone(), true).unwrap());
    let worker = Worker::new(app.store.clone(), senders);
    let number = ordered(app).await;
    drain(&worker).await;
    let shipment = app.shipped(&number, UPS_NUMBER).await;
    drain(&worker).await;
    app.track(&shipment, "out_for_delivery").await;
    app.track(&shipment, "delivered").await;
    drain(&worker).await;
    let rma = authorized_return(app, &number).await;
    drain(&worker).await;
    let r = app
        .post(
            &format!("/api/v1/returns/{rma}/receive"),
            json!({"items": [{"sku": "TEE", "disposition": "restock"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let credited = r.body["credited"].clone();
    drain(&worker).await;

    let received = sink.received();
    let subjects: Vec<&str> = received.iter().map(|r| r.subject.as_str()).collect();
    let refund: switchyard_core::money::Money = serde_json::from_value(credited).unwrap();
    assert_eq!(
        subjects,
        [
            format!("Order {number} received"),
            format!("Order {number} has shipped"),
            format!("Order {number} is out for delivery"),
            format!("Order {number} was delivered"),
            format!("Return {rma} for order {number} is authorized"),
            format!("We received return {rma}"),
            format!("Refund of {refund} for order {number}"),
        ],
        "{}",
        shown(&received)
    );
    for email in &received {
        assert_eq!(email.rcpt_to, ["ann@example.com"]);
        assert_eq!(email.from, format!("Tee Shop <{SHOP_FROM}>"));
        assert_eq!(email.reply_to.as_deref(), Some("help@teeshop.example"));
        assert!(email.text.starts_with("Hello Ann Smith,"), "{}", email.text);
        assert!(email.html.contains("Hello Ann Smith,"), "{}", email.html);
        assert!(email.message_id.starts_with("<msg_") && email.message_id.ends_with("@teeshop.example>"));
    }
    let shipped = &received[1];
    assert_eq!(shipped.content_type, "multipart/alternative");
    let track = format!("https://www.ups.com/track?tracknum={UPS_NUMBER}");
    assert!(
        shipped.text.contains(&format!("tracking number {UPS_NUMBER}")),
        "{}",
        shipped.text
    );
    assert!(shipped.text.contains(&format!("Track it: {track}")), "{}", shipped.text);
    assert!(shipped.text.contains("- 2 x Product TEE (TEE)"), "{}", shipped.text);
    assert!(shipped.html.contains("Track your parcel</a>"), "{}", shipped.html);
    let authorized = &received[4];
    assert_eq!(authorized.content_type, "multipart/mixed");
    let label = format!("return-label-{rma}.pdf");
    assert_eq!(
        authorized.attachments,
        [(label.clone(), "application/pdf".to_owned(), "%PDF-".to_owned())]
    );
    assert!(
        authorized
            .text
            .contains(&format!("Your return label is attached ({label})"))
    );
    assert!(
        received[6]
            .text
            .contains(&format!("We have refunded {refund} for return."))
    );

    // Each email is on the timeline, and none of those entries mailed anyone.
    let timeline = app.order_json(&number).await["timeline"].clone();
    let sent: Vec<Value> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "order.email_sent")
        .map(|e| e["data"]["kind"].clone())
        .collect();
    let expected = [
        EmailKind::OrderReceived,
        EmailKind::Shipped,
        EmailKind::OutForDelivery,
        EmailKind::Delivered,
        EmailKind::ReturnAuthorized,
        EmailKind::ReturnReceived,
        EmailKind::RefundIssued,
    ];
    assert_eq!(sent, expected.map(|k| json!(k)), "{:?}", kinds(&timeline));
    drain(&worker).await;
    assert_eq!(sink.received().len(), 7);
    let tries = email_attempts(app).await;
    assert!(tries.iter().all(|t| t.outcome.as_str() == "delivered"), "{tries:#?}");
    assert!(tries.iter().all(|t| t.status_code == Some(250)));

    let heard: Vec<String> = receiver.received().into_iter().map(|r| r.event_type).collect();
    assert_eq!(heard, steps, "each step's webhook once, in the order it happened");
}

pub async fn a_refusing_smtp_server_delays_the_email_or_kills_it_without_losing_it(app: &TestApp, sink: &SmtpSink) {
    let worker = worker(app, sink, None);
    sink.refuse(Some("451 4.3.0 Try again later"));
    let number = ordered(app).await;
    drain(&worker).await;
    assert!(sink.received().is_empty());
    let tries = email_attempts(app).await;
    assert_eq!(tries.len(), 1);
    assert_eq!(tries[0].outcome.as_str(), "failed");
    assert_eq!(tries[0].status_code, Some(451));
    assert!(
        tries[0].reply.as_deref().unwrap().contains("Try again later"),
        "{tries:?}"
    );
    // Not before its retry time; then once the server takes mail again.
    sink.refuse(None);
    drain(&worker).await;
    assert!(sink.received().is_empty(), "the retry waits its turn");
    app.clock.advance(SignedDuration::from_secs(10));
    drain(&worker).await;
    assert_eq!(sink.subjects(), [format!("Order {number} received")]);
    let tries = email_attempts(app).await;
    assert_eq!((tries[1].try_number, tries[1].outcome.as_str()), (2, "delivered"));

    // A permanent refusal ends the delivery at once: dead, with the server's answer.
    sink.refuse(Some("550 5.1.1 Mailbox unavailable"));
    let r = app
        .post(
            &format!("/api/v1/orders/{number}/cancel"),
            json!({"reason": "changed my mind"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    drain(&worker).await;
    let last = email_attempts(app).await.pop().unwrap();
    assert_eq!(
        (last.event_type.as_str(), last.status_code),
        ("order.cancelled", Some(550))
    );
    assert!(last.reply.as_deref().unwrap().contains("Mailbox unavailable"));
    // Dead: no try follows, however long one waits.
    app.clock.advance(SignedDuration::from_hours(48));
    drain(&worker).await;
    let tries_of_it = email_attempts(app)
        .await
        .into_iter()
        .filter(|t| t.message_id == last.message_id)
        .count();
    assert_eq!(tries_of_it, 1);
    // An explicit retry sends it once the server takes it.
    sink.refuse(None);
    app.store
        .retry_delivery(&Destination::Email, &last.message_id)
        .await
        .unwrap();
    drain(&worker).await;
    assert_eq!(
        sink.subjects().last().unwrap(),
        &format!("Order {number} was cancelled")
    );
}

pub async fn a_template_directory_replaces_defaults_and_a_broken_template_waits_for_its_fix(
    app: &TestApp,
    sink: &SmtpSink,
) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("order_received.subject"),
        "{{ shop }} has order {{ order.number }}",
    )
    .unwrap();
    std::fs::write(dir.path().join("order_received.txt"), "Dear {{ order.customer_nme }}").unwrap();
    let worker = worker(app, sink, Some(dir.path()));
    let number = ordered(app).await;
    drain(&worker).await;
    assert!(sink.received().is_empty());
    let failed = email_attempts(app).await.pop().unwrap();
    assert_eq!(failed.outcome.as_str(), "failed");
    let reply = failed.reply.unwrap();
    assert!(
        reply.starts_with("template order_received.txt: undefined value"),
        "{reply}"
    );
    // The seller fixes the template; the next try sends it.
    std::fs::write(
        dir.path().join("order_received.txt"),
        "Dear {{ order.customer_name }}, thank you.",
    )
    .unwrap();
    app.clock.advance(SignedDuration::from_secs(10));
    drain(&worker).await;
    let received = sink.received();
    assert_eq!(received.len(), 1, "{}", shown(&received));
    assert_eq!(received[0].subject, format!("Tee Shop has order {number}"));
    assert_eq!(received[0].text.trim_end(), "Dear Ann Smith, thank you.");
    assert!(
        received[0].html.contains("Thank you for your order."),
        "the default HTML"
    );
}

pub async fn marketplace_orders_turned_off_kinds_and_orders_without_an_address_get_no_email(
    app: &TestApp,
    sink: &SmtpSink,
) {
    let worker = worker(app, sink, None);
    let number = ordered(app).await;
    let r = app
        .patch("/api/v1/channels/web", json!({"email": {"kinds_off": ["shipped"]}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.shipped(&number, UPS_NUMBER).await;
    amazon_channel(app).await;
    let r = app
        .post("/api/v1/orders", order("amazon-uk", "AMZ-1", &[("TEE", 1)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // An order the channel passed no usable address for (marketplaces mask them).
    let unknown = app.place("1002", &[("MUG", 1)]).await;
    switchyard_store::db::query("UPDATE sales_order SET customer_email = '' WHERE number = $1")
        .bind(&unknown)
        .execute(app.store.pool())
        .await
        .unwrap();
    drain(&worker).await;
    assert_eq!(sink.subjects(), [format!("Order {number} received")]);
    let mut skipped: Vec<(String, String)> = email_attempts(app)
        .await
        .into_iter()
        .filter(|t| t.outcome.as_str() == "skipped")
        .map(|t| (t.event_type, t.reply.unwrap_or_default()))
        .collect();
    skipped.sort();
    let pair = |topic: &str, why: &str| (topic.to_owned(), why.to_owned());
    assert_eq!(
        skipped,
        [
            pair("order.placed", "no email address"),
            pair("order.placed", "order_received emails are turned off for this channel"),
            pair("order.shipped", "shipped emails are turned off for this channel"),
        ]
    );
}

pub async fn a_cancelled_line_and_an_exchange_are_mailed_with_what_changed(app: &TestApp, sink: &SmtpSink) {
    let worker = worker(app, sink, None);
    app.warehouse().await;
    let number = app.place("1001", &[("TEE", 1), ("MUG", 1)]).await;
    let r = app
        .post(
            &format!("/api/v1/orders/{number}/lines/2/cancel"),
            json!({"reason": "out of season"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    drain(&worker).await;
    let received = sink.received();
    assert_eq!(
        sink.subjects(),
        [
            format!("Order {number} received"),
            format!("Items of order {number} were cancelled")
        ]
    );
    let cancelled = &received[1].text;
    assert!(
        cancelled.contains("Some items of your order were cancelled: out of season."),
        "{cancelled}"
    );
    assert!(
        cancelled.contains("- 1 x Product MUG (MUG)") && !cancelled.contains("TEE"),
        "{cancelled}"
    );

    app.shipped(&number, UPS_NUMBER).await;
    let rma = authorized_return(app, &number).await;
    drain(&worker).await;
    let r = app
        .post(
            &format!("/api/v1/returns/{rma}/exchange"),
            json!({"lines": [{"sku": "MUG", "quantity": 1}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let exchange = r.body["exchange_order"].as_str().unwrap().to_owned();
    drain(&worker).await;
    let received = sink.received();
    let mut last: Vec<&str> = received[4..].iter().map(|r| r.subject.as_str()).collect();
    last.sort();
    let refund = received[4..].iter().find(|r| r.subject.starts_with("Refund")).unwrap();
    assert_eq!(
        last,
        [refund.subject.as_str(), &format!("Your exchange order {exchange}")],
        "the exchange order, and the difference refunded on the first: {}",
        shown(&received)
    );
    assert!(refund.subject.ends_with(&format!("for order {number}")));
    assert!(refund.text.contains("for exchange difference."), "{}", refund.text);
    let placed = received[4..]
        .iter()
        .find(|r| r.subject.starts_with("Your exchange"))
        .unwrap();
    assert!(
        placed.text.contains(&format!(
            "We have placed order {exchange} to exchange the items of your return {rma}:"
        )),
        "{}",
        placed.text
    );
    assert!(placed.text.contains("- 1 x Product MUG (MUG)"), "{}", placed.text);
    let timeline = app.order_json(&exchange).await["timeline"].clone();
    assert!(kinds(&timeline).contains(&"order.email_sent".to_owned()));
}
