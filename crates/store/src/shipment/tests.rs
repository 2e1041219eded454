//! The checks order cancellation needs (`refuse_lines_in_progress`,
//! `withdraw_unstarted_shipments`), used as cancellation will use them, against a real
//! SQLite file: the books stay balanced and started shipments are left alone.

use std::sync::Arc;

use serde_json::{Value, json};
use switchyard_core::ManualClock;
use switchyard_core::catalog::{ChannelInput, LocationInput, ProductInput};
use switchyard_core::id::{LineId, OrderId};
use switchyard_core::inventory::{Quantity, StockCommand};
use switchyard_core::order::OrderInput;
use switchyard_core::shipment::ShipmentStatus;
use switchyard_core::shipment::input::{PackInput, ReleaseInput};

use super::link::{refuse_lines_in_progress, withdraw_unstarted_shipments};
use crate::inventory::MovementContext;
use crate::testing::TempDb;
use crate::{Store, StoreError};

struct Db {
    store: Store,
    temp: TempDb,
}

impl Db {
    async fn open() -> Db {
        let clock = Arc::new(ManualClock::new("2026-11-17T10:00:00Z".parse().unwrap()));
        let temp = TempDb::open(clock).await;
        let store = temp.store.clone();
        let location: LocationInput = serde_json::from_value(json!({
            "code": "LON", "name": "London", "kind": "warehouse",
            "address": {"name": "Goods Ltd", "line1": "1 Dock Road", "city": "London", "postal_code": "E16 2QU", "country": "GB"}
        }))
        .unwrap();
        store.create_location(&location.parse().unwrap()).await.unwrap();
        let channel: ChannelInput =
            serde_json::from_value(json!({"code": "web", "name": "Web", "kind": "web", "ship_from": ["LON"]})).unwrap();
        store.create_channel(&channel.parse().unwrap()).await.unwrap();
        for sku in ["TEE", "MUG"] {
            let product: ProductInput = serde_json::from_value(json!({"sku": sku, "title": sku})).unwrap();
            store.create_product(&product.parse().unwrap()).await.unwrap();
            let ctx = MovementContext {
                actor: "test".into(),
                ..Default::default()
            };
            let receive = StockCommand::Receive(Quantity::new(10).unwrap());
            store.move_stock(sku, "LON", receive, &ctx).await.unwrap();
        }
        Db { store, temp }
    }

    async fn place(&self, id: &str, lines: Value) -> (OrderId, String) {
        let input: OrderInput = serde_json::from_value(json!({
            "channel": "web", "external_id": id, "currency": "GBP",
            "customer": {"email": "ann@example.com", "name": "Ann Smith"},
            "shipping_address": {"name": "Ann Smith", "line1": "1 High Street", "city": "Leeds", "postal_code": "LS1 4AP", "country": "GB"},
            "lines": lines,
        }))
        .unwrap();
        let order = self
            .store
            .place_order(&input.parse().unwrap(), "test")
            .await
            .unwrap()
            .order;
        let release = ReleaseInput {
            location: Some("LON".into()),
            orders: Some(vec![order.summary.number.clone()]),
            ..Default::default()
        };
        let shipments = self
            .store
            .release_shipments(&release.parse().unwrap(), "test")
            .await
            .unwrap();
        (order.summary.id, shipments[0].number.clone())
    }

    async fn assert_books_balance(&self) {
        let report = self.store.check().await.unwrap();
        assert!(report.is_clean(), "{:#?}", report.problems);
    }

    async fn close(self) {
        self.temp.close().await;
    }
}

fn line(sku: &str, quantity: i64) -> Value {
    json!({"sku": sku, "quantity": quantity, "unit_price": {"amount": 1000, "currency": "GBP"}})
}

#[tokio::test]
async fn cancelling_withdraws_unstarted_shipments_and_refuses_started_ones() {
    let db = Db::open().await;
    let store = &db.store;

    // Released, not started: the order may be cancelled once its shipment is withdrawn.
    let (order, shipment) = db.place("C-1", json!([line("TEE", 2)])).await;
    let mut tx = store.write().await.unwrap();
    refuse_lines_in_progress(&mut tx, &order, None).await.unwrap();
    let touched = withdraw_unstarted_shipments(&mut tx, store.now(), &order, None, "test")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(touched, std::slice::from_ref(&shipment));
    store
        .cancel_order(order.as_str(), Some("changed mind"), "test")
        .await
        .unwrap();
    assert_eq!(
        store.shipment(&shipment).await.unwrap().summary.status,
        ShipmentStatus::Cancelled
    );
    db.assert_books_balance().await;

    // Packed: cancellation is refused, naming the shipment; nothing is withdrawn.
    let (order, shipment) = db.place("C-2", json!([line("TEE", 1)])).await;
    let pack = PackInput {
        scans: Some(vec!["TEE".into()]),
        package: serde_json::from_value(json!({"weight_grams": 300})).unwrap(),
    };
    store
        .pack_shipment(&shipment, &pack.parse().unwrap(), "test")
        .await
        .unwrap();
    let mut tx = store.write().await.unwrap();
    let refused = refuse_lines_in_progress(&mut tx, &order, None).await.unwrap_err();
    assert!(
        matches!(&refused, StoreError::Conflict { code: "shipment_in_progress", message } if message.contains(&shipment)),
        "{refused:?}"
    );
    let touched = withdraw_unstarted_shipments(&mut tx, store.now(), &order, None, "test")
        .await
        .unwrap();
    assert!(touched.is_empty());
    tx.rollback().await;

    // One line of two: the shipment keeps travelling with the other.
    let (order, shipment) = db.place("C-3", json!([line("TEE", 1), line("MUG", 1)])).await;
    let details = store.order(order.as_str()).await.unwrap();
    let first: &LineId = &details.lines[0].id;
    let mut tx = store.write().await.unwrap();
    refuse_lines_in_progress(&mut tx, &order, Some(first)).await.unwrap();
    withdraw_unstarted_shipments(&mut tx, store.now(), &order, Some(first), "test")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    store.cancel_line(order.as_str(), "1", None, "test").await.unwrap();
    let s = store.shipment(&shipment).await.unwrap();
    assert_eq!(s.summary.status, ShipmentStatus::Released);
    assert_eq!(s.summary.units, 1);
    db.assert_books_balance().await;
    db.close().await;
}
