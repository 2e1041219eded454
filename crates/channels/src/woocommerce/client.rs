//! WooCommerce REST API v3 calls: HTTP Basic auth with the consumer key and secret,
//! collections read page by page up to `X-WP-TotalPages`, stock set in batches.

use reqwest::{Client, Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::model::{Batch, BatchReply, Note, Order, Product, StatusChange, StockUpdate};
use crate::http::{Http, Reply};
use crate::{ChannelError, Connection};

/// The most WooCommerce answers per page, and takes per batch call.
pub const PAGE_MAX: usize = 100;

/// The API of one store.
pub struct Api<'a> {
    pub connection: &'a Connection,
    pub http: &'a Http,
}

impl Api<'_> {
    /// `{base_url}/wp-json/wc/v3{path}` (a base URL stored with a trailing `/` too).
    fn url(&self, path: &str) -> String {
        format!(
            "{}/wp-json/wc/v3{path}",
            self.connection.settings.base_url.trim_end_matches('/')
        )
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
    ) -> Result<Reply, ChannelError> {
        let key = self.connection.credential("consumer_key")?;
        let secret = self.connection.credential("consumer_secret")?;
        let url = self.url(path);
        let build = |client: &Client| -> RequestBuilder {
            let request = client
                .request(method.clone(), &url)
                .basic_auth(key, Some(secret))
                .query(query);
            match body {
                Some(body) => request.json(body),
                None => request,
            }
        };
        self.http.send(build).await?.success()
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T, ChannelError> {
        self.send(Method::GET, path, query, None).await?.json()
    }

    async fn write<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, ChannelError> {
        let body = serde_json::to_value(body).map_err(|e| ChannelError::Unreadable(e.to_string()))?;
        self.send(method, path, &[], Some(&body)).await?.json()
    }

    /// Every element of a collection: pages of `PAGE_MAX` from the first until
    /// `X-WP-TotalPages` (or an empty page, should the header be missing).
    pub async fn every<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<T>, ChannelError> {
        let mut all = Vec::new();
        let mut page: u64 = 1;
        loop {
            let mut q = query.to_vec();
            q.push(("per_page", PAGE_MAX.to_string()));
            q.push(("page", page.to_string()));
            let reply = self.send(Method::GET, path, &q, None).await?;
            let total_pages = reply
                .header("x-wp-totalpages")
                .and_then(|t| t.trim().parse::<u64>().ok());
            let items: Vec<T> = reply.json()?;
            let empty = items.is_empty();
            all.extend(items);
            match total_pages {
                Some(total) if page < total => {}
                None if !empty => {}
                _ => return Ok(all),
            }
            page += 1;
        }
    }

    /// How many orders the store has (`X-WP-Total` of a one-order page).
    pub async fn order_count(&self) -> Result<Option<u64>, ChannelError> {
        let q = [("per_page", "1".to_owned())];
        let reply = self.send(Method::GET, "/orders", &q, None).await?;
        Ok(reply.header("x-wp-total").and_then(|t| t.trim().parse().ok()))
    }

    pub async fn order(&self, id: u64) -> Result<Order, ChannelError> {
        self.get(&format!("/orders/{id}"), &[]).await
    }

    pub async fn set_status(&self, id: u64, status: &str) -> Result<(), ChannelError> {
        let _: serde_json::Value = self
            .write(Method::PUT, &format!("/orders/{id}"), &StatusChange { status })
            .await?;
        Ok(())
    }

    pub async fn notes(&self, id: u64) -> Result<Vec<Note>, ChannelError> {
        self.get(&format!("/orders/{id}/notes"), &[]).await
    }

    pub async fn add_note(&self, id: u64, note: &Note) -> Result<(), ChannelError> {
        let _: serde_json::Value = self.write(Method::POST, &format!("/orders/{id}/notes"), note).await?;
        Ok(())
    }

    /// Products (`parent` `None`) or one product's variations.
    pub async fn products(&self, parent: Option<u64>, query: &[(&str, String)]) -> Result<Vec<Product>, ChannelError> {
        self.every(&products_path(parent), query).await
    }

    /// One batch call (at most `PAGE_MAX` updates) to products or a product's
    /// variations: each update's result, in the order sent.
    pub async fn batch(&self, parent: Option<u64>, updates: &[StockUpdate]) -> Vec<Result<(), ChannelError>> {
        let path = format!("{}/batch", products_path(parent));
        let reply: BatchReply = match self.write(Method::POST, &path, &Batch { update: updates }).await {
            Ok(reply) => reply,
            Err(e) => return updates.iter().map(|_| Err(e.clone())).collect(),
        };
        updates
            .iter()
            .enumerate()
            .map(|(i, sent)| match reply.update.get(i) {
                Some(item) => match &item.error {
                    Some(error) => Err(ChannelError::Refused {
                        status: error.data.as_ref().and_then(|d| d.status).unwrap_or(400),
                        body: format!("{}: {}", error.code, error.message),
                    }),
                    None if item.id == Some(sent.id) => Ok(()),
                    None => Err(ChannelError::Unreadable(format!(
                        "the batch answered for another product than {}",
                        sent.id
                    ))),
                },
                None => Err(ChannelError::Unreadable(format!(
                    "the batch did not answer for product {}",
                    sent.id
                ))),
            })
            .collect()
    }
}

fn products_path(parent: Option<u64>) -> String {
    match parent {
        Some(id) => format!("/products/{id}/variations"),
        None => "/products".to_owned(),
    }
}
