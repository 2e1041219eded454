//! `switchyard import orders FILE --channel KEY`: a CSV or TSV order file placed order
//! by order (Amazon's unshipped-orders report, or any layout with `--mapping FILE`),
//! with a progress bar on a terminal, a summary, and each problem by row and column.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use switchyard_channels::import::{self, Mapping};
use switchyard_server::api::imports::{self, ImportReport};
use switchyard_store::Store;

/// Who the timelines say placed the imported orders.
const ACTOR: &str = "import";

#[derive(Debug, clap::Args)]
pub struct OrdersArgs {
    /// The order file: `.csv` is comma-separated, `.tsv`/`.tab` tab-separated; any other
    /// name (Amazon's `.txt` reports) has its separator found from the header line.
    pub file: PathBuf,
    /// The code of the channel the orders belong to.
    #[arg(long)]
    pub channel: String,
    /// A TOML file mapping the file's columns (default: Amazon's unshipped-orders
    /// report layout).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Check every row, the channel and the SKUs; place nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The report as text, or as JSON for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Imports the file; exits 1 when any row was refused.
pub async fn orders(store: &Store, args: &OrdersArgs) -> anyhow::Result<ExitCode> {
    let mapping = match &args.mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            Mapping::from_toml(&text)
                .map_err(|e| anyhow::anyhow!("the mapping {} does not read: {e}", path.display()))?
        }
        None => Mapping::amazon(),
    };
    let content = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let name = args.file.file_name().and_then(|n| n.to_str());
    let delimiter = import::delimiter(name, &content);
    let file = import::read(&content, delimiter, &mapping, &args.channel);
    let bar = progress_bar(file.rows);
    let report = imports::run(store, &file, &args.channel, args.dry_run, ACTOR, |rows| {
        bar.inc(rows as u64);
    })
    .await;
    bar.finish_and_clear();
    let report = report.map_err(|e| match e {
        switchyard_store::StoreError::Invalid(errors) => {
            let reasons: Vec<String> = errors.into_iter().map(|e| e.message).collect();
            anyhow::anyhow!("{}", reasons.join("; "))
        }
        other => other.into(),
    })?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print!("{}", text(&report)),
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Rows done, with rate and time left, on a terminal only.
fn progress_bar(rows: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(rows as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  ETA {eta}  {elapsed_precise}")
    {
        bar.set_style(style);
    }
    bar
}

/// The summary, then each problem by row.
fn text(report: &ImportReport) -> String {
    let c = &report.counts;
    let mut out = if report.dry_run {
        format!(
            "dry run: {} rows, {} orders would be placed (or are already there), {} refused ({} rows); nothing was stored\n",
            c.rows, c.orders_checked, c.orders_refused, c.rows_refused
        )
    } else {
        format!(
            "{} rows: {} orders created, {} already there, {} refused ({} rows)\n",
            c.rows, c.orders_created, c.orders_existing, c.orders_refused, c.rows_refused
        )
    };
    for p in &report.problems {
        let order = p.order.as_deref().map(|o| format!(" (order {o})")).unwrap_or_default();
        out.push_str(&format!("row {}, {}: {}{order}\n", p.row, p.column, p.reason));
    }
    out
}
