//! Accuracy measures scaled by the in-sample seasonal-naive error (m = 7), and the
//! regular/intermittent classifier.

use super::profile::phase;

const M: usize = 7;

/// Mean absolute scaled error of `forecast` against `actual`, scaled by the mean
/// absolute seasonal-naive (m = 7) error over `train`. None when that scale is zero
/// (a history too short or flat to scale by) or nothing is compared.
pub fn mase(train: &[f64], actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let scale = naive_errors(train).map(f64::abs).sum::<f64>() / naive_count(train)?;
    let n = actual.len().min(forecast.len());
    if n == 0 || scale <= 0.0 {
        return None;
    }
    let err: f64 = actual.iter().zip(forecast).map(|(a, f)| (a - f).abs()).sum();
    Some(err / n as f64 / scale)
}

/// Root mean squared scaled error: the forecast's mean squared error over the mean
/// squared in-sample seasonal-naive (m = 7) error, square-rooted.
pub fn rmsse(train: &[f64], actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let scale = naive_errors(train).map(|e| e * e).sum::<f64>() / naive_count(train)?;
    let n = actual.len().min(forecast.len());
    if n == 0 || scale <= 0.0 {
        return None;
    }
    let err: f64 = actual.iter().zip(forecast).map(|(a, f)| (a - f).powi(2)).sum();
    Some((err / n as f64 / scale).sqrt())
}

fn naive_errors(train: &[f64]) -> impl Iterator<Item = f64> + '_ {
    train.iter().skip(M).zip(train).map(|(y, lag)| y - lag)
}

fn naive_count(train: &[f64]) -> Option<f64> {
    (train.len() > M).then(|| (train.len() - M) as f64)
}

string_enum! {
    /// How a product's demand comes: on most open days, or on some.
    Segment {
        /// Demand on most days the shop trades (average gap between demand days of
        /// 1.32 open days or less, Syntetos-Boylan's cut-off).
        Regular = "regular",
        /// Demand on fewer days, with gaps between.
        Intermittent = "intermittent",
    }
}

/// The average demand interval cut-off of Syntetos, Boylan & Croston (2005).
pub const ADI_CUTOFF: f64 = 1.32;

/// Average demand interval over the weekdays the product ever sold on (so a shop
/// closed on Saturdays does not make every product look intermittent), from its first
/// demand. Infinite for no demand.
pub fn adi(y: &[f64]) -> f64 {
    let mut open = [false; 7];
    for (t, &v) in y.iter().enumerate() {
        if v > 0.0 {
            open[phase(t)] = true;
        }
    }
    let first = y.iter().position(|&v| v > 0.0);
    let Some(first) = first else {
        return f64::INFINITY;
    };
    let days = (first..y.len()).filter(|&t| open[phase(t)]).count();
    let selling = y.iter().filter(|&&v| v > 0.0).count();
    days as f64 / selling as f64
}

/// Regular or intermittent by the average demand interval.
pub fn classify(y: &[f64]) -> Segment {
    if adi(y) <= ADI_CUTOFF {
        Segment::Regular
    } else {
        Segment::Intermittent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Train 1..=10 with m = 7: naive errors 8-1, 9-2, 10-3 = 7 each, so the MASE scale
    // is 7 and the RMSSE scale 49. Actual 10,10 against forecast 3,17: |errors| 7,7.
    #[test]
    fn mase_and_rmsse_scale_by_the_seasonal_naive_error() {
        let train: Vec<f64> = (1..=10).map(f64::from).collect();
        let mase = mase(&train, &[10.0, 10.0], &[3.0, 17.0]).unwrap_or(f64::NAN);
        assert!((mase - 1.0).abs() < 1e-12);
        let rmsse = rmsse(&train, &[10.0, 10.0], &[3.0, 10.0]).unwrap_or(f64::NAN);
        // sqrt((49 + 0) / 2 / 49)
        assert!((rmsse - 0.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(super::mase(&[1.0; 7], &[1.0], &[1.0]), None, "too short to scale");
    }

    #[test]
    fn a_closed_weekday_does_not_make_a_daily_seller_intermittent() {
        // Sells every day but phase 5, for five weeks.
        let y: Vec<f64> = (0..35).map(|t| if t % 7 == 5 { 0.0 } else { 4.0 }).collect();
        assert_eq!(adi(&y), 1.0);
        assert_eq!(classify(&y), Segment::Regular);
        let sparse: Vec<f64> = (0..35).map(|t| if t % 3 == 0 { 4.0 } else { 0.0 }).collect();
        assert_eq!(classify(&sparse), Segment::Intermittent);
    }
}
