//! The order page: what it shows, the actions on it going through the store with the
//! user's name, refusals that change nothing, and what viewers and forged forms get.

use serde_json::Value;
use switchyard_core::auth::Role;
use switchyard_store::PageRequest;

use super::support::browser::Browser;
use super::support::{self, signed_in};
use crate::both;
use crate::helpers::{Backend, TestApp};

both!(
    the_page_shows_lines_totals_money_and_the_timeline,
    hold_and_release_put_the_users_name_on_the_timeline,
    a_refused_hold_keeps_what_was_typed_and_changes_nothing,
    a_refund_beyond_what_was_captured_is_refused_and_changes_nothing,
    a_note_a_line_cancellation_and_goodwill_are_done_in_the_users_name,
    slip_and_label_print_for_a_shipment_from_the_session,
    a_viewer_sees_no_actions_and_a_forged_post_from_one_is_forbidden,
    a_post_without_the_csrf_token_is_forbidden_and_changes_nothing,
);

/// An open order captured on placement (TEE×2 from LON, MUG×1 from MCR, 69.59 GBP):
/// its number.
async fn paid_order(app: &TestApp) -> String {
    app.till("pos", "manual", "on_placement").await;
    let o = app.buy("pos", "P-1", None).await;
    assert_eq!(o["payment"]["captured"]["amount"], 6959, "{o}");
    o["number"].as_str().unwrap().to_owned()
}

async fn api_order(app: &TestApp, number: &str) -> Value {
    let r = app.get(&format!("/api/v1/orders/{number}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// The actor of the latest timeline event of `kind`.
fn actor_of(order: &Value, kind: &str) -> String {
    order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} on the timeline"))["actor"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

async fn the_page_shows_lines_totals_money_and_the_timeline(app: &TestApp) {
    let n = paid_order(app).await;
    let id = api_order(app, &n).await["id"].as_str().unwrap().to_owned();
    let staff = signed_in(app, Role::Support).await;
    // By number and by id, as the API takes them.
    for key in [&n, &id] {
        let (status, html) = staff.get(&format!("/ui/orders/{key}")).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains(&format!("Order {n}")), "{html}");
        for shown in [
            "TEE",
            "MUG",
            "LON",
            "MCR",
            "69.59 GBP",
            "43.20 GBP",
            "Ann Smith",
            "1 High Street",
            "/ui/customers?email=ann%40example.com",
            "order.placed",
            "Placed",
        ] {
            assert!(html.contains(shown), "{shown} is not on the page");
        }
    }
    let (status, _) = staff.get("/ui/orders/SO-NOPE").await;
    assert_eq!(status, 404);
}

async fn hold_and_release_put_the_users_name_on_the_timeline(app: &TestApp) {
    let n = paid_order(app).await;
    let staff = signed_in(app, Role::Support).await;
    let held = staff
        .post(
            &format!("/ui/orders/{n}/hold"),
            &[
                ("reason", "customer_request"),
                ("note", "calling Ann back"),
                ("until", ""),
            ],
        )
        .await;
    assert_eq!(held.status(), 303);
    assert_eq!(location(&held), format!("/ui/orders/{n}?done=held"));
    let order = api_order(app, &n).await;
    assert_eq!(order["status"], "on_hold");
    assert_eq!(order["hold"]["note"], "calling Ann back");
    assert_eq!(actor_of(&order, "order.held"), "Sam Support");
    let (_, html) = staff.get(&format!("/ui/orders/{n}?done=held")).await;
    assert!(html.contains("The order is on hold."));
    assert!(html.contains("id=\"release\"") && !html.contains("id=\"hold\""));

    let released = staff.post(&format!("/ui/orders/{n}/release"), &[]).await;
    assert_eq!(released.status(), 303);
    let order = api_order(app, &n).await;
    assert_eq!(order["status"], "open");
    assert_eq!(actor_of(&order, "order.released"), "Sam Support");
    let (_, html) = staff.get(&format!("/ui/orders/{n}")).await;
    assert!(html.contains("Sam Support"), "the timeline names who did it");

    // Releasing again is refused by the order's lifecycle: said on the page, 422.
    let again = staff.post(&format!("/ui/orders/{n}/release"), &[]).await;
    assert_eq!(again.status(), 422);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("cannot release an order that is open")
    );
}

async fn a_refused_hold_keeps_what_was_typed_and_changes_nothing(app: &TestApp) {
    let n = paid_order(app).await;
    let staff = signed_in(app, Role::Support).await;
    let refused = staff
        .post(
            &format!("/ui/orders/{n}/hold"),
            &[("reason", ""), ("note", "kept note"), ("until", "2020-01-01T09:00")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("<details open id=\"hold-section\">"),
        "the refused form is open"
    );
    assert!(html.contains("id=\"hold-reason-error\">is required"), "{html}");
    assert!(html.contains("id=\"hold-until-error\">must be in the future"), "{html}");
    assert!(html.contains("aria-describedby=\"hold-until-error\""));
    assert!(html.contains("value=\"kept note\"") && html.contains("value=\"2020-01-01T09:00\""));
    assert_eq!(api_order(app, &n).await["status"], "open");
}

async fn a_refund_beyond_what_was_captured_is_refused_and_changes_nothing(app: &TestApp) {
    let n = paid_order(app).await;
    let manager = signed_in(app, Role::Manager).await;
    let refund = format!("/ui/orders/{n}/refund");
    let too_much = manager
        .post(
            &refund,
            &[("amount", "1000.00"), ("reason", "other"), ("note", "too generous")],
        )
        .await;
    assert_eq!(too_much.status(), 422);
    let html = too_much.text().await.unwrap();
    assert!(html.contains("id=\"refund-error\""), "{html}");
    assert!(html.contains("value=\"1000.00\"") && html.contains("value=\"too generous\""));
    let unreadable = manager.post(&refund, &[("amount", "ten"), ("reason", "other")]).await;
    assert_eq!(unreadable.status(), 422);
    assert!(unreadable.text().await.unwrap().contains("id=\"refund-amount-error\""));
    assert_eq!(api_order(app, &n).await["payment"]["refunded"]["amount"], 0);

    // One tee and a little more, with a reason: refunded in the manager's name.
    let done = manager
        .post(
            &refund,
            &[
                ("qty_1", "1"),
                ("qty_2", ""),
                ("amount", "1.00"),
                ("reason", "return"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(done.status(), 303, "{}", done.text().await.unwrap());
    let order = api_order(app, &n).await;
    assert_eq!(order["payment"]["refunded"]["amount"], 2160 + 100);
    assert_eq!(actor_of(&order, "order.refunded"), "Max Manager");
    // Support may not refund: no form, and the route says no.
    let support = signed_in(app, Role::Support).await;
    let (_, html) = support.get(&format!("/ui/orders/{n}")).await;
    assert!(!html.contains("id=\"refund-form\"") && html.contains("id=\"appease-form\""));
    let refused = support.post(&refund, &[("amount", "1.00"), ("reason", "other")]).await;
    assert_eq!(refused.status(), 403);
}

async fn a_note_a_line_cancellation_and_goodwill_are_done_in_the_users_name(app: &TestApp) {
    let n = paid_order(app).await;
    let staff = signed_in(app, Role::Support).await;
    let blank = staff.post(&format!("/ui/orders/{n}/note"), &[("note", "  ")]).await;
    assert_eq!(blank.status(), 422);
    let noted = staff
        .post(&format!("/ui/orders/{n}/note"), &[("note", "Ann prefers email")])
        .await;
    assert_eq!(noted.status(), 303);
    let cancelled = staff
        .post(
            &format!("/ui/orders/{n}/lines/2/cancel"),
            &[("reason", "out of this colour")],
        )
        .await;
    assert_eq!(cancelled.status(), 303);
    let goodwill = staff
        .post(
            &format!("/ui/orders/{n}/appeasement"),
            &[("amount", "2.00"), ("reason", "late_delivery"), ("note", "")],
        )
        .await;
    assert_eq!(goodwill.status(), 303);
    let order = api_order(app, &n).await;
    assert_eq!(actor_of(&order, "order.note_added"), "Sam Support");
    assert_eq!(actor_of(&order, "order.line_cancelled"), "Sam Support");
    assert_eq!(order["lines"][1]["status"], "cancelled");
    let (_, html) = staff.get(&format!("/ui/orders/{n}")).await;
    assert!(html.contains("Ann prefers email"));
    // The cancelled line offers no cancel any more; the other still does.
    assert!(!html.contains("id=\"cancel-line-2\"") && html.contains("id=\"cancel-line-1\""));
    let audit = app
        .store
        .audit_entries(None, &PageRequest::default())
        .await
        .unwrap()
        .data;
    for action in ["order.note", "order.cancel_line", "order.appeasement"] {
        assert!(
            audit
                .iter()
                .any(|a| a.action == action && a.subject == n && a.actor == "Sam Support"),
            "{action}"
        );
    }
}

async fn slip_and_label_print_for_a_shipment_from_the_session(app: &TestApp) {
    let n = paid_order(app).await;
    let shipment = app.ship_from(&n, "LON").await;
    let staff = signed_in(app, Role::Viewer).await;
    let (_, html) = staff.get(&format!("/ui/orders/{n}")).await;
    assert!(html.contains(&format!("/ui/shipments/{shipment}/label.pdf")));
    for doc in ["slip.pdf", "label.pdf"] {
        let res = staff
            .client
            .get(format!("{}/ui/shipments/{shipment}/{doc}", staff.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{doc}");
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
    }
    // Signed out, no document.
    let anonymous = support::client()
        .get(format!("{}/ui/shipments/{shipment}/slip.pdf", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 303);
}

async fn a_viewer_sees_no_actions_and_a_forged_post_from_one_is_forbidden(app: &TestApp) {
    let n = paid_order(app).await;
    let events = api_order(app, &n).await["timeline"].as_array().unwrap().len();
    let viewer = signed_in(app, Role::Viewer).await;
    let (status, html) = viewer.get(&format!("/ui/orders/{n}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("TEE"));
    for action in [
        "id=\"actions\"",
        "/hold\"",
        "/refund\"",
        "/cancel\"",
        "/note\"",
        "Cancel line",
    ] {
        assert!(!html.contains(action), "a viewer sees {action}");
    }
    // With a valid token of their own session, still no.
    for (path, fields) in [
        ("hold", vec![("reason", "other")]),
        ("cancel", vec![("reason", "forged")]),
        ("lines/1/cancel", vec![]),
        ("refund", vec![("amount", "1.00"), ("reason", "other")]),
        ("note", vec![("note", "forged")]),
    ] {
        let res = viewer.post(&format!("/ui/orders/{n}/{path}"), &fields).await;
        assert_eq!(res.status(), 403, "{path}");
    }
    let order = api_order(app, &n).await;
    assert_eq!(order["status"], "open");
    assert_eq!(order["payment"]["refunded"]["amount"], 0);
    assert_eq!(order["timeline"].as_array().unwrap().len(), events);
}

async fn a_post_without_the_csrf_token_is_forbidden_and_changes_nothing(app: &TestApp) {
    let n = paid_order(app).await;
    let staff = signed_in(app, Role::Manager).await;
    let res = staff
        .post_bare(&format!("/ui/orders/{n}/cancel"), &[("reason", "no token")])
        .await;
    assert_eq!(res.status(), 403);
    let wrong = staff
        .post_bare(
            &format!("/ui/orders/{n}/cancel"),
            &[("csrf", "guessed"), ("reason", "x")],
        )
        .await;
    assert_eq!(wrong.status(), 403);
    assert_eq!(api_order(app, &n).await["status"], "open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_holds_releases_cancels_a_line_and_refunds() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let n = paid_order(&app).await;
    support::user(&app, Role::Manager).await;
    let browser = Browser::start(&app.base).await;
    browser.sign_in(&support::email(Role::Manager), support::PASSWORD).await;
    browser.open(&format!("/ui/orders/{n}")).await;
    browser.wait_for_text(&format!("Order {n}")).await;

    browser.click("#hold-section summary").await;
    browser.click("#hold-reason-field option[value=customer_request]").await;
    browser.fill("#hold-note", "calling Ann back").await;
    browser.click("#hold").await;
    browser.wait_for_text("The order is on hold.").await;
    assert!(browser.has("#hold-reason").await);

    browser.click("#release").await;
    browser.wait_for_text("The order is released from hold.").await;

    browser.click("#line-2 details summary").await;
    browser.fill("#cancel-line-2-reason", "out of this colour").await;
    browser.click("#cancel-line-2").await;
    let text = browser.wait_for_text("The line is cancelled.").await;
    assert!(text.contains("Cancelled line 2 (MUG): out of this colour"), "{text}");

    browser.click("#refund-section summary").await;
    browser.fill("#refund-qty_1", "1").await;
    browser.click("#refund-reason option[value=return]").await;
    browser.click("#refund").await;
    let text = browser.wait_for_text("The refund is issued.").await;
    assert!(text.contains("Max Manager"), "{text}");
    assert_eq!(browser.path().await, format!("/ui/orders/{n}?done=refunded"));
    browser.screenshot("order-page").await;

    browser.finish().await;
    app.finish().await;
}

/// In the browser: a viewer's order page has no action, a form whose CSRF token was
/// taken out is refused, and a POST the viewer's own page forges (with its genuine
/// token) is 403; the order stays as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_refuses_a_form_without_its_token_and_a_viewers_forged_post() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let n = paid_order(&app).await;
    support::user(&app, Role::Viewer).await;
    support::user(&app, Role::Support).await;
    let browser = Browser::start(&app.base).await;

    // Support's hold form without its token: refused, nothing held.
    browser.sign_in(&support::email(Role::Support), support::PASSWORD).await;
    browser.open(&format!("/ui/orders/{n}")).await;
    browser.wait_for_text(&format!("Order {n}")).await;
    browser
        .client
        .execute(
            "document.querySelectorAll('#hold-section input[name=csrf]').forEach(e => e.remove());",
            vec![],
        )
        .await
        .unwrap();
    browser.click("#hold-section summary").await;
    browser.click("#hold").await;
    browser.wait_for_text("This form has expired").await;
    assert_eq!(api_order(&app, &n).await["status"], "open");
    browser.client.delete_all_cookies().await.unwrap();

    // A viewer sees no action, and a POST forged from its page is 403.
    browser.sign_in(&support::email(Role::Viewer), support::PASSWORD).await;
    browser.open(&format!("/ui/orders/{n}")).await;
    browser.wait_for_text(&format!("Order {n}")).await;
    for action in ["#hold", "#release", "#refund", "#cancel", "button.resend"] {
        assert!(!browser.has(action).await, "a viewer sees {action}");
    }
    let status = browser
        .client
        .execute(
            "const token = document.querySelector('input[name=csrf]').value;
             const body = new URLSearchParams({csrf: token, reason: 'other'});
             return fetch(arguments[0], {method: 'POST', body}).then(r => r.status);",
            vec![serde_json::json!(format!("/ui/orders/{n}/hold"))],
        )
        .await
        .unwrap();
    assert_eq!(status, 403);
    assert_eq!(api_order(&app, &n).await["status"], "open");
    browser.finish().await;
    app.finish().await;
}
