//! The server's behaviour through real HTTP on a listening socket, against a fresh
//! SQLite file or a fresh PostgreSQL schema per test. Every scenario runs on both.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod auth;
mod catalog;
mod channels;
mod contract;
mod edges;
mod feedback;
mod hostile;
mod idempotency;
mod imports;
mod inventory;
mod mail;
mod ops;
mod orders;
mod outbox;
mod payments;
mod purchasing;
mod race;
mod reports;
mod returns;
mod routing;
mod shipments;
mod ui;
mod webhooks;
