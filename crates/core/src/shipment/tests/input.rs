//! The limits and lists of the floor's and the carriers' requests: what each accepts
//! at its bound, what it refuses one past it, and how repeated references are kept.

use super::super::TrackingStatus;
use super::super::input::*;

/// `n` distinct references: `P-0`, `P-1`, …
fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

/// Where each error is and what kind it is, to compare a refusal at a glance.
fn refused<T: std::fmt::Debug>(parsed: Result<T, Vec<crate::validation::FieldError>>) -> Vec<(String, &'static str)> {
    parsed.unwrap_err().into_iter().map(|e| (e.field, e.code)).collect()
}

#[test]
fn a_release_names_each_order_and_channel_once_in_the_order_given() {
    let request = ReleaseInput {
        location: Some("LON".into()),
        orders: Some(vec!["SO-2".into(), "SO-1".into(), " SO-2 ".into()]),
        channels: Some(vec!["web".into(), "web".into()]),
        carrier: None,
    }
    .parse()
    .unwrap();
    assert_eq!(
        request,
        ReleaseRequest {
            location: "LON".into(),
            orders: vec!["SO-2".into(), "SO-1".into()],
            channels: vec!["web".into()],
            carrier: None,
        }
    );
    let everything = ReleaseInput {
        location: Some("LON".into()),
        ..Default::default()
    }
    .parse()
    .unwrap();
    assert_eq!((everything.orders, everything.channels), (vec![], vec![]));
}

#[test]
fn a_release_may_name_as_many_orders_as_the_batch_and_no_more() {
    let release = |orders: Vec<String>| ReleaseInput {
        location: Some("LON".into()),
        orders: Some(orders),
        ..Default::default()
    };
    let full = release(names("SO", MAX_BATCH)).parse().unwrap();
    assert_eq!(full.orders.len(), MAX_BATCH);
    assert_eq!(
        refused(release(names("SO", MAX_BATCH + 1)).parse()),
        [("/orders".into(), "too_long")]
    );
    // A repeat is one order: it does not count twice against the limit.
    let mut repeated = names("SO", MAX_BATCH);
    repeated.push("SO-0".into());
    assert_eq!(release(repeated).parse().unwrap().orders.len(), MAX_BATCH);
}

#[test]
fn bins_are_set_up_to_the_batch_at_a_time() {
    let bins = |n: usize| -> Vec<BinInput> {
        names("SKU", n)
            .into_iter()
            .map(|sku| BinInput {
                sku: Some(sku),
                bin: Some("a-1".into()),
            })
            .collect()
    };
    assert_eq!(parse_bins(&bins(MAX_BATCH)).unwrap().len(), MAX_BATCH);
    assert_eq!(refused(parse_bins(&bins(MAX_BATCH + 1))), [(String::new(), "too_long")]);
}

#[test]
fn a_pick_list_takes_one_to_the_batch_shipments_fifty_unless_told() {
    let list = |max: Option<i64>| PickListInput {
        location: Some("LON".into()),
        max_shipments: max,
        ..Default::default()
    };
    assert_eq!(list(None).parse().unwrap().max_shipments, 50);
    assert_eq!(list(Some(1)).parse().unwrap().max_shipments, 1);
    assert_eq!(list(Some(20)).parse().unwrap().max_shipments, 20);
    let most = MAX_BATCH as i64;
    assert_eq!(list(Some(most)).parse().unwrap().max_shipments, most);
    for out_of_range in [0, -1, most + 1] {
        assert_eq!(
            refused(list(Some(out_of_range)).parse()),
            [("/max_shipments".into(), "out_of_range")],
            "{out_of_range}"
        );
    }
}

#[test]
fn a_pack_needs_one_to_max_scans_scans() {
    let pack = |scans: Vec<String>| PackInput {
        scans: Some(scans),
        package: Some(PackageInput {
            weight_grams: Some(640),
            ..Default::default()
        }),
    };
    assert_eq!(refused(pack(vec![]).parse()), [("/scans".into(), "required")]);
    let one = pack(vec!["TEE".into()]).parse().unwrap();
    assert_eq!(one.scans, ["TEE"]);
    let most = pack(vec!["TEE".into(); MAX_SCANS]).parse().unwrap();
    assert_eq!(most.scans.len(), MAX_SCANS);
    assert_eq!(
        refused(pack(vec!["TEE".into(); MAX_SCANS + 1]).parse()),
        [("/scans".into(), "too_long")]
    );
}

#[test]
fn a_bulk_upload_carries_one_to_the_batch_events() {
    let upload = |n: usize| BulkTrackingInput {
        events: Some(
            names("SO", n)
                .into_iter()
                .map(|shipment| BulkTrackingEventInput {
                    shipment: Some(shipment),
                    status: Some(TrackingStatus::InTransit),
                    occurred_at: Some("2026-11-20T08:00:00Z".into()),
                    ..Default::default()
                })
                .collect(),
        ),
    };
    assert_eq!(refused(upload(0).parse()), [("/events".into(), "out_of_range")]);
    assert_eq!(upload(1).parse().unwrap().len(), 1);
    assert_eq!(upload(MAX_BATCH).parse().unwrap().len(), MAX_BATCH);
    assert_eq!(
        refused(upload(MAX_BATCH + 1).parse()),
        [("/events".into(), "out_of_range")]
    );
    assert_eq!(
        refused(BulkTrackingInput::default().parse()),
        [("/events".into(), "required")]
    );
}
