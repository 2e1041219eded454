//! The property: a burst of 1,000 stock changes (adjustments, placements,
//! cancellations) across 50 SKUs, made while two stock-sync workers (two instances, as
//! far as the database goes) run rounds, on two Shopify shops with different
//! locations, buffers and caps. Afterwards each shop's figure of every SKU is the
//! formula's, and per SKU every push carried the truth of some moment, those moments
//! in order: an older figure never followed a newer one.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::json;
use switchyard_channels::fake::shopify::FakeShopify;
use switchyard_core::connector::{StockBuffer, offered};
use switchyard_core::inventory::{AdjustmentReason, StockCommand};
use switchyard_core::order::OrderInput;
use switchyard_server::channels::stock::Round;
use switchyard_store::Store;
use switchyard_store::inventory::MovementContext;

use super::{list, shopify_channel, worker};
use crate::both;
use crate::helpers::*;

const SKUS: usize = 50;
const CHANGES: usize = 1_000;
const WRITERS: usize = 5;
const A_LOCATION: u64 = 11;
const B_LOCATION: u64 = 22;

/// Shop A ships from LON and MCR and keeps 2 units back; shop B ships from LON only,
/// keeps 10 % back and offers at most 15.
fn truth_a(sku: &Sku) -> i64 {
    offered(
        sku.on_hand_lon - sku.reserved_lon + sku.on_hand_mcr,
        StockBuffer::Units(2),
        None,
    )
}

fn truth_b(sku: &Sku) -> i64 {
    offered(sku.on_hand_lon - sku.reserved_lon, StockBuffer::Percent(10), Some(15))
}

fn code(i: usize) -> String {
    format!("P{i:02}")
}

fn item_a(i: usize) -> u64 {
    500_000 + i as u64
}

fn item_b(i: usize) -> u64 {
    600_000 + i as u64
}

/// One SKU as the test knows it, with the truth after each change for each shop.
#[derive(Debug, Default)]
struct Sku {
    on_hand_lon: i64,
    reserved_lon: i64,
    on_hand_mcr: i64,
    /// Open orders of it on `web`: (order id, quantity).
    orders: Vec<(String, i64)>,
    timeline_a: Vec<i64>,
    timeline_b: Vec<i64>,
}

impl Sku {
    fn record(&mut self) {
        self.timeline_a.push(truth_a(self));
        self.timeline_b.push(truth_b(self));
    }
}

/// A small deterministic generator, one per writer.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Makes `count` changes to the SKUs `mine` (one at a time, so each SKU's changes and
/// its timeline are in one order), keeping the truth after each.
async fn write(store: Store, mine: Vec<usize>, count: usize, seed: u64) -> BTreeMap<usize, Sku> {
    let mut skus: BTreeMap<usize, Sku> = mine.iter().map(|i| (*i, Sku::default())).collect();
    let mut rng = Lcg(seed);
    let ctx = MovementContext {
        actor: "test".into(),
        ..Default::default()
    };
    for i in &mine {
        let sku = skus.get_mut(i).unwrap();
        sku.on_hand_lon = 20;
        sku.on_hand_mcr = 10;
        sku.record();
    }
    let mut made = 0;
    let mut orders = 0;
    while made < count {
        let i = mine[rng.below(mine.len() as u64) as usize];
        let sku = skus.get_mut(&i).unwrap();
        let k = 1 + rng.below(4) as i64;
        let at_lon = rng.below(2) == 0;
        match rng.below(5) {
            0 | 1 => {
                let (location, reason) = (if at_lon { "LON" } else { "MCR" }, AdjustmentReason::Found);
                store
                    .move_stock(&code(i), location, StockCommand::Adjust(k, reason), &ctx)
                    .await
                    .unwrap();
                if at_lon {
                    sku.on_hand_lon += k;
                } else {
                    sku.on_hand_mcr += k;
                }
            }
            2 => {
                let lon_free = sku.on_hand_lon - sku.reserved_lon >= k;
                if at_lon && lon_free {
                    let cmd = StockCommand::Adjust(-k, AdjustmentReason::Damaged);
                    store.move_stock(&code(i), "LON", cmd, &ctx).await.unwrap();
                    sku.on_hand_lon -= k;
                } else if !at_lon && sku.on_hand_mcr >= k {
                    let cmd = StockCommand::Adjust(-k, AdjustmentReason::Damaged);
                    store.move_stock(&code(i), "MCR", cmd, &ctx).await.unwrap();
                    sku.on_hand_mcr -= k;
                } else {
                    continue;
                }
            }
            3 => {
                if sku.on_hand_lon - sku.reserved_lon < k {
                    continue;
                }
                orders += 1;
                let body = order("web", &format!("W-{seed}-{orders}"), &[(&code(i), k)]);
                let input: OrderInput = serde_json::from_value(body).unwrap();
                let placed = store.place_order(&input.parse().unwrap(), "test").await.unwrap();
                sku.orders.push((placed.order.summary.id.to_string(), k));
                sku.reserved_lon += k;
            }
            _ => {
                if sku.orders.is_empty() {
                    continue;
                }
                let (id, k) = sku.orders.swap_remove(rng.below(sku.orders.len() as u64) as usize);
                store.cancel_order(&id, None, "test").await.unwrap();
                sku.reserved_lon -= k;
            }
        }
        sku.record();
        made += 1;
    }
    skus
}

/// Whether `pushed` can be matched, in order, to moments of `timeline` that never go
/// back: each push is the truth at a moment no earlier than the last push's. (Taking
/// the earliest moment that fits each push is never worse than a later one.)
fn in_order(pushed: &[i64], timeline: &[i64]) -> bool {
    let mut at = 0;
    pushed
        .iter()
        .all(|figure| match timeline[at..].iter().position(|t| t == figure) {
            Some(offset) => {
                at += offset;
                true
            }
            None => false,
        })
}

async fn a_burst_of_changes_ends_with_every_shop_showing_the_formula_and_no_push_went_back(app: &TestApp) {
    app.location("LON", "GB", 10).await;
    app.location("MCR", "GB", 20).await;
    app.channel("web", &["LON"], "reject").await;
    let shop_a = FakeShopify::start(super::TOKEN, A_LOCATION).await.unwrap();
    let shop_b = FakeShopify::start(super::TOKEN, B_LOCATION).await.unwrap();
    shopify_channel(
        app,
        "shop-a",
        &["LON", "MCR"],
        &shop_a,
        A_LOCATION,
        StockBuffer::Units(2),
        None,
    )
    .await;
    shopify_channel(
        app,
        "shop-b",
        &["LON"],
        &shop_b,
        B_LOCATION,
        StockBuffer::Percent(10),
        Some(15),
    )
    .await;
    for i in 0..SKUS {
        app.product(&code(i), 1000).await;
        app.receive(&code(i), "LON", 20).await;
        app.receive(&code(i), "MCR", 10).await;
        shop_a.add_listing(&code(i), item_a(i) + 1_000_000, item_a(i));
        shop_b.add_listing(&code(i), item_b(i) + 1_000_000, item_b(i));
        list(app, "shop-a", &code(i), item_a(i), None).await;
        list(app, "shop-b", &code(i), item_b(i), None).await;
    }

    // Two workers run rounds while the changes are made.
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..2 {
        let (sync, stop, rounds) = (worker(app), stop.clone(), rounds.clone());
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                // A round that fails (contention outlasting the store's retries on a
                // loaded machine) is left, as `StockSync::run` leaves it: the next
                // round picks up what it did not finish.
                if sync.run_once().await.is_ok() {
                    rounds.fetch_add(1, Ordering::SeqCst);
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let mine: Vec<usize> = (0..SKUS).filter(|i| i % WRITERS == w).collect();
        writers.push(tokio::spawn(write(
            app.store.clone(),
            mine,
            CHANGES / WRITERS,
            7 + w as u64,
        )));
    }
    let mut skus = BTreeMap::new();
    for writer in writers {
        skus.extend(writer.await.unwrap());
    }
    let during = rounds.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.await.unwrap();
    }
    assert!(during > 2, "the workers ran rounds during the burst ({during})");
    let sync = worker(app);
    for _ in 0..1_000 {
        if matches!(sync.run_once().await, Ok(round) if round == Round::default()) {
            break;
        }
    }

    let (sets_a, sets_b) = (shop_a.stock_sets(), shop_b.stock_sets());
    assert!(
        sets_a.len() < CHANGES + SKUS,
        "changes were coalesced: {} pushes",
        sets_a.len()
    );
    for (i, sku) in &skus {
        for (shop, sets, item, timeline) in [
            (&shop_a, &sets_a, item_a(*i), &sku.timeline_a),
            (&shop_b, &sets_b, item_b(*i), &sku.timeline_b),
        ] {
            let last = *timeline.last().unwrap();
            assert_eq!(
                shop.level(item),
                Some(last),
                "{}: the final figure is the formula's",
                code(*i)
            );
            let pushed: Vec<i64> = sets
                .iter()
                .filter(|s| s.inventory_item_id == item)
                .map(|s| s.available)
                .collect();
            assert!(
                in_order(&pushed, timeline),
                "{}: pushes {pushed:?} are not the truth of moments in order {timeline:?}",
                code(*i)
            );
        }
    }
    app.assert_books_balance().await;
    let r = app.get("/api/v1/channels/shop-b/stock?limit=500").await;
    assert!(
        r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["due"] == json!(false))
    );
}

#[test]
fn the_order_check_fails_for_a_push_that_goes_back() {
    assert!(in_order(&[5, 3, 3, 7], &[5, 4, 3, 7, 3]));
    assert!(!in_order(&[3, 5], &[5, 4, 3]), "5 is older than 3");
    assert!(!in_order(&[9], &[5, 4, 3]), "never the truth");
}

both!(a_burst_of_changes_ends_with_every_shop_showing_the_formula_and_no_push_went_back);
