//! Request bodies: each deserialized as the server does and validated by the core
//! function the route calls. The first byte chooses the input type, the rest is JSON.

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use switchyard_core::FieldError;
use switchyard_core::carrier::Carrier;
use switchyard_core::catalog::{
    ChannelInput, ComponentInput, FulfilmentSettingsInput, LocationInput, ProductInput, ProductPatch, parse_components,
};
use switchyard_core::inventory::{AdjustmentInput, CountInput, ReceiptInput, TransferInput};
use switchyard_core::payment::{AppeasementInput, RefundInput};
use switchyard_core::purchase::{PurchaseOrderInput, PurchaseReceiptInput};
use switchyard_core::returns::{
    AuthorizeInput, ClaimInput, ExchangeInput, RejectInput, ReturnInput, ReturnReceiptInput,
};
use switchyard_core::routing::SimulationInput;
use switchyard_core::routing::zone::{ZoneInput, parse_zones};
use switchyard_core::shipment::input::{
    BinInput, BulkTrackingInput, LabelInput, PackInput, PickConfirmInput, PickListInput, ReleaseInput,
    TrackingEventInput, parse_bins,
};

use crate::{json, selector};

mod order;

/// The time validation is asked at (holds and tracking events compare with it).
fn now() -> Timestamp {
    Timestamp::constant(1_790_000_000, 0)
}

/// Deserializes `body` as `T` and validates it with `parse`. A refusal names at least
/// one problem, each under a JSON pointer into the body, so a client can find it.
fn validated<T: DeserializeOwned, D>(body: &[u8], parse: impl Fn(&T) -> Result<D, Vec<FieldError>>) -> Option<D> {
    let input = json::<T>(body)?;
    match parse(&input) {
        Ok(draft) => Some(draft),
        Err(errors) => {
            assert!(!errors.is_empty(), "refused without a reason");
            for e in &errors {
                assert!(
                    e.field.is_empty() || e.field.starts_with('/'),
                    "not a JSON pointer: {e:?}"
                );
                assert!(!e.code.is_empty() && !e.message.is_empty(), "{e:?}");
            }
            None
        }
    }
}

pub fn order_input(data: &[u8]) {
    let Some((which, body)) = selector(data) else { return };
    match which % 3 {
        0 => order::order(body),
        1 => order::hold(body, now()),
        _ => order::address(body),
    }
}

pub fn catalog_input(data: &[u8]) {
    let Some((which, body)) = selector(data) else { return };
    match which % 8 {
        0 => drop(validated(body, ProductInput::parse)),
        1 => drop(validated(body, |patch: &ProductPatch| {
            let current = ProductInput {
                sku: Some("TEE-M".into()),
                title: Some("Tee".into()),
                ..ProductInput::default()
            }
            .parse()?;
            patch.apply(&current)
        })),
        2 => drop(validated(body, LocationInput::parse)),
        3 => drop(validated(body, ChannelInput::parse)),
        4 => drop(validated(body, FulfilmentSettingsInput::parse)),
        5 => drop(validated(body, |zones: &Vec<ZoneInput>| parse_zones(zones))),
        6 => drop(validated(body, |parts: &Vec<ComponentInput>| parse_components(parts))),
        _ => drop(validated(body, |bins: &Vec<BinInput>| parse_bins(bins))),
    }
}

pub fn stock_input(data: &[u8]) {
    let Some((which, body)) = selector(data) else { return };
    match which % 6 {
        0 => drop(validated(body, ReceiptInput::parse)),
        1 => drop(validated(body, AdjustmentInput::parse)),
        2 => drop(validated(body, CountInput::parse)),
        3 => drop(validated(body, TransferInput::parse)),
        4 => drop(validated(body, PurchaseOrderInput::parse)),
        _ => drop(validated(body, PurchaseReceiptInput::parse)),
    }
}

pub fn returns_input(data: &[u8]) {
    let Some((which, body)) = selector(data) else { return };
    match which % 8 {
        0 => drop(validated(body, ReturnInput::parse)),
        1 => drop(validated(body, AuthorizeInput::parse)),
        2 => drop(validated(body, RejectInput::rejection)),
        3 => drop(validated(body, ReturnReceiptInput::parse)),
        4 => drop(validated(body, ExchangeInput::parse)),
        5 => drop(validated(body, ClaimInput::parse)),
        6 => drop(validated(body, RefundInput::parse)),
        _ => drop(validated(body, AppeasementInput::parse)),
    }
}

pub fn shipment_input(data: &[u8]) {
    let Some((which, body)) = selector(data) else { return };
    match which % 9 {
        0 => drop(validated(body, ReleaseInput::parse)),
        1 => drop(validated(body, PickListInput::parse)),
        2 => drop(validated(body, PickConfirmInput::parse)),
        3 => drop(validated(body, PackInput::parse)),
        4 => drop(validated(body, |label: &LabelInput| label.parse(None))),
        5 => drop(validated(body, |label: &LabelInput| {
            label.parse(Some(Carrier::RoyalMail))
        })),
        6 => drop(validated(body, |event: &TrackingEventInput| event.parse(now()))),
        7 => drop(validated(body, |events: &BulkTrackingInput| events.parse(now()))),
        _ => drop(validated(body, SimulationInput::parse)),
    }
}
