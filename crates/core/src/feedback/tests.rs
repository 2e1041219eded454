use jiff::{SignedDuration, Timestamp};

use super::*;

fn now() -> Timestamp {
    "2026-12-06T12:00:00Z".parse().unwrap()
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n * 24)
}

fn form(fields: &[(&str, &str)]) -> FeedbackInput {
    FeedbackInput {
        fields: fields.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
    }
}

fn problems(errors: Vec<FieldError>) -> Vec<(String, &'static str)> {
    errors.into_iter().map(|e| (e.field, e.code)).collect()
}

#[test]
fn marketplaces_never_ask_and_other_channels_ask_after_a_week() {
    for kind in ChannelKind::ALL {
        let expected = match kind {
            ChannelKind::Amazon | ChannelKind::Ebay | ChannelKind::Etsy => None,
            _ => Some(7),
        };
        assert_eq!(default_after_days(*kind), expected, "{kind}");
    }
    assert_eq!(after_days(1), Ok(1));
    assert_eq!(after_days(AFTER_DAYS_MAX), Ok(AFTER_DAYS_MAX));
    for bad in [0, -1, AFTER_DAYS_MAX + 1] {
        assert_eq!(after_days(bad).unwrap_err().code, "out_of_range", "{bad}");
    }
}

#[test]
fn an_order_is_due_from_its_day_until_ask_within_later() {
    let window = due_window(now(), 7);
    assert!(window.contains(now() - days(7)), "exactly seven days ago");
    assert!(!window.contains(now() - days(6)), "too soon");
    assert!(window.contains(now() - days(7) - ASK_WITHIN + SignedDuration::from_secs(1)));
    assert!(!window.contains(now() - days(7) - ASK_WITHIN), "too late: never asked");
    assert_eq!(window.delivered_by, now() - days(7));
}

#[test]
fn a_request_goes_only_to_an_address() {
    assert_eq!(recipient(" Ann@Example.com "), Some("ann@example.com".into()));
    for none in ["", "not-an-address", "marketplace"] {
        assert_eq!(recipient(none), None, "{none:?}");
    }
}

#[test]
fn a_customer_is_asked_only_at_an_address_that_did_not_unsubscribe() {
    assert_eq!(ask(Some("ann@example.com"), false), RequestOutcome::Sent);
    assert_eq!(ask(Some("ann@example.com"), true), RequestOutcome::OptedOut);
    assert_eq!(ask(None, false), RequestOutcome::NoAddress);
}

#[test]
fn a_form_rates_items_and_the_delivery_with_a_comment() {
    let answers = form(&[
        ("item_2", "4"),
        ("item_1", " 5 "),
        ("delivery", "3"),
        ("comment", "  Lovely tee.\r\nArrived a day late.  "),
    ])
    .parse(&[1, 2])
    .unwrap();
    assert_eq!(
        answers.items,
        [
            ItemRating { line_no: 1, rating: 5 },
            ItemRating { line_no: 2, rating: 4 }
        ],
        "in the order of the lines"
    );
    assert_eq!(answers.delivery, Some(3));
    assert_eq!(answers.comment.as_deref(), Some("Lovely tee.\r\nArrived a day late."));
    assert_eq!(answers.lowest(), Some(3));
    assert!(!answers.is_negative());
}

#[test]
fn ratings_left_out_are_not_asked_for_but_one_must_be_given() {
    let answers = form(&[("item_1", ""), ("delivery", "5"), ("comment", " ")])
        .parse(&[1])
        .unwrap();
    assert!(answers.items.is_empty());
    assert_eq!(answers.comment, None);
    let errors = form(&[("comment", "no ratings")]).parse(&[1]).unwrap_err();
    assert_eq!(problems(errors.clone()), [("".into(), "required")]);
    assert_eq!(errors[0].message, "rate at least one item or the delivery");
}

#[test]
fn every_problem_of_a_form_is_reported_at_once() {
    let long = "x".repeat(COMMENT_MAX + 1);
    let errors = form(&[
        ("item_1", "6"),
        ("item_9", "3"),
        ("delivery", "0"),
        ("delivery", "4"),
        ("comment", &long),
        ("admin", "1"),
        ("item_2", "three"),
    ])
    .parse(&[1, 2])
    .unwrap_err();
    assert_eq!(
        problems(errors),
        [
            ("item_1".into(), "invalid_rating"),
            ("item_9".into(), "unknown_field"),
            ("delivery".into(), "invalid_rating"),
            ("delivery".into(), "duplicate"),
            ("comment".into(), "too_long"),
            ("admin".into(), "unknown_field"),
            ("item_2".into(), "invalid_rating"),
        ]
    );
}

#[test]
fn a_form_with_far_more_fields_than_questions_is_refused_whole() {
    let many: Vec<(String, String)> = (0..2 + 2 + EXTRA_FIELDS_MAX + 1)
        .map(|i| (format!("x{i}"), "1".to_owned()))
        .collect();
    let errors = FeedbackInput { fields: many }.parse(&[1, 2]).unwrap_err();
    assert_eq!(problems(errors), [("".into(), "too_many_fields")]);
    let fits: Vec<(String, String)> = (0..2 + 2 + EXTRA_FIELDS_MAX)
        .map(|i| (format!("x{i}"), "1".to_owned()))
        .collect();
    let errors = FeedbackInput { fields: fits }.parse(&[1, 2]).unwrap_err();
    assert_eq!(errors.len(), 2 + 2 + EXTRA_FIELDS_MAX, "each named");
}

#[test]
fn a_comment_may_span_lines_but_holds_no_other_control_characters() {
    let exactly = "é".repeat(COMMENT_MAX);
    let answers = form(&[("delivery", "5"), ("comment", &exactly)]).parse(&[]).unwrap();
    assert_eq!(answers.comment.map(|c| c.chars().count()), Some(COMMENT_MAX));
    for bad in ["bell\u{7}", "\u{1b}[31mred", "pay\u{200b}pal", "abc\u{202e}cba"] {
        let errors = form(&[("delivery", "5"), ("comment", bad)]).parse(&[]).unwrap_err();
        assert_eq!(problems(errors), [("comment".into(), "invalid_characters")], "{bad:?}");
    }
}

#[test]
fn a_rating_of_two_or_lower_anywhere_is_negative() {
    for (fields, negative) in [
        (&[("item_1", "2"), ("delivery", "5")][..], true),
        (&[("item_1", "5"), ("delivery", "1")][..], true),
        (&[("item_1", "3"), ("delivery", "3")][..], false),
    ] {
        let answers = form(fields).parse(&[1]).unwrap();
        assert_eq!(answers.is_negative(), negative, "{fields:?}");
    }
    assert_eq!(NEGATIVE_AT_MOST, 2);
}

#[test]
fn a_webhook_endpoint_may_subscribe_to_negative_feedback() {
    assert_eq!(
        crate::webhook::event_type(NEGATIVE_TOPIC).as_deref(),
        Ok("feedback.negative")
    );
    assert_eq!(crate::webhook::event_type("feedback.*").as_deref(), Ok("feedback.*"));
}

#[test]
fn averages_are_rounded_to_two_decimals_and_none_of_nothing() {
    assert_eq!(Average::of(13, 3), Some(Average { count: 3, mean: 4.33 }));
    assert_eq!(Average::of(9, 2), Some(Average { count: 2, mean: 4.5 }));
    assert_eq!(Average::of(0, 0), None);
}

#[test]
fn the_pages_of_a_token_are_under_feedback() {
    assert_eq!(page_path("t.m"), "/feedback/t.m");
    assert_eq!(unsubscribe_path("t.m"), "/feedback/t.m/unsubscribe");
}
