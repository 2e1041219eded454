//! Refund pricing rules a customer would notice when broken: a restocking fee kept back
//! (never added), units refunded once, the shipping left after a partial refund, and
//! what a refund request may carry.

use super::*;
use crate::validation::FieldError;

fn refused(result: Result<RefundPlan, RefundError>) -> Vec<(String, &'static str)> {
    match result {
        Err(RefundError::Invalid(errors)) => errors.into_iter().map(|e| (e.field, e.code)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn planned(result: Result<RefundPlan, RefundError>) -> RefundPlan {
    result.unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_restocking_fee_is_kept_back_from_the_refund() {
    let mut r = request(&[(1, 3)]);
    r.fee = Some(gbp(100));
    let plan = planned(plan_refund(&ledger(), &r, Role::Manager));
    assert_eq!(plan.amount, gbp(1001 - 100));
    assert_eq!(
        plan.lines[0].amount,
        gbp(1001),
        "the line is refunded in full; the fee is kept apart"
    );
}

#[test]
fn a_fee_may_keep_back_all_of_the_lines_but_not_more() {
    let mut r = request(&[(1, 1)]);
    r.fee = Some(gbp(333));
    r.shipping = true;
    assert_eq!(
        planned(plan_refund(&ledger(), &r, Role::Manager)).amount,
        gbp(479),
        "the goods kept, the shipping given"
    );
    r.fee = Some(gbp(334));
    assert_eq!(
        refused(plan_refund(&ledger(), &r, Role::Manager)),
        [("/fee".to_owned(), "out_of_range")]
    );
}

#[test]
fn a_refund_that_comes_to_nothing_is_refused() {
    let mut r = request(&[(1, 1)]);
    r.fee = Some(gbp(333));
    assert_eq!(
        refused(plan_refund(&ledger(), &r, Role::Manager)),
        [(String::new(), "required")]
    );
}

#[test]
fn units_already_refunded_are_not_refundable_again() {
    let mut l = ledger();
    l.lines[0].refunded = 2;
    l.lines[0].refunded_amount = gbp(666);
    l.totals.refunded = gbp(666);
    assert_eq!(
        refused(plan_refund(&l, &request(&[(1, 2)]), Role::Manager)),
        [("/lines/0/quantity".to_owned(), "exceeds_refundable_quantity")]
    );
    assert_eq!(
        planned(plan_refund(&l, &request(&[(1, 1)]), Role::Manager)).amount,
        gbp(335)
    );
}

#[test]
fn a_line_asked_twice_in_one_refund_still_adds_up_to_its_total() {
    let plan = planned(plan_refund(&ledger(), &request(&[(1, 2), (1, 1)]), Role::Manager));
    let amounts: Vec<Money> = plan.lines.iter().map(|l| l.amount).collect();
    assert_eq!(amounts, [gbp(667), gbp(334)]);
    assert_eq!(plan.amount, gbp(1001));
}

#[test]
fn a_unit_count_below_one_is_refused_at_its_line() {
    assert_eq!(
        refused(plan_refund(&ledger(), &request(&[(1, 0)]), Role::Manager)),
        [("/lines/0/quantity".to_owned(), "out_of_range")]
    );
    assert_eq!(
        planned(plan_refund(&ledger(), &request(&[(1, 1)]), Role::Manager)).amount,
        gbp(333)
    );
}

#[test]
fn the_shipping_refunds_what_is_left_of_it_and_only_once_charged() {
    let mut l = ledger();
    l.shipping_refunded = gbp(100);
    let mut r = request(&[]);
    r.shipping = true;
    let plan = planned(plan_refund(&l, &r, Role::Manager));
    assert_eq!((plan.amount, plan.shipping), (gbp(379), gbp(379)));
    l.shipping_charged = false;
    assert_eq!(
        refused(plan_refund(&l, &r, Role::Manager)),
        [("/shipping".to_owned(), "not_charged")]
    );
}

#[test]
fn an_extra_amount_is_added_and_must_be_positive_and_in_the_order_currency() {
    let mut r = request(&[(1, 1)]);
    r.amount = Some(gbp(50));
    assert_eq!(planned(plan_refund(&ledger(), &r, Role::Manager)).amount, gbp(383));
    r.amount = Some(gbp(0));
    assert_eq!(
        refused(plan_refund(&ledger(), &r, Role::Manager)),
        [("/amount".to_owned(), "out_of_range")]
    );
    r.amount = Some(Money::new(
        50,
        Currency::parse("USD").unwrap_or_else(|_| unreachable!()),
    ));
    assert_eq!(
        refused(plan_refund(&ledger(), &r, Role::Manager)),
        [("/amount".to_owned(), "currency_mismatch")]
    );
}

#[test]
fn everything_that_is_left_may_be_refunded() {
    let mut l = ledger();
    l.totals.refunded = gbp(2000);
    let plan = planned(plan_refund(
        &l,
        &RefundRequest::amount(gbp(479), RefundReason::Other),
        Role::Manager,
    ));
    assert_eq!(plan.amount, gbp(479));
}

#[test]
fn an_appeasement_reason_belongs_to_appeasements_only() {
    let mut r = RefundRequest::amount(gbp(100), RefundReason::Appeasement);
    r.appeasement = Some(AppeasementReason::LateDelivery);
    let plan = planned(plan_refund(&ledger(), &r, Role::Manager));
    assert_eq!(plan.appeasement, Some(AppeasementReason::LateDelivery));
    r.reason = RefundReason::Other;
    assert_eq!(
        refused(plan_refund(&ledger(), &r, Role::Manager)),
        [("/appeasement_reason".to_owned(), "not_allowed")]
    );
}

#[test]
fn the_note_and_reference_are_kept_and_their_length_is_checked() {
    let mut r = RefundRequest::amount(gbp(100), RefundReason::Return);
    r.note = Some(" one tee came back ".into());
    r.reference = Some("RMA-1".into());
    let plan = planned(plan_refund(&ledger(), &r, Role::Manager));
    assert_eq!(
        (plan.note.as_deref(), plan.reference.as_deref(), plan.reason),
        (Some("one tee came back"), Some("RMA-1"), RefundReason::Return)
    );
    r.note = Some("n".repeat(1001));
    r.reference = Some("r".repeat(129));
    let fields: Vec<String> = refused(plan_refund(&ledger(), &r, Role::Manager))
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(fields, ["/note", "/reference"]);
}

#[test]
fn a_cancellation_refund_is_capped_at_what_is_left() {
    let mut l = ledger();
    l.totals.refunded = gbp(2400);
    let plan = plan_cancellation_refund(&l, &request(&[(1, 3)])).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.map(|p| p.amount), Some(gbp(79)));
    l.totals.refunded = gbp(2479);
    assert_eq!(plan_cancellation_refund(&l, &request(&[(1, 3)])), Ok(None));
}

#[test]
fn a_cancellation_refunds_the_shipping_left_after_a_partial_refund_of_it() {
    let mut l = ledger();
    l.shipping_refunded = gbp(100);
    assert!(cancellation_refund(&l, &[1], false, false).shipping);
    l.lines[0].refunded = 3;
    assert!(cancellation_refund(&l, &[1], false, false).lines.is_empty());
}

fn field_codes(errors: Vec<FieldError>) -> Vec<(String, &'static str)> {
    errors.into_iter().map(|e| (e.field, e.code)).collect()
}

#[test]
fn a_client_refund_needs_a_reason_and_is_never_goodwill() {
    let input = RefundInput {
        lines: Some(vec![RefundLine {
            line_no: 1,
            quantity: 2,
        }]),
        shipping: Some(true),
        amount: Some(gbp(5)),
        reason: Some(RefundReason::Return),
        note: Some("two back".into()),
    };
    let parsed = input.parse().unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(parsed.lines, input.lines.clone().unwrap_or_default());
    assert!(parsed.shipping);
    assert_eq!(
        (parsed.amount, parsed.fee, parsed.reason),
        (Some(gbp(5)), None, RefundReason::Return)
    );
    assert_eq!(parsed.note.as_deref(), Some("two back"));
    let missing = RefundInput::default().parse().map(|_| ());
    assert_eq!(
        missing.map_err(field_codes),
        Err(vec![("/reason".to_owned(), "required")])
    );
    let goodwill = RefundInput {
        reason: Some(RefundReason::Appeasement),
        ..RefundInput::default()
    };
    assert_eq!(
        goodwill.parse().map(|_| ()).map_err(field_codes),
        Err(vec![("/reason".to_owned(), "not_allowed")])
    );
}

#[test]
fn a_goodwill_refund_needs_an_amount_and_a_reason() {
    let input = AppeasementInput {
        amount: Some(gbp(500)),
        reason: Some(AppeasementReason::PriceMatch),
        note: Some("matched".into()),
    };
    let parsed = input.parse().unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        (parsed.amount, parsed.reason, parsed.appeasement),
        (
            Some(gbp(500)),
            RefundReason::Appeasement,
            Some(AppeasementReason::PriceMatch)
        )
    );
    assert_eq!(parsed.note.as_deref(), Some("matched"));
    let fields: Vec<String> = AppeasementInput::default()
        .parse()
        .map(|_| ())
        .map_err(field_codes)
        .unwrap_err()
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(fields, ["/amount", "/reason"]);
}

#[test]
fn two_lines_refunded_together_are_each_priced_on_their_own() {
    let mut l = ledger();
    l.lines[1].charged = 1;
    let plan = planned(plan_refund(&l, &request(&[(2, 1), (1, 1), (1, 2)]), Role::Manager));
    let amounts: Vec<(i64, Money)> = plan.lines.iter().map(|c| (c.line_no, c.amount)).collect();
    assert_eq!(amounts, [(2, gbp(999)), (1, gbp(333)), (1, gbp(668))]);
    assert_eq!(plan.amount, gbp(2000));
}

#[test]
fn the_unit_completing_a_partly_refunded_line_takes_what_is_left_of_it() {
    let mut l = ledger();
    l.lines[0].refunded = 1;
    l.lines[0].refunded_amount = gbp(333);
    l.totals.refunded = gbp(333);
    let plan = planned(plan_refund(&l, &request(&[(1, 1), (1, 1)]), Role::Manager));
    assert_eq!(plan.amount, gbp(333 + 335), "1001 in all with the unit refunded before");
}
