//! Exchanges: a return settled by a replacement order instead of a refund. The
//! replacement is placed through the normal placement path (reserved at once), linked
//! to the return and its order; the return's credit pays for it and the difference is
//! charged on the new order or refunded on the original.

use serde_json::json;
use switchyard_core::FieldError;
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::{LineDraft, OrderEventKind};
use switchyard_core::payment::{RefundReason, RefundRequest};
use switchyard_core::returns::{self as rules, ReplacementLine, ReturnAction, SettleLine, SettlementKind};

use super::{LineRow, Return, replacement_draft};
use crate::Store;
use crate::db::{self, changed_one};
use crate::error::{StoreError, StoreResult};
use crate::inventory::retrying;
use crate::order::event;

impl Store {
    /// Order lines for `wanted`, priced at each product's price unless a price is given;
    /// each unknown SKU or missing price is named.
    pub(crate) async fn replacement_lines(
        &self,
        currency: Currency,
        wanted: &[ReplacementLine],
    ) -> StoreResult<Vec<LineDraft>> {
        let mut lines = Vec::new();
        let mut errors = Vec::new();
        for (i, w) in wanted.iter().enumerate() {
            let at = |f: &str| format!("/lines/{i}/{f}");
            let product = match self.product(&w.sku).await {
                Ok(p) if p.archived_at.is_none() => p,
                Ok(_) | Err(StoreError::NotFound { .. }) => {
                    errors.push(FieldError {
                        field: at("sku"),
                        code: "unknown_sku",
                        message: format!("there is no product with SKU {} to send", w.sku),
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            let Some(unit_price) = w.unit_price.or(product.price) else {
                errors.push(FieldError {
                    field: at("unit_price"),
                    code: "required",
                    message: format!("{} has no price: give one", w.sku),
                });
                continue;
            };
            if unit_price.currency != currency {
                errors.push(FieldError {
                    field: at("unit_price"),
                    code: "currency_mismatch",
                    message: format!("is in {}, but the order is in {currency}", unit_price.currency),
                });
                continue;
            }
            let total = unit_price
                .checked_mul(w.quantity.get())
                .map_err(|e| StoreError::invalid(&at("quantity"), "out_of_range", e.to_string()))?;
            lines.push(LineDraft {
                sku: product.sku,
                quantity: w.quantity,
                unit_price,
                discount: Money::zero(currency),
                tax: Money::zero(currency),
                total,
            });
        }
        if errors.is_empty() {
            Ok(lines)
        } else {
            Err(StoreError::Invalid(errors))
        }
    }

    /// Settles an authorized return, nothing of which was settled yet, by a replacement
    /// order for `wanted`. The return's credit (what a refund of all of it would give)
    /// pays for the replacement as a discount on its lines, so the new order charges only
    /// the difference through the normal payment path; credit left over is refunded on
    /// the original order (`exchange_difference`).
    pub async fn exchange_return(&self, key: &str, wanted: &[ReplacementLine], actor: &str) -> StoreResult<Return> {
        let (head, credit) = {
            let mut conn = self.pool.acquire().await?;
            let head = Self::return_head(&mut conn, key).await?;
            rules::transition(head.status, ReturnAction::Exchange)?;
            let lines = Self::return_lines(&mut conn, &head).await?;
            if lines.iter().any(|l| l.settled > 0) {
                return Err(already_settled(&head.number));
            }
            let settlement = Self::return_settlement(&mut conn, &head, &whole(&lines)).await?;
            (head, settlement)
        };
        let order = self.order(head.order.id.as_str()).await?;
        let mut lines = self.replacement_lines(order.summary.currency, wanted).await?;
        let gross = Money::sum(order.summary.currency, lines.iter().map(|l| l.total))
            .map_err(|e| StoreError::invalid("/lines", "out_of_range", e.to_string()))?;
        let left = rules::apply_credit(&mut lines, credit.total)
            .map_err(|e| StoreError::invalid("/lines", "out_of_range", e.to_string()))?;
        let number = &head.number;
        let draft = replacement_draft(
            &order,
            format!("{number}-EXCHANGE"),
            lines,
            "exchange",
            format!(
                "Exchange for return {number} of order {}: credit {}",
                order.summary.number, credit.total
            ),
        )?;
        let placed = self.place_order(&draft, actor).await?.order;
        let difference = gross
            .checked_sub(credit.total)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let head = Self::take_return(&mut tx, key).await?;
                rules::transition(head.status, ReturnAction::Exchange)?;
                let lines = Self::return_lines(&mut tx, &head).await?;
                if lines.iter().any(|l| l.settled > 0) {
                    return Err(already_settled(&head.number));
                }
                if Self::return_settlement(&mut tx, &head, &whole(&lines)).await? != credit {
                    return Err(StoreError::Conflict {
                        code: "concurrent_update",
                        message: format!("return {} changed while it was exchanged; retry", head.number),
                    });
                }
                if left.amount > 0 {
                    let mut refund = RefundRequest::new(RefundReason::ExchangeDifference);
                    refund.amount = Some(left);
                    refund.reference = Some(head.number.clone());
                    crate::payment::refund_in(&mut tx, &head.order.id, &refund, actor).await?;
                }
                Self::record_settlement(&mut tx, now, &head, SettlementKind::Exchange, &credit, credit.total).await?;
                db::query("UPDATE return_line SET settled = quantity WHERE return_id = $1")
                    .bind(head.id.as_str())
                    .execute(&mut **tx)
                    .await?;
                let updated = db::query(
                    "UPDATE return_request SET exchange_order_id = $1, exchange_difference = $2, version = version + 1 \
                     WHERE id = $3 AND version = $4",
                )
                .bind(placed.summary.id.as_str())
                .bind(difference.amount)
                .bind(head.id.as_str())
                .bind(head.version)
                .execute(&mut **tx)
                .await?;
                changed_one(&updated, || format!("return {}", head.number))?;
                let settled_by = if left.amount > 0 {
                    format!("{left} refunded")
                } else {
                    format!("{} due on it", placed.summary.totals.total)
                };
                event(
                    &mut tx,
                    now,
                    &head.order.id,
                    OrderEventKind::ReturnSettled,
                    actor,
                    format!(
                        "Return {} exchanged for order {}: credit {}, {settled_by}",
                        head.number, placed.summary.number, credit.total
                    ),
                    json!({ "return": head.number, "settlement": SettlementKind::Exchange, "exchange_order": placed.summary.number,
                            "credit": credit, "difference": difference }),
                );
                Ok(head.id)
            }
            .await;
            tx.finish(result).await
        })?;
        self.return_request(id.as_str()).await
    }
}

/// Every unit of a return's lines, to settle at once.
fn whole(lines: &[LineRow]) -> Vec<SettleLine> {
    lines
        .iter()
        .map(|l| SettleLine {
            line_no: l.line_no,
            reason: l.reason,
            line_total: l.line_total,
            line_quantity: l.line_quantity,
            quantity: l.quantity,
        })
        .collect()
}

fn already_settled(number: &str) -> StoreError {
    StoreError::Conflict {
        code: "already_settled",
        message: format!("return {number} was already settled (in part): it cannot be exchanged"),
    }
}
