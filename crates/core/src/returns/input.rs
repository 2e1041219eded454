//! Requests as they arrive, parsed field by field: a return, a receipt, an exchange,
//! and an operator's authorization, rejection or cancellation. Every problem is
//! reported at its field at once; nothing here looks at the order.

use serde::{Deserialize, Serialize};

use super::{Disposition, MAX_LINES, ReturnAction, ReturnReason};
use crate::inventory::Quantity;
use crate::money::Money;
use crate::validation::{self, FieldError, Invalid, Validator};

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
pub(super) fn line_list<'a, T>(v: &mut Validator, field: &str, lines: Option<&'a Vec<T>>) -> Option<&'a [T]> {
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

pub(super) fn quantity(v: &mut Validator, field: String, raw: Option<i64>) -> Option<Quantity> {
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
            let price = v.check_opt(at("unit_price"), l.unit_price, Money::bounded);
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

/// The operator's note on an action: a rejection must say why; authorizing and
/// cancelling may. At most 1000 characters.
pub fn action_note(action: ReturnAction, raw: Option<&str>) -> Result<Option<String>, Invalid> {
    match (action, raw) {
        (ReturnAction::Reject, None) => Err(Invalid::new("required", "is required: say why the return is rejected")),
        (_, raw) => validation::optional_text(raw, 1000),
    }
}

/// Where the items go back to.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthorizeInput {
    /// The returning location's code (or id); default the location that shipped them.
    #[cfg_attr(feature = "openapi", schema(example = "LON"))]
    pub location: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "customer will drop it at the post office"))]
    pub note: Option<String>,
}

/// What an authorization says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authorization {
    /// The returning location's code or id; default where the goods shipped from.
    pub location: Option<String>,
    pub note: Option<String>,
}

impl AuthorizeInput {
    /// The location is looked up by the store; the note is the operator's (`action_note`).
    pub fn parse(&self) -> Result<Authorization, Vec<FieldError>> {
        let note = action_note(ReturnAction::Authorize, self.note.as_deref()).map_err(|e| vec![e.at("/note")])?;
        Ok(Authorization {
            location: self.location.clone(),
            note,
        })
    }
}

/// Why a return is rejected or cancelled.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RejectInput {
    #[cfg_attr(feature = "openapi", schema(example = "worn and washed: not returnable"))]
    pub note: Option<String>,
}

impl RejectInput {
    /// A rejection's reason: required.
    pub fn rejection(&self) -> Result<String, Vec<FieldError>> {
        Ok(self.note(ReturnAction::Reject)?.unwrap_or_default())
    }

    /// A cancellation's reason: optional.
    pub fn cancellation(&self) -> Result<Option<String>, Vec<FieldError>> {
        self.note(ReturnAction::Cancel)
    }

    fn note(&self, action: ReturnAction) -> Result<Option<String>, Vec<FieldError>> {
        action_note(action, self.note.as_deref()).map_err(|e| vec![e.at("/note")])
    }
}
