//! The example answer every success response shows: one example per response type,
//! written once as the type serializes (`examples/NAME.json`, taken from the demo data)
//! and put on the type's component, so every operation answering with it shows it. A
//! page (`Page_NAME`) and a bare list of a type show their item's example.
//! `.ci/response_examples.py` checks that each success answer has one and that it fits
//! its schema.

use serde_json::{Value, json};
use utoipa::openapi::schema::ArrayItems;
use utoipa::openapi::{OpenApi, RefOr, Schema};

/// The example of each response type, by component name.
pub(super) const EXAMPLES: &[(&str, &str)] = &[
    ("AttemptRecord", include_str!("examples/AttemptRecord.json")),
    ("AvailableToPromise", include_str!("examples/AvailableToPromise.json")),
    ("Bin", include_str!("examples/Bin.json")),
    ("CarrierList", include_str!("examples/CarrierList.json")),
    ("Channel", include_str!("examples/Channel.json")),
    ("ChannelPerformance", include_str!("examples/ChannelPerformance.json")),
    ("Claim", include_str!("examples/Claim.json")),
    ("EmailPreview", include_str!("examples/EmailPreview.json")),
    ("EventFeed", include_str!("examples/EventFeed.json")),
    ("Feedback", include_str!("examples/Feedback.json")),
    ("FeedbackSummary", include_str!("examples/FeedbackSummary.json")),
    ("FulfilmentSettings", include_str!("examples/FulfilmentSettings.json")),
    ("Health", include_str!("examples/Health.json")),
    ("Location", include_str!("examples/Location.json")),
    ("Movement", include_str!("examples/Movement.json")),
    ("Order", include_str!("examples/Order.json")),
    ("OrderPayments", include_str!("examples/OrderPayments.json")),
    ("OrderSummary", include_str!("examples/OrderSummary.json")),
    ("PaymentTransaction", include_str!("examples/PaymentTransaction.json")),
    ("PickList", include_str!("examples/PickList.json")),
    ("Product", include_str!("examples/Product.json")),
    ("PurchaseOrder", include_str!("examples/PurchaseOrder.json")),
    (
        "PurchaseOrderSummary",
        include_str!("examples/PurchaseOrderSummary.json"),
    ),
    ("QuarantineLevel", include_str!("examples/QuarantineLevel.json")),
    ("ReceiptOutcome", include_str!("examples/ReceiptOutcome.json")),
    ("Released", include_str!("examples/Released.json")),
    ("Replayed", include_str!("examples/Replayed.json")),
    ("RetryQueued", include_str!("examples/RetryQueued.json")),
    ("Return", include_str!("examples/Return.json")),
    ("ReturnRate", include_str!("examples/ReturnRate.json")),
    ("ReturnSummary", include_str!("examples/ReturnSummary.json")),
    ("Shipment", include_str!("examples/Shipment.json")),
    ("ShipmentSummary", include_str!("examples/ShipmentSummary.json")),
    ("Simulation", include_str!("examples/Simulation.json")),
    ("StockChange", include_str!("examples/StockChange.json")),
    ("StockLevel", include_str!("examples/StockLevel.json")),
    ("StoredForecast", include_str!("examples/StoredForecast.json")),
    ("StoredSupplierTerms", include_str!("examples/StoredSupplierTerms.json")),
    ("Suggestions", include_str!("examples/Suggestions.json")),
    ("TestEventSent", include_str!("examples/TestEventSent.json")),
    ("TimeOfOrder", include_str!("examples/TimeOfOrder.json")),
    ("TrackingResult", include_str!("examples/TrackingResult.json")),
    ("TrackingResults", include_str!("examples/TrackingResults.json")),
    ("WebhookEndpoint", include_str!("examples/WebhookEndpoint.json")),
    (
        "WebhookEndpointSummary",
        include_str!("examples/WebhookEndpointSummary.json"),
    ),
    (
        "WebhookEndpointWithSecret",
        include_str!("examples/WebhookEndpointWithSecret.json"),
    ),
    ("ConnectionTest", include_str!("examples/ConnectionTest.json")),
    ("ConnectionView", include_str!("examples/ConnectionView.json")),
    ("Drift", include_str!("examples/Drift.json")),
    ("Listing", include_str!("examples/Listing.json")),
    ("ListingImport", include_str!("examples/ListingImport.json")),
    ("Notification", include_str!("examples/Notification.json")),
    ("Poll", include_str!("examples/Poll.json")),
    ("Resync", include_str!("examples/Resync.json")),
    ("StockStatus", include_str!("examples/StockStatus.json")),
];

/// Puts each response type's example on its component, each page's on `Page_NAME`, and
/// on a response that is a bare list of a type, that list.
pub fn document_examples(doc: &mut OpenApi) {
    // A text that does not parse is skipped here and fails a test.
    let mut examples: Vec<(String, Value)> = EXAMPLES
        .iter()
        .filter_map(|(name, text)| Some((name.to_string(), serde_json::from_str(text).ok()?)))
        .collect();
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let pages: Vec<(String, Value)> = components
        .schemas
        .keys()
        .filter_map(|name| {
            let item = example_of(&examples, name.strip_prefix("Page_")?)?;
            Some((name.clone(), json!({"data": [item], "next_cursor": null})))
        })
        .collect();
    examples.extend(pages);
    for (name, example) in &examples {
        if let Some(RefOr::T(schema)) = components.schemas.get_mut(name) {
            set_example(schema, example.clone());
        }
    }
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            for response in operation.responses.responses.values_mut() {
                let RefOr::T(response) = response else { continue };
                let Some(RefOr::T(content)) = response.content.get_mut("application/json") else {
                    continue;
                };
                if content.example.is_none() && content.examples.is_empty() {
                    let item = list_item(content.schema.as_ref()).and_then(|name| example_of(&examples, name));
                    content.example = item.map(|item| json!([item]));
                }
            }
        }
    }
}

fn example_of<'a>(examples: &'a [(String, Value)], name: &str) -> Option<&'a Value> {
    examples.iter().find(|(n, _)| n == name).map(|(_, example)| example)
}

/// The component name of the items of a bare list schema (`[NAME]`).
fn list_item(schema: Option<&RefOr<Schema>>) -> Option<&str> {
    let Some(RefOr::T(Schema::Array(array))) = schema else {
        return None;
    };
    let ArrayItems::RefOrSchema(items) = &array.items else {
        return None;
    };
    let RefOr::Ref(reference) = items.as_ref() else {
        return None;
    };
    reference.ref_location.strip_prefix("#/components/schemas/")
}

fn set_example(schema: &mut Schema, example: Value) {
    match schema {
        Schema::Object(object) => object.examples = vec![example],
        Schema::AllOf(all_of) => all_of.examples = vec![example],
        Schema::OneOf(one_of) => one_of.examples = vec![example],
        Schema::AnyOf(any_of) => any_of.examples = vec![example],
        Schema::Array(array) => array.examples = vec![example],
        _ => {}
    }
}
