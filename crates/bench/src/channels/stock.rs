//! Stock-push lag: from each accepted placement's answer to the shop receiving its
//! SKUs' next figures, and whether the shop ends up showing what it is offered.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{PATIENCE, Shop};
use crate::report::percentile;
use crate::workload::{Accepted, Run, all_pages};
use crate::{BenchError, Config};

/// How long the shop must keep agreeing before it counts as settled: a few of the
/// stock-sync worker's idle rounds, so a change not yet worked into the figures
/// cannot pass for agreement.
const STEADY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Serialize)]
pub struct StockLagReport {
    /// Accepted placements measured.
    pub placements: u64,
    /// (placement, SKU) pairs: each owed a push after the placement's answer.
    pub samples: u64,
    /// Pairs whose SKU's latest figure reached the shop before the answer did (no
    /// later push was needed): counted as 0 ms.
    pub before_answer: u64,
    /// Stock sets the shop received from the run's start until it settled.
    pub pushes: u64,
    pub lag_p50_ms: f64,
    pub lag_p90_ms: f64,
    pub lag_p99_ms: f64,
    pub lag_max_ms: f64,
    /// From the run's end until the shop showed every SKU's offered figure.
    pub settle_seconds: f64,
    /// SKUs whose figure on the shop still differed when the bench stopped waiting.
    pub mismatched: u64,
}

/// Whether the shop agrees with the server.
pub(super) struct Settled {
    /// `SKU: shop N, offered M` for each SKU that still differs (or whose push is
    /// still due).
    pub differing: Vec<String>,
    /// When it first agreed (and kept agreeing), or when the bench stopped waiting.
    pub at: Instant,
}

/// SKUs on which the shop and the server's offered figures differ, or whose push is
/// still due, as `GET /api/v1/channels/{key}/stock` tells it now.
async fn differing(client: &reqwest::Client, config: &Config, shop: &Shop) -> Result<Vec<String>, BenchError> {
    let mut problems = Vec::new();
    let path = format!("/api/v1/channels/{}/stock", shop.channel);
    let figures = all_pages(client, config, &path, &mut problems).await?;
    if let Some(problem) = problems.pop() {
        return Ok(vec![problem]);
    }
    let mut out = Vec::new();
    let mut seen = 0usize;
    for f in &figures {
        let sku = f["sku"].as_str().unwrap_or_default();
        let Some(item) = shop.items.get(sku) else {
            continue;
        };
        seen += 1;
        let offered = f["offered"].as_i64();
        let shown = shop.fake.level(*item);
        if f["due"].as_bool() != Some(false) || offered.is_none() || shown != offered {
            out.push(format!(
                "{sku}: shop {}, offered {}",
                shown.map_or("none".into(), |n| n.to_string()),
                offered.map_or("none".into(), |n| n.to_string())
            ));
        }
    }
    if seen < shop.items.len() {
        out.push(format!(
            "GET {path} lists {seen} of the {} listed SKUs",
            shop.items.len()
        ));
    }
    Ok(out)
}

/// Waits (at most `PATIENCE`) until the shop shows every SKU's offered figure and
/// keeps doing so for `STEADY`.
pub(super) async fn settle(client: &reqwest::Client, config: &Config, shop: &Shop) -> Result<Settled, BenchError> {
    let deadline = Instant::now() + PATIENCE;
    let mut agreed_since: Option<Instant> = None;
    loop {
        let differing = differing(client, config, shop).await?;
        let now = Instant::now();
        match (differing.is_empty(), agreed_since) {
            (true, Some(since)) if now.duration_since(since) >= STEADY => {
                return Ok(Settled { differing, at: since });
            }
            (true, None) => agreed_since = Some(now),
            (true, Some(_)) => {}
            (false, _) => agreed_since = None,
        }
        if now >= deadline {
            return Ok(Settled { differing, at: now });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The lag of each (placement, SKU) pair, in ms, sorted, and how many were already
/// on the shop when answered. `received` is every set the shop took, with when.
fn lags(accepted: &[Accepted], received: &[(u64, Instant)], items: &HashMap<String, u64>) -> (Vec<f64>, u64) {
    let mut arrivals: HashMap<u64, Vec<Instant>> = HashMap::new();
    for (item, at) in received {
        arrivals.entry(*item).or_default().push(*at);
    }
    for times in arrivals.values_mut() {
        times.sort_unstable();
    }
    let mut lags = Vec::new();
    let mut before_answer = 0u64;
    for placement in accepted {
        for (sku, _) in &placement.lines {
            let times = items.get(sku).and_then(|item| arrivals.get(item));
            let next = times.and_then(|t| t.get(t.partition_point(|at| *at <= placement.answered)));
            match next {
                Some(at) => lags.push(at.duration_since(placement.answered).as_secs_f64() * 1000.0),
                None => {
                    before_answer += 1;
                    lags.push(0.0);
                }
            }
        }
    }
    lags.sort_by(f64::total_cmp);
    (lags, before_answer)
}

/// Right after the run: waits for the shop to agree with the server (a SKU that never
/// does is named in `problems`), then measures each placement's stock-push lag.
pub async fn measure(
    client: &reqwest::Client,
    config: &Config,
    shop: &Shop,
    run: &Run,
    problems: &mut Vec<String>,
) -> Result<StockLagReport, BenchError> {
    let ended = Instant::now();
    let settled = settle(client, config, shop).await?;
    let settle_seconds = settled.at.duration_since(ended).as_secs_f64();
    if !settled.differing.is_empty() {
        problems.push(format!(
            "{} SKU(s) on the shop still differed from what it is offered after {} s, e.g. {}",
            settled.differing.len(),
            PATIENCE.as_secs(),
            settled.differing[0]
        ));
    }
    let started = ended.checked_sub(run.elapsed).unwrap_or(ended);
    let received: Vec<(u64, Instant)> = (shop.fake.stock_sets_received().into_iter())
        .map(|(set, at)| (set.inventory_item_id, at))
        .collect();
    let pushes = received.iter().filter(|(_, at)| *at >= started).count() as u64;
    let (lags, before_answer) = lags(&run.accepted, &received, &shop.items);
    Ok(StockLagReport {
        placements: run.accepted.len() as u64,
        samples: lags.len() as u64,
        before_answer,
        pushes,
        lag_p50_ms: percentile(&lags, 50.0),
        lag_p90_ms: percentile(&lags, 90.0),
        lag_p99_ms: percentile(&lags, 99.0),
        lag_max_ms: percentile(&lags, 100.0),
        settle_seconds,
        mismatched: settled.differing.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_placement_waits_for_the_first_push_of_its_sku_after_its_answer() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        let items = HashMap::from([("A".to_owned(), 1), ("B".to_owned(), 2)]);
        let accepted = vec![
            Accepted {
                id: "o1".into(),
                lines: vec![("A".into(), 1), ("B".into(), 2)],
                answered: ms(100),
            },
            Accepted {
                id: "o2".into(),
                lines: vec![("A".into(), 1)],
                answered: ms(300),
            },
        ];
        // A: pushed at 50 (before), 130 and 400; B: only at 90, before o1's answer.
        let received = vec![(1, ms(400)), (1, ms(50)), (1, ms(130)), (2, ms(90))];
        let (lags, before) = lags(&accepted, &received, &items);
        assert_eq!(before, 1, "B's figure was there before o1 was answered");
        let rounded: Vec<u64> = lags.iter().map(|l| l.round() as u64).collect();
        assert_eq!(rounded, vec![0, 30, 100]);
    }
}
