//! Purchase orders: what a valid purchase order and a valid receipt against it are, how
//! a receipt is spread over the order's lines, and the one transition function of the
//! purchase order's lifecycle.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::id::ProductId;
use crate::inventory::Quantity;
use crate::money::{Currency, Money};
use crate::validation::{self, FieldError, Invalid, Validator};

/// A purchase order may carry at most this many lines, and a receipt as many.
pub const MAX_LINES: usize = 500;

string_enum!(
    /// The purchase order's lifecycle.
    PurchaseOrderStatus {
        /// Not sent yet (e.g. made from replenishment suggestions): a buyer reviews it and
        /// submits it. Its lines are not inbound stock.
        Draft = "draft",
        /// Sent to the supplier; nothing received yet.
        Open = "open",
        /// Some units received, more expected.
        PartiallyReceived = "partially_received",
        /// Every unit ordered was received.
        Received = "received",
        /// The rest is no longer expected.
        Closed = "closed",
        /// Withdrawn before anything was received.
        Cancelled = "cancelled",
    }
);

string_enum!(
    /// What happened to a purchase order, as written to the outbox.
    PurchaseOrderEventKind {
        Created = "purchase_order.created",
        Submitted = "purchase_order.submitted",
        Received = "purchase_order.received",
        Closed = "purchase_order.closed",
        Cancelled = "purchase_order.cancelled",
    }
);

/// What an operator asks of a purchase order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurchaseOrderAction {
    /// Record goods received; `completes` when no unit remains outstanding afterwards.
    Receive { completes: bool },
    /// Stop expecting what is still outstanding.
    Close,
    /// Withdraw the order; only while nothing was received.
    Cancel,
    /// Send a draft to the supplier: from now on its lines are expected.
    Submit,
}

impl PurchaseOrderAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            PurchaseOrderAction::Receive { .. } => "receive",
            PurchaseOrderAction::Close => "close",
            PurchaseOrderAction::Cancel => "cancel",
            PurchaseOrderAction::Submit => "submit",
        }
    }
}

/// An action that is not legal in the purchase order's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub struct TransitionError {
    pub from: PurchaseOrderStatus,
    pub action: PurchaseOrderAction,
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot {} a purchase order that is {}",
            self.action.as_str(),
            self.from
        )?;
        if (self.from, self.action) == (PurchaseOrderStatus::PartiallyReceived, PurchaseOrderAction::Cancel) {
            f.write_str(": goods were received against it; close it to stop expecting the rest")?;
        }
        Ok(())
    }
}

/// The purchase order lifecycle: the one place that says which action is legal when.
pub fn transition(
    from: PurchaseOrderStatus,
    action: PurchaseOrderAction,
) -> Result<PurchaseOrderStatus, TransitionError> {
    use PurchaseOrderAction as A;
    use PurchaseOrderStatus as S;
    let to = match (from, action) {
        (S::Open | S::PartiallyReceived, A::Receive { completes: false }) => S::PartiallyReceived,
        (S::Open | S::PartiallyReceived, A::Receive { completes: true }) => S::Received,
        (S::Open | S::PartiallyReceived, A::Close) => S::Closed,
        (S::Open | S::Draft, A::Cancel) => S::Cancelled,
        (S::Draft, A::Submit) => S::Open,
        (S::PartiallyReceived, A::Cancel)
        | (S::Draft, A::Receive { .. } | A::Close)
        | (S::Open | S::PartiallyReceived | S::Received | S::Closed | S::Cancelled, A::Submit)
        | (S::Received | S::Closed | S::Cancelled, A::Receive { .. } | A::Close | A::Cancel) => {
            return Err(TransitionError { from, action });
        }
    };
    Ok(to)
}

/// Whether units of a purchase order in `status` are still expected (a draft's are not:
/// the supplier has not seen it).
pub fn expects_goods(status: PurchaseOrderStatus) -> bool {
    transition(status, PurchaseOrderAction::Close).is_ok()
}

/// Units of a line still expected: ordered and not yet received while the order in
/// `status` expects goods, otherwise none.
pub fn outstanding(status: PurchaseOrderStatus, quantity: i64, received: i64) -> i64 {
    if expects_goods(status) {
        (quantity - received).max(0)
    } else {
        0
    }
}

/// Whether an order in `status` ended before everything arrived (closed or
/// cancelled): it records when, and why.
pub fn cut_short(status: PurchaseOrderStatus) -> bool {
    matches!(status, PurchaseOrderStatus::Closed | PurchaseOrderStatus::Cancelled)
}

/// An expected arrival: an RFC 3339 time, or a date (midnight UTC).
pub fn expected_time(raw: &str) -> Result<Timestamp, Invalid> {
    let raw = raw.trim();
    raw.parse::<Timestamp>()
        .ok()
        .or_else(|| {
            let date = raw.parse::<Date>().ok()?;
            date.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
        })
        .ok_or_else(|| {
            Invalid::new(
                "invalid_time",
                "must be an RFC 3339 date or time such as 2026-12-01 or 2026-12-01T09:00:00Z",
            )
        })
}

/// The supplier a purchase order goes to.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SupplierInput {
    #[cfg_attr(feature = "openapi", schema(example = "Fernhill Ceramics"))]
    pub name: Option<String>,
    /// The supplier's own reference for the order (their confirmation number).
    #[cfg_attr(feature = "openapi", schema(example = "FC-88213"))]
    pub reference: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "orders@fernhill.example"))]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Supplier {
    pub name: String,
    pub reference: Option<String>,
    pub email: Option<String>,
}

/// One line of a purchase order as it arrives.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderLineInput {
    /// SKU (or product id).
    #[cfg_attr(feature = "openapi", schema(example = "MUG-FERN"))]
    pub sku: Option<String>,
    /// Units ordered.
    #[cfg_attr(feature = "openapi", schema(example = 120))]
    pub quantity: Option<i64>,
    /// Price of one unit, in the order's currency.
    pub unit_cost: Option<Money>,
    /// When the units should arrive: an RFC 3339 date (midnight UTC) or time. Default:
    /// the order's `expected_at`.
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-01"))]
    pub expected_at: Option<String>,
}

/// A purchase order as a buyer sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderInput {
    pub supplier: Option<SupplierInput>,
    /// Where the goods are delivered: location code (or id).
    #[cfg_attr(feature = "openapi", schema(example = "LON"))]
    pub location: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "GBP"))]
    pub currency: Option<String>,
    /// Default expected arrival of lines that name none (RFC 3339 date or time).
    #[cfg_attr(feature = "openapi", schema(example = "2026-12-01"))]
    pub expected_at: Option<String>,
    pub lines: Option<Vec<PurchaseOrderLineInput>>,
    pub notes: Option<String>,
}

/// A valid purchase order line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseOrderLineDraft {
    pub sku: String,
    pub quantity: Quantity,
    pub unit_cost: Option<Money>,
    pub expected_at: Timestamp,
}

/// A valid purchase order, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseOrderDraft {
    pub supplier: Supplier,
    pub location: String,
    pub currency: Currency,
    pub lines: Vec<PurchaseOrderLineDraft>,
    pub notes: Option<String>,
}

/// A unit cost: in the order's currency, from zero to `MAX_AMOUNT`.
fn unit_cost(m: Money, currency: Option<Currency>) -> Result<Money, Invalid> {
    match currency {
        Some(c) if m.currency != c => Err(Invalid::new(
            "currency_mismatch",
            format!("is in {}, but the purchase order is in {c}", m.currency),
        )),
        _ => m.bounded(),
    }
}

/// Checks a list of lines is present, not empty and not too long; `None` when absent.
fn line_list<'a, T>(v: &mut Validator, lines: Option<&'a Vec<T>>, what: &str) -> Option<&'a [T]> {
    let lines = v.require("/lines", lines)?;
    if lines.is_empty() {
        v.push(Invalid::new("required", format!("{what} needs at least one line")).at("/lines"));
    }
    if lines.len() > MAX_LINES {
        v.push(Invalid::new("too_long", format!("{what} may have at most {MAX_LINES} lines")).at("/lines"));
    }
    Some(&lines[..lines.len().min(MAX_LINES)])
}

impl PurchaseOrderLineInput {
    fn parse(
        &self,
        i: usize,
        currency: Option<Currency>,
        default_expected: Option<Option<Timestamp>>,
        v: &mut Validator,
    ) -> Option<PurchaseOrderLineDraft> {
        let at = |f: &str| format!("/lines/{i}/{f}");
        let sku = v
            .require(at("sku"), self.sku.as_deref())
            .and_then(|s| v.check(at("sku"), validation::code(s, "sku")));
        let quantity = v
            .require(at("quantity"), self.quantity)
            .and_then(|q| v.check(at("quantity"), Quantity::new(q)));
        let unit_cost = v.check_opt(at("unit_cost"), self.unit_cost, |m| unit_cost(m, currency));
        let expected_at = match &self.expected_at {
            Some(raw) => v.check(at("expected_at"), expected_time(raw)),
            // An invalid default was reported once, at `/expected_at`.
            None => default_expected.and_then(|d| v.require(at("expected_at"), d)),
        };
        Some(PurchaseOrderLineDraft {
            sku: sku?,
            quantity: quantity?,
            unit_cost: unit_cost?,
            expected_at: expected_at?,
        })
    }
}

impl PurchaseOrderInput {
    /// Validates the whole purchase order, reporting every problem at once.
    pub fn parse(&self) -> Result<PurchaseOrderDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let supplier = v.require("/supplier", self.supplier.as_ref()).and_then(|s| {
            let name = v
                .require("/supplier/name", s.name.as_deref())
                .and_then(|n| v.check("/supplier/name", validation::text(n, 200)));
            let reference = v.check(
                "/supplier/reference",
                validation::optional_text(s.reference.as_deref(), 128),
            );
            let email = v.check_opt("/supplier/email", s.email.as_deref(), validation::email);
            Some(Supplier {
                name: name?,
                reference: reference?,
                email: email?,
            })
        });
        let location = v
            .require("/location", self.location.as_deref())
            .and_then(|l| v.check("/location", validation::code(l, "location")));
        let currency = v
            .require("/currency", self.currency.as_deref())
            .and_then(|c| v.check("/currency", Currency::parse(c)));
        let default_expected = v.check_opt("/expected_at", self.expected_at.as_deref(), expected_time);
        let mut lines = Vec::new();
        if let Some(raw) = line_list(&mut v, self.lines.as_ref(), "a purchase order") {
            for (i, line) in raw.iter().enumerate() {
                if let Some(line) = line.parse(i, currency, default_expected, &mut v) {
                    lines.push(line);
                }
            }
        }
        let notes = v.check("/notes", validation::optional_text(self.notes.as_deref(), 4000));
        v.finish(|| {
            Some(PurchaseOrderDraft {
                supplier: supplier?,
                location: location?,
                currency: currency?,
                lines,
                notes: notes?,
            })
        })
    }
}

/// One line of a receipt: which purchase order line, by number or by SKU, and how many
/// units arrived.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceiptLineInput {
    /// The purchase order's line number. Give this or `sku`.
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub line: Option<i64>,
    /// SKU (or product id): the units fill that SKU's lines, earliest expected first.
    #[cfg_attr(feature = "openapi", schema(example = "MUG-FERN"))]
    pub sku: Option<String>,
    /// Units received.
    #[cfg_attr(feature = "openapi", schema(example = 48))]
    pub quantity: Option<i64>,
}

/// Goods received against a purchase order.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PurchaseReceiptInput {
    pub lines: Option<Vec<ReceiptLineInput>>,
    /// Recorded on the ledger rows, e.g. the delivery note number.
    #[cfg_attr(feature = "openapi", schema(example = "delivery note DN-5521, 2 of 3 pallets"))]
    pub note: Option<String>,
}

/// Which purchase order line(s) a receipt line is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptTarget {
    Line(i64),
    Sku(String),
}

/// A valid receipt, not yet matched to the purchase order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptRequest {
    pub lines: Vec<(ReceiptTarget, Quantity)>,
    pub note: Option<String>,
}

impl PurchaseReceiptInput {
    pub fn parse(&self) -> Result<ReceiptRequest, Vec<FieldError>> {
        let mut v = Validator::new();
        let mut lines = Vec::new();
        if let Some(raw) = line_list(&mut v, self.lines.as_ref(), "a receipt") {
            for (i, l) in raw.iter().enumerate() {
                let at = |f: &str| format!("/lines/{i}/{f}");
                let target = match (l.line, l.sku.as_deref()) {
                    (Some(n), None) => Some(ReceiptTarget::Line(n)),
                    (None, Some(s)) => v.check(at("sku"), validation::code(s, "sku")).map(ReceiptTarget::Sku),
                    (None, None) => {
                        v.push(Invalid::new("required", "name the line by `line` or `sku`").at(at("line")));
                        None
                    }
                    (Some(_), Some(_)) => {
                        v.push(Invalid::new("ambiguous", "give `line` or `sku`, not both").at(at("sku")));
                        None
                    }
                };
                let quantity = v
                    .require(at("quantity"), l.quantity)
                    .and_then(|q| v.check(at("quantity"), Quantity::new(q)));
                if let (Some(target), Some(quantity)) = (target, quantity) {
                    lines.push((target, quantity));
                }
            }
        }
        let note = v.check("/note", validation::optional_text(self.note.as_deref(), 1000));
        v.finish(|| Some(ReceiptRequest { lines, note: note? }))
    }
}

/// A purchase order line as a receipt sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLine {
    pub line_no: i64,
    pub sku: String,
    pub product_id: ProductId,
    /// Units ordered and not yet received.
    pub outstanding: i64,
    pub expected_at: Timestamp,
}

/// How a receipt is spread over a purchase order's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptPlan {
    /// Units received per line number, in line order; each line at most once.
    pub lines: Vec<(i64, Quantity)>,
    /// Whether nothing remains outstanding on the order afterwards.
    pub completes: bool,
}

/// Matches a receipt to the order's `lines`. A line number takes the units itself; a
/// SKU (or product id) fills that SKU's lines with units outstanding, earliest expected
/// first. Receiving more than is outstanding is refused for the receipt line at fault,
/// as is a line number or SKU the order does not have.
pub fn plan_receipt(lines: &[OpenLine], request: &ReceiptRequest) -> Result<ReceiptPlan, Vec<FieldError>> {
    let mut order: Vec<&OpenLine> = lines.iter().collect();
    order.sort_by_key(|l| (l.expected_at, l.line_no));
    let mut left: Vec<i64> = order.iter().map(|l| l.outstanding.max(0)).collect();
    let mut taken = vec![0i64; order.len()];
    let mut v = Validator::new();
    for (i, (target, quantity)) in request.lines.iter().enumerate() {
        let (field, matches): (&str, Vec<usize>) = match target {
            ReceiptTarget::Line(n) => ("line", (0..order.len()).filter(|&k| order[k].line_no == *n).collect()),
            ReceiptTarget::Sku(s) => (
                "sku",
                (0..order.len())
                    .filter(|&k| order[k].sku == *s || order[k].product_id.as_str() == s)
                    .collect(),
            ),
        };
        if matches.is_empty() {
            let what = match target {
                ReceiptTarget::Line(n) => format!("has no line {n}"),
                ReceiptTarget::Sku(s) => format!("has no line for {s}"),
            };
            v.push(
                Invalid::new("unknown_line", format!("the purchase order {what}")).at(format!("/lines/{i}/{field}")),
            );
            continue;
        }
        let outstanding: i64 = matches.iter().map(|&k| left[k]).sum();
        if quantity.get() > outstanding {
            let sku = &order[matches[0]].sku;
            v.push(
                Invalid::new(
                    "exceeds_outstanding",
                    format!("is more than the {outstanding} units of {sku} still outstanding"),
                )
                .at(format!("/lines/{i}/quantity")),
            );
            continue;
        }
        let mut rest = quantity.get();
        for k in matches {
            let take = rest.min(left[k]);
            left[k] -= take;
            taken[k] += take;
            rest -= take;
        }
    }
    v.finish(|| {
        let mut received: Vec<(i64, Quantity)> = order
            .iter()
            .zip(&taken)
            .filter_map(|(l, &n)| Quantity::new(n).ok().map(|q| (l.line_no, q)))
            .collect();
        received.sort_by_key(|(line_no, _)| *line_no);
        Some(ReceiptPlan {
            lines: received,
            completes: left.iter().all(|&n| n == 0),
        })
    })
}

#[cfg(test)]
mod tests;
