//! The connectors against local fakes of their channels.

#[cfg(feature = "fake")]
mod amazon;
