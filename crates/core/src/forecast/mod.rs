//! Daily demand forecasts per product: seasonal naive, ETS, Croston, SBA and TSB, the
//! cleaning that makes them fit a shop's real sales (one-off wholesale orders capped,
//! the weekly pattern with its closed day), and the rule that picks one per product.
//! Pure: a history of units per calendar day in, a forecast per day out.
//! docs/forecasting.md has the measurements behind every choice here.

pub mod backtest;
mod ets;
mod intermittent;
mod intervals;
mod metrics;
mod profile;
#[cfg(test)]
mod tests;

pub use intermittent::{croston, sba, tsb};
pub use metrics::{ADI_CUTOFF, Segment, adi, classify, mase, rmsse};

use profile::WeekProfile;

string_enum! {
    /// How a forecast was made.
    Method {
        /// Each weekday repeats its last value.
        SeasonalNaive = "seasonal_naive",
        /// AutoETS on the history with its weekly pattern divided out.
        Ets = "ets",
        /// Croston's method (smoothing 0.1), one flat rate.
        Croston = "croston",
        /// Croston with the Syntetos-Boylan correction, one flat rate.
        Sba = "sba",
        /// Teunter-Syntetos-Babai, one flat rate.
        Tsb = "tsb",
        /// AutoETS after capping one-off orders, on a recent weekly pattern.
        ProfileEts = "profile_ets",
        /// TSB after capping one-off orders, spread over a recent weekly pattern.
        ProfileTsb = "profile_tsb",
        /// The mean of profile ETS and profile TSB (means and interval bounds alike).
        Combined = "combined",
    }
}

/// One day's forecast in units: the mean and the 80 % and 95 % intervals, never
/// negative.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ForecastDay {
    pub mean: f64,
    pub lo80: f64,
    pub hi80: f64,
    pub lo95: f64,
    pub hi95: f64,
}

/// A forecast of `days.len()` days from the day after the history.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Forecast {
    pub method: Method,
    pub days: Vec<ForecastDay>,
    /// Standard deviation of one day's forecast error (the root mean square of the
    /// method's one-step errors over the recent history); a lead time of L days has
    /// an error of about `error_sd * sqrt(L)`.
    pub error_sd: f64,
}

/// The settings of the cleaning and the models, measured on the fixture at several
/// origins (docs/forecasting.md); `Tuning::default()` is what `forecast` uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// A day above `cap_factor` times the `cap_quantile` of the selling days is capped.
    pub cap_quantile: f64,
    pub cap_factor: f64,
    /// The weekly pattern of the last `profile_weeks` weeks, shrunk by
    /// `profile_shrink` selling days towards an even week.
    pub profile_weeks: usize,
    pub profile_shrink: f64,
    /// TSB's smoothing of the demand size and of the chance of a demand day.
    pub tsb_alpha_d: f64,
    pub tsb_alpha_p: f64,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            cap_quantile: 0.9,
            cap_factor: 1.25,
            profile_weeks: 52,
            profile_shrink: 60.0,
            tsb_alpha_d: 0.1,
            tsb_alpha_p: 0.1,
        }
    }
}

/// The chosen forecast for one product's history (units per calendar day, oldest
/// first, zero on days without demand): the mean of profile ETS and profile TSB for
/// regular demand, profile TSB for intermittent (see `choose`).
pub fn forecast(history: &[f64], horizon: usize) -> Forecast {
    forecast_tuned(choose(history), history, horizon, &Tuning::default())
}

/// The method `forecast` uses for this history.
pub fn choose(history: &[f64]) -> Method {
    match classify(history) {
        Segment::Regular => Method::Combined,
        Segment::Intermittent => Method::ProfileTsb,
    }
}

/// A forecast by one named method (the backtest compares them all).
pub fn forecast_with(method: Method, history: &[f64], horizon: usize) -> Forecast {
    forecast_tuned(method, history, horizon, &Tuning::default())
}

/// A forecast by one named method with other settings (to measure them).
pub fn forecast_tuned(method: Method, history: &[f64], horizon: usize, tune: &Tuning) -> Forecast {
    let y = history;
    match method {
        Method::SeasonalNaive => seasonal_naive(y, horizon),
        Method::Ets => {
            let profile = WeekProfile::measure(y, usize::MAX / 8, 0.0);
            ets_or_fallback(method, y, y, &profile, horizon, tune)
        }
        Method::ProfileEts => {
            let clean = profile::cap_outliers(y, tune.cap_quantile, tune.cap_factor);
            let profile = WeekProfile::measure(&clean, tune.profile_weeks, tune.profile_shrink);
            ets_or_fallback(method, y, &clean, &profile, horizon, tune)
        }
        Method::Croston | Method::Sba | Method::Tsb => {
            let rate = match method {
                Method::Croston => croston(y),
                Method::Sba => sba(y),
                _ => tsb(y, tune.tsb_alpha_d, tune.tsb_alpha_p),
            };
            let fitted = intermittent::tsb_fitted(y, tune.tsb_alpha_d, tune.tsb_alpha_p);
            let flat = WeekProfile { factors: [1.0; 7] };
            intervals::empirical(method, y, &fitted, rate, &flat, horizon)
        }
        Method::ProfileTsb => profile_tsb(y, horizon, tune),
        Method::Combined => {
            let a = forecast_tuned(Method::ProfileEts, y, horizon, tune);
            let b = profile_tsb(y, horizon, tune);
            let mid = |x: f64, y: f64| (x + y) / 2.0;
            let days = a
                .days
                .iter()
                .zip(&b.days)
                .map(|(a, b)| ForecastDay {
                    mean: mid(a.mean, b.mean),
                    lo80: mid(a.lo80, b.lo80),
                    hi80: mid(a.hi80, b.hi80),
                    lo95: mid(a.lo95, b.lo95),
                    hi95: mid(a.hi95, b.hi95),
                })
                .collect();
            // The error of a mean is at most the mean of the errors.
            Forecast {
                method,
                days,
                error_sd: mid(a.error_sd, b.error_sd),
            }
        }
    }
}

fn profile_tsb(y: &[f64], horizon: usize, tune: &Tuning) -> Forecast {
    let clean = profile::cap_outliers(y, tune.cap_quantile, tune.cap_factor);
    let profile = WeekProfile::measure(&clean, tune.profile_weeks, tune.profile_shrink);
    let rate = tsb(&clean, tune.tsb_alpha_d, tune.tsb_alpha_p);
    let fitted: Vec<Option<f64>> = intermittent::tsb_fitted(&clean, tune.tsb_alpha_d, tune.tsb_alpha_p)
        .into_iter()
        .enumerate()
        .map(|(t, f)| f.map(|f| f * profile.factor(t)))
        .collect();
    intervals::empirical(Method::ProfileTsb, y, &fitted, rate, &profile, horizon)
}

/// ETS on `clean` with `profile`; errors are measured against the raw `y`. A history
/// ETS cannot fit (too short) gets profile TSB instead, which says so in `method`.
fn ets_or_fallback(
    method: Method,
    y: &[f64],
    clean: &[f64],
    profile: &WeekProfile,
    horizon: usize,
    tune: &Tuning,
) -> Forecast {
    let Some(fit) = ets::fit(clean, profile, horizon) else {
        return profile_tsb(y, horizon, tune);
    };
    let days = fit
        .days
        .iter()
        .map(|&[mean, lo80, hi80, lo95, hi95]| ForecastDay {
            mean: mean.max(0.0),
            lo80: lo80.max(0.0),
            hi80: hi80.max(0.0),
            lo95: lo95.max(0.0),
            hi95: hi95.max(0.0),
        })
        .collect();
    Forecast {
        method,
        days,
        error_sd: intervals::error_sd(y, &fit.fitted),
    }
}

fn seasonal_naive(y: &[f64], horizon: usize) -> Forecast {
    let n = y.len();
    // Residuals of the in-sample naive forecast; intervals widen with each week ahead
    // (statsforecast's SeasonalNaive: sigma * sqrt(weeks ahead)).
    let fitted: Vec<Option<f64>> = (0..n).map(|t| t.checked_sub(7).map(|l| y[l])).collect();
    let sd = intervals::error_sd(y, &fitted);
    let days = (0..horizon)
        .map(|h| {
            let mean = if n >= 7 {
                y[n - 7 + h % 7]
            } else {
                y.iter().sum::<f64>() / n.max(1) as f64
            };
            let s = sd * ((h / 7 + 1) as f64).sqrt();
            intervals::normal_day(mean, s)
        })
        .collect();
    Forecast {
        method: Method::SeasonalNaive,
        days,
        error_sd: sd,
    }
}
