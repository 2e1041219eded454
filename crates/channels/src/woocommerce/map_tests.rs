//! The mapping against WooCommerce's documented order (`wc_v3_*`, Apache-2.0) and two
//! orders of our own written from its documentation (VAT-inclusive GBP with a coupon,
//! a fee and a refund; a cancelled EUR order with no shipping address and a negative
//! fee), every field checked.

use serde_json::Value;
use switchyard_core::catalog::AddressInput;
use switchyard_core::money::{Currency, Money};

use super::*;
use crate::woocommerce::model::Order;

const RETRIEVED: &str = include_str!("../../tests/data/woocommerce/wc_v3_retrieve_order_response.json");
const LISTED: &str = include_str!("../../tests/data/woocommerce/wc_v3_list_orders_response.json");
const VAT_INCLUSIVE: &str = include_str!("../../tests/data/woocommerce/switchyard_vat_inclusive_order.json");
const CANCELLED: &str = include_str!("../../tests/data/woocommerce/switchyard_cancelled_virtual_order.json");

fn order(json: &str) -> Order {
    serde_json::from_str(json).unwrap()
}

fn with(json: &str, change: impl FnOnce(&mut Value)) -> Order {
    let mut value: Value = serde_json::from_str(json).unwrap();
    change(&mut value);
    serde_json::from_value(value).unwrap()
}

fn money(amount: i64, currency: &str) -> Option<Money> {
    Some(Money::new(amount, Currency::parse(currency).unwrap()))
}

fn fields(error: ChannelError) -> Vec<String> {
    match error {
        ChannelError::Unmappable { errors, .. } => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("not unmappable: {other:?}"),
    }
}

fn assert_address(a: &AddressInput, expected: [Option<&str>; 9]) {
    let got = [
        a.name.as_deref(),
        a.company.as_deref(),
        a.line1.as_deref(),
        a.line2.as_deref(),
        a.city.as_deref(),
        a.region.as_deref(),
        a.postal_code.as_deref(),
        a.country.as_deref(),
        a.phone.as_deref(),
    ];
    assert_eq!(got, expected);
}

#[test]
fn the_documented_order_maps_every_field_once_its_lines_have_skus() {
    let o = with(RETRIEVED, |v| v["line_items"][0]["sku"] = "WOO-SINGLE-1".into());
    let input = order_input("woo", &o).unwrap();
    let usd = |a| money(a, "USD");
    assert_eq!(input.channel.as_deref(), Some("woo"));
    assert_eq!(input.external_id.as_deref(), Some("727"));
    assert_eq!(input.placed_at.as_deref(), Some("2017-03-22T19:28:02Z"));
    assert_eq!(input.currency.as_deref(), Some("USD"));
    let customer = input.customer.as_ref().unwrap();
    assert_eq!(customer.email.as_deref(), Some("john.doe@example.com"));
    assert_eq!(customer.name.as_deref(), Some("John Doe"));
    assert_eq!(customer.phone.as_deref(), Some("(555) 555-5555"));
    let market = [
        Some("John Doe"),
        None,
        Some("969 Market"),
        None,
        Some("San Francisco"),
        Some("CA"),
        Some("94103"),
        Some("US"),
    ];
    let [a, b, c, d, e, f, g, h] = market;
    assert_address(input.shipping_address.as_ref().unwrap(), [a, b, c, d, e, f, g, h, None]);
    assert_address(
        input.billing_address.as_ref().unwrap(),
        [a, b, c, d, e, f, g, h, Some("(555) 555-5555")],
    );
    let lines = input.lines.as_ref().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].sku.as_deref(), Some("WOO-SINGLE-1"));
    assert_eq!(lines[0].quantity, Some(2));
    assert_eq!(lines[0].unit_price, usd(300));
    assert_eq!(lines[0].discount, usd(0));
    assert_eq!(lines[0].tax, usd(45));
    assert_eq!(lines[0].external_id.as_deref(), Some("315"));
    assert_eq!(lines[1].sku.as_deref(), Some("Bar3"));
    assert_eq!(lines[1].quantity, Some(1));
    assert_eq!(lines[1].unit_price, usd(1200));
    assert_eq!(lines[1].discount, usd(0));
    assert_eq!(lines[1].tax, usd(90));
    assert_eq!(lines[1].external_id.as_deref(), Some("316"));
    let shipping = input.shipping.as_ref().unwrap();
    assert_eq!((shipping.amount, shipping.tax), (usd(1000), usd(0)));
    let totals = input.totals.as_ref().unwrap();
    assert_eq!(
        (
            totals.subtotal,
            totals.discount,
            totals.tax,
            totals.shipping,
            totals.total
        ),
        (None, usd(0), usd(135), usd(1000), usd(2935))
    );
    assert_eq!(input.notes, None);
    let draft = input.parse().unwrap();
    assert_eq!(draft.totals.total.amount, 2935);
    assert_eq!(draft.totals.subtotal.amount, 1800);
}

#[test]
fn a_line_without_a_sku_makes_the_order_unmappable_not_a_panic() {
    let error = order_input("woo", &order(RETRIEVED)).unwrap_err();
    assert_eq!(fields(error.clone()), ["/lines/0/sku"]);
    assert!(error.to_string().contains("727"), "{error}");
    let listed: Vec<Value> = serde_json::from_str(LISTED).unwrap();
    let second: Order = serde_json::from_value(listed[1].clone()).unwrap();
    assert_eq!(
        fields(notices("woo", &second).unwrap_err()),
        ["/lines/0/sku", "/lines/1/sku"]
    );
}

#[test]
fn refunds_are_read_positive_with_their_ids() {
    let listed: Vec<Value> = serde_json::from_str(LISTED).unwrap();
    let second: Order = serde_json::from_value(listed[1].clone()).unwrap();
    let refunds = refunds(&second).unwrap();
    let seen: Vec<_> = refunds
        .iter()
        .map(|r| {
            (
                r.external_id.as_str(),
                r.refund_id.as_str(),
                r.amount,
                r.reason.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("723", "726", money(1000, "USD").unwrap(), None),
            ("723", "724", money(900, "USD").unwrap(), None)
        ]
    );
}

#[test]
fn a_vat_inclusive_order_counts_tax_once_and_matches_woocommerce_total() {
    let input = order_input("woo", &order(VAT_INCLUSIVE)).unwrap();
    let gbp = |a| money(a, "GBP");
    assert_eq!(input.external_id.as_deref(), Some("1001"));
    assert_eq!(input.placed_at.as_deref(), Some("2026-11-20T14:03:00Z"));
    assert_eq!(input.currency.as_deref(), Some("GBP"));
    let customer = input.customer.as_ref().unwrap();
    assert_eq!(
        (
            customer.email.as_deref(),
            customer.name.as_deref(),
            customer.phone.as_deref()
        ),
        (Some("ann@example.com"), Some("Ann Example"), Some("+44 113 496 0000"))
    );
    assert_address(
        input.shipping_address.as_ref().unwrap(),
        [
            Some("Bob Example"),
            Some("Example Works Ltd"),
            Some("2 Example Road"),
            None,
            Some("Leeds"),
            Some("West Yorkshire"),
            Some("LS1 4AP"),
            Some("GB"),
            Some("+44 113 496 0001"),
        ],
    );
    assert_address(
        input.billing_address.as_ref().unwrap(),
        [
            Some("Ann Example"),
            None,
            Some("1 Sample Street"),
            Some("Flat 3"),
            Some("York"),
            None,
            Some("YO1 7HH"),
            Some("GB"),
            Some("+44 113 496 0000"),
        ],
    );
    let lines = input.lines.as_ref().unwrap();
    let seen: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l.sku.as_deref(),
                l.quantity,
                l.unit_price,
                l.discount,
                l.tax,
                l.external_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            // Net of VAT: 12.00 a tee with VAT is 10.00, the coupon took 3.00 off.
            (Some("TEE-ORG-M"), Some(3), gbp(1000), gbp(300), gbp(540), Some("2001")),
            // 10.00 for three does not divide: 3.34 each, the 0.02 given back.
            (Some("MUG-BLU"), Some(3), gbp(334), gbp(102), gbp(180), Some("2002")),
        ]
    );
    let shipping = input.shipping.as_ref().unwrap();
    // Shipping 4.00 + 0.80 VAT, and the gift wrap fee 2.50 + 0.50 VAT.
    assert_eq!((shipping.amount, shipping.tax), (gbp(650), gbp(130)));
    let totals = input.totals.as_ref().unwrap();
    assert_eq!(
        (totals.discount, totals.tax, totals.shipping, totals.total),
        (gbp(402), gbp(850), gbp(650), gbp(5100))
    );
    assert_eq!(input.notes.as_deref(), Some("Please leave with the neighbour"));
    let draft = input.parse().unwrap();
    assert_eq!(draft.totals.total, gbp(5100).unwrap());
    assert_eq!(draft.totals.tax, gbp(850).unwrap());

    let told = notices("woo", &order(VAT_INCLUSIVE)).unwrap();
    assert_eq!(told.len(), 2, "the order and its refund: {told:?}");
    let Notice::Refunded(refund) = &told[1] else {
        panic!("{told:?}")
    };
    assert_eq!(
        refund,
        &ChannelRefund {
            external_id: "1001".into(),
            refund_id: "905".into(),
            amount: gbp(1200).unwrap(),
            reason: Some("Damaged in transit".into()),
        }
    );
}

#[test]
fn a_cancelled_order_is_the_order_and_its_cancellation() {
    let told = notices("woo", &order(CANCELLED)).unwrap();
    assert_eq!(told.len(), 2, "{told:?}");
    let Notice::Order(input) = &told[0] else {
        panic!("{told:?}")
    };
    let eur = |a| money(a, "EUR");
    assert_eq!(input.placed_at.as_deref(), Some("2026-11-21T08:30:00Z"));
    // No shipping address (an e-book): the billing one.
    let koeln = [
        Some("Carla Beispiel"),
        None,
        Some("Musterweg 5"),
        None,
        Some("Köln"),
        None,
        Some("50667"),
        Some("DE"),
        None,
    ];
    assert_address(input.shipping_address.as_ref().unwrap(), koeln);
    assert_address(input.billing_address.as_ref().unwrap(), koeln);
    let customer = input.customer.as_ref().unwrap();
    assert_eq!(
        (customer.name.as_deref(), customer.phone.as_deref()),
        (Some("Carla Beispiel"), None)
    );
    let line = &input.lines.as_ref().unwrap()[0];
    // The -2.00 loyalty fee (-0.38 VAT) comes off the line.
    assert_eq!(
        (line.unit_price, line.discount, line.tax),
        (eur(2000), eur(200), eur(342))
    );
    let shipping = input.shipping.as_ref().unwrap();
    assert_eq!((shipping.amount, shipping.tax), (eur(0), eur(0)));
    assert_eq!(input.parse().unwrap().totals.total, eur(2142).unwrap());
    assert!(matches!(
        &told[1],
        Notice::Cancelled { external_id, reason: None } if external_id == "1002"
    ));
}

#[test]
fn an_unknown_currency_or_an_inexact_amount_is_named() {
    let o = with(VAT_INCLUSIVE, |v| v["currency"] = "XYZ".into());
    assert_eq!(fields(order_input("woo", &o).unwrap_err()), ["/currency"]);
    let o = with(VAT_INCLUSIVE, |v| {
        v["line_items"][1]["subtotal"] = "10.005".into();
        v["total"] = "lots".into();
    });
    assert_eq!(
        fields(order_input("woo", &o).unwrap_err()),
        ["/lines/1/unit_price", "/totals/total"]
    );
}

#[test]
fn a_draft_checkout_is_not_an_order() {
    let o = with(VAT_INCLUSIVE, |v| v["status"] = "checkout-draft".into());
    assert!(matches!(
        notices("woo", &o).unwrap().as_slice(),
        [Notice::Ignored { topic }] if topic == "order.checkout-draft"
    ));
}

/// The VAT-inclusive order with only its mug line, priced as `subtotal`/`tax` for
/// one, and WooCommerce's own tax and total for it.
fn one_line(subtotal: &str, tax: &str, total_tax: &str, total: &str) -> Order {
    with(VAT_INCLUSIVE, |v| {
        let mut line = v["line_items"][1].clone();
        line["quantity"] = 1.into();
        (line["subtotal"], line["total"], line["total_tax"]) = (subtotal.into(), subtotal.into(), tax.into());
        v["line_items"] = Value::Array(vec![line]);
        v["fee_lines"] = Value::Array(Vec::new());
        (v["discount_total"], v["total_tax"], v["total"]) = ("0.00".into(), total_tax.into(), total.into());
    })
}

#[test]
fn a_vat_inclusive_price_woocommerce_rounded_up_is_given_back_a_penny() {
    // 9.99 with 20% VAT is 8.325 + 1.665: WooCommerce sends 8.33 and 1.67, and
    // totals 9.99 + shipping 4.80 = 14.79.
    let input = order_input("woo", &one_line("8.33", "1.67", "2.47", "14.79")).unwrap();
    let gbp = |a| money(a, "GBP");
    let line = &input.lines.as_ref().unwrap()[0];
    assert_eq!((line.unit_price, line.discount, line.tax), (gbp(833), gbp(1), gbp(167)));
    let draft = input.parse().unwrap();
    assert_eq!(
        (draft.totals.total, draft.totals.discount),
        (gbp(1479).unwrap(), gbp(1).unwrap())
    );

    // Rounded down (8.3349 + 1.6649 = 9.9998, sent 8.33 and 1.66 of 10.00): a penny
    // more on the price.
    let input = order_input("woo", &one_line("8.33", "1.66", "2.46", "14.80")).unwrap();
    let line = &input.lines.as_ref().unwrap()[0];
    assert_eq!((line.unit_price, line.discount, line.tax), (gbp(834), gbp(0), gbp(166)));
    assert_eq!(input.parse().unwrap().totals.total, gbp(1480).unwrap());
}

#[test]
fn tax_rounded_at_the_order_lands_on_the_lines() {
    // Line tax 0.4549 sent as 0.45, shipping tax 0.8049 as 0.80; the order's tax,
    // rounded once, is 1.2598 → 1.26: one unit more than the figures add up to.
    let input = order_input("woo", &one_line("3.00", "0.45", "1.26", "8.26")).unwrap();
    let line = &input.lines.as_ref().unwrap()[0];
    assert_eq!(line.tax, money(46, "GBP"));
    assert_eq!(input.parse().unwrap().totals.tax, money(126, "GBP").unwrap());
}

#[test]
fn a_gap_larger_than_rounding_is_left_for_parse_to_refuse() {
    let input = order_input("woo", &one_line("8.33", "1.67", "2.47", "14.70")).unwrap();
    let errors = input.parse().unwrap_err();
    assert_eq!(
        errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        ["/totals/total"]
    );
}
