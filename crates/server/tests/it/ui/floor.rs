//! The floor in the web UI: releasing work and confirming a pick list with a short
//! pick, the pack bench (each scan checked at once, a wrong one refused and not
//! counted, nothing packed until the scans match), and receiving a return at the
//! bench — over HTTP on both backends, and at the benches in Chromium, typing as a
//! barcode scanner does.

use serde_json::{Value, json};
use switchyard_core::auth::Role;

use super::support::browser::Browser;
use super::support::{self, Signed, signed_in};
use crate::both;
use crate::helpers::{Backend, TestApp};
use crate::shipments::{TEE_BARCODE, UPS_NUMBER};

/// The page a 303 sends to.
fn location(r: &reqwest::Response) -> String {
    assert_eq!(r.status().as_u16(), 303, "expected a redirect");
    r.headers()["location"].to_str().unwrap().to_owned()
}

async fn page(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// How many units the bench's form carries as scanned.
fn scans_in(html: &str) -> usize {
    html.split("id=\"scan-form\"")
        .nth(1)
        .and_then(|form| form.split("</form>").next())
        .map_or(0, |form| form.matches("name=\"scan\"").count())
}

async fn release_and_a_short_pick(app: &TestApp) {
    app.warehouse().await;
    let tees = app.place("F-1", &[("TEE", 2)]).await;
    app.place("F-2", &[("MUG", 1)]).await;
    let ui = signed_in(app, Role::Warehouse).await;

    let (status, html) = ui.get("/ui/floor").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"board-LON\""), "{html}");
    assert!(html.contains("Release work"));

    // A refused release keeps what was typed and releases nothing.
    let (status, html) = page(
        ui.post("/ui/floor/release", &[("location", "LON"), ("orders", "SO-NOPE")])
            .await,
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("value=\"SO-NOPE\""));
    assert!(html.contains("aria-invalid=\"true\""));
    let listed = app.get("/api/v1/shipments?location=LON").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 0);

    let r = ui
        .post("/ui/floor/release", &[("location", "LON"), ("orders", "")])
        .await;
    assert_eq!(location(&r), "/ui/floor?released=2");
    let (_, html) = ui.get("/ui/floor?released=2").await;
    assert!(html.contains("Released 2 shipments to the floor."));

    // The batch size must be a number; then the list is made.
    let (status, html) = page(
        ui.post("/ui/pick-lists", &[("location", "LON"), ("max_shipments", "lots")])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("must be a whole number"), "{html}");
    let r = ui
        .post("/ui/pick-lists", &[("location", "LON"), ("max_shipments", "10")])
        .await;
    let to = location(&r);
    assert!(to.starts_with("/ui/pick-lists/PL-"), "{to}");
    let number = to.rsplit('/').next().unwrap().to_owned();

    // Bin order: the mug's A-01-3 before the tee's B-02-1.
    let (status, html) = ui.get(&to).await;
    assert_eq!(status, 200);
    assert!(html.find("A-01-3").unwrap() < html.find("B-02-1").unwrap());
    assert!(html.contains(&format!("href=\"/ui/pick-lists/{number}/pdf\"")));
    let pdf = ui.client.get(format!("{}{to}/pdf", ui.base)).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");

    // A found count that is no number changes nothing.
    let confirm = format!("{to}/confirm");
    let (status, html) = page(
        ui.post(
            &confirm,
            &[("sku", "MUG"), ("found", "1"), ("sku", "TEE"), ("found", "one")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("value=\"one\""));
    assert_eq!(
        app.get(&format!("/api/v1/pick-lists/{number}")).await.body["status"],
        "open"
    );

    // One tee of two found: the page says what was short and what became of it.
    let r = ui
        .post(
            &confirm,
            &[("sku", "MUG"), ("found", "1"), ("sku", "TEE"), ("found", "1")],
        )
        .await;
    assert_eq!(location(&r), format!("{to}?done=confirmed"));
    let (_, html) = ui.get(&format!("{to}?done=confirmed")).await;
    assert!(html.contains("Short picks"), "{html}");
    assert!(html.contains("TEE: 1 of 2"));
    assert!(html.contains("short 1"));
    let list = app.get(&format!("/api/v1/pick-lists/{number}")).await.body;
    assert_eq!(list["status"], "completed");

    // Who may not fulfil gets no floor and no bench; a viewer reads the list, no form.
    let support = signed_in(app, Role::Support).await;
    assert_eq!(support.get("/ui/floor").await.0, 403);
    assert_eq!(support.get("/ui/pack").await.0, 403);
    assert_eq!(support.get("/ui/returns/bench").await.0, 403);
    let viewer = signed_in(app, Role::Viewer).await;
    let (status, html) = viewer.get(&to).await;
    assert_eq!(status, 200);
    assert!(!html.contains("id=\"confirm-picks\""));
    assert_eq!(list["completed_by"], "Wes Warehouse");
    let timeline = app.order_json(&tees).await;
    assert!(
        timeline.to_string().contains("Wes Warehouse"),
        "the order's timeline names the picker"
    );
}

/// Places an order of 2 TEE and 1 MUG at LON and releases it for UPS; the shipment's number.
async fn released(app: &TestApp) -> String {
    app.warehouse().await;
    app.product("CAP", 900).await;
    app.place("P-1", &[("TEE", 2), ("MUG", 1)]).await;
    let shipments = app.release(json!({"location": "LON", "carrier": "ups"})).await;
    shipments[0]["number"].as_str().unwrap().to_owned()
}

async fn scan(ui: &Signed, shipment: &str, scans: &[&str], code: &str) -> (u16, String) {
    let mut form = vec![("shipment", shipment), ("code", code)];
    form.extend(scans.iter().map(|s| ("scan", *s)));
    page(ui.post("/ui/pack/scan", &form).await).await
}

async fn the_pack_bench_refuses_a_wrong_scan_and_packs_the_right_ones(app: &TestApp) {
    let shipment = released(app).await;
    let ui = signed_in(app, Role::Warehouse).await;

    let (status, html) = page(ui.post("/ui/pack/scan", &[("code", shipment.as_str())]).await).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("scan-result ok"));
    assert!(html.contains("0 of 2") && html.contains("0 of 1"), "{html}");

    let (status, html) = scan(&ui, &shipment, &[TEE_BARCODE], "CAP").await;
    assert_eq!(status, 422);
    assert!(html.contains("scan-result bad"));
    assert!(html.contains("Wrong item: CAP is not in this shipment"));
    assert_eq!(scans_in(&html), 1, "a wrong scan is not counted");

    let (_, html) = scan(&ui, &shipment, &[TEE_BARCODE, "TEE", "MUG"], "TEE").await;
    assert!(html.contains("Too many: all 2 of TEE already scanned"), "{html}");
    assert_eq!(scans_in(&html), 3);

    let (status, html) = scan(&ui, &shipment, &[TEE_BARCODE], "mug").await;
    assert_eq!(status, 200);
    assert!(html.contains("MUG (Product MUG): 1 of 1"), "{html}");
    assert_eq!(scans_in(&html), 2);
    assert!(html.contains("id=\"pack-submit\" accesskey=\"p\" disabled"));

    // Packing short, or with a weight that is no number, packs nothing.
    let pack = |scans: &'static [&'static str], weight: &'static str| {
        let mut form = vec![("shipment", shipment.as_str()), ("weight_grams", weight)];
        form.extend(scans.iter().map(|s| ("scan", *s)));
        let ui = &ui;
        async move { ui.post("/ui/pack/pack", &form).await }
    };
    let (status, html) = page(pack(&[TEE_BARCODE, "MUG"], "700").await).await;
    assert_eq!(status, 422);
    assert!(html.contains("Nothing was packed"), "{html}");
    let (status, html) = page(pack(&[TEE_BARCODE, "TEE", "MUG"], "heavy").await).await;
    assert_eq!(status, 422);
    assert!(html.contains("must be a whole number") && html.contains("value=\"heavy\""));
    assert_eq!(app.shipment_json(&shipment).await["status"], "released");

    let r = pack(&[TEE_BARCODE, "TEE", "MUG"], "700").await;
    assert_eq!(location(&r), format!("/ui/pack?shipment={shipment}&done=packed"));
    let s = app.shipment_json(&shipment).await;
    assert_eq!(s["status"], "packed");
    assert_eq!(s["package"]["weight_grams"], 700);

    // The label form is next, with the released carrier chosen; then the prints and Ship.
    let (_, html) = ui.get(&format!("/ui/pack?shipment={shipment}&done=packed")).await;
    assert!(html.contains("id=\"label-form\""));
    assert!(html.contains("<option value=\"ups\" selected>"));
    let r = ui
        .post(
            "/ui/pack/label",
            &[
                ("shipment", shipment.as_str()),
                ("provider", "manual"),
                ("carrier", "ups"),
                ("tracking_number", "1Z-NOT-A-NUMBER"),
            ],
        )
        .await;
    let (status, html) = page(r).await;
    assert_eq!(status, 422);
    assert!(html.contains("value=\"1Z-NOT-A-NUMBER\""));
    let r = ui
        .post(
            "/ui/pack/label",
            &[
                ("shipment", shipment.as_str()),
                ("provider", "manual"),
                ("carrier", "ups"),
                ("tracking_number", UPS_NUMBER),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/ui/pack?shipment={shipment}&done=labelled"));
    let (_, html) = ui.get(&format!("/ui/pack?shipment={shipment}&done=labelled")).await;
    assert!(html.contains("id=\"ship-submit\""));
    for print in ["label.pdf", "slip.pdf"] {
        let r = ui
            .client
            .get(format!("{}/ui/pack/{shipment}/{print}", ui.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["content-type"], "application/pdf", "{print}");
    }
    let r = ui.post("/ui/pack/ship", &[("shipment", shipment.as_str())]).await;
    assert_eq!(location(&r), format!("/ui/pack?shipment={shipment}&done=shipped"));
    assert_eq!(app.shipment_json(&shipment).await["status"], "shipped");
    let (status, html) = page(ui.post("/ui/pack/scan", &[("code", shipment.as_str())]).await).await;
    assert_eq!(status, 422);
    assert!(html.contains(&format!("Shipment {shipment} is shipped: nothing to pack")));
    let audit = app.store.audit_entries(None, &Default::default()).await.unwrap().data;
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    for action in ["packed_shipment", "created_label", "shipped_shipment"] {
        assert!(actions.contains(&action), "{actions:?}");
    }
}

/// A delivered order of 2 TEE with an authorized return of both; the RMA number.
async fn authorized_return(app: &TestApp) -> String {
    app.warehouse().await;
    let order = app.delivered("R-1", &[("TEE", 2)]).await;
    app.authorized(&order, json!([{"line_no": 1, "quantity": 2, "reason": "too_small"}]))
        .await
}

async fn a_return_is_received_at_the_bench(app: &TestApp) {
    let rma = authorized_return(app).await;
    let before = app.level("TEE", "LON").await;
    let ui = signed_in(app, Role::Warehouse).await;

    let (_, html) = ui.get("/ui/returns?status=authorized").await;
    assert!(html.contains(&format!("/ui/returns/bench?rma={rma}")), "{html}");

    let (status, html) = page(ui.post("/ui/returns/bench/scan", &[("code", rma.as_str())]).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("0 of 2"), "{html}");
    let (status, html) = page(
        ui.post("/ui/returns/bench/scan", &[("rma", rma.as_str()), ("code", "MUG")])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Wrong item: MUG is not in this return"));
    let (status, html) = page(
        ui.post(
            "/ui/returns/bench/scan",
            &[("rma", rma.as_str()), ("code", TEE_BARCODE)],
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("1 of 2"));
    assert!(html.contains("name=\"scan\" value=\"TEE\""), "scans are kept by SKU");

    // Refused: a disposition that is none; nothing moves.
    let (status, _) = page(
        ui.post(
            "/ui/returns/bench/receive",
            &[("rma", rma.as_str()), ("scan", "TEE"), ("disposition_0", "burn")],
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(app.level("TEE", "LON").await, before);

    let r = ui
        .post(
            "/ui/returns/bench/receive",
            &[
                ("rma", rma.as_str()),
                ("scan", "TEE"),
                ("disposition_0", "restock"),
                ("note", "box dented"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/ui/returns/bench?rma={rma}&done=received"));
    let (_, html) = ui.get(&format!("/ui/returns/bench?rma={rma}&done=received")).await;
    assert!(html.contains("1 of 2 units have arrived"), "{html}");
    let ret: Value = app.return_json(&rma).await;
    assert_eq!(ret["status"], "partially_received");
    assert_eq!(ret["receipts"][0]["actor"], "Wes Warehouse");
    assert_eq!(ret["receipts"][0]["disposition"], "restock");
    let after = app.level("TEE", "LON").await;
    assert_eq!(after.0, before.0 + 1, "restocked through the ledger");
    app.assert_books_balance().await;
}

both!(
    release_and_a_short_pick,
    the_pack_bench_refuses_a_wrong_scan_and_packs_the_right_ones,
    a_return_is_received_at_the_bench,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_pack_bench_refuses_a_wrong_scan_and_packs_the_right_ones() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let shipment = released(&app).await;
    support::user(&app, Role::Warehouse).await;
    let browser = Browser::start(&app.base).await;
    browser
        .sign_in(&support::email(Role::Warehouse), support::PASSWORD)
        .await;

    // The floor, and a pick list made from it.
    browser.open("/ui/floor").await;
    browser.wait_for_text("Work by location").await;
    browser.screenshot("floor").await;
    browser.click("#pick-submit").await;
    browser.wait_for_text("Confirm picks").await;
    browser.screenshot("pick-list").await;

    // The bench, by keyboard only: the scanner types into the focused field.
    browser.open("/ui/pack").await;
    browser.wait_for("#scan:focus").await;
    browser.type_keys(&format!("{shipment}\n")).await;
    browser.wait_for_text("0 of 2").await;
    browser.type_keys("CAP\n").await;
    browser.wait_for_text("Wrong item: CAP is not in this shipment").await;
    assert!(browser.has(".scan-result.bad").await);
    assert!(browser.has("#scan:focus").await, "the scan field keeps the focus");
    browser.screenshot("pack-bench-wrong").await;
    browser.type_keys(&format!("{TEE_BARCODE}\n")).await;
    browser.wait_for_text("TEE (Product TEE): 1 of 2").await;
    assert!(browser.has(".scan-result.ok").await);
    assert!(browser.has("#scan:focus").await);
    browser.type_keys("MUG\n").await;
    browser.wait_for_text("MUG (Product MUG): 1 of 1").await;
    browser.screenshot("pack-bench").await;
    browser.type_keys("TEE\n").await;
    browser.wait_for_text("TEE (Product TEE): 2 of 2").await;

    // Complete: the weight, Enter packs; the carrier label's number, Enter; Enter ships.
    browser.wait_for("#weight:focus").await;
    browser.type_keys("700\n").await;
    browser.wait_for_text("Next: its label").await;
    browser.wait_for("#tracking-number:focus").await;
    browser.type_keys(&format!("{UPS_NUMBER}\n")).await;
    browser.wait_for_text("Print the label and the slip").await;
    assert!(browser.has("#print-label").await && browser.has("#print-slip").await);
    browser.wait_for("#ship-submit:focus").await;
    browser.type_keys("\n").await;
    browser.wait_for_text("Scan the next shipment").await;
    assert_eq!(app.shipment_json(&shipment).await["status"], "shipped");
    browser.finish().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_receives_a_return_at_the_bench() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let rma = authorized_return(&app).await;
    support::user(&app, Role::Warehouse).await;
    let browser = Browser::start(&app.base).await;
    browser
        .sign_in(&support::email(Role::Warehouse), support::PASSWORD)
        .await;

    browser.open("/ui/returns").await;
    browser.wait_for_text(&rma).await;
    browser.click("#open-bench").await;
    browser.wait_for("#scan:focus").await;
    browser.type_keys(&format!("{rma}\n")).await;
    browser.wait_for_text("0 of 2").await;
    browser.type_keys("MUG\n").await;
    browser.wait_for_text("Wrong item: MUG is not in this return").await;
    assert!(browser.has(".scan-result.bad").await);
    browser.type_keys(&format!("{TEE_BARCODE}\n")).await;
    browser.wait_for_text("1 of 2").await;
    assert!(browser.has("#scan:focus").await);
    browser.type_keys("TEE\n").await;
    browser.wait_for_text("2 of 2").await;
    browser.click("#disposition-0 option[value=quarantine]").await;
    browser.screenshot("returns-bench").await;
    browser.click("#receive-submit").await;
    // Received in full and refunded on receipt (the refund was approved): closed.
    let text = browser.wait_for_text("2 of 2 units have arrived").await;
    assert!(text.contains("the return is closed"), "{text}");
    let ret = app.return_json(&rma).await;
    assert_eq!(ret["status"], "closed");
    assert_eq!(ret["receipts"][0]["disposition"], "quarantine");
    browser.finish().await;
    app.finish().await;
}

/// Without JavaScript the bench is plain forms: Enter posts the scan, the page comes
/// back whole, and "Receive" posts the same form to its own address (`formaction`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_the_returns_bench_works_without_javascript() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let rma = authorized_return(&app).await;
    support::user(&app, Role::Warehouse).await;
    let browser = Browser::without_javascript(&app.base).await;
    browser
        .sign_in(&support::email(Role::Warehouse), support::PASSWORD)
        .await;

    browser.open("/ui/returns/bench").await;
    browser.fill("#scan", &format!("{rma}\n")).await;
    browser.wait_for_text("0 of 2").await;
    browser.fill("#scan", "MUG\n").await;
    browser.wait_for_text("Wrong item: MUG is not in this return").await;
    browser.fill("#scan", "TEE\n").await;
    browser.wait_for_text("1 of 2").await;
    browser.click("#receive-submit").await;
    browser.wait_for_text("1 of 2 units have arrived").await;
    assert_eq!(app.return_json(&rma).await["status"], "partially_received");
    browser.finish().await;
    app.finish().await;
}
