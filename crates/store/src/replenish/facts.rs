//! What the reorder policy needs per SKU and location, gathered in a few queries: stock,
//! inbound from purchase orders that expect goods, backordered demand, supplier terms,
//! and the lead time learned from the supplier's receipts. A forecast of demand is
//! all `core::replenish::suggest` still needs.

use std::collections::BTreeMap;

use serde::Serialize;
use switchyard_core::id::{LocationId, ProductId};
use switchyard_core::order::{LineStatus, OrderStatus};
use switchyard_core::purchase::{self as purchase_rules, PurchaseOrderStatus};
use switchyard_core::replenish::lead_time::DEFAULT_DAYS;
use switchyard_core::replenish::{LeadTime, LeadTimeFacts, StockFacts, SupplierTerms, lead_time};

use super::{TERMS_SELECT, terms};
use crate::Store;
use crate::db::{self, get_id};
use crate::error::StoreResult;

/// Microseconds in a day.
const DAY_MICROS: f64 = 86_400_000_000.0;

/// Observed lead times in days: per supplier, and per (supplier, product).
pub(super) type History = (BTreeMap<String, Vec<f64>>, BTreeMap<(String, ProductId), Vec<f64>>);

/// One SKU at one location, as the reorder policy reads it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplenishmentFacts {
    pub product_id: ProductId,
    pub sku: String,
    pub location_id: LocationId,
    /// The location's code.
    pub location: String,
    /// On hand, reserved and inbound here. `backordered` is 0: a backordered line waits
    /// for any location, so its units are in `backordered_anywhere` for the caller to
    /// place.
    pub stock: StockFacts,
    /// Units every backordered line of a live order waits for, at any location (a kit
    /// line counts the units of this product its kits hold).
    pub backordered_anywhere: i64,
    pub terms: Option<SupplierTerms>,
    /// From this supplier's receipts of this SKU, else of any SKU, else the terms, else
    /// the default.
    pub lead_time: LeadTime,
}

impl Store {
    /// Days from ordering to the first receipt of each purchase order line with a
    /// receipt, per supplier and per (supplier, product).
    pub(super) async fn lead_time_history(&self) -> StoreResult<History> {
        let rows = db::query(
            "SELECT po.supplier_name, pl.product_id, COALESCE(po.submitted_at, po.created_at) AS ordered_at, \
             MIN(m.created_at) AS received_at FROM purchase_order_receipt r \
             JOIN purchase_order_line pl ON pl.id = r.line_id JOIN purchase_order po ON po.id = r.purchase_order_id \
             JOIN stock_movement m ON m.id = r.movement_id \
             GROUP BY pl.id, po.supplier_name, pl.product_id, po.submitted_at, po.created_at",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by_supplier: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut by_sku: BTreeMap<(String, ProductId), Vec<f64>> = BTreeMap::new();
        for r in &rows {
            let supplier: String = r.try_get("supplier_name")?;
            let product: ProductId = get_id(r, "product_id")?;
            let (ordered, received): (i64, i64) = (r.try_get("ordered_at")?, r.try_get("received_at")?);
            let days = (received - ordered) as f64 / DAY_MICROS;
            by_supplier.entry(supplier.clone()).or_default().push(days);
            by_sku.entry((supplier, product)).or_default().push(days);
        }
        Ok((by_supplier, by_sku))
    }

    /// What the reorder policy needs for every stocked product at every location that
    /// holds it or expects it, by SKU then location code. Archived products and
    /// locations and kits (bought as their components) are left out.
    pub async fn replenishment_facts(&self) -> StoreResult<Vec<ReplenishmentFacts>> {
        type Key = (String, String);
        let mut rows: BTreeMap<Key, ReplenishmentFacts> = BTreeMap::new();
        let (by_supplier, by_sku) = self.lead_time_history().await?;
        let mut all_terms: BTreeMap<ProductId, SupplierTerms> = BTreeMap::new();
        for r in db::query(TERMS_SELECT).fetch_all(&self.pool).await? {
            all_terms.insert(get_id(&r, "product_id")?, terms(&r)?);
        }
        let stocked = "p.archived_at IS NULL AND l.archived_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM kit_component k WHERE k.kit_id = p.id)";
        let balances = db::query(format!(
            "SELECT p.id AS product_id, p.sku, l.id AS location_id, l.code, b.on_hand, b.reserved \
             FROM stock_balance b JOIN product p ON p.id = b.product_id JOIN location l ON l.id = b.location_id \
             WHERE {stocked}"
        ))
        .fetch_all(&self.pool)
        .await?;
        let expecting: Vec<PurchaseOrderStatus> = PurchaseOrderStatus::ALL
            .iter()
            .copied()
            .filter(|s| purchase_rules::expects_goods(*s))
            .collect();
        let inbound = db::query(format!(
            "SELECT p.id AS product_id, p.sku, l.id AS location_id, l.code, \
             CAST(SUM(pl.quantity - pl.received) AS BIGINT) AS inbound FROM purchase_order_line pl \
             JOIN purchase_order po ON po.id = pl.purchase_order_id JOIN product p ON p.id = pl.product_id \
             JOIN location l ON l.id = po.location_id \
             WHERE pl.received < pl.quantity AND po.status IN {} AND {stocked} GROUP BY p.id, p.sku, l.id, l.code",
            db::one_of(&expecting)
        ))
        .fetch_all(&self.pool)
        .await?;
        let waiting = db::query(format!(
            "SELECT COALESCE(kc.component_id, ol.product_id) AS product_id, \
             CAST(SUM(ol.quantity * COALESCE(kc.quantity, 1)) AS BIGINT) AS units FROM order_line ol \
             JOIN sales_order o ON o.id = ol.order_id LEFT JOIN kit_component kc ON kc.kit_id = ol.product_id \
             WHERE ol.status = $1 AND o.status IN {} GROUP BY COALESCE(kc.component_id, ol.product_id)",
            db::one_of(OrderStatus::LIVE)
        ))
        .bind(LineStatus::Backordered.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut backordered: BTreeMap<ProductId, i64> = BTreeMap::new();
        for r in &waiting {
            backordered.insert(get_id(r, "product_id")?, r.try_get("units")?);
        }
        for (r, is_balance) in balances
            .iter()
            .map(|r| (r, true))
            .chain(inbound.iter().map(|r| (r, false)))
        {
            let product_id: ProductId = get_id(r, "product_id")?;
            let sku: String = r.try_get("sku")?;
            let code: String = r.try_get("code")?;
            let row = match rows.entry((sku.clone(), code.clone())) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let terms = all_terms.get(&product_id).cloned();
                    let facts = LeadTimeFacts {
                        sku_history: terms
                            .as_ref()
                            .and_then(|t| by_sku.get(&(t.supplier.clone(), product_id.clone())))
                            .cloned()
                            .unwrap_or_default(),
                        supplier_history: terms
                            .as_ref()
                            .and_then(|t| by_supplier.get(&t.supplier))
                            .cloned()
                            .unwrap_or_default(),
                        set_days: terms.as_ref().and_then(|t| t.lead_time_days).map(|d| d as f64),
                    };
                    e.insert(ReplenishmentFacts {
                        backordered_anywhere: backordered.get(&product_id).copied().unwrap_or(0),
                        product_id,
                        sku,
                        location_id: get_id(r, "location_id")?,
                        location: code,
                        stock: StockFacts::default(),
                        lead_time: lead_time(&facts, DEFAULT_DAYS),
                        terms,
                    })
                }
            };
            if is_balance {
                row.stock.on_hand = r.try_get("on_hand")?;
                row.stock.reserved = r.try_get("reserved")?;
            } else {
                row.stock.inbound = r.try_get("inbound")?;
            }
        }
        Ok(rows.into_values().collect())
    }
}
