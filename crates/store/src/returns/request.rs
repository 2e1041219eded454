//! Requesting a return: the order's lines are read with the order's row taken, core
//! checks the request against what shipped, the window and what is already on returns
//! and claims, and the return is written with the next RMA number.

use serde_json::json;
use switchyard_core::id::{ReturnId, ReturnLineId};
use switchyard_core::order::OrderEventKind;
use switchyard_core::returns::{self as rules, ReturnDraft, ReturnStatus, ReturnableLine};

use super::facts::{order_facts, order_lines, refresh_order};
use super::{Return, describe};
use crate::db::{self, micros};
use crate::error::{StoreError, StoreResult};
use crate::order::event;
use crate::{Store, WriteTx};

impl Store {
    async fn next_return_number(&self, tx: &mut WriteTx) -> StoreResult<String> {
        let next = match self.backend() {
            crate::Backend::Sqlite => {
                "UPDATE counter SET value = value + 1 WHERE name = 'return_number' RETURNING value"
            }
            crate::Backend::Postgres => "SELECT nextval('return_number_seq')",
        };
        let n: i64 = db::query_scalar(next).fetch_one(&mut ***tx).await?;
        Ok(rules::rma_number(n))
    }

    /// Opens a return for shipped lines of an order, each within the channel's return
    /// window and no more than may still be returned; every problem is reported at once.
    pub async fn request_return(&self, draft: &ReturnDraft, actor: &str) -> StoreResult<Return> {
        let id = transact!(self, |tx| {
            let now = tx.now();
            let order = order_facts(tx, &draft.order).await.map_err(|e| match e {
                StoreError::NotFound { .. } => {
                    StoreError::invalid("/order", "unknown_order", format!("there is no order {}", draft.order))
                }
                e => e,
            })?;
            crate::order::lock(tx, now, &order.id).await?;
            let lines = order_lines(tx, &order.id).await?;
            let returnable: Vec<ReturnableLine> = lines.iter().map(|l| l.returnable.clone()).collect();
            draft
                .check(&returnable, now, order.window_days)
                .map_err(StoreError::Invalid)?;
            let id = ReturnId::new_at(now);
            let number = self.next_return_number(tx).await?;
            db::query(
                "INSERT INTO return_request (id, number, order_id, status, currency, customer_note, created_by, \
                 created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1)",
            )
            .bind(id.as_str())
            .bind(&number)
            .bind(order.id.as_str())
            .bind(ReturnStatus::Requested.as_str())
            .bind(order.currency.to_string())
            .bind(draft.customer_note.as_deref())
            .bind(actor)
            .bind(micros(now))
            .execute(&mut ***tx)
            .await?;
            let mut items = Vec::new();
            for l in &draft.lines {
                let line = lines
                    .iter()
                    .find(|o| o.returnable.line_no == l.line_no)
                    .ok_or_else(|| StoreError::not_found("order line", l.line_no.to_string()))?;
                db::query(
                    "INSERT INTO return_line (id, return_id, line_id, line_no, product_id, sku, quantity, reason, note) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(ReturnLineId::new_at(now).as_str())
                .bind(id.as_str())
                .bind(line.id.as_str())
                .bind(l.line_no)
                .bind(line.product_id.as_str())
                .bind(&line.returnable.sku)
                .bind(l.quantity.get())
                .bind(l.reason.as_str())
                .bind(l.note.as_deref())
                .execute(&mut ***tx)
                .await?;
                let why = l.reason.as_str().replace('_', " ");
                items.push((l.quantity.get(), format!("{} ({why})", line.returnable.sku)));
            }
            refresh_order(tx, now, &order.id).await?;
            let message = format!("Return {number} requested: {}", describe(items));
            let data = json!({ "return": number, "return_id": id });
            event(
                tx,
                now,
                &order.id,
                OrderEventKind::ReturnRequested,
                actor,
                message,
                data,
            );
            Ok(id)
        })?;
        self.return_request(id.as_str()).await
    }
}
