//! Order imports over HTTP: a CSV or TSV file (Amazon's unshipped-orders report, or
//! any layout with a column mapping) placed order by order, as
//! `switchyard import orders` does.

mod run;

pub use run::*;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde_json::Value;
use switchyard_channels::import::{self, Mapping};
use switchyard_core::validation::Invalid;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Allowed, ApiQuery, parse_json, perm};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The channel's code the orders belong to (with a file body; a JSON body names it).
    channel: Option<String>,
    /// The file's layout: `amazon` (Amazon's unshipped-orders report), the default. Any
    /// other layout is sent as a JSON body with its mapping.
    mapping: Option<String>,
    /// Check everything (rows, channel, SKUs) and place nothing.
    dry_run: Option<bool>,
}

/// An import as JSON: the file's text with the mapping of its columns.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportInput {
    #[schema(example = "shop")]
    pub channel: String,
    /// `"amazon"` (the default), or a mapping object: each field's column header, or
    /// `{"value": ...}` for a constant. Fields: `order_id`, `line_id`, `sku`,
    /// `quantity`, `unit_price` or `line_price`, `discount`, `tax`, `shipping`,
    /// `shipping_tax`, `shipping_per` (`line`: summed over the rows, or `order`),
    /// `currency`, `email`, `name`, `phone`, `recipient`, `company`, `address1`-`3`,
    /// `city`, `region`, `postal_code`, `country`, `ship_phone`, `placed_at` (RFC 3339),
    /// `service_level`, `notes`, and `service_levels` (the file's words for ours).
    #[schema(value_type = Object)]
    pub mapping: Option<Value>,
    /// The file's text.
    pub content: String,
    /// `,`, `;` or `tab`; default: found from the header line.
    #[schema(example = ",")]
    pub delimiter: Option<String>,
    pub dry_run: Option<bool>,
}

/// Import orders from a file
///
/// Reads a CSV or TSV order file and places each of its orders, as
/// `POST /api/v1/orders` would, under the channel named. Send the file itself (as
/// `text/csv`, `text/tab-separated-values`, or `text/plain` to have the separator
/// found from the header line) in Amazon's unshipped-orders report layout, or a JSON
/// body with the file's text and the mapping of its columns. Rows of one order may be
/// anywhere in the file. An order with any bad row is refused whole; the other orders
/// go in. The same channel and order id is the same order, so sending a file again
/// places nothing twice. With `dry_run=true` nothing is stored.
///
/// The answer is 200 with the report whenever the file was read, problems or not: some
/// orders may be placed while others are refused, and each problem is named by row (as
/// a spreadsheet numbers it), column and reason, which a problem's field pointers
/// cannot say. `problems` empty means every row went in. A request that cannot be
/// acted on at all (no such channel, a mapping that does not read) is a 422 problem
/// and nothing is done. Files over 1 MiB are imported with `switchyard import orders`.
#[utoipa::path(post, path = "/api/v1/imports", tag = "orders", params(ImportQuery),
    request_body(description = "The order file, or an `ImportInput`", content(
        (String = "text/tab-separated-values", example = "order-id\torder-item-id\tpurchase-date\t...\n202-1000001-1000001\t31000000000001\t2026-03-02T09:15:00+00:00\t...\n"),
        (String = "text/csv", example = "Order,SKU,Qty,Price,Email,Customer,Street,Town,Postcode,Country\nSHOP-1,MUG-BLUE,1,12.99,ann@example.com,Ann Example,1 High St,Leeds,LS1 4AP,GB\n"),
        (ImportInput = "application/json", example = json!({
            "channel": "shop",
            "mapping": {"order_id": "Order", "sku": "SKU", "quantity": "Qty", "unit_price": "Price",
                "currency": {"value": "GBP"}, "email": "Email", "name": "Customer", "recipient": "Customer",
                "address1": "Street", "city": "Town", "postal_code": "Postcode", "country": "Country"},
            "content": "Order,SKU,Qty,Price,Email,Customer,Street,Town,Postcode,Country\nSHOP-1,MUG-BLUE,1,12.99,ann@example.com,Ann Example,1 High St,Leeds,LS1 4AP,GB\n"
        })),
    )),
    responses(
        (status = 200, description = "The file was read: what became of each order and each problem by row", body = ImportReport,
            example = json!({
                "channel": "amazon", "dry_run": false,
                "counts": {"orders_created": 3, "orders_existing": 0, "orders_checked": 0, "orders_refused": 1, "rows": 6, "rows_refused": 2},
                "orders": [
                    {"external_id": "202-2000001-2000001", "rows": [2], "outcome": "created", "number": "SO-100042"},
                    {"external_id": "202-2000002-2000002", "rows": [3, 4], "outcome": "refused", "number": null}
                ],
                "problems": [{"row": 4, "column": "item-price", "reason": "`3.5O` is not a decimal amount in GBP", "order": "202-2000002-2000002"}]
            })),
        (status = 413, description = "The file is over 1 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A body that is neither an order file nor JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such channel, no channel named, or a mapping that does not read; nothing was done", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_import(
    caller: Allowed<perm::PlaceOrders>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ImportReport>> {
    let request = read_request(q, &headers, body)?;
    let file = import::read(&request.content, request.delimiter, &request.mapping, &request.channel);
    let report = run(
        &s.store,
        &file,
        &request.channel,
        request.dry_run,
        &caller.actor(),
        |_| {},
    )
    .await?;
    Ok(Json(report))
}

/// An import request, whichever way it came.
struct Request {
    channel: String,
    mapping: Mapping,
    content: Bytes,
    delimiter: u8,
    dry_run: bool,
}

fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::validation(vec![Invalid::new(code, message).at(field)])
}

fn read_request(q: ImportQuery, headers: &HeaderMap, body: Bytes) -> ApiResult<Request> {
    let essence = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let delimiter = match essence.as_str() {
        "text/csv" => Some(b','),
        "text/tab-separated-values" => Some(b'\t'),
        "text/plain" => None,
        "application/json" => return read_json(q, &body),
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the file as text/csv, text/tab-separated-values or text/plain, or JSON with its mapping",
            ));
        }
    };
    let channel = q
        .channel
        .ok_or_else(|| invalid("channel", "required", "name the channel: ?channel=CODE"))?;
    let mapping = match q.mapping.as_deref() {
        None | Some("amazon") => Mapping::amazon(),
        Some(_) => {
            return Err(invalid(
                "mapping",
                "invalid_parameter",
                "the built-in layout is `amazon`; send any other layout as JSON with its mapping",
            ));
        }
    };
    Ok(Request {
        channel,
        mapping,
        delimiter: delimiter.unwrap_or_else(|| import::delimiter(None, &body)),
        content: body,
        dry_run: q.dry_run.unwrap_or(false),
    })
}

fn read_json(q: ImportQuery, body: &Bytes) -> ApiResult<Request> {
    let input: ImportInput = parse_json(body)?;
    let mapping = match input.mapping {
        None => Mapping::amazon(),
        Some(Value::String(name)) if name == "amazon" => Mapping::amazon(),
        Some(value) => Mapping::from_json(value).map_err(|e| invalid("/mapping", "invalid_mapping", e))?,
    };
    let delimiter = match input.delimiter.as_deref() {
        None => None,
        Some(",") => Some(b','),
        Some(";") => Some(b';'),
        Some("tab") => Some(b'\t'),
        Some(_) => return Err(invalid("/delimiter", "invalid_delimiter", "must be `,`, `;` or `tab`")),
    };
    let content = Bytes::from(input.content.into_bytes());
    Ok(Request {
        channel: input.channel,
        mapping,
        delimiter: delimiter.unwrap_or_else(|| import::delimiter(None, &content)),
        content,
        dry_run: input.dry_run.or(q.dry_run).unwrap_or(false),
    })
}
