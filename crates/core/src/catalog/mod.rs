//! The catalog and the network: products (SKUs) and kits, locations and channels, the
//! inputs that create and change them, and what makes each of them valid. The store
//! reads the facts (what a reference names, what is reserved or on order) and asks
//! the functions here whether a change may happen.

mod address;
mod channel;
mod country_zones;
mod kit;
mod location;
mod product;

pub use address::{ADDRESS_LINE_MAX, Address, AddressInput, CITY_MAX, PHONE_MAX, POSTAL_CODE_MAX};
pub use channel::{
    ChannelChange, ChannelDraft, ChannelInput, ChannelKind, ChannelPolicies, RESTOCKING_FEE_MAX_PERCENT,
    RETURN_WINDOW_MAX_DAYS, ShipFromFacts, ShortagePolicy, check_ship_from,
};
pub use kit::{
    ComponentFacts, ComponentInput, KitComponent, KitFacts, check_components, holds_stock, may_set_components,
    parse_components,
};
pub use location::{
    DEFAULT_CUTOFF, DEFAULT_PRIORITY, FulfilmentSettingsInput, HANDLING_DAYS_MAX, LocationDraft, LocationInput,
    LocationKind, PRIORITY_MAX, cutoff_minutes, format_cutoff, may_archive_location, time_zone_of_country,
};
pub use product::{ProductDraft, ProductInput, ProductPatch, TITLE_MAX, WEIGHT_MAX_GRAMS, barcode};

use crate::validation::{self, Invalid, Validator};

/// Longest name of a location or channel.
pub const NAME_MAX: usize = 200;

/// The code and name every location and channel has.
fn identity(v: &mut Validator, code: Option<&str>, name: Option<&str>) -> (Option<String>, Option<String>) {
    let code = v
        .require("/code", code)
        .and_then(|c| v.check("/code", validation::code(c, "code")));
    let name = v
        .require("/name", name)
        .and_then(|n| v.check("/name", validation::text(n, NAME_MAX)));
    (code, name)
}

/// A whole number within `range`.
fn within(value: i64, range: std::ops::RangeInclusive<i64>) -> Result<i64, Invalid> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be between {} and {}", range.start(), range.end()),
        ))
    }
}
