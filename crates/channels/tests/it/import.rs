//! Order files read into orders: each field of each order against the file.

use switchyard_channels::import::{self, FileOrder, Import, Mapping, Problem};
use switchyard_core::Money;
use switchyard_core::money::Currency;
use switchyard_core::order::{LineInput, ServiceLevel};
use switchyard_core::validation::FieldError;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/import");

fn file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{name}")).unwrap()
}

fn amazon(name: &str) -> Import {
    let content = file(name);
    let delimiter = import::delimiter(Some(name), &content);
    assert_eq!(delimiter, b'\t', "an Amazon .txt report is sniffed as tab-separated");
    import::read(&content, delimiter, &Mapping::amazon(), "amazon")
}

fn gbp(amount: i64) -> Money {
    Money::new(amount, Currency::parse("GBP").unwrap())
}

fn order<'a>(import: &'a Import, id: &str) -> &'a FileOrder {
    import.orders.iter().find(|o| o.external_id == id).unwrap()
}

/// A line as (sku, quantity, unit price, discount, tax, line id).
type Line = (&'static str, i64, i64, Option<i64>, i64, Option<&'static str>);

fn assert_lines(lines: &[LineInput], want: &[Line]) {
    let got: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l.sku.clone().unwrap(),
                l.quantity.unwrap(),
                l.unit_price.unwrap(),
                l.discount,
                l.tax.unwrap(),
                l.external_id.clone(),
            )
        })
        .collect();
    let want: Vec<_> = want
        .iter()
        .map(|(sku, q, unit, discount, tax, id)| {
            (
                (*sku).to_owned(),
                *q,
                gbp(*unit),
                discount.map(gbp),
                gbp(*tax),
                id.map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn the_amazon_report_becomes_four_orders_with_every_field_from_its_rows() {
    let import = amazon("amazon_unshipped_orders.txt");
    assert_eq!(import.problems, Vec::<Problem>::new());
    assert_eq!(import.rows, 6);
    let ids: Vec<(&str, &[usize])> = import
        .orders
        .iter()
        .map(|o| (o.external_id.as_str(), o.rows.as_slice()))
        .collect();
    assert_eq!(
        ids,
        [
            ("202-1000001-1000001", &[2, 3][..]),
            ("202-1000003-1000003", &[4, 7][..]),
            ("202-1000002-1000002", &[5][..]),
            ("202-1000004-1000004", &[6][..]),
        ]
    );

    let ann = order(&import, "202-1000001-1000001");
    let input = &ann.input;
    assert_eq!(input.channel.as_deref(), Some("amazon"));
    assert_eq!(input.placed_at.as_deref(), Some("2026-03-02T09:15:00+00:00"));
    assert_eq!(input.currency.as_deref(), Some("GBP"));
    let customer = input.customer.as_ref().unwrap();
    assert_eq!(customer.email.as_deref(), Some("ann@example.com"));
    assert_eq!(customer.name.as_deref(), Some("Ann Example"));
    assert_eq!(customer.phone.as_deref(), Some("020 7946 0001"));
    let address = input.shipping_address.as_ref().unwrap();
    assert_eq!(address.name.as_deref(), Some("Ann Example"));
    assert_eq!(address.line1.as_deref(), Some("1 Example Street"));
    assert_eq!(address.line2.as_deref(), Some("Flat 2"));
    assert_eq!(address.city.as_deref(), Some("London"));
    assert_eq!(address.region, None);
    assert_eq!(address.postal_code.as_deref(), Some("SW1A 1AA"));
    assert_eq!(address.country.as_deref(), Some("GB"));
    assert_eq!(address.phone.as_deref(), Some("020 7946 0001"));
    assert!(
        input.billing_address.is_none(),
        "billing defaults to the shipping address"
    );
    // item-price is for all the units: 25.98 for 2 mugs is 12.99 each.
    assert_lines(
        input.lines.as_deref().unwrap(),
        &[
            ("MUG-BLUE", 2, 1299, None, 433, Some("31000000000001")),
            ("TEE-RED-M", 1, 1500, None, 250, Some("31000000000002")),
        ],
    );
    let shipping = input.shipping.as_ref().unwrap();
    assert_eq!((shipping.amount, shipping.tax), (Some(gbp(299)), Some(gbp(50))));
    assert_eq!(input.service_level, Some(ServiceLevel::Standard));
    assert_eq!(input.notes, None);
    let draft = ann.draft.as_ref().unwrap();
    assert_eq!(draft.totals.subtotal, gbp(4098));
    assert_eq!(draft.totals.tax, gbp(433 + 250 + 50));
    assert_eq!(draft.totals.total, gbp(4098 + 733 + 299));
    assert_eq!(draft.placed_at.unwrap().to_string(), "2026-03-02T09:15:00Z");

    // Rows 4 and 7 are one order; shipping per item is summed.
    let cat = order(&import, "202-1000003-1000003");
    assert_lines(
        cat.input.lines.as_deref().unwrap(),
        &[
            ("MUG-BLUE", 1, 1299, None, 217, Some("31000000000031")),
            ("SOCK-GRN", 2, 350, None, 116, Some("31000000000032")),
        ],
    );
    let shipping = cat.input.shipping.as_ref().unwrap();
    assert_eq!((shipping.amount, shipping.tax), (Some(gbp(399)), Some(gbp(67))));
    let customer = cat.input.customer.as_ref().unwrap();
    assert_eq!(customer.phone, None);
    assert_eq!(
        cat.input.shipping_address.as_ref().unwrap().city.as_deref(),
        Some("Bristol")
    );
    assert_eq!(
        cat.draft.as_ref().unwrap().totals.total,
        gbp(1299 + 700 + 217 + 116 + 67 + 399)
    );

    // 10.00 for 3 pairs: 3.34 each less a 0.02 discount is 10.00 exactly.
    let bob = order(&import, "202-1000002-1000002");
    assert_lines(
        bob.input.lines.as_deref().unwrap(),
        &[("SOCK-GRN", 3, 334, Some(2), 167, Some("31000000000021"))],
    );
    assert_eq!(bob.input.service_level, Some(ServiceLevel::Express), "Expedited");
    let address = bob.input.shipping_address.as_ref().unwrap();
    assert_eq!(address.region.as_deref(), Some("West Yorkshire"));
    assert_eq!(address.phone.as_deref(), Some("0113 496 0002"));
    let totals = bob.draft.as_ref().unwrap().totals;
    assert_eq!((totals.subtotal, totals.discount), (gbp(1002), gbp(2)));
    assert_eq!(totals.total, gbp(1000 + 167 + 499 + 83));

    let dan = order(&import, "202-1000004-1000004");
    let address = dan.input.shipping_address.as_ref().unwrap();
    assert_eq!(address.line1.as_deref(), Some("Unit 4"));
    assert_eq!(address.line2.as_deref(), Some("Mill Yard, Canal Street"));
    assert_eq!(address.city.as_deref(), Some("Manchester"));
    assert_eq!(dan.input.notes.as_deref(), Some("Leave with the concierge"));
    assert_eq!(dan.input.service_level, Some(ServiceLevel::Express));
    assert_lines(
        dan.input.lines.as_deref().unwrap(),
        &[("TEE-RED-M", 4, 1500, None, 1000, Some("31000000000041"))],
    );
    assert_eq!(dan.draft.as_ref().unwrap().shipping, gbp(599));
    assert_eq!(import.ready().count(), 4);
}

#[test]
fn bad_rows_are_named_by_row_and_column_and_refuse_their_whole_order() {
    let import = amazon("amazon_three_bad_rows.txt");
    let problems: Vec<(usize, &str, &str)> = import
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_str(), p.reason.as_str()))
        .collect();
    // The third bad row (an unknown SKU) is found only when placing.
    assert_eq!(
        problems,
        [
            (4, "item-price", "`3.5O` is not a decimal amount in GBP"),
            (5, "quantity-purchased", "`two` is not a whole number"),
        ]
    );
    assert_eq!(import.problems[0].order.as_deref(), Some("202-2000002-2000002"));
    let refused: Vec<(&str, &[usize])> = import
        .orders
        .iter()
        .filter(|o| o.draft.is_none())
        .map(|o| (o.external_id.as_str(), o.rows.as_slice()))
        .collect();
    assert_eq!(
        refused,
        [("202-2000002-2000002", &[3, 4][..]), ("202-2000003-2000003", &[5][..])],
        "row 3 is good but its order has a bad row"
    );
    let ready: Vec<&str> = import.ready().map(|(o, _)| o.external_id.as_str()).collect();
    assert_eq!(
        ready,
        ["202-2000001-2000001", "202-2000004-2000004", "202-2000005-2000005"]
    );

    // A placement problem of a line lands on that line's row and column.
    let hat = order(&import, "202-2000004-2000004");
    let unknown = FieldError {
        field: "/lines/0/sku".into(),
        code: "unknown_sku",
        message: "there is no product with SKU HAT-NONE".into(),
    };
    let p = import.locate(hat, &unknown);
    assert_eq!((p.row, p.column.as_str()), (6, "sku"));
    let p = import.refuse(hat, "not enough stock".into());
    assert_eq!((p.row, p.column.as_str()), (6, "order-id"));
}

#[test]
fn any_other_layout_is_read_through_a_toml_mapping() {
    let mapping = Mapping::from_toml(&String::from_utf8(file("spreadsheet_mapping.toml")).unwrap()).unwrap();
    let content = file("spreadsheet_orders.csv");
    let delimiter = import::delimiter(Some("orders.csv"), &content);
    assert_eq!(delimiter, b',');
    let import = import::read(&content, delimiter, &mapping, "shop");
    assert_eq!(import.problems, Vec::<Problem>::new());
    let ids: Vec<(&str, &[usize])> = import
        .orders
        .iter()
        .map(|o| (o.external_id.as_str(), o.rows.as_slice()))
        .collect();
    assert_eq!(
        ids,
        [
            ("SHOP-501", &[2, 4][..]),
            ("SHOP-502", &[3][..]),
            ("SHOP-503", &[5][..])
        ]
    );

    let eve = order(&import, "SHOP-501");
    assert_eq!(eve.input.currency.as_deref(), Some("GBP"), "a constant of the mapping");
    assert_eq!(eve.input.placed_at.as_deref(), Some("2026-03-04T12:00:00Z"));
    let customer = eve.input.customer.as_ref().unwrap();
    assert_eq!(
        (
            customer.email.as_deref(),
            customer.name.as_deref(),
            customer.phone.as_deref()
        ),
        (Some("eve@example.com"), Some("Eve Example"), None)
    );
    let address = eve.input.shipping_address.as_ref().unwrap();
    assert_eq!(address.line1.as_deref(), Some("12 Mill Lane, Unit 4"), "a quoted cell");
    assert_eq!(address.city.as_deref(), Some("York"));
    assert_eq!(address.postal_code.as_deref(), Some("YO1 7HH"));
    assert_eq!(address.country.as_deref(), Some("GB"));
    assert_lines(
        eve.input.lines.as_deref().unwrap(),
        &[
            ("MUG-BLUE", 1, 1299, None, 217, None),
            ("SOCK-GRN", 2, 350, None, 58, None),
        ],
    );
    let shipping = eve.input.shipping.as_ref().unwrap();
    assert_eq!(
        (shipping.amount, shipping.tax),
        (Some(gbp(350)), None),
        "once per order"
    );
    assert_eq!(
        eve.input.service_level,
        Some(ServiceLevel::NextDay),
        "the mapping's word"
    );

    let fay = order(&import, "SHOP-502");
    assert_eq!(
        fay.input.customer.as_ref().unwrap().phone.as_deref(),
        Some("07700 900123")
    );
    assert_lines(
        fay.input.lines.as_deref().unwrap(),
        &[("TEE-RED-M", 2, 1500, None, 500, None)],
    );
    assert_eq!(fay.input.service_level, Some(ServiceLevel::Standard), "one of ours");
    assert_eq!(fay.draft.as_ref().unwrap().totals.total, gbp(3500));

    let gus = order(&import, "SHOP-503");
    let address = gus.input.shipping_address.as_ref().unwrap();
    assert_eq!(address.name.as_deref(), Some("Gus Demo, c/o Reception"));
    assert_eq!(address.city.as_deref(), Some("Glasgow"));
}

#[test]
fn a_header_without_a_mapped_column_gives_no_orders_and_names_the_column() {
    let content = b"order-id\tsku\nA-1\tMUG\n";
    let import = import::read(content, b'\t', &Mapping::amazon(), "amazon");
    assert!(import.orders.is_empty());
    assert!(
        import
            .problems
            .iter()
            .all(|p| p.row == 1 && p.reason == "the header has no such column")
    );
    let columns: Vec<&str> = import.problems.iter().map(|p| p.column.as_str()).collect();
    assert!(
        columns.contains(&"quantity-purchased") && columns.contains(&"item-price"),
        "{columns:?}"
    );
    assert!(!columns.contains(&"sku"));
}

#[test]
fn rows_of_one_order_that_disagree_and_unknown_words_are_problems() {
    let mapping = Mapping::from_toml(
        r#"
order_id = "order"
sku = "sku"
quantity = "qty"
unit_price = "price"
currency = "currency"
email = "email"
name = "name"
recipient = "name"
address1 = "street"
city = "city"
postal_code = "postcode"
country = "country"
service_level = "speed"
"#,
    )
    .unwrap();
    let csv = "order,sku,qty,price,currency,email,name,street,city,postcode,country,speed\n\
        X1,MUG,1,2.00,GBP,a@example.com,Ann,1 St,Leeds,LS1 4AP,GB,Warp\n\
        X1,TEE,1,3.00,EUR,,,,,,,\n\
        X2,MUG,1,2.00,GBP,b@example.com,Bo,1 St,Leeds,LS1 4AP,ZZ,standard\n";
    let import = import::read(
        csv.as_bytes(),
        import::delimiter(None, csv.as_bytes()),
        &mapping,
        "shop",
    );
    let problems: Vec<(usize, &str, &str)> = import
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_str(), p.reason.as_str()))
        .collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(problems[0].0, 2);
    assert_eq!(problems[0].1, "speed");
    assert!(problems[0].2.contains("`Warp` is not a service level"), "{problems:?}");
    assert_eq!(problems[1], (3, "currency", "differs from row 2 of the same order"));
    assert_eq!((problems[2].0, problems[2].1), (4, "country"));
    assert!(import.ready().next().is_none());
}

#[test]
fn a_mapping_gives_exactly_one_price_and_the_separator_is_sniffed_without_an_extension() {
    let both =
        "order_id = \"o\"\nsku = \"s\"\nquantity = \"q\"\nunit_price = \"u\"\nline_price = \"l\"\ncurrency = \"c\"\n";
    assert_eq!(
        Mapping::from_toml(both).unwrap_err(),
        "give exactly one of `unit_price` and `line_price`"
    );
    assert!(Mapping::from_toml("order_id = \"o\"\nbogus = 1\n").is_err());
    assert_eq!(import::delimiter(None, b"a;b;c\n1;2;3"), b';');
    assert_eq!(import::delimiter(Some("x.TSV"), b"a,b"), b'\t');
    assert_eq!(import::delimiter(Some("report.txt"), b"a\tb\tc,d\n"), b'\t');
}
