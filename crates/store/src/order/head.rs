//! The order's head — id, number, status, hold and version — taken and saved here
//! alone, for every change of an order (its lifecycle, routing, payments, shipments):
//! a change takes the order's row first, so changes of one order queue on it, and a
//! save writes the fulfilment status the lines now mean and bumps the version only if
//! nobody changed the order since it was taken (which the row taken makes a check,
//! not a race).

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
    /// The order by id or number, taken for the transaction: the first statement is an
    /// update that changes nothing, so concurrent changes of one order queue on its row
    /// (on PostgreSQL the update waits for the writer before it and reads what that one
    /// committed; on SQLite writers already run one at a time) instead of racing to
    /// `save` and answering `concurrent_update`, as a balance row is taken in
    /// `inventory::apply`.
    pub async fn take(tx: &mut WriteTx, key: &str) -> StoreResult<Head> {
        let column = if OrderId::parse(key).is_some() { "id" } else { "number" };
        let sql = format!(
            "UPDATE sales_order SET version = version WHERE {column} = $1 \
             RETURNING id, number, status, version, hold_reason, hold_note, hold_until"
        );
        let row = db::query(sql)
            .bind(key)
            .fetch_optional(&mut ***tx)
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
        self.guarded(tx, now, |sql| {
            sql.push(", status = ").bind(Arg::Text(status.as_str().into()));
            sql.push(", hold_reason = ")
                .bind(Arg::OptText(hold.map(|h| h.reason.as_str().into())));
            sql.push(", hold_note = ")
                .bind(Arg::OptText(hold.and_then(|h| h.note.clone())));
            sql.push(", hold_until = ")
                .bind(Arg::OptInt(hold.and_then(|h| h.until).map(micros)));
        })
        .await
    }

    /// Saves the order as it is after its lines changed: its fulfilment status follows
    /// them and its version is bumped (see `save`).
    pub async fn touch(&self, tx: &mut WriteTx, now: Timestamp) -> StoreResult<FulfilmentStatus> {
        self.save(tx, self.status, self.hold.as_ref(), now).await
    }

    /// Saves the order after routing reserved stock for its lines: the fulfilment status
    /// they mean and the latest promise of its reservations (see `save`).
    pub async fn save_routed(&self, tx: &mut WriteTx, now: Timestamp) -> StoreResult<FulfilmentStatus> {
        self.guarded(tx, now, |sql| {
            for column in ["promised_ship_at", "promised_delivery_at"] {
                sql.push(&format!(
                    ", {column} = (SELECT MAX({column}) FROM reservation WHERE order_id = "
                ))
                .bind(Arg::Text(self.id.to_string()))
                .push(")");
            }
        })
        .await
    }

    /// The one UPDATE of the head: the fulfilment status the lines mean, the columns
    /// `set` adds, a new version — where the version is still the one read.
    async fn guarded(
        &self,
        tx: &mut WriteTx,
        now: Timestamp,
        set: impl FnOnce(&mut Sql),
    ) -> StoreResult<FulfilmentStatus> {
        let fulfilment = rules::fulfilment_status(self.lines(tx).await?);
        let mut sql = Sql::new("UPDATE sales_order SET version = version + 1, fulfilment_status = ");
        sql.bind(Arg::Text(fulfilment.as_str().into()))
            .push(", updated_at = ")
            .bind(Arg::Int(micros(now)));
        set(&mut sql);
        sql.push(" WHERE id = ")
            .bind(Arg::Text(self.id.to_string()))
            .push(" AND version = ")
            .bind(Arg::Int(self.version));
        if sql.query().execute(&mut ***tx).await?.rows_affected() != 1 {
            return Err(changed(&self.number));
        }
        Ok(fulfilment)
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
