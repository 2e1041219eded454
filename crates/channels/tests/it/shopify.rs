//! The Shopify connector against the fake Shopify.

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
    let settings = ConnectionDraft {
        base_url: fake.base_url(),
        credentials: Credentials::new(BTreeMap::from([
            ("access_token".to_owned(), token.to_owned()),
            ("webhook_secret".to_owned(), SECRET.to_owned()),
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
    let pushes: Vec<StockPush> = (0..60u64).map(|i| push(&format!("SKU-{i}"), 800_000 + i, i as i64 * 2)).collect();
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
    assert!(started.elapsed() >= Duration::from_millis(900), "Retry-After: 1.0 was waited out");
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
