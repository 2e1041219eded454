//! The bad-input corpus: hostile inputs sent to every write route the OpenAPI document
//! lists (so a new route is covered the day it is added), with an admin key. Bodies:
//! not JSON, malformed, the wrong type, null, nested past any sane depth, over the body
//! limit and a string just under it; then every field of the route's schema in turn
//! set to NUL, ESC, CR/LF (outside free text), a bidirectional override, a zero-width
//! space, an unknown enum spelling, `i64::MAX`, `i64::MIN`, a huge float or a number
//! in a string. Paths: each parameter with NUL, ESC, a bidi override or a line break;
//! queries: a NUL. Read routes get garbage cursors and NULs in their query parameters.
//! Every answer must be a 4xx problem, never a 500; a text refused must be named by
//! its JSON pointer; and nothing may change: the lists of every resource read back
//! the same and `check` stays clean.

use serde_json::{Map, Value, json};
use switchyard_core::validation::TextKind;
use switchyard_server::middleware::BODY_LIMIT;

use crate::both;
use crate::helpers::*;

/// A value for a field, and whether the edge must name that field as
/// `invalid_characters`.
struct Hostile {
    value: Value,
    names_field: bool,
}

fn text(value: &str) -> Hostile {
    Hostile {
        value: json!(value),
        names_field: true,
    }
}

fn other(value: Value) -> Hostile {
    Hostile {
        value,
        names_field: false,
    }
}

/// What a field of a schema is, as far as hostile values go.
enum Leaf {
    Text { free: bool },
    Enum,
    Integer,
    Number,
    Boolean,
}

impl Leaf {
    fn hostile(&self) -> Vec<Hostile> {
        match self {
            Leaf::Text { free } => {
                let mut v = vec![
                    text("a\u{0}b"),
                    text("\u{1b}[2J"),
                    text("evil\u{202e}gpj.exe"),
                    text("pay\u{200b}pal"),
                ];
                if !free {
                    v.push(text("Ann\r\nBcc: x"));
                }
                v
            }
            Leaf::Enum => vec![other(json!("NOT_A_SPELLING")), text("standard\u{0}")],
            Leaf::Integer | Leaf::Number => vec![
                other(json!(i64::MAX)),
                other(json!(i64::MIN)),
                other(json!(1e300)),
                other(json!("12")),
            ],
            Leaf::Boolean => vec![other(json!("yes"))],
        }
    }
}

/// One step of a JSON pointer.
#[derive(Clone)]
enum Step {
    Key(String),
    Index,
}

fn pointer(path: &[Step]) -> String {
    path.iter()
        .map(|s| match s {
            Step::Key(k) => format!("/{k}"),
            Step::Index => "/0".to_owned(),
        })
        .collect()
}

/// The OpenAPI document, to read schemas from.
struct Doc(Value);

impl Doc {
    /// Follows `$ref`s and picks the non-null side of `oneOf`/`anyOf`/`allOf`.
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        if let Some(r) = schema["$ref"].as_str() {
            let name = r.trim_start_matches("#/components/schemas/");
            return self.resolve(&self.0["components"]["schemas"][name]);
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(alternatives) = schema[key].as_array()
                && let Some(some) = alternatives.iter().find(|s| s["type"] != "null")
            {
                return self.resolve(some);
            }
        }
        schema
    }

    fn kind<'a>(&'a self, schema: &'a Value) -> (&'a Value, &'a str) {
        let s = self.resolve(schema);
        let kind = match &s["type"] {
            Value::String(t) => t.as_str(),
            Value::Array(types) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or(""),
            _ if s["properties"].is_object() => "object",
            _ => "",
        };
        (s, kind)
    }

    /// Every leaf of `schema` under `path`, nested objects and array items included.
    fn leaves(&self, schema: &Value, path: Vec<Step>, out: &mut Vec<(Vec<Step>, Leaf)>) {
        if path.len() > 6 {
            return;
        }
        let free = match path.last() {
            Some(Step::Key(k)) => TextKind::of_field(k) == TextKind::Free,
            _ => false,
        };
        let (s, kind) = self.kind(schema);
        match kind {
            "object" => {
                for (key, prop) in s["properties"].as_object().into_iter().flatten() {
                    let mut p = path.clone();
                    p.push(Step::Key(key.clone()));
                    self.leaves(prop, p, out);
                }
            }
            "array" => {
                let mut p = path.clone();
                p.push(Step::Index);
                self.leaves(&s["items"], p, out);
            }
            "string" if s["enum"].is_array() => out.push((path, Leaf::Enum)),
            "string" => out.push((path, Leaf::Text { free })),
            "integer" => out.push((path, Leaf::Integer)),
            "number" => out.push((path, Leaf::Number)),
            "boolean" => out.push((path, Leaf::Boolean)),
            _ => {}
        }
    }

    /// A plausible value for a required field: its example, or a value of its type.
    fn plausible(&self, schema: &Value) -> Value {
        let (s, kind) = self.kind(schema);
        if !s["example"].is_null() {
            return s["example"].clone();
        }
        match kind {
            "object" => Value::Object(self.required(s)),
            "array" => json!([]),
            "string" => s["enum"].get(0).cloned().unwrap_or(json!("x")),
            "integer" | "number" => json!(1),
            "boolean" => json!(false),
            _ => Value::Null,
        }
    }

    fn required(&self, object: &Value) -> Map<String, Value> {
        let mut map = Map::new();
        for name in object["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            map.insert(name.to_owned(), self.plausible(&object["properties"][name]));
        }
        map
    }

    /// A body holding `value` at `path`, with the required fields around it filled in
    /// (a money amount comes with its currency).
    fn body(&self, schema: &Value, path: &[Step], value: &Value) -> Value {
        let Some((step, rest)) = path.split_first() else {
            return value.clone();
        };
        let (s, _) = self.kind(schema);
        match step {
            Step::Key(k) => {
                let mut map = self.required(s);
                map.insert(k.clone(), self.body(&s["properties"][k], rest, value));
                Value::Object(map)
            }
            Step::Index => json!([self.body(&s["items"], rest, value)]),
        }
    }
}

/// A write route: method, path template, and its body's schema if it takes one.
struct Route {
    method: reqwest::Method,
    template: String,
    body: Option<Value>,
}

fn routes(doc: &Doc, methods: &[&str]) -> Vec<Route> {
    let mut out = Vec::new();
    for (template, item) in doc.0["paths"].as_object().into_iter().flatten() {
        for method in methods {
            if let Some(op) = item.get(*method) {
                out.push(Route {
                    method: method.to_uppercase().parse().unwrap(),
                    template: template.clone(),
                    body: op.pointer("/requestBody/content/application~1json/schema").cloned(),
                });
            }
        }
    }
    out
}

/// The keys of the world the routes act on.
struct World {
    order: String,
    shipment: String,
    pick_list: String,
    purchase_order: String,
}

/// A shop with stock, an order released to the floor on a pick list, and a purchase
/// order.
async fn world(app: &TestApp) -> World {
    app.shop().await;
    app.receive("TEE", "LON", 10).await;
    app.receive("MUG", "LON", 10).await;
    let r = app
        .post("/api/v1/orders", order("web", "W-1", &[("TEE", 1), ("MUG", 1)]))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let order = r.body["id"].as_str().unwrap().to_owned();
    let r = app.post("/api/v1/shipments/release", json!({"location": "LON"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let shipment = r.body["shipments"][0]["id"].as_str().unwrap().to_owned();
    let r = app.post("/api/v1/pick-lists", json!({"location": "LON"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let pick_list = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/purchase-orders",
            json!({"supplier": {"name": "Fernhill"}, "location": "LON", "currency": "GBP",
                   "expected_at": "2030-01-01", "lines": [{"sku": "MUG", "quantity": 5}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let purchase_order = r.body["id"].as_str().unwrap().to_owned();
    World {
        order,
        shipment,
        pick_list,
        purchase_order,
    }
}

impl World {
    /// The template with each parameter filled: a real resource where there is one.
    fn path(&self, template: &str, hostile: Option<(&str, &str)>) -> String {
        let collection = template.trim_start_matches("/api/v1/").split('/').next().unwrap_or("");
        let key = match collection {
            "channels" => "web",
            "locations" => "LON",
            "products" => "TEE",
            "orders" => &self.order,
            "shipments" => &self.shipment,
            "pick-lists" => &self.pick_list,
            "purchase-orders" => &self.purchase_order,
            _ => "RMA-00000",
        };
        let mut path = template.replace("{line}", "1").replace("{key}", key);
        if let Some((param, value)) = hostile {
            let filled = if param == "line" { "1" } else { key };
            let at = template.find(&format!("{{{param}}}")).unwrap();
            let before = template[..at].replace("{key}", key);
            path = format!("{before}{value}{}", &path[before.len() + filled.len()..]);
        }
        path
    }

    /// Everything a request could change, read back.
    async fn snapshot(&self, app: &TestApp) -> Vec<Value> {
        let mut state = Vec::new();
        for path in [
            "/api/v1/orders?limit=500".to_owned(),
            "/api/v1/products?limit=500&include_archived=true".to_owned(),
            "/api/v1/locations?limit=500&include_archived=true".to_owned(),
            "/api/v1/channels?limit=500&include_archived=true".to_owned(),
            "/api/v1/inventory/movements?limit=500".to_owned(),
            "/api/v1/inventory/levels?limit=500".to_owned(),
            "/api/v1/purchase-orders?limit=500".to_owned(),
            "/api/v1/returns?limit=500".to_owned(),
            "/api/v1/claims?limit=500".to_owned(),
            "/api/v1/shipments?limit=500".to_owned(),
            "/api/v1/pick-lists?limit=500".to_owned(),
            "/api/v1/locations/LON/bins".to_owned(),
            "/api/v1/locations/LON/fulfilment".to_owned(),
            format!("/api/v1/orders/{}", self.order),
            format!("/api/v1/orders/{}/payments", self.order),
            format!("/api/v1/shipments/{}", self.shipment),
            format!("/api/v1/pick-lists/{}", self.pick_list),
            format!("/api/v1/purchase-orders/{}", self.purchase_order),
        ] {
            let r = app.get(&path).await;
            state.push(json!({"path": path, "status": r.status, "body": r.body}));
        }
        state
    }
}

/// Asserts a 4xx problem document; returns the `(field, code)` pairs it names.
fn refused(r: &Resp, what: &str) -> Vec<(String, String)> {
    assert!((400..500).contains(&r.status), "{what}: {} {}", r.status, r.body);
    assert_eq!(
        r.header("content-type"),
        Some("application/problem+json"),
        "{what}: {}",
        r.body
    );
    assert_eq!(r.body["status"], r.status, "{what}: {}", r.body);
    r.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                crate::helpers::at(e).to_owned(),
                e["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// Sends `body` as `content_type`, signed as EasyPost signs its webhooks (other routes
/// ignore the signature), so every route reads the body.
async fn send_bytes(app: &TestApp, route: &Route, path: &str, body: Vec<u8>, content_type: &str) -> Resp {
    let signature = easypost_signature(&body);
    let req = app
        .client
        .request(route.method.clone(), format!("{}{path}", app.base))
        .bearer_auth(&app.admin)
        .body(body);
    TestApp::respond(req, &[("content-type", content_type), ("x-hmac-signature", &signature)]).await
}

async fn send_json(app: &TestApp, route: &Route, path: &str, body: &Value) -> Resp {
    send_bytes(app, route, path, serde_json::to_vec(body).unwrap(), "application/json").await
}

/// Whole bodies that no route may take.
fn bad_bodies(schema: &Value, doc: &Doc) -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let json_type = "application/json";
    let wrong_type = if doc.kind(schema).1 == "array" { "{}" } else { "[]" };
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    vec![
        ("not JSON", b"sku=TEE".to_vec(), "application/x-www-form-urlencoded"),
        ("malformed", b"{\"sku\": ".to_vec(), json_type),
        ("wrong type", wrong_type.as_bytes().to_vec(), json_type),
        ("a string", b"\"TEE\"".to_vec(), json_type),
        ("a number", b"-9223372036854775808".to_vec(), json_type),
        ("null", b"null".to_vec(), json_type),
        ("nested arrays", deep.into_bytes(), json_type),
        ("nested objects", deep_object.into_bytes(), json_type),
        ("NUL bytes", b"{\"sku\": \"\0\"}".to_vec(), json_type),
    ]
}

/// Starts sending a 10 MB body the way a client streaming one would, and reads the
/// answer the server gives before taking it all: `(status, content type)`. (A client
/// library cannot be asked: the server answers and hangs up mid-upload.)
async fn ten_megabytes(app: &TestApp, route: &Route, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n\
         Content-Length: 10000000\r\nConnection: close\r\n\r\n{{\"note\": \"",
        route.method, app.admin
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The server may hang up before it has read this much; that is its answer's business.
    let _ = stream.write_all(&[b'x'; 65_536]).await;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or("")
        .trim()
        .to_owned();
    (status, content_type)
}

async fn every_write_route_refuses_hostile_input(app: &TestApp) {
    let world = world(app).await;
    let before = world.snapshot(app).await;
    let doc = Doc(serde_json::to_value(switchyard_server::openapi()).unwrap());
    let writes = routes(&doc, &["post", "put", "patch", "delete"]);
    assert!(writes.len() >= 50, "{} write routes", writes.len());
    let mut sent = 0;
    for route in &writes {
        let path = world.path(&route.template, None);
        // Path parameters and query values.
        let params: Vec<&str> = ["key", "line"]
            .into_iter()
            .filter(|p| route.template.contains(&format!("{{{p}}}")))
            .collect();
        for param in &params {
            for value in ["%00", "%1B", "%E2%80%AE", "a%0Ab", "%E2%80%8B"] {
                let bad = world.path(&route.template, Some((param, value)));
                let r = send_json(app, route, &bad, &json!({})).await;
                let named = refused(&r, &format!("{} {bad}", route.method));
                assert!(
                    named.contains(&((*param).to_owned(), "invalid_characters".to_owned())),
                    "{bad}: {}",
                    r.body
                );
                sent += 1;
            }
        }
        let with_query = format!("{path}?note=%00");
        let r = send_json(app, route, &with_query, &json!({})).await;
        refused(&r, &format!("{} {with_query}", route.method));
        sent += 1;
        let Some(schema) = &route.body else { continue };
        for (what, bytes, content_type) in bad_bodies(schema, &doc) {
            let r = send_bytes(app, route, &path, bytes, content_type).await;
            refused(&r, &format!("{} {path} with {what}", route.method));
            sent += 1;
        }
        let answer = ten_megabytes(app, route, &path).await;
        assert_eq!(
            answer,
            (413, "application/problem+json".to_owned()),
            "{} {path} with 10 MB",
            route.method
        );
        sent += 1;
        let mut leaves = Vec::new();
        doc.leaves(schema, Vec::new(), &mut leaves);
        if let Some((first, _)) = leaves.iter().find(|(_, l)| matches!(l, Leaf::Text { .. })) {
            let long = json!("x".repeat(BODY_LIMIT - 4096));
            let r = send_json(app, route, &path, &doc.body(schema, first, &long)).await;
            refused(&r, &format!("{} {path} with a long {}", route.method, pointer(first)));
            sent += 1;
        }
        for (at, leaf) in &leaves {
            for hostile in leaf.hostile() {
                let body = doc.body(schema, at, &hostile.value);
                let r = send_json(app, route, &path, &body).await;
                let what = format!("{} {path} with {} = {}", route.method, pointer(at), hostile.value);
                let named = refused(&r, &what);
                if hostile.names_field {
                    assert!(
                        named.contains(&(pointer(at), "invalid_characters".to_owned())),
                        "{what}: {}",
                        r.body
                    );
                }
                sent += 1;
            }
        }
    }
    // Read routes: garbage cursors and NULs in every query parameter.
    for route in routes(&doc, &["get"]) {
        let item = &doc.0["paths"][&route.template]["get"];
        let path = world.path(&route.template, None);
        for p in item["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
        {
            let name = p["name"].as_str().unwrap();
            let values: &[&str] = if name == "cursor" {
                &["%00", "%FF", "%E2%80%AE", "a%20b", "ord_%27%3B%20DROP%20TABLE%20orders"]
            } else {
                &["%00", "a%1Bb"]
            };
            for value in values {
                let r = app.get(&format!("{path}?{name}={value}")).await;
                let named = refused(&r, &format!("GET {path}?{name}={value}"));
                assert_eq!(named.first().map(|(f, _)| f.as_str()), Some(name), "{}", r.body);
                sent += 1;
            }
        }
    }
    assert!(sent > 2000, "only {sent} hostile requests");
    assert_eq!(world.snapshot(app).await, before, "a hostile request changed something");
    app.assert_books_balance().await;
}

both!(every_write_route_refuses_hostile_input);
