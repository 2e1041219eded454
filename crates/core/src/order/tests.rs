//! The order rules: input parsing, totals, the order state machine, and a model-based
//! test of receive, place, hold, release, cancel and cancel-line through the real rules.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::catalog::AddressInput;
use crate::id::{LocationId, ProductId};
use crate::inventory::Quantity;
use crate::inventory::{Balance, StockCommand};
use crate::money::{Currency, Money};
use crate::routing;

fn gbp(amount: i64) -> Money {
    Money::new(amount, Currency::parse("GBP").unwrap())
}

fn address() -> AddressInput {
    AddressInput {
        name: Some("Ann Smith".into()),
        line1: Some("1 High St".into()),
        city: Some("Leeds".into()),
        postal_code: Some("LS1 4AP".into()),
        country: Some("GB".into()),
        ..Default::default()
    }
}

fn input() -> OrderInput {
    OrderInput {
        channel: Some("web".into()),
        external_id: Some("1001".into()),
        currency: Some("GBP".into()),
        customer: Some(CustomerInput {
            email: Some("ann@example.com".into()),
            name: Some("Ann".into()),
            phone: None,
        }),
        shipping_address: Some(address()),
        lines: Some(vec![
            LineInput {
                sku: Some("A".into()),
                quantity: Some(2),
                unit_price: Some(gbp(1000)),
                discount: Some(gbp(200)),
                tax: Some(gbp(360)),
                external_id: Some("li-1".into()),
            },
            LineInput {
                sku: Some("B".into()),
                quantity: Some(1),
                unit_price: Some(gbp(500)),
                discount: None,
                tax: Some(gbp(100)),
                external_id: None,
            },
        ]),
        shipping: Some(ShippingInput {
            amount: Some(gbp(399)),
            tax: Some(gbp(80)),
        }),
        ..Default::default()
    }
}

/// An order of one line of `quantity` at `unit_price`, nothing else charged.
fn priced(unit_price: i64, quantity: i64) -> OrderInput {
    let mut order = input();
    order.lines = Some(vec![LineInput {
        sku: Some("A".into()),
        quantity: Some(quantity),
        unit_price: Some(gbp(unit_price)),
        ..Default::default()
    }]);
    order.shipping = None;
    order
}

#[test]
fn no_amount_and_no_total_may_pass_the_bound() {
    use crate::money::MAX_AMOUNT;
    let fields = |order: OrderInput| -> Vec<(String, String)> {
        let errors = order.parse().unwrap_err();
        errors.into_iter().map(|e| (e.field, e.message)).collect()
    };
    let at_most = "must be at most 10000000000.00 GBP";
    // A total of exactly i64::MAX, with nothing wrapping on the way.
    assert_eq!(
        fields(priced(i64::MAX, 1)),
        [("/lines/0/unit_price".into(), at_most.into())]
    );
    let mut shipping = priced(100, 1);
    shipping.shipping = Some(ShippingInput {
        amount: Some(gbp(i64::MAX)),
        tax: None,
    });
    assert_eq!(fields(shipping), [("/shipping/amount".into(), at_most.into())]);
    // Every amount within the bound, the total beyond it.
    assert_eq!(
        fields(priced(MAX_AMOUNT, 2)),
        [("/totals".into(), format!("the order's subtotal {at_most}"))]
    );
    // A product too large to count.
    assert_eq!(
        fields(priced(MAX_AMOUNT, 1_000_000_000)),
        [("/lines/0/unit_price".into(), "amount is too large".into())]
    );
    assert_eq!(priced(MAX_AMOUNT, 1).parse().unwrap().totals.total, gbp(MAX_AMOUNT));
}

#[test]
fn totals_add_up_lines_discounts_taxes_and_shipping() {
    let draft = input().parse().unwrap();
    assert_eq!(draft.lines[0].total, gbp(2000 - 200 + 360));
    assert_eq!(
        draft.totals,
        Totals {
            subtotal: gbp(2500),
            discount: gbp(200),
            tax: gbp(540),
            shipping: gbp(399),
            total: gbp(2500 - 200 + 540 + 399)
        }
    );
    assert_eq!(draft.billing_address, draft.shipping_address);
}

#[test]
fn sent_totals_that_do_not_match_are_named() {
    let mut i = input();
    i.totals = Some(TotalsInput {
        total: Some(gbp(1)),
        subtotal: Some(gbp(2500)),
        ..Default::default()
    });
    let errors = i.parse().unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "/totals/total");
    assert_eq!(errors[0].code, "totals_mismatch");
}

#[test]
fn every_bad_field_is_reported_at_once() {
    let mut i = input();
    i.customer = Some(CustomerInput {
        email: Some("nope".into()),
        ..Default::default()
    });
    i.shipping_address.as_mut().unwrap().city = None;
    let lines = i.lines.as_mut().unwrap();
    lines[0].quantity = Some(0);
    lines[1].unit_price = Some(Money::new(500, Currency::parse("EUR").unwrap()));
    let errors = i.parse().unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        fields,
        [
            ("/customer/email", "invalid_email"),
            ("/customer/name", "required"),
            ("/shipping_address/city", "required"),
            ("/lines/0/quantity", "out_of_range"),
            ("/lines/1/unit_price", "currency_mismatch"),
        ]
    );
}

#[test]
fn a_discount_larger_than_the_line_is_refused() {
    let mut i = input();
    i.lines.as_mut().unwrap()[1].discount = Some(gbp(501));
    assert_eq!(i.parse().unwrap_err()[0].field, "/lines/1/discount");
}

#[test]
fn a_discount_of_the_whole_line_is_allowed() {
    let mut i = input();
    i.lines.as_mut().unwrap()[1].discount = Some(gbp(500));
    let draft = i.parse().unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(draft.lines[1].total, gbp(100), "the goods free, the tax still due");
}

#[test]
fn an_order_may_have_as_many_lines_as_the_limit_and_no_more() {
    let line = |n: usize| LineInput {
        sku: Some(format!("SKU-{n}")),
        quantity: Some(1),
        unit_price: Some(gbp(1)),
        ..Default::default()
    };
    let mut i = input();
    i.lines = Some((0..MAX_LINES).map(line).collect());
    assert_eq!(i.parse().map(|d| d.lines.len()), Ok(MAX_LINES));
    i.lines = Some((0..=MAX_LINES).map(line).collect());
    let errors = i.parse().unwrap_err();
    assert_eq!((errors[0].field.as_str(), errors[0].code), ("/lines", "too_long"));
}

#[test]
fn a_tag_given_twice_is_kept_once_and_the_priority_tag_raises_the_priority() {
    let mut i = input();
    i.tags = Some(vec!["vip".into(), " vip ".into(), "Priority".into()]);
    let draft = i.parse().unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(draft.tags, ["vip", "Priority"]);
    assert_eq!(draft.priority, PRIORITY_TAG_LEVEL);
    i.priority = Some(50);
    assert_eq!(i.parse().map(|d| d.priority), Ok(50), "a higher priority stays");
    i.tags = Some(vec!["vip".into()]);
    i.priority = None;
    assert_eq!(i.parse().map(|d| d.priority), Ok(0));
}

#[test]
fn terminal_states_accept_no_action() {
    for from in [OrderStatus::Completed, OrderStatus::Cancelled] {
        for action in OrderAction::ALL {
            assert_eq!(
                transition(from, *action),
                Err(TransitionError { from, action: *action })
            );
        }
    }
    assert_eq!(
        transition(OrderStatus::Open, OrderAction::Hold),
        Ok(OrderStatus::OnHold)
    );
    assert_eq!(
        transition(OrderStatus::OnHold, OrderAction::Release),
        Ok(OrderStatus::Open)
    );
    assert!(transition(OrderStatus::OnHold, OrderAction::Hold).is_err());
    assert!(transition(OrderStatus::Open, OrderAction::Release).is_err());
}

#[test]
fn fulfilment_follows_the_lines() {
    use LineStatus::*;
    assert_eq!(fulfilment_status([Allocated, Allocated]), FulfilmentStatus::Allocated);
    assert_eq!(
        fulfilment_status([Allocated, Backordered]),
        FulfilmentStatus::Backordered
    );
    assert_eq!(fulfilment_status([Cancelled]), FulfilmentStatus::Unallocated);
}

#[test]
fn fulfilment_follows_shipments_to_the_door() {
    use LineStatus::*;
    assert_eq!(
        fulfilment_status([Shipped, Allocated]),
        FulfilmentStatus::PartiallyShipped
    );
    assert_eq!(
        fulfilment_status([Delivered, Backordered]),
        FulfilmentStatus::PartiallyShipped
    );
    assert_eq!(fulfilment_status([Shipped, Cancelled]), FulfilmentStatus::Shipped);
    assert_eq!(fulfilment_status([Shipped, Delivered]), FulfilmentStatus::Shipped);
    assert_eq!(
        fulfilment_status([Delivered, Delivered, Cancelled]),
        FulfilmentStatus::Delivered
    );
}

#[test]
fn only_open_orders_are_fulfilled() {
    assert_eq!(
        transition(OrderStatus::Open, OrderAction::Fulfil),
        Ok(OrderStatus::Open)
    );
    assert_eq!(
        transition(OrderStatus::OnHold, OrderAction::Fulfil),
        Err(TransitionError {
            from: OrderStatus::OnHold,
            action: OrderAction::Fulfil
        })
    );
}

/// A reference model of orders over one location's stock: what the store must do.
#[derive(Debug, Clone)]
enum Command {
    Receive(usize, i64),
    Place(Vec<(usize, i64)>, bool),
    Hold(usize),
    Release(usize),
    Cancel(usize),
    CancelLine(usize, usize),
}

struct ModelOrder {
    status: OrderStatus,
    lines: Vec<(ProductId, i64, LineStatus)>,
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        (0usize..3, 1i64..10).prop_map(|(p, q)| Command::Receive(p, q)),
        (proptest::collection::vec((0usize..3, 1i64..4), 1..4), any::<bool>()).prop_map(|(l, b)| Command::Place(l, b)),
        (0usize..8).prop_map(Command::Hold),
        (0usize..8).prop_map(Command::Release),
        (0usize..8).prop_map(Command::Cancel),
        (0usize..8, 0usize..4).prop_map(|(o, l)| Command::CancelLine(o, l)),
    ]
}

proptest! {
    /// No sequence of commands breaks the invariants: every balance stays within
    /// `0 <= reserved <= on_hand`, reserved equals the sum of the reservations of open
    /// allocated lines, and a terminal order never changes again.
    #[test]
    fn no_sequence_of_order_commands_breaks_the_invariants(commands in proptest::collection::vec(command(), 0..120)) {
        let products: Vec<ProductId> = (0..3).map(|i| ProductId::new_at(jiff::Timestamp::from_second(1_700_000_000 + i).unwrap())).collect();
        let location = LocationId::new_at(jiff::Timestamp::UNIX_EPOCH);
        let mut stock: BTreeMap<ProductId, Balance> = products.iter().map(|p| (p.clone(), Balance::default())).collect();
        let mut orders: Vec<ModelOrder> = Vec::new();
        let release = |stock: &mut BTreeMap<ProductId, Balance>, p: &ProductId, q: i64| {
            let b = stock.get_mut(p).unwrap();
            let d = StockCommand::Release(Quantity::new(q).unwrap()).delta(*b).unwrap();
            *b = b.apply(d).unwrap();
        };
        for command in commands {
            match command {
                Command::Receive(p, q) => {
                    let b = stock.get_mut(&products[p]).unwrap();
                    *b = b.apply(StockCommand::Receive(Quantity::new(q).unwrap()).delta(*b).unwrap()).unwrap();
                }
                Command::Place(lines, backorder) => {
                    let route_lines: Vec<routing::Line> = lines.iter().map(|(p, q)| routing::Line { needs: vec![(products[*p].clone(), *q)], weight_grams: 0 }).collect();
                    let site = routing::Site {
                        location: location.clone(),
                        code: "L".into(),
                        priority: 0,
                        available: stock.iter().map(|(p, b)| (p.clone(), b.available())).collect(),
                        cost_per_shipment: gbp(0),
                        cost_per_kg: gbp(0),
                        promise: routing::Promise { ship_by: jiff::Timestamp::UNIX_EPOCH, deliver_by: jiff::Timestamp::UNIX_EPOCH },
                    };
                    let plan = routing::route(&route_lines, &[site], routing::SplitPolicy::Allow).chosen;
                    if plan.score.unserved > 0 && !backorder {
                        continue;
                    }
                    let lines = lines.iter().zip(&plan.assignment).map(|((p, q), site)| {
                        if site.is_some() {
                            let b = stock.get_mut(&products[*p]).unwrap();
                            *b = b.apply(StockCommand::Reserve(Quantity::new(*q).unwrap()).delta(*b).unwrap()).unwrap();
                        }
                        let status = if site.is_some() { LineStatus::Allocated } else { LineStatus::Backordered };
                        (products[*p].clone(), *q, status)
                    }).collect();
                    orders.push(ModelOrder { status: OrderStatus::Open, lines });
                }
                Command::Hold(o) | Command::Release(o) | Command::Cancel(o) => {
                    let Some(order) = orders.get_mut(o) else { continue };
                    let action = match command { Command::Hold(_) => OrderAction::Hold, Command::Release(_) => OrderAction::Release, _ => OrderAction::Cancel };
                    let before = order.status;
                    match transition(order.status, action) {
                        Ok(to) => {
                            order.status = to;
                            if to == OrderStatus::Cancelled {
                                for line in &mut order.lines {
                                    if line.2 == LineStatus::Allocated { release(&mut stock, &line.0, line.1); }
                                    line.2 = LineStatus::Cancelled;
                                }
                            }
                        }
                        Err(e) => prop_assert_eq!(e.from, before),
                    }
                }
                Command::CancelLine(o, l) => {
                    let Some(order) = orders.get_mut(o) else { continue };
                    let Some(line) = order.lines.get_mut(l) else { continue };
                    if transition(order.status, OrderAction::CancelLine).is_err() || line.2 == LineStatus::Cancelled { continue; }
                    if line.2 == LineStatus::Allocated { release(&mut stock, &line.0, line.1); }
                    line.2 = LineStatus::Cancelled;
                    if order.lines.iter().all(|l| l.2 == LineStatus::Cancelled) {
                        order.status = transition(order.status, OrderAction::Cancel).unwrap();
                    }
                }
            }
            for (p, b) in &stock {
                prop_assert!(0 <= b.reserved && b.reserved <= b.on_hand);
                let open: i64 = orders.iter()
                    .filter(|o| matches!(o.status, OrderStatus::Open | OrderStatus::OnHold))
                    .flat_map(|o| o.lines.iter())
                    .filter(|l| &l.0 == p && l.2 == LineStatus::Allocated)
                    .map(|l| l.1)
                    .sum();
                prop_assert_eq!(b.reserved, open);
            }
        }
    }
}
