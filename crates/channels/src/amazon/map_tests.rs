use serde_json::{Value, json};
use switchyard_core::order::ServiceLevel;

use super::*;
use crate::amazon::model::{Envelope, ItemsPage, OrdersPage};

const SANDBOX_ORDERS: &str = include_str!("../../tests/data/amazon/getOrders_sandbox_TEST_CASE_200.json");
const SANDBOX_ITEMS: &str = include_str!("../../tests/data/amazon/getOrderItems_sandbox_TEST_CASE_200.json");
const ORDER: &str = include_str!("../../tests/data/amazon/getOrder_response_example.json");
const ITEMS: &str = include_str!("../../tests/data/amazon/getOrderItems_response_example.json");
const OWN_JP: &str = include_str!("../../tests/data/amazon/own_jp_cod_gift_order.json");

fn order(v: Value) -> Order {
    serde_json::from_value(v).unwrap()
}

fn items(text: &str) -> Vec<OrderItem> {
    serde_json::from_str::<Envelope<ItemsPage>>(text)
        .unwrap()
        .payload
        .order_items
}

fn sandbox_order() -> Value {
    let v: Value = serde_json::from_str(SANDBOX_ORDERS).unwrap();
    v["payload"]["Orders"][0].clone()
}

/// The sandbox order with the personal data a call with a restricted data token adds
/// (taken from the `getOrder` example).
fn sandbox_order_with_buyer() -> Value {
    let example: Value = serde_json::from_str(ORDER).unwrap();
    let mut o = sandbox_order();
    o["ShippingAddress"] = example["payload"]["ShippingAddress"].clone();
    o["BuyerInfo"] = example["payload"]["BuyerInfo"].clone();
    o
}

fn usd(amount: i64) -> Money {
    Money::new(amount, Currency::parse("USD").unwrap())
}

fn jpy(amount: i64) -> Money {
    Money::new(amount, Currency::parse("JPY").unwrap())
}

fn fields(err: ChannelError) -> Vec<(String, &'static str, String)> {
    match err {
        ChannelError::Unmappable { errors, .. } => errors.into_iter().map(|e| (e.field, e.code, e.message)).collect(),
        other => panic!("not unmappable: {other}"),
    }
}

#[test]
fn the_sandbox_order_maps_every_field_and_its_total_checks() {
    let o = order(sandbox_order_with_buyer());
    let input = order_input("amz", &o, &items(SANDBOX_ITEMS), None).unwrap();
    assert_eq!(input.channel.as_deref(), Some("amz"));
    assert_eq!(input.external_id.as_deref(), Some("902-1845936-5435065"));
    assert_eq!(input.placed_at.as_deref(), Some("1970-01-19T03:58:30Z"));
    assert_eq!(input.currency.as_deref(), Some("USD"));
    let customer = input.customer.clone().unwrap();
    assert_eq!(customer.email.as_deref(), Some("user@example.com"));
    assert_eq!(customer.name.as_deref(), Some("John Doe"));
    assert_eq!(customer.phone, None);
    let a = input.shipping_address.clone().unwrap();
    assert_eq!(a.name.as_deref(), Some("Michigan address"));
    assert_eq!(a.company, None);
    assert_eq!(a.line1.as_deref(), Some("1 Cross St."));
    assert_eq!(a.line2, None);
    assert_eq!(a.city.as_deref(), Some("Canton"));
    assert_eq!(a.region.as_deref(), Some("MI"));
    assert_eq!(a.postal_code.as_deref(), Some("48817"));
    assert_eq!(a.country.as_deref(), Some("US"));
    assert!(
        input.billing_address.is_none(),
        "Amazon gives none: the shipping address"
    );
    let lines = input.lines.clone().unwrap();
    assert_eq!(lines.len(), 1);
    let l = &lines[0];
    assert_eq!(l.sku.as_deref(), Some("NABetaASINB00551Q3CS"));
    assert_eq!(l.quantity, Some(1));
    assert_eq!(l.unit_price, Some(usd(1000)), "US prices exclude tax");
    assert_eq!(l.discount, Some(usd(0)));
    assert_eq!(l.tax, Some(usd(101)));
    assert_eq!(l.external_id.as_deref(), Some("05015851154158"));
    let s = input.shipping.clone().unwrap();
    assert_eq!((s.amount, s.tax), (Some(usd(0)), Some(usd(0))));
    assert_eq!(input.service_level, Some(ServiceLevel::Standard));
    assert_eq!(input.totals.as_ref().unwrap().total, Some(usd(1101)));

    let draft = input.parse().unwrap();
    assert_eq!(draft.totals.total, usd(1101), "our sum is Amazon's OrderTotal");
    assert_eq!(draft.totals.tax, usd(101));
    assert_eq!(draft.billing_address, draft.shipping_address);
}

#[test]
fn an_order_without_the_buyers_personal_data_is_unmappable_and_says_why() {
    let err = order_input("amz", &order(sandbox_order()), &items(SANDBOX_ITEMS), None).unwrap_err();
    assert_eq!(
        fields(err),
        vec![
            (
                "/customer/email".into(),
                "required",
                "Amazon gave no BuyerEmail (the app needs the buyerInfo data element)".into()
            ),
            (
                "/shipping_address".into(),
                "required",
                "Amazon gave no full ShippingAddress (the app needs the shippingAddress data element)".into()
            ),
        ]
    );
}

#[test]
fn a_yen_order_with_points_cod_and_gift_wrap_maps_net_of_vat_and_adds_up() {
    let own: Value = serde_json::from_str(OWN_JP).unwrap();
    let o = order(own["order"].clone());
    let its = items(&own["items"].to_string());
    let input = order_input("amz-jp", &o, &its, None).unwrap();
    assert_eq!(input.external_id.as_deref(), Some("503-0000000-0000001"));
    assert_eq!(input.placed_at.as_deref(), Some("2026-11-20T05:03:00Z"));
    assert_eq!(input.currency.as_deref(), Some("JPY"));
    let c = input.customer.clone().unwrap();
    assert_eq!(c.email.as_deref(), Some("ann.example@marketplace.example.com"));
    assert_eq!(c.name.as_deref(), Some("Ann Example"));
    assert_eq!(c.phone.as_deref(), Some("+81 3-0000-0000"));
    let a = input.shipping_address.clone().unwrap();
    assert_eq!(a.name.as_deref(), Some("Ann Example"));
    assert_eq!(a.line1.as_deref(), Some("1-1-1 Example-cho"));
    assert_eq!(a.line2.as_deref(), Some("Example Building 3F"));
    assert_eq!(a.city.as_deref(), Some("Chiyoda-ku"));
    assert_eq!(a.region.as_deref(), Some("Tokyo"));
    assert_eq!(a.postal_code.as_deref(), Some("100-0001"));
    assert_eq!(a.country.as_deref(), Some("JP"));
    assert_eq!(a.phone.as_deref(), Some("+81 3-0000-0000"));
    assert_eq!(input.service_level, Some(ServiceLevel::Express));
    let lines = input.lines.clone().unwrap();
    // 2 x sencha at 2980 with 271 VAT inside: 2709 net is 1354.5 each, so 1355 each
    // and 1 off; the promotion is 200 with 18 VAT inside: 182 net off, 18 less VAT.
    assert_eq!(lines[0].sku.as_deref(), Some("TEA-SENCHA-100G"));
    assert_eq!(lines[0].quantity, Some(2));
    assert_eq!(lines[0].unit_price, Some(jpy(1355)));
    assert_eq!(lines[0].discount, Some(jpy(183)));
    assert_eq!(lines[0].tax, Some(jpy(253)));
    assert_eq!(lines[0].external_id.as_deref(), Some("10000000000001"));
    assert_eq!(lines[1].sku.as_deref(), Some("CUP-YUNOMI"));
    assert_eq!(lines[1].quantity, Some(1));
    assert_eq!(lines[1].unit_price, Some(jpy(1500)));
    assert_eq!(lines[1].discount, Some(jpy(0)));
    assert_eq!(lines[1].tax, Some(jpy(150)));
    assert_eq!(lines[1].external_id.as_deref(), Some("10000000000002"));
    // Shipping 500 + gift wrap 220 + COD fee 330 = 1050, with 45 + 20 VAT inside.
    let s = input.shipping.clone().unwrap();
    assert_eq!(s.amount, Some(jpy(985)));
    assert_eq!(s.tax, Some(jpy(65)));
    let draft = input.parse().unwrap();
    assert_eq!(draft.totals.subtotal, jpy(2710 + 1500));
    assert_eq!(draft.totals.discount, jpy(183));
    assert_eq!(draft.totals.tax, jpy(253 + 150 + 65));
    assert_eq!(draft.totals.shipping, jpy(985));
    assert_eq!(
        draft.totals.total,
        jpy(5480),
        "Amazon's OrderTotal; the points are not in it"
    );
}

#[test]
fn amazons_yen_example_with_cents_and_a_pound_gift_wrap_is_refused_field_by_field() {
    let mut header: Value = serde_json::from_str(ORDER).unwrap();
    header["payload"]["OrderStatus"] = json!("Unshipped");
    header["payload"]["MarketplaceId"] = json!("A1VC38T7YXB528");
    header["payload"]["OrderTotal"] = json!({"CurrencyCode": "JPY", "Amount": "100"});
    let err = order_input("amz", &order(header["payload"].clone()), &items(ITEMS), None).unwrap_err();
    let found: Vec<(String, &str)> = fields(err).into_iter().map(|(f, c, _)| (f, c)).collect();
    assert_eq!(
        found,
        vec![
            ("/lines/0/unit_price".to_owned(), "invalid_amount"),
            ("/lines/1/unit_price".to_owned(), "invalid_amount"),
            ("/shipping/amount".to_owned(), "invalid_amount"),
            ("/shipping/amount".to_owned(), "currency_mismatch"),
            ("/shipping/amount".to_owned(), "invalid_amount"),
        ]
    );
    let err = order_input("amz", &order(header["payload"].clone()), &items(ITEMS), None).unwrap_err();
    assert!(
        err.to_string()
            .contains("/shipping/amount Amazon's GiftWrapPrice is in GBP, but the order is in JPY"),
        "{err}"
    );
}

#[test]
fn pending_and_amazon_fulfilled_orders_are_skipped() {
    let example: Value = serde_json::from_str(ORDER).unwrap();
    let pending = order(example["payload"].clone());
    assert!(notices("amz", &pending, &[], None).unwrap().is_empty());
    let mut afn = sandbox_order_with_buyer();
    afn["FulfillmentChannel"] = json!("AFN");
    assert!(
        notices("amz", &order(afn), &items(SANDBOX_ITEMS), None)
            .unwrap()
            .is_empty()
    );
    let listed: Envelope<OrdersPage> = serde_json::from_str(SANDBOX_ORDERS).unwrap();
    assert_eq!(listed.payload.orders.len(), 2);
}

#[test]
fn a_cancelled_order_is_the_order_and_its_cancellation() {
    let mut o = sandbox_order_with_buyer();
    o["OrderStatus"] = json!("Canceled");
    let found = notices("amz", &order(o.clone()), &items(SANDBOX_ITEMS), None).unwrap();
    assert!(
        matches!(&found[..], [Notice::Order(_), Notice::Cancelled { external_id, .. }]
        if external_id == "902-1845936-5435065")
    );
    // Cancelled before it had a price: only the cancellation.
    let found = notices("amz", &order(o), &[], None).unwrap();
    assert!(matches!(&found[..], [Notice::Cancelled { .. }]));
}

#[test]
fn a_line_without_a_seller_sku_or_a_bad_currency_is_unmappable() {
    let o = order(sandbox_order_with_buyer());
    let mut raw: Value = serde_json::from_str(SANDBOX_ITEMS).unwrap();
    raw["payload"]["OrderItems"][0]
        .as_object_mut()
        .unwrap()
        .remove("SellerSKU");
    let err = order_input("amz", &o, &items(&raw.to_string()), None).unwrap_err();
    assert_eq!(
        fields(err),
        vec![(
            "/lines/0/sku".into(),
            "required",
            "Amazon's order item 05015851154158 has no SellerSKU".into()
        )]
    );
    let mut bad = sandbox_order_with_buyer();
    bad["OrderTotal"]["CurrencyCode"] = json!("ZZZ");
    let err = order_input("amz", &order(bad), &items(SANDBOX_ITEMS), None).unwrap_err();
    assert_eq!(fields(err)[0].0, "/currency");
}

#[test]
fn the_option_overrides_what_the_marketplace_implies_about_tax() {
    let o = order(sandbox_order_with_buyer());
    let input = order_input("amz", &o, &items(SANDBOX_ITEMS), Some(true)).unwrap();
    let line = &input.lines.as_ref().unwrap()[0];
    assert_eq!(line.unit_price, Some(usd(899)), "10.00 with 1.01 tax inside");
    assert_eq!(line.tax, Some(usd(101)));
    let err = input.parse().unwrap_err();
    assert_eq!(
        err[0].field, "/totals/total",
        "10.00 is not Amazon's 11.01: the check catches it"
    );
}
