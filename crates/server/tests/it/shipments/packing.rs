//! Packing and labels: scans verified before anything is packed, and tracking numbers
//! that must be valid for their carrier and unique.

use serde_json::{Value, json};

use super::{TEE_BARCODE, UPS_NUMBER};
use crate::both;
use crate::helpers::*;

async fn a_wrong_scan_is_refused_before_anything_is_packed(app: &TestApp) {
    app.warehouse().await;
    app.product("CAP", 900).await;
    let number = app.place("W-1", &[("TEE", 2), ("MUG", 1)]).await;
    let shipments = app.release(json!({"location": "LON"})).await;
    let shipment = shipments[0]["number"].as_str().unwrap().to_owned();
    let pack = |scans: Value| {
        let path = format!("/api/v1/shipments/{shipment}/pack");
        async move {
            app.post(&path, json!({"scans": scans, "package": {"weight_grams": 700}}))
                .await
        }
    };

    // A cap that is not in the shipment, one tee short, one mug too many.
    let r = pack(json!([TEE_BARCODE, "CAP", "MUG", "MUG"])).await;
    let problem = r.problem(422, "scan_mismatch");
    let errors: Vec<(&str, &str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                crate::helpers::at(e),
                e["code"].as_str().unwrap(),
                e["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (
                "/scans/1",
                "wrong_item",
                format!("CAP (Product CAP) is not in shipment {shipment}: take it out").as_str()
            ),
            (
                "/scans",
                "wrong_count",
                "MUG (Product MUG): scanned 2, but the shipment has 1; take 1 out"
            ),
            ("/scans", "wrong_count", "TEE (Product TEE): scanned 1 of 2; add 1 more"),
        ]
    );
    assert!(problem["detail"].as_str().unwrap().starts_with("Nothing was packed"));
    let s = app.shipment_json(&shipment).await;
    assert_eq!(s["status"], "released");
    assert!(s["package"].is_null());

    // A code the catalog does not know is named as such.
    let r = pack(json!(["0000-NOPE", TEE_BARCODE, TEE_BARCODE, "MUG"])).await;
    let problem = r.problem(422, "scan_mismatch");
    assert_eq!(
        problem["errors"][0]["message"],
        format!("\"0000-NOPE\", an unknown code, is not in shipment {shipment}: take it out")
    );
    // Missing scans and weight are plain validation errors.
    let r = app.act(&shipment, "pack", json!({"scans": []})).await;
    assert_eq!(r.invalid_fields(), ["/scans", "/package/weight_grams"]);

    let r = pack(json!([TEE_BARCODE, "MUG", TEE_BARCODE])).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "packed");
    assert_eq!(app.order_json(&number).await["fulfilment_status"], "allocated");
    app.assert_books_balance().await;
}

async fn labels_need_a_valid_and_unique_tracking_number(app: &TestApp) {
    app.warehouse().await;
    let first = app.place("L-1", &[("TEE", 1)]).await;
    let second = app.place("L-2", &[("MUG", 1)]).await;
    let one = app.packed(&first).await;
    let two = app.packed(&second).await;
    let label = |shipment: &str, body: Value| {
        let path = format!("/api/v1/shipments/{shipment}/label");
        async move { app.post(&path, body).await }
    };
    let r = label(&one, json!({"carrier": "ups", "tracking_number": "1Z5R89390357567128"})).await;
    assert_eq!(r.invalid_fields(), ["/tracking_number"]);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not a valid UPS tracking number")
    );
    let r = label(&one, json!({"carrier": "royal_mail", "tracking_number": UPS_NUMBER})).await;
    assert_eq!(r.invalid_fields(), ["/tracking_number"]);
    let r = label(&one, json!({"tracking_number": UPS_NUMBER})).await;
    assert_eq!(r.invalid_fields(), ["/carrier"], "released for no carrier");
    let r = label(
        &one,
        json!({"provider": "simulated", "carrier": "ups", "tracking_number": UPS_NUMBER}),
    )
    .await;
    assert_eq!(r.invalid_fields(), ["/tracking_number"]);
    let r = label(
        &one,
        json!({"carrier": "ups", "tracking_number": UPS_NUMBER, "service": "UPS Next Day Air"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["service"], "UPS Next Day Air");
    let r = label(&two, json!({"carrier": "ups", "tracking_number": UPS_NUMBER})).await;
    r.problem(409, "duplicate_tracking_number");
    let r = label(&one, json!({"carrier": "ups", "tracking_number": UPS_NUMBER})).await;
    assert_eq!(r.problem(409, "invalid_transition")["current_status"], "label_created");

    // Voiding the label frees the number and returns the shipment to packed.
    let r = app.act(&one, "label/void", json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "packed");
    assert!(r.body["tracking_number"].is_null());
    let r = label(&two, json!({"carrier": "ups", "tracking_number": UPS_NUMBER})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.assert_books_balance().await;
}

both!(
    a_wrong_scan_is_refused_before_anything_is_packed,
    labels_need_a_valid_and_unique_tracking_number,
);
