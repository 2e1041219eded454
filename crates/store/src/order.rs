//! Orders in the database: placement (validate against the catalog, plan, reserve,
//! store, record, enqueue — one transaction), reads with lines, reservations and
//! timeline, filtered lists, and the lifecycle actions hold, release and cancel.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use switchyard_core::FieldError;
use switchyard_core::catalog::{Address, ShortagePolicy};
use switchyard_core::id::{ChannelId, EventId, LineId, LocationId, OrderId, ProductId, ReservationId};
use switchyard_core::inventory::{Balance, Delta, MovementKind};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::{
    self as rules, Customer, FulfilmentStatus, Hold, HoldReason, LineStatus, OrderAction, OrderDraft, OrderEventKind,
    OrderStatus, PaymentStatus, ServiceLevel, Totals,
};
use switchyard_core::payment::{AttemptStatus, PaymentTotals};
use switchyard_core::returns::OrderReturnStatus;
use switchyard_core::routing::zone::Destination;
use switchyard_core::routing::{self, Decision, Line, PlanSummary, SimulationDraft, Site, SplitPolicy};

use crate::catalog::Channel;
use crate::db::{self, Arg, Row, Sql, get_enum, get_id, get_json, get_opt_time, get_time, insert_rows, micros};
use crate::error::{ShortLine, StoreError, StoreResult};
use crate::inventory::{MovementContext, record, retrying};
use crate::journal::Journal;
use crate::outbox::enqueue;
use crate::page::{Page, PageRequest};
use crate::payment;
use crate::returns::ReturnSummary;
use crate::routing::{Network, Route};
use crate::shipment::link::{lines_in_progress, refuse_lines_in_progress, withdraw_unstarted_shipments};
use crate::{Store, WriteTx};

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
     o.shipping_address, o.billing_address, o.notes";

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
        placed_at: get_time(row, "placed_at")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        version: row.try_get("version")?,
        return_status: get_enum(row, "return_status", OrderReturnStatus::parse)?,
    })
}

/// The parts of an order a lifecycle action needs, read inside its transaction.
pub(crate) struct Head {
    pub id: OrderId,
    pub number: String,
    pub status: OrderStatus,
    pub version: i64,
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
    let payload = json!({ "order_id": order, "kind": kind, "message": message, "data": data, "at": now });
    enqueue(tx, now, kind.as_str(), order.as_str(), &payload);
}

/// Releases the reservations of `order` (of one line when `line` is given), writing a
/// release movement per reservation. Rows are taken in (product, location) order so
/// concurrent transactions lock balances in the same order.
async fn release_reservations(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    line: Option<&LineId>,
    actor: &str,
) -> StoreResult<Vec<(String, String, i64)>> {
    let mut sql = Sql::new(
        "SELECT r.id, r.product_id, r.location_id, r.quantity, p.sku, l.code FROM reservation r \
         JOIN product p ON p.id = r.product_id JOIN location l ON l.id = r.location_id",
    );
    sql.filter("r.order_id = ", Arg::Text(order.to_string()), "");
    if let Some(line) = line {
        sql.filter("r.line_id = ", Arg::Text(line.to_string()), "");
    }
    sql.push(" ORDER BY r.product_id, r.location_id, r.id");
    let rows = sql.query().fetch_all(&mut ***tx).await?;
    let ctx = MovementContext {
        actor: actor.to_owned(),
        note: None,
        reference: Some(order.to_string()),
    };
    let mut released = Vec::new();
    for row in &rows {
        let product: ProductId = get_id(row, "product_id")?;
        let location: LocationId = get_id(row, "location_id")?;
        let quantity: i64 = row.try_get("quantity")?;
        let after = db::query(
            "UPDATE stock_balance SET reserved = reserved - $1, updated_at = $2 \
             WHERE product_id = $3 AND location_id = $4 AND reserved >= $1 RETURNING on_hand, reserved",
        )
        .bind(quantity)
        .bind(micros(now))
        .bind(product.as_str())
        .bind(location.as_str())
        .fetch_optional(&mut ***tx)
        .await?
        .ok_or_else(|| {
            StoreError::Corrupt(format!(
                "reservation {} exceeds the reserved balance",
                row.try_get::<String, _>("id").unwrap_or_default()
            ))
        })?;
        let after = Balance {
            on_hand: after.try_get("on_hand")?,
            reserved: after.try_get("reserved")?,
        };
        record(
            tx,
            now,
            &product,
            &location,
            MovementKind::Release,
            Delta {
                on_hand: 0,
                reserved: -quantity,
            },
            after,
            None,
            &ctx,
        );
        db::query("DELETE FROM reservation WHERE id = $1")
            .bind(row.try_get::<String, _>("id")?)
            .execute(&mut ***tx)
            .await?;
        released.push((row.try_get("sku")?, row.try_get("code")?, quantity));
    }
    Ok(released)
}

/// The products the order (or one of its lines) holds reservations of.
async fn reserved_products(tx: &mut WriteTx, order: &OrderId, line: Option<&LineId>) -> StoreResult<Vec<ProductId>> {
    let mut sql = Sql::new("SELECT DISTINCT product_id FROM reservation");
    sql.filter("order_id = ", Arg::Text(order.to_string()), "");
    if let Some(line) = line {
        sql.filter("line_id = ", Arg::Text(line.to_string()), "");
    }
    sql.query()
        .fetch_all(&mut ***tx)
        .await?
        .iter()
        .map(|r| get_id(r, "product_id"))
        .collect()
}

fn describe(items: &[(String, String, i64)]) -> String {
    let mut by_location: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (sku, location, quantity) in items {
        by_location
            .entry(location)
            .or_default()
            .push(format!("{quantity} × {sku}"));
    }
    by_location
        .iter()
        .map(|(l, items)| format!("{l}: {}", items.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A line being routed: its id, SKU and quantity.
struct OpenLine {
    id: LineId,
    sku: String,
    quantity: i64,
}

/// A routing decision with the sites and routing lines it refers to.
struct Routed<'a> {
    decision: &'a Decision,
    sites: &'a [Site],
    lines: &'a [Line],
}

/// The lines a reject channel refuses: every line of a SKU that could not be served,
/// with what the order asks of that SKU in all and the most one location could give.
fn short_lines(
    draft: &OrderDraft,
    wanted: &[(ProductId, i64)],
    lines: &[Line],
    sites: &[Site],
    assignment: &[Option<usize>],
) -> Vec<ShortLine> {
    let short: BTreeSet<&ProductId> = wanted
        .iter()
        .zip(assignment)
        .filter(|(_, s)| s.is_none())
        .map(|((p, _), _)| p)
        .collect();
    let units = |i: usize, site: &Site| {
        let per_unit = wanted[i].1.max(1);
        lines[i]
            .needs
            .iter()
            .map(|(p, q)| site.available.get(p).copied().unwrap_or(0).max(0) / (q / per_unit).max(1))
            .min()
            .unwrap_or(0)
    };
    draft
        .lines
        .iter()
        .enumerate()
        .filter(|(i, _)| short.contains(&wanted[*i].0))
        .map(|(i, line)| ShortLine {
            line: i,
            sku: line.sku.clone(),
            requested: wanted.iter().filter(|(p, _)| *p == wanted[i].0).map(|(_, q)| q).sum(),
            available: sites.iter().map(|s| units(i, s)).max().unwrap_or(0),
        })
        .collect()
}

/// Takes the stock `routed` assigns to `lines` of `order` — one guarded statement per
/// (product, location), in a fixed order, each with its ledger row — and records the
/// reservations with their promise. Answers how many lines were assigned.
async fn reserve(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    lines: &[OpenLine],
    routed: &Routed<'_>,
    actor: &str,
) -> StoreResult<usize> {
    let plan = &routed.decision.chosen;
    let mut take: BTreeMap<(ProductId, LocationId), i64> = BTreeMap::new();
    for (i, site) in plan.assignment.iter().enumerate() {
        if let Some(s) = site {
            for (p, q) in &routed.lines[i].needs {
                *take.entry((p.clone(), routed.sites[*s].location.clone())).or_insert(0) += q;
            }
        }
    }
    let ctx = MovementContext {
        actor: actor.to_owned(),
        note: None,
        reference: Some(order.to_string()),
    };
    for ((product, location), quantity) in &take {
        let row = db::query(
            "UPDATE stock_balance SET reserved = reserved + $1, updated_at = $2 \
             WHERE product_id = $3 AND location_id = $4 AND on_hand - reserved >= $1 RETURNING on_hand, reserved",
        )
        .bind(*quantity)
        .bind(micros(now))
        .bind(product.as_str())
        .bind(location.as_str())
        .fetch_optional(&mut ***tx)
        .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict {
                code: "concurrent_update",
                message: "stock changed while the order was routed; retry".into(),
            });
        };
        let after = Balance {
            on_hand: row.try_get("on_hand")?,
            reserved: row.try_get("reserved")?,
        };
        let delta = Delta {
            on_hand: 0,
            reserved: *quantity,
        };
        record(
            tx,
            now,
            product,
            location,
            MovementKind::Reserve,
            delta,
            after,
            None,
            &ctx,
        );
    }
    let mut rows = Vec::new();
    let mut allocated = 0;
    for (i, (line, site)) in lines.iter().zip(&plan.assignment).enumerate() {
        let Some(s) = site else { continue };
        let site = &routed.sites[*s];
        for (product, quantity) in &routed.lines[i].needs {
            rows.push(vec![
                Arg::Text(ReservationId::new_at(now).to_string()),
                Arg::Text(order.to_string()),
                Arg::Text(line.id.to_string()),
                Arg::Text(product.to_string()),
                Arg::Text(site.location.to_string()),
                Arg::Int(*quantity),
                Arg::Int(micros(now)),
                Arg::Int(micros(site.promise.ship_by)),
                Arg::Int(micros(site.promise.deliver_by)),
            ]);
        }
        allocated += 1;
    }
    insert_rows(
        tx,
        "INSERT INTO reservation (id, order_id, line_id, product_id, location_id, quantity, created_at, \
         promised_ship_at, promised_delivery_at) VALUES ",
        &rows,
    )
    .await?;
    Ok(allocated)
}

/// Reserves what `routed` assigns to `lines` of an existing `order` (see `reserve`),
/// marks the lines allocated or backordered, refreshes the order's fulfilment status
/// and promise under an optimistic `version` check, and tells the timeline why (see
/// `announce`).
#[allow(clippy::too_many_arguments)]
async fn allocate(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    version: i64,
    lines: &[OpenLine],
    routed: &Routed<'_>,
    actor: &str,
    verb: &str,
    announce_backorders: bool,
) -> StoreResult<usize> {
    let allocated = reserve(tx, now, order, lines, routed, actor).await?;
    let assignment = &routed.decision.chosen.assignment;
    for (assigned, status) in [
        (true, "status = 'allocated', expected_at = NULL"),
        (false, "status = 'backordered'"),
    ] {
        let ids: Vec<Arg> = lines
            .iter()
            .zip(assignment)
            .filter(|(_, site)| site.is_some() == assigned)
            .map(|(line, _)| Arg::Text(line.id.to_string()))
            .collect();
        if !ids.is_empty() {
            let mut sql = Sql::new(&format!("UPDATE order_line SET {status} WHERE id IN ("));
            sql.list(ids).push(")");
            sql.query().execute(&mut ***tx).await?;
        }
    }
    let statuses: Vec<LineStatus> = db::query_scalar::<String>("SELECT status FROM order_line WHERE order_id = $1")
        .bind(order.as_str())
        .fetch_all(&mut ***tx)
        .await?
        .iter()
        .map(|s| LineStatus::parse(s).map_err(|e| StoreError::Corrupt(e.message)))
        .collect::<StoreResult<_>>()?;
    let updated = db::query(
        "UPDATE sales_order SET fulfilment_status = $1, updated_at = $2, version = version + 1, \
         promised_ship_at = (SELECT MAX(promised_ship_at) FROM reservation WHERE order_id = $3), \
         promised_delivery_at = (SELECT MAX(promised_delivery_at) FROM reservation WHERE order_id = $3) \
         WHERE id = $3 AND version = $4",
    )
    .bind(rules::fulfilment_status(statuses).as_str())
    .bind(micros(now))
    .bind(order.as_str())
    .bind(version)
    .execute(&mut ***tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            code: "concurrent_update",
            message: "the order changed while it was routed; retry".into(),
        });
    }
    announce(tx, now, order, lines, routed, verb, announce_backorders);
    Ok(allocated)
}

/// Tells the order's timeline where `routed` sent `lines` (the plan, the runner-up and
/// why it lost) and, when `backorders`, which lines no location could serve.
fn announce(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    lines: &[OpenLine],
    routed: &Routed<'_>,
    verb: &str,
    backorders: bool,
) {
    let plan = &routed.decision.chosen;
    let chosen = plan.summarize(routed.lines, routed.sites);
    if plan.assignment.iter().any(Option::is_some) {
        let runner_up = routed
            .decision
            .runner_up
            .as_ref()
            .filter(|r| r.score.unserved < lines.len());
        let mut message = format!("{verb}: {}", chosen.text);
        let runner = runner_up.map(|r| {
            (
                r.summarize(routed.lines, routed.sites),
                routing::why_lost(&plan.score, &r.score),
            )
        });
        if let Some((summary, why)) = &runner {
            message.push_str(&format!(". Runner-up: {} — lost because {why}", summary.text));
        }
        let data = json!({
            "chosen": chosen,
            "runner_up": runner.as_ref().map(|(s, _)| s),
            "runner_up_lost_because": runner.as_ref().map(|(_, w)| w),
            "exact": routed.decision.exact,
            "lines": lines.iter().map(|l| &l.sku).collect::<Vec<_>>(),
        });
        event(tx, now, order, OrderEventKind::Allocated, "system", message, data);
    }
    if backorders && !chosen.unserved_lines.is_empty() {
        let short: Vec<String> = chosen
            .unserved_lines
            .iter()
            .map(|i| format!("{} × {}", lines[*i].quantity, lines[*i].sku))
            .collect();
        let message = format!("Backordered {}: no eligible location has the stock", short.join(", "));
        event(
            tx,
            now,
            order,
            OrderEventKind::Backordered,
            "system",
            message,
            json!({ "lines": short }),
        );
    }
}

/// Where a draft goes and how fast.
fn route_of<'a>(draft: &'a OrderDraft, channel: &'a Channel) -> Route<'a> {
    let address = &draft.shipping_address;
    Route {
        channel: &channel.id,
        destination: Destination {
            country: &address.country,
            region: address.region.as_deref(),
            postal_code: address.postal_code.as_deref(),
        },
        level: draft.service_level,
        currency: draft.currency,
        policy: channel.split_policy,
    }
}

/// An order being placed: the draft, its channel, its lines' products and the
/// network it is routed over, all read before the write turn.
#[derive(Clone, Copy)]
struct NewOrder<'a> {
    draft: &'a OrderDraft,
    channel: &'a Channel,
    products: &'a BTreeMap<String, LineProduct>,
    /// Each line's product and quantity.
    wanted: &'a [(ProductId, i64)],
    network: &'a Network,
}

/// The order a channel already has under this external id.
async fn order_by_external<'c>(
    db: impl Into<db::Target<'c>>,
    channel: &ChannelId,
    external_id: Option<&str>,
) -> StoreResult<Option<OrderId>> {
    let Some(external_id) = external_id else {
        return Ok(None);
    };
    let id: Option<String> = db::query_scalar("SELECT id FROM sales_order WHERE channel_id = $1 AND external_id = $2")
        .bind(channel.as_str())
        .bind(external_id)
        .fetch_optional(db)
        .await?;
    id.map(|id| OrderId::try_from(id).map_err(StoreError::Corrupt))
        .transpose()
}

impl Store {
    /// Places an order: validated against the catalog, stock reserved at the best
    /// location the channel may ship from, stored with its ledger rows, timeline and
    /// outbox messages in one transaction. The same channel and external id returns
    /// the existing order instead of a second one.
    pub async fn place_order(&self, draft: &OrderDraft, actor: &str) -> StoreResult<Placement> {
        let channel = match self.channel(&draft.channel).await {
            Ok(c) if c.archived_at.is_none() => c,
            Ok(c) => {
                return Err(StoreError::invalid(
                    "/channel",
                    "archived",
                    format!("channel {} is archived", c.code),
                ));
            }
            Err(StoreError::NotFound { .. }) => {
                return Err(StoreError::invalid(
                    "/channel",
                    "unknown_channel",
                    format!("there is no channel {}", draft.channel),
                ));
            }
            Err(e) => return Err(e),
        };
        if let Some(existing) = order_by_external(&self.pool, &channel.id, draft.external_id.as_deref()).await? {
            return Ok(Placement {
                order: self.order(existing.as_str()).await?,
                created: false,
            });
        }
        let products = self.line_products(draft).await?;
        let wanted = draft
            .lines
            .iter()
            .map(|line| {
                let product = products
                    .get(&line.sku)
                    .ok_or_else(|| StoreError::not_found("product", &line.sku))?;
                Ok((product.id.clone(), line.quantity.get()))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let network = {
            let ids = wanted.iter().map(|(p, _)| p.clone()).collect();
            let mut conn = self.pool.acquire().await?;
            self.network(&mut conn, &route_of(draft, &channel), &ids).await?
        };
        let order = NewOrder {
            draft,
            channel: &channel,
            products: &products,
            wanted: &wanted,
            network: &network,
        };
        let placed = self.place_new(&order, actor).await?;
        let mut order = self.order(placed.0.as_str()).await?;
        let waiting: Vec<ProductId> = order
            .lines
            .iter()
            .filter(|l| l.status == LineStatus::Backordered)
            .map(|l| l.product_id.clone())
            .collect();
        if placed.1 && !waiting.is_empty() {
            self.after_inbound_changed(&waiting).await;
            order = self.order(placed.0.as_str()).await?;
        }
        Ok(Placement {
            order,
            created: placed.1,
        })
    }

    /// Looks up every line's SKU, naming each unknown or archived one.
    async fn line_products(&self, draft: &OrderDraft) -> StoreResult<BTreeMap<String, LineProduct>> {
        let skus: BTreeSet<&str> = draft.lines.iter().map(|l| l.sku.as_str()).collect();
        let mut sql = Sql::new("SELECT id, sku, title, archived_at FROM product WHERE sku IN (");
        for (i, sku) in skus.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Arg::Text((*sku).to_owned()));
        }
        sql.push(")");
        let rows = sql.query().fetch_all(&self.pool).await?;
        let mut found = BTreeMap::new();
        let mut archived = BTreeSet::new();
        for row in &rows {
            let sku: String = row.try_get("sku")?;
            if row.try_get::<Option<i64>, _>("archived_at")?.is_some() {
                archived.insert(sku.clone());
            }
            found.insert(
                sku,
                LineProduct {
                    id: get_id(row, "id")?,
                    title: row.try_get("title")?,
                },
            );
        }
        let mut errors = Vec::new();
        for (i, line) in draft.lines.iter().enumerate() {
            let field = format!("/lines/{i}/sku");
            if !found.contains_key(&line.sku) {
                errors.push(FieldError {
                    field,
                    code: "unknown_sku",
                    message: format!("there is no product with SKU {}", line.sku),
                });
            } else if archived.contains(&line.sku) {
                errors.push(FieldError {
                    field,
                    code: "archived",
                    message: format!("product {} is archived", line.sku),
                });
            }
        }
        if errors.is_empty() {
            Ok(found)
        } else {
            Err(StoreError::Invalid(errors))
        }
    }

    /// Writes a new order in a write turn; answers its id and whether it is new
    /// (false when the same channel and external id won a race to be placed).
    async fn place_new(&self, order: &NewOrder<'_>, actor: &str) -> StoreResult<(OrderId, bool)> {
        retrying!({
            let mut tx = self.write().await?;
            let result = self.place_in(&mut tx, order, actor).await;
            match result {
                Err(StoreError::Database(e))
                    if e.violates("sales_order_channel_external_key", "sales_order.channel_id") =>
                {
                    tx.rollback().await;
                    // The order that won may still wait on its commit (SQLite commits
                    // writers together): look it up in a write turn, which sees it
                    // and answers once it is durable.
                    let mut tx = self.write().await?;
                    let existing =
                        order_by_external(&mut **tx, &order.channel.id, order.draft.external_id.as_deref()).await;
                    match tx.finish(existing).await? {
                        Some(id) => Ok((id, false)),
                        None => Err(StoreError::Database(e)),
                    }
                }
                other => tx.finish(other.map(|id| (id, true))).await,
            }
        })
    }

    async fn place_in(&self, tx: &mut WriteTx, order: &NewOrder<'_>, actor: &str) -> StoreResult<OrderId> {
        let NewOrder {
            draft,
            channel,
            products,
            wanted,
            network,
        } = *order;
        let now = self.now();
        let (decision, sites, route_lines) = self.route_on(tx, network, channel.split_policy, wanted, now).await?;
        let plan = &decision.chosen;
        if plan.score.unserved > 0 && channel.shortage_policy == ShortagePolicy::Reject {
            return Err(StoreError::InsufficientStock(short_lines(
                draft,
                wanted,
                &route_lines,
                &sites,
                &plan.assignment,
            )));
        }

        let next_number = match self.backend() {
            crate::Backend::Sqlite => {
                "UPDATE counter SET value = value + 1 WHERE name = 'order_number' RETURNING value"
            }
            crate::Backend::Postgres => "SELECT nextval('order_number_seq')",
        };
        let number = format!(
            "SO-{}",
            db::query_scalar::<i64>(next_number).fetch_one(&mut ***tx).await?
        );
        let id = OrderId::new_at(now);
        let statuses: Vec<LineStatus> = plan
            .assignment
            .iter()
            .map(|s| {
                if s.is_some() {
                    LineStatus::Allocated
                } else {
                    LineStatus::Backordered
                }
            })
            .collect();
        let fulfilment = rules::fulfilment_status(statuses.iter().copied());
        let promise = plan.promise(&sites);
        let t = &draft.totals;
        db::query(
            "INSERT INTO sales_order (id, number, channel_id, external_id, status, fulfilment_status, payment_status, \
             currency, customer_email, customer_name, customer_phone, shipping_address, billing_address, ship_country, \
             subtotal, discount_total, tax_total, shipping_amount, shipping_tax, grand_total, service_level, notes, tags, \
             placed_at, created_at, updated_at, version, priority, promised_ship_at, promised_delivery_at) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, \
             $24, $25, $25, 1, $26, $27, $28)",
        )
        .bind(id.as_str())
        .bind(&number)
        .bind(channel.id.as_str())
        .bind(draft.external_id.as_deref())
        .bind(OrderStatus::Open.as_str())
        .bind(fulfilment.as_str())
        .bind(PaymentStatus::Pending.as_str())
        .bind(draft.currency.to_string())
        .bind(&draft.customer.email)
        .bind(&draft.customer.name)
        .bind(draft.customer.phone.as_deref())
        .bind(serde_json::to_string(&draft.shipping_address)?)
        .bind(serde_json::to_string(&draft.billing_address)?)
        .bind(&draft.shipping_address.country)
        .bind(t.subtotal.amount)
        .bind(t.discount.amount)
        .bind(t.tax.amount)
        .bind(draft.shipping.amount)
        .bind(draft.shipping_tax.amount)
        .bind(t.total.amount)
        .bind(draft.service_level.as_str())
        .bind(draft.notes.as_deref())
        .bind(serde_json::to_string(&draft.tags)?)
        .bind(micros(draft.placed_at.unwrap_or(now)))
        .bind(micros(now))
        .bind(draft.priority)
        .bind(promise.map(|p| micros(p.ship_by)))
        .bind(promise.map(|p| micros(p.deliver_by)))
        .execute(&mut ***tx)
        .await?;

        let mut lines = Vec::with_capacity(draft.lines.len());
        let mut rows = Vec::with_capacity(draft.lines.len());
        for (i, (line, status)) in draft.lines.iter().zip(&statuses).enumerate() {
            let line_id = LineId::new_at(now);
            rows.push(vec![
                Arg::Text(line_id.to_string()),
                Arg::Text(id.to_string()),
                Arg::Int(i as i64 + 1),
                Arg::Text(wanted[i].0.to_string()),
                Arg::Text(line.sku.clone()),
                Arg::Text(products[&line.sku].title.clone()),
                Arg::Int(line.quantity.get()),
                Arg::Int(line.unit_price.amount),
                Arg::Int(line.discount.amount),
                Arg::Int(line.tax.amount),
                Arg::Int(line.total.amount),
                Arg::Text(status.as_str().to_owned()),
            ]);
            lines.push(OpenLine {
                id: line_id,
                sku: line.sku.clone(),
                quantity: line.quantity.get(),
            });
        }
        insert_rows(
            tx,
            "INSERT INTO order_line (id, order_id, line_no, product_id, sku, title, quantity, unit_price, discount, tax, \
             total, status) VALUES ",
            &rows,
        )
        .await?;

        let placed_message = format!(
            "Placed on {} ({} line{}, {})",
            channel.code,
            draft.lines.len(),
            if draft.lines.len() == 1 { "" } else { "s" },
            t.total
        );
        let placed_data =
            json!({ "number": number, "channel": channel.code, "external_id": draft.external_id, "total": t.total });
        event(tx, now, &id, OrderEventKind::Placed, actor, placed_message, placed_data);
        if self.backend() == crate::Backend::Sqlite {
            tx.append(
                Journal::OrderSearch,
                vec![
                    Arg::Text(id.to_string()),
                    Arg::Text(number.clone()),
                    Arg::OptText(draft.external_id.clone()),
                    Arg::Text(draft.customer.email.clone()),
                    Arg::Text(draft.customer.name.clone()),
                ],
            );
        }
        let routed = Routed {
            decision: &decision,
            sites: &sites,
            lines: &route_lines,
        };
        announce(tx, now, &id, &lines, &routed, "Routed", true);
        let terms = payment::Terms {
            provider: channel.policies.payment_provider,
            mode: channel.policies.capture_mode,
        };
        let token = draft.payment_token.as_ref();
        let attempt = payment::authorize_new(tx, now, &id, t.total, terms, token, actor).await?;
        if attempt.status != AttemptStatus::Approved {
            let head = Head {
                id: id.clone(),
                number,
                status: OrderStatus::Open,
                version: 1,
            };
            self.after_payment_attempt(tx, &head, &attempt, actor, now).await?;
        }
        // Stock last: on PostgreSQL the balance rows stay locked from here until the
        // commit, and hot SKUs' rows are wanted by many orders at once.
        reserve(tx, now, &id, &lines, &routed, actor).await?;
        Ok(id)
    }

    /// An order by id or number, with lines, reservations and timeline.
    pub async fn order(&self, key: &str) -> StoreResult<Order> {
        let column = if OrderId::parse(key).is_some() {
            "o.id"
        } else {
            "o.number"
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM sales_order o JOIN channel c ON c.id = o.channel_id WHERE {column} = $1"
        );
        let row = db::query(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("order", key))?;
        let summary = summary(&row)?;
        let c = summary.currency;
        let id = summary.id.to_string();
        let lines = db::query(
            "SELECT id, line_no, sku, product_id, title, quantity, unit_price, discount, tax, total, status, expected_at \
             FROM order_line WHERE order_id = $1 ORDER BY line_no",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(OrderLine {
                id: get_id(r, "id")?,
                line_no: r.try_get("line_no")?,
                sku: r.try_get("sku")?,
                product_id: get_id(r, "product_id")?,
                title: r.try_get("title")?,
                quantity: r.try_get("quantity")?,
                unit_price: Money::new(r.try_get("unit_price")?, c),
                discount: Money::new(r.try_get("discount")?, c),
                tax: Money::new(r.try_get("tax")?, c),
                total: Money::new(r.try_get("total")?, c),
                status: get_enum(r, "status", LineStatus::parse)?,
                expected_at: get_opt_time(r, "expected_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let reservations = db::query(
            "SELECT r.id, r.line_id, p.sku, l.code, r.location_id, r.quantity, r.promised_ship_at, r.promised_delivery_at, r.created_at \
             FROM reservation r \
             JOIN product p ON p.id = r.product_id JOIN location l ON l.id = r.location_id WHERE r.order_id = $1 ORDER BY r.id",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(Reservation {
                id: get_id(r, "id")?,
                line_id: get_id(r, "line_id")?,
                sku: r.try_get("sku")?,
                location: r.try_get("code")?,
                location_id: get_id(r, "location_id")?,
                quantity: r.try_get("quantity")?,
                promised_ship_at: get_opt_time(r, "promised_ship_at")?,
                promised_delivery_at: get_opt_time(r, "promised_delivery_at")?,
                created_at: get_time(r, "created_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let timeline = db::query(
            "SELECT id, kind, actor, message, data, created_at FROM order_event WHERE order_id = $1 ORDER BY id",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(TimelineEvent {
                id: get_id(r, "id")?,
                kind: get_enum(r, "kind", OrderEventKind::parse)?,
                actor: r.try_get("actor")?,
                message: r.try_get("message")?,
                data: get_json(r, "data")?,
                created_at: get_time(r, "created_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(Order {
            shipping_address: get_json(&row, "shipping_address")?,
            billing_address: get_json(&row, "billing_address")?,
            shipping: Shipping {
                amount: summary.totals.shipping,
                tax: Money::new(row.try_get("shipping_tax")?, c),
            },
            notes: row.try_get("notes")?,
            payment: self.order_payment_totals(&summary.id).await?,
            returns: self.order_returns(&summary.id).await?,
            summary,
            lines,
            reservations,
            timeline,
        })
    }

    /// Orders, newest first.
    pub async fn list_orders(&self, filter: &OrderFilter, page: &PageRequest) -> StoreResult<Page<OrderSummary>> {
        let mut sql = Sql::new(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM sales_order o JOIN channel c ON c.id = o.channel_id"
        ));
        if let Some(status) = filter.status {
            sql.filter("o.status = ", Arg::Text(status.as_str().into()), "");
        }
        if let Some(status) = filter.fulfilment_status {
            sql.filter("o.fulfilment_status = ", Arg::Text(status.as_str().into()), "");
        }
        if let Some(channel) = &filter.channel {
            let channel = self.channel(channel).await?;
            sql.filter("o.channel_id = ", Arg::Text(channel.id.to_string()), "");
        }
        if let Some(from) = filter.placed_from {
            sql.filter("o.placed_at >= ", Arg::Int(micros(from)), "");
        }
        if let Some(to) = filter.placed_to {
            sql.filter("o.placed_at < ", Arg::Int(micros(to)), "");
        }
        if let Some(since) = filter.updated_since {
            sql.filter("o.updated_at >= ", Arg::Int(micros(since)), "");
        }
        if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            // SQLite's trigram index finds substrings of three or more characters;
            // PostgreSQL's trigram indexes serve the LIKE search itself.
            if self.backend == crate::Backend::Sqlite && q.chars().count() >= 3 {
                let phrase = format!("\"{}\"", q.replace('"', "\"\""));
                sql.filter(
                    "o.id IN (SELECT order_id FROM order_search WHERE order_search MATCH ",
                    Arg::Text(phrase),
                    ")",
                );
            } else {
                sql.search(&["o.number", "o.external_id", "o.customer_email", "o.customer_name"], q);
            }
        }
        if let Some(cursor) = &page.cursor {
            sql.filter("o.id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY o.id DESC").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(summary).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit(), |o| o.id.to_string()))
    }

    pub(crate) async fn head(&self, tx: &mut WriteTx, key: &str) -> StoreResult<Head> {
        let column = if OrderId::parse(key).is_some() { "id" } else { "number" };
        let sql = format!("SELECT id, number, status, version FROM sales_order WHERE {column} = $1");
        let row = db::query(sql)
            .bind(key)
            .fetch_optional(&mut ***tx)
            .await?
            .ok_or_else(|| StoreError::not_found("order", key))?;
        Ok(Head {
            id: get_id(&row, "id")?,
            number: row.try_get("number")?,
            status: get_enum(&row, "status", OrderStatus::parse)?,
            version: row.try_get("version")?,
        })
    }

    /// Writes the order's new status with an optimistic version check.
    pub(crate) async fn save_head(
        &self,
        tx: &mut WriteTx,
        head: &Head,
        status: OrderStatus,
        hold: Option<&Hold>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let statuses: Vec<LineStatus> = db::query_scalar::<String>("SELECT status FROM order_line WHERE order_id = $1")
            .bind(head.id.as_str())
            .fetch_all(&mut ***tx)
            .await?
            .iter()
            .map(|s| LineStatus::parse(s).map_err(|e| StoreError::Corrupt(e.message)))
            .collect::<StoreResult<_>>()?;
        let fulfilment = rules::fulfilment_status(statuses);
        let updated = db::query(
            "UPDATE sales_order SET status = $1, fulfilment_status = $2, hold_reason = $3, hold_note = $4, hold_until = $5, \
             updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8",
        )
        .bind(status.as_str())
        .bind(fulfilment.as_str())
        .bind(hold.map(|h| h.reason.as_str()))
        .bind(hold.and_then(|h| h.note.clone()))
        .bind(hold.and_then(|h| h.until).map(micros))
        .bind(micros(now))
        .bind(head.id.as_str())
        .bind(head.version)
        .execute(&mut ***tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                code: "concurrent_update",
                message: format!("order {} changed while this request ran; retry", head.number),
            });
        }
        Ok(())
    }

    /// Cancels the whole order and releases its reservations.
    pub async fn cancel_order(&self, key: &str, reason: Option<&str>, actor: &str) -> StoreResult<Order> {
        let (id, freed) = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let head = self.head(&mut tx, key).await?;
                let to = rules::transition(head.status, OrderAction::Cancel)?;
                refuse_lines_in_progress(&mut tx, &head.id, None).await?;
                withdraw_unstarted_shipments(&mut tx, now, &head.id, None, actor).await?;
                let freed = reserved_products(&mut tx, &head.id, None).await?;
                let released = release_reservations(&mut tx, now, &head.id, None, actor).await?;
                let cancelled: Vec<i64> = db::query_scalar(
                    "SELECT line_no FROM order_line WHERE order_id = $1 AND status IN ('allocated', 'backordered')",
                )
                .bind(head.id.as_str())
                .fetch_all(&mut **tx)
                .await?;
                db::query("UPDATE order_line SET status = 'cancelled' WHERE order_id = $1 AND status IN ('allocated', 'backordered')")
                    .bind(head.id.as_str())
                    .execute(&mut **tx)
                    .await?;
                self.save_head(&mut tx, &head, to, None, now).await?;
                let mut message = format!("Cancelled{}", reason.map(|r| format!(": {r}")).unwrap_or_default());
                if !released.is_empty() {
                    message.push_str(&format!(". Released {}", describe(&released)));
                }
                event(
                    &mut tx,
                    now,
                    &head.id,
                    OrderEventKind::Cancelled,
                    actor,
                    message,
                    json!({ "reason": reason, "released": released }),
                );
                payment::settle_cancellation_in(&mut tx, now, &head.id, &cancelled, actor).await?;
                Ok((head.id, freed))
            }
            .await;
            tx.finish(result).await
        })?;
        self.after_stock_freed(&freed).await;
        self.order(id.as_str()).await
    }

    /// Cancels one line (by id or line number) and releases its reservations; the
    /// order is cancelled with its last line.
    pub async fn cancel_line(&self, key: &str, line: &str, reason: Option<&str>, actor: &str) -> StoreResult<Order> {
        let (id, freed) = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let head = self.head(&mut tx, key).await?;
                let mut to = rules::transition(head.status, OrderAction::CancelLine)?;
                let column = if LineId::parse(line).is_some() {
                    "id"
                } else {
                    "CAST(line_no AS TEXT)"
                };
                let sql =
                    format!("SELECT id, line_no, sku, status FROM order_line WHERE order_id = $1 AND {column} = $2");
                let row = db::query(sql)
                    .bind(head.id.as_str())
                    .bind(line)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::not_found("order line", line))?;
                let line_id: LineId = get_id(&row, "id")?;
                let line_no: i64 = row.try_get("line_no")?;
                let sku: String = row.try_get("sku")?;
                if get_enum(&row, "status", LineStatus::parse)? == LineStatus::Cancelled {
                    return Err(StoreError::Conflict {
                        code: "line_cancelled",
                        message: format!("line {line} ({sku}) is already cancelled"),
                    });
                }
                refuse_lines_in_progress(&mut tx, &head.id, Some(&line_id)).await?;
                withdraw_unstarted_shipments(&mut tx, now, &head.id, Some(&line_id), actor).await?;
                let freed = reserved_products(&mut tx, &head.id, Some(&line_id)).await?;
                let released = release_reservations(&mut tx, now, &head.id, Some(&line_id), actor).await?;
                db::query("UPDATE order_line SET status = 'cancelled' WHERE id = $1")
                    .bind(line_id.as_str())
                    .execute(&mut **tx)
                    .await?;
                let open: i64 =
                    db::query_scalar("SELECT COUNT(*) FROM order_line WHERE order_id = $1 AND status <> 'cancelled'")
                        .bind(head.id.as_str())
                        .fetch_one(&mut **tx)
                        .await?;
                let delivered: i64 =
                    db::query_scalar("SELECT COUNT(*) FROM order_line WHERE order_id = $1 AND status = 'delivered'")
                        .bind(head.id.as_str())
                        .fetch_one(&mut **tx)
                        .await?;
                if open == 0 {
                    to = rules::transition(to, OrderAction::Cancel)?;
                } else if delivered == open && to == OrderStatus::Open {
                    // What is left of the order has all been delivered.
                    to = rules::transition(to, OrderAction::Complete)?;
                }
                let hold = if to == OrderStatus::OnHold {
                    self.current_hold(&mut tx, &head.id).await?
                } else {
                    None
                };
                self.save_head(&mut tx, &head, to, hold.as_ref(), now).await?;
                let mut message = format!(
                    "Cancelled line {line} ({sku}){}",
                    reason.map(|r| format!(": {r}")).unwrap_or_default()
                );
                if !released.is_empty() {
                    message.push_str(&format!(". Released {}", describe(&released)));
                }
                event(
                    &mut tx,
                    now,
                    &head.id,
                    OrderEventKind::LineCancelled,
                    actor,
                    message,
                    json!({ "line_id": line_id, "sku": sku, "reason": reason }),
                );
                if to == OrderStatus::Cancelled {
                    event(
                        &mut tx,
                        now,
                        &head.id,
                        OrderEventKind::Cancelled,
                        "system",
                        "Cancelled: no lines left".into(),
                        json!({}),
                    );
                }
                payment::settle_cancellation_in(&mut tx, now, &head.id, &[line_no], actor).await?;
                Ok((head.id, freed))
            }
            .await;
            tx.finish(result).await
        })?;
        self.after_stock_freed(&freed).await;
        self.order(id.as_str()).await
    }

    pub(crate) async fn current_hold(&self, tx: &mut WriteTx, order: &OrderId) -> StoreResult<Option<Hold>> {
        let row = db::query("SELECT hold_reason, hold_note, hold_until FROM sales_order WHERE id = $1")
            .bind(order.as_str())
            .fetch_one(&mut ***tx)
            .await?;
        Ok(match row.try_get::<Option<String>, _>("hold_reason")? {
            Some(reason) => Some(Hold {
                reason: HoldReason::parse(&reason).map_err(|e| StoreError::Corrupt(e.message))?,
                note: row.try_get("hold_note")?,
                until: get_opt_time(&row, "hold_until")?,
            }),
            None => None,
        })
    }

    /// Puts an order on hold: it keeps its reservations but is not fulfilled.
    pub async fn hold_order(&self, key: &str, hold: &Hold, actor: &str) -> StoreResult<Order> {
        let id = transact!(self, |tx| {
            let now = tx.now();
            let head = self.head(tx, key).await?;
            let to = rules::transition(head.status, OrderAction::Hold)?;
            self.save_head(tx, &head, to, Some(hold), now).await?;
            let until = hold.until.map(|u| format!(" until {u}")).unwrap_or_default();
            let note = hold.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default();
            let message = format!("Held for {}{until}{note}", hold.reason.as_str().replace('_', " "));
            let data = json!({ "reason": hold.reason, "note": hold.note, "until": hold.until });
            event(tx, now, &head.id, OrderEventKind::Held, actor, message, data);
            Ok(head.id)
        })?;
        self.order(id.as_str()).await
    }

    /// Releases a held order back to fulfilment.
    pub async fn release_order(&self, key: &str, actor: &str) -> StoreResult<Order> {
        let id = transact!(self, |tx| {
            let now = tx.now();
            let head = self.head(tx, key).await?;
            let to = rules::transition(head.status, OrderAction::Release)?;
            self.save_head(tx, &head, to, None, now).await?;
            let message = "Released from hold".to_owned();
            event(tx, now, &head.id, OrderEventKind::Released, actor, message, json!({}));
            Ok(head.id)
        })?;
        self.order(id.as_str()).await
    }

    /// Releases every hold whose `until` has passed; returns how many.
    pub async fn release_expired_holds(&self) -> StoreResult<usize> {
        let due: Vec<String> = db::query_scalar(
            "SELECT id FROM sales_order WHERE status = 'on_hold' AND hold_until IS NOT NULL AND hold_until <= $1",
        )
        .bind(micros(self.now()))
        .fetch_all(&self.pool)
        .await?;
        let mut released = 0;
        for id in due {
            match self.release_order(&id, "system").await {
                Ok(_) => released += 1,
                Err(StoreError::Transition(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(released)
    }
}

/// What routing would do with an order, without reserving anything.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Simulation {
    pub chosen: PlanSummary,
    pub runner_up: Option<PlanSummary>,
    /// Why the runner-up lost, in words.
    pub runner_up_lost_because: Option<String>,
    /// Whether the plan is proven optimal (small orders) or heuristic (large ones).
    pub exact: bool,
    /// The lines as routed, by index.
    pub lines: Vec<SimulatedLine>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimulatedLine {
    pub sku: String,
    pub quantity: i64,
}

/// The parts of an order routing needs, read inside a transaction.
struct RoutingHead {
    head: Head,
    channel: ChannelId,
    policy: SplitPolicy,
    level: switchyard_core::order::ServiceLevel,
    currency: Currency,
    address: Address,
}

impl Store {
    async fn routing_head(&self, tx: &mut WriteTx, order: &OrderId) -> StoreResult<RoutingHead> {
        let head = self.head(tx, order.as_str()).await?;
        let row = db::query(
            "SELECT o.channel_id, c.split_policy, o.service_level, o.currency, o.shipping_address FROM sales_order o \
             JOIN channel c ON c.id = o.channel_id WHERE o.id = $1",
        )
        .bind(order.as_str())
        .fetch_one(&mut ***tx)
        .await?;
        Ok(RoutingHead {
            head,
            channel: get_id(&row, "channel_id")?,
            policy: get_enum(&row, "split_policy", SplitPolicy::parse)?,
            level: get_enum(&row, "service_level", ServiceLevel::parse)?,
            currency: currency(&row)?,
            address: get_json(&row, "shipping_address")?,
        })
    }

    /// Routes the order's backordered lines (all of them, or those of `only`) and
    /// reserves what can ship now. Returns how many lines were allocated.
    async fn route_backordered(
        &self,
        tx: &mut WriteTx,
        r: &RoutingHead,
        actor: &str,
        verb: &str,
        announce_backorders: bool,
    ) -> StoreResult<usize> {
        let now = self.now();
        let rows = db::query(
            "SELECT id, sku, product_id, quantity FROM order_line WHERE order_id = $1 AND status = 'backordered' ORDER BY line_no",
        )
        .bind(r.head.id.as_str())
        .fetch_all(&mut ***tx)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let allocated_lines: i64 =
            db::query_scalar("SELECT COUNT(*) FROM order_line WHERE order_id = $1 AND status = 'allocated'")
                .bind(r.head.id.as_str())
                .fetch_one(&mut ***tx)
                .await?;
        if r.policy == SplitPolicy::ShipComplete && allocated_lines > 0 {
            // A ship-complete order never has some lines reserved and others waiting.
            return Ok(0);
        }
        let mut lines = Vec::new();
        let mut wanted = Vec::new();
        for row in &rows {
            lines.push(OpenLine {
                id: get_id(row, "id")?,
                sku: row.try_get("sku")?,
                quantity: row.try_get("quantity")?,
            });
            wanted.push((get_id(row, "product_id")?, row.try_get("quantity")?));
        }
        let route = Route {
            channel: &r.channel,
            destination: Destination {
                country: &r.address.country,
                region: r.address.region.as_deref(),
                postal_code: r.address.postal_code.as_deref(),
            },
            level: r.level,
            currency: r.currency,
            policy: r.policy,
        };
        let (decision, sites, route_lines) = self.plan(tx, &route, &wanted, now).await?;
        if decision.chosen.score.unserved == lines.len() && !announce_backorders {
            return Ok(0);
        }
        let routed = Routed {
            decision: &decision,
            sites: &sites,
            lines: &route_lines,
        };
        allocate(
            tx,
            now,
            &r.head.id,
            r.head.version,
            &lines,
            &routed,
            actor,
            verb,
            announce_backorders,
        )
        .await
    }

    /// Fills backorders from stock that arrived: orders waiting for any of `products`
    /// (or, with none given, every order waiting for anything), highest priority first,
    /// then oldest first. An order that cannot be served whole (ship-complete) or at all
    /// keeps waiting; later, smaller orders may still be served. Returns how many lines
    /// were allocated.
    pub async fn allocate_backorders(&self, products: &[ProductId]) -> StoreResult<usize> {
        // Driven from the waiting lines (indexed by product and status), not from every
        // open order: the kits made of `products` are looked up first, so the lines
        // are found by one list of products. (With the kits as an OR'ed sub-query,
        // SQLite read every open order instead: 200 ms at a million orders, on every
        // receipt.)
        let mut sql = Sql::new(
            "SELECT o.id, o.priority, o.placed_at FROM order_line l JOIN sales_order o ON o.id = l.order_id \
             WHERE l.status = 'backordered' AND o.status IN ('open', 'on_hold')",
        );
        if !products.is_empty() {
            let ids = || products.iter().map(|p| Arg::Text(p.to_string()));
            let mut kits = Sql::new("SELECT DISTINCT kit_id FROM kit_component WHERE component_id IN (");
            kits.list(ids()).push(")");
            let kits: Vec<String> = kits
                .query()
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<_, _>>()?;
            sql.push(" AND l.product_id IN (")
                .list(ids().chain(kits.into_iter().map(Arg::Text)))
                .push(")");
        }
        sql.push(" GROUP BY o.id, o.priority, o.placed_at ORDER BY o.priority DESC, o.placed_at, o.id");
        let orders: Vec<OrderId> = sql
            .query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| get_id(r, "id"))
            .collect::<StoreResult<_>>()?;
        let mut allocated = 0;
        for order in orders {
            allocated += retrying!({
                let mut tx = self.write().await?;
                let result = async {
                    let r = self.routing_head(&mut tx, &order).await?;
                    if !matches!(r.head.status, OrderStatus::Open | OrderStatus::OnHold) {
                        return Ok(0);
                    }
                    self.route_backordered(&mut tx, &r, "system", "Backorder filled", false)
                        .await
                }
                .await;
                tx.finish(result).await
            })?;
        }
        Ok(allocated)
    }

    /// Fills backorders after stock of `products` was freed or arrived; a failure is
    /// logged, not returned: the change that freed the stock has already committed,
    /// and the background sweep tries again.
    pub(crate) async fn after_stock_freed(&self, products: &[ProductId]) {
        if let Err(error) = self.allocate_backorders(products).await {
            tracing::warn!(%error, "could not fill backorders; the next sweep will retry");
        }
        self.after_inbound_changed(products).await;
    }

    /// Refreshes the expected dates of waiting lines after inbound stock or the queue
    /// changed; like `after_stock_freed`, a failure is logged and the sweep retries.
    pub(crate) async fn after_inbound_changed(&self, products: &[ProductId]) {
        if let Err(error) = self.refresh_expected_dates(products).await {
            tracing::warn!(%error, "could not refresh expected dates; the next sweep will retry");
        }
    }

    /// Gives the backordered lines of `products` (of every product, when none are given)
    /// the date they can expect stock: waiting lines, in queue order (priority, then
    /// oldest), draw on the outstanding purchase-order lines at their channel's
    /// locations, earliest expected first; a line that inbound stock cannot cover has no
    /// date. Kit lines wait on several components and get none. Returns how many lines
    /// changed.
    pub async fn refresh_expected_dates(&self, products: &[ProductId]) -> StoreResult<usize> {
        let mut sql = Sql::new(
            "SELECT l.id, l.product_id, l.quantity, l.expected_at, o.channel_id FROM order_line l \
             JOIN sales_order o ON o.id = l.order_id WHERE l.status = 'backordered' AND o.status IN ('open', 'on_hold')",
        );
        if !products.is_empty() {
            sql.push(" AND l.product_id IN (")
                .list(products.iter().map(|p| Arg::Text(p.to_string())))
                .push(")");
        }
        sql.push(" ORDER BY o.priority DESC, o.placed_at, o.id, l.line_no");
        let waiting = sql.query().fetch_all(&self.pool).await?;
        if waiting.is_empty() {
            return Ok(0);
        }
        let mut wanted: BTreeSet<ProductId> = BTreeSet::new();
        for row in &waiting {
            wanted.insert(get_id(row, "product_id")?);
        }
        let wanted: Vec<ProductId> = wanted.into_iter().collect();
        let mut inbound = self.inbound(&wanted).await?;
        let mut ships_from: BTreeMap<ChannelId, BTreeSet<LocationId>> = BTreeMap::new();
        for row in db::query("SELECT channel_id, location_id FROM channel_location")
            .fetch_all(&self.pool)
            .await?
        {
            ships_from
                .entry(get_id(&row, "channel_id")?)
                .or_default()
                .insert(get_id(&row, "location_id")?);
        }
        let mut changes: Vec<(LineId, Option<i64>)> = Vec::new();
        for row in &waiting {
            let product: ProductId = get_id(row, "product_id")?;
            let channel: ChannelId = get_id(row, "channel_id")?;
            let mut needed: i64 = row.try_get("quantity")?;
            let eligible = ships_from.get(&channel);
            let mut expected = None;
            // `inbound` comes earliest first; each line takes what it needs, in queue order.
            for entry in inbound
                .iter_mut()
                .filter(|i| i.product_id == product && eligible.is_some_and(|e| e.contains(&i.location_id)))
            {
                if needed == 0 {
                    break;
                }
                let take = entry.quantity.min(needed);
                entry.quantity -= take;
                needed -= take;
                if take > 0 {
                    expected = Some(micros(entry.expected_at));
                }
            }
            let expected = if needed == 0 { expected } else { None };
            if row.try_get::<Option<i64>, _>("expected_at")? != expected {
                changes.push((get_id(row, "id")?, expected));
            }
        }
        if changes.is_empty() {
            return Ok(0);
        }
        let mut tx = self.write().await?;
        let result = async {
            for (line, expected) in &changes {
                db::query("UPDATE order_line SET expected_at = $1 WHERE id = $2 AND status = 'backordered'")
                    .bind(*expected)
                    .bind(line.as_str())
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(changes.len())
        }
        .await;
        tx.finish(result).await
    }

    /// Releases the reservations of the order's allocated lines (those at `location`,
    /// or all) and routes those lines again: to the best plan now, or to backorder.
    async fn reroute_in(
        &self,
        tx: &mut WriteTx,
        order: &OrderId,
        location: Option<&LocationId>,
        reason: &str,
        actor: &str,
    ) -> StoreResult<Vec<ProductId>> {
        let now = self.now();
        let r = self.routing_head(tx, order).await?;
        rules::transition(r.head.status, OrderAction::Reroute)?;
        let held = reserved_products(tx, order, None).await?;
        let mut sql =
            Sql::new("SELECT DISTINCT l.id, l.line_no FROM order_line l JOIN reservation res ON res.line_id = l.id");
        sql.filter("l.order_id = ", Arg::Text(order.to_string()), "");
        sql.push(" AND l.status = 'allocated'");
        // Ship-complete orders move whole, wherever their stock is.
        if let Some(location) = location.filter(|_| r.policy == SplitPolicy::Allow) {
            sql.filter("res.location_id = ", Arg::Text(location.to_string()), "");
        }
        sql.push(" ORDER BY l.line_no");
        // Lines the floor has started on stay where they are; the rest leave any
        // shipment not yet started before their stock is released.
        let busy: BTreeSet<LineId> = lines_in_progress(tx, order, None)
            .await?
            .into_iter()
            .map(|l| l.line_id)
            .collect();
        if r.policy == SplitPolicy::ShipComplete && !busy.is_empty() {
            refuse_lines_in_progress(tx, order, None).await?;
        }
        let line_ids: Vec<LineId> = sql
            .query()
            .fetch_all(&mut ***tx)
            .await?
            .iter()
            .map(|r| get_id(r, "id"))
            .collect::<StoreResult<Vec<LineId>>>()?
            .into_iter()
            .filter(|l| !busy.contains(l))
            .collect();
        for line in &line_ids {
            withdraw_unstarted_shipments(tx, now, order, Some(line), actor).await?;
        }
        let mut released = Vec::new();
        for line in &line_ids {
            released.extend(release_reservations(tx, now, order, Some(line), actor).await?);
            db::query("UPDATE order_line SET status = 'backordered' WHERE id = $1")
                .bind(line.as_str())
                .execute(&mut ***tx)
                .await?;
        }
        let message = if released.is_empty() {
            format!("Re-routing ({reason}): nothing was reserved")
        } else {
            format!("Re-routing ({reason}): released {}", describe(&released))
        };
        event(
            tx,
            now,
            order,
            OrderEventKind::Rerouted,
            actor,
            message,
            json!({ "reason": reason, "released": released }),
        );
        self.route_backordered(tx, &r, actor, "Re-routed", true).await?;
        Ok(held)
    }

    /// Moves an order's reservations to the best plan now (or to backorder).
    pub async fn reroute_order(&self, key: &str, reason: Option<&str>, actor: &str) -> StoreResult<Order> {
        let reason = reason.unwrap_or("requested by an operator");
        let (id, freed) = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let head = self.head(&mut tx, key).await?;
                let freed = self.reroute_in(&mut tx, &head.id, None, reason, actor).await?;
                Ok((head.id, freed))
            }
            .await;
            tx.finish(result).await
        })?;
        self.after_stock_freed(&freed).await;
        self.order(id.as_str()).await
    }

    /// Takes a location out of routing and re-routes what was reserved there.
    pub async fn disable_location(&self, key: &str, actor: &str) -> StoreResult<crate::catalog::Location> {
        let location = self.set_disabled(key, true).await?;
        let orders: Vec<OrderId> = db::query_scalar::<String>(
            "SELECT DISTINCT r.order_id FROM reservation r JOIN sales_order o ON o.id = r.order_id \
             WHERE r.location_id = $1 AND o.status IN ('open', 'on_hold') ORDER BY r.order_id",
        )
        .bind(location.id.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|id| OrderId::try_from(id).map_err(StoreError::Corrupt))
        .collect::<StoreResult<_>>()?;
        let reason = format!("location {} disabled", location.code);
        for order in orders {
            retrying!({
                let mut tx = self.write().await?;
                let result = self
                    .reroute_in(&mut tx, &order, Some(&location.id), &reason, actor)
                    .await;
                tx.finish(result).await
            })?;
        }
        Ok(location)
    }

    /// Puts a disabled location back into routing; orders waiting for stock it has are served.
    pub async fn enable_location(&self, key: &str) -> StoreResult<crate::catalog::Location> {
        let location = self.set_disabled(key, false).await?;
        self.after_stock_freed(&[]).await;
        Ok(location)
    }

    /// Routes a hypothetical order and says what would happen, reserving nothing.
    pub async fn simulate_route(&self, request: &SimulationDraft) -> StoreResult<Simulation> {
        let channel = match self.channel(&request.channel).await {
            Err(StoreError::NotFound { .. }) => {
                return Err(StoreError::invalid(
                    "/channel",
                    "unknown_channel",
                    format!("there is no channel {}", request.channel),
                ));
            }
            other => other?,
        };
        let mut wanted = Vec::new();
        let mut errors = Vec::new();
        for (i, (sku, quantity)) in request.lines.iter().enumerate() {
            match self.product(sku).await {
                Ok(p) => wanted.push((p.id, *quantity)),
                Err(StoreError::NotFound { .. }) => errors.push(FieldError {
                    field: format!("/lines/{i}/sku"),
                    code: "unknown_sku",
                    message: format!("there is no product with SKU {sku}"),
                }),
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let currency = match request.currency {
            Some(c) => c,
            None => Currency::parse("XXX").map_err(|e| StoreError::Corrupt(e.message))?,
        };
        let route = Route {
            channel: &channel.id,
            destination: Destination {
                country: &request.country,
                region: request.region.as_deref(),
                postal_code: request.postal_code.as_deref(),
            },
            level: request.service_level,
            currency,
            policy: channel.split_policy,
        };
        let mut conn = self.pool.acquire().await?;
        let (decision, sites, lines) = self.plan(&mut conn, &route, &wanted, self.now()).await?;
        let runner = decision.runner_up.as_ref().map(|r| {
            (
                r.summarize(&lines, &sites),
                routing::why_lost(&decision.chosen.score, &r.score),
            )
        });
        Ok(Simulation {
            chosen: decision.chosen.summarize(&lines, &sites),
            runner_up_lost_because: runner.as_ref().map(|(_, why)| (*why).to_owned()),
            runner_up: runner.map(|(s, _)| s),
            exact: decision.exact,
            lines: request
                .lines
                .iter()
                .map(|(sku, quantity)| SimulatedLine {
                    sku: sku.clone(),
                    quantity: *quantity,
                })
                .collect(),
        })
    }
}
