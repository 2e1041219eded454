//! Times GET requests from a number of clients at once: the loop `pages` and
//! `reports` share. Each client asks its share of the requests one after another; the
//! report has each request's latency percentiles and the answers by status (`check`
//! names a 200 whose body is not what was asked for).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use switchyard_core::rng::Rng;

use crate::report::{OpReport, percentile};

/// What to ask and how often.
pub(crate) struct Gets {
    pub name: &'static str,
    pub base: String,
    pub requests: u64,
    pub concurrency: usize,
    pub seed: u64,
    /// Sent as `Authorization: Bearer` when set.
    pub bearer: Option<String>,
    /// The path of the next request.
    pub path: Arc<dyn Fn(&mut Rng) -> String + Send + Sync>,
    /// For a 200: `None` when the body is right, else the word counted instead of 200.
    pub check: fn(&str) -> Option<&'static str>,
}

pub(crate) async fn time_gets(client: &reqwest::Client, gets: Gets) -> OpReport {
    let started = Instant::now();
    let per_client = gets.requests.div_ceil(gets.concurrency.max(1) as u64);
    let gets = Arc::new(gets);
    let mut tasks = Vec::new();
    for worker in 0..gets.concurrency {
        let client = client.clone();
        let gets = gets.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(gets.seed.wrapping_add(worker as u64));
            let mut latencies = Vec::new();
            let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
            for _ in 0..per_client {
                let mut req = client.get(format!("{}{}", gets.base, (gets.path)(&mut rng)));
                if let Some(key) = &gets.bearer {
                    req = req.bearer_auth(key);
                }
                let began = Instant::now();
                let status = match req.send().await {
                    Ok(res) => {
                        let status = res.status().as_u16();
                        let body = res.text().await.unwrap_or_default();
                        match (gets.check)(&body) {
                            Some(wrong) if status == 200 => wrong.to_owned(),
                            _ => status.to_string(),
                        }
                    }
                    Err(_) => "transport".to_owned(),
                };
                latencies.push(u32::try_from(began.elapsed().as_micros()).unwrap_or(u32::MAX));
                *statuses.entry(status).or_default() += 1;
            }
            (latencies, statuses)
        }));
    }
    let mut latencies = Vec::new();
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    for task in tasks {
        if let Ok((l, s)) = task.await {
            latencies.extend(l);
            for (k, n) in s {
                *statuses.entry(k).or_default() += n;
            }
        }
    }
    latencies.sort_unstable();
    let seconds = started.elapsed().as_secs_f64().max(1e-9);
    OpReport {
        operation: gets.name,
        count: latencies.len() as u64,
        per_second: latencies.len() as f64 / seconds,
        p50_ms: percentile(&latencies, 50.0) / 1000.0,
        p90_ms: percentile(&latencies, 90.0) / 1000.0,
        p99_ms: percentile(&latencies, 99.0) / 1000.0,
        p999_ms: percentile(&latencies, 99.9) / 1000.0,
        max_ms: percentile(&latencies, 100.0) / 1000.0,
        statuses: statuses.into_iter().collect(),
    }
}
