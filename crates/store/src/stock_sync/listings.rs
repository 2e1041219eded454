//! The listing map: set one listing, import many from the channel, read, list and
//! delete them. Every change works out that channel's figures for the SKUs it touches
//! in the same transaction, so a new listing is pushed its figure by the next round.

use serde::Serialize;
use switchyard_core::catalog::holds_stock;
use switchyard_core::connector::ListingDraft;
use switchyard_core::id::ChannelId;

use super::Listing;
use super::offers::{CHUNK, own_buffer_columns, recompute};
use crate::connection::buffer;
use crate::db::{self, Arg, Row, Sql, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::{Page, PageRequest, Store, WriteTx};

/// What an import of the listing map did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingImport {
    /// Listings added or changed (their channel ids).
    pub imported: usize,
    /// Listings already mapped as the channel has them.
    pub unchanged: usize,
    /// SKUs the channel sells that are not products here, or are kits (which have no
    /// stock of their own): not mapped.
    pub unknown_skus: Vec<String>,
}

const SELECT: &str = "SELECT p.sku, l.listing_id, l.item_id, l.buffer_kind, l.buffer_value, l.created_at, \
     l.updated_at, CASE WHEN s.version > 0 THEN s.offered END AS offered \
     FROM channel_listing l JOIN product p ON p.id = l.product_id \
     LEFT JOIN channel_stock s ON s.channel_id = l.channel_id AND s.product_id = l.product_id";

fn listing(row: &Row) -> StoreResult<Listing> {
    let own = match (
        row.try_get::<Option<String>, _>("buffer_kind")?,
        row.try_get::<Option<i64>, _>("buffer_value")?,
    ) {
        (Some(kind), Some(value)) => Some(buffer(&kind, value)?),
        _ => None,
    };
    Ok(Listing {
        sku: row.try_get("sku")?,
        listing_id: row.try_get("listing_id")?,
        item_id: row.try_get("item_id")?,
        buffer: own,
        offered: row.try_get("offered")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

/// The ids of the products with these SKUs that hold stock (kits do not), by SKU;
/// SKUs not among them are not mappable.
async fn stocked(tx: &mut WriteTx, skus: &[&str]) -> StoreResult<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    for chunk in skus.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT p.id, p.sku FROM product p WHERE NOT EXISTS (SELECT 1 FROM kit_component k WHERE k.kit_id = p.id) \
             AND p.sku IN (",
        );
        sql.list(chunk.iter().map(|s| Arg::Text((*s).to_owned()))).push(")");
        for row in sql.query().fetch_all(&mut ***tx).await? {
            out.insert(row.try_get("sku")?, row.try_get("id")?);
        }
    }
    Ok(out)
}

/// Inserts or changes one listing; `with_buffer` replaces its buffer too (an import
/// carries none and keeps the one set). Answers whether anything changed.
async fn upsert(
    tx: &mut WriteTx,
    channel: &ChannelId,
    product: &str,
    draft: &ListingDraft,
    with_buffer: bool,
) -> StoreResult<bool> {
    let (kind, value) = own_buffer_columns(draft.buffer);
    let buffer_set = if with_buffer {
        ", buffer_kind = excluded.buffer_kind, buffer_value = excluded.buffer_value"
    } else {
        ""
    };
    // Only a real change counts (and moves `updated_at`): an import of what is
    // mapped already changes nothing.
    let same_buffer = if with_buffer {
        " OR COALESCE(channel_listing.buffer_kind, '') <> COALESCE(excluded.buffer_kind, '') \
         OR COALESCE(channel_listing.buffer_value, -1) <> COALESCE(excluded.buffer_value, -1)"
    } else {
        ""
    };
    let changed = format!(
        " WHERE channel_listing.listing_id <> excluded.listing_id \
         OR COALESCE(channel_listing.item_id, '') <> COALESCE(excluded.item_id, ''){same_buffer}"
    );
    let sql = format!(
        "INSERT INTO channel_listing (channel_id, product_id, listing_id, item_id, buffer_kind, buffer_value, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (channel_id, product_id) \
         DO UPDATE SET listing_id = excluded.listing_id, item_id = excluded.item_id{buffer_set}, \
         updated_at = excluded.updated_at{changed}"
    );
    let done = db::query(sql)
        .bind(channel.as_str())
        .bind(product)
        .bind(&draft.listing_id)
        .bind(draft.item_id.as_deref())
        .bind(if with_buffer { kind } else { None })
        .bind(if with_buffer { value } else { None })
        .bind(micros(tx.now()))
        .execute(&mut ***tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether channel `channel`'s connection pushes stock.
async fn pushes_stock(tx: &mut WriteTx, channel: &ChannelId) -> StoreResult<bool> {
    Ok(
        db::query_scalar::<i64>("SELECT push_stock FROM channel_connection WHERE channel_id = $1")
            .bind(channel.as_str())
            .fetch_optional(&mut ***tx)
            .await?
            .is_some_and(|push| push != 0),
    )
}

impl Store {
    /// Maps `draft.sku` to a listing of channel `key` (replacing its mapping, buffer
    /// included), and works out its figure.
    pub async fn put_listing(&self, key: &str, draft: &ListingDraft) -> StoreResult<Listing> {
        let channel = self.channel(key).await?;
        transact!(self, |tx| {
            let product = db::query(
                "SELECT p.id, EXISTS (SELECT 1 FROM kit_component k WHERE k.kit_id = p.id) AS kit \
                 FROM product p WHERE p.sku = $1",
            )
            .bind(&draft.sku)
            .fetch_optional(&mut ***tx)
            .await?;
            let Some(product) = product else {
                return Err(StoreError::Invalid(vec![
                    switchyard_core::validation::Invalid::new(
                        "unknown_sku",
                        format!("there is no product with SKU {}", draft.sku),
                    )
                    .at("/sku"),
                ]));
            };
            let id: String = product.try_get("id")?;
            let kit = product.try_get::<bool, _>("kit")?;
            holds_stock(&draft.sku, kit).map_err(|e| StoreError::Invalid(vec![e.at("/sku")]))?;
            upsert(tx, &channel.id, &id, draft, true).await?;
            if pushes_stock(tx, &channel.id).await? {
                recompute(tx, channel.id.as_str(), Some(&[id]), false).await?;
            }
            Ok(())
        })?;
        self.listing(key, &draft.sku).await
    }

    /// Maps each listing the channel has whose SKU is a product here; the others are
    /// reported. Buffers set here are kept. One transaction: all or nothing.
    pub async fn import_listings(&self, key: &str, drafts: &[ListingDraft]) -> StoreResult<ListingImport> {
        let channel = self.channel(key).await?;
        transact!(self, |tx| {
            let skus: Vec<&str> = drafts.iter().map(|d| d.sku.as_str()).collect();
            let known = stocked(tx, &skus).await?;
            let mut report = ListingImport::default();
            let mut touched = Vec::new();
            for draft in drafts {
                match known.get(&draft.sku) {
                    None => report.unknown_skus.push(draft.sku.clone()),
                    Some(product) if upsert(tx, &channel.id, product, draft, false).await? => {
                        report.imported += 1;
                        touched.push(product.clone());
                    }
                    Some(_) => report.unchanged += 1,
                }
            }
            report.unknown_skus.sort();
            report.unknown_skus.dedup();
            if !touched.is_empty() && pushes_stock(tx, &channel.id).await? {
                recompute(tx, channel.id.as_str(), Some(&touched), false).await?;
            }
            Ok(report)
        })
    }

    /// One listing of channel `key`, by SKU.
    pub async fn listing(&self, key: &str, sku: &str) -> StoreResult<Listing> {
        let channel = self.channel(key).await?;
        let row = db::query(format!("{SELECT} WHERE l.channel_id = $1 AND p.sku = $2"))
            .bind(channel.id.as_str())
            .bind(sku)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("listing", sku))?;
        listing(&row)
    }

    /// Channel `key`'s listings by SKU, cursor-paged.
    pub async fn list_listings(&self, key: &str, page: &PageRequest) -> StoreResult<Page<Listing>> {
        let channel = self.channel(key).await?;
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE l.channel_id = ")
            .bind(Arg::Text(channel.id.to_string()));
        if let Some(after) = page.cursor.as_deref() {
            sql.push(" AND p.sku > ").bind(Arg::Text(after.to_owned()));
        }
        sql.push(" ORDER BY p.sku").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(listing).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit(), |l| l.sku.clone()))
    }

    /// Unmaps `sku` from channel `key`: nothing more is pushed for it.
    pub async fn delete_listing(&self, key: &str, sku: &str) -> StoreResult<()> {
        let channel = self.channel(key).await?;
        let gone = transact!(self, |tx| {
            let product = db::query_scalar::<String>("SELECT id FROM product WHERE sku = $1")
                .bind(sku)
                .fetch_optional(&mut ***tx)
                .await?;
            let Some(product) = product else {
                return Ok(0);
            };
            // The figure's row first, in the order `recompute` locks rows.
            db::query("DELETE FROM channel_stock WHERE channel_id = $1 AND product_id = $2")
                .bind(channel.id.as_str())
                .bind(&product)
                .execute(&mut ***tx)
                .await?;
            Ok(
                db::query("DELETE FROM channel_listing WHERE channel_id = $1 AND product_id = $2")
                    .bind(channel.id.as_str())
                    .bind(&product)
                    .execute(&mut ***tx)
                    .await?
                    .rows_affected(),
            )
        })?;
        if gone == 0 {
            return Err(StoreError::not_found("listing", sku));
        }
        Ok(())
    }
}
