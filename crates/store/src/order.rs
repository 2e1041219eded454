//! Orders in the database: placement (validate against the catalog, plan, reserve,
//! store, record, enqueue — one transaction), reads with lines, reservations and
//! timeline, filtered lists, and the lifecycle actions hold, release and cancel.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;
use switchyard_core::FieldError;
use switchyard_core::allocation::{self, Candidate};
use switchyard_core::catalog::{Address, ShortagePolicy};
use switchyard_core::id::{ChannelId, EventId, LineId, LocationId, OrderId, ProductId, ReservationId};
use switchyard_core::inventory::{Balance, Delta, MovementKind};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::{
    self as rules, Customer, FulfilmentStatus, HoldReason, LineStatus, OrderAction, OrderDraft, OrderEventKind,
    OrderStatus, PaymentStatus, ServiceLevel, Totals,
};

use crate::catalog::Channel;
use crate::db::{Arg, Sql, get_enum, get_id, get_json, get_opt_time, get_time, micros, violates};
use crate::error::{ShortLine, StoreError, StoreResult};
use crate::inventory::{MovementContext, record, retrying};
use crate::outbox::enqueue;
use crate::page::{Page, PageRequest};
use crate::{Store, WriteTx};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hold {
    pub reason: HoldReason,
    pub note: Option<String>,
    /// The hold is meant to end then; release it by hand or let the hold worker do it.
    pub until: Option<Timestamp>,
}

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
    pub hold: Option<Hold>,
    pub customer: Customer,
    /// Destination country (ISO 3166-1 alpha-2).
    pub ship_to_country: String,
    pub currency: Currency,
    pub totals: Totals,
    pub service_level: ServiceLevel,
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

/// A hold request.
#[derive(Debug, Clone)]
pub struct HoldRequest {
    pub reason: HoldReason,
    pub note: Option<String>,
    pub until: Option<Timestamp>,
}

const SUMMARY_COLUMNS: &str = "o.id, o.number, c.code AS channel, o.channel_id, o.external_id, o.status, \
     o.fulfilment_status, o.payment_status, o.hold_reason, o.hold_note, o.hold_until, o.currency, o.customer_email, \
     o.customer_name, o.customer_phone, o.ship_country, o.subtotal, o.discount_total, o.tax_total, o.shipping_amount, \
     o.shipping_tax, o.grand_total, o.service_level, o.tags, o.placed_at, o.created_at, o.updated_at, o.version, \
     o.shipping_address, o.billing_address, o.notes";

fn currency(row: &AnyRow) -> StoreResult<Currency> {
    let raw: String = row.try_get("currency")?;
    Currency::parse(&raw).map_err(|e| StoreError::Corrupt(e.message))
}

fn summary(row: &AnyRow) -> StoreResult<OrderSummary> {
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
        tags: get_json(row, "tags")?,
        placed_at: get_time(row, "placed_at")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        version: row.try_get("version")?,
    })
}

/// The parts of an order a lifecycle action needs, read inside its transaction.
struct Head {
    id: OrderId,
    number: String,
    status: OrderStatus,
    version: i64,
}

/// A product an order line refers to.
struct LineProduct {
    id: ProductId,
    title: String,
}

async fn event(
    tx: &mut WriteTx,
    now: Timestamp,
    order: &OrderId,
    kind: OrderEventKind,
    actor: &str,
    message: String,
    data: serde_json::Value,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO order_event (id, order_id, kind, actor, message, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(EventId::new_at(now).as_str())
    .bind(order.as_str())
    .bind(kind.as_str())
    .bind(actor)
    .bind(&message)
    .bind(data.to_string())
    .bind(micros(now))
    .execute(&mut ***tx)
    .await?;
    let payload = json!({ "order_id": order, "kind": kind, "message": message, "data": data, "at": now });
    enqueue(tx, now, kind.as_str(), order.as_str(), &payload).await
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
        let after = sqlx::query(
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
        )
        .await?;
        sqlx::query("DELETE FROM reservation WHERE id = $1")
            .bind(row.try_get::<String, _>("id")?)
            .execute(&mut ***tx)
            .await?;
        released.push((row.try_get("sku")?, row.try_get("code")?, quantity));
    }
    Ok(released)
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
        if let Some(existing) = self
            .order_by_external(&channel.id, draft.external_id.as_deref())
            .await?
        {
            return Ok(Placement {
                order: self.order(existing.as_str()).await?,
                created: false,
            });
        }
        let products = self.line_products(draft).await?;
        let placed = retrying!({
            let mut tx = self.write().await?;
            let result = self.place_in(&mut tx, draft, &channel, &products, actor).await;
            match result {
                Err(StoreError::Database(e))
                    if violates(&e, "sales_order_channel_external_key", "sales_order.channel_id") =>
                {
                    tx.rollback().await;
                    match self
                        .order_by_external(&channel.id, draft.external_id.as_deref())
                        .await?
                    {
                        Some(id) => Ok((id, false)),
                        None => Err(StoreError::Database(e)),
                    }
                }
                other => tx.finish(other.map(|id| (id, true))).await,
            }
        })?;
        Ok(Placement {
            order: self.order(placed.0.as_str()).await?,
            created: placed.1,
        })
    }

    async fn order_by_external(&self, channel: &ChannelId, external_id: Option<&str>) -> StoreResult<Option<OrderId>> {
        let Some(external_id) = external_id else {
            return Ok(None);
        };
        let id: Option<String> =
            sqlx::query_scalar("SELECT id FROM sales_order WHERE channel_id = $1 AND external_id = $2")
                .bind(channel.as_str())
                .bind(external_id)
                .fetch_optional(&self.pool)
                .await?;
        id.map(|id| OrderId::try_from(id).map_err(StoreError::Corrupt))
            .transpose()
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

    /// The channel's locations in the order they are tried, with what each has available.
    async fn candidates(
        &self,
        tx: &mut WriteTx,
        channel: &Channel,
        products: &BTreeSet<&ProductId>,
    ) -> StoreResult<(Vec<Candidate>, BTreeMap<LocationId, String>)> {
        let rows = sqlx::query(
            "SELECT l.id, l.code FROM channel_location cl JOIN location l ON l.id = cl.location_id \
             WHERE cl.channel_id = $1 AND l.archived_at IS NULL ORDER BY l.priority, cl.position",
        )
        .bind(channel.id.as_str())
        .fetch_all(&mut ***tx)
        .await?;
        let mut codes = BTreeMap::new();
        let mut candidates = Vec::new();
        for row in &rows {
            let id: LocationId = get_id(row, "id")?;
            codes.insert(id.clone(), row.try_get("code")?);
            candidates.push(Candidate {
                location: id,
                available: BTreeMap::new(),
            });
        }
        if candidates.is_empty() {
            return Ok((candidates, codes));
        }
        let mut sql =
            Sql::new("SELECT product_id, location_id, on_hand, reserved FROM stock_balance WHERE product_id IN (");
        for (i, p) in products.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Arg::Text(p.to_string()));
        }
        sql.push(")");
        for row in sql.query().fetch_all(&mut ***tx).await? {
            let location: LocationId = get_id(&row, "location_id")?;
            if let Some(c) = candidates.iter_mut().find(|c| c.location == location) {
                let available = row.try_get::<i64, _>("on_hand")? - row.try_get::<i64, _>("reserved")?;
                c.available.insert(get_id(&row, "product_id")?, available);
            }
        }
        Ok((candidates, codes))
    }

    async fn place_in(
        &self,
        tx: &mut WriteTx,
        draft: &OrderDraft,
        channel: &Channel,
        products: &BTreeMap<String, LineProduct>,
        actor: &str,
    ) -> StoreResult<OrderId> {
        let now = self.now();
        let product_of = |sku: &str| {
            products
                .get(sku)
                .map(|p| &p.id)
                .ok_or_else(|| StoreError::not_found("product", sku))
        };
        let mut line_products = Vec::with_capacity(draft.lines.len());
        for line in &draft.lines {
            line_products.push(product_of(&line.sku)?);
        }
        let demand = allocation::demand(
            line_products
                .iter()
                .copied()
                .zip(draft.lines.iter().map(|l| l.quantity.get())),
        );
        let (candidates, codes) = self.candidates(tx, channel, &demand.keys().collect()).await?;
        let plan = allocation::plan(&demand, &candidates);
        if !plan.shortages.is_empty() && channel.shortage_policy == ShortagePolicy::Reject {
            let short: Vec<ShortLine> = draft
                .lines
                .iter()
                .zip(&line_products)
                .enumerate()
                .filter_map(|(i, (line, product))| {
                    plan.shortages
                        .iter()
                        .find(|s| &&s.product == product)
                        .map(|s| ShortLine {
                            line: i,
                            sku: line.sku.clone(),
                            requested: s.requested,
                            available: s.best_available,
                        })
                })
                .collect();
            return Err(StoreError::InsufficientStock(short));
        }

        let next_number = match self.backend() {
            crate::Backend::Sqlite => {
                "UPDATE counter SET value = value + 1 WHERE name = 'order_number' RETURNING value"
            }
            crate::Backend::Postgres => "SELECT nextval('order_number_seq')",
        };
        let number: i64 = sqlx::query_scalar(next_number).fetch_one(&mut ***tx).await?;
        let id = OrderId::new_at(now);
        let statuses: Vec<LineStatus> = line_products
            .iter()
            .map(|p| {
                if plan.assignments.contains_key(*p) {
                    LineStatus::Allocated
                } else {
                    LineStatus::Backordered
                }
            })
            .collect();
        let fulfilment = rules::fulfilment_status(statuses.iter().copied());
        let t = &draft.totals;
        sqlx::query(
            "INSERT INTO sales_order (id, number, channel_id, external_id, status, fulfilment_status, payment_status, \
             currency, customer_email, customer_name, customer_phone, shipping_address, billing_address, ship_country, \
             subtotal, discount_total, tax_total, shipping_amount, shipping_tax, grand_total, service_level, notes, tags, \
             placed_at, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
             $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $25, 1)",
        )
        .bind(id.as_str())
        .bind(format!("SO-{number}"))
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
        .execute(&mut ***tx)
        .await?;

        let mut line_ids = Vec::with_capacity(draft.lines.len());
        for (i, (line, status)) in draft.lines.iter().zip(&statuses).enumerate() {
            let line_id = LineId::new_at(now);
            sqlx::query(
                "INSERT INTO order_line (id, order_id, line_no, product_id, sku, title, quantity, unit_price, discount, tax, \
                 total, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(line_id.as_str())
            .bind(id.as_str())
            .bind(i as i64 + 1)
            .bind(line_products[i].as_str())
            .bind(&line.sku)
            .bind(&products[&line.sku].title)
            .bind(line.quantity.get())
            .bind(line.unit_price.amount)
            .bind(line.discount.amount)
            .bind(line.tax.amount)
            .bind(line.total.amount)
            .bind(status.as_str())
            .execute(&mut ***tx)
            .await?;
            line_ids.push(line_id);
        }

        // Reserve: one guarded statement per (product, location), in a fixed order.
        let ctx = MovementContext {
            actor: actor.to_owned(),
            note: None,
            reference: Some(id.to_string()),
        };
        let mut reserved = Vec::new();
        for (product, (location, quantity)) in &plan.assignments {
            let row = sqlx::query(
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
                    message: "stock changed while the order was placed; retry".into(),
                });
            };
            let after = Balance {
                on_hand: row.try_get("on_hand")?,
                reserved: row.try_get("reserved")?,
            };
            record(
                tx,
                now,
                product,
                location,
                MovementKind::Reserve,
                Delta {
                    on_hand: 0,
                    reserved: *quantity,
                },
                after,
                None,
                &ctx,
            )
            .await?;
            for (i, line) in draft.lines.iter().enumerate() {
                if line_products[i] != product {
                    continue;
                }
                sqlx::query(
                    "INSERT INTO reservation (id, order_id, line_id, product_id, location_id, quantity, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(ReservationId::new_at(now).as_str())
                .bind(id.as_str())
                .bind(line_ids[i].as_str())
                .bind(product.as_str())
                .bind(location.as_str())
                .bind(line.quantity.get())
                .bind(micros(now))
                .execute(&mut ***tx)
                .await?;
                reserved.push((
                    line.sku.clone(),
                    codes.get(location).cloned().unwrap_or_default(),
                    line.quantity.get(),
                ));
            }
        }

        let placed_message = format!(
            "Placed on {} ({} line{}, {})",
            channel.code,
            draft.lines.len(),
            if draft.lines.len() == 1 { "" } else { "s" },
            t.total
        );
        let placed_data = json!({ "number": format!("SO-{number}"), "channel": channel.code, "external_id": draft.external_id, "total": t.total });
        event(tx, now, &id, OrderEventKind::Placed, actor, placed_message, placed_data).await?;
        if !reserved.is_empty() {
            event(
                tx,
                now,
                &id,
                OrderEventKind::Allocated,
                "system",
                format!("Reserved at {}", describe(&reserved)),
                json!({ "reserved": reserved }),
            )
            .await?;
        }
        if !plan.shortages.is_empty() {
            let short: Vec<String> = draft
                .lines
                .iter()
                .zip(&statuses)
                .filter(|(_, s)| **s == LineStatus::Backordered)
                .map(|(l, _)| format!("{} × {}", l.quantity.get(), l.sku))
                .collect();
            event(
                tx,
                now,
                &id,
                OrderEventKind::Backordered,
                "system",
                format!("Backordered {}: no eligible location has the stock", short.join(", ")),
                json!({ "lines": short }),
            )
            .await?;
        }
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
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("order", key))?;
        let summary = summary(&row)?;
        let c = summary.currency;
        let id = summary.id.to_string();
        let lines = sqlx::query(
            "SELECT id, line_no, sku, product_id, title, quantity, unit_price, discount, tax, total, status \
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
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let reservations = sqlx::query(
            "SELECT r.id, r.line_id, p.sku, l.code, r.location_id, r.quantity, r.created_at FROM reservation r \
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
                created_at: get_time(r, "created_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let timeline = sqlx::query(
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
            sql.search(&["o.number", "o.external_id", "o.customer_email", "o.customer_name"], q);
        }
        if let Some(cursor) = &page.cursor {
            sql.filter("o.id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY o.id DESC LIMIT ").bind(Arg::Int(page.limit() + 1));
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(summary).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit(), |o| o.id.to_string()))
    }

    async fn head(&self, tx: &mut WriteTx, key: &str) -> StoreResult<Head> {
        let column = if OrderId::parse(key).is_some() { "id" } else { "number" };
        let sql = format!("SELECT id, number, status, version FROM sales_order WHERE {column} = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
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
    async fn save_head(
        &self,
        tx: &mut WriteTx,
        head: &Head,
        status: OrderStatus,
        hold: Option<&HoldRequest>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let statuses: Vec<LineStatus> =
            sqlx::query_scalar::<_, String>("SELECT status FROM order_line WHERE order_id = $1")
                .bind(head.id.as_str())
                .fetch_all(&mut ***tx)
                .await?
                .iter()
                .map(|s| LineStatus::parse(s).map_err(|e| StoreError::Corrupt(e.message)))
                .collect::<StoreResult<_>>()?;
        let fulfilment = rules::fulfilment_status(statuses);
        let updated = sqlx::query(
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
        let id = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let head = self.head(&mut tx, key).await?;
                let to = rules::transition(head.status, OrderAction::Cancel)?;
                let released = release_reservations(&mut tx, now, &head.id, None, actor).await?;
                sqlx::query("UPDATE order_line SET status = 'cancelled' WHERE order_id = $1")
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
                )
                .await?;
                Ok(head.id)
            }
            .await;
            tx.finish(result).await
        })?;
        self.order(id.as_str()).await
    }

    /// Cancels one line (by id or line number) and releases its reservations; the
    /// order is cancelled with its last line.
    pub async fn cancel_line(&self, key: &str, line: &str, reason: Option<&str>, actor: &str) -> StoreResult<Order> {
        let id = retrying!({
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
                let sql = format!("SELECT id, sku, status FROM order_line WHERE order_id = $1 AND {column} = $2");
                let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(head.id.as_str())
                    .bind(line)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or_else(|| StoreError::not_found("order line", line))?;
                let line_id: LineId = get_id(&row, "id")?;
                let sku: String = row.try_get("sku")?;
                if get_enum(&row, "status", LineStatus::parse)? == LineStatus::Cancelled {
                    return Err(StoreError::Conflict {
                        code: "line_cancelled",
                        message: format!("line {line} ({sku}) is already cancelled"),
                    });
                }
                let released = release_reservations(&mut tx, now, &head.id, Some(&line_id), actor).await?;
                sqlx::query("UPDATE order_line SET status = 'cancelled' WHERE id = $1")
                    .bind(line_id.as_str())
                    .execute(&mut **tx)
                    .await?;
                let open: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM order_line WHERE order_id = $1 AND status <> 'cancelled'")
                        .bind(head.id.as_str())
                        .fetch_one(&mut **tx)
                        .await?;
                if open == 0 {
                    to = rules::transition(to, OrderAction::Cancel)?;
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
                )
                .await?;
                if to == OrderStatus::Cancelled {
                    event(
                        &mut tx,
                        now,
                        &head.id,
                        OrderEventKind::Cancelled,
                        "system",
                        "Cancelled: no lines left".into(),
                        json!({}),
                    )
                    .await?;
                }
                Ok(head.id)
            }
            .await;
            tx.finish(result).await
        })?;
        self.order(id.as_str()).await
    }

    async fn current_hold(&self, tx: &mut WriteTx, order: &OrderId) -> StoreResult<Option<HoldRequest>> {
        let row = sqlx::query("SELECT hold_reason, hold_note, hold_until FROM sales_order WHERE id = $1")
            .bind(order.as_str())
            .fetch_one(&mut ***tx)
            .await?;
        Ok(match row.try_get::<Option<String>, _>("hold_reason")? {
            Some(reason) => Some(HoldRequest {
                reason: HoldReason::parse(&reason).map_err(|e| StoreError::Corrupt(e.message))?,
                note: row.try_get("hold_note")?,
                until: get_opt_time(&row, "hold_until")?,
            }),
            None => None,
        })
    }

    /// Puts an order on hold: it keeps its reservations but is not fulfilled.
    pub async fn hold_order(&self, key: &str, hold: &HoldRequest, actor: &str) -> StoreResult<Order> {
        if let Some(until) = hold.until
            && until <= self.now()
        {
            return Err(StoreError::invalid("/until", "in_the_past", "must be in the future"));
        }
        let id = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let head = self.head(&mut tx, key).await?;
                let to = rules::transition(head.status, OrderAction::Hold)?;
                self.save_head(&mut tx, &head, to, Some(hold), now).await?;
                let until = hold.until.map(|u| format!(" until {u}")).unwrap_or_default();
                let note = hold.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default();
                let message = format!("Held for {}{until}{note}", hold.reason.as_str().replace('_', " "));
                event(
                    &mut tx,
                    now,
                    &head.id,
                    OrderEventKind::Held,
                    actor,
                    message,
                    json!({ "reason": hold.reason, "note": hold.note, "until": hold.until }),
                )
                .await?;
                Ok(head.id)
            }
            .await;
            tx.finish(result).await
        })?;
        self.order(id.as_str()).await
    }

    /// Releases a held order back to fulfilment.
    pub async fn release_order(&self, key: &str, actor: &str) -> StoreResult<Order> {
        let id = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let head = self.head(&mut tx, key).await?;
                let to = rules::transition(head.status, OrderAction::Release)?;
                self.save_head(&mut tx, &head, to, None, now).await?;
                event(
                    &mut tx,
                    now,
                    &head.id,
                    OrderEventKind::Released,
                    actor,
                    "Released from hold".into(),
                    json!({}),
                )
                .await?;
                Ok(head.id)
            }
            .await;
            tx.finish(result).await
        })?;
        self.order(id.as_str()).await
    }

    /// Releases every hold whose `until` has passed; returns how many.
    pub async fn release_expired_holds(&self) -> StoreResult<usize> {
        let due: Vec<String> = sqlx::query_scalar(
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
