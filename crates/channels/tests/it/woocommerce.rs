//! The WooCommerce connector against a fake store on loopback.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use switchyard_channels::fake::woocommerce::{FakeWooCommerce, NoteSeen, StockSeen, sign, webhook_headers};
use switchyard_channels::http::{Http, Patience};
use switchyard_channels::woocommerce::WooCommerce;
use switchyard_channels::{
    Cancellation, ChannelError, Connection, Connector, FulfilledLine, Fulfilment, Listing, Notice, StockPush,
};
use switchyard_core::catalog::ChannelKind;
use switchyard_core::connector::{ConnectionDraft, Credentials, Pushes, StockBuffer};

const KEY: &str = "ck_example";
const SECRET: &str = "cs_example";
const WEBHOOK_SECRET: &str = "wc-secret-example";

const RETRIEVED: &str = include_str!("../data/woocommerce/wc_v3_retrieve_order_response.json");
const LISTED: &str = include_str!("../data/woocommerce/wc_v3_list_orders_response.json");
const VAT_INCLUSIVE: &str = include_str!("../data/woocommerce/switchyard_vat_inclusive_order.json");
const CANCELLED: &str = include_str!("../data/woocommerce/switchyard_cancelled_virtual_order.json");

fn connector(base_url: &str, consumer_secret: &str) -> WooCommerce {
    let credentials = BTreeMap::from([
        ("consumer_key".to_owned(), KEY.to_owned()),
        ("consumer_secret".to_owned(), consumer_secret.to_owned()),
        ("webhook_secret".to_owned(), WEBHOOK_SECRET.to_owned()),
    ]);
    let connection = Connection {
        channel: "woo".into(),
        kind: ChannelKind::Woocommerce,
        settings: ConnectionDraft {
            // Stored with a trailing slash, as the settings write a bare host.
            base_url: format!("{base_url}/"),
            credentials: Credentials::new(credentials),
            options: BTreeMap::new(),
            poll_interval_seconds: 300,
            pushes: Pushes::default(),
            stock_buffer: StockBuffer::default(),
            max_offered: None,
        },
    };
    let http = Http::new(Patience {
        tries: 4,
        max_wait: Duration::from_secs(2),
        backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    })
    .unwrap();
    WooCommerce::new(connection, http)
}

async fn store() -> (FakeWooCommerce, WooCommerce) {
    let fake = FakeWooCommerce::start(KEY, SECRET).await.unwrap();
    let woo = connector(&fake.base_url(), SECRET);
    (fake, woo)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// The documented order 727 with a SKU on its first line (the docs leave it empty).
fn documented_order() -> Value {
    let mut order = json(RETRIEVED);
    order["line_items"][0]["sku"] = "WOO-SINGLE-1".into();
    order
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

fn headers(pairs: Vec<(&'static str, String)>) -> HeaderMap {
    pairs
        .into_iter()
        .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_str(&v).unwrap()))
        .collect()
}

#[tokio::test]
async fn a_backfill_reads_every_page_of_orders_changed_since() {
    let (fake, woo) = store().await;
    fake.handle.add_order(documented_order());
    fake.handle.add_order(json(VAT_INCLUSIVE));
    fake.handle.add_order(json(CANCELLED));
    for i in 0..4u64 {
        let mut order = json(VAT_INCLUSIVE);
        order["id"] = (2000 + i).into();
        order["date_modified_gmt"] = format!("2026-11-22T10:00:0{i}").into();
        order["refunds"] = Value::Array(Vec::new());
        fake.handle.add_order(order);
    }
    // The documented order 723 has lines without SKUs: refused by field, not fatal.
    let mut unmappable = json(LISTED)[1].clone();
    unmappable["date_modified_gmt"] = "2026-11-23T00:00:00".into();
    fake.handle.add_order(unmappable);
    fake.handle.set_page_size(2);

    let since: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let notices = woo.orders_since(since).await.unwrap();
    assert_eq!(order_ids(&notices), ["1001", "1002", "2000", "2001", "2002", "2003"]);
    assert!(
        notices
            .iter()
            .any(|n| matches!(n, Notice::Unmappable { external_id, why }
            if external_id == "723" && why.contains("/lines/0/sku"))),
        "{notices:?}"
    );
    assert!(
        notices
            .iter()
            .any(|n| matches!(n, Notice::Cancelled { external_id, .. } if external_id == "1002"))
    );
    assert!(
        notices
            .iter()
            .any(|n| matches!(n, Notice::Refunded(r) if r.refund_id == "905"))
    );
    let queries = fake.handle.order_queries();
    assert_eq!(queries.len(), 4, "7 orders in pages of 2: {queries:?}");
    for (i, q) in queries.iter().enumerate() {
        for part in [
            "modified_after=2025-12-31T23%3A59%3A59",
            "dates_are_gmt=true",
            "orderby=modified",
            "order=asc",
            "per_page=100",
        ] {
            assert!(q.contains(part), "{q} lacks {part}");
        }
        assert!(q.contains(&format!("page={}", i + 1)), "{q}");
    }

    // Only what changed after `since`: order 727 was modified in 2017.
    let later: Timestamp = "2026-11-22T10:00:02Z".parse().unwrap();
    let notices = woo.orders_since(later).await.unwrap();
    assert_eq!(order_ids(&notices), ["2002", "2003"]);
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_and_server_errors_retried() {
    let (fake, woo) = store().await;
    fake.handle.add_order(json(VAT_INCLUSIVE));
    fake.handle.rate_limit_next(1);
    let started = Instant::now();
    let notices = woo.order("1001").await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After: 1 is waited");
    assert_eq!(order_ids(&notices), ["1001"]);

    fake.handle.fail_next(&[500, 503]);
    let notices = woo.order("1001").await.unwrap();
    assert_eq!(order_ids(&notices), ["1001"]);

    fake.handle.fail_next(&[503, 503, 503, 503]);
    let error = woo.order("1001").await.unwrap_err();
    assert!(matches!(error, ChannelError::Unavailable(_)), "{error:?}");
}

#[tokio::test]
async fn wrong_credentials_are_refused_without_echoing_them() {
    let fake = FakeWooCommerce::start(KEY, SECRET).await.unwrap();
    let woo = connector(&fake.base_url(), "cs_wrong");
    let error = woo.check().await.unwrap_err();
    let ChannelError::Auth(text) = &error else {
        panic!("{error:?}")
    };
    assert!(text.contains("woocommerce_rest_authentication_error"), "{text}");
    assert!(!error.to_string().contains("cs_wrong"));

    let good = connector(&fake.base_url(), SECRET);
    fake.handle.add_order(json(VAT_INCLUSIVE));
    assert_eq!(
        good.check().await.unwrap(),
        "WooCommerce REST API v3 reached: the store has 1 orders"
    );
    let missing = good.order("999").await.unwrap_err();
    assert!(
        matches!(missing, ChannelError::Refused { status: 404, .. }),
        "{missing:?}"
    );
}

#[tokio::test]
async fn webhooks_are_verified_by_signature_and_parsed() {
    let (_fake, woo) = store().await;
    // Our own vector (WooCommerce publishes none), computed independently.
    let body = br#"{"id":1001,"status":"processing"}"#;
    assert_eq!(
        sign(WEBHOOK_SECRET, body),
        "ERiUENoJHzlOFrA6nsMzHcaS3hDJVCyewnczaRvVQPA="
    );
    let mut vector = HeaderMap::new();
    vector.insert(
        "x-wc-webhook-signature",
        HeaderValue::from_static("ERiUENoJHzlOFrA6nsMzHcaS3hDJVCyewnczaRvVQPA="),
    );
    woo.verify(&vector, body).unwrap();

    let order = VAT_INCLUSIVE.as_bytes();
    let signed = headers(webhook_headers("order.created", WEBHOOK_SECRET, order));
    woo.verify(&signed, order).unwrap();
    let notices = woo.parse(&signed, order).unwrap();
    assert_eq!(order_ids(&notices), ["1001"]);
    assert!(matches!(&notices[1], Notice::Refunded(r) if r.amount.amount == 1200));

    let forged = headers(webhook_headers("order.created", "not-the-secret", order));
    assert!(matches!(woo.verify(&forged, order), Err(ChannelError::Forged)));
    let tampered = VAT_INCLUSIVE.replace("51.00", "1.00");
    assert!(matches!(
        woo.verify(&signed, tampered.as_bytes()),
        Err(ChannelError::Forged)
    ));
    assert!(matches!(
        woo.verify(&HeaderMap::new(), order),
        Err(ChannelError::Forged)
    ));

    // The unsigned ping WooCommerce sends when a webhook is saved must be answered 2xx.
    woo.verify(&HeaderMap::new(), b"webhook_id=12").unwrap();
    assert!(
        matches!(woo.parse(&HeaderMap::new(), b"webhook_id=12").unwrap().as_slice(),
        [Notice::Ignored { topic }] if topic == "ping")
    );
    assert!(woo.verify(&HeaderMap::new(), b"webhook_id=12&x=1").is_err());

    let product = br#"{"id":93}"#;
    let other = headers(webhook_headers("product.updated", WEBHOOK_SECRET, product));
    woo.verify(&other, product).unwrap();
    assert!(matches!(woo.parse(&other, product).unwrap().as_slice(),
        [Notice::Ignored { topic }] if topic == "product.updated"));
}

#[tokio::test]
async fn stock_is_pushed_in_batches_of_a_hundred_to_products_and_variations() {
    let (fake, woo) = store().await;
    for id in 1..=150u64 {
        fake.handle.add_product(id, &format!("SKU-{id}"), 0);
    }
    fake.handle
        .add_variable_product(500, &[(501, "TEE-S", 0), (502, "TEE-M", 0)]);
    let mut pushes: Vec<StockPush> = (1..=150u64)
        .map(|id| StockPush {
            listing: Listing {
                sku: format!("SKU-{id}"),
                listing_id: id.to_string(),
                item_id: None,
            },
            quantity: id as i64 * 2,
        })
        .collect();
    pushes.push(StockPush {
        listing: Listing {
            sku: "TEE-M".into(),
            listing_id: "500".into(),
            item_id: Some("502".into()),
        },
        quantity: 7,
    });
    pushes.push(StockPush {
        listing: Listing {
            sku: "GONE".into(),
            listing_id: "999".into(),
            item_id: None,
        },
        quantity: 1,
    });
    let results = woo.push_stock(&pushes).await;
    assert_eq!(results.len(), 152);
    assert!(results[..151].iter().all(Result::is_ok), "{results:?}");
    assert!(matches!(&results[151], Err(ChannelError::Refused { status: 400, body }) if body.contains("invalid_id")));
    assert_eq!(fake.handle.batch_sizes(), [100, 51, 1]);
    let seen = fake.handle.stock_pushes();
    assert_eq!(seen.len(), 151);
    assert_eq!(
        seen[0],
        StockSeen {
            product_id: 1,
            variation_id: None,
            quantity: 2
        }
    );
    assert_eq!(
        seen[150],
        StockSeen {
            product_id: 500,
            variation_id: Some(502),
            quantity: 7
        }
    );
    assert_eq!(fake.handle.level(150, None), Some(300));
    assert_eq!(fake.handle.level(500, Some(502)), Some(7));
    assert_eq!(fake.handle.level(500, Some(501)), Some(0));
}

#[tokio::test]
async fn listings_and_their_stock_are_read_back_over_pages() {
    let (fake, woo) = store().await;
    fake.handle.add_product(10, "MUG-BLU", 4);
    fake.handle.add_product(11, "", 9);
    fake.handle
        .add_variable_product(20, &[(21, "TEE-S", 3), (22, "TEE-M", 0), (23, "TEE-L", 8)]);
    fake.handle.add_product(30, "EBOOK-01", 1);
    fake.handle.set_page_size(2);
    let listings = woo.listings().await.unwrap();
    let seen: Vec<_> = listings
        .iter()
        .map(|l| (l.sku.as_str(), l.listing_id.as_str(), l.item_id.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            ("MUG-BLU", "10", None),
            ("TEE-S", "20", Some("21")),
            ("TEE-M", "20", Some("22")),
            ("TEE-L", "20", Some("23")),
            ("EBOOK-01", "30", None),
        ]
    );
    let mut asked = listings.clone();
    asked.push(Listing {
        sku: "GONE".into(),
        listing_id: "77".into(),
        item_id: None,
    });
    let stock = woo.stock(&asked).await.unwrap();
    let levels: Vec<_> = stock.iter().map(|s| (s.listing.sku.as_str(), s.quantity)).collect();
    assert_eq!(
        levels,
        [
            ("MUG-BLU", Some(4)),
            ("TEE-S", Some(3)),
            ("TEE-M", Some(0)),
            ("TEE-L", Some(8)),
            ("EBOOK-01", Some(1)),
            ("GONE", None),
        ]
    );
}

fn fulfilment() -> Fulfilment {
    Fulfilment {
        external_id: "1001".into(),
        shipment_id: "shp_1".into(),
        lines: vec![FulfilledLine {
            external_id: Some("2001".into()),
            sku: "TEE-ORG-M".into(),
            quantity: 3,
        }],
        carrier: "royal_mail".into(),
        service: Some("Tracked 48".into()),
        tracking_number: "RB123456785GB".into(),
        tracking_url: Some("https://track.example.com/RB123456785GB".into()),
        shipped_at: "2026-11-21T10:00:00Z".parse().unwrap(),
    }
}

#[tokio::test]
async fn a_shipment_is_a_customer_note_with_tracking_then_completed_once() {
    let (fake, woo) = store().await;
    fake.handle.add_order(json(VAT_INCLUSIVE));
    woo.push_fulfilment(&fulfilment()).await.unwrap();
    let expected = NoteSeen {
        order_id: 1001,
        note: "Shipped by royal_mail (Tracked 48): RB123456785GB https://track.example.com/RB123456785GB".into(),
        customer_note: true,
    };
    assert_eq!(fake.handle.notes(), std::slice::from_ref(&expected));
    assert_eq!(fake.handle.status_changes(), [(1001, "completed".to_owned())]);
    assert_eq!(fake.handle.order(1001).unwrap()["status"], "completed");
    // Retried (the status change failed the first time): no second note.
    woo.push_fulfilment(&fulfilment()).await.unwrap();
    assert_eq!(fake.handle.notes(), [expected]);
}

#[tokio::test]
async fn a_cancellation_cancels_the_order_and_a_partial_one_is_a_private_note() {
    let (fake, woo) = store().await;
    fake.handle.add_order(json(VAT_INCLUSIVE));
    let partial = Cancellation {
        external_id: "1001".into(),
        lines: vec![FulfilledLine {
            external_id: Some("2002".into()),
            sku: "MUG-BLU".into(),
            quantity: 1,
        }],
        reason: Some("out of stock".into()),
    };
    woo.push_cancellation(&partial).await.unwrap();
    assert_eq!(
        fake.handle.notes(),
        [NoteSeen {
            order_id: 1001,
            note: "Cancelled in Switchyard: 1 × MUG-BLU (line 2002) (out of stock)".into(),
            customer_note: false,
        }]
    );
    assert!(fake.handle.status_changes().is_empty());
    let whole = Cancellation {
        external_id: "1001".into(),
        lines: Vec::new(),
        reason: None,
    };
    woo.push_cancellation(&whole).await.unwrap();
    assert_eq!(fake.handle.status_changes(), [(1001, "cancelled".to_owned())]);
    assert_eq!(fake.handle.order(1001).unwrap()["status"], "cancelled");
}
