//! The stock-sync engine against a real SQLite file: figures worked out from the
//! ledger's marks with the formula, coalesced, pushed under a lease with the figure of
//! the claim, retried on the delivery schedule, forced by a resync; the listing map's
//! changes and a connection's change work the figures out again.

use std::sync::Arc;

use jiff::SignedDuration;
use serde_json::json;
use switchyard_core::catalog::{ChannelInput, ComponentInput, LocationInput, ProductInput};
use switchyard_core::connector::{ConnectionInput, ListingDraft, ListingInput, StockBuffer};
use switchyard_core::inventory::{Quantity, StockCommand};
use switchyard_core::{Clock, ManualClock};

use super::{ChannelPushes, PushOutcome};
use crate::inventory::MovementContext;
use crate::testing::TempDb;
use crate::{PageRequest, Store, StoreError};

struct Db {
    store: Store,
    clock: Arc<ManualClock>,
    temp: TempDb,
}

fn connection(buffer: StockBuffer, max: Option<i64>, push: bool) -> ConnectionInput {
    serde_json::from_value(json!({
        "base_url": "https://shop.example.com",
        "credentials": {"access_token": "shpat_test", "webhook_secret": "hush"},
        "options": {"location_id": "655441491"},
        "pushes": {"stock": push},
        "stock_buffer": buffer,
        "max_offered": max,
    }))
    .unwrap()
}

fn listing(sku: &str, buffer: Option<StockBuffer>) -> ListingDraft {
    ListingInput {
        sku: Some(sku.into()),
        listing_id: Some(format!("listing-{sku}")),
        item_id: Some(format!("item-{sku}")),
        buffer,
    }
    .parse(None)
    .unwrap()
}

impl Db {
    /// LON and MCR; channel `shop` (Shopify) ships from LON only, with a connection
    /// that pushes stock; TEE, MUG and CAP; the kit BUNDLE of a TEE and a MUG.
    async fn open() -> Db {
        let clock = Arc::new(ManualClock::new("2026-11-17T10:00:00Z".parse().unwrap()));
        let temp = TempDb::open(clock.clone()).await;
        let store = temp.store.clone();
        for code in ["LON", "MCR"] {
            let location: LocationInput = serde_json::from_value(json!({
                "code": code, "name": code, "kind": "warehouse",
                "address": {"name": "Goods Ltd", "line1": "1 Dock Road", "city": "London", "postal_code": "E16 2QU", "country": "GB"}
            }))
            .unwrap();
            store.create_location(&location.parse().unwrap()).await.unwrap();
        }
        let channel: ChannelInput =
            serde_json::from_value(json!({"code": "shop", "name": "Shop", "kind": "shopify", "ship_from": ["LON"]}))
                .unwrap();
        store.create_channel(&channel.parse().unwrap()).await.unwrap();
        for sku in ["TEE", "MUG", "CAP", "BUNDLE"] {
            let product: ProductInput = serde_json::from_value(json!({"sku": sku, "title": sku})).unwrap();
            store.create_product(&product.parse().unwrap()).await.unwrap();
        }
        let parts: Vec<ComponentInput> =
            serde_json::from_value(json!([{"sku": "TEE", "quantity": 1}, {"sku": "MUG", "quantity": 1}])).unwrap();
        store.set_components("BUNDLE", &parts).await.unwrap();
        store
            .save_connection("shop", &connection(StockBuffer::Units(0), None, true))
            .await
            .unwrap();
        Db { store, clock, temp }
    }

    async fn mv(&self, sku: &str, location: &str, command: StockCommand) {
        let ctx = MovementContext {
            actor: "test".into(),
            ..Default::default()
        };
        self.store.move_stock(sku, location, command, &ctx).await.unwrap();
    }

    async fn receive(&self, sku: &str, location: &str, n: i64) {
        self.mv(sku, location, StockCommand::Receive(Quantity::new(n).unwrap()))
            .await;
    }

    /// Claims what is due: (sku, figure, version) of each push, and the claims.
    async fn claim(&self) -> (Vec<(String, i64, i64)>, Vec<ChannelPushes>) {
        let claims = self.store.claim_stock_pushes(100).await.unwrap();
        let items = claims
            .iter()
            .flat_map(|c| c.items.iter().map(|i| (i.sku.clone(), i.offered, i.version)))
            .collect();
        (items, claims)
    }

    async fn record(&self, claims: Vec<ChannelPushes>, outcome: PushOutcome) {
        let results: Vec<_> = claims
            .into_iter()
            .map(|c| {
                let outcomes = vec![outcome.clone(); c.items.len()];
                (c, outcomes, 0.5)
            })
            .collect();
        self.store.record_stock_pushes(&results).await.unwrap();
    }

    /// Refreshes, claims and records every claim pushed: what was pushed.
    async fn round(&self) -> Vec<(String, i64, i64)> {
        self.store.refresh_offers(500).await.unwrap();
        let (items, claims) = self.claim().await;
        self.record(claims, PushOutcome::Pushed).await;
        items
    }

    async fn status(&self, sku: &str) -> super::StockStatus {
        let page = self.store.channel_stock("shop", &PageRequest::default()).await.unwrap();
        page.data.into_iter().find(|s| s.sku == sku).unwrap()
    }
}

fn pushed(items: &[(&str, i64, i64)]) -> Vec<(String, i64, i64)> {
    items.iter().map(|(s, o, v)| (s.to_string(), *o, *v)).collect()
}

#[tokio::test]
async fn a_new_listing_is_pushed_what_the_channels_locations_have() {
    let db = Db::open().await;
    db.receive("TEE", "LON", 7).await;
    db.receive("TEE", "MCR", 100).await;
    db.store.put_listing("shop", &listing("TEE", None)).await.unwrap();
    let view = db.store.listing("shop", "TEE").await.unwrap();
    assert_eq!(view.offered, Some(7), "only LON ships for the channel");
    assert_eq!(
        (view.listing_id.as_str(), view.item_id.as_deref()),
        ("listing-TEE", Some("item-TEE"))
    );
    let (items, claims) = db.claim().await;
    assert_eq!(items, pushed(&[("TEE", 7, 1)]));
    assert_eq!(claims[0].channel, "shop");
    assert_eq!(claims[0].items[0].listing_id, "listing-TEE");
    assert!(db.claim().await.0.is_empty(), "leased: not claimed twice");
    db.record(claims, PushOutcome::Pushed).await;
    let status = db.status("TEE").await;
    assert_eq!((status.offered, status.pushed, status.due), (7, Some(7), false));
    assert_eq!(status.pushed_at, Some(db.clock.now()));
    db.temp.close().await;
}

#[tokio::test]
async fn many_changes_between_rounds_are_one_push_of_the_latest_figure() {
    let db = Db::open().await;
    db.store.put_listing("shop", &listing("TEE", None)).await.unwrap();
    assert_eq!(db.round().await, pushed(&[("TEE", 0, 1)]));
    for _ in 0..20 {
        db.receive("TEE", "LON", 1).await;
    }
    db.mv("TEE", "LON", StockCommand::Reserve(Quantity::new(3).unwrap()))
        .await;
    assert_eq!(db.round().await, pushed(&[("TEE", 17, 2)]));
    assert_eq!(db.round().await, vec![], "nothing changed since");
    // A change at a location the channel does not ship from changes nothing.
    db.receive("TEE", "MCR", 5).await;
    assert_eq!(db.round().await, vec![]);
    db.temp.close().await;
}

#[tokio::test]
async fn the_listings_buffer_overrides_the_connections_and_the_maximum_caps() {
    let db = Db::open().await;
    db.store
        .save_connection("shop", &connection(StockBuffer::Units(2), Some(30), true))
        .await
        .unwrap();
    db.receive("TEE", "LON", 50).await;
    db.receive("MUG", "LON", 10).await;
    db.receive("CAP", "LON", 10).await;
    db.store.put_listing("shop", &listing("TEE", None)).await.unwrap();
    db.store
        .put_listing("shop", &listing("MUG", Some(StockBuffer::Percent(25))))
        .await
        .unwrap();
    db.store.put_listing("shop", &listing("CAP", None)).await.unwrap();
    let mut got = db.round().await;
    got.sort();
    // CAP 10 - 2; MUG 10 - ceil(2.5); TEE 50 - 2 capped at 30.
    assert_eq!(got, pushed(&[("CAP", 8, 1), ("MUG", 7, 1), ("TEE", 30, 1)]));
    // A new connection buffer works the figures out again at once.
    db.store
        .save_connection("shop", &connection(StockBuffer::Units(5), None, true))
        .await
        .unwrap();
    let mut got = db.round().await;
    got.sort();
    assert_eq!(
        got,
        pushed(&[("CAP", 5, 2), ("TEE", 45, 2)]),
        "MUG keeps its own buffer"
    );
    db.temp.close().await;
}

#[tokio::test]
async fn a_failed_push_comes_back_on_the_delivery_schedule() {
    let db = Db::open().await;
    db.receive("TEE", "LON", 4).await;
    db.store.put_listing("shop", &listing("TEE", None)).await.unwrap();
    let (_, claims) = db.claim().await;
    let failed = PushOutcome::Failed {
        permanent: false,
        error: "the channel is unavailable: 500".into(),
    };
    db.record(claims, failed).await;
    let status = db.status("TEE").await;
    assert_eq!((status.due, status.tries, status.pushed), (true, 1, None));
    assert_eq!(status.last_error.as_deref(), Some("the channel is unavailable: 500"));
    assert_eq!(status.next_try_at, Some(db.clock.now() + SignedDuration::from_secs(5)));
    assert!(db.claim().await.0.is_empty(), "not before its retry time");
    // A change meanwhile waits for the retry too: a channel that is down is not
    // called with every change.
    db.receive("TEE", "LON", 1).await;
    db.store.refresh_offers(500).await.unwrap();
    assert!(db.claim().await.0.is_empty());
    db.clock.advance(SignedDuration::from_secs(6));
    assert_eq!(db.round().await, pushed(&[("TEE", 5, 2)]), "the latest figure");
    let status = db.status("TEE").await;
    assert_eq!((status.tries, status.last_error, status.due), (0, None, false));
    db.temp.close().await;
}

#[tokio::test]
async fn a_permanent_refusal_is_still_retried_at_the_longest_pause() {
    let db = Db::open().await;
    db.store.put_listing("shop", &listing("TEE", None)).await.unwrap();
    let (_, claims) = db.claim().await;
    let refused = PushOutcome::Failed {
        permanent: true,
        error: "the channel refused the request (404): Not Found".into(),
    };
    db.record(claims, refused).await;
    let status = db.status("TEE").await;
    assert_eq!(
        status.next_try_at,
        Some(db.clock.now() + SignedDuration::from_hours(10))
    );
    db.clock.advance(SignedDuration::from_hours(10));
    assert_eq!(db.claim().await.0, pushed(&[("TEE", 0, 1)]));
    db.temp.close().await;
}

#[tokio::test]
async fn a_push_records_the_version_it_claimed_and_a_newer_one_stays_due() {
    let db = Db::open().await;
    db.receive("TEE", "LON", 4).await;
    db.store.put_listing("shop", &listing("TEE", None)).await.unwrap();
    let (items, claims) = db.claim().await;
    assert_eq!(items, pushed(&[("TEE", 4, 1)]));
    // Sold while the push is on its way.
    db.mv("TEE", "LON", StockCommand::Reserve(Quantity::new(1).unwrap()))
        .await;
    db.store.refresh_offers(500).await.unwrap();
    assert!(db.claim().await.0.is_empty(), "still leased");
    db.record(claims, PushOutcome::Pushed).await;
    let status = db.status("TEE").await;
    assert_eq!((status.offered, status.pushed, status.due), (3, Some(4), true));
    assert_eq!(db.round().await, pushed(&[("TEE", 3, 2)]));
    db.temp.close().await;
}

#[tokio::test]
async fn an_outcome_is_recorded_only_under_its_lease() {
    let db = Db::open().await;
    db.store.put_listing("shop", &listing("TEE", None)).await.unwrap();
    let (_, mut stale) = db.claim().await;
    // The worker stalls past its lease; another claims the push.
    db.clock.advance(SignedDuration::from_secs(61));
    let (items, claims) = db.claim().await;
    assert_eq!(items, pushed(&[("TEE", 0, 1)]));
    stale[0].items[0].offered = 99;
    db.record(stale, PushOutcome::Pushed).await;
    assert_eq!(db.status("TEE").await.pushed, None, "the stale lease recorded nothing");
    db.record(claims, PushOutcome::Pushed).await;
    assert_eq!(db.status("TEE").await.pushed, Some(0));
    db.temp.close().await;
}

#[tokio::test]
async fn a_resync_pushes_every_listing_again() {
    let db = Db::open().await;
    db.receive("TEE", "LON", 2).await;
    db.store.put_listing("shop", &listing("TEE", None)).await.unwrap();
    db.store.put_listing("shop", &listing("MUG", None)).await.unwrap();
    assert_eq!(db.round().await.len(), 2);
    assert_eq!(db.store.resync("shop").await.unwrap(), 2);
    let mut got = db.round().await;
    got.sort();
    assert_eq!(got, pushed(&[("MUG", 0, 2), ("TEE", 2, 2)]));
    db.store
        .save_connection("shop", &connection(StockBuffer::Units(0), None, false))
        .await
        .unwrap();
    let off = db.store.resync("shop").await.unwrap_err();
    assert!(
        matches!(
            off,
            StoreError::Conflict {
                code: "stock_pushes_off",
                ..
            }
        ),
        "{off:?}"
    );
    db.temp.close().await;
}

#[tokio::test]
async fn nothing_is_pushed_while_pushes_are_off_and_all_is_when_they_come_on() {
    let db = Db::open().await;
    db.store.put_listing("shop", &listing("TEE", None)).await.unwrap();
    db.store
        .save_connection("shop", &connection(StockBuffer::Units(0), None, false))
        .await
        .unwrap();
    db.receive("TEE", "LON", 3).await;
    assert_eq!(db.round().await, vec![]);
    db.store
        .save_connection("shop", &connection(StockBuffer::Units(0), None, true))
        .await
        .unwrap();
    assert_eq!(db.round().await, pushed(&[("TEE", 3, 2)]));
    db.temp.close().await;
}

#[tokio::test]
async fn the_listing_map_is_imported_keeping_buffers_and_reporting_unknown_skus() {
    let db = Db::open().await;
    db.receive("TEE", "LON", 10).await;
    db.store
        .put_listing("shop", &listing("TEE", Some(StockBuffer::Units(4))))
        .await
        .unwrap();
    let from_channel = vec![
        ListingDraft {
            listing_id: "new-listing".into(),
            ..listing("TEE", None)
        },
        listing("MUG", None),
        listing("GHOST", None),
        listing("BUNDLE", None),
    ];
    let report = db.store.import_listings("shop", &from_channel).await.unwrap();
    assert_eq!((report.imported, report.unchanged), (2, 0));
    assert_eq!(
        report.unknown_skus,
        ["BUNDLE", "GHOST"],
        "kits hold no stock of their own"
    );
    let tee = db.store.listing("shop", "TEE").await.unwrap();
    assert_eq!(tee.listing_id, "new-listing");
    assert_eq!(tee.buffer, Some(StockBuffer::Units(4)), "the buffer set here is kept");
    assert_eq!(tee.offered, Some(6));
    let again = db.store.import_listings("shop", &from_channel).await.unwrap();
    assert_eq!((again.imported, again.unchanged), (0, 2));
    let page = db
        .store
        .list_listings(
            "shop",
            &PageRequest {
                cursor: None,
                limit: Some(1),
            },
        )
        .await
        .unwrap();
    assert_eq!(page.data[0].sku, "MUG");
    let next = PageRequest {
        cursor: page.next_cursor,
        limit: Some(1),
    };
    let page = db.store.list_listings("shop", &next).await.unwrap();
    assert_eq!((page.data[0].sku.as_str(), page.next_cursor), ("TEE", None));
    db.temp.close().await;
}

#[tokio::test]
async fn a_kit_or_an_unknown_sku_cannot_be_listed_and_a_deleted_listing_is_not_pushed() {
    let db = Db::open().await;
    for sku in ["BUNDLE", "GHOST"] {
        match db.store.put_listing("shop", &listing(sku, None)).await.unwrap_err() {
            StoreError::Invalid(errors) => assert_eq!(errors[0].field, "/sku", "{sku}"),
            other => panic!("{sku}: {other:?}"),
        }
    }
    db.store.put_listing("shop", &listing("TEE", None)).await.unwrap();
    db.store.delete_listing("shop", "TEE").await.unwrap();
    assert_eq!(db.round().await, vec![]);
    assert!(matches!(
        db.store.delete_listing("shop", "TEE").await,
        Err(StoreError::NotFound { .. })
    ));
    let page = db.store.channel_stock("shop", &PageRequest::default()).await.unwrap();
    assert!(page.data.is_empty());
    db.temp.close().await;
}

#[tokio::test]
async fn the_offers_are_worked_out_fresh_for_the_drift_report() {
    let db = Db::open().await;
    db.store
        .put_listing("shop", &listing("TEE", Some(StockBuffer::Units(1))))
        .await
        .unwrap();
    db.receive("TEE", "LON", 9).await;
    // Not yet refreshed: the report still works the figure out from the balances.
    let offers = db.store.channel_offers("shop").await.unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(
        (offers[0].sku.as_str(), offers[0].listing_id.as_str(), offers[0].offered),
        ("TEE", "listing-TEE", Some(8))
    );
    db.temp.close().await;
}

#[tokio::test]
async fn a_channels_new_ship_from_locations_change_its_figures() {
    let db = Db::open().await;
    db.receive("TEE", "MCR", 6).await;
    db.store.put_listing("shop", &listing("TEE", None)).await.unwrap();
    assert_eq!(db.round().await, pushed(&[("TEE", 0, 1)]));
    let patch: ChannelInput = serde_json::from_value(json!({"ship_from": ["LON", "MCR"]})).unwrap();
    db.store.update_channel("shop", &patch).await.unwrap();
    assert_eq!(db.round().await, pushed(&[("TEE", 6, 2)]));
    db.temp.close().await;
}

#[tokio::test]
async fn a_mark_made_again_never_carries_the_version_an_earlier_sweep_read() {
    let db = Db::open().await;
    let mark = || async {
        crate::db::query_scalar::<i64>(
            "SELECT c.version FROM stock_change c JOIN product p ON p.id = c.product_id WHERE p.sku = 'TEE'",
        )
        .fetch_optional(db.store.pool())
        .await
        .unwrap()
    };
    db.receive("TEE", "LON", 1).await;
    // A sweep reads the mark; another takes it first and deletes it; a writer marks
    // the balance again.
    let read = mark().await.unwrap();
    db.store.refresh_offers(500).await.unwrap();
    assert_eq!(mark().await, None);
    db.receive("TEE", "LON", 1).await;
    // The slow sweep now deletes at the version it read: the new mark, whose change
    // it never saw, stays for the next sweep.
    crate::db::query("DELETE FROM stock_change WHERE version = $1")
        .bind(read)
        .execute(db.store.pool())
        .await
        .unwrap();
    assert!(mark().await.is_some(), "the new change is still marked");
    db.temp.close().await;
}
