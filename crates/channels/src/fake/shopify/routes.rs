//! The fake's requests, routed by method and path as Shopify's Admin REST API routes
//! them (`/admin/api/{version}/…`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Value, json};
use switchyard_core::{Clock, SystemClock};

use super::{Cursor, LevelSet, Shared, lock};

/// The most records a page holds, and the default.
const LIMIT_MAX: usize = 250;
const LIMIT_DEFAULT: usize = 50;
/// The most inventory item ids one levels query takes.
const LEVEL_IDS_MAX: usize = 50;

pub(super) fn reply(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

pub(super) fn errors(status: StatusCode, message: &str) -> Response {
    reply(status, json!({ "errors": message }))
}

pub(super) async fn handle(
    State(state): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query: HashMap<String, String> = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let mut s = lock(&state);
    s.requests.push(format!("{method} {uri}"));
    if s.rate_limited > 0 {
        s.rate_limited -= 1;
        return throttled();
    }
    if s.failing > 0 {
        s.failing -= 1;
        let status = StatusCode::from_u16(s.failing_status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return errors(status, "Internal Server Error");
    }
    let token = headers.get("x-shopify-access-token").and_then(|v| v.to_str().ok());
    if token != Some(s.token.as_str()) {
        return errors(
            StatusCode::UNAUTHORIZED,
            "[API] Invalid API key or access token (unrecognized login or wrong password)",
        );
    }
    let Some(used) = s.bucket.take() else {
        s.overflowed += 1;
        return throttled();
    };
    let size = s.bucket.size as u32;
    let path = uri.path();
    let Some(resource) = path
        .strip_prefix("/admin/api/")
        .and_then(|p| p.split_once('/'))
        .map(|(_, rest)| rest)
    else {
        return errors(StatusCode::NOT_FOUND, "Not Found");
    };
    let base = format!(
        "http://{}{}",
        headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("localhost"),
        path
    );
    let segments: Vec<&str> = resource.split('/').collect();
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return errors(StatusCode::BAD_REQUEST, "body is not JSON"),
        }
    };
    let mut response = match (method.as_str(), segments.as_slice()) {
        ("GET", ["shop.json"]) => reply(
            StatusCode::OK,
            json!({"shop": {"id": 548380009, "name": "Example Shop", "myshopify_domain": "example.myshopify.com", "currency": "USD"}}),
        ),
        ("GET", ["orders.json"]) => {
            let orders = s.orders.clone();
            page(&mut s, &query, &base, "orders", || select_orders(orders, &query))
        }
        ("GET", ["products.json"]) => {
            let products = s.products.clone();
            page(&mut s, &query, &base, "products", || Ok(products))
        }
        ("GET", ["inventory_levels.json"]) => {
            let levels = levels(&s, &query);
            page(&mut s, &query, &base, "inventory_levels", || levels)
        }
        ("POST", ["inventory_levels", "set.json"]) => set_level(&mut s, &body),
        ("GET", ["orders", file]) => match find_order(&s.orders, file.trim_end_matches(".json")) {
            Some(order) => reply(StatusCode::OK, json!({ "order": order })),
            None => errors(StatusCode::NOT_FOUND, "Not Found"),
        },
        ("GET", ["orders", id, "fulfillment_orders.json"]) => match find_order(&s.orders, id) {
            Some(order) => {
                let of_order: Vec<Value> = (s.fulfillment_orders.iter())
                    .filter(|f| f["order_id"] == order["id"])
                    .cloned()
                    .collect();
                reply(StatusCode::OK, json!({ "fulfillment_orders": of_order }))
            }
            None => errors(StatusCode::NOT_FOUND, "Not Found"),
        },
        ("POST", ["fulfillments.json"]) => super::writes::fulfil(&mut s, &body),
        ("POST", ["orders", id, "cancel.json"]) => super::writes::cancel(&mut s, id, &body),
        ("POST", ["orders", id, "refunds.json"]) => super::writes::refund(&mut s, id, &body),
        _ => errors(StatusCode::NOT_FOUND, "Not Found"),
    };
    if let Ok(value) = format!("{used}/{size}").parse() {
        response.headers_mut().insert("x-shopify-shop-api-call-limit", value);
    }
    response
}

fn throttled() -> Response {
    let mut response = errors(
        StatusCode::TOO_MANY_REQUESTS,
        "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.",
    );
    response
        .headers_mut()
        .insert("retry-after", axum::http::HeaderValue::from_static("1.0"));
    response
}

pub(super) fn find_order<'a>(orders: &'a [Value], id: &str) -> Option<&'a Value> {
    let id: Option<u64> = id.parse().ok();
    orders.iter().find(|o| id.is_some_and(|id| o["id"] == id))
}

/// The orders a first page's query selects: `status` (default `open`) and
/// `updated_at_min`.
fn select_orders(orders: Vec<Value>, query: &HashMap<String, String>) -> Result<Vec<Value>, Box<Response>> {
    let since = match query.get("updated_at_min") {
        Some(t) => Some(t.parse::<Timestamp>().map_err(|_| {
            Box::new(reply(
                StatusCode::BAD_REQUEST,
                json!({"errors": {"updated_at_min": ["is invalid"]}}),
            ))
        })?),
        None => None,
    };
    let status = query.get("status").map_or("open", String::as_str);
    Ok(orders
        .into_iter()
        .filter(|o| {
            let cancelled = !o["cancelled_at"].is_null();
            let closed = !o["closed_at"].is_null();
            match status {
                "any" => true,
                "cancelled" => cancelled,
                "closed" => closed,
                _ => !cancelled && !closed,
            }
        })
        .filter(|o| {
            let updated = o["updated_at"].as_str().and_then(|t| t.parse::<Timestamp>().ok());
            match (since, updated) {
                (Some(since), Some(updated)) => updated >= since,
                _ => true,
            }
        })
        .collect())
}

/// One page of a list: the first selected by `select`, later ones by `page_info`
/// (with which only `limit` and `fields` may be given, as on Shopify).
fn page(
    s: &mut super::State,
    query: &HashMap<String, String>,
    base: &str,
    key: &str,
    select: impl FnOnce() -> Result<Vec<Value>, Box<Response>>,
) -> Response {
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => LIMIT_DEFAULT,
        Some(Ok(l)) if (1..=LIMIT_MAX).contains(&l) => l,
        Some(_) => return reply(StatusCode::BAD_REQUEST, json!({"errors": {"limit": ["is invalid"]}})),
    };
    let size = s.page_size.map_or(limit, |p| p.min(limit));
    let cursor = match query.get("page_info") {
        Some(token) => {
            if query
                .keys()
                .any(|k| !matches!(k.as_str(), "page_info" | "limit" | "fields"))
            {
                return reply(
                    StatusCode::BAD_REQUEST,
                    json!({"errors": {"page_info": ["cannot be combined with other parameters"]}}),
                );
            }
            match s.cursors.get(token) {
                Some(c) => c.clone(),
                None => {
                    return reply(
                        StatusCode::BAD_REQUEST,
                        json!({"errors": {"page_info": ["is invalid"]}}),
                    );
                }
            }
        }
        None => match select() {
            Ok(records) => Cursor { records, offset: 0 },
            Err(response) => return *response,
        },
    };
    let end = (cursor.offset + size).min(cursor.records.len());
    let records = cursor.records[cursor.offset..end].to_vec();
    let mut links = Vec::new();
    for (offset, rel) in [(cursor.offset.checked_sub(size), "previous"), (Some(end), "next")] {
        let Some(offset) = offset.filter(|&o| o < cursor.records.len() && (rel == "next" || o < cursor.offset)) else {
            continue;
        };
        let token = format!("c{}", s.id());
        s.cursors.insert(
            token.clone(),
            Cursor {
                records: cursor.records.clone(),
                offset,
            },
        );
        links.push(format!("<{base}?limit={limit}&page_info={token}>; rel=\"{rel}\""));
    }
    let mut response = reply(StatusCode::OK, json!({ key: records }));
    if let Ok(value) = links.join(", ").parse()
        && !links.is_empty()
    {
        response.headers_mut().insert("link", value);
    }
    response
}

fn levels(s: &super::State, query: &HashMap<String, String>) -> Result<Vec<Value>, Box<Response>> {
    let ids: Vec<u64> = query
        .get("inventory_item_ids")
        .map(|ids| ids.split(',').filter_map(|i| i.trim().parse().ok()).collect())
        .unwrap_or_default();
    if ids.is_empty() || ids.len() > LEVEL_IDS_MAX {
        return Err(Box::new(reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"inventory_item_ids": ["must name 1 to 50 ids"]}}),
        )));
    }
    let location = s.location_id.to_string();
    if let Some(asked) = query.get("location_ids")
        && !asked.split(',').any(|l| l.trim() == location)
    {
        return Ok(Vec::new());
    }
    Ok(ids
        .iter()
        .filter_map(|id| {
            s.levels.get(id).map(|available| {
                json!({"inventory_item_id": id, "location_id": s.location_id, "available": available, "updated_at": "2026-01-01T00:00:00Z"})
            })
        })
        .collect())
}

fn set_level(s: &mut super::State, body: &Value) -> Response {
    let (Some(location_id), Some(inventory_item_id), Some(available)) = (
        body["location_id"].as_u64(),
        body["inventory_item_id"].as_u64(),
        body["available"].as_i64(),
    ) else {
        return reply(
            StatusCode::BAD_REQUEST,
            json!({"errors": {"inventory_level": ["location_id, inventory_item_id and available are required numbers"]}}),
        );
    };
    if location_id != s.location_id {
        return errors(StatusCode::NOT_FOUND, "Not Found");
    }
    if !s.levels.contains_key(&inventory_item_id) {
        return reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": ["Inventory item does not have inventory tracking enabled"]}),
        );
    }
    s.levels.insert(inventory_item_id, available);
    s.sets.push((
        LevelSet {
            location_id,
            inventory_item_id,
            available,
        },
        std::time::Instant::now(),
    ));
    reply(
        StatusCode::OK,
        json!({"inventory_level": {"inventory_item_id": inventory_item_id, "location_id": location_id, "available": available, "updated_at": SystemClock.now().to_string()}}),
    )
}
