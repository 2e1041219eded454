//! The role × route matrix. Every route of the OpenAPI document (and the document's own
//! pages) is called with no key, a revoked key and a key of every role, and each answer
//! is checked against one table, `ROUTES`, which names the core permission each route
//! needs: 401 without a live key, 403 naming the permission when the role does not
//! grant it (`Role::allows`), anything but 401 and 403 when it does. Writes carry a
//! body that is not JSON: a role that may call the route gets a 4xx that is not 403
//! and nothing changes, a role that may not gets 403 before its body is read. A route
//! of the document missing from the table fails the test, so every new route needs a
//! decision here.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;
use switchyard_core::auth::{Permission, Role};

use crate::both;
use crate::helpers::*;

/// Who may call a route.
#[derive(Debug, Clone, Copy)]
enum Access {
    /// No key needed: every caller gets the same answer, whatever key it sends.
    Public,
    /// A live key whose role grants the permission.
    Needs(Permission),
}

use Access::{Needs, Public};
use Permission::{Appease, Fulfil, ManageCatalog, ManageOrders, ManageWebhooks, MoveStock, PlaceOrders, Read, Refund};

/// Every route, by method and path template, with who may call it.
const ROUTES: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/metrics", Public),
    // EasyPost signs its webhooks instead of sending a key.
    ("POST", "/webhooks/easypost", Public),
    // Channels sign their webhooks instead of sending a key.
    ("POST", "/webhooks/channels/{key}", Public),
    ("GET", "/api/openapi.json", Public),
    ("GET", "/api/docs", Public),
    ("GET", "/api/v1/products", Needs(Read)),
    ("POST", "/api/v1/products", Needs(ManageCatalog)),
    ("GET", "/api/v1/products/{key}", Needs(Read)),
    ("PATCH", "/api/v1/products/{key}", Needs(ManageCatalog)),
    ("POST", "/api/v1/products/{key}/archive", Needs(ManageCatalog)),
    ("PUT", "/api/v1/products/{key}/components", Needs(ManageCatalog)),
    ("GET", "/api/v1/locations", Needs(Read)),
    ("POST", "/api/v1/locations", Needs(ManageCatalog)),
    ("GET", "/api/v1/locations/{key}", Needs(Read)),
    ("PATCH", "/api/v1/locations/{key}", Needs(ManageCatalog)),
    ("POST", "/api/v1/locations/{key}/archive", Needs(ManageCatalog)),
    ("PUT", "/api/v1/locations/{key}/zones", Needs(ManageCatalog)),
    ("POST", "/api/v1/locations/{key}/disable", Needs(ManageCatalog)),
    ("POST", "/api/v1/locations/{key}/enable", Needs(ManageCatalog)),
    ("GET", "/api/v1/locations/{key}/fulfilment", Needs(Read)),
    ("PUT", "/api/v1/locations/{key}/fulfilment", Needs(ManageCatalog)),
    ("GET", "/api/v1/locations/{key}/bins", Needs(Read)),
    ("PUT", "/api/v1/locations/{key}/bins", Needs(ManageCatalog)),
    ("GET", "/api/v1/channels", Needs(Read)),
    ("POST", "/api/v1/channels", Needs(ManageCatalog)),
    ("GET", "/api/v1/channels/{key}", Needs(Read)),
    ("PATCH", "/api/v1/channels/{key}", Needs(ManageCatalog)),
    ("POST", "/api/v1/channels/{key}/archive", Needs(ManageCatalog)),
    ("GET", "/api/v1/channels/{key}/listings", Needs(Read)),
    ("GET", "/api/v1/channels/{key}/listings/{sku}", Needs(Read)),
    ("PUT", "/api/v1/channels/{key}/listings/{sku}", Needs(ManageCatalog)),
    ("DELETE", "/api/v1/channels/{key}/listings/{sku}", Needs(ManageCatalog)),
    ("POST", "/api/v1/channels/{key}/listings/import", Needs(ManageCatalog)),
    ("GET", "/api/v1/channels/{key}/stock", Needs(Read)),
    ("GET", "/api/v1/channels/{key}/drift", Needs(Read)),
    ("POST", "/api/v1/channels/{key}/resync", Needs(ManageCatalog)),
    ("GET", "/api/v1/channels/{key}/connection", Needs(Read)),
    ("PUT", "/api/v1/channels/{key}/connection", Needs(ManageCatalog)),
    ("DELETE", "/api/v1/channels/{key}/connection", Needs(ManageCatalog)),
    ("POST", "/api/v1/channels/{key}/connection/test", Needs(ManageCatalog)),
    ("POST", "/api/v1/channels/{key}/poll", Needs(PlaceOrders)),
    ("GET", "/api/v1/inventory/levels", Needs(Read)),
    ("GET", "/api/v1/inventory/movements", Needs(Read)),
    ("GET", "/api/v1/inventory/atp", Needs(Read)),
    ("GET", "/api/v1/inventory/quarantine", Needs(Read)),
    ("POST", "/api/v1/inventory/receipts", Needs(MoveStock)),
    ("POST", "/api/v1/inventory/adjustments", Needs(MoveStock)),
    ("POST", "/api/v1/inventory/counts", Needs(MoveStock)),
    ("POST", "/api/v1/inventory/transfers", Needs(MoveStock)),
    ("GET", "/api/v1/orders", Needs(Read)),
    ("POST", "/api/v1/orders", Needs(PlaceOrders)),
    ("POST", "/api/v1/imports", Needs(PlaceOrders)),
    ("GET", "/api/v1/orders/{key}", Needs(Read)),
    ("POST", "/api/v1/orders/{key}/cancel", Needs(ManageOrders)),
    ("POST", "/api/v1/orders/{key}/lines/{line}/cancel", Needs(ManageOrders)),
    ("POST", "/api/v1/orders/{key}/hold", Needs(ManageOrders)),
    ("GET", "/api/v1/orders/{key}/emails/{kind}/preview", Needs(Read)),
    ("POST", "/api/v1/orders/{key}/release", Needs(ManageOrders)),
    ("POST", "/api/v1/orders/{key}/reroute", Needs(ManageOrders)),
    ("GET", "/api/v1/orders/{key}/payments", Needs(Read)),
    ("POST", "/api/v1/orders/{key}/payments", Needs(ManageOrders)),
    ("POST", "/api/v1/orders/{key}/refunds", Needs(Refund)),
    ("POST", "/api/v1/orders/{key}/appeasements", Needs(Appease)),
    ("POST", "/api/v1/orders/{key}/claims", Needs(ManageOrders)),
    ("GET", "/api/v1/orders/{key}/shipments", Needs(Read)),
    ("POST", "/api/v1/routing/simulate", Needs(Read)),
    ("GET", "/api/v1/shipments", Needs(Read)),
    ("POST", "/api/v1/shipments/release", Needs(Fulfil)),
    ("GET", "/api/v1/shipments/late", Needs(Read)),
    ("GET", "/api/v1/shipments/exceptions", Needs(Read)),
    ("GET", "/api/v1/shipments/{key}", Needs(Read)),
    ("POST", "/api/v1/shipments/{key}/pack", Needs(Fulfil)),
    ("GET", "/api/v1/shipments/{key}/label", Needs(Read)),
    ("POST", "/api/v1/shipments/{key}/label", Needs(Fulfil)),
    ("POST", "/api/v1/shipments/{key}/label/void", Needs(Fulfil)),
    ("GET", "/api/v1/shipments/{key}/packing-slip", Needs(Read)),
    ("POST", "/api/v1/shipments/{key}/ship", Needs(Fulfil)),
    ("POST", "/api/v1/shipments/{key}/cancel", Needs(Fulfil)),
    ("POST", "/api/v1/shipments/{key}/tracking-events", Needs(Fulfil)),
    ("POST", "/api/v1/tracking-events", Needs(Fulfil)),
    ("POST", "/api/v1/tracking/easypost", Needs(Fulfil)),
    ("GET", "/api/v1/carriers", Needs(Read)),
    ("GET", "/api/v1/pick-lists", Needs(Read)),
    ("POST", "/api/v1/pick-lists", Needs(Fulfil)),
    ("GET", "/api/v1/pick-lists/{key}", Needs(Read)),
    ("GET", "/api/v1/pick-lists/{key}/pdf", Needs(Read)),
    ("POST", "/api/v1/pick-lists/{key}/confirm", Needs(Fulfil)),
    ("GET", "/api/v1/purchase-orders", Needs(Read)),
    ("POST", "/api/v1/purchase-orders", Needs(ManageCatalog)),
    ("GET", "/api/v1/purchase-orders/{key}", Needs(Read)),
    ("POST", "/api/v1/purchase-orders/{key}/receipts", Needs(MoveStock)),
    ("POST", "/api/v1/purchase-orders/{key}/close", Needs(ManageCatalog)),
    ("POST", "/api/v1/purchase-orders/{key}/cancel", Needs(ManageCatalog)),
    ("POST", "/api/v1/purchase-orders/{key}/submit", Needs(ManageCatalog)),
    ("GET", "/api/v1/products/{key}/supplier", Needs(Read)),
    ("PUT", "/api/v1/products/{key}/supplier", Needs(ManageCatalog)),
    ("POST", "/api/v1/replenishment/purchase-orders", Needs(ManageCatalog)),
    ("GET", "/api/v1/replenishment/suggestions", Needs(Read)),
    ("GET", "/api/v1/returns", Needs(Read)),
    ("POST", "/api/v1/returns", Needs(ManageOrders)),
    ("GET", "/api/v1/returns/{key}", Needs(Read)),
    ("POST", "/api/v1/returns/{key}/authorize", Needs(ManageOrders)),
    ("POST", "/api/v1/returns/{key}/reject", Needs(ManageOrders)),
    ("POST", "/api/v1/returns/{key}/cancel", Needs(ManageOrders)),
    ("POST", "/api/v1/returns/{key}/receive", Needs(MoveStock)),
    ("POST", "/api/v1/returns/{key}/exchange", Needs(ManageOrders)),
    ("POST", "/api/v1/returns/{key}/refund", Needs(Refund)),
    ("GET", "/api/v1/returns/{key}/label.pdf", Needs(Read)),
    ("GET", "/api/v1/returns/{key}/label.zpl", Needs(Read)),
    ("GET", "/api/v1/claims", Needs(Read)),
    ("GET", "/api/v1/reports/returns", Needs(Read)),
    ("GET", "/api/v1/reports/delivery", Needs(Read)),
    ("GET", "/api/v1/reports/perfect-orders", Needs(Read)),
    ("GET", "/api/v1/reports/perfect-orders/failures", Needs(Read)),
    ("GET", "/api/v1/reports/channel-performance", Needs(Read)),
    ("GET", "/api/v1/reports/time-of-order", Needs(Read)),
    ("GET", "/api/v1/reports/stock", Needs(Read)),
    ("GET", "/api/v1/forecasts", Needs(Read)),
    ("POST", "/api/v1/forecasts/refresh", Needs(ManageCatalog)),
    ("GET", "/api/v1/events", Needs(Read)),
    ("GET", "/api/v1/feedback", Needs(Read)),
    ("GET", "/api/v1/feedback/summary", Needs(Read)),
    // Reads too: an endpoint's URL may carry its receiver's token.
    ("GET", "/api/v1/webhook-endpoints", Needs(ManageWebhooks)),
    ("POST", "/api/v1/webhook-endpoints", Needs(ManageWebhooks)),
    ("GET", "/api/v1/webhook-endpoints/{key}", Needs(ManageWebhooks)),
    ("PATCH", "/api/v1/webhook-endpoints/{key}", Needs(ManageWebhooks)),
    ("DELETE", "/api/v1/webhook-endpoints/{key}", Needs(ManageWebhooks)),
    ("POST", "/api/v1/webhook-endpoints/{key}/disable", Needs(ManageWebhooks)),
    ("POST", "/api/v1/webhook-endpoints/{key}/enable", Needs(ManageWebhooks)),
    (
        "POST",
        "/api/v1/webhook-endpoints/{key}/rotate-secret",
        Needs(ManageWebhooks),
    ),
    ("POST", "/api/v1/webhook-endpoints/{key}/test", Needs(ManageWebhooks)),
    ("GET", "/api/v1/webhook-endpoints/{key}/attempts", Needs(ManageWebhooks)),
    (
        "POST",
        "/api/v1/webhook-endpoints/{key}/messages/{message_id}/retry",
        Needs(ManageWebhooks),
    ),
    ("POST", "/api/v1/webhook-endpoints/{key}/replay", Needs(ManageWebhooks)),
];

/// Routes the server answers that its OpenAPI document does not list: the document
/// itself and its page.
const UNDOCUMENTED: &[&str] = &["/api/openapi.json", "/api/docs"];

/// The (method, path) of every operation in the OpenAPI document.
fn documented() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(switchyard_server::openapi()).unwrap();
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

/// Who calls: a name for messages, the key sent, and its role when it is a live key.
struct Caller {
    who: String,
    key: Option<String>,
    role: Option<Role>,
}

/// Calls `method path` as `key`; a write carries a body that is not JSON.
async fn call(app: &TestApp, method: &str, path: &str, key: Option<&str>) -> (u16, Value) {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = app.client.request(method.clone(), format!("{}{path}", app.base));
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    if method != Method::GET {
        req = req.header("content-type", "application/json").body("{\"not json");
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let body = serde_json::from_slice(&res.bytes().await.unwrap()).unwrap_or(Value::Null);
    (status, body)
}

/// Whether `status` (with `body`) is what the table says `caller` gets from a route
/// needing `permission`; otherwise what was expected.
fn check(method: &str, permission: Permission, caller: &Caller, status: u16, body: &Value) -> Result<(), String> {
    match caller.role {
        None if status == 401 => Ok(()),
        None => Err("401".into()),
        Some(role) if !role.allows(permission) => {
            if status == 403 && body["permission"] == permission.as_str() {
                Ok(())
            } else {
                Err(format!("403 naming the permission {permission}"))
            }
        }
        Some(_) => {
            let refused = status == 401 || status == 403 || status >= 500;
            // A write's body is not JSON: allowed, it is still refused, for its body.
            if refused || (method != "GET" && !(400..500).contains(&status)) {
                Err("a 4xx that is not 401 or 403 (or a read's answer)".into())
            } else {
                Ok(())
            }
        }
    }
}

async fn every_route_answers_every_caller_as_the_table_says(app: &TestApp) {
    let documented = documented();
    let decided: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path, _)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    let undecided: Vec<_> = documented.difference(&decided).collect();
    assert!(undecided.is_empty(), "routes with no decision in ROUTES: {undecided:?}");
    let unknown: Vec<_> = decided
        .difference(&documented)
        .filter(|(_, path)| !UNDOCUMENTED.contains(&path.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "ROUTES names routes the server does not have: {unknown:?}"
    );

    let (_, revoked) = app.store.create_api_key("gone", Role::Admin).await.unwrap();
    app.store.revoke_api_keys_named("gone").await.unwrap();
    let mut callers = vec![
        Caller {
            who: "no key".into(),
            key: None,
            role: None,
        },
        Caller {
            who: "a revoked key".into(),
            key: Some(revoked),
            role: None,
        },
    ];
    for role in Role::ALL {
        callers.push(Caller {
            who: format!("{role}"),
            key: Some(app.key(*role).await),
            role: Some(*role),
        });
    }

    let mut wrong = Vec::new();
    let mut answers = 0;
    for (method, template, access) in ROUTES {
        let path = template
            .replace("{key}", "NOPE-1")
            .replace("{line}", "1")
            .replace("{kind}", "shipped")
            .replace("{message_id}", "msg_1");
        let mut statuses = BTreeSet::new();
        for caller in &callers {
            let (status, body) = call(app, method, &path, caller.key.as_deref()).await;
            answers += 1;
            let verdict = match access {
                Public => {
                    statuses.insert(status);
                    if status == 403 { Err("not 403".into()) } else { Ok(()) }
                }
                Needs(permission) => check(method, *permission, caller, status, &body),
            };
            if let Err(expected) = verdict {
                wrong.push(format!(
                    "{method} {path} as {}: {status}, expected {expected}",
                    caller.who
                ));
            }
        }
        if statuses.len() > 1 {
            wrong.push(format!(
                "{method} {path} is public but answers callers differently: {statuses:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {answers} answers differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    app.assert_books_balance().await;
}

both!(every_route_answers_every_caller_as_the_table_says);
