//! Webhook endpoints: URLs that hear the events they subscribed to, signed with a
//! secret of their own. Here is what a valid endpoint is, which events it wants, its
//! secrets and their rotation, and when one that keeps failing is disabled; the store
//! keeps endpoints and the server's workers send. How a request is signed is in
//! `signature`, and which addresses a webhook may go to (the SSRF rule) in `address`.

pub mod address;
mod endpoint;
mod secret;
pub mod signature;

pub use endpoint::*;
pub use secret::*;

#[cfg(test)]
mod tests;
