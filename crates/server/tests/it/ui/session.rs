//! Sessions: signing in and out, the cookie's flags, expiry, revocation, the throttle
//! on wrong passwords, and CSRF.

use jiff::SignedDuration;
use switchyard_core::auth::Role;
use switchyard_core::user::{SESSION_IDLE, SIGN_IN_PER_EMAIL};

use super::support::browser::Browser;
use super::support::{self, PASSWORD, client, email, sign_in_as, signed_in};
use crate::both;
use crate::helpers::{Backend, TestApp};

both!(
    a_session_cookie_is_http_only_lax_and_secure_behind_tls,
    a_wrong_password_is_refused_and_repeated_ones_are_throttled,
    an_idle_session_ends_and_sends_the_user_to_sign_in,
    signing_out_or_being_disabled_ends_the_session,
    a_form_without_its_csrf_token_or_from_another_site_is_refused,
);

async fn a_session_cookie_is_http_only_lax_and_secure_behind_tls(app: &TestApp) {
    support::user(app, Role::Support).await;
    let plain = sign_in_as(app, &client(), &email(Role::Support), PASSWORD).await;
    assert_eq!(plain.status(), 303);
    assert_eq!(plain.headers()["location"], "/ui");
    let cookie = plain
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("switchyard_session=") && !c.starts_with("switchyard_session=;"))
        .unwrap()
        .to_owned();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/ui"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");

    let tls = client();
    let form = tls.get(format!("{}/ui/sign-in", app.base)).send().await.unwrap();
    let csrf = support::csrf_of(&form.text().await.unwrap());
    let secure = tls
        .post(format!("{}/ui/sign-in", app.base))
        .header("x-forwarded-proto", "https")
        .form(&[
            ("email", email(Role::Support).as_str()),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    let cookie = secure.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

async fn a_wrong_password_is_refused_and_repeated_ones_are_throttled(app: &TestApp) {
    support::user(app, Role::Support).await;
    let browser = client();
    for _ in 0..SIGN_IN_PER_EMAIL.max {
        let wrong = sign_in_as(app, &browser, &email(Role::Support), "not the password at all").await;
        assert_eq!(wrong.status(), 401);
        assert!(
            wrong
                .text()
                .await
                .unwrap()
                .contains("The email or the password is wrong.")
        );
    }
    // Now even the right password waits, and says for how long.
    let throttled = sign_in_as(app, &browser, &email(Role::Support), PASSWORD).await;
    assert_eq!(throttled.status(), 429);
    let wait: i64 = throttled.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(wait, SIGN_IN_PER_EMAIL.window.as_secs());
    let page = throttled.text().await.unwrap();
    assert!(
        page.contains("Too many wrong sign-ins. Try again in 15 minutes."),
        "{page}"
    );
    // The email typed is kept in the form.
    assert!(page.contains("value=\"support@example.com\""), "{page}");

    app.clock.advance(SIGN_IN_PER_EMAIL.window);
    assert_eq!(
        sign_in_as(app, &browser, &email(Role::Support), PASSWORD)
            .await
            .status(),
        303
    );
}

async fn an_idle_session_ends_and_sends_the_user_to_sign_in(app: &TestApp) {
    let session = signed_in(app, Role::Viewer).await;
    assert_eq!(session.get("/ui").await.0, 200);
    app.clock.advance(SESSION_IDLE - SignedDuration::from_secs(1));
    assert_eq!(session.get("/ui").await.0, 200);
    app.clock.advance(SESSION_IDLE);
    let res = session
        .client
        .get(format!("{}/ui/orders?q=42", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/ui/sign-in?next=%2Fui%2Forders%3Fq%3D42");
}

async fn signing_out_or_being_disabled_ends_the_session(app: &TestApp) {
    let first = signed_in(app, Role::Support).await;
    let second = signed_in(app, Role::Support).await;
    let out = first.post("/ui/sign-out", &[]).await;
    assert_eq!(out.status(), 303);
    assert_eq!(first.get("/ui").await.0, 303);
    assert_eq!(second.get("/ui").await.0, 200, "signing out ends only that session");

    let user = support::user(app, Role::Support).await;
    app.store.set_user_disabled(&user.id, true).await.unwrap();
    assert_eq!(second.get("/ui").await.0, 303);
    assert_eq!(
        sign_in_as(app, &client(), &email(Role::Support), PASSWORD)
            .await
            .status(),
        401
    );
    let audit = app.store.audit_entries(None, &Default::default()).await.unwrap();
    let actions: Vec<&str> = audit.data.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["signed_out", "signed_in", "signed_in"]);
}

async fn a_form_without_its_csrf_token_or_from_another_site_is_refused(app: &TestApp) {
    let session = signed_in(app, Role::Support).await;
    let forged = session.post_bare("/ui/sign-out", &[]).await;
    assert_eq!(forged.status(), 403);
    assert!(forged.text().await.unwrap().contains("This form has expired"));
    let wrong = session.post_bare("/ui/sign-out", &[("csrf", "guessed")]).await;
    assert_eq!(wrong.status(), 403);
    let cross = session
        .client
        .post(format!("{}/ui/sign-out", app.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", session.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    assert_eq!(session.get("/ui").await.0, 200, "nothing was changed: still signed in");
    // The sign-in form has a token of its own.
    let bare = client()
        .post(format!("{}/ui/sign-in", app.base))
        .form(&[("email", email(Role::Support).as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_signs_in_and_out() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    support::user(&app, Role::Support).await;
    let browser = Browser::start(&app.base).await;
    browser.open("/ui/orders").await;
    assert!(browser.path().await.starts_with("/ui/sign-in"));
    browser.screenshot("sign-in").await;
    browser.fill("#email", "support@example.com").await;
    browser.fill("#password", "wrong wrong wrong").await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("The email or the password is wrong.").await;
    browser.sign_in("support@example.com", PASSWORD).await;
    browser.wait_for_text("Sam Support").await;
    browser.click(".who button").await;
    browser.wait_for_text("Sign in to Switchyard").await;
    browser.finish().await;
    app.finish().await;
}
