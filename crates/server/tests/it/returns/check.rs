//! `switchyard check` on returns: units on returns beyond what shipped are reported
//! (core's `ReturnableLine::overdrawn`), and a void return's units stop counting.

use serde_json::json;

use crate::both;
use crate::helpers::*;

async fn check_finds_returns_beyond_what_shipped(app: &TestApp) {
    app.warehouse().await;
    let number = app.delivered("R-1", &[("TEE", 1), ("MUG", 1)]).await;
    let rma = app
        .authorized(&number, json!([{"line_no": 1, "quantity": 1, "reason": "too_small"}]))
        .await;
    app.assert_books_balance().await;
    // More units on the return than shipped, written behind the rules' back.
    switchyard_store::db::query(
        "UPDATE return_line SET quantity = 3 WHERE return_id = (SELECT id FROM return_request WHERE number = $1)",
    )
    .bind(rma.as_str())
    .execute(app.store.pool())
    .await
    .unwrap();
    // The report roll-ups count returned units too; rebuilt from the tampered rows,
    // they agree with them, so check names the returns alone whether or not the
    // sweep had refreshed the day before the tampering.
    app.store.rebuild_reports().await.unwrap();
    let report = app.store.check().await.unwrap();
    assert_eq!(
        report.problems,
        [format!(
            "order {number} line TEE: 3 units on returns and claims, but 1 shipped"
        )]
    );
    // A rejected return's units stop counting.
    switchyard_store::db::query("UPDATE return_request SET status = 'rejected' WHERE number = $1")
        .bind(rma.as_str())
        .execute(app.store.pool())
        .await
        .unwrap();
    app.store.rebuild_reports().await.unwrap();
    app.assert_books_balance().await;
}

both!(check_finds_returns_beyond_what_shipped);
