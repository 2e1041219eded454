//! Perfect order rate: the share of decided orders that went right in every way.
//!
//! An order is **decided** when nothing more will be sent for it: it is `completed`
//! (every line left was delivered) or `cancelled`. An order cancelled whole at the
//! customer's request (by its channel, or with a reason naming the customer) owed
//! nothing more and is left out of the rate (`customer_cancelled`). Every other
//! decided order is judged on four components; it is perfect when none fails:
//! - **on time**: every delivered shipment arrived by its promise (`delivery::lateness`);
//! - **complete**: nothing waited on a backorder (no `order.backordered` event), no
//!   shipment line was picked short, no `item_missing` claim, and no line (nor the
//!   order) was cancelled unless the customer asked — a channel's cancellation is the
//!   customer's, a staff cancellation only when its reason names the customer;
//! - **undamaged**: no `damaged_in_transit` claim, no return (not rejected or
//!   withdrawn) for reason `damaged` or `defective`;
//! - **right**: no `wrong_item_sent` claim, no return for `wrong_item`, and no carrier
//!   exception or return to sender whose words name the address.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use super::delivery::{LateCause, lateness};
use super::filter::Bucket;
use super::rate;
use super::record::{EventRecord, OrderRecord};
use super::sales::{order_carrier, order_location, return_counts};
use crate::connector::CHANNEL_ACTOR_PREFIX;
use crate::order::{OrderEventKind, OrderStatus};
use crate::returns::{ClaimReason, ReturnReason};

string_enum!(
    /// A part of a perfect order.
    PerfectComponent {
        /// Every shipment delivered by its promise.
        OnTime = "on_time",
        /// No backorder wait, short pick, missing item or cancellation the customer did not ask for.
        Complete = "complete",
        /// No damage in transit, no return as damaged or defective.
        Undamaged = "undamaged",
        /// No wrong item, no address problem.
        Right = "right",
    }
);

/// What the perfect-order rate makes of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Open or on hold: not counted yet.
    Undecided,
    /// Cancelled whole at the customer's request: not counted.
    CustomerCancelled,
    /// Counted; perfect when `failed` is empty.
    Judged { failed: Vec<PerfectComponent> },
}

/// The words of a customer's request: a reason naming the customer.
fn names_customer(text: &str) -> bool {
    text.to_lowercase().contains("customer")
}

fn data_field(event: &EventRecord, field: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(&event.data).ok()?;
    value.get(field)?.as_str().map(str::to_owned)
}

/// Whether a cancellation (of the order or a line) was the customer's: its channel
/// cancelled it, or its reason names the customer.
pub fn customer_asked(event: &EventRecord) -> bool {
    event.kind == OrderEventKind::ChannelCancelled
        || event.actor.starts_with(CHANNEL_ACTOR_PREFIX)
        || data_field(event, "reason").is_some_and(|r| names_customer(&r))
}

/// Whether a carrier's exception or return to sender was about the address.
pub fn address_problem(event: &EventRecord) -> bool {
    matches!(
        event.kind,
        OrderEventKind::ShipmentException | OrderEventKind::ShipmentReturned
    ) && data_field(event, "description").is_some_and(|d| d.to_lowercase().contains("address"))
}

/// Judges one order.
pub fn judge(order: &OrderRecord) -> Verdict {
    let cancelled = match order.status {
        OrderStatus::Completed => false,
        OrderStatus::Cancelled => {
            let by_customer = order
                .events
                .iter()
                .rev()
                .find(|e| e.kind == OrderEventKind::Cancelled)
                .is_some_and(customer_asked);
            if by_customer {
                return Verdict::CustomerCancelled;
            }
            true
        }
        _ => return Verdict::Undecided,
    };
    let returns = || order.returns.iter().filter(|r| return_counts(r.status));
    let claimed = |reason: ClaimReason| order.claims.iter().any(|c| c.reason == reason);
    let on_time = order
        .shipments
        .iter()
        .filter_map(lateness)
        .all(|(_, cause)| cause == LateCause::OnTime);
    // Cancelled whole and not at the customer's request is incomplete even when its
    // history has no cancellation to read (an order imported or copied as cancelled).
    let cancelled_for_us = cancelled
        || order
            .events
            .iter()
            .any(|e| matches!(e.kind, OrderEventKind::LineCancelled | OrderEventKind::Cancelled) && !customer_asked(e));
    let complete = !order.had(OrderEventKind::Backordered)
        && !order.had(OrderEventKind::ShortPicked)
        && !order.shipments.iter().any(|s| s.lines.iter().any(|l| l.short))
        && !claimed(ClaimReason::ItemMissing)
        && !cancelled_for_us;
    let undamaged = !claimed(ClaimReason::DamagedInTransit)
        && !returns().any(|r| matches!(r.reason, ReturnReason::Damaged | ReturnReason::Defective));
    let right = !claimed(ClaimReason::WrongItemSent)
        && !returns().any(|r| r.reason == ReturnReason::WrongItem)
        && !order.events.iter().any(address_problem);
    let failed = [
        (on_time, PerfectComponent::OnTime),
        (complete, PerfectComponent::Complete),
        (undamaged, PerfectComponent::Undamaged),
        (right, PerfectComponent::Right),
    ]
    .into_iter()
    .filter(|(ok, _)| !ok)
    .map(|(_, c)| c)
    .collect();
    Verdict::Judged { failed }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PerfectKey {
    pub day: Date,
    pub channel_id: String,
    /// Of the order's first shipment, blank when none (as the sales roll-up).
    pub location_id: String,
    pub carrier: String,
}

/// Counts of decided orders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerfectCounts {
    /// Orders judged (decided, not cancelled by the customer).
    pub decided: i64,
    pub perfect: i64,
    /// Cancelled whole at the customer's request: not in the rate.
    pub customer_cancelled: i64,
    pub late: i64,
    pub incomplete: i64,
    pub damaged: i64,
    pub wrong: i64,
}

impl PerfectCounts {
    /// The counts' names, in the order of `values` (the roll-up's columns, the CSV's).
    pub const NAMES: [&'static str; 7] = [
        "decided",
        "perfect",
        "customer_cancelled",
        "late",
        "incomplete",
        "damaged",
        "wrong",
    ];

    /// The counts in the order of `NAMES`.
    pub fn values(&self) -> [i64; 7] {
        [
            self.decided,
            self.perfect,
            self.customer_cancelled,
            self.late,
            self.incomplete,
            self.damaged,
            self.wrong,
        ]
    }

    pub fn add(&mut self, o: &PerfectCounts) {
        self.decided += o.decided;
        self.perfect += o.perfect;
        self.customer_cancelled += o.customer_cancelled;
        self.late += o.late;
        self.incomplete += o.incomplete;
        self.damaged += o.damaged;
        self.wrong += o.wrong;
    }

    fn count(&mut self, verdict: &Verdict) {
        match verdict {
            Verdict::Undecided => {}
            Verdict::CustomerCancelled => self.customer_cancelled += 1,
            Verdict::Judged { failed } => {
                self.decided += 1;
                self.perfect += i64::from(failed.is_empty());
                for c in failed {
                    match c {
                        PerfectComponent::OnTime => self.late += 1,
                        PerfectComponent::Complete => self.incomplete += 1,
                        PerfectComponent::Undamaged => self.damaged += 1,
                        PerfectComponent::Right => self.wrong += 1,
                    }
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerfectRow {
    pub key: PerfectKey,
    pub counts: PerfectCounts,
}

/// A judged order that failed a component, kept for the failures list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FailureRow {
    pub day: Date,
    pub order_id: String,
    pub number: String,
    pub channel_id: String,
    pub location_id: String,
    pub carrier: String,
    pub failed: Vec<PerfectComponent>,
}

pub(super) fn perfect_rows(day: Date, orders: &[OrderRecord]) -> (Vec<PerfectRow>, Vec<FailureRow>) {
    let mut cells: BTreeMap<PerfectKey, PerfectCounts> = BTreeMap::new();
    let mut failures = Vec::new();
    for order in orders {
        let verdict = judge(order);
        if verdict == Verdict::Undecided {
            continue;
        }
        let key = PerfectKey {
            day,
            channel_id: order.channel_id.clone(),
            location_id: order_location(order).to_owned(),
            carrier: order_carrier(order).to_owned(),
        };
        if let Verdict::Judged { failed } = &verdict
            && !failed.is_empty()
        {
            failures.push(FailureRow {
                day,
                order_id: order.id.clone(),
                number: order.number.clone(),
                channel_id: key.channel_id.clone(),
                location_id: key.location_id.clone(),
                carrier: key.carrier.clone(),
                failed: failed.clone(),
            });
        }
        cells.entry(key).or_default().count(&verdict);
    }
    failures.sort();
    let rows = cells
        .into_iter()
        .map(|(key, counts)| PerfectRow { key, counts })
        .collect();
    (rows, failures)
}

/// The rates of some decided orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerfectRates {
    pub counts: PerfectCounts,
    /// perfect / decided; `null` when nothing was decided.
    pub perfect_rate: Option<f64>,
    /// Share of decided orders that passed each component.
    pub on_time_rate: Option<f64>,
    pub complete_rate: Option<f64>,
    pub undamaged_rate: Option<f64>,
    pub right_rate: Option<f64>,
}

impl PerfectRates {
    pub fn of(counts: PerfectCounts) -> PerfectRates {
        let passed = |failed: i64| rate(counts.decided - failed, counts.decided);
        PerfectRates {
            perfect_rate: rate(counts.perfect, counts.decided),
            on_time_rate: passed(counts.late),
            complete_rate: passed(counts.incomplete),
            undamaged_rate: passed(counts.damaged),
            right_rate: passed(counts.wrong),
            counts,
        }
    }
}

/// One bucket of the trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerfectPeriod {
    /// The bucket's first day (a Monday for weeks), within the period.
    pub start: Date,
    #[serde(flatten)]
    pub rates: PerfectRates,
}

/// Perfect order rate over a period, with its trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerfectReport {
    pub from: Date,
    pub to: Date,
    /// `day`, `week` or `month`.
    pub bucket: String,
    pub total: PerfectRates,
    /// Every bucket of the period, oldest first, empty ones included.
    pub trend: Vec<PerfectPeriod>,
}

/// The report of `from..=to` from the summed counts per day.
pub fn perfect_report(from: Date, to: Date, bucket: Bucket, days: &[(Date, PerfectCounts)]) -> PerfectReport {
    let mut per: BTreeMap<Date, PerfectCounts> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        per.entry(bucket.start(day).max(from)).or_default();
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    let mut total = PerfectCounts::default();
    for (day, counts) in days {
        if *day < from || *day > to {
            continue;
        }
        total.add(counts);
        per.entry(bucket.start(*day).max(from)).or_default().add(counts);
    }
    PerfectReport {
        from,
        to,
        bucket: bucket.as_str().to_owned(),
        total: PerfectRates::of(total),
        trend: per
            .into_iter()
            .map(|(start, counts)| PerfectPeriod {
                start,
                rates: PerfectRates::of(counts),
            })
            .collect(),
    }
}
