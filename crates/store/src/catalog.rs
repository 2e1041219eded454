//! Products, locations and channels: creation, look-up by id or natural key (a
//! product's `sku`, a location's or channel's `code`), cursor-paged lists, changes and
//! archiving.

use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use switchyard_core::catalog::{
    Address, AddressInput, ChannelDraft, ChannelInput, ChannelKind, ChannelPolicies, ComponentInput, LocationDraft,
    LocationInput, LocationKind, ProductDraft, ProductPatch, ShortagePolicy, format_cutoff, parse_components,
};

use switchyard_core::id::{ChannelId, LocationId, ProductId, ZoneId};
use switchyard_core::order::ServiceLevel;
use switchyard_core::payment::{CaptureMode, PaymentProvider};
use switchyard_core::returns::RefundOn;
use switchyard_core::routing::SplitPolicy;
use switchyard_core::routing::zone::{Zone, ZoneInput, parse_zones};
use switchyard_core::{Currency, Money};

use crate::Store;
use crate::db::{self, Arg, DbError, Row, Sql, get_enum, get_id as id, get_json, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::page::{Page, PageRequest};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: ProductId,
    pub sku: String,
    pub title: String,
    pub barcode: Option<String>,
    pub weight_grams: Option<i64>,
    pub price: Option<Money>,
    pub cost: Option<Money>,
    /// For a kit: the components one unit reserves. Empty for an ordinary product.
    pub components: Vec<Component>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Set when archived: an archived product takes no new orders.
    pub archived_at: Option<Timestamp>,
}

/// A component of a kit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Component {
    pub sku: String,
    pub product_id: ProductId,
    pub quantity: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub id: LocationId,
    pub code: String,
    pub name: String,
    pub kind: LocationKind,
    pub address: Address,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Breaks ties between otherwise equal routing plans: lower numbers first.
    pub priority: i64,
    pub timezone: String,
    /// Daily cut-off, HH:MM in `timezone`.
    pub cutoff: String,
    pub handling_days: i64,
    pub ships_to_customers: bool,
    pub allows_pickup: bool,
    /// Set while the location is out of routing.
    pub disabled_at: Option<Timestamp>,
    /// Where it ships, at what cost and how fast; with none, it ships anywhere at no recorded cost.
    pub zones: Vec<Zone>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub archived_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Channel {
    pub id: ChannelId,
    pub code: String,
    pub name: String,
    pub kind: ChannelKind,
    /// Codes of the locations this channel ships from, in the order they are tried.
    pub ship_from: Vec<String>,
    pub shortage_policy: ShortagePolicy,
    pub split_policy: SplitPolicy,
    #[serde(flatten)]
    pub policies: ChannelPolicies,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub archived_at: Option<Timestamp>,
}

/// Filters of the catalog lists.
#[derive(Debug, Clone, Default)]
pub struct CatalogFilter {
    /// Case-insensitive text to find in codes, names and barcodes.
    pub q: Option<String>,
    pub include_archived: bool,
    pub updated_since: Option<Timestamp>,
}

fn money(row: &Row, amount: &str, currency: &str) -> StoreResult<Option<Money>> {
    let amount: Option<i64> = row.try_get(amount)?;
    let currency: Option<String> = row.try_get(currency)?;
    Ok(match (amount, currency) {
        (Some(a), Some(c)) => Some(Money::new(
            a,
            Currency::parse(&c).map_err(|e| StoreError::Corrupt(e.message))?,
        )),
        _ => None,
    })
}

const PRODUCT_COLUMNS: &str = "id, sku, title, barcode, weight_grams, price_amount, price_currency, \
     cost_amount, cost_currency, created_at, updated_at, archived_at";

fn product(row: &Row) -> StoreResult<Product> {
    Ok(Product {
        id: id(row, "id")?,
        sku: row.try_get("sku")?,
        title: row.try_get("title")?,
        barcode: row.try_get("barcode")?,
        weight_grams: row.try_get("weight_grams")?,
        price: money(row, "price_amount", "price_currency")?,
        cost: money(row, "cost_amount", "cost_currency")?,
        components: Vec::new(),
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        archived_at: get_opt_time(row, "archived_at")?,
    })
}

const LOCATION_COLUMNS: &str = "id, code, name, kind, address, latitude, longitude, priority, timezone, cutoff_minutes, \
     handling_days, ships_to_customers, allows_pickup, disabled_at, created_at, updated_at, archived_at";

/// The columns a location's draft fills, in the order `bind_location` binds them ($1..$13).
const LOCATION_FIELDS: &str = "code, name, kind, address, country, latitude, longitude, priority, timezone, \
     cutoff_minutes, handling_days, ships_to_customers, allows_pickup";

fn bind_location(q: db::Query, d: &LocationDraft) -> StoreResult<db::Query> {
    Ok(q.bind(&d.code)
        .bind(&d.name)
        .bind(d.kind.as_str())
        .bind(serde_json::to_string(&d.address)?)
        .bind(&d.address.country)
        .bind(d.latitude)
        .bind(d.longitude)
        .bind(d.priority)
        .bind(&d.timezone)
        .bind(d.cutoff_minutes)
        .bind(d.handling_days)
        .bind(i64::from(d.ships_to_customers))
        .bind(i64::from(d.allows_pickup)))
}

fn location(row: &Row) -> StoreResult<Location> {
    Ok(Location {
        id: id(row, "id")?,
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: get_enum(row, "kind", LocationKind::parse)?,
        address: get_json(row, "address")?,
        latitude: row.try_get("latitude")?,
        longitude: row.try_get("longitude")?,
        priority: row.try_get("priority")?,
        timezone: row.try_get("timezone")?,
        cutoff: format_cutoff(row.try_get("cutoff_minutes")?),
        handling_days: row.try_get("handling_days")?,
        ships_to_customers: row.try_get::<i64, _>("ships_to_customers")? != 0,
        allows_pickup: row.try_get::<i64, _>("allows_pickup")? != 0,
        disabled_at: get_opt_time(row, "disabled_at")?,
        zones: Vec::new(),
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
        archived_at: get_opt_time(row, "archived_at")?,
    })
}

const CHANNEL_COLUMNS: &str = "id, code, name, kind, shortage_policy, split_policy, payment_provider, capture_mode, return_window_days, \
     refund_on, restocking_fee_percent, created_at, updated_at, archived_at";

/// Adds the catalog filters shared by the three lists; `search` lists the columns `q` looks in.
fn catalog_filter(sql: &mut Sql, filter: &CatalogFilter, search: &[&str], page: &PageRequest, key: &str) {
    if !filter.include_archived {
        sql.push(if sql.text.contains(" WHERE ") {
            " AND archived_at IS NULL"
        } else {
            " WHERE archived_at IS NULL"
        });
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        sql.search(search, q);
    }
    if let Some(since) = filter.updated_since {
        sql.filter("updated_at >= ", Arg::Int(micros(since)), "");
    }
    if let Some(cursor) = &page.cursor {
        sql.filter(&format!("{key} > "), Arg::Text(cursor.clone()), "");
    }
    sql.push(&format!(" ORDER BY {key}")).limit(page.limit() + 1);
}

impl Store {
    pub async fn create_product(&self, draft: &ProductDraft) -> StoreResult<Product> {
        let now = self.now();
        let id = ProductId::new_at(now);
        let mut tx = self.write().await?;
        let result = db::query(
            "INSERT INTO product (id, sku, title, barcode, weight_grams, price_amount, price_currency, \
             cost_amount, cost_currency, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(id.as_str())
        .bind(&draft.sku)
        .bind(&draft.title)
        .bind(draft.barcode.as_deref())
        .bind(draft.weight_grams)
        .bind(draft.price.map(|m| m.amount))
        .bind(draft.price.map(|m| m.currency.to_string()))
        .bind(draft.cost.map(|m| m.amount))
        .bind(draft.cost.map(|m| m.currency.to_string()))
        .bind(micros(now))
        .execute(&mut **tx)
        .await
        .map_err(|e| {
            if e.violates("product_sku_key", "product.sku") {
                StoreError::Conflict {
                    code: "duplicate_sku",
                    message: format!("a product with SKU {} already exists", draft.sku),
                }
            } else {
                e.into()
            }
        });
        tx.finish(result).await?;
        self.product(id.as_str()).await
    }

    /// The row of `table` whose id, or else natural key, is `key`.
    async fn find_row(
        &self,
        table: &'static str,
        columns: &str,
        key_column: &str,
        is_id: bool,
        key: &str,
    ) -> StoreResult<Row> {
        let column = if is_id { "id" } else { key_column };
        let sql = format!("SELECT {columns} FROM {table} WHERE {column} = $1");
        db::query(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found(table, key))
    }

    /// A page of `table` in natural-key order.
    async fn list_rows(
        &self,
        (table, columns, key_column): (&str, &str, &str),
        search: &[&str],
        filter: &CatalogFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<Row>> {
        let mut sql = Sql::new(&format!("SELECT {columns} FROM {table}"));
        catalog_filter(&mut sql, filter, search, page, key_column);
        Ok(sql.query().fetch_all(&self.pool).await?)
    }

    /// A product by id or SKU.
    pub async fn product(&self, key: &str) -> StoreResult<Product> {
        let row = self
            .find_row("product", PRODUCT_COLUMNS, "sku", ProductId::parse(key).is_some(), key)
            .await?;
        let mut products = self.with_components(vec![product(&row)?]).await?;
        products.pop().ok_or_else(|| StoreError::not_found("product", key))
    }

    /// Fills in the components of the kits among `products`.
    async fn with_components(&self, mut products: Vec<Product>) -> StoreResult<Vec<Product>> {
        if products.is_empty() {
            return Ok(products);
        }
        let mut sql = Sql::new(
            "SELECT kc.kit_id, kc.component_id, p.sku, kc.quantity FROM kit_component kc \
             JOIN product p ON p.id = kc.component_id WHERE kc.kit_id IN (",
        );
        sql.list(products.iter().map(|p| Arg::Text(p.id.to_string())))
            .push(") ORDER BY p.sku");
        for row in sql.query().fetch_all(&self.pool).await? {
            let kit: ProductId = id(&row, "kit_id")?;
            if let Some(p) = products.iter_mut().find(|p| p.id == kit) {
                p.components.push(Component {
                    sku: row.try_get("sku")?,
                    product_id: id(&row, "component_id")?,
                    quantity: row.try_get("quantity")?,
                });
            }
        }
        Ok(products)
    }

    /// Makes a product a kit of `components` (or, with none, an ordinary product again).
    /// A kit has no stock of its own: orders for it reserve its components.
    pub async fn set_components(&self, key: &str, inputs: &[ComponentInput]) -> StoreResult<Product> {
        let kit = self.product(key).await?;
        let parts = parse_components(inputs).map_err(StoreError::Invalid)?;
        let mut resolved = Vec::new();
        let mut errors = Vec::new();
        for (i, (sku, quantity)) in parts.iter().enumerate() {
            let field = format!("/{i}/sku");
            match self.product(sku).await {
                Ok(p) if p.id == kit.id => errors.push(switchyard_core::FieldError {
                    field,
                    code: "self_reference",
                    message: "a kit cannot contain itself".into(),
                }),
                Ok(p) if !p.components.is_empty() => errors.push(switchyard_core::FieldError {
                    field,
                    code: "nested_kit",
                    message: format!("{} is itself a kit; kits cannot nest", p.sku),
                }),
                Ok(p) => resolved.push((p.id, quantity.get())),
                Err(StoreError::NotFound { .. }) => errors.push(switchyard_core::FieldError {
                    field,
                    code: "unknown_sku",
                    message: format!("there is no product with SKU {sku}"),
                }),
                Err(e) => return Err(e),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let stocked: i64 = db::query_scalar("SELECT COUNT(*) FROM stock_balance WHERE product_id = $1 AND on_hand > 0")
            .bind(kit.id.as_str())
            .fetch_one(&self.pool)
            .await?;
        let used: i64 = db::query_scalar("SELECT COUNT(*) FROM kit_component WHERE component_id = $1")
            .bind(kit.id.as_str())
            .fetch_one(&self.pool)
            .await?;
        let ordered: i64 = db::query_scalar(
            "SELECT COUNT(*) FROM order_line l JOIN sales_order o ON o.id = l.order_id \
             WHERE l.product_id = $1 AND l.status IN ('allocated', 'backordered') AND o.status IN ('open', 'on_hold')",
        )
        .bind(kit.id.as_str())
        .fetch_one(&self.pool)
        .await?;
        if ordered > 0 {
            return Err(StoreError::Conflict {
                code: "kit_in_use",
                message: format!(
                    "{} is on {ordered} open order line(s); change its components once they have shipped or been cancelled",
                    kit.sku
                ),
            });
        }
        if !resolved.is_empty() && (stocked > 0 || used > 0) {
            let why = if stocked > 0 {
                "it has stock of its own"
            } else {
                "it is a component of another kit"
            };
            return Err(StoreError::Conflict {
                code: "cannot_be_kit",
                message: format!("{} cannot become a kit: {why}", kit.sku),
            });
        }
        let mut tx = self.write().await?;
        let result = async {
            db::query("DELETE FROM kit_component WHERE kit_id = $1")
                .bind(kit.id.as_str())
                .execute(&mut **tx)
                .await?;
            for (component, quantity) in &resolved {
                db::query("INSERT INTO kit_component (kit_id, component_id, quantity) VALUES ($1, $2, $3)")
                    .bind(kit.id.as_str())
                    .bind(component.as_str())
                    .bind(*quantity)
                    .execute(&mut **tx)
                    .await?;
            }
            db::query("UPDATE product SET updated_at = $1 WHERE id = $2")
                .bind(micros(self.now()))
                .bind(kit.id.as_str())
                .execute(&mut **tx)
                .await?;
            Ok(())
        }
        .await;
        tx.finish(result).await?;
        self.product(kit.id.as_str()).await
    }

    pub async fn list_products(&self, filter: &CatalogFilter, page: &PageRequest) -> StoreResult<Page<Product>> {
        let rows = self
            .list_rows(
                ("product", PRODUCT_COLUMNS, "sku"),
                &["sku", "title", "barcode"],
                filter,
                page,
            )
            .await?;
        let items = self
            .with_components(rows.iter().map(product).collect::<StoreResult<Vec<_>>>()?)
            .await?;
        Ok(Page::from_rows(items, page.limit(), |p| p.sku.clone()))
    }

    pub async fn update_product(&self, key: &str, patch: &ProductPatch) -> StoreResult<Product> {
        let current = self.product(key).await?;
        let draft = patch
            .apply(&ProductDraft {
                sku: current.sku.clone(),
                title: current.title.clone(),
                barcode: current.barcode.clone(),
                weight_grams: current.weight_grams,
                price: current.price,
                cost: current.cost,
            })
            .map_err(StoreError::Invalid)?;
        let mut tx = self.write().await?;
        let result = db::query(
            "UPDATE product SET title = $1, barcode = $2, weight_grams = $3, price_amount = $4, price_currency = $5, \
             cost_amount = $6, cost_currency = $7, updated_at = $8 WHERE id = $9",
        )
        .bind(&draft.title)
        .bind(draft.barcode.as_deref())
        .bind(draft.weight_grams)
        .bind(draft.price.map(|m| m.amount))
        .bind(draft.price.map(|m| m.currency.to_string()))
        .bind(draft.cost.map(|m| m.amount))
        .bind(draft.cost.map(|m| m.currency.to_string()))
        .bind(micros(self.now()))
        .bind(current.id.as_str())
        .execute(&mut **tx)
        .await
        .map_err(StoreError::from);
        tx.finish(result).await?;
        self.product(current.id.as_str()).await
    }

    /// Archives a product: it stays in history but takes no new orders.
    pub async fn archive_product(&self, key: &str) -> StoreResult<Product> {
        let current = self.product(key).await?;
        self.archive("product", current.id.as_str()).await?;
        self.product(current.id.as_str()).await
    }

    async fn archive(&self, table: &'static str, id: &str) -> StoreResult<()> {
        let now = micros(self.now());
        let sql = format!("UPDATE {table} SET archived_at = $1, updated_at = $1 WHERE id = $2 AND archived_at IS NULL");
        let mut tx = self.write().await?;
        let result = db::query(sql).bind(now).bind(id).execute(&mut **tx).await.map(|_| ());
        tx.finish(result.map_err(StoreError::from)).await
    }

    pub async fn create_location(&self, draft: &LocationDraft) -> StoreResult<Location> {
        let now = self.now();
        let id = LocationId::new_at(now);
        let mut tx = self.write().await?;
        let sql = format!(
            "INSERT INTO location ({LOCATION_FIELDS}, id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)"
        );
        let result = bind_location(db::query(sql), draft)?
            .bind(id.as_str())
            .bind(micros(now))
            .execute(&mut **tx)
            .await
            .map_err(|e| duplicate_code(e, "location", &draft.code));
        tx.finish(result).await?;
        self.location(id.as_str()).await
    }

    /// A location by id or code.
    pub async fn location(&self, key: &str) -> StoreResult<Location> {
        let row = self
            .find_row(
                "location",
                LOCATION_COLUMNS,
                "code",
                LocationId::parse(key).is_some(),
                key,
            )
            .await?;
        let mut locations = self.with_zones(vec![location(&row)?]).await?;
        locations.pop().ok_or_else(|| StoreError::not_found("location", key))
    }

    /// Fills in the shipping zones of `locations`.
    async fn with_zones(&self, mut locations: Vec<Location>) -> StoreResult<Vec<Location>> {
        let ids: Vec<LocationId> = locations.iter().map(|l| l.id.clone()).collect();
        let mut zones = zones_of(&self.pool, &ids).await?;
        for l in &mut locations {
            l.zones = zones.remove(&l.id).unwrap_or_default();
        }
        Ok(locations)
    }

    /// Replaces a location's shipping zones.
    pub async fn set_zones(&self, key: &str, inputs: &[ZoneInput]) -> StoreResult<Location> {
        let location = self.location(key).await?;
        let zones = parse_zones(inputs).map_err(StoreError::Invalid)?;
        let now = self.now();
        let mut tx = self.write().await?;
        let result = async {
            db::query("DELETE FROM shipping_zone WHERE location_id = $1").bind(location.id.as_str()).execute(&mut **tx).await?;
            for z in &zones {
                db::query(
                    "INSERT INTO shipping_zone (id, location_id, country, region, postal_prefix, service_level, currency, \
                     cost_per_shipment, cost_per_kg, transit_days, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(ZoneId::new_at(now).as_str())
                .bind(location.id.as_str())
                .bind(&z.country)
                .bind(z.region.as_deref())
                .bind(z.postal_prefix.as_deref())
                .bind(z.service_level.as_str())
                .bind(z.cost_per_shipment.currency.to_string())
                .bind(z.cost_per_shipment.amount)
                .bind(z.cost_per_kg.amount)
                .bind(z.transit_days)
                .bind(micros(now))
                .execute(&mut **tx)
                .await?;
            }
            db::query("UPDATE location SET updated_at = $1 WHERE id = $2").bind(micros(now)).bind(location.id.as_str()).execute(&mut **tx).await?;
            Ok(())
        }
        .await;
        tx.finish(result).await?;
        self.location(location.id.as_str()).await
    }

    /// Takes a location out of routing (`disabled`) or puts it back. The caller
    /// re-routes what was reserved there.
    pub(crate) async fn set_disabled(&self, key: &str, disabled: bool) -> StoreResult<Location> {
        let location = self.location(key).await?;
        let now = micros(self.now());
        let mut tx = self.write().await?;
        let result = db::query("UPDATE location SET disabled_at = $1, updated_at = $2 WHERE id = $3")
            .bind(disabled.then_some(now))
            .bind(now)
            .bind(location.id.as_str())
            .execute(&mut **tx)
            .await
            .map(|_| ())
            .map_err(StoreError::from);
        tx.finish(result).await?;
        self.location(location.id.as_str()).await
    }

    pub async fn list_locations(&self, filter: &CatalogFilter, page: &PageRequest) -> StoreResult<Page<Location>> {
        let rows = self
            .list_rows(
                ("location", LOCATION_COLUMNS, "code"),
                &["code", "name", "country"],
                filter,
                page,
            )
            .await?;
        let items = self
            .with_zones(rows.iter().map(location).collect::<StoreResult<Vec<_>>>()?)
            .await?;
        Ok(Page::from_rows(items, page.limit(), |l| l.code.clone()))
    }

    /// Changes the fields present in `patch`; the result is validated as a whole.
    pub async fn update_location(&self, key: &str, patch: &LocationInput) -> StoreResult<Location> {
        let current = self.location(key).await?;
        let a = &current.address;
        let merged = LocationInput {
            code: patch.code.clone().or(Some(current.code.clone())),
            name: patch.name.clone().or(Some(current.name.clone())),
            kind: patch.kind.or(Some(current.kind)),
            address: patch.address.clone().or_else(|| {
                Some(AddressInput {
                    name: Some(a.name.clone()),
                    company: a.company.clone(),
                    line1: Some(a.line1.clone()),
                    line2: a.line2.clone(),
                    city: Some(a.city.clone()),
                    region: a.region.clone(),
                    postal_code: a.postal_code.clone(),
                    country: Some(a.country.clone()),
                    phone: a.phone.clone(),
                })
            }),
            latitude: patch.latitude.or(current.latitude),
            longitude: patch.longitude.or(current.longitude),
            priority: patch.priority.or(Some(current.priority)),
            timezone: patch.timezone.clone().or(Some(current.timezone.clone())),
            cutoff: patch.cutoff.clone().or(Some(current.cutoff.clone())),
            handling_days: patch.handling_days.or(Some(current.handling_days)),
            ships_to_customers: patch.ships_to_customers.or(Some(current.ships_to_customers)),
            allows_pickup: patch.allows_pickup.or(Some(current.allows_pickup)),
        };
        let draft = merged.parse().map_err(StoreError::Invalid)?;
        let mut tx = self.write().await?;
        let assignments: Vec<String> = LOCATION_FIELDS
            .split(", ")
            .enumerate()
            .map(|(n, f)| format!("{f} = ${}", n + 1))
            .collect();
        let sql = format!(
            "UPDATE location SET {}, updated_at = $15 WHERE id = $14",
            assignments.join(", ")
        );
        let result = bind_location(db::query(sql), &draft)?
            .bind(current.id.as_str())
            .bind(micros(self.now()))
            .execute(&mut **tx)
            .await
            .map_err(|e| duplicate_code(e, "location", &draft.code));
        tx.finish(result).await?;
        self.location(current.id.as_str()).await
    }

    /// Archives a location. Refused while stock there is reserved for open orders.
    pub async fn archive_location(&self, key: &str) -> StoreResult<Location> {
        let current = self.location(key).await?;
        let reserved: Option<i64> =
            db::query_scalar("SELECT CAST(SUM(reserved) AS BIGINT) FROM stock_balance WHERE location_id = $1")
                .bind(current.id.as_str())
                .fetch_one(&self.pool)
                .await?;
        if let Some(units) = reserved.filter(|r| *r > 0) {
            return Err(StoreError::Conflict {
                code: "location_in_use",
                message: format!(
                    "{} has {units} units reserved for open orders; cancel or re-route them first",
                    current.code
                ),
            });
        }
        self.archive("location", current.id.as_str()).await?;
        self.location(current.id.as_str()).await
    }

    /// Resolves location references (codes or ids) to ids, naming each unknown one.
    async fn resolve_locations(&self, refs: &[String]) -> StoreResult<Vec<LocationId>> {
        let mut ids = Vec::new();
        let mut errors = Vec::new();
        for (i, r) in refs.iter().enumerate() {
            match self.location(r).await {
                Ok(l) if l.archived_at.is_none() => ids.push(l.id),
                Ok(_) => errors.push(switchyard_core::FieldError {
                    field: format!("/ship_from/{i}"),
                    code: "archived",
                    message: format!("location {r} is archived"),
                }),
                Err(StoreError::NotFound { .. }) => errors.push(switchyard_core::FieldError {
                    field: format!("/ship_from/{i}"),
                    code: "unknown_location",
                    message: format!("there is no location {r}"),
                }),
                Err(e) => return Err(e),
            }
        }
        if errors.is_empty() {
            Ok(ids)
        } else {
            Err(StoreError::Invalid(errors))
        }
    }

    pub async fn create_channel(&self, draft: &ChannelDraft) -> StoreResult<Channel> {
        let locations = self.resolve_locations(&draft.ship_from).await?;
        let now = self.now();
        let id = ChannelId::new_at(now);
        let mut tx = self.write().await?;
        let result = async {
            db::query(
                "INSERT INTO channel (id, code, name, kind, shortage_policy, split_policy, payment_provider, capture_mode, \
                 return_window_days, refund_on, restocking_fee_percent, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
            )
            .bind(id.as_str())
            .bind(&draft.code)
            .bind(&draft.name)
            .bind(draft.kind.as_str())
            .bind(draft.shortage_policy.as_str())
            .bind(draft.split_policy.as_str())
            .bind(draft.policies.payment_provider.as_str())
            .bind(draft.policies.capture_mode.as_str())
            .bind(draft.policies.return_window_days)
            .bind(draft.policies.refund_on.as_str())
            .bind(draft.policies.restocking_fee_percent)
            .bind(micros(now))
            .execute(&mut **tx)
            .await
            .map_err(|e| duplicate_code(e, "channel", &draft.code))?;
            set_ship_from(&mut tx, &id, &locations).await
        }
        .await;
        tx.finish(result).await?;
        self.channel(id.as_str()).await
    }

    /// A channel by id or code.
    pub async fn channel(&self, key: &str) -> StoreResult<Channel> {
        let row = self
            .find_row("channel", CHANNEL_COLUMNS, "code", ChannelId::parse(key).is_some(), key)
            .await?;
        let mut channels = self.channels_from(&[row]).await?;
        channels.pop().ok_or_else(|| StoreError::not_found("channel", key))
    }

    async fn channels_from(&self, rows: &[Row]) -> StoreResult<Vec<Channel>> {
        let mut channels = Vec::with_capacity(rows.len());
        for row in rows {
            let id: ChannelId = id(row, "id")?;
            let ship_from: Vec<String> = db::query_scalar(
                "SELECT l.code FROM channel_location cl JOIN location l ON l.id = cl.location_id \
                 WHERE cl.channel_id = $1 ORDER BY cl.position",
            )
            .bind(id.as_str())
            .fetch_all(&self.pool)
            .await?;
            channels.push(Channel {
                id,
                code: row.try_get("code")?,
                name: row.try_get("name")?,
                kind: get_enum(row, "kind", ChannelKind::parse)?,
                ship_from,
                shortage_policy: get_enum(row, "shortage_policy", ShortagePolicy::parse)?,
                split_policy: get_enum(row, "split_policy", SplitPolicy::parse)?,
                policies: ChannelPolicies {
                    payment_provider: get_enum(row, "payment_provider", PaymentProvider::parse)?,
                    capture_mode: get_enum(row, "capture_mode", CaptureMode::parse)?,
                    return_window_days: row.try_get("return_window_days")?,
                    refund_on: get_enum(row, "refund_on", RefundOn::parse)?,
                    restocking_fee_percent: row.try_get("restocking_fee_percent")?,
                },
                created_at: get_time(row, "created_at")?,
                updated_at: get_time(row, "updated_at")?,
                archived_at: get_opt_time(row, "archived_at")?,
            });
        }
        Ok(channels)
    }

    pub async fn list_channels(&self, filter: &CatalogFilter, page: &PageRequest) -> StoreResult<Page<Channel>> {
        let rows = self
            .list_rows(("channel", CHANNEL_COLUMNS, "code"), &["code", "name"], filter, page)
            .await?;
        let items = self.channels_from(&rows).await?;
        Ok(Page::from_rows(items, page.limit(), |c| c.code.clone()))
    }

    /// Changes the fields present in `patch`; `ship_from`, when present, replaces the list.
    pub async fn update_channel(&self, key: &str, patch: &ChannelInput) -> StoreResult<Channel> {
        let current = self.channel(key).await?;
        let merged = ChannelInput {
            code: patch.code.clone().or(Some(current.code.clone())),
            name: patch.name.clone().or(Some(current.name.clone())),
            kind: patch.kind.or(Some(current.kind)),
            ship_from: patch.ship_from.clone().or(Some(current.ship_from.clone())),
            shortage_policy: patch.shortage_policy.or(Some(current.shortage_policy)),
            split_policy: patch.split_policy.or(Some(current.split_policy)),
            payment_provider: patch.payment_provider.or(Some(current.policies.payment_provider)),
            capture_mode: patch.capture_mode.or(Some(current.policies.capture_mode)),
            return_window_days: patch.return_window_days.or(Some(current.policies.return_window_days)),
            refund_on: patch.refund_on.or(Some(current.policies.refund_on)),
            restocking_fee_percent: patch
                .restocking_fee_percent
                .or(Some(current.policies.restocking_fee_percent)),
        };
        let draft = merged.parse().map_err(StoreError::Invalid)?;
        // Only a new list is checked: an archived location already on the list does not
        // block changes to other fields.
        let locations = match &patch.ship_from {
            Some(_) => Some(self.resolve_locations(&draft.ship_from).await?),
            None => None,
        };
        let mut tx = self.write().await?;
        let result = async {
            db::query(
                "UPDATE channel SET code = $1, name = $2, kind = $3, shortage_policy = $4, split_policy = $5, \
                 payment_provider = $6, capture_mode = $7, return_window_days = $8, refund_on = $9, \
                 restocking_fee_percent = $10, updated_at = $11 WHERE id = $12",
            )
            .bind(&draft.code)
            .bind(&draft.name)
            .bind(draft.kind.as_str())
            .bind(draft.shortage_policy.as_str())
            .bind(draft.split_policy.as_str())
            .bind(draft.policies.payment_provider.as_str())
            .bind(draft.policies.capture_mode.as_str())
            .bind(draft.policies.return_window_days)
            .bind(draft.policies.refund_on.as_str())
            .bind(draft.policies.restocking_fee_percent)
            .bind(micros(self.now()))
            .bind(current.id.as_str())
            .execute(&mut **tx)
            .await
            .map_err(|e| duplicate_code(e, "channel", &draft.code))?;
            match &locations {
                Some(locations) => set_ship_from(&mut tx, &current.id, locations).await,
                None => Ok(()),
            }
        }
        .await;
        tx.finish(result).await?;
        self.channel(current.id.as_str()).await
    }

    pub async fn archive_channel(&self, key: &str) -> StoreResult<Channel> {
        let current = self.channel(key).await?;
        self.archive("channel", current.id.as_str()).await?;
        self.channel(current.id.as_str()).await
    }
}

async fn set_ship_from(tx: &mut crate::WriteTx, channel: &ChannelId, locations: &[LocationId]) -> StoreResult<()> {
    db::query("DELETE FROM channel_location WHERE channel_id = $1")
        .bind(channel.as_str())
        .execute(&mut ***tx)
        .await?;
    for (position, location) in locations.iter().enumerate() {
        db::query("INSERT INTO channel_location (channel_id, location_id, position) VALUES ($1, $2, $3)")
            .bind(channel.as_str())
            .bind(location.as_str())
            .bind(position as i64)
            .execute(&mut ***tx)
            .await?;
    }
    Ok(())
}

fn duplicate_code(e: DbError, table: &'static str, code: &str) -> StoreError {
    let constraint = format!("{table}_code_key");
    if e.violates(&constraint, &format!("{table}.code")) {
        StoreError::Conflict {
            code: "duplicate_code",
            message: format!("a {table} with code {code} already exists"),
        }
    } else {
        e.into()
    }
}

/// The shipping zones of each of `locations`, read through `db` (the pool, or the
/// connection of a transaction in progress).
pub(crate) async fn zones_of<'c>(
    db: impl Into<db::Target<'c>>,
    locations: &[LocationId],
) -> StoreResult<BTreeMap<LocationId, Vec<Zone>>> {
    let mut zones: BTreeMap<LocationId, Vec<Zone>> = BTreeMap::new();
    if locations.is_empty() {
        return Ok(zones);
    }
    let mut sql = Sql::new(
        "SELECT location_id, country, region, postal_prefix, service_level, currency, cost_per_shipment, cost_per_kg, \
         transit_days FROM shipping_zone WHERE location_id IN (",
    );
    sql.list(locations.iter().map(|l| Arg::Text(l.to_string())))
        .push(") ORDER BY id");
    for row in sql.query().fetch_all(db).await? {
        let currency =
            Currency::parse(&row.try_get::<String, _>("currency")?).map_err(|e| StoreError::Corrupt(e.message))?;
        zones.entry(id(&row, "location_id")?).or_default().push(Zone {
            country: row.try_get("country")?,
            region: row.try_get("region")?,
            postal_prefix: row.try_get("postal_prefix")?,
            service_level: get_enum(&row, "service_level", ServiceLevel::parse)?,
            cost_per_shipment: Money::new(row.try_get("cost_per_shipment")?, currency),
            cost_per_kg: Money::new(row.try_get("cost_per_kg")?, currency),
            transit_days: row.try_get("transit_days")?,
        });
    }
    Ok(zones)
}
