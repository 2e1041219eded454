//! `switchyard forecast backtest|run` on a small sales file: the table and the CSV a
//! user sees.

use std::fmt::Write as _;
use std::process::{Command, Output};

use jiff::civil::{Date, Weekday, date};

fn forecast(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .arg("forecast")
        .args(args)
        .env("SWITCHYARD_LOG", "warn")
        .output()
        .unwrap()
}

/// Eight weeks from Monday 2024-01-01 to Sunday 2024-02-25, the shop closed on
/// Saturdays. A sells 10 a day in even weeks and 12 in odd ones; B sells 3 every
/// fourth day.
fn sales() -> String {
    let mut csv = "date,stock_code,quantity\n".to_owned();
    let mut day: Date = date(2024, 1, 1);
    for t in 0..56 {
        if day.weekday() != Weekday::Saturday {
            let a = if (t / 7) % 2 == 0 { 10 } else { 12 };
            writeln!(csv, "{day},A,{a}").unwrap();
            if t % 4 == 0 {
                writeln!(csv, "{day},B,3").unwrap();
            }
        }
        day = day.tomorrow().unwrap();
    }
    csv
}

#[test]
fn backtest_prints_each_methods_scores_per_segment_and_origin() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sales.csv");
    std::fs::write(&data, sales()).unwrap();
    let out = forecast(&[
        "backtest",
        "--data",
        data.to_str().unwrap(),
        "--holdout",
        "7",
        "--origins",
        "2",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("backtest: 2 SKUs, last day 2024-02-25, 7-day holdout, 2 origin(s)"),
        "{text}"
    );
    // A alone is regular. Its seasonal naive misses by 2 on each of the 6 open days of
    // the held-out week, as it did on every open day of its history: MASE and RMSSE 1.
    let row = |window: &str, segment: &str, method: &str| {
        text.lines()
            .find(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                l.starts_with(window) && l.contains(segment) && cols.contains(&method)
            })
            .unwrap_or_else(|| panic!("no {window} {segment} {method} row in\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        row("2024-02-19..2024-02-25", "regular", "seasonal_naive"),
        "2024-02-19..2024-02-25 regular (all) 1 seasonal_naive 1.000 1.000"
    );
    assert!(
        row("2024-02-12..2024-02-18", "ranks 1-100", "ours").contains(" 2 ours "),
        "{text}"
    );
    for method in ["ets", "tsb", "profile_tsb", "combined"] {
        row("mean of 2 origins", "ranks 1-100", method);
    }
}

#[test]
fn run_writes_a_forecast_per_sku_and_day_with_nothing_on_the_closed_day() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sales.csv");
    let out_csv = dir.path().join("forecasts.csv");
    std::fs::write(&data, sales()).unwrap();
    let out = forecast(&[
        "run",
        "--data",
        data.to_str().unwrap(),
        "--horizon",
        "10",
        "--out",
        out_csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.starts_with("forecast 2 SKUs for 10 days from 2024-02-26 into "),
        "{said}"
    );
    let written = std::fs::read_to_string(&out_csv).unwrap();
    let mut lines = written.lines();
    assert_eq!(lines.next(), Some("sku,date,forecast,lo80,hi80,lo95,hi95"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 20);
    assert_eq!((rows[0][0], rows[0][1]), ("A", "2024-02-26"));
    assert_eq!((rows[19][0], rows[19][1]), ("B", "2024-03-06"));
    for row in &rows {
        let v: Vec<f64> = row[2..].iter().map(|x| x.parse().unwrap()).collect();
        let (mean, lo80, hi80, lo95, hi95) = (v[0], v[1], v[2], v[3], v[4]);
        assert!(
            0.0 <= lo95 && lo95 <= lo80 && lo80 <= mean && mean <= hi80 && hi80 <= hi95,
            "{row:?}"
        );
        let day: Date = row[1].parse().unwrap();
        if day.weekday() == Weekday::Saturday {
            assert_eq!(row[2..], ["0.000"; 5], "the shop is closed: {row:?}");
        } else if row[0] == "A" {
            assert!((9.0..=13.0).contains(&mean), "A sells 10 to 12 a day: {row:?}");
        }
    }
}

#[test]
fn a_file_with_a_bad_quantity_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sales.csv");
    std::fs::write(&data, "date,sku,quantity\n2024-01-01,A,3\n2024-01-02,A,lots\n").unwrap();
    let out = forecast(&["backtest", "--data", data.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3: quantity \"lots\" is not a number of units"),
        "{err}"
    );
}
