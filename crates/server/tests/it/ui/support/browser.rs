//! Real Chromium, headless, driven through chromedriver (Debian's `chromium` and
//! `chromium-driver`; `CHROMEDRIVER` names another driver). Each test starts its own
//! driver on a free port and its own browser profile, and takes screenshots of what it
//! saw: into `target/screenshots/`, or into `docs/screenshots/` (committed, linked from
//! the README) when `SWITCHYARD_SCREENSHOTS=docs`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub struct Browser {
    pub client: Client,
    /// The server the browser talks to, e.g. `http://127.0.0.1:4321`.
    pub base: String,
    driver: Child,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Chromium's switches: headless, no sandbox (CI runs as root), a fixed window.
fn capabilities(javascript: bool) -> serde_json::Map<String, serde_json::Value> {
    let mut args = vec![
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--lang=en-GB",
        "--autoplay-policy=no-user-gesture-required",
    ];
    if !javascript {
        args.push("--blink-settings=scriptEnabled=false");
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), json!({ "args": args }));
    caps
}

impl Browser {
    /// A fresh headless Chromium, 1280×900, pointed at `base`.
    pub async fn start(base: &str) -> Browser {
        Self::launch(base, true).await
    }

    /// The same with JavaScript off, as some customers browse.
    pub async fn without_javascript(base: &str) -> Browser {
        Self::launch(base, false).await
    }

    async fn launch(base: &str, javascript: bool) -> Browser {
        let driver_path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = free_port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver_path} (apt-get install chromium chromium-driver): {e}"));
        let url = format!("http://127.0.0.1:{port}");
        let mut tries = 0;
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities(javascript))
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(_) if tries < 150 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("chromedriver at {url} did not answer: {e}"),
            }
        };
        Browser {
            client,
            base: base.to_owned(),
            driver,
        }
    }

    /// Opens `path` of the server.
    pub async fn open(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    /// The path (and query) the browser is at.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The page's visible text, or `None` while a page is being replaced by the next.
    async fn try_text(&self) -> Option<String> {
        self.client.find(Locator::Css("body")).await.ok()?.text().await.ok()
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        for _ in 0..50 {
            if let Some(text) = self.try_text().await {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page has no body");
    }

    /// Waits (up to 10 s) until the page's text contains `text`; the page's text.
    pub async fn wait_for_text(&self, text: &str) -> String {
        for _ in 0..100 {
            if let Some(body) = self.try_text().await
                && body.contains(text)
            {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never said {text:?}; it says:\n{}", self.text().await);
    }

    /// Waits (up to 10 s) until `css` selects an element.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
    }

    /// Clears the field `css` selects and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Types `keys` into whatever has the focus (as a barcode scanner does).
    pub async fn type_keys(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .unwrap()
            .send_keys(keys)
            .await
            .unwrap();
    }

    /// Clicks the element `css` selects.
    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Whether `css` selects anything on the page.
    pub async fn has(&self, css: &str) -> bool {
        !self.client.find_all(Locator::Css(css)).await.unwrap().is_empty()
    }

    /// Signs in through the form as `email`; waits for the page after it.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.open("/ui/sign-in").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("form button[type=submit]").await;
        for _ in 0..100 {
            if !self.path().await.starts_with("/ui/sign-in") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("still on the sign-in page: {}", self.text().await);
    }

    /// Saves a PNG of the window as `name.png` (see the module's note for where).
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = if std::env::var("SWITCHYARD_SCREENSHOTS").as_deref() == Ok("docs") {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/screenshots")
        } else {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/screenshots")
        };
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }

    /// Closes the browser and its driver.
    pub async fn finish(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that failed before `finish` leaves no driver behind.
        let _ = self.driver.kill();
    }
}
