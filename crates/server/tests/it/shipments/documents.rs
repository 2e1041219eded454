//! Documents as a user checks them: the label PDF rendered to an image with
//! `pdftoppm` and its barcode read by `zbarimg` (poppler-utils, zbar-tools), the text
//! of the PDFs read with `pdftotext`, and the ZPL parsed command by command.

use std::path::Path;
use std::process::Command;

use serde_json::json;

use super::{TEE_BARCODE, UPS_NUMBER};
use crate::both;
use crate::helpers::*;

/// GETs `path` as the admin: status, content type and body bytes.
async fn download(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, r.bytes().await.unwrap().to_vec())
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed (Debian poppler-utils, zbar-tools): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The text of a PDF, as `pdftotext` reads it.
fn pdf_text(dir: &Path, name: &str, pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "{name} is a PDF");
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    run("pdftotext", &["-layout", path.to_str().unwrap(), "-"])
}

/// Asserts that the text of `document` shows each of `expected`.
fn shows(document: &str, text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(e), "the {document} shows {e:?}:\n{text}");
    }
}

/// The packing slip of `shipment` as `pdftotext` reads it, its words joined by single
/// spaces (a paragraph wraps where the page ends).
async fn slip_words(app: &TestApp, dir: &Path, shipment: &str) -> String {
    let (status, _, pdf) = download(app, &format!("/api/v1/shipments/{shipment}/packing-slip")).await;
    assert_eq!(status, 200);
    let text = pdf_text(dir, shipment, &pdf);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks ZPL the way a printer parses it: one `^XA ... ^XZ` format; every field
/// opened at an origin (`^FO`) and closed with `^FS` before the next one; field data
/// (`^FD`) only inside a field; commands of two letters or digits. Returns the field
/// data, in order.
fn zpl_fields(zpl: &str) -> Vec<String> {
    let body = zpl.trim();
    assert!(body.starts_with("^XA"), "starts with ^XA");
    assert!(body.ends_with("^XZ"), "ends with ^XZ");
    assert_eq!(body.matches("^XA").count(), 1);
    assert_eq!(body.matches("^XZ").count(), 1);
    let mut fields = Vec::new();
    let mut open = false;
    for command in body.split('^').skip(1) {
        let command = command.trim_end_matches('\n');
        let name: String = command.chars().take(2).collect();
        assert!(
            name.len() == 2 && name.chars().all(|c| c.is_ascii_alphanumeric()),
            "a command: ^{command}"
        );
        match name.as_str() {
            "FO" => {
                assert!(!open, "field not closed before ^{command}");
                open = true;
            }
            "FS" => {
                assert!(open, "^FS closes an open field");
                open = false;
            }
            "FD" => {
                assert!(open, "^FD outside a field");
                fields.push(command[2..].to_owned());
            }
            "XZ" => assert!(!open, "every field is closed"),
            _ => {}
        }
    }
    fields
}

async fn labels_slips_and_pick_lists_print_as_a_user_checks_them(app: &TestApp) {
    app.warehouse().await;
    let number = app.place("D-1", &[("TEE", 2), ("MUG", 1)]).await;
    let shipments = app.release(json!({"location": "LON"})).await;
    let shipment = shipments[0]["number"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();

    // No label yet: a clear refusal.
    let r = app.get(&format!("/api/v1/shipments/{shipment}/label")).await;
    r.problem(409, "no_label");

    // The pick list: bin order, totals, totes.
    let list = app.post("/api/v1/pick-lists", json!({"location": "LON"})).await;
    let pl = list.body["number"].as_str().unwrap().to_owned();
    let (status, content_type, pdf) = download(app, &format!("/api/v1/pick-lists/{pl}/pdf")).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    let text = pdf_text(dir.path(), "pick-list", &pdf);
    assert!(text.contains(&format!("Pick list {pl}")), "{text}");
    let mug = text.find("A-01-3").unwrap();
    let tee = text.find("B-02-1").unwrap();
    assert!(mug < tee, "bins in walking order:\n{text}");
    assert!(text.contains("2 SKUs, 3 units, 1 tote"), "{text}");
    assert!(text.contains("#1: 2"), "tote 1 takes both tees:\n{text}");
    assert!(text.contains(&shipment), "{text}");
    app.post(&format!("/api/v1/pick-lists/{pl}/confirm"), json!({})).await;

    let r = app.act(&shipment, "pack", json!({"scans": [TEE_BARCODE, TEE_BARCODE, "MUG"],
                   "package": {"package_type": "box-s", "weight_grams": 1250, "length_mm": 300, "width_mm": 200, "height_mm": 100}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .act(
            &shipment,
            "label",
            json!({"carrier": "ups", "tracking_number": UPS_NUMBER}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The label PDF: rendered to an image, its barcode reads as the tracking number.
    let (status, content_type, pdf) = download(app, &format!("/api/v1/shipments/{shipment}/label")).await;
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    let text = pdf_text(dir.path(), "label", &pdf);
    shows(
        "label",
        &text,
        &[
            "FROM",
            "Switchyard Goods Ltd",
            "London E10 7FY",
            "SHIP TO",
            "Ann Smith",
            "1 High Street",
            "Leeds LS1 4AP",
            "UPS Ground",
            "1.25 kg",
            UPS_NUMBER,
            &shipment,
            &number,
            "box-s 300 x 200 x 100 mm",
        ],
    );
    let label = dir.path().join("label.pdf");
    let image = dir.path().join("label");
    run(
        "pdftoppm",
        &[
            "-r",
            "300",
            "-gray",
            "-png",
            "-singlefile",
            label.to_str().unwrap(),
            image.to_str().unwrap(),
        ],
    );
    let decoded = run("zbarimg", &["--quiet", dir.path().join("label.png").to_str().unwrap()]);
    assert_eq!(decoded.trim(), format!("CODE-128:{UPS_NUMBER}"));
    let pages = run("pdfinfo", &[label.to_str().unwrap()]);
    assert!(pages.contains("Pages:           1"), "{pages}");
    assert!(pages.contains("288 x 432 pts"), "4x6 inches: {pages}");

    // The same label in ZPL.
    let (status, content_type, zpl) = download(app, &format!("/api/v1/shipments/{shipment}/label?format=zpl")).await;
    assert_eq!((status, content_type.as_str()), (200, "text/plain; charset=utf-8"));
    let zpl = String::from_utf8(zpl).unwrap();
    assert!(zpl.contains("^PW812") && zpl.contains("^LL1218"), "4x6 at 203 dpi");
    assert!(zpl.contains(&format!("^BCN,200,Y,N,N,A^FD{UPS_NUMBER}^FS")), "{zpl}");
    let fields = zpl_fields(&zpl);
    for expected in [
        "Ann Smith",
        "1 High Street",
        "Leeds LS1 4AP",
        "UPS",
        "UPS Ground",
        UPS_NUMBER,
        "1.25 kg",
    ] {
        assert!(
            fields.iter().any(|f| f == expected),
            "the ZPL prints {expected:?}: {fields:?}"
        );
    }
    let r = app.get(&format!("/api/v1/shipments/{shipment}/label?format=png")).await;
    assert_eq!(r.invalid_fields(), ["format"]);

    // The packing slip: seller, numbers, addresses, lines, returns.
    let text = slip_words(app, dir.path(), &shipment).await;
    let order_line = format!("Order {number}");
    let shipment_line = format!("Shipment {shipment}");
    let note = format!("write order number {number}");
    shows(
        "slip",
        &text,
        &[
            "PACKING SLIP",
            "web",
            &order_line,
            &shipment_line,
            "Ann Smith",
            "Leeds LS1 4AP",
            "RETURN ADDRESS",
            "Unit 4, Orient Way",
            "Product TEE",
            "Product MUG",
            "3 items",
            UPS_NUMBER,
            "Returns",
            &note,
        ],
    );
    app.assert_books_balance().await;
}

/// Creates a channel shipping from LON with its own return window; places an order on
/// it and packs its shipment. Returns (order number, shipment number).
async fn packed_on_channel(app: &TestApp, channel: &str, name: &str, window_days: i64) -> (String, String) {
    let r = app
        .post(
            "/api/v1/channels",
            json!({"code": channel, "name": name, "kind": "web", "ship_from": ["LON"], "return_window_days": window_days}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .post("/api/v1/orders", order(channel, &format!("{channel}-1"), &[("TEE", 1)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let number = r.body["number"].as_str().unwrap().to_owned();
    let shipment = app.packed(&number).await;
    (number, shipment)
}

async fn the_packing_slip_states_the_channels_return_window_and_last_day(app: &TestApp) {
    app.warehouse().await;
    let dir = tempfile::tempdir().unwrap();
    let (number, shipment) = packed_on_channel(app, "fortnight", "Fortnight Shop", 14).await;
    let promised = app.shipment_json(&shipment).await["promised_delivery_at"].clone();
    assert_eq!(promised, "2026-11-20T23:59:59Z", "placed on a Tuesday morning");

    // Packed, not yet delivered: the last day if it arrives on its promised date.
    let text = slip_words(app, dir.path(), &shipment).await;
    let note = format!("write order number {number}");
    shows(
        "slip",
        &text,
        &[
            "RETURN ADDRESS",
            "Fortnight Shop returns, LON site",
            "Unit 4, Orient Way",
            "Returns",
            &note,
            "within 14 days of delivery: by 4 December 2026 if it arrives on its promised date, 20 November.",
        ],
    );
    assert!(!text.contains("30 days"), "not the default window:\n{text}");

    // Delivered: counted from the delivery, as a return request is checked.
    app.label_and_ship(&shipment, UPS_NUMBER).await;
    app.clock.set("2026-11-20T09:00:00Z".parse().unwrap());
    let event = json!({"status": "delivered", "occurred_at": "2026-11-19T12:10:00Z", "location": "Leeds", "description": "delivered"});
    let r = app
        .post(&format!("/api/v1/shipments/{shipment}/tracking-events"), event)
        .await;
    assert_eq!(r.body["status"], "delivered", "{}", r.body);
    let text = slip_words(app, dir.path(), &shipment).await;
    shows("slip", &text, &["within 14 days of delivery, by 3 December 2026."]);
    assert!(!text.contains("promised date"), "{text}");

    // A channel that takes no returns: no return text, the sender's address only.
    let (_, shipment) = packed_on_channel(app, "final-sale", "Final Sale", 0).await;
    let text = slip_words(app, dir.path(), &shipment).await;
    shows(
        "slip",
        &text,
        &[
            "PACKING SLIP",
            "SHIPPED FROM",
            "Final Sale, LON site",
            "Unit 4, Orient Way",
            "Product TEE",
        ],
    );
    assert!(!text.to_lowercase().contains("return"), "no return text:\n{text}");
    app.assert_books_balance().await;
}

both!(
    labels_slips_and_pick_lists_print_as_a_user_checks_them,
    the_packing_slip_states_the_channels_return_window_and_last_day
);
