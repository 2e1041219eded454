use serde_json::{Value, json};
use switchyard_core::catalog::AddressInput;

use super::*;

fn data(name: &str) -> Value {
    let path = format!("{}/tests/data/shopify/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn order(value: Value) -> Order {
    serde_json::from_value(value).unwrap()
}

/// Order #1001 with totals that add up: the list fixture's order with the line items
/// and shipping lines of the single-order fixture (see tests/data/shopify/SOURCES.md).
fn order_1001() -> Value {
    let mut order = data("shopify_python_api_orders.json")["orders"][0].clone();
    let single = data("shopify_python_api_order.json")["order"].clone();
    for key in ["line_items", "shipping_lines", "tax_lines"] {
        order[key] = single[key].clone();
    }
    order
}

fn usd(amount: i64) -> Option<Money> {
    Some(Money::new(amount, Currency::parse("USD").unwrap()))
}

fn gbp(amount: i64) -> Option<Money> {
    Some(Money::new(amount, Currency::parse("GBP").unwrap()))
}

fn fields(e: ChannelError) -> Vec<(String, &'static str)> {
    match e {
        ChannelError::Unmappable { errors, .. } => errors.into_iter().map(|e| (e.field, e.code)).collect(),
        other => panic!("expected Unmappable, got {other:?}"),
    }
}

fn bob_norman_at(phone: &str) -> AddressInput {
    AddressInput {
        name: Some("Bob Norman".into()),
        company: None,
        line1: Some("Chestnut Street 92".into()),
        line2: None,
        city: Some("Louisville".into()),
        region: Some("KY".into()),
        postal_code: Some("40202".into()),
        country: Some("US".into()),
        phone: Some(phone.into()),
    }
}

fn same_address(a: &Option<AddressInput>, b: &AddressInput) {
    let a = a.as_ref().expect("an address");
    assert_eq!(
        (&a.name, &a.company, &a.line1, &a.line2, &a.city),
        (&b.name, &b.company, &b.line1, &b.line2, &b.city)
    );
    assert_eq!(
        (&a.region, &a.postal_code, &a.country, &a.phone),
        (&b.region, &b.postal_code, &b.country, &b.phone)
    );
}

#[test]
fn the_fixture_order_maps_field_by_field_with_its_order_level_tax_and_discount_split() {
    let input = order_input("shopify-main", &order(order_1001())).unwrap();
    assert_eq!(input.channel.as_deref(), Some("shopify-main"));
    assert_eq!(input.external_id.as_deref(), Some("450789469"));
    assert_eq!(
        input.placed_at.as_deref(),
        Some("2008-01-10T16:00:00Z"),
        "processed_at in UTC"
    );
    assert_eq!(input.currency.as_deref(), Some("USD"));
    let customer = input.customer.clone().unwrap();
    assert_eq!(customer.email.as_deref(), Some("bob.norman@hostmail.com"));
    assert_eq!(customer.name.as_deref(), Some("Bob Norman"));
    assert_eq!(customer.phone.as_deref(), Some("+557734881234"));
    same_address(&input.shipping_address, &bob_norman_at("555-625-1199"));
    same_address(&input.billing_address, &bob_norman_at("555-625-1199"));
    let lines = input.lines.clone().unwrap();
    let got: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l.sku.as_deref().unwrap(),
                l.quantity.unwrap(),
                l.unit_price,
                l.discount,
                l.tax,
                l.external_id.as_deref().unwrap(),
            )
        })
        .collect();
    // The order's 10.00 discount and its 11.94 State Tax, split by each line's 199.00.
    assert_eq!(
        got,
        vec![
            ("IPOD2008GREEN", 1, usd(19900), usd(334), usd(398), "466157049"),
            ("IPOD2008RED", 1, usd(19900), usd(333), usd(398), "518995019"),
            ("IPOD2008BLACK", 1, usd(19900), usd(333), usd(398), "703073504"),
        ]
    );
    let shipping = input.shipping.clone().unwrap();
    assert_eq!((shipping.amount, shipping.tax), (usd(0), usd(0)), "Free Shipping");
    let totals = input.totals.clone().unwrap();
    assert_eq!(
        (totals.subtotal, totals.discount, totals.tax, totals.total),
        (usd(59700), usd(1000), usd(1194), usd(59894))
    );
    assert_eq!(input.notes, None);
    assert_eq!(input.tags, Some(vec![]));
    let draft = input.parse().expect("the channel's totals match ours");
    assert_eq!(draft.totals.total.amount, 59894);
    assert_eq!(draft.lines.iter().map(|l| l.total.amount).sum::<i64>(), 59894);
}

#[test]
fn a_fixture_whose_totals_do_not_add_up_is_refused_by_field() {
    // Three lines at 199.00 are 597.00; the fixture claims 398.00 and 409.94.
    let single = order(data("shopify_python_api_order.json")["order"].clone());
    let errors = fields(order_input("shopify", &single).unwrap_err());
    assert_eq!(
        errors,
        vec![
            ("/totals/subtotal".to_owned(), "totals_mismatch"),
            ("/totals/total".to_owned(), "totals_mismatch")
        ]
    );
}

#[test]
fn lines_without_a_sku_are_unmappable_not_a_panic() {
    let test_notification = order(data("go_shopify_order_test_notification.json")["order"].clone());
    let errors = fields(notices_for_order("shopify", &test_notification).unwrap_err());
    assert_eq!(
        errors,
        vec![
            ("/lines/0/sku".to_owned(), "required"),
            ("/lines/1/sku".to_owned(), "required")
        ]
    );
}

#[test]
fn a_cancelled_order_is_the_order_and_its_cancellation() {
    let mut value = data("go_shopify_order_test_notification.json")["order"].clone();
    value["line_items"][0]["sku"] = json!("SODA");
    value["line_items"][1]["sku"] = json!("BEER");
    let notices = notices_for_order("shopify", &order(value)).unwrap();
    assert_eq!(notices.len(), 2, "{notices:?}");
    let Notice::Order(input) = &notices[0] else {
        panic!("{notices:?}")
    };
    assert_eq!(input.placed_at.as_deref(), Some("2016-05-17T04:14:36Z"), "created_at");
    let lines = input.lines.clone().unwrap();
    assert_eq!((lines[0].unit_price, lines[0].discount), (usd(0), usd(0)));
    assert_eq!(
        (lines[1].unit_price, lines[1].discount, lines[1].tax),
        (usd(500), usd(500), usd(0)),
        "the line's own total_discount"
    );
    assert_eq!(lines[1].external_id.as_deref(), Some("5"));
    let customer = input.customer.clone().unwrap();
    assert_eq!(
        (
            customer.email.as_deref(),
            customer.name.as_deref(),
            customer.phone.as_deref()
        ),
        (Some("jon@doe.ca"), Some("John Smith"), Some("555-555-BILL"))
    );
    let ship = input.shipping_address.clone().unwrap();
    assert_eq!(
        (
            ship.name.as_deref(),
            ship.company.as_deref(),
            ship.line1.as_deref(),
            ship.line2
        ),
        (
            Some("Steve Shipper"),
            Some("Shipping Company"),
            Some("123 Shipping Street"),
            None
        )
    );
    let bill = input.billing_address.clone().unwrap();
    assert_eq!(
        (bill.name.as_deref(), bill.city.as_deref()),
        (Some("Bob Biller"), Some("Billtown"))
    );
    assert_eq!(input.shipping.clone().unwrap().amount, usd(1000));
    assert_eq!(input.parse().unwrap().totals.total.amount, 1000);
    assert!(
        matches!(&notices[1], Notice::Cancelled { external_id, reason } if external_id == "123456" && reason.as_deref() == Some("customer")),
        "{notices:?}"
    );
}

/// A VAT-inclusive order of our own (fake customer): 3 × 12.00 with 6.00 VAT inside,
/// less a 3.60 discount (5.40 VAT left inside), 2 × 9.99 with 3.33 VAT inside, and
/// 4.99 shipping with 0.83 VAT inside.
fn vat_inclusive_order() -> Value {
    json!({
        "id": 5550001, "email": "ann@example.com", "currency": "GBP", "taxes_included": true,
        "created_at": "2026-03-01T10:00:00+00:00",
        "total_line_items_price": "55.98", "total_discounts": "3.60",
        "total_tax": "9.56", "total_price": "57.37",
        "tax_lines": [{"price": "9.56", "rate": 0.2, "title": "VAT"}],
        "line_items": [
            {"id": 1, "sku": "MUG-RED", "quantity": 3, "price": "12.00",
             "discount_allocations": [{"amount": "3.60", "discount_application_index": 0}],
             "tax_lines": [{"price": "5.40", "rate": 0.2, "title": "VAT"}]},
            {"id": 2, "sku": "MUG-BLUE", "quantity": 2, "price": "9.99", "discount_allocations": [],
             "tax_lines": [{"price": "3.33", "rate": 0.2, "title": "VAT"}]}
        ],
        "shipping_lines": [{"price": "4.99", "tax_lines": [{"price": "0.83", "rate": 0.2, "title": "VAT"}]}],
        "shipping_address": {"first_name": "Ann", "last_name": "Example", "address1": "1 Example Road",
            "city": "Leeds", "zip": "LS1 1AA", "country_code": "gb", "province": ""},
        "customer": {"first_name": "Ann", "last_name": "Example"}
    })
}

#[test]
fn prices_that_include_tax_are_taken_net_so_tax_is_counted_once() {
    let input = order_input("shopify", &order(vat_inclusive_order())).unwrap();
    let lines = input.lines.clone().unwrap();
    // (36.00 - 5.40) / 3 = 10.20 net each; 2 x 9.99 - 3.33 = 16.65 is 8.33 each with
    // 0.01 taken back as discount.
    assert_eq!(
        (lines[0].unit_price, lines[0].discount, lines[0].tax),
        (gbp(1020), gbp(360), gbp(540))
    );
    assert_eq!(
        (lines[1].unit_price, lines[1].discount, lines[1].tax),
        (gbp(833), gbp(1), gbp(333))
    );
    let shipping = input.shipping.clone().unwrap();
    assert_eq!((shipping.amount, shipping.tax), (gbp(416), gbp(83)));
    let totals = input.totals.clone().unwrap();
    assert_eq!(
        (totals.subtotal, totals.discount),
        (None, None),
        "Shopify's subtotal includes tax"
    );
    let ship = input.shipping_address.clone().unwrap();
    assert_eq!((ship.country.as_deref(), ship.region), (Some("GB"), None));
    assert!(
        input.billing_address.is_none(),
        "the order's parse uses the shipping address"
    );
    let draft = input.parse().unwrap();
    assert_eq!((draft.totals.tax.amount, draft.totals.total.amount), (956, 5737));
}

#[test]
fn an_unknown_currency_or_a_bad_amount_is_unmappable_by_field() {
    let mut value = vat_inclusive_order();
    value["currency"] = json!("ZZZ");
    assert_eq!(
        fields(order_input("shopify", &order(value)).unwrap_err())[0].0,
        "/currency"
    );
    let mut value = vat_inclusive_order();
    value["line_items"][1]["price"] = json!("9.999");
    assert_eq!(
        fields(order_input("shopify", &order(value)).unwrap_err()),
        vec![("/lines/1/unit_price".to_owned(), "invalid_amount")]
    );
}

#[test]
fn a_refund_is_the_money_its_successful_refund_transactions_paid() {
    let refund: Refund = serde_json::from_value(data("shopify_python_api_refund.json")["refund"].clone()).unwrap();
    let Some(Notice::Refunded(r)) = refund_notice(&refund, None, None).unwrap() else {
        panic!()
    };
    assert_eq!(
        r,
        ChannelRefund {
            external_id: "450789469".into(),
            refund_id: "509562969".into(),
            amount: usd(20900).unwrap(),
            reason: Some("it broke during shipping".into()),
        }
    );
    let mut failed = data("shopify_python_api_refund.json")["refund"].clone();
    failed["transactions"][0]["status"] = json!("failure");
    let failed: Refund = serde_json::from_value(failed).unwrap();
    assert!(
        refund_notice(&failed, None, None).unwrap().is_none(),
        "nothing was paid back"
    );
}

#[test]
fn an_order_with_refunds_is_also_each_refund() {
    let mut value = order_1001();
    value["refunds"] = json!([data("shopify_python_api_refund.json")["refund"].clone()]);
    let notices = notices_for_order("shopify", &order(value)).unwrap();
    assert_eq!(notices.len(), 2);
    assert!(matches!(&notices[1], Notice::Refunded(r) if r.amount.amount == 20900 && r.refund_id == "509562969"));
}

#[test]
fn variants_with_a_sku_are_the_listings() {
    let products: Vec<Product> = serde_json::from_value(json!([
        {"id": 1, "variants": [
            {"id": 39072856, "sku": "IPOD2008GREEN", "inventory_item_id": 39072856},
            {"id": 49148385, "sku": "", "inventory_item_id": 49148385}]},
        {"id": 2, "variants": [{"id": 808950810, "sku": "IPOD2008PINK", "inventory_item_id": null}]}
    ]))
    .unwrap();
    assert_eq!(
        listings(&products),
        vec![
            Listing {
                sku: "IPOD2008GREEN".into(),
                listing_id: "39072856".into(),
                item_id: Some("39072856".into())
            },
            Listing {
                sku: "IPOD2008PINK".into(),
                listing_id: "808950810".into(),
                item_id: None
            },
        ]
    );
}
