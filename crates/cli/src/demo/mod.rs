//! Demo data: a small seller with a warehouse in London, a 3PL in New Jersey and a
//! shop in Berlin, four channels, 55 SKUs, and a year of history ending now: about
//! 3,800 orders placed, shipped, delivered (some late), cancelled, returned
//! and claimed against, and the purchase orders that kept the shelves stocked
//! (`history`). Deterministic (seeded), and loaded once, into an empty database only:
//! a second run adds nothing but a fresh admin key, and a database that holds
//! anything else is refused.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use switchyard_core::ManualClock;
use switchyard_core::auth::Role;
use switchyard_core::catalog::{
    AddressInput, ChannelInput, ChannelKind, LocationInput, LocationKind, ProductInput, ShortagePolicy,
};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::ServiceLevel;
use switchyard_core::payment::{CaptureMode, PaymentProvider};
use switchyard_core::rng::Rng;
use switchyard_core::routing::SplitPolicy;
use switchyard_core::routing::zone::ZoneInput;
use switchyard_store::{Store, StoreError};

mod aftercare;
mod catalog;
mod customers;
mod floor;
mod history;
mod orders;
mod season;
mod supply;

use catalog::{catalog, ean13};
use history::History;

const MARKER: &str = "demo";
const ACTOR: &str = "demo";

fn address(name: &str, line1: &str, city: &str, region: Option<&str>, postal: &str, country: &str) -> AddressInput {
    AddressInput {
        name: Some(name.into()),
        line1: Some(line1.into()),
        city: Some(city.into()),
        region: region.map(Into::into),
        postal_code: Some(postal.into()),
        country: Some(country.into()),
        ..Default::default()
    }
}

/// Where each demo location ships, what it costs (in the seller's pounds) and how long it takes.
fn zones(code: &str, gbp: Currency) -> Vec<ZoneInput> {
    let zone = |country: &str, level: ServiceLevel, cost: i64, per_kg: i64, days: i64| ZoneInput {
        country: Some(country.into()),
        region: None,
        postal_prefix: None,
        service_level: Some(level),
        cost_per_shipment: Some(Money::new(cost, gbp)),
        cost_per_kg: Some(Money::new(per_kg, gbp)),
        transit_days: Some(days),
    };
    match code {
        "LON" => vec![
            zone("GB", ServiceLevel::Standard, 395, 40, 2),
            zone("GB", ServiceLevel::Express, 695, 60, 1),
            zone("GB", ServiceLevel::NextDay, 995, 80, 1),
            zone("DE", ServiceLevel::Standard, 950, 150, 4),
            zone("IE", ServiceLevel::Standard, 700, 120, 3),
            zone("FR", ServiceLevel::Standard, 950, 150, 4),
            zone("NL", ServiceLevel::Standard, 950, 150, 3),
            zone("US", ServiceLevel::Standard, 1500, 300, 6),
        ],
        "NJ-3PL" => vec![
            zone("US", ServiceLevel::Standard, 480, 60, 3),
            zone("US", ServiceLevel::Express, 1100, 90, 2),
            zone("GB", ServiceLevel::Standard, 2000, 400, 7),
        ],
        _ => vec![
            zone("DE", ServiceLevel::Standard, 390, 30, 2),
            zone("DE", ServiceLevel::Express, 690, 50, 1),
        ],
    }
}

async fn ensure<T>(created: Result<T, StoreError>) -> anyhow::Result<()> {
    match created {
        Ok(_) | Err(StoreError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The demo's admin, who signs in to the web UI.
const DEMO_ADMIN: &str = "admin@example.com";

/// How much history the demo makes.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Size {
    /// Days of demo history, ending now.
    #[arg(long, env = "SWITCHYARD_DEMO_HISTORY_DAYS", default_value_t = 365, value_parser = clap::value_parser!(u16).range(1..=730))]
    pub history_days: u16,
    /// Demo orders on an ordinary day (the seasons, the week and promotions move it);
    /// 11 makes about 3,800 in a year.
    #[arg(long, env = "SWITCHYARD_DEMO_ORDERS_PER_DAY", default_value_t = 11, value_parser = clap::value_parser!(u16).range(1..=200))]
    pub orders_per_day: u16,
}

/// Loads the demo once (with `size`'s history, ending now), then prints a fresh password for its admin user (on stderr,
/// with where to sign in: `addr` when serving) and a fresh admin key (alone on stdout).
pub async fn load(store: &Store, addr: Option<SocketAddr>, size: Size) -> anyhow::Result<()> {
    if store.has_marker(MARKER).await? {
        eprintln!("demo data already loaded; not adding it again");
    } else {
        // Demo orders among real ones, and a live admin key, would be a disaster.
        if !store.is_empty().await? {
            anyhow::bail!(
                "this database already holds data (API keys, locations, products or orders); \
                 the demo loads only into an empty database: give it a new one with --database-url"
            );
        }
        // A year of history is tens of thousands of commits: on SQLite they do not wait
        // for the disk while the demo loads (a crash leaves no demo marker, and the
        // demo refuses a database that holds data: load it again into a new one).
        store.set_durable_commits(false).await?;
        let loaded = populate(store, size).await.context("loading demo data");
        store.set_durable_commits(true).await?;
        loaded?;
        store.set_marker(MARKER).await?;
    }
    let password = crate::user::with_new_password(store, "Demo Admin", DEMO_ADMIN, Role::Admin).await?;
    let at = addr.map_or_else(|| "/ui of the server".to_owned(), |a| format!("http://{a}/ui"));
    eprintln!("demo sign-in: {at}  {DEMO_ADMIN} / {password}");
    store.revoke_api_keys_named("demo admin").await?;
    let (_, secret) = store.create_api_key("demo admin", Role::Admin).await?;
    eprintln!("demo admin API key (use as Authorization: Bearer <key>):");
    println!("{secret}");
    Ok(())
}

async fn populate(store: &Store, size: Size) -> anyhow::Result<()> {
    let now = store.now();
    let days = i64::from(size.history_days);
    // Midnight (UTC, close to UK time) `days` ago: the history's hours are hours of the day.
    let midnight = Timestamp::from_second(now.as_second() - now.as_second().rem_euclid(86_400)).context("clock")?;
    let start = midnight - SignedDuration::from_hours(days * 24);
    let clock = Arc::new(ManualClock::new(start));
    let store = store.with_clock(clock.clone());
    let gbp = Currency::parse("GBP").map_err(|e| anyhow::anyhow!(e.message))?;
    let rng = Rng::new(0x005E_ED0F_5A1E);

    let locations = [
        (
            "LON",
            "London warehouse",
            LocationKind::Warehouse,
            address(
                "Switchyard Goods Ltd",
                "Unit 4, Orient Way",
                "London",
                None,
                "E10 7FY",
                "GB",
            ),
            (51.5632, -0.0239),
            10,
        ),
        (
            "NJ-3PL",
            "New Jersey 3PL",
            LocationKind::ThirdParty,
            address(
                "ShipRight Fulfilment",
                "100 Raritan Center Pkwy",
                "Edison",
                Some("NJ"),
                "08837",
                "US",
            ),
            (40.3012, -74.3468),
            20,
        ),
        (
            "BER-SHOP",
            "Berlin shop",
            LocationKind::Store,
            address("Switchyard Laden", "Torstraße 120", "Berlin", None, "10119", "DE"),
            (52.5296, 13.4010),
            30,
        ),
    ];
    for (code, name, kind, addr, (lat, lon), priority) in locations {
        let (timezone, cutoff, pickup) = match code {
            "LON" => ("Europe/London", "15:00", false),
            "NJ-3PL" => ("America/New_York", "14:00", false),
            _ => ("Europe/Berlin", "17:00", true),
        };
        let input = LocationInput {
            code: Some(code.into()),
            name: Some(name.into()),
            kind: Some(kind),
            address: Some(addr),
            latitude: Some(lat),
            longitude: Some(lon),
            priority: Some(priority),
            timezone: Some(timezone.into()),
            cutoff: Some(cutoff.into()),
            handling_days: Some(i64::from(code == "NJ-3PL")),
            ships_to_customers: Some(true),
            allows_pickup: Some(pickup),
        };
        let draft = input.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?;
        ensure(store.create_location(&draft).await).await?;
        store.set_zones(code, &zones(code, gbp)).await?;
    }
    let channels = [
        (
            "web",
            "Web store",
            ChannelKind::Web,
            vec!["LON", "NJ-3PL"],
            ShortagePolicy::Reject,
        ),
        (
            "amazon",
            "Amazon UK",
            ChannelKind::Amazon,
            vec!["LON", "NJ-3PL"],
            ShortagePolicy::Backorder,
        ),
        (
            "etsy",
            "Etsy",
            ChannelKind::Etsy,
            vec!["LON"],
            ShortagePolicy::Backorder,
        ),
        (
            "pos",
            "Berlin shop till",
            ChannelKind::Pos,
            vec!["BER-SHOP"],
            ShortagePolicy::Reject,
        ),
    ];
    for (code, name, kind, ship_from, policy) in channels {
        let input = ChannelInput {
            code: Some(code.into()),
            name: Some(name.into()),
            kind: Some(kind),
            ship_from: Some(ship_from.into_iter().map(Into::into).collect()),
            shortage_policy: Some(policy),
            split_policy: Some(if code == "etsy" {
                SplitPolicy::ShipComplete
            } else {
                SplitPolicy::Allow
            }),
            // Marketplaces collect the money themselves; the shop till takes it at once.
            payment_provider: Some(match kind {
                ChannelKind::Amazon | ChannelKind::Etsy | ChannelKind::Ebay => PaymentProvider::Channel,
                ChannelKind::Pos => PaymentProvider::Manual,
                _ => PaymentProvider::Test,
            }),
            capture_mode: Some(if kind == ChannelKind::Pos {
                CaptureMode::OnPlacement
            } else {
                CaptureMode::OnShipment
            }),
            ..ChannelInput::default()
        };
        let draft = input.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?;
        ensure(store.create_channel(&draft).await).await?;
    }

    let skus = catalog();
    for (i, s) in skus.iter().enumerate() {
        let input = ProductInput {
            sku: Some(s.sku.clone()),
            title: Some(s.title.clone()),
            barcode: Some(ean13(501_234_500_000 + i as u64)),
            weight_grams: Some(s.weight),
            price: Some(Money::new(s.price, gbp)),
            cost: Some(Money::new(s.price * 35 / 100, gbp)),
        };
        let draft = input.parse().map_err(|e| anyhow::anyhow!("{e:?}"))?;
        ensure(store.create_product(&draft).await).await?;
    }

    let mut history = History::new(store.clone(), clock.clone(), rng, now, &skus, size.orders_per_day)?;
    history.opening_stock().await?;
    history.plan(start, days)?;
    history.live().await?;
    // Restocking on its way: purchase orders expected next week and the week after.
    clock.set(now);
    for (supplier, location, days, lines) in supply::RESTOCK {
        let expected = (now + SignedDuration::from_hours(24 * days)).to_string();
        let draft = supply::purchase_order(supplier, location, expected, lines.iter().map(|(sku, q)| (*sku, *q)))?;
        store.create_purchase_order(&draft, ACTOR).await?;
    }
    let st = &history.stats;
    eprintln!(
        "demo: 3 locations, 4 channels, {} SKUs, {} orders over {days} days ({} cancelled, {} refused for want of \
         stock), {} shipments ({} delivered; {} shipped late by the warehouse, {} late by the carrier; {} short \
         picks), {} returns, {} claims, {} purchase orders",
        skus.len(),
        st.orders,
        st.cancelled,
        st.lost,
        st.shipments,
        st.delivered,
        st.late_warehouse,
        st.late_carrier,
        st.short_picks,
        st.returns,
        st.claims,
        st.purchase_orders + supply::RESTOCK.len(),
    );
    tracing::debug!("demo history: {} steps refused by the store", st.refused);
    Ok(())
}
