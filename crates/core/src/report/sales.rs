//! The sales roll-ups: per day, channel, location, carrier, destination and currency
//! (`SalesRow`); per SKU (`SkuRow`); and orders per hour of the seller's day
//! (`HourRow`).
//!
//! An order counts at the location and carrier of its first shipment (blank until it
//! has one), so an order is in exactly one cell and the cells add up. Money is in
//! minor units of the row's currency:
//! - `gross`: the goods at their unit prices, before discounts (the order's subtotal);
//! - `discount`: the order's discounts;
//! - `cancelled`: what the cancelled lines were worth after their discounts;
//! - `refunded`: money sent back, except refunds of cancelled lines (already in
//!   `cancelled`);
//! - `net` = gross − discount − cancelled − refunded.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::record::{LineRecord, OrderRecord};
use crate::order::{LineStatus, OrderStatus};
use crate::payment::RefundReason;
use crate::returns::ReturnStatus;

/// Blank: an order or line no shipment has taken yet, or a shipment with no carrier.
pub const NONE: &str = "";

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct SalesKey {
    pub day: Date,
    pub channel_id: String,
    pub location_id: String,
    pub carrier: String,
    pub ship_country: String,
    pub currency: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesFigures {
    pub orders: i64,
    pub units: i64,
    pub gross: i64,
    pub discount: i64,
    pub cancelled: i64,
    pub refunded: i64,
    pub net: i64,
    /// Orders cancelled whole.
    pub cancelled_orders: i64,
    /// Orders with goods coming or come back (a return not rejected or withdrawn).
    pub returned_orders: i64,
}

impl SalesFigures {
    pub fn add(&mut self, other: &SalesFigures) {
        self.orders += other.orders;
        self.units += other.units;
        self.gross += other.gross;
        self.discount += other.discount;
        self.cancelled += other.cancelled;
        self.refunded += other.refunded;
        self.net += other.net;
        self.cancelled_orders += other.cancelled_orders;
        self.returned_orders += other.returned_orders;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesRow {
    pub key: SalesKey,
    pub figures: SalesFigures,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkuKey {
    pub day: Date,
    pub product_id: String,
    pub channel_id: String,
    pub location_id: String,
    pub currency: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkuFigures {
    /// Orders with a line of the SKU.
    pub orders: i64,
    pub units: i64,
    /// The lines' value after their discounts, cancelled lines included.
    pub revenue: i64,
    pub cancelled_units: i64,
    pub returned_units: i64,
}

impl SkuFigures {
    pub fn add(&mut self, other: &SkuFigures) {
        self.orders += other.orders;
        self.units += other.units;
        self.revenue += other.revenue;
        self.cancelled_units += other.cancelled_units;
        self.returned_units += other.returned_units;
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuRow {
    pub key: SkuKey,
    pub figures: SkuFigures,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct HourKey {
    pub day: Date,
    /// 0-23 on the seller's clock: the hour the clocks skip has no orders, the hour
    /// they repeat holds both.
    pub hour: i8,
    pub channel_id: String,
    pub location_id: String,
    /// The carrier of the order's first shipment that has one (blank until then), as in
    /// `SalesKey`, so the time-of-order report takes the carrier filter.
    pub carrier: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourRow {
    pub key: HourKey,
    pub orders: i64,
}

/// Whether a return counts: goods the customer is sending or sent back.
pub fn return_counts(status: ReturnStatus) -> bool {
    !matches!(status, ReturnStatus::Rejected | ReturnStatus::Cancelled)
}

/// A line's value after its discount.
fn line_value(line: &LineRecord) -> i64 {
    line.unit_price
        .saturating_mul(line.quantity)
        .saturating_sub(line.discount)
}

/// The location of the first shipment, blank when none.
pub fn order_location(order: &OrderRecord) -> &str {
    order.shipments.first().map_or(NONE, |s| s.location_id.as_str())
}

/// The carrier of the first shipment that has one, blank when none.
pub fn order_carrier(order: &OrderRecord) -> &str {
    order
        .shipments
        .iter()
        .find_map(|s| s.carrier.as_deref())
        .unwrap_or(NONE)
}

/// The location of the first shipment carrying `line`, blank when none.
pub fn line_location<'a>(order: &'a OrderRecord, line: &LineRecord) -> &'a str {
    order
        .shipments
        .iter()
        .find(|s| s.lines.iter().any(|l| l.line_id == line.id))
        .map_or(NONE, |s| s.location_id.as_str())
}

/// One order's sales figures.
pub fn order_figures(order: &OrderRecord) -> SalesFigures {
    let cancelled: i64 = order
        .lines
        .iter()
        .filter(|l| l.status == LineStatus::Cancelled)
        .map(line_value)
        .sum();
    let refunded: i64 = order
        .refunds
        .iter()
        .filter(|r| r.reason != Some(RefundReason::Cancellation))
        .map(|r| r.amount)
        .sum();
    let gross = order.subtotal;
    let discount = order.discount_total;
    SalesFigures {
        orders: 1,
        units: order.lines.iter().map(|l| l.quantity).sum(),
        gross,
        discount,
        cancelled,
        refunded,
        net: gross - discount - cancelled - refunded,
        cancelled_orders: i64::from(order.status == OrderStatus::Cancelled),
        returned_orders: i64::from(order.returns.iter().any(|r| return_counts(r.status))),
    }
}

pub(super) fn sales_rows(day: Date, orders: &[OrderRecord]) -> Vec<SalesRow> {
    let mut cells: BTreeMap<SalesKey, SalesFigures> = BTreeMap::new();
    for order in orders {
        let key = SalesKey {
            day,
            channel_id: order.channel_id.clone(),
            location_id: order_location(order).to_owned(),
            carrier: order_carrier(order).to_owned(),
            ship_country: order.ship_country.clone(),
            currency: order.currency.clone(),
        };
        cells.entry(key).or_default().add(&order_figures(order));
    }
    cells
        .into_iter()
        .map(|(key, figures)| SalesRow { key, figures })
        .collect()
}

pub(super) fn sku_rows(day: Date, orders: &[OrderRecord]) -> Vec<SkuRow> {
    let mut cells: BTreeMap<SkuKey, SkuFigures> = BTreeMap::new();
    for order in orders {
        let mut seen: BTreeMap<SkuKey, ()> = BTreeMap::new();
        for line in &order.lines {
            let key = SkuKey {
                day,
                product_id: line.product_id.clone(),
                channel_id: order.channel_id.clone(),
                location_id: line_location(order, line).to_owned(),
                currency: order.currency.clone(),
            };
            let returned: i64 = order
                .returns
                .iter()
                .filter(|r| r.line_id == line.id && return_counts(r.status))
                .map(|r| r.quantity)
                .sum();
            let cell = cells.entry(key.clone()).or_default();
            if seen.insert(key, ()).is_none() {
                cell.orders += 1;
            }
            cell.units += line.quantity;
            cell.revenue += line_value(line);
            if line.status == LineStatus::Cancelled {
                cell.cancelled_units += line.quantity;
            }
            cell.returned_units += returned;
        }
    }
    cells
        .into_iter()
        .map(|(key, figures)| SkuRow { key, figures })
        .collect()
}

pub(super) fn hour_rows(day: Date, tz: &TimeZone, orders: &[OrderRecord]) -> Vec<HourRow> {
    let mut cells: BTreeMap<HourKey, i64> = BTreeMap::new();
    for order in orders {
        let key = HourKey {
            day,
            hour: order.placed_at.to_zoned(tz.clone()).hour(),
            channel_id: order.channel_id.clone(),
            location_id: order_location(order).to_owned(),
            carrier: order_carrier(order).to_owned(),
        };
        *cells.entry(key).or_default() += 1;
    }
    cells.into_iter().map(|(key, orders)| HourRow { key, orders }).collect()
}
