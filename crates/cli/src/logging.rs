//! Logs on stderr: text (coloured only on a terminal) or JSON, one object a line, under
//! a filter that is checked when the command line is parsed.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// A `tracing` filter such as `info` or `switchyard=debug,sqlx=warn`, refused when it
/// does not parse rather than replaced by a default.
pub fn parse_filter(raw: &str) -> Result<String, String> {
    EnvFilter::try_new(raw)
        .map(|_| raw.to_owned())
        .map_err(|e| format!("not a log filter such as info or switchyard=debug,sqlx=warn: {e}"))
}

/// Installs the subscriber: `filter` (already checked by `parse_filter`), in `format`.
pub fn init(filter: &str, format: Format) {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        Format::Text => builder.init(),
        Format::Json => builder.json().flatten_event(true).init(),
    }
}
