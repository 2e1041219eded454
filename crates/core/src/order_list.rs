//! The order list as people filter it: what each filter of a list form may hold, and
//! the saved views a user keeps of it ("Held orders from Amazon"). A form gives every
//! filter as text, blank for "any"; dates may be a day (`2026-12-07`, a whole UTC day)
//! or an RFC 3339 time.

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan, tz::TimeZone};
use serde::Deserialize;

use crate::order::{FulfilmentStatus, OrderStatus};
use crate::validation::{self, FieldError, Invalid, Validator};

/// The longest name of a saved view.
pub const VIEW_NAME_MAX: usize = 80;
/// The most views one user keeps.
pub const VIEWS_MAX: usize = 50;

/// The filters of an order list as a form sends them: each blank or absent for "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FilterInput {
    pub status: Option<String>,
    pub fulfilment_status: Option<String>,
    pub channel: Option<String>,
    pub placed_from: Option<String>,
    pub placed_to: Option<String>,
    pub q: Option<String>,
}

/// The filters, checked: the placed range is `[from, to)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub status: Option<OrderStatus>,
    pub fulfilment_status: Option<FulfilmentStatus>,
    pub channel: Option<String>,
    pub placed_from: Option<Timestamp>,
    pub placed_to: Option<Timestamp>,
    pub q: Option<String>,
}

/// The longest free-text search.
const Q_MAX: usize = 200;

fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A time given as a day (its start, or with `end` the start of the next day, so
/// that "placed to 7 December" includes the 7th) or as an RFC 3339 time.
pub fn day_or_time(raw: &str, end: bool) -> Result<Timestamp, Invalid> {
    if let Ok(day) = raw.parse::<Date>() {
        let day = if end { day.checked_add(1.day()).ok() } else { Some(day) };
        if let Some(ts) = day.and_then(|d| d.to_zoned(TimeZone::UTC).ok()) {
            return Ok(ts.timestamp());
        }
    }
    raw.parse::<Timestamp>().map_err(|_| {
        Invalid::new(
            "invalid_date",
            "must be a date like 2026-12-07 or a time like 2026-12-07T09:30:00Z",
        )
    })
}

impl FilterInput {
    /// The filters, or every field that is wrong (`status`, `placed_to`...).
    pub fn parse(&self) -> Result<Filters, Vec<FieldError>> {
        let mut v = Validator::new();
        let status = v.check_opt("status", given(&self.status), OrderStatus::parse);
        let fulfilment_status = v.check_opt(
            "fulfilment_status",
            given(&self.fulfilment_status),
            FulfilmentStatus::parse,
        );
        let channel = v.check_opt("channel", given(&self.channel), |c| {
            validation::code(c, "a channel code")
        });
        let placed_from = v.check_opt("placed_from", given(&self.placed_from), |d| day_or_time(d, false));
        let placed_to = v.check_opt("placed_to", given(&self.placed_to), |d| day_or_time(d, true));
        let q = v.check_opt("q", given(&self.q), |q| validation::text(q, Q_MAX));
        if let (Some(Some(from)), Some(Some(to))) = (placed_from, placed_to)
            && to <= from
        {
            v.push(Invalid::new("invalid_range", "must be on or after the start of the range").at("placed_to"));
        }
        v.finish(|| {
            Some(Filters {
                status: status?,
                fulfilment_status: fulfilment_status?,
                channel: channel?,
                placed_from: placed_from?,
                placed_to: placed_to?,
                q: q?,
            })
        })
    }

    /// The filters that are set, as `(name, value)` pairs in a fixed order: the query
    /// a list link or a saved view carries.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("status", &self.status),
            ("fulfilment_status", &self.fulfilment_status),
            ("channel", &self.channel),
            ("placed_from", &self.placed_from),
            ("placed_to", &self.placed_to),
            ("q", &self.q),
        ]
        .into_iter()
        .filter_map(|(name, value)| given(value).map(|v| (name, v)))
        .collect()
    }

    /// `pairs` as a query string (`status=on_hold&channel=amazon`).
    pub fn query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.pairs())
            .finish()
    }
}

/// The name of a saved view: one line of text up to `VIEW_NAME_MAX` characters.
pub fn view_name(raw: &str) -> Result<String, Invalid> {
    validation::text(raw, VIEW_NAME_MAX)
}

/// A saved view to store: its name and the filters it opens the list with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewView {
    pub name: String,
    pub filters: FilterInput,
}

/// Checks a view to save: a name (as `name`), filters that are valid and not all
/// blank (as `query`: a view of every order is the list itself).
pub fn new_view(name: &str, filters: &FilterInput) -> Result<NewView, Vec<FieldError>> {
    let mut v = Validator::new();
    let name = v.check("name", view_name(name));
    if let Err(errors) = filters.parse() {
        for e in errors {
            v.push(e);
        }
    } else if filters.pairs().is_empty() {
        v.push(Invalid::new("required", "choose at least one filter to save as a view").at("query"));
    }
    v.finish(|| {
        Some(NewView {
            name: name?,
            filters: filters.clone(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(pairs: &[(&str, &str)]) -> FilterInput {
        let get = |n: &str| pairs.iter().find(|(k, _)| *k == n).map(|(_, v)| (*v).to_owned());
        FilterInput {
            status: get("status"),
            fulfilment_status: get("fulfilment_status"),
            channel: get("channel"),
            placed_from: get("placed_from"),
            placed_to: get("placed_to"),
            q: get("q"),
        }
    }

    #[test]
    fn a_day_range_covers_whole_utc_days() {
        let f = input(&[("placed_from", "2026-12-07"), ("placed_to", "2026-12-07")])
            .parse()
            .unwrap();
        assert_eq!(f.placed_from, Some("2026-12-07T00:00:00Z".parse().unwrap()));
        assert_eq!(f.placed_to, Some("2026-12-08T00:00:00Z".parse().unwrap()));
        let t = input(&[("placed_from", "2026-12-07T09:30:00Z")]).parse().unwrap();
        assert_eq!(t.placed_from, Some("2026-12-07T09:30:00Z".parse().unwrap()));
    }

    #[test]
    fn blank_filters_mean_any_and_wrong_ones_are_named() {
        assert_eq!(
            input(&[("status", " "), ("q", "")]).parse().unwrap(),
            Filters::default()
        );
        let errors = input(&[("status", "lost"), ("placed_from", "yesterday"), ("channel", "a b")])
            .parse()
            .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["status", "channel", "placed_from"]);
        let backwards = input(&[("placed_from", "2026-12-08"), ("placed_to", "2026-12-01")])
            .parse()
            .unwrap_err();
        assert_eq!(backwards[0].field, "placed_to");
    }

    #[test]
    fn a_view_needs_a_name_and_a_filter() {
        let held = input(&[("status", "on_hold"), ("channel", "amazon")]);
        let view = new_view("  Held from Amazon ", &held).unwrap();
        assert_eq!(view.name, "Held from Amazon");
        assert_eq!(held.pairs(), [("status", "on_hold"), ("channel", "amazon")]);
        assert_eq!(input(&[("q", "Ann & co")]).query(), "q=Ann+%26+co");
        let fields = |r: Result<NewView, Vec<FieldError>>| -> Vec<String> {
            r.unwrap_err().into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(new_view("", &held)), ["name"]);
        assert_eq!(fields(new_view("All", &FilterInput::default())), ["query"]);
        assert_eq!(
            fields(new_view(&"x".repeat(81), &input(&[("status", "x")]))),
            ["name", "status"]
        );
    }
}
