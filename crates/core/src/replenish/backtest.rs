//! A backtest of reorder policies over a daily demand series: our policy, whose
//! reorder point and order-up-to level follow a rolling estimate of demand, against a
//! reorder point fixed once from the first days. Both are the same `suggest` with
//! different demand estimates, so the comparison isolates the re-estimation.
//!
//! The simulation: a fixed lead time, the position looked at every day at the end of
//! the day (as the suggestions are: the reorder point protects the lead time only, so
//! looking less often than daily would leave the days between looks unprotected),
//! orders of about `review_days` of demand (the order-up-to level), lost sales (demand not served from stock on its day is gone, as a web shop's
//! customer buys elsewhere), negative demand (returns) read as none.

use serde::Serialize;

use super::abc::ServiceLevel;
use super::lead_time::{LeadTime, mean_sd};
use super::policy::{OrderUnits, PolicyInput, StockFacts, suggest};

/// How a backtest is run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BacktestSettings {
    /// Days from an order to its arrival (at least 1).
    pub lead_time_days: usize,
    /// Days of demand an order covers beyond the reorder point (the order-up-to level's
    /// review period).
    pub review_days: usize,
    pub service_level: ServiceLevel,
    /// The rolling estimate looks at this many days (8 weeks).
    pub window_days: usize,
    /// The fixed policy learns from this many first days; both policies are judged
    /// from the day after.
    pub warmup_days: usize,
}

impl BacktestSettings {
    pub fn new(lead_time_days: usize, service_level: ServiceLevel) -> BacktestSettings {
        BacktestSettings {
            lead_time_days: lead_time_days.max(1),
            review_days: 7,
            service_level,
            window_days: 56,
            warmup_days: 90,
        }
    }
}

/// How a policy did over the judged days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Outcome {
    /// Units asked for.
    pub demand: i64,
    /// Units served from stock on the day they were asked for.
    pub served: i64,
    /// Replenishment cycles (from one arrival to the next) that ended.
    pub cycles: u64,
    /// Of those, the cycles in which every unit asked for was served.
    pub cycles_in_stock: u64,
    /// Sum over the judged days of the units on hand at the end of the day.
    pub stock_days: i64,
    /// Days judged.
    pub days: u64,
    /// Orders placed.
    pub orders: u64,
}

impl Outcome {
    /// Served over asked; `None` when nothing was asked for.
    pub fn fill_rate(&self) -> Option<f64> {
        (self.demand > 0).then(|| self.served as f64 / self.demand as f64)
    }

    /// Share of cycles without a stock-out; `None` when no cycle ended.
    pub fn cycle_service_level(&self) -> Option<f64> {
        (self.cycles > 0).then(|| self.cycles_in_stock as f64 / self.cycles as f64)
    }

    /// Units on hand on an average day.
    pub fn average_stock(&self) -> f64 {
        if self.days == 0 {
            0.0
        } else {
            self.stock_days as f64 / self.days as f64
        }
    }

    /// Adds another SKU's outcome (for a total over SKUs; the average stock of the sum
    /// is then the sum of the average stocks when every SKU was judged as long).
    pub fn add(&mut self, other: &Outcome) {
        self.demand += other.demand;
        self.served += other.served;
        self.cycles += other.cycles;
        self.cycles_in_stock += other.cycles_in_stock;
        self.stock_days += other.stock_days;
        self.days = self.days.max(other.days);
        self.orders += other.orders;
    }
}

/// Both policies' outcomes over one series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Backtest {
    /// Reorder point and order-up-to level from the last `window_days` at each review.
    pub rolling: Outcome,
    /// Reorder point and order-up-to level from the first `warmup_days`, never changed.
    pub fixed: Outcome,
}

/// A demand estimate: mean and standard deviation per day.
type Estimate = (f64, f64);

fn estimate(days: &[i64]) -> Estimate {
    let values: Vec<f64> = days.iter().map(|&d| d.max(0) as f64).collect();
    mean_sd(&values).unwrap_or((0.0, 0.0))
}

/// Simulates one policy: `estimate_at(t)` is its demand estimate at the review at the
/// end of day `t`.
fn simulate(demand: &[i64], settings: &BacktestSettings, estimate_at: impl Fn(usize) -> Estimate) -> Outcome {
    let start = settings.warmup_days;
    let lead = settings.lead_time_days.max(1);
    let review = settings.review_days.max(1);
    let policy = |(d, sd): Estimate, stock: StockFacts| {
        suggest(&PolicyInput {
            demand_per_day: d,
            demand_sd_per_day: sd,
            has_history: true,
            lead_time: LeadTime::fixed(lead as f64),
            review_days: review as f64,
            service_level: settings.service_level,
            stock,
            units: OrderUnits::default(),
            max_cover_days: f64::INFINITY,
            manual_minimum: None,
        })
    };
    let mut out = Outcome::default();
    // Start at the policy's own order-up-to level, nothing on order.
    let mut on_hand = policy(estimate_at(start.saturating_sub(1)), StockFacts::default())
        .order_up_to
        .ceil() as i64;
    let mut pipeline: Vec<(usize, i64)> = Vec::new();
    let mut cycle_short = false;
    for (t, &asked) in demand.iter().enumerate().skip(start) {
        let arriving: i64 = pipeline.iter().filter(|(day, _)| *day == t).map(|(_, q)| q).sum();
        if pipeline.iter().any(|(day, _)| *day == t) {
            out.cycles += 1;
            out.cycles_in_stock += u64::from(!cycle_short);
            cycle_short = false;
        }
        pipeline.retain(|(day, _)| *day > t);
        on_hand += arriving;
        let asked = asked.max(0);
        let served = asked.min(on_hand);
        on_hand -= served;
        cycle_short |= served < asked;
        out.demand += asked;
        out.served += served;
        out.stock_days += on_hand;
        out.days += 1;
        {
            let stock = StockFacts {
                on_hand,
                inbound: pipeline.iter().map(|(_, q)| q).sum(),
                ..StockFacts::default()
            };
            if let Some(q) = policy(estimate_at(t), stock).quantity {
                pipeline.push((t + lead, q.get()));
                out.orders += 1;
            }
        }
    }
    out
}

/// Runs both policies over `demand` (units per day, oldest first); `None` when the
/// series is not longer than the warm-up.
pub fn backtest(demand: &[i64], settings: &BacktestSettings) -> Option<Backtest> {
    if demand.len() <= settings.warmup_days || settings.warmup_days == 0 {
        return None;
    }
    let fixed = estimate(&demand[..settings.warmup_days]);
    let window = settings.window_days.max(2);
    Some(Backtest {
        rolling: simulate(demand, settings, |t| {
            estimate(&demand[(t + 1).saturating_sub(window)..=t])
        }),
        fixed: simulate(demand, settings, |_| fixed),
    })
}
