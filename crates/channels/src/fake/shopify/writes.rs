//! The fake's order changes: fulfillments against fulfillment orders, cancellations,
//! and refunds (which cancel some lines).

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use switchyard_core::{Clock, SystemClock};

use super::routes::{errors, find_order, reply};
use super::{Cancelled, State};

fn invalid(field: &str, message: &str) -> Response {
    reply(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"errors": { field: [message] }}),
    )
}

/// `POST /fulfillments.json`: each named fulfillment order must be open and each line
/// fulfillable in the quantity asked; what is fulfilled is taken off.
pub(super) fn fulfil(s: &mut State, body: &Value) -> Response {
    let f = &body["fulfillment"];
    let Some(groups) = f["line_items_by_fulfillment_order"]
        .as_array()
        .filter(|g| !g.is_empty())
    else {
        return invalid("line_items_by_fulfillment_order", "is required");
    };
    let mut taking = Vec::new();
    for group in groups {
        let Some(fo) = s
            .fulfillment_orders
            .iter()
            .position(|fo| fo["id"] == group["fulfillment_order_id"])
        else {
            return errors(StatusCode::NOT_FOUND, "Not Found");
        };
        if !matches!(
            s.fulfillment_orders[fo]["status"].as_str(),
            Some("open" | "in_progress")
        ) {
            return invalid("fulfillment_order", "is not open");
        }
        let lines = s.fulfillment_orders[fo]["line_items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let asked = group["fulfillment_order_line_items"].as_array().cloned();
        for want in asked.unwrap_or_else(|| {
            lines
                .iter()
                .map(|l| json!({"id": l["id"], "quantity": l["fulfillable_quantity"]}))
                .collect()
        }) {
            let Some(line) = lines.iter().position(|l| l["id"] == want["id"]) else {
                return invalid(
                    "fulfillment_order_line_items",
                    "names a line of another fulfillment order",
                );
            };
            let quantity = want["quantity"].as_i64().unwrap_or(0);
            if quantity < 1 || quantity > lines[line]["fulfillable_quantity"].as_i64().unwrap_or(0) {
                return invalid("fulfillment_order_line_items", "quantity is more than can be fulfilled");
            }
            taking.push((fo, line, quantity));
        }
    }
    for (fo, line, quantity) in taking {
        let fo = &mut s.fulfillment_orders[fo];
        let left = fo["line_items"][line]["fulfillable_quantity"].as_i64().unwrap_or(0) - quantity;
        fo["line_items"][line]["fulfillable_quantity"] = json!(left);
        let open = fo["line_items"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|l| l["fulfillable_quantity"].as_i64() > Some(0));
        fo["status"] = json!(if open { "in_progress" } else { "closed" });
    }
    let id = s.id();
    let tracking = &f["tracking_info"];
    let fulfillment = json!({
        "id": id,
        "status": "success",
        "created_at": SystemClock.now().to_string(),
        "tracking_company": tracking["company"],
        "tracking_number": tracking["number"],
        "tracking_numbers": [tracking["number"]],
        "tracking_url": tracking["url"],
        "tracking_urls": [tracking["url"]],
    });
    s.fulfillments.push(f.clone());
    reply(StatusCode::CREATED, json!({ "fulfillment": fulfillment }))
}

/// `POST /orders/{id}/cancel.json`.
pub(super) fn cancel(s: &mut State, id: &str, body: &Value) -> Response {
    let now = SystemClock.now().to_string();
    let reason = body["reason"].as_str().map(str::to_owned);
    let Some(order) = s
        .orders
        .iter_mut()
        .find(|o| id.parse::<u64>().is_ok_and(|id| o["id"] == id))
    else {
        return errors(StatusCode::NOT_FOUND, "Not Found");
    };
    if !order["cancelled_at"].is_null() {
        return invalid("base", "Cannot cancel an order that has already been cancelled");
    }
    order["cancelled_at"] = json!(now);
    order["updated_at"] = json!(now);
    order["cancel_reason"] = json!(reason.clone().unwrap_or_else(|| "other".into()));
    let order = order.clone();
    let order_id = order["id"].as_u64().unwrap_or_default();
    s.cancellations.push(Cancelled { order_id, reason });
    reply(StatusCode::OK, json!({ "order": order }))
}

/// `POST /orders/{id}/refunds.json`: each refunded line must be a line of the order.
pub(super) fn refund(s: &mut State, id: &str, body: &Value) -> Response {
    let Some(order) = find_order(&s.orders, id).cloned() else {
        return errors(StatusCode::NOT_FOUND, "Not Found");
    };
    let mut refund = body["refund"].clone();
    let items = order["line_items"].as_array().cloned().unwrap_or_default();
    for line in refund["refund_line_items"].as_array().into_iter().flatten() {
        let known = items.iter().find(|i| i["id"] == line["line_item_id"]);
        if known.is_none_or(|i| line["quantity"].as_i64() > i["quantity"].as_i64()) {
            return invalid("refund_line_items", "line_item_id or quantity is invalid");
        }
    }
    let refund_id = s.id();
    refund["id"] = json!(refund_id);
    refund["order_id"] = order["id"].clone();
    s.refunds.push(refund.clone());
    reply(StatusCode::CREATED, json!({ "refund": refund }))
}
