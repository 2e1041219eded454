use super::*;
use crate::inventory::Quantity;
use crate::money::{Currency, Money};

fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "expected {expected} ± {tolerance}, got {actual}"
    );
}

#[test]
fn the_safety_factor_is_the_normal_quantile() {
    for (p, z) in [
        (0.90, 1.2816),
        (0.95, 1.6449),
        (0.98, 2.0537),
        (0.5, 0.0),
        (0.99, 2.3263),
        (0.999, 3.0902),
        (0.01, -2.3263),
    ] {
        close(inverse_normal(p).unwrap(), z, 5e-5);
    }
    assert_eq!(inverse_normal(0.0), None);
    assert_eq!(inverse_normal(1.0), None);
    assert_eq!(inverse_normal(f64::NAN), None);
    close(ServiceLevel::new(0.95).unwrap().z(), 1.6449, 5e-5);
    assert!(ServiceLevel::new(1.0).is_err());
    assert!(ServiceLevel::new(0.3).is_err());
}

#[test]
fn orders_are_whole_packs_and_at_least_the_minimum() {
    let units = OrderUnits { moq: 20, pack_size: 6 };
    // Need 13: the minimum 20 rounds up to 4 packs of 6.
    assert_eq!(units.round(13), 24);
    assert_eq!(units.round(25), 30);
    assert_eq!(units.round(24), 24);
    assert_eq!(units.round(0), 0);
    assert_eq!(units.round(-4), 0);
    assert_eq!(OrderUnits::default().round(7), 7);
    assert_eq!(OrderUnits { moq: 0, pack_size: 12 }.round(1), 12);

    let q = |n| Quantity::new(n).unwrap();
    assert!(units.check(q(24)).is_ok());
    let err = units.check(q(13)).unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        ("not_whole_packs", "the supplier sells packs of 6: order 12 or 18")
    );
    assert_eq!(units.check(q(18)).unwrap_err().code, "below_minimum");
}

fn lead(mean_days: f64, sd_days: f64) -> LeadTime {
    LeadTime {
        mean_days,
        sd_days,
        source: LeadTimeSource::SkuHistory,
        observations: 5,
    }
}

fn input(stock: StockFacts) -> PolicyInput {
    PolicyInput {
        demand_per_day: 10.0,
        demand_sd_per_day: 3.0,
        has_history: true,
        lead_time: lead(9.0, 2.0),
        review_days: 7.0,
        service_level: ServiceLevel::new(0.95).unwrap(),
        stock,
        units: OrderUnits { moq: 50, pack_size: 12 },
        max_cover_days: 60.0,
        manual_minimum: None,
    }
}

#[test]
fn safety_stock_covers_demand_and_lead_time_spread() {
    // z(0.95) * sqrt(9 * 3² + 10² * 2²) = 1.64485 * sqrt(481) = 36.0745.
    close(safety_stock(1.644_853_6, 10.0, 3.0, &lead(9.0, 2.0)), 36.0745, 1e-3);
    // Position 150 - 30 + 20 - 10 = 130, above the reorder point 90 + 36.07.
    let stock = StockFacts {
        on_hand: 150,
        reserved: 30,
        inbound: 20,
        backordered: 10,
    };
    let s = suggest(&input(stock));
    close(s.safety_stock, 36.0745, 1e-3);
    close(s.reorder_point, 126.0745, 1e-3);
    close(s.order_up_to, 196.0745, 1e-3);
    assert_eq!(s.position, 130);
    assert_eq!(s.quantity, None);
    assert_eq!(s.reason, SuggestionReason::AboveReorderPoint);
    close(s.days_of_cover.unwrap(), 13.0, 1e-9);
    assert!(!s.under_stock && !s.over_stock);
}

#[test]
fn below_the_reorder_point_it_orders_up_to_the_level_in_whole_packs() {
    // Position 100 - 30 + 20 - 10 = 80; 196.07 - 80 = 116.07, so 117 units, 10 packs of 12.
    let stock = StockFacts {
        on_hand: 100,
        reserved: 30,
        inbound: 20,
        backordered: 10,
    };
    let s = suggest(&input(stock));
    assert_eq!(s.position, 80);
    assert_eq!(s.quantity.map(Quantity::get), Some(120));
    assert_eq!(s.reason, SuggestionReason::BelowReorderPoint);
    assert!(s.under_stock);
    close(s.days_of_cover.unwrap(), 8.0, 1e-9);
}

#[test]
fn too_much_cover_is_over_stock() {
    let stock = StockFacts {
        on_hand: 700,
        ..StockFacts::default()
    };
    let s = suggest(&input(stock));
    assert!(s.over_stock, "70 days of cover is more than 60");
    assert_eq!(s.quantity, None);
}

#[test]
fn a_sku_nothing_sells_gets_no_order_and_its_stock_is_over_stock() {
    let mut i = input(StockFacts {
        on_hand: 40,
        ..StockFacts::default()
    });
    i.demand_per_day = 0.0;
    let s = suggest(&i);
    assert_eq!(s.quantity, None);
    assert_eq!(s.reason, SuggestionReason::NoDemand);
    assert_eq!(s.safety_stock, 0.0);
    assert_eq!(s.days_of_cover, None);
    assert!(s.over_stock);

    i.stock.on_hand = 0;
    let s = suggest(&i);
    assert_eq!(s.quantity, None);
    assert!(!s.over_stock, "no stock is not over-stock");
}

#[test]
fn a_new_sku_without_history_is_not_ordered_unless_given_a_minimum() {
    let mut i = input(StockFacts::default());
    i.has_history = false;
    i.demand_per_day = 0.0;
    let s = suggest(&i);
    assert_eq!(s.quantity, None);
    assert_eq!(s.reason, SuggestionReason::NoHistory);

    // A manual minimum of 30, MOQ 50, packs of 12: 60.
    i.manual_minimum = Some(30);
    let s = suggest(&i);
    assert_eq!(s.quantity.map(Quantity::get), Some(60));
    assert_eq!(s.reason, SuggestionReason::ManualMinimum);
}

#[test]
fn lead_time_is_learned_from_history_most_specific_first() {
    let facts = LeadTimeFacts {
        sku_history: vec![10.0, 12.0, 14.0],
        supplier_history: vec![7.0, 9.0, 11.0, 13.0],
        set_days: Some(21.0),
    };
    let l = lead_time(&facts, 14.0);
    assert_eq!(
        (l.mean_days, l.sd_days, l.source, l.observations),
        (12.0, 2.0, LeadTimeSource::SkuHistory, 3)
    );

    // Two receipts of the SKU are too few: the supplier's four (mean 10, sd √(20/3)).
    let facts = LeadTimeFacts {
        sku_history: vec![10.0, 12.0],
        ..facts
    };
    let l = lead_time(&facts, 14.0);
    assert_eq!(l.source, LeadTimeSource::SupplierHistory);
    close(l.mean_days, 10.0, 1e-9);
    close(l.sd_days, 2.581_989, 1e-6);

    let set = LeadTimeFacts {
        set_days: Some(21.0),
        ..LeadTimeFacts::default()
    };
    let l = lead_time(&set, 14.0);
    assert_eq!((l.mean_days, l.sd_days, l.source), (21.0, 5.25, LeadTimeSource::Set));

    let l = lead_time(&LeadTimeFacts::default(), 14.0);
    assert_eq!((l.mean_days, l.sd_days, l.source), (14.0, 3.5, LeadTimeSource::Default));
}

#[test]
fn abc_splits_revenue_80_15_5() {
    let revenue = [
        ("b", 3000),
        ("a", 5000),
        ("c", 1000),
        ("d", 500),
        ("e", 300),
        ("f", 200),
        ("g", 0),
    ];
    let classes = classify(&revenue, AbcSplit::default());
    let got: String = classes.values().map(|c| c.as_str()).collect();
    // a, b bring 80%; c, d the next 15%; e, f the last 5%; g sold nothing.
    assert_eq!(got, "aabbccc");

    // The SKU that crosses 80% is still A.
    let classes = classify(&[("x", 70), ("y", 20), ("z", 10)], AbcSplit::default());
    assert_eq!(classes["y"], AbcClass::A);
    assert_eq!(classes["z"], AbcClass::B);

    // Nothing sold at all: everything is C.
    let classes = classify(&[("x", 0), ("y", -5)], AbcSplit::default());
    assert!(classes.values().all(|c| *c == AbcClass::C));

    let levels = ServiceLevels::default();
    assert_eq!(levels.for_class(AbcClass::A).get(), 0.98);
    assert_eq!(levels.for_class(AbcClass::B).get(), 0.95);
    assert_eq!(levels.for_class(AbcClass::C).get(), 0.90);
}

fn gbp(amount: i64) -> Money {
    Money::new(amount, Currency::parse("GBP").unwrap())
}

fn line(sku: &str, location: &str, supplier: &str, currency: Currency) -> DraftLine {
    DraftLine {
        sku: sku.into(),
        location: location.into(),
        supplier: supplier.into(),
        currency,
        quantity: Quantity::new(6).unwrap(),
        unit_cost: None,
        lead_time_days: 7.0,
    }
}

#[test]
fn drafts_group_by_supplier_location_and_currency() {
    let gbp = gbp(100).currency;
    let groups = group(vec![
        line("MUG", "LON", "Fernhill", gbp),
        line("JUG", "MAN", "Fernhill", gbp),
        line("CUP", "LON", "Acme", gbp),
        line("BOWL", "LON", "Fernhill", gbp),
        line("PLATE", "LON", "Fernhill", Currency::NONE),
    ]);
    let got: Vec<(String, String, Vec<String>)> = groups
        .iter()
        .map(|g| {
            (
                g.supplier.clone(),
                g.location.clone(),
                g.lines.iter().map(|l| l.sku.clone()).collect(),
            )
        })
        .collect();
    let want = |s: &str, l: &str, skus: &[&str]| {
        (
            s.to_string(),
            l.to_string(),
            skus.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(got.len(), 4);
    assert!(got.contains(&want("Acme", "LON", &["CUP"])));
    assert!(got.contains(&want("Fernhill", "LON", &["MUG", "BOWL"])));
    assert!(got.contains(&want("Fernhill", "LON", &["PLATE"])));
    assert!(got.contains(&want("Fernhill", "MAN", &["JUG"])));

    // Ordered at noon on 1 December with a lead time of 9.2 days: expected 11 December.
    let mut l = line("MUG", "LON", "Fernhill", gbp);
    l.lead_time_days = 9.2;
    let at: jiff::Timestamp = "2026-12-01T12:00:00Z".parse().unwrap();
    assert_eq!(l.expected_at(at).to_string(), "2026-12-11T12:00:00Z");
}

#[test]
fn accepted_suggestions_are_checked_field_by_field() {
    let input: ReplenishmentOrderInput = serde_json::from_value(serde_json::json!({
        "lines": [
            {"sku": "MUG", "location": "LON", "quantity": 24},
            {"sku": "MUG", "location": "LON", "quantity": 6},
            {"location": "LON", "quantity": 0},
            {"sku": "JUG", "location": "MAN", "quantity": 12, "supplier": " "}
        ]
    }))
    .unwrap();
    let errors = input.parse().unwrap_err();
    let fields: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        fields,
        [
            ("/lines/1/sku", "duplicate"),
            ("/lines/2/sku", "required"),
            ("/lines/2/quantity", "out_of_range"),
            ("/lines/3/supplier", "required"),
        ]
    );

    let input: ReplenishmentOrderInput = serde_json::from_value(serde_json::json!({
        "supplier": "Acme",
        "lines": [
            {"sku": "MUG", "location": "LON", "quantity": 24},
            {"sku": "JUG", "location": "LON", "quantity": 12, "supplier": "Fernhill"}
        ]
    }))
    .unwrap();
    let accepted = input.parse().unwrap().lines;
    assert_eq!(accepted[0].supplier.as_deref(), Some("Acme"));
    assert_eq!(accepted[1].supplier.as_deref(), Some("Fernhill"));
}

#[test]
fn supplier_terms_default_to_no_minimum_and_single_units() {
    let terms = SupplierTermsInput {
        supplier: Some("Fernhill".into()),
        unit_cost: Some(gbp(250)),
        ..SupplierTermsInput::default()
    }
    .parse()
    .unwrap();
    assert_eq!((terms.moq, terms.pack_size, terms.lead_time_days), (0, 1, None));
    assert_eq!(terms.currency().map(|c| c.as_str()), Some("GBP"));

    let errors = SupplierTermsInput {
        pack_size: Some(0),
        moq: Some(-1),
        lead_time_days: Some(400),
        ..SupplierTermsInput::default()
    }
    .parse()
    .unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["/supplier", "/lead_time_days", "/moq", "/pack_size"]);
}

#[test]
fn steady_demand_is_always_served_by_both_policies() {
    // 10 a day, no spread: reorder point 5 × 10 = 50, order-up-to 50 + 7 × 10 = 120.
    // Start at 120 on day 90; day 96 ends at 50 and orders 70, which arrives on day 101
    // as the last 10 units are sold; from then on every seventh day orders 70.
    let demand = vec![10; 200];
    let settings = BacktestSettings::new(5, ServiceLevel::new(0.95).unwrap());
    let b = backtest(&demand, &settings).unwrap();
    assert_eq!(b.rolling, b.fixed);
    assert_eq!(b.rolling.fill_rate(), Some(1.0));
    assert_eq!(b.rolling.demand, 1100);
    assert_eq!(b.rolling.days, 110);
    assert_eq!(b.rolling.cycle_service_level(), Some(1.0));
    // Orders on days 96, 103, ..., 194; arrivals on 101, ..., 199, each ending a cycle.
    assert_eq!((b.rolling.orders, b.rolling.cycles), (15, 15));
    // Days 90-100 end at 110, 100, ..., 10 (660); then 14 weeks ending at 70, 60, ...,
    // 10 (280 each) and day 199 at 70: 4650 unit-days over 110 days.
    assert_eq!(b.rolling.stock_days, 4650);
    close(b.rolling.average_stock(), 4650.0 / 110.0, 1e-9);
}

#[test]
fn when_demand_doubles_the_rolling_policy_keeps_serving_and_the_fixed_one_runs_out() {
    let mut demand = vec![10; 90];
    demand.extend(vec![20; 180]);
    let settings = BacktestSettings::new(5, ServiceLevel::new(0.95).unwrap());
    let b = backtest(&demand, &settings).unwrap();
    let rolling = b.rolling.fill_rate().unwrap();
    let fixed = b.fixed.fill_rate().unwrap();
    // The fixed policy orders up to 120 for 12 days of demand that lasts 6: about half
    // of each cycle is served.
    assert!(fixed < 0.7, "fixed fill rate {fixed}");
    assert!(rolling > 0.9, "rolling fill rate {rolling}");
    assert!(b.rolling.orders > 0 && b.fixed.orders > 0);
}

#[test]
fn a_series_no_longer_than_the_warm_up_is_not_backtested() {
    let settings = BacktestSettings::new(5, ServiceLevel::new(0.95).unwrap());
    assert_eq!(backtest(&[3; 90], &settings), None);
}
