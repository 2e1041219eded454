//! What each channel is offered and was told, per SKU (`GET /channels/{key}/stock`),
//! and the figures the formula gives now, which the drift report compares with what
//! the channel shows.

use jiff::Timestamp;
use serde::Serialize;

use super::offers::figures;
use crate::db::{Arg, Row, Sql, get_opt_time, get_time};
use crate::error::StoreResult;
use crate::{Page, PageRequest, Store};

/// One listed SKU's figure on a channel and its pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StockStatus {
    #[cfg_attr(feature = "openapi", schema(example = "TEE-BLK-M"))]
    pub sku: String,
    pub listing_id: String,
    pub item_id: Option<String>,
    /// What the channel is offered now.
    #[cfg_attr(feature = "openapi", schema(example = 12))]
    pub offered: i64,
    /// What it was last told, and when; `null` before the first push.
    #[cfg_attr(feature = "openapi", schema(example = 14))]
    pub pushed: Option<i64>,
    pub pushed_at: Option<Timestamp>,
    /// Whether a push of `offered` is still to be made.
    pub due: bool,
    /// When the next push is made, if one is due.
    pub next_try_at: Option<Timestamp>,
    /// Failed pushes in a row, and the last one's error.
    pub tries: i64,
    pub last_error: Option<String>,
}

/// A listing of a channel with the figure the formula gives it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelOffer {
    pub sku: String,
    pub listing_id: String,
    pub item_id: Option<String>,
    /// `None` when the channel has no connection to work it out with.
    pub offered: Option<i64>,
}

fn status(row: &Row) -> StoreResult<StockStatus> {
    let due = row.try_get::<i64, _>("version")? > row.try_get::<i64, _>("pushed_version")?;
    Ok(StockStatus {
        sku: row.try_get("sku")?,
        listing_id: row.try_get("listing_id")?,
        item_id: row.try_get("item_id")?,
        offered: row.try_get("offered")?,
        pushed: row.try_get("pushed_offered")?,
        pushed_at: get_opt_time(row, "pushed_at")?,
        due,
        next_try_at: if due { Some(get_time(row, "next_try_at")?) } else { None },
        tries: row.try_get("tries")?,
        last_error: row.try_get("last_error")?,
    })
}

impl Store {
    /// Channel `key`'s figures and pushes by SKU, cursor-paged.
    pub async fn channel_stock(&self, key: &str, page: &PageRequest) -> StoreResult<Page<StockStatus>> {
        let channel = self.channel(key).await?;
        let mut sql = Sql::new(
            "SELECT p.sku, l.listing_id, l.item_id, s.offered, s.version, s.pushed_version, s.pushed_offered, \
             s.pushed_at, s.next_try_at, s.tries, s.last_error FROM channel_stock s \
             JOIN channel_listing l ON l.channel_id = s.channel_id AND l.product_id = s.product_id \
             JOIN product p ON p.id = s.product_id WHERE s.version > 0 AND s.channel_id = ",
        );
        sql.bind(Arg::Text(channel.id.to_string()));
        if let Some(after) = page.cursor.as_deref() {
            sql.push(" AND p.sku > ").bind(Arg::Text(after.to_owned()));
        }
        sql.push(" ORDER BY p.sku").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(status).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit(), |s| s.sku.clone()))
    }

    /// Every listing of channel `key` with the figure the formula gives it now, by SKU.
    pub async fn channel_offers(&self, key: &str) -> StoreResult<Vec<ChannelOffer>> {
        let channel = self.channel(key).await?;
        let rows = crate::db::query(
            "SELECT l.product_id, p.sku, l.listing_id, l.item_id FROM channel_listing l \
             JOIN product p ON p.id = l.product_id WHERE l.channel_id = $1 ORDER BY p.sku",
        )
        .bind(channel.id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let figures = figures(&self.pool, channel.id.as_str(), None).await?;
        rows.iter()
            .map(|row| {
                Ok(ChannelOffer {
                    offered: figures.get(&row.try_get::<String, _>("product_id")?).copied(),
                    sku: row.try_get("sku")?,
                    listing_id: row.try_get("listing_id")?,
                    item_id: row.try_get("item_id")?,
                })
            })
            .collect()
    }
}
