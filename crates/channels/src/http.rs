//! The HTTP client every connector uses: one request at a time, retried while the
//! channel asks us to wait (429 with `Retry-After`) or fails in a way that may pass
//! (network errors, timeouts, 5xx), then answered as a status and a body for the
//! connector to read.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

use crate::ChannelError;

/// How patient a client is.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// Tries of one request, the first included.
    pub tries: u32,
    /// The longest `Retry-After` waited out; a longer one is `RateLimited` at once.
    pub max_wait: Duration,
    /// The pause before the second try after a failure; doubled for each later one.
    pub backoff: Duration,
    /// How long one try may take.
    pub timeout: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            tries: 4,
            max_wait: Duration::from_secs(30),
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(30),
        }
    }
}

/// The longest body read from a channel's reply (a page of orders).
const BODY_MAX: usize = 32 * 1024 * 1024;
/// How much of a refusal's body an error keeps.
const ERROR_BODY_MAX: usize = 500;

/// A channel's reply: its status, headers and body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON of type `T`, or why not.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ChannelError> {
        serde_json::from_slice(&self.body).map_err(|e| ChannelError::Unreadable(e.to_string()))
    }

    /// A header's value as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// This reply if it is a success; otherwise the error its status means: 401 and
    /// 403 `Auth`, other 4xx `Refused` (429 only reaches here when the retries ran out).
    pub fn success(self) -> Result<Reply, ChannelError> {
        if self.status.is_success() {
            return Ok(self);
        }
        let body: String = String::from_utf8_lossy(&self.body)
            .chars()
            .take(ERROR_BODY_MAX)
            .collect();
        Err(match self.status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ChannelError::Auth(body),
            s if s.is_server_error() => ChannelError::Unavailable(format!("{s}: {body}")),
            s => ChannelError::Refused {
                status: s.as_u16(),
                body,
            },
        })
    }
}

/// The client: cheap to clone, shares one connection pool.
#[derive(Debug, Clone)]
pub struct Http {
    client: Client,
    patience: Patience,
}

impl Http {
    pub fn new(patience: Patience) -> Result<Http, ChannelError> {
        let client = Client::builder()
            .timeout(patience.timeout)
            .user_agent(concat!("switchyard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ChannelError::Config(format!("cannot build an HTTP client: {e}")))?;
        Ok(Http { client, patience })
    }

    /// Sends the request `build` makes, again (built afresh) while the channel says to
    /// wait or fails in a way that may pass, up to `Patience::tries`. Answers the first
    /// reply that is neither, or the last one; a network error on the last try is
    /// `Unavailable`, and a `Retry-After` longer than `max_wait` is `RateLimited`.
    pub async fn send(&self, build: impl Fn(&Client) -> RequestBuilder) -> Result<Reply, ChannelError> {
        let mut pause = self.patience.backoff;
        for attempt in 1..=self.patience.tries {
            let last = attempt == self.patience.tries;
            let wait = match build(&self.client).send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    let body = read_body(response).await?;
                    let reply = Reply { status, headers, body };
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        let retry_after = retry_after(&reply.headers).unwrap_or(pause);
                        if last || retry_after > self.patience.max_wait {
                            return Err(ChannelError::RateLimited { retry_after });
                        }
                        tracing::debug!(retry_after_ms = retry_after.as_millis() as u64, "channel rate limit");
                        retry_after
                    } else if status.is_server_error() && !last {
                        pause
                    } else {
                        return Ok(reply);
                    }
                }
                Err(e) if last => return Err(ChannelError::Unavailable(without_url(&e))),
                Err(_) => pause,
            };
            tokio::time::sleep(wait).await;
            pause = pause.saturating_mul(2);
        }
        Err(ChannelError::Unavailable("no try was made".into()))
    }
}

async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, ChannelError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ChannelError::Unavailable(without_url(&e)))?
    {
        if body.len() + chunk.len() > BODY_MAX {
            return Err(ChannelError::Unreadable(format!("the reply is over {BODY_MAX} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// An error's text without the URL (which may carry a query with an id or a token).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    match e.url().and_then(|u| u.host_str()) {
        Some(host) => format!("{kind} ({host})"),
        None => kind.to_owned(),
    }
}

/// `Retry-After` as seconds (`"2"`, `"2.0"` as Shopify writes it) or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(86_400.0)));
    }
    let when = jiff::fmt::rfc2822::parse(text).ok()?.timestamp();
    let now = switchyard_core::Clock::now(&switchyard_core::SystemClock);
    Some(Duration::try_from(when.duration_since(now)).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, value.parse().unwrap());
        h
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date() {
        assert_eq!(retry_after(&with("2")), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(&with("2.0")), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(&with("0.5")), Some(Duration::from_millis(500)));
        assert_eq!(
            retry_after(&with("Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::ZERO),
            "a past date"
        );
        assert_eq!(retry_after(&with("soon")), None);
        assert_eq!(retry_after(&with("-1")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
