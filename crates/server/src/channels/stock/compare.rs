//! The listing map imported from a channel, and the drift between what a channel shows
//! and what we offer it: shared by the API and `switchyard channel`.

use std::collections::HashMap;

use serde::Serialize;
use switchyard_channels::{ChannelError, Connector, Listing};
use switchyard_core::connector::ListingInput;
use switchyard_store::stock_sync::ListingImport;
use switchyard_store::{Store, StoreError};
use utoipa::ToSchema;

/// What went wrong asking a channel about its listings or stock.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
}

/// One listing's figure on the channel against ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DriftLine {
    #[schema(example = "TEE-BLK-M")]
    pub sku: String,
    pub listing_id: String,
    pub item_id: Option<String>,
    /// What we offer now (`null` when the channel has no connection to work it out).
    #[schema(example = 12)]
    pub ours: Option<i64>,
    /// What the channel shows (`null` when it does not know the listing).
    #[schema(example = 14)]
    pub theirs: Option<i64>,
    /// `theirs - ours`: positive when the channel offers more than we have for it.
    #[schema(example = 2)]
    pub difference: Option<i64>,
}

impl DriftLine {
    pub fn differs(&self) -> bool {
        self.ours != self.theirs
    }
}

/// Every listing of channel `key` with what the channel shows and what the formula
/// offers it now, by SKU.
pub async fn drift(store: &Store, connector: &dyn Connector, key: &str) -> Result<Vec<DriftLine>, CompareError> {
    let offers = store.channel_offers(key).await?;
    let listings: Vec<Listing> = offers
        .iter()
        .map(|o| Listing {
            sku: o.sku.clone(),
            listing_id: o.listing_id.clone(),
            item_id: o.item_id.clone(),
        })
        .collect();
    let theirs: HashMap<String, Option<i64>> = connector
        .stock(&listings)
        .await?
        .into_iter()
        .map(|t| (t.listing.sku, t.quantity))
        .collect();
    Ok(offers
        .into_iter()
        .map(|offer| {
            let theirs = theirs.get(&offer.sku).copied().flatten();
            DriftLine {
                difference: theirs.zip(offer.offered).map(|(t, o)| t - o),
                sku: offer.sku,
                listing_id: offer.listing_id,
                item_id: offer.item_id,
                ours: offer.offered,
                theirs,
            }
        })
        .collect())
}

/// Asks the channel for every listing it has with a SKU and maps those whose SKU is a
/// product here; the others, and listings whose ids cannot be kept, are reported.
pub async fn import_listings(
    store: &Store,
    connector: &dyn Connector,
    key: &str,
) -> Result<ListingImport, CompareError> {
    let listings = connector.listings().await?;
    let mut drafts = Vec::with_capacity(listings.len());
    let mut unusable = Vec::new();
    for listing in listings {
        let input = ListingInput {
            sku: Some(listing.sku.clone()),
            listing_id: Some(listing.listing_id),
            item_id: listing.item_id,
            buffer: None,
        };
        match input.parse(None) {
            Ok(draft) => drafts.push(draft),
            Err(_) => unusable.push(listing.sku),
        }
    }
    let mut report = store.import_listings(key, &drafts).await?;
    report.unknown_skus.extend(unusable);
    report.unknown_skus.sort();
    report.unknown_skus.dedup();
    Ok(report)
}
