//! Reorder suggestions: what `facts` gathers per SKU and location, the stored forecasts
//! from today on, each SKU's revenue over the ABC window and whether it ever sold,
//! handed to `core::replenish::plan`; the lines are then filtered, added up, sorted
//! most urgent first and paged. Core decides every figure.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use switchyard_core::FieldError;
use switchyard_core::money::{Currency, Money};
use switchyard_core::replenish::abc::WINDOW_DAYS;
use switchyard_core::replenish::{
    SiteFacts, SkuFacts, StoredDemand, SuggestionFilter, SuggestionLine, SuggestionSummary, Urgency, plan, sort,
    summarise,
};

use crate::Store;
use crate::db;
use crate::error::{StoreError, StoreResult};
use crate::page::{CURSOR_PARAM, Page, PageRequest};
use crate::report::day_arg;

/// A page of suggestion lines with the summary of every line the filters match.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    /// Every line the filters match, not only this page's.
    pub summary: SuggestionSummary,
    pub data: Vec<SuggestionLine>,
    /// Pass as `cursor` for the next page; null on the last. (Serialized last: the
    /// server finds it there.)
    pub next_cursor: Option<String>,
}

fn cursor_of(line: &SuggestionLine) -> String {
    let u = line.urgency();
    format!("{}|{}|{}|{}", u.rank, u.cover, line.sku, line.location)
}

type Place = (Urgency, String, String);

fn place(line: &SuggestionLine) -> Place {
    (line.urgency(), line.sku.clone(), line.location.clone())
}

fn open_cursor(raw: &str) -> StoreResult<Place> {
    let bad = || {
        StoreError::Invalid(vec![FieldError {
            field: CURSOR_PARAM.to_owned(),
            code: "invalid_cursor",
            message: "is not a cursor of the suggestions: pass `next_cursor` back as it came".to_owned(),
        }])
    };
    let mut parts = raw.splitn(4, '|');
    let mut next = || parts.next().ok_or_else(bad);
    let rank = next()?.parse().map_err(|_| bad())?;
    let cover = next()?.parse().map_err(|_| bad())?;
    Ok((Urgency { rank, cover }, next()?.to_owned(), next()?.to_owned()))
}

/// The code a lookup found; when it found nothing, `unknown` (field, code, message)
/// is recorded instead.
fn known(
    found: StoreResult<String>,
    unknown: (&str, &'static str, String),
    errors: &mut Vec<FieldError>,
) -> StoreResult<Option<String>> {
    match found {
        Ok(code) => Ok(Some(code)),
        Err(StoreError::NotFound { .. }) => {
            let (field, code, message) = unknown;
            errors.push(FieldError {
                field: field.to_owned(),
                code,
                message,
            });
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

impl Store {
    /// The suggestion lines `filter` matches, most urgent first, and their summary:
    /// one page of them, or all of them without `page`. An unknown `location` or
    /// `sku` is named (422) and a `supplier` matches part of the name, any case.
    pub async fn replenishment_suggestions(
        &self,
        filter: &SuggestionFilter,
        page: Option<&PageRequest>,
    ) -> StoreResult<Suggestions> {
        let filter = self.resolve_suggestion_filter(filter).await?;
        let skus = self.suggestion_facts().await?;
        let mut lines = plan(&skus, &filter.settings());
        lines.retain(|l| filter.matches(l));
        let summary = summarise(&lines);
        sort(&mut lines);
        let Some(page) = page else {
            return Ok(Suggestions {
                summary,
                data: lines,
                next_cursor: None,
            });
        };
        if let Some(after) = page.cursor.as_deref().filter(|c| !c.is_empty()) {
            let after = open_cursor(after)?;
            lines.retain(|l| place(l) > after);
        }
        let limit = page.limit();
        lines.truncate(usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(1));
        let Page { data, next_cursor } = Page::from_rows(lines, limit, cursor_of);
        Ok(Suggestions {
            summary,
            data,
            next_cursor,
        })
    }

    /// The filter with its location and SKU resolved to codes; each unknown one named.
    async fn resolve_suggestion_filter(&self, filter: &SuggestionFilter) -> StoreResult<SuggestionFilter> {
        let mut resolved = filter.clone();
        let mut errors = Vec::new();
        if let Some(key) = &filter.location {
            let unknown = ("location", "unknown_location", format!("there is no location {key}"));
            resolved.location = known(self.location(key).await.map(|l| l.code), unknown, &mut errors)?;
        }
        if let Some(key) = &filter.sku {
            let unknown = ("sku", "unknown_sku", format!("there is no product with SKU {key}"));
            resolved.sku = known(self.product(key).await.map(|p| p.sku), unknown, &mut errors)?;
        }
        if errors.is_empty() {
            Ok(resolved)
        } else {
            Err(StoreError::Invalid(errors))
        }
    }

    /// Every stocked SKU's facts for `core::replenish::plan`, by SKU, its sites by code.
    async fn suggestion_facts(&self) -> StoreResult<Vec<SkuFacts>> {
        let today = self.report_today().await?;
        let facts = self.replenishment_facts().await?;
        let mut forecasts: BTreeMap<(String, String), StoredDemand> = BTreeMap::new();
        for r in db::query(
            "SELECT f.product_id, f.location_id, f.error_sd, d.mean FROM demand_forecast f \
             JOIN demand_forecast_day d ON d.product_id = f.product_id AND d.location_id = f.location_id \
             WHERE d.day >= $1 ORDER BY f.product_id, f.location_id, d.day",
        )
        .bind(day_arg(today))
        .fetch_all(&self.pool)
        .await?
        {
            let demand = forecasts
                .entry((r.try_get("product_id")?, r.try_get("location_id")?))
                .or_default();
            demand.error_sd = r.try_get("error_sd")?;
            demand.means.push(r.try_get("mean")?);
        }
        let from = today
            .checked_sub(jiff::Span::new().days(WINDOW_DAYS - 1))
            .map_err(|e| StoreError::Corrupt(format!("no ABC window before {today}: {e}")))?;
        let mut revenue: BTreeMap<String, Vec<Money>> = BTreeMap::new();
        for r in db::query(
            "SELECT product_id, currency, CAST(SUM(revenue) AS BIGINT) AS revenue FROM report_sku_daily \
             WHERE day >= $1 GROUP BY product_id, currency",
        )
        .bind(day_arg(from))
        .fetch_all(&self.pool)
        .await?
        {
            let code: String = r.try_get("currency")?;
            let currency =
                Currency::parse(&code).map_err(|_| StoreError::Corrupt(format!("unknown report currency {code:?}")))?;
            revenue
                .entry(r.try_get("product_id")?)
                .or_default()
                .push(Money::new(r.try_get("revenue")?, currency));
        }
        let mut sold: BTreeSet<String> = BTreeSet::new();
        for r in db::query("SELECT DISTINCT product_id FROM report_sku_daily WHERE units > 0")
            .fetch_all(&self.pool)
            .await?
        {
            sold.insert(r.try_get("product_id")?);
        }
        // A kit that sold sold its components.
        for part in self.kit_parts().await? {
            if sold.contains(&part.kit_id) {
                sold.insert(part.component_id);
            }
        }
        let mut skus: Vec<SkuFacts> = Vec::new();
        for f in facts {
            let product = f.product_id.as_str().to_owned();
            if skus.last().is_none_or(|s| s.sku != f.sku) {
                skus.push(SkuFacts {
                    sku: f.sku.clone(),
                    revenue: revenue.remove(&product).unwrap_or_default(),
                    sold_before: sold.contains(&product),
                    forecast: forecasts.get(&(product.clone(), String::new())).cloned(),
                    backordered: f.backordered_anywhere,
                    sites: Vec::new(),
                });
            }
            if let Some(sku) = skus.last_mut() {
                sku.sites.push(SiteFacts {
                    location: f.location,
                    stock: f.stock,
                    lead_time: f.lead_time,
                    terms: f.terms,
                    forecast: forecasts.remove(&(product, f.location_id.as_str().to_owned())),
                });
            }
        }
        Ok(skus)
    }
}
