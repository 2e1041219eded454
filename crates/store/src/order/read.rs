//! Reading orders: one order with its lines, reservations, shipping and timeline, and
//! filtered, searched lists.

use super::*;

impl Store {
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
            "SELECT id, line_no, sku, product_id, title, quantity, unit_price, discount, tax, total, status, expected_at, \
             external_id FROM order_line WHERE order_id = $1 ORDER BY line_no",
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
                external_id: r.try_get("external_id")?,
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
}
