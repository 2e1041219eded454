//! The demo as someone exploring reports would see it: a year of orders ending now,
//! with quieter weekends and a November/December peak; most shipped and delivered,
//! some late because the warehouse shipped after the promised time and some because
//! the carrier took longer; cancellations, short picks, returns and claims; purchase
//! orders received at each supplier's own lead time; and a ledger that reconciles.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use super::{db, stdout, store, switchyard};

fn date(micros: i64) -> Date {
    Timestamp::from_microsecond(micros)
        .unwrap()
        .to_zoned(TimeZone::UTC)
        .date()
}

/// Orders a day over the days from `first` to `last` for which `wanted` holds.
fn per_day(placed: &[Date], first: Date, last: Date, wanted: impl Fn(Date) -> bool) -> f64 {
    let mut days = 0;
    let mut d = first;
    while d <= last {
        days += i32::from(wanted(d));
        d = d.checked_add(1.day()).unwrap();
    }
    let orders = placed.iter().filter(|d| wanted(**d)).count();
    orders as f64 / f64::from(days.max(1))
}

/// A year at 3 orders on an ordinary day rather than the default 11: the same
/// business, in a third of the time.
const YEAR: [&str; 3] = ["demo", "--orders-per-day", "3"];

#[tokio::test]
async fn the_demo_is_a_year_of_business_loaded_once() {
    let db = db();
    let first = switchyard(&db, &YEAR);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let log = String::from_utf8_lossy(&first.stderr).into_owned();
    let summary = log.lines().find(|l| l.starts_with("demo: ")).expect("a summary line");
    assert!(summary.contains("over 365 days"), "{summary}");
    let key = stdout(&first).lines().last().unwrap().to_owned();
    let store = store(&db).await;
    assert!(store.authenticate(&key).await.unwrap().is_some());
    let count = |sql: &'static str| {
        let pool = store.pool().clone();
        async move { db::query_scalar::<i64>(sql).fetch_one(&pool).await.unwrap() }
    };

    // A year of orders, about a thousand at this size, mostly in waking hours.
    let placed_at: Vec<i64> = db::query_scalar("SELECT placed_at FROM sales_order")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!((800..=1_600).contains(&placed_at.len()), "{} orders", placed_at.len());
    let placed: Vec<Date> = placed_at.iter().map(|t| date(*t)).collect();
    let (first_day, last_day) = (*placed.iter().min().unwrap(), *placed.iter().max().unwrap());
    let span = (last_day - first_day).get_days();
    assert!((355..=366).contains(&span), "orders span {span} days");
    let night = placed_at.iter().filter(|t| (*t / 3_600_000_000) % 24 < 6).count();
    assert!(night * 8 < placed_at.len(), "{night} of {} at night", placed_at.len());

    // The peak: late November and December (Black Friday, Christmas) outsell spring
    // by far; Saturdays are quieter than Mondays.
    let peak = per_day(&placed, first_day, last_day, |d| {
        (d.month() == 11 && d.day() >= 20) || (d.month() == 12 && d.day() <= 20)
    });
    let spring = per_day(&placed, first_day, last_day, |d| (2..=4).contains(&d.month()));
    assert!(peak > 1.5 * spring, "peak {peak:.1} a day, spring {spring:.1}");
    let saturdays = per_day(&placed, first_day, last_day, |d| d.weekday() == Weekday::Saturday);
    let mondays = per_day(&placed, first_day, last_day, |d| d.weekday() == Weekday::Monday);
    assert!(saturdays < mondays, "Saturdays {saturdays:.1}, Mondays {mondays:.1}");

    // Several channels and destination countries.
    assert_eq!(count("SELECT COUNT(DISTINCT channel_id) FROM sales_order").await, 4);
    let countries: Vec<String> =
        db::query_scalar("SELECT DISTINCT json_extract(shipping_address, '$.country') FROM sales_order")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert!(countries.len() >= 5, "{countries:?}");

    // Most shipped and delivered; some late by the warehouse (shipped after the
    // promised ship time), some by the carrier (shipped on time, delivered late).
    let shipments = count("SELECT COUNT(*) FROM shipment WHERE shipped_at IS NOT NULL").await;
    let delivered = count("SELECT COUNT(*) FROM shipment WHERE status = 'delivered'").await;
    assert!(
        delivered * 100 > shipments * 95,
        "{delivered} of {shipments} shipped were delivered"
    );
    assert!(delivered * 10 > placed_at.len() as i64 * 8, "{delivered} delivered");
    let warehouse_late = count(
        "SELECT COUNT(*) FROM shipment WHERE delivered_at > promised_delivery_at AND shipped_at > promised_ship_at",
    )
    .await;
    let carrier_late = count(
        "SELECT COUNT(*) FROM shipment WHERE delivered_at > promised_delivery_at AND shipped_at <= promised_ship_at",
    )
    .await;
    let on_time = count("SELECT COUNT(*) FROM shipment WHERE delivered_at <= promised_delivery_at").await;
    assert!(
        warehouse_late * 50 > delivered && carrier_late * 50 > delivered && on_time * 100 > delivered * 80,
        "{warehouse_late} late by the warehouse, {carrier_late} by the carrier, {on_time} on time of {delivered}"
    );

    // Cancellations (whole orders and single lines), short picks, backorders filled.
    assert!(count("SELECT COUNT(*) FROM sales_order WHERE status = 'cancelled'").await > 8);
    assert!(
        count(
            "SELECT COUNT(*) FROM order_line l JOIN sales_order o ON o.id = l.order_id \
             WHERE l.status = 'cancelled' AND o.status = 'completed'"
        )
        .await
            > 1
    );
    assert!(count("SELECT COUNT(*) FROM shipment_line WHERE status = 'short'").await > 4);
    let filled = count(
        "SELECT COUNT(DISTINCT o.id) FROM sales_order o JOIN order_event e ON e.order_id = o.id \
         WHERE e.kind = 'order.backordered' AND o.status = 'completed'",
    )
    .await;
    assert!(filled > 5, "{filled} orders backordered, then delivered");

    // Returns for several reasons, among them damage and the wrong item; claims for
    // damage in transit and the wrong item sent.
    let reasons: Vec<String> = db::query_scalar("SELECT DISTINCT reason FROM return_line")
        .fetch_all(store.pool())
        .await
        .unwrap();
    for reason in ["too_small", "changed_mind", "damaged", "wrong_item"] {
        assert!(
            reasons.iter().any(|r| r == reason),
            "no return for {reason}: {reasons:?}"
        );
    }
    assert!(count("SELECT COUNT(*) FROM return_request").await > 40);
    assert!(count("SELECT COUNT(*) FROM return_request WHERE status IN ('received', 'closed')").await > 30);
    let claims: Vec<String> = db::query_scalar("SELECT DISTINCT reason FROM claim")
        .fetch_all(store.pool())
        .await
        .unwrap();
    for reason in ["damaged_in_transit", "wrong_item_sent"] {
        assert!(claims.iter().any(|r| r == reason), "no claim for {reason}: {claims:?}");
    }

    // Purchase orders all year, received at each supplier's own lead time: the
    // potter delivers in about ten days, the cotton mill in about three weeks.
    let receipts = |supplier: &'static str| {
        format!(
            "SELECT MIN(m.created_at) - po.created_at AS lead FROM purchase_order po \
             JOIN purchase_order_receipt r ON r.purchase_order_id = po.id \
             JOIN stock_movement m ON m.id = r.movement_id JOIN location l ON l.id = po.location_id \
             WHERE l.code = 'LON' AND po.supplier_name = '{supplier}' GROUP BY po.id, po.created_at"
        )
    };
    let mean_days = |supplier: &'static str| {
        let pool = store.pool().clone();
        async move {
            let received: i64 = db::query_scalar(format!("SELECT COUNT(*) FROM ({}) x", receipts(supplier)))
                .fetch_one(&pool)
                .await
                .unwrap();
            assert!(received >= 5, "{supplier}: {received} purchase orders received at LON");
            let mean: i64 = db::query_scalar(format!(
                "SELECT CAST(AVG(lead) AS BIGINT) FROM ({}) x",
                receipts(supplier)
            ))
            .fetch_one(&pool)
            .await
            .unwrap();
            mean as f64 / 86_400e6
        }
    };
    let (potter, mill) = (mean_days("Fern Pottery").await, mean_days("Cotton Co").await);
    assert!(
        (8.0..=12.5).contains(&potter) && (18.0..=24.5).contains(&mill),
        "{potter:.1} {mill:.1}"
    );
    assert!(count("SELECT COUNT(*) FROM purchase_order WHERE status = 'received'").await > 60);

    // Stock stays plausible: nothing below zero, most SKUs in stock in London.
    assert_eq!(count("SELECT COUNT(*) FROM stock_balance WHERE on_hand < 0").await, 0);
    let in_stock = count(
        "SELECT COUNT(*) FROM stock_balance b JOIN location l ON l.id = b.location_id \
         WHERE l.code = 'LON' AND b.on_hand - b.reserved > 0",
    )
    .await;
    assert!(in_stock >= 40, "{in_stock} SKUs available in London");

    // Loaded once; the ledger reconciles.
    let before = count("SELECT COUNT(*) FROM stock_movement").await;
    let second = switchyard(&db, &YEAR);
    assert!(second.status.success());
    assert_eq!(
        count("SELECT COUNT(*) FROM stock_movement").await,
        before,
        "a second run adds nothing"
    );
    let check = switchyard(&db, &["check"]);
    assert!(check.status.success(), "{}", stdout(&check));
}
