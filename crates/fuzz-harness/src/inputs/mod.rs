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

/// Like `validated`, for a target that only checks the refusals.
fn checked<T: DeserializeOwned, D>(body: &[u8], parse: impl Fn(&T) -> Result<D, Vec<FieldError>>) {
    validated(body, parse);
}

/// One check of a body per parser, for `one_of`.
macro_rules! parsers {
    ($($parse:expr),+ $(,)?) => {
        &[$(&|body: &[u8]| checked(body, $parse)),+]
    };
}

/// A check of a body.
type Check<'a> = &'a dyn Fn(&[u8]);

/// Feeds the body to the check the first byte picks from `checks`.
fn one_of(data: &[u8], checks: &[Check<'_>]) {
    if let Some((which, body)) = selector(data) {
        checks[usize::from(which) % checks.len()](body);
    }
}

pub fn order_input(data: &[u8]) {
    one_of(
        data,
        &[&order::order, &|body| order::hold(body, now()), &order::address],
    );
}

pub fn catalog_input(data: &[u8]) {
    let patch = |patch: &ProductPatch| patch.apply(&product().parse()?);
    let zones = |zones: &Vec<ZoneInput>| parse_zones(zones);
    let components = |parts: &Vec<ComponentInput>| parse_components(parts);
    let bins = |bins: &Vec<BinInput>| parse_bins(bins);
    one_of(
        data,
        parsers![
            ProductInput::parse,
            patch,
            LocationInput::parse,
            ChannelInput::parse,
            FulfilmentSettingsInput::parse,
            zones,
            components,
            bins
        ],
    );
}

/// The product a patch is applied to.
fn product() -> ProductInput {
    ProductInput {
        sku: Some("TEE-M".into()),
        title: Some("Tee".into()),
        ..ProductInput::default()
    }
}

pub fn stock_input(data: &[u8]) {
    one_of(
        data,
        parsers![
            ReceiptInput::parse,
            AdjustmentInput::parse,
            CountInput::parse,
            TransferInput::parse,
            PurchaseOrderInput::parse,
            PurchaseReceiptInput::parse
        ],
    );
}

pub fn returns_input(data: &[u8]) {
    one_of(
        data,
        parsers![
            ReturnInput::parse,
            AuthorizeInput::parse,
            RejectInput::rejection,
            ReturnReceiptInput::parse,
            ExchangeInput::parse,
            ClaimInput::parse,
            RefundInput::parse,
            AppeasementInput::parse
        ],
    );
}

pub fn shipment_input(data: &[u8]) {
    let label = |label: &LabelInput| label.parse(None);
    let label_with_default = |label: &LabelInput| label.parse(Some(Carrier::RoyalMail));
    one_of(
        data,
        parsers![
            ReleaseInput::parse,
            PickListInput::parse,
            PickConfirmInput::parse,
            PackInput::parse,
            label,
            label_with_default,
            TrackingEventInput::parse,
            BulkTrackingInput::parse,
            SimulationInput::parse
        ],
    );
}
