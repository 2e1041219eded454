//! The chosen forecast as a caller sees it, and the methods against hand-computed or
//! known behaviour.

use super::*;

fn week_pattern(weeks: usize) -> Vec<f64> {
    // Phase 5 is the closed day; the rest a fixed pattern.
    let week = [12.0, 10.0, 8.0, 10.0, 14.0, 0.0, 6.0];
    week.iter().copied().cycle().take(weeks * 7).collect()
}

fn assert_ordered(f: &Forecast) {
    for d in &f.days {
        assert!(d.lo95 >= 0.0, "{d:?}");
        assert!(
            d.lo95 <= d.lo80 && d.lo80 <= d.mean && d.mean <= d.hi80 && d.hi80 <= d.hi95,
            "{d:?}"
        );
    }
    assert!(f.error_sd.is_finite() && f.error_sd >= 0.0);
}

// statsforecast's SeasonalNaive repeats the last season: on 1..=14 with m = 7 the next
// 14 days are 8..=14 twice. Every in-sample error is 14-7 = 7, so the error sd is 7
// and the 80 % interval of the first week is 8 ± 1.2816 * 7 (cut at zero), of the
// second week ± 1.2816 * 7 * sqrt(2).
#[test]
fn seasonal_naive_repeats_the_last_week_with_intervals_widening_by_week() {
    let y: Vec<f64> = (1..=14).map(f64::from).collect();
    let f = forecast_with(Method::SeasonalNaive, &y, 14);
    let means: Vec<f64> = f.days.iter().map(|d| d.mean).collect();
    let expected: Vec<f64> = (8..=14).chain(8..=14).map(f64::from).collect();
    assert_eq!(means, expected);
    assert!((f.error_sd - 7.0).abs() < 1e-12);
    assert!((f.days[0].hi80 - (8.0 + 1.281_551_565_545 * 7.0)).abs() < 1e-9);
    assert_eq!(f.days[0].lo80, 0.0);
    assert!((f.days[7].hi80 - (8.0 + 1.281_551_565_545 * 7.0 * 2f64.sqrt())).abs() < 1e-9);
    assert_ordered(&f);
}

#[test]
fn ets_on_a_steady_weekly_pattern_forecasts_that_pattern_and_nothing_on_the_closed_day() {
    let y = week_pattern(12);
    let f = forecast_with(Method::Ets, &y, 14);
    assert_eq!(f.method, Method::Ets);
    for (h, d) in f.days.iter().enumerate() {
        let expected = y[y.len() - 7 + h % 7];
        assert!(
            (d.mean - expected).abs() < 0.05 * expected.max(1.0),
            "day {h}: {} vs {expected}",
            d.mean
        );
        if expected == 0.0 {
            assert_eq!((d.mean, d.hi95), (0.0, 0.0), "the closed day");
        }
    }
    assert_ordered(&f);
    // Profile ETS pulls a young product's weekly pattern towards an even week (60
    // selling days' weight against 72 here) but keeps the week's total and the
    // closed day.
    let f = forecast_with(Method::ProfileEts, &y, 7);
    let week: f64 = f.days.iter().map(|d| d.mean).sum();
    assert!((week - 60.0).abs() < 0.03 * 60.0, "{week}");
    assert_eq!(f.days[(5 + 7 - y.len() % 7) % 7].mean, 0.0);
    assert_ordered(&f);
}

#[test]
fn a_regular_seller_gets_ets_and_tsb_combined_and_an_occasional_one_tsb_both_spread_over_the_week() {
    let regular = week_pattern(20);
    assert_eq!(choose(&regular), Method::Combined);
    let occasional: Vec<f64> = (0..140)
        .map(|t| if t % 9 == 0 && t % 7 != 5 { 6.0 } else { 0.0 })
        .collect();
    assert_eq!(choose(&occasional), Method::ProfileTsb);
    let f = forecast(&occasional, 28);
    assert_eq!(f.method, Method::ProfileTsb);
    assert_ordered(&f);
    // Phase 5 never sold: zero there, something on the other days.
    for (h, d) in f.days.iter().enumerate() {
        let phase = (occasional.len() + h) % 7;
        if phase == 5 {
            assert_eq!(d.mean, 0.0);
        } else {
            assert!(d.mean > 0.0 && d.hi95 >= 6.0 - 1e-9, "day {h}: {d:?}");
        }
    }
}

#[test]
fn one_wholesale_order_does_not_become_the_forecast() {
    let mut y = week_pattern(20);
    let n = y.len();
    y[n - 3] = 5000.0;
    let f = forecast(&y, 7);
    let week: f64 = f.days.iter().map(|d| d.mean).sum();
    // The pattern sells 60 a week; an uncapped 5000 would lift the level many times.
    assert!(week < 100.0, "{week}");
    assert_ordered(&f);
}

#[test]
fn no_history_or_no_demand_forecasts_zero_and_a_short_history_still_forecasts() {
    for y in [vec![], vec![0.0; 30], vec![3.0, 0.0, 2.0]] {
        let f = forecast(&y, 10);
        assert_eq!(f.days.len(), 10);
        assert_ordered(&f);
        if y.iter().all(|&v| v == 0.0) {
            assert!(f.days.iter().all(|d| d.hi95 == 0.0), "{f:?}");
        }
    }
    assert!(forecast(&week_pattern(4), 0).days.is_empty());
}

#[test]
fn the_combined_forecast_is_the_mean_of_profile_ets_and_profile_tsb() {
    let y = week_pattern(10);
    let a = forecast_with(Method::ProfileEts, &y, 7);
    let b = forecast_with(Method::ProfileTsb, &y, 7);
    let c = forecast_with(Method::Combined, &y, 7);
    for ((a, b), c) in a.days.iter().zip(&b.days).zip(&c.days) {
        assert!((c.mean - (a.mean + b.mean) / 2.0).abs() < 1e-12);
        assert!((c.hi95 - (a.hi95 + b.hi95) / 2.0).abs() < 1e-12);
    }
}
