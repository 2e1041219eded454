//! Pick lists: released shipments of one location batched for one walk, read as
//! lines in bin order with the total of each SKU and the tote each unit goes to.
//! Making a list (by count, by carrier cut-off, single-unit or multi-unit) is in
//! `create`; confirming what the picker found, and short picks, in `confirm`.

mod confirm;
mod create;

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::id::{LocationId, PickListId, ProductId, ShipmentId};
use switchyard_core::shipment::{PickListStatus, ShipmentLineStatus, ShipmentStatus};

use super::units_carried;
use crate::Store;
use crate::db::{self, Arg, Sql, get_enum, get_id, get_json, get_opt_time, get_time};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};

/// A shipment on a pick list, in the tote numbered `slot`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickListShipment {
    pub slot: i64,
    pub id: ShipmentId,
    pub number: String,
    pub order_number: String,
    pub status: ShipmentStatus,
    pub units: i64,
    pub promised_ship_at: Option<Timestamp>,
}

/// How many units of a line go into which tote.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickAllocation {
    pub slot: i64,
    pub shipment: String,
    pub quantity: i64,
    /// Found, once confirmed.
    pub picked: Option<i64>,
}

/// One SKU to pick: where, how many in all, and for which totes.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickListLine {
    pub bin: Option<String>,
    pub sku: String,
    pub product_id: ProductId,
    pub title: String,
    pub barcode: Option<String>,
    /// Units to pick of this SKU, over all shipments.
    pub quantity: i64,
    /// Units found, once confirmed.
    pub picked: Option<i64>,
    pub allocations: Vec<PickAllocation>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickListTotals {
    pub shipments: i64,
    pub skus: i64,
    pub units: i64,
    /// Units found, once confirmed.
    pub picked: Option<i64>,
}

/// A batch of shipments picked in one walk of a location.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickList {
    pub id: PickListId,
    #[cfg_attr(feature = "openapi", schema(example = "PL-1001"))]
    pub number: String,
    pub location: String,
    pub location_id: LocationId,
    pub status: PickListStatus,
    /// How the shipments were chosen.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub criteria: serde_json::Value,
    pub created_by: String,
    pub created_at: Timestamp,
    pub completed_by: Option<String>,
    pub completed_at: Option<Timestamp>,
    /// Lines in walking order: by bin, then SKU; products without a bin last.
    pub lines: Vec<PickListLine>,
    pub shipments: Vec<PickListShipment>,
    pub totals: PickListTotals,
}

#[derive(Debug, Clone, Default)]
pub struct PickListFilter {
    pub location: Option<String>,
    pub status: Option<PickListStatus>,
}

impl Store {
    /// A pick list by id or number: its lines in bin order, its shipments by tote.
    pub async fn pick_list(&self, key: &str) -> StoreResult<PickList> {
        let column = if PickListId::parse(key).is_some() {
            "p.id"
        } else {
            "p.number"
        };
        let sql = format!(
            "SELECT p.id, p.number, l.code, p.location_id, p.status, p.criteria, p.created_by, p.created_at, \
             p.completed_by, p.completed_at FROM pick_list p JOIN location l ON l.id = p.location_id WHERE {column} = $1"
        );
        let row = db::query(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("pick list", key))?;
        let id: PickListId = get_id(&row, "id")?;
        let shipments = db::query(format!(
            "SELECT s.pick_slot, s.id, s.number, o.number AS order_number, s.status, s.promised_ship_at, {} AS units \
             FROM shipment s JOIN sales_order o ON o.id = s.order_id WHERE s.pick_list_id = $1 ORDER BY s.pick_slot",
            units_carried()
        ))
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PickListShipment {
                slot: r.try_get("pick_slot")?,
                id: get_id(r, "id")?,
                number: r.try_get("number")?,
                order_number: r.try_get("order_number")?,
                status: get_enum(r, "status", ShipmentStatus::parse)?,
                units: r.try_get("units")?,
                promised_ship_at: get_opt_time(r, "promised_ship_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        // Lines withdrawn before anything was picked are not to be picked at all.
        let rows = db::query(format!(
            "SELECT x.product_id, p.sku, p.title, p.barcode, b.bin, s.pick_slot, s.number, x.quantity, x.picked_quantity \
             FROM shipment_line x JOIN shipment s ON s.id = x.shipment_id JOIN product p ON p.id = x.product_id \
             LEFT JOIN product_bin b ON b.product_id = x.product_id AND b.location_id = s.location_id \
             WHERE s.pick_list_id = $1 AND (x.status <> {} OR x.picked_quantity IS NOT NULL) \
             ORDER BY p.sku, s.pick_slot",
            db::is(ShipmentLineStatus::Withdrawn)
        ))
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut lines: Vec<PickListLine> = Vec::new();
        for r in &rows {
            let product: ProductId = get_id(r, "product_id")?;
            let allocation = PickAllocation {
                slot: r.try_get("pick_slot")?,
                shipment: r.try_get("number")?,
                quantity: r.try_get("quantity")?,
                picked: r.try_get("picked_quantity")?,
            };
            match lines.iter_mut().find(|l| l.product_id == product) {
                Some(line) => {
                    line.quantity += allocation.quantity;
                    line.picked = line.picked.zip(allocation.picked).map(|(a, b)| a + b);
                    line.allocations.push(allocation);
                }
                None => lines.push(PickListLine {
                    bin: r.try_get("bin")?,
                    sku: r.try_get("sku")?,
                    product_id: product,
                    title: r.try_get("title")?,
                    barcode: r.try_get("barcode")?,
                    quantity: allocation.quantity,
                    picked: allocation.picked,
                    allocations: vec![allocation],
                }),
            }
        }
        lines.sort_by(|a, b| (a.bin.is_none(), &a.bin, &a.sku).cmp(&(b.bin.is_none(), &b.bin, &b.sku)));
        let totals = PickListTotals {
            shipments: shipments.len() as i64,
            skus: lines.len() as i64,
            units: lines.iter().map(|l| l.quantity).sum(),
            picked: lines.iter().map(|l| l.picked).sum(),
        };
        Ok(PickList {
            id,
            number: row.try_get("number")?,
            location: row.try_get("code")?,
            location_id: get_id(&row, "location_id")?,
            status: get_enum(&row, "status", PickListStatus::parse)?,
            criteria: get_json(&row, "criteria")?,
            created_by: row.try_get("created_by")?,
            created_at: get_time(&row, "created_at")?,
            completed_by: row.try_get("completed_by")?,
            completed_at: get_opt_time(&row, "completed_at")?,
            lines,
            shipments,
            totals,
        })
    }

    /// Pick lists, newest first.
    pub async fn list_pick_lists(&self, filter: &PickListFilter, page: &PageRequest) -> StoreResult<Page<PickList>> {
        let mut sql = Sql::new("SELECT p.id FROM pick_list p");
        if let Some(location) = &filter.location {
            let location = self.location(location).await?;
            sql.filter("p.location_id = ", Arg::Text(location.id.to_string()), "");
        }
        if let Some(status) = filter.status {
            sql.filter("p.status = ", Arg::Text(status.as_str().into()), "");
        }
        if let Some(cursor) = &page.cursor {
            sql.filter("p.id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY p.id DESC").limit(page.limit() + 1);
        let ids: Vec<String> = sql
            .query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
        let mut lists = Vec::with_capacity(ids.len());
        for id in ids {
            lists.push(self.pick_list(&id).await?);
        }
        Ok(Page::from_rows(lists, page.limit(), |l| l.id.to_string()))
    }
}
