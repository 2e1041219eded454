//! Paging: opaque cursors bound to their list's filters, `limit` within its range, and
//! `Link: rel="next"` walking every item once.

use std::collections::BTreeSet;

use crate::both;
use crate::helpers::*;

const SKUS: [&str; 7] = ["A-1", "A-2", "A-3", "B-1", "B-2", "B-3", "B-4"];

async fn seven_products(app: &TestApp) {
    for sku in SKUS {
        app.product(sku, 100).await;
    }
}

/// The target of a `Link: <...>; rel="next"` header.
fn next_link(r: &Resp) -> Option<String> {
    let link = r.header("link")?;
    let (target, rel) = link.split_once(">; ")?;
    assert_eq!(rel, r#"rel="next""#, "{link}");
    Some(target.trim_start_matches('<').to_owned())
}

async fn following_link_next_reaches_every_item_once(app: &TestApp) {
    seven_products(app).await;
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/products?limit=3&include_archived=false".to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let r = app.get(&path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        seen.extend(
            r.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["sku"].as_str().unwrap().to_owned()),
        );
        next = next_link(&r);
        match (&next, r.body["next_cursor"].as_str()) {
            (Some(link), Some(cursor)) => {
                assert!(link.ends_with(&format!("&cursor={cursor}")), "{link}");
                assert!(
                    link.starts_with("/api/v1/products?limit=3&include_archived=false&"),
                    "{link}"
                );
                // Opaque: not the sort key it stands for.
                assert!(!SKUS.iter().any(|sku| cursor.contains(sku)), "{cursor}");
            }
            (None, None) => {}
            other => panic!("Link and next_cursor disagree: {other:?}"),
        }
        pages += 1;
        assert!(pages <= 3, "more pages than items allow");
    }
    assert_eq!(seen, SKUS);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), SKUS.len());
}

async fn a_cursor_only_serves_the_filters_it_was_made_for(app: &TestApp) {
    seven_products(app).await;
    let r = app.get("/api/v1/products?q=A&limit=1").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
    // The same filters, in another order and with another page size: the same list.
    let r = app.get(&format!("/api/v1/products?limit=2&cursor={cursor}&q=A")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["data"][0]["sku"], "A-2");
    for other in [
        format!("/api/v1/products?q=B&cursor={cursor}"),
        format!("/api/v1/products?cursor={cursor}"),
        format!("/api/v1/products?q=A&include_archived=true&cursor={cursor}"),
        format!("/api/v1/locations?q=A&cursor={cursor}"),
    ] {
        let r = app.get(&other).await;
        r.problem(400, "cursor_mismatch");
        assert_eq!(r.body["errors"][0]["parameter"], "cursor", "{other}");
    }
}

async fn a_cursor_no_list_gave_out_is_400_naming_it(app: &TestApp) {
    seven_products(app).await;
    let r = app.get("/api/v1/products?q=A&limit=1").await;
    let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[2] = if tampered[2] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for garbage in [
        "garbage",
        "A-1",
        "AAAAAAAAAAAAAAAAAAAA",
        "%2B%2F%3D",
        &tampered,
        &cursor[..cursor.len() - 2],
    ] {
        let r = app.get(&format!("/api/v1/products?q=A&cursor={garbage}")).await;
        r.problem(400, "invalid_cursor");
        assert_eq!(r.body["errors"][0]["parameter"], "cursor", "{garbage}");
    }
}

async fn a_limit_out_of_range_is_400_saying_the_range(app: &TestApp) {
    seven_products(app).await;
    for limit in ["0", "501", "-1", "100000000000000000000", "ten", ""] {
        for list in ["products", "orders", "inventory/movements", "shipments/late"] {
            let r = app.get(&format!("/api/v1/{list}?limit={limit}")).await;
            r.problem(400, "invalid_limit");
            assert_eq!(r.body["errors"][0]["parameter"], "limit");
            assert!(
                r.body["detail"].as_str().unwrap().contains("from 1 to 500"),
                "{}",
                r.body
            );
        }
    }
    for limit in ["1", "500"] {
        let r = app.get(&format!("/api/v1/products?limit={limit}")).await;
        assert_eq!(r.status, 200, "{limit}: {}", r.body);
    }
}

both!(
    following_link_next_reaches_every_item_once,
    a_cursor_only_serves_the_filters_it_was_made_for,
    a_cursor_no_list_gave_out_is_400_naming_it,
    a_limit_out_of_range_is_400_saying_the_range,
);
