//! Customer care pages: the dashboard's figures, the order list's filters, paging and
//! refusals, saved views (per user, audited), the customer page, and finding an order
//! from the header search in a real browser.

use jiff::SignedDuration;
use serde_json::{Value, json};
use switchyard_core::auth::Role;
use switchyard_store::PageRequest;

use super::support::browser::Browser;
use super::support::{self, signed_in};
use crate::both;
use crate::helpers::{Backend, TestApp, order};

both!(
    the_dashboard_counts_todays_orders_holds_and_what_is_due,
    the_order_list_filters_pages_and_refuses_a_wrong_filter,
    saved_views_are_their_users_own_and_audited,
    the_customer_page_lists_every_order_of_one_email,
);

/// Places an order on `channel` and returns its number.
async fn place(app: &TestApp, channel: &str, external_id: &str, lines: &[(&str, i64)]) -> String {
    let r = app.post("/api/v1/orders", order(channel, external_id, lines)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["number"].as_str().unwrap().to_owned()
}

/// The HTML of the dashboard card `id` (`card-hold`...).
fn card<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id}: {html}"));
    let end = html[start..].find("</section>").unwrap() + start;
    &html[start..end]
}

async fn the_dashboard_counts_todays_orders_holds_and_what_is_due(app: &TestApp) {
    app.warehouse().await;
    let shipping = place(app, "web", "1", &[("TEE", 1)]).await;
    let held = place(app, "web", "2", &[("TEE", 1)]).await;
    // Only 5 mugs: the amazon order waits for one of them.
    place(app, "amazon", "3", &[("MUG", 6)]).await;
    let r = app
        .post(
            &format!("/api/v1/orders/{held}/hold"),
            json!({"reason": "fraud_review"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.release(json!({"location": "LON", "orders": [shipping]})).await;

    let support = signed_in(app, Role::Support).await;
    let (status, html) = support.get("/ui").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("“Today” is the current UTC day, 2026-11-17."), "{html}");
    let today = card(&html, "card-today");
    // Two web orders of £18 + £3.60 tax + £3.99 + £0.80 shipping each.
    assert!(
        today.contains("<td class=\"num\">2</td>") && today.contains("52.78 GBP"),
        "{today}"
    );
    assert!(
        today.contains("/ui/orders?channel=web&amp;placed_from=2026-11-17&amp;placed_to=2026-11-17"),
        "{today}"
    );
    let hold = card(&html, "card-hold");
    assert!(
        hold.contains("<a href=\"/ui/orders?status=on_hold\">1</a>") && hold.contains("fraud_review: 1"),
        "{hold}"
    );
    let stock = card(&html, "card-stock");
    assert!(stock.contains(">MUG</a>"), "{stock}");
    assert!(card(&html, "card-exceptions").contains("<p class=\"stat\">0</p>"));

    // A week on (signed in again), the released shipment has neither left nor arrived.
    app.clock.advance(SignedDuration::from_hours(7 * 24));
    let (_, html) = signed_in(app, Role::Support).await.get("/ui").await;
    for id in ["card-to-ship", "card-late"] {
        let due = card(&html, id);
        assert!(due.contains("<p class=\"stat\">1</p>"), "{due}");
        assert!(due.contains(&format!(">{shipping}</a>")), "{due}");
    }
    assert!(card(&html, "card-today").contains("No orders placed yet today."));
}

async fn the_order_list_filters_pages_and_refuses_a_wrong_filter(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 100).await;
    let mut numbers = Vec::new();
    for i in 0..51 {
        numbers.push(place(app, "web", &format!("w{i}"), &[("TEE", 1)]).await);
    }
    let amazon = place(app, "amazon", "a1", &[("TEE", 1)]).await;
    let viewer = signed_in(app, Role::Viewer).await;

    let (status, html) = viewer.get("/ui/orders?channel=amazon").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&format!(">{amazon}</a>")), "{html}");
    assert!(!html.contains(&format!(">{}</a>", numbers[0])));
    assert!(html.contains("/ui/customers?email=ann%40example.com"), "{html}");

    let (_, html) = viewer.get(&format!("/ui/orders?q={}", numbers[7])).await;
    assert_eq!(html.matches("class=\"order-link\"").count(), 1, "{html}");

    // 52 orders: a page of 50, newest first, and a second page of the other 2.
    let (_, first) = viewer.get("/ui/orders?channel=web").await;
    assert_eq!(first.matches("class=\"order-link\"").count(), 50);
    assert!(first.contains(&format!(">{}</a>", numbers[50])));
    let next = first
        .split("id=\"next-page\" rel=\"next\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&#38;", "&");
    assert!(next.starts_with("/ui/orders?channel=web&cursor="), "{next}");
    let (status, second) = viewer.get(&next).await;
    assert_eq!(status, 200);
    assert_eq!(second.matches("class=\"order-link\"").count(), 1, "{second}");
    assert!(second.contains(&format!(">{}</a>", numbers[0])));
    assert!(!second.contains("id=\"next-page\""));

    // Refused: each wrong filter next to its field, kept as typed, nothing listed.
    let (status, html) = viewer
        .get("/ui/orders?status=lost&placed_from=someday&q=TEE&channel=nowhere")
        .await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("id=\"f-status-error\">must be one of: open, on_hold, completed, cancelled"),
        "{html}"
    );
    assert!(
        html.contains("id=\"f-from-error\">must be a date like 2026-12-07"),
        "{html}"
    );
    assert!(html.contains("value=\"someday\" aria-invalid=\"true\""), "{html}");
    assert!(!html.contains("class=\"order-link\""));
    let (status, html) = viewer.get("/ui/orders?channel=nowhere&q=x").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("id=\"f-channel-error\">names no channel"), "{html}");
    let (status, html) = viewer.get("/ui/orders?status=open&status=cancelled").await;
    assert_eq!(status, 400);
    assert!(html.contains("This link cannot be read"), "{html}");
    let (status, html) = viewer.get("/ui/orders?cursor=%3Cscript%3E").await;
    assert_eq!(status, 422);
    assert!(html.contains("The link to this page of the list is broken"));
}

async fn saved_views_are_their_users_own_and_audited(app: &TestApp) {
    app.shop().await;
    let support = signed_in(app, Role::Support).await;
    let filters = [("status", "on_hold"), ("channel", "amazon")];

    let mut blank = filters.to_vec();
    blank.push(("name", "  "));
    let refused = support.post("/ui/orders/views", &blank).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("id=\"view-name-error\">must not be blank"), "{html}");
    assert!(html.contains("name=\"channel\" value=\"amazon\""), "{html}");

    let mut named = filters.to_vec();
    named.push(("name", "Held orders from Amazon"));
    let saved = support.post("/ui/orders/views", &named).await;
    assert_eq!(saved.status(), 303);
    assert_eq!(
        saved.headers()["location"],
        "/ui/orders?status=on_hold&channel=amazon&done=saved"
    );
    let (_, html) = support.get("/ui/orders?done=saved").await;
    assert!(html.contains("The view is saved"));
    assert!(
        html.contains("<a href=\"/ui/orders?status=on_hold&#38;channel=amazon\">Held orders from Amazon</a>"),
        "{html}"
    );
    let id = html
        .split("/ui/orders/views/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();

    // Another user neither sees nor deletes it.
    let manager = signed_in(app, Role::Manager).await;
    let (_, theirs) = manager.get("/ui/orders").await;
    assert!(!theirs.contains("Held orders from Amazon"));
    let denied = manager.post(&format!("/ui/orders/views/{id}/delete"), &[]).await;
    assert_eq!(denied.status(), 404);

    let deleted = support.post(&format!("/ui/orders/views/{id}/delete"), &[]).await;
    assert_eq!(deleted.status(), 303);
    let (_, html) = support.get("/ui/orders").await;
    assert!(!html.contains("Held orders from Amazon"));

    let user = support::user(app, Role::Support).await;
    let audit = app
        .store
        .audit_entries(Some(&user.id), &PageRequest::default())
        .await
        .unwrap();
    let views: Vec<_> = audit
        .data
        .iter()
        .filter(|e| e.action.starts_with("saved_view."))
        .collect();
    let actions: Vec<&str> = views.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["saved_view.delete", "saved_view.save"]);
    assert_eq!(
        views[1].detail,
        "Held orders from Amazon: status=on_hold&channel=amazon"
    );
}

async fn the_customer_page_lists_every_order_of_one_email(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let first = place(app, "web", "1", &[("TEE", 1)]).await;
    let second = place(app, "web", "2", &[("TEE", 2)]).await;
    let cancelled = place(app, "amazon", "3", &[("TEE", 1)]).await;
    let r = app.post(&format!("/api/v1/orders/{cancelled}/cancel"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut other: Value = order("web", "4", &[("TEE", 1)]);
    other["customer"]["email"] = json!("bob@example.com");
    let bob = app.post("/api/v1/orders", other).await.body["number"]
        .as_str()
        .unwrap()
        .to_owned();

    let support = signed_in(app, Role::Support).await;
    let (status, html) = support.get("/ui/customers?email=Ann%40Example.com").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("Ann Smith <small class=\"muted\">ann@example.com</small>"),
        "{html}"
    );
    for number in [&first, &second, &cancelled] {
        assert!(html.contains(&format!(">{number}</a>")), "{number}: {html}");
    }
    assert!(!html.contains(&format!(">{bob}</a>")));
    // Newest first.
    assert!(html.find(&cancelled).unwrap() < html.find(&first).unwrap());
    // £26.39 and £47.99; the cancelled order is counted but not in the total.
    let totals = card(&html, "customer-totals");
    assert!(totals.contains("74.38 GBP"), "{totals}");
    assert!(
        totals.contains("3 orders in GBP, 1 cancelled (not in the total)"),
        "{totals}"
    );

    let (status, html) = support.get("/ui/customers?email=not-an-email").await;
    assert_eq!(status, 422);
    assert!(
        html.contains("id=\"customer-email-error\">must be an email address"),
        "{html}"
    );
    assert!(html.contains("value=\"not-an-email\""));
    let (status, html) = support.get("/ui/customers?email=nobody%40example.com").await;
    assert_eq!(status, 200);
    assert!(html.contains("No orders of nobody@example.com."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_finds_an_order_by_search() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    app.receive("MUG", "LON", 1).await;
    let number = place(&app, "web", "1", &[("TEE", 1)]).await;
    let held = place(&app, "web", "2", &[("TEE", 2)]).await;
    place(&app, "amazon", "3", &[("MUG", 3)]).await;
    let r = app
        .post(&format!("/api/v1/orders/{held}/hold"), json!({"reason": "address"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = app.get(&format!("/api/v1/orders/{number}")).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    support::user(&app, Role::Support).await;
    let browser = Browser::start(&app.base).await;
    browser.sign_in(&support::email(Role::Support), support::PASSWORD).await;
    browser.wait_for("#card-today").await;
    browser.screenshot("dashboard").await;

    browser.open("/ui/orders").await;
    browser.wait_for(".order-link").await;
    browser.screenshot("orders-list").await;

    browser.click("#global-search").await;
    browser.type_keys(&format!("{number}\u{E007}")).await;
    browser.wait_for_text("Save these filters as a view").await;
    assert_eq!(browser.path().await, format!("/ui/orders?q={number}"));
    assert!(browser.has("#save-view").await);
    browser.click(".order-link").await;
    for _ in 0..50 {
        if browser.path().await == format!("/ui/orders/{id}") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(browser.path().await, format!("/ui/orders/{id}"));

    browser.open("/ui/customers?email=ann%40example.com").await;
    browser.wait_for("#customer-totals").await;
    browser.screenshot("customer").await;
    browser.finish().await;
    app.finish().await;
}
