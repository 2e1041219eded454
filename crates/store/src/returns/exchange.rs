//! Exchanges: a return settled by a replacement order instead of a refund. The
//! replacement is placed through the normal placement path (reserved at once), linked
//! to the return and its order; the return's credit pays for it and the difference is
//! charged on the new order or refunded on the original. Core prices the lines and the
//! terms; this module looks the products up and writes what was decided.

use serde_json::json;
use switchyard_core::auth::Actor;
use switchyard_core::id::OrderId;
use switchyard_core::money::Currency;
use switchyard_core::order::LineDraft;
use switchyard_core::payment::{self as payment_rules, RefundReason, RefundRequest};
use switchyard_core::returns::{
    self as rules, ExchangeTerms, ReplacementFor, ReplacementLine, ReplacementProduct, ReturnAction, SettleLine,
    Settlement, SettlementKind,
};

use super::settle::{out_of_range, replacement_draft, settled};
use super::{Head, Return, states};
use crate::db::{self, Link, changed_one};
use crate::error::{StoreError, StoreResult};
use crate::{Store, WriteTx};

impl Store {
    /// Order lines for `wanted`, priced at each product's price unless a price is given;
    /// each unknown SKU or missing price is named.
    pub(crate) async fn replacement_lines(
        &self,
        currency: Currency,
        wanted: &[ReplacementLine],
    ) -> StoreResult<Vec<LineDraft>> {
        let mut products = Vec::with_capacity(wanted.len());
        for w in wanted {
            products.push(match self.product(&w.sku).await {
                Ok(p) => Some(ReplacementProduct {
                    sku: p.sku,
                    price: p.price,
                    archived: p.archived_at.is_some(),
                }),
                Err(StoreError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            });
        }
        rules::price_replacements(wanted, &products, currency).map_err(StoreError::Invalid)
    }

    /// Settles an authorized return, nothing of which was settled yet, by a replacement
    /// order for `wanted`, asked by `by`. The return's credit (what a refund of all of
    /// it would give) pays for the replacement as a discount on its lines, so the new
    /// order charges only the difference through the normal payment path; credit left
    /// over is refunded on the original order (`exchange_difference`), on the authority
    /// of the return's refund approval, else of `by`'s role
    /// (`core::returns::refund_authority`). A role that may not give that money back is
    /// refused before the replacement is placed.
    pub async fn exchange_return(&self, key: &str, wanted: &[ReplacementLine], by: &Actor) -> StoreResult<Return> {
        let (head, credit) = {
            let mut conn = self.pool.acquire().await?;
            let head = Self::return_head(&mut conn, key).await?;
            let credit = Self::exchange_credit(&mut conn, &head).await?;
            (head, credit)
        };
        let order = self.order(head.order.id.as_str()).await?;
        let currency = order.summary.currency;
        let lines = self.replacement_lines(currency, wanted).await?;
        let ExchangeTerms {
            lines,
            difference,
            refund,
        } = rules::exchange_terms(lines, credit.total, currency).map_err(out_of_range("/lines"))?;
        let refund = refund.map(|left| RefundRequest {
            reference: Some(head.number.clone()),
            ..RefundRequest::amount(left, RefundReason::ExchangeDifference)
        });
        let authority = rules::refund_authority(head.refund_approved, by.role);
        if let Some(request) = &refund {
            payment_rules::may_ask(authority, request)?;
        }
        let number = &head.number;
        let notes = format!(
            "Exchange for return {number} of order {}: credit {}",
            order.summary.number, credit.total
        );
        let draft = replacement_draft(&order, ReplacementFor::Exchange(number), lines, notes)?;
        let placed = self.place_order(&draft, &by.name).await?.order;
        let (id, order) = transact!(self, |tx| {
            let now = tx.now();
            let head = Self::take_return(tx, key).await?;
            if Self::exchange_credit(tx, &head).await? != credit {
                return Err(StoreError::Conflict {
                    code: "concurrent_update",
                    message: format!("return {} changed while it was exchanged; retry", head.number),
                });
            }
            if let Some(request) = &refund {
                crate::payment::refund_in(tx, &head.order.id, request, authority, &by.name).await?;
            }
            Self::record_settlement(tx, now, &head, SettlementKind::Exchange, &credit, credit.total).await?;
            db::query("UPDATE return_line SET settled = quantity WHERE return_id = $1")
                .bind(head.id.as_str())
                .execute(&mut ***tx)
                .await?;
            link_exchange(tx, &head, &placed.summary.id, difference.amount).await?;
            let settled_by = match refund.as_ref().and_then(|r| r.amount) {
                Some(left) => format!("{left} refunded"),
                None => format!("{} due on it", placed.summary.totals.total),
            };
            let message = format!(
                "Return {} exchanged for order {}: credit {}, {settled_by}",
                head.number, placed.summary.number, credit.total
            );
            let data = json!({ "return": head.number, "settlement": SettlementKind::Exchange, "exchange_order": placed.summary.number,
                               "credit": credit, "difference": difference });
            settled(tx, &head, &by.name, message, data);
            Ok((head.id, head.order.id))
        })?;
        self.settle_after_commit(&order).await;
        self.return_request(id.as_str()).await
    }

    /// What exchanging the return credits: a refund of every unit. Refused when the
    /// return may not be exchanged now, or some of it was settled already.
    async fn exchange_credit(conn: &mut Link, head: &Head) -> StoreResult<Settlement> {
        rules::transition(head.status, ReturnAction::Exchange)?;
        let lines = Self::return_lines(conn, head).await?;
        let whole: Vec<SettleLine> = rules::exchange_lines(&states(&lines)).ok_or_else(|| StoreError::Conflict {
            code: "already_settled",
            message: format!(
                "return {} was already settled (in part): it cannot be exchanged",
                head.number
            ),
        })?;
        Self::return_settlement(conn, head, &whole).await
    }
}

/// Links the return to its replacement order, with what the replacement cost beyond
/// the credit.
async fn link_exchange(tx: &mut WriteTx, head: &Head, order: &OrderId, difference: i64) -> StoreResult<()> {
    let updated = db::query(
        "UPDATE return_request SET exchange_order_id = $1, exchange_difference = $2, version = version + 1 \
         WHERE id = $3 AND version = $4",
    )
    .bind(order.as_str())
    .bind(difference)
    .bind(head.id.as_str())
    .bind(head.version)
    .execute(&mut ***tx)
    .await?;
    changed_one(&updated, || format!("return {}", head.number))
}
