//! Local fakes of the channels' APIs: HTTP servers on loopback that speak each
//! channel's documented wire format (pagination, rate limits, errors, signatures), for
//! tests here and in the server. Each channel's fake is one module in `fake/`.

pub mod ebay;

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub mod amazon;
pub mod shopify;
pub mod woocommerce;

/// A fake serving on a loopback port until dropped.
pub struct Running {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Running {
    /// Serves `router` on a free loopback port.
    pub async fn start(router: Router) -> std::io::Result<Running> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Running { addr, task })
    }

    /// The fake's base URL, to put in a connection.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}
