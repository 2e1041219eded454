//! `switchyard replenish backtest`: a demand file in, both policies' service and stock
//! out.

use std::fmt::Write as _;

use super::{db, stdout, switchyard};

/// 270 days from 2011-01-01: STEADY sells 10 a day; DOUBLES 10 a day for 90 days, then
/// 20 (its quiet days left out of the file would read as zero, so every day is
/// written); LATE first sells 30 days before the end, too short a history to judge.
fn demand_file() -> String {
    let start: jiff::civil::Date = "2011-01-01".parse().unwrap();
    let mut csv = String::from("date,stock_code,quantity\n");
    for day in 0..270 {
        let date = start.checked_add(jiff::Span::new().days(day)).unwrap();
        writeln!(csv, "{date},STEADY,10").unwrap();
        writeln!(csv, "{date},DOUBLES,{}", if day < 90 { 10 } else { 20 }).unwrap();
        if day >= 240 {
            writeln!(csv, "{date},LATE,3").unwrap();
        }
    }
    csv
}

#[test]
fn backtest_reports_both_policies_over_the_judged_days() {
    let db = db();
    let path = db.dir.path().join("demand.csv");
    std::fs::write(&path, demand_file()).unwrap();
    let path = path.to_str().unwrap();
    let out = switchyard(
        &db,
        &["replenish", "backtest", "--data", path, "--lead-time", "5", "--json"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["skus"], 2);
    assert_eq!(report["skipped"], 1);
    // Days 90-269 are judged: STEADY asks 180 × 10, DOUBLES 180 × 20.
    assert_eq!(report["rolling"]["demand"], 5400);
    assert_eq!(report["fixed"]["demand"], 5400);
    // Steady demand is served in full by both; only DOUBLES tells them apart.
    assert_eq!(report["rolling_better"], 1);
    assert_eq!(report["fixed_better"], 0);
    let rolling = report["rolling"]["fill_rate"].as_f64().unwrap();
    let fixed = report["fixed"]["fill_rate"].as_f64().unwrap();
    assert!(rolling > fixed + 0.1, "rolling {rolling}, fixed {fixed}");

    let table = switchyard(&db, &["replenish", "backtest", "--data", path, "--lead-time", "5"]);
    let table = stdout(&table);
    assert!(table.contains("2 SKUs (1 with too short a history skipped)"), "{table}");
    assert!(table.lines().any(|l| l.starts_with("rolling")), "{table}");
}

#[test]
fn backtest_refuses_a_file_without_the_columns_it_needs() {
    let db = db();
    let path = db.dir.path().join("bad.csv");
    std::fs::write(&path, "day,item,units\n2011-01-01,A,1\n").unwrap();
    let out = switchyard(&db, &["replenish", "backtest", "--data", path.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("stock_code (or sku)"));
}

#[test]
fn suggest_prints_a_table_and_names_a_bad_filter() {
    let db = db();
    let out = switchyard(&db, &["replenish", "suggest", "--state", "under"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "sku", "location", "state", "reason", "position", "cover", "order", "excess", "supplier"
        ]
    );
    assert_eq!(lines.next(), None, "nothing is stocked yet");
    for (args, says) in [
        (["--state", "lost"], "--state \"lost\" is no stock state"),
        (["--location", "NOPE"], "--location there is no location NOPE"),
    ] {
        let out = switchyard(&db, &[&["replenish", "suggest"][..], &args[..]].concat());
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
}
