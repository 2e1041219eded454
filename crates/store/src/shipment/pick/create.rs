//! Making a pick list: the released shipments of open orders at one location that a
//! request names or matches go on a new list, each in its own tote.

use serde_json::json;
use switchyard_core::FieldError;
use switchyard_core::id::{LocationId, PickListId, ShipmentId};
use switchyard_core::order as rules;
use switchyard_core::order::{OrderAction, OrderStatus};
use switchyard_core::shipment::input::{ItemMix, PickListRequest};
use switchyard_core::shipment::{self as flow, PickListStatus, ShipmentAction, ShipmentLineStatus};

use super::PickList;
use crate::db::{self, Arg, Sql, get_id, micros};
use crate::error::{StoreError, StoreResult};
use crate::order::Head;
use crate::shipment::link::{save_shipment, shipment_head};
use crate::shipment::shipment_id;
use crate::{Store, WriteTx};

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
            } else if flow::transition(head.status, ShipmentAction::Pick).is_err() {
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
    sql.push(&format!(
        " AND s.status IN {} AND o.status = {}",
        db::one_of(&flow::states_allowing(ShipmentAction::Pick)),
        db::is(OrderStatus::Open)
    ));
    if let Some(by) = request.ship_by {
        sql.filter("s.promised_ship_at <= ", Arg::Int(micros(by)), "");
    }
    if let Some(carrier) = request.carrier {
        sql.filter("s.carrier = ", Arg::Text(carrier.as_str().into()), "");
    }
    let units = format!(
        "(SELECT SUM(x.quantity) FROM shipment_line x WHERE x.shipment_id = s.id AND x.status = {})",
        db::is(ShipmentLineStatus::Open)
    );
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

impl Store {
    /// Puts released shipments of one location on a new pick list.
    pub async fn create_pick_list(&self, request: &PickListRequest, actor: &str) -> StoreResult<PickList> {
        let location = self.floor(&request.location).await?;
        let criteria = json!({
            "shipments": request.shipments, "max_shipments": request.max_shipments, "ship_by": request.ship_by,
            "carrier": request.carrier, "items": request.items,
        });
        let id = transact!(self, |tx| {
            let now = self.now();
            let chosen = choose(tx, &location.id, request).await?;
            if chosen.is_empty() {
                return Err(StoreError::Conflict {
                    code: "nothing_to_pick",
                    message: format!("no released shipment at {} matches the request", location.code),
                });
            }
            let value: i64 = db::query_scalar(
                "UPDATE counter SET value = value + 1 WHERE name = 'pick_list_number' RETURNING value",
            )
            .fetch_one(&mut ***tx)
            .await?;
            let id = PickListId::new_at(now);
            db::query(format!(
                "INSERT INTO pick_list (id, number, location_id, status, criteria, created_by, created_at) \
                 VALUES ($1, $2, $3, {}, $4, $5, $6)",
                db::is(PickListStatus::Open)
            ))
            .bind(id.as_str())
            .bind(format!("PL-{value}"))
            .bind(location.id.as_str())
            .bind(criteria.to_string())
            .bind(actor)
            .bind(micros(now))
            .execute(&mut ***tx)
            .await?;
            for (slot, shipment) in chosen.iter().enumerate() {
                let head = shipment_head(tx, shipment).await?;
                let order = Head::take(tx, head.order_id.as_str()).await?;
                rules::transition(order.status, OrderAction::Fulfil)?;
                let to = flow::transition(head.status, ShipmentAction::Pick)?;
                let columns = vec![
                    ("pick_list_id", Some(Arg::Text(id.to_string()))),
                    ("pick_slot", Some(Arg::Int(slot as i64 + 1))),
                ];
                save_shipment(tx, &head, to, columns, now).await?;
            }
            Ok(id)
        })?;
        self.pick_list(id.as_str()).await
    }
}
