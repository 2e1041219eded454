//! Changes of a purchase order: receipts that move stock into the destination through
//! the ledger, and closing or cancelling. Each takes the order's row for its
//! transaction and reads it, asks `core::purchase` whether the change is legal, and
//! writes the new status; the version check stays as a guard.

use jiff::Timestamp;
use serde_json::json;
use switchyard_core::id::{LocationId, MovementId, ProductId, PurchaseOrderId, PurchaseOrderLineId};
use switchyard_core::inventory::StockCommand;
use switchyard_core::purchase::{
    self as rules, OpenLine, PurchaseOrderAction, PurchaseOrderEventKind, PurchaseOrderStatus, ReceiptRequest,
};

use super::{PurchaseOrder, ReceiptOutcome, event, key_column};
use crate::db::{self, changed_one, get_enum, get_id, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::inventory::{MovementContext, apply};
use crate::{Store, WriteTx};

/// What a change of a purchase order reads and checks under its transaction.
struct Head {
    id: PurchaseOrderId,
    number: String,
    status: PurchaseOrderStatus,
    version: i64,
    location_id: LocationId,
    location: String,
    location_archived: bool,
}

/// A stored line, as a receipt reads it.
struct StoredLine {
    id: PurchaseOrderLineId,
    open: OpenLine,
    received: i64,
}

/// Takes the purchase order's row for the transaction, then reads it: concurrent
/// changes of one purchase order (scanners receiving it at once) queue on the row, and
/// each reads what the one before it committed instead of failing its version check.
async fn head(tx: &mut WriteTx, key: &str) -> StoreResult<Head> {
    db::query(format!(
        "UPDATE purchase_order SET version = version WHERE {} = $1",
        key_column(key, "")
    ))
    .bind(key)
    .execute(&mut ***tx)
    .await?;
    let sql = format!(
        "SELECT po.id, po.number, po.status, po.version, po.location_id, l.code, l.archived_at \
         FROM purchase_order po JOIN location l ON l.id = po.location_id WHERE {} = $1",
        key_column(key, "po.")
    );
    let row = db::query(sql)
        .bind(key)
        .fetch_optional(&mut ***tx)
        .await?
        .ok_or_else(|| StoreError::not_found("purchase order", key))?;
    Ok(Head {
        id: get_id(&row, "id")?,
        number: row.try_get("number")?,
        status: get_enum(&row, "status", PurchaseOrderStatus::parse)?,
        version: row.try_get("version")?,
        location_id: get_id(&row, "location_id")?,
        location: row.try_get("code")?,
        location_archived: get_opt_time(&row, "archived_at")?.is_some(),
    })
}

async fn stored_lines(tx: &mut WriteTx, head: &Head) -> StoreResult<Vec<StoredLine>> {
    let rows = db::query(
        "SELECT id, line_no, sku, product_id, quantity, received, expected_at FROM purchase_order_line \
         WHERE purchase_order_id = $1 ORDER BY line_no",
    )
    .bind(head.id.as_str())
    .fetch_all(&mut ***tx)
    .await?;
    rows.iter()
        .map(|r| {
            let (quantity, received): (i64, i64) = (r.try_get("quantity")?, r.try_get("received")?);
            Ok(StoredLine {
                id: get_id(r, "id")?,
                open: OpenLine {
                    line_no: r.try_get("line_no")?,
                    sku: r.try_get("sku")?,
                    product_id: get_id(r, "product_id")?,
                    outstanding: rules::outstanding(head.status, quantity, received),
                    expected_at: get_time(r, "expected_at")?,
                },
                received,
            })
        })
        .collect()
}

/// Writes the new status with an optimistic version check; a lost race is retried.
async fn save_head(
    tx: &mut WriteTx,
    head: &Head,
    to: PurchaseOrderStatus,
    reason: Option<&str>,
    now: Timestamp,
) -> StoreResult<()> {
    let closed_at = rules::cut_short(to).then(|| micros(now));
    let updated = db::query(
        "UPDATE purchase_order SET status = $1, close_reason = $2, closed_at = $3, updated_at = $4, \
         version = version + 1, submitted_at = COALESCE(submitted_at, $7) WHERE id = $5 AND version = $6",
    )
    .bind(to.as_str())
    .bind(reason)
    .bind(closed_at)
    .bind(micros(now))
    .bind(head.id.as_str())
    .bind(head.version)
    // A draft is sent when it is submitted.
    .bind(rules::expects_goods(to).then(|| micros(now)))
    .execute(&mut ***tx)
    .await?;
    changed_one(&updated, || format!("purchase order {}", head.number))
}

impl Store {
    /// Receives goods against a purchase order: the received quantities, a `receipt`
    /// movement per line into the destination (referenced to the order's number), the
    /// new status and the outbox message, in one transaction. Receiving more than is
    /// outstanding changes nothing. Once committed, the stock that arrived fills
    /// backorders, as any receipt does.
    pub async fn receive_purchase_order(
        &self,
        key: &str,
        request: &ReceiptRequest,
        actor: &str,
    ) -> StoreResult<ReceiptOutcome> {
        let (id, movement_ids) = transact!(self, |tx| self.receive_in(tx, key, request, actor).await)?;
        let mut movements = Vec::with_capacity(movement_ids.len());
        for m in &movement_ids {
            movements.push(self.movement(m).await?);
        }
        let mut arrived: Vec<ProductId> = movements.iter().map(|m| m.product_id.clone()).collect();
        arrived.sort();
        arrived.dedup();
        self.after_stock_freed(&arrived).await;
        Ok(ReceiptOutcome {
            purchase_order: self.purchase_order(id.as_str()).await?,
            movements,
        })
    }

    async fn receive_in(
        &self,
        tx: &mut WriteTx,
        key: &str,
        request: &ReceiptRequest,
        actor: &str,
    ) -> StoreResult<(PurchaseOrderId, Vec<MovementId>)> {
        let now = self.now();
        let head = head(tx, key).await?;
        let lines = stored_lines(tx, &head).await?;
        let open: Vec<OpenLine> = lines.iter().map(|l| l.open.clone()).collect();
        let plan = rules::plan_receipt(&open, request);
        let completes = plan.as_ref().is_ok_and(|p| p.completes);
        let to = rules::transition(head.status, PurchaseOrderAction::Receive { completes })?;
        let plan = plan.map_err(StoreError::Invalid)?;
        if head.location_archived {
            return Err(StoreError::Conflict {
                code: "location_archived",
                message: format!("location {} is archived and takes no stock", head.location),
            });
        }
        let ctx = MovementContext {
            actor: actor.to_owned(),
            note: request.note.clone(),
            reference: Some(head.number.clone()),
        };
        let mut movements = Vec::new();
        let mut received = Vec::new();
        for (line_no, quantity) in &plan.lines {
            let line = lines
                .iter()
                .find(|l| l.open.line_no == *line_no)
                .ok_or_else(|| StoreError::Corrupt(format!("{} has no line {line_no}", head.number)))?;
            let updated =
                db::query("UPDATE purchase_order_line SET received = received + $1 WHERE id = $2 AND received = $3")
                    .bind(quantity.get())
                    .bind(line.id.as_str())
                    .bind(line.received)
                    .execute(&mut ***tx)
                    .await?;
            changed_one(&updated, || format!("line {line_no} of {}", head.number))?;
            let item = (&line.open.product_id, line.open.sku.as_str());
            let place = (&head.location_id, head.location.as_str());
            let movement = apply(tx, now, item, place, StockCommand::Receive(*quantity), &ctx).await?;
            // The receipt refers to its ledger row.
            tx.write_appends().await?;
            db::query(
                "INSERT INTO purchase_order_receipt (movement_id, purchase_order_id, line_id, quantity) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(movement.as_str())
            .bind(head.id.as_str())
            .bind(line.id.as_str())
            .bind(quantity.get())
            .execute(&mut ***tx)
            .await?;
            received.push(json!({ "line_no": line_no, "sku": line.open.sku, "quantity": quantity }));
            movements.push(movement);
        }
        save_head(tx, &head, to, None, now).await?;
        let data = json!({ "status": to, "location": head.location, "lines": received, "actor": actor });
        event(
            tx,
            now,
            PurchaseOrderEventKind::Received,
            (&head.id, &head.number),
            data,
        );
        Ok((head.id, movements))
    }

    /// Closes a purchase order: what is still outstanding is no longer expected.
    pub async fn close_purchase_order(
        &self,
        key: &str,
        reason: Option<&str>,
        actor: &str,
    ) -> StoreResult<PurchaseOrder> {
        let change = (PurchaseOrderAction::Close, PurchaseOrderEventKind::Closed);
        self.move_purchase_order(key, change, reason, actor).await
    }

    /// Submits a draft to its supplier: from now on its lines are inbound stock.
    pub async fn submit_purchase_order(&self, key: &str, actor: &str) -> StoreResult<PurchaseOrder> {
        let change = (PurchaseOrderAction::Submit, PurchaseOrderEventKind::Submitted);
        self.move_purchase_order(key, change, None, actor).await
    }

    /// Cancels a purchase order against which nothing was received.
    pub async fn cancel_purchase_order(
        &self,
        key: &str,
        reason: Option<&str>,
        actor: &str,
    ) -> StoreResult<PurchaseOrder> {
        let change = (PurchaseOrderAction::Cancel, PurchaseOrderEventKind::Cancelled);
        self.move_purchase_order(key, change, reason, actor).await
    }

    /// Moves a purchase order by `action`, writes `kind` to the outbox, and tells the
    /// waiting lines that what is inbound changed.
    async fn move_purchase_order(
        &self,
        key: &str,
        (action, kind): (PurchaseOrderAction, PurchaseOrderEventKind),
        reason: Option<&str>,
        actor: &str,
    ) -> StoreResult<PurchaseOrder> {
        let id = transact!(self, |tx| {
            let now = self.now();
            let head = head(tx, key).await?;
            let to = rules::transition(head.status, action)?;
            save_head(tx, &head, to, reason, now).await?;
            let data = json!({ "status": to, "reason": reason, "actor": actor });
            event(tx, now, kind, (&head.id, &head.number), data);
            Ok(head.id)
        })?;
        let po = self.purchase_order(id.as_str()).await?;
        // More or less is coming: the waiting lines' expected dates move.
        let products: Vec<_> = po.lines.iter().map(|l| l.product_id.clone()).collect();
        self.after_inbound_changed(&products).await;
        Ok(po)
    }
}
