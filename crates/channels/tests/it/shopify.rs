//! The Shopify connector against the fake Shopify.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchyard_channels::fake::shopify::{FakeShopify, LevelSet, webhook_headers};
use switchyard_channels::http::{Http, Patience};
use switchyard_channels::shopify::Shopify;
use switchyard_channels::{
    Cancellation, ChannelError, Connection, Connector, FulfilledLine, Fulfilment, Listing, Notice, StockPush,
};
use switchyard_core::catalog::ChannelKind;
use switchyard_core::connector::{ConnectionDraft, Credentials, Pushes, StockBuffer};

const TOKEN: &str = "shpat_test_token";
const SECRET: &str = "hush";
const LOCATION: u64 = 655441491;

fn data(name: &str) -> Value {
    let path = format!("{}/tests/data/shopify/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Order #1001 with totals that add up: the list fixture's order with the line items
/// and shipping lines of the single-order fixture (see tests/data/shopify/SOURCES.md).
fn order_1001() -> Value {
    let mut order = data("shopify_python_api_orders.json")["orders"][0].clone();
    let single = data("shopify_python_api_order.json")["order"].clone();
    for key in ["line_items", "shipping_lines", "tax_lines"] {
        order[key] = single[key].clone();
    }
    order
}

/// An order like #1001 with another id and update time.
fn order_numbered(id: u64, updated_at: &str) -> Value {
    let mut order = order_1001();
    order["id"] = json!(id);
    order["updated_at"] = json!(updated_at);
    order
}

fn patience() -> Patience {
    Patience {
        tries: 4,
        max_wait: Duration::from_secs(2),
        backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    }
}

fn connector(fake: &FakeShopify, token: &str) -> Shopify {
    built(&fake.base_url(), token, SECRET)
}

/// A Shopify connector to `base_url` with these credentials.
fn built(base_url: &str, token: &str, secret: &str) -> Shopify {
    let settings = ConnectionDraft {
        base_url: base_url.to_owned(),
        credentials: Credentials::new(BTreeMap::from([
            ("access_token".to_owned(), token.to_owned()),
            ("webhook_secret".to_owned(), secret.to_owned()),
        ])),
        options: BTreeMap::from([("location_id".to_owned(), LOCATION.to_string())]),
        poll_interval_seconds: 300,
        pushes: Pushes::default(),
        stock_buffer: StockBuffer::default(),
        max_offered: None,
    };
    let connection = Connection {
        channel: "shopify".into(),
        kind: ChannelKind::Shopify,
        settings,
    };
    Shopify::new(connection, Http::new(patience()).unwrap())
}

async fn shop() -> (FakeShopify, Shopify) {
    let fake = FakeShopify::start(TOKEN, LOCATION).await.unwrap();
    let shopify = connector(&fake, TOKEN);
    (fake, shopify)
}

fn push(sku: &str, item: u64, quantity: i64) -> StockPush {
    StockPush {
        listing: Listing {
            sku: sku.into(),
            listing_id: format!("{}", item + 1_000_000),
            item_id: Some(item.to_string()),
        },
        quantity,
    }
}

#[tokio::test]
async fn shopify_stock_is_set_per_inventory_item_at_the_location() {
    let (fake, shopify) = shop().await;
    for i in 0..60u64 {
        fake.add_listing(&format!("SKU-{i}"), 1_000_000 + i, 800_000 + i);
    }
    let pushes: Vec<StockPush> = (0..60u64)
        .map(|i| push(&format!("SKU-{i}"), 800_000 + i, i as i64 * 2))
        .collect();
    let results = shopify.push_stock(&pushes).await;
    assert_eq!(results.len(), 60);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let sets = fake.stock_sets();
    assert_eq!(sets.len(), 60, "the REST API sets one item per call");
    assert_eq!(
        sets[7],
        LevelSet {
            location_id: LOCATION,
            inventory_item_id: 800_007,
            available: 14
        }
    );
    assert_eq!(fake.level(800_059), Some(118));
}

#[tokio::test]
async fn shopify_a_refused_stock_push_fails_alone() {
    let (fake, shopify) = shop().await;
    fake.add_listing("A", 1, 11);
    fake.add_listing("C", 3, 33);
    let mut no_item = push("B", 22, 5);
    no_item.listing.item_id = None;
    let pushes = [push("A", 11, 4), push("UNKNOWN", 99, 5), no_item, push("C", 33, 0)];
    let results = shopify.push_stock(&pushes).await;
    assert!(results[0].is_ok());
    assert!(
        matches!(results[1], Err(ChannelError::Refused { status: 422, .. })),
        "{:?}",
        results[1]
    );
    assert!(matches!(results[2], Err(ChannelError::Config(_))), "{:?}", results[2]);
    assert!(results[3].is_ok());
    assert_eq!((fake.level(11), fake.level(33)), (Some(4), Some(0)));
}

#[tokio::test]
async fn shopify_stock_push_waits_out_429_and_5xx() {
    let (fake, shopify) = shop().await;
    fake.add_listing("A", 1, 11);
    fake.rate_limit_next(1);
    let started = Instant::now();
    assert!(shopify.push_stock(&[push("A", 11, 3)]).await[0].is_ok());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After: 1.0 was waited out"
    );
    fake.fail_next(2, 503);
    assert!(shopify.push_stock(&[push("A", 11, 2)]).await[0].is_ok());
    assert_eq!(fake.level(11), Some(2));
    assert_eq!(fake.stock_sets().len(), 2, "the refused tries set nothing");
}

#[tokio::test]
async fn shopify_a_wrong_token_is_an_auth_error() {
    let (fake, _) = shop().await;
    fake.add_listing("A", 1, 11);
    let wrong = connector(&fake, "shpat_wrong");
    let results = wrong.push_stock(&[push("A", 11, 3)]).await;
    assert!(matches!(results[0], Err(ChannelError::Auth(_))), "{:?}", results[0]);
    assert!(matches!(wrong.check().await, Err(ChannelError::Auth(_))));
    assert!(fake.stock_sets().is_empty());
}

fn orders_of(notices: &[Notice]) -> Vec<String> {
    notices
        .iter()
        .filter_map(|n| match n {
            Notice::Order(o) => o.external_id.clone(),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn shopify_backfill_follows_every_cursor_page_since_the_time_given() {
    let (fake, shopify) = shop().await;
    fake.add_order(order_numbered(1, "2025-12-31T23:59:59Z"));
    for id in 2..=8 {
        fake.add_order(order_numbered(id, "2026-01-02T10:00:00-05:00"));
    }
    let mut cancelled = order_numbered(9, "2026-01-03T00:00:00Z");
    cancelled["cancelled_at"] = json!("2026-01-03T00:00:00Z");
    cancelled["cancel_reason"] = json!("inventory");
    fake.add_order(cancelled);
    fake.set_page_size(3);
    let notices = shopify
        .orders_since("2026-01-01T00:00:00Z".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        orders_of(&notices),
        ["2", "3", "4", "5", "6", "7", "8", "9"],
        "every page, none older"
    );
    assert!(notices.iter().any(
        |n| matches!(n, Notice::Cancelled { external_id, reason } if external_id == "9" && reason.as_deref() == Some("inventory"))
    ));
    let requests = fake.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert!(requests[0].contains("status=any") && requests[0].contains("updated_at_min=2026-01-01T00%3A00%3A00Z"));
    assert!(
        requests[1].contains("page_info=") && !requests[1].contains("status="),
        "later pages carry only page_info and limit: {}",
        requests[1]
    );
}

#[tokio::test]
async fn shopify_backfill_waits_out_429_and_5xx_mid_pages() {
    let (fake, shopify) = shop().await;
    for id in 1..=4 {
        fake.add_order(order_numbered(id, "2026-01-02T00:00:00Z"));
    }
    fake.set_page_size(2);
    fake.rate_limit_next(1);
    let notices = shopify
        .orders_since("2026-01-01T00:00:00Z".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(orders_of(&notices).len(), 4);
    fake.fail_next(2, 502);
    let notices = shopify
        .orders_since("2026-01-01T00:00:00Z".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(orders_of(&notices).len(), 4);
    fake.fail_next(9, 500);
    let failed = shopify.orders_since("2026-01-01T00:00:00Z".parse().unwrap()).await;
    assert!(matches!(failed, Err(ChannelError::Unavailable(_))), "{failed:?}");
}

#[tokio::test]
async fn shopify_an_order_that_cannot_be_taken_does_not_stop_the_backfill() {
    let (fake, shopify) = shop().await;
    fake.add_order(data("go_shopify_order_test_notification.json"));
    fake.add_order(order_numbered(2, "2026-01-02T00:00:00Z"));
    let notices = shopify
        .orders_since("2016-01-01T00:00:00Z".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(orders_of(&notices), ["2"], "the test notification's lines have no SKU");
}

#[tokio::test]
async fn shopify_a_nearly_full_call_bucket_slows_requests_down() {
    let (fake, shopify) = shop().await;
    for id in 1..=2 {
        fake.add_order(order_numbered(id, "2026-01-02T00:00:00Z"));
    }
    fake.set_page_size(1);
    // Shopify's standard bucket: 40 calls, 2 leaking out a second; 38 used already.
    fake.set_bucket(40, 2.0, 38);
    let started = Instant::now();
    let notices = shopify
        .orders_since("2026-01-01T00:00:00Z".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(orders_of(&notices).len(), 2);
    // Each answer says 39/40: the next call waits for one to leak (0.5 s).
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.overflowed(), 0, "the bucket never overflowed");
}

#[tokio::test]
async fn shopify_one_order_is_fetched_by_id() {
    let (fake, shopify) = shop().await;
    fake.add_order(json!({ "order": order_1001() }));
    let notices = shopify.order("450789469").await.unwrap();
    assert_eq!(orders_of(&notices), ["450789469"]);
    assert!(matches!(
        shopify.order("1").await,
        Err(ChannelError::Refused { status: 404, .. })
    ));
    assert!(shopify.check().await.unwrap().contains("example.myshopify.com"));
}

#[test]
fn shopify_webhooks_are_verified_against_the_documented_vector() {
    let vector = data("hmac_test_vector_go_shopify.json");
    let secret = vector["secret"].as_str().unwrap();
    let body = vector["raw_body"].as_str().unwrap().as_bytes();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "X-Shopify-Hmac-Sha256",
        vector["expected_header_value"].as_str().unwrap().parse().unwrap(),
    );
    let shopify = offline(secret);
    assert!(shopify.verify(&headers, body).is_ok());
    assert!(matches!(
        shopify.verify(&headers, b"\"my invalid message\""),
        Err(ChannelError::Forged)
    ));
    headers.insert("X-Shopify-Hmac-Sha256", "wronghash".parse().unwrap());
    assert!(matches!(shopify.verify(&headers, body), Err(ChannelError::Forged)));
    assert!(matches!(
        shopify.verify(&Default::default(), body),
        Err(ChannelError::Forged)
    ));
}

/// A connector for work that needs no shop (webhooks).
fn offline(secret: &str) -> Shopify {
    built("http://127.0.0.1:9", TOKEN, secret)
}

fn webhook(topic: &str, body: &Value) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let body = serde_json::to_vec(body).unwrap();
    (webhook_headers(topic, SECRET, &body), body)
}

#[test]
fn shopify_webhooks_are_parsed_by_topic() {
    let shopify = offline(SECRET);
    let (headers, body) = webhook("orders/create", &order_1001());
    shopify.verify(&headers, &body).unwrap();
    let notices = shopify.parse(&headers, &body).unwrap();
    assert_eq!(orders_of(&notices), ["450789469"]);
    assert_eq!(notices.len(), 1);

    let mut tampered = body.clone();
    tampered[10] ^= 1;
    assert!(matches!(shopify.verify(&headers, &tampered), Err(ChannelError::Forged)));

    let mut cancelled = order_1001();
    cancelled["cancel_reason"] = json!("customer");
    let (headers, body) = webhook("orders/cancelled", &cancelled);
    let notices = shopify.parse(&headers, &body).unwrap();
    assert_eq!(orders_of(&notices), ["450789469"]);
    assert!(matches!(&notices[1], Notice::Cancelled { external_id, reason }
        if external_id == "450789469" && reason.as_deref() == Some("customer")));

    let (headers, body) = webhook("refunds/create", &data("shopify_python_api_refund.json")["refund"]);
    let notices = shopify.parse(&headers, &body).unwrap();
    assert!(matches!(&notices[..], [Notice::Refunded(r)]
        if r.external_id == "450789469" && r.refund_id == "509562969" && r.amount.amount == 20900));

    let (headers, body) = webhook("products/update", &json!({"id": 1}));
    assert!(
        matches!(&shopify.parse(&headers, &body).unwrap()[..], [Notice::Ignored { topic }] if topic == "products/update")
    );

    let test_notification = &data("go_shopify_order_test_notification.json")["order"];
    let (headers, body) = webhook("orders/updated", test_notification);
    assert!(matches!(
        shopify.parse(&headers, &body),
        Err(ChannelError::Unmappable { .. })
    ));
    // Its lines have no SKU, yet its cancellation is taken.
    let (headers, body) = webhook("orders/cancelled", test_notification);
    let notices = shopify.parse(&headers, &body).unwrap();
    assert!(matches!(&notices[..], [Notice::Cancelled { external_id, reason }]
        if external_id == "123456" && reason.as_deref() == Some("customer")));
}

fn shipment(lines: &[(&str, i64)]) -> Fulfilment {
    Fulfilment {
        external_id: "450789469".into(),
        shipment_id: "shp_01".into(),
        lines: lines
            .iter()
            .map(|(id, q)| FulfilledLine {
                external_id: Some((*id).to_owned()),
                sku: "IPOD".into(),
                quantity: *q,
            })
            .collect(),
        carrier: "ups".into(),
        service: Some("UPS Ground".into()),
        tracking_number: "1Z5R89390357567127".into(),
        tracking_url: Some("https://www.ups.com/track?tracknum=1Z5R89390357567127".into()),
        shipped_at: "2026-03-01T10:00:00Z".parse().unwrap(),
    }
}

#[tokio::test]
async fn shopify_a_fulfilment_pushes_its_tracking_for_its_lines() {
    let (fake, shopify) = shop().await;
    fake.add_order(order_1001());
    fake.rate_limit_next(1);
    shopify
        .push_fulfilment(&shipment(&[("466157049", 1), ("703073504", 1)]))
        .await
        .unwrap();
    let got = fake.fulfillments();
    assert_eq!(got.len(), 1);
    let f = &got[0];
    assert_eq!(f["tracking_info"]["number"], "1Z5R89390357567127");
    assert_eq!(f["tracking_info"]["company"], "UPS");
    assert_eq!(
        f["tracking_info"]["url"],
        "https://www.ups.com/track?tracknum=1Z5R89390357567127"
    );
    assert_eq!(f["notify_customer"], true);
    let lines = &f["line_items_by_fulfillment_order"][0]["fulfillment_order_line_items"];
    assert_eq!(lines.as_array().unwrap().len(), 2);
    // The same lines again: nothing of them is left to fulfil.
    let again = shopify.push_fulfilment(&shipment(&[("466157049", 1)])).await;
    assert!(matches!(again, Err(ChannelError::Unmappable { .. })), "{again:?}");
    shopify.push_fulfilment(&shipment(&[("518995019", 1)])).await.unwrap();
    assert_eq!(fake.fulfillments().len(), 2);
}

#[tokio::test]
async fn shopify_a_cancellation_cancels_the_order_or_removes_its_lines() {
    let (fake, shopify) = shop().await;
    fake.add_order(order_1001());
    let mut other = order_1001();
    other["id"] = json!(450789470u64);
    fake.add_order(other);
    let some_lines = Cancellation {
        external_id: "450789470".into(),
        lines: vec![FulfilledLine {
            external_id: Some("518995019".into()),
            sku: "IPOD2008RED".into(),
            quantity: 1,
        }],
        reason: Some("out of stock".into()),
    };
    shopify.push_cancellation(&some_lines).await.unwrap();
    let refunds = fake.refunds();
    assert_eq!(refunds[0]["order_id"], 450789470u64);
    assert_eq!(
        refunds[0]["refund_line_items"],
        json!([{"line_item_id": 518995019u64, "quantity": 1, "restock_type": "cancel"}])
    );
    let whole = Cancellation {
        external_id: "450789469".into(),
        lines: vec![],
        reason: Some("customer_request".into()),
    };
    shopify.push_cancellation(&whole).await.unwrap();
    let cancelled = fake.cancellations();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(
        (cancelled[0].order_id, cancelled[0].reason.as_deref()),
        (450789469, Some("customer"))
    );
    let twice = shopify.push_cancellation(&whole).await;
    assert!(
        matches!(twice, Err(ChannelError::Refused { status: 422, .. })),
        "{twice:?}"
    );
}

#[tokio::test]
async fn shopify_listings_and_stock_are_read_over_every_page() {
    let (fake, shopify) = shop().await;
    for i in 0..55u64 {
        fake.add_listing(&format!("SKU-{i:02}"), 1_000 + i, 2_000 + i);
    }
    fake.add_product(json!({"id": 7, "variants": [{"id": 7001, "sku": "", "inventory_item_id": 7002}]}));
    fake.set_page_size(20);
    let listings = shopify.listings().await.unwrap();
    assert_eq!(listings.len(), 55, "the variant without a SKU is no listing");
    assert_eq!(
        listings[54],
        Listing {
            sku: "SKU-54".into(),
            listing_id: "1054".into(),
            item_id: Some("2054".into())
        }
    );
    let pushes: Vec<StockPush> = listings
        .iter()
        .enumerate()
        .map(|(i, l)| StockPush {
            listing: l.clone(),
            quantity: i as i64,
        })
        .collect();
    assert!(shopify.push_stock(&pushes).await.iter().all(Result::is_ok));
    let mut asked = listings.clone();
    asked.push(Listing {
        sku: "GONE".into(),
        listing_id: "9".into(),
        item_id: Some("999999".into()),
    });
    let stock = shopify.stock(&asked).await.unwrap();
    assert_eq!(stock.len(), 56);
    assert_eq!(stock[0].quantity, Some(0));
    assert_eq!(stock[54].quantity, Some(54));
    assert_eq!(stock[55].quantity, None, "a listing Shopify does not know");
    let level_queries: Vec<String> = (fake.requests().into_iter())
        .filter(|r| r.contains("inventory_levels.json") && !r.contains("page_info"))
        .collect();
    assert_eq!(level_queries.len(), 2, "56 ids asked at most 50 a call");
    assert!(level_queries[0].contains(&format!("location_ids={LOCATION}")));
}
