//! Shopify end to end, through the server and the fake Shopify: order #1001 of
//! Shopify's own SDK fixtures arrives by signed webhook and by poll, is taken once,
//! shipped (a fulfillment with its tracking number on the fulfillment order's lines),
//! cancelled on either side, refunded once, and held for stock when the shop sold
//! what we do not have.

use serde_json::{Value, json};
use switchyard_channels::fake::shopify::{Cancelled, FakeShopify, webhook_headers};
use switchyard_core::catalog::ChannelKind;

use super::support::*;
use crate::both;
use crate::helpers::*;
use crate::shipments::UPS_NUMBER as UPS;

const CODE: &str = "shopify-us";
const TOKEN: &str = "shpat_e2e_token";
const SECRET: &str = "e2e-webhook-secret";
const LOCATION: u64 = 655441491;
const ORDER_ID: &str = "450789469";
const SKUS: [&str; 3] = ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"];

/// Order #1001 with totals that add up (the list fixture's order with the single-order
/// fixture's line items, shipping and tax lines; see the channels crate's
/// tests/data/shopify/SOURCES.md), changed now, so a poll finds it.
fn order_1001(app: &TestApp) -> Value {
    let mut order = data_json("shopify", "shopify_python_api_orders.json")["orders"][0].clone();
    let single = data_json("shopify", "shopify_python_api_order.json")["order"].clone();
    for key in ["line_items", "shipping_lines", "tax_lines"] {
        order[key] = single[key].clone();
    }
    order["updated_at"] = json!(app.now().to_string());
    order
}

/// A shop on channel `CODE` (`policy` for short orders) with `stock` of each of the
/// order's SKUs at LON, connected to a fake Shopify holding order #1001.
async fn shop(app: &TestApp, policy: &str, stock_of: [i64; 3]) -> FakeShopify {
    channel(app, CODE, "shopify", policy).await;
    let items: Vec<(&str, i64, i64)> = SKUS.iter().zip(stock_of).map(|(sku, n)| (*sku, 19900, n)).collect();
    stock(app, "USD", &items).await;
    let fake = FakeShopify::start(TOKEN, LOCATION).await.unwrap();
    fake.add_order(order_1001(app));
    let token = [("access_token", TOKEN), ("webhook_secret", SECRET)];
    let location = LOCATION.to_string();
    let options = [("location_id", location.as_str())];
    connect_to(
        app,
        &connection(CODE, ChannelKind::Shopify, fake.base_url(), &token, &options),
    )
    .await;
    fake
}

/// Sends `payload` as Shopify sends a webhook of `topic`, signed with the secret.
async fn send(app: &TestApp, topic: &str, payload: &Value) -> Resp {
    let body = serde_json::to_vec(payload).unwrap();
    webhook(app, CODE, &body, &pairs(&webhook_headers(topic, SECRET, &body))).await
}

/// Order #1001 arrives by `orders/create`; answers its number.
async fn placed(app: &TestApp) -> String {
    let r = send(app, "orders/create", &order_1001(app)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["placed"]);
    taken_order(&r.body)
}

fn usd(amount: i64) -> Value {
    money(amount, "USD")
}

async fn the_fixture_order_arrives_by_webhook_field_by_field_and_is_taken_once(app: &TestApp) {
    let _fake = shop(app, "reject", [5, 5, 5]).await;
    let number = placed(app).await;

    let o = order_by_external_id(app, CODE, ORDER_ID).await;
    assert_eq!(o["number"], number);
    assert_eq!(
        (o["channel"].as_str(), o["external_id"].as_str()),
        (Some(CODE), Some(ORDER_ID))
    );
    assert_eq!(o["currency"], "USD");
    assert_eq!(o["placed_at"], "2008-01-10T16:00:00Z", "processed_at, in UTC");
    assert_eq!(o["status"], "open");
    // The order's 10.00 TENOFF and its 11.94 State Tax, split over the three 199.00 lines.
    let lines = line_facts(&o);
    assert_eq!(
        lines,
        [
            ("IPOD2008GREEN", 1, usd(19900), usd(334), usd(398), "466157049"),
            ("IPOD2008RED", 1, usd(19900), usd(333), usd(398), "518995019"),
            ("IPOD2008BLACK", 1, usd(19900), usd(333), usd(398), "703073504"),
        ]
    );
    let t = &o["totals"];
    assert_eq!(
        [&t["subtotal"], &t["discount"], &t["tax"], &t["shipping"], &t["total"]],
        [&usd(59700), &usd(1000), &usd(1194), &usd(0), &usd(59894)]
    );
    assert_eq!(o["customer"]["email"], "bob.norman@hostmail.com");
    assert_eq!(o["customer"]["name"], "Bob Norman");
    for address in ["shipping_address", "billing_address"] {
        let a = &o[address];
        assert_eq!(
            (a["name"].as_str(), a["line1"].as_str(), a["city"].as_str()),
            (Some("Bob Norman"), Some("Chestnut Street 92"), Some("Louisville")),
            "{address}"
        );
        assert_eq!(
            (a["region"].as_str(), a["postal_code"].as_str(), a["country"].as_str()),
            (Some("KY"), Some("40202"), Some("US")),
            "{address}"
        );
        assert_eq!(a["phone"], "555-625-1199", "{address}");
    }
    assert_eq!(available(app, &SKUS).await, [4, 4, 4], "one of each reserved");

    // Told again by webhook, then found again by a poll: still one order.
    let again = send(app, "orders/updated", &order_1001(app)).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(outcomes(&again.body), ["existing"]);
    assert_eq!(again.body["taken"][0]["order"], number);
    let polled = poll(app, CODE).await;
    assert_eq!(polled.status, 200, "{}", polled.body);
    assert_eq!(outcomes(&polled.body), ["existing"]);
    assert_eq!(orders_of(app, CODE).await.len(), 1);
    assert_eq!(app.order_count().await, 1);
    assert_eq!(available(app, &SKUS).await, [4, 4, 4], "reserved once");
}

async fn a_forged_signature_is_refused_and_stores_nothing(app: &TestApp) {
    let _fake = shop(app, "reject", [5, 5, 5]).await;
    let body = serde_json::to_vec(&order_1001(app)).unwrap();
    let mut headers = pairs(&webhook_headers("orders/create", "not-the-secret", &body));
    let r = webhook(app, CODE, &body, &headers).await;
    r.problem(401, "unauthorized");
    // Signed right, but for another body.
    let signed = pairs(&webhook_headers("orders/create", SECRET, b"{}"));
    let r = webhook(app, CODE, &body, &signed).await;
    r.problem(401, "unauthorized");
    headers.retain(|(k, _)| k != "x-shopify-hmac-sha256");
    webhook(app, CODE, &body, &headers).await.problem(401, "unauthorized");
    assert_eq!(app.order_count().await, 0);
    assert_eq!(available(app, &SKUS).await, [5, 5, 5]);
}

async fn a_shipped_order_is_fulfilled_on_shopify_with_its_tracking_number(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5, 5]).await;
    let number = placed(app).await;
    app.shipped(&number, UPS).await;
    assert!(deliver(app).await >= 1);

    let fulfillments = fake.fulfillments();
    assert_eq!(fulfillments.len(), 1, "{fulfillments:?}");
    let f = &fulfillments[0];
    assert_eq!(f["tracking_info"]["number"], UPS);
    assert_eq!(f["tracking_info"]["company"], "UPS");
    // Each unit on the fulfillment order's line that holds the order's line item.
    let fulfillment_orders = fulfillment_orders(&fake).await;
    let by_order = f["line_items_by_fulfillment_order"].as_array().unwrap();
    assert_eq!(by_order.len(), 1);
    assert_eq!(by_order[0]["fulfillment_order_id"], fulfillment_orders[0]["id"]);
    let mut fulfilled: Vec<(String, i64)> = by_order[0]["fulfillment_order_line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let line = fulfillment_orders[0]["line_items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|fl| fl["id"] == l["id"])
                .unwrap_or_else(|| panic!("{l} is a line of the fulfillment order"));
            (line["line_item_id"].to_string(), l["quantity"].as_i64().unwrap())
        })
        .collect();
    fulfilled.sort();
    assert_eq!(
        fulfilled,
        [
            ("466157049".into(), 1),
            ("518995019".into(), 1),
            ("703073504".into(), 1)
        ]
    );
    assert_eq!(deliver(app).await, 0, "pushed once");
    assert_eq!(fake.fulfillments().len(), 1);
}

/// The fulfillment orders of #1001 as the fake holds them.
async fn fulfillment_orders(fake: &FakeShopify) -> Vec<Value> {
    let url = format!(
        "{}/admin/api/2025-01/orders/{ORDER_ID}/fulfillment_orders.json",
        fake.base_url()
    );
    let reply: Value = reqwest::Client::new()
        .get(url)
        .header("x-shopify-access-token", TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["fulfillment_orders"].as_array().unwrap().clone()
}

fn cancelled_1001(app: &TestApp) -> Value {
    let mut order = order_1001(app);
    order["cancelled_at"] = json!(app.now().to_string());
    order["cancel_reason"] = json!("customer");
    order["financial_status"] = json!("voided");
    order
}

async fn a_cancellation_on_shopify_cancels_the_order_and_frees_its_stock(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5, 5]).await;
    let number = placed(app).await;
    assert_eq!(available(app, &SKUS).await, [4, 4, 4]);
    let r = send(app, "orders/cancelled", &cancelled_1001(app)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The cancelled order is the one we have, then its cancellation.
    assert_eq!(outcomes(&r.body), ["existing", "cancelled"]);
    let o = app.order_json(&number).await;
    assert_eq!(o["status"], "cancelled");
    assert_eq!(available(app, &SKUS).await, [5, 5, 5], "its stock is free again");
    // Told twice: nothing more.
    let r = send(app, "orders/cancelled", &cancelled_1001(app)).await;
    assert_eq!(outcomes(&r.body), ["existing", "nothing"]);
    assert_eq!(available(app, &SKUS).await, [5, 5, 5]);
    // Shopify's own cancellation is not echoed back to it.
    deliver(app).await;
    assert_eq!(fake.cancellations(), []);
    assert_eq!(fake.refunds(), Vec::<Value>::new());
}

async fn a_cancellation_on_shopify_of_an_order_being_packed_holds_it(app: &TestApp) {
    let _fake = shop(app, "reject", [5, 5, 5]).await;
    let number = placed(app).await;
    app.packed(&number).await;
    let r = send(app, "orders/cancelled", &cancelled_1001(app)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["existing", "held"]);
    let o = app.order_json(&number).await;
    assert_eq!(o["status"], "on_hold");
    assert_eq!(o["hold"]["reason"], "customer_request");
}

async fn a_refund_on_shopify_is_recorded_once(app: &TestApp) {
    let _fake = shop(app, "reject", [5, 5, 5]).await;
    let number = placed(app).await;
    let refund = data_json("shopify", "shopify_python_api_refund.json");
    let first = send(app, "refunds/create", &refund["refund"]).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(outcomes(&first.body), ["refunded"]);
    let second = send(app, "refunds/create", &refund["refund"]).await;
    assert_eq!(outcomes(&second.body), ["nothing"]);
    let refunds = refunds(app, &number).await;
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0]["amount"], usd(20900), "the refund transaction's 209.00");
}

/// The refund of all of #1001 (as Shopify sends it when the shop cancels with a
/// refund), for the order with id `order_id`.
fn full_refund(order_id: u64) -> Value {
    let mut refund = data_json("shopify", "shopify_python_api_refund.json")["refund"].clone();
    refund["order_id"] = json!(order_id);
    refund["transactions"][0]["order_id"] = json!(order_id);
    refund["transactions"][0]["amount"] = json!("598.94");
    refund
}

async fn a_cancellation_with_its_refund_returns_the_money_once_in_either_order(app: &TestApp) {
    let _fake = shop(app, "reject", [5, 5, 5]).await;
    // Cancelled first: the cancellation returns the money the channel took, so the
    // refund that follows finds nothing left to record, and is not refused for it.
    let first = placed(app).await;
    send(app, "orders/cancelled", &cancelled_1001(app)).await;
    let r = send(app, "refunds/create", &full_refund(450789469)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["nothing"]);
    // Refunded first: the cancellation that follows returns nothing more.
    let mut other = order_1001(app);
    other["id"] = json!(450789470);
    let r = send(app, "orders/create", &other).await;
    let second = taken_order(&r.body);
    let r = send(app, "refunds/create", &full_refund(450789470)).await;
    assert_eq!(outcomes(&r.body), ["refunded"]);
    other["cancelled_at"] = json!(app.now().to_string());
    let r = send(app, "orders/cancelled", &other).await;
    assert_eq!(outcomes(&r.body), ["existing", "cancelled"]);
    for number in [first, second] {
        let p = app.get(&format!("/api/v1/orders/{number}/payments")).await.body;
        assert_eq!(p["status"], "refunded", "{number}");
        assert_eq!(p["totals"]["refunded"], usd(59894), "{number}: returned once");
        assert_eq!(app.order_json(&number).await["status"], "cancelled");
    }
}

async fn cancelling_in_switchyard_cancels_on_shopify(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5, 5]).await;
    let number = placed(app).await;
    let r = app
        .post(
            &format!("/api/v1/orders/{number}/cancel"),
            json!({"reason": "customer changed their mind"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(deliver(app).await >= 1);
    assert_eq!(
        fake.cancellations(),
        [Cancelled {
            order_id: ORDER_ID.parse().unwrap(),
            // Shopify takes one of its own reasons; free text is `other`.
            reason: Some("other".into())
        }]
    );
}

async fn a_line_cancelled_in_switchyard_is_cancelled_on_shopify_with_its_stock_back(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5, 5]).await;
    let number = placed(app).await;
    let r = app
        .post(
            &format!("/api/v1/orders/{number}/lines/2/cancel"),
            json!({"reason": "out of stock"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "open");
    assert!(deliver(app).await >= 1);
    assert_eq!(fake.cancellations(), [], "the order stays open on Shopify");
    let refunds = fake.refunds();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0]["order_id"], json!(450789469));
    // A refund of no money that removes the red one and puts it back in stock.
    assert_eq!(
        refunds[0]["refund_line_items"],
        json!([{"line_item_id": 518995019, "quantity": 1, "restock_type": "cancel"}])
    );
    assert_eq!(refunds[0].get("transactions"), None, "no money moves");
}

async fn an_order_shopify_took_money_for_without_our_stock_is_held_for_stock(app: &TestApp) {
    let _fake = shop(app, "reject", [5, 5, 0]).await;
    let r = send(app, "orders/create", &order_1001(app)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["placed"]);
    assert_eq!(r.body["taken"][0]["detail"], "on hold for stock");
    let o = app.order_json(&taken_order(&r.body)).await;
    assert_eq!(o["status"], "on_hold");
    assert_eq!(o["hold"]["reason"], "stock");
    assert_eq!(o["lines"].as_array().unwrap().len(), 3, "every line kept");
}

async fn a_poll_waits_out_shopify_rate_limit_and_takes_the_order(app: &TestApp) {
    let fake = shop(app, "reject", [5, 5, 5]).await;
    fake.rate_limit_next(1);
    let r = poll(app, CODE).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(outcomes(&r.body), ["placed"]);
    assert_eq!(r.body["taken"][0]["external_id"], ORDER_ID);
    assert!(
        fake.requests().iter().filter(|r| r.contains("/orders.json")).count() >= 2,
        "asked again after the 429: {:?}",
        fake.requests()
    );
    assert_eq!(orders_of(app, CODE).await.len(), 1);
}

both!(
    the_fixture_order_arrives_by_webhook_field_by_field_and_is_taken_once,
    a_forged_signature_is_refused_and_stores_nothing,
    a_shipped_order_is_fulfilled_on_shopify_with_its_tracking_number,
    a_cancellation_on_shopify_cancels_the_order_and_frees_its_stock,
    a_cancellation_on_shopify_of_an_order_being_packed_holds_it,
    a_refund_on_shopify_is_recorded_once,
    a_cancellation_with_its_refund_returns_the_money_once_in_either_order,
    cancelling_in_switchyard_cancels_on_shopify,
    a_line_cancelled_in_switchyard_is_cancelled_on_shopify_with_its_stock_back,
    an_order_shopify_took_money_for_without_our_stock_is_held_for_stock,
    a_poll_waits_out_shopify_rate_limit_and_takes_the_order,
);
