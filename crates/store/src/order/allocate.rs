//! Taking and giving back an order's stock: reserving what a routing plan assigns
//! (guarded, in a fixed lock order, with ledger rows and promises), releasing
//! reservations, and telling the timeline where lines went and why.

use super::*;

/// Releases the reservations of `order` (of one line when `line` is given), writing a
/// release movement per reservation. Rows are taken in (product, location) order so
/// concurrent transactions lock balances in the same order.
pub(super) async fn release_reservations(
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
pub(super) async fn reserved_products(
    tx: &mut WriteTx,
    order: &OrderId,
    line: Option<&LineId>,
) -> StoreResult<Vec<ProductId>> {
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

pub(super) fn describe(items: &[(String, String, i64)]) -> String {
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
pub(super) struct OpenLine {
    pub(super) id: LineId,
    pub(super) sku: String,
    pub(super) quantity: i64,
}

/// A routing decision with the sites and routing lines it refers to.
pub(super) struct Routed<'a> {
    pub(super) decision: &'a Decision,
    pub(super) sites: &'a [Site],
    pub(super) lines: &'a [Line],
}

/// Takes the stock `routed` assigns to `lines` of `order` — one guarded statement per
/// (product, location), in a fixed order, each with its ledger row — and records the
/// reservations with their promise. Answers how many lines were assigned.
pub(super) async fn reserve(
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
/// and promise under its optimistic version (`Head::save_routed`), and tells the
/// timeline why (see `announce`).
#[allow(clippy::too_many_arguments)]
pub(super) async fn allocate(
    tx: &mut WriteTx,
    now: Timestamp,
    head: &Head,
    lines: &[OpenLine],
    routed: &Routed<'_>,
    actor: &str,
    verb: &str,
    announce_backorders: bool,
) -> StoreResult<usize> {
    let order = &head.id;
    let allocated = reserve(tx, now, order, lines, routed, actor).await?;
    let assignment = &routed.decision.chosen.assignment;
    for (action, assigned) in [(LineAction::Allocate, true), (LineAction::Backorder, false)] {
        let ids: Vec<Arg> = lines
            .iter()
            .zip(assignment)
            .filter(|(_, site)| site.is_some() == assigned)
            .map(|(line, _)| Arg::Text(line.id.to_string()))
            .collect();
        if ids.is_empty() {
            continue;
        }
        // The lines routed are waiting ones: each may be allocated or backordered
        // (`core::order::line_transition`).
        let to =
            rules::line_transition(LineStatus::Backordered, action).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut sql = Sql::new("UPDATE order_line SET status = ");
        sql.bind(Arg::Text(to.as_str().into()));
        if to == LineStatus::Allocated {
            sql.push(", expected_at = NULL");
        }
        sql.push(" WHERE id IN (").list(ids).push(")");
        sql.query().execute(&mut ***tx).await?;
    }
    head.save_routed(tx, now).await?;
    announce(tx, now, order, lines, routed, verb, announce_backorders);
    Ok(allocated)
}

/// Tells the order's timeline where `routed` sent `lines` (the plan, the runner-up and
/// why it lost) and, when `backorders`, which lines no location could serve.
pub(super) fn announce(
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
