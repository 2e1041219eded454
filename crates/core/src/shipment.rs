//! Shipments: what one location sends for one order, from release to the customer's
//! door. One transition function says which action is legal in which state; tracking
//! events from carriers go through it too, with a rule for events that arrive late,
//! twice or out of order. Inputs (release, pick lists, packing, labels, tracking) are
//! parsed in `input`, scans are checked against the shipment in `scan`, and what a
//! confirmed pick list does (which tote gets which units) is decided in `pick`.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::validation::Invalid;

pub mod input;
pub mod pick;
pub mod scan;

string_enum!(
    /// Where a shipment is on its way from the shelf to the customer.
    ShipmentStatus {
        /// On the location's floor, waiting to be picked.
        Released = "released",
        /// On a pick list.
        Picking = "picking",
        /// Scanned into its package, weighed and measured.
        Packed = "packed",
        /// Has a carrier, a service and a tracking number.
        LabelCreated = "label_created",
        /// Handed to the carrier; the stock has left the ledger.
        Shipped = "shipped",
        InTransit = "in_transit",
        OutForDelivery = "out_for_delivery",
        Delivered = "delivered",
        /// The carrier reported a problem; later events may resolve it.
        Exception = "exception",
        ReturnedToSender = "returned_to_sender",
        /// Withdrawn before it shipped.
        Cancelled = "cancelled",
    }
);

string_enum!(
    /// What the floor, an operator or a carrier asks of a shipment.
    ShipmentAction {
        /// Put it on a pick list.
        Pick = "pick",
        /// Record the quantities the picker found.
        ConfirmPick = "confirm_pick",
        Pack = "pack",
        CreateLabel = "create_label",
        VoidLabel = "void_label",
        Ship = "ship",
        Transit = "transit",
        OutForDelivery = "out_for_delivery",
        Deliver = "deliver",
        ReportException = "report_exception",
        ReturnToSender = "return_to_sender",
        Cancel = "cancel",
    }
);

string_enum!(
    /// What a carrier says happened to a parcel.
    TrackingStatus {
        InTransit = "in_transit",
        OutForDelivery = "out_for_delivery",
        Delivered = "delivered",
        Exception = "exception",
        ReturnedToSender = "returned_to_sender",
    }
);

string_enum!(
    /// Whether a line of a shipment travels in it.
    ShipmentLineStatus {
        Open = "open",
        /// The pick found too few units: the line went back to routing.
        Short = "short",
        /// Taken out with a short line of a ship-complete order.
        Withdrawn = "withdrawn",
    }
);

string_enum!(
    /// A pick list is open until its picks are confirmed.
    PickListStatus {
        Open = "open",
        Completed = "completed",
    }
);

string_enum!(
    /// How a location's work reaches its floor.
    ReleaseMode {
        /// An operator releases it (`POST /shipments/release`).
        Manual = "manual",
        /// The server releases whatever is reserved there, as it comes.
        Auto = "auto",
    }
);

/// An action that is not legal in the shipment's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} a shipment that is {}", .action.verb(), .from)]
pub struct ShipmentTransitionError {
    pub from: ShipmentStatus,
    pub action: ShipmentAction,
}

/// The shipment lifecycle: the one place that says which action is legal when.
pub fn transition(from: ShipmentStatus, action: ShipmentAction) -> Result<ShipmentStatus, ShipmentTransitionError> {
    use ShipmentAction as A;
    use ShipmentStatus as S;
    let to = match (from, action) {
        (S::Released, A::Pick) => S::Picking,
        (S::Picking, A::ConfirmPick) => S::Picking,
        // A small shop packs straight from the shelf; packing again replaces the package.
        (S::Released | S::Picking | S::Packed, A::Pack) => S::Packed,
        (S::Packed, A::CreateLabel) => S::LabelCreated,
        (S::LabelCreated, A::VoidLabel) => S::Packed,
        (S::LabelCreated, A::Ship) => S::Shipped,
        (S::Released | S::Picking | S::Packed | S::LabelCreated, A::Cancel) => S::Cancelled,
        // Carrier events: a parcel out for delivery may go back in transit (a failed
        // attempt), and an exception is resolved by whatever the carrier says next.
        (S::Shipped | S::InTransit | S::OutForDelivery | S::Exception, A::Transit) => S::InTransit,
        (S::Shipped | S::InTransit | S::OutForDelivery | S::Exception, A::OutForDelivery) => S::OutForDelivery,
        (S::Shipped | S::InTransit | S::OutForDelivery | S::Exception, A::Deliver) => S::Delivered,
        (S::Shipped | S::InTransit | S::OutForDelivery | S::Exception, A::ReportException) => S::Exception,
        (S::Shipped | S::InTransit | S::OutForDelivery | S::Exception, A::ReturnToSender) => S::ReturnedToSender,
        (S::Picking | S::Packed | S::LabelCreated, A::Pick)
        | (S::Released | S::Packed | S::LabelCreated, A::ConfirmPick)
        | (S::LabelCreated, A::Pack)
        | (S::Released | S::Picking | S::LabelCreated, A::CreateLabel)
        | (S::Released | S::Picking | S::Packed, A::VoidLabel | A::Ship)
        | (
            S::Released | S::Picking | S::Packed | S::LabelCreated,
            A::Transit | A::OutForDelivery | A::Deliver | A::ReportException | A::ReturnToSender,
        )
        | (
            S::Shipped | S::InTransit | S::OutForDelivery | S::Exception,
            A::Pick | A::ConfirmPick | A::Pack | A::CreateLabel | A::VoidLabel | A::Ship | A::Cancel,
        )
        | (
            S::Delivered | S::ReturnedToSender | S::Cancelled,
            A::Pick
            | A::ConfirmPick
            | A::Pack
            | A::CreateLabel
            | A::VoidLabel
            | A::Ship
            | A::Transit
            | A::OutForDelivery
            | A::Deliver
            | A::ReportException
            | A::ReturnToSender
            | A::Cancel,
        ) => return Err(ShipmentTransitionError { from, action }),
    };
    Ok(to)
}

/// The states of a shipment in which `action` is legal (`transition`), in the order
/// of `ShipmentStatus::ALL`: the statuses a query looks for when it picks the
/// shipments an action may take.
pub fn states_allowing(action: ShipmentAction) -> Vec<ShipmentStatus> {
    ShipmentStatus::ALL
        .iter()
        .copied()
        .filter(|s| transition(*s, action).is_ok())
        .collect()
}

impl ShipmentStatus {
    /// The status as the customer reads it on their order's page.
    pub fn for_customer(self) -> &'static str {
        use ShipmentStatus as S;
        match self {
            S::Released | S::Picking | S::Packed | S::LabelCreated => "Being prepared",
            S::Shipped => "Shipped",
            S::InTransit => "On its way",
            S::OutForDelivery => "Out for delivery",
            S::Delivered => "Delivered",
            S::Exception => "Delayed: the carrier reported a problem",
            S::ReturnedToSender => "Being returned to us",
            S::Cancelled => "Cancelled",
        }
    }

    /// On the location's floor: released and neither shipped nor cancelled; the
    /// shipment holds the reserved stock of what it carries.
    pub const ON_THE_FLOOR: &'static [ShipmentStatus] = &[
        ShipmentStatus::Released,
        ShipmentStatus::Picking,
        ShipmentStatus::Packed,
        ShipmentStatus::LabelCreated,
    ];
    /// With the carrier and not at the end of its journey: the carrier's tracking may
    /// still move it.
    pub const CARRIER_TRACKED: &'static [ShipmentStatus] = &[
        ShipmentStatus::Shipped,
        ShipmentStatus::InTransit,
        ShipmentStatus::OutForDelivery,
        ShipmentStatus::Exception,
    ];
    /// The carrier reported a problem with it or is sending it back: the floor's
    /// exceptions list.
    pub const EXCEPTIONS: &'static [ShipmentStatus] = &[ShipmentStatus::Exception, ShipmentStatus::ReturnedToSender];
    /// Still to reach the customer: on the floor or with the carrier. Such a shipment
    /// past its promised delivery is running late (the customer is told, once).
    pub const AWAITING_DELIVERY: &'static [ShipmentStatus] = &[
        ShipmentStatus::Released,
        ShipmentStatus::Picking,
        ShipmentStatus::Packed,
        ShipmentStatus::LabelCreated,
        ShipmentStatus::Shipped,
        ShipmentStatus::InTransit,
        ShipmentStatus::OutForDelivery,
        ShipmentStatus::Exception,
    ];

    /// Released and neither shipped nor cancelled (`ON_THE_FLOOR`).
    pub fn is_on_the_floor(self) -> bool {
        Self::ON_THE_FLOOR.contains(&self)
    }

    /// Whether the goods have left the location.
    pub fn has_shipped(self) -> bool {
        matches!(
            self,
            ShipmentStatus::Shipped
                | ShipmentStatus::InTransit
                | ShipmentStatus::OutForDelivery
                | ShipmentStatus::Delivered
                | ShipmentStatus::Exception
                | ShipmentStatus::ReturnedToSender
        )
    }
}

/// How far the floor has got with a shipment, as cancelling or re-routing the lines
/// of its order sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloorProgress {
    /// Released, or on a pick list whose picks are not confirmed: its lines may still
    /// be withdrawn.
    NotStarted,
    /// Picks confirmed, packed, labelled or shipped: its lines stay in it, and
    /// cancelling or re-routing them is refused.
    Started,
    /// Cancelled: it carries nothing.
    Cancelled,
}

/// How far the floor has got with a shipment that is `status`, whose picks were
/// confirmed (`picked`) or not.
pub fn floor_progress(status: ShipmentStatus, picked: bool) -> FloorProgress {
    match status {
        ShipmentStatus::Cancelled => FloorProgress::Cancelled,
        ShipmentStatus::Released => FloorProgress::NotStarted,
        ShipmentStatus::Picking if !picked => FloorProgress::NotStarted,
        _ => FloorProgress::Started,
    }
}

/// Whether a shipment may leave holding `held` units of reserved stock for the
/// `carried` units of its open lines: it must carry something and hold exactly that
/// (an order changed under it leaves the two apart).
pub fn holds_what_it_carries(held: i64, carried: i64) -> bool {
    carried > 0 && held == carried
}

impl ShipmentAction {
    /// The action as a verb phrase for messages: "cannot {verb} a shipment that is ...".
    pub fn verb(self) -> &'static str {
        match self {
            ShipmentAction::Pick => "put on a pick list",
            ShipmentAction::ConfirmPick => "confirm picks of",
            ShipmentAction::Pack => "pack",
            ShipmentAction::CreateLabel => "create a label for",
            ShipmentAction::VoidLabel => "void the label of",
            ShipmentAction::Ship => "ship",
            ShipmentAction::Transit => "mark in transit",
            ShipmentAction::OutForDelivery => "mark out for delivery",
            ShipmentAction::Deliver => "deliver",
            ShipmentAction::ReportException => "report an exception on",
            ShipmentAction::ReturnToSender => "return to sender",
            ShipmentAction::Cancel => "cancel",
        }
    }
}

impl TrackingStatus {
    /// The shipment action a carrier event asks for.
    pub fn action(self) -> ShipmentAction {
        match self {
            TrackingStatus::InTransit => ShipmentAction::Transit,
            TrackingStatus::OutForDelivery => ShipmentAction::OutForDelivery,
            TrackingStatus::Delivered => ShipmentAction::Deliver,
            TrackingStatus::Exception => ShipmentAction::ReportException,
            TrackingStatus::ReturnedToSender => ShipmentAction::ReturnToSender,
        }
    }

    /// A final word from the carrier: it applies even when it arrives after a later event.
    fn is_final(self) -> bool {
        matches!(self, TrackingStatus::Delivered | TrackingStatus::ReturnedToSender)
    }
}

/// One tracking event, valid: what happened, when, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingEvent {
    pub status: TrackingStatus,
    pub occurred_at: Timestamp,
    /// Where it happened, as the carrier wrote it; empty when it said nothing.
    pub location: String,
    pub description: String,
}

/// What a tracking event does to a shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackingOutcome {
    /// The shipment moves to this status.
    Applied(ShipmentStatus),
    /// The event joins the timeline but leaves the status alone, for this reason.
    Recorded(&'static str),
}

/// Decides what a carrier event does to a shipment whose status is `current` and
/// whose latest applied event happened at `last_event_at`. Events arrive late, twice
/// and out of order: an event older than the latest applied one only joins the
/// timeline (a late "in transit" never undoes "out for delivery"), except the final
/// words `delivered` and `returned_to_sender`; and nothing undoes those.
pub fn track(
    current: ShipmentStatus,
    last_event_at: Option<Timestamp>,
    status: TrackingStatus,
    occurred_at: Timestamp,
) -> TrackingOutcome {
    let Ok(to) = transition(current, status.action()) else {
        return TrackingOutcome::Recorded(if current.has_shipped() {
            "the shipment's status is final"
        } else {
            "the shipment has not shipped yet"
        });
    };
    match last_event_at {
        Some(last) if occurred_at < last && !status.is_final() => {
            TrackingOutcome::Recorded("older than the latest event applied")
        }
        _ => TrackingOutcome::Applied(to),
    }
}

/// How far past our clock a tracking event may be dated: carriers' clocks drift a little.
pub const TRACKING_CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);

/// Whether a tracking event could have happened when it says: not before its shipment
/// shipped (`shipped_at`, none while it waits at the location) and not after `now` plus
/// `TRACKING_CLOCK_SKEW`. An event refused here is not recorded, so it never moves a
/// shipment, and never delivers a parcel on time.
pub fn event_time(occurred_at: Timestamp, shipped_at: Option<Timestamp>, now: Timestamp) -> Result<(), Invalid> {
    if let Some(shipped) = shipped_at.filter(|s| occurred_at < *s) {
        let shipped = shipped.strftime("%Y-%m-%dT%H:%M:%SZ");
        return Err(Invalid::new(
            "before_shipped",
            format!("is before the shipment shipped ({shipped})"),
        ));
    }
    match now.checked_add(TRACKING_CLOCK_SKEW) {
        Ok(latest) if occurred_at > latest => Err(Invalid::new(
            "in_the_future",
            format!(
                "is in the future (more than {} minutes ahead of the server's clock)",
                TRACKING_CLOCK_SKEW.as_mins()
            ),
        )),
        _ => Ok(()),
    }
}

/// A delivery measured against its promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryPerformance {
    /// The customer was promised delivery by then.
    pub promised_by: Option<Timestamp>,
    pub delivered_at: Timestamp,
    /// Delivered by the promised time (true when nothing was promised).
    pub on_time: bool,
    /// Whole days (started) after the promise; 0 when on time.
    pub days_late: i64,
}

impl DeliveryPerformance {
    pub fn measure(promised_by: Option<Timestamp>, delivered_at: Timestamp) -> Self {
        let days_late = promised_by
            .map(|p| crate::routing::promise::days_late(p, delivered_at))
            .unwrap_or(0);
        DeliveryPerformance {
            promised_by,
            delivered_at,
            on_time: days_late == 0,
            days_late,
        }
    }

    /// "on time" or "2 days late".
    pub fn describe(&self) -> String {
        match self.days_late {
            0 => "on time".to_owned(),
            1 => "1 day late".to_owned(),
            n => format!("{n} days late"),
        }
    }
}

#[cfg(test)]
mod tests;
