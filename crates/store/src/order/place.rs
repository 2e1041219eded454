//! Placing an order: the channel, its products and routing network read before the
//! write turn; the order, its lines, timeline, payment request and reservations written
//! in one transaction; the provider asked after it commits.

use super::*;

/// Where a draft goes and how fast.
pub(super) fn route_of<'a>(draft: &'a OrderDraft, channel: &'a Channel) -> Route<'a> {
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
pub(super) struct NewOrder<'a> {
    pub(super) draft: &'a OrderDraft,
    pub(super) channel: &'a Channel,
    pub(super) products: &'a BTreeMap<String, LineProduct>,
    /// Each line's product and quantity.
    pub(super) wanted: &'a [(ProductId, i64)],
    pub(super) network: &'a Network,
}

/// The order a channel already has under this external id.
pub(super) async fn order_by_external<'c>(
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
        if placed.1 {
            self.settle_after_commit(&placed.0).await;
        }
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
        match transact!(self, |tx| self.place_in(tx, order, actor).await) {
            Err(StoreError::Database(e))
                if e.violates("sales_order_channel_external_key", "sales_order.channel_id") =>
            {
                // The order that won may still wait on its commit (SQLite commits
                // writers together): look it up in a write turn, which sees it and
                // answers once it is durable.
                let external_id = order.draft.external_id.as_deref();
                match transact!(self, |tx| order_by_external(&mut ***tx, &order.channel.id, external_id)
                    .await)?
                {
                    Some(id) => Ok((id, false)),
                    None => Err(StoreError::Database(e)),
                }
            }
            other => other.map(|id| (id, true)),
        }
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
        let served: Vec<bool> = plan.assignment.iter().map(Option::is_some).collect();
        let placed = rules::placement_lines(&served, channel.shortage_policy, channel.policies.payment_provider)
            .map_err(|_| {
                let skus: Vec<&str> = draft.lines.iter().map(|l| l.sku.as_str()).collect();
                StoreError::InsufficientStock(rules::short_lines(
                    &skus,
                    wanted,
                    &route_lines,
                    &sites,
                    &plan.assignment,
                ))
            })?;
        let statuses = placed.lines;
        let hold = placed.hold.map(|reason| Hold {
            reason,
            note: Some(format!(
                "{} took the customer's money for stock we do not have; the short lines wait as backorders",
                channel.code
            )),
            until: None,
        });

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
        let fulfilment = rules::fulfilment_status(statuses.iter().copied());
        let promise = plan.promise(&sites);
        let t = &draft.totals;
        db::query(
            "INSERT INTO sales_order (id, number, channel_id, external_id, status, fulfilment_status, payment_status, \
             currency, customer_email, customer_name, customer_phone, shipping_address, billing_address, ship_country, \
             subtotal, discount_total, tax_total, shipping_amount, shipping_tax, grand_total, service_level, notes, tags, \
             placed_at, created_at, updated_at, version, priority, promised_ship_at, promised_delivery_at, hold_reason, \
             hold_note) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, \
             $24, $25, $25, 1, $26, $27, $28, $29, $30)",
        )
        .bind(id.as_str())
        .bind(&number)
        .bind(channel.id.as_str())
        .bind(draft.external_id.as_deref())
        .bind(if hold.is_some() { OrderStatus::OnHold } else { OrderStatus::Open }.as_str())
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
        .bind(hold.as_ref().map(|h| h.reason.as_str()))
        .bind(hold.as_ref().and_then(|h| h.note.as_deref()))
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
                Arg::OptText(line.external_id.clone()),
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
             total, status, external_id) VALUES ",
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
        if let Some(hold) = &hold {
            let message = format!(
                "Held for {}: {}",
                hold.reason.as_str(),
                hold.note.as_deref().unwrap_or_default()
            );
            let data = json!({ "reason": hold.reason, "note": hold.note, "until": null });
            event(tx, now, &id, OrderEventKind::Held, actor, message, data);
        }
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
        payment::request_authorization(tx, now, &id, t.total, terms, token, actor).await?;
        // Stock last: on PostgreSQL the balance rows stay locked from here until the
        // commit, and hot SKUs' rows are wanted by many orders at once.
        reserve(tx, now, &id, &lines, &routed, actor).await?;
        Ok(id)
    }
}
