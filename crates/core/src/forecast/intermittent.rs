//! Croston, SBA and TSB: forecasts for demand that comes on some days and not on
//! others, as statsforecast defines them (`CrostonClassic`, `CrostonSBA`, `TSB`).
//! Each forecasts one flat rate of units per day.

/// Simple exponential smoothing the way statsforecast starts it: the level begins at
/// the first value and takes in every value after it; the level after the last value
/// is the forecast. Returns the forecast and the one-step fitted values (the level
/// before each value; the first has none).
pub(crate) fn ses(x: &[f64], alpha: f64) -> (f64, Vec<f64>) {
    let Some(&first) = x.first() else {
        return (0.0, Vec::new());
    };
    let mut level = first;
    let mut fitted = Vec::with_capacity(x.len());
    for &v in x {
        fitted.push(level);
        level = alpha * v + (1.0 - alpha) * level;
    }
    (level, fitted)
}

/// The non-zero demands and the number of days from each one's predecessor (the first
/// counts from the day before the series starts).
fn sizes_and_intervals(y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut sizes = Vec::new();
    let mut intervals = Vec::new();
    let mut last = 0usize;
    for (i, &v) in y.iter().enumerate() {
        if v > 0.0 {
            sizes.push(v);
            intervals.push((i + 1 - last) as f64);
            last = i + 1;
        }
    }
    (sizes, intervals)
}

/// Croston's method with both smoothing constants 0.1: smoothed size over smoothed
/// interval. No demand at all forecasts zero.
pub fn croston(y: &[f64]) -> f64 {
    const ALPHA: f64 = 0.1;
    let (sizes, intervals) = sizes_and_intervals(y);
    if sizes.is_empty() {
        return 0.0;
    }
    let (size, _) = ses(&sizes, ALPHA);
    let (interval, _) = ses(&intervals, ALPHA);
    if interval > 0.0 { size / interval } else { size }
}

/// Syntetos-Boylan approximation: Croston debiased by (1 - alpha/2).
pub fn sba(y: &[f64]) -> f64 {
    0.95 * croston(y)
}

/// Teunter-Syntetos-Babai: the probability of a demand day and the size of a demand
/// are smoothed separately (the probability every day, so it decays while nothing
/// sells); the forecast is their product.
pub fn tsb(y: &[f64], alpha_d: f64, alpha_p: f64) -> f64 {
    let occurs: Vec<f64> = y.iter().map(|&v| if v > 0.0 { 1.0 } else { 0.0 }).collect();
    let sizes: Vec<f64> = y.iter().copied().filter(|&v| v > 0.0).collect();
    if sizes.is_empty() {
        return 0.0;
    }
    let (p, _) = ses(&occurs, alpha_p);
    let (z, _) = ses(&sizes, alpha_d);
    p * z
}

/// TSB's one-step fitted values on every day (the rate it would have forecast for that
/// day from the days before it); the days before the first demand have none.
pub(crate) fn tsb_fitted(y: &[f64], alpha_d: f64, alpha_p: f64) -> Vec<Option<f64>> {
    let mut out = Vec::with_capacity(y.len());
    let mut p: Option<f64> = None;
    let mut z: Option<f64> = None;
    for &v in y {
        out.push(p.zip(z).map(|(p, z)| p * z));
        let o = if v > 0.0 { 1.0 } else { 0.0 };
        p = Some(p.map_or(o, |p| alpha_p * o + (1.0 - alpha_p) * p));
        if v > 0.0 {
            z = Some(z.map_or(v, |z| alpha_d * v + (1.0 - alpha_d) * z));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    // The series 0,3,0,0,2,0,0,0,5,0 by hand, with statsforecast's definitions
    // (models.py: `_ses_forecast` starts the level at the first value; `_intervals`
    // counts the first interval from before the series; `_croston_classic`,
    // `_croston_sba`, `_tsb`):
    // sizes 3,2,5 -> SES(0.1): 3, 0.1*2+0.9*3 = 2.9, 0.1*5+0.9*2.9 = 3.11
    // intervals 2,3,4 -> 2, 2.1, 0.1*4+0.9*2.1 = 2.29
    // Croston = 3.11 / 2.29 = 1.358078..., SBA = 0.95 * that.
    const Y: [f64; 10] = [0.0, 3.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 5.0, 0.0];

    #[test]
    fn croston_and_sba_match_the_hand_computed_statsforecast_values() {
        close(croston(&Y), 3.11 / 2.29);
        close(sba(&Y), 0.95 * 3.11 / 2.29);
        assert_eq!(croston(&[0.0; 5]), 0.0);
    }

    // TSB(alpha_d = 0.2, alpha_p = 0.1): occurrence 0,1,0,0,1,0,0,0,1,0 from level 0:
    // 0, .1, .09, .081, .1729, .15561, .140049, .1260441, .21343969, .192095721;
    // sizes 3,2,5 with 0.2: 3, 2.8, 3.24. TSB = 0.192095721 * 3.24.
    #[test]
    fn tsb_matches_the_hand_computed_statsforecast_value() {
        close(tsb(&Y, 0.2, 0.1), 0.192_095_721 * 3.24);
        let fitted = tsb_fitted(&Y, 0.2, 0.1);
        assert_eq!(fitted[0], None, "nothing has sold before the first day");
        assert_eq!(fitted[1], None);
        // After day 1: p = 0.1 (SES from 0), z = 3.
        close(fitted[2].unwrap_or(f64::NAN), 0.1 * 3.0);
    }
}
