//! What an operator asks of stock, as it arrives and once validated: receipts,
//! adjustments, cycle counts and transfers, each parsed field by field into the
//! command the ledger's rules apply.

use serde::{Deserialize, Serialize};

use super::{AdjustmentReason, MAX_QUANTITY, Quantity, StockCommand};
use crate::validation::{self, FieldError, Invalid, Validator};

/// A request to move stock, validated: which SKU, where, what, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockRequest {
    pub sku: String,
    pub location: String,
    pub command: StockCommand,
    pub note: Option<String>,
    pub reference: Option<String>,
}

/// A transfer between two locations, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRequest {
    pub sku: String,
    pub from: String,
    pub to: String,
    pub quantity: Quantity,
    pub note: Option<String>,
    pub reference: Option<String>,
}

/// Goods received into a location.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    /// SKU (or product id).
    #[cfg_attr(feature = "openapi", schema(example = "TEE-ORG-M"))]
    pub sku: Option<String>,
    /// Location code (or id).
    #[cfg_attr(feature = "openapi", schema(example = "LON"))]
    pub location: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = 24))]
    pub quantity: Option<i64>,
    pub note: Option<String>,
    /// Delivery note, purchase order or other document number.
    pub reference: Option<String>,
}

/// A correction of stock by hand, with its reason.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    pub sku: Option<String>,
    pub location: Option<String>,
    /// Signed change of on-hand stock: -2 writes off two units. Never zero.
    #[cfg_attr(feature = "openapi", schema(example = -2))]
    pub quantity: Option<i64>,
    pub reason: Option<AdjustmentReason>,
    pub note: Option<String>,
}

/// A cycle count: the counted quantity replaces on-hand stock.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CountInput {
    pub sku: Option<String>,
    pub location: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = 17))]
    pub counted: Option<i64>,
    pub note: Option<String>,
}

/// Stock moved from one location to another.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferInput {
    pub sku: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "LON"))]
    pub from: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "MCR-3PL"))]
    pub to: Option<String>,
    pub quantity: Option<i64>,
    pub note: Option<String>,
    pub reference: Option<String>,
}

fn item(
    v: &mut Validator,
    sku: Option<&str>,
    location: Option<&str>,
    location_field: &str,
) -> (Option<String>, Option<String>) {
    let sku = v
        .require("/sku", sku)
        .and_then(|s| v.check("/sku", validation::code(s, "sku")));
    let location = v
        .require(location_field, location)
        .and_then(|l| v.check(location_field, validation::code(l, "location")));
    (sku, location)
}

fn note(v: &mut Validator, raw: Option<&str>, field: &str, max: usize) -> Option<Option<String>> {
    v.check(field, validation::optional_text(raw, max))
}

fn quantity(v: &mut Validator, field: &str, raw: Option<i64>) -> Option<Quantity> {
    v.require(field, raw).and_then(|q| v.check(field, Quantity::new(q)))
}

impl ReceiptInput {
    pub fn parse(&self) -> Result<StockRequest, Vec<FieldError>> {
        let mut v = Validator::new();
        let (sku, location) = item(&mut v, self.sku.as_deref(), self.location.as_deref(), "/location");
        let quantity = quantity(&mut v, "/quantity", self.quantity);
        let note = note(&mut v, self.note.as_deref(), "/note", 1000);
        let reference = note_ref(&mut v, self.reference.as_deref());
        v.finish(|| {
            Some(StockRequest {
                sku: sku?,
                location: location?,
                command: StockCommand::Receive(quantity?),
                note: note?,
                reference: reference?,
            })
        })
    }
}

fn note_ref(v: &mut Validator, raw: Option<&str>) -> Option<Option<String>> {
    note(v, raw, "/reference", 128)
}

impl AdjustmentInput {
    pub fn parse(&self) -> Result<StockRequest, Vec<FieldError>> {
        let mut v = Validator::new();
        let (sku, location) = item(&mut v, self.sku.as_deref(), self.location.as_deref(), "/location");
        let units = v.require("/quantity", self.quantity).and_then(|q| {
            let ok = q != 0 && (-MAX_QUANTITY..=MAX_QUANTITY).contains(&q);
            v.check(
                "/quantity",
                if ok {
                    Ok(q)
                } else {
                    Err(Invalid::new(
                        "out_of_range",
                        format!("must be a non-zero change between -{MAX_QUANTITY} and {MAX_QUANTITY}"),
                    ))
                },
            )
        });
        let reason = v.require("/reason", self.reason);
        let note = note(&mut v, self.note.as_deref(), "/note", 1000);
        v.finish(|| {
            Some(StockRequest {
                sku: sku?,
                location: location?,
                command: StockCommand::Adjust(units?, reason?),
                note: note?,
                reference: None,
            })
        })
    }
}

impl CountInput {
    pub fn parse(&self) -> Result<StockRequest, Vec<FieldError>> {
        let mut v = Validator::new();
        let (sku, location) = item(&mut v, self.sku.as_deref(), self.location.as_deref(), "/location");
        let counted = v.require("/counted", self.counted).and_then(|c| {
            v.check(
                "/counted",
                if (0..=MAX_QUANTITY).contains(&c) {
                    Ok(c)
                } else {
                    Err(Invalid::new(
                        "out_of_range",
                        format!("must be between 0 and {MAX_QUANTITY}"),
                    ))
                },
            )
        });
        let note = note(&mut v, self.note.as_deref(), "/note", 1000);
        v.finish(|| {
            Some(StockRequest {
                sku: sku?,
                location: location?,
                command: StockCommand::Count(counted?),
                note: note?,
                reference: None,
            })
        })
    }
}

impl TransferInput {
    pub fn parse(&self) -> Result<TransferRequest, Vec<FieldError>> {
        let mut v = Validator::new();
        let (sku, from) = item(&mut v, self.sku.as_deref(), self.from.as_deref(), "/from");
        let to = v
            .require("/to", self.to.as_deref())
            .and_then(|l| v.check("/to", validation::code(l, "location")));
        if let (Some(from), Some(to)) = (&from, &to)
            && from == to
        {
            v.push(Invalid::new("same_location", "must differ from the source location").at("/to"));
        }
        let quantity = quantity(&mut v, "/quantity", self.quantity);
        let note = note(&mut v, self.note.as_deref(), "/note", 1000);
        let reference = note_ref(&mut v, self.reference.as_deref());
        v.finish(|| {
            Some(TransferRequest {
                sku: sku?,
                from: from?,
                to: to?,
                quantity: quantity?,
                note: note?,
                reference: reference?,
            })
        })
    }
}
