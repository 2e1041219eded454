//! Feedback after delivery: when a customer is asked, what a valid answer is, what makes
//! one negative, and the signed link that lets a customer answer without signing in.
//!
//! - A channel asks `feedback_after_days` after an order's last delivery; marketplaces
//!   (which ask their own customers) start with it off, other channels at
//!   `DEFAULT_AFTER_DAYS`. An order is asked once, and not at all when the customer has
//!   no address or unsubscribed.
//! - An order delivered longer ago than `ASK_WITHIN` past its due day is never asked:
//!   turning the setting on (or upgrading) must not mail every customer of the past.
//! - An answer rates items and the delivery from 1 to 5, with a comment. Any rating at
//!   or below `NEGATIVE_AT_MOST` flags the order for customer care to follow up.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::catalog::ChannelKind;
use crate::validation::{self, FieldError, Invalid, TextKind, Validator};

/// The event an answer with a negative rating sends, besides its timeline entry, so a
/// helpdesk can open a case.
pub const NEGATIVE_TOPIC: &str = "feedback.negative";

/// The lowest and highest rating.
pub const RATING_MIN: i64 = 1;
pub const RATING_MAX: i64 = 5;

/// A rating this low or lower is negative: the order gets `follow_up` and
/// `feedback.negative` is sent.
pub const NEGATIVE_AT_MOST: i64 = 2;

/// The longest comment, in characters.
pub const COMMENT_MAX: usize = 2000;

/// Days after delivery a channel asks, unless it says otherwise (marketplaces: never).
pub const DEFAULT_AFTER_DAYS: i64 = 7;

/// The longest a channel may wait before asking.
pub const AFTER_DAYS_MAX: i64 = 90;

/// How long after its due time an unasked order may still be asked. Later than this
/// the customer has forgotten the order, and a seller who just turned feedback on does
/// not mail every past customer at once.
pub const ASK_WITHIN: SignedDuration = SignedDuration::from_hours(30 * 24);

/// How many fields beyond its questions a form may bring (each is refused by name);
/// more is no form of ours, and is refused whole instead of field by field.
pub const EXTRA_FIELDS_MAX: usize = 10;

/// The form field of the delivery's rating.
pub const DELIVERY_FIELD: &str = "delivery";
/// The form field of the comment.
pub const COMMENT_FIELD: &str = "comment";
/// The form field of an item's rating is this followed by the line number.
pub const ITEM_FIELD_PREFIX: &str = "item_";

/// Where the feedback page of link `token` is served (the server's public pages).
pub fn page_path(token: &str) -> String {
    format!("/feedback/{token}")
}

/// Where the customer behind link `token` stops feedback emails.
pub fn unsubscribe_path(token: &str) -> String {
    format!("/feedback/{token}/unsubscribe")
}

/// How many days after delivery a channel of `kind` asks for feedback by default;
/// `None` (never) for marketplaces, which ask their customers themselves.
pub fn default_after_days(kind: ChannelKind) -> Option<i64> {
    match kind {
        ChannelKind::Amazon | ChannelKind::Ebay | ChannelKind::Etsy => None,
        ChannelKind::Web
        | ChannelKind::Shopify
        | ChannelKind::Woocommerce
        | ChannelKind::Pos
        | ChannelKind::Wholesale
        | ChannelKind::Api => Some(DEFAULT_AFTER_DAYS),
    }
}

/// A channel's `feedback_after_days`: from 1 to `AFTER_DAYS_MAX` (null turns it off).
pub fn after_days(days: i64) -> Result<i64, Invalid> {
    if (1..=AFTER_DAYS_MAX).contains(&days) {
        Ok(days)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be from 1 to {AFTER_DAYS_MAX} days, or null for never"),
        ))
    }
}

/// The deliveries whose orders are due for a request at some moment: delivered after
/// `delivered_after` (exclusive) and at or before `delivered_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueWindow {
    pub delivered_after: Timestamp,
    pub delivered_by: Timestamp,
}

/// Which last deliveries make an order due at `now` on a channel that asks `after_days`
/// after delivery: at least that long ago, but not more than `ASK_WITHIN` longer.
pub fn due_window(now: Timestamp, after_days: i64) -> DueWindow {
    let wait = SignedDuration::from_hours(after_days.saturating_mul(24));
    let delivered_by = now.saturating_sub(wait).unwrap_or(now);
    DueWindow {
        delivered_after: delivered_by.saturating_sub(ASK_WITHIN).unwrap_or(delivered_by),
        delivered_by,
    }
}

impl DueWindow {
    pub fn contains(&self, delivered_at: Timestamp) -> bool {
        delivered_at > self.delivered_after && delivered_at <= self.delivered_by
    }
}

/// The address a request goes to (and an unsubscribe is kept under), when the order's
/// customer email is one: marketplaces may pass none, or a placeholder.
pub fn recipient(customer_email: &str) -> Option<String> {
    validation::email(customer_email).ok()
}

string_enum!(
    /// What became of an order that came due for a feedback request: each order is
    /// decided once.
    RequestOutcome {
        /// The customer was sent the link.
        Sent = "sent",
        /// The order has no address to send it to.
        NoAddress = "no_address",
        /// The customer unsubscribed from feedback emails.
        OptedOut = "opted_out",
    }
);

/// Whether a due order's customer is asked: only at an address (`recipient`) that has
/// not unsubscribed.
pub fn ask(recipient: Option<&str>, opted_out: bool) -> RequestOutcome {
    match recipient {
        None => RequestOutcome::NoAddress,
        Some(_) if opted_out => RequestOutcome::OptedOut,
        Some(_) => RequestOutcome::Sent,
    }
}

/// One rating from its form value: a whole number from 1 to 5.
pub fn rating(raw: &str) -> Result<i64, Invalid> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| not_a_rating())
        .and_then(rating_of)
}

/// A rating given as a number (a list filter): from 1 to 5.
pub fn rating_of(n: i64) -> Result<i64, Invalid> {
    if (RATING_MIN..=RATING_MAX).contains(&n) {
        Ok(n)
    } else {
        Err(not_a_rating())
    }
}

fn not_a_rating() -> Invalid {
    Invalid::new(
        "invalid_rating",
        format!("must be a whole number from {RATING_MIN} to {RATING_MAX}"),
    )
}

/// The form as posted: its fields in order, names and values decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbackInput {
    pub fields: Vec<(String, String)>,
}

/// The rating of one order line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ItemRating {
    pub line_no: i64,
    pub rating: i64,
}

/// A valid answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackAnswers {
    /// In the order of `line_nos` given to `parse`.
    pub items: Vec<ItemRating>,
    pub delivery: Option<i64>,
    pub comment: Option<String>,
}

impl FeedbackInput {
    /// Checks the form against the lines the page asked about (`line_nos`): an item's
    /// rating is `item_{line_no}`, the delivery's `delivery`, the comment `comment`.
    /// Every rating may be left out (a customer may not have tried an item yet), but not
    /// all of them. Every problem is reported, named by its form field.
    pub fn parse(&self, line_nos: &[i64]) -> Result<FeedbackAnswers, Vec<FieldError>> {
        if self.fields.len() > line_nos.len() + 2 + EXTRA_FIELDS_MAX {
            return Err(vec![
                Invalid::new("too_many_fields", "has far more fields than the form asks").at(""),
            ]);
        }
        let mut v = Validator::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut items = Vec::new();
        let mut delivery = None;
        let mut comment = None;
        for (name, value) in &self.fields {
            if seen.contains(&name.as_str()) {
                v.push(Invalid::new("duplicate", "is given twice").at(name.clone()));
                continue;
            }
            seen.push(name);
            if name == COMMENT_FIELD {
                comment = v.check(name.clone(), comment_text(value)).flatten();
                continue;
            }
            let line = name
                .strip_prefix(ITEM_FIELD_PREFIX)
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| line_nos.contains(n));
            if name != DELIVERY_FIELD && line.is_none() {
                v.push(Invalid::new("unknown_field", "is not a question of this form").at(name.clone()));
                continue;
            }
            if value.trim().is_empty() {
                continue;
            }
            let Some(rating) = v.check(name.clone(), rating(value)) else {
                continue;
            };
            match line {
                Some(line_no) => items.push(ItemRating { line_no, rating }),
                None => delivery = Some(rating),
            }
        }
        if v.is_empty() && items.is_empty() && delivery.is_none() {
            v.push(Invalid::new("required", "rate at least one item or the delivery").at(""));
        }
        items.sort_by_key(|i| line_nos.iter().position(|n| *n == i.line_no));
        v.finish(|| {
            Some(FeedbackAnswers {
                items,
                delivery,
                comment,
            })
        })
    }
}

/// A comment: free text (line breaks allowed, other control characters not), at most
/// `COMMENT_MAX` characters; blank is none.
fn comment_text(raw: &str) -> Result<Option<String>, Invalid> {
    validation::visible(raw, TextKind::Free)?;
    validation::optional_text(Some(raw), COMMENT_MAX)
}

impl FeedbackAnswers {
    /// The lowest rating given.
    pub fn lowest(&self) -> Option<i64> {
        self.items.iter().map(|i| i.rating).chain(self.delivery).min()
    }

    /// Whether customer care should follow the order up.
    pub fn is_negative(&self) -> bool {
        self.lowest().is_some_and(|r| r <= NEGATIVE_AT_MOST)
    }
}

/// The mean of some ratings, as reports show it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Average {
    /// How many ratings.
    #[cfg_attr(feature = "openapi", schema(example = 12))]
    pub count: i64,
    /// Their mean, to two decimals.
    #[cfg_attr(feature = "openapi", schema(example = 4.25))]
    pub mean: f64,
}

impl Average {
    /// The average of `count` ratings adding up to `sum`; none of no ratings.
    pub fn of(sum: i64, count: i64) -> Option<Average> {
        if count <= 0 {
            return None;
        }
        let mean = (sum as f64 / count as f64 * 100.0).round() / 100.0;
        Some(Average { count, mean })
    }
}

#[cfg(test)]
mod tests;
