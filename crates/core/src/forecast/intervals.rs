//! Intervals and the error spread from a method's one-step errors on its history.

use super::profile::{WeekProfile, quantile_sorted};
use super::{Forecast, ForecastDay, Method};

/// The recent history the errors are measured on: half a year.
const WINDOW: usize = 182;

const Z80: f64 = 1.281_551_565_545;
const Z95: f64 = 1.959_963_984_540;

/// One-step errors (actual minus fitted) over the last `WINDOW` days that have a
/// fitted value.
fn residuals(y: &[f64], fitted: &[Option<f64>]) -> Vec<f64> {
    let start = y.len().saturating_sub(WINDOW);
    y.iter()
        .zip(fitted)
        .skip(start)
        .filter_map(|(a, f)| f.map(|f| a - f))
        .collect()
}

/// Root mean square of the recent one-step errors; zero with none.
pub(super) fn error_sd(y: &[f64], fitted: &[Option<f64>]) -> f64 {
    let r = residuals(y, fitted);
    if r.is_empty() {
        return 0.0;
    }
    (r.iter().map(|e| e * e).sum::<f64>() / r.len() as f64).sqrt()
}

/// A normal interval around `mean` with standard deviation `sd`, cut at zero.
pub(super) fn normal_day(mean: f64, sd: f64) -> ForecastDay {
    ForecastDay {
        mean: mean.max(0.0),
        lo80: (mean - Z80 * sd).max(0.0),
        hi80: (mean + Z80 * sd).max(0.0),
        lo95: (mean - Z95 * sd).max(0.0),
        hi95: (mean + Z95 * sd).max(0.0),
    }
}

/// A flat `rate` spread over `profile`, with intervals from the empirical quantiles of
/// the recent one-step errors on open days (demand that comes in lumps is far from
/// normal). A weekday that never sells forecasts zero, exactly.
pub(super) fn empirical(
    method: Method,
    y: &[f64],
    fitted: &[Option<f64>],
    rate: f64,
    profile: &WeekProfile,
    horizon: usize,
) -> Forecast {
    let open: Vec<Option<f64>> = fitted
        .iter()
        .enumerate()
        .map(|(t, f)| f.filter(|_| profile.factor(t) > 0.0))
        .collect();
    let mut r = residuals(y, &open);
    r.sort_by(f64::total_cmp);
    let q = |p: f64| quantile_sorted(&r, p);
    let (q025, q10, q90, q975) = (q(0.025), q(0.10), q(0.90), q(0.975));
    let days = (y.len()..y.len() + horizon)
        .map(|t| {
            let f = profile.factor(t);
            if f <= 0.0 {
                return ForecastDay {
                    mean: 0.0,
                    lo80: 0.0,
                    hi80: 0.0,
                    lo95: 0.0,
                    hi95: 0.0,
                };
            }
            let mean = (rate * f).max(0.0);
            ForecastDay {
                mean,
                lo80: (mean + q10).clamp(0.0, mean),
                hi80: (mean + q90).max(mean),
                lo95: (mean + q025).clamp(0.0, mean),
                hi95: (mean + q975).max(mean),
            }
        })
        .collect();
    Forecast {
        method,
        days,
        error_sd: error_sd(y, &open),
    }
}
