//! The fake SP-API's endpoints: faults first, then the token, then the call.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use switchyard_core::{Clock, SystemClock};

use super::{CLIENT_ID, CLIENT_SECRET, Fake, MARKETPLACE_ID, REFRESH_TOKEN, SELLER_ID, Shared, lock};
use crate::amazon::TOKEN_HEADER;

/// The fake's routes over `state`.
pub(super) fn router(state: Shared) -> Router {
    Router::new()
        .route("/auth/o2/token", post(lwa_token))
        .route("/tokens/2021-03-01/restrictedDataToken", post(restricted_token))
        .route("/orders/v0/orders", get(get_orders))
        .route("/orders/v0/orders/{id}", get(get_order))
        .route("/orders/v0/orders/{id}/orderItems", get(get_order_items))
        .route("/orders/v0/orders/{id}/shipmentConfirmation", post(confirm_shipment))
        .route("/listings/2021-08-01/items/{seller}", get(search_listings))
        .route(
            "/listings/2021-08-01/items/{seller}/{sku}",
            get(get_listing).patch(patch_listing),
        )
        .with_state(state)
}

pub(super) fn errors(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"errors": [{"code": code, "message": message}]}))).into_response()
}

/// Which token a request carried.
#[derive(PartialEq)]
pub(super) enum Token {
    Access,
    Restricted,
}

/// Faults first, then the token: the response to answer instead, if any.
pub(super) fn gate(
    s: &mut Fake,
    headers: &HeaderMap,
    line: String,
    restricted_ok: bool,
) -> Result<Token, Box<Response>> {
    s.requests.push(line);
    if s.rate_limit_next > 0 {
        s.rate_limit_next -= 1;
        let mut r = errors(
            StatusCode::TOO_MANY_REQUESTS,
            "QuotaExceeded",
            "You exceeded your quota for the requested resource.",
        );
        r.headers_mut()
            .insert("x-amzn-RateLimit-Limit", HeaderValue::from_static("0.0167"));
        r.headers_mut().insert("retry-after", HeaderValue::from_static("1"));
        return Err(Box::new(r));
    }
    if s.fail_next > 0 {
        s.fail_next -= 1;
        return Err(Box::new(errors(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "Service is temporarily unavailable.",
        )));
    }
    let token = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    if s.access_tokens.iter().any(|t| t == token) {
        Ok(Token::Access)
    } else if restricted_ok && s.restricted_tokens.iter().any(|t| t == token) {
        Ok(Token::Restricted)
    } else {
        Err(Box::new(errors(
            StatusCode::FORBIDDEN,
            "Unauthorized",
            "Access to requested resource is denied.",
        )))
    }
}

pub(super) fn line(method: &str, path: &str, query: &HashMap<String, String>) -> String {
    let mut pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.sort();
    format!("{method} {path}?{}", pairs.join("&"))
}

async fn lwa_token(State(state): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str);
    if field("client_id") != Some(CLIENT_ID) || field("client_secret") != Some(CLIENT_SECRET) {
        let body = json!({"error": "invalid_client", "error_description": "Client authentication failed"});
        return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
    }
    if field("grant_type") != Some("refresh_token") || field("refresh_token") != Some(REFRESH_TOKEN) {
        let body = json!({"error": "invalid_grant", "error_description": "The request has an invalid grant parameter : refresh_token"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let mut s = lock(&state);
    s.issued += 1;
    s.grants += 1;
    let token = format!("Atza|fake-access-{}", s.issued);
    s.access_tokens.push(token.clone());
    Json(json!({"access_token": token, "refresh_token": REFRESH_TOKEN, "token_type": "bearer", "expires_in": 3600}))
        .into_response()
}

async fn restricted_token(State(state): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let mut s = lock(&state);
    let at = line("POST", "/tokens/2021-03-01/restrictedDataToken", &HashMap::new());
    if let Err(r) = gate(&mut s, &headers, at, false) {
        return *r;
    }
    let asked = body["restrictedResources"].as_array().map_or(0, Vec::len);
    if asked == 0 {
        return errors(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "restrictedResources is required",
        );
    }
    s.issued += 1;
    let token = format!("Atz.sprdt|fake-restricted-{}", s.issued);
    s.restricted_tokens.push(token.clone());
    Json(json!({"restrictedDataToken": token, "expiresIn": 3600})).into_response()
}

/// The order as a call without a restricted data token sees it.
fn without_personal_data(mut order: Value) -> Value {
    if let Some(o) = order.as_object_mut() {
        o.remove("BuyerInfo");
        if let Some(Value::Object(address)) = o.get_mut("ShippingAddress") {
            address.retain(|k, _| matches!(k.as_str(), "City" | "StateOrRegion" | "PostalCode" | "CountryCode"));
        }
    }
    order
}

fn shown(order: &Value, token: &Token) -> Value {
    match token {
        Token::Restricted => order.clone(),
        Token::Access => without_personal_data(order.clone()),
    }
}

/// A page of `all` from `offset`, and the token of the next page, if any.
fn page<T: Clone>(all: &[T], offset: usize, size: usize) -> (Vec<T>, Option<usize>) {
    let end = (offset + size).min(all.len());
    let next = (end < all.len()).then_some(end);
    (all.get(offset..end).unwrap_or_default().to_vec(), next)
}

async fn get_orders(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = lock(&state);
    let token = match gate(&mut s, &headers, line("GET", "/orders/v0/orders", &q), true) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    if q.get("MarketplaceIds").map(String::as_str) != Some(MARKETPLACE_ID) {
        return errors(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "MarketplaceIds is required and must be the seller's",
        );
    }
    // A NextToken carries the filter of the first page: "{offset}|{LastUpdatedAfter}".
    let (offset, since) = match q.get("NextToken") {
        Some(t) => match t
            .split_once('|')
            .and_then(|(o, s)| Some((o.parse::<usize>().ok()?, s.to_owned())))
        {
            Some(found) => found,
            None => return errors(StatusCode::BAD_REQUEST, "InvalidInput", "Invalid NextToken"),
        },
        None => match q.get("LastUpdatedAfter").or_else(|| q.get("CreatedAfter")) {
            Some(since) => (0, since.clone()),
            None => {
                return errors(
                    StatusCode::BAD_REQUEST,
                    "InvalidInput",
                    "CreatedAfter or LastUpdatedAfter is required",
                );
            }
        },
    };
    let Ok(since_at) = since.parse::<jiff::Timestamp>() else {
        return errors(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "LastUpdatedAfter is not an ISO 8601 time",
        );
    };
    let changed: Vec<Value> = s
        .orders
        .iter()
        .map(|(o, _)| o)
        .filter(|o| {
            o["LastUpdateDate"]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .is_some_and(|t| t >= since_at)
        })
        .map(|o| shown(o, &token))
        .collect();
    let asked = q.get("MaxResultsPerPage").and_then(|m| m.parse().ok()).unwrap_or(100);
    let (orders, next) = page(&changed, offset, s.page_size.unwrap_or(asked).min(asked));
    let mut payload = json!({"Orders": orders, "LastUpdatedBefore": SystemClock.now().to_string()});
    if let Some(next) = next {
        payload["NextToken"] = json!(format!("{next}|{since}"));
    }
    Json(json!({ "payload": payload })).into_response()
}

fn find<'a>(s: &'a Fake, id: &str) -> Option<&'a (Value, Vec<Value>)> {
    s.orders.iter().find(|(o, _)| o["AmazonOrderId"] == id)
}

fn no_order(id: &str) -> Response {
    errors(StatusCode::NOT_FOUND, "NotFound", &format!("Order {id} was not found"))
}

async fn get_order(State(state): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let mut s = lock(&state);
    let path = format!("/orders/v0/orders/{id}");
    let token = match gate(&mut s, &headers, line("GET", &path, &HashMap::new()), true) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    match find(&s, &id) {
        Some((order, _)) => Json(json!({"payload": shown(order, &token)})).into_response(),
        None => no_order(&id),
    }
}

async fn get_order_items(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = lock(&state);
    let path = format!("/orders/v0/orders/{id}/orderItems");
    let token = match gate(&mut s, &headers, line("GET", &path, &q), true) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let Some((_, items)) = find(&s, &id) else {
        return no_order(&id);
    };
    let shown: Vec<Value> = items
        .iter()
        .map(|item| {
            let mut item = item.clone();
            if token == Token::Access
                && let Some(o) = item.as_object_mut()
            {
                o.remove("BuyerInfo");
            }
            item
        })
        .collect();
    let Ok(offset) = q.get("NextToken").map_or(Ok(0), |t| t.parse::<usize>()) else {
        return errors(StatusCode::BAD_REQUEST, "InvalidInput", "Invalid NextToken");
    };
    let (page, next) = page(&shown, offset, s.page_size.unwrap_or(100));
    let mut payload = json!({"AmazonOrderId": id, "OrderItems": page});
    if let Some(next) = next {
        payload["NextToken"] = json!(next.to_string());
    }
    Json(json!({ "payload": payload })).into_response()
}

async fn confirm_shipment(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let mut s = lock(&state);
    let path = format!("/orders/v0/orders/{id}/shipmentConfirmation");
    if let Err(r) = gate(&mut s, &headers, line("POST", &path, &HashMap::new()), false) {
        return *r;
    }
    let Some((_, items)) = find(&s, &id) else {
        return no_order(&id);
    };
    let detail = &body["packageDetail"];
    let known = |item_id: &Value| items.iter().any(|i| i["OrderItemId"] == *item_id);
    let valid = body["marketplaceId"] == MARKETPLACE_ID
        && detail["packageReferenceId"]
            .as_str()
            .is_some_and(|r| r.parse::<u64>().is_ok_and(|n| n > 0))
        && detail["carrierCode"].as_str().is_some_and(|c| !c.is_empty())
        && detail["trackingNumber"].as_str().is_some_and(|t| !t.is_empty())
        && detail["shipDate"]
            .as_str()
            .is_some_and(|d| d.parse::<jiff::Timestamp>().is_ok())
        && detail["orderItems"].as_array().is_some_and(|l| {
            !l.is_empty()
                && l.iter()
                    .all(|i| known(&i["orderItemId"]) && i["quantity"].as_i64().is_some_and(|q| q > 0))
        });
    if !valid {
        return errors(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "The packageDetail is not valid for this order",
        );
    }
    s.shipments.push((id, body));
    StatusCode::NO_CONTENT.into_response()
}

fn wrong_seller(seller: &str, q: &HashMap<String, String>) -> Option<Response> {
    if seller != SELLER_ID {
        return Some(errors(
            StatusCode::FORBIDDEN,
            "Unauthorized",
            "Access to requested resource is denied.",
        ));
    }
    if q.get("marketplaceIds").map(String::as_str) != Some(MARKETPLACE_ID) {
        return Some(errors(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            "marketplaceIds is required",
        ));
    }
    None
}

fn listing_json(sku: &str, quantity: i64, availability: bool) -> Value {
    let mut item = json!({
        "sku": sku,
        "summaries": [{"marketplaceId": MARKETPLACE_ID, "status": ["BUYABLE"], "productType": "PRODUCT"}]
    });
    if availability {
        item["fulfillmentAvailability"] = json!([{"fulfillmentChannelCode": "DEFAULT", "quantity": quantity}]);
    }
    item
}

async fn search_listings(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(seller): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = lock(&state);
    let path = format!("/listings/2021-08-01/items/{seller}");
    if let Err(r) = gate(&mut s, &headers, line("GET", &path, &q), false) {
        return *r;
    }
    if let Some(r) = wrong_seller(&seller, &q) {
        return r;
    }
    let all: Vec<Value> = s.listings.iter().map(|(sku, n)| listing_json(sku, *n, false)).collect();
    let asked = q.get("pageSize").and_then(|p| p.parse().ok()).unwrap_or(10).min(20);
    let Ok(offset) = q.get("pageToken").map_or(Ok(0), |t| t.parse::<usize>()) else {
        return errors(StatusCode::BAD_REQUEST, "InvalidInput", "Invalid pageToken");
    };
    let (items, next) = page(&all, offset, s.page_size.unwrap_or(asked).min(asked));
    let mut body = json!({"numberOfResults": all.len(), "items": items});
    if let Some(next) = next {
        body["pagination"] = json!({"nextToken": next.to_string()});
    }
    Json(body).into_response()
}

async fn get_listing(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((seller, sku)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut s = lock(&state);
    let path = format!("/listings/2021-08-01/items/{seller}/{sku}");
    if let Err(r) = gate(&mut s, &headers, line("GET", &path, &q), false) {
        return *r;
    }
    if let Some(r) = wrong_seller(&seller, &q) {
        return r;
    }
    let availability = q
        .get("includedData")
        .is_some_and(|d| d.split(',').any(|d| d == "fulfillmentAvailability"));
    match s.listings.get(&sku) {
        Some(n) => Json(listing_json(&sku, *n, availability)).into_response(),
        None => errors(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("SKU '{sku}' not found in marketplace {MARKETPLACE_ID}"),
        ),
    }
}

async fn patch_listing(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path((seller, sku)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Response {
    let mut s = lock(&state);
    let path = format!("/listings/2021-08-01/items/{seller}/{sku}");
    if let Err(r) = gate(&mut s, &headers, line("PATCH", &path, &q), false) {
        return *r;
    }
    if let Some(r) = wrong_seller(&seller, &q) {
        return r;
    }
    let patch = &body["patches"][0];
    let value = &patch["value"][0];
    let quantity = value["quantity"].as_i64().filter(|n| *n >= 0);
    let well_formed = body["productType"].is_string()
        && patch["op"] == "replace"
        && patch["path"] == "/attributes/fulfillment_availability"
        && value["fulfillment_channel_code"] == "DEFAULT";
    let (Some(quantity), true) = (quantity, well_formed) else {
        return errors(StatusCode::BAD_REQUEST, "InvalidInput", "The patches are not valid");
    };
    s.issued += 1;
    let submission = format!("fake-submission-{}", s.issued);
    if !s.listings.contains_key(&sku) {
        let issue =
            json!({"code": "4000003", "message": "The SKU was not found in this marketplace", "severity": "ERROR"});
        return Json(json!({"sku": sku, "status": "INVALID", "submissionId": submission, "issues": [issue]}))
            .into_response();
    }
    s.listings.insert(sku.clone(), quantity);
    s.pushes.push((sku.clone(), quantity));
    Json(json!({"sku": sku, "status": "ACCEPTED", "submissionId": submission, "issues": []})).into_response()
}
