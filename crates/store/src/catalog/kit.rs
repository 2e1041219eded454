//! Kits: setting a product's components. The store reads what each component
//! reference names and what the product is on (stock, other kits, open orders); core
//! decides whether the kit is valid and may change.

use switchyard_core::catalog::{
    ComponentFacts, ComponentInput, KitFacts, check_components, may_set_components, parse_components,
};
use switchyard_core::id::ProductId;
use switchyard_core::order::{LineStatus, OrderStatus};

use super::product::{PRODUCTS, Product, product};
use super::{conflict, find_row, get_row};
use crate::db::{self, get_id, micros};
use crate::error::{StoreError, StoreResult};
use crate::{Store, WriteTx};

/// What a component reference (SKU or product id) names, if anything.
async fn component(tx: &mut WriteTx, reference: &str) -> StoreResult<Option<ComponentFacts>> {
    let Some(row) = find_row(&mut ***tx, &PRODUCTS, reference).await? else {
        return Ok(None);
    };
    let id: ProductId = get_id(&row, "id")?;
    let parts: i64 = db::query_scalar("SELECT COUNT(*) FROM kit_component WHERE kit_id = $1")
        .bind(id.as_str())
        .fetch_one(&mut ***tx)
        .await?;
    Ok(Some(ComponentFacts {
        id,
        sku: row.try_get("sku")?,
        is_kit: parts > 0,
    }))
}

/// Counts what `sql` finds for the product `id` ($1).
async fn count(tx: &mut WriteTx, sql: String, id: &ProductId) -> StoreResult<i64> {
    Ok(db::query_scalar(sql).bind(id.as_str()).fetch_one(&mut ***tx).await?)
}

/// What the product is on: open order lines, stock, other kits.
async fn kit_facts<'a>(tx: &mut WriteTx, kit: &'a Product) -> StoreResult<KitFacts<'a>> {
    let open_lines = format!(
        "SELECT COUNT(*) FROM order_line l JOIN sales_order o ON o.id = l.order_id \
         WHERE l.product_id = $1 AND l.status IN {} AND o.status IN {}",
        db::one_of(LineStatus::WAITING),
        db::one_of(OrderStatus::LIVE)
    );
    let stocked = "SELECT COUNT(*) FROM stock_balance WHERE product_id = $1 AND on_hand > 0";
    let used = "SELECT COUNT(*) FROM kit_component WHERE component_id = $1";
    Ok(KitFacts {
        sku: &kit.sku,
        open_lines: count(tx, open_lines, &kit.id).await?,
        has_stock: count(tx, stocked.into(), &kit.id).await? > 0,
        is_component: count(tx, used.into(), &kit.id).await? > 0,
    })
}

impl Store {
    /// Makes a product a kit of `components` (or, with none, an ordinary product again).
    /// A kit has no stock of its own: orders for it reserve its components.
    pub async fn set_components(&self, key: &str, inputs: &[ComponentInput]) -> StoreResult<Product> {
        let id = transact!(self, |tx| {
            let kit = product(&get_row(&mut ***tx, &PRODUCTS, key).await?)?;
            let parts = parse_components(inputs).map_err(StoreError::Invalid)?;
            let mut found = Vec::with_capacity(parts.len());
            for (reference, _) in &parts {
                found.push(component(tx, reference).await?);
            }
            let components = check_components(&kit.id, &parts, &found).map_err(StoreError::Invalid)?;
            may_set_components(&kit_facts(tx, &kit).await?, !components.is_empty()).map_err(conflict)?;
            db::query("DELETE FROM kit_component WHERE kit_id = $1")
                .bind(kit.id.as_str())
                .execute(&mut ***tx)
                .await?;
            for c in &components {
                db::query("INSERT INTO kit_component (kit_id, component_id, quantity) VALUES ($1, $2, $3)")
                    .bind(kit.id.as_str())
                    .bind(c.product_id.as_str())
                    .bind(c.quantity.get())
                    .execute(&mut ***tx)
                    .await?;
            }
            db::query("UPDATE product SET updated_at = $1 WHERE id = $2")
                .bind(micros(tx.now()))
                .bind(kit.id.as_str())
                .execute(&mut ***tx)
                .await?;
            Ok(kit.id)
        })?;
        self.product(id.as_str()).await
    }
}
