//! WooCommerce end to end, through the server and the fake store: a VAT-inclusive GBP
//! order written from the REST API v3 documentation (a coupon, a gift-wrap fee, a line
//! whose price does not divide, a refund) arrives by signed webhook and by poll, is
//! taken once, shipped (a customer note with the tracking number, then `completed`),
//! cancelled on either side, refunded once, and held for stock when the store sold
//! what we do not have.

use serde_json::{Value, json};
use switchyard_channels::fake::woocommerce::{FakeWooCommerce, NoteSeen, webhook_headers};
use switchyard_core::catalog::ChannelKind;
use switchyard_server::AppState;

use super::support::*;
use crate::both;
use crate::helpers::*;
use crate::shipments::UPS_NUMBER as UPS;

const CODE: &str = "woo-uk";
const KEY: &str = "ck_e2e_0123456789";
const SECRET: &str = "cs_e2e_9876543210";
const WEBHOOK_SECRET: &str = "e2e-woo-webhook-secret";
const ORDER_ID: u64 = 1001;
const SKUS: [&str; 2] = ["TEE-ORG-M", "MUG-BLU"];

/// The fixture order as the store answers it now: changed now (so a poll finds it),
/// and, unless `with_refund`, without its refund yet.
fn order_1001(app: &TestApp, with_refund: bool) -> Value {
    let mut order = data_json("woocommerce", "switchyard_vat_inclusive_order.json");
    order["date_modified_gmt"] = json!(app.now().strftime("%Y-%m-%dT%H:%M:%S").to_string());
    if !with_refund {
        order["refunds"] = json!([]);
    }
    order
}

/// A shop on channel `CODE` (`policy` for short orders) with `stock` of each SKU at
/// LON, connected to a fake store holding order 1001 (not yet refunded).
async fn shop(app: &TestApp, policy: &str, stock_of: [i64; 2]) -> FakeWooCommerce {
    channel(app, CODE, "woocommerce", policy).await;
    stock(app, "GBP", &[(SKUS[0], 1200, stock_of[0]), (SKUS[1], 400, stock_of[1])]).await;
    let fake = FakeWooCommerce::start(KEY, SECRET).await.unwrap();
    fake.handle.add_order(order_1001(app, false));
    let keys = [
        ("consumer_key", KEY),
        ("consumer_secret", SECRET),
        ("webhook_secret", WEBHOOK_SECRET),
    ];
    connect_to(
        app,
        &connection(CODE, ChannelKind::Woocommerce, fake.base_url(), &keys, &[]),
    )
    .await;
    fake
}

/// Sends `order` as WooCommerce delivers a webhook of `topic`, signed with the secret.
async fn send(app: &TestApp, topic: &str, order: &Value) -> Resp {
    let body = serde_json::to_vec(order).unwrap();
    webhook(app, CODE, &body, &webhook_headers(topic, WEBHOOK_SECRET, &body)).await
}

/// Order 1001 arrives by `order.created`; answers its number.
async fn placed(app: &TestApp) -> String {
    let r = send(app, "order.created", &order_1001(app, false)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["placed"]);
    taken_order(&r.body)
}

fn gbp_(amount: i64) -> Value {
    money(amount, "GBP")
}

async fn the_fixture_order_arrives_by_webhook_field_by_field_and_is_taken_once(app: &TestApp) {
    let _fake = shop(app, "reject", [5, 5]).await;
    let number = placed(app).await;

    let o = order_by_external_id(app, CODE, "1001").await;
    assert_eq!(o["number"], number);
    assert_eq!(
        (o["channel"].as_str(), o["external_id"].as_str()),
        (Some(CODE), Some("1001"))
    );
    assert_eq!(o["currency"], "GBP");
    assert_eq!(o["placed_at"], "2026-11-20T14:03:00Z", "date_created_gmt");
    assert_eq!(o["status"], "open");
    let lines = line_facts(&o);
    assert_eq!(
        lines,
        [
            // 12.00 a tee with VAT is 10.00 net; the coupon took 3.00 off the three.
            ("TEE-ORG-M", 3, gbp_(1000), gbp_(300), gbp_(540), "2001"),
            // 10.00 for three mugs does not divide: 3.34 each, the 0.02 back as discount.
            ("MUG-BLU", 3, gbp_(334), gbp_(102), gbp_(180), "2002"),
        ]
    );
    let t = &o["totals"];
    // Shipping 4.00 + 0.80 VAT with the gift wrap fee 2.50 + 0.50 VAT; 51.00 as WooCommerce says.
    assert_eq!(
        [&t["discount"], &t["tax"], &t["shipping"], &t["total"]],
        [&gbp_(402), &gbp_(850), &gbp_(650), &gbp_(5100)]
    );
    assert_eq!(
        (
            o["customer"]["email"].as_str(),
            o["customer"]["name"].as_str(),
            o["customer"]["phone"].as_str()
        ),
        (Some("ann@example.com"), Some("Ann Example"), Some("+44 113 496 0000"))
    );
    let s = &o["shipping_address"];
    assert_eq!(
        [
            &s["name"],
            &s["company"],
            &s["line1"],
            &s["city"],
            &s["region"],
            &s["postal_code"],
            &s["country"],
            &s["phone"]
        ],
        [
            "Bob Example",
            "Example Works Ltd",
            "2 Example Road",
            "Leeds",
            "West Yorkshire",
            "LS1 4AP",
            "GB",
            "+44 113 496 0001"
        ]
    );
    let b = &o["billing_address"];
    assert_eq!(
        [
            &b["name"],
            &b["line1"],
            &b["line2"],
            &b["city"],
            &b["postal_code"],
            &b["country"]
        ],
        ["Ann Example", "1 Sample Street", "Flat 3", "York", "YO1 7HH", "GB"]
    );
    assert_eq!(o["notes"], "Please leave with the neighbour");
    assert_eq!(available(app, &SKUS).await, [2, 2], "three of each reserved");

    // Told again by webhook, then found again by a poll: still one order.
    let again = send(app, "order.updated", &order_1001(app, false)).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(outcomes(&again.body), ["existing"]);
    assert_eq!(taken_order(&again.body), number);
    let polled = poll(app, CODE).await;
    assert_eq!(polled.status, 200, "{}", polled.body);
    assert_eq!(outcomes(&polled.body), ["existing"]);
    assert_eq!(orders_of(app, CODE).await.len(), 1);
    assert_eq!(app.order_count().await, 1);
    assert_eq!(available(app, &SKUS).await, [2, 2], "reserved once");
}

async fn a_forged_signature_is_refused_and_stores_nothing(app: &TestApp) {
    let _fake = shop(app, "reject", [5, 5]).await;
    let body = serde_json::to_vec(&order_1001(app, false)).unwrap();
    let forged = webhook_headers("order.created", "not-the-secret", &body);
    webhook(app, CODE, &body, &forged).await.problem(401, "unauthorized");
    let for_another_body = webhook_headers("order.created", WEBHOOK_SECRET, b"{}");
    webhook(app, CODE, &body, &for_another_body)
        .await
        .problem(401, "unauthorized");
    let mut unsigned = webhook_headers("order.created", WEBHOOK_SECRET, &body);
    unsigned.retain(|(k, _)| *k != "x-wc-webhook-signature");
    webhook(app, CODE, &body, &unsigned).await.problem(401, "unauthorized");
    assert_eq!(app.order_count().await, 0);
    assert_eq!(available(app, &SKUS).await, [5, 5]);
}

async fn a_shipped_order_is_completed_on_woocommerce_with_a_tracking_note(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5]).await;
    let number = placed(app).await;
    app.shipped(&number, UPS).await;
    assert!(deliver(app).await >= 1);

    let notes = fake.handle.notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].order_id, ORDER_ID);
    assert!(notes[0].customer_note, "the customer is told");
    assert!(
        notes[0].note.contains(UPS) && notes[0].note.contains("ups"),
        "carrier and tracking number: {}",
        notes[0].note
    );
    assert_eq!(fake.handle.status_changes(), [(ORDER_ID, "completed".to_owned())]);
    assert_eq!(deliver(app).await, 0, "pushed once");
    assert_eq!(fake.handle.notes().len(), 1);
}

fn cancelled_1001(app: &TestApp) -> Value {
    let mut order = order_1001(app, false);
    order["status"] = json!("cancelled");
    order
}

async fn a_cancellation_on_woocommerce_cancels_the_order_and_frees_its_stock(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5]).await;
    let number = placed(app).await;
    assert_eq!(available(app, &SKUS).await, [2, 2]);
    let r = send(app, "order.updated", &cancelled_1001(app)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The order is the one we have, then its cancellation.
    assert_eq!(outcomes(&r.body), ["existing", "cancelled"]);
    assert_eq!(app.order_json(&number).await["status"], "cancelled");
    assert_eq!(available(app, &SKUS).await, [5, 5], "its stock is free again");
    // Told again, then found cancelled by a poll: nothing more.
    let r = send(app, "order.updated", &cancelled_1001(app)).await;
    assert_eq!(outcomes(&r.body), ["existing", "nothing"]);
    fake.handle.add_order(cancelled_1001(app));
    let polled = poll(app, CODE).await;
    assert_eq!(polled.status, 200, "{}", polled.body);
    assert_eq!(outcomes(&polled.body), ["existing", "nothing"]);
    assert_eq!(available(app, &SKUS).await, [5, 5]);
    // The store's own cancellation is not echoed back to it.
    deliver(app).await;
    assert_eq!(fake.handle.status_changes(), []);
    assert_eq!(fake.handle.notes(), []);
}

async fn a_cancellation_on_woocommerce_of_an_order_being_packed_holds_it(app: &TestApp) {
    let _fake = shop(app, "reject", [5, 5]).await;
    let number = placed(app).await;
    app.packed(&number).await;
    let r = send(app, "order.updated", &cancelled_1001(app)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["existing", "held"]);
    let o = app.order_json(&number).await;
    assert_eq!(o["status"], "on_hold");
    assert_eq!(o["hold"]["reason"], "customer_request");
    assert_eq!(available(app, &SKUS).await, [2, 2], "still reserved for the parcel");
}

async fn a_refund_on_woocommerce_is_recorded_once(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5]).await;
    let number = placed(app).await;
    let refunded = order_1001(app, true);
    let first = send(app, "order.updated", &refunded).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(outcomes(&first.body), ["existing", "refunded"]);
    let second = send(app, "order.updated", &refunded).await;
    assert_eq!(outcomes(&second.body), ["existing", "nothing"]);
    fake.handle.add_order(refunded);
    let polled = poll(app, CODE).await;
    assert_eq!(polled.status, 200, "{}", polled.body);
    assert_eq!(outcomes(&polled.body), ["existing", "nothing"]);
    let refunds = refunds(app, &number).await;
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0]["amount"], gbp_(1200), "refund 905's 12.00");
}

async fn cancelling_in_switchyard_cancels_on_woocommerce(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5]).await;
    let number = placed(app).await;
    let r = app
        .post(
            &format!("/api/v1/orders/{number}/cancel"),
            json!({"reason": "customer changed their mind"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(deliver(app).await >= 1);
    assert_eq!(fake.handle.status_changes(), [(ORDER_ID, "cancelled".to_owned())]);
    assert_eq!(fake.handle.order(ORDER_ID).unwrap()["status"], "cancelled");
    assert_eq!(fake.handle.notes(), Vec::<NoteSeen>::new());
}

async fn a_line_cancelled_in_switchyard_is_a_private_note_on_woocommerce(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5]).await;
    let number = placed(app).await;
    let r = app
        .post(
            &format!("/api/v1/orders/{number}/lines/2/cancel"),
            json!({"reason": "out of stock"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(deliver(app).await >= 1);
    // WooCommerce cannot cancel one line: the shop is told, the customer is not.
    assert_eq!(
        fake.handle.notes(),
        [NoteSeen {
            order_id: ORDER_ID,
            note: "Cancelled in Switchyard: 3 × MUG-BLU (line 2002) (out of stock)".into(),
            customer_note: false,
        }]
    );
    assert_eq!(fake.handle.status_changes(), [], "the order stays open");
    assert_eq!(deliver(app).await, 0);
}

async fn an_order_woocommerce_took_money_for_without_our_stock_is_held_for_stock(app: &TestApp) {
    let _fake = shop(app, "reject", [5, 1]).await;
    let r = send(app, "order.created", &order_1001(app, false)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["placed"]);
    assert_eq!(r.body["taken"][0]["detail"], "on hold for stock");
    let o = app.order_json(&taken_order(&r.body)).await;
    assert_eq!(o["status"], "on_hold");
    assert_eq!(o["hold"]["reason"], "stock");
    assert_eq!(o["lines"].as_array().unwrap().len(), 2, "every line kept");
}

async fn a_poll_waits_out_woocommerce_rate_limit_and_takes_the_order(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5]).await;
    fake.handle.rate_limit_next(1);
    let r = poll(app, CODE).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["placed"]);
    assert_eq!(r.body["taken"][0]["external_id"], "1001");
    assert_eq!(orders_of(app, CODE).await.len(), 1);
}

/// Polls every connection that is due, as the server's background sweep does;
/// answers how many notices were taken.
async fn poll_due(app: &TestApp) -> usize {
    let state = AppState::new(app.store.clone()).with_channel_patience(patience());
    switchyard_server::channels::poll::poll_due(&state).await.unwrap()
}

async fn the_store_is_polled_when_due_and_an_order_refused_is_asked_for_again(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5]).await;
    // WooCommerce's documented order 727, whose first line has no SKU: not takeable.
    let mut documented = data_json("woocommerce", "wc_v3_retrieve_order_response.json");
    documented["date_modified_gmt"] = json!(app.now().strftime("%Y-%m-%dT%H:%M:%S").to_string());
    fake.handle.add_order(documented);

    assert_eq!(poll_due(app).await, 2, "a new connection is due: 1001 and 727");
    assert_eq!(orders_of(app, CODE).await.len(), 1);
    let c = app.get(&format!("/api/v1/channels/{CODE}/connection")).await;
    assert_eq!(c.status, 200, "{}", c.body);
    let error = c.body["poll_error"].as_str().unwrap();
    assert!(error.contains("727") && error.contains("/lines/0/sku"), "{error}");
    assert_eq!(c.body["polled_until"], Value::Null, "not past the refused order");
    assert_eq!(
        c.body["credentials"],
        json!(["consumer_key", "consumer_secret", "webhook_secret"])
    );
    for secret in [KEY, SECRET, WEBHOOK_SECRET] {
        assert!(!c.body.to_string().contains(secret), "a credential is never answered");
    }

    assert_eq!(poll_due(app).await, 0, "not due again before its interval");
    app.clock.advance(jiff::SignedDuration::from_secs(300));
    assert_eq!(poll_due(app).await, 2, "due again: 727 asked for again");
    assert_eq!(orders_of(app, CODE).await.len(), 1, "1001 once");
    let queries = fake.handle.order_queries();
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert!(queries.iter().all(|q| q.contains("modified_after=")), "{queries:?}");
}

both!(
    the_fixture_order_arrives_by_webhook_field_by_field_and_is_taken_once,
    a_forged_signature_is_refused_and_stores_nothing,
    a_shipped_order_is_completed_on_woocommerce_with_a_tracking_note,
    a_cancellation_on_woocommerce_cancels_the_order_and_frees_its_stock,
    a_cancellation_on_woocommerce_of_an_order_being_packed_holds_it,
    a_refund_on_woocommerce_is_recorded_once,
    cancelling_in_switchyard_cancels_on_woocommerce,
    a_line_cancelled_in_switchyard_is_a_private_note_on_woocommerce,
    an_order_woocommerce_took_money_for_without_our_stock_is_held_for_stock,
    a_poll_waits_out_woocommerce_rate_limit_and_takes_the_order,
    the_store_is_polled_when_due_and_an_order_refused_is_asked_for_again,
);
