//! `switchyard`: the one binary. Serves the API, applies migrations, loads demo data,
//! manages API keys and checks that the books balance.

mod channel;
mod config;
mod delivery;
mod demo;
mod forecast;
mod forecast_store;
mod import;
mod logging;
mod mail;
mod replenish;
mod reports;
mod user;

use std::io::Write;
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use jiff::SignedDuration;
use switchyard_core::SystemClock;
use switchyard_core::auth::Role;
use switchyard_server::AppState;
use switchyard_server::limits::{Limits, Rate};
use switchyard_store::Store;

/// mimalloc rather than the system allocator: a request allocates and frees many
/// small buffers from two threads, where glibc's malloc spent ~15 % of the server's
/// CPU time under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(
    name = "switchyard",
    version,
    about = "Order management for sellers on many channels shipping from many places"
)]
struct Cli {
    /// Where data lives: sqlite://FILE or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "SWITCHYARD_DATABASE_URL",
        default_value = "sqlite://switchyard.db"
    )]
    database_url: String,
    /// Log filter, e.g. info or switchyard=debug,sqlx=warn; one that does not parse is refused.
    #[arg(long, global = true, env = "SWITCHYARD_LOG", value_name = "FILTER", default_value = "info", value_parser = logging::parse_filter)]
    log: String,
    /// Log lines as text, or as JSON objects (one a line).
    #[arg(long, global = true, env = "SWITCHYARD_LOG_FORMAT", value_enum, default_value_t = logging::Format::Text)]
    log_format: logging::Format,
    /// A TOML file setting any global flag or `serve` flag (keys are the flags' long
    /// names); flags and environment variables override it.
    #[arg(long, global = true, env = "SWITCHYARD_CONFIG")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply migrations and serve the HTTP API until Ctrl-C or SIGTERM.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "SWITCHYARD_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Fill an empty database with a demo business and print an admin key; a
        /// database that already holds data is refused.
        #[arg(long, env = "SWITCHYARD_DEMO", action = clap::ArgAction::SetTrue, value_parser = clap::builder::BoolishValueParser::new())]
        demo: bool,
        /// With `--demo`: how much history it makes.
        #[command(flatten)]
        demo_size: demo::Size,
        /// The secret EasyPost signs webhooks with; enables `POST /webhooks/easypost`.
        #[arg(long, env = "SWITCHYARD_EASYPOST_WEBHOOK_SECRET", hide_env_values = true)]
        easypost_webhook_secret: Option<String>,
        /// How long an `Idempotency-Key` and its stored response are kept (e.g. `24h`, `90m`).
        #[arg(long, env = "SWITCHYARD_IDEMPOTENCY_TTL", default_value = "24h", value_parser = parse_ttl)]
        idempotency_ttl: SignedDuration,
        #[command(flatten)]
        limits: LimitArgs,
        #[command(flatten)]
        delivery: delivery::DeliveryArgs,
    },
    /// Deliver the outbox (webhooks and customer emails) and push stock to the
    /// channels without serving HTTP, until Ctrl-C or SIGTERM. Any number may run beside the servers on one PostgreSQL.
    Worker {
        #[command(flatten)]
        delivery: delivery::DeliveryArgs,
    },
    /// Sales channels' connections and stock sync.
    #[command(subcommand)]
    Channel(channel::ChannelCommand),
    /// The outbox of events for the outside world.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Apply migrations only.
    Migrate,
    /// Fill an empty database with a demo business (once) and print an admin key.
    Demo {
        #[command(flatten)]
        size: demo::Size,
    },
    /// Manage API keys.
    #[command(name = "api-key", subcommand)]
    ApiKey(ApiKeyCommand),
    /// Manage the people who sign in to the web UI.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Bring orders in from files.
    #[command(subcommand)]
    Import(ImportCommand),
    /// The report roll-ups: rebuild them, or set the time zone they are cut in.
    #[command(subcommand)]
    Reports(reports::ReportsCommand),
    /// Reorder suggestions: backtest the policy over a demand history.
    #[command(subcommand)]
    Replenish(replenish::ReplenishCommand),
    /// Demand forecasts per SKU from a daily-sales CSV, and their backtest; `refresh`
    /// makes the stored forecasts now.
    #[command(subcommand)]
    Forecast(forecast_store::ForecastCli),
    /// Verify the inventory ledger and reservations; exits 1 on any discrepancy.
    Check,
    /// Print the OpenAPI document of the HTTP API.
    Openapi,
    /// Drive a running server with a load of orders, reads and look-ups; report
    /// throughput and latency; verify nothing was lost or oversold.
    Bench(BenchArgs),
}

/// How the server treats its clients (see `switchyard_server::limits::Limits`).
#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// Seconds a client may take to send a request's headers.
    #[arg(long, env = "SWITCHYARD_HEADER_READ_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..),
        default_value_t = Limits::default().header_read_timeout.as_secs())]
    header_read_timeout: u64,
    /// Seconds a connection may sit idle between requests.
    #[arg(long, env = "SWITCHYARD_IDLE_TIMEOUT", value_parser = clap::value_parser!(u64).range(1..),
        default_value_t = Limits::default().idle_timeout.as_secs())]
    idle_timeout: u64,
    /// Connections served at once; more wait to be accepted.
    #[arg(long, env = "SWITCHYARD_MAX_CONNECTIONS", default_value_t = Limits::default().max_connections)]
    max_connections: NonZeroUsize,
    /// Requests with keys that are not valid one client address may send in a burst.
    #[arg(long, env = "SWITCHYARD_AUTH_FAILURE_BURST", default_value_t = Limits::default().auth_failures.burst)]
    auth_failure_burst: NonZeroU32,
    /// Such requests one client address may send each second after its burst.
    #[arg(long, env = "SWITCHYARD_AUTH_FAILURES_PER_SECOND", default_value_t = Limits::default().auth_failures.per_second)]
    auth_failures_per_second: NonZeroU32,
    /// Requests one API key may make each second (off unless set).
    #[arg(long, env = "SWITCHYARD_KEY_RATE_LIMIT")]
    key_rate_limit: Option<NonZeroU32>,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
            max_connections: self.max_connections,
            auth_failures: Rate::new(self.auth_failure_burst, self.auth_failures_per_second),
            key_requests: self.key_rate_limit.map(Rate::per_second),
        }
    }
}

#[derive(Debug, clap::Args)]
struct BenchArgs {
    /// The server to drive.
    #[arg(long, env = "SWITCHYARD_BENCH_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An admin or manager API key of that server.
    #[arg(long, env = "SWITCHYARD_BENCH_KEY")]
    key: String,
    #[arg(long, default_value_t = 1000)]
    skus: usize,
    /// Units received per SKU at each of the two bench locations.
    #[arg(long, default_value_t = 1000)]
    stock: i64,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Orders have 1 to this many lines.
    #[arg(long, default_value_t = 5)]
    max_lines: usize,
    /// Stop after this many operations.
    #[arg(long)]
    operations: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    seconds: Option<u64>,
    /// Shares of placements, availability reads, order look-ups and (optional) order
    /// lists (the newest page of all orders or of the open ones) and order searches (by
    /// customer email), e.g. 80,15,5 or 60,15,5,10,10.
    #[arg(long, default_value = "80,15,5")]
    mix: String,
    /// Zipf exponent of SKU popularity (higher: fewer, hotter SKUs).
    #[arg(long, default_value_t = 1.1)]
    zipf: f64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Also run `switchyard check` on --database-url (the server's database) afterwards.
    #[arg(long)]
    check: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also measure webhook delivery: a receiver on loopback hears every placement
    /// (the server must run with --allow-private-webhook-targets).
    #[arg(long)]
    webhooks: bool,
    /// Also measure a sales channel: connect a fake Shopify shop (in the bench process,
    /// on loopback) selling every SKU, report how long each placement's stock change
    /// takes to reach it, then send it signed orders/create webhooks and report how
    /// many orders a second are taken.
    #[arg(long)]
    channels: bool,
    /// Inbound webhooks sent with --channels, each a new Shopify order.
    #[arg(long, default_value_t = 2000)]
    channel_webhooks: u64,
    /// Time the web UI's pages instead of running the mix: sign in with --ui-email and
    /// --ui-password and ask the dashboard, order lists, a search and order pages this
    /// many times each (docs/benchmarks.md, "Web UI pages").
    #[arg(long, requires_all = ["ui_email", "ui_password"])]
    pages: Option<u64>,
    /// The user --pages signs in as.
    #[arg(long, env = "SWITCHYARD_BENCH_UI_EMAIL")]
    ui_email: Option<String>,
    /// That user's password.
    #[arg(long, env = "SWITCHYARD_BENCH_UI_PASSWORD", hide_env_values = true)]
    ui_password: Option<String>,
    /// Time the reports instead of running the mix: ask each report of the year ending
    /// --reports-to this many times (docs/benchmarks.md, "Reports").
    #[arg(long)]
    reports: Option<u64>,
    /// The last day of the year the reports cover (default: today, UTC).
    #[arg(long)]
    reports_to: Option<jiff::civil::Date>,
}

/// Prints a bench report as a table, or as JSON.
fn print_report(report: &(impl serde::Serialize + std::fmt::Display), json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        println!("{report}");
    }
    Ok(())
}

fn parse_mix(raw: &str) -> anyhow::Result<[u32; 5]> {
    const USAGE: &str = "--mix takes three to five whole numbers like 80,15,5 or 60,15,5,10,10";
    let parts: Vec<u32> = raw
        .split(',')
        .map(|p| p.trim().parse())
        .collect::<Result<_, _>>()
        .context(USAGE)?;
    if !(3..=5).contains(&parts.len()) || parts.iter().all(|&p| p == 0) {
        anyhow::bail!("{USAGE}, not all zero");
    }
    let mut mix = [0; 5];
    mix[..parts.len()].copy_from_slice(&parts);
    Ok(mix)
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Place the orders of a CSV or TSV file (Amazon's unshipped-orders report, or any
    /// layout with --mapping); each problem is reported by row and column, an order
    /// with a bad row is refused whole, and a re-run places nothing twice. Exits 1 when
    /// any row was refused.
    Orders(import::OrdersArgs),
}

#[derive(Debug, Subcommand)]
enum OutboxCommand {
    /// What waits to be dispatched or delivered, per destination, and what died;
    /// exits 1 when a delivery is dead.
    Status,
}

#[derive(Debug, Subcommand)]
enum ApiKeyCommand {
    /// Create a key; the key itself is printed alone on the last line.
    Create {
        #[arg(long)]
        name: String,
        /// admin, manager, warehouse, support or viewer.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke every live key with this name.
    Revoke {
        #[arg(long)]
        name: String,
    },
}

fn parse_role(raw: &str) -> Result<Role, String> {
    Role::parse(raw).map_err(|e| e.message)
}

/// A positive duration such as `24h` or `90m`.
fn parse_ttl(raw: &str) -> Result<SignedDuration, String> {
    match raw.parse::<SignedDuration>() {
        Ok(ttl) if ttl.is_positive() => Ok(ttl),
        Ok(_) => Err("must be longer than zero".into()),
        Err(e) => Err(format!("not a duration such as 24h or 90m: {e}")),
    }
}

async fn open(url: &str) -> anyhow::Result<Store> {
    let store = Store::connect(url, Arc::new(SystemClock))
        .await
        .with_context(|| format!("cannot open {url}"))?;
    store.migrate().await.context("cannot apply migrations")?;
    Ok(store)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            addr,
            demo,
            demo_size,
            easypost_webhook_secret,
            idempotency_ttl,
            limits,
            delivery,
        } => {
            let store = open(&cli.database_url).await?;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            if demo {
                demo::load(&store, Some(listener.local_addr()?), demo_size).await?;
            }
            tracing::info!(addr = %listener.local_addr()?, "serving; API docs at /api/docs");
            let state = AppState::new(store.clone())
                .with_easypost_webhook_secret(easypost_webhook_secret)
                .with_idempotency_ttl(idempotency_ttl)
                .with_limits(limits.limits());
            switchyard_server::serve(listener, delivery.apply(state)?, shutdown_signal()).await?;
            store.close().await;
        }
        Command::Worker { delivery } => {
            let store = open(&cli.database_url).await?;
            delivery::work(store.clone(), &delivery, shutdown_signal()).await?;
            store.close().await;
        }
        Command::Channel(command) => {
            let store = open(&cli.database_url).await?;
            let code = channel::run(&store, command).await;
            store.close().await;
            return code;
        }
        Command::Outbox(OutboxCommand::Status) => {
            let store = open(&cli.database_url).await?;
            return delivery::status(&store).await;
        }
        Command::Migrate => {
            open(&cli.database_url).await?;
            println!("migrations applied");
        }
        Command::Demo { size } => {
            let store = open(&cli.database_url).await?;
            demo::load(&store, None, size).await?;
        }
        Command::Reports(command) => {
            let store = open(&cli.database_url).await?;
            let done = reports::run(&store, command).await;
            store.close().await;
            done?;
        }
        Command::User(command) => {
            let store = open(&cli.database_url).await?;
            let done = user::run(&store, command).await;
            store.close().await;
            done?;
        }
        Command::ApiKey(ApiKeyCommand::Create { name, role }) => {
            let store = open(&cli.database_url).await?;
            let (key, secret) = store.create_api_key(&name, role).await?;
            println!("created API key {} ({}) with role {}", key.id, key.name, key.role);
            println!("{secret}");
        }
        Command::ApiKey(ApiKeyCommand::List) => {
            let store = open(&cli.database_url).await?;
            for key in store.list_api_keys().await? {
                let state = key
                    .revoked_at
                    .map(|t| format!("revoked {t}"))
                    .unwrap_or_else(|| "live".into());
                println!("{}\t{}\t{}\t{}…\t{}", key.id, key.name, key.role, key.prefix, state);
            }
        }
        Command::ApiKey(ApiKeyCommand::Revoke { name }) => {
            let store = open(&cli.database_url).await?;
            let n = store.revoke_api_keys_named(&name).await?;
            println!("revoked {n} key(s) named {name}");
        }
        Command::Replenish(replenish::ReplenishCommand::Backtest(args)) => replenish::run(&args)?,
        Command::Replenish(replenish::ReplenishCommand::Suggest(args)) => {
            let store = open(&cli.database_url).await?;
            let done = replenish::suggest(&store, &args).await;
            store.close().await;
            done?;
        }
        Command::Openapi => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = writeln!(out, "{}", switchyard_server::openapi_json()?)
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e.into());
            }
        }
        Command::Bench(args) => {
            let config = switchyard_bench::Config {
                url: args.url.trim_end_matches('/').to_owned(),
                key: args.key,
                skus: args.skus,
                stock_per_sku: args.stock,
                concurrency: args.concurrency,
                max_lines: args.max_lines,
                operations: args
                    .operations
                    .or(if args.seconds.is_none() { Some(10_000) } else { None }),
                duration: args.seconds.map(Duration::from_secs),
                mix: parse_mix(&args.mix)?,
                zipf: args.zipf,
                seed: args.seed,
                webhooks: args.webhooks,
                channels: args.channels,
                channel_webhooks: args.channel_webhooks,
            };
            if let (Some(requests), Some(email), Some(password)) = (args.pages, args.ui_email, args.ui_password) {
                let login = switchyard_bench::pages::Login { email, password };
                let report = switchyard_bench::pages::measure(&config, &login, requests).await?;
                print_report(&report, args.json)?;
                return Ok(ExitCode::SUCCESS);
            }
            if let Some(requests) = args.reports {
                let to = args.reports_to.unwrap_or_else(|| {
                    switchyard_core::Clock::now(&SystemClock)
                        .to_zoned(jiff::tz::TimeZone::UTC)
                        .date()
                });
                let report = switchyard_bench::reports::measure(&config, to, requests).await?;
                print_report(&report, args.json)?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut report = switchyard_bench::run(&config).await?;
            if args.check {
                let store = open(&cli.database_url).await?;
                let check = store.check().await?;
                report
                    .verification
                    .problems
                    .extend(check.problems.iter().map(|p| format!("switchyard check: {p}")));
            }
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{report}");
            }
            if !report.verification.passed() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Import(ImportCommand::Orders(args)) => {
            let store = open(&cli.database_url).await?;
            let code = import::orders(&store, &args).await;
            store.close().await;
            return code;
        }
        Command::Forecast(forecast_store::ForecastCli::File(command)) => forecast::run(command)?,
        Command::Forecast(forecast_store::ForecastCli::Refresh) => {
            let store = open(&cli.database_url).await?;
            let done = forecast_store::refresh(&store).await;
            store.close().await;
            done?;
        }
        Command::Check => {
            let store = open(&cli.database_url).await?;
            let report = store.check().await?;
            println!(
                "checked {} balances, {} movements, {} reservations, {} orders",
                report.balances, report.movements, report.reservations, report.orders
            );
            if !report.is_clean() {
                for problem in &report.problems {
                    println!("PROBLEM: {problem}");
                }
                println!("{} problem(s) found", report.problems.len());
                return Ok(ExitCode::FAILURE);
            }
            println!("all balances reconcile with the ledger; all reservations belong to open order lines");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = config::parse();
    logging::init(&cli.log, cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
