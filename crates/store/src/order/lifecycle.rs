//! An order's lifecycle actions: cancelling it or one line (releasing stock and
//! settling money), holding it and releasing the hold.

use super::*;

impl Store {
    /// Cancels the whole order and releases its reservations.
    pub async fn cancel_order(&self, key: &str, reason: Option<&str>, actor: &str) -> StoreResult<Order> {
        let (id, freed) = transact!(self, |tx| {
            let now = tx.now();
            let head = Head::take(tx, key).await?;
            let to = rules::transition(head.status, OrderAction::Cancel)?;
            refuse_lines_in_progress(tx, &head.id, None).await?;
            withdraw_unstarted_shipments(tx, now, &head.id, None, actor).await?;
            let freed = reserved_products(tx, &head.id, None).await?;
            let released = release_reservations(tx, now, &head.id, None, actor).await?;
            let waiting = format!(
                "FROM order_line WHERE order_id = $1 AND status IN {}",
                db::one_of(LineStatus::WAITING)
            );
            let cancelled: Vec<i64> = db::query_scalar(format!("SELECT line_no {waiting}"))
                .bind(head.id.as_str())
                .fetch_all(&mut **tx)
                .await?;
            db::query(format!(
                "UPDATE order_line SET status = $2 WHERE id IN (SELECT id {waiting})"
            ))
            .bind(head.id.as_str())
            // Every waiting line may be cancelled (`core::order::line_transition`).
            .bind(LineStatus::Cancelled.as_str())
            .execute(&mut **tx)
            .await?;
            head.save(tx, to, None, now).await?;
            let mut message = format!("Cancelled{}", reason.map(|r| format!(": {r}")).unwrap_or_default());
            if !released.is_empty() {
                message.push_str(&format!(". Released {}", describe(&released)));
            }
            let data = json!({ "reason": reason, "released": released });
            event(tx, now, &head.id, OrderEventKind::Cancelled, actor, message, data);
            payment::settle_cancellation_in(tx, now, &head.id, &cancelled, actor).await?;
            Ok((head.id, freed))
        })?;
        self.after_stock_freed(&freed).await;
        self.settle_after_commit(&id).await;
        self.order(id.as_str()).await
    }

    /// Cancels one line (by id or line number) and releases its reservations; the
    /// order is cancelled with its last line, and completed when every line left has
    /// been delivered (`core::order::after_lines_changed`).
    pub async fn cancel_line(&self, key: &str, line: &str, reason: Option<&str>, actor: &str) -> StoreResult<Order> {
        let (id, freed) = transact!(self, |tx| {
            let now = tx.now();
            let head = Head::take(tx, key).await?;
            let to = rules::transition(head.status, OrderAction::CancelLine)?;
            let column = if LineId::parse(line).is_some() {
                "id"
            } else {
                "CAST(line_no AS TEXT)"
            };
            let sql = format!("SELECT id, line_no, sku, status FROM order_line WHERE order_id = $1 AND {column} = $2");
            let row = db::query(sql)
                .bind(head.id.as_str())
                .bind(line)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or_else(|| StoreError::not_found("order line", line))?;
            let line_id: LineId = get_id(&row, "id")?;
            let line_no: i64 = row.try_get("line_no")?;
            let sku: String = row.try_get("sku")?;
            let cancelled = rules::line_transition(get_enum(&row, "status", LineStatus::parse)?, LineAction::Cancel);
            if let Err(e) = cancelled
                && e.from == LineStatus::Cancelled
            {
                return Err(StoreError::Conflict {
                    code: "line_cancelled",
                    message: format!("line {line} ({sku}) is already cancelled"),
                });
            }
            refuse_lines_in_progress(tx, &head.id, Some(&line_id)).await?;
            let cancelled = cancelled.map_err(|e| StoreError::Conflict {
                code: "line_not_cancellable",
                message: format!("line {line} ({sku}): {e}"),
            })?;
            withdraw_unstarted_shipments(tx, now, &head.id, Some(&line_id), actor).await?;
            let freed = reserved_products(tx, &head.id, Some(&line_id)).await?;
            let released = release_reservations(tx, now, &head.id, Some(&line_id), actor).await?;
            db::query("UPDATE order_line SET status = $1 WHERE id = $2")
                .bind(cancelled.as_str())
                .bind(line_id.as_str())
                .execute(&mut **tx)
                .await?;
            let outcome = rules::after_lines_changed(to, head.lines(tx).await?)?;
            let to = outcome.status(to);
            let hold = if to == OrderStatus::OnHold {
                head.hold.clone()
            } else {
                None
            };
            head.save(tx, to, hold.as_ref(), now).await?;
            let mut message = format!(
                "Cancelled line {line} ({sku}){}",
                reason.map(|r| format!(": {r}")).unwrap_or_default()
            );
            if !released.is_empty() {
                message.push_str(&format!(". Released {}", describe(&released)));
            }
            let data = json!({ "line_id": line_id, "sku": sku, "reason": reason });
            event(tx, now, &head.id, OrderEventKind::LineCancelled, actor, message, data);
            if outcome == LinesOutcome::Cancelled {
                let message = "Cancelled: no lines left".to_owned();
                event(
                    tx,
                    now,
                    &head.id,
                    OrderEventKind::Cancelled,
                    "system",
                    message,
                    // The line's own event told the customer; this one mails no one.
                    json!({ "cause": switchyard_core::mail::CAUSE_NO_LINES_LEFT }),
                );
            }
            payment::settle_cancellation_in(tx, now, &head.id, &[line_no], actor).await?;
            Ok((head.id, freed))
        })?;
        self.after_stock_freed(&freed).await;
        self.settle_after_commit(&id).await;
        self.order(id.as_str()).await
    }

    /// Puts an order on hold: it keeps its reservations but is not fulfilled.
    pub async fn hold_order(&self, key: &str, hold: &Hold, actor: &str) -> StoreResult<Order> {
        let id = transact!(self, |tx| {
            let now = tx.now();
            let head = Head::take(tx, key).await?;
            let to = rules::transition(head.status, OrderAction::Hold)?;
            head.save(tx, to, Some(hold), now).await?;
            let until = hold.until.map(|u| format!(" until {u}")).unwrap_or_default();
            let note = hold.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default();
            let message = format!("Held for {}{until}{note}", hold.reason.as_str().replace('_', " "));
            let data = json!({ "reason": hold.reason, "note": hold.note, "until": hold.until });
            event(tx, now, &head.id, OrderEventKind::Held, actor, message, data);
            Ok(head.id)
        })?;
        self.order(id.as_str()).await
    }

    /// Releases a held order back to fulfilment.
    pub async fn release_order(&self, key: &str, actor: &str) -> StoreResult<Order> {
        let id = transact!(self, |tx| {
            let now = tx.now();
            let head = Head::take(tx, key).await?;
            let to = rules::transition(head.status, OrderAction::Release)?;
            head.save(tx, to, None, now).await?;
            let message = "Released from hold".to_owned();
            event(tx, now, &head.id, OrderEventKind::Released, actor, message, json!({}));
            Ok(head.id)
        })?;
        self.order(id.as_str()).await
    }

    /// Releases every hold whose `until` has passed; returns how many.
    pub async fn release_expired_holds(&self) -> StoreResult<usize> {
        let due: Vec<String> = db::query_scalar(
            "SELECT id FROM sales_order WHERE status = $1 AND hold_until IS NOT NULL AND hold_until <= $2",
        )
        .bind(OrderStatus::OnHold.as_str())
        .bind(micros(self.now()))
        .fetch_all(&self.pool)
        .await?;
        let mut released = 0;
        for id in due {
            match self.release_order(&id, "system").await {
                Ok(_) => released += 1,
                Err(StoreError::Transition(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(released)
    }
}
