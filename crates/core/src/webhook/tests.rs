use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::order::OrderEventKind;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn problems(errors: Vec<crate::FieldError>) -> Vec<(String, &'static str)> {
    errors.into_iter().map(|e| (e.field, e.code)).collect()
}

fn input(url: &str) -> EndpointInput {
    EndpointInput {
        url: Some(url.into()),
        ..Default::default()
    }
}

#[test]
fn a_new_secret_is_whsec_and_the_base64_of_its_bytes_and_parses_back() {
    let secret = WebhookSecret::from_bytes([7; SECRET_BYTES]);
    assert!(secret.reveal().starts_with("whsec_"));
    assert_eq!(secret.reveal(), "whsec_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=");
    assert_eq!(secret.key(), [7; SECRET_BYTES]);
    assert_eq!(WebhookSecret::parse(secret.reveal()), Ok(secret));
}

#[test]
fn a_secret_of_the_standard_webhooks_vectors_parses_to_its_24_bytes() {
    let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert_eq!(secret.key().len(), 24);
}

#[test]
fn a_secret_in_another_form_is_refused() {
    let short = format!(
        "whsec_{}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [1u8; 23])
    );
    let long = format!(
        "whsec_{}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [1u8; 65])
    );
    for bad in [
        "",
        "whsec_",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_not base64!",
        "sk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        &short,
        &long,
    ] {
        assert_eq!(
            WebhookSecret::parse(bad).map(|_| ()).unwrap_err().code,
            "invalid_secret",
            "{bad:?}"
        );
    }
}

#[test]
fn a_secret_never_shows_in_debug_output_only_its_hint() {
    let secret = WebhookSecret::from_bytes([9; SECRET_BYTES]);
    let shown = format!("{secret:?} {:?}", SigningSecrets::new(secret.clone()));
    assert!(!shown.contains(secret.reveal()), "{shown}");
    assert!(!shown.contains(&secret.reveal()[6..20]), "{shown}");
    assert_eq!(
        secret.hint(),
        format!("whsec_…{}", &secret.reveal()[secret.reveal().len() - 4..])
    );
    assert!(shown.contains(&secret.hint()));
}

#[test]
fn after_a_rotation_the_old_secret_signs_beside_the_new_one_for_24_hours() {
    let (old, new, newer) = (
        WebhookSecret::from_bytes([1; SECRET_BYTES]),
        WebhookSecret::from_bytes([2; SECRET_BYTES]),
        WebhookSecret::from_bytes([3; SECRET_BYTES]),
    );
    let now = at("2026-12-06T10:00:00Z");
    let secrets = SigningSecrets::new(old.clone());
    assert_eq!(secrets.secrets_at(now), [&old]);
    let rotated = secrets.rotate(new.clone(), now);
    assert_eq!(rotated.secrets_at(now), [&new, &old]);
    let almost = now + ROTATION_OVERLAP - SignedDuration::from_secs(1);
    assert_eq!(rotated.secrets_at(almost), [&new, &old]);
    assert_eq!(rotated.previous_until(almost), Some(now + ROTATION_OVERLAP));
    assert_eq!(rotated.secrets_at(now + ROTATION_OVERLAP), [&new]);
    assert_eq!(rotated.previous_until(now + ROTATION_OVERLAP), None);
    // Rotated again within the day: only the secret just replaced keeps signing.
    let again = rotated.rotate(newer.clone(), now + SignedDuration::from_hours(1));
    assert_eq!(again.secrets_at(now + SignedDuration::from_hours(2)), [&newer, &new]);
}

#[test]
fn an_endpoint_needs_an_absolute_http_url_without_credentials() {
    let draft = input(" https://ERP.example.com/hooks?x=1 ").parse().unwrap();
    assert_eq!(draft.url, "https://erp.example.com/hooks?x=1");
    assert_eq!(draft.filter, EndpointFilter::default());
    assert_eq!(draft.description, None);
    assert!(
        input("http://127.0.0.1:8080/in").parse().is_ok(),
        "the address is judged by the server"
    );
    for (bad, code) in [
        ("ftp://example.com/x", "invalid_url"),
        ("example.com/hooks", "invalid_url"),
        ("/hooks", "invalid_url"),
        ("https://", "invalid_url"),
        ("mailto:ops@example.com", "invalid_url"),
        ("https://user:pass@example.com/", "credentials_in_url"),
        ("https://token@example.com/", "credentials_in_url"),
        ("https://example.com/#frag", "invalid_url"),
        ("  ", "required"),
    ] {
        assert_eq!(
            problems(input(bad).parse().unwrap_err()),
            [("/url".into(), code)],
            "{bad}"
        );
    }
    let longest = format!("https://example.com/{}", "a".repeat(URL_MAX - 20));
    assert!(input(&longest).parse().is_ok());
    let too_long = format!("{longest}a");
    assert_eq!(
        problems(input(&too_long).parse().unwrap_err()),
        [("/url".into(), "too_long")]
    );
    assert_eq!(
        problems(EndpointInput::default().parse().unwrap_err()),
        [("/url".into(), "required")]
    );
}

#[test]
fn every_field_error_is_named_at_once() {
    let bad = EndpointInput {
        url: Some("nope".into()),
        description: Some("x".repeat(DESCRIPTION_MAX + 1)),
        event_types: Some(vec![
            "order.placed".into(),
            "order.teleported".into(),
            "order.placed".into(),
            "*".into(),
        ]),
        channels: Some(vec!["web".into(), "no spaces".into(), "web".into()]),
    };
    assert_eq!(
        problems(bad.parse().unwrap_err()),
        [
            ("/url".into(), "invalid_url"),
            ("/description".into(), "too_long"),
            ("/event_types/1".into(), "unknown_event_type"),
            ("/event_types/2".into(), "duplicate"),
            ("/event_types/3".into(), "unknown_event_type"),
            ("/channels/1".into(), "invalid_format"),
            ("/channels/2".into(), "duplicate"),
        ]
    );
    let many = EndpointInput {
        channels: Some(vec!["web".into(); FILTER_MAX + 1]),
        ..input("https://example.com")
    };
    assert_eq!(problems(many.parse().unwrap_err()), [("/channels".into(), "too_many")]);
}

#[test]
fn a_description_is_free_text_of_at_most_500_characters_and_blank_is_none() {
    let with = |d: &str| EndpointInput {
        description: Some(d.into()),
        ..input("https://example.com")
    };
    assert_eq!(
        with("ERP\nsync").parse().unwrap().description.as_deref(),
        Some("ERP\nsync")
    );
    assert_eq!(with("  ").parse().unwrap().description, None);
    assert!(with(&"x".repeat(DESCRIPTION_MAX)).parse().is_ok());
    assert_eq!(
        problems(with("a\u{202e}b").parse().unwrap_err()),
        [("/description".into(), "invalid_characters")]
    );
}

#[test]
fn every_event_written_to_the_outbox_is_a_known_event_type_and_families_are_wildcards() {
    let types = event_types();
    for kind in OrderEventKind::ALL {
        assert!(types.contains(&kind.as_str().to_owned()), "{kind}");
    }
    for known in [
        "shipment.released",
        "shipment.delivered",
        "shipment.short_picked",
        "purchase_order.received",
        "webhook.test",
    ] {
        assert_eq!(event_type(known).as_deref(), Ok(known));
    }
    for family in ["order.*", "shipment.*", "purchase_order.*", "webhook.*"] {
        assert_eq!(event_type(family).as_deref(), Ok(family));
    }
    for unknown in [
        "order",
        "order.",
        "orders.*",
        "*",
        ".*",
        "order.placed.*",
        "ORDER.PLACED",
        "shipment.teleported",
    ] {
        assert_eq!(event_type(unknown).unwrap_err().code, "unknown_event_type", "{unknown}");
    }
    let message = event_type("nope").unwrap_err().message;
    assert!(
        message.contains("order.*, shipment.*, purchase_order.*, webhook.*"),
        "{message}"
    );
}

#[test]
fn a_filter_wants_its_types_families_and_channels_and_empty_wants_all() {
    let all = EndpointFilter::default();
    assert!(wants(&all, "order.placed", Some("web")));
    assert!(wants(&all, "purchase_order.created", None));

    let orders = EndpointFilter {
        event_types: vec!["order.*".into(), "shipment.delivered".into()],
        channels: vec![],
    };
    assert!(wants(&orders, "order.placed", Some("amazon")));
    assert!(wants(&orders, "shipment.delivered", None));
    assert!(!wants(&orders, "shipment.shipped", None));
    assert!(
        !wants(&orders, "purchase_order.created", None),
        "order.* is not purchase_order.*"
    );

    let web = EndpointFilter {
        event_types: vec![],
        channels: vec!["web".into()],
    };
    assert!(wants(&web, "order.shipped", Some("web")));
    assert!(!wants(&web, "order.shipped", Some("amazon")));
    assert!(
        !wants(&web, "purchase_order.created", None),
        "a channel filter wants only its channels' events"
    );
}

#[test]
fn a_patch_keeps_what_it_does_not_name_and_an_empty_list_means_all() {
    let current = EndpointInput {
        description: Some("ERP".into()),
        event_types: Some(vec!["order.*".into()]),
        channels: Some(vec!["web".into()]),
        ..input("https://example.com/a")
    }
    .parse()
    .unwrap();
    let patch = EndpointInput {
        url: Some("https://example.com/b".into()),
        event_types: Some(vec![]),
        ..Default::default()
    };
    let changed = patch.apply(&current).unwrap();
    assert_eq!(changed.url, "https://example.com/b");
    assert_eq!(changed.description.as_deref(), Some("ERP"));
    assert!(changed.filter.event_types.is_empty());
    assert_eq!(changed.filter.channels, ["web"]);
    let cleared = EndpointInput {
        description: Some(String::new()),
        ..Default::default()
    };
    assert_eq!(cleared.apply(&current).unwrap().description, None);
    let bad = EndpointInput {
        url: Some("ftp://x".into()),
        ..Default::default()
    };
    assert_eq!(
        problems(bad.apply(&current).unwrap_err()),
        [("/url".into(), "invalid_url")]
    );
}

#[test]
fn an_endpoint_failing_for_five_days_is_disabled_and_not_a_moment_before() {
    let since = at("2026-12-01T00:00:00Z");
    assert!(!should_disable(None, since));
    assert!(!should_disable(
        Some(since),
        since + DISABLE_AFTER - SignedDuration::from_secs(1)
    ));
    assert!(should_disable(Some(since), since + DISABLE_AFTER));
    assert_eq!(DISABLE_AFTER, SignedDuration::from_hours(120));
}

#[test]
fn a_replay_starts_at_a_time_that_has_come() {
    let now = at("2026-12-06T10:00:00Z");
    let since = |raw: Option<&str>| {
        ReplayInput {
            since: raw.map(str::to_owned),
        }
        .parse(now)
    };
    assert_eq!(since(Some(" 2026-12-05T00:00:00Z ")), Ok(at("2026-12-05T00:00:00Z")));
    assert_eq!(since(Some("2026-12-06T10:00:00Z")), Ok(now));
    for (raw, code) in [
        (None, "required"),
        (Some("yesterday"), "invalid_time"),
        (Some("2026-12-06T10:00:01Z"), "in_the_future"),
    ] {
        assert_eq!(problems(since(raw).unwrap_err()), [("/since".into(), code)], "{raw:?}");
    }
}
