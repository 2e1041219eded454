//! Available-to-promise: what can be sold now and by each date an inbound delivery is
//! expected, per location and in total. A pure projection of balances, inbound
//! purchase-order lines and backordered demand.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::inventory::Balance;

/// What is available by `date`: everything expected at or before it has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    pub date: Timestamp,
    pub available: i64,
}

/// Units expected to arrive at a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival<L> {
    pub location: L,
    pub quantity: i64,
    pub expected_at: Timestamp,
}

/// One location's projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationProjection<L> {
    pub location: L,
    pub on_hand: i64,
    pub reserved: i64,
    /// `on_hand - reserved`.
    pub available: i64,
    /// Units expected from purchase orders, at any date.
    pub inbound: i64,
    /// One step per expected date: `available` plus what is expected by then.
    pub by_date: Vec<Step>,
}

/// The projection over every location, less the backordered demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotalProjection {
    pub on_hand: i64,
    pub reserved: i64,
    /// Sum of the locations' `available`; backorders are not taken off.
    pub available: i64,
    pub inbound: i64,
    /// Units on backordered lines of open and on-hold orders, waiting for stock.
    pub backordered: i64,
    /// One step per expected date at any location: `available` plus everything
    /// expected by then, minus `backordered`. Negative when that many are still short.
    pub by_date: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection<L> {
    /// In the order of `L`.
    pub locations: Vec<LocationProjection<L>>,
    pub total: TotalProjection,
}

/// A backordered order line that waits for a product: the product itself, or a kit
/// holding `per_kit` units of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitingLine {
    pub quantity: i64,
    /// Units of the product in one kit, when the line is a kit's.
    pub per_kit: Option<i64>,
}

/// Units of a product that backordered lines wait for: a kit line counts as many units
/// of it as its kits hold.
pub fn backordered_units(lines: &[WaitingLine]) -> i64 {
    lines
        .iter()
        .map(|l| l.quantity.saturating_mul(l.per_kit.unwrap_or(1)))
        .fold(0, i64::saturating_add)
}

/// Running sums of `arrivals` (date -> units): one step per date.
fn steps(start: i64, arrivals: &BTreeMap<Timestamp, i64>) -> Vec<Step> {
    let mut available = start;
    arrivals
        .iter()
        .map(|(date, units)| {
            available = available.saturating_add(*units);
            Step { date: *date, available }
        })
        .collect()
}

/// Projects availability by date. Every location with a balance or an arrival is
/// listed; arrivals of no more than zero units are ignored.
pub fn project<L: Ord + Clone>(stock: &[(L, Balance)], arrivals: &[Arrival<L>], backordered: i64) -> Projection<L> {
    let mut places: BTreeMap<L, (Balance, BTreeMap<Timestamp, i64>)> = BTreeMap::new();
    for (location, balance) in stock {
        let (b, _) = places.entry(location.clone()).or_default();
        b.on_hand = b.on_hand.saturating_add(balance.on_hand);
        b.reserved = b.reserved.saturating_add(balance.reserved);
    }
    let mut everywhere: BTreeMap<Timestamp, i64> = BTreeMap::new();
    for a in arrivals.iter().filter(|a| a.quantity > 0) {
        let (_, dates) = places.entry(a.location.clone()).or_default();
        for by_date in [dates, &mut everywhere] {
            let units = by_date.entry(a.expected_at).or_default();
            *units = units.saturating_add(a.quantity);
        }
    }
    let locations: Vec<LocationProjection<L>> = places
        .into_iter()
        .map(|(location, (balance, dates))| LocationProjection {
            location,
            on_hand: balance.on_hand,
            reserved: balance.reserved,
            available: balance.available(),
            inbound: dates.values().fold(0, |sum, units| sum.saturating_add(*units)),
            by_date: steps(balance.available(), &dates),
        })
        .collect();
    let sum = |f: fn(&LocationProjection<L>) -> i64| locations.iter().map(f).fold(0i64, i64::saturating_add);
    let available = sum(|l| l.available);
    let total = TotalProjection {
        on_hand: sum(|l| l.on_hand),
        reserved: sum(|l| l.reserved),
        available,
        inbound: sum(|l| l.inbound),
        backordered,
        by_date: steps(available.saturating_sub(backordered), &everywhere),
    };
    Projection { locations, total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + n * 86_400).unwrap()
    }

    fn arrival(location: &'static str, quantity: i64, d: i64) -> Arrival<&'static str> {
        Arrival {
            location,
            quantity,
            expected_at: day(d),
        }
    }

    #[test]
    fn a_location_steps_up_at_each_expected_date() {
        let stock = [(
            "LON",
            Balance {
                on_hand: 10,
                reserved: 4,
            },
        )];
        let p = project(
            &stock,
            &[arrival("LON", 5, 3), arrival("LON", 20, 1), arrival("LON", 1, 3)],
            0,
        );
        let lon = &p.locations[0];
        assert_eq!((lon.on_hand, lon.reserved, lon.available, lon.inbound), (10, 4, 6, 26));
        assert_eq!(
            lon.by_date,
            [
                Step {
                    date: day(1),
                    available: 26
                },
                Step {
                    date: day(3),
                    available: 32
                }
            ]
        );
    }

    #[test]
    fn backorders_come_off_the_total_only() {
        let stock = [
            (
                "LON",
                Balance {
                    on_hand: 3,
                    reserved: 3,
                },
            ),
            (
                "MCR",
                Balance {
                    on_hand: 2,
                    reserved: 0,
                },
            ),
        ];
        let p = project(&stock, &[arrival("NYC", 10, 2), arrival("LON", 4, 1)], 7);
        let codes: Vec<_> = p.locations.iter().map(|l| l.location).collect();
        assert_eq!(codes, ["LON", "MCR", "NYC"], "a location with only inbound is listed");
        assert_eq!(p.locations[2].available, 0);
        assert_eq!(
            p.locations[2].by_date,
            [Step {
                date: day(2),
                available: 10
            }]
        );
        let t = &p.total;
        assert_eq!(
            (t.on_hand, t.reserved, t.available, t.inbound, t.backordered),
            (5, 3, 2, 14, 7)
        );
        assert_eq!(
            t.by_date,
            [
                Step {
                    date: day(1),
                    available: -1
                },
                Step {
                    date: day(2),
                    available: 9
                }
            ]
        );
    }

    #[test]
    fn a_backordered_kit_waits_for_every_unit_it_holds() {
        let lines = [
            WaitingLine {
                quantity: 2,
                per_kit: None,
            },
            WaitingLine {
                quantity: 3,
                per_kit: Some(4),
            },
        ];
        assert_eq!(backordered_units(&lines), 2 + 3 * 4);
        assert_eq!(backordered_units(&[]), 0);
    }

    #[test]
    fn nothing_inbound_means_no_steps() {
        let p = project(
            &[(
                "LON",
                Balance {
                    on_hand: 1,
                    reserved: 0,
                },
            )],
            &[],
            0,
        );
        assert!(p.locations[0].by_date.is_empty());
        assert!(p.total.by_date.is_empty());
        assert_eq!(p.total.available, 1);
    }

    fn location() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just("A"), Just("B"), Just("C")]
    }

    fn balance() -> impl Strategy<Value = Balance> {
        (0i64..100, 0i64..100).prop_map(|(a, b)| Balance {
            on_hand: a.max(b),
            reserved: a.min(b),
        })
    }

    /// What a location offers by `date`, computed the slow way.
    fn by(p: &LocationProjection<&str>, arrivals: &[Arrival<&str>], date: Timestamp) -> i64 {
        p.available
            + arrivals
                .iter()
                .filter(|a| a.location == p.location && a.expected_at <= date)
                .map(|a| a.quantity)
                .sum::<i64>()
    }

    proptest! {
        /// A location's projection never goes down as dates go by, starts from what is
        /// available now, and ends with everything inbound; the total at every date is
        /// the sum of the locations less the backorders.
        #[test]
        fn projections_only_rise_and_the_total_is_the_sum_less_backorders(
            stock in proptest::collection::vec((location(), balance()), 0..4),
            arrivals in proptest::collection::vec((location(), 1i64..50, 0i64..10), 0..12),
            backordered in 0i64..200,
        ) {
            let arrivals: Vec<_> = arrivals.into_iter().map(|(l, q, d)| arrival(l, q, d)).collect();
            let p = project(&stock, &arrivals, backordered);
            for l in &p.locations {
                prop_assert!(l.by_date.windows(2).all(|w| w[0].date < w[1].date && w[0].available <= w[1].available));
                prop_assert!(l.by_date.iter().all(|s| s.available >= l.available));
                prop_assert_eq!(l.by_date.last().map_or(l.available, |s| s.available), l.available + l.inbound);
                for s in &l.by_date {
                    prop_assert_eq!(s.available, by(l, &arrivals, s.date));
                }
            }
            let t = &p.total;
            prop_assert!(t.by_date.windows(2).all(|w| w[0].date < w[1].date && w[0].available <= w[1].available));
            for s in &t.by_date {
                let sum: i64 = p.locations.iter().map(|l| by(l, &arrivals, s.date)).sum();
                prop_assert_eq!(s.available, sum - backordered);
            }
            prop_assert_eq!(t.on_hand, stock.iter().map(|(_, b)| b.on_hand).sum::<i64>());
            prop_assert_eq!(t.inbound, arrivals.iter().map(|a| a.quantity).sum::<i64>());
            prop_assert_eq!(t.available, p.locations.iter().map(|l| l.available).sum::<i64>());
        }
    }

    #[test]
    fn an_arrival_of_no_units_is_no_arrival() {
        let p = project(&[], &[arrival("MAN", 0, 2), arrival("LON", -3, 1)], 0);
        assert_eq!(p.locations, []);
        assert_eq!(p.total.by_date, []);
    }
}
