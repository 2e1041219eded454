//! Control characters (NUL, ESC, CR/LF outside free text), bidirectional overrides and
//! zero-width characters: refused in every text of a body, a path and a query, naming
//! where; line breaks and tabs kept in notes.

use serde_json::json;

use super::{named, pairs};
use crate::both;
use crate::helpers::*;

const INVALID: &str = "invalid_characters";

async fn text_fields_refuse_control_bidi_and_invisible_characters(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let r = app
        .post("/api/v1/products", json!({"sku": "ESC", "title": "Tee \u{1b}[31mred"}))
        .await;
    r.problem(422, "validation_failed");
    assert_eq!(named(&r), pairs(&[("/title", INVALID)]));
    assert_eq!(
        r.body["errors"][0]["message"],
        "must not contain control characters (U+001B at character 5)"
    );
    // Every field at once, nested ones and object keys included.
    let mut address = address("GB");
    address["name"] = json!("Ann\u{200b}Smith");
    address["line1"] = json!("1 High St\r\nBcc: x");
    let r = app
        .post(
            "/api/v1/locations",
            json!({"code": "EVIL", "name": "evil\u{202e}gpj.exe", "kind": "warehouse", "address": address,
                   "time\u{0}zone": "x"}),
        )
        .await;
    assert_eq!(
        named(&r),
        pairs(&[
            ("/address/line1", INVALID),
            ("/address/name", INVALID),
            ("/name", INVALID),
            ("/time\u{0}zone", INVALID),
        ])
    );
    let r = app
        .patch("/api/v1/channels/web", json!({"name": "Web\u{2066} shop"}))
        .await;
    assert_eq!(named(&r), pairs(&[("/name", INVALID)]));
    // Free text keeps its lines and tabs; a name does not; nothing hides in either.
    let mut notes = order("web", "N-1", &[("TEE", 1)]);
    notes["notes"] = json!("Leave with\r\nnumber 4\tplease");
    let r = app.post("/api/v1/orders", notes).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["notes"], "Leave with\r\nnumber 4\tplease");
    let mut bad = order("web", "N-2", &[("TEE", 1)]);
    bad["customer"]["name"] = json!("Ann\nSmith");
    bad["notes"] = json!("fine\u{0} until here");
    bad["tags"] = json!(["ok", "b\u{7}ad"]);
    bad["lines"][0]["sku"] = json!("TEE\u{feff}");
    let r = app.post("/api/v1/orders", bad).await;
    assert_eq!(
        named(&r),
        pairs(&[
            ("/customer/name", INVALID),
            ("/lines/0/sku", INVALID),
            ("/notes", INVALID),
            ("/tags/1", INVALID),
        ])
    );
    let r = app
        .post(
            "/api/v1/inventory/adjustments",
            json!({"sku": "TEE", "location": "LON", "quantity": -1, "reason": "damaged", "note": "\u{9b}31m"}),
        )
        .await;
    assert_eq!(named(&r), pairs(&[("/note", INVALID)]));
    assert_eq!(app.order_count().await, 1);
    assert_eq!(app.level("TEE", "LON").await, (5, 1, 4));
    app.assert_books_balance().await;
}

async fn a_nul_in_a_path_query_or_cursor_is_a_problem_not_a_500(app: &TestApp) {
    app.shop().await;
    for (method, path, name) in [
        (reqwest::Method::GET, "/api/v1/products/TEE%00", "key"),
        (reqwest::Method::GET, "/api/v1/orders/%00", "key"),
        (reqwest::Method::GET, "/api/v1/locations/LON%1B", "key"),
        (reqwest::Method::GET, "/api/v1/channels/%E2%80%AEweb", "key"),
        (reqwest::Method::POST, "/api/v1/orders/%00/cancel", "key"),
        (reqwest::Method::POST, "/api/v1/orders/W-1/lines/%00/cancel", "line"),
        (reqwest::Method::POST, "/api/v1/products/TEE%00/archive", "key"),
    ] {
        let r = app.send(method, path, Some(&app.admin), Some(&json!({})), &[]).await;
        r.problem(400, "invalid_path");
        assert_eq!(named(&r), pairs(&[(name, INVALID)]), "{path}");
    }
    for path in [
        "/api/v1/products?q=%00",
        "/api/v1/orders?q=a%00b",
        "/api/v1/orders?q=%E2%80%8B",
        "/api/v1/inventory/levels?sku=TEE%00",
        "/api/v1/shipments?location=%1B",
    ] {
        let r = app.get(path).await;
        r.problem(422, "validation_failed");
        assert_eq!(named(&r).len(), 1, "{path}: {}", r.body);
        assert_eq!(named(&r)[0].1, INVALID, "{path}");
    }
    for cursor in ["%00", "ord_%00", "%E2%80%AE", "two%20words", "%C3%A9", &"x".repeat(300)] {
        for list in ["orders", "products", "inventory/movements", "shipments/late"] {
            let r = app.get(&format!("/api/v1/{list}?cursor={cursor}")).await;
            r.problem(400, "invalid_cursor");
            assert_eq!(named(&r), pairs(&[("cursor", "invalid_cursor")]), "{list} {cursor}");
        }
    }
    // Cursors are opaque: a sort key, even one of this list, is not one.
    let r = app.get("/api/v1/products?cursor=MUG").await;
    r.problem(400, "invalid_cursor");
    assert_eq!(app.get("/api/v1/products/TEE").await.status, 200);
}

both!(
    text_fields_refuse_control_bidi_and_invisible_characters,
    a_nul_in_a_path_query_or_cursor_is_a_problem_not_a_500,
);
