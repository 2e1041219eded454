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

/// Tuning, measured on the fixture at several origins (docs/forecasting.md).
mod tune {
    /// A day above CAP_FACTOR times the CAP_QUANTILE of the selling days is capped.
    pub const CAP_QUANTILE: f64 = 0.9;
    pub const CAP_FACTOR: f64 = 2.0;
    /// The weekly pattern of the last PROFILE_WEEKS weeks, shrunk by PROFILE_SHRINK
    /// selling days towards an even week.
    pub const PROFILE_WEEKS: usize = 26;
    pub const PROFILE_SHRINK: f64 = 20.0;
    /// TSB's smoothing of the demand size and of the chance of a demand day.
    pub const TSB_ALPHA_D: f64 = 0.1;
    pub const TSB_ALPHA_P: f64 = 0.1;
}

/// The chosen forecast for one product's history (units per calendar day, oldest
/// first, zero on days without demand): profile ETS for regular demand, profile TSB
/// for intermittent (see `choose`).
pub fn forecast(history: &[f64], horizon: usize) -> Forecast {
    forecast_with(choose(history), history, horizon)
}

/// The method `forecast` uses for this history.
pub fn choose(history: &[f64]) -> Method {
    match classify(history) {
        Segment::Regular => Method::ProfileEts,
        Segment::Intermittent => Method::ProfileTsb,
    }
}

/// A forecast by one named method (the backtest compares them all).
pub fn forecast_with(method: Method, history: &[f64], horizon: usize) -> Forecast {
    let y = history;
    match method {
        Method::SeasonalNaive => seasonal_naive(y, horizon),
        Method::Ets => {
            let profile = WeekProfile::measure(y, usize::MAX / 8, 0.0);
            ets_or_fallback(method, y, y, &profile, horizon)
        }
        Method::ProfileEts => {
            let clean = profile::cap_outliers(y, tune::CAP_QUANTILE, tune::CAP_FACTOR);
            let profile = WeekProfile::measure(&clean, tune::PROFILE_WEEKS, tune::PROFILE_SHRINK);
            ets_or_fallback(method, y, &clean, &profile, horizon)
        }
        Method::Croston | Method::Sba | Method::Tsb => {
            let rate = match method {
                Method::Croston => croston(y),
                Method::Sba => sba(y),
                _ => tsb(y, tune::TSB_ALPHA_D, tune::TSB_ALPHA_P),
            };
            let fitted = intermittent::tsb_fitted(y, tune::TSB_ALPHA_D, tune::TSB_ALPHA_P);
            let flat = WeekProfile { factors: [1.0; 7] };
            intervals::empirical(method, y, &fitted, rate, &flat, horizon)
        }
        Method::ProfileTsb => profile_tsb(y, horizon),
    }
}

fn profile_tsb(y: &[f64], horizon: usize) -> Forecast {
    let clean = profile::cap_outliers(y, tune::CAP_QUANTILE, tune::CAP_FACTOR);
    let profile = WeekProfile::measure(&clean, tune::PROFILE_WEEKS, tune::PROFILE_SHRINK);
    let rate = tsb(&clean, tune::TSB_ALPHA_D, tune::TSB_ALPHA_P);
    let fitted: Vec<Option<f64>> = intermittent::tsb_fitted(&clean, tune::TSB_ALPHA_D, tune::TSB_ALPHA_P)
        .into_iter()
        .enumerate()
        .map(|(t, f)| f.map(|f| f * profile.factor(t)))
        .collect();
    intervals::empirical(Method::ProfileTsb, y, &fitted, rate, &profile, horizon)
}

/// ETS on `clean` with `profile`; errors are measured against the raw `y`. A history
/// ETS cannot fit (too short) gets profile TSB instead, which says so in `method`.
fn ets_or_fallback(method: Method, y: &[f64], clean: &[f64], profile: &WeekProfile, horizon: usize) -> Forecast {
    let Some(fit) = ets::fit(clean, profile, horizon) else {
        return profile_tsb(y, horizon);
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
