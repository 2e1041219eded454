//! Hand-computed demand histories and stock figures.

use std::collections::BTreeMap;

use jiff::civil::{Date, date};

use super::demand::*;
use super::stock::*;
use crate::money::{Currency, Money};

fn row(day: Date, product: &str, location: &str, units: i64) -> DemandRow {
    DemandRow {
        day,
        product_id: product.into(),
        location_id: location.into(),
        units,
    }
}

#[test]
fn kits_reach_their_components_and_unshipped_units_follow_shipped_shares() {
    let window = (date(2026, 3, 1), date(2026, 3, 3));
    let kits = vec![KitPart {
        kit_id: "BOX".into(),
        component_id: "TEE".into(),
        quantity: 2,
    }];
    // TEE: 3 shipped from LON on the 1st, 1 from NYC on the 2nd, 4 not shipped on the 3rd;
    // a BOX (2 TEE each) shipped from LON on the 2nd.
    let rows = vec![
        row(date(2026, 3, 1), "TEE", "LON", 3),
        row(date(2026, 3, 2), "TEE", "NYC", 1),
        row(date(2026, 3, 2), "BOX", "LON", 1),
        row(date(2026, 3, 3), "TEE", "", 4),
    ];
    let firsts = BTreeMap::from([
        ("TEE".to_owned(), date(2026, 3, 1)),
        ("BOX".to_owned(), date(2026, 3, 2)),
    ]);
    let h = demand_histories(&rows, &kits, &firsts, window);
    // No history for the kit; TEE total, LON (5 of 6 shipped), NYC (1 of 6).
    assert_eq!(h.len(), 3, "{h:?}");
    assert!(h.iter().all(|x| x.product_id == "TEE"));
    let at = |l: Option<&str>| h.iter().find(|x| x.location_id.as_deref() == l).unwrap().units.clone();
    assert_eq!(at(None), vec![3.0, 3.0, 4.0]);
    let lon = at(Some("LON"));
    assert_eq!(lon[..2], [3.0, 2.0]);
    assert!((lon[2] - 4.0 * 5.0 / 6.0).abs() < 1e-9);
    let nyc = at(Some("NYC"));
    assert_eq!(nyc[..2], [0.0, 1.0]);
    assert!((nyc[2] - 4.0 / 6.0).abs() < 1e-9);
}

#[test]
fn a_new_sku_starts_at_its_first_sale_and_one_never_shipped_has_no_location_history() {
    let window = history_window(date(2026, 3, 11)).unwrap();
    assert_eq!(window, (date(2025, 3, 11), date(2026, 3, 10)));
    let rows = vec![row(date(2026, 3, 9), "NEW", "", 2)];
    let firsts = BTreeMap::from([("NEW".to_owned(), date(2026, 3, 9))]);
    let h = demand_histories(&rows, &[], &firsts, window);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].first_day, date(2026, 3, 9));
    assert_eq!(h[0].units, vec![2.0, 0.0]);
    assert_eq!(h[0].location_id, None);
}

fn facts(on_hand: i64, reserved: i64) -> StockFacts {
    StockFacts {
        sku: "TEE".into(),
        location: "LON".into(),
        country: "GB".into(),
        on_hand,
        reserved,
        quarantined: 1,
        inbound: 5,
        cost: Some(Money::new(450, Currency::parse("GBP").unwrap())),
        last_receipt: Some(date(2026, 3, 1)),
        last_sale: Some(date(2026, 2, 1)),
        forecast: Some(vec![2.0; 56]),
    }
}

#[test]
fn cover_value_and_dead_stock() {
    let today = date(2026, 3, 11);
    let r = stock_row(&facts(10, 2), today, 30);
    assert_eq!(r.available, 8);
    assert_eq!(r.stock_value.unwrap().amount, 4500);
    assert_eq!(r.days_of_cover, Some(4.0), "8 available at 2 a day");
    assert_eq!(r.days_since_receipt, Some(10));
    assert!(r.dead_stock, "last sold 38 days ago: dead after 30");
    assert!(!stock_row(&facts(10, 2), today, 60).dead_stock, "not after 60");
    assert!(
        !stock_row(&facts(0, 0), today, 30).dead_stock,
        "nothing on hand is not dead stock"
    );
    let mut none = facts(10, 2);
    none.forecast = Some(vec![0.0; 56]);
    assert_eq!(stock_row(&none, today, 30).days_of_cover, None, "no demand, no cover");
}

#[test]
fn shares_per_location_and_country() {
    let today = date(2026, 3, 11);
    let mut us = facts(30, 0);
    us.location = "NYC".into();
    us.country = "US".into();
    let rows = [facts(10, 0), us];
    let shipped = [
        DemandUnits {
            key: "LON".into(),
            units: 3,
        },
        DemandUnits {
            key: "NYC".into(),
            units: 1,
        },
    ];
    let ordered = [
        DemandUnits {
            key: "GB".into(),
            units: 1,
        },
        DemandUnits {
            key: "US".into(),
            units: 3,
        },
    ];
    let period = StockPeriod {
        from: date(2026, 2, 10),
        to: today,
        today,
        dead_days: 90,
    };
    let r = stock_report(&rows, &shipped, &ordered, period);
    let lon = &r.locations[0];
    assert_eq!(
        (lon.location.as_str(), lon.stock_share, lon.demand_share),
        ("LON", Some(0.25), Some(0.75))
    );
    let us = r.countries.iter().find(|c| c.country == "US").unwrap();
    assert_eq!((us.demand_share, us.stock_share), (Some(0.75), Some(0.75)));
    assert_eq!(lon.stock_value[0].amount, 4500);
}

#[test]
fn dead_days_is_checked() {
    assert_eq!(parse_dead_days(None), Ok(90));
    assert_eq!(parse_dead_days(Some("30")), Ok(30));
    assert!(parse_dead_days(Some("0")).is_err());
    assert!(parse_dead_days(Some("x")).is_err());
}
