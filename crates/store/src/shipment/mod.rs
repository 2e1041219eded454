//! Shipments in the database: what one location sends for one order, from its release
//! to the floor to the customer's door. Reads and floor lists live here; releasing
//! work (`release`), pick lists (`pick`), packing, labels and shipping (`pack`) and
//! tracking (`track`) in their own modules; `link` ties shipments to their orders
//! (timeline, fulfilment status, version) and holds the checks order cancellation needs.

mod floor;
mod late;
pub(crate) mod link;
mod pack;
mod pick;
mod release;
mod track;

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::carrier::{Carrier, Provider};
use switchyard_core::catalog::Address;
use switchyard_core::id::{LineId, LocationId, OrderId, ProductId, ShipmentId, TrackingEventId};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::{Customer, ServiceLevel};
use switchyard_core::shipment::input::Package;
use switchyard_core::shipment::{DeliveryPerformance, ShipmentLineStatus, ShipmentStatus, TrackingStatus};

use crate::Store;
use crate::db::{self, Arg, Link, Row, Sql, get_enum, get_id, get_json, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};

pub use floor::FloorBoard;
#[allow(
    unused_imports,
    reason = "for order cancellation and re-routing, which call them once wired"
)]
pub(crate) use link::{lines_in_progress, refuse_lines_in_progress, withdraw_unstarted_shipments};
pub use pick::{PickAllocation, PickList, PickListFilter, PickListLine, PickListShipment, PickListTotals};
pub use release::{Bin, FulfilmentSettings};
pub use track::{TrackingOutcomeKind, TrackingResult};

/// When a shipment reached each step.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Milestones {
    pub released_at: Timestamp,
    pub picked_at: Option<Timestamp>,
    pub packed_at: Option<Timestamp>,
    pub label_created_at: Option<Timestamp>,
    pub shipped_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub cancelled_at: Option<Timestamp>,
}

/// A shipment as lists show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentSummary {
    pub id: ShipmentId,
    /// The order's number and the shipment's place among its shipments.
    #[cfg_attr(feature = "openapi", schema(example = "SO-100513-1"))]
    pub number: String,
    pub order_id: OrderId,
    pub order_number: String,
    /// Code of the location that ships it.
    pub location: String,
    pub location_id: LocationId,
    pub status: ShipmentStatus,
    pub service_level: ServiceLevel,
    /// Units travelling in it.
    pub units: i64,
    /// Number of the pick list it is on.
    pub pick_list: Option<String>,
    pub carrier: Option<Carrier>,
    pub provider: Option<Provider>,
    pub service: Option<String>,
    pub tracking_number: Option<String>,
    /// The carrier's public tracking page.
    pub tracking_url: Option<String>,
    pub label_cost: Option<Money>,
    pub package: Option<Package>,
    /// The shipment should leave by then (the location's cut-off on its ship day).
    pub promised_ship_at: Option<Timestamp>,
    /// The customer was promised delivery by then.
    pub promised_delivery_at: Option<Timestamp>,
    /// Past its promised ship time and not shipped.
    pub late: bool,
    /// Set once delivered: on time, or late by how many days.
    pub delivery: Option<DeliveryPerformance>,
    pub milestones: Milestones,
    pub updated_at: Timestamp,
    /// Increases with every change.
    pub version: i64,
}

/// One line of a shipment: an order line's product (a kit line lists its components).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipmentLine {
    pub line_id: LineId,
    pub line_no: i64,
    pub sku: String,
    pub product_id: ProductId,
    pub title: String,
    pub barcode: Option<String>,
    /// The product's bin at the shipping location.
    pub bin: Option<String>,
    pub quantity: i64,
    /// What the picker found, once picks are confirmed.
    pub picked_quantity: Option<i64>,
    pub status: ShipmentLineStatus,
}

/// One event on a shipment's tracking timeline.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrackingEventRecord {
    pub id: TrackingEventId,
    pub status: TrackingStatus,
    pub occurred_at: Timestamp,
    pub location: String,
    pub description: String,
    /// Who reported it: an API key's name, `easypost` or `simulated`.
    pub source: String,
    /// Whether it moved the shipment's status.
    pub applied: bool,
    /// Why it did not, when it did not.
    pub note: Option<String>,
    pub received_at: Timestamp,
}

/// A shipment with its addresses, lines and tracking timeline.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipment {
    #[serde(flatten)]
    pub summary: ShipmentSummary,
    /// Code of the order's channel.
    pub channel: String,
    /// Who sold it: the channel's name, printed on the packing slip.
    pub seller: String,
    pub customer: Customer,
    /// Name of the shipping location.
    pub ship_from_name: String,
    /// The shipping location's address: the sender and the return address.
    pub ship_from: Address,
    pub ship_to: Address,
    pub lines: Vec<ShipmentLine>,
    /// Carrier events, oldest first.
    pub timeline: Vec<TrackingEventRecord>,
}

/// Which shipments a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ShipmentView {
    /// All, newest first.
    #[default]
    All,
    /// Past their promised ship time and not shipped, the most overdue first.
    Late,
    /// Those the carrier reported a problem with or sent back, newest first.
    Exceptions,
}

#[derive(Debug, Clone, Default)]
pub struct ShipmentFilter {
    pub status: Option<ShipmentStatus>,
    /// Location code or id.
    pub location: Option<String>,
    /// Order number or id.
    pub order: Option<String>,
    pub carrier: Option<Carrier>,
    /// Pick list number or id.
    pub pick_list: Option<String>,
    pub view: ShipmentView,
}

/// SQL for the units the shipment `s` carries: the quantities of its open lines.
pub(crate) fn units_carried() -> String {
    format!(
        "COALESCE((SELECT CAST(SUM(x.quantity) AS BIGINT) FROM shipment_line x \
         WHERE x.shipment_id = s.id AND x.status = {}), 0)",
        db::is(ShipmentLineStatus::Open)
    )
}

/// The columns a summary reads, from the shipment `s` and its order, location and pick list.
fn summary_select() -> String {
    format!(
        "SELECT s.id, s.number, s.order_id, o.number AS order_number, l.code AS location, \
         s.location_id, s.status, s.service_level, {} AS units, \
         pl.number AS pick_list, s.carrier, s.provider, s.service, s.tracking_number, s.label_cost, s.label_currency, \
         s.package_type, s.weight_grams, s.length_mm, s.width_mm, s.height_mm, s.promised_ship_at, s.promised_delivery_at, \
         s.released_at, s.picked_at, s.packed_at, s.label_created_at, s.shipped_at, s.delivered_at, s.cancelled_at, \
         s.updated_at, s.version \
         FROM shipment s JOIN sales_order o ON o.id = s.order_id JOIN location l ON l.id = s.location_id \
         LEFT JOIN pick_list pl ON pl.id = s.pick_list_id",
        units_carried()
    )
}

fn opt_enum<T>(
    row: &Row,
    col: &str,
    parse: fn(&str) -> Result<T, switchyard_core::validation::Invalid>,
) -> StoreResult<Option<T>> {
    row.try_get::<Option<String>, _>(col)?
        .map(|raw| parse(&raw).map_err(|_| StoreError::Corrupt(format!("unknown {col} {raw:?}"))))
        .transpose()
}

fn summary(row: &Row, now: Timestamp) -> StoreResult<ShipmentSummary> {
    let status = get_enum(row, "status", ShipmentStatus::parse)?;
    let carrier = opt_enum(row, "carrier", Carrier::parse)?;
    let tracking_number: Option<String> = row.try_get("tracking_number")?;
    let label_cost = match (
        row.try_get::<Option<i64>, _>("label_cost")?,
        row.try_get::<Option<String>, _>("label_currency")?,
    ) {
        (Some(amount), Some(c)) => Some(Money::new(
            amount,
            Currency::parse(&c).map_err(|e| StoreError::Corrupt(e.message))?,
        )),
        _ => None,
    };
    let package = match (
        row.try_get::<Option<String>, _>("package_type")?,
        row.try_get::<Option<i64>, _>("weight_grams")?,
    ) {
        (Some(package_type), Some(weight_grams)) => Some(Package {
            package_type,
            weight_grams,
            length_mm: row.try_get("length_mm")?,
            width_mm: row.try_get("width_mm")?,
            height_mm: row.try_get("height_mm")?,
        }),
        _ => None,
    };
    let promised_ship_at = get_opt_time(row, "promised_ship_at")?;
    let promised_delivery_at = get_opt_time(row, "promised_delivery_at")?;
    let delivered_at = get_opt_time(row, "delivered_at")?;
    Ok(ShipmentSummary {
        id: get_id(row, "id")?,
        number: row.try_get("number")?,
        order_id: get_id(row, "order_id")?,
        order_number: row.try_get("order_number")?,
        location: row.try_get("location")?,
        location_id: get_id(row, "location_id")?,
        status,
        service_level: get_enum(row, "service_level", ServiceLevel::parse)?,
        units: row.try_get("units")?,
        pick_list: row.try_get("pick_list")?,
        carrier,
        provider: opt_enum(row, "provider", Provider::parse)?,
        service: row.try_get("service")?,
        tracking_url: carrier.zip(tracking_number.as_deref()).map(|(c, n)| c.tracking_url(n)),
        tracking_number,
        label_cost,
        package,
        promised_ship_at,
        promised_delivery_at,
        late: status.is_on_the_floor() && promised_ship_at.is_some_and(|p| p < now),
        delivery: (status == ShipmentStatus::Delivered)
            .then_some(delivered_at)
            .flatten()
            .map(|d| DeliveryPerformance::measure(promised_delivery_at, d)),
        milestones: Milestones {
            released_at: get_time(row, "released_at")?,
            picked_at: get_opt_time(row, "picked_at")?,
            packed_at: get_opt_time(row, "packed_at")?,
            label_created_at: get_opt_time(row, "label_created_at")?,
            shipped_at: get_opt_time(row, "shipped_at")?,
            delivered_at,
            cancelled_at: get_opt_time(row, "cancelled_at")?,
        },
        updated_at: get_time(row, "updated_at")?,
        version: row.try_get("version")?,
    })
}

/// The id of the shipment named by `key` (an id or a number).
pub(crate) async fn shipment_id(conn: &mut Link, key: &str) -> StoreResult<ShipmentId> {
    let column = if ShipmentId::parse(key).is_some() {
        "id"
    } else {
        "number"
    };
    let sql = format!("SELECT id FROM shipment WHERE {column} = $1");
    let id: Option<String> = db::query_scalar(sql).bind(key).fetch_optional(&mut *conn).await?;
    let id = id.ok_or_else(|| StoreError::not_found("shipment", key))?;
    ShipmentId::try_from(id).map_err(StoreError::Corrupt)
}

/// The lines of a shipment with their products and bins, in order-line order.
pub(crate) async fn shipment_lines(conn: &mut Link, id: &ShipmentId) -> StoreResult<Vec<ShipmentLine>> {
    let rows = db::query(
        "SELECT x.line_id, ol.line_no, p.sku, x.product_id, p.title, p.barcode, b.bin, x.quantity, x.picked_quantity, \
         x.status FROM shipment_line x JOIN shipment s ON s.id = x.shipment_id JOIN order_line ol ON ol.id = x.line_id \
         JOIN product p ON p.id = x.product_id \
         LEFT JOIN product_bin b ON b.product_id = x.product_id AND b.location_id = s.location_id \
         WHERE x.shipment_id = $1 ORDER BY ol.line_no, p.sku",
    )
    .bind(id.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ShipmentLine {
                line_id: get_id(r, "line_id")?,
                line_no: r.try_get("line_no")?,
                sku: r.try_get("sku")?,
                product_id: get_id(r, "product_id")?,
                title: r.try_get("title")?,
                barcode: r.try_get("barcode")?,
                bin: r.try_get("bin")?,
                quantity: r.try_get("quantity")?,
                picked_quantity: r.try_get("picked_quantity")?,
                status: get_enum(r, "status", ShipmentLineStatus::parse)?,
            })
        })
        .collect()
}

impl Store {
    /// A shipment by id or number, with its addresses, lines and tracking timeline.
    pub async fn shipment(&self, key: &str) -> StoreResult<Shipment> {
        let mut conn = self.pool.acquire().await?;
        let id = shipment_id(&mut conn, key).await?;
        let sql = format!("{} WHERE s.id = $1", summary_select());
        let row = db::query(sql).bind(id.as_str()).fetch_one(&mut *conn).await?;
        let summary = summary(&row, self.now())?;
        let extra = db::query(
            "SELECT c.code AS channel, c.name AS seller, o.customer_name, o.customer_email, o.customer_phone, \
             o.shipping_address, l.name AS location_name, l.address AS location_address \
             FROM shipment s JOIN sales_order o ON o.id = s.order_id JOIN channel c ON c.id = o.channel_id \
             JOIN location l ON l.id = s.location_id WHERE s.id = $1",
        )
        .bind(id.as_str())
        .fetch_one(&mut *conn)
        .await?;
        let lines = shipment_lines(&mut conn, &id).await?;
        let timeline = db::query(
            "SELECT id, status, occurred_at, location, description, source, applied, note, received_at \
             FROM shipment_event WHERE shipment_id = $1 ORDER BY occurred_at, id",
        )
        .bind(id.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(TrackingEventRecord {
                id: get_id(r, "id")?,
                status: get_enum(r, "status", TrackingStatus::parse)?,
                occurred_at: get_time(r, "occurred_at")?,
                location: r.try_get("location")?,
                description: r.try_get("description")?,
                source: r.try_get("source")?,
                applied: r.try_get::<i64, _>("applied")? == 1,
                note: r.try_get("note")?,
                received_at: get_time(r, "received_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(Shipment {
            summary,
            channel: extra.try_get("channel")?,
            seller: extra.try_get("seller")?,
            customer: Customer {
                email: extra.try_get("customer_email")?,
                name: extra.try_get("customer_name")?,
                phone: extra.try_get("customer_phone")?,
            },
            ship_from_name: extra.try_get("location_name")?,
            ship_from: get_json(&extra, "location_address")?,
            ship_to: get_json(&extra, "shipping_address")?,
            lines,
            timeline,
        })
    }

    /// Shipments, filtered; the floor's lists (late, exceptions) are views of this.
    pub async fn list_shipments(
        &self,
        filter: &ShipmentFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<ShipmentSummary>> {
        // The summary's subquery has a WHERE of its own: start the outer one explicitly.
        let mut sql = Sql::new(&format!("{} WHERE s.id IS NOT NULL", summary_select()));
        if let Some(status) = filter.status {
            sql.filter("s.status = ", Arg::Text(status.as_str().into()), "");
        }
        if let Some(location) = &filter.location {
            let location = self.location(location).await?;
            sql.filter("s.location_id = ", Arg::Text(location.id.to_string()), "");
        }
        if let Some(order) = &filter.order {
            let order = self.order(order).await?;
            sql.filter("s.order_id = ", Arg::Text(order.summary.id.to_string()), "");
        }
        if let Some(carrier) = filter.carrier {
            sql.filter("s.carrier = ", Arg::Text(carrier.as_str().into()), "");
        }
        if let Some(key) = &filter.pick_list {
            let list = self.pick_list(key).await?;
            sql.filter("s.pick_list_id = ", Arg::Text(list.id.to_string()), "");
        }
        let now = micros(self.now());
        let limit = page.limit();
        match filter.view {
            ShipmentView::Late => {
                sql.filter(
                    &format!("{} AND s.promised_ship_at < ", late_on_the_floor("s")),
                    Arg::Int(now),
                    "",
                );
                if let Some((at, id)) = page.cursor.as_deref().and_then(|c| c.split_once('|')) {
                    let at: i64 = at
                        .parse()
                        .map_err(|_| StoreError::invalid("cursor", "invalid_cursor", "is not a cursor of this list"))?;
                    sql.filter("(s.promised_ship_at > ", Arg::Int(at), "");
                    sql.push(" OR (s.promised_ship_at = ")
                        .bind(Arg::Int(at))
                        .push(" AND s.id > ")
                        .bind(Arg::Text(id.to_owned()))
                        .push("))");
                }
                sql.push(" ORDER BY s.promised_ship_at, s.id").limit(limit + 1);
            }
            ShipmentView::All | ShipmentView::Exceptions => {
                if filter.view == ShipmentView::Exceptions {
                    // The outer WHERE is there already (see above).
                    sql.push(&format!(" AND s.status IN {}", db::one_of(ShipmentStatus::EXCEPTIONS)));
                }
                if let Some(cursor) = &page.cursor {
                    sql.filter("s.id < ", Arg::Text(cursor.clone()), "");
                }
                sql.push(" ORDER BY s.id DESC").limit(limit + 1);
            }
        }
        let rows = sql.query().fetch_all(&self.pool).await?;
        let now = self.now();
        let items = rows.iter().map(|r| summary(r, now)).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, limit, |s| match filter.view {
            ShipmentView::Late => format!("{}|{}", s.promised_ship_at.map(micros).unwrap_or(0), s.id),
            ShipmentView::All | ShipmentView::Exceptions => s.id.to_string(),
        }))
    }

    /// The summaries of the shipments `ids`, in id order.
    pub(crate) async fn summaries(&self, ids: &[ShipmentId]) -> StoreResult<Vec<ShipmentSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!("{} WHERE s.id IN (", summary_select()));
        sql.list(ids.iter().map(|id| Arg::Text(id.to_string())))
            .push(") ORDER BY s.id");
        let now = self.now();
        sql.query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| summary(r, now))
            .collect()
    }

    /// The shipments of one order, oldest first.
    pub async fn order_shipments(&self, key: &str) -> StoreResult<Vec<ShipmentSummary>> {
        let order = self.order(key).await?;
        let sql = format!("{} WHERE s.order_id = $1 ORDER BY s.id", summary_select());
        let rows = db::query(sql)
            .bind(order.summary.id.as_str())
            .fetch_all(&self.pool)
            .await?;
        let now = self.now();
        rows.iter().map(|r| summary(r, now)).collect()
    }
}

#[cfg(test)]
mod tests;

/// A shipment of alias `alias` still on the floor, to be compared with its promised ship
/// time (`... < now` is late): the one definition of a late shipment, shared by the
/// floor's list and the `/metrics` gauge.
pub(crate) fn late_on_the_floor(alias: &str) -> String {
    format!("{alias}.status IN {}", db::one_of(ShipmentStatus::ON_THE_FLOOR))
}
