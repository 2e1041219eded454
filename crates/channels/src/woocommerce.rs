//! WooCommerce: not built yet (the seam's placeholder; its connector replaces this file).

use jiff::Timestamp;
use reqwest::header::HeaderMap;

use crate::http::Http;
use crate::{
    BoxFuture, Cancellation, ChannelError, ChannelStock, Connection, Connector, Fulfilment, Listing, Notice, StockPush,
};

pub struct WooCommerce {
    connection: Connection,
    http: Http,
}

impl WooCommerce {
    pub fn new(connection: Connection, http: Http) -> WooCommerce {
        WooCommerce { connection, http }
    }

    fn missing(&self) -> ChannelError {
        let _ = &self.http;
        ChannelError::Config(format!(
            "the {} connector is not built yet",
            self.connection.kind.as_str()
        ))
    }
}

impl Connector for WooCommerce {
    fn verify(&self, _headers: &HeaderMap, _body: &[u8]) -> Result<(), ChannelError> {
        Err(ChannelError::Forged)
    }

    fn parse(&self, _headers: &HeaderMap, _body: &[u8]) -> Result<Vec<Notice>, ChannelError> {
        Err(self.missing())
    }

    fn check(&self) -> BoxFuture<'_, Result<String, ChannelError>> {
        Box::pin(async move { Err(self.missing()) })
    }

    fn orders_since(&self, _since: Timestamp) -> BoxFuture<'_, Result<Vec<Notice>, ChannelError>> {
        Box::pin(async move { Err(self.missing()) })
    }

    fn order<'a>(&'a self, _external_id: &'a str) -> BoxFuture<'a, Result<Vec<Notice>, ChannelError>> {
        Box::pin(async move { Err(self.missing()) })
    }

    fn listings(&self) -> BoxFuture<'_, Result<Vec<Listing>, ChannelError>> {
        Box::pin(async move { Err(self.missing()) })
    }

    fn push_stock<'a>(&'a self, pushes: &'a [StockPush]) -> BoxFuture<'a, Vec<Result<(), ChannelError>>> {
        Box::pin(async move { pushes.iter().map(|_| Err(self.missing())).collect() })
    }

    fn stock<'a>(&'a self, _listings: &'a [Listing]) -> BoxFuture<'a, Result<Vec<ChannelStock>, ChannelError>> {
        Box::pin(async move { Err(self.missing()) })
    }

    fn push_fulfilment<'a>(&'a self, _fulfilment: &'a Fulfilment) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move { Err(self.missing()) })
    }

    fn push_cancellation<'a>(&'a self, _cancellation: &'a Cancellation) -> BoxFuture<'a, Result<(), ChannelError>> {
        Box::pin(async move { Err(self.missing()) })
    }
}
