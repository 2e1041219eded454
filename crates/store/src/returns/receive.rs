//! Receiving a return at its location: core matches the scanned items to the return's
//! lines; each planned disposition is carried out (restock through the ledger,
//! quarantine, scrap) and recorded as a receipt; then the status, the settlement and
//! the closing core decides are written.

use serde_json::json;
use switchyard_core::id::{LocationId, ProductId, ReturnId, ReturnReceiptId};
use switchyard_core::inventory::{Quantity, StockCommand};
use switchyard_core::order::OrderEventKind;
use switchyard_core::returns::{self as rules, Disposition, OpenReturnLine, ReturnAction, ReturnReceipt};

use super::facts::refresh_order;
use super::settle::close_when_settled;
use super::{LineRow, Return, describe, states};
use crate::db::{self, micros};
use crate::error::{StoreError, StoreResult};
use crate::inventory::{MovementContext, apply};
use crate::order::event;
use crate::{Store, WriteTx};

/// Where received items go: the return's location.
struct Dock<'a> {
    location: &'a LocationId,
    code: &'a str,
}

impl Store {
    /// Receives scanned items at the returning location, each with its disposition:
    /// restocked units go back on hand through the ledger (and to waiting backorders),
    /// quarantined units are counted apart, scrapped units only recorded. Items not on
    /// the return or beyond what is authorized are refused and nothing changes. A
    /// channel that refunds on receipt refunds what arrived, when the return's refund
    /// was approved (on the approver's authority, not the receiver's); a return received
    /// in full and settled is closed.
    pub async fn receive_return(&self, key: &str, receipt: &ReturnReceipt, actor: &str) -> StoreResult<Return> {
        let (id, order, restocked) = transact!(self, |tx| {
            let now = tx.now();
            let head = Self::take_return(tx, key).await?;
            // Refused before matching when the state forbids any receipt.
            rules::transition(head.status, ReturnAction::Receive { completes: false })?;
            let location = head
                .location
                .clone()
                .ok_or_else(|| StoreError::Corrupt(format!("return {} has no location", head.number)))?;
            let code: String = db::query_scalar("SELECT code FROM location WHERE id = $1")
                .bind(location.as_str())
                .fetch_one(&mut ***tx)
                .await?;
            let mut lines = Self::return_lines(tx, &head).await?;
            let open: Vec<OpenReturnLine> = lines.iter().map(|l| l.state.open()).collect();
            let plan = rules::plan_receipt(&open, receipt).map_err(StoreError::Invalid)?;
            let ctx = MovementContext {
                actor: actor.to_owned(),
                note: receipt.note.clone(),
                reference: Some(head.number.clone()),
            };
            let dock = Dock {
                location: &location,
                code: &code,
            };
            let mut restocked = Vec::new();
            let mut received = Vec::new();
            for r in &plan {
                let Some(line) = lines.iter_mut().find(|l| l.state.line_no == r.line_no) else {
                    continue;
                };
                if let Some(product) =
                    receive_item(tx, &head.id, line, (r.disposition, r.quantity), &dock, &ctx).await?
                {
                    restocked.push(product);
                }
                line.state.received += r.quantity.get();
                received.push((r.quantity.get(), format!("{} {}", line.state.sku, r.disposition)));
            }
            let after = rules::after_receipt(head.status, &states(&lines))?;
            let stamp = after.complete.then_some("received_at");
            Self::save_return(tx, now, &head, after.status, stamp).await?;
            let message = format!("Return {} received at {code}: {}", head.number, describe(received));
            let data = json!({ "return": head.number, "location": code, "complete": after.complete });
            event(
                tx,
                now,
                &head.order.id,
                OrderEventKind::ReturnReceived,
                actor,
                message,
                data,
            );
            let receive = ReturnAction::Receive {
                completes: after.complete,
            };
            // Only a refund approved when the return was authorized (or since) is paid:
            // the receipt carries it out on the approver's authority.
            if let Some(due) = rules::settles(head.order.refund_on, receive, head.settlement, head.refund_approved) {
                Self::settle_return_in(tx, now, &head, &mut lines, due, actor).await?;
            }
            close_when_settled(tx, now, &head.id, after.status, &lines).await?;
            refresh_order(tx, now, &head.order.id).await?;
            Ok((head.id, head.order.id, restocked))
        })?;
        if !restocked.is_empty() {
            self.after_stock_freed(&restocked).await;
        }
        // A refund on receipt is asked of the provider now, outside the write.
        self.settle_after_commit(&order).await;
        self.return_request(id.as_str()).await
    }
}

/// Carries out one planned disposition of `line` and records its receipt: the product,
/// when it went back on hand.
async fn receive_item(
    tx: &mut WriteTx,
    return_id: &ReturnId,
    line: &LineRow,
    (disposition, quantity): (Disposition, Quantity),
    dock: &Dock<'_>,
    ctx: &MovementContext,
) -> StoreResult<Option<ProductId>> {
    let now = tx.now();
    let movement = match disposition {
        Disposition::Restock => {
            let kit: i64 = db::query_scalar("SELECT COUNT(*) FROM kit_component WHERE kit_id = $1")
                .bind(line.product_id.as_str())
                .fetch_one(&mut ***tx)
                .await?;
            switchyard_core::catalog::holds_stock(&line.state.sku, kit > 0)
                .map_err(|e| StoreError::Invalid(vec![e.at("/items")]))?;
            Some(
                apply(
                    tx,
                    now,
                    (&line.product_id, &line.state.sku),
                    (dock.location, dock.code),
                    StockCommand::ReturnRestock(quantity),
                    ctx,
                )
                .await?,
            )
        }
        Disposition::Quarantine => {
            db::query(
                "INSERT INTO stock_quarantine (product_id, location_id, quantity, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (product_id, location_id) \
                 DO UPDATE SET quantity = stock_quarantine.quantity + excluded.quantity, \
                 updated_at = excluded.updated_at",
            )
            .bind(line.product_id.as_str())
            .bind(dock.location.as_str())
            .bind(quantity.get())
            .bind(micros(now))
            .execute(&mut ***tx)
            .await?;
            None
        }
        Disposition::Scrap => None,
    };
    // The receipt refers to its ledger row.
    tx.write_appends().await?;
    db::query(
        "INSERT INTO return_receipt (id, return_id, return_line_id, product_id, location_id, disposition, \
         quantity, movement_id, note, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(ReturnReceiptId::new_at(now).as_str())
    .bind(return_id.as_str())
    .bind(line.id.as_str())
    .bind(line.product_id.as_str())
    .bind(dock.location.as_str())
    .bind(disposition.as_str())
    .bind(quantity.get())
    .bind(movement.as_ref().map(|m| m.as_str()))
    .bind(ctx.note.as_deref())
    .bind(ctx.actor.as_str())
    .bind(micros(now))
    .execute(&mut ***tx)
    .await?;
    db::query("UPDATE return_line SET received = received + $1 WHERE id = $2")
        .bind(quantity.get())
        .bind(line.id.as_str())
        .execute(&mut ***tx)
        .await?;
    Ok(movement.map(|_| line.product_id.clone()))
}
