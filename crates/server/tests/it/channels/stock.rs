//! Stock sync end to end against fake Shopify shops: what happens on any channel
//! (a placement, a cancel, a receipt, an adjustment) reaches each shop as the formula's
//! figure, coalesced, retried after a failure; the listing map imported from the shop,
//! the drift report and a resync over the API. The burst property is in `property`.

mod property;

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::SignedDuration;
use serde_json::{Value, json};
use switchyard_channels::fake::shopify::FakeShopify;
use switchyard_channels::http::Patience;
use switchyard_core::connector::{ConnectionInput, StockBuffer};
use switchyard_server::channels::Connectors;
use switchyard_server::channels::stock::{Round, StockSync};

use crate::both;
use crate::helpers::*;

pub const TOKEN: &str = "shpat_test_token";

pub fn patience() -> Patience {
    Patience {
        tries: 2,
        max_wait: Duration::from_secs(2),
        backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
    }
}

/// A stock-sync worker on the app's database, as a server or `switchyard worker` runs.
pub fn worker(app: &TestApp) -> StockSync {
    StockSync::new(app.store.clone(), Connectors::new(patience()))
}

/// Channel `code`, a Shopify shop shipping from `ship_from`, connected to `fake`'s
/// location `location_id` with `buffer` and `max`.
pub async fn shopify_channel(
    app: &TestApp,
    code: &str,
    ship_from: &[&str],
    fake: &FakeShopify,
    location_id: u64,
    buffer: StockBuffer,
    max: Option<i64>,
) {
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": code, "name": code, "kind": "shopify", "ship_from": ship_from, "shortage_policy": "reject"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let input: ConnectionInput = serde_json::from_value(json!({
        "base_url": fake.base_url(),
        "credentials": {"access_token": TOKEN, "webhook_secret": "hush"},
        "options": {"location_id": location_id.to_string()},
        "stock_buffer": buffer,
        "max_offered": max,
    }))
    .unwrap();
    app.store.save_connection(code, &input).await.unwrap();
}

/// Maps `sku` on channel `code` to a variant and inventory item of the shop.
pub async fn list(app: &TestApp, code: &str, sku: &str, item: u64, buffer: Option<Value>) {
    let mut body = json!({"listing_id": (item + 1_000_000).to_string(), "item_id": item.to_string()});
    if let Some(buffer) = buffer {
        body["buffer"] = buffer;
    }
    let r = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/channels/{code}/listings/{sku}"),
            Some(&app.admin),
            Some(&body),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["sku"], sku);
    assert_eq!(r.body["item_id"], item.to_string());
}

/// The figures the shop was set, per inventory item, in order.
fn sets(fake: &FakeShopify, location: u64) -> BTreeMap<u64, Vec<i64>> {
    let mut out: BTreeMap<u64, Vec<i64>> = BTreeMap::new();
    for set in fake.stock_sets() {
        assert_eq!(set.location_id, location, "set at the connection's location");
        out.entry(set.inventory_item_id).or_default().push(set.available);
    }
    out
}

const LOCATION: u64 = 655_441_491;
const TEE: u64 = 808_950_810;
const MUG: u64 = 808_950_811;

/// LON and MCR; `web` (orders through the API) ships from LON; the Shopify channel
/// `shop` ships from LON and MCR, keeps 1 unit back and offers at most 20; TEE and MUG.
async fn setup(app: &TestApp) -> FakeShopify {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    app.channel("web", &["LON"], "reject").await;
    app.product("TEE", 1800).await;
    app.product("MUG", 1200).await;
    let fake = FakeShopify::start(TOKEN, LOCATION).await.unwrap();
    fake.add_listing("TEE", TEE + 1_000_000, TEE);
    fake.add_listing("MUG", MUG + 1_000_000, MUG);
    shopify_channel(
        app,
        "shop",
        &["LON", "MCR"],
        &fake,
        LOCATION,
        StockBuffer::Units(1),
        Some(20),
    )
    .await;
    fake
}

async fn round(worker: &StockSync) -> Round {
    worker.run_once().await.unwrap()
}

async fn sales_and_stock_on_any_channel_reach_the_shop(app: &TestApp) {
    let fake = setup(app).await;
    let sync = worker(app);
    app.receive("TEE", "LON", 10).await;
    app.receive("TEE", "MCR", 2).await;
    list(app, "shop", "TEE", TEE, None).await;
    round(&sync).await;
    assert_eq!(fake.level(TEE), Some(11), "12 at LON and MCR, less the buffer of 1");

    // A placement on another channel.
    let r = app.post("/api/v1/orders", order("web", "W-1", &[("TEE", 3)])).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(round(&sync).await.pushed, 1);
    assert_eq!(fake.level(TEE), Some(8));

    // Its cancellation gives the stock back.
    let r = app.post(&format!("/api/v1/orders/{id}/cancel"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    round(&sync).await;
    assert_eq!(fake.level(TEE), Some(11));

    // An adjustment and a receipt.
    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "MCR", "quantity": -2, "reason": "damaged"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    round(&sync).await;
    assert_eq!(fake.level(TEE), Some(9));
    app.receive("TEE", "LON", 50).await;
    round(&sync).await;
    assert_eq!(fake.level(TEE), Some(20), "59 capped at the channel's maximum");

    // A SKU's own buffer replaces the connection's: 60 less 25 %.
    app.receive("MUG", "MCR", 60).await;
    list(app, "shop", "MUG", MUG, Some(json!({"percent": 25}))).await;
    round(&sync).await;
    assert_eq!(fake.level(MUG), Some(20), "45, capped");

    assert_eq!(
        sets(&fake, LOCATION)[&TEE],
        [11, 8, 11, 9, 20],
        "one push per change, in order"
    );
    let r = app.get("/api/v1/channels/shop/stock").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let tee = &r.body["data"][1];
    assert_eq!(tee["sku"], "TEE");
    assert_eq!((tee["offered"].as_i64(), tee["pushed"].as_i64()), (Some(20), Some(20)));
    assert_eq!((tee["due"].as_bool(), tee["tries"].as_i64()), (Some(false), Some(0)));
}

async fn many_changes_before_a_round_are_one_push_of_the_latest_figure(app: &TestApp) {
    let fake = setup(app).await;
    let sync = worker(app);
    list(app, "shop", "TEE", TEE, None).await;
    round(&sync).await;
    for i in 1..=20 {
        app.receive("TEE", if i % 2 == 0 { "LON" } else { "MCR" }, 1).await;
    }
    let done = round(&sync).await;
    assert_eq!((done.changed, done.pushed), (1, 1));
    assert_eq!(
        sets(&fake, LOCATION)[&TEE],
        [0, 19],
        "20 received less the buffer, in one push"
    );
    assert_eq!(round(&sync).await, Round::default(), "nothing more to do");
}

async fn a_failed_push_stays_due_and_is_retried_after_its_pause(app: &TestApp) {
    let fake = setup(app).await;
    let sync = worker(app);
    app.receive("TEE", "LON", 5).await;
    list(app, "shop", "TEE", TEE, None).await;
    fake.fail_next(2, 500);
    let failed = round(&sync).await;
    assert_eq!((failed.pushed, failed.failed), (0, 1));
    assert_eq!(fake.level(TEE), Some(0), "the shop has nothing yet");
    let r = app.get("/api/v1/channels/shop/stock").await;
    let tee = &r.body["data"][0];
    assert_eq!((tee["due"].as_bool(), tee["tries"].as_i64()), (Some(true), Some(1)));
    assert!(tee["last_error"].as_str().unwrap().contains("500"), "{tee}");
    assert!(!tee.to_string().contains(TOKEN), "no credential in what is shown");
    assert_eq!(round(&sync).await, Round::default(), "not before its retry time");
    app.clock.advance(SignedDuration::from_secs(7));
    assert_eq!(round(&sync).await.pushed, 1);
    assert_eq!(fake.level(TEE), Some(4));
    let r = app.get("/api/v1/channels/shop/stock").await;
    assert_eq!(r.body["data"][0]["due"], false);
    assert_eq!(r.body["data"][0]["last_error"], Value::Null);
}

async fn the_listing_map_is_imported_and_drift_and_resync_are_answered(app: &TestApp) {
    let fake = setup(app).await;
    fake.add_listing("NOT-OURS", 77, 78);
    let sync = worker(app);
    app.receive("TEE", "LON", 6).await;
    let r = app.post("/api/v1/channels/shop/listings/import", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["imported"], 2);
    assert_eq!(r.body["unknown_skus"], json!(["NOT-OURS"]));
    let r = app.get("/api/v1/channels/shop/listings?limit=1").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"][0]["sku"], "MUG");
    assert_eq!(r.body["data"][0]["listing_id"], (MUG + 1_000_000).to_string());
    assert_eq!(r.body["data"][0]["item_id"], MUG.to_string());
    let next = r.body["next_cursor"].as_str().unwrap();
    let r = app
        .get(&format!("/api/v1/channels/shop/listings?limit=1&cursor={next}"))
        .await;
    assert_eq!(
        (r.body["data"][0]["sku"].as_str(), r.body["data"][0]["offered"].as_i64()),
        (Some("TEE"), Some(5))
    );

    // Before the first push the shop shows 0 of TEE, which we offer 5 of.
    let r = app.get("/api/v1/channels/shop/drift").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["checked"].as_i64(), r.body["differing"].as_i64()),
        (Some(2), Some(1))
    );
    let line = &r.body["data"][0];
    assert_eq!(
        (line["sku"].as_str(), line["ours"].as_i64(), line["theirs"].as_i64()),
        (Some("TEE"), Some(5), Some(0))
    );
    assert_eq!(line["difference"], -5);
    round(&sync).await;
    let r = app.get("/api/v1/channels/shop/drift").await;
    assert_eq!(r.body["data"], json!([]), "the shop agrees now");
    let r = app.get("/api/v1/channels/shop/drift?all=true").await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 2);

    let r = app.post("/api/v1/channels/shop/resync", json!({})).await;
    assert_eq!((r.status, r.body["due"].as_i64()), (202, Some(2)), "{}", r.body);
    assert_eq!(round(&sync).await.pushed, 2);
    assert_eq!(sets(&fake, LOCATION)[&TEE], [5, 5], "pushed again, unchanged");

    let r = app
        .send(
            reqwest::Method::DELETE,
            "/api/v1/channels/shop/listings/TEE",
            Some(&app.admin),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.receive("TEE", "LON", 1).await;
    assert_eq!(round(&sync).await.pushed, 0, "an unmapped SKU is not pushed");
    app.get("/api/v1/channels/shop/listings/TEE")
        .await
        .problem(404, "not_found");
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/channels/shop/listings/GHOST",
            Some(&app.admin),
            Some(&json!({"listing_id": "1"})),
            &[],
        )
        .await;
    assert_eq!(r.invalid_fields(), ["/sku"]);
}

both!(
    sales_and_stock_on_any_channel_reach_the_shop,
    many_changes_before_a_round_are_one_push_of_the_latest_figure,
    a_failed_push_stays_due_and_is_retried_after_its_pause,
    the_listing_map_is_imported_and_drift_and_resync_are_answered,
);
