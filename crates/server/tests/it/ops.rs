//! What operators and integrators rely on around the API: health, readiness, metrics,
//! the OpenAPI document and docs page, 404s, request ids, and `Idempotency-Key`.

mod drain;
mod metrics;

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use switchyard_core::auth::Role;

use crate::both;
use crate::helpers::*;

/// A GET without a key, with the body as text.
async fn get_text(app: &TestApp, path: &str) -> (u16, HeaderMap, String) {
    let res = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

fn content_type(headers: &HeaderMap) -> &str {
    headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn post_with_key(app: &TestApp, key: &str, idempotency_key: &str, body: Value) -> Resp {
    app.send(
        Method::POST,
        "/api/v1/products",
        Some(key),
        Some(&body),
        &[("idempotency-key", idempotency_key)],
    )
    .await
}

async fn products(app: &TestApp) -> Vec<Value> {
    app.get("/api/v1/products?include_archived=true&limit=500").await.body["data"]
        .as_array()
        .unwrap()
        .clone()
}

async fn health_and_readiness_answer_200_without_a_key(app: &TestApp) {
    for path in ["/healthz", "/readyz"] {
        let r = app.send(Method::GET, path, None, None, &[]).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_eq!(r.body["status"], "ok", "{path}");
    }
}

async fn metrics_count_requests_in_prometheus_text(app: &TestApp) {
    app.product("TEE", 1800).await;
    assert_eq!(app.get("/api/v1/products").await.status, 200);
    assert_eq!(app.get("/api/v1/products/TEE").await.status, 200);
    assert_eq!(app.get("/api/v1/nothing-here").await.status, 404);

    let (status, headers, text) = get_text(app, "/metrics").await;
    assert_eq!(status, 200, "{text}");
    assert!(content_type(&headers).starts_with("text/plain"), "{headers:?}");
    assert!(text.contains("# TYPE switchyard_http_requests_total counter"), "{text}");
    let requests: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("switchyard_http_requests_total{"))
        .collect();
    assert!(
        requests.iter().any(|l| l.contains(r#"method="GET""#)
            && l.contains(r#"route="/api/v1/products""#)
            && l.contains(r#"status="200""#)),
        "{text}"
    );
    assert!(
        requests.iter().any(|l| l.contains(r#"method="POST""#)
            && l.contains(r#"route="/api/v1/products""#)
            && l.contains(r#"status="201""#)),
        "{text}"
    );
    assert!(
        requests.iter().any(|l| l.contains(r#"route="/api/v1/products/{key}""#)),
        "counted by route template, not by SKU: {text}"
    );
    assert!(
        requests
            .iter()
            .any(|l| l.contains(r#"route="other""#) && l.contains(r#"status="404""#)),
        "an unknown path is counted as other: {text}"
    );
    assert!(
        !text.contains("/api/v1/products/TEE") && !text.contains("nothing-here"),
        "{text}"
    );
}

/// Every `/api/v1` path of `src/api/mod.rs`, with its methods.
const API_PATHS: &[(&str, &[&str])] = &[
    ("/api/v1/products", &["get", "post"]),
    ("/api/v1/products/{key}", &["get", "patch"]),
    ("/api/v1/products/{key}/archive", &["post"]),
    ("/api/v1/locations", &["get", "post"]),
    ("/api/v1/locations/{key}", &["get", "patch"]),
    ("/api/v1/locations/{key}/archive", &["post"]),
    ("/api/v1/channels", &["get", "post"]),
    ("/api/v1/channels/{key}", &["get", "patch"]),
    ("/api/v1/channels/{key}/archive", &["post"]),
    ("/api/v1/channels/{key}/listings", &["get"]),
    ("/api/v1/channels/{key}/listings/{sku}", &["get", "put", "delete"]),
    ("/api/v1/channels/{key}/listings/import", &["post"]),
    ("/api/v1/channels/{key}/stock", &["get"]),
    ("/api/v1/channels/{key}/drift", &["get"]),
    ("/api/v1/channels/{key}/resync", &["post"]),
    ("/api/v1/channels/{key}/connection", &["delete", "get", "put"]),
    ("/api/v1/channels/{key}/connection/test", &["post"]),
    ("/api/v1/channels/{key}/poll", &["post"]),
    ("/api/v1/inventory/levels", &["get"]),
    ("/api/v1/inventory/movements", &["get"]),
    ("/api/v1/inventory/receipts", &["post"]),
    ("/api/v1/inventory/adjustments", &["post"]),
    ("/api/v1/inventory/counts", &["post"]),
    ("/api/v1/inventory/transfers", &["post"]),
    ("/api/v1/inventory/atp", &["get"]),
    ("/api/v1/orders", &["get", "post"]),
    ("/api/v1/orders/{key}", &["get"]),
    ("/api/v1/orders/{key}/cancel", &["post"]),
    ("/api/v1/orders/{key}/lines/{line}/cancel", &["post"]),
    ("/api/v1/orders/{key}/hold", &["post"]),
    ("/api/v1/orders/{key}/emails/{kind}/preview", &["get"]),
    ("/api/v1/orders/{key}/release", &["post"]),
    ("/api/v1/imports", &["post"]),
    ("/api/v1/orders/{key}/payments", &["get", "post"]),
    ("/api/v1/orders/{key}/refunds", &["post"]),
    ("/api/v1/orders/{key}/appeasements", &["post"]),
    ("/api/v1/orders/{key}/reroute", &["post"]),
    ("/api/v1/routing/simulate", &["post"]),
    ("/api/v1/locations/{key}/zones", &["put"]),
    ("/api/v1/locations/{key}/disable", &["post"]),
    ("/api/v1/locations/{key}/enable", &["post"]),
    ("/api/v1/products/{key}/components", &["put"]),
    ("/api/v1/purchase-orders", &["get", "post"]),
    ("/api/v1/purchase-orders/{key}", &["get"]),
    ("/api/v1/purchase-orders/{key}/receipts", &["post"]),
    ("/api/v1/purchase-orders/{key}/close", &["post"]),
    ("/api/v1/purchase-orders/{key}/cancel", &["post"]),
    ("/api/v1/purchase-orders/{key}/submit", &["post"]),
    ("/api/v1/products/{key}/supplier", &["get", "put"]),
    ("/api/v1/replenishment/purchase-orders", &["post"]),
    ("/api/v1/replenishment/suggestions", &["get"]),
    ("/api/v1/shipments", &["get"]),
    ("/api/v1/shipments/release", &["post"]),
    ("/api/v1/shipments/late", &["get"]),
    ("/api/v1/shipments/exceptions", &["get"]),
    ("/api/v1/shipments/{key}", &["get"]),
    ("/api/v1/shipments/{key}/pack", &["post"]),
    ("/api/v1/shipments/{key}/label", &["get", "post"]),
    ("/api/v1/shipments/{key}/label/void", &["post"]),
    ("/api/v1/shipments/{key}/packing-slip", &["get"]),
    ("/api/v1/shipments/{key}/ship", &["post"]),
    ("/api/v1/shipments/{key}/cancel", &["post"]),
    ("/api/v1/shipments/{key}/tracking-events", &["post"]),
    ("/api/v1/orders/{key}/shipments", &["get"]),
    ("/api/v1/pick-lists", &["get", "post"]),
    ("/api/v1/pick-lists/{key}", &["get"]),
    ("/api/v1/pick-lists/{key}/pdf", &["get"]),
    ("/api/v1/pick-lists/{key}/confirm", &["post"]),
    ("/api/v1/locations/{key}/fulfilment", &["get", "put"]),
    ("/api/v1/locations/{key}/bins", &["get", "put"]),
    ("/api/v1/carriers", &["get"]),
    ("/api/v1/tracking-events", &["post"]),
    ("/api/v1/tracking/easypost", &["post"]),
    ("/api/v1/returns", &["get", "post"]),
    ("/api/v1/returns/{key}", &["get"]),
    ("/api/v1/returns/{key}/authorize", &["post"]),
    ("/api/v1/returns/{key}/reject", &["post"]),
    ("/api/v1/returns/{key}/cancel", &["post"]),
    ("/api/v1/returns/{key}/receive", &["post"]),
    ("/api/v1/returns/{key}/exchange", &["post"]),
    ("/api/v1/returns/{key}/refund", &["post"]),
    ("/api/v1/returns/{key}/label.pdf", &["get"]),
    ("/api/v1/returns/{key}/label.zpl", &["get"]),
    ("/api/v1/orders/{key}/claims", &["post"]),
    ("/api/v1/claims", &["get"]),
    ("/api/v1/inventory/quarantine", &["get"]),
    ("/api/v1/reports/returns", &["get"]),
    ("/api/v1/reports/delivery", &["get"]),
    ("/api/v1/reports/perfect-orders", &["get"]),
    ("/api/v1/reports/perfect-orders/failures", &["get"]),
    ("/api/v1/reports/channel-performance", &["get"]),
    ("/api/v1/reports/time-of-order", &["get"]),
    ("/api/v1/reports/stock", &["get"]),
    ("/api/v1/forecasts", &["get"]),
    ("/api/v1/forecasts/refresh", &["post"]),
    ("/api/v1/events", &["get"]),
    ("/api/v1/feedback", &["get"]),
    ("/api/v1/feedback/summary", &["get"]),
    ("/api/v1/webhook-endpoints", &["get", "post"]),
    ("/api/v1/webhook-endpoints/{key}", &["get", "patch", "delete"]),
    ("/api/v1/webhook-endpoints/{key}/disable", &["post"]),
    ("/api/v1/webhook-endpoints/{key}/enable", &["post"]),
    ("/api/v1/webhook-endpoints/{key}/rotate-secret", &["post"]),
    ("/api/v1/webhook-endpoints/{key}/test", &["post"]),
    ("/api/v1/webhook-endpoints/{key}/attempts", &["get"]),
    ("/api/v1/webhook-endpoints/{key}/messages/{message_id}/retry", &["post"]),
    ("/api/v1/webhook-endpoints/{key}/replay", &["post"]),
];

async fn the_openapi_document_describes_every_endpoint(app: &TestApp) {
    let r = app.send(Method::GET, "/api/openapi.json", None, None, &[]).await;
    assert_eq!(r.status, 200, "no key is needed for the document");
    let doc = &r.body;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "Switchyard");

    let paths = doc["paths"].as_object().unwrap();
    let documented: BTreeMap<&str, BTreeSet<&str>> = paths
        .iter()
        .filter(|(p, _)| p.starts_with("/api/v1"))
        .map(|(p, item)| {
            let methods = item
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .filter(|m| ["get", "post", "patch", "put", "delete"].contains(m));
            (p.as_str(), methods.collect())
        })
        .collect();
    let expected: BTreeMap<&str, BTreeSet<&str>> = API_PATHS
        .iter()
        .map(|(p, ms)| (*p, ms.iter().copied().collect()))
        .collect();
    assert_eq!(documented, expected);
    for ops in ["/healthz", "/readyz", "/metrics"] {
        assert!(paths.contains_key(ops), "{ops} is documented");
        assert_eq!(paths[ops]["get"]["security"], json!([{}]), "{ops} needs no key");
    }
    let webhook = &paths["/webhooks/easypost"]["post"];
    assert_eq!(
        webhook["security"],
        json!([{}]),
        "EasyPost signs instead of sending a key"
    );

    let scheme = &doc["components"]["securitySchemes"]["api_key"];
    assert_eq!(scheme["type"], "http", "{scheme}");
    assert_eq!(scheme["scheme"], "bearer", "{scheme}");
    assert_eq!(
        doc["security"],
        json!([{"api_key": []}]),
        "every operation needs the key by default"
    );

    let problem = &doc["components"]["schemas"]["Problem"];
    assert!(problem.is_object(), "a Problem schema");
    for field in ["type", "title", "status", "detail", "code", "errors"] {
        assert!(
            problem["properties"][field].is_object(),
            "Problem has {field}: {problem}"
        );
    }
    assert_eq!(
        paths["/api/v1/products"]["post"]["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
}

async fn every_operation_in_the_openapi_document_says_what_it_does(app: &TestApp) {
    let doc = app.send(Method::GET, "/api/openapi.json", None, None, &[]).await.body;
    let mut unnamed = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["summary"].as_str().is_none_or(str::is_empty) {
                unnamed.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        unnamed.is_empty(),
        "operations without a summary on /api/docs: {unnamed:#?}"
    );
}

async fn the_docs_page_is_html_without_a_key(app: &TestApp) {
    let (status, headers, text) = get_text(app, "/api/docs/").await;
    assert_eq!(status, 200, "{text}");
    assert!(content_type(&headers).starts_with("text/html"), "{headers:?}");
    assert!(text.to_lowercase().contains("<html"), "{text}");
    assert!(text.to_lowercase().contains("swagger"), "{text}");
}

async fn an_unknown_path_answers_a_404_problem(app: &TestApp) {
    app.send(Method::GET, "/nothing-here", None, None, &[])
        .await
        .problem(404, "not_found");
    app.get("/api/v1/nothing-here").await.problem(404, "not_found");
    app.get("/api/v2/products").await.problem(404, "not_found");
}

async fn every_response_carries_a_request_id(app: &TestApp) {
    let ok = app.send(Method::GET, "/healthz", None, None, &[]).await;
    let listed = app.get("/api/v1/products").await;
    let unauthorized = app.send(Method::GET, "/api/v1/products", None, None, &[]).await;
    let missing = app.get("/api/v1/products/NOPE").await;
    let unknown = app.get("/nothing-here").await;
    let mut ids = BTreeSet::new();
    for r in [&ok, &listed, &unauthorized, &missing, &unknown] {
        let id = r
            .header("x-request-id")
            .unwrap_or_else(|| panic!("no x-request-id on a {}: {:?}", r.status, r.headers));
        assert!(!id.is_empty());
        ids.insert(id.to_owned());
    }
    assert_eq!(ids.len(), 5, "each request gets its own id: {ids:?}");

    // A caller's own id is kept, so logs on both sides match.
    let traced = app
        .send(
            Method::GET,
            "/api/v1/products",
            Some(&app.admin),
            None,
            &[("x-request-id", "trace-abc-123")],
        )
        .await;
    assert_eq!(traced.header("x-request-id"), Some("trace-abc-123"));
}

async fn a_retried_post_with_the_same_idempotency_key_replays_the_first_response(app: &TestApp) {
    let body = json!({"sku": "TEE", "title": "Tee", "price": gbp(1800)});
    let first = post_with_key(app, &app.admin, "create-tee-1", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(
        first.header("idempotent-replayed"),
        None,
        "the first response is not a replay"
    );

    for _ in 0..2 {
        let retry = post_with_key(app, &app.admin, "create-tee-1", body.clone()).await;
        assert_eq!(retry.status, 201, "{}", retry.body);
        assert_eq!(retry.body, first.body);
        assert_eq!(retry.header("idempotent-replayed"), Some("true"));
        assert_eq!(retry.header("content-type"), Some("application/json"));
    }
    assert_eq!(products(app).await.len(), 1, "only one product was created");

    // Without the key, the same body is a new request: the SKU now exists.
    app.post("/api/v1/products", body.clone())
        .await
        .problem(409, "duplicate_sku");
    // A new key is a new request too.
    post_with_key(app, &app.admin, "create-tee-2", body.clone())
        .await
        .problem(409, "duplicate_sku");

    // A refusal changed nothing, so it is not kept (Stripe's rule): the corrected
    // request may use the same key.
    let invalid = json!({"sku": "MUG", "title": ""});
    let refused = post_with_key(app, &app.admin, "create-mug-1", invalid.clone()).await;
    assert_eq!(refused.invalid_fields(), ["/title"]);
    let again = post_with_key(app, &app.admin, "create-mug-1", invalid).await;
    assert_eq!(again.invalid_fields(), ["/title"]);
    assert_eq!(again.header("idempotent-replayed"), None);
    let fixed = post_with_key(app, &app.admin, "create-mug-1", json!({"sku": "MUG", "title": "Mug"})).await;
    assert_eq!(fixed.status, 201, "{}", fixed.body);
    assert_eq!(products(app).await.len(), 2);
}

async fn an_idempotency_key_reused_with_another_body_is_refused(app: &TestApp) {
    let first = post_with_key(app, &app.admin, "k-1", json!({"sku": "TEE", "title": "Tee"})).await;
    assert_eq!(first.status, 201, "{}", first.body);

    let other = post_with_key(app, &app.admin, "k-1", json!({"sku": "MUG", "title": "Mug"})).await;
    other.problem(422, "idempotency_key_reused");
    let other = post_with_key(app, &app.admin, "k-1", json!({"sku": "TEE", "title": "Tee, changed"})).await;
    other.problem(422, "idempotency_key_reused");
    // The same key on another endpoint is another request too.
    let elsewhere = app
        .send(
            Method::POST,
            "/api/v1/locations",
            Some(&app.admin),
            Some(&json!({"code": "LON"})),
            &[("idempotency-key", "k-1")],
        )
        .await;
    elsewhere.problem(422, "idempotency_key_reused");

    let all = products(app).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["title"], "Tee");
    app.get("/api/v1/products/MUG").await.problem(404, "not_found");
}

async fn an_idempotency_key_belongs_to_the_api_key_that_sent_it(app: &TestApp) {
    let manager = app.key(Role::Manager).await;
    let first = post_with_key(app, &app.admin, "shared-key", json!({"sku": "TEE", "title": "Tee"})).await;
    assert_eq!(first.status, 201, "{}", first.body);

    // Another caller's identical request is not answered with the first caller's response.
    let theirs = post_with_key(app, &manager, "shared-key", json!({"sku": "TEE", "title": "Tee"})).await;
    theirs.problem(409, "duplicate_sku");
    assert_eq!(theirs.header("idempotent-replayed"), None);
    let theirs = post_with_key(app, &manager, "shared-key-2", json!({"sku": "MUG", "title": "Mug"})).await;
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    assert_eq!(products(app).await.len(), 2);
}

async fn an_empty_idempotency_key_is_refused(app: &TestApp) {
    post_with_key(app, &app.admin, "", json!({"sku": "TEE", "title": "Tee"}))
        .await
        .problem(400, "invalid_idempotency_key");
    let long = "k".repeat(256);
    post_with_key(app, &app.admin, &long, json!({"sku": "TEE", "title": "Tee"}))
        .await
        .problem(400, "invalid_idempotency_key");
    assert!(products(app).await.is_empty());
}

async fn a_replayed_creation_still_names_the_created_resource(app: &TestApp) {
    let body = json!({"sku": "TEE", "title": "Tee"});
    let first = post_with_key(app, &app.admin, "create-tee", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let location = first.header("location").expect("a Location header").to_owned();
    let retry = post_with_key(app, &app.admin, "create-tee", body).await;
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        retry.header("location"),
        Some(location.as_str()),
        "a replayed 201 lost its Location header"
    );
}

both!(
    a_replayed_creation_still_names_the_created_resource,
    every_operation_in_the_openapi_document_says_what_it_does,
    health_and_readiness_answer_200_without_a_key,
    metrics_count_requests_in_prometheus_text,
    the_openapi_document_describes_every_endpoint,
    the_docs_page_is_html_without_a_key,
    an_unknown_path_answers_a_404_problem,
    every_response_carries_a_request_id,
    a_retried_post_with_the_same_idempotency_key_replays_the_first_response,
    an_idempotency_key_reused_with_another_body_is_refused,
    an_idempotency_key_belongs_to_the_api_key_that_sent_it,
    an_empty_idempotency_key_is_refused,
);
