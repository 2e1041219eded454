//! What the store loads for each order a roll-up counts: the order's own figures and
//! the facts of its lines, shipments, refunds, returns, claims and events. Plain data,
//! read from the tables as they are; every rule about them is in the roll-ups.

use jiff::Timestamp;

use crate::order::{LineStatus, OrderEventKind, OrderStatus};
use crate::payment::RefundReason;
use crate::returns::{ClaimReason, ReturnReason, ReturnStatus};
use crate::shipment::ShipmentStatus;

/// One order, as placed and as it stands now.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRecord {
    pub id: String,
    pub number: String,
    pub channel_id: String,
    pub currency: String,
    pub ship_country: String,
    pub status: OrderStatus,
    pub placed_at: Timestamp,
    /// Goods at their unit prices, before discounts (minor units, as all money here).
    pub subtotal: i64,
    pub discount_total: i64,
    pub tax_total: i64,
    pub shipping_amount: i64,
    pub grand_total: i64,
    pub promised_ship_at: Option<Timestamp>,
    pub promised_delivery_at: Option<Timestamp>,
    pub lines: Vec<LineRecord>,
    /// In the order they were released.
    pub shipments: Vec<ShipmentRecord>,
    pub refunds: Vec<RefundRecord>,
    pub returns: Vec<ReturnLineRecord>,
    pub claims: Vec<ClaimRecord>,
    /// The events of the kinds in `OrderRecord::EVENTS`, oldest first.
    pub events: Vec<EventRecord>,
}

impl OrderRecord {
    /// The event kinds the roll-ups look at; the store loads only these.
    pub const EVENTS: [OrderEventKind; 8] = [
        OrderEventKind::Backordered,
        OrderEventKind::LineCancelled,
        OrderEventKind::Cancelled,
        OrderEventKind::ChannelCancelled,
        OrderEventKind::ShortPicked,
        OrderEventKind::ShipmentException,
        OrderEventKind::ShipmentReturned,
        OrderEventKind::Rerouted,
    ];

    /// Whether an event of `kind` is on the order's record.
    pub fn had(&self, kind: OrderEventKind) -> bool {
        self.events.iter().any(|e| e.kind == kind)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineRecord {
    pub id: String,
    pub product_id: String,
    pub sku: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
    pub status: LineStatus,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShipmentRecord {
    pub id: String,
    pub location_id: String,
    pub status: ShipmentStatus,
    pub carrier: Option<String>,
    pub service: Option<String>,
    pub service_level: String,
    pub promised_ship_at: Option<Timestamp>,
    pub promised_delivery_at: Option<Timestamp>,
    pub released_at: Timestamp,
    pub shipped_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub lines: Vec<ShipmentLineRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShipmentLineRecord {
    pub line_id: String,
    pub product_id: String,
    pub quantity: i64,
    /// Whether the pick found fewer than `quantity` (the line's status is `short`).
    pub short: bool,
}

/// Money sent back to the customer (a refund transaction).
#[derive(Debug, Clone, PartialEq)]
pub struct RefundRecord {
    pub amount: i64,
    pub reason: Option<RefundReason>,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReturnLineRecord {
    pub line_id: String,
    pub product_id: String,
    pub quantity: i64,
    pub reason: ReturnReason,
    pub status: ReturnStatus,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRecord {
    pub reason: ClaimReason,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub kind: OrderEventKind,
    pub actor: String,
    /// The event's data as stored (JSON text).
    pub data: String,
    pub at: Timestamp,
}
