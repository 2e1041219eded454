//! Replenishment: the terms each product is bought on from its supplier, the reorder
//! suggestions (`suggestions`), and accepted suggestions made into draft purchase
//! orders. The rules are `core::replenish`; drafts are submitted with
//! `POST /purchase-orders/{key}/submit`.

pub mod suggestions;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use switchyard_core::replenish::{ReplenishmentOrderInput, SupplierTermsInput};
use switchyard_store::purchase::PurchaseOrder;
use switchyard_store::replenish::StoredSupplierTerms;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiJson, perm};

/// Read a product's supplier terms
///
/// Who the product is bought from, the lead time the supplier promises, the minimum
/// order quantity, the pack size and the unit cost. 404 when none were set.
#[utoipa::path(get, path = "/api/v1/products/{key}/supplier", tag = "purchasing",
    params(("key" = String, Path, description = "Product id or SKU")),
    responses(
        (status = 200, description = "The supplier terms", body = StoredSupplierTerms),
        (status = 404, description = "No such product, or no terms set", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_supplier_terms(
    _: Allowed<perm::Read>,
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<StoredSupplierTerms>> {
    Ok(Json(s.store.supplier_terms(&key).await?))
}

/// Set a product's supplier terms
///
/// Replaces the terms the product is bought on. Reorder suggestions round to whole
/// packs and at least the minimum; drafts made from them are priced at `unit_cost` and
/// expected the lead time after they are made (the lead time learned from this
/// supplier's receipts, once there are three, wins over `lead_time_days`). A kit is
/// bought as its components: 409 `kit_not_bought`.
#[utoipa::path(put, path = "/api/v1/products/{key}/supplier", tag = "purchasing",
    request_body(content = SupplierTermsInput, example = json!({
        "supplier": "Fernhill Ceramics", "lead_time_days": 21, "moq": 20, "pack_size": 6,
        "unit_cost": {"amount": 450, "currency": "GBP"}
    })),
    params(("key" = String, Path, description = "Product id or SKU")),
    responses(
        (status = 200, description = "The terms now", body = StoredSupplierTerms),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The product is a kit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_supplier_terms(
    caller: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    Path(key): Path<String>,
    ApiJson(input): ApiJson<SupplierTermsInput>,
) -> ApiResult<Json<StoredSupplierTerms>> {
    let terms = input.parse().map_err(ApiError::validation)?;
    Ok(Json(s.store.set_supplier_terms(&key, &terms, &caller.actor()).await?))
}

/// Draft purchase orders from accepted suggestions
///
/// Each accepted line (SKU, delivery location, units) is bought from the supplier it
/// names, else the body's `supplier`, else the product's supplier terms; it must be
/// whole packs and at least the terms' minimum. Lines become one `draft` purchase
/// order per supplier, location and currency, priced at the terms' unit cost and each
/// line expected its lead time from now. Drafts are not inbound stock until submitted.
/// Every line at fault is named (`no_supplier`, `not_whole_packs`, `below_minimum`,
/// `unknown_sku`...) and nothing is created.
#[utoipa::path(post, path = "/api/v1/replenishment/purchase-orders", tag = "purchasing",
    request_body(content = ReplenishmentOrderInput, example = json!({
        "lines": [
            {"sku": "MUG-FERN", "location": "LON", "quantity": 24},
            {"sku": "TEE-BLA-M", "location": "LON", "quantity": 60, "supplier": "Cotton Co"}
        ],
        "currency": "GBP"
    })),
    responses(
        (status = 201, description = "The drafts created", body = Vec<PurchaseOrder>),
        (status = 422, description = "Invalid fields, unknown SKUs or locations, quantities the supplier does not sell", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_replenishment_drafts(
    caller: Allowed<perm::ManageCatalog>,
    State(s): State<AppState>,
    ApiJson(input): ApiJson<ReplenishmentOrderInput>,
) -> ApiResult<(StatusCode, Json<Vec<PurchaseOrder>>)> {
    let order = input.parse().map_err(ApiError::validation)?;
    let drafts = s.store.create_replenishment_drafts(&order, &caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(drafts)))
}
