//! The reports pages: each shows the figures the JSON API answers for the same
//! filters, with its chart inline; bad filters are named beside their field; the CSV
//! downloads are the API's, for a staff session; the forecast note follows the
//! forecasts; and a real browser follows a filter and downloads a CSV.

use serde_json::json;
use switchyard_core::auth::Role;
use switchyard_store::db;

use super::support::browser::Browser;
use super::support::{self, signed_in};
use crate::both;
use crate::helpers::{Backend, TestApp};

both!(
    report_pages_show_what_the_api_reports,
    quality_and_stock_pages_show_what_the_api_reports
);

/// The shop with three orders: A (web, 2 TEE + MUG) shipped by UPS and delivered, B
/// (web, 1 TEE) cancelled by staff for stock, C (amazon, 3 MUG); roll-ups refreshed.
/// B's order id.
async fn three_orders(app: &TestApp) -> String {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    app.receive("MUG", "LON", 10).await;
    let a = app.place("A", &[("TEE", 2), ("MUG", 1)]).await;
    let b = app.place("B", &[("TEE", 1)]).await;
    let r = app
        .post("/api/v1/orders", crate::helpers::order("amazon", "C", &[("MUG", 3)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let shipment = app.shipped(&a, "1Z5R89390357567127").await;
    let r = app
        .post(
            &format!("/api/v1/shipments/{shipment}/tracking-events"),
            json!({"status": "delivered", "occurred_at": app.now().to_string(), "location": "Leeds",
                   "description": "delivered"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(&format!("/api/v1/orders/{b}/cancel"), json!({"reason": "out of stock"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.store.refresh_reports().await.unwrap();
    app.get(&format!("/api/v1/orders/{b}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Minor units of GBP as the pages show money.
fn pounds(minor: i64) -> String {
    format!("{}.{:02} GBP", minor / 100, minor % 100)
}

async fn report_pages_show_what_the_api_reports(app: &TestApp) {
    three_orders(app).await;
    let ui = signed_in(app, Role::Viewer).await;
    let (status, index) = ui.get("/ui/reports").await;
    assert_eq!(status, 200);
    assert!(
        index.contains("<a href=\"/ui/reports\" aria-current=\"page\">Reports</a>"),
        "the nav entry"
    );
    assert_eq!(index.matches("href=\"/ui/reports/").count(), 5, "{index}");

    // Channel performance: web's orders and net revenue as the API counts them.
    let api = app.get("/api/v1/reports/channel-performance").await.body;
    let web = api["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["channel"] == "web")
        .unwrap();
    let (orders, net) = (
        web["current"]["orders"].as_i64().unwrap(),
        web["current"]["net"].as_i64().unwrap(),
    );
    assert_eq!(orders, 2);
    let (status, html) = ui.get("/ui/reports/channel-performance").await;
    assert_eq!(status, 200);
    let row = html
        .split("<tr data-channel=\"web\">")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(
        row.contains(&format!("<td>GBP</td><td class=\"num\">{orders}</td>")),
        "{row}"
    );
    assert!(row.contains(&pounds(net)), "{} in {row}", pounds(net));
    assert!(html.contains("<svg") && html.contains("Net revenue per day (GBP)"));
    assert!(html.contains("Against the previous period"));

    // Another filter, another table; a bad one is named beside its field.
    let (_, amazon) = ui
        .get("/ui/reports/channel-performance?channel=amazon&bucket=week")
        .await;
    assert!(amazon.contains("data-channel=\"amazon\"") && !amazon.contains("data-channel=\"web\""));
    assert!(amazon.contains("Net revenue per week (GBP)"));
    let (status, bad) = ui
        .get("/ui/reports/channel-performance?from=2030-02-01&to=2030-01-01")
        .await;
    assert_eq!(status, 422);
    assert!(bad.contains("id=\"filter-from-error\">must not be after `to`"), "{bad}");
    assert!(!bad.contains("download-csv") && !bad.contains("<svg"));
    let (status, bad) = ui.get("/ui/reports/time-of-order?sku=TEE").await;
    assert_eq!(status, 422, "a filter the form has no field for is still said");
    assert!(
        bad.contains("sku: the time-of-order report counts whole orders"),
        "{bad}"
    );

    // The CSV is the API's, for the session.
    let res = ui
        .client
        .get(format!("{}/ui/reports/channel-performance.csv?channel=web", ui.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("bucket,channel,currency,orders,units,gross"), "{csv}");
    let api_csv = app
        .get("/api/v1/reports/channel-performance?channel=web&format=csv")
        .await;
    assert_eq!(csv, api_csv.text);

    // Time of order: three orders in the grid, the heatmap and the daily chart.
    let (status, html) = ui.get("/ui/reports/time-of-order").await;
    assert_eq!(status, 200);
    assert!(html.contains("<p id=\"time-total\">3 orders placed"), "{html}");
    assert!(html.contains("Orders by weekday and hour") && html.contains("Orders per day (peaks marked)"));
    let (_, csv) = ui.get("/ui/reports/time-of-order.csv").await;
    assert!(csv.starts_with("weekday,0,1,2"), "{csv}");

    // Signed out: sign in first, for the pages and their downloads.
    let anonymous = support::client();
    for path in ["/ui/reports", "/ui/reports/stock", "/ui/reports/stock.csv"] {
        let res = anonymous.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/ui/sign-in?next=")
        );
    }
}

async fn quality_and_stock_pages_show_what_the_api_reports(app: &TestApp) {
    let cancelled = three_orders(app).await;
    let ui = signed_in(app, Role::Warehouse).await;

    // Delivery: the UPS shipment delivered.
    let (status, html) = ui.get("/ui/reports/delivery").await;
    assert_eq!(status, 200);
    let ups = html.split("<th scope=\"row\">ups</th>").nth(1).unwrap();
    assert!(ups.starts_with("<td class=\"num\">1</td>"), "{ups}");
    assert!(html.contains("Deliveries by carrier"));
    let (_, csv) = ui.get("/ui/reports/delivery.csv?by=location").await;
    assert!(csv.starts_with("location,delivered,on_time"), "{csv}");
    let (status, bad) = ui.get("/ui/reports/delivery?by=colour").await;
    assert_eq!(status, 422);
    assert!(bad.contains("id=\"filter-by-error\""), "{bad}");

    // Perfect orders: B failed on completeness, linked to its order page.
    let (status, html) = ui.get("/ui/reports/perfect-orders").await;
    assert_eq!(status, 200);
    let api = app.get("/api/v1/reports/perfect-orders").await.body;
    let decided = api["total"]["counts"]["decided"].as_i64().unwrap();
    assert!(decided >= 1, "{api}");
    let all = html.split("<th scope=\"row\">All</th>").nth(1).unwrap();
    assert!(all.starts_with(&format!("<td class=\"num\">{decided}</td>")), "{all}");
    let failure = html
        .split(&format!("href=\"/ui/orders/{cancelled}\""))
        .nth(1)
        .expect("the cancelled order is listed and linked");
    assert!(failure.split("</tr>").next().unwrap().contains(">complete</span>"));
    assert!(html.contains("Perfect order rate per week"));
    let (_, csv) = ui.get("/ui/reports/perfect-orders.csv").await;
    assert!(csv.starts_with("start,decided,perfect"), "{csv}");

    // Stock: value at cost in pounds, and the note until forecasts are made.
    let r = app
        .patch("/api/v1/products/TEE", json!({"cost": crate::helpers::gbp(650)}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The server's first sweep makes the (empty) forecasts: as if it had not yet.
    while app.store.forecasts_made_for().await.unwrap().is_none() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    db::query("UPDATE forecast_setting SET made_for = NULL")
        .execute(app.store.pool())
        .await
        .unwrap();
    let (status, html) = ui.get("/ui/reports/stock?location=LON").await;
    assert_eq!(status, 200);
    assert!(html.contains("No demand forecast has been made yet"), "{html}");
    assert!(html.contains("Stock share vs demand share"));
    let api = app.get("/api/v1/reports/stock?location=LON").await.body;
    let tee = api["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sku"] == "TEE")
        .unwrap();
    let value = pounds(tee["stock_value"]["amount"].as_i64().unwrap());
    assert!(
        html.contains(&format!("<td class=\"num\">{value}</td>")),
        "{value} in {html}"
    );
    app.store.refresh_forecasts().await.unwrap();
    let (_, html) = ui.get("/ui/reports/stock").await;
    assert!(
        html.contains("Days of cover use the demand forecasts made for"),
        "{html}"
    );
    let (_, csv) = ui.get("/ui/reports/stock.csv").await;
    assert!(csv.starts_with("sku,location,country,on_hand"), "{csv}");
    let (status, bad) = ui.get("/ui/reports/stock?dead_days=0&from=yesterday").await;
    assert_eq!(status, 422);
    assert!(bad.contains("id=\"filter-dead-days-error\"") && bad.contains("id=\"filter-from-error\""));
}

/// A manager opens the reports from the navigation, picks a channel, sees the table
/// follow, meets the error of a period that ends before it starts, and downloads the
/// CSV in the browser's session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_follows_a_report_filter_and_downloads_its_csv() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    three_orders(&app).await;
    support::user(&app, Role::Manager).await;
    let browser = Browser::start(&app.base).await;
    browser.sign_in(&support::email(Role::Manager), support::PASSWORD).await;
    browser.click("a[href='/ui/reports']").await;
    browser.wait_for("#reports").await;
    browser.click("a[href='/ui/reports/channel-performance']").await;
    browser.wait_for("#chart svg").await;
    assert!(browser.has("tr[data-channel='web']").await);
    browser.screenshot("report-channel-performance").await;

    browser.click("#filter-channel option[value='amazon']").await;
    browser.click("#report-show").await;
    browser.wait_for_text("Against the previous period").await;
    assert!(browser.path().await.contains("channel=amazon"));
    assert!(browser.has("tr[data-channel='amazon']").await && !browser.has("tr[data-channel='web']").await);

    browser
        .open("/ui/reports/channel-performance?from=2030-02-01&to=2030-01-01")
        .await;
    browser.wait_for_text("must not be after").await;
    assert!(!browser.has("#chart").await);

    browser.open("/ui/reports/perfect-orders").await;
    browser.wait_for("#perfect-failures .order-link").await;
    browser.screenshot("report-perfect-orders").await;
    let csv = browser
        .client
        .execute(
            "return fetch(document.querySelector('#download-csv').href).then(r => r.text());",
            vec![],
        )
        .await
        .unwrap();
    assert!(csv.as_str().unwrap().starts_with("start,decided,perfect"), "{csv}");
    browser.finish().await;
    app.finish().await;
}
