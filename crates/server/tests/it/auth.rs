//! Who may call the API: bearer keys (missing, unknown, revoked) and what each role
//! may do. A refused request changes nothing. `matrix` checks every route against
//! every role.

mod matrix;

use reqwest::Method;
use serde_json::{Value, json};
use switchyard_core::auth::Role;

use crate::both;
use crate::helpers::*;

async fn get_as(app: &TestApp, key: Option<&str>, path: &str) -> Resp {
    app.send(Method::GET, path, key, None, &[]).await
}

async fn post_as(app: &TestApp, key: Option<&str>, path: &str, body: Value) -> Resp {
    app.send(Method::POST, path, key, Some(&body), &[]).await
}

fn assert_unauthorized(r: &Resp) {
    r.problem(401, "unauthorized");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"), "{:?}", r.headers);
}

fn new_product(sku: &str) -> Value {
    json!({"sku": sku, "title": format!("Product {sku}"), "price": gbp(1000)})
}

fn receipt(quantity: i64) -> Value {
    json!({"sku": "TEE", "location": "LON", "quantity": quantity})
}

async fn product_count(app: &TestApp) -> usize {
    app.get("/api/v1/products?include_archived=true&limit=500").await.body["data"]
        .as_array()
        .unwrap()
        .len()
}

async fn a_request_without_a_key_is_refused_with_401(app: &TestApp) {
    assert_unauthorized(&get_as(app, None, "/api/v1/products").await);
    assert_unauthorized(&get_as(app, None, "/api/v1/inventory/levels").await);
    assert_unauthorized(&post_as(app, None, "/api/v1/products", new_product("TEE")).await);

    // A key sent any other way than as a bearer token is no key.
    let basic = app
        .send(
            Method::GET,
            "/api/v1/products",
            None,
            None,
            &[("authorization", &format!("Basic {}", app.admin))],
        )
        .await;
    assert_unauthorized(&basic);
    let bare = app
        .send(
            Method::GET,
            "/api/v1/products",
            None,
            None,
            &[("authorization", &app.admin)],
        )
        .await;
    assert_unauthorized(&bare);

    assert_eq!(product_count(app).await, 0, "nothing was created");
}

async fn an_unknown_key_is_refused_with_401(app: &TestApp) {
    assert_unauthorized(&get_as(app, Some("sy_thisisnotakeyanyonewasevergiven00"), "/api/v1/products").await);
    assert_unauthorized(
        &post_as(
            app,
            Some("sy_thisisnotakeyanyonewasevergiven00"),
            "/api/v1/products",
            new_product("TEE"),
        )
        .await,
    );
    assert_unauthorized(&get_as(app, Some(""), "/api/v1/products").await);
    // Close is not enough.
    let almost = format!("{}x", app.admin);
    assert_unauthorized(&get_as(app, Some(&almost), "/api/v1/products").await);
    assert_eq!(product_count(app).await, 0);
}

async fn a_revoked_key_is_refused_with_401(app: &TestApp) {
    let (_, secret) = app.store.create_api_key("night shift", Role::Manager).await.unwrap();
    let other = app.key(Role::Manager).await;
    assert_eq!(get_as(app, Some(&secret), "/api/v1/products").await.status, 200);
    assert_eq!(
        post_as(app, Some(&secret), "/api/v1/products", new_product("TEE"))
            .await
            .status,
        201
    );

    assert_eq!(app.store.revoke_api_keys_named("night shift").await.unwrap(), 1);
    assert_unauthorized(&get_as(app, Some(&secret), "/api/v1/products").await);
    assert_unauthorized(&post_as(app, Some(&secret), "/api/v1/products", new_product("MUG")).await);

    // Other keys still work.
    assert_eq!(get_as(app, Some(&other), "/api/v1/products").await.status, 200);
    assert_eq!(app.get("/api/v1/products").await.status, 200);
    assert_eq!(product_count(app).await, 1);
}

async fn a_viewer_can_read_but_not_change_anything(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let placed = app.post("/api/v1/orders", order("web", "1001", &[("TEE", 1)])).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let order_id = placed.body["id"].as_str().unwrap();
    let viewer = app.key(Role::Viewer).await;
    let order_path = format!("/api/v1/orders/{order_id}");

    for path in [
        "/api/v1/products",
        "/api/v1/products/TEE",
        "/api/v1/locations",
        "/api/v1/channels/web",
        "/api/v1/inventory/levels",
        "/api/v1/inventory/movements",
        "/api/v1/orders",
        order_path.as_str(),
    ] {
        let r = get_as(app, Some(&viewer), path).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
    }

    post_as(app, Some(&viewer), "/api/v1/products", new_product("CAP"))
        .await
        .problem(403, "forbidden");
    app.send(
        Method::PATCH,
        "/api/v1/products/TEE",
        Some(&viewer),
        Some(&json!({"title": "Mine now"})),
        &[],
    )
    .await
    .problem(403, "forbidden");
    post_as(app, Some(&viewer), "/api/v1/products/TEE/archive", json!({}))
        .await
        .problem(403, "forbidden");
    post_as(app, Some(&viewer), "/api/v1/inventory/receipts", receipt(5))
        .await
        .problem(403, "forbidden");
    post_as(
        app,
        Some(&viewer),
        "/api/v1/orders",
        order("web", "1002", &[("TEE", 1)]),
    )
    .await
    .problem(403, "forbidden");
    post_as(
        app,
        Some(&viewer),
        &format!("/api/v1/orders/{order_id}/cancel"),
        json!({}),
    )
    .await
    .problem(403, "forbidden");

    assert_eq!(product_count(app).await, 2);
    assert_eq!(app.get("/api/v1/products/TEE").await.body["title"], "Product TEE");
    assert!(app.get("/api/v1/products/TEE").await.body["archived_at"].is_null());
    assert_eq!(app.level("TEE", "LON").await, (10, 1, 9));
    assert_eq!(app.order_count().await, 1);
    assert_eq!(
        app.get(&format!("/api/v1/orders/{order_id}")).await.body["status"],
        "open"
    );
    app.assert_books_balance().await;
}

async fn warehouse_staff_can_move_stock_but_not_change_the_catalog_or_place_orders(app: &TestApp) {
    app.shop().await;
    let warehouse = app.key(Role::Warehouse).await;

    let r = post_as(app, Some(&warehouse), "/api/v1/inventory/receipts", receipt(10)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["movements"][0]["actor"], "test warehouse",
        "the ledger names the key"
    );
    let r = post_as(
        app,
        Some(&warehouse),
        "/api/v1/inventory/adjustments",
        json!({"sku": "TEE", "location": "LON", "quantity": -1, "reason": "damaged"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = post_as(
        app,
        Some(&warehouse),
        "/api/v1/inventory/transfers",
        json!({"sku": "TEE", "from": "LON", "to": "MCR", "quantity": 2}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(get_as(app, Some(&warehouse), "/api/v1/products").await.status, 200);

    post_as(app, Some(&warehouse), "/api/v1/products", new_product("CAP"))
        .await
        .problem(403, "forbidden");
    post_as(
        app,
        Some(&warehouse),
        "/api/v1/locations",
        json!({"code": "BHX", "name": "Birmingham", "kind": "warehouse", "address": address("GB")}),
    )
    .await
    .problem(403, "forbidden");
    post_as(
        app,
        Some(&warehouse),
        "/api/v1/orders",
        order("web", "1001", &[("TEE", 1)]),
    )
    .await
    .problem(403, "forbidden");

    let placed = app.post("/api/v1/orders", order("web", "1002", &[("TEE", 1)])).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let id = placed.body["id"].as_str().unwrap();
    post_as(app, Some(&warehouse), &format!("/api/v1/orders/{id}/cancel"), json!({}))
        .await
        .problem(403, "forbidden");

    assert_eq!(product_count(app).await, 2);
    assert_eq!(app.order_count().await, 1);
    assert_eq!(app.level("TEE", "LON").await, (7, 1, 6));
    assert_eq!(app.level("TEE", "MCR").await, (2, 0, 2));
    app.assert_books_balance().await;
}

async fn support_can_place_and_cancel_orders_but_not_receive_stock(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    let support = app.key(Role::Support).await;

    let placed = post_as(
        app,
        Some(&support),
        "/api/v1/orders",
        order("web", "1001", &[("TEE", 2)]),
    )
    .await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(app.level("TEE", "LON").await, (10, 2, 8));
    let id = placed.body["id"].as_str().unwrap();
    let cancelled = post_as(
        app,
        Some(&support),
        &format!("/api/v1/orders/{id}/cancel"),
        json!({"reason": "customer asked"}),
    )
    .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(app.level("TEE", "LON").await, (10, 0, 10));

    post_as(app, Some(&support), "/api/v1/inventory/receipts", receipt(5))
        .await
        .problem(403, "forbidden");
    post_as(
        app,
        Some(&support),
        "/api/v1/inventory/adjustments",
        json!({"sku": "TEE", "location": "LON", "quantity": 5, "reason": "found"}),
    )
    .await
    .problem(403, "forbidden");
    post_as(app, Some(&support), "/api/v1/products", new_product("CAP"))
        .await
        .problem(403, "forbidden");

    assert_eq!(app.level("TEE", "LON").await, (10, 0, 10));
    assert_eq!(product_count(app).await, 2);
    app.assert_books_balance().await;
}

async fn a_manager_can_change_the_catalog_move_stock_and_manage_orders(app: &TestApp) {
    app.shop().await;
    let manager = app.key(Role::Manager).await;

    let r = post_as(app, Some(&manager), "/api/v1/products", new_product("CAP")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .send(
            Method::PATCH,
            "/api/v1/products/CAP",
            Some(&manager),
            Some(&json!({"title": "Cap"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post_as(
        app,
        Some(&manager),
        "/api/v1/inventory/receipts",
        json!({"sku": "CAP", "location": "LON", "quantity": 3}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let placed = post_as(
        app,
        Some(&manager),
        "/api/v1/orders",
        order("web", "1001", &[("CAP", 1)]),
    )
    .await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let id = placed.body["id"].as_str().unwrap();
    let cancelled = post_as(app, Some(&manager), &format!("/api/v1/orders/{id}/cancel"), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(
        get_as(app, Some(&manager), "/api/v1/inventory/levels").await.status,
        200
    );

    assert_eq!(app.level("CAP", "LON").await, (3, 0, 3));
    app.assert_books_balance().await;
}

both!(
    a_request_without_a_key_is_refused_with_401,
    an_unknown_key_is_refused_with_401,
    a_revoked_key_is_refused_with_401,
    a_viewer_can_read_but_not_change_anything,
    warehouse_staff_can_move_stock_but_not_change_the_catalog_or_place_orders,
    support_can_place_and_cancel_orders_but_not_receive_stock,
    a_manager_can_change_the_catalog_move_stock_and_manage_orders,
);
