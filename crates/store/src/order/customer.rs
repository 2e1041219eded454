//! One customer's orders, by email (kept lowercase when an order is placed): the
//! customer page's list and what the orders add up to. Both walk the index on
//! `(customer_email, id)` (migration 0020).

use super::*;

/// One customer's orders in one currency.
#[derive(Debug, Clone)]
pub struct CustomerTotals {
    pub currency: Currency,
    pub orders: i64,
    pub cancelled: i64,
    /// The grand totals of the orders not cancelled.
    pub spent: Money,
    pub first_placed_at: Timestamp,
    pub last_placed_at: Timestamp,
}

impl Store {
    /// The orders of `email`, newest first, cursor-paged like `list_orders`.
    pub async fn customer_orders(&self, email: &str, page: &PageRequest) -> StoreResult<Page<OrderSummary>> {
        let mut sql = Sql::new(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM sales_order o JOIN channel c ON c.id = o.channel_id"
        ));
        sql.filter("o.customer_email = ", Arg::Text(email.to_owned()), "");
        if let Some(cursor) = &page.cursor {
            sql.filter("o.id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY o.id DESC").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(summary).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit(), |o| o.id.to_string()))
    }

    /// What the orders of `email` add up to, per currency; empty when it has none.
    pub async fn customer_totals(&self, email: &str) -> StoreResult<Vec<CustomerTotals>> {
        let cancelled = db::is(OrderStatus::Cancelled);
        let rows = db::query(format!(
            "SELECT currency, COUNT(*) AS orders, \
             CAST(SUM(CASE WHEN status = {cancelled} THEN 1 ELSE 0 END) AS BIGINT) AS cancelled, \
             CAST(SUM(CASE WHEN status = {cancelled} THEN 0 ELSE grand_total END) AS BIGINT) AS spent, \
             MIN(placed_at) AS first_placed_at, MAX(placed_at) AS last_placed_at \
             FROM sales_order WHERE customer_email = $1 GROUP BY currency ORDER BY currency"
        ))
        .bind(email)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let c = currency(r)?;
                Ok(CustomerTotals {
                    currency: c,
                    orders: r.try_get("orders")?,
                    cancelled: r.try_get("cancelled")?,
                    spent: Money::new(r.try_get("spent")?, c),
                    first_placed_at: db::get_time(r, "first_placed_at")?,
                    last_placed_at: db::get_time(r, "last_placed_at")?,
                })
            })
            .collect()
    }
}
