//! Claims: goods that went wrong on the way (missing, damaged in transit, the wrong
//! item), made good by a refund or a free replacement without anything coming back.
//! Their reasons stay for reporting. Core checks the claim and says the replacement
//! is free; this module reads the order's lines and writes the claim.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use switchyard_core::auth::Actor;
use switchyard_core::id::{ClaimId, OrderId};
use switchyard_core::inventory::Quantity;
use switchyard_core::money::Money;
use switchyard_core::order::OrderEventKind;
use switchyard_core::returns::{
    self as rules, ClaimDraft, ClaimReason, ClaimResolution, ReplacementFor, ReturnableLine,
};

use super::facts::{order_facts, order_lines};
use super::settle::replacement_draft;
use super::{OrderLineRow, describe};
use crate::Store;
use crate::db::{self, Arg, Row, Sql, get_currency, get_enum, get_id, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::order::event;
use crate::page::{Page, PageRequest};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimLine {
    pub line_no: i64,
    pub sku: String,
    pub quantity: i64,
}

/// A claim and how it was made good.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Claim {
    pub id: ClaimId,
    pub order_id: OrderId,
    pub order_number: String,
    pub reason: ClaimReason,
    pub resolution: ClaimResolution,
    pub note: Option<String>,
    pub lines: Vec<ClaimLine>,
    /// What the refund gave back (zero for a replacement).
    pub refunded: Money,
    /// Number of the free replacement order.
    pub replacement_order: Option<String>,
    pub created_by: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct ClaimFilter {
    pub reason: Option<ClaimReason>,
    pub resolution: Option<ClaimResolution>,
    /// The order's number or id.
    pub order: Option<String>,
}

const CLAIM_SELECT: &str = "SELECT c.id, c.order_id, o.number AS order_number, c.reason, c.resolution, c.note, \
     c.currency, c.refunded, (SELECT number FROM sales_order WHERE id = c.replacement_order_id) AS replacement_order, \
     c.created_by, c.created_at FROM claim c JOIN sales_order o ON o.id = c.order_id";

impl Store {
    async fn claim_from(&self, row: &Row) -> StoreResult<Claim> {
        let id: ClaimId = get_id(row, "id")?;
        let lines = db::query("SELECT line_no, sku, quantity FROM claim_line WHERE claim_id = $1 ORDER BY line_no")
            .bind(id.as_str())
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(ClaimLine {
                    line_no: r.try_get("line_no")?,
                    sku: r.try_get("sku")?,
                    quantity: r.try_get("quantity")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Claim {
            id,
            order_id: get_id(row, "order_id")?,
            order_number: row.try_get("order_number")?,
            reason: get_enum(row, "reason", ClaimReason::parse)?,
            resolution: get_enum(row, "resolution", ClaimResolution::parse)?,
            note: row.try_get("note")?,
            lines,
            refunded: Money::new(row.try_get("refunded")?, get_currency(row, "currency")?),
            replacement_order: row.try_get("replacement_order")?,
            created_by: row.try_get("created_by")?,
            created_at: get_time(row, "created_at")?,
        })
    }

    /// A claim by id.
    pub async fn claim(&self, id: &str) -> StoreResult<Claim> {
        let sql = format!("{CLAIM_SELECT} WHERE c.id = $1");
        let row = db::query(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("claim", id))?;
        self.claim_from(&row).await
    }

    /// Claims, newest first.
    pub async fn list_claims(&self, filter: &ClaimFilter, page: &PageRequest) -> StoreResult<Page<Claim>> {
        let mut sql = Sql::new(CLAIM_SELECT);
        if let Some(reason) = filter.reason {
            sql.filter("c.reason = ", Arg::Text(reason.as_str().into()), "");
        }
        if let Some(resolution) = filter.resolution {
            sql.filter("c.resolution = ", Arg::Text(resolution.as_str().into()), "");
        }
        if let Some(order) = &filter.order {
            let column = super::id_column::<OrderId>(order, "o.id = ", "o.number = ");
            sql.filter(column, Arg::Text(order.clone()), "");
        }
        if let Some(cursor) = &page.cursor {
            sql.filter("c.id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY c.id DESC").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(self.claim_from(row).await?);
        }
        Ok(Page::from_rows(items, page.limit(), |c| c.id.to_string()))
    }

    /// Files a claim for shipped lines of an order (no more than shipped and not
    /// already returned or claimed), asked by `by`, and makes it good: a refund of the
    /// lines' shares through the payments ledger, given on `by`'s role (a role that may
    /// not refund is refused and nothing is written), or a free replacement order
    /// reserved at once. The lines are checked before the replacement is placed and
    /// again, with the order's row taken, when the claim is written.
    pub async fn file_claim(&self, order_key: &str, draft: &ClaimDraft, by: &Actor) -> StoreResult<Claim> {
        let actor = by.name.as_str();
        let (order_id, skus) = {
            let mut conn = self.pool.acquire().await?;
            let order = order_facts(&mut conn, order_key).await?;
            let lines = order_lines(&mut conn, &order.id).await?;
            let skus = claimable(&lines, draft, self.now())?;
            (order.id, skus)
        };
        let id = ClaimId::new_at(self.now());
        let replacement = match draft.resolution {
            ClaimResolution::Replacement => Some(self.replace_claimed(&id, &order_id, &skus, actor).await?),
            ClaimResolution::Refund => None,
        };
        transact!(self, |tx| {
            let now = tx.now();
            crate::order::lock(tx, now, &order_id).await?;
            let lines = order_lines(tx, &order_id).await?;
            claimable(&lines, draft, now)?;
            let currency = order_facts(tx, order_id.as_str()).await?.currency;
            let refunded = match draft.resolution {
                ClaimResolution::Refund => {
                    crate::payment::refund_in(tx, &order_id, &draft.refund(id.as_str()), by.role, actor)
                        .await?
                        .amount
                }
                ClaimResolution::Replacement => Money::zero(currency),
            };
            db::query(
                "INSERT INTO claim (id, order_id, reason, resolution, note, currency, refunded, replacement_order_id, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id.as_str())
            .bind(order_id.as_str())
            .bind(draft.reason.as_str())
            .bind(draft.resolution.as_str())
            .bind(draft.note.as_deref())
            .bind(currency.to_string())
            .bind(refunded.amount)
            .bind(replacement.as_ref().map(|(id, _)| id.as_str()))
            .bind(actor)
            .bind(micros(now))
            .execute(&mut ***tx)
            .await?;
            for (line_no, quantity) in &draft.lines {
                let line = lines
                    .iter()
                    .find(|l| l.returnable.line_no == *line_no)
                    .ok_or_else(|| StoreError::not_found("order line", line_no.to_string()))?;
                db::query(
                    "INSERT INTO claim_line (claim_id, line_id, line_no, product_id, sku, quantity) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id.as_str())
                .bind(line.id.as_str())
                .bind(*line_no)
                .bind(line.product_id.as_str())
                .bind(&line.returnable.sku)
                .bind(quantity.get())
                .execute(&mut ***tx)
                .await?;
            }
            let made_good = match &replacement {
                Some((_, number)) => format!("free replacement order {number}"),
                None => format!("refunded {refunded}"),
            };
            let message = format!(
                "Claim ({}) for {}: {made_good}",
                draft.reason.as_str().replace('_', " "),
                describe(skus.iter().map(|(s, q)| (q.get(), s.clone())))
            );
            let data = json!({ "claim": id, "reason": draft.reason, "resolution": draft.resolution, "refunded": refunded,
                               "replacement_order": replacement.as_ref().map(|(_, n)| n) });
            event(tx, now, &order_id, OrderEventKind::ClaimFiled, actor, message, data);
            Ok(())
        })?;
        // A refund is asked of the provider now, outside the write.
        self.settle_after_commit(&order_id).await;
        self.claim(id.as_str()).await
    }

    /// Places the free replacement of a claim: its id and number.
    async fn replace_claimed(
        &self,
        id: &ClaimId,
        order_id: &OrderId,
        skus: &[(String, Quantity)],
        actor: &str,
    ) -> StoreResult<(OrderId, String)> {
        let order = self.order(order_id.as_str()).await?;
        let currency = order.summary.currency;
        let lines = self
            .replacement_lines(currency, &rules::free_replacement(skus, currency))
            .await?;
        let notes = format!("Free replacement for claim {id} on order {}", order.summary.number);
        let draft = replacement_draft(&order, ReplacementFor::Claim(id.as_str()), lines, notes)?;
        let placed = self.place_order(&draft, actor).await?.order.summary;
        Ok((placed.id, placed.number))
    }
}

/// The claimed lines' SKUs and quantities, once core checked the claim against what
/// shipped.
fn claimable(lines: &[OrderLineRow], draft: &ClaimDraft, now: Timestamp) -> StoreResult<Vec<(String, Quantity)>> {
    let returnable: Vec<ReturnableLine> = lines.iter().map(|l| l.returnable.clone()).collect();
    draft.check(&returnable, now).map_err(StoreError::Invalid)
}
