//! Products: creation, look-up by id or SKU with their kit components, the list,
//! changes and archiving.

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::catalog::{ProductDraft, ProductPatch};
use switchyard_core::id::ProductId;
use switchyard_core::{Currency, Money};

use super::{CatalogFilter, Table, get_row};
use crate::Store;
use crate::db::{self, Arg, Row, Sql, get_id, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: ProductId,
    pub sku: String,
    pub title: String,
    pub barcode: Option<String>,
    pub weight_grams: Option<i64>,
    pub price: Option<Money>,
    pub cost: Option<Money>,
    /// For a kit: the components one unit reserves. Empty for an ordinary product.
    pub components: Vec<Component>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set when archived: an archived product takes no new orders.
    pub archived_at: Option<Timestamp>,
}

/// A component of a kit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Component {
    pub sku: String,
    pub product_id: ProductId,
    pub quantity: i64,
}

pub(super) const PRODUCTS: Table = Table {
    name: "product",
    columns: "id, sku, title, barcode, weight_grams, price_amount, price_currency, \
              cost_amount, cost_currency, created_at, updated_at, archived_at",
    key: "sku",
    is_id: |key| ProductId::parse(key).is_some(),
};

fn money(row: &Row, amount: &str, currency: &str) -> StoreResult<Option<Money>> {
    let amount: Option<i64> = row.try_get(amount)?;
    let currency: Option<String> = row.try_get(currency)?;
    Ok(match (amount, currency) {
        (Some(a), Some(c)) => Some(Money::new(
            a,
            Currency::parse(&c).map_err(|e| StoreError::Corrupt(e.message))?,
        )),
        _ => None,
    })
}

/// The product's changeable fields as stored, for a change to apply to.
fn draft(row: &Row) -> StoreResult<ProductDraft> {
    Ok(ProductDraft {
        sku: row.try_get("sku")?,
        title: row.try_get("title")?,
        barcode: row.try_get("barcode")?,
        weight_grams: row.try_get("weight_grams")?,
        price: money(row, "price_amount", "price_currency")?,
        cost: money(row, "cost_amount", "cost_currency")?,
    })
}

/// Binds a draft's changeable columns as $1..$7: `title, barcode, weight_grams,
/// price_amount, price_currency, cost_amount, cost_currency`.
fn bind_product(q: db::Query, d: &ProductDraft) -> db::Query {
    q.bind(&d.title)
        .bind(d.barcode.as_deref())
        .bind(d.weight_grams)
        .bind(d.price.map(|m| m.amount))
        .bind(d.price.map(|m| m.currency.to_string()))
        .bind(d.cost.map(|m| m.amount))
        .bind(d.cost.map(|m| m.currency.to_string()))
}

/// A product without its components.
pub(super) fn product(row: &Row) -> StoreResult<Product> {
    let d = draft(row)?;
    Ok(Product {
        id: get_id(row, "id")?,
        sku: d.sku,
        title: d.title,
        barcode: d.barcode,
        weight_grams: d.weight_grams,
        price: d.price,
        cost: d.cost,
        components: Vec::new(),
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        archived_at: get_opt_time(row, "archived_at")?,
    })
}

impl Store {
    pub async fn create_product(&self, draft: &ProductDraft) -> StoreResult<Product> {
        let id = transact!(self, |tx| {
            let id = ProductId::new_at(tx.now());
            let sql = "INSERT INTO product (title, barcode, weight_grams, price_amount, price_currency, cost_amount, \
                       cost_currency, id, sku, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
            bind_product(db::query(sql), draft)
                .bind(id.as_str())
                .bind(&draft.sku)
                .bind(micros(tx.now()))
                .execute(&mut ***tx)
                .await
                .map_err(|e| {
                    if e.violates("product_sku_key", "product.sku") {
                        StoreError::Conflict {
                            code: "duplicate_sku",
                            message: format!("a product with SKU {} already exists", draft.sku),
                        }
                    } else {
                        e.into()
                    }
                })?;
            Ok(id)
        })?;
        self.product(id.as_str()).await
    }

    /// A product by id or SKU.
    pub async fn product(&self, key: &str) -> StoreResult<Product> {
        let row = get_row(&self.pool, &PRODUCTS, key).await?;
        let mut products = self.with_components(vec![product(&row)?]).await?;
        products.pop().ok_or_else(|| StoreError::not_found("product", key))
    }

    /// Fills in the components of the kits among `products`.
    async fn with_components(&self, mut products: Vec<Product>) -> StoreResult<Vec<Product>> {
        if products.is_empty() {
            return Ok(products);
        }
        let mut sql = Sql::new(
            "SELECT kc.kit_id, kc.component_id, p.sku, kc.quantity FROM kit_component kc \
             JOIN product p ON p.id = kc.component_id WHERE kc.kit_id IN (",
        );
        sql.list(products.iter().map(|p| Arg::Text(p.id.to_string())))
            .push(") ORDER BY p.sku");
        for row in sql.query().fetch_all(&self.pool).await? {
            let kit: ProductId = get_id(&row, "kit_id")?;
            if let Some(p) = products.iter_mut().find(|p| p.id == kit) {
                p.components.push(Component {
                    sku: row.try_get("sku")?,
                    product_id: get_id(&row, "component_id")?,
                    quantity: row.try_get("quantity")?,
                });
            }
        }
        Ok(products)
    }

    pub async fn list_products(&self, filter: &CatalogFilter, page: &PageRequest) -> StoreResult<Page<Product>> {
        let rows = self
            .list_rows(&PRODUCTS, &["sku", "title", "barcode"], filter, page)
            .await?;
        let items = self
            .with_components(rows.iter().map(product).collect::<StoreResult<Vec<_>>>()?)
            .await?;
        Ok(Page::from_rows(items, page.limit(), |p| p.sku.clone()))
    }

    pub async fn update_product(&self, key: &str, patch: &ProductPatch) -> StoreResult<Product> {
        let id = transact!(self, |tx| {
            let row = get_row(&mut ***tx, &PRODUCTS, key).await?;
            let draft = patch.apply(&draft(&row)?).map_err(StoreError::Invalid)?;
            let id: ProductId = get_id(&row, "id")?;
            let sql = "UPDATE product SET title = $1, barcode = $2, weight_grams = $3, price_amount = $4, \
                       price_currency = $5, cost_amount = $6, cost_currency = $7, updated_at = $8 WHERE id = $9";
            bind_product(db::query(sql), &draft)
                .bind(micros(tx.now()))
                .bind(id.as_str())
                .execute(&mut ***tx)
                .await?;
            Ok(id)
        })?;
        self.product(id.as_str()).await
    }

    /// Archives a product: it stays in history but takes no new orders.
    pub async fn archive_product(&self, key: &str) -> StoreResult<Product> {
        let id = self.archive_key(&PRODUCTS, key).await?;
        self.product(&id).await
    }
}
