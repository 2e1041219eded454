//! Problems: types that resolve, `instance`, pointers and parameters, 400 for a body
//! that is not JSON and 422 for JSON with wrong values, the media types a body may have.

use serde_json::json;
use switchyard_server::problems::KINDS;

use crate::both;
use crate::helpers::*;

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(status != 200 || kind.starts_with("text/html"), "{path}: {kind}");
    (status, r.text().await.unwrap())
}

async fn every_problem_type_resolves_to_a_page_of_the_server(app: &TestApp) {
    let (status, list) = page(app, "/problems").await;
    assert_eq!(status, 200);
    for kind in KINDS {
        assert!(
            list.contains(&format!(">{}</a>", kind.code)),
            "{} missing from /problems",
            kind.code
        );
        let (status, text) = page(app, &format!("/problems/{}", kind.code)).await;
        assert_eq!(status, 200, "{}", kind.code);
        assert!(text.contains(kind.title) && text.contains(kind.code), "{text}");
    }
    // A problem as served: its type, resolved against the request, is such a page.
    let r = app.get("/api/v1/products/NOPE").await;
    let problem = r.problem(404, "not_found");
    let (status, _) = page(app, problem["type"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    // No page for a kind that does not exist.
    let (status, _) = page(app, "/problems/no_such_kind").await;
    assert_eq!(status, 404);
}

async fn field_errors_are_at_a_pointer_or_name_their_parameter(app: &TestApp) {
    let r = app
        .post(
            "/api/v1/products",
            json!({"sku": "TEE", "title": "Tee", "weight_grams": "heavy"}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["pointer"], "/weight_grams");
    assert!(r.body["errors"][0].get("field").is_none(), "{}", r.body);
    assert!(r.body["errors"][0].get("parameter").is_none(), "{}", r.body);

    let r = app.get("/api/v1/products?q=a%00b").await;
    r.problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["parameter"], "q");
    assert!(r.body["errors"][0].get("pointer").is_none(), "{}", r.body);

    // The instance is the request's id, which a client can quote to the operator.
    let id = r.header("x-request-id").unwrap();
    assert_eq!(r.body["instance"], format!("urn:switchyard:request:{id}"));
}

async fn a_body_that_is_not_json_is_400_and_json_with_wrong_values_422(app: &TestApp) {
    let valid = r#"{"sku": "TEE", "title": "Tee"}"#;
    for (body, what) in [
        (r#"{"sku": "TEE", "title": "#, "ends early"),
        (r#"{"sku": "TEE" "title": "Tee"}"#, "a syntax error"),
        (&format!("{valid} x") as &str, "garbage after the value"),
        (&format!("{valid}{valid}"), "a second value"),
        ("", "no body"),
    ] {
        let r = app
            .post_bytes(
                "/api/v1/products",
                Some(&app.admin),
                body.as_bytes(),
                &[("content-type", "application/json")],
            )
            .await;
        r.problem(400, "malformed_json");
        assert_eq!(r.body["errors"][0]["pointer"], "", "{what}");
    }
    // Whitespace after the value is not data.
    let r = app
        .post_bytes(
            "/api/v1/products",
            Some(&app.admin),
            format!("{valid} \r\n").as_bytes(),
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let r = app.post("/api/v1/products", json!({"sku": "CAP", "title": 7})).await;
    r.problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["pointer"], "/title");
    assert_eq!(
        app.get("/api/v1/products?include_archived=true").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn only_json_media_types_are_read(app: &TestApp) {
    let body = |sku: &str| format!(r#"{{"sku": "{sku}", "title": "Tee"}}"#);
    for (kind, sku) in [
        ("application/json", "A"),
        ("application/json; charset=utf-8", "B"),
        ("Application/JSON", "C"),
        ("application/merge-patch+json", "D"),
    ] {
        let r = app
            .post_bytes(
                "/api/v1/products",
                Some(&app.admin),
                body(sku).as_bytes(),
                &[("content-type", kind)],
            )
            .await;
        assert_eq!(r.status, 201, "{kind}: {}", r.body);
    }
    for kind in [
        "text/plain+json",
        "text/plain",
        "application/jsonx",
        "application/x-www-form-urlencoded",
        "json",
    ] {
        let r = app
            .post_bytes(
                "/api/v1/products",
                Some(&app.admin),
                body("E").as_bytes(),
                &[("content-type", kind)],
            )
            .await;
        r.problem(415, "unsupported_media_type");
    }
}

async fn errors_made_outside_the_handlers_are_problems_too(app: &TestApp) {
    let r = app.get("/no/such/endpoint").await;
    r.problem(404, "not_found");
    let r = app
        .send(reqwest::Method::PUT, "/api/v1/products", Some(&app.admin), None, &[])
        .await;
    r.problem(405, "method_not_allowed");
    assert!(r.header("allow").is_some());
    let big = vec![b' '; 2 * 1024 * 1024];
    let r = app
        .post_bytes(
            "/api/v1/products",
            Some(&app.admin),
            &big,
            &[("content-type", "application/json")],
        )
        .await;
    r.problem(413, "body_too_large");
    // A connection of its own: the server closes the one it refused the 2 MB body on,
    // and a pooled client could pick that one for the next request before it sees so.
    let fresh = reqwest::Client::new()
        .get(format!("{}/api/v1/products/%FF%FE", app.base))
        .bearer_auth(&app.admin);
    let r = TestApp::respond(fresh, &[]).await;
    r.problem(400, "invalid_path");
    let r = app
        .send(reqwest::Method::GET, "/api/v1/products", None, None, &[])
        .await;
    r.problem(401, "unauthorized");
}

both!(
    every_problem_type_resolves_to_a_page_of_the_server,
    field_errors_are_at_a_pointer_or_name_their_parameter,
    a_body_that_is_not_json_is_400_and_json_with_wrong_values_422,
    only_json_media_types_are_read,
    errors_made_outside_the_handlers_are_problems_too,
);
