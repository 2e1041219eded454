//! Confirming a pick list with what the picker found. Found units fill the totes in
//! order (`core::shipment::pick`). A short pick writes the missing units off as lost
//! (referenced to the pick list), releases the line's reservation and sends the line
//! back to routing as a backorder; a ship-complete order sends all its lines back with
//! it (`core::order::lines_moving_together`), and a shipment left with nothing is
//! cancelled.

use jiff::Timestamp;
use serde_json::json;
use switchyard_core::id::{LineId, PickListId, ProductId, ShipmentId};
use switchyard_core::inventory::{AdjustmentReason, StockCommand};
use switchyard_core::order as rules;
use switchyard_core::order::{LineAction, LineStatus, OrderEventKind};
use switchyard_core::routing::SplitPolicy;
use switchyard_core::shipment::pick::{after_picks, check_picks, fill_totes};
use switchyard_core::shipment::{self as flow, PickListStatus, ShipmentAction, ShipmentLineStatus, ShipmentStatus};

use super::PickList;
use crate::db::{self, Arg, get_enum, get_id, micros};
use crate::error::{StoreError, StoreResult};
use crate::inventory::{MovementContext, apply};
use crate::order::Head;
use crate::order::event as order_event;
use crate::outbox::enqueue;
use crate::shipment::link::{ShipmentHead, consume_reservations, line_step, save_shipment, shipment_head};
use crate::{Store, WriteTx};

/// One shipment line on a pick list, as confirmation needs it.
struct Allocation {
    shipment: ShipmentId,
    line: LineId,
    product: ProductId,
    sku: String,
    quantity: i64,
    picked: i64,
}

impl Allocation {
    /// Units the picker did not find.
    fn missing(&self) -> i64 {
        self.quantity - self.picked
    }
}

/// Sends the short `lines` of a shipment back to routing: releases their reservations,
/// writes the missing units off as lost against the pick list, backorders the lines,
/// and tells the order's timeline. Returns the shipment's lines still travelling.
#[allow(clippy::too_many_arguments)]
async fn short_pick(
    tx: &mut WriteTx,
    now: Timestamp,
    head: &ShipmentHead,
    list: (&PickListId, &str),
    allocations: &[&Allocation],
    short: &[LineId],
    actor: &str,
) -> StoreResult<usize> {
    let order = Head::take(tx, head.order_id.as_str()).await?;
    let row =
        db::query("SELECT c.split_policy FROM sales_order o JOIN channel c ON c.id = o.channel_id WHERE o.id = $1")
            .bind(head.order_id.as_str())
            .fetch_one(&mut ***tx)
            .await?;
    let policy = get_enum(&row, "split_policy", SplitPolicy::parse)?;
    // A ship-complete order leaves whole: every line goes back with the short one.
    let all: Vec<&LineId> = allocations.iter().map(|a| &a.line).collect();
    let short: Vec<&LineId> = short.iter().collect();
    let pulled = rules::lines_moving_together(policy, &all, &short);
    let ship_complete = policy == SplitPolicy::ShipComplete;
    let ctx = MovementContext {
        actor: actor.to_owned(),
        note: Some(format!("Short pick on {} for shipment {}", list.1, head.number)),
        reference: Some(list.0.to_string()),
    };
    consume_reservations(tx, now, head, Some(pulled.as_slice()), (StockCommand::Release, &ctx)).await?;
    let mut lost = Vec::new();
    for a in allocations
        .iter()
        .filter(|a| a.missing() > 0 && short.contains(&&a.line))
    {
        let missing = a.missing();
        apply(
            tx,
            now,
            (&a.product, &a.sku),
            (&head.location_id, &head.location),
            StockCommand::Adjust(-missing, AdjustmentReason::Lost),
            &ctx,
        )
        .await?;
        lost.push(json!({ "sku": a.sku, "expected": a.quantity, "found": a.picked, "lost": missing }));
    }
    let from = LineStatus::Allocated;
    let backordered = line_step(from, LineAction::Backorder)?;
    for line in &pulled {
        let status = ShipmentLineStatus::pulled(short.contains(line));
        db::query("UPDATE shipment_line SET status = $1 WHERE shipment_id = $2 AND line_id = $3")
            .bind(status.as_str())
            .bind(head.id.as_str())
            .bind(line.as_str())
            .execute(&mut ***tx)
            .await?;
        db::query("UPDATE order_line SET status = $2 WHERE id = $1 AND status = $3")
            .bind(line.as_str())
            .bind(backordered.as_str())
            .bind(from.as_str())
            .execute(&mut ***tx)
            .await?;
    }
    order.touch(tx, now).await?;
    let found: Vec<String> = allocations
        .iter()
        .filter(|a| a.missing() > 0 && short.contains(&&a.line))
        .map(|a| format!("found {} of {} × {}", a.picked, a.quantity, a.sku))
        .collect();
    let mut message = format!(
        "Short pick on {} at {}: {}; the missing units were written off as lost. {} back to routing",
        list.1,
        head.location,
        found.join(", "),
        if pulled.len() == 1 {
            "1 line went".to_owned()
        } else {
            format!("{} lines went", pulled.len())
        },
    );
    if ship_complete {
        message.push_str(" (the order ships complete)");
    }
    let data = json!({
        "pick_list": list.1, "shipment_id": head.id, "shipment": head.number, "lost": lost,
        "lines": pulled, "ship_complete": ship_complete,
    });
    order_event(
        tx,
        now,
        &head.order_id,
        OrderEventKind::ShortPicked,
        actor,
        message,
        data.clone(),
    );
    enqueue(tx, now, "shipment.short_picked", head.id.as_str(), &data);
    let left = allocations.iter().filter(|a| !pulled.contains(&&a.line)).count();
    Ok(left)
}

impl Store {
    /// Confirms a pick list with what was found (`picks`: SKU and units found; a SKU
    /// not named was found in full). Found units go to the totes in tote order; a
    /// shipment whose units were not all found is short: see the module's comment.
    pub async fn confirm_picks(&self, key: &str, picks: &[(String, i64)], actor: &str) -> StoreResult<PickList> {
        let list = self.pick_list(key).await?;
        if !list.status.may_confirm() {
            return Err(StoreError::Conflict {
                code: "pick_list_completed",
                message: format!("pick list {} was already confirmed", list.number),
            });
        }
        let to_pick: Vec<(&str, i64)> = list.lines.iter().map(|l| (l.sku.as_str(), l.quantity)).collect();
        check_picks(&list.number, &to_pick, picks).map_err(StoreError::Invalid)?;
        transact!(self, |tx| self.confirm_in(tx, &list, picks, actor).await)?;
        // A short pick sent lines back to routing: other locations may serve them now.
        let products: Vec<_> = list.lines.iter().map(|l| l.product_id.clone()).collect();
        self.after_stock_freed(&products).await;
        self.pick_list(list.id.as_str()).await
    }

    async fn confirm_in(
        &self,
        tx: &mut WriteTx,
        list: &PickList,
        picks: &[(String, i64)],
        actor: &str,
    ) -> StoreResult<()> {
        let now = self.now();
        let completed = db::query(format!(
            "UPDATE pick_list SET status = {}, completed_by = $1, completed_at = $2 WHERE id = $3 AND status = {}",
            db::is(PickListStatus::Completed),
            db::is(PickListStatus::Open)
        ))
        .bind(actor)
        .bind(micros(now))
        .bind(list.id.as_str())
        .execute(&mut ***tx)
        .await?;
        if completed.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                code: "pick_list_completed",
                message: format!("pick list {} was already confirmed", list.number),
            });
        }
        let rows = db::query(format!(
            "SELECT x.shipment_id, x.line_id, x.product_id, p.sku, x.quantity FROM shipment_line x \
             JOIN shipment s ON s.id = x.shipment_id JOIN product p ON p.id = x.product_id \
             WHERE s.pick_list_id = $1 AND s.status = {} AND x.status = {} ORDER BY s.pick_slot, x.line_id, p.sku",
            db::is(ShipmentStatus::Picking),
            db::is(ShipmentLineStatus::Open)
        ))
        .bind(list.id.as_str())
        .fetch_all(&mut ***tx)
        .await?;
        let mut allocations = rows
            .iter()
            .map(|r| {
                Ok(Allocation {
                    shipment: get_id(r, "shipment_id")?,
                    line: get_id(r, "line_id")?,
                    product: get_id(r, "product_id")?,
                    sku: r.try_get("sku")?,
                    quantity: r.try_get("quantity")?,
                    picked: 0,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let totes: Vec<(&str, i64)> = allocations.iter().map(|a| (a.sku.as_str(), a.quantity)).collect();
        let picked = fill_totes(&totes, picks);
        for (a, n) in allocations.iter_mut().zip(picked) {
            a.picked = n;
            db::query("UPDATE shipment_line SET picked_quantity = $1 WHERE shipment_id = $2 AND line_id = $3 AND product_id = $4")
                .bind(n)
                .bind(a.shipment.as_str())
                .bind(a.line.as_str())
                .bind(a.product.as_str())
                .execute(&mut ***tx)
                .await?;
        }
        let mut shipments: Vec<&ShipmentId> = allocations.iter().map(|a| &a.shipment).collect();
        shipments.dedup();
        for shipment in shipments {
            let mine: Vec<&Allocation> = allocations.iter().filter(|a| a.shipment == *shipment).collect();
            let mut short: Vec<LineId> = mine
                .iter()
                .filter(|a| a.missing() > 0)
                .map(|a| a.line.clone())
                .collect();
            short.dedup();
            let head = shipment_head(tx, shipment).await?;
            let travelling = if short.is_empty() {
                mine.len()
            } else {
                short_pick(tx, now, &head, (&list.id, &list.number), &mine, &short, actor).await?
            };
            let head = shipment_head(tx, shipment).await?;
            let action = after_picks(travelling);
            let to = flow::transition(head.status, action)?;
            let mut columns = vec![("picked_at", Some(Arg::Int(micros(now))))];
            if action == ShipmentAction::Cancel {
                columns.insert(0, ("cancelled_at", Some(Arg::Int(micros(now)))));
            }
            save_shipment(tx, &head, to, columns, now).await?;
        }
        Ok(())
    }
}
