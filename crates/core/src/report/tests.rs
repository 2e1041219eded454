use jiff::Timestamp;
use jiff::civil::date;
use jiff::tz::TimeZone;

use super::*;
use crate::order::{LineStatus, OrderStatus};
use crate::payment::RefundReason;
use crate::returns::{ReturnReason, ReturnStatus};
use crate::shipment::ShipmentStatus;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn london() -> TimeZone {
    TimeZone::get("Europe/London").unwrap()
}

fn line(id: &str, product: &str, quantity: i64, unit_price: i64, discount: i64, status: LineStatus) -> LineRecord {
    LineRecord {
        id: id.into(),
        product_id: product.into(),
        sku: product.to_uppercase(),
        quantity,
        unit_price,
        discount,
        tax: 0,
        total: unit_price * quantity - discount,
        status,
    }
}

pub(crate) fn order(id: &str, placed_at: &str, lines: Vec<LineRecord>) -> OrderRecord {
    let subtotal = lines.iter().map(|l| l.unit_price * l.quantity).sum();
    let discount_total = lines.iter().map(|l| l.discount).sum();
    OrderRecord {
        id: id.into(),
        number: id.to_uppercase(),
        channel_id: "web".into(),
        currency: "GBP".into(),
        ship_country: "GB".into(),
        status: OrderStatus::Open,
        placed_at: at(placed_at),
        subtotal,
        discount_total,
        tax_total: 0,
        shipping_amount: 0,
        grand_total: subtotal - discount_total,
        promised_ship_at: None,
        promised_delivery_at: None,
        lines,
        shipments: vec![],
        refunds: vec![],
        returns: vec![],
        claims: vec![],
        events: vec![],
    }
}

fn shipment(location: &str, carrier: Option<&str>, line_id: &str) -> ShipmentRecord {
    ShipmentRecord {
        id: format!("s-{line_id}"),
        location_id: location.into(),
        status: ShipmentStatus::Delivered,
        carrier: carrier.map(str::to_owned),
        service: None,
        service_level: "standard".into(),
        promised_ship_at: None,
        promised_delivery_at: None,
        released_at: at("2026-03-01T10:00:00Z"),
        shipped_at: None,
        delivered_at: None,
        lines: vec![ShipmentLineRecord {
            line_id: line_id.into(),
            product_id: String::new(),
            quantity: 1,
            short: false,
        }],
    }
}

#[test]
fn an_order_counts_its_money_once_and_net_takes_off_discounts_cancellations_and_refunds() {
    // 2 × 10.00 with 2.00 off, and 1 × 5.00 cancelled; 3.00 refunded as goodwill and the
    // cancelled line's 5.00 refunded (already in `cancelled`).
    let mut o = order(
        "o1",
        "2026-03-02T09:00:00Z",
        vec![
            line("l1", "p1", 2, 1000, 200, LineStatus::Shipped),
            line("l2", "p2", 1, 500, 0, LineStatus::Cancelled),
        ],
    );
    o.refunds = vec![
        RefundRecord {
            amount: 300,
            reason: Some(RefundReason::Appeasement),
            at: at("2026-03-05T00:00:00Z"),
        },
        RefundRecord {
            amount: 500,
            reason: Some(RefundReason::Cancellation),
            at: at("2026-03-02T10:00:00Z"),
        },
    ];
    o.returns = vec![ReturnLineRecord {
        line_id: "l1".into(),
        product_id: "p1".into(),
        quantity: 1,
        reason: ReturnReason::TooSmall,
        status: ReturnStatus::Rejected,
    }];
    let f = order_figures(&o);
    assert_eq!(
        f,
        SalesFigures {
            orders: 1,
            units: 3,
            gross: 2500,
            discount: 200,
            cancelled: 500,
            refunded: 300,
            net: 2500 - 200 - 500 - 300,
            cancelled_orders: 0,
            returned_orders: 0, // the only return was rejected
        }
    );
}

#[test]
fn orders_fall_in_the_cell_of_their_first_shipment_and_cells_add_up() {
    let mut a = order(
        "a",
        "2026-03-02T09:00:00Z",
        vec![line("a1", "p1", 1, 1000, 0, LineStatus::Shipped)],
    );
    a.shipments = vec![shipment("leeds", Some("dpd"), "a1")];
    let b = order(
        "b",
        "2026-03-02T10:00:00Z",
        vec![line("b1", "p1", 2, 1000, 0, LineStatus::Allocated)],
    );
    let day = date(2026, 3, 2);
    let rows = rollup_day(day, &london(), &[a, b]);
    assert_eq!(rows.sales.len(), 2, "{:?}", rows.sales);
    let unshipped = &rows.sales[0];
    assert_eq!(
        (unshipped.key.location_id.as_str(), unshipped.key.carrier.as_str()),
        ("", "")
    );
    assert_eq!(unshipped.figures.units, 2);
    let shipped = &rows.sales[1];
    assert_eq!(
        (shipped.key.location_id.as_str(), shipped.key.carrier.as_str()),
        ("leeds", "dpd")
    );
    // The SKU rows: p1 in two cells (unshipped, leeds), one order each.
    assert_eq!(
        rows.skus
            .iter()
            .map(|r| (r.key.location_id.as_str(), r.figures.orders, r.figures.units))
            .collect::<Vec<_>>(),
        vec![("", 1, 2), ("leeds", 1, 1)]
    );
}

#[test]
fn the_hour_of_day_is_the_sellers_clock_across_the_spring_change() {
    // 29 March 2026: London's clocks go from 01:00 GMT to 02:00 BST.
    let day = date(2026, 3, 29);
    let (start, end) = day_bounds(day, &london()).unwrap();
    assert_eq!(
        (start, end),
        (at("2026-03-29T00:00:00Z"), at("2026-03-29T23:00:00Z")),
        "a 23-hour day"
    );
    let orders = [
        order(
            "x",
            "2026-03-29T00:30:00Z",
            vec![line("x1", "p1", 1, 100, 0, LineStatus::Allocated)],
        ),
        order(
            "y",
            "2026-03-29T01:30:00Z",
            vec![line("y1", "p1", 1, 100, 0, LineStatus::Allocated)],
        ),
        order(
            "z",
            "2026-03-29T22:59:00Z",
            vec![line("z1", "p1", 1, 100, 0, LineStatus::Allocated)],
        ),
    ];
    assert!(orders.iter().all(|o| day_of(o.placed_at, &london()) == day));
    let hours: Vec<i8> = rollup_day(day, &london(), &orders)
        .hours
        .iter()
        .map(|h| h.key.hour)
        .collect();
    assert_eq!(hours, vec![0, 2, 23], "00:30 GMT, 02:30 BST, 23:59 BST");
}

#[test]
fn the_autumn_day_has_25_hours_and_its_repeated_hour_holds_both() {
    let day = date(2026, 10, 25);
    let (start, end) = day_bounds(day, &london()).unwrap();
    assert_eq!((start, end), (at("2026-10-24T23:00:00Z"), at("2026-10-26T00:00:00Z")));
    let orders = [
        order(
            "x",
            "2026-10-25T00:30:00Z",
            vec![line("x1", "p1", 1, 100, 0, LineStatus::Allocated)],
        ),
        order(
            "y",
            "2026-10-25T01:30:00Z",
            vec![line("y1", "p1", 1, 100, 0, LineStatus::Allocated)],
        ),
    ];
    let hours = rollup_day(day, &london(), &orders).hours;
    assert_eq!(hours.len(), 1);
    assert_eq!((hours[0].key.hour, hours[0].orders), (1, 2), "01:30 BST and 01:30 GMT");
}

#[test]
fn a_filter_defaults_to_the_last_30_days_and_names_each_bad_parameter() {
    let today = date(2026, 12, 6);
    let f = ReportQuery::default().parse(today).unwrap();
    assert_eq!((f.from, f.to, f.days()), (date(2026, 11, 7), today, 30));
    let p = f.previous();
    assert_eq!((p.from, p.to), (date(2026, 10, 8), date(2026, 11, 6)));
    let bad = ReportQuery {
        from: Some("2026-13-01".into()),
        to: Some("yesterday".into()),
        sku: Some(String::new()),
        ..ReportQuery::default()
    };
    let errors = bad.parse(today).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["to", "from", "sku"]);
    let backwards = ReportQuery {
        from: Some("2026-12-07".into()),
        ..ReportQuery::default()
    };
    assert_eq!(backwards.parse(today).unwrap_err()[0].code, "invalid_period");
    assert_eq!(
        Bucket::Week.start(date(2026, 12, 6)),
        date(2026, 11, 30),
        "a Sunday's week began on Monday"
    );
    assert_eq!(Bucket::Month.start(date(2026, 12, 6)), date(2026, 12, 1));
}

fn period(from: jiff::civil::Date, to: jiff::civil::Date) -> ReportFilter {
    ReportFilter {
        from,
        to,
        channel: None,
        location: None,
        carrier: None,
        sku: None,
    }
}

#[test]
fn channel_figures_rates_refunds_and_returns_by_hand() {
    // Three web orders on 2 Nov: gross 10000, discount 500, refunded 1000, cancelled 0,
    // net 8500; one returned, none cancelled whole.
    let day = ChannelDay {
        day: date(2026, 11, 2),
        channel: "web".into(),
        currency: "GBP".into(),
        sales: SalesFigures {
            orders: 3,
            units: 4,
            gross: 10000,
            discount: 500,
            refunded: 1000,
            net: 8500,
            returned_orders: 1,
            ..SalesFigures::default()
        },
        ..ChannelDay::default()
    };
    let f = period(date(2026, 11, 2), date(2026, 11, 8));
    let r = channel_performance(&f, Bucket::Week, ChannelSource::Orders, &[day], &[]);
    let t = &r.totals[0].current;
    assert_eq!((t.refunded, t.net), (Some(1000), Some(8500)));
    assert_eq!(t.average_order_value, Some(2833), "8500 / 3 = 2833.33");
    assert_eq!(t.discount_share, Some(0.05));
    assert_eq!(t.return_rate, Some(0.3333));
    assert_eq!(t.cancellation_rate, Some(0.0));
    assert_eq!(
        (r.previous_from, r.previous_to),
        (date(2026, 10, 26), date(2026, 11, 1))
    );
    assert_eq!(r.totals[0].previous.return_rate, None, "no orders before");
}

#[test]
fn a_peak_is_half_again_its_baseline_and_three_orders_more() {
    assert!(is_peak(3, 0.0));
    assert!(!is_peak(2, 0.0), "not 3 more");
    assert!(is_peak(15, 10.0));
    assert!(!is_peak(14, 10.0), "not 1.5 times");
    assert!(is_peak(7, 4.0), "1.75 times and exactly 3 more");
}
