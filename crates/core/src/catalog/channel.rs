//! Channels: where orders come from, what a valid channel is when it is created or
//! changed, its policies (shortage, split, payment, returns) with their defaults, and
//! the locations it may ship from.

use serde::{Deserialize, Serialize};

use super::{identity, within};
use crate::feedback;
use crate::id::LocationId;
use crate::mail::{ChannelEmail, ChannelEmailInput};
use crate::payment::{CaptureMode, PaymentProvider};
use crate::returns::RefundOn;
use crate::routing::SplitPolicy;
use crate::validation::{self, FieldError, Invalid, Validator};

string_enum!(
    /// Where a channel's orders come from.
    ChannelKind {
        Web = "web",
        Shopify = "shopify",
        Amazon = "amazon",
        Etsy = "etsy",
        Ebay = "ebay",
        Woocommerce = "woocommerce",
        Pos = "pos",
        Wholesale = "wholesale",
        Api = "api",
    }
);

string_enum!(
    /// What happens to an order that asks for more than can be reserved.
    ShortagePolicy {
        /// Refuse the order (checkouts we control: the customer is still there).
        Reject = "reject",
        /// Accept it and mark the short lines backordered (marketplaces: the sale happened).
        Backorder = "backorder",
    }
);

/// The longest return window a channel may give, in days.
pub const RETURN_WINDOW_MAX_DAYS: i64 = 365;
/// The largest restocking fee, in percent of the goods.
pub const RESTOCKING_FEE_MAX_PERCENT: i64 = 100;

/// A channel as it arrives for creation or replacement.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelInput {
    #[cfg_attr(feature = "openapi", schema(example = "amazon-uk"))]
    pub code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "Amazon UK"))]
    pub name: Option<String>,
    pub kind: Option<ChannelKind>,
    /// Codes (or ids) of the locations this channel's orders may ship from.
    #[cfg_attr(feature = "openapi", schema(example = json!(["LON", "MCR-3PL"])))]
    pub ship_from: Option<Vec<String>>,
    /// Default `reject`.
    pub shortage_policy: Option<ShortagePolicy>,
    /// Default `allow`: split across locations when one cannot ship everything.
    pub split_policy: Option<SplitPolicy>,
    /// Who takes the money of this channel's orders; default `manual`.
    pub payment_provider: Option<PaymentProvider>,
    /// When the money is taken; default `on_shipment`.
    pub capture_mode: Option<CaptureMode>,
    /// Days after delivery (or shipment, when delivery is not known) a return may be
    /// requested; default 30, at most 365.
    #[cfg_attr(feature = "openapi", schema(example = 30))]
    pub return_window_days: Option<i64>,
    /// When returns are refunded; default `receipt`.
    pub refund_on: Option<RefundOn>,
    /// Percent of the goods kept when a return is the customer's choice (not a fault of
    /// the seller); default 0.
    #[cfg_attr(feature = "openapi", schema(example = 10))]
    pub restocking_fee_percent: Option<i64>,
    /// Its customer emails: which kinds it sends, the sender name and reply-to.
    pub email: Option<ChannelEmailInput>,
    /// Days after an order's delivery its customer is asked for feedback, 1 to 90;
    /// `null` never. Default 7, and never for marketplaces (amazon, ebay, etsy), which
    /// ask their customers themselves. In a change, absent keeps it and `null` turns it off.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, example = 7, minimum = 1, maximum = 90))]
    pub feedback_after_days: Option<Option<i64>>,
}

/// Reads a field that may be given as `null`: present (`Some`), even when null, so a
/// change can tell "turn it off" from "leave it".
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDraft {
    pub code: String,
    pub name: String,
    pub kind: ChannelKind,
    /// Location references, in the order given, not yet resolved.
    pub ship_from: Vec<String>,
    pub shortage_policy: ShortagePolicy,
    pub split_policy: SplitPolicy,
    pub policies: ChannelPolicies,
    /// Days after delivery its customers are asked for feedback; `None` never.
    pub feedback_after_days: Option<i64>,
    pub email: ChannelEmail,
}

/// How a channel takes money and accepts returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelPolicies {
    pub payment_provider: PaymentProvider,
    pub capture_mode: CaptureMode,
    pub return_window_days: i64,
    pub refund_on: RefundOn,
    pub restocking_fee_percent: i64,
}

impl Default for ChannelPolicies {
    fn default() -> Self {
        ChannelPolicies {
            payment_provider: PaymentProvider::Manual,
            capture_mode: CaptureMode::OnShipment,
            return_window_days: 30,
            refund_on: RefundOn::Receipt,
            restocking_fee_percent: 0,
        }
    }
}

/// A change to a channel, validated whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelChange {
    pub draft: ChannelDraft,
    /// Whether the change gives a new `ship_from` list, to be checked and written.
    /// The current list is neither: an archived location already on it does not
    /// block changes to other fields.
    pub replaces_ship_from: bool,
}

impl ChannelInput {
    pub fn parse(&self) -> Result<ChannelDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let (code, name) = identity(&mut v, self.code.as_deref(), self.name.as_deref());
        let kind = v.require("/kind", self.kind);
        let mut ship_from = Vec::new();
        for (i, raw) in self.ship_from.iter().flatten().enumerate() {
            if let Some(code) = v.check(format!("/ship_from/{i}"), validation::code(raw, "location")) {
                if ship_from.contains(&code) {
                    v.push(listed_twice(i));
                }
                ship_from.push(code);
            }
        }
        let defaults = ChannelPolicies::default();
        let window = self
            .return_window_days
            .map(|days| v.check("/return_window_days", within(days, 0..=RETURN_WINDOW_MAX_DAYS)));
        let fee = self.restocking_fee_percent.map(|percent| {
            v.check(
                "/restocking_fee_percent",
                within(percent, 0..=RESTOCKING_FEE_MAX_PERCENT),
            )
        });
        let feedback_after_days = match self.feedback_after_days {
            None => Some(kind.and_then(feedback::default_after_days)),
            Some(None) => Some(None),
            Some(Some(days)) => v.check("/feedback_after_days", feedback::after_days(days)).map(Some),
        };
        let email_base = ChannelEmail::default_for(kind.unwrap_or(ChannelKind::Web));
        let email = self.email.clone().unwrap_or_default().parse(&mut v, &email_base);
        v.finish(|| {
            Some(ChannelDraft {
                code: code?,
                name: name?,
                kind: kind?,
                ship_from,
                shortage_policy: self.shortage_policy.unwrap_or(ShortagePolicy::Reject),
                split_policy: self.split_policy.unwrap_or(SplitPolicy::Allow),
                policies: ChannelPolicies {
                    payment_provider: self.payment_provider.unwrap_or(defaults.payment_provider),
                    capture_mode: self.capture_mode.unwrap_or(defaults.capture_mode),
                    return_window_days: window.map_or(Some(defaults.return_window_days), |w| w)?,
                    refund_on: self.refund_on.unwrap_or(defaults.refund_on),
                    restocking_fee_percent: fee.map_or(Some(defaults.restocking_fee_percent), |f| f)?,
                },
                feedback_after_days: feedback_after_days?,
                email: email?,
            })
        })
    }

    /// Changes the fields present in this patch of `current`; `ship_from`, when
    /// present, replaces the list. The result is validated as a whole.
    pub fn apply(&self, current: &ChannelDraft) -> Result<ChannelChange, Vec<FieldError>> {
        let p = &current.policies;
        let merged = ChannelInput {
            code: self.code.clone().or_else(|| Some(current.code.clone())),
            name: self.name.clone().or_else(|| Some(current.name.clone())),
            kind: self.kind.or(Some(current.kind)),
            ship_from: self.ship_from.clone().or_else(|| Some(current.ship_from.clone())),
            shortage_policy: self.shortage_policy.or(Some(current.shortage_policy)),
            split_policy: self.split_policy.or(Some(current.split_policy)),
            payment_provider: self.payment_provider.or(Some(p.payment_provider)),
            capture_mode: self.capture_mode.or(Some(p.capture_mode)),
            return_window_days: self.return_window_days.or(Some(p.return_window_days)),
            refund_on: self.refund_on.or(Some(p.refund_on)),
            restocking_fee_percent: self.restocking_fee_percent.or(Some(p.restocking_fee_percent)),
            feedback_after_days: self.feedback_after_days.or(Some(current.feedback_after_days)),
            email: Some(self.email.clone().unwrap_or_default().over(&current.email)),
        };
        Ok(ChannelChange {
            draft: merged.parse()?,
            replaces_ship_from: self.ship_from.is_some(),
        })
    }
}

fn listed_twice(i: usize) -> FieldError {
    Invalid::new("duplicate", "is listed twice").at(format!("/ship_from/{i}"))
}

/// What the store found for a location a channel is to ship from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipFromFacts {
    pub id: LocationId,
    pub archived: bool,
}

/// Checks each location reference of a `ship_from` list against what it found
/// (`found[i]` for `refs[i]`, `None` when there is none): the location must exist,
/// not be archived, and not be listed twice (once by code and once by id). Answers
/// the locations in the order given; problems are named under `/ship_from/{i}`.
pub fn check_ship_from(refs: &[String], found: &[Option<ShipFromFacts>]) -> Result<Vec<LocationId>, Vec<FieldError>> {
    let mut v = Validator::new();
    let mut ids: Vec<LocationId> = Vec::new();
    for (i, (reference, location)) in refs.iter().zip(found).enumerate() {
        match location {
            None => v.push(
                Invalid::new("unknown_location", format!("there is no location {reference}"))
                    .at(format!("/ship_from/{i}")),
            ),
            Some(l) if l.archived => v.push(
                Invalid::new("archived", format!("location {reference} is archived")).at(format!("/ship_from/{i}")),
            ),
            Some(l) if ids.contains(&l.id) => v.push(listed_twice(i)),
            Some(l) => ids.push(l.id.clone()),
        }
    }
    v.finish(|| Some(ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web() -> ChannelInput {
        ChannelInput {
            code: Some("web".into()),
            name: Some("Web".into()),
            kind: Some(ChannelKind::Web),
            ship_from: Some(vec!["LON".into(), "MCR".into()]),
            ..Default::default()
        }
    }

    fn location(n: i64, archived: bool) -> Option<ShipFromFacts> {
        Some(ShipFromFacts {
            id: LocationId::new_at(jiff::Timestamp::from_second(n).unwrap()),
            archived,
        })
    }

    fn problems(errors: Vec<FieldError>) -> Vec<(String, &'static str)> {
        errors.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn a_channel_gets_the_default_policies() {
        let c = web().parse().unwrap();
        assert_eq!(c.shortage_policy, ShortagePolicy::Reject);
        assert_eq!(c.split_policy, SplitPolicy::Allow);
        assert_eq!(c.policies, ChannelPolicies::default());
        assert_eq!(c.policies.return_window_days, 30);
    }

    #[test]
    fn policies_are_checked_against_their_limits() {
        let mut bad = web();
        bad.ship_from = Some(vec!["LON".into(), "LON".into()]);
        bad.return_window_days = Some(RETURN_WINDOW_MAX_DAYS + 1);
        bad.restocking_fee_percent = Some(RESTOCKING_FEE_MAX_PERCENT + 1);
        assert_eq!(
            problems(bad.parse().unwrap_err()),
            [
                ("/ship_from/1".into(), "duplicate"),
                ("/return_window_days".into(), "out_of_range"),
                ("/restocking_fee_percent".into(), "out_of_range")
            ]
        );
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_name_and_says_whether_it_replaces_the_list() {
        let current = web().parse().unwrap();
        let patch = ChannelInput {
            shortage_policy: Some(ShortagePolicy::Backorder),
            return_window_days: Some(14),
            ..Default::default()
        };
        let change = patch.apply(&current).unwrap();
        assert!(!change.replaces_ship_from);
        assert_eq!(change.draft.ship_from, current.ship_from);
        assert_eq!(change.draft.shortage_policy, ShortagePolicy::Backorder);
        assert_eq!(change.draft.policies.return_window_days, 14);
        assert_eq!(change.draft.policies.refund_on, current.policies.refund_on);

        let patch = ChannelInput {
            ship_from: Some(vec!["MCR".into()]),
            ..Default::default()
        };
        let change = patch.apply(&current).unwrap();
        assert!(change.replaces_ship_from);
        assert_eq!(change.draft.ship_from, ["MCR"]);
    }

    #[test]
    fn feedback_is_asked_a_week_after_delivery_except_on_marketplaces_unless_set() {
        assert_eq!(web().parse().unwrap().feedback_after_days, Some(7));
        let mut amazon = web();
        amazon.kind = Some(ChannelKind::Amazon);
        assert_eq!(amazon.parse().unwrap().feedback_after_days, None);
        amazon.feedback_after_days = Some(Some(14));
        assert_eq!(amazon.parse().unwrap().feedback_after_days, Some(14));
        let mut bad = web();
        bad.feedback_after_days = Some(Some(0));
        assert_eq!(
            problems(bad.parse().unwrap_err()),
            [("/feedback_after_days".into(), "out_of_range")]
        );

        let current = web().parse().unwrap();
        let keep: ChannelInput = serde_json::from_str(r#"{"name": "Web shop"}"#).unwrap();
        assert_eq!(keep.apply(&current).unwrap().draft.feedback_after_days, Some(7));
        let off: ChannelInput = serde_json::from_str(r#"{"feedback_after_days": null}"#).unwrap();
        assert_eq!(off.apply(&current).unwrap().draft.feedback_after_days, None);
        let later: ChannelInput = serde_json::from_str(r#"{"feedback_after_days": 10}"#).unwrap();
        assert_eq!(later.apply(&current).unwrap().draft.feedback_after_days, Some(10));
    }

    #[test]
    fn ship_from_names_known_live_locations_once() {
        let lon = location(1, false);
        let refs: Vec<String> = ["LON", "NOWHERE", "OLD", "loc_lon"].map(String::from).into();
        let found = [lon.clone(), None, location(2, true), lon.clone()];
        let errors = check_ship_from(&refs, &found).unwrap_err();
        assert_eq!(
            problems(errors.clone()),
            [
                ("/ship_from/1".into(), "unknown_location"),
                ("/ship_from/2".into(), "archived"),
                ("/ship_from/3".into(), "duplicate")
            ]
        );
        assert_eq!(errors[0].message, "there is no location NOWHERE");
        assert_eq!(errors[1].message, "location OLD is archived");
        let ids = check_ship_from(&refs[..1], &found[..1]).unwrap();
        assert_eq!(ids, [lon.unwrap().id]);
    }
}
