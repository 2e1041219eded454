//! Returns: what a customer may send back and when, how the items that arrive are
//! matched to the return (RMA), and what goes back to the customer. Claims — goods lost
//! or damaged on the way, resolved without anything being sent back — share the same
//! quantity and money rules.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::inventory::Quantity;
use crate::money::{Money, MoneyError};
use crate::order::LineDraft;
use crate::payment::{self, RefundLine, RefundReason, RefundRequest};
use crate::validation::{self, FieldError, Invalid, Validator};

/// A return or claim may carry at most this many lines, and a receipt as many items.
pub const MAX_LINES: usize = 500;

string_enum!(
    /// When a return is refunded.
    RefundOn {
        /// When the returning location has received the items.
        Receipt = "receipt",
        /// As soon as the return is authorized, before the items arrive.
        Authorization = "authorization",
    }
);

string_enum!(
    /// A return's lifecycle.
    ReturnStatus {
        /// The customer asked; nobody decided yet.
        Requested = "requested",
        /// Accepted: the customer may send the items, with the return label.
        Authorized = "authorized",
        /// Refused, with a note.
        Rejected = "rejected",
        /// Some items arrived, more are expected.
        PartiallyReceived = "partially_received",
        /// Every authorized item arrived.
        Received = "received",
        /// Received and settled (refunded or exchanged): nothing more to do.
        Closed = "closed",
        /// Withdrawn before anything arrived.
        Cancelled = "cancelled",
    }
);

string_enum!(
    /// Why the customer sends an item back.
    ReturnReason {
        TooSmall = "too_small",
        TooLarge = "too_large",
        Damaged = "damaged",
        Defective = "defective",
        NotAsDescribed = "not_as_described",
        WrongItem = "wrong_item",
        ChangedMind = "changed_mind",
        ArrivedLate = "arrived_late",
        Other = "other",
    }
);

impl ReturnReason {
    /// Whether the seller is at fault: then the shipping is refunded and no
    /// restocking fee is kept.
    pub fn seller_fault(self) -> bool {
        match self {
            ReturnReason::Damaged
            | ReturnReason::Defective
            | ReturnReason::NotAsDescribed
            | ReturnReason::WrongItem => true,
            ReturnReason::TooSmall
            | ReturnReason::TooLarge
            | ReturnReason::ChangedMind
            | ReturnReason::ArrivedLate
            | ReturnReason::Other => false,
        }
    }
}

string_enum!(
    /// What the returning location does with an item it received.
    Disposition {
        /// Back to sellable stock through the ledger.
        Restock = "restock",
        /// Counted, but not sellable until inspected.
        Quarantine = "quarantine",
        /// Written off: recorded on the return only.
        Scrap = "scrap",
    }
);

string_enum!(
    /// How a return was settled.
    SettlementKind {
        Refund = "refund",
        Exchange = "exchange",
    }
);

string_enum!(
    /// Where an order's returns stand, derived from them.
    OrderReturnStatus {
        None = "none",
        /// A return is open and nothing has arrived yet.
        Requested = "requested",
        /// Some shipped units came back.
        PartiallyReturned = "partially_returned",
        /// Every shipped unit came back.
        Returned = "returned",
    }
);

string_enum!(
    /// What went wrong on the way to the customer.
    ClaimReason {
        ItemMissing = "item_missing",
        DamagedInTransit = "damaged_in_transit",
        WrongItemSent = "wrong_item_sent",
    }
);

string_enum!(
    /// How a claim is made good.
    ClaimResolution {
        /// The money for the lines goes back.
        Refund = "refund",
        /// The lines are sent again, free.
        Replacement = "replacement",
    }
);

/// What an operator, the customer or a receipt asks of a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnAction {
    Authorize,
    Reject,
    /// Items arrived; `completes` when nothing authorized is outstanding afterwards.
    Receive {
        completes: bool,
    },
    /// Settle the return by a replacement order instead of a refund.
    Exchange,
    /// Received and settled.
    Close,
    Cancel,
}

/// The operator's note on an action: a rejection must say why; authorizing and
/// cancelling may. At most 1000 characters.
pub fn action_note(action: ReturnAction, raw: Option<&str>) -> Result<Option<String>, Invalid> {
    match (action, raw) {
        (ReturnAction::Reject, None) => Err(Invalid::new("required", "is required: say why the return is rejected")),
        (_, raw) => validation::optional_text(raw, 1000),
    }
}

impl ReturnAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReturnAction::Authorize => "authorize",
            ReturnAction::Reject => "reject",
            ReturnAction::Receive { .. } => "receive",
            ReturnAction::Exchange => "exchange",
            ReturnAction::Close => "close",
            ReturnAction::Cancel => "cancel",
        }
    }
}

/// An action that is not legal in the return's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a return that is {from}", action.as_str())]
pub struct ReturnTransitionError {
    pub from: ReturnStatus,
    pub action: ReturnAction,
}

/// The return lifecycle: the one place that says which action is legal when.
pub fn transition(from: ReturnStatus, action: ReturnAction) -> Result<ReturnStatus, ReturnTransitionError> {
    use ReturnAction as A;
    use ReturnStatus as S;
    let to = match (from, action) {
        (S::Requested, A::Authorize) => S::Authorized,
        (S::Requested, A::Reject) => S::Rejected,
        (S::Authorized | S::PartiallyReceived, A::Receive { completes: false }) => S::PartiallyReceived,
        (S::Authorized | S::PartiallyReceived, A::Receive { completes: true }) => S::Received,
        // The replacement goes out before the items come back.
        (S::Authorized, A::Exchange) => S::Authorized,
        (S::Received, A::Close) => S::Closed,
        (S::Requested | S::Authorized, A::Cancel) => S::Cancelled,
        (S::Requested, A::Receive { .. } | A::Exchange | A::Close)
        | (S::Authorized, A::Authorize | A::Reject | A::Close)
        | (S::PartiallyReceived, A::Authorize | A::Reject | A::Exchange | A::Close | A::Cancel)
        | (S::Received, A::Authorize | A::Reject | A::Receive { .. } | A::Exchange | A::Cancel)
        | (
            S::Rejected | S::Closed | S::Cancelled,
            A::Authorize | A::Reject | A::Receive { .. } | A::Exchange | A::Close | A::Cancel,
        ) => return Err(ReturnTransitionError { from, action }),
    };
    Ok(to)
}

/// The end of the return window: `days` after delivery, or after shipment when the
/// delivery is not known.
pub fn window_closes(shipped_at: Timestamp, delivered_at: Option<Timestamp>, days: i64) -> Timestamp {
    let from = delivered_at.unwrap_or(shipped_at);
    from.checked_add(SignedDuration::from_hours(days.saturating_mul(24)))
        .unwrap_or(Timestamp::MAX)
}

/// An order line as a return or claim request sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnableLine {
    pub line_no: i64,
    pub sku: String,
    /// Units that left in a shipment (delivered or not).
    pub shipped: i64,
    /// Units already on returns that count (or on claims, for a claim).
    pub already: i64,
    /// When the line's shipment left, if it has.
    pub shipped_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
}

impl ReturnableLine {
    /// Units that may still be sent back (or claimed).
    pub fn returnable(&self) -> i64 {
        (self.shipped - self.already).max(0)
    }
}

/// One line of a return request, as it arrives.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnLineInput {
    /// The order's line number.
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub line_no: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub quantity: Option<i64>,
    pub reason: Option<ReturnReason>,
    #[cfg_attr(feature = "openapi", schema(example = "the medium fits like a small"))]
    pub note: Option<String>,
}

/// A return (RMA) as the customer or support asks for it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// The order's number or id.
    #[cfg_attr(feature = "openapi", schema(example = "SO-100042"))]
    pub order: Option<String>,
    pub lines: Option<Vec<ReturnLineInput>>,
    pub customer_note: Option<String>,
}

/// A valid return line, not yet checked against the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLineDraft {
    pub line_no: i64,
    pub quantity: Quantity,
    pub reason: ReturnReason,
    pub note: Option<String>,
}

/// A valid return request, not yet checked against the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnDraft {
    pub order: String,
    pub lines: Vec<ReturnLineDraft>,
    pub customer_note: Option<String>,
}

/// Checks a list of lines is present, not empty and not too long.
fn line_list<'a, T>(v: &mut Validator, field: &str, lines: Option<&'a Vec<T>>) -> Option<&'a [T]> {
    let lines = v.require(field, lines)?;
    if lines.is_empty() {
        v.push(Invalid::new("required", "needs at least one line").at(field));
    }
    if lines.len() > MAX_LINES {
        v.push(Invalid::new("too_long", format!("may have at most {MAX_LINES} lines")).at(field));
    }
    Some(&lines[..lines.len().min(MAX_LINES)])
}

fn order_key(v: &mut Validator, raw: Option<&str>) -> Option<String> {
    v.require("/order", raw)
        .and_then(|o| v.check("/order", validation::text(o, 64)))
}

fn quantity(v: &mut Validator, field: String, raw: Option<i64>) -> Option<Quantity> {
    v.require(field.clone(), raw)
        .and_then(|q| v.check(field, Quantity::new(q)))
}

impl ReturnInput {
    pub fn parse(&self) -> Result<ReturnDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let order = order_key(&mut v, self.order.as_deref());
        let mut lines = Vec::new();
        for (i, l) in line_list(&mut v, "/lines", self.lines.as_ref())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = |f: &str| format!("/lines/{i}/{f}");
            let line_no = v.require(at("line_no"), l.line_no);
            let quantity = quantity(&mut v, at("quantity"), l.quantity);
            let reason = v.require(at("reason"), l.reason);
            let note = v.check(at("note"), validation::optional_text(l.note.as_deref(), 1000));
            if let (Some(line_no), Some(quantity), Some(reason), Some(note)) = (line_no, quantity, reason, note) {
                lines.push(ReturnLineDraft {
                    line_no,
                    quantity,
                    reason,
                    note,
                });
            }
        }
        let customer_note = v.check(
            "/customer_note",
            validation::optional_text(self.customer_note.as_deref(), 4000),
        );
        v.finish(|| {
            Some(ReturnDraft {
                order: order?,
                lines,
                customer_note: customer_note?,
            })
        })
    }
}

/// Checks requested `(line_no, quantity)` pairs against the order's `lines`, field by
/// field under `/lines/{i}`: a line the order does not have, one that has not shipped,
/// one outside its return window (when `window_days` is given), or more units than
/// may still be returned (lines asked for twice count together).
pub fn check_request(
    lines: &[ReturnableLine],
    requested: &[(i64, Quantity)],
    now: Timestamp,
    window_days: Option<i64>,
) -> Result<(), Vec<FieldError>> {
    let mut v = Validator::new();
    let mut asked: Vec<i64> = vec![0; lines.len()];
    for (i, (line_no, quantity)) in requested.iter().enumerate() {
        let Some(k) = lines.iter().position(|l| l.line_no == *line_no) else {
            v.push(
                Invalid::new("unknown_line", format!("the order has no line {line_no}"))
                    .at(format!("/lines/{i}/line_no")),
            );
            continue;
        };
        let line = &lines[k];
        let Some(shipped_at) = line.shipped_at.filter(|_| line.shipped > 0) else {
            v.push(
                Invalid::new("not_shipped", format!("line {line_no} ({}) has not shipped", line.sku))
                    .at(format!("/lines/{i}/line_no")),
            );
            continue;
        };
        if let Some(days) = window_days {
            let closes = window_closes(shipped_at, line.delivered_at, days);
            if now > closes {
                let from = if line.delivered_at.is_some() {
                    "delivery"
                } else {
                    "shipment"
                };
                v.push(
                    Invalid::new(
                        "outside_return_window",
                        format!(
                            "the return window of line {line_no} ({}) closed at {closes}, {days} days after {from}",
                            line.sku
                        ),
                    )
                    .at(format!("/lines/{i}/line_no")),
                );
                continue;
            }
        }
        asked[k] += quantity.get();
        if asked[k] > line.returnable() {
            v.push(
                Invalid::new(
                    "exceeds_returnable",
                    format!(
                        "is more than the {} units of line {line_no} ({}) that may still be returned: {} shipped, {} already on returns or claims",
                        line.returnable(),
                        line.sku,
                        line.shipped,
                        line.already
                    ),
                )
                .at(format!("/lines/{i}/quantity")),
            );
        }
    }
    v.finish(|| Some(()))
}

/// One item scanned in at the returning location: by SKU or barcode.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnItemInput {
    #[cfg_attr(feature = "openapi", schema(example = "TEE-ORG-M"))]
    pub sku: Option<String>,
    /// The product's barcode, instead of the SKU.
    #[cfg_attr(feature = "openapi", schema(example = "5012345678900"))]
    pub barcode: Option<String>,
    /// Default 1.
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub quantity: Option<i64>,
    pub disposition: Option<Disposition>,
}

/// Items received against a return.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnReceiptInput {
    pub items: Option<Vec<ReturnItemInput>>,
    pub note: Option<String>,
}

/// How a scanned item names its product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKey {
    Sku(String),
    Barcode(String),
}

impl std::fmt::Display for ItemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemKey::Sku(s) => write!(f, "SKU {s}"),
            ItemKey::Barcode(b) => write!(f, "barcode {b}"),
        }
    }
}

/// A valid scanned item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnItem {
    pub key: ItemKey,
    pub quantity: Quantity,
    pub disposition: Disposition,
}

/// A valid receipt, not yet matched to the return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnReceipt {
    pub items: Vec<ReturnItem>,
    pub note: Option<String>,
}

impl ReturnReceiptInput {
    pub fn parse(&self) -> Result<ReturnReceipt, Vec<FieldError>> {
        let mut v = Validator::new();
        let mut items = Vec::new();
        for (i, item) in line_list(&mut v, "/items", self.items.as_ref())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = |f: &str| format!("/items/{i}/{f}");
            let key = match (item.sku.as_deref(), item.barcode.as_deref()) {
                (Some(s), None) => v.check(at("sku"), validation::code(s, "sku")).map(ItemKey::Sku),
                (None, Some(b)) => v.check(at("barcode"), validation::text(b, 64)).map(ItemKey::Barcode),
                (None, None) => {
                    v.push(Invalid::new("required", "name the item by `sku` or `barcode`").at(at("sku")));
                    None
                }
                (Some(_), Some(_)) => {
                    v.push(Invalid::new("ambiguous", "give `sku` or `barcode`, not both").at(at("barcode")));
                    None
                }
            };
            let quantity = v.check(at("quantity"), Quantity::new(item.quantity.unwrap_or(1)));
            let disposition = v.require(at("disposition"), item.disposition);
            if let (Some(key), Some(quantity), Some(disposition)) = (key, quantity, disposition) {
                items.push(ReturnItem {
                    key,
                    quantity,
                    disposition,
                });
            }
        }
        let note = v.check("/note", validation::optional_text(self.note.as_deref(), 1000));
        v.finish(|| Some(ReturnReceipt { items, note: note? }))
    }
}

/// A return line as a receipt sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReturnLine {
    pub line_no: i64,
    pub sku: String,
    pub barcode: Option<String>,
    /// Units authorized and not yet received.
    pub outstanding: i64,
}

/// Units of one return line received with one disposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub line_no: i64,
    pub disposition: Disposition,
    pub quantity: Quantity,
}

/// Matches scanned items to the return's lines: a SKU or barcode fills that product's
/// lines in line order. An item not on the return, or more units than are still
/// outstanding, is refused for the item at fault, naming it; nothing is matched then.
/// The plan has one entry per (line, disposition), in line order.
pub fn plan_receipt(lines: &[OpenReturnLine], receipt: &ReturnReceipt) -> Result<Vec<Received>, Vec<FieldError>> {
    let mut left: Vec<i64> = lines.iter().map(|l| l.outstanding.max(0)).collect();
    let mut taken: Vec<(usize, Disposition, i64)> = Vec::new();
    let mut v = Validator::new();
    for (i, item) in receipt.items.iter().enumerate() {
        let (field, matches): (&str, Vec<usize>) = match &item.key {
            ItemKey::Sku(s) => ("sku", (0..lines.len()).filter(|&k| lines[k].sku == *s).collect()),
            ItemKey::Barcode(b) => (
                "barcode",
                (0..lines.len())
                    .filter(|&k| lines[k].barcode.as_deref() == Some(b.as_str()))
                    .collect(),
            ),
        };
        if matches.is_empty() {
            v.push(
                Invalid::new("not_on_return", format!("{} is not on this return", item.key))
                    .at(format!("/items/{i}/{field}")),
            );
            continue;
        }
        let outstanding: i64 = matches.iter().map(|&k| left[k]).sum();
        if item.quantity.get() > outstanding {
            v.push(
                Invalid::new(
                    "exceeds_authorized",
                    format!(
                        "{} units of {} received, but only {outstanding} are authorized and not yet received",
                        item.quantity.get(),
                        lines[matches[0]].sku
                    ),
                )
                .at(format!("/items/{i}/quantity")),
            );
            continue;
        }
        let mut rest = item.quantity.get();
        for k in matches {
            let take = rest.min(left[k]);
            if take > 0 {
                left[k] -= take;
                rest -= take;
                match taken.iter_mut().find(|(l, d, _)| *l == k && *d == item.disposition) {
                    Some(entry) => entry.2 += take,
                    None => taken.push((k, item.disposition, take)),
                }
            }
        }
    }
    v.finish(|| {
        taken.sort_by_key(|(k, d, _)| (*k, *d));
        taken
            .into_iter()
            .map(|(k, disposition, q)| {
                Quantity::new(q).ok().map(|quantity| Received {
                    line_no: lines[k].line_no,
                    disposition,
                    quantity,
                })
            })
            .collect()
    })
}

/// A return line being settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettleLine {
    pub line_no: i64,
    pub reason: ReturnReason,
    /// The order line's total and quantity.
    pub line_total: Money,
    pub line_quantity: i64,
    /// Units settled now.
    pub quantity: i64,
}

/// What a return is worth to the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settlement {
    /// The lines' shares of their totals (discount and tax included).
    pub goods: Money,
    /// The order's shipping and its tax, when a line came back for the seller's fault.
    pub shipping: Money,
    /// Kept from the goods of lines that are not the seller's fault.
    pub restocking_fee: Money,
    /// `goods + shipping - restocking_fee`.
    pub total: Money,
}

/// Settles `lines`: each line's share of its total (`payment::line_share`, the rule
/// refunds use); the order's `shipping` (with its tax) when any line's reason is the
/// seller's fault and it was not refunded before; and `fee_percent` of the goods of
/// the other lines kept as a restocking fee (rounded down, in the customer's favour).
pub fn settle(
    lines: &[SettleLine],
    shipping: Money,
    shipping_refunded: bool,
    fee_percent: i64,
) -> Result<Settlement, MoneyError> {
    let currency = shipping.currency;
    let mut goods = Money::zero(currency);
    let mut chargeable = Money::zero(currency);
    for line in lines {
        let share = payment::line_share(line.line_total, line.line_quantity, line.quantity);
        goods = goods.checked_add(share)?;
        if !line.reason.seller_fault() {
            chargeable = chargeable.checked_add(share)?;
        }
    }
    let shipping = if !shipping_refunded && lines.iter().any(|l| l.quantity > 0 && l.reason.seller_fault()) {
        shipping
    } else {
        Money::zero(currency)
    };
    let fee = i128::from(chargeable.amount) * i128::from(fee_percent.clamp(0, 100)) / 100;
    let restocking_fee = Money::new(i64::try_from(fee).map_err(|_| MoneyError::Overflow)?, currency);
    let total = goods.checked_add(shipping)?.checked_sub(restocking_fee)?;
    Ok(Settlement {
        goods,
        shipping,
        restocking_fee,
        total,
    })
}

impl Settlement {
    /// The refund that pays this settlement of `lines` out, for the payments ledger to
    /// price against what was captured: the lines' units, the shipping when it is
    /// due, the restocking fee kept back.
    pub fn refund(&self, lines: &[SettleLine], reason: RefundReason, reference: &str) -> RefundRequest {
        RefundRequest {
            lines: lines
                .iter()
                .filter(|l| l.quantity > 0)
                .map(|l| RefundLine {
                    line_no: l.line_no,
                    quantity: l.quantity,
                })
                .collect(),
            shipping: self.shipping.amount > 0,
            amount: None,
            fee: (self.restocking_fee.amount > 0).then_some(self.restocking_fee),
            reason,
            appeasement: None,
            note: None,
            reference: Some(reference.to_owned()),
        }
    }
}

/// Where an order's returns stand: `shipped` units left in shipments, `received` units
/// came back, and `open` says whether a return that counts is still waiting.
pub fn order_return_status(shipped: i64, received: i64, open: bool) -> OrderReturnStatus {
    match (received, open) {
        (r, _) if r > 0 && r >= shipped => OrderReturnStatus::Returned,
        (r, _) if r > 0 => OrderReturnStatus::PartiallyReturned,
        (_, true) => OrderReturnStatus::Requested,
        _ => OrderReturnStatus::None,
    }
}

/// One line of an exchange's replacement order.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExchangeLineInput {
    #[cfg_attr(feature = "openapi", schema(example = "TEE-ORG-L"))]
    pub sku: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub quantity: Option<i64>,
    /// Price of one unit; default the product's price.
    pub unit_price: Option<Money>,
}

/// An exchange: the replacement goods for a return.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExchangeInput {
    pub lines: Option<Vec<ExchangeLineInput>>,
}

/// A valid replacement line; the price is resolved against the catalog later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplacementLine {
    pub sku: String,
    pub quantity: Quantity,
    pub unit_price: Option<Money>,
}

impl ExchangeInput {
    pub fn parse(&self) -> Result<Vec<ReplacementLine>, Vec<FieldError>> {
        let mut v = Validator::new();
        let mut lines = Vec::new();
        for (i, l) in line_list(&mut v, "/lines", self.lines.as_ref())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let at = |f: &str| format!("/lines/{i}/{f}");
            let sku = v
                .require(at("sku"), l.sku.as_deref())
                .and_then(|s| v.check(at("sku"), validation::code(s, "sku")));
            let quantity = quantity(&mut v, at("quantity"), l.quantity);
            let price = v.check_opt(at("unit_price"), l.unit_price, |m| {
                if m.is_negative() {
                    Err(Invalid::new("out_of_range", "must not be negative"))
                } else {
                    Ok(m)
                }
            });
            if let (Some(sku), Some(quantity), Some(unit_price)) = (sku, quantity, price) {
                lines.push(ReplacementLine {
                    sku,
                    quantity,
                    unit_price,
                });
            }
        }
        v.finish(|| Some(lines))
    }
}

/// Pays for replacement `lines` with a return's `credit`: each line, in order, is
/// discounted by as much of the credit as its price allows, so the replacement order
/// charges only what the credit does not cover. Returns the credit left over, which
/// goes back to the customer.
pub fn apply_credit(lines: &mut [LineDraft], credit: Money) -> Result<Money, MoneyError> {
    let mut left = credit;
    for line in lines.iter_mut() {
        let gross = line.unit_price.checked_mul(line.quantity.get())?;
        let room = gross.checked_sub(line.discount)?;
        let take = Money::new(left.amount.clamp(0, room.amount.max(0)), left.currency);
        line.discount = line.discount.checked_add(take)?;
        line.total = gross.checked_sub(line.discount)?.checked_add(line.tax)?;
        left = left.checked_sub(take)?;
    }
    Ok(left)
}

/// One line of a claim.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimLineInput {
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub line_no: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub quantity: Option<i64>,
}

/// A claim: goods that went wrong on the way, made good without a return.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimInput {
    pub reason: Option<ClaimReason>,
    pub resolution: Option<ClaimResolution>,
    pub lines: Option<Vec<ClaimLineInput>>,
    #[cfg_attr(feature = "openapi", schema(example = "the box arrived crushed"))]
    pub note: Option<String>,
}

/// A valid claim, not yet checked against the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimDraft {
    pub reason: ClaimReason,
    pub resolution: ClaimResolution,
    pub lines: Vec<(i64, Quantity)>,
    pub note: Option<String>,
}

impl ClaimDraft {
    /// The refund a claim resolved by refund asks for: the claimed units of each line
    /// at their share of its total; nothing comes back, so no fee is kept.
    pub fn refund(&self, reference: &str) -> RefundRequest {
        RefundRequest {
            lines: self
                .lines
                .iter()
                .map(|(line_no, quantity)| RefundLine {
                    line_no: *line_no,
                    quantity: quantity.get(),
                })
                .collect(),
            shipping: false,
            amount: None,
            fee: None,
            reason: RefundReason::Claim,
            appeasement: None,
            note: self.note.clone(),
            reference: Some(reference.to_owned()),
        }
    }
}

impl ClaimInput {
    pub fn parse(&self) -> Result<ClaimDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let reason = v.require("/reason", self.reason);
        let resolution = v.require("/resolution", self.resolution);
        let mut lines = Vec::new();
        for (i, l) in line_list(&mut v, "/lines", self.lines.as_ref())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let line_no = v.require(format!("/lines/{i}/line_no"), l.line_no);
            let quantity = quantity(&mut v, format!("/lines/{i}/quantity"), l.quantity);
            if let (Some(line_no), Some(quantity)) = (line_no, quantity) {
                lines.push((line_no, quantity));
            }
        }
        let note = v.check("/note", validation::optional_text(self.note.as_deref(), 4000));
        v.finish(|| {
            Some(ClaimDraft {
                reason: reason?,
                resolution: resolution?,
                lines,
                note: note?,
            })
        })
    }
}

#[cfg(test)]
mod tests;
