//! Inbound webhooks: signed Shopify `orders/create` notifications, each a distinct
//! order, sent to `/webhooks/channels/{key}` at the run's concurrency; then some sent
//! again; then the channel's orders are read back.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;
use serde_json::{Value, json};
use switchyard_channels::fake::shopify::webhook_headers;
use switchyard_core::rng::Rng;

use super::{Shop, WEBHOOK_SECRET};
use crate::report::percentile;
use crate::workload::{Setup, Zipf, all_pages};
use crate::{BenchError, Config};

/// How many webhooks are sent a second time.
const RESENT: usize = 100;
/// Shopify order ids of the bench: this plus the webhook's number.
const ORDER_BASE: u64 = 6_100_000_000;
/// Line item ids: this plus 4 × the webhook's number plus the line's.
const LINE_BASE: u64 = 17_000_000_000;
/// Shipping of every order, in pence.
const SHIPPING: i64 = 499;

#[derive(Debug, Clone, Serialize)]
pub struct InboundReport {
    /// Webhooks sent, each a new order.
    pub sent: u64,
    /// Of those, answered 200 with the order placed.
    pub placed: u64,
    pub seconds: f64,
    /// Orders placed per second.
    pub per_second: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Answers by HTTP status and outcome (`200 placed`), `transport` for none.
    pub statuses: Vec<(String, u64)>,
    /// Orders the channel holds afterwards.
    pub stored: u64,
    /// Stored orders whose total is not the Shopify order's `total_price`.
    pub wrong_totals: u64,
    /// Webhooks sent again, and how many of those were answered `existing`.
    pub resent: u64,
    pub resent_existing: u64,
}

/// One order's webhook.
#[derive(Clone)]
struct Webhook {
    external_id: String,
    body: Vec<u8>,
    /// `total_price` in pence.
    total: i64,
}

/// Pence as Shopify writes money: `"12.34"`.
fn decimal(pence: i64) -> String {
    format!("{}.{:02}", pence / 100, pence % 100)
}

/// Shopify order `n` as the `orders/create` webhook carries it (the shape of the
/// Admin API's order, as in the connector's fixtures): 1 to 3 lines of bench SKUs
/// (Zipf-popular, so hot ones are short and backordered), VAT per line, a discount on
/// every fourth order's first line, shipping, and totals that add up.
fn order(n: u64, rng: &mut Rng, zipf: &Zipf, skus: &[String]) -> (Value, i64) {
    let mut picked: Vec<usize> = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let sku = zipf.sample(rng);
        if !picked.contains(&sku) {
            picked.push(sku);
        }
    }
    let (mut subtotal, mut discounts, mut taxes) = (0i64, 0i64, 0i64);
    let mut lines = Vec::with_capacity(picked.len());
    for (i, index) in (0u64..).zip(picked) {
        let sku = &skus[index];
        let price = 500 + rng.below(4500) as i64;
        let quantity = 1 + rng.below(2) as i64;
        let discount = if n.is_multiple_of(4) && i == 0 { 100 } else { 0 };
        let tax = (price * quantity - discount) / 5;
        subtotal += price * quantity;
        discounts += discount;
        taxes += tax;
        let allocations: Vec<Value> = (discount > 0)
            .then(|| json!({"amount": decimal(discount), "discount_application_index": 0}))
            .into_iter()
            .collect();
        lines.push(json!({
            "id": LINE_BASE + 4 * n + i,
            "variant_id": super::VARIANT_BASE + index as u64,
            "title": sku,
            "quantity": quantity,
            "price": decimal(price),
            "sku": sku,
            "fulfillment_service": "manual",
            "requires_shipping": true,
            "taxable": true,
            "total_discount": "0.00",
            "discount_allocations": allocations,
            "tax_lines": [{"title": "VAT", "price": decimal(tax), "rate": 0.2}],
        }));
    }
    let total = subtotal - discounts + taxes + SHIPPING;
    let address = json!({
        "first_name": "Ann", "last_name": "Example", "name": "Ann Example",
        "address1": "1 Example Street", "address2": null, "city": "Leeds", "province": null,
        "zip": "LS1 4AP", "country": "United Kingdom", "country_code": "GB", "phone": null,
    });
    let id = ORDER_BASE + n;
    let body = json!({
        "id": id,
        "name": format!("#B{n}"),
        "order_number": 1000 + n,
        "email": format!("ann.example{n}@example.com"),
        "created_at": "2026-12-06T10:00:00+00:00",
        "currency": "GBP",
        "financial_status": "paid",
        "taxes_included": false,
        "total_line_items_price": decimal(subtotal),
        "subtotal_price": decimal(subtotal - discounts),
        "total_discounts": decimal(discounts),
        "total_tax": decimal(taxes),
        "total_price": decimal(total),
        "line_items": lines,
        "shipping_lines": [{"title": "Standard", "code": "Standard", "price": decimal(SHIPPING), "tax_lines": []}],
        "billing_address": address,
        "shipping_address": address,
        "customer": {"id": 207_119_551 + n, "email": format!("ann.example{n}@example.com"), "first_name": "Ann", "last_name": "Example"},
    });
    (body, total)
}

/// What one webhook was answered.
struct Answer {
    micros: u32,
    /// `200 placed`, `422`, `transport`, ...
    status: String,
}

/// Sends `webhooks` at `concurrency`, each once.
async fn send(client: &reqwest::Client, url: &str, webhooks: Arc<Vec<Webhook>>, concurrency: usize) -> Vec<Answer> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, url, webhooks, next) = (client.clone(), url.to_owned(), webhooks.clone(), next.clone());
        tasks.spawn(async move {
            let mut answers = Vec::new();
            while let Some(webhook) = webhooks.get(next.fetch_add(1, Ordering::Relaxed)) {
                let headers = webhook_headers("orders/create", WEBHOOK_SECRET, &webhook.body);
                let begin = Instant::now();
                let sent = client
                    .post(&url)
                    .headers(headers)
                    .body(webhook.body.clone())
                    .send()
                    .await;
                let status = match sent {
                    Ok(res) => {
                        let code = res.status().as_u16();
                        let answer = res.json::<Value>().await.unwrap_or(Value::Null);
                        match answer["taken"][0]["outcome"].as_str() {
                            Some(outcome) => format!("{code} {outcome}"),
                            None => code.to_string(),
                        }
                    }
                    Err(_) => "transport".to_owned(),
                };
                let micros = u32::try_from(begin.elapsed().as_micros()).unwrap_or(u32::MAX);
                answers.push(Answer { micros, status });
            }
            answers
        });
    }
    let mut all = Vec::new();
    while let Some(Ok(mut answers)) = tasks.join_next().await {
        all.append(&mut answers);
    }
    all
}

/// Sends `config.channel_webhooks` new orders, then `RESENT` of them again, and reads
/// the channel's orders back: each webhook must be exactly one order with Shopify's
/// total, and each one sent again answered `existing`.
pub(super) async fn measure(
    client: &reqwest::Client,
    config: &Config,
    setup: &Setup,
    shop: &Shop,
    problems: &mut Vec<String>,
) -> Result<InboundReport, BenchError> {
    let zipf = Zipf::new(setup.skus.len(), config.zipf);
    let mut rng = Rng::new(config.seed ^ 0x0510_71f7);
    let webhooks: Vec<Webhook> = (0..config.channel_webhooks)
        .map(|n| {
            let (body, total) = order(n, &mut rng, &zipf, &setup.skus);
            Webhook {
                external_id: (ORDER_BASE + n).to_string(),
                body: body.to_string().into_bytes(),
                total,
            }
        })
        .collect();
    let webhooks = Arc::new(webhooks);
    let url = format!("{}/webhooks/channels/{}", config.url, shop.channel);
    let started = Instant::now();
    let answers = send(client, &url, webhooks.clone(), config.concurrency).await;
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    for a in &answers {
        *statuses.entry(a.status.clone()).or_default() += 1;
    }
    let placed = statuses.get("200 placed").copied().unwrap_or(0);
    if placed != webhooks.len() as u64 {
        problems.push(format!(
            "{placed} of {} inbound webhooks placed an order: {statuses:?}",
            webhooks.len()
        ));
    }
    let mut micros: Vec<u32> = answers.iter().map(|a| a.micros).collect();
    micros.sort_unstable();

    let again: Vec<Webhook> = webhooks.iter().take(RESENT).cloned().collect();
    let resent = again.len() as u64;
    let answers = send(client, &url, Arc::new(again), config.concurrency).await;
    let resent_existing = answers.iter().filter(|a| a.status == "200 existing").count() as u64;
    if resent_existing != resent {
        let other: Vec<&str> = (answers.iter().map(|a| a.status.as_str()))
            .filter(|s| *s != "200 existing")
            .collect();
        problems.push(format!(
            "{resent_existing} of {resent} webhooks sent again were answered existing; the others: {other:?}"
        ));
    }

    let orders = all_pages(
        client,
        config,
        &format!("/api/v1/orders?channel={}", shop.channel),
        problems,
    )
    .await?;
    let mut by_external: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for o in &orders {
        let total = o["totals"]["total"]["amount"].as_i64().unwrap_or(i64::MIN);
        by_external
            .entry(o["external_id"].as_str().unwrap_or_default())
            .or_default()
            .push(total);
    }
    let mut wrong_totals = 0u64;
    let (mut missing, mut repeated) = (0u64, 0u64);
    for w in webhooks.iter() {
        match by_external.get(w.external_id.as_str()).map(Vec::as_slice) {
            None | Some([]) => missing += 1,
            Some([total]) => wrong_totals += u64::from(*total != w.total),
            Some(_) => repeated += 1,
        }
    }
    let stored = orders.len() as u64;
    if missing > 0 || repeated > 0 || stored != webhooks.len() as u64 {
        problems.push(format!(
            "{} inbound webhooks, {stored} orders on the channel: {missing} webhook(s) without an order, \
             {repeated} with more than one",
            webhooks.len()
        ));
    }
    if wrong_totals > 0 {
        problems.push(format!(
            "{wrong_totals} inbound order(s) stored with a total other than Shopify's total_price"
        ));
    }
    Ok(InboundReport {
        sent: webhooks.len() as u64,
        placed,
        seconds,
        per_second: placed as f64 / seconds,
        p50_ms: percentile(&micros, 50.0) / 1000.0,
        p90_ms: percentile(&micros, 90.0) / 1000.0,
        p99_ms: percentile(&micros, 99.0) / 1000.0,
        max_ms: percentile(&micros, 100.0) / 1000.0,
        statuses: statuses.into_iter().collect(),
        stored,
        wrong_totals,
        resent,
        resent_existing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_as_shopify_writes_it() {
        assert_eq!(decimal(0), "0.00");
        assert_eq!(decimal(5), "0.05");
        assert_eq!(decimal(1234), "12.34");
    }

    #[test]
    fn an_order_adds_up() {
        let skus: Vec<String> = (0..10).map(|i| format!("S{i}")).collect();
        let zipf = Zipf::new(skus.len(), 1.1);
        let mut rng = Rng::new(3);
        for n in 0..50 {
            let (body, total) = order(n, &mut rng, &zipf, &skus);
            let pence = |v: &Value| {
                let text = v.as_str().unwrap();
                let (units, cents) = text.split_once('.').unwrap();
                units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
            };
            let lines = body["line_items"].as_array().unwrap();
            assert!((1..=3).contains(&lines.len()));
            let subtotal: i64 = lines
                .iter()
                .map(|l| pence(&l["price"]) * l["quantity"].as_i64().unwrap())
                .sum();
            let tax: i64 = lines.iter().map(|l| pence(&l["tax_lines"][0]["price"])).sum();
            assert_eq!(pence(&body["total_line_items_price"]), subtotal);
            assert_eq!(pence(&body["total_tax"]), tax);
            assert_eq!(
                pence(&body["total_price"]),
                subtotal - pence(&body["total_discounts"]) + tax + SHIPPING
            );
            assert_eq!(pence(&body["total_price"]), total);
            assert_eq!(body["id"], ORDER_BASE + n);
        }
    }
}
