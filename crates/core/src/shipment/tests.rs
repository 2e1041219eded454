//! The shipment rules: the state machine, tracking events, scans, the floor's state sets
//! and picks.

use jiff::Timestamp;

use super::input::*;
use super::scan::{ExpectedItem, NextScan, next_scan, tally, verify};
use super::*;
use crate::carrier::{Carrier, Provider};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn the_happy_path_walks_from_release_to_delivery() {
    use ShipmentAction as A;
    use ShipmentStatus as S;
    let mut status = S::Released;
    for (action, expected) in [
        (A::Pick, S::Picking),
        (A::ConfirmPick, S::Picking),
        (A::Pack, S::Packed),
        (A::CreateLabel, S::LabelCreated),
        (A::Ship, S::Shipped),
        (A::Transit, S::InTransit),
        (A::OutForDelivery, S::OutForDelivery),
        (A::Deliver, S::Delivered),
    ] {
        status = transition(status, action).unwrap();
        assert_eq!(status, expected);
    }
}

#[test]
fn terminal_states_accept_no_action() {
    for from in [
        ShipmentStatus::Delivered,
        ShipmentStatus::ReturnedToSender,
        ShipmentStatus::Cancelled,
    ] {
        for action in ShipmentAction::ALL {
            assert_eq!(
                transition(from, *action),
                Err(ShipmentTransitionError { from, action: *action })
            );
        }
    }
}

#[test]
fn nothing_ships_without_a_label_and_nothing_shipped_is_cancelled() {
    use ShipmentAction as A;
    use ShipmentStatus as S;
    assert!(transition(S::Packed, A::Ship).is_err());
    assert!(transition(S::Released, A::CreateLabel).is_err());
    assert_eq!(transition(S::LabelCreated, A::VoidLabel), Ok(S::Packed));
    for shipped in [S::Shipped, S::InTransit, S::OutForDelivery, S::Exception] {
        assert!(transition(shipped, A::Cancel).is_err());
        assert!(transition(shipped, A::Pack).is_err());
    }
    let e = transition(S::Shipped, A::Cancel).unwrap_err();
    assert_eq!(e.to_string(), "cannot cancel a shipment that is shipped");
    let e = transition(S::Released, A::CreateLabel).unwrap_err();
    assert_eq!(e.to_string(), "cannot create a label for a shipment that is released");
}

#[test]
fn a_late_in_transit_never_undoes_delivered() {
    let delivered_at = at("2026-11-20T12:00:00Z");
    let outcome = track(
        ShipmentStatus::Delivered,
        Some(delivered_at),
        TrackingStatus::InTransit,
        at("2026-11-19T08:00:00Z"),
    );
    assert!(matches!(outcome, TrackingOutcome::Recorded(_)));
}

#[test]
fn events_older_than_the_latest_only_join_the_timeline() {
    let last = Some(at("2026-11-20T07:40:00Z"));
    assert_eq!(
        track(
            ShipmentStatus::OutForDelivery,
            last,
            TrackingStatus::InTransit,
            at("2026-11-19T08:00:00Z")
        ),
        TrackingOutcome::Recorded("older than the latest event applied")
    );
    // A later "in transit" after "out for delivery" is a failed attempt going back.
    assert_eq!(
        track(
            ShipmentStatus::OutForDelivery,
            last,
            TrackingStatus::InTransit,
            at("2026-11-20T18:00:00Z")
        ),
        TrackingOutcome::Applied(ShipmentStatus::InTransit)
    );
    // Delivered is final, even when its time is older than an event already applied.
    assert_eq!(
        track(
            ShipmentStatus::Exception,
            last,
            TrackingStatus::Delivered,
            at("2026-11-20T07:00:00Z")
        ),
        TrackingOutcome::Applied(ShipmentStatus::Delivered)
    );
    assert_eq!(
        track(
            ShipmentStatus::LabelCreated,
            None,
            TrackingStatus::InTransit,
            at("2026-11-20T07:00:00Z")
        ),
        TrackingOutcome::Recorded("the shipment has not shipped yet")
    );
}

#[test]
fn delivery_is_measured_against_the_promise_in_started_days() {
    let promised = Some(at("2026-11-19T23:59:59Z"));
    let on_time = DeliveryPerformance::measure(promised, at("2026-11-19T12:00:00Z"));
    assert!(on_time.on_time);
    assert_eq!(on_time.describe(), "on time");
    let late = DeliveryPerformance::measure(promised, at("2026-11-21T10:00:00Z"));
    assert_eq!((late.on_time, late.days_late), (false, 2));
    assert_eq!(late.describe(), "2 days late");
    assert!(DeliveryPerformance::measure(None, at("2026-11-21T10:00:00Z")).on_time);
}

fn items() -> Vec<ExpectedItem> {
    vec![
        ExpectedItem {
            sku: "TEE".into(),
            barcode: Some("5012345678900".into()),
            title: "Black tee".into(),
            quantity: 2,
        },
        ExpectedItem {
            sku: "MUG".into(),
            barcode: None,
            title: "Fern mug".into(),
            quantity: 1,
        },
    ]
}

fn scans(codes: &[&str]) -> Vec<String> {
    codes.iter().map(|c| (*c).to_owned()).collect()
}

#[test]
fn each_scan_is_checked_as_it_comes() {
    let items = items();
    let so_far = scans(&["5012345678900"]);
    assert_eq!(
        next_scan(&items, &so_far, "tee"),
        NextScan::Fits { item: 0, scanned: 2 }
    );
    assert_eq!(
        next_scan(&items, &so_far, " MUG "),
        NextScan::Fits { item: 1, scanned: 1 }
    );
    let stray = next_scan(&items, &so_far, "CAP-RED");
    assert_eq!(stray, NextScan::Stray);
    assert_eq!(
        stray.message(&items, "CAP-RED", "this shipment"),
        "Wrong item: CAP-RED is not in this shipment"
    );
    let full = next_scan(&items, &scans(&["TEE", "TEE"]), "5012345678900");
    assert_eq!(full, NextScan::TooMany { item: 0 });
    assert_eq!(
        full.message(&items, "5012345678900", "this shipment"),
        "Too many: all 2 of TEE already scanned"
    );
    // Scans that fit nowhere are not counted; an item listed twice fills in order.
    assert_eq!(tally(&items, &scans(&["TEE", "CAP-RED", "TEE", "TEE"])), [2, 0]);
    let mut twice = items.clone();
    twice[1].sku = "TEE".into();
    assert_eq!(
        next_scan(&twice, &scans(&["TEE", "TEE"]), "TEE"),
        NextScan::Fits { item: 1, scanned: 1 }
    );
}

#[test]
fn scans_by_sku_or_barcode_that_match_pass() {
    assert!(verify(&items(), &scans(&["5012345678900", "tee", "MUG"])).is_clean());
}

#[test]
fn a_wrong_item_and_a_wrong_count_are_named() {
    let report = verify(&items(), &scans(&["TEE", "CAP-RED", "MUG", "MUG"]));
    let errors = report.errors(&items(), "SO-1-1", |code| {
        (code == "CAP-RED").then(|| "CAP-RED (Red cap)".to_owned())
    });
    let messages: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
    assert_eq!(
        messages,
        [
            ("/scans/1", "CAP-RED (Red cap) is not in shipment SO-1-1: take it out"),
            ("/scans", "TEE (Black tee): scanned 1 of 2; add 1 more"),
            (
                "/scans",
                "MUG (Fern mug): scanned 2, but the shipment has 1; take 1 out"
            ),
        ]
    );
}

#[test]
fn a_pack_needs_scans_and_a_weight() {
    let errors = PackInput::default().parse().unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["/scans", "/package/weight_grams"]);
    let ok = PackInput {
        scans: Some(scans(&["TEE"])),
        package: Some(PackageInput {
            weight_grams: Some(640),
            length_mm: Some(300),
            ..Default::default()
        }),
    }
    .parse()
    .unwrap();
    assert_eq!(ok.package.package_type, "parcel");
    assert_eq!(ok.package.length_mm, Some(300));
}

#[test]
fn a_manual_label_needs_a_valid_number_for_its_carrier() {
    let input = LabelInput {
        carrier: Some(Carrier::Ups),
        tracking_number: Some("1Z5R89390357567128".into()),
        ..Default::default()
    };
    let errors = input.parse(None).unwrap_err();
    assert_eq!(errors[0].field, "/tracking_number");
    assert_eq!(errors[0].code, "invalid_tracking_number");
    let simulated = LabelInput {
        provider: Some(Provider::Simulated),
        ..Default::default()
    };
    let request = simulated.parse(Some(Carrier::RoyalMail)).unwrap();
    assert_eq!(
        (request.carrier, request.tracking_number),
        (Some(Carrier::RoyalMail), None)
    );
    assert_eq!(LabelInput::default().parse(None).unwrap_err().len(), 2);
}

#[test]
fn a_tracking_event_happens_between_shipping_and_now() {
    let now = at("2026-11-20T12:00:00Z");
    let shipped = Some(at("2026-11-18T10:00:00Z"));
    assert_eq!(event_time(at("2026-11-18T10:00:00Z"), shipped, now), Ok(()));
    assert_eq!(event_time(now + TRACKING_CLOCK_SKEW, shipped, now), Ok(()));
    let early = event_time(at("2026-11-18T09:59:59Z"), shipped, now).unwrap_err();
    assert_eq!(
        (early.code, early.message.as_str()),
        (
            "before_shipped",
            "is before the shipment shipped (2026-11-18T10:00:00Z)"
        )
    );
    let ahead = now + TRACKING_CLOCK_SKEW + jiff::SignedDuration::from_secs(1);
    let future = event_time(ahead, shipped, now).unwrap_err();
    assert_eq!(
        (future.code, future.message.as_str()),
        (
            "in_the_future",
            "is in the future (more than 5 minutes ahead of the server's clock)"
        )
    );
    assert_eq!(
        event_time(at("2026-11-17T08:00:00Z"), None, now),
        Ok(()),
        "a label scan before shipping"
    );
    assert_eq!(event_time(ahead, None, now).map_err(|e| e.code), Err("in_the_future"));
}

#[test]
fn a_tracking_event_is_parsed_whatever_its_time() {
    let input = TrackingEventInput {
        status: Some(TrackingStatus::Delivered),
        occurred_at: Some("2026-11-21T12:00:00+01:00".into()),
        ..Default::default()
    };
    let ok = input.parse().unwrap();
    assert_eq!(ok.occurred_at, at("2026-11-21T11:00:00Z"));
    assert_eq!((ok.location.as_str(), ok.description.as_str()), ("", "delivered"));
}

#[test]
fn bulk_events_name_their_shipment_one_way() {
    let event = |shipment: Option<&str>, tracking: Option<&str>| BulkTrackingEventInput {
        shipment: shipment.map(Into::into),
        tracking_number: tracking.map(Into::into),
        status: Some(TrackingStatus::InTransit),
        occurred_at: Some("2026-11-20T08:00:00Z".into()),
        ..Default::default()
    };
    let input = BulkTrackingInput {
        events: Some(vec![
            event(Some("SO-1-1"), None),
            event(None, Some("1z5r 8939 0357 5671 27")),
            event(Some("SO-1-1"), Some("X")),
            event(None, None),
        ]),
    };
    let fields: Vec<_> = input.parse().unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["/events/2/shipment", "/events/3/shipment"]);
    let ok = BulkTrackingInput {
        events: input.events.map(|e| e.into_iter().take(2).collect()),
    }
    .parse()
    .unwrap();
    assert_eq!(
        ok[1].0,
        ShipmentRef::Tracking {
            number: "1Z5R89390357567127".into(),
            carrier: None
        }
    );
}

#[test]
fn picks_and_bins_are_checked_field_by_field() {
    let picks = PickConfirmInput {
        picks: Some(vec![
            PickInput {
                sku: Some("TEE".into()),
                quantity: Some(-1),
            },
            PickInput {
                sku: Some("MUG".into()),
                quantity: Some(0),
            },
            PickInput {
                sku: Some("MUG".into()),
                quantity: Some(1),
            },
        ]),
    };
    let fields: Vec<_> = picks.parse().unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["/picks/0/quantity", "/picks/2/sku"]);
    let bins = parse_bins(&[
        BinInput {
            sku: Some("TEE".into()),
            bin: Some("a-01-2".into()),
        },
        BinInput {
            sku: Some("MUG".into()),
            bin: None,
        },
    ])
    .unwrap();
    assert_eq!(bins, [("TEE".into(), Some("A-01-2".into())), ("MUG".into(), None)]);
    let list = PickListInput {
        location: Some("LON".into()),
        max_shipments: Some(0),
        ship_by: Some("tomorrow".into()),
        ..Default::default()
    };
    let fields: Vec<_> = list.parse().unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["/max_shipments", "/ship_by"]);
}

#[test]
fn the_floor_holds_what_may_still_be_cancelled() {
    assert_eq!(states_allowing(ShipmentAction::Cancel), ShipmentStatus::ON_THE_FLOOR);
    for status in ShipmentStatus::ALL {
        let expected = !status.has_shipped() && *status != ShipmentStatus::Cancelled;
        assert_eq!(status.is_on_the_floor(), expected, "{status}");
    }
}

#[test]
fn carrier_tracking_moves_what_the_carrier_still_carries() {
    for action in [
        ShipmentAction::Transit,
        ShipmentAction::OutForDelivery,
        ShipmentAction::Deliver,
        ShipmentAction::ReportException,
        ShipmentAction::ReturnToSender,
    ] {
        assert_eq!(states_allowing(action), ShipmentStatus::CARRIER_TRACKED, "{action}");
    }
    for status in ShipmentStatus::EXCEPTIONS {
        assert!(status.has_shipped(), "{status}");
    }
}

#[test]
fn only_released_shipments_go_on_a_pick_list() {
    assert_eq!(states_allowing(ShipmentAction::Pick), [ShipmentStatus::Released]);
}

#[test]
fn the_floor_has_started_once_picks_are_confirmed() {
    use FloorProgress as F;
    use ShipmentStatus as S;
    assert_eq!(floor_progress(S::Released, false), F::NotStarted);
    assert_eq!(floor_progress(S::Released, true), F::NotStarted);
    assert_eq!(floor_progress(S::Picking, false), F::NotStarted);
    assert_eq!(floor_progress(S::Picking, true), F::Started);
    // Packed straight from the shelf: started without a pick.
    assert_eq!(floor_progress(S::Packed, false), F::Started);
    assert_eq!(floor_progress(S::LabelCreated, true), F::Started);
    assert_eq!(floor_progress(S::Cancelled, false), F::Cancelled);
    assert_eq!(floor_progress(S::Cancelled, true), F::Cancelled);
    for status in ShipmentStatus::ALL.iter().filter(|s| s.has_shipped()) {
        assert_eq!(floor_progress(*status, false), F::Started, "{status}");
    }
}

#[test]
fn a_shipment_leaves_only_with_the_stock_of_what_it_carries() {
    assert!(holds_what_it_carries(3, 3));
    assert!(!holds_what_it_carries(2, 3));
    assert!(!holds_what_it_carries(4, 3));
    assert!(!holds_what_it_carries(0, 0));
}

#[test]
fn a_pick_list_is_confirmed_once() {
    assert!(PickListStatus::Open.may_confirm());
    assert!(!PickListStatus::Completed.may_confirm());
}

#[test]
fn picks_name_skus_on_the_list_and_no_more_than_it_lists() {
    use super::pick::check_picks;
    let to_pick = [("MUG", 3), ("TEE", 1)];
    assert_eq!(check_picks("PL-1", &to_pick, &[]), Ok(()));
    assert_eq!(
        check_picks("PL-1", &to_pick, &[("MUG".into(), 3), ("TEE".into(), 0)]),
        Ok(())
    );
    let errors = check_picks("PL-1", &to_pick, &[("CAP".into(), 1), ("MUG".into(), 4)]).unwrap_err();
    let got: Vec<(&str, &str, &str)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.code, e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("/picks/0/sku", "not_on_pick_list", "CAP is not on pick list PL-1"),
            ("/picks/1/quantity", "out_of_range", "only 3 × MUG to pick"),
        ]
    );
}

#[test]
fn found_units_fill_the_totes_in_order() {
    use super::pick::fill_totes;
    let totes = [("MUG", 2), ("TEE", 1), ("MUG", 2), ("MUG", 1)];
    // Nothing named: everything was found.
    assert_eq!(fill_totes(&totes, &[]), [2, 1, 2, 1]);
    // Three mugs of five: the first tote is filled, the second gets one, the third none.
    assert_eq!(fill_totes(&totes, &[("MUG".into(), 3)]), [2, 1, 1, 0]);
    assert_eq!(
        fill_totes(&totes, &[("TEE".into(), 0), ("MUG".into(), 5)]),
        [2, 0, 2, 1]
    );
    // A SKU not on the list changes nothing.
    assert_eq!(fill_totes(&totes, &[("CAP".into(), 0)]), [2, 1, 2, 1]);
}

#[test]
fn a_short_pick_pulls_lines_and_may_empty_the_shipment() {
    use super::pick::after_picks;
    assert_eq!(ShipmentLineStatus::pulled(true), ShipmentLineStatus::Short);
    assert_eq!(ShipmentLineStatus::pulled(false), ShipmentLineStatus::Withdrawn);
    assert_eq!(after_picks(0), ShipmentAction::Cancel);
    assert_eq!(after_picks(2), ShipmentAction::ConfirmPick);
}

#[test]
fn an_event_at_the_same_moment_as_the_latest_is_not_older_and_applies() {
    let last = at("2026-11-20T07:40:00Z");
    assert_eq!(
        track(
            ShipmentStatus::OutForDelivery,
            Some(last),
            TrackingStatus::InTransit,
            last
        ),
        TrackingOutcome::Applied(ShipmentStatus::InTransit)
    );
}

#[test]
fn scans_are_clean_only_with_nothing_stray_and_nothing_miscounted() {
    let items = [ExpectedItem {
        sku: "TEE".into(),
        barcode: None,
        title: "Tee".into(),
        quantity: 2,
    }];
    let scans = |codes: &[&str]| codes.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    assert!(verify(&items, &scans(&["TEE", "TEE"])).is_clean());
    assert!(!verify(&items, &scans(&["TEE"])).is_clean(), "one short");
    assert!(!verify(&items, &scans(&["TEE", "TEE", "MUG"])).is_clean(), "one stray");
}

mod input;
