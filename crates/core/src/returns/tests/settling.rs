//! Tests of when a return is received, closed, settled and refunded, and of the
//! running money totals a settlement leaves.

use proptest::prelude::*;

use super::{gbp, settle_line};
use crate::auth::Role;
use crate::payment::RefundReason;
use crate::returns::*;

fn state(quantity: i64, received: i64, settled: i64) -> ReturnLineState {
    ReturnLineState {
        line_no: 1,
        sku: "TEE".into(),
        barcode: None,
        quantity,
        reason: ReturnReason::TooSmall,
        received,
        settled,
        line_total: gbp(4120),
        line_quantity: 2,
    }
}

/// How far a settlement due on the manager's approval reaches.
fn due(on: RefundOn, action: ReturnAction, settled_by: Option<SettlementKind>) -> Option<SettleUpTo> {
    settles(on, action, settled_by, Some(Role::Manager)).map(|d| d.upto)
}

#[test]
fn a_refund_is_due_on_authorization_or_on_receipt_but_not_after_an_exchange() {
    use RefundOn as On;
    use ReturnAction as A;
    let receive = A::Receive { completes: false };
    assert_eq!(due(On::Authorization, A::Authorize, None), Some(SettleUpTo::Authorized));
    assert_eq!(due(On::Receipt, A::Authorize, None), None, "wait for the goods");
    assert_eq!(due(On::Receipt, receive, None), Some(SettleUpTo::Received));
    assert_eq!(
        due(On::Authorization, receive, Some(SettlementKind::Refund)),
        Some(SettleUpTo::Received),
        "whatever was not refunded on authorization"
    );
    assert_eq!(due(On::Receipt, receive, Some(SettlementKind::Exchange)), None);
    for action in [A::Reject, A::Cancel, A::Close, A::Exchange] {
        assert_eq!(due(On::Authorization, action, None), None, "{action:?}");
    }
}

#[test]
fn nothing_is_refunded_until_a_role_that_may_refund_approves_it() {
    use RefundOn as On;
    use ReturnAction as A;
    for on in [On::Authorization, On::Receipt] {
        for action in [A::Authorize, A::Receive { completes: true }, A::ApproveRefund] {
            assert_eq!(settles(on, action, None, None), None, "{on} {action:?}");
            // An approval by a role that may not refund is no approval.
            assert_eq!(settles(on, action, None, Some(Role::Support)), None, "{on} {action:?}");
        }
    }
    // Approving later pays what the channel's moment made due.
    assert_eq!(
        due(On::Authorization, A::ApproveRefund, None),
        Some(SettleUpTo::Authorized)
    );
    assert_eq!(
        due(On::Receipt, A::ApproveRefund, Some(SettlementKind::Refund)),
        Some(SettleUpTo::Received)
    );
    assert_eq!(due(On::Receipt, A::ApproveRefund, Some(SettlementKind::Exchange)), None);
    // The approver's role is the authority, whoever carries the refund out.
    let receive = A::Receive { completes: true };
    assert_eq!(
        settles(On::Receipt, receive, None, Some(Role::Admin)).map(|d| d.authority),
        Some(Role::Admin)
    );
    let approving: Vec<Role> = Role::ALL
        .iter()
        .copied()
        .filter(|r| may_approve_refund(*r).is_ok())
        .collect();
    assert_eq!(approving, [Role::Admin, Role::Manager]);
    assert_eq!(refund_authority(Some(Role::Manager), Role::Support), Role::Manager);
    assert_eq!(refund_authority(None, Role::Support), Role::Support);
}

#[test]
fn a_settlement_step_takes_what_is_not_settled_yet() {
    let lines = [state(2, 1, 0), state(3, 3, 3), state(1, 0, 0)];
    let received = settle_step(&lines, SettleUpTo::Received);
    assert_eq!(received.settled, [(0, 1)]);
    assert_eq!(received.lines.len(), 1);
    assert_eq!(received.lines[0].quantity, 1);
    assert_eq!(received.lines[0].line_total, gbp(4120));
    let authorized = settle_step(&lines, SettleUpTo::Authorized);
    assert_eq!(authorized.settled, [(0, 2), (2, 1)]);
    let quantities: Vec<i64> = authorized.lines.iter().map(|l| l.quantity).collect();
    assert_eq!(quantities, [2, 1]);
    assert_eq!(
        settle_step(&[state(2, 2, 2)], SettleUpTo::Received),
        SettleStep::default()
    );
}

#[test]
fn only_a_return_nothing_of_which_is_settled_can_be_exchanged() {
    let whole = exchange_lines(&[state(2, 0, 0), state(1, 1, 0)]).unwrap_or_default();
    let quantities: Vec<i64> = whole.iter().map(|l| l.quantity).collect();
    assert_eq!(quantities, [2, 1], "every unit, received or not");
    assert_eq!(exchange_lines(&[state(2, 0, 0), state(1, 1, 1)]), None);
}

#[test]
fn a_receipt_completes_the_return_when_nothing_is_outstanding() {
    let part = after_receipt(ReturnStatus::Authorized, &[state(2, 1, 0)]);
    assert_eq!(
        part,
        Ok(AfterReceipt {
            status: ReturnStatus::PartiallyReceived,
            complete: false
        })
    );
    let full = after_receipt(ReturnStatus::PartiallyReceived, &[state(2, 2, 0), state(1, 1, 0)]);
    assert_eq!(
        full,
        Ok(AfterReceipt {
            status: ReturnStatus::Received,
            complete: true
        })
    );
    assert!(after_receipt(ReturnStatus::Requested, &[state(1, 1, 0)]).is_err());
}

#[test]
fn a_received_return_closes_once_everything_is_settled() {
    assert_eq!(
        close_when_settled(ReturnStatus::Received, &[state(2, 2, 2)]),
        Ok(Some(ReturnStatus::Closed))
    );
    assert_eq!(close_when_settled(ReturnStatus::Received, &[state(2, 2, 1)]), Ok(None));
    assert_eq!(
        close_when_settled(ReturnStatus::PartiallyReceived, &[state(2, 1, 2)]),
        Ok(None),
        "refunded on authorization, but not all here"
    );
}

#[test]
fn a_refund_is_asked_only_for_a_settlement_worth_something() {
    let lines = [settle_line(ReturnReason::Damaged, 1)];
    let worth = settle(&lines, gbp(479), false, 0).unwrap_or_else(|_| unreachable!());
    let refund = worth.refund_due(&lines, RefundReason::Return, "RMA-1");
    assert_eq!(
        refund.map(|r| (r.shipping, r.reference)),
        Some((true, Some("RMA-1".into())))
    );
    let nothing = Settlement {
        goods: gbp(0),
        shipping: gbp(0),
        restocking_fee: gbp(0),
        total: gbp(0),
    };
    assert_eq!(nothing.refund_due(&lines, RefundReason::Return, "RMA-1"), None);
}

#[test]
fn shipping_went_back_before_when_any_return_refunded_some() {
    assert!(!shipping_refunded_before(&[]));
    assert!(!shipping_refunded_before(&[gbp(0), gbp(0)]));
    assert!(shipping_refunded_before(&[gbp(0), gbp(479)]));
}

#[test]
fn dispositions_add_up_by_kind() {
    let d = Dispositions::tally([
        (Disposition::Restock, 2),
        (Disposition::Scrap, 1),
        (Disposition::Restock, 1),
    ]);
    assert_eq!(
        d,
        Dispositions {
            restock: 3,
            quarantine: 0,
            scrap: 1
        }
    );
}

proptest! {
    /// However far a return is settled in however many steps, no line is settled
    /// beyond what the step reaches, a line is never settled twice, and a second step
    /// to the same reach settles nothing.
    #[test]
    fn settlement_steps_never_settle_a_unit_twice(
        lines in proptest::collection::vec((1i64..6, 0i64..6, 0i64..6), 1..5),
        authorized in any::<bool>(),
    ) {
        let upto = if authorized { SettleUpTo::Authorized } else { SettleUpTo::Received };
        let mut lines: Vec<ReturnLineState> = lines
            .into_iter()
            .map(|(quantity, received, settled)| state(quantity, received.min(quantity), settled.min(quantity)))
            .collect();
        let before: Vec<i64> = lines.iter().map(|l| l.settled).collect();
        let step = settle_step(&lines, upto);
        prop_assert_eq!(step.lines.len(), step.settled.len());
        for (line, (i, to)) in step.lines.iter().zip(&step.settled) {
            prop_assert_eq!(line.quantity, to - before[*i]);
            prop_assert!(line.quantity > 0);
            prop_assert_eq!(*to, upto.of(&lines[*i]));
            lines[*i].settled = *to;
        }
        prop_assert_eq!(settle_step(&lines, upto), SettleStep::default());
    }

    /// A return's running totals are the sum of what its settlements recorded.
    #[test]
    fn running_totals_add_every_settlement(
        steps in proptest::collection::vec((0i64..100_000, 0i64..10_000, 0i64..1_000, 0i64..100_000), 0..8),
    ) {
        let mut money = ReturnMoney { credited: gbp(0), restocking_fee: gbp(0), shipping_refunded: gbp(0) };
        let (mut credited, mut fees, mut shipping) = (0, 0, 0);
        for (goods, fee, ship, paid) in steps {
            let settlement = Settlement {
                goods: gbp(goods),
                shipping: gbp(ship),
                restocking_fee: gbp(fee),
                total: gbp(goods + ship - fee),
            };
            money = money.after(&settlement, gbp(paid)).unwrap_or_else(|_| unreachable!());
            credited += paid;
            fees += fee;
            shipping += ship;
        }
        prop_assert_eq!(money.credited, gbp(credited));
        prop_assert_eq!(money.restocking_fee, gbp(fees));
        prop_assert_eq!(money.shipping_refunded, gbp(shipping));
    }
}
