//! `switchyard replenish suggest`: the reorder suggestions as a table (the store call of
//! `GET /api/v1/replenishment/suggestions`).
//!
//! `switchyard replenish backtest`: our reorder policy (reorder point and order-up-to
//! level from a rolling 8-week demand estimate) against a reorder point fixed from the
//! first 90 days, simulated over each SKU's daily demand in a CSV file
//! (`date,stock_code|sku,quantity`). The rules and the simulation are
//! `core::replenish`; this reads the file and prints the totals.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use jiff::civil::Date;
use serde::Serialize;
use switchyard_core::FieldError;
use switchyard_core::replenish::{BacktestSettings, Outcome, ServiceLevel, SuggestionQuery, backtest};
use switchyard_store::{Store, StoreError};

#[derive(Debug, Subcommand)]
pub enum ReplenishCommand {
    /// Simulate our policy against a fixed reorder point over a demand history and
    /// report the service each achieved and the stock each held.
    Backtest(BacktestArgs),
    /// Print what to reorder and what is over-stocked, the most urgent first.
    Suggest(SuggestArgs),
}

#[derive(Debug, clap::Args)]
pub struct SuggestArgs {
    /// Only this location (code).
    #[arg(long)]
    pub location: Option<String>,
    /// Only these stock states: under, over, ok (comma-separated).
    #[arg(long)]
    pub state: Option<String>,
}

/// Prints every suggestion line the filters match, one row each.
pub async fn suggest(store: &Store, args: &SuggestArgs) -> anyhow::Result<()> {
    let query = SuggestionQuery {
        location: args.location.clone(),
        state: args.state.clone(),
        ..SuggestionQuery::default()
    };
    let refused = |errors: Vec<FieldError>| {
        let text: Vec<String> = errors.iter().map(|e| format!("--{} {}", e.field, e.message)).collect();
        anyhow::anyhow!(text.join("; "))
    };
    let filter = query.parse().map_err(refused)?;
    let lines = match store.replenishment_suggestions(&filter, None).await {
        Err(StoreError::Invalid(errors)) => return Err(refused(errors)),
        found => found?.data,
    };
    println!(
        "{:<20} {:<8} {:<6} {:<20} {:>8} {:>8} {:>8} {:>8}  supplier",
        "sku", "location", "state", "reason", "position", "cover", "order", "excess"
    );
    for l in lines {
        println!(
            "{:<20} {:<8} {:<6} {:<20} {:>8} {:>8} {:>8} {:>8}  {}",
            l.sku,
            l.location,
            l.state.as_str(),
            l.reason.as_str(),
            l.position,
            l.days_of_cover.map_or_else(|| "-".into(), |d| format!("{d:.1}")),
            l.quantity.map_or_else(|| "-".into(), |q| q.get().to_string()),
            l.excess_units,
            l.supplier.unwrap_or_default()
        );
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// CSV of units sold per SKU per day: a header naming `date`, `stock_code` (or
    /// `sku`) and `quantity`; days a SKU sold nothing may be left out.
    #[arg(long)]
    pub data: PathBuf,
    /// Days from ordering to receiving.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..=365))]
    pub lead_time: u16,
    /// Days of demand an order covers beyond the reorder point.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..=365))]
    pub review: u16,
    /// Cycle service level both policies plan for.
    #[arg(long, default_value_t = 0.95)]
    pub service_level: f64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Days of demand per SKU, each series from the SKU's first sale to the file's last day.
pub fn read_series(text: &str) -> anyhow::Result<BTreeMap<String, Vec<i64>>> {
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().context("the file is empty")?;
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let find = |names: &[&str]| columns.iter().position(|c| names.contains(c));
    let (Some(date_col), Some(sku_col), Some(qty_col)) =
        (find(&["date"]), find(&["stock_code", "sku"]), find(&["quantity"]))
    else {
        bail!("the header must name date, stock_code (or sku) and quantity; it is: {header}");
    };
    let mut sales: BTreeMap<String, BTreeMap<Date, i64>> = BTreeMap::new();
    let mut last: Option<Date> = None;
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let field = |col: usize| fields.get(col).copied().unwrap_or("");
        let row = i + 1;
        let date: Date = field(date_col)
            .parse()
            .with_context(|| format!("line {row}: the date {:?} is not YYYY-MM-DD", field(date_col)))?;
        let quantity: i64 = field(qty_col)
            .parse()
            .with_context(|| format!("line {row}: the quantity {:?} is not a whole number", field(qty_col)))?;
        let sku = field(sku_col);
        if sku.is_empty() {
            bail!("line {row}: no SKU");
        }
        *sales.entry(sku.to_owned()).or_default().entry(date).or_default() += quantity;
        last = last.max(Some(date));
    }
    let Some(last) = last else {
        bail!("the file has no sales");
    };
    let mut series = BTreeMap::new();
    for (sku, days) in sales {
        let Some((&first, _)) = days.first_key_value() else {
            continue;
        };
        let len = usize::try_from(first.until(last)?.get_days()).unwrap_or(0) + 1;
        let mut demand = vec![0; len];
        for (date, q) in days {
            let day = usize::try_from(first.until(date)?.get_days()).unwrap_or(0);
            if let Some(slot) = demand.get_mut(day) {
                *slot += q;
            }
        }
        series.insert(sku, demand);
    }
    Ok(series)
}

/// One policy's totals over every SKU backtested.
#[derive(Debug, Serialize)]
pub struct PolicyTotals {
    #[serde(flatten)]
    pub outcome: Outcome,
    pub fill_rate: Option<f64>,
    pub cycle_service_level: Option<f64>,
    /// Units on hand on an average day, summed over the SKUs.
    pub average_stock: f64,
}

impl PolicyTotals {
    fn new(outcomes: &[Outcome]) -> PolicyTotals {
        let mut total = Outcome::default();
        for o in outcomes {
            total.add(o);
        }
        PolicyTotals {
            outcome: total,
            fill_rate: total.fill_rate(),
            cycle_service_level: total.cycle_service_level(),
            average_stock: outcomes.iter().map(Outcome::average_stock).sum(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub lead_time_days: u16,
    pub review_days: u16,
    pub service_level: f64,
    /// SKUs whose history is longer than the warm-up.
    pub skus: usize,
    /// SKUs with too short a history.
    pub skipped: usize,
    /// SKUs where the rolling policy served a larger share of demand than the fixed one,
    /// and where it served less.
    pub rolling_better: usize,
    pub fixed_better: usize,
    pub rolling: PolicyTotals,
    pub fixed: PolicyTotals,
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |x| format!("{:.1}%", x * 100.0))
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "backtest: {} SKUs ({} with too short a history skipped), lead time {} days, review {} days, service level {}",
            self.skus, self.skipped, self.lead_time_days, self.review_days, self.service_level
        )?;
        writeln!(
            f,
            "{:<10} {:>10} {:>10} {:>14} {:>10} {:>12}",
            "policy", "fill rate", "cycle SL", "average stock", "orders", "units lost"
        )?;
        for (name, p) in [("rolling", &self.rolling), ("fixed", &self.fixed)] {
            writeln!(
                f,
                "{:<10} {:>10} {:>10} {:>14.0} {:>10} {:>12}",
                name,
                percent(p.fill_rate),
                percent(p.cycle_service_level),
                p.average_stock,
                p.outcome.orders,
                p.outcome.demand - p.outcome.served
            )?;
        }
        write!(
            f,
            "per SKU: rolling served more in {}, fixed in {}",
            self.rolling_better, self.fixed_better
        )
    }
}

pub fn run_backtest(args: &BacktestArgs, text: &str) -> anyhow::Result<Report> {
    let level = ServiceLevel::new(args.service_level).map_err(|e| anyhow::anyhow!("--service-level {}", e.message))?;
    let mut settings = BacktestSettings::new(usize::from(args.lead_time), level);
    settings.review_days = usize::from(args.review);
    let series = read_series(text)?;
    let mut rolling = Vec::new();
    let mut fixed = Vec::new();
    let (mut rolling_better, mut fixed_better) = (0, 0);
    for demand in series.values() {
        let Some(b) = backtest(demand, &settings) else {
            continue;
        };
        match (b.rolling.fill_rate(), b.fixed.fill_rate()) {
            (Some(r), Some(x)) if r > x => rolling_better += 1,
            (Some(r), Some(x)) if r < x => fixed_better += 1,
            _ => {}
        }
        rolling.push(b.rolling);
        fixed.push(b.fixed);
    }
    Ok(Report {
        lead_time_days: args.lead_time,
        review_days: args.review,
        service_level: args.service_level,
        skus: rolling.len(),
        skipped: series.len() - rolling.len(),
        rolling_better,
        fixed_better,
        rolling: PolicyTotals::new(&rolling),
        fixed: PolicyTotals::new(&fixed),
    })
}

pub fn run(args: &BacktestArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.data).with_context(|| format!("cannot read {}", args.data.display()))?;
    let report = run_backtest(args, &text)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{report}");
    }
    Ok(())
}
