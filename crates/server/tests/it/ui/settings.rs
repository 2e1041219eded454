//! Settings: users and their sessions, API keys, locations with zones, channels and
//! the audit list, as an admin (or a manager, who may not manage access) uses them.

use serde_json::json;
use switchyard_core::auth::Role;

use super::support::browser::Browser;
use super::support::{self, PASSWORD, client, sign_in_as, signed_in};
use crate::both;
use crate::helpers::{Backend, TestApp, order};

both!(
    an_admin_creates_a_user_who_then_signs_in,
    a_manager_may_not_manage_access,
    disabling_a_user_or_ending_a_session_signs_them_out,
    an_admin_cannot_lock_themselves_out,
    an_api_key_secret_is_shown_once_and_revoking_stops_it,
    a_location_cutoff_and_zone_are_changed_from_its_page,
    a_channel_policy_is_changed_and_the_audit_list_names_who,
);

const NEW_PASSWORD: &str = "a long enough passphrase";

async fn an_admin_creates_a_user_who_then_signs_in(app: &TestApp) {
    let admin = signed_in(app, Role::Admin).await;
    let (status, page) = admin.get("/ui/settings/users").await;
    assert_eq!(status, 200);
    assert!(page.contains("Ada Admin"), "{page}");

    // Refused: every wrong field is named next to it, what was typed is kept but the password.
    let refused = admin
        .post(
            "/ui/settings/users",
            &[
                ("name", "Pat Packer"),
                ("email", "not an email"),
                ("role", "warehouse"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("value=\"Pat Packer\""), "{page}");
    assert!(page.contains("value=\"not an email\""), "{page}");
    assert!(page.contains("id=\"f-email-error\""), "{page}");
    assert!(page.contains("must be at least 12 characters"), "{page}");
    assert!(!page.contains("value=\"short\""), "the password is not sent back");
    assert!(page.contains("<option value=\"warehouse\" selected>"), "{page}");
    assert_eq!(app.store.list_users().await.unwrap().len(), 1, "nobody was created");

    let created = admin
        .post(
            "/ui/settings/users",
            &[
                ("name", "Pat Packer"),
                ("email", "Pat@Example.com"),
                ("role", "warehouse"),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    assert_eq!(created.headers()["location"], "/ui/settings/users?done=created");
    let (_, page) = admin.get("/ui/settings/users?done=created").await;
    assert!(
        page.contains("User created") && page.contains("pat@example.com"),
        "{page}"
    );

    // The same email again is refused at the email field.
    let again = admin
        .post(
            "/ui/settings/users",
            &[
                ("name", "Pat Two"),
                ("email", "pat@example.com"),
                ("role", "viewer"),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status(), 422);
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("another user signs in with this email")
    );

    let pat = client();
    assert_eq!(
        sign_in_as(app, &pat, "pat@example.com", NEW_PASSWORD).await.status(),
        303
    );
    let home = pat
        .get(format!("{}/ui", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Pat Packer"), "{home}");
}

async fn a_manager_may_not_manage_access(app: &TestApp) {
    let manager = signed_in(app, Role::Manager).await;
    let (_, index) = manager.get("/ui/settings").await;
    assert!(index.contains("/ui/settings/locations"), "{index}");
    assert!(!index.contains("/ui/settings/users"), "{index}");
    for path in ["/ui/settings/users", "/ui/settings/api-keys", "/ui/settings/audit"] {
        assert_eq!(manager.get(path).await.0, 403, "{path}");
    }
    let forged = manager
        .post(
            "/ui/settings/users",
            &[
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("role", "admin"),
                ("password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status(), 403);
    let key = manager
        .post("/ui/settings/api-keys", &[("name", "mine"), ("role", "admin")])
        .await;
    assert_eq!(key.status(), 403);
    assert_eq!(app.store.list_users().await.unwrap().len(), 1);
    assert!(
        app.store
            .list_api_keys()
            .await
            .unwrap()
            .iter()
            .all(|k| k.name != "mine")
    );
}

async fn disabling_a_user_or_ending_a_session_signs_them_out(app: &TestApp) {
    let admin = signed_in(app, Role::Admin).await;
    let first = signed_in(app, Role::Support).await;
    app.clock.advance(jiff::SignedDuration::from_secs(1));
    let second = signed_in(app, Role::Support).await;
    let sam = support::user(app, Role::Support).await;
    let path = format!("/ui/settings/users/{}", sam.id);
    let (_, page) = admin.get(&path).await;
    assert_eq!(page.matches("End session</button>").count(), 2, "{page}");
    let (_, list) = admin.get("/ui/settings/users").await;
    assert!(list.contains(&format!("href=\"{path}\">Sam Support</a>")), "{list}");

    // End the newest session: the other one goes on.
    let newest = app.store.sessions_of(&sam.id).await.unwrap()[0].id.clone();
    let ended = admin.post(&format!("{path}/sessions/{newest}/end"), &[]).await;
    assert_eq!(ended.status(), 303);
    assert_eq!(second.get("/ui").await.0, 303, "that session has ended");
    assert_eq!(first.get("/ui").await.0, 200);

    let disabled = admin.post(&format!("{path}/disable"), &[]).await;
    assert_eq!(disabled.headers()["location"], format!("{path}?done=disabled"));
    assert_eq!(first.get("/ui").await.0, 303, "disabling ends every session");
    assert_eq!(
        sign_in_as(app, &client(), &support::email(Role::Support), PASSWORD)
            .await
            .status(),
        401
    );
    let (_, page) = admin.get(&format!("{path}?done=disabled")).await;
    assert!(
        page.contains("No live sessions.") && page.contains("badge bad\">disabled"),
        "{page}"
    );

    assert_eq!(admin.post(&format!("{path}/enable"), &[]).await.status(), 303);
    let reset = admin.post(&format!("{path}/password"), &[("password", "short")]).await;
    assert_eq!(reset.status(), 422);
    assert!(reset.text().await.unwrap().contains("must be at least 12 characters"));
    assert_eq!(
        admin
            .post(&format!("{path}/password"), &[("password", NEW_PASSWORD)])
            .await
            .status(),
        303
    );
    let support = support::email(Role::Support);
    assert_eq!(sign_in_as(app, &client(), &support, NEW_PASSWORD).await.status(), 303);
}

async fn an_admin_cannot_lock_themselves_out(app: &TestApp) {
    let admin = signed_in(app, Role::Admin).await;
    let ada = support::user(app, Role::Admin).await;
    let path = format!("/ui/settings/users/{}", ada.id);
    let (_, page) = admin.get(&path).await;
    assert!(!page.contains("id=\"disable-user\""), "no button to disable oneself");
    let demoted = admin.post(&format!("{path}/role"), &[("role", "manager")]).await;
    assert_eq!(demoted.status(), 422);
    assert!(
        demoted
            .text()
            .await
            .unwrap()
            .contains("you cannot take away your own right to manage users")
    );
    let disabled = admin.post(&format!("{path}/disable"), &[]).await;
    assert_eq!(disabled.status(), 422);
    let ada = app.store.user(&ada.id).await.unwrap();
    assert_eq!((ada.role, ada.disabled_at), (Role::Admin, None));

    // Another user's role changes.
    let max = support::user(app, Role::Manager).await;
    let changed = admin
        .post(&format!("/ui/settings/users/{}/role", max.id), &[("role", "viewer")])
        .await;
    assert_eq!(changed.status(), 303);
    assert_eq!(app.store.user(&max.id).await.unwrap().role, Role::Viewer);
}

async fn an_api_key_secret_is_shown_once_and_revoking_stops_it(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let admin = signed_in(app, Role::Admin).await;
    let refused = admin
        .post("/ui/settings/api-keys", &[("name", " "), ("role", "manager")])
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("id=\"f-name-error\""));

    let created = admin
        .post("/ui/settings/api-keys", &[("name", "Order feed"), ("role", "manager")])
        .await;
    assert_eq!(created.status(), 201);
    let page = created.text().await.unwrap();
    let marker = "id=\"secret\" readonly size=\"50\" value=\"";
    let at = page.find(marker).unwrap() + marker.len();
    let secret = page[at..].split('"').next().unwrap().to_owned();
    assert!(secret.starts_with("sy_"), "{secret}");
    let (_, again) = admin.get("/ui/settings/api-keys").await;
    assert!(again.contains("Order feed") && !again.contains(&secret), "shown once");

    let placed = app
        .send(
            reqwest::Method::POST,
            "/api/v1/orders",
            Some(&secret),
            Some(&order("web", "UI-KEY-1", &[("TEE", 1)])),
            &[],
        )
        .await;
    assert_eq!(placed.status, 201, "{}", placed.body);

    let key = app
        .store
        .list_api_keys()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.name == "Order feed")
        .unwrap();
    let revoked = admin
        .post(&format!("/ui/settings/api-keys/{}/revoke", key.id), &[])
        .await;
    assert_eq!(revoked.headers()["location"], "/ui/settings/api-keys?done=revoked");
    let refused = app
        .send(reqwest::Method::GET, "/api/v1/orders", Some(&secret), None, &[])
        .await;
    assert_eq!(refused.status, 401);
}

async fn a_location_cutoff_and_zone_are_changed_from_its_page(app: &TestApp) {
    app.location("LON", "GB", 1).await;
    let admin = signed_in(app, Role::Admin).await;
    let (_, list) = admin.get("/ui/settings/locations").await;
    assert!(list.contains("/ui/settings/locations/LON"), "{list}");
    let (_, page) = admin.get("/ui/settings/locations/LON").await;
    let form = |cutoff: &'static str| {
        vec![
            ("name", "London warehouse"),
            ("kind", "warehouse"),
            ("address_name", "Ann Smith"),
            ("address_line1", "1 High Street"),
            ("address_city", "Leeds"),
            ("address_postal_code", "LS1 4AP"),
            ("address_country", "GB"),
            ("timezone", "Europe/London"),
            ("cutoff", cutoff),
            ("handling_days", "1"),
            ("priority", "1"),
            ("ships_to_customers", "on"),
        ]
    };
    assert!(page.contains("value=\"16:00\""), "{page}");

    let refused = admin.post("/ui/settings/locations/LON", &form("25:99")).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("value=\"25:99\"") && page.contains("must be a time of day"),
        "{page}"
    );
    assert_eq!(app.get("/api/v1/locations/LON").await.body["cutoff"], "16:00");

    let saved = admin.post("/ui/settings/locations/LON", &form("14:30")).await;
    assert_eq!(saved.headers()["location"], "/ui/settings/locations/LON?done=saved");
    let api = app.get("/api/v1/locations/LON").await.body;
    assert_eq!(
        (api["cutoff"].as_str(), api["handling_days"].as_i64()),
        (Some("14:30"), Some(1))
    );
    assert_eq!(api["name"], "London warehouse");

    let zone = |cost: &'static str| {
        vec![
            ("country", "GB"),
            ("postal_prefix", "BT"),
            ("service_level", "standard"),
            ("currency", "GBP"),
            ("cost_per_shipment", cost),
            ("cost_per_kg", "0.50"),
            ("transit_days", "2"),
        ]
    };
    let bad = admin.post("/ui/settings/locations/LON/zones", &zone("4.955")).await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("id=\"f-cost_per_shipment-error\""));
    let added = admin.post("/ui/settings/locations/LON/zones", &zone("4.95")).await;
    assert_eq!(added.status(), 303);
    let (_, page) = admin.get("/ui/settings/locations/LON?done=zone").await;
    assert!(
        page.contains("Zone saved.") && page.contains("4.95 GBP") && page.contains(">14:30<"),
        "{page}"
    );
    let zones = &app.get("/api/v1/locations/LON").await.body["zones"];
    assert_eq!(zones[0]["postal_prefix"], "BT");
    assert_eq!(zones[0]["cost_per_shipment"], json!({"amount": 495, "currency": "GBP"}));

    // Changing the zone keeps one zone; a second with the same destination is refused.
    let mut edit = zone("5.25");
    edit.push(("index", "0"));
    assert_eq!(
        admin.post("/ui/settings/locations/LON/zones", &edit).await.status(),
        303
    );
    let dup = admin.post("/ui/settings/locations/LON/zones", &zone("6.00")).await;
    assert_eq!(dup.status(), 422);
    let zones = &app.get("/api/v1/locations/LON").await.body["zones"];
    assert_eq!(zones.as_array().unwrap().len(), 1);
    assert_eq!(zones[0]["cost_per_shipment"]["amount"], 525);
}

async fn a_channel_policy_is_changed_and_the_audit_list_names_who(app: &TestApp) {
    app.location("LON", "GB", 1).await;
    app.location("MCR", "GB", 2).await;
    app.channel("web", &["LON"], "reject").await;
    let admin = signed_in(app, Role::Admin).await;
    let (_, page) = admin.get("/ui/settings/channels/web").await;
    assert!(page.contains("Not connected"), "{page}");
    let form = |ship_from: &'static str| {
        vec![
            ("name", "Web shop"),
            ("kind", "web"),
            ("ship_from", ship_from),
            ("shortage_policy", "backorder"),
            ("split_policy", "ship_complete"),
            ("return_window_days", "60"),
            ("feedback_after_days", "7"),
        ]
    };
    let refused = admin.post("/ui/settings/channels/web", &form("LON, nowhere!")).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("id=\"f-ship_from-error\"") && page.contains("value=\"LON, nowhere!\""),
        "{page}"
    );
    assert_eq!(app.get("/api/v1/channels/web").await.body["shortage_policy"], "reject");

    let saved = admin.post("/ui/settings/channels/web", &form("MCR, LON")).await;
    assert_eq!(saved.headers()["location"], "/ui/settings/channels/web?done=saved");
    let api = app.get("/api/v1/channels/web").await.body;
    assert_eq!(api["shortage_policy"], "backorder");
    assert_eq!(api["split_policy"], "ship_complete");
    assert_eq!(api["ship_from"], json!(["MCR", "LON"]));
    assert_eq!(api["return_window_days"], 60);

    let (status, audit) = admin.get("/ui/settings/audit").await;
    assert_eq!(status, 200);
    assert!(
        audit.contains("channel_changed") && audit.contains("shortage backorder"),
        "{audit}"
    );
    assert!(audit.contains("<td>Ada Admin</td>"), "{audit}");
    let ada = support::user(app, Role::Admin).await;
    let manager = support::user(app, Role::Manager).await;
    let (_, mine) = admin.get(&format!("/ui/settings/audit?user={}", ada.id)).await;
    assert!(mine.contains("channel_changed"), "{mine}");
    let (_, theirs) = admin.get(&format!("/ui/settings/audit?user={}", manager.id)).await;
    assert!(
        !theirs.contains("channel_changed") && theirs.contains("Nothing recorded yet."),
        "{theirs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_admin_creates_a_user_who_signs_in() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.location("LON", "GB", 1).await;
    support::user(&app, Role::Admin).await;
    let browser = Browser::start(&app.base).await;
    browser.sign_in(&support::email(Role::Admin), PASSWORD).await;
    browser.open("/ui/settings").await;
    browser.wait_for("#settings-index").await;
    browser.screenshot("settings").await;
    browser.click("a[href='/ui/settings/users']").await;
    browser.wait_for("#new-user").await;
    browser.fill("#f-name", "Pat Packer").await;
    browser.fill("#f-email", "pat@example.com").await;
    browser.fill("#f-password", NEW_PASSWORD).await;
    browser.click("#create-user").await;
    browser.wait_for_text("User created").await;
    browser.screenshot("settings-users").await;
    browser.open("/ui/settings/locations/LON").await;
    browser.wait_for("#zone-form").await;
    browser.screenshot("settings-location").await;
    browser.open("/ui/settings/audit").await;
    browser.wait_for_text("user_created").await;
    browser.screenshot("settings-audit").await;

    browser.click(".who button").await;
    browser.wait_for_text("Sign in to Switchyard").await;
    browser.sign_in("pat@example.com", NEW_PASSWORD).await;
    browser.wait_for_text("Pat Packer").await;
    browser.finish().await;
    app.finish().await;
}
