//! The document spells every enum as the API writes and reads it.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use switchyard_core::auth::Permission;
use switchyard_core::carrier::{Carrier, Provider};
use switchyard_core::catalog::{ChannelKind, LocationKind, ShortagePolicy};
use switchyard_core::delivery::AttemptOutcome;
use switchyard_core::forecast::Method;
use switchyard_core::inventory::{AdjustmentReason, MovementKind};
use switchyard_core::mail::EmailKind;
use switchyard_core::order::{
    FulfilmentStatus, HoldReason, LineStatus, OrderEventKind, OrderStatus, PaymentStatus, ServiceLevel,
};
use switchyard_core::payment::{
    AppeasementReason, AttemptStatus, CaptureMode, PaymentProvider, RefundReason, TransactionKind,
};
use switchyard_core::purchase::PurchaseOrderStatus;
use switchyard_core::replenish::{AbcClass, DemandSource, LeadTimeSource, StockState, SuggestionReason};
use switchyard_core::report::{DeliveryGroupBy, PerfectComponent};
use switchyard_core::returns::{
    ClaimReason, ClaimResolution, Disposition, OrderReturnStatus, RefundOn, ReturnReason, ReturnStatus, SettlementKind,
};
use switchyard_core::routing::SplitPolicy;
use switchyard_core::shipment::input::ItemMix;
use switchyard_core::shipment::{PickListStatus, ReleaseMode, ShipmentLineStatus, ShipmentStatus, TrackingStatus};
use switchyard_core::webhook::{WebhookDisabledReason, WebhookEndpointEventKind, WebhookEndpointStatus};
use switchyard_store::shipment::TrackingOutcomeKind;
use utoipa::ToSchema;

/// How the API handles one enum: every value as it writes it, and whether it reads a
/// spelling back (`None` for an enum the API only writes).
struct Spellings {
    written: Vec<Value>,
    reads: Option<fn(&Value) -> bool>,
}

fn written<T: Serialize>(values: &[T]) -> Vec<Value> {
    values.iter().map(|v| serde_json::to_value(v).unwrap()).collect()
}

fn reads<T: DeserializeOwned>(value: &Value) -> bool {
    serde_json::from_value::<T>(value.clone()).is_ok()
}

/// The enums of the API by schema name: those of `string_enum!` (read and written,
/// every value in `ALL`), and the few the API only writes.
fn api_enums() -> Vec<(String, Spellings)> {
    macro_rules! string_enums {
        ($($t:ty),+ $(,)?) => {
            vec![$((
                <$t as ToSchema>::name().into_owned(),
                Spellings { written: written(<$t>::ALL), reads: Some(reads::<$t>) },
            )),+]
        };
    }
    let mut enums = string_enums![
        AbcClass,
        AdjustmentReason,
        AppeasementReason,
        AttemptOutcome,
        AttemptStatus,
        CaptureMode,
        Carrier,
        DeliveryGroupBy,
        DemandSource,
        ChannelKind,
        ClaimReason,
        ClaimResolution,
        Disposition,
        EmailKind,
        FulfilmentStatus,
        HoldReason,
        ItemMix,
        LeadTimeSource,
        LineStatus,
        LocationKind,
        Method,
        MovementKind,
        OrderEventKind,
        OrderReturnStatus,
        OrderStatus,
        PaymentProvider,
        PaymentStatus,
        PerfectComponent,
        Permission,
        PickListStatus,
        Provider,
        PurchaseOrderStatus,
        RefundOn,
        RefundReason,
        ReleaseMode,
        ReturnReason,
        ReturnStatus,
        ServiceLevel,
        SettlementKind,
        ShipmentLineStatus,
        ShipmentStatus,
        ShortagePolicy,
        SplitPolicy,
        StockState,
        SuggestionReason,
        TrackingStatus,
        TransactionKind,
        WebhookDisabledReason,
        WebhookEndpointEventKind,
        WebhookEndpointStatus,
    ];
    {
        use crate::api::imports::ImportOutcome as O;
        enums.push((
            O::name().into_owned(),
            Spellings {
                written: written(&[O::Created, O::Existing, O::Checked, O::Refused]),
                reads: None,
            },
        ));
    }
    {
        use crate::channels::intake::IntakeOutcome as I;
        enums.push((
            I::name().into_owned(),
            Spellings {
                written: written(&[
                    I::Placed,
                    I::Existing,
                    I::Cancelled,
                    I::Held,
                    I::Noted,
                    I::Refunded,
                    I::Nothing,
                    I::Refused,
                ]),
                reads: None,
            },
        ));
    }
    enums.push((
        crate::api::reports::ReportFormat::name().into_owned(),
        Spellings {
            written: written(&["json", "csv", "svg"]),
            reads: Some(reads::<crate::api::reports::ReportFormat>),
        },
    ));
    enums.push((
        crate::api::reports::time_of_order::TimeChart::name().into_owned(),
        Spellings {
            written: written(&["grid", "daily"]),
            reads: Some(reads::<crate::api::reports::time_of_order::TimeChart>),
        },
    ));
    enums.push((
        TrackingOutcomeKind::name().into_owned(),
        Spellings {
            written: written(&[
                TrackingOutcomeKind::Applied,
                TrackingOutcomeKind::Recorded,
                TrackingOutcomeKind::Duplicate,
                TrackingOutcomeKind::Refused,
            ]),
            reads: None,
        },
    ));
    {
        use switchyard_core::report::ChannelSource as S;
        enums.push((
            S::name().into_owned(),
            Spellings {
                written: written(&[S::Orders, S::Sku]),
                reads: None,
            },
        ));
    }
    enums
}

#[test]
fn every_enum_in_the_document_is_spelled_as_the_api_spells_it() {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    let known = api_enums();
    let mut checked = 0;
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let Some(documented) = schema["enum"].as_array() else {
            continue;
        };
        let Some((_, api)) = known.iter().find(|(n, _)| n == name) else {
            panic!("{name} is an enum of the document this test does not know: add it to api_enums");
        };
        assert_eq!(
            documented, &api.written,
            "{name}: the document against what the API writes"
        );
        if let Some(reads) = api.reads {
            for value in documented {
                assert!(reads(value), "{name}: the API refuses the documented {value}");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, known.len(), "every enum of the API is in the document");
}

#[test]
fn every_authenticated_post_documents_its_idempotency_key_and_errors() {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let mut statuses = vec!["401", "403", "429"];
            if method == "post" {
                let keyed = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["name"] == super::IDEMPOTENCY_KEY && p["in"] == "header");
                assert!(keyed, "post {path} documents Idempotency-Key");
                statuses.extend(["400", "409", "422"]);
            }
            for status in statuses {
                let answer = &responses[status];
                assert_eq!(
                    answer["content"]["application/problem+json"]["schema"]["$ref"], "#/components/schemas/Problem",
                    "{method} {path} documents its {status} as a problem"
                );
            }
            let success = responses.keys().any(|s| s.starts_with('2'));
            assert!(success, "{method} {path} documents its success");
        }
    }
}

#[test]
fn every_request_body_has_an_example() {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    let mut without = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(content) = op["requestBody"]["content"].as_object() else {
                continue;
            };
            if content.values().any(|c| c.get("example").is_none()) {
                without.push(format!("{method} {path}"));
            }
        }
    }
    assert!(without.is_empty(), "request bodies without an example: {without:#?}");
}

#[test]
fn every_response_example_parses_and_is_shown_by_its_type() {
    let doc = serde_json::to_value(crate::openapi()).unwrap();
    for (name, text) in super::examples::EXAMPLES {
        let example: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("examples/{name}.json: {e}"));
        let schema = &doc["components"]["schemas"][name];
        assert_eq!(
            schema["examples"][0], example,
            "the {name} component shows examples/{name}.json"
        );
    }
}
