//! Replenishment in the database: the supplier terms each product is bought on, what
//! the reorder policy needs to know per SKU and location (`facts`), and accepted
//! suggestions turned into draft purchase orders (`drafts`), and the suggestions
//! themselves (`suggestions`). The rules are
//! `core::replenish`; nothing here decides what to order.

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::id::ProductId;
use switchyard_core::money::{Currency, Money};
use switchyard_core::replenish::SupplierTerms;

use crate::Store;
use crate::db::{self, Row, get_id, get_time, micros};
use crate::error::{StoreError, StoreResult};

mod drafts;
mod facts;
mod suggestions;

pub use facts::ReplenishmentFacts;
pub use suggestions::Suggestions;

/// A product's supplier terms as stored.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredSupplierTerms {
    pub product_id: ProductId,
    #[cfg_attr(feature = "openapi", schema(example = "MUG-FERN"))]
    pub sku: String,
    #[serde(flatten)]
    pub terms: SupplierTerms,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

const TERMS_SELECT: &str = "SELECT t.product_id, p.sku, t.supplier_name, t.lead_time_days, t.moq, t.pack_size, \
     t.unit_cost, t.currency, t.updated_by, t.updated_at FROM supplier_terms t JOIN product p ON p.id = t.product_id";

fn terms(row: &Row) -> StoreResult<SupplierTerms> {
    let cost: Option<i64> = row.try_get("unit_cost")?;
    let currency: Option<String> = row.try_get("currency")?;
    let unit_cost = match (cost, currency) {
        (Some(amount), Some(c)) => Some(Money::new(
            amount,
            Currency::parse(&c)
                .map_err(|e| StoreError::Corrupt(format!("supplier terms currency {c}: {}", e.message)))?,
        )),
        _ => None,
    };
    Ok(SupplierTerms {
        supplier: row.try_get("supplier_name")?,
        lead_time_days: row.try_get("lead_time_days")?,
        moq: row.try_get("moq")?,
        pack_size: row.try_get("pack_size")?,
        unit_cost,
    })
}

fn stored(row: &Row) -> StoreResult<StoredSupplierTerms> {
    Ok(StoredSupplierTerms {
        product_id: get_id(row, "product_id")?,
        sku: row.try_get("sku")?,
        terms: terms(row)?,
        updated_by: row.try_get("updated_by")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

impl Store {
    /// Sets the terms a product (SKU or id) is bought on, replacing any it had. A kit
    /// is bought as its components, so it has none.
    pub async fn set_supplier_terms(
        &self,
        product: &str,
        terms: &SupplierTerms,
        actor: &str,
    ) -> StoreResult<StoredSupplierTerms> {
        let product = self.product(product).await?;
        if !product.components.is_empty() {
            return Err(StoreError::Conflict {
                code: "kit_not_bought",
                message: format!("{} is a kit: set the terms of its components", product.sku),
            });
        }
        let now = self.now();
        transact!(self, |tx| {
            db::query(
                "INSERT INTO supplier_terms (product_id, supplier_name, lead_time_days, moq, pack_size, unit_cost, \
                 currency, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (product_id) DO UPDATE SET supplier_name = excluded.supplier_name, \
                 lead_time_days = excluded.lead_time_days, moq = excluded.moq, pack_size = excluded.pack_size, \
                 unit_cost = excluded.unit_cost, currency = excluded.currency, updated_by = excluded.updated_by, \
                 updated_at = excluded.updated_at",
            )
            .bind(product.id.as_str())
            .bind(&terms.supplier)
            .bind(terms.lead_time_days)
            .bind(terms.moq)
            .bind(terms.pack_size)
            .bind(terms.unit_cost.map(|m| m.amount))
            .bind(terms.unit_cost.map(|m| m.currency.as_str()))
            .bind(actor)
            .bind(micros(now))
            .execute(&mut ***tx)
            .await?;
            Ok(())
        })?;
        self.supplier_terms(product.id.as_str()).await
    }

    /// The terms a product (SKU or id) is bought on; not found when none were set.
    pub async fn supplier_terms(&self, product: &str) -> StoreResult<StoredSupplierTerms> {
        let product = self.product(product).await?;
        let row = db::query(format!("{TERMS_SELECT} WHERE t.product_id = $1"))
            .bind(product.id.as_str())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("supplier terms", &product.sku))?;
        stored(&row)
    }
}
