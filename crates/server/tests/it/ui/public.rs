//! The customer pages of an order: the status page behind its signed link (parcels,
//! carrier, tracking link, expected day; nobody's address or email), the look-up by
//! order number with email or postcode (the same answer for a wrong number as for a
//! wrong email, throttled per address), and the returns portal (an RMA authorized at
//! once, its label PDF only through the link of its own order, nothing after the
//! return window).

use jiff::SignedDuration;
use serde_json::json;
use switchyard_core::id::OrderId;
use switchyard_core::link::{self, ORDER_VALID_FOR, Purpose};
use switchyard_core::user::LOOKUP_PER_ADDRESS;

use super::support::browser::Browser;
use super::support::{client, csrf_of};
use crate::both;
use crate::helpers::{Backend, TestApp, order};

both!(
    a_signed_link_shows_the_orders_parcels_and_nothing_of_another_order,
    the_lookup_finds_an_order_by_number_with_email_or_postcode_and_throttles_misses,
    the_returns_portal_authorizes_a_return_with_a_label_inside_the_window_only,
);

/// An order on the web channel (a TEE and a MUG), packed at LON, labelled with UPS and
/// shipped: its number and id. `app.warehouse()` first.
async fn shipped(app: &TestApp, external_id: &str) -> (String, String) {
    let r = app
        .post("/api/v1/orders", order("web", external_id, &[("TEE", 1), ("MUG", 1)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (number, id) = (r.body["number"].as_str().unwrap(), r.body["id"].as_str().unwrap());
    let shipment = app.packed(number).await;
    for (action, body) in [
        ("label", json!({"provider": "simulated", "carrier": "ups"})),
        ("ship", json!({})),
    ] {
        let r = app.act(&shipment, action, body).await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
    }
    (number.to_owned(), id.to_owned())
}

/// The path of a fresh status link of order `id`, as an email carries it.
async fn status_path(app: &TestApp, id: &str) -> String {
    app.store.order_status_path(&OrderId::parse(id).unwrap()).await.unwrap()
}

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let res = client().get(format!("{}{path}", app.base)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn a_signed_link_shows_the_orders_parcels_and_nothing_of_another_order(app: &TestApp) {
    app.warehouse().await;
    let (number, id) = shipped(app, "P-1").await;
    let (other, other_id) = shipped(app, "P-2").await;
    let path = status_path(app, &id).await;
    assert!(path.starts_with("/orders/status/"), "{path}");
    let r = app
        .patch(
            "/api/v1/channels/web",
            json!({"email": {"sender_name": "Tee Shop", "reply_to": "help@teeshop.example"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let (status, html) = get(app, &path).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&format!("Order {number}")), "{html}");
    assert!(html.contains("Hello Ann"), "{html}");
    assert!(html.contains("<div>Tee Shop</div>"), "in the shop's name: {html}");
    assert!(html.contains("mailto:help@teeshop.example"), "{html}");
    assert!(html.contains("Leeds LS1 4AP"), "{html}");
    assert!(html.contains("UPS"), "{html}");
    assert!(html.contains("Shipped"), "{html}");
    let shipment = app.get(&format!("/api/v1/orders/{number}/shipments")).await;
    let parcel = &shipment.body[0];
    let tracking = parcel["tracking_number"].as_str().unwrap();
    let url = parcel["tracking_url"].as_str().unwrap();
    assert!(
        html.contains(&format!("class=\"tracking\" href=\"{}\"", url.replace('&', "&amp;"))),
        "{html}"
    );
    assert!(html.contains(tracking), "{html}");
    let promised = parcel["promised_delivery_at"].as_str().unwrap();
    assert!(
        html.contains(&format!("Expected by</dt><dd class=\"expected\">{}", &promised[..10])),
        "{html}"
    );
    assert!(
        html.contains("(TEE)") && html.contains("(MUG)"),
        "the parcel's items: {html}"
    );
    for private in ["ann@example.com", "1 High Street", "Smith", "+44"] {
        assert!(!html.contains(private), "{private} is on the page");
    }
    assert!(!html.contains(&other), "order B is not on order A's page");

    // B's link shows B; a link signed for feedback, a forged one and an expired one
    // lead nowhere.
    let (status, html) = get(app, &status_path(app, &other_id).await).await;
    assert_eq!(status, 200);
    assert!(html.contains(&other) && !html.contains(&number));
    let order = OrderId::parse(&id).unwrap();
    let secret = app.store.link_secret().await.unwrap();
    let until = app.now() + SignedDuration::from_hours(1);
    let feedback = link::sign(Purpose::Feedback, &order, until, &secret);
    let forged = link::sign(Purpose::Order, &order, until, b"a guess at the secret, 32 bytes.");
    for token in [feedback.as_str(), forged.as_str(), "nonsense"] {
        let (status, html) = get(app, &link::status_path(token)).await;
        assert_eq!(status, 404, "{token}");
        assert!(html.contains("This link does not work"), "{html}");
    }
    app.clock.advance(ORDER_VALID_FOR);
    let (status, _) = get(app, &path).await;
    assert_eq!(status, 404, "expired");
}

async fn the_lookup_finds_an_order_by_number_with_email_or_postcode_and_throttles_misses(app: &TestApp) {
    app.warehouse().await;
    let (number, id) = shipped(app, "L-1").await;
    let url = format!("{}/orders/lookup", app.base);
    // Each look-up as a browser makes it: the form (its token and cookie), then the post.
    let post = |number: &str, contact: &str| {
        let (url, number, contact) = (url.clone(), number.to_owned(), contact.to_owned());
        async move {
            let browser = client();
            let form = browser.get(&url).send().await.unwrap();
            assert_eq!(form.status(), 200);
            let csrf = csrf_of(&form.text().await.unwrap());
            browser
                .post(&url)
                .form(&[
                    ("number", number.as_str()),
                    ("contact", contact.as_str()),
                    ("csrf", csrf.as_str()),
                ])
                .send()
                .await
        }
    };

    let found = post(&number, "ANN@example.com ").await.unwrap();
    assert_eq!(found.status(), 303);
    let to = found.headers()["location"].to_str().unwrap().to_owned();
    let (status, html) = get(app, &to).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("Order {number}")), "{html}");
    let found = post(&number.to_lowercase(), "ls14ap").await.unwrap();
    assert_eq!(found.status(), 303, "by postcode, however typed");
    assert_eq!(
        link::Link::open(
            Purpose::Order,
            found.headers()["location"]
                .to_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap(),
            &app.store.link_secret().await.unwrap()
        )
        .unwrap()
        .order
        .as_str(),
        id
    );

    // The same answer for a wrong contact and for a number that does not exist, the
    // form keeping what was typed.
    let mut misses = 0;
    for (number, contact) in [(number.as_str(), "bob@example.com"), ("SO-999999", "ann@example.com")] {
        let refused = post(number, contact).await.unwrap();
        misses += 1;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(
            html.contains("We could not find an order with that number and email or postcode"),
            "{html}"
        );
        assert!(html.contains(&format!("value=\"{contact}\"")), "{html}");
    }
    // A blank form tries nothing and is no miss; a form without its token is refused.
    let blank = post(" ", "").await.unwrap();
    assert_eq!(blank.status(), 422);
    assert!(blank.text().await.unwrap().contains("aria-invalid=\"true\""));
    let forged = client()
        .post(&url)
        .form(&[
            ("number", number.as_str()),
            ("contact", "ann@example.com"),
            ("csrf", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    while misses < LOOKUP_PER_ADDRESS.max {
        assert_eq!(post("SO-1", "x@example.com").await.unwrap().status(), 422);
        misses += 1;
    }
    let throttled = post(&number, "ann@example.com").await.unwrap();
    assert_eq!(throttled.status(), 429, "the 11th look-up from the address waits");
    let wait: i64 = throttled.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= LOOKUP_PER_ADDRESS.window.as_secs());
    assert!(throttled.text().await.unwrap().contains("Too many look-ups"));
}

async fn the_returns_portal_authorizes_a_return_with_a_label_inside_the_window_only(app: &TestApp) {
    app.warehouse().await;
    let (number, id) = shipped(app, "R-1").await;
    let (_, other_id) = shipped(app, "R-2").await;
    let status = status_path(app, &id).await;
    let portal = format!("{status}/return");
    let (code, html) = get(app, &status).await;
    assert_eq!(code, 200);
    assert!(html.contains(&format!("href=\"{portal}\"")), "a way to return: {html}");
    let (code, html) = get(app, &portal).await;
    assert_eq!(code, 200, "{html}");
    assert!(
        html.contains("<label for=\"qty_1\">") && html.contains("<label for=\"reason_1\">"),
        "{html}"
    );

    let send =
        |fields: Vec<(&'static str, &'static str)>| client().post(format!("{}{portal}", app.base)).form(&fields).send();
    let listed = format!("/api/v1/returns?order={number}");
    let returns = || app.get(&listed);
    // Nothing picked, too many, no reason: refused at the field, picks kept.
    let r = send(vec![("qty_1", ""), ("qty_2", "0")]).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Choose how many of at least one item"));
    let r = send(vec![("qty_1", "1"), ("reason_1", "too_small"), ("qty_2", "1")])
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("aria-describedby=\"reason_2-error\""), "{html}");
    assert!(html.contains("<option value=\"too_small\" selected>"), "{html}");
    let r = send(vec![("qty_1", "3"), ("reason_1", "damaged")]).await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("aria-describedby=\"qty_1-error\""), "{html}");
    assert!(html.contains("may still be returned"), "{html}");
    assert!(html.contains("value=\"3\""), "{html}");
    assert_eq!(
        returns().await.body["data"].as_array().unwrap().len(),
        0,
        "nothing stored"
    );

    let r = send(vec![
        ("qty_1", "1"),
        ("reason_1", "too_small"),
        ("customer_note", "a size up"),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let page = r.headers()["location"].to_str().unwrap().to_owned();
    let rma = page.rsplit('/').next().unwrap().to_owned();
    assert!(rma.starts_with("RMA-"), "{page}");
    let ret = app.get(&format!("/api/v1/returns/{rma}")).await;
    assert_eq!(ret.body["status"], "authorized", "{}", ret.body);
    assert_eq!(ret.body["created_by"], "customer");
    assert!(
        ret.body["refund_approved_by"].is_null(),
        "the customer approves no refund"
    );
    let (code, html) = get(app, &page).await;
    assert_eq!(code, 200);
    assert!(html.contains(&rma) && html.contains("label.pdf"), "{html}");

    let label = client()
        .get(format!("{}{page}/label.pdf", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(label.status(), 200);
    assert_eq!(label.headers()["content-type"], "application/pdf");
    assert!(label.bytes().await.unwrap().starts_with(b"%PDF"));
    // Another order's link does not reach this return.
    let elsewhere = format!("{}/returns/{rma}/label.pdf", status_path(app, &other_id).await);
    assert_eq!(get(app, &elsewhere).await.0, 404);
    let order = app.get(&format!("/api/v1/orders/{number}")).await;
    assert!(
        order.body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "customer" && e["kind"] == "order.return_requested"),
        "{}",
        order.body["timeline"]
    );

    // After the window: a page that says so, and a post is refused.
    app.clock.advance(SignedDuration::from_hours(31 * 24));
    let (code, html) = get(app, &portal).await;
    assert_eq!(code, 200);
    assert!(html.contains("id=\"nothing-to-return\""), "{html}");
    let r = send(vec![("qty_2", "1"), ("reason_2", "too_large")]).await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(returns().await.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_customer_tracks_an_order_without_javascript() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.warehouse().await;
    let (number, _) = shipped(&app, "B-1").await;
    let browser = Browser::without_javascript(&app.base).await;
    browser.open("/orders/lookup").await;
    browser.fill("#number", &number.to_lowercase()).await;
    browser.fill("#contact", "LS1 4AP").await;
    browser.click("#find").await;
    browser.wait_for_text("Parcel 1").await;
    assert!(browser.path().await.starts_with("/orders/status/"));
    assert!(browser.has("a.tracking").await);
    browser.screenshot("customer-status").await;
    browser.finish().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_customer_returns_an_item_and_gets_the_label() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.warehouse().await;
    let (_, id) = shipped(&app, "B-2").await;
    let browser = Browser::start(&app.base).await;
    browser.open(&status_path(&app, &id).await).await;
    browser.click("#start-return").await;
    browser.wait_for("#qty_1").await;
    browser.fill("#qty_1", "1").await;
    browser.click("#reason_1 option[value=too_small]").await;
    browser.screenshot("customer-return").await;
    browser.click("#send-return").await;
    let text = browser.wait_for_text("Print the return label").await;
    assert!(text.contains("RMA-"), "{text}");
    assert!(browser.has("#label").await);
    browser.finish().await;
    app.finish().await;
}
