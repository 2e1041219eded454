//! One try of a webhook delivery: a signed POST of the event to the endpoint's URL.
//!
//! The request follows the Standard Webhooks specification (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature` with every secret in force, so a receiver
//! mid-rotation accepts either). It takes at most `SEND_TIMEOUT`, follows no redirect
//! (a redirect could lead anywhere, the check below included) and keeps at most
//! `REPLY_MAX` bytes of the answer.
//!
//! Server-side request forgery: the URL's host is resolved and every address judged by
//! `core::webhook::address` before anything is sent. The client connects only through
//! `CheckedResolver`, which resolves and judges again at connection time and hands the
//! connector only the addresses it judged, so a name cannot resolve to a public address
//! for the check and to a private one for the connection. (IP literals never reach a
//! resolver; the check before sending covers them, and they cannot change.) Proxies are
//! off for the same reason: a proxy would resolve the name itself.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Client, StatusCode, Url};
use switchyard_core::delivery::{self, Outcome, REPLY_MAX, SEND_TIMEOUT};
use switchyard_core::webhook::address::{self, Refusal};
use switchyard_core::webhook::signature;

use jiff::Timestamp;
use switchyard_core::delivery::Destination;
use switchyard_core::id::WebhookEndpointId;
use switchyard_core::{Clock, SystemClock};
use switchyard_store::Store;
use switchyard_store::outbox::Report;

use super::{Job, SendFuture, Sender};

/// The `user-agent` of every webhook request, so receivers can tell them apart in
/// their logs.
pub const USER_AGENT: &str = concat!("Switchyard-Webhooks/", env!("CARGO_PKG_VERSION"));

/// The `Sender` of webhook deliveries: loads the endpoint, signs with every secret in
/// force, posts, and tells the store how the endpoint fared, so one failing for
/// `core::webhook::DISABLE_AFTER` is disabled.
pub struct WebhookSender {
    store: Store,
    client: Client,
    allow_private: bool,
    /// The real time, for `webhook-timestamp` (the store's clock is business time,
    /// which tests move by days).
    wall: Arc<dyn Clock>,
}

impl WebhookSender {
    /// A sender for `store`'s endpoints; `allow_private` is
    /// `--allow-private-webhook-targets`.
    pub fn new(store: Store, allow_private: bool) -> reqwest::Result<WebhookSender> {
        Ok(WebhookSender {
            store,
            client: client(allow_private)?,
            allow_private,
            wall: Arc::new(SystemClock),
        })
    }

    async fn deliver(&self, job: &Job) -> Report {
        let started = Instant::now();
        let answer = |outcome, reply: String| Report {
            outcome,
            status_code: None,
            reply: Some(reply),
            latency: started.elapsed(),
        };
        let Destination::Webhook(endpoint) = &job.destination else {
            return answer(Outcome::Skipped, "not a webhook destination".to_owned());
        };
        let target = match self.store.webhook_target(endpoint).await {
            Ok(Some(target)) if target.live => target,
            Ok(_) => return answer(Outcome::Skipped, "the endpoint is disabled or deleted".to_owned()),
            Err(e) => {
                return answer(
                    Outcome::Failed { permanent: false },
                    format!("cannot read the endpoint: {e}"),
                );
            }
        };
        // Which secrets are in force is the store's business time (a rotation's day
        // runs on its clock); the signed timestamp is the real time of sending.
        let now = self.store.now();
        let secrets = target.secrets.secrets_at(now);
        let keys: Vec<&[u8]> = secrets.iter().map(|secret| secret.key()).collect();
        let request = Request {
            url: &target.url,
            keys: &keys,
            message_id: job.message.as_str(),
            body: &job.body,
            sent_at: self.wall.now(),
        };
        let report = post(&self.client, &request, self.allow_private).await;
        self.note(endpoint, report.outcome, now).await;
        report
    }

    /// Tells the store that `endpoint` answered (its failing streak ends) or failed
    /// (the streak starts or goes on; at 5 days the store disables it).
    async fn note(&self, endpoint: &WebhookEndpointId, outcome: Outcome, now: Timestamp) {
        let noted = match outcome {
            Outcome::Delivered => self.store.note_webhook_success(endpoint).await,
            Outcome::Failed { .. } => match self.store.note_webhook_failure(endpoint, now).await {
                Ok(true) => {
                    tracing::warn!(%endpoint, "webhook endpoint disabled: failing for 5 days");
                    Ok(())
                }
                Ok(false) => Ok(()),
                Err(e) => Err(e),
            },
            Outcome::Skipped => Ok(()),
        };
        if let Err(e) = noted {
            tracing::warn!(%endpoint, error = %e, "cannot note how a webhook endpoint fared");
        }
    }
}

impl Sender for WebhookSender {
    fn send<'a>(&'a self, job: &'a Job) -> SendFuture<'a> {
        Box::pin(self.deliver(job))
    }
}

/// Whether a webhook may be sent to `url` now: an `https://` URL (`http://` only with
/// `allow_private`) whose host resolves, and only to addresses `allow_private` allows.
/// The endpoint API calls this when an endpoint is created or its URL changed, and every
/// try calls it again before sending.
pub async fn check_target(url: &str, allow_private: bool) -> Result<(), Refusal> {
    address::scheme_allowed(url, allow_private)?;
    let parsed = Url::parse(url).map_err(|_| Refusal::Malformed)?;
    let host = parsed.host_str().ok_or(Refusal::Malformed)?;
    // The URL parser has already written every form of an IPv4 address (`0x7f.1`,
    // `2130706433`) as four decimal numbers, and an IPv6 one in brackets.
    let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>();
    let resolved = match literal {
        Ok(ip) => vec![ip],
        Err(_) => lookup(host).await?,
    };
    address::addresses_allowed(host, &resolved, allow_private)
}

/// Every address `host` resolves to.
async fn lookup(host: &str) -> Result<Vec<IpAddr>, Refusal> {
    // Port 0: only the addresses matter; the connector puts the URL's port on them.
    match tokio::net::lookup_host((host, 0)).await {
        Ok(found) => Ok(found.map(|addr| addr.ip()).collect()),
        Err(e) => Err(Refusal::Unresolved {
            host: host.to_owned(),
            reason: e.to_string(),
        }),
    }
}

/// The only resolver the webhook client uses: it resolves a name and gives the
/// connector its addresses only if every one of them is allowed.
struct CheckedResolver {
    allow_private: bool,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str();
            let resolved = lookup(host).await?;
            address::addresses_allowed(host, &resolved, allow_private)?;
            let addrs: Addrs = Box::new(resolved.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// The HTTP client webhooks are sent with: one for the process, so connections to a
/// receiver are kept and reused between tries.
pub fn client(allow_private: bool) -> reqwest::Result<Client> {
    Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(SEND_TIMEOUT.unsigned_abs())
        .dns_resolver(Arc::new(CheckedResolver { allow_private }))
        .build()
}

/// One request to an endpoint: where it goes and what it carries.
pub struct Request<'a> {
    pub url: &'a str,
    /// The keys of every secret in force, the newest first.
    pub keys: &'a [&'a [u8]],
    /// The message id, the same on every try so receivers can drop repeats.
    pub message_id: &'a str,
    /// The event as sent: `{"type", "timestamp", "data"}`.
    pub body: &'a serde_json::Value,
    /// The `webhook-timestamp`: the receiver checks it against its own clock to refuse
    /// replays, so it is the real time of sending, not the time of the event.
    pub sent_at: Timestamp,
}

/// Sends `request` with `client` (made by `client(allow_private)`) and reports how it
/// went: 2xx is delivered; 410 Gone fails for good (the receiver says the endpoint is
/// no more); any other answer, a refused target or a connection error fails for now.
pub async fn post(client: &Client, request: &Request<'_>, allow_private: bool) -> Report {
    let started = Instant::now();
    let (outcome, status_code, reply) = match try_post(client, request, allow_private).await {
        Ok((status, head)) => (outcome(status), Some(status.as_u16()), Some(head)),
        Err(error) => (
            Outcome::Failed { permanent: false },
            None,
            Some(delivery::reply(&error).to_owned()),
        ),
    };
    Report {
        outcome,
        status_code,
        reply,
        latency: started.elapsed(),
    }
}

/// What an answer with `status` means for the delivery.
pub fn outcome(status: StatusCode) -> Outcome {
    if status.is_success() {
        Outcome::Delivered
    } else {
        Outcome::Failed {
            permanent: status == StatusCode::GONE,
        }
    }
}

/// The answer's status and the head of its body, or why there was no answer.
async fn try_post(client: &Client, request: &Request<'_>, allow_private: bool) -> Result<(StatusCode, String), String> {
    check_target(request.url, allow_private)
        .await
        .map_err(|refusal| format!("refused: {refusal}"))?;
    if request.keys.is_empty() {
        return Err("the endpoint has no signing secret".to_owned());
    }
    let body = serde_json::to_vec(request.body).map_err(|e| e.to_string())?;
    let timestamp = request.sent_at.as_second();
    let signatures = signature::header(request.keys, request.message_id, timestamp, &body);
    let response = client
        .post(request.url)
        .header(CONTENT_TYPE, "application/json")
        .header(signature::ID_HEADER, request.message_id)
        .header(signature::TIMESTAMP_HEADER, timestamp.to_string())
        .header(signature::SIGNATURE_HEADER, signatures)
        .body(body)
        .send()
        .await
        .map_err(|e| error_text(&e))?;
    let status = response.status();
    Ok((status, head(response).await))
}

/// At most `REPLY_MAX` bytes of the answer's body, as text: enough to see what a
/// receiver said, without reading whatever size it chose to send.
async fn head(mut response: reqwest::Response) -> String {
    let mut head = Vec::new();
    while head.len() < REPLY_MAX {
        match response.chunk().await {
            Ok(Some(chunk)) => head.extend_from_slice(&chunk),
            // The status is what counts; a body cut short is kept as far as it came.
            Ok(None) | Err(_) => break,
        }
    }
    head.truncate(REPLY_MAX);
    delivery::reply(&String::from_utf8_lossy(&head)).to_owned()
}

/// An error with its causes: reqwest's own message ("error sending request") says
/// nothing of what went wrong (refused, timed out, a bad certificate).
fn error_text(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        format!("timed out after {}s", SEND_TIMEOUT.as_secs())
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests;
