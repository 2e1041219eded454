//! `/metrics` as Prometheus expects it: every family named `switchyard_…` with
//! `# HELP` and `# TYPE`, request durations as histograms, the process and the build,
//! the business figures; and labels that junk requests cannot multiply.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde_json::json;

use crate::both;
use crate::helpers::*;

/// The samples of a scrape: series (name with labels) → value.
/// The text of one scrape of the server at `base`.
pub(super) async fn metrics_text(client: &reqwest::Client, base: &str) -> String {
    let res = client.get(format!("{base}/metrics")).send().await.unwrap();
    res.text().await.unwrap()
}

async fn scrape(app: &TestApp) -> (String, BTreeMap<String, f64>) {
    let text = metrics_text(&app.client, &app.base).await;
    let samples = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_owned(), value.parse().unwrap())
        })
        .collect();
    (text, samples)
}

/// The value of one series, 0 when absent.
fn value(samples: &BTreeMap<String, f64>, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

/// The values a label takes in the series of `name`.
fn label_values(samples: &BTreeMap<String, f64>, name: &str, label: &str) -> BTreeSet<String> {
    let prefix = format!("{name}{{");
    let needle = format!("{label}=\"");
    samples
        .keys()
        .filter(|s| s.starts_with(&prefix))
        .filter_map(|s| {
            let start = s.find(&needle)? + needle.len();
            Some(s[start..start + s[start..].find('"')?].to_owned())
        })
        .collect()
}

async fn metrics_follow_prometheus_conventions(app: &TestApp) {
    app.product("TEE", 1800).await;
    assert_eq!(app.get("/api/v1/products/TEE").await.status, 200);
    let (text, samples) = scrape(app).await;

    let mut helped = BTreeSet::new();
    let mut typed = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            helped.insert(rest.split(' ').next().unwrap().to_owned());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            typed.insert(name.to_owned(), kind.to_owned());
        }
    }
    for series in samples.keys() {
        let name = series.split('{').next().unwrap();
        assert!(name.starts_with("switchyard_"), "{name} has no switchyard_ prefix");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| typed.get(*f).is_some_and(|k| k == "histogram"))
            })
            .unwrap_or(name);
        assert!(helped.contains(family), "{family} has no # HELP:\n{text}");
        assert!(typed.contains_key(family), "{family} has no # TYPE:\n{text}");
    }

    let duration = "switchyard_http_request_duration_seconds";
    assert_eq!(typed[duration], "histogram", "{text}");
    let product = r#"method="GET",route="/api/v1/products/{key}""#;
    for le in ["0.005", "0.1", "1", "+Inf"] {
        assert!(
            samples.keys().any(|s| s.starts_with(&format!("{duration}_bucket{{"))
                && s.contains(product)
                && s.contains(&format!(r#"le="{le}""#))),
            "no bucket le={le} for {product}:\n{text}"
        );
    }
    assert_eq!(
        value(
            &samples,
            &format!(r#"switchyard_http_requests_total{{{product},status="200"}}"#)
        ),
        1.0,
        "counted by route template:\n{text}"
    );
    assert_eq!(
        value(
            &samples,
            &format!(r#"switchyard_build_info{{version="{}"}}"#, env!("CARGO_PKG_VERSION"))
        ),
        1.0,
        "{text}"
    );
    for process in [
        "switchyard_process_cpu_seconds_total",
        "switchyard_process_resident_memory_bytes",
        "switchyard_process_open_fds",
        "switchyard_process_start_time_seconds",
    ] {
        assert!(value(&samples, process) > 0.0, "{process}:\n{text}");
    }
}

/// Requests no route knows, with a junk method, a random path and an email in the
/// query, and a look-up of an unknown SKU; `on_a_route`: a junk method on a route too.
async fn send_junk(app: &TestApp, i: usize, on_a_route: bool) {
    let method = Method::from_bytes(format!("JUNK{i}").as_bytes()).unwrap();
    let path = format!("/probe-{i}/x{i}?email=ann{i}@example.com");
    if on_a_route {
        app.send(method.clone(), "/api/v1/products", Some(&app.admin), None, &[])
            .await;
    }
    app.send(method, &path, None, None, &[]).await;
    app.send(Method::GET, &path, None, None, &[]).await;
    app.get(&format!("/api/v1/products/SKU-{i}")).await;
}

async fn junk_methods_and_paths_do_not_multiply_label_values(app: &TestApp) {
    for i in 0..5 {
        send_junk(app, i, false).await;
    }
    // The first scrape counts itself only after it answers.
    scrape(app).await;
    let (_, before) = scrape(app).await;
    for i in 5..60 {
        send_junk(app, i, true).await;
    }
    let (text, after) = scrape(app).await;
    let series = |samples: &BTreeMap<String, f64>| -> BTreeSet<String> {
        samples
            .keys()
            .filter(|s| s.starts_with("switchyard_http_requests_total{"))
            .cloned()
            .collect()
    };
    let grown: Vec<String> = series(&after).difference(&series(&before)).cloned().collect();
    // Junk methods on a known path are one new series (405 for `other`); nothing else.
    assert!(grown.len() <= 1, "series multiplied by junk requests: {grown:#?}");
    let methods = label_values(&after, "switchyard_http_requests_total", "method");
    let standard: BTreeSet<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other"]
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert!(methods.is_subset(&standard), "{methods:?}");
    assert!(methods.contains("other"), "{methods:?}");
    let routes = label_values(&after, "switchyard_http_requests_total", "route");
    assert!(routes.contains("other"), "{routes:?}");
    assert!(
        !text.contains("probe-") && !text.contains("SKU-") && !text.contains("example.com"),
        "a label holds part of a request:\n{text}"
    );
}

async fn business_gauges_follow_orders_placed_and_refused(app: &TestApp) {
    app.shop().await;
    app.receive("TEE", "LON", 5).await;
    let (_, before) = scrape(app).await;
    assert_eq!(value(&before, "switchyard_order_backlog"), 0.0);

    let placed = app.post("/api/v1/orders", order("web", "M-1", &[("TEE", 2)])).await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    let short = app.post("/api/v1/orders", order("web", "M-2", &[("TEE", 50)])).await;
    assert_eq!(short.status, 409, "{}", short.body);
    let invalid = app.post("/api/v1/orders", json!({"channel": "web"})).await;
    assert_eq!(invalid.status, 422, "{}", invalid.body);
    let unknown = app.post("/api/v1/orders", order("nowhere", "M-3", &[("TEE", 1)])).await;
    assert!(unknown.status >= 400, "{}", unknown.body);

    let (text, after) = scrape(app).await;
    assert_eq!(
        value(&after, r#"switchyard_orders_placed_total{channel="web"}"#),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(&after, r#"switchyard_orders_refused_total{channel="web",status="409"}"#),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(&after, r#"switchyard_orders_refused_total{channel="web",status="422"}"#),
        1.0,
        "{text}"
    );
    assert!(
        label_values(&after, "switchyard_orders_refused_total", "channel").contains("unknown"),
        "an unknown channel's code is not a label:\n{text}"
    );
    assert!(!text.contains("nowhere"), "{text}");
    assert_eq!(value(&after, "switchyard_order_backlog"), 1.0, "{text}");
    assert_eq!(value(&after, "switchyard_shipments_late"), 0.0, "{text}");
    assert!(value(&after, "switchyard_outbox_pending_messages") >= 1.0, "{text}");
    assert!(
        text.contains("# TYPE switchyard_outbox_oldest_pending_age_seconds gauge"),
        "{text}"
    );
}

both!(
    metrics_follow_prometheus_conventions,
    junk_methods_and_paths_do_not_multiply_label_values,
    business_gauges_follow_orders_placed_and_refused,
);
