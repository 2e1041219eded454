//! The connectors against local fakes of their channels, and order files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod amazon;
mod ebay;
mod import;
mod shopify;
mod woocommerce;
