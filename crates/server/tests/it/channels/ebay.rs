//! eBay end to end, through the server and the fake eBay APIs: the orders of the
//! channels crate's `getOrders` page (written from eBay's Sell Fulfillment API docs)
//! arrive by poll only, are taken once however often polled, are shipped as a shipping
//! fulfilment with the tracking number on eBay's line item ids, are cancelled on either
//! side (eBay's `cancelState` `CANCELED` found by a poll; ours through the Post-Order
//! API), have eBay's refunds recorded once, and are held for stock when eBay sold what
//! we do not have.

use serde_json::{Value, json};
use switchyard_channels::fake::ebay::EbayFake;

use super::support::*;
use crate::both;
use crate::helpers::*;

const CODE: &str = "ebay-us";
/// The two-line US order: TEE-ORG-M ×2 with a seller promotion, MUG-BLU ×1.
const ORDER_ID: &str = "12-34567-00001";
/// The cancelled and fully refunded order: SCARF-RED ×1.
const REFUNDED_ID: &str = "12-34567-00003";
const SKUS: [&str; 2] = ["TEE-ORG-M", "MUG-BLU"];
const UPS: &str = "1Z5R89390357567127";

/// Order `n` of the fixture page, changed now (so a poll finds it).
fn ebay_order(app: &TestApp, n: usize) -> Value {
    let mut order = data_json("ebay", "getOrders_page.json")["orders"][n].clone();
    order["lastModifiedDate"] = json!(app.now().to_string());
    order
}

/// Tells the fake eBay has `order` (new, or changed).
fn put(fake: &EbayFake, order: &Value) {
    fake.add_orders(&order.to_string()).unwrap();
}

/// A seller on channel `CODE` (`policy` for short orders) with `on_hand` of each of
/// the first order's SKUs (and of SCARF-RED) at LON, connected to a fake eBay holding
/// the first order.
async fn seller(app: &TestApp, policy: &str, on_hand: [i64; 2]) -> EbayFake {
    channel(app, CODE, "ebay", policy).await;
    stock(
        app,
        "USD",
        &[
            (SKUS[0], 2000, on_hand[0]),
            (SKUS[1], 1250, on_hand[1]),
            ("SCARF-RED", 1599, 5),
        ],
    )
    .await;
    let fake = EbayFake::start().await.unwrap();
    put(&fake, &ebay_order(app, 0));
    connect_to(app, &fake.connection(CODE)).await;
    fake
}

/// Polls eBay; asserts it answered and what each notice came to.
async fn polled(app: &TestApp, expected: &[&str]) -> Value {
    let r = poll(app, CODE).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), expected, "{}", r.body);
    r.body
}

/// The first order arrives by poll; answers its number.
async fn placed(app: &TestApp) -> String {
    taken_order(&polled(app, &["placed"]).await)
}

fn usd(amount: i64) -> Value {
    money(amount, "USD")
}

async fn the_fixture_order_arrives_by_poll_field_by_field_and_is_taken_once(app: &TestApp) {
    let _fake = seller(app, "reject", [5, 5]).await;
    let number = placed(app).await;

    let o = order_by_external_id(app, CODE, ORDER_ID).await;
    assert_eq!(o["number"], number);
    assert_eq!(
        (o["channel"].as_str(), o["external_id"].as_str()),
        (Some(CODE), Some(ORDER_ID))
    );
    assert_eq!(o["currency"], "USD");
    assert_eq!(o["placed_at"], "2026-11-20T14:03:00Z", "creationDate");
    assert_eq!(o["status"], "open");
    // lineItemCost 40.0 for two, 4.0 off by promotion, 2.88 sales tax eBay remits;
    // 12.5 for one mug with 1.0 tax.
    let lines = line_facts(&o);
    assert_eq!(
        lines,
        [
            ("TEE-ORG-M", 2, usd(2000), usd(400), usd(288), "10000000000101"),
            ("MUG-BLU", 1, usd(1250), usd(0), usd(100), "10000000000102"),
        ]
    );
    let t = &o["totals"];
    assert_eq!(
        [&t["subtotal"], &t["discount"], &t["tax"], &t["shipping"], &t["total"]],
        [&usd(5250), &usd(400), &usd(388), &usd(500), &usd(5738)],
        "pricingSummary: 52.5 − 4.0 + 3.88 + 5.0 = 57.38"
    );
    assert_eq!(o["customer"]["email"], "ann@example.com");
    assert_eq!(o["customer"]["name"], "Ann Example");
    let ship = &o["shipping_address"];
    assert_eq!(
        [
            &ship["name"],
            &ship["company"],
            &ship["line1"],
            &ship["line2"],
            &ship["city"]
        ],
        [
            &json!("Ann Example"),
            &json!("Example Studio LLC"),
            &json!("400 Lake Avenue"),
            &json!("Suite 5"),
            &json!("Chicago")
        ],
        "shipTo"
    );
    assert_eq!(
        [&ship["region"], &ship["postal_code"], &ship["country"], &ship["phone"]],
        [&json!("IL"), &json!("60601"), &json!("US"), &json!("3125550199")]
    );
    let bill = &o["billing_address"];
    assert_eq!(
        [
            &bill["name"],
            &bill["line1"],
            &bill["city"],
            &bill["postal_code"],
            &bill["phone"]
        ],
        [
            &json!("Ann Example"),
            &json!("12 Market Street"),
            &json!("Springfield"),
            &json!("62701"),
            &json!("2175550100")
        ],
        "buyerRegistrationAddress"
    );
    assert_eq!(available(app, &SKUS).await, [3, 4], "reserved");

    // Polled again (eBay lists it as long as it changed since): still one order.
    polled(app, &["existing"]).await;
    assert_eq!(orders_of(app, CODE).await.len(), 1);
    assert_eq!(app.order_count().await, 1);
    assert_eq!(available(app, &SKUS).await, [3, 4], "reserved once");
}

async fn notifications_are_refused_as_ebay_orders_come_by_poll(app: &TestApp) {
    let _fake = seller(app, "reject", [5, 5]).await;
    let body = ebay_order(app, 0).to_string();
    let headers = [("x-ebay-signature", "anything")];
    webhook(app, CODE, body.as_bytes(), &headers)
        .await
        .problem(401, "unauthorized");
    assert_eq!(app.order_count().await, 0);
}

async fn a_shipped_order_is_a_shipping_fulfilment_on_ebay_with_its_tracking_number(app: &TestApp) {
    let fake = seller(app, "reject", [5, 5]).await;
    let number = placed(app).await;
    app.shipped(&number, UPS).await;
    assert!(deliver(app).await >= 1);

    let fulfilments = fake.fulfilments();
    assert_eq!(fulfilments.len(), 1, "{fulfilments:?}");
    let f = &fulfilments[0];
    assert_eq!(f.order_id, ORDER_ID);
    assert_eq!(f.body["trackingNumber"], UPS);
    assert_eq!(f.body["shippingCarrierCode"], "UPS");
    let mut lines: Vec<(String, i64)> = f.body["lineItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["lineItemId"].as_str().unwrap().to_owned(),
                l["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [("10000000000101".into(), 2), ("10000000000102".into(), 1)],
        "eBay's line item ids, carried from the order"
    );
    assert_eq!(deliver(app).await, 0, "pushed once");
    assert_eq!(fake.fulfilments().len(), 1);
}

/// eBay cancels the first order (at the seller's request, as its cancel flow does).
fn cancelled(app: &TestApp) -> Value {
    let mut order = ebay_order(app, 0);
    order["cancelStatus"] = json!({
        "cancelState": "CANCELED",
        "cancelledDate": app.now().to_string(),
        "cancelRequests": [{
            "cancelInitiator": "BUYER",
            "cancelReason": "BUYER_ASKED_CANCEL",
            "cancelRequestId": "5200000001",
            "cancelRequestState": "COMPLETED"
        }]
    });
    order
}

async fn a_cancellation_on_ebay_found_by_poll_cancels_the_order_and_frees_its_stock(app: &TestApp) {
    let fake = seller(app, "reject", [5, 5]).await;
    let number = placed(app).await;
    assert_eq!(available(app, &SKUS).await, [3, 4]);
    put(&fake, &cancelled(app));
    polled(app, &["existing", "cancelled"]).await;
    let o = app.order_json(&number).await;
    assert_eq!(o["status"], "cancelled");
    assert_eq!(available(app, &SKUS).await, [5, 5], "its stock is free again");
    polled(app, &["existing", "nothing"]).await;
    assert_eq!(available(app, &SKUS).await, [5, 5]);
    deliver(app).await;
    assert!(
        fake.cancellations().is_empty(),
        "eBay's own cancellation is not sent back to it"
    );
}

async fn a_cancellation_on_ebay_of_an_order_being_packed_holds_it(app: &TestApp) {
    let fake = seller(app, "reject", [5, 5]).await;
    let number = placed(app).await;
    app.packed(&number).await;
    put(&fake, &cancelled(app));
    polled(app, &["existing", "held"]).await;
    let o = app.order_json(&number).await;
    assert_eq!(o["status"], "on_hold");
    assert_eq!(o["hold"]["reason"], "customer_request");
}

async fn a_refund_on_ebay_is_recorded_once(app: &TestApp) {
    let fake = seller(app, "reject", [5, 5]).await;
    let number = placed(app).await;
    // eBay refunds the mug (12.5 and its 1.0 tax), at order and line level, one id.
    let mut order = ebay_order(app, 0);
    let refund = json!({"refundId": "5300000001", "refundReferenceId": "REF-0001",
                        "refundDate": app.now().to_string(),
                        "amount": {"value": "13.5", "currency": "USD"}, "refundStatus": "REFUNDED"});
    order["paymentSummary"]["refunds"] = json!([refund]);
    order["lineItems"][1]["refunds"] = json!([refund]);
    order["orderPaymentStatus"] = json!("PARTIALLY_REFUNDED");
    put(&fake, &order);
    polled(app, &["existing", "refunded"]).await;
    polled(app, &["existing", "nothing"]).await;
    let recorded = refunds(app, &number).await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["amount"], usd(1350));
    assert_eq!(app.order_json(&number).await["payment_status"], "partially_refunded");
}

async fn an_order_cancelled_and_refunded_on_ebay_before_we_saw_it(app: &TestApp) {
    let fake = seller(app, "reject", [5, 5]).await;
    put(&fake, &ebay_order(app, 2));
    // eBay lists the cancellation and the refund of the same money: the cancellation
    // gave it back here already, so the refund is not recorded again.
    let body = polled(app, &["placed", "placed", "cancelled", "nothing"]).await;
    let number = body["taken"][1]["order"].as_str().unwrap().to_owned();
    assert_eq!(body["taken"][1]["external_id"], REFUNDED_ID);
    let o = app.order_json(&number).await;
    assert_eq!(o["status"], "cancelled");
    assert_eq!(available(app, &["SCARF-RED"]).await, [5], "nothing kept back for it");
    let recorded = refunds(app, &number).await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["amount"], usd(2149), "the 21.49 eBay refunded, once");
    assert_eq!(o["payment_status"], "refunded");
    polled(app, &["existing", "existing", "nothing", "nothing"]).await;
    assert_eq!(refunds(app, &number).await.len(), 1);
    assert_eq!(app.order_count().await, 2);
}

async fn cancelling_in_switchyard_cancels_on_ebay(app: &TestApp) {
    let fake = seller(app, "reject", [5, 5]).await;
    let number = placed(app).await;
    let r = app
        .post(
            &format!("/api/v1/orders/{number}/cancel"),
            json!({"reason": "customer_request"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(deliver(app).await >= 1);
    assert_eq!(
        fake.cancellations(),
        [json!({"legacyOrderId": ORDER_ID, "cancelReason": "BUYER_ASKED_CANCEL"})],
        "through the Post-Order API"
    );
    assert_eq!(deliver(app).await, 0, "sent once");
}

async fn an_order_ebay_took_money_for_without_our_stock_is_held_for_stock(app: &TestApp) {
    let _fake = seller(app, "reject", [5, 0]).await;
    let body = polled(app, &["placed"]).await;
    assert_eq!(body["taken"][0]["detail"], "on hold for stock");
    let o = app.order_json(&taken_order(&body)).await;
    assert_eq!(o["status"], "on_hold");
    assert_eq!(o["hold"]["reason"], "stock");
    assert_eq!(o["lines"].as_array().unwrap().len(), 2, "every line kept");
    assert_eq!(o["payment_status"], "paid_by_channel");
}

async fn a_poll_waits_out_ebays_rate_limit_and_takes_the_order(app: &TestApp) {
    let fake = seller(app, "reject", [5, 5]).await;
    fake.rate_limit_next(1);
    let body = polled(app, &["placed"]).await;
    assert_eq!(body["taken"][0]["external_id"], ORDER_ID);
    assert_eq!(orders_of(app, CODE).await.len(), 1);
}

both!(
    the_fixture_order_arrives_by_poll_field_by_field_and_is_taken_once,
    notifications_are_refused_as_ebay_orders_come_by_poll,
    a_shipped_order_is_a_shipping_fulfilment_on_ebay_with_its_tracking_number,
    a_cancellation_on_ebay_found_by_poll_cancels_the_order_and_frees_its_stock,
    a_cancellation_on_ebay_of_an_order_being_packed_holds_it,
    a_refund_on_ebay_is_recorded_once,
    an_order_cancelled_and_refunded_on_ebay_before_we_saw_it,
    cancelling_in_switchyard_cancels_on_ebay,
    an_order_ebay_took_money_for_without_our_stock_is_held_for_stock,
    a_poll_waits_out_ebays_rate_limit_and_takes_the_order,
);
