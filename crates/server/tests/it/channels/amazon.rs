//! Amazon end to end, through the server and the fake SP-API: the sandbox order of
//! Amazon's Orders API model (with the buyer and address of its `getOrder` example,
//! which a restricted data token reveals) arrives by an `ORDER_CHANGE` the seller's
//! relay forwards and by poll, is taken once, has its shipment confirmed with the
//! tracking number and Amazon's order item id, is cancelled on either side (Amazon's
//! `Canceled` fetched after an `ORDER_CHANGE`; ours as an order acknowledgement feed),
//! and is held for stock when Amazon sold what we do not have.

use serde_json::{Value, json};
use switchyard_channels::fake::amazon::{self as fake, FakeAmazon, FeedCancellation};

use super::support::*;
use crate::both;
use crate::helpers::*;

const CODE: &str = "amazon-us";
const ORDER_ID: &str = "902-1845936-5435065";
const ITEM_ID: &str = "05015851154158";
const SKU: &str = "NABetaASINB00551Q3CS";
const UPS: &str = "1Z5R89390357567127";

/// The sandbox order (`getOrders`' first) with the `getOrder` example's buyer and
/// shipping address, in `status`, changed now (so a poll finds it); and its item.
fn sandbox_order(app: &TestApp, status: &str) -> (Value, Vec<Value>) {
    let mut order = data_json("amazon", "getOrders_sandbox_TEST_CASE_200.json")["payload"]["Orders"][0].clone();
    let example = data_json("amazon", "getOrder_response_example.json")["payload"].clone();
    order["ShippingAddress"] = example["ShippingAddress"].clone();
    order["BuyerInfo"] = example["BuyerInfo"].clone();
    order["OrderStatus"] = json!(status);
    order["LastUpdateDate"] = json!(app.now().to_string());
    let items = data_json("amazon", "getOrderItems_sandbox_TEST_CASE_200.json")["payload"]["OrderItems"].clone();
    (order, items.as_array().unwrap().clone())
}

/// A seller on channel `CODE` (`policy` for short orders) with `on_hand` of the
/// order's SKU at LON, connected to a fake SP-API holding the sandbox order.
async fn seller(app: &TestApp, policy: &str, on_hand: i64) -> FakeAmazon {
    channel(app, CODE, "amazon", policy).await;
    stock(app, "USD", &[(SKU, 1000, on_hand)]).await;
    let fake = FakeAmazon::start().await.unwrap();
    let (order, items) = sandbox_order(app, "Unshipped");
    fake.add_order(order, items);
    connect_to(app, &fake.connection(CODE)).await;
    fake
}

/// The relay forwards Amazon's `ORDER_CHANGE` about the order with `secret`.
async fn order_change(app: &TestApp, secret: &str) -> Resp {
    let body = fake::order_change(ORDER_ID);
    webhook(app, CODE, &body, &pairs(&fake::notification_headers(secret))).await
}

/// The order arrives by `ORDER_CHANGE`; answers its number.
async fn placed(app: &TestApp) -> String {
    let r = order_change(app, fake::NOTIFICATION_TOKEN).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["placed"]);
    taken_order(&r.body)
}

fn usd(amount: i64) -> Value {
    money(amount, "USD")
}

async fn the_sandbox_order_arrives_by_order_change_field_by_field_and_is_taken_once(app: &TestApp) {
    let _fake = seller(app, "reject", 5).await;
    let number = placed(app).await;

    let o = order_by_external_id(app, CODE, ORDER_ID).await;
    assert_eq!(o["number"], number);
    assert_eq!(
        (o["channel"].as_str(), o["external_id"].as_str()),
        (Some(CODE), Some(ORDER_ID))
    );
    assert_eq!(o["currency"], "USD");
    assert_eq!(o["placed_at"], "1970-01-19T03:58:30Z", "PurchaseDate");
    assert_eq!(o["service_level"], "standard", "ShipmentServiceLevelCategory");
    assert_eq!(o["status"], "open");
    // ItemPrice 10.00 for one, ItemTax 1.01 on top (a US marketplace), no promotion.
    let lines = line_facts(&o);
    assert_eq!(lines, [(SKU, 1, usd(1000), usd(0), usd(101), ITEM_ID)]);
    let t = &o["totals"];
    assert_eq!(
        [&t["subtotal"], &t["discount"], &t["tax"], &t["shipping"], &t["total"]],
        [&usd(1000), &usd(0), &usd(101), &usd(0), &usd(1101)],
        "OrderTotal 11.01"
    );
    assert_eq!(
        o["customer"]["email"], "user@example.com",
        "BuyerInfo, read with a restricted data token"
    );
    assert_eq!(o["customer"]["name"], "John Doe");
    let a = &o["shipping_address"];
    assert_eq!(
        (a["name"].as_str(), a["line1"].as_str(), a["city"].as_str()),
        (Some("Michigan address"), Some("1 Cross St."), Some("Canton"))
    );
    assert_eq!(
        (a["region"].as_str(), a["postal_code"].as_str(), a["country"].as_str()),
        (Some("MI"), Some("48817"), Some("US"))
    );
    assert!(
        o["billing_address"].is_null() || o["billing_address"] == o["shipping_address"],
        "Amazon gives no billing address: {}",
        o["billing_address"]
    );
    assert_eq!(available(app, &[SKU]).await, [4], "one reserved");

    // Told again, then found again by a poll: still one order.
    let again = order_change(app, fake::NOTIFICATION_TOKEN).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(outcomes(&again.body), ["existing"]);
    assert_eq!(again.body["taken"][0]["order"], number);
    let polled = poll(app, CODE).await;
    assert_eq!(polled.status, 200, "{}", polled.body);
    assert_eq!(outcomes(&polled.body), ["existing"]);
    assert_eq!(orders_of(app, CODE).await.len(), 1);
    assert_eq!(app.order_count().await, 1);
    assert_eq!(available(app, &[SKU]).await, [4], "reserved once");
}

async fn a_notification_without_the_relays_secret_is_refused_and_stores_nothing(app: &TestApp) {
    let fake = seller(app, "reject", 5).await;
    order_change(app, "not-the-secret").await.problem(401, "unauthorized");
    let body = fake::order_change(ORDER_ID);
    let none: [(&str, &str); 0] = [];
    webhook(app, CODE, &body, &none).await.problem(401, "unauthorized");
    assert_eq!(app.order_count().await, 0);
    assert_eq!(available(app, &[SKU]).await, [5]);
    assert!(
        fake.requests().iter().all(|r| !r.contains(ORDER_ID)),
        "a refused notification fetches nothing: {:?}",
        fake.requests()
    );
}

async fn a_shipped_order_is_confirmed_on_amazon_with_its_tracking_number(app: &TestApp) {
    let fake = seller(app, "reject", 5).await;
    let number = placed(app).await;
    let shipment = app.shipped(&number, UPS).await;
    assert!(deliver(app).await >= 1);

    let shipments = fake.shipments();
    assert_eq!(shipments.len(), 1, "{shipments:?}");
    let (id, body) = &shipments[0];
    assert_eq!(id, ORDER_ID);
    assert_eq!(body["marketplaceId"], fake::MARKETPLACE_ID);
    let detail = &body["packageDetail"];
    assert_eq!(detail["trackingNumber"], UPS);
    assert_eq!(detail["carrierCode"], "UPS");
    assert_eq!(
        detail["orderItems"],
        json!([{"orderItemId": ITEM_ID, "quantity": 1}]),
        "Amazon's order item id, carried from the order"
    );
    let shipment_id = app.shipment_json(&shipment).await["id"].as_str().unwrap().to_owned();
    assert_eq!(
        detail["packageReferenceId"],
        switchyard_channels::amazon::package_reference(&shipment_id)
    );
    assert_eq!(deliver(app).await, 0, "confirmed once");
    assert_eq!(fake.shipments().len(), 1);
}

/// Amazon cancels the order, then the relay forwards the `ORDER_CHANGE`.
async fn cancelled_on_amazon(app: &TestApp, fake: &FakeAmazon) -> Resp {
    let (order, items) = sandbox_order(app, "Canceled");
    fake.add_order(order, items);
    order_change(app, fake::NOTIFICATION_TOKEN).await
}

async fn a_cancellation_on_amazon_cancels_the_order_and_frees_its_stock(app: &TestApp) {
    let fake = seller(app, "reject", 5).await;
    let number = placed(app).await;
    assert_eq!(available(app, &[SKU]).await, [4]);
    let r = cancelled_on_amazon(app, &fake).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["existing", "cancelled"]);
    assert_eq!(app.order_json(&number).await["status"], "cancelled");
    assert_eq!(available(app, &[SKU]).await, [5], "its stock is free again");
    // Told again, by notification and by poll: nothing more.
    let r = order_change(app, fake::NOTIFICATION_TOKEN).await;
    assert_eq!(outcomes(&r.body), ["existing", "nothing"]);
    let polled = poll(app, CODE).await;
    assert_eq!(polled.status, 200, "{}", polled.body);
    assert_eq!(outcomes(&polled.body), ["existing", "nothing"]);
    assert_eq!(available(app, &[SKU]).await, [5]);
    deliver(app).await;
    assert_eq!(
        fake.cancellations(),
        [],
        "Amazon's own cancellation is not sent back to it"
    );
}

async fn a_cancellation_on_amazon_of_an_order_being_packed_holds_it(app: &TestApp) {
    let fake = seller(app, "reject", 5).await;
    let number = placed(app).await;
    app.packed(&number).await;
    let r = cancelled_on_amazon(app, &fake).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["existing", "held"]);
    let o = app.order_json(&number).await;
    assert_eq!(o["status"], "on_hold");
    assert_eq!(o["hold"]["reason"], "customer_request");
}

async fn cancelling_in_switchyard_cancels_on_amazon(app: &TestApp) {
    let fake = seller(app, "reject", 5).await;
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
        [FeedCancellation {
            order_id: ORDER_ID.into(),
            items: vec![]
        }],
        "the whole order, by an order acknowledgement feed"
    );
    let feed = &fake.feeds()[0].1;
    assert!(feed.contains("<StatusCode>Failure</StatusCode>"), "{feed}");
    assert_eq!(deliver(app).await, 0, "sent once");
}

async fn an_order_amazon_took_money_for_without_our_stock_is_held_for_stock(app: &TestApp) {
    let _fake = seller(app, "reject", 0).await;
    let r = order_change(app, fake::NOTIFICATION_TOKEN).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["placed"]);
    assert_eq!(r.body["taken"][0]["detail"], "on hold for stock");
    let o = app.order_json(&taken_order(&r.body)).await;
    assert_eq!(o["status"], "on_hold");
    assert_eq!(o["hold"]["reason"], "stock");
    assert_eq!(o["payment_status"], "paid_by_channel");
}

async fn a_poll_waits_out_amazons_rate_limit_and_takes_the_order(app: &TestApp) {
    let fake = seller(app, "reject", 5).await;
    fake.rate_limit_next(1);
    let r = poll(app, CODE).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["placed"]);
    assert_eq!(r.body["taken"][0]["external_id"], ORDER_ID);
    assert_eq!(orders_of(app, CODE).await.len(), 1);
    assert_eq!(
        order_by_external_id(app, CODE, ORDER_ID).await["customer"]["email"],
        "user@example.com"
    );
}

async fn an_order_amazon_cancelled_before_it_was_priced_does_not_hold_the_poll_back(app: &TestApp) {
    let fake = seller(app, "reject", 5).await;
    // Cancelled while still Pending: no OrderTotal, no items, nothing we could place.
    let (mut pending, _) = sandbox_order(app, "Canceled");
    pending["AmazonOrderId"] = json!("902-0000000-0000099");
    pending.as_object_mut().unwrap().remove("OrderTotal");
    fake.add_order(pending, Vec::new());
    let r = poll(app, CODE).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["placed", "nothing"], "{}", r.body);
    let c = app.get(&format!("/api/v1/channels/{CODE}/connection")).await;
    assert_eq!(c.body["poll_error"], Value::Null, "{}", c.body);
    assert_eq!(
        c.body["polled_until"], c.body["polled_at"],
        "the poll moved on: {}",
        c.body
    );
    assert_eq!(app.order_count().await, 1);
}

both!(
    the_sandbox_order_arrives_by_order_change_field_by_field_and_is_taken_once,
    a_notification_without_the_relays_secret_is_refused_and_stores_nothing,
    a_shipped_order_is_confirmed_on_amazon_with_its_tracking_number,
    a_cancellation_on_amazon_cancels_the_order_and_frees_its_stock,
    a_cancellation_on_amazon_of_an_order_being_packed_holds_it,
    cancelling_in_switchyard_cancels_on_amazon,
    an_order_amazon_took_money_for_without_our_stock_is_held_for_stock,
    a_poll_waits_out_amazons_rate_limit_and_takes_the_order,
    an_order_amazon_cancelled_before_it_was_priced_does_not_hold_the_poll_back,
);
