//! What a channel tells us about its orders after they were placed: a cancellation
//! (decided by `core::order::channel_cancel`) and a refund it paid. Both are safe to
//! hear twice: a cancelled order stays cancelled, and a refund is recorded once per
//! channel refund id.

use switchyard_core::auth::{Actor, Role};
use switchyard_core::order::{ChannelCancel, Hold, HoldReason};
use switchyard_core::payment::{RefundReason, RefundRequest};

use super::*;

/// What a channel's cancellation did here.
#[derive(Debug, Clone)]
pub struct ChannelCancelled {
    pub outcome: ChannelCancel,
    pub order: Order,
}

/// What a channel's refund did here: the amount recorded now, or none when it was
/// recorded before or nothing was left to refund.
#[derive(Debug, Clone)]
pub struct ChannelRefunded {
    pub recorded: Option<Money>,
    pub order: Order,
}

/// How a channel refund is named on the payment record, so it is recorded once.
fn refund_reference(refund_id: &str) -> String {
    format!("channel refund {refund_id}")
}

impl Store {
    /// The order channel `channel` (code or id) has under `external_id`.
    pub async fn order_by_external_id(&self, channel: &str, external_id: &str) -> StoreResult<Order> {
        let channel = self.channel(channel).await?;
        let id = place::order_by_external(&self.pool, &channel.id, Some(external_id))
            .await?
            .ok_or_else(|| StoreError::not_found("order", external_id))?;
        self.order(id.as_str()).await
    }

    /// The channel cancelled order `key`: cancelled here too, or, when a shipment of it
    /// is already being picked or packed, held with reason `customer_request` for an
    /// operator, or, when neither is possible, noted on its timeline for one.
    pub async fn cancel_from_channel(
        &self,
        key: &str,
        reason: Option<&str>,
        actor: &str,
    ) -> StoreResult<ChannelCancelled> {
        let order = self.order(key).await?;
        let started = {
            let mut conn = self.pool.acquire().await?;
            !lines_in_progress(&mut conn, &order.summary.id, None).await?.is_empty()
        };
        let said = reason.map(|r| format!(" ({r})")).unwrap_or_default();
        let outcome = rules::channel_cancel(order.summary.status, started);
        let order = match outcome {
            ChannelCancel::Nothing => order,
            ChannelCancel::Cancel => {
                let why = format!("cancelled on the channel{said}");
                match self.cancel_order(key, Some(&why), actor).await {
                    // The floor started on it since it was read: hold it instead.
                    Err(StoreError::Conflict {
                        code: "shipment_in_progress",
                        ..
                    }) => return Box::pin(self.cancel_from_channel(key, reason, actor)).await,
                    other => other?,
                }
            }
            ChannelCancel::Hold => {
                let hold = Hold {
                    reason: HoldReason::CustomerRequest,
                    note: Some(format!(
                        "Cancelled on the channel{said}, but a shipment is already being picked or packed: \
                         stop it and cancel the order, or let it go"
                    )),
                    until: None,
                };
                self.hold_order(key, &hold, actor).await?
            }
            ChannelCancel::Note => {
                let message = format!(
                    "Cancelled on the channel{said}, but the order is {}: an operator decides",
                    order.summary.status.as_str().replace('_', " ")
                );
                let id = order.summary.id.clone();
                transact!(self, |tx| {
                    let now = tx.now();
                    let data = json!({ "reason": reason });
                    event(
                        tx,
                        now,
                        &id,
                        OrderEventKind::ChannelCancelled,
                        actor,
                        message.clone(),
                        data,
                    );
                    Ok(())
                })?;
                self.order(key).await?
            }
        };
        Ok(ChannelCancelled { outcome, order })
    }

    /// The channel refunded `amount` of order `key` (its refund `refund_id`): recorded
    /// as a refund the channel paid, once, however often the channel tells us, and no
    /// more than is left to refund (`core::order::channel_refund`).
    pub async fn refund_from_channel(
        &self,
        key: &str,
        refund_id: &str,
        amount: Money,
        reason: Option<&str>,
        actor: &str,
    ) -> StoreResult<ChannelRefunded> {
        let reference = refund_reference(refund_id);
        let payments = self.order_payments(key).await?;
        let known = payments
            .transactions
            .iter()
            .any(|t| t.settles.as_deref() == Some(reference.as_str()));
        let recorded = if known {
            None
        } else {
            rules::channel_refund(amount, payments.refundable)
        };
        if let Some(amount) = recorded {
            let request = RefundRequest {
                note: reason.map(str::to_owned),
                reference: Some(reference),
                ..RefundRequest::amount(amount, RefundReason::Other)
            };
            // The channel has paid it already: recorded on the channel's authority.
            let by = Actor {
                name: actor.to_owned(),
                role: Role::Admin,
            };
            self.refund_order(key, &request, &by).await?;
        }
        Ok(ChannelRefunded {
            recorded,
            order: self.order(key).await?,
        })
    }
}
