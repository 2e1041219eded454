//! Purchase orders in the database: creation with a human number, reads with lines and
//! receipts, filtered lists, and the inbound quantities routing and ATP read. Receipts,
//! close and cancel are in `change`. Every change writes its outbox message in the same
//! transaction.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use switchyard_core::FieldError;
use switchyard_core::id::{LocationId, MovementId, ProductId, PurchaseOrderId, PurchaseOrderLineId};
use switchyard_core::money::{Currency, Money};
use switchyard_core::purchase::{
    self as rules, PurchaseOrderDraft, PurchaseOrderEventKind, PurchaseOrderStatus, Supplier,
};

use crate::catalog::{Location, Product};
use crate::db::{self, Arg, Row, Sql, get_currency, get_enum, get_id, get_opt_time, get_time, micros};
use crate::error::{StoreError, StoreResult};
use crate::inventory::Movement;
use crate::outbox::enqueue;
use crate::page::{Page, PageRequest};
use crate::{Store, WriteTx};

mod change;

/// A purchase order as lists show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseOrderSummary {
    pub id: PurchaseOrderId,
    /// The human purchase order number; receipts carry it as their ledger `reference`.
    #[cfg_attr(feature = "openapi", schema(example = "PO-1001"))]
    pub number: String,
    pub status: PurchaseOrderStatus,
    pub supplier: Supplier,
    /// Code of the location the goods are delivered to.
    pub location: String,
    pub location_id: LocationId,
    pub currency: Currency,
    /// Units ordered over all lines.
    pub units_ordered: i64,
    /// Units received so far over all lines.
    pub units_received: i64,
    pub notes: Option<String>,
    /// Why it was closed or cancelled.
    pub close_reason: Option<String>,
    /// When it was closed or cancelled.
    pub closed_at: Option<Timestamp>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One line of a purchase order.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseOrderLine {
    pub id: PurchaseOrderLineId,
    pub line_no: i64,
    pub sku: String,
    pub product_id: ProductId,
    /// Units ordered.
    pub quantity: i64,
    /// Units received so far.
    pub received: i64,
    /// Units still expected: `quantity - received` while the order is open or partially
    /// received, otherwise 0.
    pub outstanding: i64,
    pub unit_cost: Option<Money>,
    pub expected_at: Timestamp,
}

/// Units received for one line by one ledger movement.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseReceipt {
    /// The `receipt` movement of the ledger.
    pub movement_id: MovementId,
    pub line_no: i64,
    pub sku: String,
    pub quantity: i64,
    pub note: Option<String>,
    pub actor: String,
    pub created_at: Timestamp,
}

/// A purchase order with its lines and receipts.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurchaseOrder {
    #[serde(flatten)]
    pub summary: PurchaseOrderSummary,
    pub lines: Vec<PurchaseOrderLine>,
    /// Oldest first.
    pub receipts: Vec<PurchaseReceipt>,
}

/// Units of a product still expected at a location from an open or partially received
/// purchase order line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inbound {
    pub purchase_order_id: PurchaseOrderId,
    pub number: String,
    pub line_no: i64,
    pub product_id: ProductId,
    pub sku: String,
    pub location_id: LocationId,
    /// The location's code.
    pub location: String,
    /// Ordered and not yet received; always at least 1.
    pub quantity: i64,
    pub expected_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct PurchaseOrderFilter {
    pub status: Option<PurchaseOrderStatus>,
    /// Destination location code or id.
    pub location: Option<String>,
    /// Orders with a line for this SKU (or product id).
    pub sku: Option<String>,
    /// Case-insensitive text to find in the supplier's name.
    pub supplier: Option<String>,
    pub updated_since: Option<Timestamp>,
}

/// What a receipt did: the purchase order after it and the ledger rows it wrote.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptOutcome {
    pub purchase_order: PurchaseOrder,
    pub movements: Vec<Movement>,
}

const SUMMARY_SELECT: &str = "SELECT po.id, po.number, po.status, po.supplier_name, po.supplier_reference, \
     po.supplier_email, l.code AS location, po.location_id, po.currency, po.notes, po.close_reason, po.closed_at, \
     po.created_by, po.created_at, po.updated_at, \
     (SELECT CAST(COALESCE(SUM(pl.quantity), 0) AS BIGINT) FROM purchase_order_line pl WHERE pl.purchase_order_id = po.id) AS units_ordered, \
     (SELECT CAST(COALESCE(SUM(pl.received), 0) AS BIGINT) FROM purchase_order_line pl WHERE pl.purchase_order_id = po.id) AS units_received \
     FROM purchase_order po JOIN location l ON l.id = po.location_id";

fn summary(row: &Row) -> StoreResult<PurchaseOrderSummary> {
    Ok(PurchaseOrderSummary {
        id: get_id(row, "id")?,
        number: row.try_get("number")?,
        status: get_enum(row, "status", PurchaseOrderStatus::parse)?,
        supplier: Supplier {
            name: row.try_get("supplier_name")?,
            reference: row.try_get("supplier_reference")?,
            email: row.try_get("supplier_email")?,
        },
        location: row.try_get("location")?,
        location_id: get_id(row, "location_id")?,
        currency: get_currency(row, "currency")?,
        units_ordered: row.try_get("units_ordered")?,
        units_received: row.try_get("units_received")?,
        notes: row.try_get("notes")?,
        close_reason: row.try_get("close_reason")?,
        closed_at: get_opt_time(row, "closed_at")?,
        created_by: row.try_get("created_by")?,
        created_at: get_time(row, "created_at")?,
        updated_at: get_time(row, "updated_at")?,
    })
}

/// The id column a key names: an id, or else a purchase order number.
fn key_column(key: &str, table: &str) -> String {
    let column = if PurchaseOrderId::parse(key).is_some() {
        "id"
    } else {
        "number"
    };
    format!("{table}{column}")
}

fn event(
    tx: &mut WriteTx,
    now: Timestamp,
    kind: PurchaseOrderEventKind,
    (id, number): (&PurchaseOrderId, &str),
    data: serde_json::Value,
) {
    let payload = json!({ "purchase_order_id": id, "number": number, "kind": kind, "data": data, "at": now });
    enqueue(tx, now, kind.as_str(), id.as_str(), &payload);
}

impl Store {
    /// The location a purchase order delivers to, if it takes stock; otherwise why not,
    /// under `field`.
    pub(crate) async fn receiving_location(
        &self,
        key: &str,
        field: &str,
        errors: &mut Vec<FieldError>,
    ) -> StoreResult<Option<Location>> {
        match self.location(key).await {
            Ok(l) if l.archived_at.is_some() => {
                errors.push(field_error(
                    field,
                    "archived",
                    format!("location {} is archived", l.code),
                ));
                Ok(None)
            }
            Ok(l) => Ok(Some(l)),
            Err(StoreError::NotFound { .. }) => {
                errors.push(field_error(
                    field,
                    "unknown_location",
                    format!("there is no location {key}"),
                ));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The product a purchase order line buys, if it holds stock (known, not archived,
    /// not a kit); otherwise why not, under `field`.
    pub(crate) async fn stocked_product(
        &self,
        sku: &str,
        field: &str,
        errors: &mut Vec<FieldError>,
    ) -> StoreResult<Option<Product>> {
        match self.product(sku).await {
            Ok(p) if p.archived_at.is_some() => {
                errors.push(field_error(field, "archived", format!("product {} is archived", p.sku)));
                Ok(None)
            }
            Ok(p) if !p.components.is_empty() => {
                if let Err(kit) = switchyard_core::catalog::holds_stock(&p.sku, true) {
                    errors.push(kit.at(field));
                }
                Ok(None)
            }
            Ok(p) => Ok(Some(p)),
            Err(StoreError::NotFound { .. }) => {
                let message = format!("there is no product with SKU {sku}");
                errors.push(field_error(field, "unknown_sku", message));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Creates a purchase order with the next `PO-` number; unknown or archived SKUs
    /// and locations are named field by field.
    pub async fn create_purchase_order(&self, draft: &PurchaseOrderDraft, actor: &str) -> StoreResult<PurchaseOrder> {
        let mut errors = Vec::new();
        let location = self
            .receiving_location(&draft.location, "/location", &mut errors)
            .await?;
        let mut products: BTreeMap<String, Product> = BTreeMap::new();
        for (i, line) in draft.lines.iter().enumerate() {
            if products.contains_key(&line.sku) {
                continue;
            }
            let field = format!("/lines/{i}/sku");
            if let Some(p) = self.stocked_product(&line.sku, &field, &mut errors).await? {
                products.insert(line.sku.clone(), p);
            }
        }
        let Some(location) = location.filter(|_| errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let now = self.now();
        let status = PurchaseOrderStatus::Open;
        let id = transact!(self, |tx| {
            insert(tx, self.backend(), now, (draft, status), (&location, &products), actor).await
        })?;
        let po = self.purchase_order(id.as_str()).await?;
        // Stock is on its way: waiting lines learn when to expect it.
        let products: Vec<_> = po.lines.iter().map(|l| l.product_id.clone()).collect();
        self.after_inbound_changed(&products).await;
        Ok(po)
    }

    /// A purchase order by id or number, with its lines and receipts.
    pub async fn purchase_order(&self, key: &str) -> StoreResult<PurchaseOrder> {
        let sql = format!("{SUMMARY_SELECT} WHERE {} = $1", key_column(key, "po."));
        let row = db::query(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::not_found("purchase order", key))?;
        let summary = summary(&row)?;
        let c = summary.currency;
        let lines = db::query(
            "SELECT id, line_no, sku, product_id, quantity, received, unit_cost, expected_at FROM purchase_order_line \
             WHERE purchase_order_id = $1 ORDER BY line_no",
        )
        .bind(summary.id.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let (quantity, received): (i64, i64) = (r.try_get("quantity")?, r.try_get("received")?);
            Ok(PurchaseOrderLine {
                id: get_id(r, "id")?,
                line_no: r.try_get("line_no")?,
                sku: r.try_get("sku")?,
                product_id: get_id(r, "product_id")?,
                quantity,
                received,
                outstanding: rules::outstanding(summary.status, quantity, received),
                unit_cost: r.try_get::<Option<i64>, _>("unit_cost")?.map(|a| Money::new(a, c)),
                expected_at: get_time(r, "expected_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let receipts = db::query(
            "SELECT r.movement_id, pl.line_no, pl.sku, r.quantity, m.note, m.actor, m.created_at \
             FROM purchase_order_receipt r JOIN purchase_order_line pl ON pl.id = r.line_id \
             JOIN stock_movement m ON m.id = r.movement_id WHERE r.purchase_order_id = $1 ORDER BY r.movement_id",
        )
        .bind(summary.id.as_str())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PurchaseReceipt {
                movement_id: get_id(r, "movement_id")?,
                line_no: r.try_get("line_no")?,
                sku: r.try_get("sku")?,
                quantity: r.try_get("quantity")?,
                note: r.try_get("note")?,
                actor: r.try_get("actor")?,
                created_at: get_time(r, "created_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        Ok(PurchaseOrder {
            summary,
            lines,
            receipts,
        })
    }

    /// Purchase orders, newest first.
    pub async fn list_purchase_orders(
        &self,
        filter: &PurchaseOrderFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<PurchaseOrderSummary>> {
        let mut sql = Sql::new(SUMMARY_SELECT);
        if let Some(status) = filter.status {
            sql.filter("po.status = ", Arg::Text(status.as_str().into()), "");
        }
        if let Some(location) = &filter.location {
            let location = self.location(location).await?;
            sql.filter("po.location_id = ", Arg::Text(location.id.to_string()), "");
        }
        if let Some(sku) = &filter.sku {
            let product = self.product(sku).await?;
            sql.filter(
                "EXISTS (SELECT 1 FROM purchase_order_line x WHERE x.purchase_order_id = po.id AND x.product_id = ",
                Arg::Text(product.id.to_string()),
                ")",
            );
        }
        if let Some(since) = filter.updated_since {
            sql.filter("po.updated_at >= ", Arg::Int(micros(since)), "");
        }
        if let Some(q) = filter.supplier.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            sql.search(&["po.supplier_name"], q);
        }
        if let Some(cursor) = &page.cursor {
            sql.filter("po.id < ", Arg::Text(cursor.clone()), "");
        }
        sql.push(" ORDER BY po.id DESC").limit(page.limit() + 1);
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(summary).collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, page.limit(), |o| o.id.to_string()))
    }

    /// Units of `products` still expected from open and partially received purchase
    /// orders, one entry per line with units outstanding, earliest expected first. An
    /// empty `products` asks for nothing.
    pub async fn inbound(&self, products: &[ProductId]) -> StoreResult<Vec<Inbound>> {
        if products.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT po.id, po.number, po.status, pl.line_no, pl.product_id, pl.sku, po.location_id, l.code, \
             pl.quantity, pl.received, pl.expected_at FROM purchase_order_line pl \
             JOIN purchase_order po ON po.id = pl.purchase_order_id JOIN location l ON l.id = po.location_id \
             WHERE pl.received < pl.quantity AND po.status IN (",
        );
        let expecting = PurchaseOrderStatus::ALL.iter().filter(|s| rules::expects_goods(**s));
        sql.list(expecting.map(|s| Arg::Text(s.as_str().into())));
        sql.push(") AND pl.product_id IN (");
        sql.list(products.iter().map(|p| Arg::Text(p.to_string())));
        sql.push(") ORDER BY pl.expected_at, po.id, pl.line_no");
        let rows = sql.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let status = get_enum(r, "status", PurchaseOrderStatus::parse)?;
                Ok(Inbound {
                    purchase_order_id: get_id(r, "id")?,
                    number: r.try_get("number")?,
                    line_no: r.try_get("line_no")?,
                    product_id: get_id(r, "product_id")?,
                    sku: r.try_get("sku")?,
                    location_id: get_id(r, "location_id")?,
                    location: r.try_get("code")?,
                    quantity: rules::outstanding(status, r.try_get("quantity")?, r.try_get("received")?),
                    expected_at: get_time(r, "expected_at")?,
                })
            })
            .collect()
    }
}

/// Writes a purchase order in `status` with the next `PO-` number, its lines (each
/// SKU found in `products`) and its `purchase_order.created` message.
pub(crate) async fn insert(
    tx: &mut WriteTx,
    backend: crate::Backend,
    now: Timestamp,
    (draft, status): (&PurchaseOrderDraft, PurchaseOrderStatus),
    (location, products): (&Location, &BTreeMap<String, Product>),
    actor: &str,
) -> StoreResult<PurchaseOrderId> {
    let id = PurchaseOrderId::new_at(now);
    let next_number = match backend {
        crate::Backend::Sqlite => {
            "UPDATE counter SET value = value + 1 WHERE name = 'purchase_order_number' RETURNING value"
        }
        crate::Backend::Postgres => "SELECT nextval('purchase_order_number_seq')",
    };
    let number: i64 = db::query_scalar(next_number).fetch_one(&mut ***tx).await?;
    let number = format!("PO-{number}");
    let s = &draft.supplier;
    db::query(
        "INSERT INTO purchase_order (id, number, status, supplier_name, supplier_reference, supplier_email, \
         location_id, currency, notes, created_by, created_at, updated_at, version, submitted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, 1, $12)",
    )
    .bind(id.as_str())
    .bind(&number)
    .bind(status.as_str())
    .bind(&s.name)
    .bind(s.reference.as_deref())
    .bind(s.email.as_deref())
    .bind(location.id.as_str())
    .bind(draft.currency.as_str())
    .bind(draft.notes.as_deref())
    .bind(actor)
    .bind(micros(now))
    .bind(rules::expects_goods(status).then(|| micros(now)))
    .execute(&mut ***tx)
    .await?;
    let mut lines = Vec::new();
    for (i, line) in draft.lines.iter().enumerate() {
        let product = products
            .get(line.sku.as_str())
            .ok_or_else(|| StoreError::not_found("product", &line.sku))?;
        db::query(
            "INSERT INTO purchase_order_line (id, purchase_order_id, line_no, product_id, sku, quantity, \
             received, unit_cost, expected_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)",
        )
        .bind(PurchaseOrderLineId::new_at(now).as_str())
        .bind(id.as_str())
        .bind(i as i64 + 1)
        .bind(product.id.as_str())
        .bind(&product.sku)
        .bind(line.quantity.get())
        .bind(line.unit_cost.map(|m| m.amount))
        .bind(micros(line.expected_at))
        .execute(&mut ***tx)
        .await?;
        lines.push(json!({
            "line_no": i + 1, "sku": product.sku, "quantity": line.quantity, "expected_at": line.expected_at,
        }));
    }
    let data = json!({ "status": status, "supplier": s, "location": location.code, "lines": lines, "actor": actor });
    event(tx, now, PurchaseOrderEventKind::Created, (&id, &number), data);
    Ok(id)
}

fn field_error(field: &str, code: &'static str, message: String) -> FieldError {
    FieldError {
        field: field.to_owned(),
        code,
        message,
    }
}
