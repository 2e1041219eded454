//! The filters every report takes: a period of whole days in the seller's time zone,
//! and optionally one channel, location, carrier and SKU. Query parameters arrive as
//! text (`ReportQuery`); `ReportQuery::parse` checks each and says what is wrong
//! field by field. Channel, location and SKU are matched by their codes; the store
//! turns them into ids (an unknown code matches nothing).

use jiff::civil::Date;
use serde::Deserialize;

use crate::validation::{Invalid, Validator};

/// The longest period a report covers, in days (two years and a leap day).
pub const MAX_DAYS: i64 = 731;
/// The period when none is given: the 30 days ending today.
pub const DEFAULT_DAYS: i64 = 30;

/// How a report groups days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bucket {
    Day,
    /// Weeks start on Monday (ISO 8601).
    Week,
    Month,
}

impl Bucket {
    pub const ALL: [Bucket; 3] = [Bucket::Day, Bucket::Week, Bucket::Month];

    pub fn parse(raw: &str) -> Result<Bucket, Invalid> {
        match raw {
            "day" => Ok(Bucket::Day),
            "week" => Ok(Bucket::Week),
            "month" => Ok(Bucket::Month),
            _ => Err(Invalid::new("invalid_bucket", "must be day, week or month")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }

    /// The first day of the bucket `day` falls in.
    pub fn start(self, day: Date) -> Date {
        match self {
            Bucket::Day => day,
            Bucket::Week => day
                .checked_sub(jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())))
                .unwrap_or(day),
            Bucket::Month => day.first_of_month(),
        }
    }
}

/// The query parameters, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportQuery {
    /// First day, `YYYY-MM-DD`, in the seller's time zone.
    pub from: Option<String>,
    /// Last day (included).
    pub to: Option<String>,
    pub channel: Option<String>,
    pub location: Option<String>,
    pub carrier: Option<String>,
    pub sku: Option<String>,
}

/// A checked report filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFilter {
    pub from: Date,
    /// Included.
    pub to: Date,
    pub channel: Option<String>,
    pub location: Option<String>,
    pub carrier: Option<String>,
    pub sku: Option<String>,
}

impl ReportFilter {
    /// The number of days in the period.
    pub fn days(&self) -> i64 {
        i64::from((self.to - self.from).get_days()) + 1
    }

    /// The period of the same length just before this one (for comparisons).
    pub fn previous(&self) -> ReportFilter {
        let length = jiff::Span::new().days(self.days());
        ReportFilter {
            from: self.from.checked_sub(length).unwrap_or(self.from),
            to: self.from.yesterday().unwrap_or(self.from),
            ..self.clone()
        }
    }
}

fn date(raw: &str) -> Result<Date, Invalid> {
    raw.trim()
        .parse()
        .map_err(|_| Invalid::new("invalid_date", "must be a date, YYYY-MM-DD"))
}

fn filter_text(raw: &str) -> Result<String, Invalid> {
    let value = raw.trim();
    if value.is_empty() || value.chars().count() > 100 || value.chars().any(char::is_control) {
        return Err(Invalid::new("invalid_filter", "must be 1-100 characters"));
    }
    Ok(value.to_owned())
}

impl ReportQuery {
    /// Checks every parameter; `today` is the seller's today, which the default
    /// period ends on.
    pub fn parse(&self, today: Date) -> Result<ReportFilter, Vec<crate::validation::FieldError>> {
        let mut v = Validator::new();
        let to = v.check_opt("to", self.to.as_deref(), date).map(|d| d.unwrap_or(today));
        let from = v.check_opt("from", self.from.as_deref(), date);
        let channel = v.check_opt("channel", self.channel.as_deref(), filter_text);
        let location = v.check_opt("location", self.location.as_deref(), filter_text);
        let carrier = v.check_opt("carrier", self.carrier.as_deref(), filter_text);
        let sku = v.check_opt("sku", self.sku.as_deref(), filter_text);
        let mut period = None;
        if let (Some(to), Some(from)) = (to, from) {
            let default_from = to.checked_sub(jiff::Span::new().days(DEFAULT_DAYS - 1)).unwrap_or(to);
            let from = from.unwrap_or(default_from);
            let days = i64::from((to - from).get_days()) + 1;
            if days < 1 {
                v.push(Invalid::new("invalid_period", "must not be after `to`").at("from"));
            } else if days > MAX_DAYS {
                v.push(
                    Invalid::new("invalid_period", format!("the period may span at most {MAX_DAYS} days")).at("from"),
                );
            } else {
                period = Some((from, to));
            }
        }
        v.finish(|| {
            let (from, to) = period?;
            Some(ReportFilter {
                from,
                to,
                channel: channel?,
                location: location?,
                carrier: carrier?,
                sku: sku?,
            })
        })
    }
}
