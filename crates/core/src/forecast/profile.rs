//! Cleaning a history before a model sees it: one-off wholesale orders capped, and the
//! weekly pattern (the shop's closed days included) measured so a model can work on
//! the level alone.

/// Position of day `t` in its week; the days after the history continue the count.
pub(crate) fn phase(t: usize) -> usize {
    t % 7
}

/// Caps each day at `factor` times a high quantile of the days that sold, so one
/// wholesale order of thousands does not become the level of a product that sells
/// dozens. Days below the cap are unchanged.
pub(crate) fn cap_outliers(y: &[f64], quantile: f64, factor: f64) -> Vec<f64> {
    let mut sold: Vec<f64> = y.iter().copied().filter(|&v| v > 0.0).collect();
    if sold.len() < 5 {
        return y.to_vec();
    }
    sold.sort_by(f64::total_cmp);
    let cap = factor * quantile_sorted(&sold, quantile);
    y.iter().map(|&v| v.min(cap)).collect()
}

/// The `q` quantile (linear between order statistics, as numpy's default) of sorted
/// values; zero for none.
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
        }
    }
}

/// Multiplicative day-of-week factors (mean 1 over the week), indexed by `phase`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct WeekProfile {
    pub factors: [f64; 7],
}

impl WeekProfile {
    /// Measured on the last `weeks` whole weeks of `y`: each weekday's share of the
    /// units, shrunk towards an even share over the weekdays that ever sold (weight
    /// `shrink` selling days against the window's selling days), so a sparse product's
    /// profile is not its last few orders. A weekday that never sold (the shop's closed
    /// day) keeps a factor of zero.
    pub(crate) fn measure(y: &[f64], weeks: usize, shrink: f64) -> Self {
        let n = y.len();
        let mut ever = [false; 7];
        for (t, &v) in y.iter().enumerate() {
            if v > 0.0 {
                ever[phase(t)] = true;
            }
        }
        let open = ever.iter().filter(|&&e| e).count();
        if open == 0 {
            return Self { factors: [1.0; 7] };
        }
        let start = n.saturating_sub(weeks * 7);
        let mut units = [0.0; 7];
        let mut selling_days = 0.0;
        for (t, &v) in y.iter().enumerate().skip(start) {
            units[phase(t)] += v;
            if v > 0.0 {
                selling_days += 1.0;
            }
        }
        let total: f64 = units.iter().sum();
        let w = shrink / (shrink + selling_days);
        let mut factors = [0.0; 7];
        for p in 0..7 {
            if !ever[p] {
                continue;
            }
            let even = 1.0 / open as f64;
            let share = if total > 0.0 { units[p] / total } else { even };
            factors[p] = 7.0 * ((1.0 - w) * share + w * even);
        }
        Self { factors }
    }

    pub(crate) fn factor(&self, t: usize) -> f64 {
        self.factors[phase(t)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wholesale_spike_is_capped_and_ordinary_days_are_not() {
        let mut y = vec![10.0, 12.0, 0.0, 8.0, 11.0, 9.0, 10.0, 12.0];
        y.push(5000.0);
        let capped = cap_outliers(&y, 0.9, 3.0);
        assert_eq!(&capped[..8], &y[..8]);
        assert!(capped[8] < 100.0, "{}", capped[8]);
    }

    #[test]
    fn a_closed_weekday_has_factor_zero_and_the_week_averages_one() {
        // Four weeks: phase 5 never sells, phase 0 sells double.
        let week = [20.0, 10.0, 10.0, 10.0, 10.0, 0.0, 10.0];
        let y: Vec<f64> = week.iter().copied().cycle().take(28).collect();
        let profile = WeekProfile::measure(&y, 4, 0.0);
        assert_eq!(profile.factors[5], 0.0);
        let mean: f64 = profile.factors.iter().sum::<f64>() / 7.0;
        assert!((mean - 1.0).abs() < 1e-12);
        assert!((profile.factors[0] - 2.0 * profile.factors[1]).abs() < 1e-12);
    }
}
