//! A receiving dock with many scanners: writes that cannot fail for want of stock are
//! never refused because they raced each other, on one server or on two servers
//! sharing one database (two processes, each with its own pool and, on SQLite, its own
//! writer). Every request answers `201`, and the balance and the ledger agree with
//! exactly what was asked.

use serde_json::{Value, json};
use switchyard_server::AppState;
use switchyard_store::Store;

use super::fire;
use crate::both;
use crate::helpers::*;

/// How many requests each storm fires at once.
const STORM: usize = 40;

/// The base URLs of `count` servers on the app's database: the app's own, then others
/// started as another process would be, each on a store of its own.
async fn servers(app: &TestApp, count: usize) -> Vec<String> {
    let mut bases = vec![app.base.clone()];
    for _ in 1..count {
        let store = Store::connect(&app.url, app.clock.clone()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        bases.push(format!("http://{}", listener.local_addr().unwrap()));
        tokio::spawn(switchyard_server::serve(
            listener,
            AppState::new(store),
            std::future::pending(),
        ));
    }
    bases
}

/// Sends each `(path, body)` to the servers in turn, all at once, and asserts that
/// every one was accepted.
async fn all_accepted(app: &TestApp, servers: &[String], requests: Vec<(String, Value)>) {
    let requests = requests
        .into_iter()
        .zip(servers.iter().cycle())
        .map(|((path, body), base)| (format!("{base}{path}"), body))
        .collect::<Vec<_>>();
    let (counts, refused) = fire(app, requests).await;
    assert!(refused.is_empty(), "{counts:?}: {refused:#?}");
}

/// How many ledger rows of `kind` TEE at LON has.
async fn ledger_rows(app: &TestApp, kind: &str) -> usize {
    let r = app
        .get(&format!(
            "/api/v1/inventory/movements?sku=TEE&location=LON&kind={kind}&limit=500"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["data"].as_array().unwrap().len()
}

fn receipt() -> (String, Value) {
    (
        "/api/v1/inventory/receipts".into(),
        json!({"sku": "TEE", "location": "LON", "quantity": 1, "reference": "dock 3"}),
    )
}

async fn forty_receipts_at_once_all_land(app: &TestApp, instances: usize) {
    app.shop().await;
    let servers = servers(app, instances).await;
    all_accepted(app, &servers, (0..STORM).map(|_| receipt()).collect()).await;
    assert_eq!(app.level("TEE", "LON").await, (STORM as i64, 0, STORM as i64));
    assert_eq!(ledger_rows(app, "receipt").await, STORM);
    app.assert_books_balance().await;
}

/// Adjustments up and down at once; the stock never runs short, whatever their order.
async fn forty_adjustments_at_once_all_land(app: &TestApp, instances: usize) {
    app.shop().await;
    app.receive("TEE", "LON", 20).await;
    let servers = servers(app, instances).await;
    let adjust = |i: usize| {
        let (units, reason) = if i % 8 < 5 { (1, "found") } else { (-1, "damaged") };
        (
            "/api/v1/inventory/adjustments".into(),
            json!({"sku": "TEE", "location": "LON", "quantity": units, "reason": reason}),
        )
    };
    all_accepted(app, &servers, (0..STORM).map(adjust).collect()).await;
    // 25 found, 15 damaged.
    assert_eq!(app.level("TEE", "LON").await, (30, 0, 30));
    assert_eq!(ledger_rows(app, "adjustment").await, STORM);
    app.assert_books_balance().await;
}

/// Receipts arrive while orders reserve the same stock: every order finds what was
/// there before, and every receipt lands.
async fn receipts_racing_placements_all_land(app: &TestApp, instances: usize) {
    app.shop().await;
    app.receive("TEE", "LON", STORM as i64).await;
    let servers = servers(app, instances).await;
    let requests = (0..STORM)
        .flat_map(|i| {
            let placement = (
                "/api/v1/orders".into(),
                order("web", &format!("DOCK-{i}"), &[("TEE", 1)]),
            );
            [receipt(), placement]
        })
        .collect();
    all_accepted(app, &servers, requests).await;
    let stock = 2 * STORM as i64;
    assert_eq!(app.level("TEE", "LON").await, (stock, STORM as i64, STORM as i64));
    assert_eq!(ledger_rows(app, "receipt").await, STORM + 1);
    assert_eq!(ledger_rows(app, "reserve").await, STORM);
    assert_eq!(app.order_count().await, STORM);
    app.assert_books_balance().await;
}

/// Scanners at the dock receive one purchase order, a unit each: every receipt lands
/// and the order ends received.
async fn forty_purchase_order_receipts_at_once_all_land(app: &TestApp, instances: usize) {
    app.shop().await;
    let expected = app.now() + jiff::SignedDuration::from_hours(24);
    let body = json!({
        "supplier": {"name": "Fernhill Ceramics"},
        "location": "LON",
        "currency": "GBP",
        "lines": [{"sku": "TEE", "quantity": STORM, "expected_at": expected.to_string()}],
    });
    let r = app.post("/api/v1/purchase-orders", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let number = r.body["number"].as_str().unwrap().to_owned();
    let servers = servers(app, instances).await;
    let path = format!("/api/v1/purchase-orders/{number}/receipts");
    let receipt = json!({"lines": [{"line": 1, "quantity": 1}]});
    all_accepted(app, &servers, vec![(path, receipt); STORM]).await;
    let po = app.get(&format!("/api/v1/purchase-orders/{number}")).await.body;
    assert_eq!(po["status"], "received", "{po}");
    assert_eq!(po["lines"][0]["received"], STORM, "{po}");
    assert_eq!(app.level("TEE", "LON").await, (STORM as i64, 0, STORM as i64));
    assert_eq!(ledger_rows(app, "receipt").await, STORM);
    app.assert_books_balance().await;
}

/// Every line of one order cancelled at once: each cancellation changes the order's
/// head, so all but one of each round find its version changed and run again, until
/// every one has landed.
async fn every_line_of_one_order_cancelled_at_once_on_two_servers_all_land(app: &TestApp) {
    const LINES: usize = 20;
    app.shop().await;
    app.receive("TEE", "LON", LINES as i64).await;
    let lines = vec![("TEE", 1); LINES];
    let r = app.post("/api/v1/orders", order("web", "MANY-LINES", &lines)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let number = r.body["number"].as_str().unwrap().to_owned();
    let servers = servers(app, 2).await;
    let cancels = (1..=LINES)
        .map(|line| (format!("/api/v1/orders/{number}/lines/{line}/cancel"), json!({})))
        .collect();
    all_accepted(app, &servers, cancels).await;
    let cancelled = app.get(&format!("/api/v1/orders/{number}")).await.body;
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    assert_eq!(app.level("TEE", "LON").await, (LINES as i64, 0, LINES as i64));
    assert_eq!(ledger_rows(app, "release").await, LINES);
    app.assert_books_balance().await;
}

/// `on_one_and_two_servers!(scenario)`: runs `scenario(app, servers)` with one server
/// and with two, each on both backends (`scenario::on_one_server::sqlite`, ...).
macro_rules! on_one_and_two_servers {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                use crate::helpers::TestApp;

                async fn on_one_server(app: &TestApp) {
                    super::$scenario(app, 1).await;
                }

                async fn on_two_servers(app: &TestApp) {
                    super::$scenario(app, 2).await;
                }

                crate::both!(on_one_server, on_two_servers);
            }
        )+
    };
}

on_one_and_two_servers!(
    forty_receipts_at_once_all_land,
    forty_adjustments_at_once_all_land,
    receipts_racing_placements_all_land,
    forty_purchase_order_receipts_at_once_all_land
);

both!(every_line_of_one_order_cancelled_at_once_on_two_servers_all_land);
