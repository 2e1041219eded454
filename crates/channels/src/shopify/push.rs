//! What we push to Shopify, as pure functions: our fulfilments and cancellations as
//! its request bodies, our carriers and reasons in its words.

use serde_json::{Value, json};
use switchyard_core::validation::Invalid;

use super::map::unmappable;
use super::model::{FulfillmentOrder, Id};
use crate::{Cancellation, ChannelError, Fulfilment};

/// The tracking company as Shopify names the carriers it knows; another carrier's
/// name is sent as we have it.
pub fn tracking_company(carrier: &str) -> String {
    match carrier {
        "ups" => "UPS",
        "usps" => "USPS",
        "fedex" => "FedEx",
        "dhl_express" => "DHL Express",
        "royal_mail" => "Royal Mail",
        other => other,
    }
    .to_owned()
}

/// A Shopify id as the API takes it: a JSON number.
fn id_value(id: &Id) -> Value {
    id.0.parse::<u64>().map_or_else(|_| json!(id.0), |n| json!(n))
}

/// `line_items_by_fulfillment_order` for a fulfilment: each of our lines matched by its
/// Shopify line item id to the open fulfillment orders' lines, its quantity taken from
/// what each can still fulfil.
pub fn fulfillment_lines(f: &Fulfilment, orders: &[FulfillmentOrder]) -> Result<Vec<Value>, ChannelError> {
    let open: Vec<&FulfillmentOrder> = (orders.iter())
        .filter(|o| matches!(o.status.as_str(), "open" | "in_progress"))
        .collect();
    let mut taken: Vec<Vec<(&Id, i64)>> = vec![Vec::new(); open.len()];
    let mut errors = Vec::new();
    for (i, line) in f.lines.iter().enumerate() {
        let Some(line_item) = line.external_id.as_deref() else {
            errors.push(Invalid::new("required", "has no Shopify line item id").at(format!("/lines/{i}/external_id")));
            continue;
        };
        let mut left = line.quantity;
        for (o, order) in open.iter().enumerate() {
            for fo_line in order.line_items.iter().filter(|l| l.line_item_id.0 == line_item) {
                let already: i64 = taken[o]
                    .iter()
                    .filter(|(id, _)| *id == &fo_line.id)
                    .map(|(_, q)| q)
                    .sum();
                let take = left.min(fo_line.fulfillable_quantity - already);
                if take > 0 {
                    taken[o].push((&fo_line.id, take));
                    left -= take;
                }
            }
        }
        if left > 0 {
            errors.push(
                Invalid::new(
                    "not_fulfillable",
                    format!("{left} of line item {line_item} are not open for fulfilment on Shopify"),
                )
                .at(format!("/lines/{i}/quantity")),
            );
        }
    }
    if !errors.is_empty() {
        return Err(unmappable(&f.external_id, errors));
    }
    Ok(open
        .iter()
        .zip(taken)
        .filter(|(_, lines)| !lines.is_empty())
        .map(|(order, lines)| {
            let lines: Vec<Value> = lines
                .into_iter()
                .map(|(id, quantity)| json!({"id": id_value(id), "quantity": quantity}))
                .collect();
            json!({"fulfillment_order_id": id_value(&order.id), "fulfillment_order_line_items": lines})
        })
        .collect())
}

/// Shopify's cancel reason for ours: one of its own words, else `other`.
pub fn cancel_reason(reason: Option<&str>) -> &'static str {
    match reason.map(|r| r.trim().to_ascii_lowercase()).as_deref() {
        Some("customer" | "customer_request") => "customer",
        Some("inventory" | "stock") => "inventory",
        Some("fraud") => "fraud",
        Some("declined") => "declined",
        _ => "other",
    }
}

/// `refund_line_items` that cancel some lines of an order (no money, stock back).
pub fn cancelled_lines(c: &Cancellation) -> Result<Vec<Value>, ChannelError> {
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for (i, line) in c.lines.iter().enumerate() {
        match line.external_id.as_deref() {
            Some(id) => lines.push(json!({
                "line_item_id": id_value(&Id(id.to_owned())),
                "quantity": line.quantity,
                "restock_type": "cancel",
            })),
            None => errors
                .push(Invalid::new("required", "has no Shopify line item id").at(format!("/lines/{i}/external_id"))),
        }
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(unmappable(&c.external_id, errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FulfilledLine;
    use crate::shopify::model::FulfillmentOrderLine;

    fn fields(e: ChannelError) -> Vec<(String, &'static str)> {
        match e {
            ChannelError::Unmappable { errors, .. } => errors.into_iter().map(|e| (e.field, e.code)).collect(),
            other => panic!("expected Unmappable, got {other:?}"),
        }
    }

    fn fo(id: &str, status: &str, lines: &[(&str, &str, i64)]) -> FulfillmentOrder {
        FulfillmentOrder {
            id: Id(id.into()),
            status: status.into(),
            line_items: lines
                .iter()
                .map(|(id, item, q)| FulfillmentOrderLine {
                    id: Id((*id).into()),
                    line_item_id: Id((*item).into()),
                    fulfillable_quantity: *q,
                })
                .collect(),
        }
    }

    fn shipped(lines: &[(Option<&str>, i64)]) -> Fulfilment {
        Fulfilment {
            external_id: "450789469".into(),
            shipment_id: "shp_1".into(),
            lines: lines
                .iter()
                .map(|(id, q)| FulfilledLine {
                    external_id: id.map(str::to_owned),
                    sku: "X".into(),
                    quantity: *q,
                })
                .collect(),
            carrier: "ups".into(),
            service: None,
            tracking_number: "1Z5R89390357567127".into(),
            tracking_url: None,
            shipped_at: "2026-03-01T10:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn fulfilled_lines_are_matched_to_open_fulfillment_order_lines_by_line_item_id() {
        let orders = [
            fo("1", "closed", &[("11", "466157049", 0)]),
            fo("2", "open", &[("21", "466157049", 1), ("22", "518995019", 2)]),
            fo("3", "in_progress", &[("31", "518995019", 3)]),
        ];
        let body = fulfillment_lines(&shipped(&[(Some("466157049"), 1), (Some("518995019"), 4)]), &orders).unwrap();
        assert_eq!(
            body,
            vec![
                json!({"fulfillment_order_id": 2, "fulfillment_order_line_items": [{"id": 21, "quantity": 1}, {"id": 22, "quantity": 2}]}),
                json!({"fulfillment_order_id": 3, "fulfillment_order_line_items": [{"id": 31, "quantity": 2}]}),
            ]
        );
        let errors = fields(fulfillment_lines(&shipped(&[(None, 1), (Some("466157049"), 2)]), &orders).unwrap_err());
        assert_eq!(
            errors,
            vec![
                ("/lines/0/external_id".to_owned(), "required"),
                ("/lines/1/quantity".to_owned(), "not_fulfillable")
            ]
        );
    }

    #[test]
    fn carriers_and_cancel_reasons_are_shopify_words() {
        assert_eq!(tracking_company("ups"), "UPS");
        assert_eq!(tracking_company("dhl_express"), "DHL Express");
        assert_eq!(tracking_company("royal_mail"), "Royal Mail");
        assert_eq!(tracking_company("Parcelforce"), "Parcelforce");
        assert_eq!(cancel_reason(Some("customer_request")), "customer");
        assert_eq!(cancel_reason(Some("Fraud")), "fraud");
        assert_eq!(cancel_reason(Some("changed my mind")), "other");
        assert_eq!(cancel_reason(None), "other");
    }
}
