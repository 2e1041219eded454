//! Delivery and perfect-order roll-ups against hand-computed values.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::date;
use jiff::tz::TimeZone;

use super::tests::order;
use super::*;
use crate::order::{LineStatus, OrderEventKind, OrderStatus};
use crate::returns::{ClaimReason, ReturnReason, ReturnStatus};
use crate::shipment::ShipmentStatus;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn line(id: &str, status: LineStatus) -> LineRecord {
    LineRecord {
        id: id.into(),
        product_id: "p1".into(),
        sku: "P1".into(),
        quantity: 1,
        unit_price: 1000,
        discount: 0,
        tax: 0,
        total: 1000,
        status,
    }
}

/// A shipment promised to ship by Monday 16:00 and to arrive by Wednesday 23:59:59
/// (2 days 7h59m59s of transit allowed), shipped and delivered at the times given.
fn shipment(id: &str, shipped: Option<&str>, delivered: Option<&str>) -> ShipmentRecord {
    ShipmentRecord {
        id: id.into(),
        location_id: "lon".into(),
        status: ShipmentStatus::Delivered,
        carrier: Some("ups".into()),
        service: Some("ground".into()),
        service_level: "standard".into(),
        promised_ship_at: Some(at("2026-11-16T16:00:00Z")),
        promised_delivery_at: Some(at("2026-11-18T23:59:59Z")),
        released_at: at("2026-11-16T09:00:00Z"),
        shipped_at: shipped.map(at),
        delivered_at: delivered.map(at),
        lines: vec![ShipmentLineRecord {
            line_id: "l1".into(),
            product_id: "p1".into(),
            quantity: 1,
            short: false,
        }],
    }
}

#[test]
fn each_late_delivery_is_laid_at_the_warehouse_the_carrier_or_both() {
    // On time: shipped Monday 15:00, delivered Wednesday 12:00.
    let s = shipment("s", Some("2026-11-16T15:00:00Z"), Some("2026-11-18T12:00:00Z"));
    assert_eq!(lateness(&s), Some((0, LateCause::OnTime)));
    // Warehouse: shipped Wednesday 10:00 (late), 2 days in transit (within the
    // allowance): delivered Friday 10:00, 1 day 10h late = 2 started days.
    let s = shipment("s", Some("2026-11-18T10:00:00Z"), Some("2026-11-20T10:00:00Z"));
    assert_eq!(lateness(&s), Some((2, LateCause::Warehouse)));
    // Carrier: shipped on time Monday 12:00, in transit 3 days (allowed 2d 8h):
    // delivered Thursday 12:00, 12h01s late = 1 day.
    let s = shipment("s", Some("2026-11-16T12:00:00Z"), Some("2026-11-19T12:00:00Z"));
    assert_eq!(lateness(&s), Some((1, LateCause::Carrier)));
    // Both: shipped Tuesday 09:00 and 5 days in transit: Sunday 09:00, 3 days 9 hours
    // late: 4 started days.
    let s = shipment("s", Some("2026-11-17T09:00:00Z"), Some("2026-11-22T09:00:00Z"));
    assert_eq!(lateness(&s), Some((4, LateCause::Both)));
    // No promised ship time: late, nobody to blame.
    let mut s = shipment("s", Some("2026-11-16T12:00:00Z"), Some("2026-11-19T12:00:00Z"));
    s.promised_ship_at = None;
    assert_eq!(lateness(&s), Some((1, LateCause::Unknown)));
    // Not delivered: not counted.
    assert_eq!(lateness(&shipment("s", Some("2026-11-16T12:00:00Z"), None)), None);
}

#[test]
fn percentiles_are_nearest_rank_over_the_histogram() {
    // 10 values: 1,1,1,2,2,3,5,8,8,20.
    let h: BTreeMap<i64, i64> = [(1, 3), (2, 2), (3, 1), (5, 1), (8, 2), (20, 1)].into();
    assert_eq!(percentile(&h, 50), Some(2), "rank 5");
    assert_eq!(percentile(&h, 90), Some(8), "rank 9");
    assert_eq!(percentile(&h, 95), Some(20), "rank 10");
    assert_eq!(percentile(&h, 100), Some(20));
    assert_eq!(percentile(&BTreeMap::new(), 50), None);
    assert_eq!(percentile(&[(7, 1)].into(), 90), Some(7));
}

#[test]
fn hours_to_ship_are_real_hours_across_a_clock_change() {
    // London springs forward at 01:00 UTC on 29 March 2026: placed 00:30 GMT, shipped
    // 03:30 UTC (04:30 BST on the wall) is 3 hours, not 4.
    assert_eq!(hours_to_ship(at("2026-03-29T00:30:00Z"), at("2026-03-29T03:30:00Z")), 3);
    assert_eq!(hours_to_ship(at("2026-03-29T00:30:00Z"), at("2026-03-29T03:30:01Z")), 4);
    assert_eq!(hours_to_ship(at("2026-03-29T00:30:00Z"), at("2026-03-29T00:30:00Z")), 0);
}

#[test]
fn the_delivery_report_sums_groups_rates_distributions_and_causes() {
    let cell = |group: &str, days_late, cause, shipments| DeliveryCell {
        group: group.into(),
        days_late,
        cause,
        shipments,
    };
    let cells = [
        cell("ups", 0, LateCause::OnTime, 6),
        cell("ups", 1, LateCause::Carrier, 2),
        cell("ups", 2, LateCause::Warehouse, 1),
        cell("ups", 5, LateCause::Both, 1),
        cell("dpd", 0, LateCause::OnTime, 1),
        cell("dpd", 9, LateCause::Unknown, 1),
    ];
    let ship = [
        ShipTimeCell {
            group: "ups".into(),
            hours: 4,
            shipments: 9,
        },
        ShipTimeCell {
            group: "ups".into(),
            hours: 30,
            shipments: 2,
        },
        ShipTimeCell {
            group: "dpd".into(),
            hours: 2,
            shipments: 2,
        },
    ];
    let r = delivery_report(
        date(2026, 11, 1),
        date(2026, 11, 30),
        DeliveryGroupBy::Carrier,
        &cells,
        &ship,
    );
    // dpd: 1 of 2 on time (0.5) sorts before ups: 6 of 10 (0.6).
    assert_eq!(
        r.groups.iter().map(|g| g.group.as_str()).collect::<Vec<_>>(),
        ["dpd", "ups"]
    );
    let ups = &r.groups[1];
    assert_eq!((ups.delivered, ups.on_time, ups.late), (10, 6, 4));
    assert_eq!(ups.on_time_rate, Some(0.6));
    // Late: 1,1,2,5 → mean 9/4, p90 rank 4 → 5.
    assert_eq!(ups.mean_days_late, Some(2.25));
    assert_eq!(ups.p90_days_late, Some(5));
    assert_eq!(
        ups.days_late,
        DaysLate {
            on_time: 6,
            one: 2,
            two: 1,
            three: 0,
            four_to_six: 1,
            seven_plus: 0
        }
    );
    assert_eq!(
        ups.late_cause,
        LateAttribution {
            warehouse: 1,
            carrier: 2,
            both: 1,
            unknown: 0
        }
    );
    // 11 shipped: nine at 4h, two at 30h: p50 rank 6 → 4, p90 rank 10 → 30, p95 rank 11 → 30.
    assert_eq!(ups.shipped, 11);
    assert_eq!(
        ups.hours_to_ship,
        ShipHours {
            p50: Some(4),
            p90: Some(30),
            p95: Some(30)
        }
    );
    let t = &r.total;
    assert_eq!((t.delivered, t.on_time, t.late), (12, 7, 5));
    // Late: 1,1,2,5,9 → mean 18/5, p90 rank 5 → 9.
    assert_eq!(t.mean_days_late, Some(3.6));
    assert_eq!(t.p90_days_late, Some(9));
    assert_eq!(t.days_late.seven_plus, 1);
    assert_eq!(t.late_cause.unknown, 1);
    // 13 shipped: 2h ×2, 4h ×9, 30h ×2: p50 rank 7 → 4, p90 rank 12 → 30.
    assert_eq!((t.hours_to_ship.p50, t.hours_to_ship.p90), (Some(4), Some(30)));
}

fn completed(id: &str) -> OrderRecord {
    let mut o = order(id, "2026-11-16T10:00:00Z", vec![line("l1", LineStatus::Delivered)]);
    o.status = OrderStatus::Completed;
    o.shipments = vec![shipment(
        "s1",
        Some("2026-11-16T15:00:00Z"),
        Some("2026-11-18T12:00:00Z"),
    )];
    o
}

fn event(kind: OrderEventKind, actor: &str, data: &str) -> EventRecord {
    EventRecord {
        kind,
        actor: actor.into(),
        data: data.into(),
        at: at("2026-11-16T12:00:00Z"),
    }
}

fn failed(o: &OrderRecord) -> Vec<PerfectComponent> {
    match judge(o) {
        Verdict::Judged { failed } => failed,
        other => panic!("{other:?}"),
    }
}

#[test]
fn each_component_fails_alone() {
    use PerfectComponent::*;
    assert_eq!(failed(&completed("ok")), vec![]);

    let mut late = completed("late");
    late.shipments[0].delivered_at = Some(at("2026-11-19T12:00:00Z"));
    assert_eq!(failed(&late), vec![OnTime]);

    let mut backordered = completed("bo");
    backordered.events = vec![event(OrderEventKind::Backordered, "system", "{}")];
    assert_eq!(failed(&backordered), vec![Complete]);

    let mut short = completed("short");
    short.shipments[0].lines[0].short = true;
    assert_eq!(failed(&short), vec![Complete]);

    let mut staff_cancel = completed("staff");
    staff_cancel.lines.push(line("l2", LineStatus::Cancelled));
    staff_cancel.events = vec![event(
        OrderEventKind::LineCancelled,
        "key:ops",
        r#"{"line_id":"l2","sku":"P1","reason":"out of stock"}"#,
    )];
    assert_eq!(failed(&staff_cancel), vec![Complete]);

    let mut asked = completed("asked");
    asked.events = vec![
        event(
            OrderEventKind::LineCancelled,
            "key:ops",
            r#"{"line_id":"l2","reason":"Customer changed their mind"}"#,
        ),
        event(OrderEventKind::LineCancelled, "channel:amazon", r#"{"reason":null}"#),
    ];
    assert_eq!(failed(&asked), vec![], "the customer's cancellations are no failure");

    let mut missing = completed("missing");
    missing.claims = vec![ClaimRecord {
        reason: ClaimReason::ItemMissing,
        at: at("2026-11-20T00:00:00Z"),
    }];
    assert_eq!(failed(&missing), vec![Complete]);

    let mut damaged = completed("damaged");
    damaged.claims = vec![ClaimRecord {
        reason: ClaimReason::DamagedInTransit,
        at: at("2026-11-20T00:00:00Z"),
    }];
    assert_eq!(failed(&damaged), vec![Undamaged]);

    let ret = |reason, status| ReturnLineRecord {
        line_id: "l1".into(),
        product_id: "p1".into(),
        quantity: 1,
        reason,
        status,
    };
    let mut defective = completed("defective");
    defective.returns = vec![ret(ReturnReason::Defective, ReturnStatus::Received)];
    assert_eq!(failed(&defective), vec![Undamaged]);
    defective.returns = vec![ret(ReturnReason::Damaged, ReturnStatus::Rejected)];
    assert_eq!(failed(&defective), vec![], "a rejected return says nothing");
    defective.returns = vec![ret(ReturnReason::TooSmall, ReturnStatus::Received)];
    assert_eq!(failed(&defective), vec![], "a size is not a failure");

    let mut wrong = completed("wrong");
    wrong.returns = vec![ret(ReturnReason::WrongItem, ReturnStatus::Authorized)];
    assert_eq!(failed(&wrong), vec![Right]);
    wrong.returns = vec![];
    wrong.claims = vec![ClaimRecord {
        reason: ClaimReason::WrongItemSent,
        at: at("2026-11-20T00:00:00Z"),
    }];
    assert_eq!(failed(&wrong), vec![Right]);

    let mut address = completed("address");
    address.events = vec![event(
        OrderEventKind::ShipmentException,
        "ups",
        r#"{"description":"Incorrect ADDRESS, contacting customer"}"#,
    )];
    assert_eq!(failed(&address), vec![Right]);
    address.events = vec![event(
        OrderEventKind::ShipmentException,
        "ups",
        r#"{"description":"Delayed by weather"}"#,
    )];
    assert_eq!(failed(&address), vec![], "an exception that is not the address");
}

#[test]
fn only_completed_and_cancelled_orders_are_judged_and_the_customers_cancellations_are_left_out() {
    let mut open = completed("open");
    open.status = OrderStatus::Open;
    assert_eq!(judge(&open), Verdict::Undecided);

    let mut by_channel = completed("ch");
    by_channel.status = OrderStatus::Cancelled;
    by_channel.shipments.clear();
    by_channel.events = vec![event(
        OrderEventKind::Cancelled,
        "channel:shop",
        r#"{"reason":"cancelled on the channel"}"#,
    )];
    assert_eq!(judge(&by_channel), Verdict::CustomerCancelled);

    let mut by_staff = by_channel.clone();
    by_staff.events = vec![event(OrderEventKind::Cancelled, "key:ops", r#"{"reason":"fraud"}"#)];
    assert_eq!(failed(&by_staff), vec![PerfectComponent::Complete]);

    let mut no_history = by_channel.clone();
    no_history.events.clear();
    assert_eq!(
        failed(&no_history),
        vec![PerfectComponent::Complete],
        "cancelled with no cancellation on record: not the customer's"
    );
}

#[test]
fn the_day_rolls_up_counts_and_names_the_failing_orders() {
    let london = TimeZone::get("Europe/London").unwrap();
    let mut late = completed("b-late");
    late.shipments[0].delivered_at = Some(at("2026-11-21T12:00:00Z"));
    let mut cancelled = completed("c-cancel");
    cancelled.status = OrderStatus::Cancelled;
    cancelled.events = vec![event(OrderEventKind::Cancelled, "channel:web", "{}")];
    let mut open = completed("d-open");
    open.status = OrderStatus::Open;
    let orders = [completed("a-ok"), late, cancelled, open];
    let day = date(2026, 11, 16);
    let r = rollup_day(day, &london, &orders);
    assert_eq!(r.perfect.len(), 1);
    assert_eq!(
        r.perfect[0].counts,
        PerfectCounts {
            decided: 2,
            perfect: 1,
            customer_cancelled: 1,
            late: 1,
            incomplete: 0,
            damaged: 0,
            wrong: 0,
        }
    );
    assert_eq!(r.failures.len(), 1);
    assert_eq!(r.failures[0].number, "B-LATE");
    assert_eq!(r.failures[0].failed, vec![PerfectComponent::OnTime]);
    // Four delivered shipments (the open order's too): three on time, one 3 days late
    // by the carrier; four shipped after 5 hours.
    let on_time: i64 = r
        .deliveries
        .iter()
        .filter(|d| d.days_late == 0)
        .map(|d| d.shipments)
        .sum();
    assert_eq!(on_time, 3);
    let late: Vec<_> = r.deliveries.iter().filter(|d| d.days_late > 0).collect();
    assert_eq!(late.len(), 1);
    assert_eq!((late[0].days_late, late[0].cause), (3, LateCause::Carrier));
    assert_eq!(r.ship_times.len(), 1);
    assert_eq!((r.ship_times[0].hours, r.ship_times[0].shipments), (5, 4));
}

#[test]
fn the_trend_has_every_week_of_the_period_and_the_rates_of_each() {
    let counts = |decided, perfect, late| PerfectCounts {
        decided,
        perfect,
        late,
        incomplete: decided - perfect - late,
        ..PerfectCounts::default()
    };
    // Sunday 1 Nov to Sunday 15 Nov 2026: weeks start 1 Nov (cut), 2 Nov, 9 Nov.
    let days = [
        (date(2026, 11, 1), counts(2, 1, 1)),
        (date(2026, 11, 3), counts(4, 4, 0)),
        (date(2026, 11, 8), counts(4, 2, 1)),
        (date(2026, 11, 20), counts(9, 0, 9)),
    ];
    let r = perfect_report(date(2026, 11, 1), date(2026, 11, 15), Bucket::Week, &days);
    assert_eq!(
        r.trend.iter().map(|p| p.start).collect::<Vec<_>>(),
        [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 9)]
    );
    assert_eq!(r.trend[0].rates.perfect_rate, Some(0.5));
    // 2-8 Nov: 8 decided, 6 perfect, 1 late, 1 incomplete.
    assert_eq!(r.trend[1].rates.perfect_rate, Some(0.75));
    assert_eq!(r.trend[1].rates.on_time_rate, Some(0.875));
    assert_eq!(r.trend[1].rates.complete_rate, Some(0.875));
    assert_eq!(r.trend[1].rates.undamaged_rate, Some(1.0));
    assert_eq!(r.trend[2].rates.perfect_rate, None, "nothing decided");
    // Total: 10 decided, 7 perfect, 2 late (20 Nov is outside the period).
    assert_eq!(r.total.counts.decided, 10);
    assert_eq!(r.total.perfect_rate, Some(0.7));
    assert_eq!(r.total.on_time_rate, Some(0.8));
}
