//! The server's edges, on real sockets: clients slow to send headers or idle too long
//! are disconnected, connections past the limit wait, an address guessing keys is
//! slowed before its keys are looked up, keys can be rate-limited, and responses carry
//! the headers that keep browsers from sniffing, caching or framing them.

use std::net::{IpAddr, SocketAddr};
use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use reqwest::Method;
use switchyard_server::AppState;
use switchyard_server::limits::{Limits, Rate};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::both;
use crate::helpers::*;

/// Longer than anything here should take; reached only when the server is wrong.
const GENEROUS: Duration = Duration::from_secs(30);

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

/// A second server on the test's database, serving until `stop` is sent or dropped.
struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    stopped: JoinHandle<std::io::Result<()>>,
}

async fn serve_with(app: &TestApp, limits: Limits) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(app.store.clone()).with_limits(limits);
    let (stop, stopping) = oneshot::channel::<()>();
    let stopped = tokio::spawn(switchyard_server::serve(listener, state, async move {
        stopping.await.ok();
    }));
    Server { addr, stop, stopped }
}

/// Sends one GET on a kept-alive connection and reads its whole response.
async fn get_on(stream: &mut TcpStream, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed mid-response: {}", String::from_utf8_lossy(&response));
        response.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&response);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            if body.len() >= length {
                return text.into_owned();
            }
        }
    }
}

/// Waits (at most `GENEROUS`) for the server to close `stream`; whatever it says first is ignored.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(GENEROUS, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

async fn a_client_slow_to_send_its_headers_is_disconnected(app: &TestApp) {
    let server = serve_with(
        app,
        Limits {
            header_read_timeout: Duration::from_secs(1),
            ..Limits::default()
        },
    )
    .await;
    let addr = server.addr;
    // Half a request line, then nothing.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HT").await.unwrap();
    assert!(
        closed_by_server(&mut slow).await,
        "a half-sent request kept its connection"
    );
    // Connecting and sending nothing at all is no better.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    assert!(closed_by_server(&mut silent).await, "a silent connection was kept");
}

async fn an_idle_connection_is_kept_for_the_idle_timeout_not_the_header_one(app: &TestApp) {
    let server = serve_with(
        app,
        Limits {
            header_read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(10),
            ..Limits::default()
        },
    )
    .await;
    let addr = server.addr;
    let mut client = TcpStream::connect(addr).await.unwrap();
    assert!(get_on(&mut client, "/healthz").await.starts_with("HTTP/1.1 200"));
    // Idle for longer than the header timeout: still kept, and still served.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(get_on(&mut client, "/healthz").await.starts_with("HTTP/1.1 200"));
    // Then idle for good: closed.
    assert!(closed_by_server(&mut client).await, "an idle connection was kept");
}

async fn connections_past_the_limit_wait_until_one_closes(app: &TestApp) {
    let server = serve_with(
        app,
        Limits {
            max_connections: NonZeroUsize::new(2).unwrap(),
            ..Limits::default()
        },
    )
    .await;
    let addr = server.addr;
    let mut first = TcpStream::connect(addr).await.unwrap();
    let mut second = TcpStream::connect(addr).await.unwrap();
    assert!(get_on(&mut first, "/healthz").await.starts_with("HTTP/1.1 200"));
    assert!(get_on(&mut second, "/healthz").await.starts_with("HTTP/1.1 200"));

    // A third is not served while both are open...
    let mut third = TcpStream::connect(addr).await.unwrap();
    let waiting = tokio::spawn(async move { get_on(&mut third, "/healthz").await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "a connection past the limit was served");
    // ...and is as soon as one closes.
    drop(first);
    let answer = tokio::time::timeout(GENEROUS, waiting).await.unwrap().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

async fn an_address_guessing_keys_is_refused_before_its_keys_are_looked_up(app: &TestApp) {
    let server = serve_with(
        app,
        Limits {
            auth_failures: Rate::new(nz(5), nz(1)),
            ..Limits::default()
        },
    )
    .await;
    let addr = server.addr;
    let url = format!("http://{addr}/api/v1/products");
    let get = |client: &reqwest::Client, key: &str| client.get(&url).bearer_auth(key).send();
    let client = reqwest::Client::new();
    let mut refused_after = None;
    for attempt in 0..200 {
        let r = get(&client, &format!("sy_guess{attempt:027}")).await.unwrap();
        match r.status().as_u16() {
            401 => {}
            429 => {
                refused_after = Some(attempt);
                let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
                assert!(wait >= 1, "Retry-After: {wait}");
                assert_eq!(r.headers()["content-type"], "application/problem+json");
                let body: serde_json::Value = r.json().await.unwrap();
                assert_eq!(body["code"], "rate_limited", "{body}");
                break;
            }
            other => panic!("guess {attempt}: {other}"),
        }
    }
    let refused_after = refused_after.expect("200 wrong keys and none refused");
    assert!(refused_after >= 5, "refused after only {refused_after} failures");

    // Refused before the look-up: even a good key from that address waits its turn.
    assert_eq!(get(&client, &app.admin).await.unwrap().status(), 429);
    // Another address is not held up by it.
    let elsewhere = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    assert_eq!(get(&elsewhere, &app.admin).await.unwrap().status(), 200);
}

async fn a_key_over_its_rate_limit_is_told_when_to_retry(app: &TestApp) {
    let server = serve_with(
        app,
        Limits {
            key_requests: Some(Rate::per_second(nz(3))),
            ..Limits::default()
        },
    )
    .await;
    let addr = server.addr;
    let url = format!("http://{addr}/api/v1/products");
    let client = reqwest::Client::new();
    let mut served = 0;
    let limited = loop {
        let r = client.get(&url).bearer_auth(&app.admin).send().await.unwrap();
        match r.status().as_u16() {
            200 => served += 1,
            429 => break r,
            other => panic!("{other}"),
        }
        assert!(served < 200, "200 requests and none limited");
    };
    assert!(served >= 3, "limited after {served}");
    assert!(limited.headers().contains_key("retry-after"));
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited", "{body}");
    // The limit is the key's: another key is served.
    let other = app.key(switchyard_core::auth::Role::Viewer).await;
    let r = client.get(&url).bearer_auth(&other).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

async fn responses_are_not_sniffed_or_cached(app: &TestApp) {
    let listed = app.get("/api/v1/products").await;
    let refused = app.send(Method::GET, "/api/v1/products", None, None, &[]).await;
    let health = app.send(Method::GET, "/healthz", None, None, &[]).await;
    let missing = app.send(Method::GET, "/nothing-here", None, None, &[]).await;
    for r in [&listed, &refused, &health, &missing] {
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{r:?}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{r:?}");
    }
}

/// The `src`/`href` values of `tag` elements in `html` (enough HTML for the docs page).
fn links(html: &str, tag: &str, attribute: &str) -> Vec<String> {
    html.split(&format!("<{tag}"))
        .skip(1)
        .filter_map(|element| {
            let start = element.find(&format!("{attribute}=\""))? + attribute.len() + 2;
            let end = element[start..].find('"')? + start;
            Some(element[start..end].to_owned())
        })
        .collect()
}

async fn the_docs_page_is_framed_by_nobody_and_loads_only_its_own_files(app: &TestApp) {
    let page = app.client.get(format!("{}/api/docs/", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let policy = headers["content-security-policy"].to_str().unwrap().to_owned();
    for directive in ["frame-ancestors 'none'", "script-src 'self'", "object-src 'none'"] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();

    // Every script is a file of the page's own (none inline, which the policy would
    // block), and every script and stylesheet it names is there.
    let scripts = links(&html, "script", "src");
    assert_eq!(
        scripts.len(),
        html.matches("<script").count(),
        "an inline script: {html}"
    );
    let styles = links(&html, "link", "href");
    assert!(!scripts.is_empty() && !styles.is_empty(), "{html}");
    for file in scripts.iter().chain(&styles) {
        assert!(!file.contains("//"), "{file} is not the page's own");
        let url = format!("{}/api/docs/{}", app.base, file.trim_start_matches("./"));
        let r = app.client.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{url}");
    }
    // JSON is no page: it has no policy of its own.
    let listed = app.get("/api/v1/products").await;
    assert_eq!(listed.header("content-security-policy"), None);
}

async fn a_request_in_flight_at_shutdown_finishes_then_the_server_stops(app: &TestApp) {
    let server = serve_with(app, Limits::default()).await;
    let body = br#"{"sku": "LATE", "title": "Late tee", "price": {"amount": 1800, "currency": "GBP"}}"#;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/products HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        app.admin,
        body.len()
    );
    client.write_all(head.as_bytes()).await.unwrap();
    // `100 Continue` comes when the handler reads the body: the request is in flight.
    let mut buf = [0u8; 4096];
    let n = client.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 100"));

    server.stop.send(()).unwrap();
    // The request in flight finishes (while it does, the server drains: see
    // `ops::drain`), and then the server stops...
    client.write_all(body).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(GENEROUS, client.read_to_end(&mut response))
        .await
        .unwrap()
        .unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    tokio::time::timeout(GENEROUS, server.stopped)
        .await
        .expect("the server did not stop")
        .unwrap()
        .unwrap();
    // ...and accepts no new connection.
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "still accepting connections after shutdown"
    );
    assert_eq!(app.get("/api/v1/products/LATE").await.status, 200);
}

both!(
    a_request_in_flight_at_shutdown_finishes_then_the_server_stops,
    a_client_slow_to_send_its_headers_is_disconnected,
    an_idle_connection_is_kept_for_the_idle_timeout_not_the_header_one,
    connections_past_the_limit_wait_until_one_closes,
    an_address_guessing_keys_is_refused_before_its_keys_are_looked_up,
    a_key_over_its_rate_limit_is_told_when_to_retry,
    responses_are_not_sniffed_or_cached,
    the_docs_page_is_framed_by_nobody_and_loads_only_its_own_files,
);
