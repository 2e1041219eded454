//! Shutdown as a load balancer sees it: once shutdown begins `/readyz` answers 503
//! `draining` while a request in flight finishes, and the server stops only after it.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::both;
use crate::helpers::*;
use switchyard_core::SystemClock;
use switchyard_server::AppState;
use switchyard_store::Store;

/// The number `switchyard_http_requests_in_flight` reads at one scrape.
async fn in_flight(client: &reqwest::Client, base: &str) -> String {
    let text = super::metrics::metrics_text(client, base).await;
    text.lines()
        .find_map(|l| l.strip_prefix("switchyard_http_requests_in_flight "))
        .unwrap_or("")
        .to_owned()
}

async fn readyz_answers_503_while_a_request_in_flight_finishes(app: &TestApp) {
    // A second server on the test's database, stopped by this test.
    let store = Store::connect(&app.url, Arc::new(SystemClock)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(switchyard_server::serve(
        listener,
        AppState::new(store.clone()),
        async {
            stopped.await.ok();
        },
    ));
    // No kept-alive connections: a drained server closes idle ones.
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    assert_eq!(client.get(format!("{base}/readyz")).send().await.unwrap().status(), 200);

    // A request whose body is only half sent stays in flight.
    let body = br#"{"sku": "SLOW", "title": "Slow to arrive"}"#;
    let (head, tail) = body.split_at(10);
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /api/v1/products HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        app.admin,
        body.len()
    );
    slow.write_all(request.as_bytes()).await.unwrap();
    slow.write_all(head).await.unwrap();
    // It is being served once a scrape sees two requests: it and the scrape.
    let mut seen = String::new();
    for _ in 0..600 {
        seen = in_flight(&client, &base).await;
        if seen == "2" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(seen, "2", "the slow request never reached the server");

    stop.send(()).unwrap();
    let ready = loop {
        let r = client.get(format!("{base}/readyz")).send().await.unwrap();
        if r.status() != 200 {
            break r;
        }
    };
    assert_eq!(ready.status(), 503);
    let answer: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(answer["status"], "draining");
    assert!(!server.is_finished(), "the server stopped with a request in flight");

    slow.write_all(tail).await.unwrap();
    let mut response = Vec::new();
    slow.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    server.await.unwrap().unwrap();
    assert!(
        client.get(format!("{base}/readyz")).send().await.is_err(),
        "a stopped server still accepts connections"
    );
    assert_eq!(app.get("/api/v1/products/SLOW").await.status, 200);
    store.close().await;
}

both!(readyz_answers_503_while_a_request_in_flight_finishes);
