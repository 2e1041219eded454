//! Stock sync over the API: a channel's listing map (set, read, list, delete, import
//! from the channel), what it is offered and was told of each SKU, the drift between
//! what it shows and what we offer, and a resync. Reads need `read`; changes need
//! `manage_catalog`, as channel changes do.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use switchyard_channels::Connector;
use switchyard_core::connector::ListingInput;
use switchyard_store::stock_sync::{Listing, ListingImport, StockStatus};
use switchyard_store::{Page, PageRequest};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::channels::stock::compare::{self, CompareError, DriftLine};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500. Default 50.
    limit: Option<i64>,
}

impl PageQuery {
    fn page(self) -> PageRequest {
        PageRequest {
            cursor: self.cursor,
            limit: self.limit,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DriftQuery {
    /// `true` to list every listing, the ones that agree too. Default: only those
    /// that differ.
    all: Option<bool>,
}

/// The drift report of one channel.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Drift {
    /// Listings compared.
    pub checked: usize,
    /// Listings whose figures differ (or that one side lacks).
    pub differing: usize,
    pub data: Vec<DriftLine>,
}

/// What a resync made due.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Resync {
    /// Pushes made due now, one per listed SKU.
    pub due: usize,
}

/// The connector of channel `key`'s connection.
async fn connector(s: &AppState, key: &str) -> ApiResult<std::sync::Arc<dyn Connector>> {
    let stored = s.store.stored_connection(key).await?;
    s.connectors.build(&stored)
}

/// A channel's failure is answered 502 (what went wrong, never a credential); the
/// store's as it always is.
fn failed(e: CompareError) -> ApiError {
    match e {
        CompareError::Store(e) => e.into(),
        CompareError::Channel(e) => ApiError::new(StatusCode::BAD_GATEWAY, "channel_failed", e.to_string()),
    }
}

/// List a channel's listings
///
/// The listing map, by SKU, cursor-paged: which of the channel's listings sells each
/// SKU, its own buffer if any, and what it is offered now.
#[utoipa::path(get, path = "/api/v1/channels/{key}/listings", tag = "catalog", params(("key" = String, Path, description = "Channel code or id"), PageQuery),
    responses(
        (status = 200, description = "A page of listings", body = Page<Listing>),
        (status = 404, description = "No such channel", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_listings(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Listing>>> {
    Ok(Json(s.store.list_listings(&key, &q.page()).await?))
}

/// Read a listing
#[utoipa::path(get, path = "/api/v1/channels/{key}/listings/{sku}", tag = "catalog",
    params(("key" = String, Path, description = "Channel code or id"), ("sku" = String, Path, description = "Our SKU")),
    responses(
        (status = 200, description = "The listing", body = Listing),
        (status = 404, description = "No such channel or listing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_listing(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path((key, sku)): Path<(String, String)>,
) -> ApiResult<Json<Listing>> {
    Ok(Json(s.store.listing(&key, &sku).await?))
}

/// Map a SKU to a channel listing
///
/// Sets (or replaces, buffer included) which listing of the channel sells the SKU.
/// The channel is pushed the SKU's figure by the next stock-sync round. Kits cannot be
/// listed: they have no stock of their own.
#[utoipa::path(put, path = "/api/v1/channels/{key}/listings/{sku}", tag = "catalog",
    params(("key" = String, Path, description = "Channel code or id"), ("sku" = String, Path, description = "Our SKU")),
    request_body(content = ListingInput, example = json!({"listing_id": "632910392", "item_id": "808950810", "buffer": {"units": 2}})),
    responses(
        (status = 200, description = "The listing", body = Listing),
        (status = 404, description = "No such channel", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, an unknown SKU or a kit", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_listing(
    _: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path((key, sku)): Path<(String, String)>,
    ApiJson(input): ApiJson<ListingInput>,
) -> ApiResult<Json<Listing>> {
    let draft = input.parse(Some(&sku)).map_err(ApiError::validation)?;
    Ok(Json(s.store.put_listing(&key, &draft).await?))
}

/// Unmap a SKU from a channel
///
/// Nothing more is pushed to the channel for it.
#[utoipa::path(delete, path = "/api/v1/channels/{key}/listings/{sku}", tag = "catalog",
    params(("key" = String, Path, description = "Channel code or id"), ("sku" = String, Path, description = "Our SKU")),
    responses(
        (status = 204, description = "Unmapped"),
        (status = 404, description = "No such channel or listing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_listing(
    _: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path((key, sku)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.store.delete_listing(&key, &sku).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Import the listing map from the channel
///
/// Asks the channel for every listing it has with a SKU and maps those whose SKU is a
/// product here (buffers set here are kept); the others are reported in
/// `unknown_skus`, with listings whose ids cannot be kept. All or nothing.
#[utoipa::path(post, path = "/api/v1/channels/{key}/listings/import", tag = "catalog",
    params(("key" = String, Path, description = "Channel code or id")),
    responses(
        (status = 200, description = "What was imported", body = ListingImport),
        (status = 404, description = "No such channel, or it has no connection", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The channel failed to answer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn import_listings(
    _: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<ListingImport>> {
    let connector = connector(&s, &key).await?;
    let report = compare::import_listings(&s.store, connector.as_ref(), &key)
        .await
        .map_err(failed)?;
    Ok(Json(report))
}

/// A channel's stock figures and pushes
///
/// Per listed SKU, by SKU, cursor-paged: what the channel is offered now, what it was
/// last told and when, whether a push is due and when, and the failures in a row with
/// the last one's error.
#[utoipa::path(get, path = "/api/v1/channels/{key}/stock", tag = "catalog", params(("key" = String, Path, description = "Channel code or id"), PageQuery),
    responses(
        (status = 200, description = "A page of figures", body = Page<StockStatus>),
        (status = 404, description = "No such channel", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_channel_stock(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<StockStatus>>> {
    Ok(Json(s.store.channel_stock(&key, &q.page()).await?))
}

/// Compare the channel's stock with ours
///
/// Asks the channel what it shows of each listed SKU and compares it with what the
/// formula offers it now: per SKU ours, theirs and the difference. Only the listings
/// that differ unless `all=true`.
#[utoipa::path(get, path = "/api/v1/channels/{key}/drift", tag = "catalog", params(("key" = String, Path, description = "Channel code or id"), DriftQuery),
    responses(
        (status = 200, description = "The drift report", body = Drift),
        (status = 404, description = "No such channel, or it has no connection", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "The channel failed to answer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_drift(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiQuery(q): ApiQuery<DriftQuery>,
) -> ApiResult<Json<Drift>> {
    let connector = connector(&s, &key).await?;
    let lines = compare::drift(&s.store, connector.as_ref(), &key)
        .await
        .map_err(failed)?;
    let checked = lines.len();
    let differing = lines.iter().filter(|l| l.differs()).count();
    let data = if q.all.unwrap_or(false) {
        lines
    } else {
        lines.into_iter().filter(DriftLine::differs).collect()
    };
    Ok(Json(Drift {
        checked,
        differing,
        data,
    }))
}

/// Push every figure to the channel again
///
/// Works out every listed SKU's figure and makes a push of each due now, changed or
/// not: after the channel's stock was changed by hand, or lost.
#[utoipa::path(post, path = "/api/v1/channels/{key}/resync", tag = "catalog",
    params(("key" = String, Path, description = "Channel code or id")),
    responses(
        (status = 202, description = "Pushes made due", body = Resync),
        (status = 404, description = "No such channel, or it has no connection", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The connection does not push stock", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn resync(
    _: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<(StatusCode, Json<Resync>)> {
    let due = s.store.resync(&key).await?;
    Ok((StatusCode::ACCEPTED, Json(Resync { due })))
}
