//! `switchyard forecast`: demand forecasts per SKU from a daily-sales CSV, and the
//! backtest that measures them (docs/forecasting.md).

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Subcommand;
use jiff::civil::Date;
use switchyard_core::forecast::backtest::{self, CONTENDERS, Contender, Dataset, Group};
use switchyard_core::forecast::{self, Method, Segment};

#[derive(Debug, Subcommand)]
pub enum ForecastCommand {
    /// Hold out the last days of each SKU's sales, forecast them with every method and
    /// print each method's mean MASE and RMSSE per segment.
    Backtest {
        /// Daily sales CSV with a header: date,sku,quantity (or stock_code for sku).
        #[arg(long)]
        data: PathBuf,
        /// Days held out at each origin.
        #[arg(long, default_value_t = 28, value_parser = clap::value_parser!(u64).range(1..=366))]
        holdout: u64,
        /// Origins: 1 holds out the last days only; each more steps back by --holdout.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=12))]
        origins: u64,
    },
    /// Forecast every SKU from the day after the file's last date and write
    /// sku,date,forecast,lo80,hi80,lo95,hi95.
    Run {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=366))]
        horizon: u64,
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(command: ForecastCommand) -> anyhow::Result<()> {
    match command {
        ForecastCommand::Backtest { data, holdout, origins } => {
            let data = read(&data)?;
            let table = backtest_table(&data, usize::try_from(holdout)?, usize::try_from(origins)?);
            print!("{table}");
        }
        ForecastCommand::Run { data, horizon, out } => {
            let started = Instant::now();
            let data = read(&data)?;
            let used = write_forecasts(&data, usize::try_from(horizon)?, &out)?;
            let methods: Vec<String> = used.iter().map(|(m, n)| format!("{m} {n}")).collect();
            println!(
                "forecast {} SKUs for {horizon} days from {} into {} in {:.1} s ({})",
                data.products.len(),
                data.last.tomorrow()?,
                out.display(),
                started.elapsed().as_secs_f64(),
                methods.join(", ")
            );
        }
    }
    Ok(())
}

/// Reads `date,sku,quantity` rows (the sku column may be called `stock_code`).
fn read(path: &Path) -> anyhow::Result<Dataset> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        bail!("{} is empty", path.display());
    };
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let find = |names: &[&str]| {
        columns
            .iter()
            .position(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
            .with_context(|| format!("the header has no {} column", names.join(" or ")))
    };
    let (date_col, sku_col, qty_col) = (find(&["date"])?, find(&["sku", "stock_code"])?, find(&["quantity"])?);
    let mut rows = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let field = |c: usize| fields.get(c).copied().unwrap_or("");
        let at = || format!("line {}", i + 1);
        let date: Date = field(date_col)
            .parse()
            .with_context(|| format!("{}: date {:?} is not YYYY-MM-DD", at(), field(date_col)))?;
        let units: f64 = field(qty_col)
            .parse()
            .with_context(|| format!("{}: quantity {:?} is not a number", at(), field(qty_col)))?;
        if !units.is_finite() || units < 0.0 {
            bail!("{}: quantity {units} is not zero or more", at());
        }
        let sku = field(sku_col);
        if sku.is_empty() {
            bail!("{}: the sku is empty", at());
        }
        rows.push((date, sku.to_owned(), units));
    }
    Dataset::from_rows(rows).with_context(|| format!("{} has no sales rows", path.display()))
}

/// The published reference points on the fixture (one origin, 28 days): (group,
/// method) -> (MASE, RMSSE) where known.
fn reference(group: Group, contender: Contender) -> (Option<f64>, Option<f64>) {
    let top = Group::Ranked { from: 1, to: 100 };
    let mid = Group::Ranked { from: 1001, to: 1100 };
    match contender {
        Contender::Method(Method::SeasonalNaive) if group == top => (Some(1.16), None),
        Contender::Method(Method::SeasonalNaive) if group == mid => (Some(1.48), None),
        Contender::Method(Method::Ets) if group == top => (Some(0.894), Some(0.759)),
        Contender::Method(Method::Ets) if group == mid => (Some(1.32), Some(0.908)),
        Contender::Method(Method::Tsb) if group == mid => (None, Some(0.877)),
        _ => (None, None),
    }
}

fn backtest_table(data: &Dataset, holdout: usize, origins: usize) -> String {
    let groups = [
        Group::Ranked { from: 1, to: 100 },
        Group::Ranked { from: 1001, to: 1100 },
        Group::Segment(Segment::Regular),
        Group::Segment(Segment::Intermittent),
    ];
    let scores = backtest::run(data, holdout, origins, &groups, CONTENDERS);
    let mut out = String::new();
    let line = |out: &mut String, s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(
        &mut out,
        format!(
            "backtest: {} SKUs, last day {}, {holdout}-day holdout, {origins} origin(s)",
            data.products.len(),
            data.last
        ),
    );
    line(
        &mut out,
        format!(
            "{:<24} {:<20} {:>8} {:<15} {:>7} {:>7}  {}",
            "held out", "segment", "products", "method", "MASE", "RMSSE", "reference (MASE / RMSSE)"
        ),
    );
    for origin in 0..origins {
        let window = held_out(data.last, holdout, origin)
            .map_or_else(|| format!("origin {origin}"), |(s, e)| format!("{s}..{e}"));
        for &group in &groups {
            for s in scores.iter().filter(|s| s.origin == origin && s.group == group) {
                let (rm, rr) = if origin == 0 && holdout == 28 {
                    reference(group, s.contender)
                } else {
                    (None, None)
                };
                let show = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.3}"));
                let reference = if rm.is_some() || rr.is_some() {
                    format!("{} / {}", show(rm), show(rr))
                } else {
                    String::new()
                };
                line(
                    &mut out,
                    format!(
                        "{:<24} {:<20} {:>8} {:<15} {:>7.3} {:>7.3}  {}",
                        window,
                        group.to_string(),
                        s.products,
                        s.contender.label(),
                        s.mase,
                        s.rmsse,
                        reference
                    )
                    .trim_end()
                    .to_owned(),
                );
            }
        }
    }
    if origins > 1 {
        for &group in &groups {
            for &contender in CONTENDERS {
                let mine: Vec<_> = scores
                    .iter()
                    .filter(|s| s.group == group && s.contender == contender)
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                let n = mine.len() as f64;
                line(
                    &mut out,
                    format!(
                        "{:<24} {:<20} {:>8} {:<15} {:>7.3} {:>7.3}",
                        format!("mean of {} origins", mine.len()),
                        group.to_string(),
                        mine.iter().map(|s| s.products).sum::<usize>() / mine.len(),
                        contender.label(),
                        mine.iter().map(|s| s.mase).sum::<f64>() / n,
                        mine.iter().map(|s| s.rmsse).sum::<f64>() / n
                    ),
                );
            }
        }
    }
    out
}

/// The first and last day held out at `origin`.
fn held_out(last: Date, holdout: usize, origin: usize) -> Option<(Date, Date)> {
    let days = |n: usize| i64::try_from(n).ok().map(|n| jiff::Span::new().days(n));
    let end = last.checked_sub(days(origin * holdout)?).ok()?;
    let start = end.checked_sub(days(holdout.checked_sub(1)?)?).ok()?;
    Some((start, end))
}

/// Writes every SKU's forecast; returns how many SKUs each method forecast.
fn write_forecasts(data: &Dataset, horizon: usize, out: &Path) -> anyhow::Result<BTreeMap<Method, usize>> {
    let file = std::fs::File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut w = BufWriter::new(file);
    writeln!(w, "sku,date,forecast,lo80,hi80,lo95,hi95")?;
    let mut used = BTreeMap::new();
    for product in &data.products {
        let f = forecast::forecast(&product.history, horizon);
        *used.entry(f.method).or_insert(0) += 1;
        let mut day = data.last;
        for d in &f.days {
            day = day.tomorrow()?;
            writeln!(
                w,
                "{},{day},{:.3},{:.3},{:.3},{:.3},{:.3}",
                product.sku, d.mean, d.lo80, d.hi80, d.lo95, d.hi95
            )?;
        }
    }
    w.flush()?;
    Ok(used)
}
