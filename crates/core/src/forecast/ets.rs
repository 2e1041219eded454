//! AutoETS (augurs-ets, model chosen by AICc among the non-seasonal ETS models) on the
//! history with its weekly pattern divided out. augurs-ets 0.10 fits no seasonal ETS
//! (its seasonal initialisation is unimplemented), so the week is handled here: the
//! days of a weekday that never sells are left out, every other day is divided by its
//! weekday's factor, and the forecast is multiplied back.

use std::panic::{AssertUnwindSafe, catch_unwind};

use augurs_core::{Fit, Predict};
use augurs_ets::AutoETS;

use super::profile::WeekProfile;

/// A fitted ETS forecast, back on the scale of units per day.
pub(crate) struct EtsFit {
    /// Per horizon day: mean, lo80, hi80, lo95, hi95 (unclipped).
    pub days: Vec<[f64; 5]>,
    /// One-step fitted values over the history (None on the closed weekday).
    pub fitted: Vec<Option<f64>>,
}

/// Fewest open days ETS is fitted on; a shorter history gets None.
const MIN_DAYS: usize = 14;

pub(crate) fn fit(y: &[f64], profile: &WeekProfile, horizon: usize) -> Option<EtsFit> {
    let open: Vec<usize> = (0..y.len()).filter(|&t| profile.factor(t) > 0.0).collect();
    if open.len() < MIN_DAYS {
        return None;
    }
    let adjusted: Vec<f64> = open.iter().map(|&t| y[t] / profile.factor(t)).collect();
    let ahead: Vec<usize> = (y.len()..y.len() + horizon)
        .filter(|&t| profile.factor(t) > 0.0)
        .collect();
    // augurs-ets asserts on a few internal states; a product it cannot fit falls back
    // to another method rather than stopping the run.
    let run = || -> Option<_> {
        let model = AutoETS::non_seasonal().fit(&adjusted).ok()?;
        let f80 = model.predict(ahead.len(), 0.8).ok()?;
        let f95 = model.predict(ahead.len(), 0.95).ok()?;
        let in_sample = model.predict_in_sample(None).ok()?;
        Some((f80, f95, in_sample.point))
    };
    let (f80, f95, in_sample) = catch_unwind(AssertUnwindSafe(run)).ok()??;
    let (i80, i95) = (f80.intervals?, f95.intervals?);
    if f80.point.iter().chain(&in_sample).any(|v| !v.is_finite()) {
        return None;
    }
    let mut days = vec![[0.0; 5]; horizon];
    for (k, &t) in ahead.iter().enumerate() {
        let f = profile.factor(t);
        days[t - y.len()] = [
            f80.point[k] * f,
            i80.lower[k] * f,
            i80.upper[k] * f,
            i95.lower[k] * f,
            i95.upper[k] * f,
        ];
    }
    let mut fitted = vec![None; y.len()];
    for (k, &t) in open.iter().enumerate() {
        fitted[t] = in_sample.get(k).map(|v| v * profile.factor(t));
    }
    Some(EtsFit { days, fitted })
}
