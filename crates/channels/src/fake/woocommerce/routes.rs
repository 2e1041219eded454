//! The fake store's endpoints, answering as WooCommerce's REST API v3 does.

use std::collections::HashMap;

use axum::extract::{Path, Query, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde_json::{Value, json};
use switchyard_core::{Clock, SystemClock};

use super::{Handle, Item, NoteSeen, StockSeen};

/// The most items one batch call takes, and one page holds.
const MAX: usize = 100;

type Params = Query<HashMap<String, String>>;

pub(super) fn router(handle: Handle) -> Router {
    Router::new()
        .route("/wp-json/wc/v3/orders", get(list_orders))
        .route("/wp-json/wc/v3/orders/{id}", get(get_order).put(update_order))
        .route("/wp-json/wc/v3/orders/{id}/notes", get(list_notes).post(add_note))
        .route("/wp-json/wc/v3/products", get(list_products))
        .route("/wp-json/wc/v3/products/batch", post(batch_products))
        .route("/wp-json/wc/v3/products/{id}/variations", get(list_variations))
        .route("/wp-json/wc/v3/products/{id}/variations/batch", post(batch_variations))
        .layer(middleware::from_fn_with_state(handle.clone(), gate))
        .with_state(handle)
}

/// WordPress's error: `{"code", "message", "data": {"status"}}`.
fn wp_error(status: u16, code: &str, message: &str) -> Response {
    let body = json!({"code": code, "message": message, "data": {"status": status}});
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        Json(body),
    )
        .into_response()
}

fn invalid_id(code: &str) -> Response {
    wp_error(404, code, "Invalid ID.")
}

/// Injected faults first (a host's rate limit, a PHP fatal error), then Basic auth
/// (or the key and secret in the query, as WooCommerce also takes over HTTPS).
async fn gate(State(handle): State<Handle>, request: Request, next: Next) -> Response {
    {
        let mut state = handle.state();
        if state.rate_limited > 0 {
            state.rate_limited -= 1;
            let mut reply = wp_error(429, "rest_too_many_requests", "Too many requests.");
            reply.headers_mut().insert(RETRY_AFTER, 1.into());
            return reply;
        }
        if !state.failing.is_empty() {
            let status = state.failing.remove(0);
            return wp_error(
                status,
                "internal_server_error",
                "There has been a critical error on this website.",
            );
        }
        let basic = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
            .and_then(|b| STANDARD.decode(b.trim()).ok())
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.split_once(':').map(|(k, s)| (k.to_owned(), s.to_owned())));
        let query: HashMap<String, String> =
            url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        let given = basic.or_else(|| {
            Some((
                query.get("consumer_key")?.clone(),
                query.get("consumer_secret")?.clone(),
            ))
        });
        match given {
            None => {
                return wp_error(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.");
            }
            Some((key, _)) if key != state.consumer_key => {
                return wp_error(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.");
            }
            Some((_, secret)) if secret != state.consumer_secret => {
                return wp_error(
                    401,
                    "woocommerce_rest_authentication_error",
                    "Consumer secret is invalid.",
                );
            }
            Some(_) => {}
        }
    }
    next.run(request).await
}

/// One page of `items` as WooCommerce answers a collection: `per_page` (default 10,
/// at most 100) from `page` (default 1), with `X-WP-Total` and `X-WP-TotalPages`.
fn page(handle: &Handle, items: Vec<Value>, params: &HashMap<String, String>) -> Response {
    let number = |name: &str, default: usize| match params.get(name) {
        Some(raw) => raw.parse::<usize>().ok(),
        None => Some(default),
    };
    let per_page = match number("per_page", 10) {
        Some(n) if (1..=MAX).contains(&n) => n,
        _ => return wp_error(400, "rest_invalid_param", "Invalid parameter(s): per_page"),
    };
    let Some(page) = number("page", 1).filter(|p| *p >= 1) else {
        return wp_error(400, "rest_invalid_param", "Invalid parameter(s): page");
    };
    let size = handle.state().page_size.map_or(per_page, |forced| forced.min(per_page));
    let total = items.len();
    let pages = total.div_ceil(size);
    let shown: Vec<Value> = items.into_iter().skip((page - 1) * size).take(size).collect();
    let mut reply = Json(shown).into_response();
    let headers = reply.headers_mut();
    headers.insert("x-wp-total", total.into());
    headers.insert("x-wp-totalpages", pages.into());
    reply
}

fn now_gmt() -> String {
    SystemClock.now().strftime("%Y-%m-%dT%H:%M:%S").to_string()
}

/// A time as WooCommerce's `*_gmt` fields write it, from RFC 3339 or a GMT time
/// without an offset.
fn gmt(text: &str) -> Option<String> {
    let civil = match text.parse::<jiff::Timestamp>() {
        Ok(t) => t.to_zoned(TimeZone::UTC).datetime(),
        Err(_) => text.parse::<DateTime>().ok()?,
    };
    Some(civil.strftime("%Y-%m-%dT%H:%M:%S").to_string())
}

async fn list_orders(State(handle): State<Handle>, Query(params): Params, RawQuery(raw): RawQuery) -> Response {
    handle.state().queries.push(raw.unwrap_or_default());
    let after = match params.get("modified_after").map(|t| gmt(t)) {
        Some(None) => return wp_error(400, "rest_invalid_param", "Invalid parameter(s): modified_after"),
        Some(Some(after)) => Some(after),
        None => None,
    };
    let field = match params.get("orderby").map(String::as_str) {
        Some("modified") => "date_modified_gmt",
        Some("id") => "id",
        _ => "date_created_gmt",
    };
    let mut orders: Vec<Value> = handle
        .state()
        .orders
        .values()
        .filter(|o| match &after {
            Some(after) => o["date_modified_gmt"].as_str().is_some_and(|m| m > after.as_str()),
            None => true,
        })
        .cloned()
        .collect();
    orders.sort_by(|a, b| {
        let key = |o: &Value| (o[field].as_str().unwrap_or_default().to_owned(), o["id"].as_u64());
        key(a).cmp(&key(b))
    });
    if params.get("order").map(String::as_str) != Some("asc") {
        orders.reverse();
    }
    page(&handle, orders, &params)
}

async fn get_order(State(handle): State<Handle>, Path(id): Path<u64>) -> Response {
    match handle.order(id) {
        Some(order) => Json(order).into_response(),
        None => invalid_id("woocommerce_rest_shop_order_invalid_id"),
    }
}

async fn update_order(State(handle): State<Handle>, Path(id): Path<u64>, Json(body): Json<Value>) -> Response {
    let mut state = handle.state();
    let Some(order) = state.orders.get_mut(&id) else {
        return invalid_id("woocommerce_rest_shop_order_invalid_id");
    };
    let status = body["status"].as_str().map(str::to_owned);
    if let Some(status) = &status {
        order["status"] = status.clone().into();
        order["date_modified_gmt"] = now_gmt().into();
    }
    let answer = order.clone();
    if let Some(status) = status {
        state.status_changes.push((id, status));
    }
    Json(answer).into_response()
}

fn note_json(i: usize, note: &NoteSeen) -> Value {
    json!({
        "id": 1000 + i,
        "author": "WooCommerce",
        "date_created_gmt": now_gmt(),
        "note": note.note,
        "customer_note": note.customer_note,
    })
}

async fn list_notes(State(handle): State<Handle>, Path(id): Path<u64>) -> Response {
    let state = handle.state();
    if !state.orders.contains_key(&id) {
        return invalid_id("woocommerce_rest_shop_order_invalid_id");
    }
    let notes: Vec<Value> = (state.notes.iter().enumerate())
        .filter(|(_, n)| n.order_id == id)
        .map(|(i, n)| note_json(i, n))
        .rev()
        .collect();
    Json(notes).into_response()
}

async fn add_note(State(handle): State<Handle>, Path(id): Path<u64>, Json(body): Json<Value>) -> Response {
    let mut state = handle.state();
    if !state.orders.contains_key(&id) {
        return invalid_id("woocommerce_rest_shop_order_invalid_id");
    }
    let Some(text) = body["note"].as_str().filter(|t| !t.is_empty()) else {
        return wp_error(400, "rest_missing_callback_param", "Missing parameter(s): note");
    };
    let note = NoteSeen {
        order_id: id,
        note: text.to_owned(),
        customer_note: body["customer_note"].as_bool().unwrap_or(false),
    };
    let answer = note_json(state.notes.len(), &note);
    state.notes.push(note);
    (StatusCode::CREATED, Json(answer)).into_response()
}

fn item_json(item: &Item) -> Value {
    json!({
        "id": item.id,
        "type": if item.variable { "variable" } else { "simple" },
        "sku": item.sku,
        "manage_stock": item.stock_quantity.is_some(),
        "stock_quantity": item.stock_quantity,
        "stock_status": if item.stock_quantity.unwrap_or(0) > 0 { "instock" } else { "outofstock" },
        "variations": item.variations.keys().collect::<Vec<_>>(),
    })
}

/// Items whose id is in `include` (`"1,2,3"`), or all.
fn included<'a>(items: impl Iterator<Item = &'a Item>, params: &HashMap<String, String>) -> Vec<Value> {
    let include: Option<Vec<u64>> = params
        .get("include")
        .map(|list| list.split(',').filter_map(|id| id.trim().parse().ok()).collect());
    items
        .filter(|i| include.as_ref().is_none_or(|ids| ids.contains(&i.id)))
        .map(item_json)
        .collect()
}

async fn list_products(State(handle): State<Handle>, Query(params): Params) -> Response {
    let products = included(handle.state().products.values(), &params);
    page(&handle, products, &params)
}

async fn list_variations(State(handle): State<Handle>, Path(id): Path<u64>, Query(params): Params) -> Response {
    let variations = match handle.state().products.get(&id) {
        Some(product) => included(product.variations.values(), &params),
        None => return invalid_id("woocommerce_rest_product_invalid_id"),
    };
    page(&handle, variations, &params)
}

async fn batch_products(State(handle): State<Handle>, Json(body): Json<Value>) -> Response {
    batch(&handle, None, &body)
}

async fn batch_variations(State(handle): State<Handle>, Path(id): Path<u64>, Json(body): Json<Value>) -> Response {
    if !handle.state().products.contains_key(&id) {
        return invalid_id("woocommerce_rest_product_invalid_id");
    }
    batch(&handle, Some(id), &body)
}

/// `{"update": [{"id", "stock_quantity", "manage_stock"}]}`: each update's item, or
/// its error, in the order sent.
fn batch(handle: &Handle, parent: Option<u64>, body: &Value) -> Response {
    let updates = body["update"].as_array().cloned().unwrap_or_default();
    if updates.len() > MAX {
        return wp_error(
            413,
            "woocommerce_rest_request_entity_too_large",
            "Unable to accept more than 100 items for this request.",
        );
    }
    let mut state = handle.state();
    state.batch_sizes.push(updates.len());
    let mut answers = Vec::new();
    for update in &updates {
        let id = update["id"].as_u64().unwrap_or_default();
        let quantity = update["stock_quantity"].as_i64();
        let item = match parent {
            Some(p) => state.products.get_mut(&p).and_then(|p| p.variations.get_mut(&id)),
            None => state.products.get_mut(&id).filter(|p| !p.variable),
        };
        let (Some(item), Some(quantity)) = (item, quantity) else {
            let code = match parent {
                Some(_) => "woocommerce_rest_product_variation_invalid_id",
                None => "woocommerce_rest_product_invalid_id",
            };
            answers.push(json!({"id": id, "error": {"code": code, "message": "Invalid ID.", "data": {"status": 400}}}));
            continue;
        };
        item.stock_quantity = Some(quantity);
        answers.push(item_json(item));
        let (product_id, variation_id) = match parent {
            Some(p) => (p, Some(id)),
            None => (id, None),
        };
        state.stock_pushes.push(StockSeen {
            product_id,
            variation_id,
            quantity,
        });
    }
    Json(json!({"update": answers})).into_response()
}
