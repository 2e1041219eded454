//! Choosing where an order's stock is reserved. This foundation rule: the first
//! location, in the channel's order of priority, that can ship every SKU of the order
//! takes them all (one shipment); failing that, each SKU goes to the first location that
//! has all of it; a SKU no location can cover in full is short. Quantities of one SKU on
//! several lines are summed first, so two lines cannot each pass a check their sum fails.

use std::collections::BTreeMap;

use crate::id::{LocationId, ProductId};

/// A location that may ship the order, with what it has available now.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub location: LocationId,
    pub available: BTreeMap<ProductId, i64>,
}

/// A SKU that no single location can cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortage {
    pub product: ProductId,
    pub requested: i64,
    /// The most any one eligible location has.
    pub best_available: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Where each covered SKU is reserved, with its summed quantity.
    pub assignments: BTreeMap<ProductId, (LocationId, i64)>,
    pub shortages: Vec<Shortage>,
}

/// Sums demand per SKU, keeping each SKU once.
pub fn demand<'a>(lines: impl IntoIterator<Item = (&'a ProductId, i64)>) -> BTreeMap<ProductId, i64> {
    let mut summed = BTreeMap::new();
    for (product, quantity) in lines {
        *summed.entry(product.clone()).or_insert(0) += quantity;
    }
    summed
}

/// Plans reservations for `demand` over `candidates`, which come in priority order.
pub fn plan(demand: &BTreeMap<ProductId, i64>, candidates: &[Candidate]) -> Plan {
    let has =
        |c: &Candidate, product: &ProductId, quantity: i64| c.available.get(product).copied().unwrap_or(0) >= quantity;
    if let Some(single) = candidates.iter().find(|c| demand.iter().all(|(p, q)| has(c, p, *q))) {
        return Plan {
            assignments: demand
                .iter()
                .map(|(p, q)| (p.clone(), (single.location.clone(), *q)))
                .collect(),
            shortages: Vec::new(),
        };
    }
    let mut plan = Plan::default();
    for (product, quantity) in demand {
        match candidates.iter().find(|c| has(c, product, *quantity)) {
            Some(c) => {
                plan.assignments
                    .insert(product.clone(), (c.location.clone(), *quantity));
            }
            None => plan.shortages.push(Shortage {
                product: product.clone(),
                requested: *quantity,
                best_available: candidates
                    .iter()
                    .map(|c| c.available.get(product).copied().unwrap_or(0))
                    .max()
                    .unwrap_or(0)
                    .max(0),
            }),
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use proptest::prelude::*;

    fn ids<T>(n: usize, make: impl Fn(Timestamp) -> T) -> Vec<T> {
        (0..n)
            .map(|i| make(Timestamp::from_second(1_700_000_000 + i as i64).unwrap()))
            .collect()
    }

    #[test]
    fn one_location_that_has_everything_takes_the_whole_order() {
        let p = ids(2, ProductId::new_at);
        let l = ids(2, LocationId::new_at);
        let candidates = vec![
            Candidate {
                location: l[0].clone(),
                available: [(p[0].clone(), 5)].into(),
            },
            Candidate {
                location: l[1].clone(),
                available: [(p[0].clone(), 5), (p[1].clone(), 5)].into(),
            },
        ];
        let d = demand([(&p[0], 1), (&p[1], 1)]);
        let plan = plan(&d, &candidates);
        assert!(plan.shortages.is_empty());
        assert!(plan.assignments.values().all(|(loc, _)| *loc == l[1]));
    }

    #[test]
    fn lines_of_one_sku_are_summed_before_the_check() {
        let p = ids(1, ProductId::new_at);
        let l = ids(1, LocationId::new_at);
        let candidates = vec![Candidate {
            location: l[0].clone(),
            available: [(p[0].clone(), 3)].into(),
        }];
        let d = demand([(&p[0], 2), (&p[0], 2)]);
        let plan = plan(&d, &candidates);
        assert_eq!(
            plan.shortages,
            vec![Shortage {
                product: p[0].clone(),
                requested: 4,
                best_available: 3
            }]
        );
    }

    proptest! {
        /// No plan reserves more than a location has, every SKU is either assigned in
        /// full or reported short, and a single location is used whenever one can ship it all.
        #[test]
        fn plans_never_overreserve(
            stock in proptest::collection::vec(proptest::collection::vec(0i64..6, 3), 1..5),
            wanted in proptest::collection::vec((0usize..3, 1i64..5), 1..6),
        ) {
            let p = ids(3, ProductId::new_at);
            let l = ids(stock.len(), LocationId::new_at);
            let candidates: Vec<_> = stock.iter().zip(&l).map(|(s, loc)| Candidate {
                location: loc.clone(),
                available: p.iter().cloned().zip(s.iter().copied()).collect(),
            }).collect();
            let d = demand(wanted.iter().map(|(i, q)| (&p[*i], *q)));
            let plan = plan(&d, &candidates);
            for (product, (loc, q)) in &plan.assignments {
                let c = candidates.iter().find(|c| &c.location == loc).unwrap();
                prop_assert!(c.available[product] >= *q);
                prop_assert_eq!(d[product], *q);
            }
            prop_assert_eq!(plan.assignments.len() + plan.shortages.len(), d.len());
            let single = candidates.iter().any(|c| d.iter().all(|(p, q)| c.available[p] >= *q));
            if single {
                let locs: std::collections::BTreeSet<_> = plan.assignments.values().map(|(l, _)| l).collect();
                prop_assert_eq!(locs.len(), 1);
            }
        }
    }
}
