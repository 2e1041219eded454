//! Who may manage webhook endpoints (admins and managers: reads too, since a URL may
//! carry the receiver's token), and the secret: shown whole at creation and rotation,
//! never again, in no read, list or change.

use reqwest::Method;
use serde_json::json;
use switchyard_core::auth::{Permission, Role};

use super::{ENDPOINTS, create, id, whe};
use crate::both;
use crate::helpers::*;

async fn only_admins_and_managers_may_manage_or_read_endpoints(app: &TestApp) {
    let endpoint = create(app, "https://example.com/a", json!({})).await;
    let path = format!("{ENDPOINTS}/{}", id(&endpoint));
    let body = json!({"url": "https://example.com/b"});
    let calls: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, ENDPOINTS.to_owned(), None),
        (Method::GET, path.clone(), None),
        (Method::PATCH, path.clone(), Some(body.clone())),
        (Method::POST, format!("{path}/disable"), None),
        (Method::POST, format!("{path}/enable"), None),
        (Method::POST, format!("{path}/rotate-secret"), None),
        (Method::POST, ENDPOINTS.to_owned(), Some(body.clone())),
    ];
    for role in [Role::Viewer, Role::Support, Role::Warehouse] {
        let key = app.key(role).await;
        for (method, path, body) in &calls {
            let r = app.send(method.clone(), path, Some(&key), body.as_ref(), &[]).await;
            let problem = r.problem(403, "forbidden");
            assert_eq!(
                problem["permission"],
                Permission::ManageWebhooks.as_str(),
                "{role} {method} {path}"
            );
        }
        let r = app.send(Method::DELETE, &path, Some(&key), None, &[]).await;
        r.problem(403, "forbidden");
    }
    let manager = app.key(Role::Manager).await;
    for (method, path, body) in &calls {
        let r = app.send(method.clone(), path, Some(&manager), body.as_ref(), &[]).await;
        assert!(r.status < 300, "manager {method} {path}: {} {}", r.status, r.body);
    }
    let r = app.send(Method::DELETE, &path, Some(&manager), None, &[]).await;
    assert_eq!(r.status, 204);
    let target = app.store.webhook_target(&whe(&endpoint)).await.unwrap();
    assert!(target.is_some_and(|t| !t.live));
}

async fn the_secret_is_shown_at_creation_and_rotation_and_never_again(app: &TestApp) {
    let created = create(app, "https://example.com/a", json!({})).await;
    let first = created["secret"].as_str().unwrap().to_owned();
    let path = format!("{ENDPOINTS}/{}", id(&created));
    let rotated = app.post(&format!("{path}/rotate-secret"), json!({})).await;
    let second = rotated.body["secret"].as_str().unwrap().to_owned();
    let answers = [
        app.get(&path).await.body,
        app.get(ENDPOINTS).await.body,
        app.patch(&path, json!({"description": "x"})).await.body,
        app.post(&format!("{path}/disable"), json!({})).await.body,
        app.post(&format!("{path}/enable"), json!({})).await.body,
    ];
    for answer in answers {
        let text = answer.to_string();
        for secret in [&first, &second] {
            // Not the secret, nor any long piece of it: only its last four characters.
            assert!(!text.contains(&secret[6..30]), "{text}");
        }
        assert!(!text.contains("\"secret\""), "{text}");
    }
}

both!(
    only_admins_and_managers_may_manage_or_read_endpoints,
    the_secret_is_shown_at_creation_and_rotation_and_never_again,
);
