use super::line::main_currency;
use super::*;
use crate::inventory::Quantity;
use crate::money::{Currency, Money};

fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() <= 1e-6, "expected {expected}, got {actual}");
}

fn gbp(amount: i64) -> Money {
    Money::new(amount, Currency::parse("GBP").unwrap())
}

fn terms(supplier: &str, moq: i64, pack_size: i64, cost: Option<i64>) -> SupplierTerms {
    SupplierTerms {
        supplier: supplier.to_owned(),
        lead_time_days: Some(10),
        moq,
        pack_size,
        unit_cost: cost.map(gbp),
    }
}

fn flat(per_day: f64, error_sd: f64) -> StoredDemand {
    StoredDemand {
        means: vec![per_day; 56],
        error_sd,
    }
}

/// A line at LON with a 10-day lead time that was set (spread 2.5 days) and the
/// location's own forecast.
fn line_input(stock: StockFacts, demand: StoredDemand, class: AbcClass) -> LineInput {
    LineInput {
        sku: "MUG".into(),
        location: "LON".into(),
        stock,
        lead_time: LeadTime::unmeasured(10.0, LeadTimeSource::Set),
        terms: Some(terms("Fernhill", 20, 6, Some(450))),
        class,
        demand,
        demand_source: DemandSource::Location,
        sold_before: true,
    }
}

#[test]
fn an_under_stocked_line_orders_up_to_the_level_in_whole_packs() {
    let stock = StockFacts {
        on_hand: 20,
        reserved: 4,
        inbound: 6,
        backordered: 0,
    };
    let l = suggestion_line(
        &line_input(stock, flat(2.0, 1.0), AbcClass::A),
        &PlanSettings::default(),
    );
    // Class A plans for 98 %: z = 2.053749. Over 10 + 7 days at 2 a day, 34 units.
    close(l.service_level, 0.98);
    close(l.horizon_days, 17.0);
    close(l.demand_per_day, 2.0);
    close(l.forecast_demand, 34.0);
    // SS = 2.053749 * sqrt(10 * 1² + 2² * 2.5²) = 2.053749 * sqrt(35) = 12.150142;
    // ROP = 2 * 10 + SS = 32.150142; up to ROP + 2 * 7 = 46.150142.
    assert!((l.safety_stock - 12.150142).abs() < 1e-5, "{}", l.safety_stock);
    assert!((l.reorder_point - 32.150142).abs() < 1e-5);
    assert!((l.order_up_to - 46.150142).abs() < 1e-5);
    // Position 20 - 4 + 6 = 22: need 46.15 - 22 = 24.15, so 25, up to 5 packs of 6 = 30.
    assert_eq!(l.position, 22);
    assert_eq!(l.state, StockState::Under);
    assert_eq!(l.reason, SuggestionReason::BelowReorderPoint);
    assert_eq!(l.quantity.map(Quantity::get), Some(30));
    assert_eq!(l.supplier.as_deref(), Some("Fernhill"));
    assert_eq!(l.unit_cost, Some(gbp(450)));
    assert_eq!(l.order_value, Some(gbp(13_500)));
    close(l.days_of_cover.unwrap(), 11.0);
    assert_eq!((l.excess_units, l.excess_value), (0, None));
    assert_eq!(
        l.accept,
        Some(AcceptedSuggestionInput {
            sku: Some("MUG".into()),
            location: Some("LON".into()),
            quantity: Some(30),
            supplier: Some("Fernhill".into()),
        })
    );
}

#[test]
fn an_over_stocked_line_counts_its_excess_at_cost() {
    let stock = StockFacts {
        on_hand: 100,
        ..StockFacts::default()
    };
    let l = suggestion_line(
        &line_input(stock, flat(0.5, 0.2), AbcClass::C),
        &PlanSettings::default(),
    );
    // 100 units at half a unit a day: 200 days of cover; 90 days need 45, 55 are excess.
    assert_eq!(l.state, StockState::Over);
    assert_eq!(l.reason, SuggestionReason::AboveReorderPoint);
    close(l.days_of_cover.unwrap(), 200.0);
    assert_eq!(l.quantity, None);
    assert_eq!(l.accept, None);
    assert_eq!(l.excess_units, 55);
    assert_eq!(l.excess_value, Some(gbp(24_750)));
    // 90 days at 0.505 a day need 45.45 units: 46 is over by a part of one, so one unit is excess.
    let stock = StockFacts {
        on_hand: 46,
        ..StockFacts::default()
    };
    let l = suggestion_line(
        &line_input(stock, flat(0.505, 0.2), AbcClass::C),
        &PlanSettings::default(),
    );
    assert_eq!((l.state, l.excess_units), (StockState::Over, 1));
}

#[test]
fn a_line_between_the_reorder_point_and_the_maximum_cover_is_ok() {
    let stock = StockFacts {
        on_hand: 60,
        ..StockFacts::default()
    };
    let l = suggestion_line(
        &line_input(stock, flat(2.0, 1.0), AbcClass::B),
        &PlanSettings::default(),
    );
    assert_eq!(l.state, StockState::Ok);
    assert_eq!(l.reason, SuggestionReason::AboveReorderPoint);
    close(l.service_level, 0.95);
    close(l.days_of_cover.unwrap(), 30.0);
    assert_eq!((l.quantity, l.order_value, l.excess_units), (None, None, 0));
}

#[test]
fn without_a_forecast_a_line_is_new_or_waits_for_one_and_is_never_over() {
    let stock = StockFacts {
        on_hand: 40,
        ..StockFacts::default()
    };
    let mut input = line_input(stock, StoredDemand::default(), AbcClass::C);
    input.demand_source = DemandSource::Missing;
    let l = suggestion_line(&input, &PlanSettings::default());
    assert_eq!((l.state, l.reason), (StockState::Ok, SuggestionReason::NoForecast));
    input.sold_before = false;
    let l = suggestion_line(&input, &PlanSettings::default());
    assert_eq!((l.state, l.reason), (StockState::Ok, SuggestionReason::NoHistory));
    assert_eq!(l.days_of_cover, None);
    // Customers waiting for a new SKU: order what they wait for, in whole packs.
    input.stock = StockFacts {
        backordered: 7,
        ..StockFacts::default()
    };
    let l = suggestion_line(&input, &PlanSettings::default());
    assert_eq!((l.state, l.quantity.map(Quantity::get)), (StockState::Under, Some(24)));
}

fn site(location: &str, on_hand: i64, inbound: i64, forecast: Option<StoredDemand>) -> SiteFacts {
    SiteFacts {
        location: location.into(),
        stock: StockFacts {
            on_hand,
            inbound,
            ..StockFacts::default()
        },
        lead_time: LeadTime::unmeasured(10.0, LeadTimeSource::Set),
        terms: None,
        forecast,
    }
}

fn sku(name: &str, revenue: Vec<Money>, forecast: Option<StoredDemand>, sites: Vec<SiteFacts>) -> SkuFacts {
    SkuFacts {
        sku: name.into(),
        sold_before: !revenue.is_empty(),
        revenue,
        forecast,
        backordered: 0,
        sites,
    }
}

#[test]
fn plan_places_demand_backorders_and_classes() {
    let eur = Money::new(50_000, Currency::parse("EUR").unwrap());
    let mut tee = sku(
        "TEE",
        vec![gbp(9_000)],
        Some(flat(1.0, 0.5)),
        vec![site("LON", 5, 0, Some(flat(1.0, 0.5))), site("MCR", 8, 0, None)],
    );
    tee.backordered = 3;
    // MUG never shipped: its SKU forecast is split 45 : 15 by stock (on hand + inbound).
    let mut mug = sku(
        "MUG",
        vec![gbp(1_000), Money::new(500, eur.currency)],
        Some(flat(3.0, 0.6)),
        vec![site("LON", 45, 0, None), site("MCR", 5, 10, None)],
    );
    mug.backordered = 2;
    let mut old = sku("OLD", vec![], None, vec![site("LON", 4, 0, None)]);
    old.sold_before = true;
    let new = sku("NEW", vec![], None, vec![site("LON", 10, 0, None)]);
    let dead = sku(
        "DEAD",
        vec![],
        Some(flat(0.0, 0.0)),
        vec![site("LON", 12, 0, Some(flat(0.0, 0.0)))],
    );
    let lines = plan(&[tee, mug, old, new, dead], &PlanSettings::default());
    let at = |s: &str, l: &str| lines.iter().find(|x| x.sku == s && x.location == l).unwrap();
    assert_eq!(lines.len(), 7);
    // GBP is the main currency (10,000 against 500); TEE brings 90 % of it: A; MUG B.
    assert_eq!(main_currency(&[]), None);
    assert_eq!(at("TEE", "LON").abc_class, AbcClass::A);
    assert_eq!(at("MUG", "LON").abc_class, AbcClass::B);
    assert_eq!(at("NEW", "LON").abc_class, AbcClass::C);
    // TEE: LON's own forecast; MCR sells none of it, and its 8 units are all excess.
    assert_eq!(at("TEE", "LON").demand_source, DemandSource::Location);
    assert_eq!(at("TEE", "LON").stock.backordered, 3, "waits where it sells");
    let mcr = at("TEE", "MCR");
    assert_eq!(mcr.demand_source, DemandSource::OtherLocations);
    assert_eq!(
        (mcr.stock.backordered, mcr.state, mcr.excess_units),
        (0, StockState::Over, 8)
    );
    assert_eq!(mcr.reason, SuggestionReason::NoDemand);
    // MUG: 3 a day split 3/4 : 1/4.
    let lon = at("MUG", "LON");
    assert_eq!(lon.demand_source, DemandSource::SkuShare);
    close(lon.demand_per_day, 2.25);
    assert_eq!(lon.stock.backordered, 2);
    close(at("MUG", "MCR").demand_per_day, 0.75);
    assert_eq!(at("MUG", "MCR").stock.backordered, 0);
    assert_eq!(at("OLD", "LON").reason, SuggestionReason::NoForecast);
    assert_eq!(at("NEW", "LON").reason, SuggestionReason::NoHistory);
    let dead = at("DEAD", "LON");
    assert_eq!((dead.state, dead.excess_units), (StockState::Over, 12));
}

#[test]
fn lines_sort_most_urgent_first_and_add_up_per_supplier() {
    let line = |sku: &str, on_hand: i64, per_day: f64, supplier: Option<SupplierTerms>| {
        let stock = StockFacts {
            on_hand,
            ..StockFacts::default()
        };
        let mut i = line_input(stock, flat(per_day, per_day / 2.0), AbcClass::A);
        i.sku = sku.into();
        i.terms = supplier;
        suggestion_line(&i, &PlanSettings::default())
    };
    let fernhill = || Some(terms("Fernhill", 20, 6, Some(450)));
    let under = |sku: &str, on_hand: i64, supplier| line(sku, on_hand, 2.0, supplier);
    let over = |sku: &str, on_hand: i64| line(sku, on_hand, 0.5, fernhill());
    let mut lines = vec![
        under("OK", 60, None),
        over("OVER-1", 100),
        under("LATE", 10, fernhill()),
        over("OVER-2", 300),
        under("SOON", 20, fernhill()),
        under("NO-TERMS", 0, None),
        under("OAK", 4, Some(terms("Oakleaf", 0, 1, None))),
    ];
    sort(&mut lines);
    let order: Vec<&str> = lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(
        order,
        ["NO-TERMS", "OAK", "LATE", "SOON", "OVER-2", "OVER-1", "OK"],
        "under by cover, then the most over-stocked, then the rest"
    );
    let s = summarise(&lines);
    assert_eq!((s.under, s.over, s.ok), (4, 2, 1));
    // LATE: position 10, up to 46.15: 37 -> 42; SOON: 27 -> 30; both at £4.50.
    assert_eq!(
        s.to_order[0],
        SupplierTotal {
            supplier: Some("Fernhill".into()),
            lines: 2,
            units: 72,
            value: vec![gbp(32_400)],
        }
    );
    // OAK: 46.15 - 4 -> 43 units, no cost; NO-TERMS: 47 units from nobody yet.
    assert_eq!(
        (
            s.to_order[1].supplier.as_deref(),
            s.to_order[1].units,
            s.to_order[1].value.len()
        ),
        (Some("Oakleaf"), 43, 0)
    );
    assert_eq!((s.to_order[2].supplier.as_deref(), s.to_order[2].units), (None, 47));
    // Excess: 100 - 45 and 300 - 45 units at £4.50.
    assert_eq!(s.excess_units, 310);
    assert_eq!(s.excess_value, vec![gbp(139_500)]);
}

#[test]
fn the_buyers_review_period_and_target_cover_replace_the_defaults() {
    let query = |review: &str, cover: &str| SuggestionQuery {
        review_days: Some(review.into()),
        max_cover_days: Some(cover.into()),
        ..SuggestionQuery::default()
    };
    let settings = query("14", "60").parse().unwrap().settings();
    assert_eq!((settings.review_days, settings.max_cover_days), (14.0, 60.0));
    let defaults = SuggestionQuery::default().parse().unwrap().settings();
    assert_eq!(defaults, PlanSettings::default());
    let errors = query("0", "731").parse().unwrap_err();
    let fields: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        fields,
        [("review_days", "out_of_range"), ("max_cover_days", "out_of_range")]
    );
    let errors = query("a week", "90").parse().unwrap_err();
    assert_eq!(
        (errors[0].field.as_str(), errors[0].code),
        ("review_days", "invalid_number")
    );
}
