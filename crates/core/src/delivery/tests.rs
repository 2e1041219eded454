use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::*;

fn now() -> Timestamp {
    "2026-12-06T12:00:00Z".parse().unwrap()
}

#[test]
fn a_failed_try_is_retried_on_the_schedule_then_the_delivery_dies() {
    let fail = Outcome::Failed { permanent: false };
    let mut waits = Vec::new();
    let mut tries = 1;
    while let Next::RetryAt(at) = after(fail, tries, now(), 0.5) {
        waits.push(at.duration_since(now()));
        tries += 1;
    }
    assert_eq!(
        waits,
        RETRY_SCHEDULE.to_vec(),
        "with no jitter the pauses are the schedule"
    );
    assert_eq!(tries, 8, "the first try and seven retries");
    assert_eq!(after(fail, 8, now(), 0.5), Next::Finished(DeliveryState::Dead));
    assert_eq!(
        after(fail, 0, now(), 0.5),
        Next::RetryAt(now() + SignedDuration::from_secs(5))
    );
}

#[test]
fn jitter_moves_a_pause_by_at_most_a_fifth_either_way() {
    let fail = Outcome::Failed { permanent: false };
    let at = |jitter| match after(fail, 2, now(), jitter) {
        Next::RetryAt(at) => at.duration_since(now()),
        other => panic!("{other:?}"),
    };
    assert_eq!(at(0.0), SignedDuration::from_mins(4));
    assert_eq!(at(0.25), SignedDuration::from_mins(4) + SignedDuration::from_secs(30));
    assert_eq!(at(1.0), SignedDuration::from_mins(6));
    assert_eq!(at(f64::NAN), SignedDuration::from_mins(5), "a broken draw is no jitter");
    assert_eq!(
        at(7.0),
        SignedDuration::from_mins(6),
        "a draw out of range is held to it"
    );
    assert_eq!(at(-7.0), SignedDuration::from_mins(4));
}

#[test]
fn delivered_skipped_and_refused_for_good_are_final_at_any_try() {
    for tries in [1, 3, 8, 20] {
        assert_eq!(
            after(Outcome::Delivered, tries, now(), 0.3),
            Next::Finished(DeliveryState::Delivered)
        );
        assert_eq!(
            after(Outcome::Skipped, tries, now(), 0.3),
            Next::Finished(DeliveryState::Skipped)
        );
        let refused = Outcome::Failed { permanent: true };
        assert_eq!(after(refused, tries, now(), 0.3), Next::Finished(DeliveryState::Dead));
    }
}

#[test]
fn each_outcome_is_recorded_as_its_attempt_outcome() {
    assert_eq!(Outcome::Delivered.attempt(), AttemptOutcome::Delivered);
    assert_eq!(Outcome::Failed { permanent: true }.attempt(), AttemptOutcome::Failed);
    assert_eq!(Outcome::Failed { permanent: false }.attempt(), AttemptOutcome::Failed);
    assert_eq!(Outcome::Skipped.attempt(), AttemptOutcome::Skipped);
}

#[test]
fn a_destination_is_written_and_read_as_email_or_its_endpoint_id() {
    let endpoint = WebhookEndpointId::new_at(now());
    let channel = crate::id::ChannelId::new_at(now());
    for destination in [
        Destination::Email,
        Destination::Webhook(endpoint.clone()),
        Destination::Channel(channel),
    ] {
        assert_eq!(Destination::parse(destination.as_text()).unwrap(), destination);
    }
    assert_eq!(Destination::Webhook(endpoint.clone()).as_text(), endpoint.as_str());
    for bad in ["", "Email", "sms", "ord_01", "whe_"] {
        assert!(Destination::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn messages_are_kept_in_order_per_order_else_per_record() {
    let payload = json!({ "order_id": "ord_1", "shipment_id": "shp_1" });
    assert_eq!(ordering_key("shp_1", &payload), "ord_1");
    assert_eq!(ordering_key("po_1", &json!({ "number": "PO-1" })), "po_1");
    assert_eq!(ordering_key("po_1", &json!({ "order_id": 7 })), "po_1", "an id is text");
}

#[test]
fn a_reply_is_kept_up_to_its_limit_on_a_character_boundary() {
    assert_eq!(reply("250 OK"), "250 OK");
    let long = "é".repeat(REPLY_MAX);
    let kept = reply(&long);
    assert!(kept.len() <= REPLY_MAX && kept.len() >= REPLY_MAX - 1, "{}", kept.len());
    assert!(long.starts_with(kept));
    let exact = "a".repeat(REPLY_MAX);
    assert_eq!(reply(&exact), exact);
    assert_eq!(reply(&format!("{exact}b")), exact);
}

#[test]
fn a_reply_cut_inside_a_character_keeps_the_characters_before_it() {
    // One byte, then two-byte characters: the limit falls inside one of them.
    let long = format!("a{}", "é".repeat(REPLY_MAX));
    let kept = reply(&long);
    assert_eq!(kept.len(), REPLY_MAX - 1);
    assert_eq!(kept, format!("a{}", "é".repeat((REPLY_MAX - 2) / 2)));
}
