//! The connectors against local fakes of their channels.

mod shopify;
