//! Routing existing orders again: backorders filled as stock arrives (priority, then
//! age), expected dates refreshed from inbound stock, operator re-routes, and locations
//! disabled or enabled.

use super::*;

/// The parts of an order routing needs, read inside a transaction.
pub(super) struct RoutingHead {
    pub(super) head: Head,
    pub(super) channel: ChannelId,
    pub(super) policy: SplitPolicy,
    pub(super) level: switchyard_core::order::ServiceLevel,
    pub(super) currency: Currency,
    pub(super) address: Address,
}

impl Store {
    async fn routing_head(&self, tx: &mut WriteTx, order: &OrderId) -> StoreResult<RoutingHead> {
        let head = Head::take(tx, order.as_str()).await?;
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
            "SELECT id, sku, product_id, quantity FROM order_line WHERE order_id = $1 AND status = $2 ORDER BY line_no",
        )
        .bind(r.head.id.as_str())
        .bind(LineStatus::Backordered.as_str())
        .fetch_all(&mut ***tx)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let allocated_lines: i64 =
            db::query_scalar("SELECT COUNT(*) FROM order_line WHERE order_id = $1 AND status = $2")
                .bind(r.head.id.as_str())
                .bind(LineStatus::Allocated.as_str())
                .fetch_one(&mut ***tx)
                .await?;
        if !rules::may_route_backorders(r.policy, allocated_lines as usize) {
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
        allocate(tx, now, &r.head, &lines, &routed, actor, verb, announce_backorders).await
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
        let mut sql = Sql::new(&format!(
            "SELECT o.id, o.priority, o.placed_at FROM order_line l JOIN sales_order o ON o.id = l.order_id \
             WHERE l.status = {} AND o.status IN {}",
            db::is(LineStatus::Backordered),
            db::one_of(OrderStatus::LIVE)
        ));
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
            allocated += transact!(self, |tx| {
                let r = self.routing_head(tx, &order).await?;
                if !r.head.status.is_live() {
                    return Ok(0);
                }
                self.route_backordered(tx, &r, "system", "Backorder filled", false)
                    .await
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
        let mut sql = Sql::new(&format!(
            "SELECT l.id, l.product_id, l.quantity, l.expected_at, o.channel_id FROM order_line l \
             JOIN sales_order o ON o.id = l.order_id WHERE l.status = {} AND o.status IN {}",
            db::is(LineStatus::Backordered),
            db::one_of(OrderStatus::LIVE)
        ));
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
        transact!(self, |tx| {
            for (line, expected) in &changes {
                db::query("UPDATE order_line SET expected_at = $1 WHERE id = $2 AND status = $3")
                    .bind(*expected)
                    .bind(line.as_str())
                    .bind(LineStatus::Backordered.as_str())
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(changes.len())
        })
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
        sql.push(&format!(" AND l.status = {}", db::is(LineStatus::Allocated)));
        // Ship-complete orders move whole, wherever their stock is.
        if let Some(location) = location.filter(|_| !r.policy.moves_whole()) {
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
        if r.policy.moves_whole() && !busy.is_empty() {
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
            // An allocated line routed again waits first (`core::order::line_transition`).
            let waits = rules::line_transition(LineStatus::Allocated, LineAction::Backorder)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            db::query("UPDATE order_line SET status = $1 WHERE id = $2")
                .bind(waits.as_str())
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
        let (id, freed) = transact!(self, |tx| {
            let head = Head::take(tx, key).await?;
            let freed = self.reroute_in(tx, &head.id, None, reason, actor).await?;
            Ok((head.id, freed))
        })?;
        self.after_stock_freed(&freed).await;
        self.order(id.as_str()).await
    }

    /// Takes a location out of routing and re-routes what was reserved there.
    pub async fn disable_location(&self, key: &str, actor: &str) -> StoreResult<crate::catalog::Location> {
        let location = self.set_disabled(key, true).await?;
        let orders: Vec<OrderId> = db::query_scalar::<String>(format!(
            "SELECT DISTINCT r.order_id FROM reservation r JOIN sales_order o ON o.id = r.order_id \
             WHERE r.location_id = $1 AND o.status IN {} ORDER BY r.order_id",
            db::one_of(OrderStatus::LIVE)
        ))
        .bind(location.id.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|id| OrderId::try_from(id).map_err(StoreError::Corrupt))
        .collect::<StoreResult<_>>()?;
        let reason = format!("location {} disabled", location.code);
        for order in orders {
            transact!(self, |tx| self
                .reroute_in(tx, &order, Some(&location.id), &reason, actor)
                .await)?;
        }
        Ok(location)
    }

    /// Puts a disabled location back into routing; orders waiting for stock it has are served.
    pub async fn enable_location(&self, key: &str) -> StoreResult<crate::catalog::Location> {
        let location = self.set_disabled(key, false).await?;
        self.after_stock_freed(&[]).await;
        Ok(location)
    }
}
