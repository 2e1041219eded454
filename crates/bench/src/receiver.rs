//! A webhook receiver on loopback for measuring delivery: it answers every POST with
//! 204 (after an optional pause, to stand for a slow receiver) and records what came —
//! the `webhook-id`, the event's type and `timestamp`, and when it arrived — so a run
//! can count what was delivered, find repeats, and measure the lag from event to
//! arrival.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use jiff::Timestamp;
use switchyard_core::{Clock, SystemClock};
use tokio::net::TcpListener;

/// One webhook as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    /// `webhook-id`: the outbox message's id.
    pub id: String,
    pub event_type: String,
    /// The id of the record the event is about (`data.id`).
    pub subject: String,
    /// When the event happened, as the body says.
    pub occurred_at: Option<Timestamp>,
    pub arrived_at: Timestamp,
}

/// A running receiver; it stops when dropped.
pub struct Receiver {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Listens on 127.0.0.1 at a free port, pausing `delay` before each answer.
    pub async fn start(delay: Duration) -> std::io::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| answer(req, log.clone(), delay));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Receiver { addr, received, task })
    }

    /// The URL to register as a webhook endpoint.
    pub fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    req: Request<Incoming>,
    log: Arc<Mutex<Vec<Received>>>,
    delay: Duration,
) -> Result<Response<Empty<Bytes>>, Infallible> {
    let id = req
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = match req.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let event: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let arrived = Received {
        id,
        event_type: event["type"].as_str().unwrap_or_default().to_owned(),
        subject: event["data"]["id"].as_str().unwrap_or_default().to_owned(),
        occurred_at: event["timestamp"].as_str().and_then(|t| t.parse().ok()),
        arrived_at: SystemClock.now(),
    };
    if let Ok(mut log) = log.lock() {
        log.push(arrived);
    }
    let mut response = Response::new(Empty::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    Ok(response)
}
