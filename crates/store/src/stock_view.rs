//! Stock levels as the staff pages show them: each balance with the units still
//! inbound on open purchase order lines delivering there and the units returns put in
//! quarantine there. Inbound is `inbound` (what ATP reads); quarantine is the returns'
//! own count, kept apart from sellable stock. And when purchase orders are expected,
//! for their list.

use std::collections::HashMap;

use jiff::Timestamp;
use switchyard_core::id::{LocationId, ProductId, PurchaseOrderId};

use crate::Store;
use crate::db::{Arg, Sql, get_id, get_time};
use crate::error::StoreResult;
use crate::inventory::{LevelFilter, StockLevel};
use crate::page::{Page, PageRequest};

/// A stock level with what is on its way and what is set aside.
#[derive(Debug, Clone)]
pub struct LevelView {
    pub level: StockLevel,
    /// Units still expected from open purchase orders delivering here.
    pub inbound: i64,
    /// Returned units held in quarantine here (not on hand, not sellable).
    pub quarantined: i64,
}

type Place = (ProductId, LocationId);

impl Store {
    /// A page of `levels`, each with its inbound and quarantined units.
    pub async fn level_views(&self, filter: &LevelFilter, page: &PageRequest) -> StoreResult<Page<LevelView>> {
        let levels = self.levels(filter, page).await?;
        let mut products: Vec<ProductId> = levels.data.iter().map(|l| l.product_id.clone()).collect();
        products.sort();
        products.dedup();
        let mut inbound: HashMap<Place, i64> = HashMap::new();
        for i in self.inbound(&products).await? {
            *inbound.entry((i.product_id, i.location_id)).or_default() += i.quantity;
        }
        let quarantined = self.quarantined(&products).await?;
        let data = levels
            .data
            .into_iter()
            .map(|level| {
                let place = (level.product_id.clone(), level.location_id.clone());
                LevelView {
                    inbound: inbound.get(&place).copied().unwrap_or(0),
                    quarantined: quarantined.get(&place).copied().unwrap_or(0),
                    level,
                }
            })
            .collect();
        Ok(Page {
            data,
            next_cursor: levels.next_cursor,
        })
    }

    /// Units in quarantine of `products`, by product and location.
    async fn quarantined(&self, products: &[ProductId]) -> StoreResult<HashMap<Place, i64>> {
        if products.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql = Sql::new("SELECT product_id, location_id, quantity FROM stock_quarantine WHERE product_id IN (");
        sql.list(products.iter().map(|p| Arg::Text(p.to_string())));
        sql.push(")");
        sql.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    (get_id(r, "product_id")?, get_id(r, "location_id")?),
                    r.try_get("quantity")?,
                ))
            })
            .collect()
    }
}

impl Store {
    /// When the first line of each of `orders` is expected, for purchase order lists.
    pub async fn first_expected(&self, orders: &[PurchaseOrderId]) -> StoreResult<HashMap<PurchaseOrderId, Timestamp>> {
        if orders.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql = Sql::new(
            "SELECT purchase_order_id, MIN(expected_at) AS expected_at FROM purchase_order_line \
             WHERE purchase_order_id IN (",
        );
        sql.list(orders.iter().map(|o| Arg::Text(o.to_string())));
        sql.push(") GROUP BY purchase_order_id");
        sql.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((get_id(r, "purchase_order_id")?, get_time(r, "expected_at")?)))
            .collect()
    }
}
