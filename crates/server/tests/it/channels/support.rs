//! Set-up every channel's end-to-end tests share, whatever the channel's kind: a
//! warehouse with stock of the fixture's SKUs, a channel paid through the marketplace,
//! its connection pointing at a fake, and the calls a channel makes to us (webhooks,
//! polls) and we make to it (delivery rounds).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use switchyard_channels::Connection;
use switchyard_channels::http::Patience;
use switchyard_core::catalog::ChannelKind;
use switchyard_core::connector::{ConnectionDraft, Credentials, Pushes, StockBuffer};
use switchyard_server::AppState;
use switchyard_server::delivery::Round;

use crate::helpers::*;

/// The warehouse every channel test ships from.
pub const WAREHOUSE: &str = "LON";

/// How patient connectors are in tests: `Retry-After: 1` is waited out, a failure is
/// tried again after 10ms.
pub fn patience() -> Patience {
    Patience {
        tries: 4,
        max_wait: Duration::from_secs(2),
        backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(10),
    }
}

/// Location LON (with an address labels can be bought from) and a channel `code` of
/// `kind` (`shopify`, `woocommerce`, `amazon`, `ebay`) whose money the channel takes,
/// shipping from LON, short orders handled by `policy` (`reject` or `backorder`).
pub async fn channel(app: &TestApp, code: &str, kind: &str, policy: &str) {
    if app.get(&format!("/api/v1/locations/{WAREHOUSE}")).await.status == 404 {
        app.location(WAREHOUSE, "GB", 10).await;
        let address = json!({"name": "Switchyard Goods Ltd", "line1": "Unit 4, Orient Way", "city": "London",
                             "postal_code": "E10 7FY", "country": "GB"});
        let r = app
            .patch(&format!("/api/v1/locations/{WAREHOUSE}"), json!({"address": address}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": code, "name": format!("{kind} {code}"), "kind": kind, "ship_from": [WAREHOUSE],
                   "shortage_policy": policy, "payment_provider": "channel"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

/// Products `(sku, price in minor units of currency, quantity)`, each with that many on
/// hand at LON (none received for a quantity of 0).
pub async fn stock(app: &TestApp, currency: &str, items: &[(&str, i64, i64)]) {
    for (sku, price, quantity) in items {
        let r = app
            .post(
                "/api/v1/products",
                json!({"sku": sku, "title": format!("Product {sku}"), "price": {"amount": price, "currency": currency}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        if *quantity > 0 {
            app.receive(sku, WAREHOUSE, *quantity).await;
        }
    }
}

/// Saves the connection of channel `code` (the body `PUT .../connection` takes);
/// answers what it answered.
pub async fn connect(app: &TestApp, code: &str, body: Value) -> Value {
    let r = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/channels/{code}/connection"),
            Some(&app.admin),
            Some(&body),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// The body `PUT .../connection` takes for a fake's `Connection` (the Amazon and eBay
/// fakes hand one out, with the credentials they accept).
pub fn connection_body(connection: &Connection) -> Value {
    let s = &connection.settings;
    json!({
        "base_url": s.base_url,
        "credentials": s.credentials.reveal(),
        "options": s.options,
        "poll_interval_seconds": s.poll_interval_seconds,
        "pushes": s.pushes,
    })
}

/// A connection of channel `code` of `kind` to `base_url`, with `credentials` and
/// `options` by name, polled every 5 minutes, every push on (what the Amazon and eBay
/// fakes' `connection()` hand out, for the fakes that do not).
pub fn connection(
    code: &str,
    kind: ChannelKind,
    base_url: String,
    credentials: &[(&str, &str)],
    options: &[(&str, &str)],
) -> Connection {
    let named = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    Connection {
        channel: code.to_owned(),
        kind,
        settings: ConnectionDraft {
            base_url,
            credentials: Credentials::new(named(credentials)),
            options: named(options),
            poll_interval_seconds: 300,
            pushes: Pushes::default(),
            stock_buffer: StockBuffer::default(),
            max_offered: None,
        },
    }
}

/// Saves a fake's `Connection` as the connection of its channel.
pub async fn connect_to(app: &TestApp, connection: &Connection) -> Value {
    connect(app, &connection.channel, connection_body(connection)).await
}

/// POSTs a channel's webhook body byte for byte to `/webhooks/channels/{code}` with
/// `headers` (the channel's signature among them), as the channel does: no API key.
pub async fn webhook<K: AsRef<str>, V: AsRef<str>>(app: &TestApp, code: &str, body: &[u8], headers: &[(K, V)]) -> Resp {
    let mut all: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
    if !all.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
        all.push(("content-type", "application/json"));
    }
    app.post_bytes(&format!("/webhooks/channels/{code}"), None, body, &all)
        .await
}

/// A fake's headers as name and value pairs, for [`webhook`].
pub fn pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect()
}

/// Polls channel `code` now; answers the poll.
pub async fn poll(app: &TestApp, code: &str) -> Resp {
    app.post(&format!("/api/v1/channels/{code}/poll"), json!({})).await
}

/// The `outcome` of each notice a webhook's or poll's answer took, in order.
pub fn outcomes(answer: &Value) -> Vec<String> {
    answer["taken"]
        .as_array()
        .unwrap_or_else(|| panic!("no `taken` in {answer}"))
        .iter()
        .map(|t| t["outcome"].as_str().unwrap().to_owned())
        .collect()
}

/// Runs delivery rounds (webhooks, emails, pushes to channels) as the server's worker
/// does, until one finds nothing due; answers how many tries were made.
pub async fn deliver(app: &TestApp) -> usize {
    let worker = AppState::new(app.store.clone())
        .with_channel_patience(patience())
        .with_allow_private_webhook_targets(true)
        .worker();
    let mut tried = 0;
    loop {
        let round = worker.run_once().await.unwrap();
        if round == Round::default() {
            return tried;
        }
        tried += round.tried;
    }
}

/// The orders of channel `code`, newest first (list summaries).
pub async fn orders_of(app: &TestApp, code: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/orders?channel={code}&limit=500")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["data"].as_array().unwrap().clone()
}

/// The one order of channel `code` with the channel's id `external_id`, read whole.
pub async fn order_by_external_id(app: &TestApp, code: &str, external_id: &str) -> Value {
    let found: Vec<Value> = orders_of(app, code)
        .await
        .into_iter()
        .filter(|o| o["external_id"] == external_id)
        .collect();
    assert_eq!(found.len(), 1, "one order {external_id} on {code}: {found:?}");
    let number = found[0]["number"].as_str().unwrap();
    let r = app.get(&format!("/api/v1/orders/{number}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// An order's payments and their transactions (`GET /orders/{n}/payments`).
async fn payments(app: &TestApp, number: &str) -> Value {
    let r = app.get(&format!("/api/v1/orders/{number}/payments")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// The bytes of a test data file of the channels crate (`tests/data/{channel}/{name}`).
pub fn data(channel: &str, name: &str) -> Vec<u8> {
    let path = format!("{}/../channels/tests/data/{channel}/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A test data file of the channels crate as JSON.
pub fn data_json(channel: &str, name: &str) -> Value {
    serde_json::from_slice(&data(channel, name)).unwrap()
}

/// `amount` (minor units) of `currency` as the API writes money.
pub fn money(amount: i64, currency: &str) -> Value {
    json!({"amount": amount, "currency": currency})
}

/// What is available of each of `skus` at LON now.
pub async fn available(app: &TestApp, skus: &[&str]) -> Vec<i64> {
    let mut all = Vec::with_capacity(skus.len());
    for sku in skus {
        all.push(app.level(sku, WAREHOUSE).await.2);
    }
    all
}

/// The refund transactions recorded on an order (payments API).
pub async fn refunds(app: &TestApp, number: &str) -> Vec<Value> {
    let p = payments(app, number).await;
    p["transactions"]
        .as_array()
        .unwrap_or_else(|| panic!("no transactions in {p}"))
        .iter()
        .filter(|t| t["kind"] == "refund")
        .cloned()
        .collect()
}

/// Our order number for the first notice a webhook's or poll's answer took.
pub fn taken_order(answer: &Value) -> String {
    answer["taken"][0]["order"]
        .as_str()
        .unwrap_or_else(|| panic!("no order taken in {answer}"))
        .to_owned()
}

/// An order's lines as the tests compare them: SKU, quantity, unit price, discount,
/// tax and the channel's line id.
pub fn line_facts(o: &Value) -> Vec<(&str, i64, Value, Value, Value, &str)> {
    o["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["sku"].as_str().unwrap(),
                l["quantity"].as_i64().unwrap(),
                l["unit_price"].clone(),
                l["discount"].clone(),
                l["tax"].clone(),
                l["external_id"].as_str().unwrap(),
            )
        })
        .collect()
}
