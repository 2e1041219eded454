//! How a plan is described: its shipments, cost rounded to whole minor units, and the
//! one line of text an operator reads; and which plan is shown as the runner-up.

use super::*;

#[test]
fn a_cost_in_fractions_of_a_minor_unit_is_rounded_up_to_the_next_whole_one() {
    assert_eq!(whole(0), 0);
    assert_eq!(whole(1), 1);
    assert_eq!(whole(1_500), 2);
    assert_eq!(whole(2_000), 2);
    assert_eq!(whole(2_001), 3);
}

#[test]
fn a_split_plan_with_a_waiting_line_is_described_shipment_by_shipment() {
    let p = products(3);
    // L0 holds the first product and delivers in a day, L1 the second in three.
    let sites: Vec<Site> = [(100, 1), (250, 3)]
        .into_iter()
        .enumerate()
        .map(|(i, (cost, day))| site(i, &[(p[i].clone(), 5)], cost, day, 0))
        .collect();
    let lines = vec![line(&p[0], 1), line(&p[1], 1), line(&p[1], 2), line(&p[2], 1)];
    let d = route(&lines, &sites, SplitPolicy::Allow);
    assert_eq!(d.chosen.assignment, vec![Some(0), Some(1), Some(1), None]);
    let summary = d.chosen.summarize(&lines, &sites);
    assert_eq!(summary.unserved_lines, vec![3]);
    assert_eq!(summary.shipments.len(), 2);
    let first = &summary.shipments[0];
    assert_eq!((first.location.as_str(), first.lines.clone()), ("L0", vec![0]));
    assert_eq!(first.weight_grams, 500);
    // 1.00 a shipment and 0.10 a kilogram: half a kilogram is 0.05.
    assert_eq!(first.cost, gbp(105));
    assert_eq!(first.promised_delivery_at, sites[0].promise.deliver_by);
    let second = &summary.shipments[1];
    assert_eq!((second.location.as_str(), second.lines.clone()), ("L1", vec![1, 2]));
    assert_eq!(second.weight_grams, 1_000);
    assert_eq!(second.cost, gbp(260));
    assert_eq!(summary.total_cost, Some(gbp(365)));
    assert_eq!(
        summary.text,
        "L0 (1 line) + L1 (2 lines): 2 shipments, 3.65 GBP, delivery by 2027-01-18; 1 line(s) wait for stock"
    );
}

#[test]
fn a_plan_shipping_everything_says_nothing_waits_and_one_shipping_nothing_says_so() {
    let p = products(1);
    let sites = vec![site(0, &[(p[0].clone(), 5)], 100, 1, 0)];
    let lines = vec![line(&p[0], 1)];
    let shipped = route(&lines, &sites, SplitPolicy::Allow)
        .chosen
        .summarize(&lines, &sites);
    assert_eq!(
        shipped.text,
        "L0 (1 line): 1 shipment, 1.05 GBP, delivery by 2027-01-16"
    );
    assert!(shipped.unserved_lines.is_empty());
    let waiting = vec![line(&p[0], 9)];
    let nothing = route(&waiting, &sites, SplitPolicy::Allow)
        .chosen
        .summarize(&waiting, &sites);
    assert_eq!(nothing.text, "nothing can ship now");
    assert_eq!(nothing.unserved_lines, vec![0]);
    assert!(nothing.shipments.is_empty());
    assert_eq!(nothing.total_cost, None);
}

/// Three locations can each ship both lines; L1 is the cheapest, then L2, then L0.
/// The runner-up is L2 shipping both: a plan on another set of locations, not L1 again.
#[test]
fn the_runner_up_of_an_order_one_location_ships_is_the_next_best_location() {
    let p = products(2);
    let stock = [(p[0].clone(), 5), (p[1].clone(), 5)];
    let sites = vec![
        site(0, &stock, 300, 1, 0),
        site(1, &stock, 100, 1, 0),
        site(2, &stock, 200, 1, 0),
    ];
    let lines = vec![line(&p[0], 1), line(&p[1], 1)];
    for policy in [SplitPolicy::Allow, SplitPolicy::ShipComplete] {
        let d = route(&lines, &sites, policy);
        assert_eq!(d.chosen.assignment, vec![Some(1), Some(1)], "{policy:?}");
        let runner_up = d.runner_up.unwrap();
        assert_eq!(runner_up.assignment, vec![Some(2), Some(2)], "{policy:?}");
        assert_eq!(why_lost(&d.chosen.score, &runner_up.score), "it costs more to ship");
    }
    assert_eq!(site_set(&[Some(1), Some(1)]), site_set(&[Some(1)]));
    assert_ne!(site_set(&[Some(1), Some(1)]), site_set(&[Some(2), Some(2)]));
    assert_ne!(site_set(&[Some(1)]), site_set(&[None]));
}

/// Three locations equal in cost, delivery and priority: the first listed ships the
/// order, the next is the runner-up, whatever the policy; a later equal plan never
/// displaces an earlier one.
#[test]
fn a_full_tie_goes_to_the_location_listed_first_and_the_runner_up_to_the_next() {
    let p = products(1);
    let sites: Vec<Site> = (0..3).map(|i| site(i, &[(p[0].clone(), 5)], 100, 1, 7)).collect();
    let lines = vec![line(&p[0], 1)];
    for policy in [SplitPolicy::Allow, SplitPolicy::ShipComplete] {
        let d = route(&lines, &sites, policy);
        assert_eq!(d.chosen.assignment, vec![Some(0)], "{policy:?}");
        assert_eq!(d.runner_up.map(|r| r.assignment), Some(vec![Some(1)]), "{policy:?}");
    }
}
