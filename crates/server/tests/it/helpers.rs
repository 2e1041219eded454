//! `TestApp`: a real server on 127.0.0.1:0 over a fresh database, typed request
//! helpers, and the fixtures most scenarios start from.

use std::num::NonZeroU32;
use std::sync::Arc;

use jiff::Timestamp;
use serde_json::{Value, json};
use switchyard_core::auth::Role;
use switchyard_core::{Clock, ManualClock, SystemClock};
use switchyard_server::AppState;
use switchyard_server::limits::{Limits, Rate};
use switchyard_store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The webhook secret of EasyPost's shared client-library fixtures; every test server uses it.
pub const EASYPOST_WEBHOOK_SECRET: &str = "sécret";

/// Runs an async scenario `fn(TestApp)` on both backends:
/// `both!(name_of_scenario)` makes `name_of_scenario::sqlite` and `::postgres`.
#[macro_export]
macro_rules! both {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await;
                    super::$scenario(&app).await;
                    app.finish().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(not(pg_tests), ignore = "set SWITCHYARD_TEST_POSTGRES_URL to run PostgreSQL tests")]
                async fn postgres() {
                    let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await;
                    super::$scenario(&app).await;
                    app.finish().await;
                }
            }
        )+
    };
}

/// A response: status, headers, and the body as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    /// The body as text (CSV, SVG, HTML).
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and code; returns its body.
    pub fn problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.body
        );
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["type"], format!("/problems/{code}"));
        assert_eq!(self.body["status"], status);
        assert!(self.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
        let id = self.header("x-request-id").unwrap_or_default();
        assert_eq!(
            self.body["instance"],
            format!("urn:switchyard:request:{id}"),
            "the instance names the request"
        );
        &self.body
    }

    /// The fields named by a validation problem, in order.
    pub fn invalid_fields(&self) -> Vec<String> {
        self.problem(422, "validation_failed");
        self.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| at(e).to_owned())
            .collect()
    }
}

/// Where a field error of a problem is: its JSON `pointer` into the body, or the
/// `parameter` it names (exactly one of them).
pub fn at(e: &Value) -> &str {
    match (e["pointer"].as_str(), e["parameter"].as_str()) {
        (Some(pointer), None) => pointer,
        (None, Some(parameter)) => parameter,
        _ => panic!("a field error has one pointer or parameter: {e}"),
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// An admin key.
    pub admin: String,
    pub store: Store,
    /// The database the server runs on, for a second store (another process) on it.
    pub url: String,
    pub clock: Arc<ManualClock>,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

fn postgres_url() -> String {
    std::env::var("SWITCHYARD_TEST_POSTGRES_URL").expect("SWITCHYARD_TEST_POSTGRES_URL")
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |state| state).await
    }

    /// A server whose state `configure` changes first (mail settings, for one).
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(AppState) -> AppState) -> TestApp {
        let clock = Arc::new(ManualClock::new(SystemClock.now()));
        let (url, dir, schema) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                (url, Some(dir), None)
            }
            Backend::Postgres => {
                let schema = format!("t_{}", switchyard_core::id::new_body(SystemClock.now()));
                let admin = Store::connect(&postgres_url(), Arc::new(SystemClock)).await.unwrap();
                switchyard_store::db::query(format!("CREATE SCHEMA {schema}"))
                    .execute(admin.pool())
                    .await
                    .unwrap();
                admin.close().await;
                let base = postgres_url();
                let sep = if base.contains('?') { '&' } else { '?' };
                (
                    format!("{base}{sep}options=-c%20search_path%3D{schema}"),
                    None,
                    Some(schema),
                )
            }
        };
        let store = Store::connect(&url, clock.clone()).await.unwrap();
        store.migrate().await.unwrap();
        let (_, admin) = store.create_api_key("test admin", Role::Admin).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(switchyard_server::serve(
            listener,
            configure(AppState::new(store.clone()).with_channel_patience(crate::channels::support::patience()))
                .with_easypost_webhook_secret(Some(EASYPOST_WEBHOOK_SECRET.into()))
                .with_background_delivery(false)
                // Webhook receivers in tests listen on loopback; `webhooks::delivery`
                // checks the refusals on a server of its own without the flag.
                .with_allow_private_webhook_targets(true)
                .with_limits(Limits {
                    // Scenarios send many wrong keys from one address on purpose;
                    // `edges` tests the limit on servers of its own.
                    auth_failures: Rate::per_second(NonZeroU32::MAX),
                    ..Limits::default()
                }),
            std::future::pending(),
        ));
        TestApp {
            base,
            client: reqwest::Client::new(),
            admin,
            store,
            url,
            clock,
            _dir: dir,
            schema,
        }
    }

    /// Drops the test's PostgreSQL schema.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some(schema) = self.schema {
            let admin = Store::connect(&postgres_url(), Arc::new(SystemClock)).await.unwrap();
            // A second server of the test may still be finishing a sweep on the schema:
            // the drop can lose a deadlock to it, and is simply asked again.
            for attempt in 1.. {
                let dropped = switchyard_store::db::query(format!("DROP SCHEMA {schema} CASCADE"))
                    .execute(admin.pool())
                    .await;
                match dropped {
                    Ok(_) => break,
                    Err(e) if attempt < 10 => {
                        eprintln!("dropping {schema} failed ({e}); again");
                        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    }
                    Err(e) => panic!("cannot drop {schema}: {e}"),
                }
            }
            admin.close().await;
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub async fn key(&self, role: Role) -> String {
        self.store
            .create_api_key(&format!("test {role}"), role)
            .await
            .unwrap()
            .1
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        Self::respond(req, headers).await
    }

    /// POSTs `body` byte for byte, with `headers` (say which content type it is).
    pub async fn post_bytes(&self, path: &str, key: Option<&str>, body: &[u8], headers: &[(&str, &str)]) -> Resp {
        let mut req = self.client.post(format!("{}{path}", self.base)).body(body.to_vec());
        if let Some(key) = key {
            req = req.bearer_auth(key);
        }
        Self::respond(req, headers).await
    }

    /// Sends a request built by hand, with `headers`, and reads the answer.
    pub async fn respond(mut req: reqwest::RequestBuilder, headers: &[(&str, &str)]) -> Resp {
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(reqwest::Method::GET, path, Some(&self.admin), None, &[])
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(reqwest::Method::POST, path, Some(&self.admin), Some(&body), &[])
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(reqwest::Method::PATCH, path, Some(&self.admin), Some(&body), &[])
            .await
    }

    /// Asserts that `switchyard check` finds nothing wrong.
    pub async fn assert_books_balance(&self) {
        let report = self.store.check().await.unwrap();
        assert!(report.is_clean(), "check found problems: {:#?}", report.problems);
    }

    /// Creates a location and returns its code.
    pub async fn location(&self, code: &str, country: &str, priority: i64) -> String {
        let mut body = json!({
            "code": code, "name": format!("{code} site"), "kind": "warehouse", "priority": priority,
            "address": address(country),
        });
        if country == "US" {
            // The US has several time zones: one must be named (GB's is derived).
            body["timezone"] = json!("America/New_York");
        }
        let r = self.post("/api/v1/locations", body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        code.to_owned()
    }

    pub async fn channel(&self, code: &str, ship_from: &[&str], policy: &str) {
        let r = self
            .post(
                "/api/v1/channels",
                json!({"code": code, "name": code, "kind": "web", "ship_from": ship_from, "shortage_policy": policy}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    pub async fn product(&self, sku: &str, price: i64) {
        let r = self
            .post(
                "/api/v1/products",
                json!({"sku": sku, "title": format!("Product {sku}"), "price": {"amount": price, "currency": "GBP"}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    /// The carrier says `shipment` was delivered now, in Leeds.
    pub async fn track_delivered(&self, shipment: &str) {
        let r = self
            .post(
                &format!("/api/v1/shipments/{shipment}/tracking-events"),
                json!({"status": "delivered", "occurred_at": self.now().to_string(), "location": "Leeds",
                       "description": "delivered"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    /// Makes `sku` a kit of `components` (SKU, quantity).
    pub async fn kit(&self, sku: &str, components: &[(&str, i64)]) {
        let parts: Vec<serde_json::Value> = components
            .iter()
            .map(|(sku, quantity)| json!({"sku": sku, "quantity": quantity}))
            .collect();
        let r = self
            .send(
                reqwest::Method::PUT,
                &format!("/api/v1/products/{sku}/components"),
                Some(&self.admin),
                Some(&json!(parts)),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    pub async fn receive(&self, sku: &str, location: &str, quantity: i64) {
        let r = self
            .post(
                "/api/v1/inventory/receipts",
                json!({"sku": sku, "location": location, "quantity": quantity}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    /// (on_hand, reserved, available) of one SKU at one location.
    pub async fn level(&self, sku: &str, location: &str) -> (i64, i64, i64) {
        let r = self
            .get(&format!("/api/v1/inventory/levels?sku={sku}&location={location}"))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let l = &r.body["data"][0];
        (
            l["on_hand"].as_i64().unwrap(),
            l["reserved"].as_i64().unwrap(),
            l["available"].as_i64().unwrap(),
        )
    }

    /// A shop: warehouse LON (priority 10) and 3PL MCR (priority 20), channel `web`
    /// (reject) and `amazon` (backorder) shipping from both, SKUs TEE and MUG.
    pub async fn shop(&self) {
        self.location("LON", "GB", 10).await;
        self.location("MCR", "GB", 20).await;
        self.channel("web", &["LON", "MCR"], "reject").await;
        self.channel("amazon", &["LON", "MCR"], "backorder").await;
        self.product("TEE", 1800).await;
        self.product("MUG", 1200).await;
    }

    pub async fn order_count(&self) -> usize {
        let r = self.get("/api/v1/orders?limit=500").await;
        r.body["data"].as_array().unwrap().len()
    }
}

pub fn address(country: &str) -> Value {
    match country {
        "US" => {
            json!({"name": "Sam Lee", "line1": "245 Main Street", "city": "Brooklyn", "region": "NY", "postal_code": "11211", "country": "US"})
        }
        _ => {
            json!({"name": "Ann Smith", "line1": "1 High Street", "city": "Leeds", "postal_code": "LS1 4AP", "country": country})
        }
    }
}

/// `X-Hmac-Signature` as EasyPost computes it: the secret is used in Unicode NFKD form,
/// so "sécret" (é as one code point) is keyed as "se\u{301}cret".
pub fn easypost_signature(body: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let nfkd = EASYPOST_WEBHOOK_SECRET.replace('\u{e9}', "e\u{301}");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(nfkd.as_bytes()).unwrap();
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("hmac-sha256-hex={hex}")
}

pub fn gbp(amount: i64) -> Value {
    json!({"amount": amount, "currency": "GBP"})
}

/// An order body on `channel` with `(sku, quantity)` lines at £18 a unit and 20% tax.
pub fn order(channel: &str, external_id: &str, lines: &[(&str, i64)]) -> Value {
    json!({
        "channel": channel,
        "external_id": external_id,
        "currency": "GBP",
        "customer": {"email": "ann@example.com", "name": "Ann Smith", "phone": "+44 113 496 0000"},
        "shipping_address": address("GB"),
        "lines": lines.iter().map(|(sku, q)| json!({
            "sku": sku, "quantity": q, "unit_price": gbp(1800), "tax": gbp(360 * q)
        })).collect::<Vec<_>>(),
        "shipping": {"amount": gbp(399), "tax": gbp(80)},
        "service_level": "standard",
        "tags": ["test"],
    })
}
