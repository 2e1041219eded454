//! Orders larger than the exact search takes: the greedy plan, which is the answer
//! there (and only the first bound of the exact search below the limits).

use super::*;

/// One unit of each of `products` at a location, so it can ship those lines only.
fn holding(i: usize, p: &[ProductId], cost: i64) -> Site {
    let stock: Vec<(ProductId, i64)> = p.iter().map(|p| (p.clone(), 1)).collect();
    site(i, &stock, cost, 1, 0)
}

#[test]
fn the_exact_search_takes_up_to_eight_lines_over_up_to_twenty_locations() {
    let p = products(1);
    let one = |n: usize| vec![line(&p[0], 1); n];
    let sites = |n: usize| -> Vec<Site> { (0..n).map(|i| site(i, &[(p[0].clone(), 99)], 100, 1, 0)).collect() };
    assert!(route(&one(EXACT_LINES), &sites(EXACT_SITES), SplitPolicy::Allow).exact);
    assert!(!route(&one(EXACT_LINES + 1), &sites(1), SplitPolicy::Allow).exact);
    assert!(!route(&one(1), &sites(EXACT_SITES + 1), SplitPolicy::Allow).exact);
    // Ship-complete only ever compares single locations, which is always exact.
    assert!(
        route(
            &one(EXACT_LINES + 1),
            &sites(EXACT_SITES + 1),
            SplitPolicy::ShipComplete
        )
        .exact
    );
}

/// Nine lines, one of each product. L1 holds seven of them but costs the most; L0
/// holds five; the last two are at L2, and at L3 and L4, which cost the same and
/// less than L2.
#[test]
fn a_large_order_goes_first_where_most_lines_can_ship_then_to_the_cheapest_location_listed_first() {
    let p = products(9);
    let lines: Vec<Line> = p.iter().map(|p| line(p, 1)).collect();
    let sites = vec![
        holding(0, &p[..5], 100),
        holding(1, &p[..7], 900),
        holding(2, &p[7..], 200),
        holding(3, &p[7..], 100),
        holding(4, &p[7..], 100),
    ];
    let d = route(&lines, &sites, SplitPolicy::Allow);
    assert!(!d.exact);
    let mut expected = vec![Some(1); 7];
    expected.extend([Some(3), Some(3)]);
    assert_eq!(d.chosen.assignment, expected);
    assert_eq!(d.chosen.score.unserved, 0);
    assert_eq!(d.chosen.score.shipments, 2);
    assert_eq!(greedy(&lines, &sites).map(|plan| plan.assignment), Some(expected));
}

/// Nine lines of one unit of one SKU; L0 (cheaper) has five, L1 has four. L0 takes
/// five, and having none left, leaves the other four to L1.
#[test]
fn a_large_orders_lines_of_one_sku_take_no_more_than_each_location_has() {
    let p = products(1);
    let lines = vec![line(&p[0], 1); 9];
    let sites = vec![
        site(0, &[(p[0].clone(), 5)], 100, 1, 0),
        site(1, &[(p[0].clone(), 4)], 200, 1, 0),
    ];
    let d = route(&lines, &sites, SplitPolicy::Allow);
    assert!(!d.exact);
    let mut expected = vec![Some(0); 5];
    expected.extend([Some(1); 4]);
    assert_eq!(d.chosen.assignment, expected);
    assert_eq!(score(&lines, &sites, &d.chosen.assignment), Some(d.chosen.score));
    // Had L0 one unit more, it would take six and leave three.
    let more = vec![site(0, &[(p[0].clone(), 6)], 100, 1, 0), sites[1].clone()];
    let d = route(&lines, &more, SplitPolicy::Allow);
    assert_eq!(d.chosen.assignment.iter().filter(|s| **s == Some(0)).count(), 6);
}

/// A line of the large order that no location can ship waits; the rest still ship.
#[test]
fn a_large_order_ships_what_it_can_and_the_rest_waits() {
    let p = products(10);
    let lines: Vec<Line> = p.iter().map(|p| line(p, 1)).collect();
    let sites = vec![holding(0, &p[..9], 100)];
    let d = route(&lines, &sites, SplitPolicy::Allow);
    assert!(!d.exact);
    let mut expected = vec![Some(0); 9];
    expected.push(None);
    assert_eq!(d.chosen.assignment, expected);
    assert_eq!(d.chosen.score.unserved, 1);
}
