//! Locations: creation, look-up by id or code with their shipping zones, the list,
//! changes, taking one out of routing, and archiving (which core allows only while
//! nothing there is reserved).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::catalog::{
    Address, LocationDraft, LocationInput, LocationKind, format_cutoff, may_archive_location,
};
use switchyard_core::id::{LocationId, ZoneId};
use switchyard_core::order::ServiceLevel;
use switchyard_core::routing::zone::{Zone, ZoneInput, parse_zones};
use switchyard_core::{Currency, Money};

use super::{CatalogFilter, Table, archive, conflict, get_row, write_coded};
use crate::db::{self, Arg, Row, Sql, get_enum, get_id, get_json, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};
use crate::{Store, WriteTx};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub id: LocationId,
    pub code: String,
    pub name: String,
    pub kind: LocationKind,
    pub address: Address,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Breaks ties between otherwise equal routing plans: lower numbers first.
    pub priority: i64,
    pub timezone: String,
    /// Daily cut-off, HH:MM in `timezone`.
    pub cutoff: String,
    pub handling_days: i64,
    pub ships_to_customers: bool,
    pub allows_pickup: bool,
    /// Set while the location is out of routing.
    pub disabled_at: Option<Timestamp>,
    /// Where it ships, at what cost and how fast; with none, it ships anywhere at no recorded cost.
    pub zones: Vec<Zone>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub archived_at: Option<Timestamp>,
}

pub(super) const LOCATIONS: Table = Table {
    name: "location",
    columns: "id, code, name, kind, address, latitude, longitude, priority, timezone, cutoff_minutes, \
              handling_days, ships_to_customers, allows_pickup, disabled_at, created_at, updated_at, archived_at",
    key: "code",
    is_id: |key| LocationId::parse(key).is_some(),
};

/// The columns a location's draft fills, in the order `write_location` binds them ($1..$13).
const LOCATION_FIELDS: &str = "code, name, kind, address, country, latitude, longitude, priority, timezone, \
     cutoff_minutes, handling_days, ships_to_customers, allows_pickup";

/// Runs `sql`, an insert or update of location `id` with `d`'s columns as $1..$13
/// (`LOCATION_FIELDS`), the id as $14 and the time as $15.
async fn write_location(tx: &mut WriteTx, sql: String, d: &LocationDraft, id: &LocationId) -> StoreResult<()> {
    let q = db::query(sql)
        .bind(&d.code)
        .bind(&d.name)
        .bind(d.kind.as_str())
        .bind(serde_json::to_string(&d.address)?)
        .bind(&d.address.country)
        .bind(d.latitude)
        .bind(d.longitude)
        .bind(d.priority)
        .bind(&d.timezone)
        .bind(d.cutoff_minutes)
        .bind(d.handling_days)
        .bind(i64::from(d.ships_to_customers))
        .bind(i64::from(d.allows_pickup));
    write_coded(tx, q, "location", &d.code, id.as_str()).await
}

/// The location's fields as stored, for a change to apply to.
fn draft(row: &Row) -> StoreResult<LocationDraft> {
    Ok(LocationDraft {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: get_enum(row, "kind", LocationKind::parse)?,
        address: get_json(row, "address")?,
        latitude: row.try_get("latitude")?,
        longitude: row.try_get("longitude")?,
        priority: row.try_get("priority")?,
        timezone: row.try_get("timezone")?,
        cutoff_minutes: row.try_get("cutoff_minutes")?,
        handling_days: row.try_get("handling_days")?,
        ships_to_customers: row.try_get::<i64, _>("ships_to_customers")? != 0,
        allows_pickup: row.try_get::<i64, _>("allows_pickup")? != 0,
    })
}

/// A location without its zones.
fn location(row: &Row) -> StoreResult<Location> {
    let d = draft(row)?;
    Ok(Location {
        id: get_id(row, "id")?,
        code: d.code,
        name: d.name,
        kind: d.kind,
        address: d.address,
        latitude: d.latitude,
        longitude: d.longitude,
        priority: d.priority,
        timezone: d.timezone,
        cutoff: format_cutoff(d.cutoff_minutes),
        handling_days: d.handling_days,
        ships_to_customers: d.ships_to_customers,
        allows_pickup: d.allows_pickup,
        disabled_at: get_opt_time(row, "disabled_at")?,
        zones: Vec::new(),
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        archived_at: get_opt_time(row, "archived_at")?,
    })
}

impl Store {
    pub async fn create_location(&self, draft: &LocationDraft) -> StoreResult<Location> {
        let id = transact!(self, |tx| {
            let id = LocationId::new_at(tx.now());
            let sql = format!(
                "INSERT INTO location ({LOCATION_FIELDS}, id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)"
            );
            write_location(tx, sql, draft, &id).await?;
            Ok(id)
        })?;
        self.location(id.as_str()).await
    }

    /// A location by id or code.
    pub async fn location(&self, key: &str) -> StoreResult<Location> {
        let row = get_row(&self.pool, &LOCATIONS, key).await?;
        let mut locations = self.with_zones(vec![location(&row)?]).await?;
        locations.pop().ok_or_else(|| StoreError::not_found("location", key))
    }

    /// Fills in the shipping zones of `locations`.
    async fn with_zones(&self, mut locations: Vec<Location>) -> StoreResult<Vec<Location>> {
        let ids: Vec<LocationId> = locations.iter().map(|l| l.id.clone()).collect();
        let mut zones = zones_of(&self.pool, &ids).await?;
        for l in &mut locations {
            l.zones = zones.remove(&l.id).unwrap_or_default();
        }
        Ok(locations)
    }

    /// Replaces a location's shipping zones.
    pub async fn set_zones(&self, key: &str, inputs: &[ZoneInput]) -> StoreResult<Location> {
        let id = transact!(self, |tx| {
            let id: LocationId = get_id(&get_row(&mut ***tx, &LOCATIONS, key).await?, "id")?;
            let zones = parse_zones(inputs).map_err(StoreError::Invalid)?;
            let now = tx.now();
            db::query("DELETE FROM shipping_zone WHERE location_id = $1")
                .bind(id.as_str())
                .execute(&mut ***tx)
                .await?;
            for z in &zones {
                db::query(
                    "INSERT INTO shipping_zone (id, location_id, country, region, postal_prefix, service_level, currency, \
                     cost_per_shipment, cost_per_kg, transit_days, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(ZoneId::new_at(now).as_str())
                .bind(id.as_str())
                .bind(&z.country)
                .bind(z.region.as_deref())
                .bind(z.postal_prefix.as_deref())
                .bind(z.service_level.as_str())
                .bind(z.cost_per_shipment.currency.to_string())
                .bind(z.cost_per_shipment.amount)
                .bind(z.cost_per_kg.amount)
                .bind(z.transit_days)
                .bind(micros(now))
                .execute(&mut ***tx)
                .await?;
            }
            db::query("UPDATE location SET updated_at = $1 WHERE id = $2")
                .bind(micros(now))
                .bind(id.as_str())
                .execute(&mut ***tx)
                .await?;
            Ok(id)
        })?;
        self.location(id.as_str()).await
    }

    /// Takes a location out of routing (`disabled`) or puts it back. The caller
    /// re-routes what was reserved there.
    pub(crate) async fn set_disabled(&self, key: &str, disabled: bool) -> StoreResult<Location> {
        let id = transact!(self, |tx| {
            let id: LocationId = get_id(&get_row(&mut ***tx, &LOCATIONS, key).await?, "id")?;
            let now = micros(tx.now());
            db::query("UPDATE location SET disabled_at = $1, updated_at = $2 WHERE id = $3")
                .bind(disabled.then_some(now))
                .bind(now)
                .bind(id.as_str())
                .execute(&mut ***tx)
                .await?;
            Ok(id)
        })?;
        self.location(id.as_str()).await
    }

    pub async fn list_locations(&self, filter: &CatalogFilter, page: &PageRequest) -> StoreResult<Page<Location>> {
        let rows = self
            .list_rows(&LOCATIONS, &["code", "name", "country"], filter, page)
            .await?;
        let items = self
            .with_zones(rows.iter().map(location).collect::<StoreResult<Vec<_>>>()?)
            .await?;
        Ok(Page::from_rows(items, page.limit(), |l| l.code.clone()))
    }

    /// Changes the fields present in `patch`; the result is validated as a whole.
    pub async fn update_location(&self, key: &str, patch: &LocationInput) -> StoreResult<Location> {
        let id = transact!(self, |tx| {
            let row = get_row(&mut ***tx, &LOCATIONS, key).await?;
            let draft = patch.apply(&draft(&row)?).map_err(StoreError::Invalid)?;
            let id: LocationId = get_id(&row, "id")?;
            let assignments: Vec<String> = LOCATION_FIELDS
                .split(", ")
                .enumerate()
                .map(|(n, f)| format!("{f} = ${}", n + 1))
                .collect();
            let sql = format!(
                "UPDATE location SET {}, updated_at = $15 WHERE id = $14",
                assignments.join(", ")
            );
            write_location(tx, sql, &draft, &id).await?;
            Ok(id)
        })?;
        self.location(id.as_str()).await
    }

    /// Archives a location, once nothing there is reserved for open orders.
    pub async fn archive_location(&self, key: &str) -> StoreResult<Location> {
        let id = transact!(self, |tx| {
            let row = get_row(&mut ***tx, &LOCATIONS, key).await?;
            let id: LocationId = get_id(&row, "id")?;
            let reserved: Option<i64> =
                db::query_scalar("SELECT CAST(SUM(reserved) AS BIGINT) FROM stock_balance WHERE location_id = $1")
                    .bind(id.as_str())
                    .fetch_one(&mut ***tx)
                    .await?;
            let code: String = row.try_get("code")?;
            may_archive_location(&code, reserved.unwrap_or(0)).map_err(conflict)?;
            archive(tx, &LOCATIONS, id.as_str()).await?;
            Ok(id)
        })?;
        self.location(id.as_str()).await
    }
}

/// The shipping zones of each of `locations`, read through `db` (the pool, or the
/// connection of a transaction in progress).
pub(crate) async fn zones_of<'c>(
    db: impl Into<db::Target<'c>>,
    locations: &[LocationId],
) -> StoreResult<BTreeMap<LocationId, Vec<Zone>>> {
    let mut zones: BTreeMap<LocationId, Vec<Zone>> = BTreeMap::new();
    if locations.is_empty() {
        return Ok(zones);
    }
    let mut sql = Sql::new(
        "SELECT location_id, country, region, postal_prefix, service_level, currency, cost_per_shipment, cost_per_kg, \
         transit_days FROM shipping_zone WHERE location_id IN (",
    );
    sql.list(locations.iter().map(|l| Arg::Text(l.to_string())))
        .push(") ORDER BY id");
    for row in sql.query().fetch_all(db).await? {
        let currency =
            Currency::parse(&row.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.message))?;
        zones.entry(get_id(&row, "location_id")?).or_default().push(Zone {
            country: row.try_get("country")?,
            region: row.try_get("region")?,
            postal_prefix: row.try_get("postal_prefix")?,
            service_level: get_enum(&row, "service_level", ServiceLevel::parse)?,
            cost_per_shipment: Money::new(row.try_get("cost_per_shipment")?, currency),
            cost_per_kg: Money::new(row.try_get("cost_per_kg")?, currency),
            transit_days: row.try_get("transit_days")?,
        });
    }
    Ok(zones)
}
