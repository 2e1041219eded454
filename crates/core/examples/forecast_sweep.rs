//! Measures settings of the forecast's cleaning and models on a daily-sales CSV: the
//! mean MASE and RMSSE of the chosen rule ("ours") and of the profile methods on the
//! 100 SKUs with the most selling days and those ranked 1001-1100, at three origins
//! 28 days apart. docs/forecasting.md reports what it found.
//!
//! cargo run -p switchyard-core --example forecast_sweep -- testdata/demand/online_retail_daily_sku.csv
#![allow(clippy::unwrap_used, clippy::expect_used)]

use switchyard_core::forecast::backtest::{self, Contender, Dataset, Group};
use switchyard_core::forecast::{Method, Tuning};

fn main() {
    let path = std::env::args().nth(1).expect("a CSV path");
    let data = Dataset::parse_csv(&std::fs::read_to_string(path).unwrap()).unwrap();
    let groups = [
        Group::Ranked { from: 1, to: 100 },
        Group::Ranked { from: 1001, to: 1100 },
    ];
    let contenders = [
        Contender::Method(Method::ProfileEts),
        Contender::Method(Method::ProfileTsb),
        Contender::Method(Method::Combined),
        Contender::Ours,
    ];
    let base = Tuning::default();
    let mut settings = vec![("default".to_owned(), base)];
    for (q, f) in [
        (0.9, 1.5),
        (0.9, 1.25),
        (0.9, 1.0),
        (0.75, 1.5),
        (0.75, 1.0),
        (0.5, 2.0),
        (0.9, 3.0),
        (0.9, f64::INFINITY),
    ] {
        settings.push((
            format!("cap q{q} x{f}"),
            Tuning {
                cap_quantile: q,
                cap_factor: f,
                ..base
            },
        ));
    }
    for w in [13, 52] {
        settings.push((
            format!("profile_weeks {w}"),
            Tuning {
                profile_weeks: w,
                ..base
            },
        ));
    }
    for k in [0.0, 60.0, 200.0] {
        settings.push((
            format!("profile_shrink {k}"),
            Tuning {
                profile_shrink: k,
                ..base
            },
        ));
    }
    for (d, p) in [(0.2, 0.2), (0.05, 0.05), (0.1, 0.05), (0.05, 0.1)] {
        settings.push((
            format!("tsb {d}/{p}"),
            Tuning {
                tsb_alpha_d: d,
                tsb_alpha_p: p,
                ..base
            },
        ));
    }
    let only = std::env::args().nth(2);
    for (name, tune) in settings {
        if only.as_deref().is_some_and(|o| !name.starts_with(o)) {
            continue;
        }
        let scores = backtest::run(&data, 28, 3, &groups, &contenders, &tune);
        for g in groups {
            for c in contenders {
                let mine: Vec<_> = scores.iter().filter(|s| s.group == g && s.contender == c).collect();
                let per: Vec<String> = mine.iter().map(|s| format!("{:.3}/{:.3}", s.mase, s.rmsse)).collect();
                let n = mine.len() as f64;
                println!(
                    "{name:<20} {:<16} {:<12} mean {:.3}/{:.3}  origins {}",
                    g.to_string(),
                    c.label(),
                    mine.iter().map(|s| s.mase).sum::<f64>() / n,
                    mine.iter().map(|s| s.rmsse).sum::<f64>() / n,
                    per.join(" ")
                );
            }
        }
    }
}
