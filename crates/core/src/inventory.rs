//! The inventory ledger's rules. Stock changes only through movements; each movement
//! moves `on_hand` and/or `reserved` of one (SKU, location) balance, and no movement may
//! take `on_hand` below zero or below what is reserved. The store applies movements
//! with these rules and database CHECK constraints back them.

use serde::{Deserialize, Serialize};

use crate::validation::{self, FieldError, Invalid, Validator};

/// The largest quantity a single movement or line may carry.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// A strictly positive count of units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Quantity(i64);

impl Quantity {
    pub fn new(units: i64) -> Result<Self, Invalid> {
        if units <= 0 {
            Err(Invalid::new("out_of_range", "must be at least 1"))
        } else if units > MAX_QUANTITY {
            Err(Invalid::new("out_of_range", format!("must be at most {MAX_QUANTITY}")))
        } else {
            Ok(Self(units))
        }
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Quantity {
    type Error = String;
    fn try_from(units: i64) -> Result<Self, String> {
        Quantity::new(units).map_err(|e| e.message)
    }
}

impl From<Quantity> for i64 {
    fn from(q: Quantity) -> i64 {
        q.0
    }
}

string_enum!(
    /// What a ledger movement records.
    MovementKind {
        Receipt = "receipt",
        Adjustment = "adjustment",
        CycleCount = "cycle_count",
        TransferOut = "transfer_out",
        TransferIn = "transfer_in",
        Reserve = "reserve",
        Release = "release",
        /// Reserved units leave the location in a shipment.
        Ship = "ship",
        /// Returned units go back to sellable stock.
        ReturnRestock = "return_restock",
    }
);

string_enum!(
    /// Why stock was adjusted by hand.
    AdjustmentReason {
        Damaged = "damaged",
        Lost = "lost",
        Found = "found",
        Theft = "theft",
        Expired = "expired",
        Correction = "correction",
        Other = "other",
    }
);

/// The stock of one SKU at one location.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub on_hand: i64,
    pub reserved: i64,
}

/// How much a movement changes a balance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delta {
    pub on_hand: i64,
    pub reserved: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    #[error("only {available} available, {requested} requested")]
    InsufficientAvailable { available: i64, requested: i64 },
    #[error("on hand would be {on_hand_after}, below the {reserved} units reserved for orders")]
    BelowReserved { on_hand_after: i64, reserved: i64 },
    #[error("on hand would be {on_hand_after}, below zero")]
    Negative { on_hand_after: i64 },
    #[error("cannot release {requested}: only {reserved} reserved")]
    ReleaseExceedsReserved { requested: i64, reserved: i64 },
    #[error("cannot ship {requested}: only {reserved} reserved")]
    ShipExceedsReserved { requested: i64, reserved: i64 },
    #[error("quantity out of range")]
    OutOfRange,
}

/// A change an operator or an order asks of one balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockCommand {
    Receive(Quantity),
    /// A signed change of `on_hand` with a reason; zero is refused by the caller.
    Adjust(i64, AdjustmentReason),
    /// The counted quantity replaces `on_hand`; the ledger records the difference.
    Count(i64),
    TransferOut(Quantity),
    TransferIn(Quantity),
    Reserve(Quantity),
    Release(Quantity),
    /// Reserved units leave in a shipment: on hand and reserved both go down.
    Ship(Quantity),
    /// Units a customer sent back, found fit to sell again: on hand goes up.
    ReturnRestock(Quantity),
}

impl StockCommand {
    /// Why stock was adjusted by hand: only an adjustment carries a reason.
    pub fn reason(&self) -> Option<AdjustmentReason> {
        match *self {
            StockCommand::Adjust(_, reason) => Some(reason),
            _ => None,
        }
    }

    pub fn kind(&self) -> MovementKind {
        match self {
            StockCommand::Receive(_) => MovementKind::Receipt,
            StockCommand::Adjust(..) => MovementKind::Adjustment,
            StockCommand::Count(_) => MovementKind::CycleCount,
            StockCommand::TransferOut(_) => MovementKind::TransferOut,
            StockCommand::TransferIn(_) => MovementKind::TransferIn,
            StockCommand::Reserve(_) => MovementKind::Reserve,
            StockCommand::Release(_) => MovementKind::Release,
            StockCommand::Ship(_) => MovementKind::Ship,
            StockCommand::ReturnRestock(_) => MovementKind::ReturnRestock,
        }
    }

    /// The delta this command makes to `current`, or why it may not happen.
    pub fn delta(&self, current: Balance) -> Result<Delta, StockError> {
        let delta = match *self {
            StockCommand::Receive(q) | StockCommand::TransferIn(q) | StockCommand::ReturnRestock(q) => Delta {
                on_hand: q.get(),
                reserved: 0,
            },
            StockCommand::Adjust(units, _) => Delta {
                on_hand: units,
                reserved: 0,
            },
            StockCommand::Count(counted) => {
                if !(0..=MAX_QUANTITY).contains(&counted) {
                    return Err(StockError::OutOfRange);
                }
                Delta {
                    on_hand: counted - current.on_hand,
                    reserved: 0,
                }
            }
            StockCommand::TransferOut(q) => Delta {
                on_hand: -q.get(),
                reserved: 0,
            },
            StockCommand::Reserve(q) => {
                if current.available() < q.get() {
                    return Err(StockError::InsufficientAvailable {
                        available: current.available().max(0),
                        requested: q.get(),
                    });
                }
                Delta {
                    on_hand: 0,
                    reserved: q.get(),
                }
            }
            StockCommand::Release(q) => {
                if q.get() > current.reserved {
                    return Err(StockError::ReleaseExceedsReserved {
                        requested: q.get(),
                        reserved: current.reserved,
                    });
                }
                Delta {
                    on_hand: 0,
                    reserved: -q.get(),
                }
            }
            StockCommand::Ship(q) => {
                // Only what is reserved may ship: stock for an order is reserved first.
                if q.get() > current.reserved {
                    return Err(StockError::ShipExceedsReserved {
                        requested: q.get(),
                        reserved: current.reserved,
                    });
                }
                Delta {
                    on_hand: -q.get(),
                    reserved: -q.get(),
                }
            }
        };
        current.apply(delta)?;
        Ok(delta)
    }
}

impl Delta {
    /// Whether the movement makes more stock available: lines waiting for stock may
    /// be filled after it.
    pub fn frees_stock(&self) -> bool {
        self.on_hand - self.reserved > 0
    }
}

impl Balance {
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }

    /// The balance after `delta`, if it keeps `0 <= reserved <= on_hand`.
    pub fn apply(&self, delta: Delta) -> Result<Balance, StockError> {
        let on_hand = self.on_hand.checked_add(delta.on_hand).ok_or(StockError::OutOfRange)?;
        let reserved = self
            .reserved
            .checked_add(delta.reserved)
            .ok_or(StockError::OutOfRange)?;
        if on_hand > MAX_QUANTITY * 100 {
            return Err(StockError::OutOfRange);
        }
        if on_hand < 0 {
            return Err(StockError::Negative { on_hand_after: on_hand });
        }
        if reserved < 0 {
            return Err(StockError::ReleaseExceedsReserved {
                requested: -delta.reserved,
                reserved: self.reserved,
            });
        }
        if reserved > on_hand {
            return if delta.reserved > 0 {
                Err(StockError::InsufficientAvailable {
                    available: self.available().max(0),
                    requested: delta.reserved,
                })
            } else {
                Err(StockError::BelowReserved {
                    on_hand_after: on_hand,
                    reserved,
                })
            };
        }
        Ok(Balance { on_hand, reserved })
    }
}

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
            let ok = q != 0 && q.abs() <= MAX_QUANTITY;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(n: i64) -> Quantity {
        Quantity::new(n).unwrap()
    }

    #[test]
    fn quantities_are_positive() {
        assert!(Quantity::new(0).is_err());
        assert!(Quantity::new(-3).is_err());
        assert!(Quantity::new(MAX_QUANTITY + 1).is_err());
    }

    #[test]
    fn an_adjustment_cannot_take_stock_below_what_is_reserved() {
        let b = Balance {
            on_hand: 10,
            reserved: 8,
        };
        let err = StockCommand::Adjust(-3, AdjustmentReason::Damaged).delta(b);
        assert_eq!(
            err,
            Err(StockError::BelowReserved {
                on_hand_after: 7,
                reserved: 8
            })
        );
    }

    #[test]
    fn a_cycle_count_records_the_difference() {
        let b = Balance {
            on_hand: 10,
            reserved: 2,
        };
        assert_eq!(
            StockCommand::Count(7).delta(b),
            Ok(Delta {
                on_hand: -3,
                reserved: 0
            })
        );
        assert!(StockCommand::Count(1).delta(b).is_err());
    }

    #[test]
    fn reserving_more_than_available_is_refused() {
        let b = Balance {
            on_hand: 5,
            reserved: 4,
        };
        assert_eq!(
            StockCommand::Reserve(q(2)).delta(b),
            Err(StockError::InsufficientAvailable {
                available: 1,
                requested: 2
            })
        );
    }

    #[test]
    fn shipping_takes_units_out_of_on_hand_and_reserved() {
        let b = Balance {
            on_hand: 10,
            reserved: 4,
        };
        assert_eq!(
            StockCommand::Ship(q(3)).delta(b),
            Ok(Delta {
                on_hand: -3,
                reserved: -3
            })
        );
        assert_eq!(StockCommand::Ship(q(3)).kind(), MovementKind::Ship);
        assert_eq!(
            b.apply(StockCommand::Ship(q(4)).delta(b).unwrap()),
            Ok(Balance {
                on_hand: 6,
                reserved: 0
            })
        );
    }

    #[test]
    fn a_restocked_return_raises_on_hand_only() {
        let b = Balance {
            on_hand: 0,
            reserved: 0,
        };
        let restock = StockCommand::ReturnRestock(q(2));
        assert_eq!(restock.kind(), MovementKind::ReturnRestock);
        assert_eq!(
            restock.delta(b),
            Ok(Delta {
                on_hand: 2,
                reserved: 0
            })
        );
    }

    #[test]
    fn shipping_more_than_is_reserved_is_refused() {
        let b = Balance {
            on_hand: 10,
            reserved: 2,
        };
        assert_eq!(
            StockCommand::Ship(q(3)).delta(b),
            Err(StockError::ShipExceedsReserved {
                requested: 3,
                reserved: 2
            })
        );
    }

    #[test]
    fn only_an_adjustment_carries_a_reason() {
        let damaged = StockCommand::Adjust(-2, AdjustmentReason::Damaged);
        assert_eq!(damaged.reason(), Some(AdjustmentReason::Damaged));
        assert_eq!(StockCommand::Receive(q(2)).reason(), None);
        assert_eq!(StockCommand::Count(4).reason(), None);
    }

    #[test]
    fn stock_is_freed_when_more_becomes_available() {
        let b = Balance {
            on_hand: 10,
            reserved: 4,
        };
        let freed = |c: StockCommand| c.delta(b).unwrap().frees_stock();
        assert!(freed(StockCommand::Receive(q(1))));
        assert!(freed(StockCommand::Count(12)));
        assert!(freed(StockCommand::Release(q(1))));
        assert!(!freed(StockCommand::Count(8)));
        assert!(!freed(StockCommand::Adjust(-1, AdjustmentReason::Lost)));
        assert!(!freed(StockCommand::Ship(q(2))));
        assert!(!freed(StockCommand::Reserve(q(2))));
    }

    fn command() -> impl Strategy<Value = StockCommand> {
        prop_oneof![
            (1i64..50).prop_map(|n| StockCommand::Receive(q(n))),
            (-50i64..50).prop_map(|n| StockCommand::Adjust(n, AdjustmentReason::Correction)),
            (0i64..60).prop_map(StockCommand::Count),
            (1i64..50).prop_map(|n| StockCommand::TransferOut(q(n))),
            (1i64..50).prop_map(|n| StockCommand::TransferIn(q(n))),
            (1i64..50).prop_map(|n| StockCommand::ReturnRestock(q(n))),
            (1i64..20).prop_map(|n| StockCommand::Reserve(q(n))),
            (1i64..20).prop_map(|n| StockCommand::Release(q(n))),
            (1i64..20).prop_map(|n| StockCommand::Ship(q(n))),
        ]
    }

    proptest! {
        /// The ledger invariant: whatever is asked, the balance stays within
        /// `0 <= reserved <= on_hand` and equals the sum of the accepted movements.
        #[test]
        fn no_sequence_of_commands_breaks_the_ledger(commands in proptest::collection::vec(command(), 0..200)) {
            let mut balance = Balance::default();
            let mut ledger: Vec<Delta> = Vec::new();
            for command in commands {
                if let Ok(delta) = command.delta(balance) {
                    balance = balance.apply(delta).unwrap();
                    ledger.push(delta);
                }
                prop_assert!(0 <= balance.reserved && balance.reserved <= balance.on_hand);
                let on_hand: i64 = ledger.iter().map(|d| d.on_hand).sum();
                let reserved: i64 = ledger.iter().map(|d| d.reserved).sum();
                prop_assert_eq!(balance, Balance { on_hand, reserved });
            }
        }
    }
}
