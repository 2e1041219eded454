//! What each fuzz target checks. Every function takes libFuzzer's bytes, calls the same
//! public parser the server calls on untrusted input, and asserts properties beyond
//! "no panic": round trips, arithmetic against a wider reference, invariants of what
//! validation accepts. A failed property panics, which libFuzzer reports as a crash.
//!
//! The nightly `fuzz/` crate wraps each function in a `fuzz_target!`; the stable test
//! `tests/replay.rs` feeds every committed corpus file through the same function, so CI
//! replays the corpus without nightly or libFuzzer.

mod easypost;
mod ids;
mod inputs;
mod money;
mod tracking;

pub use easypost::easypost_webhook;
pub use ids::ids;
pub use inputs::{catalog_input, order_input, returns_input, shipment_input, stock_input};
pub use money::money;
pub use tracking::tracking_number;

/// A fuzz target's check of one input; it panics when a property fails.
pub type Target = fn(&[u8]);

/// Every target by its name, as `fuzz/corpus/<name>/` and `cargo fuzz run <name>` call it.
pub const TARGETS: [(&str, Target); 9] = [
    ("money", money),
    ("ids", ids),
    ("tracking_number", tracking_number),
    ("easypost_webhook", easypost_webhook),
    ("order_input", order_input),
    ("catalog_input", catalog_input),
    ("stock_input", stock_input),
    ("returns_input", returns_input),
    ("shipment_input", shipment_input),
];

/// A JSON body read as the server reads it (`switchyard_server::extract::parse_json`):
/// serde_json through serde_path_to_error, so the same deserializer paths run.
fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).ok()
}

/// The value of a result a property needs, or the failed property.
fn must<T, E: std::fmt::Debug>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{what}: {e:?}"),
    }
}

/// Splits off the first byte, which chooses what the rest is fed to.
fn selector(data: &[u8]) -> Option<(u8, &[u8])> {
    data.split_first().map(|(first, rest)| (*first, rest))
}
