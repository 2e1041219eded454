use switchyard_core::Money;
use switchyard_core::money::Currency;

use super::*;
use crate::ebay::model::OrderPage;

const PAGE: &str = include_str!("../../../tests/data/ebay/getOrders_page.json");

fn page() -> OrderPage {
    serde_json::from_str(PAGE).unwrap()
}

fn usd(cents: i64) -> Option<Money> {
    Some(Money::new(cents, Currency::parse("USD").unwrap()))
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn the_order(notices: &[Notice]) -> &OrderInput {
    match &notices[0] {
        Notice::Order(o) => o,
        other => panic!("expected an order first, got {other:?}"),
    }
}

#[test]
fn a_multi_line_order_maps_every_field() {
    let notices = notices("ebay-us", &page().orders[0]).unwrap();
    assert_eq!(notices.len(), 1, "neither cancelled nor refunded: {notices:?}");
    let o = the_order(&notices);
    assert_eq!(o.channel, s("ebay-us"));
    assert_eq!(o.external_id, s("12-34567-00001"));
    assert_eq!(o.placed_at, s("2026-11-20T14:03:00.000Z"));
    assert_eq!(o.currency, s("USD"));
    let c = o.customer.as_ref().unwrap();
    assert_eq!(c.email, s("ann@example.com"));
    assert_eq!(c.name, s("Ann Example"));
    assert_eq!(c.phone, s("2175550100"), "the registration address's phone");
    let ship = o.shipping_address.as_ref().unwrap();
    assert_eq!(
        (
            ship.name.clone(),
            ship.company.clone(),
            ship.line1.clone(),
            ship.line2.clone()
        ),
        (
            s("Ann Example"),
            s("Example Studio LLC"),
            s("400 Lake Avenue"),
            s("Suite 5")
        )
    );
    assert_eq!(
        (
            ship.city.clone(),
            ship.region.clone(),
            ship.postal_code.clone(),
            ship.country.clone()
        ),
        (s("Chicago"), s("IL"), s("60601"), s("US"))
    );
    assert_eq!(ship.phone, s("3125550199"));
    let bill = o.billing_address.as_ref().unwrap();
    assert_eq!(
        (
            bill.name.clone(),
            bill.line1.clone(),
            bill.city.clone(),
            bill.region.clone()
        ),
        (s("Ann Example"), s("12 Market Street"), s("Springfield"), s("IL"))
    );
    assert_eq!((bill.postal_code.clone(), bill.country.clone()), (s("62701"), s("US")));
    let lines = o.lines.as_ref().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].sku, s("TEE-ORG-M"));
    assert_eq!(lines[0].quantity, Some(2));
    assert_eq!(lines[0].unit_price, usd(2000), "lineItemCost 40.0 is for both units");
    assert_eq!(lines[0].discount, usd(400), "40.0 - discountedLineItemCost 36.0");
    assert_eq!(lines[0].tax, usd(288), "eBay-collected sales tax is the line's tax");
    assert_eq!(lines[0].external_id, s("10000000000101"));
    assert_eq!(lines[1].sku, s("MUG-BLU"));
    assert_eq!(lines[1].quantity, Some(1));
    assert_eq!(lines[1].unit_price, usd(1250));
    assert_eq!(lines[1].discount, usd(0));
    assert_eq!(lines[1].tax, usd(100));
    assert_eq!(lines[1].external_id, s("10000000000102"));
    let shipping = o.shipping.as_ref().unwrap();
    assert_eq!((shipping.amount, shipping.tax), (usd(500), None));
    let t = o.totals.as_ref().unwrap();
    assert_eq!((t.subtotal, t.discount, t.tax), (usd(5250), usd(400), usd(388)));
    assert_eq!((t.shipping, t.total), (usd(500), usd(5738)));
    let draft = o.parse().unwrap();
    assert_eq!(
        draft.totals.total.amount, 5738,
        "our arithmetic agrees with eBay's total"
    );
}

#[test]
fn a_global_shipping_order_ships_to_the_centre_with_import_charges_in_shipping() {
    let notices = notices("ebay-us", &page().orders[1]).unwrap();
    assert_eq!(notices.len(), 1);
    let o = the_order(&notices);
    assert_eq!(o.external_id, s("12-34567-00002"));
    assert_eq!(o.placed_at, s("2026-11-21T09:30:00.000Z"));
    let c = o.customer.as_ref().unwrap();
    assert_eq!(
        (c.email.clone(), c.name.clone()),
        (s("bea@example.com"), s("Bea Example"))
    );
    assert_eq!(c.phone, s("+44 20 7946 0000"));
    assert_eq!(
        serde_json::to_value(o.shipping_address.as_ref().unwrap()).unwrap(),
        serde_json::json!({
            "name": "Bea Example",
            "company": null,
            "line1": "c/o Global Shipping Center",
            "line2": "Reference 5500000002",
            "city": "Erlanger",
            "region": "KY",
            "postal_code": "41025",
            "country": "US",
            "phone": null,
        }),
        "the Global Shipping centre, not the buyer's final address"
    );
    let bill = o.billing_address.as_ref().unwrap();
    assert_eq!(
        (bill.line1.clone(), bill.country.clone()),
        (s("1 Example Road"), s("GB"))
    );
    let line = &o.lines.as_ref().unwrap()[0];
    assert_eq!((line.sku.clone(), line.quantity), (s("HAT-GRY"), Some(3)));
    assert_eq!((line.unit_price, line.discount, line.tax), (usd(1500), usd(0), usd(0)));
    assert_eq!(line.external_id, s("10000000000201"));
    assert_eq!(
        o.shipping.as_ref().unwrap().amount,
        usd(2730),
        "18.0 postage + 9.3 import charges"
    );
    let t = o.totals.as_ref().unwrap();
    assert_eq!(
        (t.subtotal, t.total, t.discount, t.tax),
        (usd(4500), usd(7230), None, None)
    );
    assert_eq!(o.parse().unwrap().totals.total.amount, 7230);
}

#[test]
fn a_cancelled_refunded_order_is_an_order_a_cancellation_and_one_refund() {
    let notices = notices("ebay-us", &page().orders[2]).unwrap();
    assert_eq!(notices.len(), 3, "{notices:?}");
    let o = the_order(&notices);
    assert_eq!(o.external_id, s("12-34567-00003"));
    let c = o.customer.as_ref().unwrap();
    assert_eq!(
        c.email,
        s("cy@example.com"),
        "no registration address: the ship-to email"
    );
    assert_eq!(c.name, s("Cy Example"));
    assert_eq!(c.phone, None, "primaryPhone {{}} is no phone");
    assert!(o.billing_address.is_none(), "billing defaults to shipping");
    let ship = o.shipping_address.as_ref().unwrap();
    assert_eq!(ship.city, s("Mülheim an der Ruhr"));
    assert_eq!(ship.country, s("DE"));
    assert_eq!(o.lines.as_ref().unwrap()[0].unit_price, usd(1599));
    assert_eq!(o.shipping.as_ref().unwrap().amount, usd(550));
    assert_eq!(o.parse().unwrap().totals.total.amount, 2149);
    match &notices[1] {
        Notice::Cancelled { external_id, reason } => {
            assert_eq!(external_id, "12-34567-00003");
            assert_eq!(reason.as_deref(), Some("OUT_OF_STOCK_OR_CANNOT_FULFILL"));
        }
        other => panic!("expected a cancellation, got {other:?}"),
    }
    match &notices[2] {
        Notice::Refunded(r) => {
            assert_eq!(r.external_id, "12-34567-00003");
            assert_eq!(r.refund_id, "5300000003", "listed at order and line level, told once");
            assert_eq!(Some(r.amount), usd(2149));
        }
        other => panic!("expected a refund, got {other:?}"),
    }
}

#[test]
fn an_order_level_discount_and_tax_are_spread_over_the_lines_by_price() {
    let mut order = page().orders[0].clone();
    for line in &mut order.line_items {
        line.discounted_line_item_cost = None;
        line.applied_promotions.clear();
        line.taxes.clear();
    }
    let o = order_input("ebay-us", &order).unwrap();
    let lines = o.lines.unwrap();
    // 4.00 over gross 40.00 and 12.50; 3.88 likewise; each adds up exactly.
    assert_eq!((lines[0].discount, lines[1].discount), (usd(305), usd(95)));
    assert_eq!((lines[0].tax, lines[1].tax), (usd(296), usd(92)));
}

#[test]
fn what_cannot_be_an_order_is_unmappable_by_field() {
    let mut order = page().orders[0].clone();
    order.line_items[0].sku = None;
    order.line_items[1].quantity = 0; // no unit price makes up a line of no units
    order.line_items[1].taxes[0].amount.as_mut().unwrap().currency = "EUR".into();
    match order_input("ebay-us", &order) {
        Err(ChannelError::Unmappable { external_id, errors }) => {
            assert_eq!(external_id, "12-34567-00001");
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert!(fields.contains(&"/lines/0/sku"), "{fields:?}");
            assert!(fields.contains(&"/lines/1/unit_price"), "{fields:?}");
            assert!(fields.contains(&"/lines/1/tax"), "{fields:?}");
        }
        other => panic!("expected Unmappable, got {other:?}"),
    }
    let mut order = page().orders[0].clone();
    order.pricing_summary.as_mut().unwrap().total.as_mut().unwrap().currency = "ZZZ".into();
    assert!(matches!(
        order_input("ebay-us", &order),
        Err(ChannelError::Unmappable { errors, .. }) if errors[0].field == "/currency"
    ));
}

#[test]
fn a_total_that_disagrees_with_the_lines_is_refused() {
    let mut order = page().orders[1].clone();
    order.pricing_summary.as_mut().unwrap().total.as_mut().unwrap().value = "72.31".into();
    match order_input("ebay-us", &order) {
        Err(ChannelError::Unmappable { errors, .. }) => {
            assert!(
                errors
                    .iter()
                    .any(|e| e.field == "/totals/total" && e.code == "totals_mismatch")
            );
        }
        other => panic!("expected Unmappable, got {other:?}"),
    }
}

#[test]
fn a_total_without_the_remitted_tax_is_taken_as_older_orders_write_it() {
    let mut order = page().orders[0].clone();
    let summary = order.pricing_summary.as_mut().unwrap();
    summary.tax = None;
    summary.total.as_mut().unwrap().value = "53.5".into(); // 57.38 less 3.88 remitted
    let o = order_input("ebay-us", &order).unwrap();
    assert_eq!(
        o.totals.unwrap().total,
        usd(5738),
        "the buyer paid the tax all the same"
    );

    order.pricing_summary.as_mut().unwrap().total.as_mut().unwrap().value = "53.49".into();
    assert!(matches!(
        order_input("ebay-us", &order),
        Err(ChannelError::Unmappable { errors, .. }) if errors.iter().any(|e| e.field == "/totals/total")
    ));
}
