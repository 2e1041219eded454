//! What the UI tests share: users of each role, an HTTP client signed in as one (with
//! its cookie jar and CSRF token), and the browser.

pub mod browser;

use reqwest::redirect::Policy;
use switchyard_core::auth::Role;
use switchyard_core::user::UserInput;

use crate::helpers::TestApp;

/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// The email of the test user of `role` (`support@example.com`...).
pub fn email(role: Role) -> String {
    format!("{role}@example.com")
}

/// Creates the user of `role` ("Sam Support", `support@example.com`), once.
pub async fn user(app: &TestApp, role: Role) -> switchyard_store::user::User {
    let email = email(role);
    if let Some(found) = app
        .store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == email)
    {
        return found;
    }
    let name = match role {
        Role::Admin => "Ada Admin",
        Role::Manager => "Max Manager",
        Role::Warehouse => "Wes Warehouse",
        Role::Support => "Sam Support",
        Role::Viewer => "Vic Viewer",
    };
    let input = UserInput {
        name: name.into(),
        email,
        role: role.as_str().into(),
        password: PASSWORD.into(),
    };
    app.store.create_user(input.parse().unwrap()).await.unwrap()
}

/// An HTTP client with a cookie jar that does not follow redirects (tests look at them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The value of the first `name="csrf"` field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("the page has a csrf field") + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

/// A browser-like HTTP session signed in as a user.
pub struct Signed {
    pub client: reqwest::Client,
    pub base: String,
    /// The session's CSRF token, as its pages carry it.
    pub csrf: String,
}

impl Signed {
    pub async fn get(&self, path: &str) -> (u16, String) {
        let res = self.client.get(format!("{}{path}", self.base)).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    /// POSTs a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &self.csrf));
        self.client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// POSTs a form exactly as given: no CSRF token unless it is in `fields`.
    pub async fn post_bare(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap()
    }
}

/// Signs in with `email` and `password` through the sign-in form; the response.
pub async fn sign_in_as(app: &TestApp, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
    let form = client.get(format!("{}/ui/sign-in", app.base)).send().await.unwrap();
    let csrf = csrf_of(&form.text().await.unwrap());
    client
        .post(format!("{}/ui/sign-in", app.base))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf", csrf.as_str()),
            ("next", "/ui"),
        ])
        .send()
        .await
        .unwrap()
}

/// A session of the user of `role`, created if need be.
pub async fn signed_in(app: &TestApp, role: Role) -> Signed {
    user(app, role).await;
    let client = client();
    let res = sign_in_as(app, &client, &email(role), PASSWORD).await;
    assert_eq!(res.status().as_u16(), 303, "signing in as {role}");
    let page = client.get(format!("{}/ui", app.base)).send().await.unwrap();
    let csrf = csrf_of(&page.text().await.unwrap());
    Signed {
        client,
        base: app.base.clone(),
        csrf,
    }
}
