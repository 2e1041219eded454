//! Demo data: a small seller with a warehouse in London, a 3PL in New Jersey and a
//! shop in Berlin, four channels, 55 SKUs with stock, and about 500 orders over the last 90
//! days at believable times of day. Deterministic (seeded), and loaded once, into an
//! empty database only: a second run adds nothing but a fresh admin key, and a database
//! that holds anything else is refused.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use switchyard_core::ManualClock;
use switchyard_core::auth::Role;
use switchyard_core::catalog::{
    AddressInput, ChannelInput, ChannelKind, LocationInput, LocationKind, ProductInput, ShortagePolicy,
};
use switchyard_core::inventory::{Quantity, StockCommand};
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::Hold;
use switchyard_core::order::{CustomerInput, HoldReason, LineInput, OrderInput, ServiceLevel, ShippingInput};
use switchyard_core::payment::{CaptureMode, PaymentProvider};
use switchyard_core::purchase::{PurchaseOrderInput, PurchaseOrderLineInput, SupplierInput};
use switchyard_core::rng::Rng;
use switchyard_core::routing::SplitPolicy;
use switchyard_core::routing::zone::ZoneInput;
use switchyard_store::inventory::MovementContext;
use switchyard_store::{Store, StoreError};

mod catalog;

use catalog::{catalog, ean13};

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

const FIRST: &[&str] = &[
    "Ann", "Ben", "Chloe", "Dev", "Emma", "Femi", "Grace", "Hugo", "Isla", "Jack", "Kai", "Lena", "Maya", "Noah",
    "Olu", "Priya", "Rosa", "Sam", "Tom", "Zoe",
];
const LAST: &[&str] = &[
    "Smith", "Jones", "Patel", "Khan", "Brown", "Nowak", "Garcia", "Müller", "Okafor", "Taylor", "Walsh", "Chen",
    "Evans", "Rossi",
];
const UK: &[(&str, &str)] = &[
    ("Leeds", "LS1 4AP"),
    ("Bristol", "BS1 5TR"),
    ("Glasgow", "G1 1XQ"),
    ("Brighton", "BN1 1AE"),
    ("York", "YO1 7HH"),
    ("Cardiff", "CF10 1EP"),
    ("London", "E2 7DG"),
    ("Norwich", "NR2 1TF"),
];
const US: &[(&str, &str, &str)] = &[
    ("Brooklyn", "NY", "11211"),
    ("Portland", "OR", "97205"),
    ("Austin", "TX", "78701"),
    ("Chicago", "IL", "60607"),
];
const DE: &[(&str, &str)] = &[("Berlin", "10115"), ("Hamburg", "20095"), ("Leipzig", "04109")];

/// Hourly weights of online orders (UK time): quiet at night, a lunch bump, busy evenings.
const HOURS: [u64; 24] = [
    3, 2, 1, 1, 1, 1, 2, 4, 6, 7, 8, 9, 11, 10, 8, 8, 9, 10, 12, 15, 16, 14, 10, 6,
];

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

/// Loads the demo once, then prints a fresh password for its admin user (on stderr,
/// with where to sign in: `addr` when serving) and a fresh admin key (alone on stdout).
pub async fn load(store: &Store, addr: Option<SocketAddr>) -> anyhow::Result<()> {
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
        populate(store).await.context("loading demo data")?;
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

async fn populate(store: &Store) -> anyhow::Result<()> {
    let now = store.now();
    // Midnight (UTC, close to UK time) 90 days ago, so the hour weights mean hours of the day.
    let midnight = Timestamp::from_second(now.as_second() - now.as_second().rem_euclid(86_400)).context("clock")?;
    let start = midnight - SignedDuration::from_hours(90 * 24);
    let clock = Arc::new(ManualClock::new(start));
    let store = store.with_clock(clock.clone());
    let gbp = Currency::parse("GBP").map_err(|e| anyhow::anyhow!(e.message))?;
    let eur = Currency::parse("EUR").map_err(|e| anyhow::anyhow!(e.message))?;
    let mut rng = Rng::new(0x005E_ED0F_5A1E);

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
        for (location, low, high, chance) in [("LON", 120, 300, 100), ("NJ-3PL", 30, 120, 80), ("BER-SHOP", 4, 20, 50)]
        {
            if rng.below(100) >= chance {
                continue;
            }
            let units = (low + rng.below(high - low)) as i64;
            let ctx = MovementContext {
                actor: ACTOR.into(),
                note: Some("opening stock".into()),
                reference: Some("DEMO-OPENING".into()),
            };
            let q = Quantity::new(units).map_err(|e| anyhow::anyhow!(e.message))?;
            store
                .move_stock(&s.sku, location, StockCommand::Receive(q), &ctx)
                .await?;
        }
    }

    // Order times: a few a day, more recently (the business is growing), at believable hours.
    let mut times: Vec<Timestamp> = Vec::new();
    for day in 0..90i64 {
        let per_day = 3 + day / 18 + rng.below(3) as i64;
        for _ in 0..per_day {
            let hour = rng.weighted(&HOURS) as i64;
            let at =
                start + SignedDuration::from_hours(day * 24 + hour) + SignedDuration::from_secs(rng.below(3600) as i64);
            if at < now {
                times.push(at);
            }
        }
    }
    times.sort();
    let mut placed_count = 0;
    for (n, at) in times.iter().enumerate() {
        clock.set(*at);
        let channel = [
            "web", "web", "web", "web", "amazon", "amazon", "amazon", "etsy", "etsy", "pos",
        ][rng.below(10) as usize];
        let (currency, factor) = if channel == "pos" { (eur, 117) } else { (gbp, 100) };
        let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
        let email = format!(
            "{}.{}@example.com",
            name.replace(' ', ".").to_lowercase().replace('ü', "u"),
            n
        );
        let destination = rng.below(10);
        let shipping_address = if channel == "pos" || destination == 9 {
            let (city, postal) = rng.pick(DE);
            address(&name, "Kastanienallee 12", city, None, postal, "DE")
        } else if destination == 8 && channel != "etsy" {
            let (city, region, postal) = rng.pick(US);
            address(&name, "245 Main Street", city, Some(region), postal, "US")
        } else {
            let (city, postal) = rng.pick(UK);
            address(
                &name,
                &format!("{} Station Road", 1 + rng.below(120)),
                city,
                None,
                postal,
                "GB",
            )
        };
        let line_count = 1 + rng.weighted(&[60, 28, 12]);
        let mut lines = Vec::new();
        for _ in 0..line_count {
            let s = rng.pick(&skus);
            if lines
                .iter()
                .any(|l: &LineInput| l.sku.as_deref() == Some(s.sku.as_str()))
            {
                continue;
            }
            let quantity = 1 + rng.weighted(&[80, 15, 5]) as i64;
            let unit = s.price * factor / 100;
            let tax = unit * quantity / 6; // VAT included at 20%: a sixth of the gross
            lines.push(LineInput {
                sku: Some(s.sku.clone()),
                quantity: Some(quantity),
                unit_price: Some(Money::new(unit - unit / 6, currency)),
                discount: None,
                tax: Some(Money::new(tax, currency)),
                external_id: None,
            });
        }
        let shipping = if channel == "pos" {
            0
        } else {
            [0, 395, 495][rng.below(3) as usize]
        };
        let input = OrderInput {
            channel: Some(channel.into()),
            external_id: Some(format!("DEMO-{channel}-{}", 10_000 + n)),
            placed_at: Some(at.to_string()),
            currency: Some(currency.to_string()),
            customer: Some(CustomerInput {
                email: Some(email),
                name: Some(name),
                phone: None,
            }),
            shipping_address: Some(shipping_address),
            billing_address: None,
            lines: Some(lines),
            shipping: Some(ShippingInput {
                amount: Some(Money::new(shipping, currency)),
                tax: Some(Money::new(shipping / 6, currency)),
            }),
            service_level: None,
            notes: None,
            tags: Some(if rng.below(12) == 0 {
                vec!["gift".into()]
            } else {
                vec![]
            }),
            totals: None,
            priority: None,
            payment_token: None,
        };
        let draft = input.parse().map_err(|e| anyhow::anyhow!("demo order {n}: {e:?}"))?;
        let placed = match store.place_order(&draft, ACTOR).await {
            Ok(p) => p,
            Err(StoreError::InsufficientStock(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        placed_count += 1;
        let number = placed.order.summary.number;
        match rng.below(40) {
            0 | 1 => {
                clock.advance(SignedDuration::from_mins(20));
                store
                    .cancel_order(&number, Some("customer asked to cancel"), "support")
                    .await?;
            }
            2 => {
                let hold = Hold {
                    reason: HoldReason::FraudReview,
                    note: Some("billing and shipping countries differ".into()),
                    until: None,
                };
                store.hold_order(&number, &hold, "support").await?;
            }
            _ => {}
        }
    }
    // Restocking on its way: purchase orders expected next week and the week after.
    clock.set(now);
    let restock = [
        (
            "Cotton Co",
            "LON",
            5,
            [("TEE-BLA-M", 120), ("TEE-BLA-L", 120), ("TEE-OAT-M", 80)],
        ),
        (
            "Fern Pottery",
            "LON",
            12,
            [("MUG-FERN", 60), ("MUG-WAVE", 60), ("MUG-MOTH", 40)],
        ),
        (
            "Cotton Co",
            "NJ-3PL",
            9,
            [("TEE-SAG-S", 50), ("TEE-SAG-M", 50), ("HOOD-NAV-M", 30)],
        ),
    ];
    for (supplier, location, days, lines) in restock {
        let expected = (now + SignedDuration::from_hours(24 * days)).to_string();
        let input = PurchaseOrderInput {
            supplier: Some(SupplierInput {
                name: Some(supplier.into()),
                reference: None,
                email: None,
            }),
            location: Some(location.into()),
            currency: Some("GBP".into()),
            expected_at: Some(expected),
            lines: Some(
                lines
                    .iter()
                    .map(|(sku, quantity)| PurchaseOrderLineInput {
                        sku: Some((*sku).into()),
                        quantity: Some(*quantity),
                        unit_cost: None,
                        expected_at: None,
                    })
                    .collect(),
            ),
            notes: None,
        };
        let draft = input
            .parse()
            .map_err(|e| anyhow::anyhow!("demo purchase order: {e:?}"))?;
        store.create_purchase_order(&draft, ACTOR).await?;
    }
    eprintln!(
        "demo: 3 locations, 4 channels, {} SKUs, {placed_count} orders over 90 days, 3 purchase orders",
        skus.len()
    );
    Ok(())
}
