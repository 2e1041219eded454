//! Returns the customer asks for themselves, on the returns portal reached from their
//! order's status link: who such a return is by, and when it is authorized at once.

use jiff::Timestamp;

use super::{ReturnDraft, ReturnReason, ReturnableLine, accepts_returns, window_closes};
use crate::auth::{Actor, Role};

/// A line the customer may still send back at some moment: how many units, and until
/// when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLine {
    pub line_no: i64,
    pub returnable: i64,
    pub closes: Timestamp,
}

/// The lines a customer may pick on the portal at `now`: shipped, with units not yet
/// on returns or claims, inside the channel's window of `window_days` (the same checks
/// `check_request` makes of what they send). None on a channel that takes no returns.
pub fn open_lines(lines: &[ReturnableLine], now: Timestamp, window_days: i64) -> Vec<OpenLine> {
    if !accepts_returns(window_days) {
        return Vec::new();
    }
    lines
        .iter()
        .filter(|l| l.returnable() > 0)
        .filter_map(|l| {
            let closes = window_closes(l.shipped_at?, l.delivered_at, window_days);
            (now <= closes).then_some(OpenLine {
                line_no: l.line_no,
                returnable: l.returnable(),
                closes,
            })
        })
        .collect()
}

/// Who a return asked for on the portal is by, on the order's timeline: "customer", with
/// the role that may do least. Authorizing it therefore approves no refund
/// (`may_approve_refund`): someone who may refund approves it later, as for a return
/// support authorized.
pub fn self_service_actor() -> Actor {
    Actor {
        name: "customer".to_owned(),
        role: Role::Viewer,
    }
}

/// Whether a return the customer asked for on the portal, already accepted by
/// `ReturnDraft::check` (inside the channel's window, no more than may still be
/// returned), is authorized at once so the customer can print its label right away.
/// It is, unless a line's reason is `Other`: a reason no rule knows needs a person to
/// read the customer's note first. Authorizing refunds nothing by itself (see
/// `self_service_actor`), so making every customer wait for a person would only delay
/// the parcel.
pub fn self_service_authorizes(draft: &ReturnDraft) -> bool {
    draft.lines.iter().all(|l| l.reason != ReturnReason::Other)
}

impl ReturnReason {
    /// The reason as the customer picks it on the portal.
    pub fn for_customer(self) -> &'static str {
        match self {
            ReturnReason::TooSmall => "Too small",
            ReturnReason::TooLarge => "Too large",
            ReturnReason::Damaged => "Arrived damaged",
            ReturnReason::Defective => "Faulty",
            ReturnReason::NotAsDescribed => "Not as described",
            ReturnReason::WrongItem => "Wrong item sent",
            ReturnReason::ChangedMind => "Changed my mind",
            ReturnReason::ArrivedLate => "Arrived too late",
            ReturnReason::Other => "Another reason (tell us below)",
        }
    }
}

impl super::ReturnStatus {
    /// The status as the customer reads it on their order's page.
    pub fn for_customer(self) -> &'static str {
        use super::ReturnStatus as S;
        match self {
            S::Requested => "Requested: we will be in touch",
            S::Authorized => "Accepted: send the items back with the label",
            S::Rejected => "Not accepted",
            S::PartiallyReceived => "Some items arrived",
            S::Received => "Received",
            S::Closed => "Done",
            S::Cancelled => "Cancelled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Quantity;
    use crate::returns::{ReturnLineDraft, may_approve_refund};

    fn draft(reasons: &[ReturnReason]) -> ReturnDraft {
        ReturnDraft {
            order: "SO-1".into(),
            lines: reasons
                .iter()
                .enumerate()
                .map(|(i, reason)| ReturnLineDraft {
                    line_no: i as i64 + 1,
                    quantity: Quantity::new(1).unwrap(),
                    reason: *reason,
                    note: None,
                })
                .collect(),
            customer_note: None,
        }
    }

    #[test]
    fn a_customers_return_is_authorized_at_once_unless_a_person_must_read_why() {
        assert!(self_service_authorizes(&draft(&[
            ReturnReason::TooSmall,
            ReturnReason::Damaged
        ])));
        assert!(!self_service_authorizes(&draft(&[
            ReturnReason::TooSmall,
            ReturnReason::Other
        ])));
    }

    #[test]
    fn only_shipped_units_left_inside_the_window_may_be_picked() {
        let shipped: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        let line = |line_no, shipped_units, already, shipped_at| ReturnableLine {
            line_no,
            sku: format!("SKU-{line_no}"),
            shipped: shipped_units,
            already,
            shipped_at,
            delivered_at: None,
        };
        let lines = [
            line(1, 2, 1, Some(shipped)),
            line(2, 1, 1, Some(shipped)),
            line(3, 0, 0, None),
        ];
        let day = jiff::SignedDuration::from_hours(24);
        let open = open_lines(&lines, shipped + day, 30);
        assert_eq!(
            open,
            [OpenLine {
                line_no: 1,
                returnable: 1,
                closes: shipped + day * 30
            }]
        );
        assert!(
            open_lines(&lines, shipped + day * 31, 30).is_empty(),
            "the window closed"
        );
        assert!(
            open_lines(&lines, shipped + day, 0).is_empty(),
            "no returns on this channel"
        );
    }

    #[test]
    fn the_customer_approves_no_refund() {
        let actor = self_service_actor();
        assert_eq!(actor.name, "customer");
        assert!(may_approve_refund(actor.role).is_err());
    }
}
