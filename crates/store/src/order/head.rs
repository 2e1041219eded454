//! The order's head — id, number, status, hold and optimistic version — read and saved
//! here alone, for every change of an order (its lifecycle, routing, payments,
//! shipments): a save writes the fulfilment status the lines now mean and bumps the
//! version only if nobody changed the order since it was read, so changes of one order
//! serialise.

use super::*;
use crate::db::Link;

/// The parts of an order every change reads inside its transaction.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub id: OrderId,
    pub number: String,
    pub status: OrderStatus,
    pub hold: Option<Hold>,
    pub version: i64,
}

/// The statuses of the order's lines.
async fn line_statuses(conn: &mut Link, order: &OrderId) -> StoreResult<Vec<LineStatus>> {
    db::query("SELECT status FROM order_line WHERE order_id = $1")
        .bind(order.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| get_enum(r, "status", LineStatus::parse))
        .collect()
}

fn changed(number: &str) -> StoreError {
    StoreError::Conflict {
        code: "concurrent_update",
        message: format!("order {number} changed while this request ran; retry"),
    }
}

impl Head {
    /// The order by id or number.
    pub async fn read(conn: &mut Link, key: &str) -> StoreResult<Head> {
        let column = if OrderId::parse(key).is_some() { "id" } else { "number" };
        let sql = format!(
            "SELECT id, number, status, version, hold_reason, hold_note, hold_until FROM sales_order WHERE {column} = $1"
        );
        let row = db::query(sql)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("order", key))?;
        let hold = match row.try_get::<Option<String>, _>("hold_reason")? {
            Some(reason) => Some(Hold {
                reason: HoldReason::parse(&reason).map_err(|e| StoreError::Corrupt(e.message))?,
                note: row.try_get("hold_note")?,
                until: get_opt_time(&row, "hold_until")?,
            }),
            None => None,
        };
        Ok(Head {
            id: get_id(&row, "id")?,
            number: row.try_get("number")?,
            status: get_enum(&row, "status", OrderStatus::parse)?,
            hold,
            version: row.try_get("version")?,
        })
    }

    /// The lines' statuses, read in the same transaction.
    pub async fn lines(&self, conn: &mut Link) -> StoreResult<Vec<LineStatus>> {
        line_statuses(conn, &self.id).await
    }

    /// Writes the order's `status` and `hold`, and the fulfilment status its lines
    /// mean, bumping its version — only if nobody changed the order since it was read.
    pub async fn save(
        &self,
        tx: &mut WriteTx,
        status: OrderStatus,
        hold: Option<&Hold>,
        now: Timestamp,
    ) -> StoreResult<FulfilmentStatus> {
        let fulfilment = rules::fulfilment_status(self.lines(tx).await?);
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
        .bind(self.id.as_str())
        .bind(self.version)
        .execute(&mut ***tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(changed(&self.number));
        }
        Ok(fulfilment)
    }

    /// Saves the order as it is after its lines changed: its fulfilment status follows
    /// them and its version is bumped (see `save`).
    pub async fn touch(&self, tx: &mut WriteTx, now: Timestamp) -> StoreResult<FulfilmentStatus> {
        self.save(tx, self.status, self.hold.as_ref(), now).await
    }

    /// Saves the order after routing reserved stock for its lines: the fulfilment status
    /// they mean and the latest promise of its reservations (see `save`).
    pub async fn save_routed(&self, tx: &mut WriteTx, now: Timestamp) -> StoreResult<()> {
        let fulfilment = rules::fulfilment_status(self.lines(tx).await?);
        let updated = db::query(
            "UPDATE sales_order SET fulfilment_status = $1, updated_at = $2, version = version + 1, \
             promised_ship_at = (SELECT MAX(promised_ship_at) FROM reservation WHERE order_id = $3), \
             promised_delivery_at = (SELECT MAX(promised_delivery_at) FROM reservation WHERE order_id = $3) \
             WHERE id = $3 AND version = $4",
        )
        .bind(fulfilment.as_str())
        .bind(micros(now))
        .bind(self.id.as_str())
        .bind(self.version)
        .execute(&mut ***tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(changed(&self.number));
        }
        Ok(())
    }
}

/// Takes the order's row for this transaction (bumping its version), so concurrent
/// changes of one order's money or returns queue behind each other and each reads
/// what the previous one wrote. Call it after any optimistic check of the version.
pub(crate) async fn lock(tx: &mut WriteTx, now: Timestamp, order: &OrderId) -> StoreResult<()> {
    let locked = db::query("UPDATE sales_order SET version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(micros(now))
        .bind(order.as_str())
        .execute(&mut ***tx)
        .await?;
    if locked.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::not_found("order", order.as_str()))
    }
}
