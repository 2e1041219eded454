//! Orders in the database: placement (validate against the catalog, plan, reserve,
//! store, record, enqueue — one transaction), reads with lines, reservations and
//! timeline, filtered lists, and the lifecycle actions hold, release and cancel.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use switchyard_core::FieldError;
use switchyard_core::catalog::Address;
use switchyard_core::id::{ChannelId, EventId, LineId, LocationId, OrderId, ProductId, ReservationId};
use switchyard_core::inventory::{Balance, Delta, MovementKind};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::{
    self as rules, Customer, FulfilmentStatus, Hold, HoldReason, LineAction, LineStatus, LinesOutcome, OrderAction,
    OrderDraft, OrderEventKind, OrderStatus, PaymentStatus, ServiceLevel, Totals,
};
use switchyard_core::payment::PaymentTotals;
use switchyard_core::returns::OrderReturnStatus;
use switchyard_core::routing::zone::Destination;
use switchyard_core::routing::{self, Decision, Line, PlanSummary, SimulationDraft, Site, SplitPolicy};

use crate::catalog::Channel;
use crate::db::{self, Arg, Row, Sql, get_enum, get_id, get_json, get_opt_time, get_time, insert_rows, micros};
use crate::error::{StoreError, StoreResult};
use crate::inventory::{MovementContext, record};
use crate::journal::Journal;
use crate::outbox::enqueue;
use crate::page::{Page, PageRequest};
use crate::payment;
use crate::returns::ReturnSummary;
use crate::routing::{Network, Route};
use crate::shipment::link::{lines_in_progress, refuse_lines_in_progress, withdraw_unstarted_shipments};
use crate::{Store, WriteTx};

mod allocate;
mod channel;
mod customer;
mod head;
mod lifecycle;
mod mail;
mod note;
mod place;
mod read;
mod route;
mod simulate;

use allocate::*;
pub use channel::{ChannelCancelled, ChannelRefunded};
pub use customer::CustomerTotals;
pub(crate) use head::{Head, lock};
pub use mail::OrderEmail;
pub use simulate::{SimulatedLine, Simulation};

/// An order as lists show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderSummary {
    pub id: OrderId,
    /// The human order number.
    #[cfg_attr(feature = "openapi", schema(example = "SO-100042"))]
    pub number: String,
    pub channel: String,
    pub channel_id: ChannelId,
    pub external_id: Option<String>,
    pub status: OrderStatus,
    pub fulfilment_status: FulfilmentStatus,
    pub payment_status: PaymentStatus,
    /// Where the order's returns stand.
    pub return_status: OrderReturnStatus,
    pub hold: Option<Hold>,
    pub customer: Customer,
    /// Destination country (ISO 3166-1 alpha-2).
    pub ship_to_country: String,
    pub currency: Currency,
    pub totals: Totals,
    pub service_level: ServiceLevel,
    /// Higher is served first when backordered stock arrives.
    pub priority: i64,
    /// The latest time a shipment of the order is promised to leave.
    pub promised_ship_at: Option<Timestamp>,
    /// The latest promised delivery among its shipments.
    pub promised_delivery_at: Option<Timestamp>,
    pub tags: Vec<String>,
    /// Set when the customer's feedback rated something 2 or lower: customer care
    /// should get in touch.
    pub follow_up: bool,
    pub placed_at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Increases with every change.
    pub version: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    pub id: LineId,
    pub line_no: i64,
    pub sku: String,
    pub product_id: ProductId,
    pub title: String,
    pub quantity: i64,
    pub unit_price: Money,
    pub discount: Money,
    pub tax: Money,
    pub total: Money,
    pub status: LineStatus,
    /// For a backordered line: when inbound purchase orders are expected to cover it.
    pub expected_at: Option<Timestamp>,
    /// The channel's own id of the line, when it sent one.
    pub external_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reservation {
    pub id: ReservationId,
    pub line_id: LineId,
    pub sku: String,
    pub location: String,
    pub location_id: LocationId,
    pub quantity: i64,
    pub promised_ship_at: Option<Timestamp>,
    pub promised_delivery_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// One entry of an order's timeline.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEvent {
    pub id: EventId,
    pub kind: OrderEventKind,
    /// Who did it: an API key's name, `system`, or `demo`.
    pub actor: String,
    pub message: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shipping {
    pub amount: Money,
    pub tax: Money,
}

/// An order with everything that belongs to it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    #[serde(flatten)]
    pub summary: OrderSummary,
    pub shipping_address: Address,
    pub billing_address: Address,
    pub shipping: Shipping,
    pub notes: Option<String>,
    pub lines: Vec<OrderLine>,
    pub reservations: Vec<Reservation>,
    /// What its payment transactions add up to (`payment_status` says what that means;
    /// `GET /orders/{key}/payments` has the records).
    pub payment: PaymentTotals,
    /// Its returns (RMAs), oldest first.
    pub returns: Vec<ReturnSummary>,
    pub timeline: Vec<TimelineEvent>,
}

/// What placing an order did: `created` is false when the channel's external id was
/// already known and the existing order is returned.
#[derive(Debug, Clone)]
pub struct Placement {
    pub order: Order,
    pub created: bool,
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub fulfilment_status: Option<FulfilmentStatus>,
    pub channel: Option<String>,
    pub placed_from: Option<Timestamp>,
    pub placed_to: Option<Timestamp>,
    pub updated_since: Option<Timestamp>,
    /// Text to find in the number, the external id, the customer's email or name.
    pub q: Option<String>,
}

const SUMMARY_COLUMNS: &str = "o.id, o.number, c.code AS channel, o.channel_id, o.external_id, o.status, \
     o.fulfilment_status, o.payment_status, o.hold_reason, o.hold_note, o.hold_until, o.currency, o.customer_email, \
     o.customer_name, o.customer_phone, o.ship_country, o.subtotal, o.discount_total, o.tax_total, o.shipping_amount, \
     o.shipping_tax, o.grand_total, o.service_level, o.priority, o.promised_ship_at, o.promised_delivery_at, o.tags, o.placed_at, o.created_at, o.updated_at, o.version, o.return_status, \
     o.shipping_address, o.billing_address, o.notes, o.follow_up_at";

fn currency(row: &Row) -> StoreResult<Currency> {
    let raw: String = row.try_get("currency")?;
    Currency::parse(&raw).map_err(|e| StoreError::Corrupt(e.message))
}

fn summary(row: &Row) -> StoreResult<OrderSummary> {
    let c = currency(row)?;
    let m = |col: &str| -> StoreResult<Money> { Ok(Money::new(row.try_get(col)?, c)) };
    let hold = match row.try_get::<Option<String>, _>("hold_reason")? {
        Some(reason) => Some(Hold {
            reason: HoldReason::parse(&reason).map_err(|e| StoreError::Corrupt(e.message))?,
            note: row.try_get("hold_note")?,
            until: get_opt_time(row, "hold_until")?,
        }),
        None => None,
    };
    Ok(OrderSummary {
        id: get_id(row, "id")?,
        number: row.try_get("number")?,
        channel: row.try_get("channel")?,
        channel_id: get_id(row, "channel_id")?,
        external_id: row.try_get("external_id")?,
        status: get_enum(row, "status", OrderStatus::parse)?,
        fulfilment_status: get_enum(row, "fulfilment_status", FulfilmentStatus::parse)?,
        payment_status: get_enum(row, "payment_status", PaymentStatus::parse)?,
        hold,
        customer: Customer {
            email: row.try_get("customer_email")?,
            name: row.try_get("customer_name")?,
            phone: row.try_get("customer_phone")?,
        },
        ship_to_country: row.try_get("ship_country")?,
        currency: c,
        totals: Totals {
            subtotal: m("subtotal")?,
            discount: m("discount_total")?,
            tax: m("tax_total")?,
            shipping: m("shipping_amount")?,
            total: m("grand_total")?,
        },
        service_level: get_enum(row, "service_level", ServiceLevel::parse)?,
        priority: row.try_get("priority")?,
        promised_ship_at: get_opt_time(row, "promised_ship_at")?,
        promised_delivery_at: get_opt_time(row, "promised_delivery_at")?,
        tags: get_json(row, "tags")?,
        follow_up: get_opt_time(row, "follow_up_at")?.is_some(),
        placed_at: get_time(row, "placed_at")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        version: row.try_get("version")?,
        return_status: get_enum(row, "return_status", OrderReturnStatus::parse)?,
    })
}

/// A product an order line refers to.
struct LineProduct {
    id: ProductId,
    title: String,
}

/// Appends an event to the order's timeline and its message to the outbox.
pub(crate) fn event(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    kind: OrderEventKind,
    actor: &str,
    message: String,
    data: serde_json::Value,
) {
    tx.append(
        Journal::OrderEvent,
        vec![
            Arg::Text(EventId::new_at(now).to_string()),
            Arg::Text(order.to_string()),
            Arg::Text(kind.as_str().to_owned()),
            Arg::Text(actor.to_owned()),
            Arg::Text(message.clone()),
            Arg::Text(data.to_string()),
            Arg::Int(micros(now)),
        ],
    );
    let payload =
        json!({ "order_id": order, "kind": kind, "message": message, "data": data, "at": now, "actor": actor });
    enqueue(tx, now, kind.as_str(), order.as_str(), &payload);
}
