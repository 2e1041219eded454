//! Set-up, the operation mix, and verification.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

use switchyard_core::rng::Rng;

use crate::report::Verification;
use crate::{BenchError, Config};

/// Zipf-distributed ranks 0..n: rank k is drawn with weight 1 / (k + 1)^s.
#[derive(Debug, Clone)]
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Self {
        let mut cdf = Vec::with_capacity(n);
        let mut total = 0.0;
        for k in 0..n {
            total += 1.0 / ((k + 1) as f64).powf(s);
            cdf.push(total);
        }
        for c in &mut cdf {
            *c /= total;
        }
        Zipf { cdf }
    }

    pub fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf
            .partition_point(|c| *c < u)
            .min(self.cdf.len().saturating_sub(1))
    }
}

/// What the set-up made.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The run's name, the prefix of everything it made.
    pub run: String,
    /// The two locations' codes.
    pub locations: Vec<String>,
    pub channel: String,
    pub skus: Vec<String>,
    pub received: BTreeMap<String, i64>,
    pub setup_time: Duration,
}

pub(crate) async fn call(
    client: &reqwest::Client,
    config: &Config,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), BenchError> {
    let mut req = client
        .request(method, format!("{}{path}", config.url))
        .bearer_auth(&config.key);
    if let Some(body) = body {
        req = req.json(body);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    let value = res.json::<Value>().await.unwrap_or(Value::Null);
    Ok((status, value))
}

pub(crate) async fn expect(
    client: &reqwest::Client,
    config: &Config,
    path: &str,
    body: Value,
) -> Result<Value, BenchError> {
    let (status, value) = call(client, config, reqwest::Method::POST, path, Some(&body)).await?;
    if status >= 300 {
        return Err(BenchError::Setup(format!("POST {path} answered {status}: {value}")));
    }
    Ok(value)
}

pub async fn setup(client: &reqwest::Client, config: &Config) -> Result<Setup, BenchError> {
    let started = Instant::now();
    // A name of its own for every run, so runs against one server never collide.
    #[allow(clippy::disallowed_methods, reason = "a unique run name, not business time")]
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let run = format!(
        "b{:x}",
        Rng::new(nanos as u64 ^ u64::from(std::process::id())).next_u64() & 0xffff_ffff_ffff
    );
    let run = run.as_str();
    let address = |city: &str| json!({"name": "Bench", "line1": "1 Load Street", "city": city, "postal_code": "LS1 4AP", "country": "GB"});
    let locations = [format!("{run}-A"), format!("{run}-B")];
    for (i, code) in locations.iter().enumerate() {
        expect(
            client,
            config,
            "/api/v1/locations",
            json!({"code": code, "name": code, "kind": "warehouse", "priority": i * 10, "address": address("Leeds")}),
        )
        .await?;
    }
    let channel = format!("{run}-web");
    expect(
        client,
        config,
        "/api/v1/channels",
        json!({"code": channel, "name": channel, "kind": "web", "ship_from": locations, "shortage_policy": "reject"}),
    )
    .await?;
    let skus: Vec<String> = (0..config.skus).map(|i| format!("{run}-SKU{i:06}")).collect();
    let mut received = BTreeMap::new();
    // Set up with bounded parallelism: products, then stock at both locations.
    for chunk in skus.chunks(32) {
        let mut tasks = tokio::task::JoinSet::new();
        for sku in chunk {
            let (client, config, sku, locations) = (client.clone(), config.clone(), sku.clone(), locations.clone());
            tasks.spawn(async move {
                expect(&client, &config, "/api/v1/products", json!({"sku": sku, "title": sku, "weight_grams": 250, "price": {"amount": 1500, "currency": "GBP"}})).await?;
                for location in &locations {
                    expect(&client, &config, "/api/v1/inventory/receipts", json!({"sku": sku, "location": location, "quantity": config.stock_per_sku})).await?;
                }
                Ok::<_, BenchError>(sku)
            });
        }
        while let Some(done) = tasks.join_next().await {
            let sku = done.map_err(|e| BenchError::Setup(e.to_string()))??;
            received.insert(sku, 2 * config.stock_per_sku);
        }
    }
    Ok(Setup {
        run: run.to_owned(),
        locations: locations.to_vec(),
        channel,
        skus,
        received,
        setup_time: started.elapsed(),
    })
}

/// One operation's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    Place,
    Availability,
    Lookup,
    List,
    Search,
}

impl Op {
    pub const ALL: [Op; 5] = [Op::Place, Op::Availability, Op::Lookup, Op::List, Op::Search];

    pub fn name(self) -> &'static str {
        match self {
            Op::Place => "place order",
            Op::Availability => "availability read",
            Op::Lookup => "order look-up",
            Op::List => "order list",
            Op::Search => "order search",
        }
    }
}

/// An accepted placement.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The order's id.
    pub id: String,
    /// The units of each SKU.
    pub lines: Vec<(String, i64)>,
    /// When its answer came.
    pub answered: Instant,
}

/// What the run observed.
#[derive(Debug, Default)]
pub struct Run {
    /// Latencies in microseconds per operation.
    pub latencies: BTreeMap<Op, Vec<u32>>,
    /// Responses by operation and status.
    pub statuses: BTreeMap<(Op, u16), u64>,
    /// Transport errors (no HTTP status).
    pub failures: BTreeMap<Op, u64>,
    /// Accepted orders.
    pub accepted: Vec<Accepted>,
    pub elapsed: Duration,
}

pub async fn drive(client: &reqwest::Client, config: &Config, setup: &Setup) -> Run {
    let zipf = Arc::new(Zipf::new(setup.skus.len(), config.zipf));
    let issued = Arc::new(AtomicU64::new(0));
    let placed_ids: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let deadline = config.duration.map(|d| started + d);
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..config.concurrency {
        let (client, config, setup, zipf, issued, placed_ids) = (
            client.clone(),
            config.clone(),
            setup.clone(),
            zipf.clone(),
            issued.clone(),
            placed_ids.clone(),
        );
        tasks.spawn(async move {
            let mut rng = Rng::new(config.seed.wrapping_mul(31).wrapping_add(worker as u64 + 1));
            let mut run = Run::default();
            let total = config.mix.iter().copied().map(u64::from).sum::<u64>().max(1);
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if config.operations.is_some_and(|max| n >= max) {
                    break;
                }
                let mut roll = rng.below(total);
                let mut op = Op::Place;
                for (candidate, share) in Op::ALL.into_iter().zip(config.mix) {
                    op = candidate;
                    if roll < u64::from(share) {
                        break;
                    }
                    roll -= u64::from(share);
                }
                let begin = Instant::now();
                let outcome = match op {
                    Op::Place => {
                        let lines = 1 + rng.below(config.max_lines.max(1) as u64) as usize;
                        let mut wanted: BTreeMap<String, i64> = BTreeMap::new();
                        for _ in 0..lines {
                            *wanted.entry(setup.skus[zipf.sample(&mut rng)].clone()).or_insert(0) += 1 + rng.below(2) as i64;
                        }
                        let body = json!({
                            "channel": setup.channel,
                            "external_id": format!("w{worker}-{n}"),
                            "currency": "GBP",
                            "customer": {"email": format!("buyer{n}@example.com"), "name": "Load Buyer"},
                            "shipping_address": {"name": "Load Buyer", "line1": "1 High Street", "city": "Leeds", "postal_code": "LS1 4AP", "country": "GB"},
                            "lines": wanted.iter().map(|(sku, q)| json!({"sku": sku, "quantity": q, "unit_price": {"amount": 1500, "currency": "GBP"}})).collect::<Vec<_>>(),
                        });
                        let result = call(&client, &config, reqwest::Method::POST, "/api/v1/orders", Some(&body)).await;
                        if let Ok((201, value)) = &result
                            && let Some(id) = value["id"].as_str()
                        {
                            run.accepted.push(Accepted {
                                id: id.to_owned(),
                                lines: wanted.into_iter().collect(),
                                answered: Instant::now(),
                            });
                            placed_ids.lock().await.push(id.to_owned());
                        }
                        result.map(|(s, _)| s)
                    }
                    Op::Availability => {
                        let sku = &setup.skus[zipf.sample(&mut rng)];
                        call(&client, &config, reqwest::Method::GET, &format!("/api/v1/inventory/levels?sku={sku}"), None).await.map(|(s, _)| s)
                    }
                    Op::Lookup => {
                        let id = {
                            let ids = placed_ids.lock().await;
                            (!ids.is_empty()).then(|| ids[rng.below(ids.len() as u64) as usize].clone())
                        };
                        match id {
                            Some(id) => call(&client, &config, reqwest::Method::GET, &format!("/api/v1/orders/{id}"), None).await.map(|(s, _)| s),
                            None => continue,
                        }
                    }
                    Op::List => {
                        // The newest page of all orders, or of the open ones.
                        let path = if rng.below(2) == 0 {
                            "/api/v1/orders?limit=50"
                        } else {
                            "/api/v1/orders?status=open&limit=50"
                        };
                        call(&client, &config, reqwest::Method::GET, path, None).await.map(|(s, _)| s)
                    }
                    Op::Search => {
                        // One customer's orders, by the email the placements use.
                        let path = format!("/api/v1/orders?q=buyer{}%40&limit=50", rng.below(n.max(1)));
                        call(&client, &config, reqwest::Method::GET, &path, None).await.map(|(s, _)| s)
                    }
                };
                let micros = u32::try_from(begin.elapsed().as_micros()).unwrap_or(u32::MAX);
                run.latencies.entry(op).or_default().push(micros);
                match outcome {
                    Ok(status) => *run.statuses.entry((op, status)).or_insert(0) += 1,
                    Err(_) => *run.failures.entry(op).or_insert(0) += 1,
                }
            }
            run
        });
    }
    let mut total = Run::default();
    while let Some(Ok(run)) = tasks.join_next().await {
        for (op, mut l) in run.latencies {
            total.latencies.entry(op).or_default().append(&mut l);
        }
        for (k, v) in run.statuses {
            *total.statuses.entry(k).or_insert(0) += v;
        }
        for (k, v) in run.failures {
            *total.failures.entry(k).or_insert(0) += v;
        }
        total.accepted.extend(run.accepted);
    }
    total.elapsed = started.elapsed();
    total
}

/// Every record of a cursor-paged list (`path` may carry a query already), 500 a page;
/// a page answered with an error stops the walk and is named in `problems`.
pub(crate) async fn all_pages(
    client: &reqwest::Client,
    config: &Config,
    path: &str,
    problems: &mut Vec<String>,
) -> Result<Vec<Value>, BenchError> {
    let join = if path.contains('?') { '&' } else { '?' };
    let mut records = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(c) => format!("{path}{join}limit=500&cursor={c}"),
            None => format!("{path}{join}limit=500"),
        };
        let (status, mut page) = call(client, config, reqwest::Method::GET, &page_path, None).await?;
        if status != 200 {
            problems.push(format!("GET {path} answered {status}"));
            break;
        }
        if let Value::Array(data) = page["data"].take() {
            records.extend(data);
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    Ok(records)
}

/// Checks the server's books against what the run saw: each accepted order is stored
/// (read back by id), the channel holds exactly the accepted orders, and per SKU the
/// units reserved equal the accepted units and never exceed the stock received.
pub async fn verify(
    client: &reqwest::Client,
    config: &Config,
    setup: &Setup,
    run: &Run,
) -> Result<Verification, BenchError> {
    let mut problems = Vec::new();
    // Orders stored on the channel, by walking the pages.
    let orders = all_pages(
        client,
        config,
        &format!("/api/v1/orders?channel={}", setup.channel),
        &mut problems,
    )
    .await?;
    let stored = orders.len() as u64;
    let seen: std::collections::BTreeSet<&str> = orders.iter().filter_map(|o| o["id"].as_str()).collect();
    let accepted = run.accepted.len() as u64;
    if stored != accepted {
        problems.push(format!("{accepted} orders were accepted but {stored} are stored"));
    }
    let missing = run.accepted.iter().filter(|a| !seen.contains(a.id.as_str())).count();
    if missing > 0 {
        problems.push(format!("{missing} accepted orders are missing from the list"));
    }
    // Units reserved per SKU.
    let mut expected: BTreeMap<&str, i64> = BTreeMap::new();
    for accepted in &run.accepted {
        for (sku, q) in &accepted.lines {
            *expected.entry(sku.as_str()).or_insert(0) += q;
        }
    }
    let mut oversold = 0i64;
    for sku in &setup.skus {
        let (status, levels) = call(
            client,
            config,
            reqwest::Method::GET,
            &format!("/api/v1/inventory/levels?sku={sku}"),
            None,
        )
        .await?;
        if status != 200 {
            problems.push(format!("levels of {sku} answered {status}"));
            continue;
        }
        let reserved: i64 = levels["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["reserved"].as_i64())
            .sum();
        let received = setup.received.get(sku).copied().unwrap_or(0);
        let want = expected.get(sku.as_str()).copied().unwrap_or(0);
        if reserved > received {
            oversold += reserved - received;
            problems.push(format!(
                "{sku}: {reserved} reserved but only {received} received (oversold)"
            ));
        }
        if reserved != want {
            problems.push(format!("{sku}: {reserved} reserved but accepted orders hold {want}"));
        }
    }
    Ok(Verification {
        accepted,
        stored,
        oversold_units: oversold,
        problems,
    })
}
