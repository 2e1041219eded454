//! The payment rules: totals and status, capture and void shares, refund pricing,
//! cancellation refunds, what transactions cover, and the test provider.

use proptest::prelude::*;

use super::*;
use crate::Currency;
use crate::auth::Role;

fn gbp(amount: i64) -> Money {
    Money::new(amount, Currency::parse("GBP").unwrap_or_else(|_| unreachable!()))
}

fn totals(authorized: i64, captured: i64, voided: i64, refunded: i64) -> PaymentTotals {
    PaymentTotals {
        authorized: gbp(authorized),
        captured: gbp(captured),
        voided: gbp(voided),
        refunded: gbp(refunded),
    }
}

fn part(line_no: i64, total: i64, ordered: i64, quantity: i64) -> LinePart {
    LinePart {
        line_no,
        total: gbp(total),
        ordered,
        quantity,
    }
}

#[test]
fn the_status_follows_the_totals() {
    assert_eq!(totals(0, 0, 0, 0).status(false, gbp(100)), PaymentStatus::Pending);
    assert_eq!(totals(100, 0, 0, 0).status(false, gbp(100)), PaymentStatus::Authorized);
    assert_eq!(
        totals(100, 40, 0, 0).status(false, gbp(100)),
        PaymentStatus::PartiallyPaid
    );
    assert_eq!(totals(100, 40, 60, 0).status(false, gbp(100)), PaymentStatus::Paid);
    assert_eq!(totals(100, 100, 0, 0).status(false, gbp(100)), PaymentStatus::Paid);
    assert_eq!(totals(100, 0, 100, 0).status(false, gbp(100)), PaymentStatus::Voided);
    assert_eq!(
        totals(100, 100, 0, 30).status(false, gbp(100)),
        PaymentStatus::PartiallyRefunded
    );
    assert_eq!(
        totals(100, 100, 0, 100).status(false, gbp(100)),
        PaymentStatus::Refunded
    );
    assert_eq!(
        totals(100, 100, 0, 0).status(true, gbp(100)),
        PaymentStatus::PaidByChannel
    );
    assert_eq!(
        totals(0, 0, 0, 0).status(false, gbp(0)),
        PaymentStatus::Paid,
        "nothing due"
    );
}

#[test]
fn nothing_is_captured_beyond_the_authorization_or_refunded_beyond_the_capture() {
    let t = totals(1000, 600, 0, 0);
    assert_eq!(
        t.apply(TransactionKind::Capture, gbp(401)),
        Err(PaymentError::ExceedsCapturable {
            requested: gbp(401),
            remaining: gbp(400)
        })
    );
    assert_eq!(
        t.apply(TransactionKind::Refund, gbp(601)),
        Err(PaymentError::ExceedsRefundable {
            requested: gbp(601),
            remaining: gbp(600)
        })
    );
    assert_eq!(t.apply(TransactionKind::Void, gbp(0)), Err(PaymentError::NotPositive));
    assert_eq!(
        t.apply(TransactionKind::Void, gbp(400)).map(|t| t.capturable()),
        Ok(gbp(0))
    );
}

#[test]
fn two_shipments_capture_the_whole_total_without_drift() {
    // Line 1: 3 units for 1001 (a third each does not divide); line 2: 1 for 500;
    // shipping 479. Total 1980.
    let start = totals(1980, 0, 0, 0);
    let first = capture_share(&start, &[part(1, 1001, 3, 2)], gbp(479), false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.amount, gbp(667 + 479));
    assert_eq!(first.shipping, gbp(479));
    let after = start
        .apply(TransactionKind::Capture, first.amount)
        .unwrap_or_else(|e| panic!("{e}"));
    let last = capture_share(&after, &[part(1, 1001, 3, 1), part(2, 500, 1, 1)], gbp(479), true)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(last.shipping, gbp(0), "shipping goes with the first capture only");
    assert_eq!(first.amount.amount + last.amount.amount, 1980);
}

#[test]
fn a_cancelled_line_voids_its_share_and_the_last_one_everything() {
    let t = totals(1980, 0, 0, 0);
    let some = void_share(&t, &[part(2, 500, 1, 1)], true).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(some.amount, gbp(500));
    let all = void_share(&t, &[part(2, 500, 1, 1)], false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.amount, gbp(1980));
}

fn ledger() -> RefundLedger {
    RefundLedger {
        totals: totals(2479, 2479, 0, 0),
        lines: vec![
            LineLedger {
                line_no: 1,
                total: gbp(1001),
                ordered: 3,
                charged: 3,
                refunded: 0,
                refunded_amount: gbp(0),
            },
            LineLedger {
                line_no: 2,
                total: gbp(999),
                ordered: 1,
                charged: 0,
                refunded: 0,
                refunded_amount: gbp(0),
            },
        ],
        shipping: gbp(479),
        shipping_charged: true,
        shipping_refunded: gbp(0),
        appeased: gbp(0),
    }
}

fn request(lines: &[(i64, i64)]) -> RefundRequest {
    RefundRequest {
        lines: lines
            .iter()
            .map(|(line_no, quantity)| RefundLine {
                line_no: *line_no,
                quantity: *quantity,
            })
            .collect(),
        shipping: false,
        amount: None,
        fee: None,
        reason: RefundReason::Return,
        appeasement: None,
        note: None,
        reference: None,
    }
}

#[test]
fn a_line_is_refunded_at_its_share_and_the_last_unit_takes_the_rest() {
    let plan = plan_refund(&ledger(), &request(&[(1, 1), (1, 1)]), Role::Manager).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.amount, gbp(333 + 333));
    let mut l = ledger();
    l.lines[0].refunded = 2;
    l.lines[0].refunded_amount = gbp(666);
    l.totals.refunded = gbp(666);
    let plan = plan_refund(&l, &request(&[(1, 1)]), Role::Manager).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.amount, gbp(335), "1001 in all, no pence lost");
}

#[test]
fn a_unit_is_never_refunded_twice_nor_before_it_was_charged() {
    let Err(RefundError::Invalid(errors)) =
        plan_refund(&ledger(), &request(&[(1, 2), (1, 2), (2, 1), (9, 1)]), Role::Manager)
    else {
        panic!("refused");
    };
    let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        fields,
        [
            ("/lines/1/quantity", "exceeds_refundable_quantity"),
            ("/lines/2/quantity", "exceeds_refundable_quantity"),
            ("/lines/3/line_no", "unknown_line"),
        ]
    );
}

#[test]
fn a_refund_is_never_more_than_is_left_and_says_how_much_is() {
    let mut l = ledger();
    l.totals.refunded = gbp(2000);
    let mut r = request(&[]);
    r.amount = Some(gbp(480));
    assert_eq!(
        plan_refund(&l, &r, Role::Manager),
        Err(RefundError::ExceedsRefundable {
            requested: gbp(480),
            remaining: gbp(479)
        })
    );
    r.amount = None;
    r.shipping = true;
    let plan = plan_cancellation_refund(&l, &r).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.map(|p| p.amount), Some(gbp(479)));
}

#[test]
fn an_empty_refund_is_refused_but_an_empty_cancellation_owes_nothing() {
    let Err(RefundError::Invalid(errors)) = plan_refund(&ledger(), &request(&[]), Role::Manager) else {
        panic!("refused");
    };
    assert_eq!(errors[0].field, "");
    let mut free = ledger();
    free.lines[0].total = gbp(0);
    assert_eq!(plan_cancellation_refund(&free, &request(&[(1, 3)])), Ok(None));
}

#[test]
fn shipping_is_refunded_once_and_an_appeasement_needs_its_reason() {
    let mut l = ledger();
    l.shipping_refunded = gbp(479);
    let mut r = request(&[]);
    r.shipping = true;
    r.reason = RefundReason::Appeasement;
    let Err(RefundError::Invalid(errors)) = plan_refund(&l, &r, Role::Manager) else {
        panic!("refused");
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["/shipping", "/appeasement_reason"]);
}

#[test]
fn each_reason_needs_its_permission() {
    let needs: Vec<_> = RefundReason::ALL
        .iter()
        .map(|r| (r.as_str(), r.permission().as_str()))
        .collect();
    assert_eq!(
        needs,
        [
            ("return", "refund"),
            ("claim", "refund"),
            ("appeasement", "appease"),
            ("cancellation", "manage_orders"),
            ("exchange_difference", "refund"),
            ("other", "refund"),
        ]
    );
}

fn refused(result: Result<RefundPlan, RefundError>) -> (Role, Permission) {
    match result {
        Err(RefundError::Forbidden(f)) => (f.role, f.permission),
        other => panic!("not forbidden: {other:?}"),
    }
}

fn goodwill(amount: i64) -> RefundRequest {
    RefundRequest {
        appeasement: Some(AppeasementReason::LateDelivery),
        ..RefundRequest::amount(gbp(amount), RefundReason::Appeasement)
    }
}

#[test]
fn a_refund_needs_the_refund_permission_before_anything_is_priced() {
    // Unknown lines are not looked at: the role may not ask at all.
    let bad = request(&[(9, 1)]);
    for role in [Role::Support, Role::Warehouse, Role::Viewer] {
        assert_eq!(refused(plan_refund(&ledger(), &bad, role)), (role, Permission::Refund));
    }
    for role in [Role::Admin, Role::Manager] {
        assert!(plan_refund(&ledger(), &request(&[(1, 1)]), role).is_ok());
    }
    assert_eq!(
        refused(plan_refund(&ledger(), &goodwill(100), Role::Warehouse)),
        (Role::Warehouse, Permission::Appease)
    );
}

#[test]
fn goodwill_from_a_role_that_may_not_refund_stays_within_a_fifth_of_the_capture() {
    // 20% of the 2479 captured is 495 (rounded down).
    let l = ledger();
    assert_eq!(
        plan_refund(&l, &goodwill(495), Role::Support).map(|p| p.amount),
        Ok(gbp(495))
    );
    let Err(RefundError::Forbidden(f)) = plan_refund(&l, &goodwill(496), Role::Support) else {
        panic!("496 is beyond the limit");
    };
    assert_eq!((f.role, f.permission), (Role::Support, Permission::Refund));
    assert!(f.detail.contains("at most 4.95"), "{}", f.detail);
    // What was given before counts.
    let mut given = ledger();
    given.appeased = gbp(400);
    assert!(plan_refund(&given, &goodwill(95), Role::Support).is_ok());
    assert_eq!(
        refused(plan_refund(&given, &goodwill(96), Role::Support)).1,
        Permission::Refund
    );
    // A role that may refund gives any goodwill up to what is refundable.
    assert_eq!(
        plan_refund(&given, &goodwill(2079), Role::Manager).map(|p| p.amount),
        Ok(gbp(2079))
    );
    assert!(matches!(
        plan_refund(&given, &goodwill(2480), Role::Admin),
        Err(RefundError::ExceedsRefundable { .. })
    ));
}

#[test]
fn a_client_asks_for_neither_goodwill_nor_a_cancellation_as_a_refund() {
    for (reason, message) in [
        (RefundReason::Appeasement, "appeasements"),
        (RefundReason::Cancellation, "cancel the order"),
    ] {
        let input = RefundInput {
            reason: Some(reason),
            amount: Some(gbp(100)),
            ..RefundInput::default()
        };
        let errors = input.parse().err().unwrap_or_default();
        assert_eq!(errors.len(), 1, "{reason}");
        assert_eq!((errors[0].field.as_str(), errors[0].code), ("/reason", "not_allowed"));
        assert!(errors[0].message.contains(message), "{}", errors[0].message);
    }
}

#[test]
fn tokens_are_never_card_numbers() {
    assert!(PaymentToken::parse("tok_visa_4242").is_ok());
    assert_eq!(
        PaymentToken::parse("4242424242424242").map_err(|e| e.code),
        Err("card_number")
    );
    assert_eq!(
        PaymentToken::parse("4242-4242-4242-4242").map_err(|e| e.code),
        Err("card_number")
    );
}

#[test]
fn the_test_provider_is_deterministic() {
    let ask = |kind, amount, token| {
        TestGateway.execute(&GatewayRequest {
            kind,
            amount: gbp(amount),
            token,
            transaction: "ptx_1",
        })
    };
    use TransactionKind as K;
    assert_eq!(ask(K::Authorization, 1000, None), Ok("test_ptx_1".into()));
    assert!(matches!(
        ask(K::Authorization, 1000, Some("tok_decline")),
        Err(GatewayError::Declined(_))
    ));
    assert!(matches!(
        ask(K::Authorization, 1000, Some("tok_error")),
        Err(GatewayError::Provider(_))
    ));
    assert!(matches!(
        ask(K::Authorization, 1051, None),
        Err(GatewayError::Declined(_))
    ));
    assert!(matches!(ask(K::Refund, 1052, None), Err(GatewayError::Provider(_))));
    assert!(
        ask(K::Capture, 1051, None).is_ok(),
        "captures of an approved authorization go through"
    );
}

#[derive(Debug, Clone)]
enum Op {
    Authorize(i64),
    Capture(i64),
    Void(i64),
    Refund(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1i64..5_000).prop_map(Op::Authorize),
        (1i64..5_000).prop_map(Op::Capture),
        (1i64..5_000).prop_map(Op::Void),
        (1i64..5_000).prop_map(Op::Refund),
    ]
}

proptest! {
    #[test]
    fn accepted_transactions_keep_refunded_within_captured_within_authorized(ops in proptest::collection::vec(op(), 0..40), by_channel: bool) {
        let mut t = totals(0, 0, 0, 0);
        for op in ops {
            let (kind, amount) = match op {
                Op::Authorize(a) => (TransactionKind::Authorization, a),
                Op::Capture(a) => (TransactionKind::Capture, a),
                Op::Void(a) => (TransactionKind::Void, a),
                Op::Refund(a) => (TransactionKind::Refund, a),
            };
            if let Ok(next) = t.apply(kind, gbp(amount)) {
                t = next;
            }
            prop_assert!(0 <= t.refunded.amount && t.refunded.amount <= t.captured.amount);
            prop_assert!(t.captured.amount <= t.authorized.amount - t.voided.amount);
            let status = t.status(by_channel, gbp(1));
            let expected_by_amounts = match status {
                PaymentStatus::Pending => t.authorized.amount == 0,
                PaymentStatus::Authorized => t.captured.amount == 0 && t.capturable().amount > 0,
                PaymentStatus::Voided => t.captured.amount == 0 && t.authorized.amount > 0 && t.capturable().amount == 0,
                PaymentStatus::PartiallyPaid => t.captured.amount > 0 && t.capturable().amount > 0 && t.refunded.amount == 0,
                PaymentStatus::Paid => t.captured.amount > 0 && t.capturable().amount == 0 && t.refunded.amount == 0,
                PaymentStatus::PaidByChannel => by_channel && t.captured.amount > 0 && t.refunded.amount == 0,
                PaymentStatus::PartiallyRefunded => 0 < t.refunded.amount && t.refunded.amount < t.captured.amount,
                PaymentStatus::Refunded => t.refunded.amount > 0 && t.refunded.amount == t.captured.amount,
            };
            prop_assert!(expected_by_amounts, "{status} does not fit {t:?}");
        }
    }

    #[test]
    fn split_captures_always_add_up_to_the_total(
        lines in proptest::collection::vec((1i64..100_000, 1i64..7), 1..6),
        shipping in 0i64..2_000,
        cut in proptest::collection::vec(any::<bool>(), 6),
    ) {
        // Each line ships in the first or the second shipment, whole or in part.
        let total: i64 = lines.iter().map(|(t, _)| t).sum::<i64>() + shipping;
        let start = totals(total, 0, 0, 0);
        let parts = |first: bool| -> Vec<LinePart> {
            lines.iter().enumerate().filter_map(|(i, (t, q))| {
                let now = if cut[i] { *q / 2 } else { *q };
                let quantity = if first { now } else { q - now };
                (quantity > 0).then(|| part(i as i64 + 1, *t, *q, quantity))
            }).collect()
        };
        let one = capture_share(&start, &parts(true), gbp(shipping), false).unwrap_or_else(|e| panic!("{e}"));
        let after = if one.amount.amount > 0 { start.apply(TransactionKind::Capture, one.amount).unwrap_or_else(|e| panic!("{e}")) } else { start };
        let two = capture_share(&after, &parts(false), gbp(shipping), true).unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(one.amount.amount + two.amount.amount, total);
        prop_assert!(one.amount.amount <= total);
    }
}

#[test]
fn a_cancellation_refunds_what_was_charged_and_the_shipping_only_when_nothing_is_delivered() {
    let mut l = ledger();
    l.lines[0].refunded = 1;
    let r = cancellation_refund(&l, &[1, 2], false, false);
    assert_eq!(r.reason, RefundReason::Cancellation);
    // Line 1: 3 charged, 1 already back; line 2 was never charged.
    assert_eq!(
        r.lines,
        vec![RefundLine {
            line_no: 1,
            quantity: 2
        }]
    );
    assert!(r.shipping);
    // Something still to ship, or something already gone: the shipping stays.
    assert!(!cancellation_refund(&l, &[1], true, false).shipping);
    assert!(!cancellation_refund(&l, &[1], false, true).shipping);
    // Shipping already refunded, or never charged: not again.
    l.shipping_refunded = gbp(479);
    assert!(!cancellation_refund(&l, &[1], false, false).shipping);
    l.shipping_refunded = gbp(0);
    l.shipping_charged = false;
    assert!(!cancellation_refund(&l, &[1], false, false).shipping);
}

#[test]
fn totals_are_consistent_only_when_refunds_fit_captures_and_captures_fit_what_is_held() {
    assert!(totals(100, 60, 40, 60).is_consistent());
    assert!(totals(0, 0, 0, 0).is_consistent());
    assert!(!totals(100, 60, 0, 61).is_consistent());
    assert!(!totals(100, 70, 40, 0).is_consistent());
    assert!(!totals(100, 0, 0, -1).is_consistent());
}

#[test]
fn money_is_asked_again_only_while_none_is_held_or_taken() {
    assert!(totals(0, 0, 0, 0).needs_authorization());
    assert!(totals(100, 0, 100, 0).needs_authorization());
    assert!(!totals(100, 0, 0, 0).needs_authorization());
    assert!(!totals(100, 100, 0, 100).needs_authorization());
    assert_eq!(shipping_charge(gbp(399), gbp(80)), Ok(gbp(479)));
    assert_eq!(shipping_charge(gbp(i64::MAX), gbp(1)), Err(MoneyError::Overflow));
}

#[test]
fn the_test_provider_answers_a_slow_token_after_its_delay() {
    let asked = |token| GatewayRequest {
        kind: TransactionKind::Authorization,
        amount: gbp(1000),
        token: Some(token),
        transaction: "pay_1",
    };
    let gateway = PaymentProvider::Test.gateway();
    assert_eq!(
        gateway.latency(&asked("tok_slow_2000")),
        Some(std::time::Duration::from_secs(2))
    );
    assert_eq!(gateway.latency(&asked("tok_slow_99999999")), Some(SLOWEST_TEST_ANSWER));
    assert_eq!(gateway.latency(&asked("tok_slow_soon")), None);
    assert_eq!(gateway.latency(&asked("tok_visa")), None);
    assert_eq!(gateway.execute(&asked("tok_slow_2000")), Ok("test_pay_1".into()));
    assert_eq!(PaymentProvider::Manual.gateway().latency(&asked("tok_slow_2000")), None);
}

proptest! {
    /// What transactions cover of a line is the plain sum of its parts, refused rather
    /// than wrapped when it would overflow.
    #[test]
    fn covered_lines_add_up(parts in prop::collection::vec((1..4i64, 0..1_000i64, -1_000_000..1_000_000i64), 0..20)) {
        let lines: Vec<CoveredLine> = parts
            .iter()
            .map(|(line_no, quantity, amount)| CoveredLine { line_no: *line_no, quantity: *quantity, amount: gbp(*amount) })
            .collect();
        for line_no in 1..4 {
            let (units, amount) = covered_line(gbp(0).currency, &lines, line_no).unwrap();
            let mine = parts.iter().filter(|p| p.0 == line_no);
            prop_assert_eq!(units, mine.clone().map(|p| p.1).sum::<i64>());
            prop_assert_eq!(amount, gbp(mine.map(|p| p.2).sum::<i64>()));
        }
        let huge = [CoveredLine { line_no: 1, quantity: 1, amount: gbp(i64::MAX) }, CoveredLine { line_no: 1, quantity: 1, amount: gbp(1) }];
        prop_assert_eq!(covered_line(gbp(0).currency, &huge, 1), Err(MoneyError::Overflow));
    }
}

mod refunds;
mod totals;
