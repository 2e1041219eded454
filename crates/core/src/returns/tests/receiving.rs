//! Receiving several items onto several lines, and what a settlement is worth and
//! refunds: the rules a warehouse or a customer would notice when broken.

use super::{error_fields, gbp, item, open, settle_line};
use crate::payment::RefundReason;
use crate::returns::*;

fn receipt(items: Vec<ReturnItem>) -> ReturnReceipt {
    ReturnReceipt { items, note: None }
}

fn planned(lines: &[OpenReturnLine], items: Vec<ReturnItem>) -> Vec<(i64, Disposition, i64)> {
    plan_receipt(lines, &receipt(items))
        .unwrap_or_else(|e| panic!("{e:?}"))
        .iter()
        .map(|r| (r.line_no, r.disposition, r.quantity.get()))
        .collect()
}

#[test]
fn an_item_on_several_lines_fills_them_in_line_order() {
    let lines = [
        open(1, "TEE", None, 1),
        open(2, "MUG", None, 1),
        open(3, "TEE", None, 2),
    ];
    let got = planned(&lines, vec![item(ItemKey::Sku("TEE".into()), 3, Disposition::Restock)]);
    assert_eq!(got, [(1, Disposition::Restock, 1), (3, Disposition::Restock, 2)]);
}

#[test]
fn several_items_fill_what_earlier_items_left_and_add_up_per_disposition() {
    let lines = [open(1, "TEE", Some("501"), 2), open(2, "TEE", Some("501"), 2)];
    let got = planned(
        &lines,
        vec![
            item(ItemKey::Sku("TEE".into()), 1, Disposition::Scrap),
            item(ItemKey::Barcode("501".into()), 2, Disposition::Restock),
            item(ItemKey::Sku("TEE".into()), 1, Disposition::Scrap),
        ],
    );
    assert_eq!(
        got,
        [
            (1, Disposition::Restock, 1),
            (1, Disposition::Scrap, 1),
            (2, Disposition::Restock, 1),
            (2, Disposition::Scrap, 1)
        ]
    );
}

#[test]
fn what_several_lines_still_await_is_the_most_a_receipt_takes() {
    let lines = [
        open(1, "TEE", None, 1),
        open(2, "TEE", None, 2),
        open(3, "TEE", None, -1),
    ];
    let errors = plan_receipt(
        &lines,
        &receipt(vec![item(ItemKey::Sku("TEE".into()), 4, Disposition::Restock)]),
    )
    .err()
    .unwrap_or_default();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "/items/0/quantity");
    assert_eq!(
        errors[0].message,
        "4 units of TEE received, but only 3 are authorized and not yet received"
    );
    let again = plan_receipt(
        &lines,
        &receipt(vec![
            item(ItemKey::Sku("TEE".into()), 2, Disposition::Restock),
            item(ItemKey::Sku("TEE".into()), 2, Disposition::Restock),
        ]),
    );
    let fields = error_fields(again);
    assert_eq!(fields, ["/items/1/quantity"], "the second item finds one unit left");
}

#[test]
fn an_unknown_barcode_is_refused_at_its_barcode() {
    let lines = [open(1, "TEE", Some("501"), 1)];
    let errors = plan_receipt(
        &lines,
        &receipt(vec![item(ItemKey::Barcode("999".into()), 1, Disposition::Restock)]),
    )
    .err()
    .unwrap_or_default();
    let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(got, [("/items/0/barcode", "not_on_return")]);
}

#[test]
fn a_line_awaits_what_is_authorized_and_not_yet_received() {
    let line = ReturnLineState {
        line_no: 4,
        sku: "TEE".into(),
        barcode: Some("501".into()),
        quantity: 5,
        reason: ReturnReason::TooSmall,
        received: 2,
        settled: 0,
        line_total: gbp(5000),
        line_quantity: 5,
    };
    assert_eq!(line.open(), open(4, "TEE", Some("501"), 3));
}

#[test]
fn the_fee_is_kept_only_from_lines_that_are_not_the_sellers_fault() {
    let lines = [
        settle_line(ReturnReason::Damaged, 1),
        SettleLine {
            line_no: 2,
            ..settle_line(ReturnReason::ChangedMind, 1)
        },
    ];
    let s = settle(&lines, gbp(479), false, 10).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s,
        Settlement {
            goods: gbp(4120),
            shipping: gbp(479),
            restocking_fee: gbp(206),
            total: gbp(4120 + 479 - 206)
        }
    );
}

#[test]
fn a_seller_fault_line_with_nothing_settled_now_does_not_refund_the_shipping() {
    let lines = [
        settle_line(ReturnReason::Damaged, 0),
        settle_line(ReturnReason::ChangedMind, 1),
    ];
    let s = settle(&lines, gbp(479), false, 0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.shipping, s.total), (gbp(0), gbp(2060)));
}

#[test]
fn the_fee_is_between_nothing_and_all_of_the_goods() {
    let lines = [settle_line(ReturnReason::ChangedMind, 2)];
    let fee = |percent| settle(&lines, gbp(479), false, percent).map(|s| (s.restocking_fee, s.total));
    assert_eq!(fee(150), Ok((gbp(4120), gbp(0))));
    assert_eq!(fee(-5), Ok((gbp(0), gbp(4120))));
}

#[test]
fn a_settlement_refunds_its_units_and_keeps_its_fee_back() {
    let lines = [
        settle_line(ReturnReason::ChangedMind, 2),
        SettleLine {
            line_no: 2,
            ..settle_line(ReturnReason::ChangedMind, 0)
        },
    ];
    let s = settle(&lines, gbp(479), false, 15).unwrap_or_else(|e| panic!("{e}"));
    let refund = s
        .refund_due(&lines, RefundReason::Return, "RMA-7")
        .unwrap_or_else(|| panic!("due"));
    assert_eq!(
        refund.lines,
        [crate::payment::RefundLine {
            line_no: 1,
            quantity: 2
        }]
    );
    assert_eq!((refund.shipping, refund.fee), (false, Some(gbp(618))));
    assert_eq!(
        (refund.reason, refund.reference.as_deref()),
        (RefundReason::Return, Some("RMA-7"))
    );
    let free = settle(&lines, gbp(479), false, 0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(free.refund(&lines, RefundReason::Return, "RMA-7").fee, None);
}

#[test]
fn a_claim_refunds_its_lines_for_the_claim_and_names_it() {
    let claim = ClaimDraft {
        reason: ClaimReason::ItemMissing,
        resolution: ClaimResolution::Refund,
        lines: vec![(2, super::q(1)), (3, super::q(2))],
        note: Some("box empty".into()),
    };
    let refund = claim.refund("CLM-4");
    let lines: Vec<(i64, i64)> = refund.lines.iter().map(|l| (l.line_no, l.quantity)).collect();
    assert_eq!(lines, [(2, 1), (3, 2)]);
    assert_eq!(
        (refund.reason, refund.shipping, refund.fee, refund.amount),
        (RefundReason::Claim, false, None, None)
    );
    assert_eq!(
        (refund.note.as_deref(), refund.reference.as_deref()),
        (Some("box empty"), Some("CLM-4"))
    );
}

#[test]
fn a_claim_input_needs_a_reason_a_resolution_and_lines() {
    let input = ClaimInput {
        reason: Some(ClaimReason::WrongItemSent),
        resolution: Some(ClaimResolution::Replacement),
        lines: Some(vec![ClaimLineInput {
            line_no: Some(1),
            quantity: Some(2),
        }]),
        note: Some(" sent a mug ".into()),
    };
    assert_eq!(
        input.parse(),
        Ok(ClaimDraft {
            reason: ClaimReason::WrongItemSent,
            resolution: ClaimResolution::Replacement,
            lines: vec![(1, super::q(2))],
            note: Some("sent a mug".into()),
        })
    );
    let empty = ClaimInput {
        lines: Some(vec![ClaimLineInput {
            line_no: None,
            quantity: Some(0),
        }]),
        note: Some("n".repeat(4001)),
        ..ClaimInput::default()
    };
    let fields = error_fields(empty.parse());
    assert_eq!(
        fields,
        [
            "/reason",
            "/resolution",
            "/lines/0/line_no",
            "/lines/0/quantity",
            "/note"
        ]
    );
}

#[test]
fn units_of_one_kind_on_one_line_are_received_together() {
    let lines = [open(1, "TEE", Some("501"), 3)];
    let got = planned(
        &lines,
        vec![
            item(ItemKey::Sku("TEE".into()), 2, Disposition::Restock),
            item(ItemKey::Barcode("501".into()), 1, Disposition::Restock),
        ],
    );
    assert_eq!(got, [(1, Disposition::Restock, 3)]);
}

#[test]
fn a_line_already_received_in_full_is_passed_over() {
    let lines = [open(1, "TEE", None, 0), open(2, "TEE", None, 2)];
    let got = planned(
        &lines,
        vec![item(ItemKey::Sku("TEE".into()), 1, Disposition::Quarantine)],
    );
    assert_eq!(got, [(2, Disposition::Quarantine, 1)]);
}

#[test]
fn nothing_shipped_and_nothing_back_is_not_returned() {
    assert_eq!(order_return_status(0, 0, false), OrderReturnStatus::None);
    assert_eq!(order_return_status(0, 0, true), OrderReturnStatus::Requested);
}

fn exchange_line(sku: &str, quantity: i64, unit_price: Option<i64>) -> ExchangeLineInput {
    ExchangeLineInput {
        sku: Some(sku.into()),
        quantity: Some(quantity),
        unit_price: unit_price.map(gbp),
    }
}

#[test]
fn an_exchange_names_its_replacement_goods() {
    let input = ExchangeInput {
        lines: Some(vec![exchange_line("TEE-L", 2, None), exchange_line("MUG", 1, Some(0))]),
    };
    assert_eq!(
        input.parse(),
        Ok(vec![
            ReplacementLine {
                sku: "TEE-L".into(),
                quantity: super::q(2),
                unit_price: None
            },
            ReplacementLine {
                sku: "MUG".into(),
                quantity: super::q(1),
                unit_price: Some(gbp(0))
            },
        ])
    );
    let bad = ExchangeInput {
        lines: Some(vec![exchange_line("TEE L", 0, Some(-1))]),
    };
    assert_eq!(
        error_fields(bad.parse()),
        ["/lines/0/sku", "/lines/0/quantity", "/lines/0/unit_price"]
    );
}

#[test]
fn a_request_may_have_as_many_lines_as_the_limit_and_no_more() {
    let many = |n: usize| ExchangeInput {
        lines: Some(vec![exchange_line("TEE", 1, None); n]),
    };
    assert_eq!(many(MAX_LINES).parse().map(|l| l.len()), Ok(MAX_LINES));
    assert_eq!(error_fields(many(MAX_LINES + 1).parse()), ["/lines"]);
    assert_eq!(error_fields(many(0).parse()), ["/lines"]);
}

#[test]
fn a_line_returned_in_full_is_not_overdrawn() {
    let line = super::line(1, "TEE", 2, 2);
    assert_eq!(line.returnable(), 0);
    assert!(!line.overdrawn());
}

#[test]
fn a_line_with_a_shipment_date_but_no_unit_gone_has_not_shipped() {
    let lines = [ReturnableLine {
        shipped: 0,
        ..super::line(1, "TEE", 0, 0)
    }];
    let now = super::at("2026-11-25T00:00:00Z");
    let errors = check_request(&lines, &[(1, super::q(1))], now, Some(30));
    let got: Vec<(String, &str)> = errors
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect();
    assert_eq!(got, [("/lines/0/line_no".to_owned(), "not_shipped")]);
}

#[test]
fn a_return_asked_at_the_moment_the_window_closes_is_in_time() {
    let lines = [super::line(1, "TEE", 2, 0)];
    let delivered = lines[0].delivered_at.unwrap_or_else(|| unreachable!());
    let closes = window_closes(super::at("2026-11-17T16:00:00Z"), Some(delivered), 30);
    assert_eq!(check_request(&lines, &[(1, super::q(1))], closes, Some(30)), Ok(()));
}

#[test]
fn a_cancellation_keeps_its_reason() {
    let input = RejectInput {
        note: Some(" customer changed their mind ".into()),
    };
    assert_eq!(input.cancellation(), Ok(Some("customer changed their mind".into())));
    assert_eq!(RejectInput::default().cancellation(), Ok(None));
}
