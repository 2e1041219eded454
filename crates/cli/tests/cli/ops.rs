//! What an operator configures and reads: JSON logs with one line per request and no
//! customer data, a log filter refused at start, and a configuration file under the
//! flags.

use std::process::{Command, Stdio};

use serde_json::Value;

use super::{Db, db, start_server, switchyard, switchyard_exits, terminate};

/// An admin key on a migrated database.
fn admin_key(db: &Db) -> String {
    let out = switchyard(db, &["api-key", "create", "--name", "ops", "--role", "admin"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    super::stdout(&out).lines().last().unwrap().to_owned()
}

#[tokio::test]
async fn json_logs_hold_one_line_per_request_and_no_customer_data() {
    let db = db();
    let key = admin_key(&db);
    let (mut child, addr, lines) = start_server(&db, &["--log-format", "json"]);
    let client = reqwest::Client::new();
    let base = format!("http://{addr}");
    let get = |path: &str| client.get(format!("{base}{path}")).bearer_auth(&key).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(
        get("/api/v1/orders?q=ann.secret@example.com").await.unwrap().status(),
        200
    );
    assert_eq!(
        get("/api/v1/products/ann.secret@example.com").await.unwrap().status(),
        404
    );
    let refused = client
        .post(format!("{base}/api/v1/orders"))
        .bearer_auth(&key)
        .json(&serde_json::json!({"channel": "web", "customer": {"email": "ann.secret@example.com", "name": "Ann Secret"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    terminate(&mut child);

    let lines: Vec<String> = lines.map_while(Result::ok).collect();
    let mut requests = Vec::new();
    for line in &lines {
        let entry: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            !line.contains("ann.secret") && !line.contains("Ann Secret"),
            "customer data logged: {line}"
        );
        assert!(!line.contains('\u{1b}'), "colour escapes in a file: {line}");
        if entry["message"] == "request" {
            requests.push(entry);
        }
    }
    assert_eq!(requests.len(), 4, "one line per request: {lines:#?}");
    for entry in &requests {
        assert_eq!(entry["level"], "INFO", "{entry}");
        for field in ["method", "route", "status", "latency_ms", "request_id"] {
            assert!(!entry[field].is_null(), "no {field}: {entry}");
        }
    }
    let routes: Vec<&str> = requests.iter().map(|e| e["route"].as_str().unwrap()).collect();
    assert_eq!(
        routes,
        ["/healthz", "/api/v1/orders", "/api/v1/products/{key}", "/api/v1/orders"]
    );
    assert_eq!(requests[3]["status"], 422);
}

#[test]
fn a_log_filter_that_does_not_parse_is_refused_at_start() {
    let db = db();
    let out = switchyard_exits(&db, &["serve", "--addr", "127.0.0.1:0", "--log", "switchyard=loud"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("not a log filter"), "{text}");
}

#[tokio::test]
async fn a_configuration_file_sets_flags_that_flags_and_the_environment_override() {
    let db = db();
    assert!(switchyard(&db, &["migrate"]).status.success());
    let file = db.dir.path().join("switchyard.toml");
    // `addr` is overridden by the flag `start_server` gives, `log` by SWITCHYARD_LOG.
    std::fs::write(
        &file,
        "addr = \"127.0.0.1:9\"\nlog = \"off\"\nlog-format = \"json\"\nidle-timeout = 30\n",
    )
    .unwrap();
    let (mut child, addr, lines) = start_server(&db, &["--config", file.to_str().unwrap()]);
    let ready = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    terminate(&mut child);
    let lines: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(!lines.is_empty(), "the environment's log filter wins over the file's");
    for line in &lines {
        serde_json::from_str::<Value>(line)
            .unwrap_or_else(|e| panic!("the file's log-format was not applied ({e}): {line}"));
    }

    std::fs::write(&file, "addr = \"127.0.0.1:0\"\nlisten = \"0.0.0.0:80\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["serve"])
        .env("SWITCHYARD_DATABASE_URL", &db.url)
        .env("SWITCHYARD_CONFIG", &file)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("`listen`") && text.contains("not a setting"), "{text}");
}
