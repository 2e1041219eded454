//! Feedback after delivery on both backends: an order delivered, the clock moved past
//! its channel's `feedback_after_days`, the sweep's step run; the request's outbox
//! message carries the signed link; the customer's page (no key) takes answers that are
//! then listed and averaged; a low rating flags the order and sends `feedback.negative`;
//! forged and expired links lead nowhere; unsubscribing stops the next request; and
//! marketplaces ask nobody unless told to.

use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::both;
use crate::helpers::*;

/// A page as a browser gets it.
struct Page {
    status: u16,
    content_type: String,
    csp: String,
    referrer: String,
    text: String,
}

impl TestApp {
    async fn page(&self, path: &str, form: Option<&str>) -> Page {
        let url = format!("{}{path}", self.base);
        let req = match form {
            None => self.client.get(url),
            Some(body) => self
                .client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.to_owned()),
        };
        let res = req.send().await.unwrap();
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        Page {
            status: res.status().as_u16(),
            content_type: header("content-type"),
            csp: header("content-security-policy"),
            referrer: header("referrer-policy"),
            text: res.text().await.unwrap(),
        }
    }

    /// Places an order on `channel`, ships it from LON and has the carrier deliver it
    /// an hour later; returns its number and id.
    async fn delivered_on(&self, channel: &str, external_id: &str, lines: &[(&str, i64)]) -> (String, String) {
        let r = self.post("/api/v1/orders", order(channel, external_id, lines)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let (number, id) = (r.body["number"].as_str().unwrap(), r.body["id"].as_str().unwrap());
        let shipment = self.packed(number).await;
        for (action, body) in [
            ("label", json!({"provider": "simulated", "carrier": "ups"})),
            ("ship", json!({})),
        ] {
            let r = self.act(&shipment, action, body).await;
            assert_eq!(r.status, 200, "{action}: {}", r.body);
        }
        self.clock.advance(SignedDuration::from_hours(1));
        let event = json!({"status": "delivered", "occurred_at": self.now().to_string(), "description": "delivered"});
        let r = self
            .post(&format!("/api/v1/shipments/{shipment}/tracking-events"), event)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        (number.to_owned(), id.to_owned())
    }

    /// Moves the clock `days` on and runs the sweep's feedback step; answers how many
    /// customers it asked.
    async fn days_later(&self, days: i64) -> usize {
        self.clock.advance(SignedDuration::from_hours(24 * days));
        self.store.request_due_feedback().await.unwrap()
    }

    /// The payloads of the outbox messages of `topic` about order `id`.
    async fn messages(&self, id: &str, topic: &str) -> Vec<Value> {
        let all = self.store.outbox_for(id).await.unwrap();
        all.into_iter()
            .filter(|m| m.topic == topic)
            .map(|m| m.payload)
            .collect()
    }

    /// The feedback link the email of the request for order `id` carries (the
    /// request itself carries only when it expires).
    async fn link(&self, id: &str) -> String {
        self.links(id).await.0
    }

    /// The page and unsubscribe paths of order `id`'s feedback link.
    async fn links(&self, id: &str) -> (String, String) {
        let requests = self.messages(id, "order.feedback_requested").await;
        assert_eq!(requests.len(), 1, "one request per order");
        let data = &requests[0]["data"];
        assert_eq!(
            data.as_object().unwrap().len(),
            1,
            "no link on the timeline or the feed: {data}"
        );
        let until = data["expires_at"].as_str().unwrap().parse().unwrap();
        let order = switchyard_core::id::OrderId::parse(id).unwrap();
        self.store.feedback_link(&order, until).await.unwrap()
    }
}

async fn setup(app: &TestApp) {
    app.warehouse().await;
    app.receive("TEE", "LON", 20).await;
    app.receive("MUG", "LON", 20).await;
}

async fn a_customer_is_asked_after_delivery_and_their_answers_are_listed_and_averaged(app: &TestApp) {
    setup(app).await;
    let (number, id) = app.delivered_on("web", "F-1", &[("TEE", 1), ("MUG", 2)]).await;
    assert_eq!(app.days_later(6).await, 0, "a web channel waits 7 days");
    assert_eq!(app.days_later(1).await, 1);
    assert_eq!(app.days_later(1).await, 0, "an order is asked once");
    let link = app.link(&id).await;
    assert!(link.starts_with("/feedback/"), "{link}");
    assert_eq!(app.links(&id).await.1, format!("{link}/unsubscribe"));

    let form = app.page(&link, None).await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert!(form.content_type.starts_with("text/html"), "{}", form.content_type);
    assert!(form.csp.contains("form-action 'self'"), "{}", form.csp);
    assert!(!form.csp.contains("script-src 'unsafe-inline'"), "{}", form.csp);
    assert_eq!(form.referrer, "no-referrer", "the token in the address stays here");
    for expected in [
        number.as_str(),
        "Product TEE (TEE) × 1",
        "name=\"item_1\" value=\"5\"",
        "name=\"item_2\"",
        "name=\"delivery\"",
        "<textarea",
        &format!("action=\"{link}\""),
    ] {
        assert!(form.text.contains(expected), "{expected} missing from {}", form.text);
    }

    let wrong = app
        .page(&link, Some("item_1=9&item_7=3&comment=%3Cb%3Ehi%3C%2Fb%3E"))
        .await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.text.contains("must be a whole number from 1 to 5"),
        "{}",
        wrong.text
    );
    assert!(
        wrong.text.contains("&lt;b&gt;hi&lt;/b&gt;"),
        "what was written is kept, escaped"
    );
    assert!(!wrong.text.contains("<b>hi"), "{}", wrong.text);

    let thanks = app
        .page(
            &link,
            Some("item_1=5&item_2=4&delivery=5&comment=Lovely+tee.%0D%0AMugs+too."),
        )
        .await;
    assert_eq!(thanks.status, 200, "{}", thanks.text);
    assert!(thanks.text.contains("Thank you"), "{}", thanks.text);
    let again = app.page(&link, Some("item_1=1")).await;
    assert_eq!(again.status, 409, "the first answer stands");
    assert_eq!(app.page(&link, None).await.status, 409);

    let list = app.get("/api/v1/feedback").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let answer = &list.body["data"][0];
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(answer["order_number"], number.as_str());
    assert_eq!(answer["channel"], "web");
    assert_eq!(answer["delivery_rating"], 5);
    assert_eq!(answer["comment"], "Lovely tee.\r\nMugs too.");
    assert_eq!(answer["follow_up"], false);
    let items: Vec<(&str, i64)> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["sku"].as_str().unwrap(), i["rating"].as_i64().unwrap()))
        .collect();
    assert_eq!(items, [("TEE", 5), ("MUG", 4)]);
    for (filter, found) in [
        ("channel=web", 1),
        ("channel=amazon", 0),
        ("sku=MUG", 1),
        ("sku=MUG&rating_at_least=5", 0),
        ("rating_at_most=4", 1),
        ("rating_at_most=3", 0),
        ("rating_at_least=5", 1),
    ] {
        let r = app.get(&format!("/api/v1/feedback?{filter}")).await;
        assert_eq!(r.body["data"].as_array().unwrap().len(), found, "{filter}: {}", r.body);
    }
    let r = app.get("/api/v1/feedback?rating_at_most=6").await;
    assert_eq!(r.invalid_fields(), ["rating_at_most"]);
    let later = app.now() + SignedDuration::from_secs(1);
    let r = app.get(&format!("/api/v1/feedback?from={later}")).await;
    assert_eq!(r.body["data"], json!([]), "answered before now");

    let summary = app.get("/api/v1/feedback/summary").await;
    assert_eq!(summary.status, 200, "{}", summary.body);
    let web = &summary.body["channels"][0];
    assert_eq!(web["channel"], "web");
    assert_eq!(web["answers"], 1);
    assert_eq!(web["delivery"], json!({"count": 1, "mean": 5.0}));
    assert_eq!(web["items"], json!({"count": 2, "mean": 4.5}));
    assert_eq!(
        summary.body["skus"],
        json!([{"sku": "MUG", "rating": {"count": 1, "mean": 4.0}}, {"sku": "TEE", "rating": {"count": 1, "mean": 5.0}}])
    );
    let order = app.order_json(&number).await;
    let kinds: Vec<&str> = order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.ends_with(&["order.feedback_requested", "order.feedback_received"]),
        "{kinds:?}"
    );
    assert_eq!(order["follow_up"], false);
}

async fn a_rating_of_two_flags_the_order_for_follow_up_and_sends_feedback_negative(app: &TestApp) {
    setup(app).await;
    let (number, id) = app.delivered_on("web", "F-2", &[("TEE", 1)]).await;
    app.days_later(7).await;
    let link = app.link(&id).await;
    let version = app.order_json(&number).await["version"].as_i64().unwrap();
    let r = app
        .page(&link, Some("item_1=4&delivery=2&comment=Box+was+crushed"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("someone from our team will be in touch"), "{}", r.text);

    let order = app.order_json(&number).await;
    assert_eq!(order["follow_up"], true);
    assert!(
        order["version"].as_i64().unwrap() > version,
        "the flag is a change of the order"
    );
    let received = order["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(received["kind"], "order.feedback_received");
    assert_eq!(received["actor"], "customer");
    assert!(
        received["message"].as_str().unwrap().contains("flagged for follow-up"),
        "{received}"
    );
    let negative = app.messages(&id, "feedback.negative").await;
    assert_eq!(negative.len(), 1);
    assert_eq!(negative[0]["order_id"], id.as_str());
    assert_eq!(negative[0]["lowest_rating"], 2);
    assert_eq!(negative[0]["comment"], "Box was crushed");

    let flagged = app.get("/api/v1/feedback?rating_at_most=2").await;
    assert_eq!(flagged.body["data"][0]["follow_up"], true, "{}", flagged.body);
}

async fn forged_expired_and_unknown_links_lead_nowhere(app: &TestApp) {
    setup(app).await;
    let (_, id) = app.delivered_on("web", "F-3", &[("TEE", 1)]).await;
    app.days_later(7).await;
    let link = app.link(&id).await;
    let token = link.trim_start_matches("/feedback/");
    let (text, mac) = token.split_once('.').unwrap();
    let other_order = switchyard_core::id::OrderId::new_at(app.now());
    let forged = switchyard_core::link::sign(
        switchyard_core::link::Purpose::Feedback,
        &other_order,
        app.now() + SignedDuration::from_hours(1),
        b"guess",
    );
    let flipped = format!("{text}.{}", mac.chars().rev().collect::<String>());
    for path in [
        format!("/feedback/{forged}"),
        format!("/feedback/{flipped}"),
        "/feedback/not-a-token".to_owned(),
        format!("/feedback/{forged}/unsubscribe"),
    ] {
        let page = app.page(&path, None).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(
            page.content_type.starts_with("text/html"),
            "{path}: {}",
            page.content_type
        );
        assert!(page.text.contains("This link does not work"), "{}", page.text);
        assert_eq!(app.page(&path, Some("delivery=5")).await.status, 404, "{path}");
    }

    app.clock.advance(switchyard_core::link::FEEDBACK_VALID_FOR);
    let expired = app.page(&link, None).await;
    assert_eq!(expired.status, 404, "the same page as a forged link");
    assert!(expired.text.contains("This link does not work"));
    assert_eq!(app.page(&link, Some("delivery=5")).await.status, 404);
    assert_eq!(
        app.page(&format!("{link}/unsubscribe"), None).await.status,
        200,
        "an old email can still unsubscribe"
    );
}

async fn unsubscribing_stops_the_next_request(app: &TestApp) {
    setup(app).await;
    let (_, first) = app.delivered_on("web", "F-4", &[("TEE", 1)]).await;
    app.days_later(7).await;
    let link = app.link(&first).await;
    let confirm = app.page(&format!("{link}/unsubscribe"), None).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.text.contains("<button"), "a GET only asks: {}", confirm.text);
    let (_, second) = app.delivered_on("web", "F-5", &[("MUG", 1)]).await;
    assert_eq!(app.days_later(7).await, 1, "nothing was recorded by the GET");
    app.link(&second).await;

    let done = app
        .page(&format!("{link}/unsubscribe"), Some("List-Unsubscribe=One-Click"))
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(done.text.contains("will not ask you"), "{}", done.text);
    let (_, third) = app.delivered_on("web", "F-6", &[("MUG", 1)]).await;
    assert_eq!(app.days_later(7).await, 0, "the same address is not asked again");
    assert!(app.messages(&third, "order.feedback_requested").await.is_empty());
    assert_eq!(app.days_later(7).await, 0, "and the order is decided, not retried");
}

async fn marketplaces_ask_nobody_unless_a_channel_says_so(app: &TestApp) {
    setup(app).await;
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": "amz", "name": "Amazon UK", "kind": "amazon", "ship_from": ["LON"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["feedback_after_days"], Value::Null);
    assert_eq!(app.get("/api/v1/channels/web").await.body["feedback_after_days"], 7);

    let (_, id) = app.delivered_on("amz", "A-1", &[("TEE", 1)]).await;
    assert_eq!(app.days_later(40).await, 0);
    assert!(app.messages(&id, "order.feedback_requested").await.is_empty());

    let r = app
        .patch("/api/v1/channels/amz", json!({"feedback_after_days": 3}))
        .await;
    assert_eq!(r.body["feedback_after_days"], 3, "{}", r.body);
    let (_, asked) = app.delivered_on("amz", "A-2", &[("TEE", 1)]).await;
    assert_eq!(app.days_later(3).await, 1);
    app.link(&asked).await;

    let r = app.patch("/api/v1/channels/amz", json!({"name": "Amazon"})).await;
    assert_eq!(
        r.body["feedback_after_days"], 3,
        "a change that does not name it keeps it"
    );
    let r = app
        .patch("/api/v1/channels/amz", json!({"feedback_after_days": null}))
        .await;
    assert_eq!(r.body["feedback_after_days"], Value::Null, "null turns it off");
    let r = app
        .patch("/api/v1/channels/amz", json!({"feedback_after_days": 91}))
        .await;
    assert_eq!(r.invalid_fields(), ["/feedback_after_days"]);
}

async fn two_servers_share_the_link_secret_and_ask_each_order_once(app: &TestApp) {
    setup(app).await;
    let other = switchyard_store::Store::connect(&app.url, app.clock.clone())
        .await
        .unwrap();
    let (secret, same) = tokio::join!(app.store.link_secret(), other.link_secret());
    assert_eq!(secret.unwrap(), same.unwrap(), "made once, whoever asked first");
    let (_, id) = app.delivered_on("web", "F-7", &[("TEE", 1)]).await;
    app.clock.advance(SignedDuration::from_hours(24 * 7));
    let (one, two) = tokio::join!(app.store.request_due_feedback(), other.request_due_feedback());
    assert_eq!(one.unwrap() + two.unwrap(), 1, "the order is asked by one of them");
    app.link(&id).await;
    other.close().await;
}

both!(
    a_customer_is_asked_after_delivery_and_their_answers_are_listed_and_averaged,
    a_rating_of_two_flags_the_order_for_follow_up_and_sends_feedback_negative,
    forged_expired_and_unknown_links_lead_nowhere,
    unsubscribing_stops_the_next_request,
    marketplaces_ask_nobody_unless_a_channel_says_so,
    two_servers_share_the_link_secret_and_ask_each_order_once,
);
