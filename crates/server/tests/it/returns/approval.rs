//! A return's refund needs a role that may refund: support authorizes a return and
//! the warehouse receives it, and nothing is refunded until a manager approves it; a
//! return a manager authorized is refunded when the warehouse receives it, on the
//! manager's approval.

use reqwest::Method;
use serde_json::{Value, json};
use switchyard_core::auth::Role;

use crate::both;
use crate::helpers::*;
use crate::shipments::kinds;

async fn post_as(app: &TestApp, key: &str, path: &str, body: Option<Value>) -> Resp {
    app.send(Method::POST, path, Some(key), body.as_ref(), &[]).await
}

/// The refunds recorded on order `n`: (amount, actor).
async fn refunds(app: &TestApp, n: &str) -> Vec<(i64, String)> {
    let r = app.get(&format!("/api/v1/orders/{n}/payments")).await;
    r.body["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "refund")
        .map(|t| {
            (
                t["amount"]["amount"].as_i64().unwrap(),
                t["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn a_return_refunds_only_once_a_role_that_may_refund_approved_it(app: &TestApp) {
    app.warehouse().await;
    let (support, warehouse, manager) = (
        app.key(Role::Support).await,
        app.key(Role::Warehouse).await,
        app.key(Role::Manager).await,
    );
    let line = json!([{"line_no": 1, "quantity": 1, "reason": "too_small"}]);
    let items = json!({"items": [{"sku": "TEE", "disposition": "restock"}]});

    // Support authorizes: the items may come back, the money waits.
    let n = app.delivered("A-1", &[("TEE", 1)]).await;
    let rma = app.request_return(&n, line.clone()).await.body["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = |action: &str| format!("/api/v1/returns/{rma}/{action}");
    let r = post_as(app, &support, &path("authorize"), Some(json!({}))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["refund_approved_by"], Value::Null);
    let timeline = app.order_json(&n).await["timeline"].clone();
    let authorized = timeline.as_array().unwrap().last().unwrap();
    assert!(
        authorized["message"].as_str().unwrap().contains("waits for approval"),
        "{authorized}"
    );

    // The warehouse receives it: restocked, nothing refunded, not closed.
    let r = post_as(app, &warehouse, &path("receive"), Some(items.clone())).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["status"].as_str(), &r.body["credited"]),
        (Some("received"), &gbp(0))
    );
    assert_eq!(refunds(app, &n).await, []);

    // Neither the warehouse nor support may approve it; a manager does, and it is paid.
    for key in [&warehouse, &support] {
        let r = post_as(app, key, &path("refund"), None).await;
        r.problem(403, "forbidden");
        assert_eq!(r.body["permission"], "refund");
    }
    assert_eq!(refunds(app, &n).await, []);
    let r = post_as(app, &manager, &path("refund"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.body["status"].as_str(), &r.body["credited"]),
        (Some("closed"), &gbp(2160))
    );
    assert_eq!(r.body["refund_approved_by"], "test manager");
    assert_eq!(refunds(app, &n).await, [(2160, "test manager".to_owned())]);
    let k = kinds(&app.order_json(&n).await["timeline"]);
    assert!(k.contains(&"order.return_refund_approved".to_owned()), "{k:?}");
    // A closed return approves nothing more.
    post_as(app, &manager, &path("refund"), None)
        .await
        .problem(409, "invalid_transition");

    // A manager's authorization approves the refund: the receipt carries it out.
    let n = app.delivered("A-2", &[("TEE", 1)]).await;
    let rma = app.request_return(&n, line).await.body["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = |action: &str| format!("/api/v1/returns/{rma}/{action}");
    let r = post_as(app, &manager, &path("authorize"), Some(json!({}))).await;
    assert_eq!(r.body["refund_approved_by"], "test manager", "{}", r.body);
    let r = post_as(app, &warehouse, &path("receive"), Some(items)).await;
    assert_eq!(
        (r.body["status"].as_str(), &r.body["credited"]),
        (Some("closed"), &gbp(2160))
    );
    assert_eq!(refunds(app, &n).await, [(2160, "test warehouse".to_owned())]);
    app.assert_books_balance().await;
}

both!(a_return_refunds_only_once_a_role_that_may_refund_approved_it);
