//! Webhooks: what an endpoint receives and the rules that keep sending to it safe.

pub mod address;
pub mod signature;
