//! Customer emails through the API and a real SMTP server process: channel email
//! settings, previews, and (in `walk`) one order from placement to its return mailed
//! at every step, a refusing SMTP server and a seller's template directory.

mod resend;
mod sink;
mod walk;

use std::path::Path;

use serde_json::{Value, json};
use switchyard_server::delivery::mail::{Mail, MailConfig};

use crate::helpers::*;
use crate::shipments::UPS_NUMBER;
use sink::SmtpSink;

/// Runs `fn(&TestApp, &SmtpSink)` on both backends, the server's mail settings
/// pointing at a fresh SMTP sink.
macro_rules! with_smtp {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::run(crate::helpers::Backend::Sqlite, super::$scenario).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(pg_tests), ignore = "set SWITCHYARD_TEST_POSTGRES_URL to run PostgreSQL tests")]
                async fn postgres() {
                    super::run(crate::helpers::Backend::Postgres, super::$scenario).await;
                }
            }
        )+
    };
}

pub const SHOP_FROM: &str = "orders@teeshop.example";
/// Where the test shop's customers reach its pages.
pub const PUBLIC_URL: &str = "https://teeshop.example";

/// Mail settings that send to `sink`, with templates from `templates` when given.
pub fn mail_for(sink: &SmtpSink, templates: Option<&Path>) -> Mail {
    Mail::new(MailConfig {
        smtp_url: Some(sink.url()),
        from: Some(SHOP_FROM.into()),
        templates: templates.map(Path::to_owned),
        public_url: Some(PUBLIC_URL.into()),
    })
    .unwrap()
}

async fn run<F>(backend: Backend, scenario: F)
where
    F: AsyncFnOnce(&TestApp, &SmtpSink),
{
    let sink = SmtpSink::start();
    let mail = mail_for(&sink, None);
    let app = TestApp::spawn_with(backend, |state| state.with_mail(mail)).await;
    scenario(&app, &sink).await;
    app.finish().await;
}

impl TestApp {
    /// The preview of email `kind` for order `number`.
    pub async fn preview(&self, number: &str, kind: &str) -> Resp {
        self.get(&format!("/api/v1/orders/{number}/emails/{kind}/preview"))
            .await
    }
}

use resend::*;
use walk::*;

with_smtp!(
    one_order_is_mailed_at_every_step_once_and_in_order,
    a_refusing_smtp_server_delays_the_email_or_kills_it_without_losing_it,
    a_template_directory_replaces_defaults_and_a_broken_template_waits_for_its_fix,
    marketplace_orders_turned_off_kinds_and_orders_without_an_address_get_no_email,
    a_cancelled_line_and_an_exchange_are_mailed_with_what_changed,
);

with_smtp!(
    channels_say_which_emails_they_send_from_whom_and_where_replies_go,
    a_preview_renders_an_email_for_an_order_without_sending_it,
    a_delivered_order_is_asked_for_feedback_by_email_with_a_link_to_its_form,
    without_a_public_url_the_feedback_email_is_skipped_with_why,
    staff_resend_an_email_from_the_order_page,
);

async fn channels_say_which_emails_they_send_from_whom_and_where_replies_go(app: &TestApp, _: &SmtpSink) {
    app.location("LON", "GB", 10).await;
    let amazon = amazon_channel(app).await;
    assert_eq!(amazon["email"]["kinds_off"].as_array().unwrap().len(), 13, "{amazon}");
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "web", "name": "Web", "kind": "web", "ship_from": ["LON"],
                   "email": {"sender_name": "Tee Shop", "reply_to": "Help@TeeShop.example"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["email"],
        json!({"kinds_off": [], "sender_name": "Tee Shop", "reply_to": "help@teeshop.example"})
    );
    let r = app
        .patch(
            "/api/v1/channels/web",
            json!({"email": {"kinds_off": ["out_for_delivery", "backordered"]}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["email"],
        json!({"kinds_off": ["backordered", "out_for_delivery"], "sender_name": "Tee Shop", "reply_to": "help@teeshop.example"})
    );
    assert_eq!(app.get("/api/v1/channels/web").await.body["email"], r.body["email"]);
    let r = app
        .patch(
            "/api/v1/channels/web",
            json!({"email": {"reply_to": "nobody", "kinds_off": ["newsletter"]}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app
        .patch("/api/v1/channels/web", json!({"email": {"reply_to": "nobody"}}))
        .await;
    assert_eq!(r.invalid_fields(), ["/email/reply_to"]);
}

/// Creates channel `amazon-uk` (kind `amazon`, shipping from LON); returns it.
pub async fn amazon_channel(app: &TestApp) -> Value {
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "amazon-uk", "name": "Amazon UK", "kind": "amazon", "ship_from": ["LON"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

/// A `web` channel with a sender name and reply-to, stock at LON, and an order of
/// two tees; returns the order number.
pub async fn ordered(app: &TestApp) -> String {
    app.warehouse().await;
    let r = app
        .patch(
            "/api/v1/channels/web",
            json!({"email": {"sender_name": "Tee Shop", "reply_to": "help@teeshop.example"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.place("1001", &[("TEE", 2)]).await
}

async fn a_preview_renders_an_email_for_an_order_without_sending_it(app: &TestApp, sink: &SmtpSink) {
    let number = ordered(app).await;
    let r = app.preview(&number, "order_received").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["subject"], format!("Order {number} received"));
    let text = r.body["text"].as_str().unwrap();
    assert!(text.starts_with("Hello Ann Smith,"), "{text}");
    assert!(text.contains("- 2 x Product TEE: 43.20 GBP"), "{text}");
    assert!(
        r.body["html"]
            .as_str()
            .unwrap()
            .contains("<p style=\"font-size:18px;font-weight:bold;margin:0 0 16px;\">Tee Shop</p>")
    );
    // A parcel email before anything shipped shows the order alone; after, the parcel.
    let r = app.preview(&number, "shipped").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body["text"].as_str().unwrap().contains("Track it"));
    app.shipped(&number, UPS_NUMBER).await;
    let r = app.preview(&number, "shipped").await;
    let text = r.body["text"].as_str().unwrap();
    assert!(text.contains(&format!("tracking number {UPS_NUMBER}")), "{text}");
    assert!(text.contains("Track it: https://"), "{text}");
    // It links to the order's status page, which shows the parcel.
    let link = text
        .lines()
        .find_map(|l| l.strip_prefix("See your order online: "))
        .unwrap_or_else(|| panic!("no status link: {text}"));
    let page = reqwest::get(format!("{}{}", app.base, link.strip_prefix(PUBLIC_URL).unwrap()))
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(UPS_NUMBER));
    let r = app.preview(&number, "newsletter").await;
    assert_eq!(r.invalid_fields(), ["kind"]);
    let r = app.preview("SO-999999", "shipped").await;
    r.problem(404, "not_found");
    // Nothing was sent, and nothing is on the timeline.
    assert!(sink.received().is_empty());
    let timeline = app.order_json(&number).await["timeline"].clone();
    assert!(!crate::shipments::kinds(&timeline).contains(&"order.email_sent".to_owned()));
}

/// The subjects and bodies of what arrived, for a failed assertion's message.
pub fn shown(received: &[sink::Received]) -> Value {
    json!(
        received
            .iter()
            .map(|r| json!({"subject": r.subject, "to": r.rcpt_to}))
            .collect::<Vec<_>>()
    )
}

with_smtp!(a_parcel_past_its_promised_delivery_is_called_late_once);

async fn a_parcel_past_its_promised_delivery_is_called_late_once(app: &TestApp, sink: &SmtpSink) {
    let worker = walk::worker(app, sink, None);
    let number = ordered(app).await;
    let shipment = app.shipped(&number, UPS_NUMBER).await;
    let promised: jiff::Timestamp = app.shipment_json(&shipment).await["promised_delivery_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(app.store.flag_running_late().await.unwrap(), 0, "not late yet");
    app.clock.set(promised + jiff::SignedDuration::from_mins(1));
    assert_eq!(app.store.flag_running_late().await.unwrap(), 1);
    assert_eq!(app.store.flag_running_late().await.unwrap(), 0, "once a parcel");
    let timeline = app.order_json(&number).await["timeline"].clone();
    let late: Vec<&Value> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "order.running_late")
        .collect();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0]["data"]["shipment"], shipment);
    let r = app.preview(&number, "running_late").await;
    assert_eq!(r.body["subject"], format!("Order {number} is running late"));
    let due = promised.strftime("%Y-%m-%d").to_string();
    assert!(
        r.body["text"].as_str().unwrap().contains(&format!("due {due}")),
        "{}",
        r.body
    );
    walk::drain(&worker).await;
    let received = sink.received();
    let late = received.last().unwrap();
    assert_eq!(
        late.subject,
        format!("Order {number} is running late"),
        "{}",
        shown(&received)
    );
    assert!(late.text.contains(&format!("due {due}")), "{}", late.text);
    assert_eq!(received.len(), 3, "received, shipped, late: {}", shown(&received));
}

async fn a_delivered_order_is_asked_for_feedback_by_email_with_a_link_to_its_form(app: &TestApp, sink: &SmtpSink) {
    let worker = walk::worker(app, sink, None);
    let number = ordered(app).await;
    let shipment = app.shipped(&number, UPS_NUMBER).await;
    app.track(&shipment, "delivered").await;
    walk::drain(&worker).await;
    let before = sink.received().len();
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 7 + 1));
    assert_eq!(
        app.store.request_due_feedback().await.unwrap(),
        1,
        "a web channel asks after 7 days"
    );
    walk::drain(&worker).await;
    let received = sink.received();
    assert_eq!(received.len(), before + 1, "{}", shown(&received));
    let ask = received.last().unwrap();
    assert_eq!(ask.subject, format!("How was your order {number}?"));
    assert_eq!(ask.rcpt_to, ["ann@example.com"]);
    let links: Vec<&str> = ask
        .text
        .split_whitespace()
        .filter(|w| w.starts_with(PUBLIC_URL))
        .collect();
    assert_eq!(links.len(), 2, "the form and unsubscribing: {}", ask.text);
    assert_eq!(links[1], format!("{}/unsubscribe", links[0]));
    let path = links[0].strip_prefix(PUBLIC_URL).unwrap();
    assert!(
        ask.html.contains(&path.replace('/', "&#x2f;")) || ask.html.contains(path),
        "{}",
        ask.html
    );
    let form = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
    assert_eq!(form.status(), 200, "the emailed link opens the form");
    assert!(form.text().await.unwrap().contains(&number));

    // The link is made for the email: the timeline (and so the feed and webhooks) never
    // holds a key to the customer's form.
    let timeline = app.order_json(&number).await["timeline"].clone();
    let asked: Vec<&Value> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "order.feedback_requested")
        .collect();
    assert_eq!(asked.len(), 1);
    assert!(!asked[0].to_string().contains(path), "{}", asked[0]);
}

async fn without_a_public_url_the_feedback_email_is_skipped_with_why(app: &TestApp, sink: &SmtpSink) {
    let mail = Mail::new(MailConfig {
        smtp_url: Some(sink.url()),
        from: Some(SHOP_FROM.into()),
        templates: None,
        public_url: None,
    })
    .unwrap();
    let senders = switchyard_server::delivery::Senders {
        email: std::sync::Arc::new(switchyard_server::delivery::mail::EmailSender::new(
            app.store.clone(),
            mail,
        )),
        ..switchyard_server::delivery::Senders::default()
    };
    let worker = switchyard_server::delivery::Worker::new(app.store.clone(), senders);
    let number = ordered(app).await;
    let shipment = app.shipped(&number, UPS_NUMBER).await;
    app.track(&shipment, "delivered").await;
    walk::drain(&worker).await;
    let before = sink.received().len();
    app.clock.advance(jiff::SignedDuration::from_hours(24 * 7 + 1));
    assert_eq!(app.store.request_due_feedback().await.unwrap(), 1);
    walk::drain(&worker).await;
    assert_eq!(sink.received().len(), before, "no email without a link to give");
    let last = walk::email_attempts(app).await.pop().unwrap();
    assert_eq!(last.outcome.as_str(), "skipped");
    assert_eq!(
        last.reply.as_deref(),
        Some("feedback_request emails need --public-url for their link")
    );
}
