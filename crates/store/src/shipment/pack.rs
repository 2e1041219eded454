//! At the bench and the dock: packing with scan verification (nothing is marked packed
//! unless every unit scanned belongs and every item is there), labels from a carrier
//! provider, shipping (the stock leaves through the ledger, lines become shipped), and
//! cancelling a shipment that has not shipped.

use serde_json::json;
use switchyard_core::carrier::LabelOrder;
use switchyard_core::id::{LineId, ShipmentId};
use switchyard_core::inventory::StockCommand;
use switchyard_core::order as rules;
use switchyard_core::order::{LineAction, LineStatus, OrderAction, OrderEventKind};
use switchyard_core::shipment::input::{LabelInput, PackRequest};
use switchyard_core::shipment::scan::{self, ExpectedItem};
use switchyard_core::shipment::{self as flow, ShipmentAction, ShipmentLineStatus};

use super::link::{ShipmentHead, cancel_shipment_in, consume_reservations, line_step, save_shipment, shipment_head};
use super::{Shipment, shipment_id};
use crate::Store;
use crate::db::{self, Arg, Link, micros};
use crate::error::{StoreError, StoreResult};
use crate::inventory::MovementContext;
use crate::order::Head;
use crate::order::event as order_event;
use crate::payment::capture_shipment_in;

/// Runs `$body` on the shipment `$key` in a write transaction, retried on lost races,
/// with `$tx` (the transaction) and `$head` (the shipment, read inside it) in scope;
/// evaluates to the shipment after.
macro_rules! on_shipment {
    ($store:expr, $key:expr, |$tx:ident, $head:ident| $body:block) => {{
        let id: ShipmentId = transact!($store, |write| {
            let $tx = write;
            let id = shipment_id($tx, $key).await?;
            let $head = shipment_head($tx, &id).await?;
            let done: StoreResult<()> = async { $body }.await;
            done.map(|()| id)
        })?;
        $store.shipment(id.as_str()).await
    }};
}

/// What the shipment's package must hold: each product of its open lines, once, with
/// the units it ships, by SKU.
async fn expected_items(conn: &mut Link, id: &ShipmentId) -> StoreResult<Vec<ExpectedItem>> {
    db::query(format!(
        "SELECT p.sku, p.barcode, p.title, CAST(SUM(x.quantity) AS BIGINT) AS quantity FROM shipment_line x \
         JOIN product p ON p.id = x.product_id WHERE x.shipment_id = $1 AND x.status = {} \
         GROUP BY p.sku, p.barcode, p.title ORDER BY p.sku",
        db::is(ShipmentLineStatus::Open)
    ))
    .bind(id.as_str())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(ExpectedItem {
            sku: r.try_get("sku")?,
            barcode: r.try_get("barcode")?,
            title: r.try_get("title")?,
            quantity: r.try_get("quantity")?,
        })
    })
    .collect()
}

impl Store {
    /// A shipment at the pack bench and what its package must hold: the items its
    /// scans are checked against, as `pack_shipment` checks them.
    pub async fn shipment_to_pack(&self, key: &str) -> StoreResult<(Shipment, Vec<ExpectedItem>)> {
        let mut conn = self.pool.acquire().await?;
        let id = shipment_id(&mut conn, key).await?;
        let items = expected_items(&mut conn, &id).await?;
        drop(conn);
        Ok((self.shipment(id.as_str()).await?, items))
    }

    /// Packs a shipment: the scans must match its open lines exactly (by SKU or
    /// barcode), or nothing changes and the answer names each wrong item and count.
    pub async fn pack_shipment(&self, key: &str, request: &PackRequest, actor: &str) -> StoreResult<Shipment> {
        let _ = actor;
        on_shipment!(self, key, |tx, head| {
            let now = self.now();
            let to = flow::transition(head.status, ShipmentAction::Pack)?;
            let order = Head::take(tx, head.order_id.as_str()).await?;
            rules::transition(order.status, OrderAction::Fulfil)?;
            let items = expected_items(tx, &head.id).await?;
            let report = scan::verify(&items, &request.scans);
            if !report.is_clean() {
                let mut known = Vec::new();
                for stray in &report.stray {
                    let row =
                        db::query("SELECT sku, title FROM product WHERE sku = $1 OR barcode = $1 ORDER BY sku LIMIT 1")
                            .bind(&stray.code)
                            .fetch_optional(&mut ***tx)
                            .await?;
                    if let Some(row) = row {
                        let sku: String = row.try_get("sku")?;
                        let title: String = row.try_get("title")?;
                        known.push((stray.code.clone(), format!("{sku} ({title})")));
                    }
                }
                let errors = report.errors(&items, &head.number, |code| {
                    known.iter().find(|(c, _)| c == code).map(|(_, name)| name.clone())
                });
                return Err(StoreError::ScanMismatch {
                    shipment: head.number.clone(),
                    errors,
                });
            }
            let p = &request.package;
            let size = |v: Option<i64>| v.map(Arg::Int);
            let columns = vec![
                ("package_type", Some(Arg::Text(p.package_type.clone()))),
                ("weight_grams", Some(Arg::Int(p.weight_grams))),
                ("length_mm", size(p.length_mm)),
                ("width_mm", size(p.width_mm)),
                ("height_mm", size(p.height_mm)),
                ("packed_at", Some(Arg::Int(micros(now)))),
            ];
            save_shipment(tx, &head, to, columns, now).await?;
            order.touch(tx, now).await?;
            Ok(())
        })
    }

    /// Buys (or records) the shipment's label: carrier, service, tracking number.
    pub async fn create_label(&self, key: &str, input: &LabelInput, actor: &str) -> StoreResult<Shipment> {
        let _ = actor;
        on_shipment!(self, key, |tx, head| {
            let now = self.now();
            let request = input.parse(head.carrier).map_err(StoreError::Invalid)?;
            let to = flow::transition(head.status, ShipmentAction::CreateLabel)?;
            let order = Head::take(tx, head.order_id.as_str()).await?;
            rules::transition(order.status, OrderAction::Fulfil)?;
            let Some(carrier) = request.carrier else {
                return Err(StoreError::invalid("/carrier", "required", "is required"));
            };
            let number = request
                .provider
                .implementation()
                .tracking_number(&LabelOrder {
                    shipment_id: head.id.as_str(),
                    carrier,
                    level: head.service_level,
                    entered: request.tracking_number.as_deref(),
                })
                .map_err(|e| StoreError::Invalid(vec![e.at("/tracking_number")]))?;
            let service = request
                .service
                .clone()
                .unwrap_or_else(|| carrier.default_service(head.service_level).to_owned());
            let columns = vec![
                ("carrier", Some(Arg::Text(carrier.as_str().into()))),
                ("provider", Some(Arg::Text(request.provider.as_str().into()))),
                ("service", Some(Arg::Text(service))),
                ("tracking_number", Some(Arg::Text(number.clone()))),
                ("label_cost", request.cost.map(|c| Arg::Int(c.amount))),
                (
                    "label_currency",
                    request.cost.map(|c| Arg::Text(c.currency.to_string())),
                ),
                ("label_created_at", Some(Arg::Int(micros(now)))),
            ];
            let head = ShipmentHead {
                carrier: Some(carrier),
                tracking_number: Some(number.clone()),
                ..head
            };
            match save_shipment(tx, &head, to, columns, now).await {
                Err(StoreError::Database(e)) if e.violates("shipment_tracking_key", "shipment.carrier") => {
                    return Err(StoreError::Conflict {
                        code: "duplicate_tracking_number",
                        message: format!(
                            "{} tracking number {number} is already on another shipment",
                            carrier.name()
                        ),
                    });
                }
                other => other?,
            }
            order.touch(tx, now).await?;
            Ok(())
        })
    }

    /// Voids the label of a shipment that has not shipped; it goes back to packed.
    pub async fn void_label(&self, key: &str) -> StoreResult<Shipment> {
        on_shipment!(self, key, |tx, head| {
            let now = self.now();
            let to = flow::transition(head.status, ShipmentAction::VoidLabel)?;
            let cleared = [
                "provider",
                "service",
                "tracking_number",
                "label_cost",
                "label_currency",
                "label_created_at",
            ];
            save_shipment(tx, &head, to, cleared.iter().map(|c| (*c, None)).collect(), now).await
        })
    }

    /// Ships a labelled shipment: its reserved stock leaves through the ledger (`ship`
    /// movements, on hand and reserved down), its lines become shipped, the order's
    /// fulfilment status follows, its share of the order's money is captured, and the
    /// outbox hears `shipment.shipped`.
    pub async fn ship_shipment(&self, key: &str, actor: &str) -> StoreResult<Shipment> {
        let shipped = on_shipment!(self, key, |tx, head| {
            let now = self.now();
            let to = flow::transition(head.status, ShipmentAction::Ship)?;
            let order = Head::take(tx, head.order_id.as_str()).await?;
            rules::transition(order.status, OrderAction::Fulfil)?;
            let held: i64 = db::query_scalar(
                "SELECT COALESCE(CAST(SUM(quantity) AS BIGINT), 0) FROM reservation WHERE shipment_id = $1",
            )
            .bind(head.id.as_str())
            .fetch_one(&mut ***tx)
            .await?;
            let open = db::is(ShipmentLineStatus::Open);
            let travelling: i64 = db::query_scalar(format!(
                "SELECT COALESCE(CAST(SUM(quantity) AS BIGINT), 0) FROM shipment_line WHERE shipment_id = $1 AND status = {open}"
            ))
            .bind(head.id.as_str())
            .fetch_one(&mut ***tx)
            .await?;
            if !flow::holds_what_it_carries(held, travelling) {
                return Err(StoreError::Conflict {
                    code: "stock_not_held",
                    message: format!(
                        "shipment {} holds {held} of its {travelling} units' stock (was the order changed?); cancel it and release again",
                        head.number
                    ),
                });
            }
            let ctx = MovementContext {
                actor: actor.to_owned(),
                note: Some(format!("Shipped in {}", head.number)),
                reference: Some(head.id.to_string()),
            };
            consume_reservations(tx, now, &head, None, (StockCommand::Ship, &ctx)).await?;
            let lines: Vec<LineId> = db::query_scalar::<String>(format!(
                "SELECT DISTINCT line_id FROM shipment_line WHERE shipment_id = $1 AND status = {open} ORDER BY line_id"
            ))
            .bind(head.id.as_str())
            .fetch_all(&mut ***tx)
            .await?
            .into_iter()
            .map(|l| LineId::try_from(l).map_err(StoreError::Corrupt))
            .collect::<StoreResult<_>>()?;
            let from = LineStatus::Allocated;
            let shipped = line_step(from, LineAction::Ship)?;
            for line in &lines {
                // A line ships when none of its stock is held anywhere any more.
                db::query(
                    "UPDATE order_line SET status = $2 WHERE id = $1 AND status = $3 \
                     AND NOT EXISTS (SELECT 1 FROM reservation r WHERE r.line_id = $1)",
                )
                .bind(line.as_str())
                .bind(shipped.as_str())
                .bind(from.as_str())
                .execute(&mut ***tx)
                .await?;
            }
            save_shipment(tx, &head, to, vec![("shipped_at", Some(Arg::Int(micros(now))))], now).await?;
            let fulfilment = order.touch(tx, now).await?;
            let carrier = head.carrier.map(|c| c.name()).unwrap_or("the carrier");
            let number = head.tracking_number.clone().unwrap_or_default();
            order_event(
                tx,
                now,
                &head.order_id,
                OrderEventKind::Shipped,
                actor,
                format!(
                    "Shipped {} from {} with {carrier}, tracking {number}",
                    head.number, head.location
                ),
                json!({
                    "shipment_id": head.id, "shipment": head.number, "carrier": head.carrier, "tracking_number": number,
                    "tracking_url": head.carrier.map(|c| c.tracking_url(&number)), "fulfilment_status": fulfilment,
                }),
            );
            // The money of what left goes with it, asked of the provider after the commit.
            capture_shipment_in(tx, now, &head.order_id, &head.id, actor).await
        })?;
        self.settle_after_commit(&shipped.summary.order_id).await;
        self.shipment(shipped.summary.id.as_str()).await
    }

    /// Cancels a shipment that has not shipped. Its stock stays reserved for the order
    /// and waits to be released again (at once at an `auto` location); hold the order
    /// to keep it off the floor.
    pub async fn cancel_shipment(&self, key: &str, reason: Option<&str>, actor: &str) -> StoreResult<Shipment> {
        on_shipment!(self, key, |tx, head| {
            let now = self.now();
            let order = Head::take(tx, head.order_id.as_str()).await?;
            cancel_shipment_in(tx, &head, now, (reason.unwrap_or("cancelled by an operator"), actor)).await?;
            order.touch(tx, now).await.map(|_| ())
        })
    }
}
