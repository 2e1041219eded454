//! The fake's endpoints, answering in eBay's shapes: paged collections with `href`,
//! `total`, `limit`, `offset` and `next`, errors as `{"errors":[{errorId, domain,
//! category, message}]}`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::{CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, SeenFulfilment, SeenPush, Shared, lock};

/// `getOrders`' and `getInventoryItems`' default and largest page.
const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 200;
/// SKUs one bulk update may carry.
const BULK_MAX: usize = 25;

fn error(status: StatusCode, id: u32, domain: &str, category: &str, message: &str) -> Response {
    let body = json!({"errors": [{"errorId": id, "domain": domain, "category": category, "message": message}]});
    (status, Json(body)).into_response()
}

pub fn invalid_token() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        1001,
        "OAuth",
        "REQUEST",
        "Invalid access token",
    )
}

pub fn rate_limited() -> Response {
    let mut r = error(
        StatusCode::TOO_MANY_REQUESTS,
        2001,
        "ACCESS",
        "REQUEST",
        "Too many requests. The request limit has been reached for the resource.",
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    r
}

pub fn internal_error() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        2003,
        "ACCESS",
        "APPLICATION",
        "There was a problem with an eBay internal system or process. Contact eBay developer support for assistance.",
    )
}

fn not_found(id: u32, domain: &str, message: &str) -> Response {
    error(StatusCode::NOT_FOUND, id, domain, "REQUEST", message)
}

fn bad_request(id: u32, domain: &str, message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, id, domain, "REQUEST", message)
}

pub fn token() -> Router<Shared> {
    Router::new().route("/identity/v1/oauth2/token", post(grant))
}

pub fn api() -> Router<Shared> {
    Router::new()
        .route("/sell/fulfillment/v1/order", get(orders))
        .route("/sell/fulfillment/v1/order/{order_id}", get(order))
        .route(
            "/sell/fulfillment/v1/order/{order_id}/shipping_fulfillment",
            post(shipping_fulfillment),
        )
        .route("/sell/inventory/v1/inventory_item", get(inventory_items))
        .route("/sell/inventory/v1/inventory_item/{sku}", get(inventory_item))
        .route("/sell/inventory/v1/offer", get(offers))
        .route("/sell/inventory/v1/bulk_update_price_quantity", post(bulk_update))
        .route("/post-order/v2/cancellation", post(cancellation))
}

/// The refresh-token grant: the client by HTTP Basic, the refresh token in the form.
async fn grant(State(state): State<Shared>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let expected = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        let body = json!({"error": "invalid_client", "error_description": "client authentication failed"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    if form.get("grant_type").map(String::as_str) != Some("refresh_token")
        || form.get("refresh_token").map(String::as_str) != Some(REFRESH_TOKEN)
    {
        let body = json!({"error": "invalid_grant", "error_description": "the provided authorization refresh token is invalid or was issued to another client"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let mut s = lock(&state);
    s.grants += 1;
    let token = format!("v^1.1#i^1#fake-access-{}", s.grants);
    s.tokens.insert(token.clone());
    Json(json!({"access_token": token, "expires_in": 7200, "token_type": "User Access Token"})).into_response()
}

/// The page `limit` and `offset` ask for, no larger than the fake's forced size.
fn page(query: &HashMap<String, String>, forced: Option<u64>) -> Result<(u64, u64), Box<Response>> {
    let number = |name: &str, default: u64| match query.get(name) {
        Some(v) => v
            .parse::<u64>()
            .map_err(|_| Box::new(bad_request(30700, "API_FULFILLMENT", &format!("Invalid {name}")))),
        None => Ok(default),
    };
    let limit = number("limit", DEFAULT_LIMIT)?;
    if limit == 0 || limit > MAX_LIMIT {
        return Err(Box::new(bad_request(30700, "API_FULFILLMENT", "Invalid limit")));
    }
    Ok((limit.min(forced.unwrap_or(u64::MAX)), number("offset", 0)?))
}

fn href(headers: &HeaderMap, path: &str, query: &[(&str, String)]) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    format!("http://{host}{path}?{query}")
}

/// A paged collection of `items` under `key`, with eBay's paging fields.
fn paged(
    headers: &HeaderMap,
    path: &str,
    key: &str,
    items: Vec<Value>,
    limit: u64,
    offset: u64,
    extra: &[(&str, String)],
) -> Response {
    let total = items.len() as u64;
    let shown: Vec<Value> = items.into_iter().skip(offset as usize).take(limit as usize).collect();
    let at = |offset: u64| {
        let mut q = extra.to_vec();
        q.push(("limit", limit.to_string()));
        q.push(("offset", offset.to_string()));
        href(headers, path, &q)
    };
    let mut body = json!({"href": at(offset), "total": total, "limit": limit, "offset": offset, "size": shown.len()});
    if offset + limit < total {
        body["next"] = json!(at(offset + limit));
    }
    if offset > 0 {
        body["prev"] = json!(at(offset.saturating_sub(limit)));
    }
    body[key] = Value::Array(shown);
    Json(body).into_response()
}

async fn orders(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let s = lock(&state);
    let (limit, offset) = match page(&query, s.page_size) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let since = match query.get("filter") {
        None => None,
        Some(f) => {
            let from = f
                .strip_prefix("lastmodifieddate:[")
                .and_then(|r| r.split_once(".."))
                .and_then(|(from, _)| from.parse::<Timestamp>().ok());
            match from {
                Some(t) => Some(t),
                None => return bad_request(30700, "API_FULFILLMENT", "Invalid filter"),
            }
        }
    };
    let modified = |o: &Value| {
        o.get("lastModifiedDate")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<Timestamp>().ok())
    };
    let matching: Vec<Value> = s
        .orders
        .iter()
        .filter(|o| since.is_none_or(|since| modified(o).is_some_and(|m| m >= since)))
        .cloned()
        .collect();
    let extra: Vec<(&str, String)> = query.get("filter").map(|f| ("filter", f.clone())).into_iter().collect();
    paged(
        &headers,
        "/sell/fulfillment/v1/order",
        "orders",
        matching,
        limit,
        offset,
        &extra,
    )
}

fn find_order<'a>(orders: &'a [Value], id: &str) -> Option<&'a Value> {
    orders
        .iter()
        .find(|o| o.get("orderId").and_then(Value::as_str) == Some(id))
}

async fn order(State(state): State<Shared>, Path(order_id): Path<String>) -> Response {
    match find_order(&lock(&state).orders, &order_id) {
        Some(o) => Json(o.clone()).into_response(),
        None => not_found(32100, "API_FULFILLMENT", "Invalid Order Id"),
    }
}

async fn shipping_fulfillment(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let mut s = lock(&state);
    let Some(order) = find_order(&s.orders, &order_id) else {
        return not_found(32100, "API_FULFILLMENT", "Invalid Order Id");
    };
    let known: Vec<&str> = order["lineItems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l.get("lineItemId").and_then(Value::as_str))
        .collect();
    let lines = body
        .get("lineItems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if lines.is_empty()
        || lines.iter().any(|l| {
            !l.get("lineItemId")
                .and_then(Value::as_str)
                .is_some_and(|id| known.contains(&id))
        })
    {
        return bad_request(32400, "API_FULFILLMENT", "Invalid line item ID");
    }
    for field in ["trackingNumber", "shippingCarrierCode"] {
        if body.get(field).and_then(Value::as_str).is_none_or(str::is_empty) {
            return bad_request(
                32600,
                "API_FULFILLMENT",
                &format!("The {field} field is missing or invalid"),
            );
        }
    }
    let id = format!("{:014}", s.fulfilments.len() + 1);
    s.fulfilments.push(SeenFulfilment {
        order_id: order_id.clone(),
        body,
    });
    let location = href(
        &headers,
        &format!("/sell/fulfillment/v1/order/{order_id}/shipping_fulfillment/{id}"),
        &[],
    );
    let location = location.trim_end_matches('?').to_owned();
    (StatusCode::CREATED, [(header::LOCATION, location)]).into_response()
}

fn item_json(sku: &str, quantity: i64) -> Value {
    json!({"sku": sku, "locale": "en_US", "availability": {"shipToLocationAvailability": {"quantity": quantity}}})
}

async fn inventory_items(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let s = lock(&state);
    let (limit, offset) = match page(&query, s.page_size) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let items = s.items.iter().map(|(sku, i)| item_json(sku, i.quantity)).collect();
    paged(
        &headers,
        "/sell/inventory/v1/inventory_item",
        "inventoryItems",
        items,
        limit,
        offset,
        &[],
    )
}

async fn inventory_item(State(state): State<Shared>, Path(sku): Path<String>) -> Response {
    match lock(&state).items.get(&sku) {
        Some(item) => Json(item_json(&sku, item.quantity)).into_response(),
        None => not_found(25702, "API_INVENTORY", "The SKU could not be found"),
    }
}

async fn offers(State(state): State<Shared>, Query(query): Query<HashMap<String, String>>) -> Response {
    let Some(sku) = query.get("sku") else {
        return bad_request(25707, "API_INVENTORY", "Invalid SKU");
    };
    let s = lock(&state);
    let offers: Vec<Value> = s
        .items
        .get(sku)
        .into_iter()
        .flat_map(|i| &i.offers)
        .map(|o| {
            json!({"offerId": o.offer_id, "sku": sku, "marketplaceId": super::MARKETPLACE, "format": "FIXED_PRICE",
                   "availableQuantity": o.available, "status": "PUBLISHED",
                   "listing": {"listingId": o.listing_id, "listingStatus": "ACTIVE"}})
        })
        .collect();
    if offers.is_empty() {
        return not_found(25713, "API_INVENTORY", "This Offer is not available.");
    }
    Json(json!({"total": offers.len(), "size": offers.len(), "limit": 25, "offers": offers})).into_response()
}

async fn bulk_update(State(state): State<Shared>, Json(body): Json<Value>) -> Response {
    let requests = body
        .get("requests")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if requests.is_empty() || requests.len() > BULK_MAX {
        return bad_request(
            25709,
            "API_INVENTORY",
            "Invalid value for requests: 1 to 25 are allowed",
        );
    }
    let mut s = lock(&state);
    s.bulk_calls.push(requests.len());
    let mut responses = Vec::new();
    for request in &requests {
        let sku = request
            .get("sku")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let quantity = request["shipToLocationAvailability"]["quantity"].as_i64();
        for offer in request.get("offers").and_then(Value::as_array).into_iter().flatten() {
            let offer_id = offer
                .get("offerId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let available = offer.get("availableQuantity").and_then(Value::as_i64);
            let known = s
                .items
                .get_mut(&sku)
                .and_then(|i| i.offers.iter_mut().find(|o| o.offer_id == offer_id));
            match (known, available) {
                (Some(o), Some(q)) if q >= 0 => {
                    o.available = q;
                    s.pushes.push(SeenPush { sku: sku.clone(), offer_id: offer_id.clone(), quantity: q });
                    responses.push(json!({"statusCode": 200, "sku": sku, "offerId": offer_id, "errors": [], "warnings": []}));
                }
                _ => responses.push(json!({"statusCode": 404, "sku": sku, "offerId": offer_id,
                    "errors": [{"errorId": 25713, "domain": "API_INVENTORY", "category": "REQUEST", "message": "This Offer is not available."}]})),
            }
        }
        if let (Some(q), Some(item)) = (quantity, s.items.get_mut(&sku)) {
            item.quantity = q;
        }
    }
    let status = if responses.iter().all(|r| r["statusCode"] == 200) {
        StatusCode::OK
    } else {
        StatusCode::MULTI_STATUS
    };
    (status, Json(json!({"responses": responses}))).into_response()
}

async fn cancellation(State(state): State<Shared>, Json(body): Json<Value>) -> Response {
    let mut s = lock(&state);
    let Some(id) = body.get("legacyOrderId").and_then(Value::as_str) else {
        return bad_request(1001, "POST_ORDER", "legacyOrderId is required");
    };
    let known = s.orders.iter().any(|o| {
        o.get("legacyOrderId").and_then(Value::as_str) == Some(id)
            || o.get("orderId").and_then(Value::as_str) == Some(id)
    });
    if !known {
        return bad_request(1003, "POST_ORDER", "The order is not eligible for cancellation");
    }
    s.cancellations.push(body);
    let cancel_id = format!("52{:08}", s.cancellations.len());
    (
        StatusCode::CREATED,
        Json(json!({"cancelId": cancel_id, "orderEligibilityResult": {"eligible": true}})),
    )
        .into_response()
}
