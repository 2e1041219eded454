//! Tests of the return lifecycle, requests, receipts, settlement and inputs; the
//! submodules test the rules moved here from the store and the API.

use jiff::Timestamp;
use proptest::prelude::*;

use super::*;
use crate::inventory::Quantity;
use crate::money::{Currency, Money};

mod ordering;
mod receiving;
mod settling;

fn gbp(amount: i64) -> Money {
    Money::new(amount, Currency::parse("GBP").unwrap_or_else(|_| unreachable!()))
}

fn at(raw: &str) -> Timestamp {
    raw.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

fn q(n: i64) -> Quantity {
    Quantity::new(n).unwrap_or_else(|_| unreachable!())
}

fn line(line_no: i64, sku: &str, shipped: i64, already: i64) -> ReturnableLine {
    ReturnableLine {
        line_no,
        sku: sku.into(),
        shipped,
        already,
        shipped_at: Some(at("2026-11-17T16:00:00Z")),
        delivered_at: Some(at("2026-11-19T12:00:00Z")),
    }
}

/// The fields a refused input names, in order; none when it was accepted.
fn error_fields<T>(parsed: Result<T, Vec<crate::validation::FieldError>>) -> Vec<String> {
    parsed.err().unwrap_or_default().into_iter().map(|e| e.field).collect()
}

#[test]
fn the_lifecycle_goes_from_request_to_closed() {
    use ReturnAction as A;
    use ReturnStatus as S;
    assert_eq!(transition(S::Requested, A::Authorize), Ok(S::Authorized));
    assert_eq!(transition(S::Requested, A::Reject), Ok(S::Rejected));
    assert_eq!(
        transition(S::Authorized, A::Receive { completes: false }),
        Ok(S::PartiallyReceived)
    );
    assert_eq!(
        transition(S::PartiallyReceived, A::Receive { completes: true }),
        Ok(S::Received)
    );
    assert_eq!(transition(S::Received, A::Close), Ok(S::Closed));
    assert_eq!(transition(S::Authorized, A::Cancel), Ok(S::Cancelled));
    assert_eq!(transition(S::Authorized, A::Exchange), Ok(S::Authorized));
    for from in [S::Authorized, S::PartiallyReceived, S::Received] {
        assert_eq!(
            transition(from, A::ApproveRefund),
            Ok(from),
            "the refund is approved in place"
        );
    }
    assert_eq!(
        transition(S::Requested, A::ApproveRefund).map_err(|e| e.to_string()),
        Err("cannot approve the refund of a return that is requested".into())
    );
    let err = transition(S::Requested, A::Receive { completes: true });
    assert_eq!(
        err.map_err(|e| e.to_string()),
        Err("cannot receive a return that is requested".into())
    );
    for from in [S::Rejected, S::Closed, S::Cancelled] {
        for action in [
            A::Authorize,
            A::Reject,
            A::Receive { completes: true },
            A::Exchange,
            A::ApproveRefund,
            A::Close,
            A::Cancel,
        ] {
            assert!(transition(from, action).is_err(), "{from} {action:?}");
        }
    }
}

#[test]
fn a_zero_day_window_means_no_returns() {
    assert!(!accepts_returns(0));
    assert!(accepts_returns(1));
    assert!(accepts_returns(365));
}

#[test]
fn seller_fault_reasons_are_the_four_the_seller_answers_for() {
    let fault: Vec<_> = ReturnReason::ALL
        .iter()
        .filter(|r| r.seller_fault())
        .map(|r| r.as_str())
        .collect();
    assert_eq!(fault, ["damaged", "defective", "not_as_described", "wrong_item"]);
}

#[test]
fn the_window_runs_from_delivery_or_else_shipment() {
    let shipped = at("2026-11-17T16:00:00Z");
    assert_eq!(
        window_closes(shipped, Some(at("2026-11-19T12:00:00Z")), 30),
        at("2026-12-19T12:00:00Z")
    );
    assert_eq!(window_closes(shipped, None, 14), at("2026-12-01T16:00:00Z"));
}

#[test]
fn requests_are_checked_line_by_line() {
    let lines = [
        line(1, "TEE", 2, 1),
        line(2, "MUG", 1, 0),
        ReturnableLine {
            shipped_at: None,
            shipped: 0,
            ..line(3, "CAP", 0, 0)
        },
    ];
    let now = at("2026-11-25T00:00:00Z");
    assert_eq!(check_request(&lines, &[(1, q(1)), (2, q(1))], now, Some(30)), Ok(()));
    let errors = check_request(&lines, &[(1, q(1)), (1, q(1)), (3, q(1)), (9, q(1))], now, Some(30))
        .err()
        .unwrap_or_default();
    let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        got,
        [
            ("/lines/1/quantity", "exceeds_returnable"),
            ("/lines/2/line_no", "not_shipped"),
            ("/lines/3/line_no", "unknown_line")
        ]
    );
    let late = check_request(&lines, &[(2, q(1))], at("2026-12-20T00:00:00Z"), Some(30))
        .err()
        .unwrap_or_default();
    assert_eq!(late[0].code, "outside_return_window");
    assert!(
        late[0].message.contains("30 days after delivery"),
        "{}",
        late[0].message
    );
    assert_eq!(
        check_request(&lines, &[(2, q(1))], at("2026-12-20T00:00:00Z"), None),
        Ok(())
    );
}

fn open(line_no: i64, sku: &str, barcode: Option<&str>, outstanding: i64) -> OpenReturnLine {
    OpenReturnLine {
        line_no,
        sku: sku.into(),
        barcode: barcode.map(Into::into),
        outstanding,
    }
}

fn item(key: ItemKey, quantity: i64, disposition: Disposition) -> ReturnItem {
    ReturnItem {
        key,
        quantity: q(quantity),
        disposition,
    }
}

#[test]
fn receipts_match_by_sku_or_barcode_and_refuse_what_is_not_authorized() {
    let lines = [open(1, "TEE", Some("5012345678900"), 2), open(2, "MUG", None, 1)];
    let receipt = ReturnReceipt {
        items: vec![
            item(ItemKey::Barcode("5012345678900".into()), 1, Disposition::Restock),
            item(ItemKey::Sku("TEE".into()), 1, Disposition::Scrap),
            item(ItemKey::Sku("MUG".into()), 1, Disposition::Quarantine),
        ],
        note: None,
    };
    let plan = plan_receipt(&lines, &receipt).unwrap_or_default();
    let got: Vec<(i64, Disposition, i64)> = plan
        .iter()
        .map(|r| (r.line_no, r.disposition, r.quantity.get()))
        .collect();
    assert_eq!(
        got,
        [
            (1, Disposition::Restock, 1),
            (1, Disposition::Scrap, 1),
            (2, Disposition::Quarantine, 1)
        ]
    );
    let bad = ReturnReceipt {
        items: vec![
            item(ItemKey::Sku("TEE".into()), 3, Disposition::Restock),
            item(ItemKey::Sku("CAP".into()), 1, Disposition::Restock),
        ],
        note: None,
    };
    let errors = plan_receipt(&lines, &bad).err().unwrap_or_default();
    assert_eq!(errors[0].field, "/items/0/quantity");
    assert_eq!(errors[0].code, "exceeds_authorized");
    assert_eq!(errors[1].field, "/items/1/sku");
    assert_eq!(errors[1].message, "SKU CAP is not on this return");
}

fn settle_line(reason: ReturnReason, quantity: i64) -> SettleLine {
    // Two units at 18.00 with 3.60 tax each, 2.00 discount: 41.20.
    SettleLine {
        line_no: 1,
        reason,
        line_total: gbp(4120),
        line_quantity: 2,
        quantity,
    }
}

#[test]
fn seller_fault_refunds_shipping_and_customer_choice_pays_the_fee() {
    let shipping = gbp(479);
    let damaged = settle(&[settle_line(ReturnReason::Damaged, 1)], shipping, false, 10);
    assert_eq!(
        damaged,
        Ok(Settlement {
            goods: gbp(2060),
            shipping: gbp(479),
            restocking_fee: gbp(0),
            total: gbp(2539)
        })
    );
    let again = settle(&[settle_line(ReturnReason::Damaged, 1)], shipping, true, 10);
    assert_eq!(again.map(|s| s.total), Ok(gbp(2060)), "shipping goes back once");
    let changed = settle(&[settle_line(ReturnReason::ChangedMind, 2)], shipping, false, 15);
    assert_eq!(
        changed,
        Ok(Settlement {
            goods: gbp(4120),
            shipping: gbp(0),
            restocking_fee: gbp(618),
            total: gbp(3502)
        })
    );
}

/// A replacement line at `price` a unit, with no discount or tax.
fn draft_line(price: i64, quantity: i64) -> crate::order::LineDraft {
    crate::order::LineDraft {
        sku: "TEE".into(),
        quantity: q(quantity),
        unit_price: gbp(price),
        discount: gbp(0),
        tax: gbp(0),
        total: gbp(price * quantity),
        external_id: None,
    }
}

#[test]
fn credit_pays_for_replacements_line_by_line() {
    let mut lines = vec![draft_line(1000, 1), draft_line(500, 2)];
    assert_eq!(apply_credit(&mut lines, gbp(1500)), Ok(gbp(0)));
    let totals: Vec<i64> = lines.iter().map(|l| l.total.amount).collect();
    assert_eq!(totals, [0, 500]);
    let mut cheap = vec![draft_line(700, 1)];
    assert_eq!(apply_credit(&mut cheap, gbp(1000)), Ok(gbp(300)), "the rest goes back");
    assert_eq!(cheap[0].total, gbp(0));
}

#[test]
fn the_order_return_status_follows_what_came_back() {
    assert_eq!(order_return_status(3, 0, false), OrderReturnStatus::None);
    assert_eq!(order_return_status(3, 0, true), OrderReturnStatus::Requested);
    assert_eq!(order_return_status(3, 1, true), OrderReturnStatus::PartiallyReturned);
    assert_eq!(order_return_status(3, 3, false), OrderReturnStatus::Returned);
}

#[test]
fn inputs_report_every_field() {
    let input = ReturnInput {
        order: None,
        lines: Some(vec![ReturnLineInput {
            line_no: Some(1),
            quantity: Some(0),
            reason: None,
            note: None,
        }]),
        customer_note: None,
    };
    let fields = error_fields(input.parse());
    assert_eq!(fields, ["/order", "/lines/0/quantity", "/lines/0/reason"]);
    let receipt = ReturnReceiptInput {
        items: Some(vec![ReturnItemInput {
            sku: Some("TEE".into()),
            barcode: Some("1".into()),
            quantity: None,
            disposition: None,
        }]),
        note: None,
    };
    let fields = error_fields(receipt.parse());
    assert_eq!(fields, ["/items/0/barcode", "/items/0/disposition"]);
}

#[derive(Debug, Clone)]
enum Step {
    Request(usize, i64),
    Receive(usize, i64, usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0usize..3, 1i64..5).prop_map(|(l, n)| Step::Request(l, n)),
        (0usize..3, 1i64..5, 0usize..3).prop_map(|(l, n, d)| Step::Receive(l, n, d)),
    ]
}

proptest! {
    /// Whatever customers ask and warehouses scan, no line returns more than shipped
    /// and every received unit has exactly one disposition.
    #[test]
    fn returned_never_exceeds_shipped_and_dispositions_add_up(
        shipped in proptest::collection::vec(0i64..5, 3),
        steps in proptest::collection::vec(step(), 0..40),
    ) {
        let now = at("2026-11-20T00:00:00Z");
        let mut requested = [0i64; 3];
        let mut received = [0i64; 3];
        let mut by_disposition = [[0i64; 3]; 3];
        for s in steps {
            match s {
                Step::Request(l, n) => {
                    let lines: Vec<ReturnableLine> = (0..3).map(|k| line(k as i64 + 1, &format!("S{k}"), shipped[k], requested[k])).collect();
                    if check_request(&lines, &[(l as i64 + 1, q(n))], now, Some(30)).is_ok() {
                        requested[l] += n;
                    }
                }
                Step::Receive(l, n, d) => {
                    let lines: Vec<OpenReturnLine> = (0..3).map(|k| open(k as i64 + 1, &format!("S{k}"), None, requested[k] - received[k])).collect();
                    let receipt = ReturnReceipt { items: vec![item(ItemKey::Sku(format!("S{l}")), n, Disposition::ALL[d])], note: None };
                    if let Ok(plan) = plan_receipt(&lines, &receipt) {
                        for r in plan {
                            let k = (r.line_no - 1) as usize;
                            received[k] += r.quantity.get();
                            let d = Disposition::ALL.iter().position(|x| *x == r.disposition).unwrap_or(0);
                            by_disposition[k][d] += r.quantity.get();
                        }
                    }
                }
            }
        }
        for k in 0..3 {
            prop_assert!(requested[k] <= shipped[k]);
            prop_assert!(received[k] <= requested[k]);
            prop_assert_eq!(by_disposition[k].iter().sum::<i64>(), received[k]);
        }
    }

}

#[test]
fn a_rejection_must_say_why_other_actions_may() {
    use crate::returns::action_note;
    let missing = action_note(ReturnAction::Reject, None).unwrap_err();
    assert_eq!(missing.code, "required");
    assert_eq!(
        action_note(ReturnAction::Reject, Some("worn")).unwrap().as_deref(),
        Some("worn")
    );
    assert_eq!(action_note(ReturnAction::Authorize, None).unwrap(), None);
    assert_eq!(action_note(ReturnAction::Cancel, None).unwrap(), None);
    assert_eq!(
        action_note(ReturnAction::Cancel, Some(&"x".repeat(1001)))
            .unwrap_err()
            .code,
        "too_long"
    );
}
