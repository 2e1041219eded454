//! Parcels running late: shipments whose promised delivery passed while they still
//! await delivery. The sweep marks each once and puts `order.running_late` on its
//! order's timeline (and so in the outbox: the customer is emailed once a parcel).

use jiff::Timestamp;
use serde_json::json;
use switchyard_core::id::{OrderId, ShipmentId};
use switchyard_core::order::OrderEventKind;
use switchyard_core::shipment::ShipmentStatus;

use crate::Store;
use crate::db::{self, get_id, get_time, micros};
use crate::error::StoreResult;
use crate::order::event;

/// The most shipments one sweep marks; the rest wait for the next.
const BATCH: i64 = 100;

impl Store {
    /// Marks every shipment that is past its promised delivery and not delivered,
    /// once, with an `order.running_late` event; answers how many it marked. A
    /// shipment marked by another server first is left alone.
    pub async fn flag_running_late(&self) -> StoreResult<usize> {
        transact!(self, |tx| {
            let now = tx.now();
            let rows = db::query(format!(
                "SELECT id, number, order_id, promised_delivery_at FROM shipment \
                 WHERE status IN {} AND late_notified_at IS NULL AND promised_delivery_at < $1 \
                 ORDER BY promised_delivery_at, id LIMIT {BATCH}",
                db::one_of(ShipmentStatus::AWAITING_DELIVERY)
            ))
            .bind(micros(now))
            .fetch_all(&mut ***tx)
            .await?;
            let mut marked = 0;
            for row in &rows {
                let id: ShipmentId = get_id(row, "id")?;
                let number: String = row.try_get("number")?;
                let order: OrderId = get_id(row, "order_id")?;
                let promised: Timestamp = get_time(row, "promised_delivery_at")?;
                let taken =
                    db::query("UPDATE shipment SET late_notified_at = $1 WHERE id = $2 AND late_notified_at IS NULL")
                        .bind(micros(now))
                        .bind(id.as_str())
                        .execute(&mut ***tx)
                        .await?
                        .rows_affected();
                if taken != 1 {
                    continue;
                }
                let message = format!(
                    "Shipment {number} is running late: promised by {}",
                    promised.strftime("%Y-%m-%d %H:%M UTC")
                );
                let data = json!({ "shipment_id": id, "shipment": number, "promised_delivery_at": promised });
                event(tx, now, &order, OrderEventKind::RunningLate, "system", message, data);
                marked += 1;
            }
            Ok(marked)
        })
    }
}
