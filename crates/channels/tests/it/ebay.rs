//! The eBay connector against the eBay fake on loopback.

use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::HeaderMap;
use switchyard_channels::fake::ebay::{EbayFake, MARKETPLACE};
use switchyard_channels::http::{Http, Patience};
use switchyard_channels::{
    Cancellation, ChannelError, Connection, Connector, FulfilledLine, Fulfilment, Listing, Notice, StockPush, ebay,
};
use switchyard_core::connector::Credentials;

const PAGE: &str = include_str!("../data/ebay/getOrders_page.json");

fn http() -> Http {
    Http::new(Patience {
        tries: 4,
        max_wait: Duration::from_secs(2),
        backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

async fn fake_with_orders() -> (EbayFake, ebay::Ebay) {
    let fake = EbayFake::start().await.unwrap();
    assert_eq!(fake.add_orders(PAGE).unwrap(), 3);
    let connector = ebay::Ebay::new(fake.connection("ebay-us"), http());
    (fake, connector)
}

fn since(t: &str) -> Timestamp {
    t.parse().unwrap()
}

fn order_ids(notices: &[Notice]) -> Vec<String> {
    notices
        .iter()
        .filter_map(|n| match n {
            Notice::Order(o) => o.external_id.clone(),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn backfill_reads_every_page_of_orders_changed_since() {
    let (fake, ebay) = fake_with_orders().await;
    fake.set_page_size(1);
    let notices = ebay.orders_since(since("2026-11-01T00:00:00Z")).await.unwrap();
    assert_eq!(
        order_ids(&notices),
        ["12-34567-00001", "12-34567-00002", "12-34567-00003"]
    );
    assert_eq!(notices.len(), 5, "three orders, a cancellation and a refund");
    assert!(matches!(&notices[3], Notice::Cancelled { external_id, .. } if external_id == "12-34567-00003"));
    assert!(matches!(&notices[4], Notice::Refunded(r) if r.refund_id == "5300000003"));
    for n in &notices {
        if let Notice::Order(o) = n {
            o.parse().unwrap();
        }
    }
    assert!(fake.marketplaces().iter().all(|m| m == MARKETPLACE));
    assert_eq!(fake.marketplaces().len(), 3, "one request per page");

    let later = ebay.orders_since(since("2026-11-21T09:30:30Z")).await.unwrap();
    assert_eq!(
        order_ids(&later),
        ["12-34567-00002", "12-34567-00003"],
        "by lastModifiedDate"
    );
}

#[tokio::test]
async fn rate_limits_are_waited_out() {
    let (fake, ebay) = fake_with_orders().await;
    fake.rate_limit_next(1);
    let notices = ebay.orders_since(since("2026-11-01T00:00:00Z")).await.unwrap();
    assert_eq!(order_ids(&notices).len(), 3);
}

#[tokio::test]
async fn server_errors_are_retried() {
    let (fake, ebay) = fake_with_orders().await;
    fake.fail_next(2);
    let notices = ebay.orders_since(since("2026-11-01T00:00:00Z")).await.unwrap();
    assert_eq!(order_ids(&notices).len(), 3);
    fake.fail_next(10);
    let err = ebay.orders_since(since("2026-11-01T00:00:00Z")).await.unwrap_err();
    assert!(matches!(err, ChannelError::Unavailable(_)), "{err:?}");
    assert!(err.is_temporary());
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let (fake, ebay) = fake_with_orders().await;
    assert!(ebay.check().await.unwrap().contains("3 orders"));
    assert_eq!(fake.grants(), 1);
    ebay.order("12-34567-00001").await.unwrap();
    assert_eq!(fake.grants(), 1, "the token is kept while it is good");
    fake.expire_tokens();
    let notices = ebay.order("12-34567-00001").await.unwrap();
    assert_eq!(order_ids(&notices), ["12-34567-00001"]);
    assert_eq!(fake.grants(), 2, "refused once, refreshed once");
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error_without_the_secret() {
    let fake = EbayFake::start().await.unwrap();
    let mut connection: Connection = fake.connection("ebay-us");
    let mut values = connection.settings.credentials.reveal().clone();
    values.insert("client_secret".into(), "not-the-secret".into());
    connection.settings.credentials = Credentials::new(values);
    let err = ebay::Ebay::new(connection, http()).check().await.unwrap_err();
    assert!(matches!(err, ChannelError::Auth(_)), "{err:?}");
    assert!(!err.to_string().contains("not-the-secret"));
    assert_eq!(fake.grants(), 0);
}

#[tokio::test]
async fn notifications_are_refused_as_ebay_orders_come_by_polling() {
    let (_fake, ebay) = fake_with_orders().await;
    let headers = HeaderMap::new();
    assert!(matches!(
        ebay.verify(&headers, PAGE.as_bytes()),
        Err(ChannelError::Forged)
    ));
    assert!(matches!(
        ebay.parse(&headers, PAGE.as_bytes()),
        Err(ChannelError::Forged)
    ));
}

#[tokio::test]
async fn one_order_by_id_and_an_unknown_one() {
    let (_fake, ebay) = fake_with_orders().await;
    let notices = ebay.order("12-34567-00003").await.unwrap();
    assert_eq!(notices.len(), 3);
    let err = ebay.order("99-00000-00000").await.unwrap_err();
    assert!(matches!(err, ChannelError::Refused { status: 404, .. }), "{err:?}");
}

fn listing(i: usize) -> Listing {
    Listing {
        sku: format!("SKU-{i:03}"),
        listing_id: format!("{}", 7_000_000 + i),
        item_id: Some(format!("{}", 110_000_000_000usize + i)),
    }
}

#[tokio::test]
async fn sixty_quantities_go_in_calls_of_at_most_25_skus() {
    let (fake, ebay) = fake_with_orders().await;
    for i in 0..60 {
        let l = listing(i);
        fake.add_listing(&l.sku, &l.listing_id, l.item_id.as_deref().unwrap(), 100);
    }
    let pushes: Vec<StockPush> = (0..60)
        .map(|i| StockPush {
            listing: listing(i),
            quantity: i as i64,
        })
        .collect();
    let results = ebay.push_stock(&pushes).await;
    assert_eq!(results.len(), 60);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(fake.bulk_calls(), [25, 25, 10]);
    let seen = fake.pushes();
    assert_eq!(seen.len(), 60);
    for (i, push) in seen.iter().enumerate() {
        assert_eq!(push.sku, format!("SKU-{i:03}"));
        assert_eq!(push.offer_id, format!("{}", 7_000_000 + i));
        assert_eq!(push.quantity, i as i64);
    }
    assert_eq!(fake.level("7000042"), Some(42));

    let stock = ebay.stock(&[listing(7), listing(99)]).await.unwrap();
    assert_eq!(stock[0].quantity, Some(7), "what the inventory item holds now");
    assert_eq!(stock[1].quantity, None, "eBay does not know SKU-099");
}

#[tokio::test]
async fn an_offer_ebay_refuses_fails_alone() {
    let (fake, ebay) = fake_with_orders().await;
    fake.add_listing("MUG-BLU", "5100", "110000000002", 4);
    let unknown = Listing {
        sku: "MUG-BLU".into(),
        listing_id: "5199".into(),
        item_id: None,
    };
    let pushes = [
        StockPush {
            listing: unknown,
            quantity: 3,
        },
        StockPush {
            listing: Listing {
                sku: "MUG-BLU".into(),
                listing_id: "5100".into(),
                item_id: None,
            },
            quantity: 3,
        },
    ];
    let results = ebay.push_stock(&pushes).await;
    assert!(matches!(&results[0], Err(ChannelError::Refused { status: 404, body }) if body.contains("25713")));
    assert!(results[1].is_ok());
    assert_eq!(fake.bulk_calls(), [1], "one SKU, two offers, one call");
    assert_eq!(fake.level("5100"), Some(3));
}

#[tokio::test]
async fn listings_are_read_from_every_page_of_items_with_their_offers() {
    let (fake, ebay) = fake_with_orders().await;
    fake.set_page_size(2);
    for i in 0..5 {
        let l = listing(i);
        fake.add_listing(&l.sku, &l.listing_id, l.item_id.as_deref().unwrap(), 1);
    }
    let mut listings = ebay.listings().await.unwrap();
    listings.sort();
    assert_eq!(listings, (0..5).map(listing).collect::<Vec<_>>());
}

fn shipment(lines: Vec<FulfilledLine>) -> Fulfilment {
    Fulfilment {
        external_id: "12-34567-00001".into(),
        shipment_id: "shp_1".into(),
        lines,
        carrier: "usps".into(),
        service: Some("priority".into()),
        tracking_number: "9400100000000000000001".into(),
        tracking_url: None,
        shipped_at: since("2026-11-21T16:00:00Z"),
    }
}

#[tokio::test]
async fn a_shipment_is_a_shipping_fulfilment_with_its_tracking() {
    let (fake, ebay) = fake_with_orders().await;
    let lines = vec![
        FulfilledLine {
            external_id: Some("10000000000101".into()),
            sku: "TEE-ORG-M".into(),
            quantity: 2,
        },
        FulfilledLine {
            external_id: None,
            sku: "MUG-BLU".into(),
            quantity: 1,
        },
    ];
    ebay.push_fulfilment(&shipment(lines)).await.unwrap();
    let seen = fake.fulfilments();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].order_id, "12-34567-00001");
    let body = &seen[0].body;
    assert_eq!(body["trackingNumber"], "9400100000000000000001");
    assert_eq!(body["shippingCarrierCode"], "USPS");
    assert_eq!(body["shippedDate"], "2026-11-21T16:00:00.000Z");
    assert_eq!(
        body["lineItems"],
        serde_json::json!([
            {"lineItemId": "10000000000101", "quantity": 2},
            {"lineItemId": "10000000000102", "quantity": 1}
        ]),
        "a line without eBay's id is found by SKU"
    );
}

#[tokio::test]
async fn a_cancellation_goes_to_the_post_order_api() {
    let (fake, ebay) = fake_with_orders().await;
    let cancellation = Cancellation {
        external_id: "12-34567-00002".into(),
        lines: Vec::new(),
        reason: None,
    };
    ebay.push_cancellation(&cancellation).await.unwrap();
    assert_eq!(
        fake.cancellations(),
        [serde_json::json!({"legacyOrderId": "12-34567-00002", "cancelReason": "OUT_OF_STOCK_OR_CANNOT_FULFILL"})]
    );
    let unknown = Cancellation {
        external_id: "99-00000-00000".into(),
        ..cancellation
    };
    let err = ebay.push_cancellation(&unknown).await.unwrap_err();
    assert!(matches!(err, ChannelError::Refused { status: 400, .. }), "{err:?}");
}
