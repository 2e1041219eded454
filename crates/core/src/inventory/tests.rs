//! The ledger's rules one command at a time, and a property: no sequence of commands
//! breaks `0 <= reserved <= on_hand` or the ledger's sum.

use super::*;
use proptest::prelude::*;

fn q(n: i64) -> Quantity {
    Quantity::new(n).unwrap()
}

#[test]
fn quantities_are_positive() {
    assert!(Quantity::new(0).is_err());
    assert!(Quantity::new(-3).is_err());
    assert!(Quantity::new(MAX_QUANTITY + 1).is_err());
}

#[test]
fn an_adjustment_cannot_take_stock_below_what_is_reserved() {
    let b = Balance {
        on_hand: 10,
        reserved: 8,
    };
    let err = StockCommand::Adjust(-3, AdjustmentReason::Damaged).delta(b);
    assert_eq!(
        err,
        Err(StockError::BelowReserved {
            on_hand_after: 7,
            reserved: 8
        })
    );
}

#[test]
fn a_cycle_count_records_the_difference() {
    let b = Balance {
        on_hand: 10,
        reserved: 2,
    };
    assert_eq!(
        StockCommand::Count(7).delta(b),
        Ok(Delta {
            on_hand: -3,
            reserved: 0
        })
    );
    assert!(StockCommand::Count(1).delta(b).is_err());
}

#[test]
fn reserving_more_than_available_is_refused() {
    let b = Balance {
        on_hand: 5,
        reserved: 4,
    };
    assert_eq!(
        StockCommand::Reserve(q(2)).delta(b),
        Err(StockError::InsufficientAvailable {
            available: 1,
            requested: 2
        })
    );
}

#[test]
fn shipping_takes_units_out_of_on_hand_and_reserved() {
    let b = Balance {
        on_hand: 10,
        reserved: 4,
    };
    assert_eq!(
        StockCommand::Ship(q(3)).delta(b),
        Ok(Delta {
            on_hand: -3,
            reserved: -3
        })
    );
    assert_eq!(StockCommand::Ship(q(3)).kind(), MovementKind::Ship);
    assert_eq!(
        b.apply(StockCommand::Ship(q(4)).delta(b).unwrap()),
        Ok(Balance {
            on_hand: 6,
            reserved: 0
        })
    );
}

#[test]
fn a_restocked_return_raises_on_hand_only() {
    let b = Balance {
        on_hand: 0,
        reserved: 0,
    };
    let restock = StockCommand::ReturnRestock(q(2));
    assert_eq!(restock.kind(), MovementKind::ReturnRestock);
    assert_eq!(
        restock.delta(b),
        Ok(Delta {
            on_hand: 2,
            reserved: 0
        })
    );
}

#[test]
fn shipping_more_than_is_reserved_is_refused() {
    let b = Balance {
        on_hand: 10,
        reserved: 2,
    };
    assert_eq!(
        StockCommand::Ship(q(3)).delta(b),
        Err(StockError::ShipExceedsReserved {
            requested: 3,
            reserved: 2
        })
    );
}

#[test]
fn an_adjustment_is_a_non_zero_change_within_the_largest_quantity() {
    let adjust = |quantity: i64| {
        AdjustmentInput {
            sku: Some("TEE".into()),
            location: Some("LON".into()),
            quantity: Some(quantity),
            reason: Some(AdjustmentReason::Damaged),
            note: None,
        }
        .parse()
    };
    assert!(adjust(-MAX_QUANTITY).is_ok());
    assert!(adjust(MAX_QUANTITY).is_ok());
    for bad in [0, MAX_QUANTITY + 1, -MAX_QUANTITY - 1, i64::MAX, i64::MIN] {
        let errors = adjust(bad).unwrap_err();
        assert_eq!(
            (errors[0].field.as_str(), errors[0].code),
            ("/quantity", "out_of_range"),
            "{bad}"
        );
    }
}

#[test]
fn only_an_adjustment_carries_a_reason() {
    let damaged = StockCommand::Adjust(-2, AdjustmentReason::Damaged);
    assert_eq!(damaged.reason(), Some(AdjustmentReason::Damaged));
    assert_eq!(StockCommand::Receive(q(2)).reason(), None);
    assert_eq!(StockCommand::Count(4).reason(), None);
}

#[test]
fn stock_is_freed_when_more_becomes_available() {
    let b = Balance {
        on_hand: 10,
        reserved: 4,
    };
    let freed = |c: StockCommand| c.delta(b).unwrap().frees_stock();
    assert!(freed(StockCommand::Receive(q(1))));
    assert!(freed(StockCommand::Count(12)));
    assert!(freed(StockCommand::Release(q(1))));
    assert!(!freed(StockCommand::Count(8)));
    assert!(!freed(StockCommand::Adjust(-1, AdjustmentReason::Lost)));
    assert!(!freed(StockCommand::Ship(q(2))));
    assert!(!freed(StockCommand::Reserve(q(2))));
}

fn command() -> impl Strategy<Value = StockCommand> {
    prop_oneof![
        (1i64..50).prop_map(|n| StockCommand::Receive(q(n))),
        (-50i64..50).prop_map(|n| StockCommand::Adjust(n, AdjustmentReason::Correction)),
        (0i64..60).prop_map(StockCommand::Count),
        (1i64..50).prop_map(|n| StockCommand::TransferOut(q(n))),
        (1i64..50).prop_map(|n| StockCommand::TransferIn(q(n))),
        (1i64..50).prop_map(|n| StockCommand::ReturnRestock(q(n))),
        (1i64..20).prop_map(|n| StockCommand::Reserve(q(n))),
        (1i64..20).prop_map(|n| StockCommand::Release(q(n))),
        (1i64..20).prop_map(|n| StockCommand::Ship(q(n))),
    ]
}

proptest! {
    /// The ledger invariant: whatever is asked, the balance stays within
    /// `0 <= reserved <= on_hand` and equals the sum of the accepted movements.
    #[test]
    fn no_sequence_of_commands_breaks_the_ledger(commands in proptest::collection::vec(command(), 0..200)) {
        let mut balance = Balance::default();
        let mut ledger: Vec<Delta> = Vec::new();
        for command in commands {
            if let Ok(delta) = command.delta(balance) {
                balance = balance.apply(delta).unwrap();
                ledger.push(delta);
            }
            prop_assert!(0 <= balance.reserved && balance.reserved <= balance.on_hand);
            let on_hand: i64 = ledger.iter().map(|d| d.on_hand).sum();
            let reserved: i64 = ledger.iter().map(|d| d.reserved).sum();
            prop_assert_eq!(balance, Balance { on_hand, reserved });
        }
    }
}

#[test]
fn a_transfer_out_takes_units_off_the_shelf() {
    let b = Balance {
        on_hand: 10,
        reserved: 4,
    };
    let out = StockCommand::TransferOut(q(6));
    assert_eq!(out.kind(), MovementKind::TransferOut);
    assert_eq!(
        b.apply(out.delta(b).unwrap()),
        Ok(Balance {
            on_hand: 4,
            reserved: 4
        })
    );
    assert_eq!(
        StockCommand::TransferOut(q(7)).delta(b),
        Err(StockError::BelowReserved {
            on_hand_after: 3,
            reserved: 4
        })
    );
}

#[test]
fn a_quantity_is_written_and_read_as_its_number_of_units() {
    assert_eq!(i64::from(q(7)), 7);
    assert_eq!(serde_json::to_string(&q(7)).unwrap(), "7");
    assert_eq!(serde_json::from_str::<Quantity>("7").unwrap(), q(7));
    assert!(serde_json::from_str::<Quantity>("0").is_err());
}

fn fields(errors: Vec<crate::validation::FieldError>) -> Vec<(String, &'static str)> {
    errors.into_iter().map(|e| (e.field, e.code)).collect()
}

#[test]
fn a_receipt_keeps_what_was_received_where_and_its_documents() {
    let receipt = ReceiptInput {
        sku: Some(" TEE-ORG-M ".into()),
        location: Some("LON".into()),
        quantity: Some(24),
        note: Some(" pallet 3 ".into()),
        reference: Some("PO-1001".into()),
    };
    assert_eq!(
        receipt.parse(),
        Ok(StockRequest {
            sku: "TEE-ORG-M".into(),
            location: "LON".into(),
            command: StockCommand::Receive(q(24)),
            note: Some("pallet 3".into()),
            reference: Some("PO-1001".into()),
        })
    );
    let bare = ReceiptInput {
        note: None,
        reference: None,
        ..receipt
    };
    let parsed = bare.parse().unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!((parsed.note, parsed.reference), (None, None));
}

#[test]
fn a_receipt_names_every_missing_or_bad_field() {
    assert_eq!(
        fields(ReceiptInput::default().parse().unwrap_err()),
        [
            ("/sku".to_owned(), "required"),
            ("/location".to_owned(), "required"),
            ("/quantity".to_owned(), "required"),
        ]
    );
    let bad = ReceiptInput {
        sku: Some("TEE ORG".into()),
        location: Some("L O N".into()),
        quantity: Some(0),
        note: Some("n".repeat(1001)),
        reference: Some("r".repeat(129)),
    };
    assert_eq!(
        fields(bad.parse().unwrap_err()),
        [
            ("/sku".to_owned(), "invalid_format"),
            ("/location".to_owned(), "invalid_format"),
            ("/quantity".to_owned(), "out_of_range"),
            ("/note".to_owned(), "too_long"),
            ("/reference".to_owned(), "too_long"),
        ]
    );
    let longest = ReceiptInput {
        sku: Some("TEE".into()),
        location: Some("LON".into()),
        quantity: Some(1),
        note: Some("n".repeat(1000)),
        reference: Some("r".repeat(128)),
    };
    assert!(longest.parse().is_ok());
}

#[test]
fn an_adjustment_keeps_its_signed_change_and_reason() {
    let adjustment = AdjustmentInput {
        sku: Some("TEE".into()),
        location: Some("LON".into()),
        quantity: Some(-2),
        reason: Some(AdjustmentReason::Damaged),
        note: Some("forklift".into()),
    };
    assert_eq!(
        adjustment.parse(),
        Ok(StockRequest {
            sku: "TEE".into(),
            location: "LON".into(),
            command: StockCommand::Adjust(-2, AdjustmentReason::Damaged),
            note: Some("forklift".into()),
            reference: None,
        })
    );
    assert_eq!(
        fields(AdjustmentInput::default().parse().unwrap_err()),
        [
            ("/sku".to_owned(), "required"),
            ("/location".to_owned(), "required"),
            ("/quantity".to_owned(), "required"),
            ("/reason".to_owned(), "required"),
        ]
    );
}

#[test]
fn a_count_replaces_stock_with_zero_to_the_largest_quantity() {
    let count = |counted: i64| CountInput {
        sku: Some("TEE".into()),
        location: Some("LON".into()),
        counted: Some(counted),
        note: Some("aisle 4".into()),
    };
    assert_eq!(
        count(17).parse(),
        Ok(StockRequest {
            sku: "TEE".into(),
            location: "LON".into(),
            command: StockCommand::Count(17),
            note: Some("aisle 4".into()),
            reference: None,
        })
    );
    assert!(count(0).parse().is_ok());
    assert!(count(MAX_QUANTITY).parse().is_ok());
    for bad in [-1, MAX_QUANTITY + 1] {
        assert_eq!(
            fields(count(bad).parse().unwrap_err()),
            [("/counted".to_owned(), "out_of_range")],
            "{bad}"
        );
    }
    assert_eq!(
        fields(CountInput::default().parse().unwrap_err()),
        [
            ("/sku".to_owned(), "required"),
            ("/location".to_owned(), "required"),
            ("/counted".to_owned(), "required"),
        ]
    );
}

#[test]
fn a_transfer_goes_between_two_different_locations() {
    let transfer = TransferInput {
        sku: Some("TEE".into()),
        from: Some("LON".into()),
        to: Some("MCR-3PL".into()),
        quantity: Some(5),
        note: Some("rebalance".into()),
        reference: Some("T-7".into()),
    };
    assert_eq!(
        transfer.parse(),
        Ok(TransferRequest {
            sku: "TEE".into(),
            from: "LON".into(),
            to: "MCR-3PL".into(),
            quantity: q(5),
            note: Some("rebalance".into()),
            reference: Some("T-7".into()),
        })
    );
    let same = TransferInput {
        to: Some(" LON ".into()),
        ..transfer
    };
    assert_eq!(fields(same.parse().unwrap_err()), [("/to".to_owned(), "same_location")]);
    assert_eq!(
        fields(TransferInput::default().parse().unwrap_err()),
        [
            ("/sku".to_owned(), "required"),
            ("/from".to_owned(), "required"),
            ("/to".to_owned(), "required"),
            ("/quantity".to_owned(), "required"),
        ]
    );
    let bad = TransferInput {
        sku: Some("TEE".into()),
        from: Some("L O N".into()),
        to: Some("M C R".into()),
        quantity: Some(1),
        note: None,
        reference: Some("r".repeat(129)),
    };
    assert_eq!(
        fields(bad.parse().unwrap_err()),
        [
            ("/from".to_owned(), "invalid_format"),
            ("/to".to_owned(), "invalid_format"),
            ("/reference".to_owned(), "too_long"),
        ]
    );
}
