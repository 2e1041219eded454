//! Reports: the daily roll-ups follow the write path (every order event marks its
//! order; the sweep recomputes its day), `check` finds roll-ups that differ from a
//! recount, and a rebuild mends them.

mod sales;
mod stock;

use serde_json::json;
use switchyard_store::db;

use crate::both;
use crate::helpers::*;

mod quality;

both!(roll_ups_follow_orders_and_check_proves_them);

/// The channel performance roll-up's totals over every day: orders, units, gross,
/// discount, cancelled, net.
async fn sales_totals(app: &TestApp) -> (i64, i64, i64, i64, i64, i64) {
    let row = db::query(
        "SELECT CAST(COALESCE(SUM(orders), 0) AS BIGINT) AS orders, CAST(COALESCE(SUM(units), 0) AS BIGINT) AS units, \
         CAST(COALESCE(SUM(gross), 0) AS BIGINT) AS gross, CAST(COALESCE(SUM(discount), 0) AS BIGINT) AS discount, \
         CAST(COALESCE(SUM(cancelled), 0) AS BIGINT) AS cancelled, CAST(COALESCE(SUM(net), 0) AS BIGINT) AS net \
         FROM report_sales_daily",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    let get = |c: &str| row.try_get::<i64, _>(c).unwrap();
    (
        get("orders"),
        get("units"),
        get("gross"),
        get("discount"),
        get("cancelled"),
        get("net"),
    )
}

async fn roll_ups_follow_orders_and_check_proves_them(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    app.receive("MUG", "LON", 10).await;
    // Two orders at £18 a unit: 2 TEE + 1 MUG, and 1 TEE.
    let first = app.place("R-1", &[("TEE", 2), ("MUG", 1)]).await;
    app.place("R-2", &[("TEE", 1)]).await;
    assert_eq!(sales_totals(app).await, (0, 0, 0, 0, 0, 0), "nothing until the sweep");
    assert!(app.store.refresh_reports().await.unwrap() >= 1);
    assert_eq!(sales_totals(app).await, (2, 4, 7200, 0, 0, 7200));
    assert_eq!(app.store.check_reports().await.unwrap(), Vec::<String>::new());

    // Cancelling the MUG line is an order event: its day is recomputed.
    let r = app
        .post(
            &format!("/api/v1/orders/{first}/lines/2/cancel"),
            json!({"reason": "out of stock"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.store.refresh_reports().await.unwrap();
    assert_eq!(sales_totals(app).await, (2, 4, 7200, 0, 1800, 5400));
    let marks: i64 = db::query_scalar("SELECT COUNT(*) FROM report_change")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(marks, 0, "every mark read was swept");

    // A roll-up that no longer matches its orders is named by check, and a rebuild mends it.
    db::query("UPDATE report_sales_daily SET orders = orders + 5")
        .execute(app.store.pool())
        .await
        .unwrap();
    let problems = app.store.check().await.unwrap().problems;
    let today = app.store.report_today().await.unwrap();
    assert_eq!(
        problems,
        vec![format!(
            "report roll-ups of {today} differ from a recount of its orders"
        )]
    );
    assert_eq!(app.store.rebuild_reports().await.unwrap(), 1);
    assert!(app.store.check().await.unwrap().is_clean());
    assert_eq!(sales_totals(app).await, (2, 4, 7200, 0, 1800, 5400));
}
