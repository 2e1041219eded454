//! Promised vs actual delivery, per shipment.
//!
//! A delivered shipment is on time when it was delivered by its promised delivery
//! time (`DeliveryPerformance`: a shipment promised nothing is on time); otherwise it
//! is `days_late` whole started days late (`routing::promise::days_late`). A late
//! shipment is laid at the door of
//! - the **warehouse** when it shipped after its promised ship time, and
//! - the **carrier** when it was in transit longer than the promise allowed it: from
//!   promised ship to promised delivery (the zone's transit days, as the promise
//!   counted them);
//! - **both** when both hold, **unknown** when the promise lacks a ship time (or the
//!   shipment a ship time) to tell.
//!
//! The time to ship is the whole hours started from the order's placement to the
//! shipment's ship time (the SLA the warehouse is held to).
//!
//! The roll-ups are histograms: shipments per integer days late and cause
//! (`DeliveryRow`), shipments per hour to ship (`ShipTimeRow`), so the percentiles of
//! any period are exact, computed here from the summed counts (nearest rank).

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::rate;
use super::record::{OrderRecord, ShipmentRecord};
use super::sales::NONE;
use crate::shipment::DeliveryPerformance;

string_enum!(
    /// How the delivery report groups shipments.
    DeliveryGroupBy {
        Carrier = "carrier",
        Service = "service",
        /// The shipping location (its code).
        Location = "location",
        /// The destination country.
        Country = "country",
    }
);

string_enum!(
    /// Why a delivered shipment was late, or that it was not.
    LateCause {
        OnTime = "on_time",
        /// Shipped after its promised ship time.
        Warehouse = "warehouse",
        /// In transit longer than the promise allowed.
        Carrier = "carrier",
        Both = "both",
        /// Late, with no promised ship time (or ship time) to tell whose fault.
        Unknown = "unknown",
    }
);

/// The dimensions a delivery roll-up row is cut by.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ShipmentKey {
    pub day: Date,
    pub channel_id: String,
    pub location_id: String,
    pub carrier: String,
    pub service: String,
    pub ship_country: String,
}

/// Delivered shipments of one key, days late and cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub key: ShipmentKey,
    pub days_late: i64,
    pub cause: LateCause,
    pub shipments: i64,
}

/// Shipped shipments of one key and hours to ship.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipTimeRow {
    pub key: ShipmentKey,
    pub hours: i64,
    pub shipments: i64,
}

/// How late a delivered shipment was and why; `None` when it is not delivered.
pub fn lateness(shipment: &ShipmentRecord) -> Option<(i64, LateCause)> {
    let delivered = shipment.delivered_at?;
    let days = DeliveryPerformance::measure(shipment.promised_delivery_at, delivered).days_late;
    if days == 0 {
        return Some((0, LateCause::OnTime));
    }
    let (Some(promised_ship), Some(promised_delivery), Some(shipped)) = (
        shipment.promised_ship_at,
        shipment.promised_delivery_at,
        shipment.shipped_at,
    ) else {
        return Some((days, LateCause::Unknown));
    };
    let warehouse = shipped > promised_ship;
    let allowed = promised_delivery.duration_since(promised_ship);
    let carrier = delivered.duration_since(shipped) > allowed;
    let cause = match (warehouse, carrier) {
        (true, true) => LateCause::Both,
        (true, false) => LateCause::Warehouse,
        (false, true) => LateCause::Carrier,
        // Shipped in time and carried in time cannot arrive late: only a promise
        // whose delivery time is before its ship time does.
        (false, false) => LateCause::Unknown,
    };
    Some((days, cause))
}

/// Whole hours started from `placed` to `shipped` (0 when shipped at once).
pub fn hours_to_ship(placed: Timestamp, shipped: Timestamp) -> i64 {
    let seconds = shipped.as_second() - placed.as_second();
    if seconds <= 0 { 0 } else { (seconds + 3_599) / 3_600 }
}

fn shipment_key(day: Date, order: &OrderRecord, s: &ShipmentRecord) -> ShipmentKey {
    ShipmentKey {
        day,
        channel_id: order.channel_id.clone(),
        location_id: s.location_id.clone(),
        carrier: s.carrier.clone().unwrap_or_else(|| NONE.to_owned()),
        service: s.service.clone().unwrap_or_else(|| NONE.to_owned()),
        ship_country: order.ship_country.clone(),
    }
}

pub(super) fn delivery_rows(day: Date, orders: &[OrderRecord]) -> Vec<DeliveryRow> {
    let mut cells: BTreeMap<(ShipmentKey, i64, LateCause), i64> = BTreeMap::new();
    for order in orders {
        for s in &order.shipments {
            if let Some((days, cause)) = lateness(s) {
                *cells.entry((shipment_key(day, order, s), days, cause)).or_default() += 1;
            }
        }
    }
    cells
        .into_iter()
        .map(|((key, days_late, cause), shipments)| DeliveryRow {
            key,
            days_late,
            cause,
            shipments,
        })
        .collect()
}

pub(super) fn ship_time_rows(day: Date, orders: &[OrderRecord]) -> Vec<ShipTimeRow> {
    let mut cells: BTreeMap<(ShipmentKey, i64), i64> = BTreeMap::new();
    for order in orders {
        for s in &order.shipments {
            if let Some(shipped) = s.shipped_at {
                let hours = hours_to_ship(order.placed_at, shipped);
                *cells.entry((shipment_key(day, order, s), hours)).or_default() += 1;
            }
        }
    }
    cells
        .into_iter()
        .map(|((key, hours), shipments)| ShipTimeRow { key, hours, shipments })
        .collect()
}

/// The nearest-rank `p`th percentile (0 < p <= 100) of a histogram of counts per
/// value: the least value at or below which at least p% of the counts lie. `None`
/// when the histogram is empty.
pub fn percentile(histogram: &BTreeMap<i64, i64>, p: i64) -> Option<i64> {
    let n: i64 = histogram.values().sum();
    if n <= 0 {
        return None;
    }
    let rank = (p.clamp(1, 100) * n + 99) / 100;
    let mut seen = 0;
    for (value, count) in histogram {
        seen += count;
        if seen >= rank {
            return Some(*value);
        }
    }
    histogram.keys().next_back().copied()
}

/// Summed delivery roll-up counts of one group, as the store reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryCell {
    /// The group's value: a carrier, a service, a location's code or a country.
    pub group: String,
    pub days_late: i64,
    pub cause: LateCause,
    pub shipments: i64,
}

/// Summed ship-time roll-up counts of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipTimeCell {
    pub group: String,
    pub hours: i64,
    pub shipments: i64,
}

/// Delivered shipments per days late: on time, 1, 2, 3, 4-6, 7 or more.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DaysLate {
    pub on_time: i64,
    pub one: i64,
    pub two: i64,
    pub three: i64,
    pub four_to_six: i64,
    pub seven_plus: i64,
}

/// Late shipments by whose fault.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LateAttribution {
    /// Shipped late, carried in time.
    pub warehouse: i64,
    /// Shipped in time, carried too long.
    pub carrier: i64,
    /// Shipped late and carried too long.
    pub both: i64,
    /// No promised ship time to tell.
    pub unknown: i64,
}

/// Hours from placement to shipment (whole hours started), nearest-rank percentiles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShipHours {
    pub p50: Option<i64>,
    pub p90: Option<i64>,
    pub p95: Option<i64>,
}

/// The delivery figures of one group (or of all).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryGroup {
    /// The carrier, service, location code or country; `""` for shipments without
    /// one (no label yet); `"all"` for the total.
    pub group: String,
    /// Shipments delivered.
    pub delivered: i64,
    pub on_time: i64,
    pub late: i64,
    /// on_time / delivered; `null` when nothing was delivered.
    pub on_time_rate: Option<f64>,
    /// Mean days late of the late shipments; `null` when none was late.
    pub mean_days_late: Option<f64>,
    /// 90th percentile (nearest rank) of the late shipments' days late.
    pub p90_days_late: Option<i64>,
    pub days_late: DaysLate,
    pub late_cause: LateAttribution,
    /// Shipments shipped (delivered or not).
    pub shipped: i64,
    pub hours_to_ship: ShipHours,
}

/// Promised vs actual delivery, per group, and over all.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryReport {
    pub from: Date,
    pub to: Date,
    pub by: DeliveryGroupBy,
    pub total: DeliveryGroup,
    /// Lowest on-time rate first (the groups to look at), then by name.
    pub groups: Vec<DeliveryGroup>,
}

fn group_figures(group: &str, cells: &[&DeliveryCell], ship: &[&ShipTimeCell]) -> DeliveryGroup {
    let mut g = DeliveryGroup {
        group: group.to_owned(),
        ..DeliveryGroup::default()
    };
    let mut late_hist: BTreeMap<i64, i64> = BTreeMap::new();
    let mut late_days = 0_i64;
    for c in cells {
        g.delivered += c.shipments;
        let bucket = match c.days_late {
            i64::MIN..=0 => &mut g.days_late.on_time,
            1 => &mut g.days_late.one,
            2 => &mut g.days_late.two,
            3 => &mut g.days_late.three,
            4..=6 => &mut g.days_late.four_to_six,
            _ => &mut g.days_late.seven_plus,
        };
        *bucket += c.shipments;
        match c.cause {
            LateCause::OnTime => g.on_time += c.shipments,
            cause => {
                g.late += c.shipments;
                late_days = late_days.saturating_add(c.days_late.saturating_mul(c.shipments));
                *late_hist.entry(c.days_late).or_default() += c.shipments;
                match cause {
                    LateCause::Warehouse => g.late_cause.warehouse += c.shipments,
                    LateCause::Carrier => g.late_cause.carrier += c.shipments,
                    LateCause::Both => g.late_cause.both += c.shipments,
                    LateCause::Unknown | LateCause::OnTime => g.late_cause.unknown += c.shipments,
                }
            }
        }
    }
    g.on_time_rate = rate(g.on_time, g.delivered);
    g.mean_days_late = (g.late > 0).then(|| late_days as f64 / g.late as f64);
    g.p90_days_late = percentile(&late_hist, 90);
    let mut hours: BTreeMap<i64, i64> = BTreeMap::new();
    for c in ship {
        g.shipped += c.shipments;
        *hours.entry(c.hours).or_default() += c.shipments;
    }
    g.hours_to_ship = ShipHours {
        p50: percentile(&hours, 50),
        p90: percentile(&hours, 90),
        p95: percentile(&hours, 95),
    };
    g
}

/// The delivery report of a period from its summed roll-up counts.
pub fn delivery_report(
    from: Date,
    to: Date,
    by: DeliveryGroupBy,
    cells: &[DeliveryCell],
    ship: &[ShipTimeCell],
) -> DeliveryReport {
    let mut names: std::collections::BTreeSet<&str> = cells.iter().map(|c| c.group.as_str()).collect();
    names.extend(ship.iter().map(|c| c.group.as_str()));
    let mut groups: Vec<DeliveryGroup> = names
        .into_iter()
        .map(|name| {
            let c: Vec<&DeliveryCell> = cells.iter().filter(|c| c.group == name).collect();
            let s: Vec<&ShipTimeCell> = ship.iter().filter(|c| c.group == name).collect();
            group_figures(name, &c, &s)
        })
        .collect();
    groups.sort_by(|a, b| {
        let ra = a.on_time_rate.unwrap_or(f64::INFINITY);
        let rb = b.on_time_rate.unwrap_or(f64::INFINITY);
        ra.total_cmp(&rb).then_with(|| a.group.cmp(&b.group))
    });
    let total = group_figures(
        "all",
        &cells.iter().collect::<Vec<_>>(),
        &ship.iter().collect::<Vec<_>>(),
    );
    DeliveryReport {
        from,
        to,
        by,
        total,
        groups,
    }
}
