//! Routing: plans against brute force on random networks, ship-complete, runners-up,
//! zones and promises.

use jiff::Timestamp;
use proptest::prelude::*;

use super::*;
use crate::money::Currency;

mod large;
mod simulation;
mod summary;

fn gbp(amount: i64) -> Money {
    Money::new(amount, Currency::parse("GBP").unwrap())
}

fn products(n: usize) -> Vec<ProductId> {
    (0..n)
        .map(|i| ProductId::new_at(Timestamp::from_second(1_700_000_000 + i as i64).unwrap()))
        .collect()
}

fn site(i: usize, stock: &[(ProductId, i64)], cost: i64, deliver_day: i64, priority: i64) -> Site {
    let base = Timestamp::from_second(1_800_000_000).unwrap();
    Site {
        location: LocationId::new_at(Timestamp::from_second(1_700_000_000 + i as i64).unwrap()),
        code: format!("L{i}"),
        priority,
        available: stock.iter().cloned().collect(),
        cost_per_shipment: gbp(cost),
        cost_per_kg: gbp(10),
        promise: Promise {
            ship_by: base,
            deliver_by: Timestamp::from_second(base.as_second() + deliver_day * 86_400).unwrap(),
        },
    }
}

fn line(p: &ProductId, q: i64) -> Line {
    Line {
        needs: vec![(p.clone(), q)],
        weight_grams: 500,
    }
}

#[test]
fn the_cheapest_single_location_wins_over_a_split() {
    let p = products(2);
    let sites = vec![
        site(0, &[(p[0].clone(), 5)], 100, 1, 1),
        site(1, &[(p[1].clone(), 5)], 100, 1, 2),
        site(2, &[(p[0].clone(), 5), (p[1].clone(), 5)], 900, 3, 3),
    ];
    let lines = vec![line(&p[0], 1), line(&p[1], 1)];
    let d = route(&lines, &sites, SplitPolicy::Allow);
    assert_eq!(d.chosen.assignment, vec![Some(2), Some(2)]);
    let runner = d.runner_up.unwrap();
    assert_eq!(runner.score.shipments, 2);
    assert_eq!(why_lost(&d.chosen.score, &runner.score), "it needs more shipments");
    let summary = d.chosen.summarize(&lines, &sites);
    assert_eq!(summary.total_cost, Some(gbp(900 + 10)));
    assert!(
        summary.text.starts_with("L2 (2 lines): 1 shipment, 9.10 GBP"),
        "{}",
        summary.text
    );
}

#[test]
fn a_split_happens_only_when_no_single_location_can_ship() {
    let p = products(2);
    let sites = vec![
        site(0, &[(p[0].clone(), 5)], 100, 1, 1),
        site(1, &[(p[1].clone(), 5)], 200, 3, 2),
    ];
    let lines = vec![line(&p[0], 1), line(&p[1], 1)];
    let d = route(&lines, &sites, SplitPolicy::Allow);
    assert_eq!(d.chosen.assignment, vec![Some(0), Some(1)]);
    // A split order is promised by its slower shipment.
    assert_eq!(d.chosen.promise(&sites), Some(sites[1].promise));
    let complete = route(&lines, &sites, SplitPolicy::ShipComplete);
    assert_eq!(
        complete.chosen.assignment,
        vec![None, None],
        "ship_complete waits rather than split"
    );
    assert_eq!(complete.chosen.promise(&sites), None);
}

#[test]
fn cost_then_delivery_then_priority_break_ties() {
    let p = products(1);
    let lines = vec![line(&p[0], 1)];
    let cheaper = vec![
        site(0, &[(p[0].clone(), 5)], 500, 1, 1),
        site(1, &[(p[0].clone(), 5)], 400, 9, 9),
    ];
    assert_eq!(
        route(&lines, &cheaper, SplitPolicy::Allow).chosen.assignment,
        vec![Some(1)]
    );
    let sooner = vec![
        site(0, &[(p[0].clone(), 5)], 400, 3, 1),
        site(1, &[(p[0].clone(), 5)], 400, 2, 9),
    ];
    let d = route(&lines, &sooner, SplitPolicy::Allow);
    assert_eq!(d.chosen.assignment, vec![Some(1)]);
    assert_eq!(
        why_lost(&d.chosen.score, &d.runner_up.unwrap().score),
        "it delivers later"
    );
    let first = vec![
        site(0, &[(p[0].clone(), 5)], 400, 2, 5),
        site(1, &[(p[0].clone(), 5)], 400, 2, 1),
    ];
    assert_eq!(
        route(&lines, &first, SplitPolicy::Allow).chosen.assignment,
        vec![Some(1)]
    );
}

#[test]
fn lines_of_one_sku_share_the_balance() {
    let p = products(1);
    let sites = vec![site(0, &[(p[0].clone(), 3)], 100, 1, 1)];
    let lines = vec![line(&p[0], 2), line(&p[0], 2)];
    let d = route(&lines, &sites, SplitPolicy::Allow);
    assert_eq!(d.chosen.score.unserved, 1);
}

#[test]
fn a_kit_ships_from_a_location_that_has_every_component() {
    let p = products(2);
    let kit = Line {
        needs: vec![(p[0].clone(), 2), (p[1].clone(), 1)],
        weight_grams: 900,
    };
    let sites = vec![
        site(0, &[(p[0].clone(), 9)], 100, 1, 1),
        site(1, &[(p[0].clone(), 2), (p[1].clone(), 1)], 300, 1, 2),
    ];
    assert_eq!(
        route(&[kit], &sites, SplitPolicy::Allow).chosen.assignment,
        vec![Some(1)]
    );
}

#[test]
fn large_orders_get_a_heuristic_plan_that_never_overreserves() {
    let p = products(12);
    let sites: Vec<Site> = (0..25)
        .map(|s| {
            site(
                s,
                &p.iter()
                    .enumerate()
                    .map(|(i, p)| (p.clone(), ((s + i) % 3) as i64))
                    .collect::<Vec<_>>(),
                100 + s as i64,
                1,
                s as i64,
            )
        })
        .collect();
    let lines: Vec<Line> = p.iter().map(|p| line(p, 2)).collect();
    let d = route(&lines, &sites, SplitPolicy::Allow);
    assert!(!d.exact);
    assert_eq!(score(&lines, &sites, &d.chosen.assignment), Some(d.chosen.score));
    assert_eq!(d.chosen.score.unserved, 0);
}

/// A site whose zone prices absurdly: `per_shipment` and `per_kg` in minor units.
fn priced(i: usize, p: &ProductId, per_shipment: i64, per_kg: i64) -> Site {
    Site {
        cost_per_shipment: gbp(per_shipment),
        cost_per_kg: gbp(per_kg),
        ..site(i, &[(p.clone(), 5)], 0, 1, i as i64)
    }
}

#[test]
fn a_cost_that_overflows_makes_its_location_unusable_never_cheap() {
    let p = products(1);
    let lines = vec![line(&p[0], 1)];
    for (per_shipment, per_kg) in [
        (0, i64::MAX),
        (i64::MAX, 0),
        (i64::MAX / 1000 + 1, 0),
        (0, i64::MAX / 400),
    ] {
        let sites = vec![priced(0, &p[0], per_shipment, per_kg), priced(1, &p[0], 500, 10)];
        for policy in [SplitPolicy::Allow, SplitPolicy::ShipComplete] {
            let d = route(&lines, &sites, policy);
            assert_eq!(
                d.chosen.assignment,
                vec![Some(1)],
                "{per_shipment} + {per_kg}/kg, {policy:?}"
            );
            assert_eq!(d.chosen.score.cost_milli, 500_000 + 10 * 500);
            assert_eq!(score(&lines, &sites, &[Some(0)]), None);
            let summary = d.chosen.summarize(&lines, &sites);
            assert_eq!(summary.total_cost, Some(gbp(505)));
        }
        let alone = route(&lines, &sites[..1], SplitPolicy::Allow);
        assert_eq!(
            alone.chosen.assignment,
            vec![None],
            "the line waits rather than ship at a wrapped cost"
        );
    }
}

#[test]
fn weights_too_heavy_to_add_up_make_a_priced_location_unusable() {
    let p = products(1);
    let heavy = Line {
        needs: vec![(p[0].clone(), 1)],
        weight_grams: i64::MAX,
    };
    let lines = vec![heavy.clone(), heavy];
    // Priced by weight: no plan can ship them; free by weight: the weight costs nothing.
    let by_weight = vec![priced(0, &p[0], 100, 1)];
    assert_eq!(
        route(&lines, &by_weight, SplitPolicy::Allow).chosen.assignment,
        vec![None, None]
    );
    let flat = vec![priced(0, &p[0], 100, 0)];
    let d = route(&lines, &flat, SplitPolicy::Allow);
    assert_eq!(d.chosen.assignment, vec![Some(0), Some(0)]);
    assert_eq!(d.chosen.summarize(&lines, &flat).total_cost, Some(gbp(100)));
}

#[test]
fn lines_and_kit_weights_saturate_instead_of_wrapping() {
    let p = products(2);
    let takes = [(p[0].clone(), 2), (p[1].clone(), i64::MAX / 2)];
    let line = Line::of_units(&takes, 1_000_000, 3);
    assert_eq!(line.needs, vec![(p[0].clone(), 6), (p[1].clone(), i64::MAX)]);
    assert_eq!(line.weight_grams, 3_000_000);
    assert_eq!(Line::of_units(&takes, i64::MAX / 2, 3).weight_grams, i64::MAX);
    assert_eq!(kit_grams([(2, 300), (1, 50)]), 650);
    assert_eq!(kit_grams([(1_000_000_000, 1_000_000), (i64::MAX, 2)]), i64::MAX);
}

#[test]
fn a_large_order_never_prefers_a_location_whose_cost_overflows() {
    let p = products(12);
    let stock: Vec<(ProductId, i64)> = p.iter().map(|p| (p.clone(), 5)).collect();
    let mut wrapping = site(0, &stock, 0, 1, 0);
    wrapping.cost_per_kg = gbp(i64::MAX);
    let sites = vec![wrapping, site(1, &stock, 900, 1, 1)];
    let lines: Vec<Line> = p.iter().map(|p| line(p, 1)).collect();
    let d = route(&lines, &sites, SplitPolicy::Allow);
    assert!(!d.exact);
    assert_eq!(d.chosen.assignment, vec![Some(1); 12]);
}

/// The optimum by trying every assignment, and the best score on another set of
/// locations than the optimum's (the runner-up the decision should show).
fn brute_force(lines: &[Line], sites: &[Site], policy: SplitPolicy) -> (Score, Option<Score>) {
    let options = sites.len() + 1;
    let mut plans: Vec<(Score, u64)> = Vec::new();
    let total = options.pow(lines.len() as u32);
    for mut code in 0..total {
        let assignment: Vec<Option<usize>> = (0..lines.len())
            .map(|_| {
                let c = code % options;
                code /= options;
                (c < sites.len()).then_some(c)
            })
            .collect();
        if policy == SplitPolicy::ShipComplete {
            let used: std::collections::BTreeSet<_> = assignment.iter().flatten().collect();
            let all_or_nothing = assignment.iter().all(Option::is_some) || assignment.iter().all(Option::is_none);
            if used.len() > 1 || !all_or_nothing {
                continue;
            }
        }
        if let Some(s) = score(lines, sites, &assignment) {
            plans.push((s, site_set(&assignment)));
        }
    }
    let Some(&(best, set)) = plans.iter().min() else {
        return (Score::default(), None);
    };
    let runner_up = plans.iter().filter(|(_, s)| *s != set).map(|(score, _)| *score).min();
    (best, runner_up)
}

fn network() -> impl Strategy<Value = (Vec<Line>, Vec<Site>)> {
    let p = products(3);
    let lines = proptest::collection::vec((0usize..3, 1i64..4, 0i64..3000), 1..5);
    let sites = proptest::collection::vec(
        (proptest::collection::vec(0i64..6, 3), 0i64..900, 0i64..5, 0i64..50),
        1..5,
    );
    (lines, sites).prop_map(move |(lines, sites)| {
        let lines = lines
            .into_iter()
            .map(|(i, q, g)| Line {
                needs: vec![(p[i].clone(), q)],
                weight_grams: g,
            })
            .collect();
        let sites = sites
            .into_iter()
            .enumerate()
            .map(|(s, (stock, cost, day, prio))| {
                site(s, &p.iter().cloned().zip(stock).collect::<Vec<_>>(), cost, day, prio)
            })
            .collect();
        (lines, sites)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// On small networks the plan is the optimum of brute force, never reserves more
    /// than a location has, and never splits under `ship_complete`; its runner-up is
    /// brute force's best on another set of locations.
    #[test]
    fn routing_finds_the_brute_force_optimum((lines, sites) in network()) {
        for policy in [SplitPolicy::Allow, SplitPolicy::ShipComplete] {
            let d = route(&lines, &sites, policy);
            prop_assert!(d.exact);
            prop_assert_eq!(score(&lines, &sites, &d.chosen.assignment), Some(d.chosen.score), "feasible and scored right");
            let (best, runner_up) = brute_force(&lines, &sites, policy);
            prop_assert_eq!(d.chosen.score, best);
            if policy == SplitPolicy::ShipComplete {
                let used: std::collections::BTreeSet<_> = d.chosen.assignment.iter().flatten().collect();
                prop_assert!(used.len() <= 1);
            }
            // The runner-up is the best plan on another set of locations, when there is one.
            prop_assert_eq!(d.runner_up.as_ref().map(|r| r.score), runner_up);
            if let Some(r) = &d.runner_up {
                prop_assert!(site_set(&r.assignment) != site_set(&d.chosen.assignment));
            }
        }
    }
}
