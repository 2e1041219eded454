//! Short-lived access tokens got from a long-lived refresh token by the OAuth 2.0
//! refresh-token grant (Amazon's Login with Amazon, eBay), kept until shortly before
//! they expire and fetched again after the channel refuses one.

use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

use crate::ChannelError;
use crate::http::Http;

/// A token is fetched again this long before the channel said it expires.
const EARLY: Duration = Duration::from_secs(60);

/// The client's credentials and where to use them.
#[derive(Debug, Clone)]
pub struct Grant {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    /// How the client authenticates: in the form (LWA) or with HTTP Basic (eBay).
    pub basic_auth: bool,
    pub scope: Option<String>,
}

#[derive(Debug, Clone)]
struct Held {
    token: String,
    until: Instant,
}

/// The access token of one connection.
#[derive(Debug, Default)]
pub struct Tokens {
    held: Mutex<Option<Held>>,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl Tokens {
    /// A token that is still good, fetched with `grant` when none is.
    pub async fn get(&self, http: &Http, grant: &Grant) -> Result<String, ChannelError> {
        let mut held = self.held.lock().await;
        if let Some(h) = held.as_ref().filter(|h| Instant::now() < h.until) {
            return Ok(h.token.clone());
        }
        let fresh = fetch(http, grant).await?;
        let token = fresh.token.clone();
        *held = Some(fresh);
        Ok(token)
    }

    /// Forgets the token the channel just refused, so the next `get` fetches one.
    pub async fn forget(&self) {
        *self.held.lock().await = None;
    }
}

async fn fetch(http: &Http, grant: &Grant) -> Result<Held, ChannelError> {
    let reply = http
        .send(|client| {
            let mut form = vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", grant.refresh_token.as_str()),
            ];
            if let Some(scope) = &grant.scope {
                form.push(("scope", scope));
            }
            let request = client.post(&grant.token_url);
            if grant.basic_auth {
                request
                    .basic_auth(&grant.client_id, Some(&grant.client_secret))
                    .form(&form)
            } else {
                form.push(("client_id", &grant.client_id));
                form.push(("client_secret", &grant.client_secret));
                request.form(&form)
            }
        })
        .await?;
    // A refused refresh token is a 400 (`invalid_grant`) in OAuth 2.0: an `Auth` error.
    let reply = match reply.success() {
        Err(ChannelError::Refused { status: 400, body }) => return Err(ChannelError::Auth(body)),
        other => other?,
    };
    let token: TokenReply = reply.json()?;
    let lifetime = Duration::from_secs(token.expires_in.unwrap_or(3600));
    Ok(Held {
        token: token.access_token,
        until: Instant::now() + lifetime.saturating_sub(EARLY),
    })
}
