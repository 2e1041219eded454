//! Routing: plans against brute force on random networks, ship-complete, runners-up,
//! zones and promises.

use jiff::Timestamp;
use proptest::prelude::*;

use super::*;
use crate::money::Currency;

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

/// The optimum by trying every assignment.
fn brute_force(lines: &[Line], sites: &[Site], policy: SplitPolicy) -> Score {
    let options = sites.len() + 1;
    let mut best: Option<Score> = None;
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
            best = Some(best.map_or(s, |b| b.min(s)));
        }
    }
    best.unwrap_or_default()
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
    /// than a location has, and never splits under `ship_complete`.
    #[test]
    fn routing_finds_the_brute_force_optimum((lines, sites) in network()) {
        for policy in [SplitPolicy::Allow, SplitPolicy::ShipComplete] {
            let d = route(&lines, &sites, policy);
            prop_assert!(d.exact);
            prop_assert_eq!(score(&lines, &sites, &d.chosen.assignment), Some(d.chosen.score), "feasible and scored right");
            prop_assert_eq!(d.chosen.score, brute_force(&lines, &sites, policy));
            if policy == SplitPolicy::ShipComplete {
                let used: std::collections::BTreeSet<_> = d.chosen.assignment.iter().flatten().collect();
                prop_assert!(used.len() <= 1);
            }
            if let Some(r) = &d.runner_up {
                prop_assert!(r.score >= d.chosen.score);
                prop_assert!(site_set(&r.assignment) != site_set(&d.chosen.assignment));
            }
        }
    }
}
