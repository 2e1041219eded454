//! A report filter's codes as the ids the roll-ups hold.

use switchyard_core::report::ReportFilter;
use switchyard_core::validation::{FieldError, Invalid};

use crate::Store;
use crate::db;
use crate::error::StoreResult;

/// What a report reads: the filter's period and the ids its codes name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub filter: ReportFilter,
    pub channel_id: Option<String>,
    pub location_id: Option<String>,
    pub product_id: Option<String>,
    /// The carrier as shipments spell it.
    pub carrier: Option<String>,
}

impl Store {
    /// Resolves the filter's channel, location and SKU codes; a code nothing has is a
    /// field error (`unknown_channel`, `unknown_location`, `unknown_sku`).
    pub async fn report_scope(&self, filter: &ReportFilter) -> StoreResult<Result<Scope, Vec<FieldError>>> {
        let mut errors = Vec::new();
        let mut find = async |sql: &'static str, code: &Option<String>, field: &str, what: &'static str| {
            let Some(code) = code else {
                return Ok::<_, crate::StoreError>(None);
            };
            let id: Option<String> = db::query_scalar(sql)
                .bind(code.as_str())
                .fetch_optional(&self.pool)
                .await?;
            if id.is_none() {
                errors.push(Invalid::new(what, format!("no {field} has the code {code:?}")).at(field));
            }
            Ok(id)
        };
        let channel_id = find(
            "SELECT id FROM channel WHERE code = $1",
            &filter.channel,
            "channel",
            "unknown_channel",
        )
        .await?;
        let location_id = find(
            "SELECT id FROM location WHERE code = $1",
            &filter.location,
            "location",
            "unknown_location",
        )
        .await?;
        let product_id = find(
            "SELECT id FROM product WHERE sku = $1",
            &filter.sku,
            "sku",
            "unknown_sku",
        )
        .await?;
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        Ok(Ok(Scope {
            filter: filter.clone(),
            channel_id,
            location_id,
            product_id,
            carrier: filter.carrier.clone(),
        }))
    }
}
