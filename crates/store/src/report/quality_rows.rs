//! The delivery and perfect-order roll-up tables' rows (migration 0024): written with
//! the day's other roll-ups (`rows::replace_day`) and read back for `check`.

use jiff::civil::Date;
use switchyard_core::report::{
    DayRollup, DeliveryRow, FailureRow, LateCause, PerfectComponent, PerfectCounts, PerfectKey, PerfectRow,
    ShipTimeRow, ShipmentKey,
};

use super::day_arg;
use super::rows::{int, text};
use crate::Store;
use crate::db::{self, Arg, Link, Row, get_enum, insert_rows};
use crate::error::StoreResult;

/// The tables, each keyed by `day` first.
pub(crate) const TABLES: [&str; 4] = [
    "report_delivery_daily",
    "report_ship_time_daily",
    "report_perfect_daily",
    "report_perfect_failure",
];

const DELIVERIES: &str = "INSERT INTO report_delivery_daily (day, channel_id, location_id, carrier, service, \
                          ship_country, days_late, cause, shipments) VALUES ";
const SHIP_TIMES: &str = "INSERT INTO report_ship_time_daily (day, channel_id, location_id, carrier, service, \
                          ship_country, hours, shipments) VALUES ";
const PERFECT: &str = "INSERT INTO report_perfect_daily (day, channel_id, location_id, carrier, decided, perfect, \
                       customer_cancelled, late, incomplete, damaged, wrong) VALUES ";
const FAILURES: &str = "INSERT INTO report_perfect_failure (day, order_id, number, channel_id, location_id, carrier, \
                        late, incomplete, damaged, wrong) VALUES ";

fn key_args(k: &ShipmentKey) -> Vec<Arg> {
    vec![
        day_arg(k.day),
        Arg::Text(k.channel_id.clone()),
        Arg::Text(k.location_id.clone()),
        Arg::Text(k.carrier.clone()),
        Arg::Text(k.service.clone()),
        Arg::Text(k.ship_country.clone()),
    ]
}

/// The components a failure row's flags stand for, in the columns' order.
const FLAGS: [(PerfectComponent, &str); 4] = [
    (PerfectComponent::OnTime, "late"),
    (PerfectComponent::Complete, "incomplete"),
    (PerfectComponent::Undamaged, "damaged"),
    (PerfectComponent::Right, "wrong"),
];

/// Inserts `rollup`'s rows of these tables (the day's old rows are already deleted).
pub(crate) async fn insert(conn: &mut Link, rollup: &DayRollup) -> StoreResult<()> {
    let deliveries: Vec<Vec<Arg>> = rollup
        .deliveries
        .iter()
        .map(|r| {
            let mut args = key_args(&r.key);
            args.extend([
                Arg::Int(r.days_late),
                Arg::Text(r.cause.as_str().into()),
                Arg::Int(r.shipments),
            ]);
            args
        })
        .collect();
    insert_rows(conn, DELIVERIES, &deliveries).await?;
    let ship_times: Vec<Vec<Arg>> = rollup
        .ship_times
        .iter()
        .map(|r| {
            let mut args = key_args(&r.key);
            args.extend([Arg::Int(r.hours), Arg::Int(r.shipments)]);
            args
        })
        .collect();
    insert_rows(conn, SHIP_TIMES, &ship_times).await?;
    let perfect: Vec<Vec<Arg>> = rollup
        .perfect
        .iter()
        .map(|r| {
            let (k, c) = (&r.key, &r.counts);
            vec![
                day_arg(k.day),
                Arg::Text(k.channel_id.clone()),
                Arg::Text(k.location_id.clone()),
                Arg::Text(k.carrier.clone()),
                Arg::Int(c.decided),
                Arg::Int(c.perfect),
                Arg::Int(c.customer_cancelled),
                Arg::Int(c.late),
                Arg::Int(c.incomplete),
                Arg::Int(c.damaged),
                Arg::Int(c.wrong),
            ]
        })
        .collect();
    insert_rows(conn, PERFECT, &perfect).await?;
    let failures: Vec<Vec<Arg>> = rollup
        .failures
        .iter()
        .map(|f| {
            let mut args = vec![
                day_arg(f.day),
                Arg::Text(f.order_id.clone()),
                Arg::Text(f.number.clone()),
                Arg::Text(f.channel_id.clone()),
                Arg::Text(f.location_id.clone()),
                Arg::Text(f.carrier.clone()),
            ];
            args.extend(FLAGS.map(|(c, _)| Arg::Int(i64::from(f.failed.contains(&c)))));
            args
        })
        .collect();
    insert_rows(conn, FAILURES, &failures).await
}

fn key(row: &Row, day: Date) -> StoreResult<ShipmentKey> {
    Ok(ShipmentKey {
        day,
        channel_id: text(row, "channel_id")?,
        location_id: text(row, "location_id")?,
        carrier: text(row, "carrier")?,
        service: text(row, "service")?,
        ship_country: text(row, "ship_country")?,
    })
}

/// The components a failure row failed, from its flags.
pub(crate) fn failed_components(row: &Row) -> StoreResult<Vec<PerfectComponent>> {
    let mut failed = Vec::new();
    for (component, column) in FLAGS {
        if int(row, column)? != 0 {
            failed.push(component);
        }
    }
    Ok(failed)
}

/// Reads these tables' rows of `day` into `rollup`, in core's order.
pub(crate) async fn read(store: &Store, day: Date, rollup: &mut DayRollup) -> StoreResult<()> {
    let read = |table: &'static str| async move {
        db::query(format!("SELECT * FROM {table} WHERE day = $1"))
            .bind(day_arg(day))
            .fetch_all(&store.pool)
            .await
    };
    for r in read("report_delivery_daily").await? {
        rollup.deliveries.push(DeliveryRow {
            key: key(&r, day)?,
            days_late: int(&r, "days_late")?,
            cause: get_enum(&r, "cause", LateCause::parse)?,
            shipments: int(&r, "shipments")?,
        });
    }
    for r in read("report_ship_time_daily").await? {
        rollup.ship_times.push(ShipTimeRow {
            key: key(&r, day)?,
            hours: int(&r, "hours")?,
            shipments: int(&r, "shipments")?,
        });
    }
    for r in read("report_perfect_daily").await? {
        rollup.perfect.push(PerfectRow {
            key: PerfectKey {
                day,
                channel_id: text(&r, "channel_id")?,
                location_id: text(&r, "location_id")?,
                carrier: text(&r, "carrier")?,
            },
            counts: PerfectCounts {
                decided: int(&r, "decided")?,
                perfect: int(&r, "perfect")?,
                customer_cancelled: int(&r, "customer_cancelled")?,
                late: int(&r, "late")?,
                incomplete: int(&r, "incomplete")?,
                damaged: int(&r, "damaged")?,
                wrong: int(&r, "wrong")?,
            },
        });
    }
    for r in read("report_perfect_failure").await? {
        rollup.failures.push(FailureRow {
            day,
            order_id: text(&r, "order_id")?,
            number: text(&r, "number")?,
            channel_id: text(&r, "channel_id")?,
            location_id: text(&r, "location_id")?,
            carrier: text(&r, "carrier")?,
            failed: failed_components(&r)?,
        });
    }
    rollup
        .deliveries
        .sort_by(|a, b| (&a.key, a.days_late, a.cause).cmp(&(&b.key, b.days_late, b.cause)));
    rollup
        .ship_times
        .sort_by(|a, b| (&a.key, a.hours).cmp(&(&b.key, b.hours)));
    rollup.perfect.sort_by(|a, b| a.key.cmp(&b.key));
    rollup.failures.sort();
    Ok(())
}
