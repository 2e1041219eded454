//! Deciding on a return: authorizing it, with the location the items go back to (and a
//! refund now on a channel that refunds on authorization, when the role authorizing it
//! may approve its refund), approving its refund later, rejecting it or cancelling it.

use serde_json::json;
use switchyard_core::auth::Actor;
use switchyard_core::id::{LocationId, ReturnId};
use switchyard_core::order::OrderEventKind;
use switchyard_core::returns::{self as rules, Authorization, ReturnAction, ShippedFrom};
use switchyard_core::shipment::ShipmentLineStatus;

use super::Return;
use super::facts::refresh_order;
use super::settle::{close_when_settled, record_approval};
use crate::db::{self, get_id, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::{Store, WriteTx};

impl Store {
    /// Authorizes a requested return for `by`: the items go back to `location` (by
    /// default the location that shipped them). When `by`'s role may refund, its
    /// refund is approved with it (`core::returns::may_approve_refund`), and a channel
    /// that refunds on authorization refunds now; otherwise the refund waits for
    /// `approve_return_refund`.
    pub async fn authorize_return(&self, key: &str, auth: &Authorization, by: &Actor) -> StoreResult<Return> {
        let location = match &auth.location {
            Some(l) => Some(match self.location(l).await {
                Ok(loc) => loc.id,
                Err(StoreError::NotFound { .. }) => {
                    return Err(StoreError::invalid(
                        "/location",
                        "unknown_location",
                        format!("there is no location {l}"),
                    ));
                }
                Err(e) => return Err(e),
            }),
            None => None,
        };
        let (id, order) = transact!(self, |tx| {
            let now = tx.now();
            let mut head = Self::take_return(tx, key).await?;
            let to = rules::transition(head.status, ReturnAction::Authorize)?;
            let location = match &location {
                Some(l) => l.clone(),
                None => shipped_from(tx, &head.id).await?,
            };
            Self::save_return(tx, now, &head, to, Some("authorized_at")).await?;
            db::query("UPDATE return_request SET location_id = $1, decision_note = $2, decided_at = $3 WHERE id = $4")
                .bind(location.as_str())
                .bind(auth.note.as_deref())
                .bind(micros(now))
                .bind(head.id.as_str())
                .execute(&mut ***tx)
                .await?;
            let approved = rules::may_approve_refund(by.role).is_ok();
            if approved {
                record_approval(tx, now, &mut head, by).await?;
            }
            let code: String = db::query_scalar("SELECT code FROM location WHERE id = $1")
                .bind(location.as_str())
                .fetch_one(&mut ***tx)
                .await?;
            refresh_order(tx, now, &head.order.id).await?;
            let waits = if approved {
                ""
            } else {
                "; its refund waits for approval by someone who may refund"
            };
            let message = format!("Return {} authorized: send the items to {code}{waits}", head.number);
            let data =
                json!({ "return": head.number, "location": code, "note": auth.note, "refund_approved": approved });
            crate::order::event(
                tx,
                now,
                &head.order.id,
                OrderEventKind::ReturnAuthorized,
                &by.name,
                message,
                data,
            );
            let authorize = ReturnAction::Authorize;
            if let Some(due) = rules::settles(head.order.refund_on, authorize, head.settlement, head.refund_approved) {
                let mut lines = Self::return_lines(tx, &head).await?;
                Self::settle_return_in(tx, now, &head, &mut lines, due, &by.name).await?;
            }
            Ok((head.id, head.order.id))
        })?;
        // A refund on authorization is asked of the provider now, outside the write.
        self.settle_after_commit(&order).await;
        self.return_request(id.as_str()).await
    }

    /// Approves the refund of a return authorized by a role that may not refund; `by`'s
    /// role must (403 naming `refund` otherwise). What is due is refunded now: every
    /// authorized unit on a channel that refunds on authorization, what arrived on one
    /// that refunds on receipt (and later receipts refund on this approval); a return
    /// received in full and settled is closed. A return already approved keeps its
    /// approval and refunds whatever is due.
    pub async fn approve_return_refund(&self, key: &str, by: &Actor) -> StoreResult<Return> {
        rules::may_approve_refund(by.role)?;
        let (id, order) = transact!(self, |tx| {
            let now = tx.now();
            let mut head = Self::take_return(tx, key).await?;
            let status = rules::transition(head.status, ReturnAction::ApproveRefund)?;
            if head.refund_approved.is_none() {
                record_approval(tx, now, &mut head, by).await?;
                let message = format!("Refund of return {} approved by {}", head.number, by.name);
                let data = json!({ "return": head.number });
                let kind = OrderEventKind::ReturnRefundApproved;
                crate::order::event(tx, now, &head.order.id, kind, &by.name, message, data);
            }
            let approve = ReturnAction::ApproveRefund;
            if let Some(due) = rules::settles(head.order.refund_on, approve, head.settlement, head.refund_approved) {
                let mut lines = Self::return_lines(tx, &head).await?;
                Self::settle_return_in(tx, now, &head, &mut lines, due, &by.name).await?;
                close_when_settled(tx, now, &head.id, status, &lines).await?;
            }
            Ok((head.id, head.order.id))
        })?;
        self.settle_after_commit(&order).await;
        self.return_request(id.as_str()).await
    }

    /// Rejects a requested return; the note says why.
    pub async fn reject_return(&self, key: &str, note: &str, actor: &str) -> StoreResult<Return> {
        self.decide(
            key,
            (ReturnAction::Reject, OrderEventKind::ReturnRejected),
            Some(note),
            actor,
        )
        .await
    }

    /// Withdraws a return before anything arrived (the customer changed their mind).
    pub async fn cancel_return(&self, key: &str, note: Option<&str>, actor: &str) -> StoreResult<Return> {
        self.decide(
            key,
            (ReturnAction::Cancel, OrderEventKind::ReturnCancelled),
            note,
            actor,
        )
        .await
    }

    /// Ends a return before anything arrived: rejected or cancelled, with a note; its
    /// units may be asked for again.
    async fn decide(
        &self,
        key: &str,
        (action, kind): (ReturnAction, OrderEventKind),
        note: Option<&str>,
        actor: &str,
    ) -> StoreResult<Return> {
        let id = transact!(self, |tx| {
            let now = tx.now();
            let head = Self::take_return(tx, key).await?;
            let to = rules::transition(head.status, action)?;
            Self::save_return(tx, now, &head, to, Some("decided_at")).await?;
            db::query("UPDATE return_request SET decision_note = $1 WHERE id = $2")
                .bind(note)
                .bind(head.id.as_str())
                .execute(&mut ***tx)
                .await?;
            refresh_order(tx, now, &head.order.id).await?;
            let why = note.map(|n| format!(": {n}")).unwrap_or_default();
            let message = format!("Return {} {to}{why}", head.number);
            let data = json!({ "return": head.number, "note": note });
            crate::order::event(tx, now, &head.order.id, kind, actor, message, data);
            Ok(head.id)
        })?;
        self.return_request(id.as_str()).await
    }
}

/// Where the return's items go back to by default (`rules::default_location`), from
/// the shipments that carried its lines.
async fn shipped_from(tx: &mut WriteTx, id: &ReturnId) -> StoreResult<LocationId> {
    let sql = format!(
        "SELECT rl.line_no, s.shipped_at, s.location_id FROM return_line rl \
         JOIN shipment_line sl ON sl.line_id = rl.line_id AND sl.status IN {open} \
         JOIN shipment s ON s.id = sl.shipment_id WHERE rl.return_id = $1 AND s.shipped_at IS NOT NULL",
        open = db::one_of(&[ShipmentLineStatus::Open]),
    );
    let shipments = db::query(sql)
        .bind(id.as_str())
        .fetch_all(&mut ***tx)
        .await?
        .iter()
        .map(|r| {
            Ok(ShippedFrom {
                line_no: r.try_get("line_no")?,
                shipped_at: get_time(r, "shipped_at")?,
                location: get_id(r, "location_id")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    rules::default_location(&shipments)
        .ok_or_else(|| StoreError::invalid("/location", "required", "name the location the items go back to"))
}
