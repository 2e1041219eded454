//! The line lifecycle, exhaustively, and the decisions lines make for their order.

use proptest::prelude::*;

use super::*;

/// Every (status, action) pair and what the line becomes, written out by hand.
const LEGAL: &[(LineStatus, LineAction, LineStatus)] = &[
    (LineStatus::Allocated, LineAction::Allocate, LineStatus::Allocated),
    (LineStatus::Allocated, LineAction::Backorder, LineStatus::Backordered),
    (LineStatus::Allocated, LineAction::Cancel, LineStatus::Cancelled),
    (LineStatus::Allocated, LineAction::Ship, LineStatus::Shipped),
    (LineStatus::Backordered, LineAction::Allocate, LineStatus::Allocated),
    (LineStatus::Backordered, LineAction::Backorder, LineStatus::Backordered),
    (LineStatus::Backordered, LineAction::Cancel, LineStatus::Cancelled),
    (LineStatus::Shipped, LineAction::Deliver, LineStatus::Delivered),
];

#[test]
fn the_line_transition_function_allows_exactly_the_legal_moves() {
    for from in LineStatus::ALL {
        for action in LineAction::ALL {
            let legal = LEGAL
                .iter()
                .find(|(f, a, _)| f == from && a == action)
                .map(|(_, _, to)| *to);
            match (line_transition(*from, *action), legal) {
                (Ok(to), Some(expected)) => assert_eq!(to, expected, "{from} + {action}"),
                (Err(e), None) => {
                    assert_eq!((e.from, e.action), (*from, *action));
                    assert_eq!(e.to_string(), format!("cannot {action} a line that is {from}"));
                }
                (got, expected) => panic!("{from} + {action}: got {got:?}, expected {expected:?}"),
            }
        }
    }
}

#[test]
fn cancelled_and_delivered_lines_are_final_and_only_waiting_lines_change_place() {
    for action in LineAction::ALL {
        assert!(line_transition(LineStatus::Cancelled, *action).is_err());
        assert!(line_transition(LineStatus::Delivered, *action).is_err());
    }
    for status in LineStatus::ALL {
        let moves = line_transition(*status, LineAction::Allocate).is_ok();
        assert_eq!(moves, status.is_waiting(), "{status}");
        assert_eq!(
            status.went(),
            matches!(status, LineStatus::Shipped | LineStatus::Delivered)
        );
    }
}

#[test]
fn only_open_and_held_orders_are_live() {
    for status in OrderStatus::ALL {
        assert_eq!(
            status.is_live(),
            matches!(status, OrderStatus::Open | OrderStatus::OnHold),
            "{status}"
        );
    }
}

#[test]
fn a_reject_channel_refuses_an_order_with_a_line_nothing_can_serve() {
    use crate::payment::PaymentProvider as P;
    let placed = |lines: Vec<LineStatus>, hold| Ok(PlacedLines { lines, hold });
    assert_eq!(
        placement_lines(&[true, false, true, false], ShortagePolicy::Reject, P::Manual),
        Err(ShortOrder(vec![1, 3]))
    );
    assert_eq!(
        placement_lines(&[false], ShortagePolicy::Reject, P::Test),
        Err(ShortOrder(vec![0]))
    );
    assert_eq!(
        placement_lines(&[true, true], ShortagePolicy::Reject, P::Manual),
        placed(vec![LineStatus::Allocated, LineStatus::Allocated], None)
    );
    assert_eq!(
        placement_lines(&[false, true], ShortagePolicy::Backorder, P::Manual),
        placed(vec![LineStatus::Backordered, LineStatus::Allocated], None)
    );
    assert_eq!(
        placement_lines(&[false, true], ShortagePolicy::Backorder, P::Channel),
        placed(vec![LineStatus::Backordered, LineStatus::Allocated], None),
        "a backorder channel backorders whoever took the money"
    );
}

#[test]
fn a_reject_channel_that_took_the_money_keeps_the_order_on_hold_for_stock() {
    use crate::payment::PaymentProvider as P;
    assert_eq!(
        placement_lines(&[true, false], ShortagePolicy::Reject, P::Channel),
        Ok(PlacedLines {
            lines: vec![LineStatus::Allocated, LineStatus::Backordered],
            hold: Some(HoldReason::Stock),
        })
    );
    assert_eq!(
        placement_lines(&[true], ShortagePolicy::Reject, P::Channel),
        Ok(PlacedLines {
            lines: vec![LineStatus::Allocated],
            hold: None,
        }),
        "served in full, nothing to hold"
    );
}

#[test]
fn a_channel_cancellation_cancels_unless_the_floor_started_or_the_goods_left() {
    use OrderStatus as S;
    assert_eq!(channel_cancel(S::Open, false), ChannelCancel::Cancel);
    assert_eq!(channel_cancel(S::OnHold, false), ChannelCancel::Cancel);
    assert_eq!(channel_cancel(S::Open, true), ChannelCancel::Hold);
    assert_eq!(channel_cancel(S::OnHold, true), ChannelCancel::Note, "already held");
    assert_eq!(channel_cancel(S::Completed, false), ChannelCancel::Note);
    assert_eq!(channel_cancel(S::Cancelled, true), ChannelCancel::Nothing);
    assert_eq!(channel_cancel(S::Cancelled, false), ChannelCancel::Nothing);
}

#[test]
fn an_order_is_cancelled_with_its_last_line_and_completed_when_the_rest_is_delivered() {
    use LineStatus as L;
    let outcome = |status, lines: &[LineStatus]| after_lines_changed(status, lines.iter().copied());
    assert_eq!(
        outcome(OrderStatus::Open, &[L::Cancelled, L::Cancelled]),
        Ok(LinesOutcome::Cancelled)
    );
    assert_eq!(
        outcome(OrderStatus::OnHold, &[L::Cancelled]),
        Ok(LinesOutcome::Cancelled)
    );
    assert_eq!(
        outcome(OrderStatus::Open, &[L::Cancelled, L::Delivered]),
        Ok(LinesOutcome::Completed)
    );
    assert_eq!(
        outcome(OrderStatus::Open, &[L::Delivered, L::Shipped]),
        Ok(LinesOutcome::Unchanged)
    );
    // A held order keeps its hold; it is completed when released and delivered again.
    assert_eq!(
        outcome(OrderStatus::OnHold, &[L::Delivered]),
        Ok(LinesOutcome::Unchanged)
    );
    assert_eq!(
        outcome(OrderStatus::Completed, &[L::Delivered]),
        Ok(LinesOutcome::Unchanged)
    );
    assert!(outcome(OrderStatus::Cancelled, &[L::Cancelled]).is_err());
    assert_eq!(
        LinesOutcome::Completed.status(OrderStatus::Open),
        OrderStatus::Completed
    );
    assert_eq!(LinesOutcome::Unchanged.status(OrderStatus::OnHold), OrderStatus::OnHold);
}

#[test]
fn a_payment_attempt_releases_only_a_hold_for_payment_and_holds_only_an_open_order() {
    use PaymentFollowUp as F;
    let cases = [
        (OrderStatus::OnHold, Some(HoldReason::Payment), true, F::Release),
        (OrderStatus::OnHold, Some(HoldReason::FraudReview), true, F::Nothing),
        (OrderStatus::OnHold, Some(HoldReason::Payment), false, F::Nothing),
        (OrderStatus::Open, None, false, F::HoldForPayment),
        (OrderStatus::Open, None, true, F::Nothing),
        (OrderStatus::Cancelled, None, false, F::Nothing),
        (OrderStatus::Completed, None, true, F::Nothing),
    ];
    for (status, hold, approved, expected) in cases {
        assert_eq!(
            after_payment_attempt(status, hold, approved),
            expected,
            "{status} {hold:?} {approved}"
        );
    }
}

#[test]
fn a_ship_complete_order_moves_every_line_with_the_one_that_must() {
    let lines = ["a", "b", "b", "c"];
    assert_eq!(
        lines_moving_together(SplitPolicy::ShipComplete, &lines, &["b"]),
        vec!["a", "b", "c"]
    );
    assert_eq!(
        lines_moving_together(SplitPolicy::Allow, &lines, &["b", "b"]),
        vec!["b"]
    );
    assert!(may_route_backorders(SplitPolicy::Allow, 3));
    assert!(may_route_backorders(SplitPolicy::ShipComplete, 0));
    assert!(!may_route_backorders(SplitPolicy::ShipComplete, 1));
}

#[test]
fn a_hold_needs_a_reason_a_short_note_and_an_end_in_the_future() {
    let now: jiff::Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
    let input = HoldInput {
        reason: None,
        note: Some("x".repeat(HOLD_NOTE_MAX + 1)),
        until: Some(now),
    };
    let fields: Vec<String> = input.parse(now).unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["/reason", "/note", "/until"]);
    let later = "2026-12-02T10:00:00Z".parse().unwrap();
    let input = HoldInput {
        reason: Some(HoldReason::Address),
        note: Some("  calling the customer ".into()),
        until: Some(later),
    };
    assert_eq!(
        input.parse(now),
        Ok(Hold {
            reason: HoldReason::Address,
            note: Some("calling the customer".into()),
            until: Some(later)
        })
    );
    assert_eq!(Hold::for_payment(None).reason, HoldReason::Payment);
}

proptest! {
    /// A line routes only while it waits, and whatever happens it never comes back
    /// from cancelled or delivered.
    #[test]
    fn no_sequence_of_actions_revives_a_final_line(actions in prop::collection::vec(0..5usize, 0..20)) {
        let mut status = LineStatus::Allocated;
        let mut ended = false;
        for a in actions {
            let action = LineAction::ALL[a];
            if let Ok(to) = line_transition(status, action) {
                prop_assert!(!ended);
                status = to;
            }
            ended |= matches!(status, LineStatus::Cancelled | LineStatus::Delivered);
        }
    }
}

#[test]
fn a_short_order_names_every_line_of_a_short_sku_with_the_most_one_location_has() {
    use std::collections::BTreeMap;

    use crate::money::{Currency, Money};
    use crate::routing::promise::Promise;

    let (tee, mug, kit) = (
        ProductId::new_at(jiff::Timestamp::UNIX_EPOCH),
        ProductId::new_at(jiff::Timestamp::UNIX_EPOCH),
        ProductId::new_at(jiff::Timestamp::UNIX_EPOCH),
    );
    let gbp = Currency::parse("GBP").unwrap();
    let site = |stock: &[(&ProductId, i64)]| Site {
        location: crate::id::LocationId::new_at(jiff::Timestamp::UNIX_EPOCH),
        code: "LON".into(),
        priority: 10,
        available: stock
            .iter()
            .map(|(p, q)| ((*p).clone(), *q))
            .collect::<BTreeMap<_, _>>(),
        cost_per_shipment: Money::zero(gbp),
        cost_per_kg: Money::zero(gbp),
        promise: Promise {
            ship_by: jiff::Timestamp::UNIX_EPOCH,
            deliver_by: jiff::Timestamp::UNIX_EPOCH,
        },
    };
    let sites = [site(&[(&tee, 3), (&mug, 9)]), site(&[(&tee, 4), (&mug, 1)])];
    // TEE×5 and TEE×2 (7 in all, 4 at most in one place); MUG×1; a kit of 2 MUGs ×3.
    let wanted = [(tee.clone(), 5), (tee.clone(), 2), (mug.clone(), 1), (kit.clone(), 3)];
    let lines = [
        Line {
            needs: vec![(tee.clone(), 5)],
            weight_grams: 0,
        },
        Line {
            needs: vec![(tee.clone(), 2)],
            weight_grams: 0,
        },
        Line {
            needs: vec![(mug.clone(), 1)],
            weight_grams: 0,
        },
        Line {
            needs: vec![(mug.clone(), 6)],
            weight_grams: 0,
        },
    ];
    let short = short_lines(
        &["TEE", "TEE", "MUG", "KIT"],
        &wanted,
        &lines,
        &sites,
        &[None, Some(0), Some(0), None],
    );
    assert_eq!(
        short,
        vec![
            ShortLine {
                line: 0,
                sku: "TEE".into(),
                requested: 7,
                available: 4
            },
            ShortLine {
                line: 1,
                sku: "TEE".into(),
                requested: 7,
                available: 4
            },
            // 9 MUGs at one place make 4 kits of two.
            ShortLine {
                line: 3,
                sku: "KIT".into(),
                requested: 3,
                available: 4
            },
        ]
    );
}

#[test]
fn a_channel_refund_is_recorded_up_to_what_is_left_to_refund() {
    let usd = |amount| crate::money::Money::new(amount, crate::money::Currency::parse("USD").unwrap());
    assert_eq!(channel_refund(usd(20900), usd(59894)), Some(usd(20900)));
    assert_eq!(channel_refund(usd(59894), usd(59894)), Some(usd(59894)));
    assert_eq!(
        channel_refund(usd(59894), usd(1000)),
        Some(usd(1000)),
        "more than is left: what is left"
    );
    assert_eq!(
        channel_refund(usd(59894), usd(0)),
        None,
        "a cancellation here returned it all"
    );
    assert_eq!(channel_refund(usd(0), usd(500)), None, "a refund of nothing");
}
