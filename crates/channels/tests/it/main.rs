//! The connectors against local fakes of their channels.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod import;
