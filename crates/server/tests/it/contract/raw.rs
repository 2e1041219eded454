//! Requests hyper refuses before our code sees them (a URI or headers too long, a head
//! that is not HTTP), sent over a raw socket: each is answered as a problem too.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::both;
use crate::helpers::*;

/// Sends `request` as it is and reads the answer until the server closes: its status,
/// head (lower case) and the rest.
async fn raw(app: &TestApp, request: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8(answer).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn assert_problem(answer: &(u16, String, String), status: u16, code: &str) {
    let (got, head, body) = answer;
    let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    assert_eq!(*got, status, "{head}\n{body}");
    assert!(head.contains("content-type: application/problem+json"), "{head}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["type"], format!("/problems/{code}"));
    assert_eq!(body["status"], status);
    let id = head
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .unwrap_or_else(|| panic!("no request id: {head}"));
    assert_eq!(body["instance"], format!("urn:switchyard:request:{id}"));
}

async fn a_uri_too_long_is_a_414_problem(app: &TestApp) {
    let path = format!("/api/v1/products?q={}", "a".repeat(70_000));
    let answer = raw(app, format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes()).await;
    assert_problem(&answer, 414, "uri_too_long");
}

async fn headers_too_many_are_a_431_problem(app: &TestApp) {
    let headers: String = (0..150).map(|i| format!("x-h{i}: {i}\r\n")).collect();
    let answer = raw(
        app,
        format!("GET /healthz HTTP/1.1\r\nHost: test\r\n{headers}\r\n").as_bytes(),
    )
    .await;
    assert_problem(&answer, 431, "headers_too_large");
}

async fn a_head_that_is_not_http_is_a_400_problem(app: &TestApp) {
    for request in [
        &b"GET /healthz HTTP/1.1\r\nHost: test\r\nBad Header: x\r\n\r\n"[..],
        b"GET /he\x01lthz HTTP/1.1\r\nHost: test\r\n\r\n",
        b"NOT HTTP AT ALL\r\n\r\n",
    ] {
        let answer = raw(app, request).await;
        assert_problem(&answer, 400, "bad_request");
    }
    // A request that is HTTP is answered by the server as usual, pipelined or not.
    let answer = raw(
        app,
        b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\nGET /nope HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert!(answer.2.contains("HTTP/1.1 404 Not Found\r\n"), "{}", answer.2);
    assert!(answer.2.contains(r#""code":"not_found""#), "{}", answer.2);
}

both!(
    a_uri_too_long_is_a_414_problem,
    headers_too_many_are_a_431_problem,
    a_head_that_is_not_http_is_a_400_problem,
);
