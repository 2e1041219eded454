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
