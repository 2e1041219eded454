//! The Amazon connector against the fake SP-API on loopback.

use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use switchyard_channels::amazon::Amazon;
use switchyard_channels::fake::amazon::{self as fake, FakeAmazon, FeedCancellation};
use switchyard_channels::http::{Http, Patience};
use switchyard_channels::{
    Cancellation, ChannelError, ChannelStock, Connection, Connector, FulfilledLine, Fulfilment, Listing, Notice,
    StockPush,
};
use switchyard_core::Money;

const SANDBOX_ORDERS: &str = include_str!("../data/amazon/getOrders_sandbox_TEST_CASE_200.json");
const SANDBOX_ITEMS: &str = include_str!("../data/amazon/getOrderItems_sandbox_TEST_CASE_200.json");
const ORDER: &str = include_str!("../data/amazon/getOrder_response_example.json");
const ORDER_CHANGE: &str = include_str!("../data/amazon/ORDER_CHANGE_notification_example.json");

fn patience() -> Patience {
    Patience {
        tries: 4,
        max_wait: Duration::from_secs(2),
        backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    }
}

fn connector(connection: Connection) -> Amazon {
    Amazon::new(connection, Http::new(patience()).unwrap())
}

async fn started() -> (FakeAmazon, Amazon) {
    let fake = FakeAmazon::start().await.unwrap();
    let amazon = connector(fake.connection("amz"));
    (fake, amazon)
}

/// The sandbox order (with the buyer and address of the `getOrder` example, which a
/// restricted data token reveals) as order `id`, last updated at `updated`, and its
/// sandbox item.
fn order(id: &str, updated: &str) -> (Value, Vec<Value>) {
    let orders: Value = serde_json::from_str(SANDBOX_ORDERS).unwrap();
    let example: Value = serde_json::from_str(ORDER).unwrap();
    let mut o = orders["payload"]["Orders"][0].clone();
    o["AmazonOrderId"] = json!(id);
    o["LastUpdateDate"] = json!(updated);
    o["ShippingAddress"] = example["payload"]["ShippingAddress"].clone();
    o["BuyerInfo"] = example["payload"]["BuyerInfo"].clone();
    let items: Value = serde_json::from_str(SANDBOX_ITEMS).unwrap();
    let mut item = items["payload"]["OrderItems"][0].clone();
    item["OrderItemId"] = json!(format!("{id}-item"));
    (o, vec![item])
}

fn add(fake: &FakeAmazon, id: &str, updated: &str) {
    let (o, items) = order(id, updated);
    fake.add_order(o, items);
}

fn since() -> Timestamp {
    "2026-11-01T00:00:00Z".parse().unwrap()
}

fn order_ids(notices: &[Notice]) -> Vec<String> {
    notices
        .iter()
        .map(|n| match n {
            Notice::Order(o) => o.external_id.clone().unwrap(),
            other => panic!("not an order: {other:?}"),
        })
        .collect()
}

fn requests_like(fake: &FakeAmazon, start: &str) -> Vec<String> {
    fake.requests().into_iter().filter(|r| r.starts_with(start)).collect()
}

#[tokio::test]
async fn a_backfill_reads_every_page_with_the_buyer_and_address() {
    let (fake, amazon) = started().await;
    for n in 1..=5 {
        add(&fake, &format!("902-0000000-000000{n}"), "2026-11-20T10:00:00Z");
    }
    add(&fake, "902-0000000-0000009", "2026-10-01T00:00:00Z");
    let (mut pending, _) = order("902-0000000-0000010", "2026-11-20T10:00:00Z");
    pending["OrderStatus"] = json!("Pending");
    fake.add_order(pending, Vec::new());
    fake.page_size(2);

    let notices = amazon.orders_since(since()).await.unwrap();
    assert_eq!(
        order_ids(&notices),
        (1..=5).map(|n| format!("902-0000000-000000{n}")).collect::<Vec<_>>(),
        "every page, not the order changed before `since`, not the pending one"
    );
    let pages = requests_like(&fake, "GET /orders/v0/orders?");
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(
        pages[0].contains("LastUpdatedAfter=2026-11-01T00:00:00Z"),
        "{}",
        pages[0]
    );
    assert!(pages[1].contains("NextToken=") && pages[1].contains(&format!("MarketplaceIds={}", fake::MARKETPLACE_ID)));
    assert!(
        !pages[1].contains("LastUpdatedAfter"),
        "a next page is asked by its token alone"
    );
    assert_eq!(
        requests_like(&fake, "GET /orders/v0/orders/").len(),
        5,
        "items of each order, none for the pending"
    );

    let Notice::Order(first) = &notices[0] else {
        unreachable!()
    };
    let customer = first.customer.as_ref().unwrap();
    assert_eq!(
        customer.email.as_deref(),
        Some("user@example.com"),
        "read with a restricted data token"
    );
    assert_eq!(
        first.shipping_address.as_ref().unwrap().line1.as_deref(),
        Some("1 Cross St.")
    );
    let line = &first.lines.as_ref().unwrap()[0];
    assert_eq!(line.external_id.as_deref(), Some("902-0000000-0000001-item"));
    let draft = first.parse().unwrap();
    assert_eq!(
        draft.totals.total,
        Money::from_decimal("11.01", draft.currency).unwrap()
    );
}

#[tokio::test]
async fn an_order_that_cannot_be_taken_does_not_hold_back_the_others() {
    let (fake, amazon) = started().await;
    let (o, mut items) = order("902-0000000-0000001", "2026-11-20T10:00:00Z");
    items[0].as_object_mut().unwrap().remove("SellerSKU");
    fake.add_order(o, items);
    add(&fake, "902-0000000-0000002", "2026-11-20T10:00:00Z");
    let mut notices = amazon.orders_since(since()).await.unwrap();
    // Refused by field (so a poll asks for it again), and the next one still taken.
    assert!(
        matches!(&notices[0], Notice::Unmappable { external_id, why }
            if external_id == "902-0000000-0000001" && why.contains("/lines/0/sku")),
        "{notices:?}"
    );
    notices.remove(0);
    assert_eq!(order_ids(&notices), ["902-0000000-0000002"]);
    let err = amazon.order("902-0000000-0000001").await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Unmappable { external_id, errors } if external_id == "902-0000000-0000001" && errors[0].field == "/lines/0/sku"),
        "{err}"
    );
}

#[tokio::test]
async fn order_items_are_read_over_their_pages_too() {
    let (fake, amazon) = started().await;
    let (o, item) = order("902-0000000-0000001", "2026-11-20T10:00:00Z");
    let mut second = item[0].clone();
    second["OrderItemId"] = json!("second-item");
    second["SellerSKU"] = json!("SECOND-SKU");
    let mut o = o;
    o["OrderTotal"]["Amount"] = json!("22.02");
    fake.add_order(o, vec![item[0].clone(), second]);
    fake.page_size(1);
    let notices = amazon.order("902-0000000-0000001").await.unwrap();
    let [Notice::Order(input)] = &notices[..] else {
        panic!("{notices:?}")
    };
    let skus: Vec<_> = input
        .lines
        .as_ref()
        .unwrap()
        .iter()
        .map(|l| l.sku.clone().unwrap())
        .collect();
    assert_eq!(skus, ["NABetaASINB00551Q3CS", "SECOND-SKU"]);
    input.parse().unwrap();
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_then_the_call_succeeds() {
    let (fake, amazon) = started().await;
    add(&fake, "902-0000000-0000001", "2026-11-20T10:00:00Z");
    fake.rate_limit_next(1);
    let notices = amazon.orders_since(since()).await.unwrap();
    assert_eq!(order_ids(&notices), ["902-0000000-0000001"]);
    let tokens = requests_like(&fake, "POST /tokens/");
    assert_eq!(tokens.len(), 2, "the 429 was retried: {tokens:?}");
}

#[tokio::test]
async fn a_server_error_is_retried_then_the_call_succeeds() {
    let (fake, amazon) = started().await;
    add(&fake, "902-0000000-0000001", "2026-11-20T10:00:00Z");
    fake.fail_next(2);
    let notices = amazon.orders_since(since()).await.unwrap();
    assert_eq!(order_ids(&notices), ["902-0000000-0000001"]);
    fake.fail_next(10);
    let err = amazon.orders_since(since()).await.unwrap_err();
    assert!(err.is_temporary(), "{err}");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_call_retried() {
    let (fake, amazon) = started().await;
    add(&fake, "902-0000000-0000001", "2026-11-20T10:00:00Z");
    amazon.orders_since(since()).await.unwrap();
    assert_eq!(fake.grants(), 1);
    amazon.orders_since(since()).await.unwrap();
    assert_eq!(fake.grants(), 1, "a good token is kept");
    fake.expire_tokens();
    let notices = amazon.orders_since(since()).await.unwrap();
    assert_eq!(order_ids(&notices), ["902-0000000-0000001"]);
    assert_eq!(fake.grants(), 2, "refreshed once after the 403");
}

#[tokio::test]
async fn a_refused_refresh_token_is_an_auth_error() {
    let fake = FakeAmazon::start().await.unwrap();
    let mut connection = fake.connection("amz");
    let mut credentials = connection.settings.credentials.reveal().clone();
    credentials.insert("refresh_token".into(), "Atzr|revoked".into());
    connection.settings.credentials = switchyard_core::connector::Credentials::new(credentials);
    let err = connector(connection).check().await.unwrap_err();
    assert!(matches!(err, ChannelError::Auth(_)), "{err}");
    assert!(!err.to_string().contains("revoked"), "no secret in the error: {err}");
}

#[tokio::test]
async fn check_reaches_the_api() {
    let (api, amazon) = started().await;
    let line = amazon.check().await.unwrap();
    assert!(line.contains(fake::MARKETPLACE_ID), "{line}");
    assert_eq!(requests_like(&api, "GET /orders/v0/orders?").len(), 1);
    assert_eq!(api.grants(), 1);
}

#[tokio::test]
async fn notifications_need_the_relays_secret() {
    let (_fake, amazon) = started().await;
    let body = ORDER_CHANGE.as_bytes();
    assert!(matches!(
        amazon.verify(&HeaderMap::new(), body),
        Err(ChannelError::Forged)
    ));
    let forged = fake::notification_headers("guess");
    assert!(matches!(amazon.verify(&forged, body), Err(ChannelError::Forged)));
    let headers = fake::notification_headers(fake::NOTIFICATION_TOKEN);
    amazon.verify(&headers, body).unwrap();

    let notices = amazon.parse(&headers, body).unwrap();
    assert!(matches!(&notices[..], [Notice::Changed { external_id }] if external_id == "903-8868176-2219830"));
    let other = br#"{"NotificationType": "ANY_OFFER_CHANGED", "Payload": {}}"#;
    assert!(
        matches!(&amazon.parse(&headers, other).unwrap()[..], [Notice::Ignored { topic }] if topic == "ANY_OFFER_CHANGED")
    );
}

#[tokio::test]
async fn without_the_secret_configured_every_notification_is_refused() {
    let fake = FakeAmazon::start().await.unwrap();
    let mut connection = fake.connection("amz");
    let mut credentials = connection.settings.credentials.reveal().clone();
    credentials.remove("notification_token");
    connection.settings.credentials = switchyard_core::connector::Credentials::new(credentials);
    let headers = fake::notification_headers(fake::NOTIFICATION_TOKEN);
    let err = connector(connection).verify(&headers, ORDER_CHANGE.as_bytes());
    assert!(matches!(err, Err(ChannelError::Forged)));
}

#[tokio::test]
async fn an_order_change_leads_to_the_order() {
    let (fake, amazon) = started().await;
    add(&fake, "902-0000000-0000007", "2026-11-20T10:00:00Z");
    let body = fake::order_change("902-0000000-0000007");
    let headers = fake::notification_headers(fake::NOTIFICATION_TOKEN);
    amazon.verify(&headers, &body).unwrap();
    let [Notice::Changed { external_id }] = &amazon.parse(&headers, &body).unwrap()[..] else {
        panic!()
    };
    let notices = amazon.order(external_id).await.unwrap();
    assert_eq!(order_ids(&notices), ["902-0000000-0000007"]);
}

fn listing(sku: &str) -> Listing {
    Listing {
        sku: sku.into(),
        listing_id: sku.into(),
        item_id: None,
    }
}

#[tokio::test]
async fn stock_is_patched_per_seller_sku_in_order() {
    let (fake, amazon) = started().await;
    for sku in ["TEE-M", "TEE/L", "MUG"] {
        fake.add_listing(sku, 1);
    }
    let pushes = [("TEE-M", 7), ("TEE/L", 0), ("GONE", 3), ("MUG", 12)].map(|(sku, quantity)| StockPush {
        listing: listing(sku),
        quantity,
    });
    let results = amazon.push_stock(&pushes).await;
    assert!(
        results[0].is_ok() && results[1].is_ok() && results[3].is_ok(),
        "{results:?}"
    );
    assert!(
        matches!(&results[2], Err(ChannelError::Refused { body, .. }) if body.contains("INVALID") && body.contains("GONE")),
        "{:?}",
        results[2]
    );
    assert_eq!(
        fake.stock_pushes(),
        [("TEE-M".to_owned(), 7), ("TEE/L".to_owned(), 0), ("MUG".to_owned(), 12)]
    );
    assert_eq!(
        fake.quantity("TEE/L"),
        Some(0),
        "a SKU with a slash is one path segment"
    );
}

#[tokio::test]
async fn stock_shown_is_read_per_listing() {
    let (fake, amazon) = started().await;
    fake.add_listing("TEE-M", 4);
    let found = amazon.stock(&[listing("TEE-M"), listing("NOPE")]).await.unwrap();
    assert_eq!(
        found,
        [
            ChannelStock {
                listing: listing("TEE-M"),
                quantity: Some(4)
            },
            ChannelStock {
                listing: listing("NOPE"),
                quantity: None
            }
        ]
    );
}

#[tokio::test]
async fn listings_are_read_over_every_page() {
    let (fake, amazon) = started().await;
    for n in 0..45 {
        fake.add_listing(&format!("SKU-{n:02}"), n);
    }
    let mut found = amazon.listings().await.unwrap();
    found.sort();
    assert_eq!(
        found,
        (0..45).map(|n| listing(&format!("SKU-{n:02}"))).collect::<Vec<_>>()
    );
    let pages = requests_like(&fake, "GET /listings/");
    assert_eq!(pages.len(), 3, "20 a page: {pages:?}");
    assert!(pages[2].contains("pageToken=40"), "{}", pages[2]);
}

#[tokio::test]
async fn a_shipment_is_confirmed_with_its_tracking_number_and_items() {
    let (fake, amazon) = started().await;
    add(&fake, "902-0000000-0000001", "2026-11-20T10:00:00Z");
    let fulfilment = Fulfilment {
        external_id: "902-0000000-0000001".into(),
        shipment_id: "shp_01J8X9Y2Z3".into(),
        lines: vec![FulfilledLine {
            external_id: Some("902-0000000-0000001-item".into()),
            sku: "NABetaASINB00551Q3CS".into(),
            quantity: 1,
        }],
        carrier: "ups".into(),
        service: Some("Ground".into()),
        tracking_number: "1Z999AA10123456784".into(),
        tracking_url: Some("https://www.ups.com/track?tracknum=1Z999AA10123456784".into()),
        shipped_at: "2026-11-21T09:30:00Z".parse().unwrap(),
    };
    amazon.push_fulfilment(&fulfilment).await.unwrap();
    let shipments = fake.shipments();
    assert_eq!(shipments.len(), 1);
    let (id, body) = &shipments[0];
    assert_eq!(id, "902-0000000-0000001");
    let detail = &body["packageDetail"];
    assert_eq!(body["marketplaceId"], fake::MARKETPLACE_ID);
    assert_eq!(detail["trackingNumber"], "1Z999AA10123456784");
    assert_eq!(detail["carrierCode"], "UPS");
    assert!(detail.get("carrierName").is_none());
    assert_eq!(detail["shippingMethod"], "Ground");
    assert_eq!(detail["shipDate"], "2026-11-21T09:30:00Z");
    assert_eq!(
        detail["packageReferenceId"],
        switchyard_channels::amazon::package_reference("shp_01J8X9Y2Z3")
    );
    assert_eq!(
        detail["orderItems"],
        json!([{"orderItemId": "902-0000000-0000001-item", "quantity": 1}])
    );

    let other = Fulfilment {
        carrier: "Acme Couriers".into(),
        ..fulfilment.clone()
    };
    amazon.push_fulfilment(&other).await.unwrap();
    let detail = &fake.shipments()[1].1["packageDetail"];
    assert_eq!(
        (&detail["carrierCode"], &detail["carrierName"]),
        (&json!("Others"), &json!("Acme Couriers"))
    );

    let unknown_line = Fulfilment {
        lines: vec![FulfilledLine {
            external_id: None,
            sku: "X".into(),
            quantity: 1,
        }],
        ..fulfilment
    };
    assert!(matches!(
        amazon.push_fulfilment(&unknown_line).await,
        Err(ChannelError::Config(_))
    ));
}

#[tokio::test]
async fn a_cancellation_goes_as_an_acknowledgement_feed() {
    let (fake, amazon) = started().await;
    amazon
        .push_cancellation(&Cancellation {
            external_id: "902-0000000-0000001".into(),
            lines: Vec::new(),
            reason: Some("customer_request".into()),
        })
        .await
        .unwrap();
    amazon
        .push_cancellation(&Cancellation {
            external_id: "902-0000000-0000002".into(),
            lines: vec![FulfilledLine {
                external_id: Some("902-0000000-0000002-item".into()),
                sku: "NABetaASINB00551Q3CS".into(),
                quantity: 1,
            }],
            reason: Some("stock".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        fake.cancellations(),
        [
            FeedCancellation {
                order_id: "902-0000000-0000001".into(),
                items: Vec::new()
            },
            FeedCancellation {
                order_id: "902-0000000-0000002".into(),
                items: vec![("902-0000000-0000002-item".into(), "NoInventory".into())]
            },
        ]
    );
    let feeds = fake.feeds();
    assert!(feeds.iter().all(|(kind, _)| kind == "POST_ORDER_ACKNOWLEDGEMENT_DATA"));
    assert!(
        feeds[0]
            .1
            .contains(&format!("<MerchantIdentifier>{}</MerchantIdentifier>", fake::SELLER_ID))
    );
}
