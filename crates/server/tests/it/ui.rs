//! The staff web UI and the customer pages: HTTP tests of sessions, CSRF and
//! permissions on both backends, and browser tests in real Chromium (driven through
//! chromedriver; `ui::support::browser`) on SQLite: the pages run the same store code
//! on both, which the rest of this suite proves. Browser test names start with
//! `browser_`, so nextest runs at most two at once (`.config/nextest.toml`).

pub mod support;

mod care;
mod floor;
mod order;
mod public;
mod reports;
mod session;
mod settings;
mod stock;
mod suggestions;
