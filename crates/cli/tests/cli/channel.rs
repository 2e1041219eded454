//! `switchyard channel` against a fake Shopify shop: `test` says what it reached and
//! exits 1 when the shop refuses the credentials; `drift` lists what differs and exits
//! 1 while anything does; `resync` makes every listed SKU's push due.

use serde_json::json;
use switchyard_channels::fake::shopify::FakeShopify;
use switchyard_core::catalog::{ChannelInput, LocationInput, ProductInput};
use switchyard_core::connector::{ConnectionInput, ListingInput};

use super::{Db, db, stdout, store};

const LOCATION: u64 = 655_441_491;

/// A migrated database with channel `shop` connected to `fake` with `token`, and TEE
/// listed on it.
async fn shop(db: &Db, fake: &FakeShopify, token: &str) {
    let store = store(db).await;
    store.migrate().await.unwrap();
    let location: LocationInput = serde_json::from_value(json!({
        "code": "LON", "name": "London", "kind": "warehouse",
        "address": {"name": "Goods Ltd", "line1": "1 Dock Road", "city": "London", "postal_code": "E16 2QU", "country": "GB"}
    }))
    .unwrap();
    store.create_location(&location.parse().unwrap()).await.unwrap();
    let channel: ChannelInput =
        serde_json::from_value(json!({"code": "shop", "name": "Shop", "kind": "shopify", "ship_from": ["LON"]}))
            .unwrap();
    store.create_channel(&channel.parse().unwrap()).await.unwrap();
    let product: ProductInput = serde_json::from_value(json!({"sku": "TEE", "title": "Tee"})).unwrap();
    store.create_product(&product.parse().unwrap()).await.unwrap();
    let connection: ConnectionInput = serde_json::from_value(json!({
        "base_url": fake.base_url(),
        "credentials": {"access_token": token, "webhook_secret": "hush"},
        "options": {"location_id": LOCATION.to_string()},
    }))
    .unwrap();
    store.save_connection("shop", &connection).await.unwrap();
    let listing = ListingInput {
        sku: Some("TEE".into()),
        listing_id: Some("1808950810".into()),
        item_id: Some("808950810".into()),
        buffer: None,
    };
    store.put_listing("shop", &listing.parse(None).unwrap()).await.unwrap();
    store.close().await;
}

/// Runs `switchyard` off the runtime, which serves the fake meanwhile.
async fn run(db: &Db, args: &'static [&'static str]) -> std::process::Output {
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(args)
            .env("SWITCHYARD_DATABASE_URL", url)
            .env("SWITCHYARD_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_test_says_what_it_reached_and_fails_on_refused_credentials() {
    let fake = FakeShopify::start("shpat_right", LOCATION).await.unwrap();
    let good = db();
    shop(&good, &fake, "shpat_right").await;
    let out = run(&good, &["channel", "test", "shop"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).starts_with("shop: Shopify shop"), "{}", stdout(&out));

    let bad = db();
    shop(&bad, &fake, "shpat_wrong").await;
    let out = run(&bad, &["channel", "test", "shop"]).await;
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("refused the credentials"), "{said}");
    assert!(!said.contains("shpat_wrong"), "the token is never shown: {said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_drift_lists_what_differs_and_resync_makes_pushes_due() {
    let fake = FakeShopify::start("shpat_right", LOCATION).await.unwrap();
    fake.add_listing("TEE", 1_808_950_810, 808_950_810);
    let db = db();
    shop(&db, &fake, "shpat_right").await;
    let out = run(&db, &["channel", "drift", "shop"]).await;
    assert!(out.status.success(), "nothing differs: {}", stdout(&out));
    assert!(stdout(&out).contains("0 of 1 listing(s) differ"), "{}", stdout(&out));
    let out = run(&db, &["channel", "resync", "shop"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout(&out).trim(), "shop: 1 push(es) due now");
}
