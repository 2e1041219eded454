//! Every check-digit algorithm against the carriers' published test numbers
//! (jkeen/tracking_number_data, MIT, in `testdata/`), the simulated carrier's numbers
//! and journeys, and the EasyPost tracker payload.

use jiff::Timestamp;
use serde_json::Value;

use super::easypost::{self, EasyPostEvent};
use super::simulated::{self, SimulatedProvider};
use super::*;
use crate::shipment::TrackingStatus;

/// The (valid, invalid) test numbers of the format `id` in a jkeen courier file.
fn published(file: &str, id: &str) -> (Vec<String>, Vec<String>) {
    let data: Value = serde_json::from_str(file).unwrap();
    let format = data["tracking_numbers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no format {id}"));
    let list = |kind: &str| -> Vec<String> {
        format["test_numbers"][kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_owned())
            .collect()
    };
    (list("valid"), list("invalid"))
}

/// Asserts that `check` accepts every published valid number of the formats and
/// refuses every invalid one; returns how many numbers were checked.
fn agrees(file: &str, ids: &[&str], check: impl Fn(&str) -> bool) -> usize {
    let mut seen = 0;
    for id in ids {
        let (valid, invalid) = published(file, id);
        assert!(!valid.is_empty(), "{id} has test numbers");
        for n in &valid {
            assert!(check(&normalise(n)), "{id}: {n:?} is published as valid");
        }
        for n in &invalid {
            assert!(!check(&normalise(n)), "{id}: {n:?} is published as invalid");
        }
        seen += valid.len() + invalid.len();
    }
    seen
}

const UPS: &str = include_str!("testdata/jkeen_ups.json");
const USPS: &str = include_str!("testdata/jkeen_usps.json");
const FEDEX: &str = include_str!("testdata/jkeen_fedex.json");
const DHL: &str = include_str!("testdata/jkeen_dhl.json");
const S10: &str = include_str!("testdata/jkeen_s10.json");

#[test]
fn ups_1z_numbers_follow_the_published_check_digits() {
    assert_eq!(agrees(UPS, &["ups"], checksum::ups), 9);
    assert_eq!(checksum::ups_check_digit("5R8939035756712"), Some(7));
}

#[test]
fn usps_numbers_follow_the_published_check_digits() {
    let seen = agrees(
        USPS,
        &["usps_20", "usps_impb_n", "usps_legacy", "usps_impb_c"],
        checksum::usps,
    );
    assert_eq!(seen, 4 + 11 + 5 + 22);
}

#[test]
fn fedex_numbers_follow_the_published_check_digits() {
    let formats = [
        "fedex_12",
        "fedex_34",
        "fedex_astra_32",
        "fedex_ground",
        "fedex_ground_sscc_18",
        "fedex_ground_96",
        "fedex_ground_gsn",
    ];
    assert_eq!(agrees(FEDEX, &formats, checksum::fedex), 7 + 11 + 7 + 5 + 3 + 3 + 7);
}

#[test]
fn dhl_express_waybills_follow_the_published_mod_7() {
    assert_eq!(agrees(DHL, &["dhl_express"], checksum::dhl_express), 10);
}

#[test]
fn s10_numbers_follow_the_published_mod_11_and_countries() {
    assert_eq!(agrees(S10, &["s10"], |n| checksum::s10(n).is_some()), 6);
    assert_eq!(checksum::s10_check_digit(&[1, 2, 3, 4, 5, 6, 7, 8]), 5);
    // Remainder 1 gives 10, written 0; remainder 0 gives 11, written 5.
    assert_eq!(checksum::s10("RB000000005GB"), Some("GB"));
}

#[test]
fn the_registry_checks_numbers_per_carrier() {
    assert_eq!(
        Carrier::Ups.validate(" 1z5r 8939 0357 5671 27"),
        Ok("1Z5R89390357567127".to_owned())
    );
    assert!(Carrier::RoyalMail.validate("RB123456785GB").is_ok());
    // An S10 of another country is not Royal Mail's.
    assert!(Carrier::RoyalMail.validate("RB123456785US").is_err());
    assert!(Carrier::Usps.validate("RB123456785US").is_ok());
    assert!(Carrier::Fedex.validate("1Z5R89390357567127").is_err());
    assert!(Carrier::DhlExpress.validate("3318810025").is_ok());
    let refused = Carrier::Ups.validate("1Z5R89390357567128").unwrap_err();
    assert_eq!(refused.code, "invalid_tracking_number");
    assert!(
        refused.message.contains("not a valid UPS tracking number"),
        "{}",
        refused.message
    );
    assert_eq!(
        Carrier::RoyalMail.tracking_url("RB123456785GB"),
        "https://www.royalmail.com/track-your-item#/tracking-results/RB123456785GB"
    );
    assert_eq!(Carrier::registry().len(), 5);
    assert_eq!(Carrier::Ups.default_service(ServiceLevel::NextDay), "UPS Next Day Air");
}

/// Found by fuzzing (`fuzz/corpus/tracking_number/`): a letter of two bytes where a
/// format slices the number by position panicked instead of refusing the number.
#[test]
fn a_multi_byte_letter_where_a_format_slices_is_refused_not_a_panic() {
    for number in [
        "42090\u{fd}0",
        "4209'20\u{0}\n00\t9\u{fd}09",
        "RB1234567\u{e9}GB",
        "RB12345678\u{e9}B",
    ] {
        for carrier in Carrier::ALL {
            assert!(carrier.validate(number).is_err(), "{carrier:?} {number:?}");
        }
    }
}

#[test]
fn the_simulated_carrier_issues_numbers_every_carrier_accepts() {
    for carrier in Carrier::ALL {
        let mut numbers = std::collections::BTreeSet::new();
        for i in 0..500 {
            let id = format!("shp_{i:026}");
            let n = simulated::issue(*carrier, &id, ServiceLevel::Standard);
            assert!(carrier.accepts(&n), "{carrier}: {n}");
            assert_eq!(simulated::issue(*carrier, &id, ServiceLevel::Standard), n, "stable");
            numbers.insert(n);
        }
        assert!(numbers.len() > 450, "{carrier} numbers mostly differ");
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn the_simulated_journey_unfolds_with_the_clock_and_ends_delivered() {
    let parcel = Parcel {
        carrier: Carrier::RoyalMail,
        tracking_number: "TT123456785GB",
        shipped_at: at("2026-11-17T15:00:00Z"),
        promised_delivery_at: Some(at("2026-11-19T23:59:59Z")),
        origin: "London, GB",
        destination: "Leeds, GB",
    };
    let p = SimulatedProvider;
    assert!(p.tracking_events(&parcel, at("2026-11-17T16:00:00Z")).is_empty());
    let first = p.tracking_events(&parcel, at("2026-11-17T18:00:00Z"));
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].status, TrackingStatus::InTransit);
    let all = p.tracking_events(&parcel, at("2026-12-01T00:00:00Z"));
    assert_eq!(all, simulated::journey(&parcel));
    assert!(all.windows(2).all(|w| w[0].occurred_at < w[1].occurred_at), "in order");
    assert_eq!(all.last().unwrap().status, TrackingStatus::Delivered);
    assert_eq!(all.last().unwrap().location, "Leeds, GB");
}

#[test]
fn manual_labels_take_the_operators_number() {
    let order = LabelOrder {
        shipment_id: "shp_x",
        carrier: Carrier::Ups,
        level: ServiceLevel::Standard,
        entered: Some("1Z5R89390357567127"),
    };
    assert_eq!(
        Provider::Manual.implementation().tracking_number(&order).unwrap(),
        "1Z5R89390357567127"
    );
    let missing = LabelOrder { entered: None, ..order };
    assert!(Provider::Manual.implementation().tracking_number(&missing).is_err());
}

#[test]
fn the_easypost_tracker_payload_maps_onto_tracking_events() {
    let event: EasyPostEvent =
        serde_json::from_str(include_str!("testdata/easypost_event-body_tracker.updated.json")).unwrap();
    let update = easypost::map(&event).unwrap();
    assert_eq!(update.tracking_code, "1");
    assert_eq!(update.carrier, Some(Carrier::Fedex));
    // One `pre_transit` detail (label created) says nothing about the parcel.
    assert_eq!(update.skipped, 1);
    assert_eq!(update.events.len(), 6);
    assert!(update.events.iter().all(|e| e.status == TrackingStatus::InTransit));
    let first = &update.events[0];
    assert_eq!(first.occurred_at, at("2024-07-31T19:27:00Z"));
    assert_eq!(first.location, "ORLANDO, FL, US 32809");
    assert_eq!(first.description, "Picked up");
    assert_eq!(update.events[5].location, "EDISON, NJ, US 08817");
}

#[test]
fn easypost_events_other_than_trackers_are_refused() {
    let event = EasyPostEvent {
        description: Some("batch.created".into()),
        ..Default::default()
    };
    let errors = easypost::map(&event).unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["/description", "/result"]);
    assert_eq!(easypost::status("failure"), Some(TrackingStatus::Exception));
    assert_eq!(easypost::status("pre_transit"), None);
    assert_eq!(easypost::carrier("DHLExpress"), Some(Carrier::DhlExpress));
}

/// EasyPost's client libraries share this secret and signature
/// (`official/fixtures/client-library-fixtures.json`, `webhooks`): the signature of the
/// shared event body as EasyPost sends it, without the file's trailing newline.
#[test]
fn an_easypost_webhook_signature_is_verified() {
    let file = include_str!("testdata/easypost_event-body_tracker.updated.json");
    let body = file.strip_suffix('\n').unwrap().as_bytes();
    let signature = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db";
    assert!(easypost::signature_matches("sécret", body, signature));
    // The secret is normalised (NFKD) before use: the decomposed spelling is the same key.
    assert!(easypost::signature_matches("se\u{301}cret", body, signature));
    assert!(
        !easypost::signature_matches("secret", body, signature),
        "another secret"
    );
    assert!(
        !easypost::signature_matches("sécret", file.as_bytes(), signature),
        "another body"
    );
    let upper = signature.to_uppercase().replace("HMAC-SHA256-HEX=", "hmac-sha256-hex=");
    assert!(
        easypost::signature_matches("sécret", body, &upper),
        "hex digits in either case"
    );
    for bad in ["", "38f3f53c", "hmac-sha256-hex=zz", "hmac-sha256-hex=38f3f5"] {
        assert!(!easypost::signature_matches("sécret", body, bad), "{bad:?}");
    }
}

/// A signature is hex digits only: `u8::from_str_radix` also reads `+a` as 0x0a, so the
/// shared signature with its byte `0a` written `+a` was accepted as well.
#[test]
fn an_easypost_signature_with_a_sign_in_its_hex_is_refused() {
    let file = include_str!("testdata/easypost_event-body_tracker.updated.json");
    let body = file.strip_suffix('\n').unwrap().as_bytes();
    let right = "38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db";
    let signed = |hex: &str| easypost::signature_matches("sécret", body, &format!("hmac-sha256-hex={hex}"));
    assert!(signed(right));
    assert!(!signed(&right.replacen("0a", "+a", 1)));
}

/// The journeys of `count` parcels shipped at `shipped_at` with that promise.
fn journeys(count: usize, shipped_at: &str, promised: Option<&str>) -> Vec<Vec<TrackingEvent>> {
    (0..count)
        .map(|i| {
            let number = simulated::issue(Carrier::RoyalMail, &format!("shp_{i:026}"), ServiceLevel::Standard);
            simulated::journey(&Parcel {
                carrier: Carrier::RoyalMail,
                tracking_number: &number,
                shipped_at: at(shipped_at),
                promised_delivery_at: promised.map(at),
                origin: "London, GB",
                destination: "Leeds, GB",
            })
        })
        .collect()
}

fn delivered(journey: &[TrackingEvent]) -> jiff::Zoned {
    let last = journey.last().unwrap();
    assert_eq!(last.status, TrackingStatus::Delivered);
    last.occurred_at.to_zoned(jiff::tz::TimeZone::UTC)
}

fn failed_attempt(journey: &[TrackingEvent]) -> bool {
    journey.iter().any(|e| e.status == TrackingStatus::Exception)
}

#[test]
fn a_simulated_label_gets_the_number_issued_for_its_shipment() {
    let order = LabelOrder {
        shipment_id: "shp_01m95g1zgy000002ahn17bzz1v",
        carrier: Carrier::Ups,
        level: ServiceLevel::Express,
        entered: None,
    };
    let number = Provider::Simulated.implementation().tracking_number(&order).unwrap();
    assert_eq!(
        number,
        simulated::issue(Carrier::Ups, order.shipment_id, ServiceLevel::Express)
    );
    assert!(Carrier::Ups.accepts(&number), "{number}");
}

#[test]
fn most_simulated_parcels_arrive_on_the_promised_day_one_in_ten_late_one_in_ten_after_a_failed_attempt() {
    // Shipped on a Tuesday afternoon, promised on Friday: the parcel waits for its day.
    let all = journeys(1000, "2026-11-17T15:00:00Z", Some("2026-11-20T23:59:59Z"));
    let on = |day: &str| all.iter().filter(|j| delivered(j).date().to_string() == day).count();
    let failed = all.iter().filter(|j| failed_attempt(j)).count();
    let late = all
        .iter()
        .filter(|j| !failed_attempt(j) && delivered(j).date().to_string() == "2026-11-21")
        .count();
    assert!((50..=150).contains(&failed), "{failed} failed first attempts in 1000");
    assert!((50..=150).contains(&late), "{late} a day late in 1000");
    assert_eq!(on("2026-11-20"), 1000 - failed - late);
    for journey in all.iter().filter(|j| failed_attempt(j)) {
        let attempt = journey.iter().find(|e| e.status == TrackingStatus::Exception).unwrap();
        let attempt_day = attempt.occurred_at.to_zoned(jiff::tz::TimeZone::UTC).date();
        assert_eq!(
            delivered(journey).date(),
            attempt_day.tomorrow().unwrap(),
            "tried again the next day"
        );
    }
}

#[test]
fn a_simulated_parcel_is_delivered_between_eleven_and_one_at_many_different_minutes() {
    let all = journeys(300, "2026-11-17T15:00:00Z", Some("2026-11-20T23:59:59Z"));
    let times: std::collections::BTreeSet<_> = all.iter().map(|j| delivered(j).time()).collect();
    assert!(times.iter().all(|t| t.hour() == 11 || t.hour() == 12), "{times:?}");
    let minutes: std::collections::BTreeSet<_> = times.iter().map(|t| t.minute()).collect();
    assert!(minutes.len() > 30, "delivery minutes spread: {minutes:?}");
    assert!(times.iter().any(|t| t.hour() == 12), "some after noon");
}

#[test]
fn a_promise_the_parcel_cannot_keep_moves_delivery_to_the_day_after_it_arrives() {
    // It arrives at the delivery office 20 hours after shipping. Shipped at 11:40, it
    // is there at 07:40 next morning, when the rounds start: too late for that day's.
    let at_the_bound = journeys(200, "2026-11-17T11:40:00Z", Some("2026-11-18T23:59:59Z"));
    // Shipped a minute earlier, it is there in time for the promised day's round.
    let in_time = journeys(200, "2026-11-17T11:39:00Z", Some("2026-11-18T23:59:59Z"));
    // Promised before it can even arrive.
    let broken = journeys(200, "2026-11-17T15:00:00Z", Some("2026-11-17T18:00:00Z"));
    for (all, first_day) in [
        (at_the_bound, "2026-11-19"),
        (in_time, "2026-11-18"),
        (broken, "2026-11-19"),
    ] {
        let plain = all.iter().filter(|j| !failed_attempt(j));
        let days: std::collections::BTreeSet<_> = plain.map(|j| delivered(j).date().to_string()).collect();
        let next = first_day
            .parse::<jiff::civil::Date>()
            .unwrap()
            .tomorrow()
            .unwrap()
            .to_string();
        assert_eq!(days, [first_day.to_owned(), next].into(), "first day {first_day}");
    }
}

#[test]
fn every_easypost_status_that_says_something_has_ours() {
    for (theirs, ours) in [
        ("in_transit", Some(TrackingStatus::InTransit)),
        ("out_for_delivery", Some(TrackingStatus::OutForDelivery)),
        ("available_for_pickup", Some(TrackingStatus::OutForDelivery)),
        ("delivered", Some(TrackingStatus::Delivered)),
        ("return_to_sender", Some(TrackingStatus::ReturnedToSender)),
        ("failure", Some(TrackingStatus::Exception)),
        ("error", Some(TrackingStatus::Exception)),
        ("pre_transit", None),
        ("unknown", None),
        ("cancelled", None),
    ] {
        assert_eq!(easypost::status(theirs), ours, "{theirs}");
    }
}

#[test]
fn easypost_carrier_names_are_ours_whatever_their_spelling() {
    for (theirs, ours) in [
        ("UPS", Some(Carrier::Ups)),
        ("USPS", Some(Carrier::Usps)),
        ("FedEx", Some(Carrier::Fedex)),
        ("FedExDefault", Some(Carrier::Fedex)),
        ("DHLExpress", Some(Carrier::DhlExpress)),
        ("DHL Express", Some(Carrier::DhlExpress)),
        ("RoyalMail", Some(Carrier::RoyalMail)),
        ("Royal Mail", Some(Carrier::RoyalMail)),
        ("CanadaPost", None),
    ] {
        assert_eq!(easypost::carrier(theirs), ours, "{theirs}");
    }
}

/// The 26-digit IMpb needs both its prefix (92 to 95) and its check digit; the
/// published numbers had no 26-digit one failing only one of them.
#[test]
fn a_26_digit_usps_number_needs_an_impb_prefix_and_its_check_digit() {
    assert!(checksum::usps("92748931507708513018050063"));
    assert!(!checksum::usps("92748931507708513018050064"), "wrong check digit");
    // Check digits right, prefixes wrong: 91 is the 22-digit legacy prefix only.
    assert!(!checksum::usps("91748931507708513018050064"));
    assert!(!checksum::usps("96748931507708513018050069"));
}

/// A waybill is digits only: letters are not read as a number (which would count as
/// the largest one, whose mod 7 is 1).
#[test]
fn a_dhl_express_waybill_with_letters_is_refused() {
    assert!(checksum::dhl_express("3318810025"));
    for letters in ["ABCDEFGHI1", "331881002A", "A3318810021", "ABCDEFGHIJ1"] {
        assert!(!checksum::dhl_express(letters), "{letters}");
    }
}

/// An S10 number begins with two letters (the service) and ends with the issuing
/// country's two; a valid serial and check digit do not make up for digits there.
#[test]
fn an_s10_number_needs_letters_for_its_service() {
    assert_eq!(checksum::s10("RB123456785GB"), Some("GB"));
    for number in ["12123456785GB", "R1123456785GB", "1B123456785GB", "RB123456785G1"] {
        assert_eq!(checksum::s10(number), None, "{number}");
    }
}

/// The simulated carrier's numbers look like real ones: over 500 shipments no digit
/// the seed gives comes up at any position in more than a fifth of the numbers (a
/// seed that filled with ones would end every number in the same digits).
#[test]
fn simulated_numbers_spread_their_digits_over_every_position() {
    let issued = |carrier: Carrier| -> Vec<Vec<u8>> {
        (0..500)
            .map(|i| simulated::issue(carrier, &format!("shp_{i:026}"), ServiceLevel::Standard).into_bytes())
            .collect()
    };
    // FedEx: 7, ten seeded digits, check digit. USPS: 12 fixed digits, nine seeded, check digit.
    for (carrier, seeded) in [(Carrier::Fedex, 1..11), (Carrier::Usps, 12..21)] {
        let numbers = issued(carrier);
        for position in seeded {
            let mut counts = [0usize; 256];
            for n in &numbers {
                counts[usize::from(n[position])] += 1;
            }
            let most = counts.iter().max().copied().unwrap_or(0);
            assert!(
                most <= 100,
                "{carrier}: position {position} repeats a digit {most} times"
            );
        }
    }
}

/// Each simulated number has its format's one length: DHL Express accepts 10 or 11
/// digits, but the simulated waybill is the 10-digit kind its doc promises.
#[test]
fn simulated_numbers_have_their_formats_length() {
    for (carrier, length) in [
        (Carrier::Ups, 18),
        (Carrier::Usps, 22),
        (Carrier::Fedex, 12),
        (Carrier::DhlExpress, 10),
        (Carrier::RoyalMail, 13),
    ] {
        for i in 0..500 {
            let n = simulated::issue(carrier, &format!("shp_{i:026}"), ServiceLevel::Standard);
            assert_eq!(n.len(), length, "{carrier}: {n}");
        }
    }
}
