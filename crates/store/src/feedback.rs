//! Feedback after delivery: the requests the sweep records for due orders (`request`),
//! the customer's answers and unsubscribes through the signed link (`answer`), and what
//! operators read — the answers, filtered and paged, and averages per channel and SKU.
//! Core decides when an order is due, what an answer is and what makes it negative.

mod answer;
mod request;

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::feedback::{Average, NEGATIVE_AT_MOST};
use switchyard_core::id::{ChannelId, FeedbackId, LineId, OrderId};
use switchyard_core::link::{self, Purpose};

pub use answer::{FeedbackForm, FormLine};

use crate::Store;
use crate::db::{self, Arg, Sql, get_id, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};

/// The answers' columns, for `feedback_rows`.
const SELECT_FEEDBACK: &str = "SELECT f.id, f.order_id, o.number, c.code, f.channel_id, f.delivery_rating, \
     f.lowest_rating, f.comment, f.created_at FROM feedback f JOIN sales_order o ON o.id = f.order_id \
     JOIN channel c ON c.id = f.channel_id";

/// One item's rating in an answer.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatedItem {
    pub line_id: LineId,
    #[cfg_attr(feature = "openapi", schema(example = "TEE-BLA-M"))]
    pub sku: String,
    #[cfg_attr(feature = "openapi", schema(example = 4))]
    pub rating: i64,
}

/// A customer's answer to a feedback request.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feedback {
    pub id: FeedbackId,
    pub order_id: OrderId,
    #[cfg_attr(feature = "openapi", schema(example = "SO-100042"))]
    pub order_number: String,
    /// The channel's code.
    #[cfg_attr(feature = "openapi", schema(example = "web"))]
    pub channel: String,
    pub channel_id: ChannelId,
    /// The delivery's rating, 1 to 5, when given.
    #[cfg_attr(feature = "openapi", schema(example = 5))]
    pub delivery_rating: Option<i64>,
    /// The items rated, in the order's line order.
    pub items: Vec<RatedItem>,
    #[cfg_attr(feature = "openapi", schema(example = "Lovely tee, arrived a day early."))]
    pub comment: Option<String>,
    /// Whether a rating of 2 or lower asked customer care to follow the order up.
    pub follow_up: bool,
    pub created_at: Timestamp,
}

/// Which answers to list.
#[derive(Debug, Clone, Default)]
pub struct FeedbackFilter {
    /// A channel's code or id.
    pub channel: Option<String>,
    /// Answers that rated this SKU; the rating filters then look at its rating.
    pub sku: Option<String>,
    /// Answers with a rating this low or lower.
    pub rating_at_most: Option<i64>,
    /// Answers with a rating this high or higher.
    pub rating_at_least: Option<i64>,
    /// Answered at or after.
    pub from: Option<Timestamp>,
    /// Answered before.
    pub to: Option<Timestamp>,
}

/// Ratings of one channel.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelRatings {
    #[cfg_attr(feature = "openapi", schema(example = "web"))]
    pub channel: String,
    pub channel_id: ChannelId,
    /// How many answers.
    #[cfg_attr(feature = "openapi", schema(example = 12))]
    pub answers: i64,
    /// Of the delivery; `null` when no answer rated it.
    pub delivery: Option<Average>,
    /// Of every item rated.
    pub items: Option<Average>,
}

/// Ratings of one SKU.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkuRatings {
    #[cfg_attr(feature = "openapi", schema(example = "TEE-BLA-M"))]
    pub sku: String,
    pub rating: Average,
}

/// Average ratings per channel and per SKU.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedbackSummary {
    /// By channel code.
    pub channels: Vec<ChannelRatings>,
    /// By SKU.
    pub skus: Vec<SkuRatings>,
}

/// The item ratings of answers `ids`, each answer's in line order.
async fn items_of(pool: &db::Pool, ids: &[String]) -> StoreResult<Vec<(String, RatedItem)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "SELECT i.feedback_id, i.line_id, i.sku, i.rating FROM feedback_item i \
         JOIN order_line l ON l.id = i.line_id WHERE i.feedback_id IN (",
    );
    sql.list(ids.iter().map(|id| Arg::Text(id.clone())))
        .push(") ORDER BY i.feedback_id, l.line_no");
    sql.query()
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("feedback_id")?,
                RatedItem {
                    line_id: get_id(row, "line_id")?,
                    sku: row.try_get("sku")?,
                    rating: row.try_get("rating")?,
                },
            ))
        })
        .collect()
}

impl Store {
    /// The page and unsubscribe paths of the feedback link of order `order` that works
    /// until `expires_at` (the `expires_at` of its `order.feedback_requested` event),
    /// made when its email is written.
    pub async fn feedback_link(&self, order: &OrderId, expires_at: Timestamp) -> StoreResult<(String, String)> {
        let token = link::sign(Purpose::Feedback, order, expires_at, &self.link_secret().await?);
        Ok((
            switchyard_core::feedback::page_path(&token),
            switchyard_core::feedback::unsubscribe_path(&token),
        ))
    }

    /// Answers, newest first.
    pub async fn list_feedback(&self, filter: &FeedbackFilter, page: &PageRequest) -> StoreResult<Page<Feedback>> {
        let mut sql = Sql::new(SELECT_FEEDBACK);
        if let Some(channel) = &filter.channel {
            sql.filter("(c.code = ", Arg::Text(channel.clone()), "")
                .push(" OR c.id = ")
                .bind(Arg::Text(channel.clone()))
                .push(")");
        }
        match &filter.sku {
            Some(sku) => {
                sql.filter(
                    "EXISTS (SELECT 1 FROM feedback_item i WHERE i.feedback_id = f.id AND i.sku = ",
                    Arg::Text(sku.clone()),
                    "",
                );
                if let Some(most) = filter.rating_at_most {
                    sql.push(" AND i.rating <= ").bind(Arg::Int(most));
                }
                if let Some(least) = filter.rating_at_least {
                    sql.push(" AND i.rating >= ").bind(Arg::Int(least));
                }
                sql.push(")");
            }
            None => {
                if let Some(most) = filter.rating_at_most {
                    sql.filter("f.lowest_rating <= ", Arg::Int(most), "");
                }
                if let Some(least) = filter.rating_at_least {
                    sql.filter("f.highest_rating >= ", Arg::Int(least), "");
                }
            }
        }
        if let Some(from) = filter.from {
            sql.filter("f.created_at >= ", Arg::Int(micros(from)), "");
        }
        if let Some(to) = filter.to {
            sql.filter("f.created_at < ", Arg::Int(micros(to)), "");
        }
        if let Some(cursor) = &page.cursor {
            sql.filter("f.id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY f.id DESC").limit(page.limit() + 1);
        let answers = self.feedback_rows(&sql).await?;
        Ok(Page::from_rows(answers, page.limit(), |f| f.id.to_string()))
    }

    /// The customer's answer about one order, if they gave one (an order has one at most).
    pub async fn order_feedback(&self, order: &OrderId) -> StoreResult<Option<Feedback>> {
        let mut sql = Sql::new(SELECT_FEEDBACK);
        sql.filter("f.order_id = ", Arg::Text(order.to_string()), "");
        Ok(self.feedback_rows(&sql).await?.pop())
    }

    /// One answer by id.
    pub async fn feedback(&self, id: &FeedbackId) -> StoreResult<Feedback> {
        let mut sql = Sql::new(SELECT_FEEDBACK);
        sql.filter("f.id = ", Arg::Text(id.to_string()), "");
        let mut found = self.feedback_rows(&sql).await?;
        found
            .pop()
            .ok_or_else(|| StoreError::not_found("feedback", id.as_str()))
    }

    /// The answers `sql` (a `SELECT_FEEDBACK`) finds, with their items.
    async fn feedback_rows(&self, sql: &Sql) -> StoreResult<Vec<Feedback>> {
        let rows = sql.query().fetch_all(&self.pool).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?;
        let mut items = items_of(&self.pool, &ids).await?;
        rows.iter()
            .map(|row| {
                let id: FeedbackId = get_id(row, "id")?;
                let lowest: i64 = row.try_get("lowest_rating")?;
                Ok(Feedback {
                    items: take_items(&mut items, id.as_str()),
                    id,
                    order_id: get_id(row, "order_id")?,
                    order_number: row.try_get("number")?,
                    channel: row.try_get("code")?,
                    channel_id: get_id(row, "channel_id")?,
                    delivery_rating: row.try_get("delivery_rating")?,
                    comment: row.try_get("comment")?,
                    follow_up: lowest <= NEGATIVE_AT_MOST,
                    created_at: get_time(row, "created_at")?,
                })
            })
            .collect()
    }

    /// Average ratings per channel (the delivery's and the items') and per SKU.
    pub async fn feedback_summary(&self) -> StoreResult<FeedbackSummary> {
        let rows = db::query(
            "SELECT c.code, f.channel_id, COUNT(*) AS answers, \
             CAST(SUM(f.delivery_rating) AS BIGINT) AS delivery_sum, COUNT(f.delivery_rating) AS delivery_count, \
             CAST((SELECT SUM(i.rating) FROM feedback_item i JOIN feedback g ON g.id = i.feedback_id \
                   WHERE g.channel_id = f.channel_id) AS BIGINT) AS item_sum, \
             (SELECT COUNT(*) FROM feedback_item i JOIN feedback g ON g.id = i.feedback_id \
              WHERE g.channel_id = f.channel_id) AS item_count \
             FROM feedback f JOIN channel c ON c.id = f.channel_id GROUP BY f.channel_id, c.code ORDER BY c.code",
        )
        .fetch_all(&self.pool)
        .await?;
        let average = |row: &db::Row, sum: &str, count: &str| -> StoreResult<Option<Average>> {
            let sum: Option<i64> = row.try_get(sum)?;
            Ok(Average::of(sum.unwrap_or(0), row.try_get(count)?))
        };
        let channels = rows
            .iter()
            .map(|row| {
                Ok(ChannelRatings {
                    channel: row.try_get("code")?,
                    channel_id: get_id(row, "channel_id")?,
                    answers: row.try_get("answers")?,
                    delivery: average(row, "delivery_sum", "delivery_count")?,
                    items: average(row, "item_sum", "item_count")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let rows = db::query(
            "SELECT sku, CAST(SUM(rating) AS BIGINT) AS rating_sum, COUNT(*) AS rating_count FROM feedback_item \
             GROUP BY sku ORDER BY sku",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut skus = Vec::with_capacity(rows.len());
        for row in &rows {
            if let Some(rating) = average(row, "rating_sum", "rating_count")? {
                skus.push(SkuRatings {
                    sku: row.try_get("sku")?,
                    rating,
                });
            }
        }
        Ok(FeedbackSummary { channels, skus })
    }
}

/// The items of answer `id` out of `all` (which lists them answer by answer).
fn take_items(all: &mut Vec<(String, RatedItem)>, id: &str) -> Vec<RatedItem> {
    let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(all).into_iter().partition(|(of, _)| of == id);
    *all = rest;
    mine.into_iter().map(|(_, item)| item).collect()
}
