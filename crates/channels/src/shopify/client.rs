//! The Admin REST calls: the access token on each request, the leaky bucket minded
//! (`X-Shopify-Shop-Api-Call-Limit`), and list endpoints followed page by page through
//! the `Link` header's `rel="next"` cursor.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{ACCEPT, LINK};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Shopify;
use crate::ChannelError;
use crate::http::Reply;

/// The Admin API version used when the connection does not name one.
pub const DEFAULT_API_VERSION: &str = "2025-01";
/// The most records a list endpoint answers per page.
pub const PAGE_LIMIT: usize = 250;
/// Requests kept free in the bucket: with fewer, the next request waits for a leak.
const BUCKET_MARGIN: u64 = 2;

impl Shopify {
    pub(super) fn version(&self) -> &str {
        self.connection.option("api_version").unwrap_or(DEFAULT_API_VERSION)
    }

    /// The address of an Admin API resource (`path` starts with `/`, e.g. `/orders.json`).
    pub(super) fn api(&self, path: &str) -> String {
        self.connection.url(&format!("/admin/api/{}{path}", self.version()))
    }

    /// The address of an Admin API resource with a query.
    pub(super) fn api_query(&self, path: &str, query: &[(&str, &str)]) -> String {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        format!("{}?{query}", self.api(path))
    }

    /// One request, retried by `Http` on 429 and 5xx, paced by the bucket it reports.
    async fn call(&self, method: Method, url: &str, body: Option<&Value>) -> Result<Reply, ChannelError> {
        let token = self.connection.credential("access_token")?;
        let reply = self
            .http
            .send(|client| {
                let request = client
                    .request(method.clone(), url)
                    .header("X-Shopify-Access-Token", token)
                    .header(ACCEPT, "application/json");
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            })
            .await?;
        if let Some(pause) = reply.header("X-Shopify-Shop-Api-Call-Limit").and_then(bucket_pause) {
            tracing::debug!(pause_ms = pause.as_millis() as u64, "shopify call bucket nearly full");
            tokio::time::sleep(pause).await;
        }
        reply.success()
    }

    pub(super) async fn get<T: DeserializeOwned>(&self, url: &str) -> Result<T, ChannelError> {
        self.call(Method::GET, url, None).await?.json()
    }

    pub(super) async fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, ChannelError> {
        self.call(Method::POST, &self.api(path), Some(body)).await?.json()
    }

    /// Every record of a list endpoint: the array under `key` on each page, following
    /// `rel="next"` (whose URL carries only `page_info` and `limit`) to the last page.
    pub(super) async fn pages<T: DeserializeOwned>(&self, first: String, key: &str) -> Result<Vec<T>, ChannelError> {
        let mut items = Vec::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            let reply = self.call(Method::GET, &url, None).await?;
            let mut page: Value = reply.json()?;
            let records = page
                .get_mut(key)
                .map(Value::take)
                .ok_or_else(|| ChannelError::Unreadable(format!("a Shopify page without `{key}`")))?;
            let records: Vec<T> =
                serde_json::from_value(records).map_err(|e| ChannelError::Unreadable(format!("{key}: {e}")))?;
            items.extend(records);
            if let Some(link) = reply
                .headers
                .get(LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(next_link)
            {
                // The token goes only where the connection points.
                if !link.starts_with(&format!("{}/", self.connection.settings.base_url)) {
                    return Err(ChannelError::Unreadable(
                        "Shopify's next page is on another host".into(),
                    ));
                }
                next = Some(link);
            }
        }
        Ok(items)
    }
}

/// The `rel="next"` URL of a `Link` header
/// (`<https://…/orders.json?limit=250&page_info=abc>; rel="next", <…>; rel="previous"`).
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "").eq_ignore_ascii_case("rel=\"next\""));
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_owned())
    })
}

/// How long to wait before the next request when the bucket (`"39/40"`: used of
/// size) is nearly full: the time the bucket takes to leak enough to keep
/// `BUCKET_MARGIN` requests free. Buckets leak their size over 20 seconds (40 at 2 a
/// second, 400 at 20 a second on Shopify Plus).
pub fn bucket_pause(header: &str) -> Option<Duration> {
    let (used, size) = header.trim().split_once('/')?;
    let (used, size): (u64, u64) = (used.trim().parse().ok()?, size.trim().parse().ok()?);
    let over = (used + BUCKET_MARGIN)
        .checked_sub(size)
        .filter(|&n| n > 0 && size > 0)?;
    Some(Duration::from_millis(over * 20_000 / size))
}

/// A Shopify id for a request body: the API takes ids as JSON numbers.
pub fn numeric_id(id: &str, what: &str) -> Result<u64, ChannelError> {
    id.trim()
        .parse()
        .map_err(|_| ChannelError::Config(format!("the Shopify {what} `{id}` is not a number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_is_read_from_the_link_header() {
        let both = "<https://shop.example.com/admin/api/2025-01/orders.json?limit=250&page_info=prev1>; rel=\"previous\", <https://shop.example.com/admin/api/2025-01/orders.json?limit=250&page_info=next2>; rel=\"next\"";
        assert_eq!(
            next_link(both).as_deref(),
            Some("https://shop.example.com/admin/api/2025-01/orders.json?limit=250&page_info=next2")
        );
        let last =
            "<https://shop.example.com/admin/api/2025-01/orders.json?limit=250&page_info=prev1>; rel=\"previous\"";
        assert_eq!(next_link(last), None);
        assert_eq!(next_link(""), None);
    }

    #[test]
    fn a_nearly_full_bucket_slows_the_next_request() {
        assert_eq!(bucket_pause("1/40"), None);
        assert_eq!(bucket_pause("38/40"), None);
        assert_eq!(bucket_pause("39/40"), Some(Duration::from_millis(500)));
        assert_eq!(bucket_pause("40/40"), Some(Duration::from_millis(1000)));
        assert_eq!(bucket_pause("399/400"), Some(Duration::from_millis(50)));
        assert_eq!(bucket_pause("nonsense"), None);
    }

    #[test]
    fn ids_are_sent_as_numbers() {
        assert_eq!(numeric_id("808950810", "inventory item").unwrap(), 808_950_810);
        assert!(numeric_id("gid://shopify/InventoryItem/1", "inventory item").is_err());
    }
}
