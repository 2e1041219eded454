use std::collections::BTreeSet;

use serde_json::json;

use super::*;
use crate::catalog::{ChannelInput, ChannelKind};

fn event(data: serde_json::Value) -> serde_json::Value {
    json!({ "order_id": "ord_1", "kind": "x", "message": "m", "data": data, "at": "2026-12-01T10:00:00Z" })
}

#[test]
fn each_step_the_customer_cares_about_becomes_its_email() {
    let cases = [
        (
            "order.placed",
            json!({"external_id": "AMZ-1"}),
            EmailKind::OrderReceived,
        ),
        (
            "order.placed",
            json!({"external_id": "RMA-100001-EXCHANGE"}),
            EmailKind::ExchangePlaced,
        ),
        (
            "order.backordered",
            json!({"lines": ["2 × TEE"]}),
            EmailKind::Backordered,
        ),
        ("order.shipped", json!({"shipment_id": "shp_1"}), EmailKind::Shipped),
        ("order.delivered", json!({"shipment_id": "shp_1"}), EmailKind::Delivered),
        (
            "order.running_late",
            json!({"shipment_id": "shp_1"}),
            EmailKind::RunningLate,
        ),
        (
            "order.cancelled",
            json!({"reason": "changed mind"}),
            EmailKind::Cancelled,
        ),
        ("order.line_cancelled", json!({"sku": "TEE"}), EmailKind::Cancelled),
        (
            "order.refunded",
            json!({"amount": {"amount": 100, "currency": "GBP"}}),
            EmailKind::RefundIssued,
        ),
        (
            "order.return_authorized",
            json!({"return": "RMA-1"}),
            EmailKind::ReturnAuthorized,
        ),
        (
            "order.return_received",
            json!({"return": "RMA-1"}),
            EmailKind::ReturnReceived,
        ),
        ("order.held", json!({"reason": "payment"}), EmailKind::PaymentFailed),
        (
            "order.feedback_requested",
            json!({"expires_at": "2027-01-05T00:00:00Z"}),
            EmailKind::FeedbackRequest,
        ),
    ];
    for (topic, data, kind) in cases {
        assert_eq!(kind_for(topic, &event(data)), Some(kind), "{topic}");
    }
    let out_for_delivery = json!({"shipment_id": "shp_1", "order_id": "ord_1", "status": "out_for_delivery"});
    assert_eq!(
        kind_for("shipment.out_for_delivery", &out_for_delivery),
        Some(EmailKind::OutForDelivery)
    );
}

#[test]
fn only_the_feedback_request_links_to_our_pages() {
    let linking: Vec<EmailKind> = EmailKind::ALL
        .iter()
        .copied()
        .filter(|k| k.links_to_our_pages())
        .collect();
    assert_eq!(linking, [EmailKind::FeedbackRequest]);
}

#[test]
fn every_kind_comes_from_some_message() {
    let produced: BTreeSet<EmailKind> = [
        ("order.placed", json!({})),
        ("order.placed", json!({"external_id": "RMA-1-EXCHANGE"})),
        ("order.backordered", json!({})),
        ("order.shipped", json!({})),
        ("shipment.out_for_delivery", json!({})),
        ("order.delivered", json!({})),
        ("order.running_late", json!({})),
        ("order.cancelled", json!({})),
        ("order.refunded", json!({})),
        ("order.return_authorized", json!({})),
        ("order.return_received", json!({})),
        ("order.held", json!({"reason": "payment"})),
        ("order.feedback_requested", json!({})),
    ]
    .into_iter()
    .filter_map(|(topic, data)| kind_for(topic, &event(data)))
    .collect();
    assert_eq!(produced, EmailKind::ALL.iter().copied().collect());
}

#[test]
fn messages_the_customer_is_not_told_about_make_no_email() {
    let quiet = [
        ("order.allocated", json!({})),
        ("order.held", json!({"reason": "fraud_review"})),
        ("order.released", json!({})),
        ("order.payment_declined", json!({})),
        ("order.shipment_released", json!({})),
        ("order.return_settled", json!({"settlement": "exchange"})),
        // The cancellation that follows the last line's: that line's email said it.
        ("order.cancelled", json!({"cause": CAUSE_NO_LINES_LEFT})),
        // An email on the timeline never sends another.
        ("order.email_sent", json!({"kind": "shipped"})),
        ("shipment.shipped", json!({})),
        ("shipment.delivered", json!({})),
        ("purchase_order.received", json!({})),
    ];
    for (topic, data) in quiet {
        assert_eq!(kind_for(topic, &event(data)), None, "{topic}");
    }
}

fn channel(kind: ChannelKind) -> ChannelInput {
    ChannelInput {
        code: Some("c".into()),
        name: Some("C".into()),
        kind: Some(kind),
        ..Default::default()
    }
}

#[test]
fn marketplaces_that_mail_their_customers_start_with_every_kind_off() {
    for kind in ChannelKind::ALL {
        let email = channel(*kind).parse().unwrap().email;
        let marketplace = matches!(kind, ChannelKind::Amazon | ChannelKind::Ebay | ChannelKind::Etsy);
        assert_eq!(
            email.kinds_off.len(),
            if marketplace { EmailKind::ALL.len() } else { 0 },
            "{kind}"
        );
        assert_eq!(email.sender_name, None);
        assert_eq!(email.reply_to, None);
    }
}

#[test]
fn a_channel_turns_kinds_off_and_names_its_sender_and_reply_to() {
    let mut input = channel(ChannelKind::Amazon);
    input.email = Some(ChannelEmailInput {
        kinds_off: Some(vec![EmailKind::OutForDelivery, EmailKind::OutForDelivery]),
        sender_name: Some("  Tee Shop ".into()),
        reply_to: Some("Help@TeeShop.example".into()),
    });
    let email = input.parse().unwrap().email;
    assert_eq!(email.kinds_off, BTreeSet::from([EmailKind::OutForDelivery]));
    assert!(email.sends(EmailKind::Shipped));
    assert!(!email.sends(EmailKind::OutForDelivery));
    assert_eq!(email.sender_name.as_deref(), Some("Tee Shop"));
    assert_eq!(email.reply_to.as_deref(), Some("help@teeshop.example"));
}

#[test]
fn a_reply_to_must_be_an_address_and_a_sender_name_visible_text() {
    let mut input = channel(ChannelKind::Web);
    input.email = Some(ChannelEmailInput {
        kinds_off: None,
        sender_name: Some("Tee\nBcc: all@example.com".into()),
        reply_to: Some("not an address".into()),
    });
    let errors: Vec<(String, &str)> = input
        .parse()
        .unwrap_err()
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect();
    assert_eq!(
        errors,
        [
            ("/email/sender_name".to_owned(), "invalid_characters"),
            ("/email/reply_to".to_owned(), "invalid_email")
        ]
    );
}

#[test]
fn a_patch_keeps_the_email_settings_it_does_not_name_and_blank_clears() {
    let mut input = channel(ChannelKind::Web);
    input.email = Some(ChannelEmailInput {
        kinds_off: Some(vec![EmailKind::Delivered]),
        sender_name: Some("Tee Shop".into()),
        reply_to: Some("help@teeshop.example".into()),
    });
    let current = input.parse().unwrap();
    let patch = ChannelInput {
        email: Some(ChannelEmailInput {
            reply_to: Some(" ".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let changed = patch.apply(&current).unwrap().draft.email;
    assert_eq!(changed.kinds_off, BTreeSet::from([EmailKind::Delivered]));
    assert_eq!(changed.sender_name.as_deref(), Some("Tee Shop"));
    assert_eq!(changed.reply_to, None);
    // A patch naming no email settings keeps them all, even when the kind changes.
    let patch = ChannelInput {
        kind: Some(ChannelKind::Amazon),
        ..Default::default()
    };
    assert_eq!(patch.apply(&current).unwrap().draft.email, current.email);
}

#[test]
fn an_email_is_sent_only_when_the_channel_wants_it_and_there_is_an_address() {
    let placed = event(json!({}));
    let web = ChannelEmail::default_for(ChannelKind::Web);
    let amazon = ChannelEmail::default_for(ChannelKind::Amazon);
    assert_eq!(
        decide("order.placed", &placed, &web, "Ann@Example.com"),
        Ok((EmailKind::OrderReceived, "ann@example.com".to_owned()))
    );
    assert_eq!(decide("order.placed", &placed, &web, ""), Err(Skip::NoAddress));
    assert_eq!(decide("order.placed", &placed, &web, "n/a"), Err(Skip::NoAddress));
    assert_eq!(
        decide("order.placed", &placed, &amazon, "ann@example.com"),
        Err(Skip::TurnedOff(EmailKind::OrderReceived))
    );
    assert_eq!(
        decide("order.allocated", &placed, &web, "ann@example.com"),
        Err(Skip::NotAnEmail)
    );
    assert_eq!(Skip::NoAddress.describe(), "no email address");
}

#[test]
fn a_subject_is_one_line_of_visible_text() {
    assert_eq!(
        subject("  Your order\n SO-1 has shipped ").unwrap(),
        "Your order SO-1 has shipped"
    );
    assert_eq!(subject(" \n ").unwrap_err().code, "required");
    assert_eq!(subject("Hi\u{202e}there").unwrap_err().code, "invalid_characters");
}
