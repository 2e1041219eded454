//! The sender against a real HTTP receiver on loopback (an axum app on 127.0.0.1:0):
//! the headers and signature it sends, what each answer means, the cap on replies, and
//! the SSRF checks before sending and at connection time.

use std::sync::Mutex;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post as route_post;
use switchyard_core::webhook::address::AddressClass;
use switchyard_core::{Clock, SystemClock};

use super::*;

/// What the receiver got: each request's headers and body.
#[derive(Default)]
struct Received(Mutex<Vec<(HeaderMap, Bytes)>>);

impl Received {
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// A receiver on a free loopback port answering `/ok` 200, `/fail` 500, `/gone` 410,
/// `/redirect` 307 to `/ok`, `/big` 200 with a megabyte; returns its base URL.
async fn receiver() -> (String, Arc<Received>) {
    let received = Arc::new(Received::default());
    let record = |answer: fn() -> Response| {
        let received = received.clone();
        move |headers: HeaderMap, body: Bytes| async move {
            received.0.lock().unwrap().push((headers, body));
            answer()
        }
    };
    let app = Router::new()
        .route("/ok", route_post(record(|| "thanks".into_response())))
        .route(
            "/fail",
            route_post(record(|| (AxumStatus::INTERNAL_SERVER_ERROR, "boom").into_response())),
        )
        .route("/gone", route_post(record(|| AxumStatus::GONE.into_response())))
        .route(
            "/redirect",
            route_post(record(|| Redirect::temporary("/ok").into_response())),
        )
        .route("/big", route_post(record(|| "é".repeat(500_000).into_response())));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), received)
}

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

fn body() -> serde_json::Value {
    serde_json::json!({"type": "order.placed", "timestamp": "2026-12-06T12:00:00Z", "data": {"id": "SO-1", "note": "é"}})
}

async fn send(url: &str, keys: &[&[u8]], allow_private: bool) -> Report {
    let client = client(allow_private).unwrap();
    let body = body();
    let request = Request {
        url,
        keys,
        message_id: "msg_1",
        body: &body,
        sent_at: SystemClock.now(),
    };
    post(&client, &request, allow_private).await
}

#[tokio::test]
async fn a_webhook_carries_the_standard_headers_and_verifies_with_every_secret_in_force() {
    let (base, received) = receiver().await;
    let old = b"the old secret, still in force".as_slice();
    let report = send(&format!("{base}/ok"), &[KEY, old], true).await;
    assert_eq!(report.outcome, Outcome::Delivered);
    assert_eq!(report.status_code, Some(200));
    assert_eq!(report.reply.as_deref(), Some("thanks"));

    let requests = received.0.lock().unwrap();
    let (headers, sent) = &requests[0];
    let header = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/json");
    assert_eq!(header("user-agent"), USER_AGENT);
    assert_eq!(header("webhook-id"), "msg_1");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(sent).unwrap(), body());
    let timestamp: i64 = header("webhook-timestamp").parse().unwrap();
    assert!(
        (timestamp - SystemClock.now().as_second()).abs() < 60,
        "the real time of sending"
    );
    let signatures = header("webhook-signature");
    assert_eq!(signatures.split(' ').count(), 2);
    for key in [KEY, old] {
        assert_eq!(
            signature::verify(key, "msg_1", timestamp, sent, &signatures, SystemClock.now()),
            Ok(())
        );
    }
}

#[tokio::test]
async fn a_2xx_delivers_410_fails_for_good_and_other_answers_fail_for_now() {
    let (base, received) = receiver().await;
    let fail = send(&format!("{base}/fail"), &[KEY], true).await;
    assert_eq!(fail.outcome, Outcome::Failed { permanent: false });
    assert_eq!((fail.status_code, fail.reply.as_deref()), (Some(500), Some("boom")));
    let gone = send(&format!("{base}/gone"), &[KEY], true).await;
    assert_eq!(
        (gone.outcome, gone.status_code),
        (Outcome::Failed { permanent: true }, Some(410))
    );
    assert_eq!(received.count(), 2);
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_counts_as_a_failure() {
    let (base, received) = receiver().await;
    let report = send(&format!("{base}/redirect"), &[KEY], true).await;
    assert_eq!(report.outcome, Outcome::Failed { permanent: false });
    assert_eq!(report.status_code, Some(307));
    assert_eq!(received.count(), 1, "only the redirecting route was called");
}

#[tokio::test]
async fn only_the_head_of_a_long_answer_is_kept() {
    let (base, _) = receiver().await;
    let report = send(&format!("{base}/big"), &[KEY], true).await;
    assert_eq!(report.outcome, Outcome::Delivered);
    let reply = report.reply.unwrap();
    assert!(
        reply.len() <= REPLY_MAX && reply.len() >= REPLY_MAX - 4,
        "{}",
        reply.len()
    );
    assert!(reply.chars().all(|c| c == 'é'), "cut on a character boundary");
}

#[tokio::test]
async fn a_receiver_that_is_not_listening_fails_for_now_with_the_connection_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let report = send(&format!("http://{addr}/ok"), &[KEY], true).await;
    assert_eq!(report.outcome, Outcome::Failed { permanent: false });
    assert_eq!(report.status_code, None);
    let reply = report.reply.unwrap();
    assert!(reply.contains("onnection refused"), "{reply}");
}

#[tokio::test]
async fn a_private_target_is_refused_before_anything_is_sent_without_the_flag() {
    let (base, received) = receiver().await;
    let https = base.replace("http://", "https://");
    let report = send(&format!("{https}/ok"), &[KEY], false).await;
    assert_eq!(report.outcome, Outcome::Failed { permanent: false });
    assert_eq!(report.status_code, None);
    let reply = report.reply.unwrap();
    assert!(
        reply.starts_with("refused: the host resolves to 127.0.0.1, a loopback address"),
        "{reply}"
    );
    let plain = send(&format!("{base}/ok"), &[KEY], false).await;
    assert!(plain.reply.unwrap().starts_with("refused: http:// is allowed only"));
    assert_eq!(received.count(), 0);
}

#[tokio::test]
async fn an_endpoint_without_a_secret_is_not_sent_to() {
    let (base, received) = receiver().await;
    let report = send(&format!("{base}/ok"), &[], true).await;
    assert_eq!(report.outcome, Outcome::Failed { permanent: false });
    assert_eq!(received.count(), 0);
}

#[tokio::test]
async fn the_issues_ssrf_targets_are_refused_at_the_check_without_the_flag() {
    let target = |address: &str, class| {
        Err(Refusal::Target {
            address: address.parse().unwrap(),
            class,
        })
    };
    for (url, expected) in [
        ("https://127.0.0.1/in", target("127.0.0.1", AddressClass::Loopback)),
        ("https://10.0.0.1/in", target("10.0.0.1", AddressClass::Private)),
        (
            "https://169.254.169.254/latest/meta-data",
            target("169.254.169.254", AddressClass::Metadata),
        ),
        ("https://[::1]:8443/in", target("::1", AddressClass::Loopback)),
        ("https://0x7f.1/in", target("127.0.0.1", AddressClass::Loopback)),
        ("https://2130706433/in", target("127.0.0.1", AddressClass::Loopback)),
        (
            "https://[::ffff:10.0.0.1]/in",
            target("::ffff:10.0.0.1", AddressClass::Private),
        ),
        ("http://93.184.216.34/in", Err(Refusal::Insecure)),
        ("ftp://93.184.216.34/in", Err(Refusal::Scheme)),
        ("https://exa mple.com/in", Err(Refusal::Malformed)),
        ("https://93.184.216.34/in", Ok(())),
    ] {
        assert_eq!(check_target(url, false).await, expected, "{url}");
    }
    let localhost = check_target("https://localhost/in", false).await;
    assert!(
        matches!(
            localhost,
            Err(Refusal::Target {
                class: AddressClass::Loopback,
                ..
            })
        ),
        "{localhost:?}"
    );
    for url in [
        "http://127.0.0.1/in",
        "https://10.0.0.1",
        "http://localhost:9/in",
        "https://[::1]/",
    ] {
        assert_eq!(check_target(url, true).await, Ok(()), "{url}");
    }
    assert!(
        check_target("https://169.254.169.254/", true).await.is_err(),
        "the metadata service, even with the flag"
    );
}

#[tokio::test]
async fn the_clients_resolver_hands_the_connector_no_forbidden_address() {
    let refusing = CheckedResolver { allow_private: false };
    let refused = refusing.resolve("localhost".parse().unwrap()).await;
    assert!(refused.err().unwrap().to_string().contains("a loopback address"));
    let allowing = CheckedResolver { allow_private: true };
    let addrs: Vec<SocketAddr> = allowing.resolve("localhost".parse().unwrap()).await.unwrap().collect();
    assert!(
        !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()),
        "{addrs:?}"
    );
}

#[tokio::test]
async fn the_client_without_the_flag_will_not_connect_to_a_name_for_loopback() {
    // The check before sending is skipped here, as if DNS had changed since: the
    // resolver alone must keep the connection off loopback.
    let (base, received) = receiver().await;
    let port = base.rsplit(':').next().unwrap();
    let refused = client(false)
        .unwrap()
        .post(format!("http://localhost:{port}/ok"))
        .send()
        .await
        .unwrap_err();
    assert!(
        error_text(&refused).contains("a loopback address"),
        "{}",
        error_text(&refused)
    );
    assert_eq!(received.count(), 0);
}
