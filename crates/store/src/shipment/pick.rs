//! Pick lists: released shipments of one location batched for one walk (by count, by
//! carrier cut-off, single-unit or multi-unit), read as lines in bin order with the
//! total of each SKU and the tote each unit goes to; and the confirmation of what was
//! found. A short pick writes the missing units off as lost (referenced to the pick
//! list), releases the line's reservation and sends the line back to routing as a
//! backorder; a ship-complete order sends all its lines back with it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use switchyard_core::FieldError;
use switchyard_core::id::{LineId, LocationId, PickListId, ProductId, ShipmentId};
use switchyard_core::inventory::{AdjustmentReason, StockCommand};
use switchyard_core::order as rules;
use switchyard_core::order::{OrderAction, OrderEventKind};
use switchyard_core::routing::SplitPolicy;
use switchyard_core::shipment::input::{ItemMix, PickListRequest};
use switchyard_core::shipment::{self as flow, PickListStatus, ShipmentAction, ShipmentStatus};

use super::link::{ShipmentHead, consume_reservations, save_shipment, shipment_head};
use super::shipment_id;
use crate::db::{self, Arg, Sql, get_enum, get_id, get_json, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::inventory::{MovementContext, apply, retrying};
use crate::order::Head;
use crate::order::event as order_event;
use crate::outbox::enqueue;
use crate::page::{Page, PageRequest};
use crate::{Store, WriteTx};

/// A shipment on a pick list, in the tote numbered `slot`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickListShipment {
    pub slot: i64,
    pub id: ShipmentId,
    pub number: String,
    pub order_number: String,
    pub status: ShipmentStatus,
    pub units: i64,
    pub promised_ship_at: Option<Timestamp>,
}

/// How many units of a line go into which tote.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickAllocation {
    pub slot: i64,
    pub shipment: String,
    pub quantity: i64,
    /// Found, once confirmed.
    pub picked: Option<i64>,
}

/// One SKU to pick: where, how many in all, and for which totes.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickListLine {
    pub bin: Option<String>,
    pub sku: String,
    pub product_id: ProductId,
    pub title: String,
    pub barcode: Option<String>,
    /// Units to pick of this SKU, over all shipments.
    pub quantity: i64,
    /// Units found, once confirmed.
    pub picked: Option<i64>,
    pub allocations: Vec<PickAllocation>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickListTotals {
    pub shipments: i64,
    pub skus: i64,
    pub units: i64,
    /// Units found, once confirmed.
    pub picked: Option<i64>,
}

/// A batch of shipments picked in one walk of a location.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PickList {
    pub id: PickListId,
    #[cfg_attr(feature = "openapi", schema(example = "PL-1001"))]
    pub number: String,
    pub location: String,
    pub location_id: LocationId,
    pub status: PickListStatus,
    /// How the shipments were chosen.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub criteria: serde_json::Value,
    pub created_by: String,
    pub created_at: Timestamp,
    pub completed_by: Option<String>,
    pub completed_at: Option<Timestamp>,
    /// Lines in walking order: by bin, then SKU; products without a bin last.
    pub lines: Vec<PickListLine>,
    pub shipments: Vec<PickListShipment>,
    pub totals: PickListTotals,
}

#[derive(Debug, Clone, Default)]
pub struct PickListFilter {
    pub location: Option<String>,
    pub status: Option<PickListStatus>,
}

/// One shipment line on a pick list, as confirmation needs it.
struct Allocation {
    shipment: ShipmentId,
    line: LineId,
    product: ProductId,
    sku: String,
    quantity: i64,
    picked: i64,
}

/// The shipments a request picks: the ones named (each checked), or those matching its filters.
async fn choose(tx: &mut WriteTx, location: &LocationId, request: &PickListRequest) -> StoreResult<Vec<ShipmentId>> {
    if !request.shipments.is_empty() {
        let mut ids = Vec::new();
        let mut errors = Vec::new();
        for (i, key) in request.shipments.iter().enumerate() {
            let field = format!("/shipments/{i}");
            let id = match shipment_id(tx, key).await {
                Ok(id) => id,
                Err(StoreError::NotFound { .. }) => {
                    errors.push(FieldError {
                        field,
                        code: "not_found",
                        message: format!("there is no shipment {key}"),
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            let head = shipment_head(tx, &id).await?;
            if head.location_id != *location {
                errors.push(FieldError {
                    field,
                    code: "other_location",
                    message: format!("shipment {} ships from {}", head.number, head.location),
                });
            } else if head.status != ShipmentStatus::Released {
                errors.push(FieldError {
                    field,
                    code: "not_released",
                    message: format!("shipment {} is {}, not released", head.number, head.status),
                });
            } else {
                ids.push(id);
            }
        }
        return if errors.is_empty() {
            Ok(ids)
        } else {
            Err(StoreError::Invalid(errors))
        };
    }
    let mut sql = Sql::new("SELECT s.id FROM shipment s JOIN sales_order o ON o.id = s.order_id");
    sql.filter("s.location_id = ", Arg::Text(location.to_string()), "");
    sql.push(" AND s.status = 'released' AND o.status = 'open'");
    if let Some(by) = request.ship_by {
        sql.filter("s.promised_ship_at <= ", Arg::Int(micros(by)), "");
    }
    if let Some(carrier) = request.carrier {
        sql.filter("s.carrier = ", Arg::Text(carrier.as_str().into()), "");
    }
    let units = "(SELECT SUM(x.quantity) FROM shipment_line x WHERE x.shipment_id = s.id AND x.status = 'open')";
    match request.items {
        ItemMix::Any => {}
        ItemMix::Single => {
            sql.push(&format!(" AND {units} = 1"));
        }
        ItemMix::Multi => {
            sql.push(&format!(" AND {units} > 1"));
        }
    }
    sql.push(" ORDER BY COALESCE(s.promised_ship_at, 9000000000000000000), s.released_at, s.id")
        .limit(request.max_shipments);
    sql.query()
        .fetch_all(&mut ***tx)
        .await?
        .iter()
        .map(|r| get_id(r, "id"))
        .collect()
}

/// Sends the short `lines` of a shipment back to routing: releases their reservations,
/// writes the missing units off as lost against the pick list, backorders the lines,
/// and tells the order's timeline. Returns the shipment's lines still travelling.
#[allow(clippy::too_many_arguments)]
async fn short_pick(
    tx: &mut WriteTx,
    now: Timestamp,
    head: &ShipmentHead,
    list: (&PickListId, &str),
    allocations: &[&Allocation],
    short: &[LineId],
    actor: &str,
) -> StoreResult<usize> {
    let order = Head::read(tx, head.order_id.as_str()).await?;
    let policy: String = db::query_scalar(
        "SELECT c.split_policy FROM sales_order o JOIN channel c ON c.id = o.channel_id WHERE o.id = $1",
    )
    .bind(head.order_id.as_str())
    .fetch_one(&mut ***tx)
    .await?;
    let ship_complete =
        SplitPolicy::parse(&policy).map_err(|e| StoreError::Corrupt(e.message))? == SplitPolicy::ShipComplete;
    // A ship-complete order leaves whole: every line goes back with the short one.
    let pulled: Vec<&LineId> = if ship_complete {
        let mut all: Vec<&LineId> = allocations.iter().map(|a| &a.line).collect();
        all.dedup();
        all
    } else {
        short.iter().collect()
    };
    let ctx = MovementContext {
        actor: actor.to_owned(),
        note: Some(format!("Short pick on {} for shipment {}", list.1, head.number)),
        reference: Some(list.0.to_string()),
    };
    consume_reservations(tx, now, head, Some(pulled.as_slice()), (StockCommand::Release, &ctx)).await?;
    let mut lost = Vec::new();
    for a in allocations
        .iter()
        .filter(|a| a.picked < a.quantity && short.contains(&a.line))
    {
        let missing = a.quantity - a.picked;
        apply(
            tx,
            now,
            (&a.product, &a.sku),
            (&head.location_id, &head.location),
            StockCommand::Adjust(-missing, AdjustmentReason::Lost),
            &ctx,
        )
        .await?;
        lost.push(json!({ "sku": a.sku, "expected": a.quantity, "found": a.picked, "lost": missing }));
    }
    for line in &pulled {
        let status = if short.contains(line) { "short" } else { "withdrawn" };
        db::query("UPDATE shipment_line SET status = $1 WHERE shipment_id = $2 AND line_id = $3")
            .bind(status)
            .bind(head.id.as_str())
            .bind(line.as_str())
            .execute(&mut ***tx)
            .await?;
        db::query("UPDATE order_line SET status = 'backordered' WHERE id = $1 AND status = 'allocated'")
            .bind(line.as_str())
            .execute(&mut ***tx)
            .await?;
    }
    order.touch(tx, now).await?;
    let found: Vec<String> = allocations
        .iter()
        .filter(|a| a.picked < a.quantity && short.contains(&a.line))
        .map(|a| format!("found {} of {} × {}", a.picked, a.quantity, a.sku))
        .collect();
    let mut message = format!(
        "Short pick on {} at {}: {}; the missing units were written off as lost. {} back to routing",
        list.1,
        head.location,
        found.join(", "),
        if pulled.len() == 1 {
            "1 line went".to_owned()
        } else {
            format!("{} lines went", pulled.len())
        },
    );
    if ship_complete {
        message.push_str(" (the order ships complete)");
    }
    let data = json!({
        "pick_list": list.1, "shipment_id": head.id, "shipment": head.number, "lost": lost,
        "lines": pulled, "ship_complete": ship_complete,
    });
    order_event(
        tx,
        now,
        &head.order_id,
        OrderEventKind::ShortPicked,
        actor,
        message,
        data.clone(),
    );
    enqueue(tx, now, "shipment.short_picked", head.id.as_str(), &data);
    let left = allocations.iter().filter(|a| !pulled.contains(&&a.line)).count();
    Ok(left)
}

impl Store {
    /// Puts released shipments of one location on a new pick list.
    pub async fn create_pick_list(&self, request: &PickListRequest, actor: &str) -> StoreResult<PickList> {
        let location = self.floor(&request.location).await?;
        let criteria = json!({
            "shipments": request.shipments, "max_shipments": request.max_shipments, "ship_by": request.ship_by,
            "carrier": request.carrier, "items": request.items,
        });
        let id = retrying!({
            let mut tx = self.write().await?;
            let result = async {
                let now = self.now();
                let chosen = choose(&mut tx, &location.id, request).await?;
                if chosen.is_empty() {
                    return Err(StoreError::Conflict {
                        code: "nothing_to_pick",
                        message: format!("no released shipment at {} matches the request", location.code),
                    });
                }
                let value: i64 = db::query_scalar(
                    "UPDATE counter SET value = value + 1 WHERE name = 'pick_list_number' RETURNING value",
                )
                .fetch_one(&mut **tx)
                .await?;
                let id = PickListId::new_at(now);
                db::query(
                    "INSERT INTO pick_list (id, number, location_id, status, criteria, created_by, created_at) \
                     VALUES ($1, $2, $3, 'open', $4, $5, $6)",
                )
                .bind(id.as_str())
                .bind(format!("PL-{value}"))
                .bind(location.id.as_str())
                .bind(criteria.to_string())
                .bind(actor)
                .bind(micros(now))
                .execute(&mut **tx)
                .await?;
                for (slot, shipment) in chosen.iter().enumerate() {
                    let head = shipment_head(&mut tx, shipment).await?;
                    let order = Head::read(&mut tx, head.order_id.as_str()).await?;
                    rules::transition(order.status, OrderAction::Fulfil)?;
                    let to = flow::transition(head.status, ShipmentAction::Pick)?;
                    let columns = vec![
                        ("pick_list_id", Some(Arg::Text(id.to_string()))),
                        ("pick_slot", Some(Arg::Int(slot as i64 + 1))),
                    ];
                    save_shipment(&mut tx, &head, to, columns, now).await?;
                }
                Ok(id)
            }
            .await;
            tx.finish(result).await
        })?;
        self.pick_list(id.as_str()).await
    }

    /// A pick list by id or number: its lines in bin order, its shipments by tote.
    pub async fn pick_list(&self, key: &str) -> StoreResult<PickList> {
        let column = if PickListId::parse(key).is_some() {
            "p.id"
        } else {
            "p.number"
        };
        let sql = format!(
            "SELECT p.id, p.number, l.code, p.location_id, p.status, p.criteria, p.created_by, p.created_at, \
             p.completed_by, p.completed_at FROM pick_list p JOIN location l ON l.id = p.location_id WHERE {column} = $1"
        );
        let row = db::query(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("pick list", key))?;
        let id: PickListId = get_id(&row, "id")?;
        let shipments = db::query(
            "SELECT s.pick_slot, s.id, s.number, o.number AS order_number, s.status, s.promised_ship_at, \
             COALESCE((SELECT CAST(SUM(x.quantity) AS BIGINT) FROM shipment_line x WHERE x.shipment_id = s.id AND x.status = 'open'), 0) AS units \
             FROM shipment s JOIN sales_order o ON o.id = s.order_id WHERE s.pick_list_id = $1 ORDER BY s.pick_slot",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PickListShipment {
                slot: r.try_get("pick_slot")?,
                id: get_id(r, "id")?,
                number: r.try_get("number")?,
                order_number: r.try_get("order_number")?,
                status: get_enum(r, "status", ShipmentStatus::parse)?,
                units: r.try_get("units")?,
                promised_ship_at: get_opt_time(r, "promised_ship_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        // Lines withdrawn before anything was picked are not to be picked at all.
        let rows = db::query(
            "SELECT x.product_id, p.sku, p.title, p.barcode, b.bin, s.pick_slot, s.number, x.quantity, x.picked_quantity \
             FROM shipment_line x JOIN shipment s ON s.id = x.shipment_id JOIN product p ON p.id = x.product_id \
             LEFT JOIN product_bin b ON b.product_id = x.product_id AND b.location_id = s.location_id \
             WHERE s.pick_list_id = $1 AND (x.status <> 'withdrawn' OR x.picked_quantity IS NOT NULL) \
             ORDER BY p.sku, s.pick_slot",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut lines: Vec<PickListLine> = Vec::new();
        for r in &rows {
            let product: ProductId = get_id(r, "product_id")?;
            let allocation = PickAllocation {
                slot: r.try_get("pick_slot")?,
                shipment: r.try_get("number")?,
                quantity: r.try_get("quantity")?,
                picked: r.try_get("picked_quantity")?,
            };
            match lines.iter_mut().find(|l| l.product_id == product) {
                Some(line) => {
                    line.quantity += allocation.quantity;
                    line.picked = line.picked.zip(allocation.picked).map(|(a, b)| a + b);
                    line.allocations.push(allocation);
                }
                None => lines.push(PickListLine {
                    bin: r.try_get("bin")?,
                    sku: r.try_get("sku")?,
                    product_id: product,
                    title: r.try_get("title")?,
                    barcode: r.try_get("barcode")?,
                    quantity: allocation.quantity,
                    picked: allocation.picked,
                    allocations: vec![allocation],
                }),
            }
        }
        lines.sort_by(|a, b| (a.bin.is_none(), &a.bin, &a.sku).cmp(&(b.bin.is_none(), &b.bin, &b.sku)));
        let totals = PickListTotals {
            shipments: shipments.len() as i64,
            skus: lines.len() as i64,
            units: lines.iter().map(|l| l.quantity).sum(),
            picked: lines.iter().map(|l| l.picked).sum(),
        };
        Ok(PickList {
            id,
            number: row.try_get("number")?,
            location: row.try_get("code")?,
            location_id: get_id(&row, "location_id")?,
            status: get_enum(&row, "status", PickListStatus::parse)?,
            criteria: get_json(&row, "criteria")?,
            created_by: row.try_get("created_by")?,
            created_at: get_time(&row, "created_at")?,
            completed_by: row.try_get("completed_by")?,
            completed_at: get_opt_time(&row, "completed_at")?,
            lines,
            shipments,
            totals,
        })
    }

    /// Pick lists, newest first.
    pub async fn list_pick_lists(&self, filter: &PickListFilter, page: &PageRequest) -> StoreResult<Page<PickList>> {
        let mut sql = Sql::new("SELECT p.id FROM pick_list p");
        if let Some(location) = &filter.location {
            let location = self.location(location).await?;
            sql.filter("p.location_id = ", Arg::Text(location.id.to_string()), "");
        }
        if let Some(status) = filter.status {
            sql.filter("p.status = ", Arg::Text(status.as_str().into()), "");
        }
        if let Some(cursor) = &page.cursor {
            sql.filter("p.id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY p.id DESC").limit(page.limit() + 1);
        let ids: Vec<String> = sql
            .query()
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
        let mut lists = Vec::with_capacity(ids.len());
        for id in ids {
            lists.push(self.pick_list(&id).await?);
        }
        Ok(Page::from_rows(lists, page.limit(), |l| l.id.to_string()))
    }

    /// Confirms a pick list with what was found (`picks`: SKU and units found; a SKU
    /// not named was found in full). Found units go to the totes in tote order; a
    /// shipment whose units were not all found is short: see the module's comment.
    pub async fn confirm_picks(&self, key: &str, picks: &[(String, i64)], actor: &str) -> StoreResult<PickList> {
        let list = self.pick_list(key).await?;
        if list.status == PickListStatus::Completed {
            return Err(StoreError::Conflict {
                code: "pick_list_completed",
                message: format!("pick list {} was already confirmed", list.number),
            });
        }
        let mut errors = Vec::new();
        for (i, (sku, found)) in picks.iter().enumerate() {
            match list.lines.iter().find(|l| l.sku == *sku) {
                None => errors.push(FieldError {
                    field: format!("/picks/{i}/sku"),
                    code: "not_on_pick_list",
                    message: format!("{sku} is not on pick list {}", list.number),
                }),
                Some(line) if *found > line.quantity => errors.push(FieldError {
                    field: format!("/picks/{i}/quantity"),
                    code: "out_of_range",
                    message: format!("only {} × {sku} to pick", line.quantity),
                }),
                Some(_) => {}
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        retrying!({
            let mut tx = self.write().await?;
            let result = self.confirm_in(&mut tx, &list, picks, actor).await;
            tx.finish(result).await
        })?;
        // A short pick sent lines back to routing: other locations may serve them now.
        let products: Vec<_> = list.lines.iter().map(|l| l.product_id.clone()).collect();
        self.after_stock_freed(&products).await;
        self.pick_list(list.id.as_str()).await
    }

    async fn confirm_in(
        &self,
        tx: &mut WriteTx,
        list: &PickList,
        picks: &[(String, i64)],
        actor: &str,
    ) -> StoreResult<()> {
        let now = self.now();
        let completed = db::query(
            "UPDATE pick_list SET status = 'completed', completed_by = $1, completed_at = $2 WHERE id = $3 AND status = 'open'",
        )
        .bind(actor)
        .bind(micros(now))
        .bind(list.id.as_str())
        .execute(&mut ***tx)
        .await?;
        if completed.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                code: "pick_list_completed",
                message: format!("pick list {} was already confirmed", list.number),
            });
        }
        let rows = db::query(
            "SELECT x.shipment_id, x.line_id, x.product_id, p.sku, x.quantity FROM shipment_line x \
             JOIN shipment s ON s.id = x.shipment_id JOIN product p ON p.id = x.product_id \
             WHERE s.pick_list_id = $1 AND s.status = 'picking' AND x.status = 'open' ORDER BY s.pick_slot, x.line_id, p.sku",
        )
        .bind(list.id.as_str())
        .fetch_all(&mut ***tx)
        .await?;
        let mut allocations = rows
            .iter()
            .map(|r| {
                Ok(Allocation {
                    shipment: get_id(r, "shipment_id")?,
                    line: get_id(r, "line_id")?,
                    product: get_id(r, "product_id")?,
                    sku: r.try_get("sku")?,
                    quantity: r.try_get("quantity")?,
                    picked: 0,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        // Found units fill the totes in order; a SKU not named was found in full.
        let mut left: BTreeMap<&str, i64> = BTreeMap::new();
        for a in &allocations {
            *left.entry(a.sku.as_str()).or_insert(0) += a.quantity;
        }
        for (sku, found) in picks {
            if let Some(n) = left.get_mut(sku.as_str()) {
                *n = *found;
            }
        }
        let mut picked = Vec::with_capacity(allocations.len());
        for a in &allocations {
            let n = left.get_mut(a.sku.as_str()).map(|n| {
                let take = (*n).min(a.quantity);
                *n -= take;
                take
            });
            picked.push(n.unwrap_or(a.quantity));
        }
        for (a, n) in allocations.iter_mut().zip(picked) {
            a.picked = n;
            db::query("UPDATE shipment_line SET picked_quantity = $1 WHERE shipment_id = $2 AND line_id = $3 AND product_id = $4")
                .bind(n)
                .bind(a.shipment.as_str())
                .bind(a.line.as_str())
                .bind(a.product.as_str())
                .execute(&mut ***tx)
                .await?;
        }
        let mut shipments: Vec<&ShipmentId> = allocations.iter().map(|a| &a.shipment).collect();
        shipments.dedup();
        for shipment in shipments {
            let mine: Vec<&Allocation> = allocations.iter().filter(|a| a.shipment == *shipment).collect();
            let mut short: Vec<LineId> = mine
                .iter()
                .filter(|a| a.picked < a.quantity)
                .map(|a| a.line.clone())
                .collect();
            short.dedup();
            let head = shipment_head(tx, shipment).await?;
            let travelling = if short.is_empty() {
                mine.len()
            } else {
                short_pick(tx, now, &head, (&list.id, &list.number), &mine, &short, actor).await?
            };
            let head = shipment_head(tx, shipment).await?;
            if travelling == 0 {
                let to = flow::transition(head.status, ShipmentAction::Cancel)?;
                save_shipment(
                    tx,
                    &head,
                    to,
                    vec![
                        ("cancelled_at", Some(Arg::Int(micros(now)))),
                        ("picked_at", Some(Arg::Int(micros(now)))),
                    ],
                    now,
                )
                .await?;
            } else {
                let to = flow::transition(head.status, ShipmentAction::ConfirmPick)?;
                save_shipment(tx, &head, to, vec![("picked_at", Some(Arg::Int(micros(now))))], now).await?;
            }
        }
        Ok(())
    }
}
