//! Products, locations and channels: create, list, read, change and archive, each
//! addressable by id or natural key (a product's SKU, a location's or channel's code).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use jiff::Timestamp;
use serde::Deserialize;
use switchyard_core::catalog::{ChannelInput, LocationInput, ProductInput, ProductPatch};
use switchyard_store::catalog::{CatalogFilter, Channel, Location, Product};
use switchyard_store::{Page, PageRequest};
use utoipa::IntoParams;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, ApiQuery, perm};

/// Filters and paging of the catalog lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    /// Case-insensitive text to find in codes, names (and a product's barcode).
    q: Option<String>,
    /// Include archived records. Default false.
    include_archived: Option<bool>,
    /// Only records changed at or after this time (RFC 3339), for sync clients.
    updated_since: Option<Timestamp>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500. Default 50.
    limit: Option<i64>,
}

impl CatalogQuery {
    fn split(self) -> (CatalogFilter, PageRequest) {
        (
            CatalogFilter {
                q: self.q,
                include_archived: self.include_archived.unwrap_or(false),
                updated_since: self.updated_since,
            },
            PageRequest {
                cursor: self.cursor,
                limit: self.limit,
            },
        )
    }
}

fn created<T: serde::Serialize>(location: String, body: T) -> impl IntoResponse {
    (StatusCode::CREATED, [(header::LOCATION, location)], Json(body))
}

/// Generates the five handlers of a catalog resource, each with its OpenAPI text.
macro_rules! catalog_resource {
    (
        $name:literal, $plural:literal, $key:literal, $view:ty, $input:ty, $patch:ty,
        examples = ($create_example:tt, $patch_example:tt),
        create = $create:ident($store_create:ident, $parse:expr),
        list = $list:ident($store_list:ident),
        get = $get:ident($store_get:ident),
        update = $update:ident($store_update:ident),
        archive = $archive:ident($store_archive:ident),
        $collection:literal, $item:literal, $archive_path:literal
    ) => {
        #[doc = concat!("Create a ", $name)]
        #[doc = ""]
        #[doc = concat!("Creates a ", $name, ". Every invalid field is reported at once; a duplicate ", $key, " is a 409.")]
        #[utoipa::path(post, path = $collection,
            summary = concat!("Create a ", $name),
            description = concat!("Creates a ", $name, ". Every invalid field is reported at once; a duplicate ", $key, " is a 409."), tag = "catalog",
            request_body(content = $input, example = json!($create_example)),
            responses(
                (status = 201, description = "Created", body = $view),
                (status = 409, description = "Duplicate", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $create(_: Allowed<perm::ManageCatalog>, State(s): State<AppState>, ApiJson(input): ApiJson<$input>) -> ApiResult<impl IntoResponse> {
            let draft = $parse(&input).map_err(ApiError::validation)?;
            let view = s.store.$store_create(&draft).await?;
            Ok(created(format!(concat!($collection, "/{}"), view.id), view))
        }

        #[doc = concat!("List ", $plural)]
        #[doc = ""]
        #[doc = concat!("Ordered by ", $key, ", cursor-paged; archived records only on request.")]
        #[utoipa::path(get, path = $collection,
            summary = concat!("List ", $plural),
            description = concat!("Ordered by ", $key, ", cursor-paged; archived records only on request."), tag = "catalog", params(CatalogQuery),
            responses(
                (status = 200, description = "A page", body = Page<$view>),
                (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $list(_: Allowed<perm::Read>, State(s): State<AppState>, ApiQuery(q): ApiQuery<CatalogQuery>) -> ApiResult<Json<Page<$view>>> {
            let (filter, page) = q.split();
            Ok(Json(s.store.$store_list(&filter, &page).await?))
        }

        #[doc = concat!("Read a ", $name)]
        #[doc = ""]
        #[doc = concat!("By id or ", $key, ".")]
        #[utoipa::path(get, path = $item,
            summary = concat!("Read a ", $name),
            description = concat!("By id or ", $key, "."), tag = "catalog",
            params(("key" = String, Path, description = concat!("Id or ", $key))),
            responses(
                (status = 200, description = "Found", body = $view),
                (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $get(_: Allowed<perm::Read>, State(s): State<AppState>, Path(key): Path<String>) -> ApiResult<Json<$view>> {
            Ok(Json(s.store.$store_get(&key).await?))
        }

        #[doc = concat!("Change a ", $name)]
        #[doc = ""]
        #[doc = "Changes the fields present in the body; the result is validated as a whole."]
        #[utoipa::path(patch, path = $item,
            summary = concat!("Change a ", $name),
            description = "Changes the fields present in the body; the result is validated as a whole.", tag = "catalog",
            request_body(content = $patch, example = json!($patch_example)),
            params(("key" = String, Path, description = concat!("Id or ", $key))),
            responses(
                (status = 200, description = "Changed", body = $view),
                (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Duplicate", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $update(_: Allowed<perm::ManageCatalog>, State(s): State<AppState>, Path(key): Path<String>, ApiJson(patch): ApiJson<$patch>) -> ApiResult<Json<$view>> {
            Ok(Json(s.store.$store_update(&key, &patch).await?))
        }

        #[doc = concat!("Archive a ", $name)]
        #[doc = ""]
        #[doc = "Archived records stay in history and can be read, but take no new orders or stock. Archiving twice is harmless."]
        #[utoipa::path(post, path = $archive_path,
            summary = concat!("Archive a ", $name),
            description = "Archived records stay in history and can be read, but take no new orders or stock. Archiving twice is harmless.", tag = "catalog",
            params(("key" = String, Path, description = concat!("Id or ", $key))),
            responses(
                (status = 200, description = "Archived", body = $view),
                (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Still in use", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $archive(_: Allowed<perm::ManageCatalog>, State(s): State<AppState>, Path(key): Path<String>) -> ApiResult<Json<$view>> {
            Ok(Json(s.store.$store_archive(&key).await?))
        }
    };
}

catalog_resource!(
    "product",
    "products",
    "SKU",
    Product,
    ProductInput,
    ProductPatch,
    examples = (
        {
            "sku": "TEE-GRN-L", "title": "Organic cotton tee, green, large", "barcode": "5012345678917",
            "weight_grams": 180, "price": {"amount": 1800, "currency": "GBP"}, "cost": {"amount": 650, "currency": "GBP"}
        },
        {"price": {"amount": 1900, "currency": "GBP"}}
    ),
    create = create_product(create_product, ProductInput::parse),
    list = list_products(list_products),
    get = get_product(product),
    update = update_product(update_product),
    archive = archive_product(archive_product),
    "/api/v1/products",
    "/api/v1/products/{key}",
    "/api/v1/products/{key}/archive"
);

catalog_resource!(
    "location",
    "locations",
    "code",
    Location,
    LocationInput,
    LocationInput,
    examples = (
        {
            "code": "EDI", "name": "Edinburgh shop", "kind": "store",
            "address": {"name": "Switchyard Edinburgh", "line1": "12 Rose Street", "city": "Edinburgh", "postal_code": "EH2 2PR", "country": "GB"},
            "timezone": "Europe/London", "cutoff": "15:30", "priority": 3, "ships_to_customers": true, "allows_pickup": true
        },
        {"cutoff": "16:00"}
    ),
    create = create_location(create_location, LocationInput::parse),
    list = list_locations(list_locations),
    get = get_location(location),
    update = update_location(update_location),
    archive = archive_location(archive_location),
    "/api/v1/locations",
    "/api/v1/locations/{key}",
    "/api/v1/locations/{key}/archive"
);

catalog_resource!(
    "channel",
    "channels",
    "code",
    Channel,
    ChannelInput,
    ChannelInput,
    examples = (
        {
            "code": "amazon-uk", "name": "Amazon UK", "kind": "amazon", "ship_from": ["LON"],
            "shortage_policy": "reject", "split_policy": "allow", "payment_provider": "channel",
            "return_window_days": 30
        },
        {"ship_from": ["LON", "NJ-3PL"]}
    ),
    create = create_channel(create_channel, ChannelInput::parse),
    list = list_channels(list_channels),
    get = get_channel(channel),
    update = update_channel(update_channel),
    archive = archive_channel(archive_channel),
    "/api/v1/channels",
    "/api/v1/channels/{key}",
    "/api/v1/channels/{key}/archive"
);
