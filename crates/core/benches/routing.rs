//! Routing throughput: plans per second for 1-, 3- and 8-line orders over 5 and 20
//! locations, on seeded random networks where each location stocks each SKU with
//! probability 0.6. Run: `cargo bench -p switchyard-core --bench routing`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use switchyard_core::Money;
use switchyard_core::id::{LocationId, ProductId};
use switchyard_core::money::Currency;
use switchyard_core::rng::Rng;
use switchyard_core::routing::{Line, Promise, Site, SplitPolicy, route};

/// A draw in 0..n as a signed amount.
fn draw(rng: &mut Rng, n: u64) -> i64 {
    rng.below(n) as i64
}

fn case(rng: &mut Rng, lines: usize, locations: usize) -> (Vec<Line>, Vec<Site>) {
    let gbp = Currency::parse("GBP").unwrap_or_else(|_| unreachable!());
    let at = |s: i64| Timestamp::from_second(1_800_000_000 + s).unwrap_or(Timestamp::UNIX_EPOCH);
    let products: Vec<ProductId> = (0..lines).map(|i| ProductId::new_at(at(i as i64))).collect();
    let order: Vec<Line> = products
        .iter()
        .map(|p| Line {
            needs: vec![(p.clone(), 1 + draw(rng, 3))],
            weight_grams: 100 + draw(rng, 2000),
        })
        .collect();
    let sites = (0..locations)
        .map(|s| {
            let mut available = BTreeMap::new();
            for p in &products {
                if draw(rng, 10) < 6 {
                    available.insert(p.clone(), draw(rng, 8));
                }
            }
            let days = 1 + draw(rng, 5);
            Site {
                location: LocationId::new_at(at(s as i64)),
                code: format!("L{s}"),
                priority: s as i64,
                available,
                cost_per_shipment: Money::new(200 + draw(rng, 1500), gbp),
                cost_per_kg: Money::new(draw(rng, 200), gbp),
                promise: Promise {
                    ship_by: at(0),
                    deliver_by: at(days * 86_400),
                },
            }
        })
        .collect();
    (order, sites)
}

fn main() {
    println!("| lines | locations | plans/s | mean µs/plan | exact |");
    println!("|---:|---:|---:|---:|:---:|");
    for lines in [1, 3, 8] {
        for locations in [5, 20] {
            let mut rng = Rng::new(0x5EED + (lines * 100 + locations) as u64);
            let cases: Vec<_> = (0..200).map(|_| case(&mut rng, lines, locations)).collect();
            let start = Instant::now();
            let mut plans = 0u64;
            let mut exact = true;
            while start.elapsed() < Duration::from_secs(2) {
                for (order, sites) in &cases {
                    let decision = route(black_box(order), black_box(sites), SplitPolicy::Allow);
                    exact &= decision.exact;
                    black_box(decision);
                    plans += 1;
                }
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "| {lines} | {locations} | {:.0} | {:.1} | {} |",
                plans as f64 / secs,
                secs * 1e6 / plans as f64,
                if exact { "yes" } else { "no" }
            );
        }
    }
}
