//! Page timings of the staff web UI (`switchyard bench --pages N`): signs in as a
//! user through the sign-in form, then asks each of the pages a seller's staff open
//! all day N times from `concurrency` clients — the dashboard, the newest page of the
//! order list, open orders, a search by customer email, and the pages of orders picked
//! at random from the newest thousand — and reports each page's latency percentiles.
//! Every answer must be a whole page (200, HTML); anything else is counted by status.

use std::fmt;
use std::sync::Arc;

use crate::report::{OpReport, write_operations};
use crate::timing::{Gets, time_gets};
use crate::{BenchError, Config};
use serde::Serialize;

/// A user of the server to sign in as (any role that may read).
#[derive(Debug, Clone)]
pub struct Login {
    pub email: String,
    pub password: String,
}

/// The pages' timings.
#[derive(Debug, Serialize)]
pub struct PagesReport {
    pub concurrency: usize,
    /// Orders the server lists (the newest thousand at most were sampled).
    pub orders_sampled: usize,
    pub pages: Vec<OpReport>,
}

/// The pages asked, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Page {
    Dashboard,
    List,
    OpenOrders,
    Search,
    Order,
}

impl Page {
    const ALL: [Page; 5] = [Page::Dashboard, Page::List, Page::OpenOrders, Page::Search, Page::Order];

    fn name(self) -> &'static str {
        match self {
            Page::Dashboard => "dashboard (/ui)",
            Page::List => "order list, newest page",
            Page::OpenOrders => "order list, open orders",
            Page::Search => "order list, search by email",
            Page::Order => "order page",
        }
    }
}

fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + 19;
    html[at..].split('"').next().map(str::to_owned)
}

async fn sign_in(client: &reqwest::Client, url: &str, login: &Login) -> Result<(), BenchError> {
    let form = client.get(format!("{url}/ui/sign-in")).send().await?.text().await?;
    let csrf = csrf_of(&form).ok_or_else(|| BenchError::Setup("the sign-in page has no form token".into()))?;
    let signed = client
        .post(format!("{url}/ui/sign-in"))
        .form(&[
            ("email", login.email.as_str()),
            ("password", login.password.as_str()),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await?;
    if signed.status() != reqwest::StatusCode::SEE_OTHER {
        return Err(BenchError::Setup(format!(
            "signing in as {} answered {}",
            login.email,
            signed.status()
        )));
    }
    Ok(())
}

/// The ids and customer emails of the newest orders (up to a thousand), over the API.
async fn sample(client: &reqwest::Client, config: &Config) -> Result<Vec<(String, String)>, BenchError> {
    let mut orders = Vec::new();
    let mut cursor: Option<String> = None;
    while orders.len() < 1000 {
        let mut req = client
            .get(format!("{}/api/v1/orders", config.url))
            .bearer_auth(&config.key)
            .query(&[("limit", "200")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c.as_str())]);
        }
        let page: serde_json::Value = req.send().await?.error_for_status()?.json().await?;
        for o in page["data"].as_array().into_iter().flatten() {
            if let Some(id) = o["id"].as_str() {
                let email = o["customer_email"].as_str().or(o["customer"]["email"].as_str());
                orders.push((id.to_owned(), email.unwrap_or("").to_owned()));
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    if orders.is_empty() {
        return Err(BenchError::Setup("the server has no orders to open".into()));
    }
    Ok(orders)
}

fn path(page: Page, order: &(String, String)) -> String {
    match page {
        Page::Dashboard => "/ui".into(),
        Page::List => "/ui/orders".into(),
        Page::OpenOrders => "/ui/orders?status=open".into(),
        Page::Search => {
            let email: String = url_encode(&order.1);
            format!("/ui/orders?q={email}")
        }
        Page::Order => format!("/ui/orders/{}", order.0),
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Asks each page `requests` times from `config.concurrency` clients signed in as `login`.
pub async fn measure(config: &Config, login: &Login, requests: u64) -> Result<PagesReport, BenchError> {
    if requests == 0 || config.concurrency == 0 {
        return Err(BenchError::Config(
            "--pages and --concurrency must be at least 1".into(),
        ));
    }
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(config.concurrency)
        .build()?;
    sign_in(&client, &config.url, login).await?;
    let orders = Arc::new(sample(&client, config).await?);
    let mut pages = Vec::new();
    for page in Page::ALL {
        pages.push(time_page(&client, config, page, requests, &orders).await);
    }
    Ok(PagesReport {
        concurrency: config.concurrency,
        orders_sampled: orders.len(),
        pages,
    })
}

/// Whether a page's body is a whole HTML page.
fn whole_page(body: &str) -> Option<&'static str> {
    (!body.starts_with("<!doctype html>")).then_some("not html")
}

async fn time_page(
    client: &reqwest::Client,
    config: &Config,
    page: Page,
    requests: u64,
    orders: &Arc<Vec<(String, String)>>,
) -> OpReport {
    let orders = orders.clone();
    let gets = Gets {
        name: page.name(),
        base: config.url.clone(),
        requests,
        concurrency: config.concurrency,
        seed: config.seed,
        bearer: None,
        path: Arc::new(move |rng| path(page, &orders[rng.below(orders.len() as u64) as usize])),
        check: whole_page,
    };
    time_gets(client, gets).await
}

impl fmt::Display for PagesReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "web UI pages, {} clients, {} orders sampled",
            self.concurrency, self.orders_sampled
        )?;
        write_operations(f, &self.pages)
    }
}
