//! Accepted suggestions become draft purchase orders: each line's product, location,
//! supplier (named, or the product's terms), quantity checked against the terms' packs
//! and minimum, unit cost and expected date from the terms and the learned lead time;
//! then one draft per supplier, location and currency, all in one transaction or none.

use std::collections::BTreeMap;

use switchyard_core::FieldError;
use switchyard_core::purchase::{PurchaseOrderDraft, PurchaseOrderLineDraft, PurchaseOrderStatus, Supplier};
use switchyard_core::replenish::lead_time::DEFAULT_DAYS;
use switchyard_core::replenish::{AcceptedOrder, DraftLine, LeadTimeFacts, SupplierTerms, group, lead_time};
use switchyard_core::validation::Invalid;

use super::{TERMS_SELECT, terms};
use crate::Store;
use crate::catalog::{Location, Product};
use crate::db;
use crate::error::{StoreError, StoreResult};
use crate::purchase::{PurchaseOrder, insert};

impl Store {
    async fn terms_of(&self, product: &Product) -> StoreResult<Option<SupplierTerms>> {
        let row = db::query(format!("{TERMS_SELECT} WHERE t.product_id = $1"))
            .bind(product.id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(terms).transpose()
    }

    /// Turns accepted suggestions into draft purchase orders (one per supplier,
    /// location and currency), each line expected its lead time from now. Every line at
    /// fault is named and nothing is created.
    pub async fn create_replenishment_drafts(
        &self,
        order: &AcceptedOrder,
        actor: &str,
    ) -> StoreResult<Vec<PurchaseOrder>> {
        let (by_supplier, by_sku) = self.lead_time_history().await?;
        let mut errors: Vec<FieldError> = Vec::new();
        let mut products: BTreeMap<String, Product> = BTreeMap::new();
        let mut locations: BTreeMap<String, Location> = BTreeMap::new();
        let mut lines = Vec::new();
        for (i, accepted) in order.lines.iter().enumerate() {
            let at = |f: &str| format!("/lines/{i}/{f}");
            let product = self.stocked_product(&accepted.sku, &at("sku"), &mut errors).await?;
            let location = self
                .receiving_location(&accepted.location, &at("location"), &mut errors)
                .await?;
            let (Some(product), Some(location)) = (product, location) else {
                continue;
            };
            let terms = self.terms_of(&product).await?;
            let Some(supplier) = accepted
                .supplier
                .clone()
                .or_else(|| terms.as_ref().map(|t| t.supplier.clone()))
            else {
                let message = format!("{} has no supplier terms: name a supplier", product.sku);
                errors.push(Invalid::new("no_supplier", message).at(at("supplier")));
                continue;
            };
            // The terms hold for the supplier they name, not for another one.
            let terms = terms.filter(|t| t.supplier == supplier);
            if let Some(t) = &terms
                && let Err(e) = t.units().check(accepted.quantity)
            {
                errors.push(e.at(at("quantity")));
                continue;
            }
            let Some(currency) = terms.as_ref().and_then(SupplierTerms::currency).or(order.currency) else {
                let message = format!(
                    "{}'s supplier terms name no unit cost: give the drafts' currency",
                    product.sku
                );
                errors.push(Invalid::new("required", message).at("/currency"));
                continue;
            };
            let history = LeadTimeFacts {
                sku_history: by_sku
                    .get(&(supplier.clone(), product.id.clone()))
                    .cloned()
                    .unwrap_or_default(),
                supplier_history: by_supplier.get(&supplier).cloned().unwrap_or_default(),
                set_days: terms.as_ref().and_then(|t| t.lead_time_days).map(|d| d as f64),
            };
            lines.push(DraftLine {
                sku: product.sku.clone(),
                location: location.code.clone(),
                supplier,
                currency,
                quantity: accepted.quantity,
                unit_cost: terms.as_ref().and_then(|t| t.unit_cost),
                lead_time_days: lead_time(&history, DEFAULT_DAYS).mean_days,
            });
            products.insert(product.sku.clone(), product);
            locations.insert(location.code.clone(), location);
        }
        if !errors.is_empty() {
            errors.dedup();
            return Err(StoreError::Invalid(errors));
        }
        let now = self.now();
        let mut drafts = Vec::new();
        for g in group(lines) {
            let location = locations
                .get(&g.location)
                .ok_or_else(|| StoreError::not_found("location", &g.location))?;
            let draft = PurchaseOrderDraft {
                supplier: Supplier {
                    name: g.supplier,
                    reference: None,
                    email: None,
                },
                location: g.location.clone(),
                currency: g.currency,
                lines: g
                    .lines
                    .iter()
                    .map(|l| PurchaseOrderLineDraft {
                        sku: l.sku.clone(),
                        quantity: l.quantity,
                        unit_cost: l.unit_cost,
                        expected_at: l.expected_at(now),
                    })
                    .collect(),
                notes: None,
            };
            drafts.push((draft, location));
        }
        let ids = transact!(self, |tx| {
            let mut ids = Vec::with_capacity(drafts.len());
            for (draft, location) in &drafts {
                let status = PurchaseOrderStatus::Draft;
                ids.push(insert(tx, self.backend(), now, (draft, status), (*location, &products), actor).await?);
            }
            Ok(ids)
        })?;
        let mut created = Vec::with_capacity(ids.len());
        for id in ids {
            created.push(self.purchase_order(id.as_str()).await?);
        }
        Ok(created)
    }
}
