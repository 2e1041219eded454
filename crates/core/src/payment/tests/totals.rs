//! Payment rules outside refunds: tokens, what transactions add up to, line shares,
//! what transactions cover, and who collects the money.

use super::*;

#[test]
fn a_token_of_twelve_to_nineteen_digits_is_a_card_number() {
    let code = |raw: &str| {
        PaymentToken::parse(raw)
            .map(|t| t.as_str().to_owned())
            .map_err(|e| e.code)
    };
    assert_eq!(code("12345678901"), Ok("12345678901".into()), "eleven digits");
    assert_eq!(code("123456789012"), Err("card_number"));
    assert_eq!(code("1234567890123456789"), Err("card_number"));
    assert_eq!(
        code("12345678901234567890"),
        Ok("12345678901234567890".into()),
        "twenty digits"
    );
    assert_eq!(
        code("inv_4242424242424242"),
        Ok("inv_4242424242424242".into()),
        "a reference, not a number"
    );
}

#[test]
fn a_token_travels_as_its_text() {
    let token = PaymentToken::parse("tok_visa").unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(serde_json::to_string(&token).unwrap_or_default(), "\"tok_visa\"");
    assert_eq!(serde_json::from_str::<PaymentToken>("\"tok_visa\"").ok(), Some(token));
    assert!(serde_json::from_str::<PaymentToken>("\"4242424242424242\"").is_err());
}

#[test]
fn recorded_transactions_add_up_by_kind() {
    use TransactionKind as K;
    let sum = PaymentTotals::sum(
        gbp(0).currency,
        [
            (K::Authorization, gbp(1000)),
            (K::Authorization, gbp(500)),
            (K::Capture, gbp(600)),
            (K::Void, gbp(100)),
            (K::Refund, gbp(50)),
        ],
    );
    assert_eq!(sum, Ok(totals(1500, 600, 100, 50)));
    assert_eq!(sum.map(|t| (t.capturable(), t.refundable())), Ok((gbp(800), gbp(550))));
    assert_eq!(
        PaymentTotals::sum(gbp(0).currency, [(K::Capture, gbp(i64::MAX)), (K::Capture, gbp(1))]),
        Err(MoneyError::Overflow)
    );
}

#[test]
fn each_transaction_moves_its_own_total() {
    let t = totals(1000, 600, 0, 0);
    assert_eq!(
        t.apply(TransactionKind::Authorization, gbp(200)),
        Ok(totals(1200, 600, 0, 0))
    );
    assert_eq!(
        t.apply(TransactionKind::Capture, gbp(400)),
        Ok(totals(1000, 1000, 0, 0))
    );
    assert_eq!(t.apply(TransactionKind::Void, gbp(300)), Ok(totals(1000, 600, 300, 0)));
    assert_eq!(
        t.apply(TransactionKind::Refund, gbp(600)),
        Ok(totals(1000, 600, 0, 600))
    );
}

#[test]
fn totals_whose_void_cannot_be_taken_from_the_authorization_are_inconsistent() {
    assert!(!totals(i64::MIN, 0, 1, 0).is_consistent());
    assert!(totals(100, 60, 40, 0).is_consistent());
    assert!(!totals(100, 61, 40, 0).is_consistent());
}

#[test]
fn a_share_of_a_line_is_rounded_down_and_a_line_of_no_units_is_all_of_it() {
    assert_eq!(line_share(gbp(1001), 3, 1), gbp(333));
    assert_eq!(line_share(gbp(1001), 3, 3), gbp(1001));
    assert_eq!(line_share(gbp(1001), 0, 1), gbp(1001));
    assert_eq!(
        line_share(gbp(i64::MAX), 1, 2),
        gbp(i64::MAX),
        "too large for the ledger"
    );
}

#[test]
fn a_later_shipment_captures_only_its_lines_and_never_more_than_is_held() {
    let t = totals(1980, 1146, 0, 0);
    let share = capture_share(&t, &[part(2, 500, 1, 1)], gbp(479), false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((share.amount, share.shipping), (gbp(500), gbp(0)));
    let held = totals(400, 0, 0, 0);
    let capped = capture_share(&held, &[part(2, 500, 1, 1)], gbp(0), false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(capped.amount, gbp(400));
    let exact =
        capture_share(&totals(500, 0, 0, 0), &[part(2, 500, 1, 1)], gbp(0), false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exact.amount, gbp(500));
    assert_eq!(
        exact.lines,
        [CoveredLine {
            line_no: 2,
            quantity: 1,
            amount: gbp(500)
        }]
    );
}

#[test]
fn offline_and_marketplace_money_is_recorded_with_our_reference() {
    let request = GatewayRequest {
        kind: TransactionKind::Authorization,
        amount: gbp(1051),
        token: Some("tok_decline"),
        transaction: "ptx_9",
    };
    assert_eq!(
        PaymentProvider::Manual.gateway().execute(&request),
        Ok("manual_ptx_9".into())
    );
    assert_eq!(
        PaymentProvider::Channel.gateway().execute(&request),
        Ok("channel_ptx_9".into())
    );
    assert!(PaymentProvider::Test.gateway().execute(&request).is_err());
    assert_eq!(PaymentProvider::Channel.gateway().latency(&request), None);
}

#[test]
fn the_marketplace_or_an_on_placement_channel_captures_at_placement() {
    assert!(PaymentProvider::Channel.captures_at_placement(CaptureMode::OnShipment));
    assert!(PaymentProvider::Test.captures_at_placement(CaptureMode::OnPlacement));
    assert!(!PaymentProvider::Test.captures_at_placement(CaptureMode::OnShipment));
    assert!(!PaymentProvider::Manual.captures_at_placement(CaptureMode::OnShipment));
}
