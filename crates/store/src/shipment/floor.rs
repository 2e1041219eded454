//! The floor at a glance: per location, the work waiting to be released and the
//! shipments at each step before they leave.

use switchyard_core::shipment::{ReleaseMode, ShipmentStatus};

use super::release::units_waiting;
use crate::Store;
use crate::db::{self, get_enum};
use crate::error::StoreResult;

/// One location's floor.
#[derive(Debug, Clone)]
pub struct FloorBoard {
    pub location: String,
    pub name: String,
    pub release_mode: ReleaseMode,
    /// Reserved units of open orders not yet released.
    pub units_waiting: i64,
    /// Shipments released and on no pick list yet.
    pub released: i64,
    /// Shipments on a pick list.
    pub picking: i64,
    /// Shipments packed, waiting for a label.
    pub packed: i64,
    /// Shipments labelled, waiting to leave.
    pub labelled: i64,
}

impl Store {
    /// Every location in use (not archived) with its floor, by code.
    pub async fn floor_boards(&self) -> StoreResult<Vec<FloorBoard>> {
        let count = |status: ShipmentStatus| {
            format!(
                "(SELECT COUNT(*) FROM shipment s WHERE s.location_id = l.id AND s.status = {})",
                db::is(status)
            )
        };
        let sql = format!(
            "SELECT l.code, l.name, l.release_mode, {} AS waiting, {} AS released, {} AS picking, {} AS packed, \
             {} AS labelled FROM location l WHERE l.archived_at IS NULL ORDER BY l.code",
            units_waiting(),
            count(ShipmentStatus::Released),
            count(ShipmentStatus::Picking),
            count(ShipmentStatus::Packed),
            count(ShipmentStatus::LabelCreated),
        );
        db::query(sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(FloorBoard {
                    location: r.try_get("code")?,
                    name: r.try_get("name")?,
                    release_mode: get_enum(r, "release_mode", ReleaseMode::parse)?,
                    units_waiting: r.try_get("waiting")?,
                    released: r.try_get("released")?,
                    picking: r.try_get("picking")?,
                    packed: r.try_get("packed")?,
                    labelled: r.try_get("labelled")?,
                })
            })
            .collect()
    }
}
