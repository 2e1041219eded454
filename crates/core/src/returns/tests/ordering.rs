//! Tests of what may be returned or claimed, of replacement orders and their pricing,
//! of the return-rate report, the label rule and the operator's inputs.

use jiff::Timestamp;
use proptest::prelude::*;

use super::{at, draft_line, gbp, line, q};
use crate::catalog::Address;
use crate::id::{LocationId, ProductId};
use crate::money::{Currency, Money};
use crate::order::{Customer, LineDraft, LineStatus, ServiceLevel};
use crate::returns::*;

fn facts(status: LineStatus, quantity: i64, on_returns: i64, claimed: i64) -> OrderLineFacts {
    OrderLineFacts {
        line_no: 1,
        sku: "TEE".into(),
        status,
        quantity,
        on_returns,
        claimed,
        shipped_at: Some(at("2026-11-17T16:00:00Z")),
        delivered_at: None,
    }
}

#[test]
fn a_line_is_returnable_once_it_went_less_what_returns_and_claims_took() {
    let delivered = ReturnableLine::from_facts(facts(LineStatus::Delivered, 5, 2, 1));
    assert_eq!(
        (delivered.shipped, delivered.already, delivered.returnable()),
        (5, 3, 2)
    );
    let shipped = ReturnableLine::from_facts(facts(LineStatus::Shipped, 2, 0, 0));
    assert_eq!(shipped.returnable(), 2);
    for status in [LineStatus::Allocated, LineStatus::Backordered, LineStatus::Cancelled] {
        let line = ReturnableLine::from_facts(facts(status, 5, 0, 0));
        assert_eq!(line.returnable(), 0, "{status}");
    }
    assert!(ReturnableLine::from_facts(facts(LineStatus::Cancelled, 5, 1, 0)).overdrawn());
    assert!(!delivered.overdrawn());
}

#[test]
fn only_rejected_and_cancelled_returns_stop_counting() {
    let counting: Vec<&str> = ReturnStatus::ALL
        .iter()
        .filter(|s| s.counts())
        .map(|s| s.as_str())
        .collect();
    assert_eq!(
        counting,
        ["requested", "authorized", "partially_received", "received", "closed"]
    );
    let open: Vec<&str> = ReturnStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    assert_eq!(open, ["requested", "authorized", "partially_received"]);
}

#[test]
fn a_return_has_a_window_and_a_claim_has_none() {
    let lines = [line(1, "TEE", 2, 0)];
    let late = at("2027-02-01T00:00:00Z");
    let draft = ReturnDraft {
        order: "SO-1".into(),
        lines: vec![ReturnLineDraft {
            line_no: 1,
            quantity: q(1),
            reason: ReturnReason::TooSmall,
            note: None,
        }],
        customer_note: None,
    };
    let refused = draft.check(&lines, late, 30).err().unwrap_or_default();
    assert_eq!(refused[0].code, "outside_return_window");
    assert_eq!(draft.check(&lines, at("2026-11-25T00:00:00Z"), 30), Ok(()));
    let claim = ClaimDraft {
        reason: ClaimReason::DamagedInTransit,
        resolution: ClaimResolution::Replacement,
        lines: vec![(1, q(2))],
        note: None,
    };
    assert_eq!(claim.check(&lines, late), Ok(vec![("TEE".to_owned(), q(2))]));
    let over = ClaimDraft {
        lines: vec![(1, q(3))],
        ..claim
    };
    assert_eq!(
        over.check(&lines, late).err().unwrap_or_default()[0].code,
        "exceeds_returnable"
    );
}

fn product(sku: &str, price: Option<i64>, archived: bool) -> Option<ReplacementProduct> {
    Some(ReplacementProduct {
        sku: sku.into(),
        price: price.map(gbp),
        archived,
    })
}

fn wanted(sku: &str, quantity: i64, unit_price: Option<Money>) -> ReplacementLine {
    ReplacementLine {
        sku: sku.into(),
        quantity: q(quantity),
        unit_price,
    }
}

fn gbp_currency() -> Currency {
    gbp(0).currency
}

#[test]
fn replacements_are_priced_from_the_catalog_unless_a_price_is_given() {
    let lines = price_replacements(
        &[wanted("TEE-L", 2, None), wanted("MUG", 1, Some(gbp(100)))],
        &[product("TEE-L", Some(1800), false), product("MUG", Some(900), false)],
        gbp_currency(),
    )
    .unwrap_or_default();
    let priced: Vec<(&str, i64, i64, i64)> = lines
        .iter()
        .map(|l| (l.sku.as_str(), l.unit_price.amount, l.discount.amount, l.total.amount))
        .collect();
    assert_eq!(priced, [("TEE-L", 1800, 0, 3600), ("MUG", 100, 0, 100)]);
    let usd = Money::new(100, Currency::parse("USD").unwrap_or_else(|_| unreachable!()));
    let errors = price_replacements(
        &[
            wanted("GONE", 1, None),
            wanted("OLD", 1, None),
            wanted("FREEBIE", 1, None),
            wanted("TEE-L", 1, Some(usd)),
        ],
        &[
            None,
            product("OLD", Some(100), true),
            product("FREEBIE", None, false),
            product("TEE-L", Some(1800), false),
        ],
        gbp_currency(),
    )
    .err()
    .unwrap_or_default();
    let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        got,
        [
            ("/lines/0/sku", "unknown_sku"),
            ("/lines/1/sku", "unknown_sku"),
            ("/lines/2/unit_price", "required"),
            ("/lines/3/unit_price", "currency_mismatch"),
        ]
    );
    let huge = price_replacements(
        &[wanted("TEE-L", 2, Some(gbp(i64::MAX)))],
        &[product("TEE-L", None, false)],
        gbp_currency(),
    );
    assert_eq!(huge.err().unwrap_or_default()[0].field, "/lines/0/quantity");
}

#[test]
fn a_claim_replacement_is_free() {
    let free = free_replacement(&[("TEE".into(), q(2))], gbp_currency());
    assert_eq!(free, [wanted("TEE", 2, Some(gbp(0)))]);
}

#[test]
fn an_exchange_charges_the_difference_or_refunds_the_rest() {
    let dearer = exchange_terms(vec![draft_line(3000, 1)], gbp(2000), gbp_currency());
    let dearer = dearer.unwrap_or_else(|_| unreachable!());
    assert_eq!((dearer.difference, dearer.refund), (gbp(1000), None));
    assert_eq!(dearer.lines[0].total, gbp(1000));
    let cheaper = exchange_terms(vec![draft_line(500, 2)], gbp(1500), gbp_currency());
    let cheaper = cheaper.unwrap_or_else(|_| unreachable!());
    assert_eq!((cheaper.difference, cheaper.refund), (gbp(-500), Some(gbp(500))));
}

fn address() -> Address {
    Address {
        name: "Ada".into(),
        company: None,
        line1: "1 Road".into(),
        line2: None,
        city: "London".into(),
        region: None,
        postal_code: Some("N1 1AA".into()),
        country: "GB".into(),
        phone: None,
    }
}

#[test]
fn a_replacement_order_copies_the_customer_and_charges_no_shipping() {
    let of = ReplacedOrder {
        channel: "web".into(),
        currency: gbp_currency(),
        customer: Customer {
            email: "ada@example.com".into(),
            name: "Ada".into(),
            phone: None,
        },
        shipping_address: address(),
        billing_address: address(),
        service_level: ServiceLevel::ALL[0],
        priority: 3,
    };
    let exchange = ReplacementFor::Exchange("RMA-7");
    let draft = replacement_order(&of, exchange, vec![draft_line(1000, 2)], "for RMA-7".into());
    let draft = draft.unwrap_or_else(|_| unreachable!());
    assert_eq!(draft.external_id.as_deref(), Some("RMA-7-EXCHANGE"));
    assert_eq!(draft.tags, ["exchange"]);
    assert_eq!((draft.shipping, draft.shipping_tax), (gbp(0), gbp(0)));
    assert_eq!(draft.totals.total, gbp(2000));
    assert_eq!((draft.channel.as_str(), draft.priority), ("web", 3));
    assert_eq!(draft.customer, of.customer);
    let claim = ReplacementFor::Claim("clm_1");
    assert_eq!((claim.external_id().as_str(), claim.tag()), ("clm_1", "claim"));
}

fn pid(n: u8) -> ProductId {
    ProductId::new_at(Timestamp::UNIX_EPOCH + jiff::SignedDuration::from_secs(i64::from(n)))
}

#[test]
fn the_report_ranks_skus_by_return_rate() {
    let (tee, mug, cap) = (pid(1), pid(2), pid(3));
    let units = |sku: &str, product_id: &ProductId, units: i64| SkuUnits {
        sku: sku.into(),
        product_id: product_id.clone(),
        units,
    };
    let shipped = [units("TEE", &tee, 6), units("TEE", &tee, 2), units("MUG", &mug, 3)];
    let returned = [
        (ReturnReason::TooSmall, units("TEE", &tee, 2)),
        (ReturnReason::Damaged, units("MUG", &mug, 1)),
        (ReturnReason::Other, units("CAP", &cap, 1)),
    ];
    let rates = return_rates(&shipped, &returned);
    let got: Vec<(&str, i64, i64, f64)> = rates
        .iter()
        .map(|r| (r.sku.as_str(), r.shipped, r.returned, r.rate))
        .collect();
    assert_eq!(got, [("MUG", 3, 1, 0.3333), ("TEE", 8, 2, 0.25), ("CAP", 0, 1, 0.0)]);
    assert_eq!(rates[1].product_id, tee);
    assert_eq!(rates[1].by_reason.get(&ReturnReason::TooSmall), Some(&2));
}

#[test]
fn only_an_authorized_return_has_a_label() {
    let to = address();
    let when = at("2026-11-20T10:00:00Z");
    assert_eq!(label("RMA-1", Some(when), Some(&to)), Ok((&to, when)));
    let none = label("RMA-1", None, Some(&to)).err();
    assert_eq!(
        none.map(|e| e.to_string()),
        Some("return RMA-1 is not authorized: it has no label".into())
    );
    assert!(label("RMA-1", Some(when), None).is_err());
    assert_eq!(rma_number(100_001), "RMA-100001");
}

#[test]
fn operator_inputs_check_their_notes() {
    let auth = AuthorizeInput {
        location: Some("LON".into()),
        note: Some("  drop off  ".into()),
    };
    assert_eq!(
        auth.parse(),
        Ok(Authorization {
            location: Some("LON".into()),
            note: Some("drop off".into())
        })
    );
    let long = AuthorizeInput {
        location: None,
        note: Some("x".repeat(1001)),
    };
    assert_eq!(long.parse().err().unwrap_or_default()[0].field, "/note");
    let empty = RejectInput { note: None };
    assert_eq!(empty.rejection().err().unwrap_or_default()[0].code, "required");
    assert_eq!(empty.cancellation(), Ok(None));
    let why = RejectInput {
        note: Some("worn".into()),
    };
    assert_eq!(why.rejection(), Ok("worn".into()));
}

proptest! {
    /// A line never gives more than it shipped, and what it gives plus what returns and
    /// claims took is what shipped whenever it is not overdrawn.
    #[test]
    fn returnable_units_are_shipped_less_taken(
        quantity in 0i64..50,
        on_returns in 0i64..50,
        claimed in 0i64..50,
        went in any::<bool>(),
    ) {
        let status = if went { LineStatus::Delivered } else { LineStatus::Allocated };
        let line = ReturnableLine::from_facts(facts(status, quantity, on_returns, claimed));
        prop_assert!(line.returnable() >= 0);
        prop_assert!(line.returnable() <= line.shipped);
        if !line.overdrawn() {
            prop_assert_eq!(line.returnable() + on_returns + claimed, line.shipped);
        }
    }

    /// The credit an exchange uses plus what it refunds is the credit, and the
    /// replacement then charges the gross price less the credit used.
    #[test]
    fn exchange_credit_is_used_or_refunded(
        prices in proptest::collection::vec((0i64..10_000, 1i64..4), 1..5),
        credit in 0i64..40_000,
    ) {
        let lines: Vec<LineDraft> = prices.iter().map(|(p, n)| draft_line(*p, *n)).collect();
        let gross: i64 = prices.iter().map(|(p, n)| p * n).sum();
        let terms = exchange_terms(lines, gbp(credit), gbp_currency()).unwrap_or_else(|_| unreachable!());
        let refunded = terms.refund.map_or(0, |m| m.amount);
        let charged: i64 = terms.lines.iter().map(|l| l.total.amount).sum();
        prop_assert_eq!(terms.difference, gbp(gross - credit));
        prop_assert_eq!(charged, gross - (credit - refunded));
        prop_assert!(charged >= 0 && refunded >= 0);
        prop_assert!(refunded == 0 || charged == 0);
    }

    /// The rate is between 0 and returned/shipped rounded, and 0 with nothing shipped.
    #[test]
    fn the_rate_is_the_share_returned(returned in 0i64..10_000, shipped in 0i64..10_000) {
        let rate = return_rate(returned, shipped);
        if shipped == 0 {
            prop_assert_eq!(rate, 0.0);
        } else {
            // Rounded to four decimals: at most half of the fourth decimal off, give or take
            // the float error of a ratio as large as 10 000 (a tie such as 1339 / 32 is
            // exactly half off, plus that error).
            prop_assert!((rate - returned as f64 / shipped as f64).abs() <= 0.00005 + 1e-9);
        }
    }
}

#[test]
fn items_go_back_by_default_to_where_the_first_line_last_left_from() {
    let (lon, man, bri) = (
        LocationId::new_at(at("2026-01-01T00:00:00Z")),
        LocationId::new_at(at("2026-01-02T00:00:00Z")),
        LocationId::new_at(at("2026-01-03T00:00:00Z")),
    );
    let from = |line_no: i64, shipped_at: &str, location: &LocationId| ShippedFrom {
        line_no,
        shipped_at: at(shipped_at),
        location: location.clone(),
    };
    let shipments = [
        from(2, "2026-11-10T00:00:00Z", &bri),
        from(1, "2026-11-10T00:00:00Z", &lon),
        from(1, "2026-11-12T00:00:00Z", &man),
    ];
    assert_eq!(default_location(&shipments), Some(man));
    assert_eq!(default_location(&[]), None);
}
