//! Report timings (`switchyard bench --reports N`): asks each report of the last 365
//! days N times from `concurrency` clients, as JSON and as its CSV and SVG, and reports
//! each one's latency percentiles. Every answer must be a 200 with a body.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::report::{OpReport, write_operations};
use crate::timing::{Gets, time_gets};
use crate::{BenchError, Config};

/// The reports asked, by name, and their paths under `/api/v1/reports/` (the period
/// is added).
pub const REPORTS: [(&str, &str); 12] = [
    ("channel performance, by day", "channel-performance?bucket=day"),
    ("channel performance, by month", "channel-performance?bucket=month"),
    ("channel performance, CSV", "channel-performance?bucket=day&format=csv"),
    ("channel performance, SVG", "channel-performance?bucket=week&format=svg"),
    ("time of order", "time-of-order?"),
    ("time of order, SVG", "time-of-order?format=svg"),
    ("delivery, by carrier", "delivery?by=carrier"),
    ("delivery, by country, SVG", "delivery?by=country&format=svg"),
    ("perfect order rate", "perfect-orders?"),
    ("perfect order failures", "perfect-orders/failures?"),
    ("stock per location", "stock?"),
    ("stock per location, CSV", "stock?format=csv"),
];

#[derive(Debug, Serialize)]
pub struct ReportsReport {
    pub concurrency: usize,
    /// The period asked: `from` and `to`.
    pub period: (String, String),
    pub reports: Vec<OpReport>,
}

fn has_body(body: &str) -> Option<&'static str> {
    body.trim().is_empty().then_some("empty")
}

/// Asks every report of the 365 days ending `to` (`YYYY-MM-DD`) `requests` times.
pub async fn measure(config: &Config, to: jiff::civil::Date, requests: u64) -> Result<ReportsReport, BenchError> {
    if requests == 0 || config.concurrency == 0 {
        return Err(BenchError::Config(
            "--reports and --concurrency must be at least 1".into(),
        ));
    }
    let from = to
        .checked_sub(jiff::Span::new().days(364))
        .map_err(|e| BenchError::Config(format!("no year before {to}: {e}")))?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(config.concurrency)
        .build()?;
    let mut reports = Vec::new();
    for (name, path) in REPORTS {
        let sep = if path.ends_with('?') { "" } else { "&" };
        let url = format!("/api/v1/reports/{path}{sep}from={from}&to={to}");
        let gets = Gets {
            name,
            base: config.url.clone(),
            requests,
            concurrency: config.concurrency,
            seed: config.seed,
            bearer: Some(config.key.clone()),
            path: Arc::new(move |_| url.clone()),
            check: has_body,
        };
        reports.push(time_gets(&client, gets).await);
    }
    Ok(ReportsReport {
        concurrency: config.concurrency,
        period: (from.to_string(), to.to_string()),
        reports,
    })
}

impl fmt::Display for ReportsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "reports of {} to {}, {} clients",
            self.period.0, self.period.1, self.concurrency
        )?;
        write_operations(f, &self.reports)
    }
}
