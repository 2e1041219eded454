//! What a customer may still send back of their order, as the returns portal offers it.

use switchyard_core::id::OrderId;
use switchyard_core::returns::ReturnableLine;

use super::facts::{order_facts, order_lines};
use crate::Store;
use crate::error::StoreResult;

/// An order's lines as a return sees them, and its channel's return window.
#[derive(Debug, Clone)]
pub struct Returnable {
    /// The channel's `return_window_days` (0: it takes no returns).
    pub window_days: i64,
    pub lines: Vec<ReturnableLine>,
}

impl Store {
    /// What of order `order` may still be returned: each line's shipped units, those
    /// already on returns and claims, when it left and arrived; and the window.
    pub async fn returnable(&self, order: &OrderId) -> StoreResult<Returnable> {
        let mut conn = self.pool.acquire().await?;
        let facts = order_facts(&mut conn, order.as_str()).await?;
        let lines = order_lines(&mut conn, &facts.id).await?;
        Ok(Returnable {
            window_days: facts.window_days,
            lines: lines.into_iter().map(|l| l.returnable).collect(),
        })
    }
}
