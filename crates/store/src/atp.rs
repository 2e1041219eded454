//! Available-to-promise for one SKU: reads its balances, its inbound purchase-order
//! lines and its backordered demand, and lets `core::atp` project them by date.

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::atp::{self, Arrival, Step, TotalProjection, WaitingLine};
use switchyard_core::id::{LocationId, ProductId};
use switchyard_core::inventory::Balance;
use switchyard_core::order::{LineStatus, OrderStatus};

use crate::Store;
use crate::db::{self, get_id, micros, time};
use crate::error::StoreResult;

/// Available-to-promise of one SKU at one location.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocationAtp {
    /// The location's code.
    pub location: String,
    pub location_id: LocationId,
    pub on_hand: i64,
    pub reserved: i64,
    /// `on_hand - reserved`, now.
    pub available: i64,
    /// Units still expected from open purchase orders delivering here.
    pub inbound: i64,
    /// One step per expected delivery date: `available` plus what is expected here by then.
    pub by_date: Vec<Step>,
}

/// Available-to-promise of one SKU, per location and in total.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailableToPromise {
    pub sku: String,
    pub product_id: ProductId,
    /// When the projection was made.
    pub as_of: Timestamp,
    /// Every location with a balance or inbound units for the SKU, by code.
    pub locations: Vec<LocationAtp>,
    pub total: TotalProjection,
}

impl Store {
    /// Available-to-promise of a SKU (or product id).
    pub async fn available_to_promise(&self, sku: &str) -> StoreResult<AvailableToPromise> {
        let product = self.product(sku).await?;
        // Microseconds, like every stored time.
        let as_of = time(micros(self.now()));
        let stock = db::query(
            "SELECT l.code, b.location_id, b.on_hand, b.reserved FROM stock_balance b \
             JOIN location l ON l.id = b.location_id WHERE b.product_id = $1",
        )
        .bind(product.id.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let place: (String, LocationId) = (r.try_get("code")?, get_id(r, "location_id")?);
            let balance = Balance {
                on_hand: r.try_get("on_hand")?,
                reserved: r.try_get("reserved")?,
            };
            Ok((place, balance))
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let arrivals: Vec<Arrival<(String, LocationId)>> = self
            .inbound(std::slice::from_ref(&product.id))
            .await?
            .into_iter()
            .map(|i| Arrival {
                location: (i.location, i.location_id),
                quantity: i.quantity,
                expected_at: i.expected_at,
            })
            .collect();
        let waiting = db::query(format!(
            "SELECT ol.quantity, kc.quantity AS per_kit FROM order_line ol \
             JOIN sales_order o ON o.id = ol.order_id \
             LEFT JOIN kit_component kc ON kc.kit_id = ol.product_id AND kc.component_id = $1 \
             WHERE (ol.product_id = $1 OR kc.component_id IS NOT NULL) AND ol.status = $2 AND o.status IN {}",
            db::one_of(OrderStatus::LIVE)
        ))
        .bind(product.id.as_str())
        .bind(LineStatus::Backordered.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(WaitingLine {
                quantity: r.try_get("quantity")?,
                per_kit: r.try_get("per_kit")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let backordered = atp::backordered_units(&waiting);
        let projection = atp::project(&stock, &arrivals, backordered);
        Ok(AvailableToPromise {
            sku: product.sku,
            product_id: product.id,
            as_of,
            locations: projection
                .locations
                .into_iter()
                .map(|l| LocationAtp {
                    location: l.location.0,
                    location_id: l.location.1,
                    on_hand: l.on_hand,
                    reserved: l.reserved,
                    available: l.available,
                    inbound: l.inbound,
                    by_date: l.by_date,
                })
                .collect(),
            total: projection.total,
        })
    }
}
