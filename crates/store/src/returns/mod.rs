//! Returns (RMAs) in the database: requests checked against what shipped and the
//! channel's return window (`request`), authorization with the returning location,
//! rejection and cancellation (`decide`), receipts with a disposition per item —
//! restock through the ledger, quarantine, scrap (`receive`) — settlement through the
//! payments ledger (`settle`), exchanges (`exchange`), claims (`claim`), reads and the
//! report (`read`) and the consistency check (`check`). The rules are
//! `core::returns`; these modules read the facts they need, ask core, and write what it
//! decided. This module owns the types the others share.

mod check;
mod claim;
mod decide;
mod exchange;
mod facts;
mod portal;
mod read;
mod receive;
mod request;
mod settle;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use switchyard_core::auth::Role;
use switchyard_core::catalog::Address;
use switchyard_core::id::{LineId, LocationId, OrderId, ProductId, ReturnId, ReturnLineId, ReturnReceiptId};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::Customer;
use switchyard_core::returns::{
    Disposition, RefundOn, ReturnLineState, ReturnMoney, ReturnReason, ReturnStatus, ReturnableLine, SettlementKind,
};

pub use claim::{Claim, ClaimFilter, ClaimLine};
pub use portal::Returnable;
pub use switchyard_core::returns::{Authorization, Dispositions};

/// One line of a return.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnLine {
    pub id: ReturnLineId,
    /// The order's line number.
    pub line_no: i64,
    pub line_id: LineId,
    pub sku: String,
    pub product_id: ProductId,
    /// Units asked to be returned.
    pub quantity: i64,
    pub reason: ReturnReason,
    pub note: Option<String>,
    /// Units that arrived.
    pub received: i64,
    /// Units whose money was settled (refunded or credited to an exchange).
    pub settled: i64,
    pub dispositions: Dispositions,
}

/// Units received with one disposition.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnReceiptRecord {
    pub id: ReturnReceiptId,
    pub line_no: i64,
    pub sku: String,
    pub location: String,
    pub disposition: Disposition,
    pub quantity: i64,
    /// The `return_restock` ledger row of a restock.
    pub movement_id: Option<String>,
    pub note: Option<String>,
    pub actor: String,
    pub created_at: Timestamp,
}

/// A return as lists show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnSummary {
    pub id: ReturnId,
    /// The RMA number; the return label's reference.
    #[cfg_attr(feature = "openapi", schema(example = "RMA-100001"))]
    pub number: String,
    pub order_id: OrderId,
    pub order_number: String,
    pub status: ReturnStatus,
    /// Code of the location the items go back to, once authorized.
    pub location: Option<String>,
    pub units: i64,
    pub units_received: i64,
    pub customer_note: Option<String>,
    /// The rejection's reason, or the operator's note when authorizing.
    pub decision_note: Option<String>,
    pub settlement: Option<SettlementKind>,
    /// Refunded so far, or credited to the exchange.
    pub credited: Money,
    pub restocking_fee: Money,
    pub shipping_refunded: Money,
    /// Number of the replacement order of an exchange.
    pub exchange_order: Option<String>,
    /// What the replacement cost beyond the credit; negative when the difference was
    /// refunded.
    pub exchange_difference: Option<Money>,
    /// Who approved its refund: someone whose role may refund, when authorizing it or
    /// later. Until then nothing is refunded (`POST /returns/{key}/refund` approves).
    pub refund_approved_by: Option<String>,
    pub refund_approved_at: Option<Timestamp>,
    pub created_by: String,
    pub created_at: Timestamp,
    pub authorized_at: Option<Timestamp>,
    pub received_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub version: i64,
}

/// A return with its lines and receipts, and the two ends of its journey.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Return {
    #[serde(flatten)]
    pub summary: ReturnSummary,
    pub customer: Customer,
    /// Where the items come from: the order's shipping address.
    pub ship_from: Address,
    /// The returning location's address, once authorized.
    pub ship_to: Option<Address>,
    pub lines: Vec<ReturnLine>,
    pub receipts: Vec<ReturnReceiptRecord>,
}

#[derive(Debug, Clone, Default)]
pub struct ReturnFilter {
    pub status: Option<ReturnStatus>,
    pub reason: Option<ReturnReason>,
    /// Returns with a line of this SKU (or product id).
    pub sku: Option<String>,
    /// The order's number or id.
    pub order: Option<String>,
}

/// Returned stock held for inspection at a location: counted, not sellable.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuarantineLevel {
    pub sku: String,
    pub product_id: ProductId,
    pub location: String,
    pub location_id: LocationId,
    pub quantity: i64,
    pub updated_at: Timestamp,
}

/// How often one SKU comes back.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnRate {
    pub sku: String,
    pub product_id: ProductId,
    /// Units that left in shipments.
    pub shipped: i64,
    /// Units on returns that were not rejected or cancelled.
    pub returned: i64,
    /// `returned / shipped`, 0 when nothing shipped.
    #[cfg_attr(feature = "openapi", schema(example = 0.125))]
    pub rate: f64,
    /// Returned units by reason.
    #[cfg_attr(feature = "openapi", schema(value_type = Object, example = json!({"too_small": 2, "damaged": 1})))]
    pub by_reason: BTreeMap<ReturnReason, i64>,
}

/// An order line as returns and claims see it, read inside their transaction.
struct OrderLineRow {
    id: LineId,
    product_id: ProductId,
    returnable: ReturnableLine,
}

/// The parts of an order a return needs, read inside its transaction.
struct OrderFacts {
    id: OrderId,
    currency: Currency,
    /// The order's shipping with its tax.
    shipping: Money,
    window_days: i64,
    refund_on: RefundOn,
    fee_percent: i64,
}

/// The parts of a return an action needs, read inside its transaction.
struct Head {
    id: ReturnId,
    number: String,
    status: ReturnStatus,
    version: i64,
    location: Option<LocationId>,
    settlement: Option<SettlementKind>,
    /// The role of whoever approved its refund (`core::returns::may_approve_refund`): the
    /// authority its refunds are given on. None: its refund waits for approval.
    refund_approved: Option<Role>,
    /// What its settlements added up to so far.
    money: ReturnMoney,
    order: OrderFacts,
}

/// A return line as actions see it: its rows' ids, and its state for the rules.
struct LineRow {
    id: ReturnLineId,
    product_id: ProductId,
    state: ReturnLineState,
}

/// The lines' states, for the rules.
fn states(lines: &[LineRow]) -> Vec<ReturnLineState> {
    lines.iter().map(|l| l.state.clone()).collect()
}

/// Whether `key` is an id of type `T` (else a number).
fn id_column<T: TryFrom<String>>(key: &str, id: &'static str, number: &'static str) -> &'static str {
    if T::try_from(key.to_owned()).is_ok() {
        id
    } else {
        number
    }
}

fn describe(lines: impl IntoIterator<Item = (i64, String)>) -> String {
    lines
        .into_iter()
        .map(|(q, sku)| format!("{q} × {sku}"))
        .collect::<Vec<_>>()
        .join(", ")
}
