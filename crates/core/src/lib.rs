//! Switchyard's domain: the types, rules and state machines of an order management
//! system. No IO, no async, no SQL: everything here is a pure function of its inputs,
//! so every rule is testable on its own and lives in exactly one place.

#[macro_use]
mod macros;

pub mod atp;
pub mod auth;
pub mod carrier;
pub mod catalog;
pub mod clock;
pub mod connector;
pub mod delivery;
pub mod feedback;
pub mod forecast;
pub mod id;
pub mod idempotency;
pub mod inventory;
pub mod link;
pub mod mail;
pub mod money;
pub mod order;
pub mod order_list;
pub mod payment;
pub mod purchase;
pub mod report;
pub mod returns;
pub mod rng;
pub mod routing;
pub mod shipment;
pub mod user;
pub mod validation;
pub mod webhook;

/// A closed set of values with one spelling (every `string_enum!`), so other layers
/// can write a state the way core spells it.
pub trait Spelled: Copy {
    fn spelling(&self) -> &'static str;
}

pub use clock::{Clock, ManualClock, SystemClock};
pub use money::{Currency, Money, MoneyError};
pub use validation::{FieldError, Validator};
