//! The inventory ledger's rules. Stock changes only through movements; each movement
//! moves `on_hand` and/or `reserved` of one (SKU, location) balance, and no movement may
//! take `on_hand` below zero or below what is reserved. The store applies movements
//! with these rules and database CHECK constraints back them. What operators ask
//! (receipts, adjustments, counts, transfers) is parsed in `input`.

use serde::{Deserialize, Serialize};

use crate::validation::Invalid;

mod input;

pub use input::{AdjustmentInput, CountInput, ReceiptInput, StockRequest, TransferInput, TransferRequest};

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

#[cfg(test)]
mod tests;
