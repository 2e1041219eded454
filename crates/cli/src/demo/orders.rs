//! The demo's customers and what they order: a channel, a name, an address in one of
//! six countries, a service level, and one to three lines drawn by the season's
//! popularity, at promotion prices on promotion days.

use jiff::Timestamp;
use switchyard_core::money::{Currency, Money};
use switchyard_core::order::{CustomerInput, LineInput, OrderInput, ServiceLevel, ShippingInput};
use switchyard_core::rng::Rng;

use super::address;
use super::catalog::Sku;
use super::season::Promotion;

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
const ELSEWHERE: &[(&str, &str, &str, &str)] = &[
    ("IE", "Dublin", "D02 X285", "14 Camden Street"),
    ("IE", "Cork", "T12 RH2K", "3 Oliver Plunkett Street"),
    ("FR", "Paris", "75011", "18 rue Oberkampf"),
    ("FR", "Lyon", "69002", "7 rue Mercière"),
    ("NL", "Amsterdam", "1012 AB", "Damrak 40"),
    ("NL", "Utrecht", "3511 LX", "Oudegracht 120"),
];

/// The channels and how many orders each brings, in tenths.
const CHANNELS: [(&str, u64); 4] = [("web", 42), ("amazon", 30), ("etsy", 18), ("pos", 10)];

/// Which channel the next order comes through.
pub(super) fn channel(rng: &mut Rng) -> &'static str {
    let weights = CHANNELS.map(|(_, w)| w);
    CHANNELS[rng.weighted(&weights)].0
}

/// One customer order as the channel sends it.
pub(super) struct Draft<'a> {
    pub(super) n: usize,
    pub(super) channel: &'static str,
    pub(super) at: Timestamp,
    pub(super) skus: &'a [Sku],
    /// The day's popularity of each SKU, as `season::popularity` gives it.
    pub(super) popularity: &'a [u64],
    pub(super) promotion: Option<Promotion>,
    pub(super) gbp: Currency,
    pub(super) eur: Currency,
}

impl Draft<'_> {
    /// The order, as the channel would send it to the API.
    pub(super) fn input(&self, rng: &mut Rng) -> OrderInput {
        let channel = self.channel;
        let (currency, factor) = if channel == "pos" {
            (self.eur, 117)
        } else {
            (self.gbp, 100)
        };
        let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
        let email = format!(
            "{}.{}@example.com",
            name.replace(' ', ".").to_lowercase().replace('ü', "u"),
            self.n
        );
        let destination = rng.below(100);
        let (shipping_address, domestic) = if channel == "pos" || (70..78).contains(&destination) {
            let (city, postal) = rng.pick(DE);
            (
                address(&name, "Kastanienallee 12", city, None, postal, "DE"),
                channel == "pos",
            )
        } else if (78..88).contains(&destination) && channel != "etsy" {
            let (city, region, postal) = rng.pick(US);
            (
                address(&name, "245 Main Street", city, Some(region), postal, "US"),
                false,
            )
        } else if destination >= 88 {
            let (country, city, postal, street) = rng.pick(ELSEWHERE);
            (address(&name, street, city, None, postal, country), false)
        } else {
            let (city, postal) = rng.pick(UK);
            let street = format!("{} Station Road", 1 + rng.below(120));
            (address(&name, &street, city, None, postal, "GB"), true)
        };
        // Faster services are sold at home only.
        let service_level = match (domestic && channel != "pos", rng.below(100)) {
            (true, 0..=4) => ServiceLevel::NextDay,
            (true, 5..=17) => ServiceLevel::Express,
            _ => ServiceLevel::Standard,
        };
        let line_count = 1 + rng.weighted(&[60, 28, 12]);
        let mut lines: Vec<LineInput> = Vec::new();
        for _ in 0..line_count {
            let s = &self.skus[rng.weighted(self.popularity)];
            if lines.iter().any(|l| l.sku.as_deref() == Some(s.sku.as_str())) {
                continue;
            }
            let quantity = 1 + rng.weighted(&[80, 15, 5]) as i64;
            let gross = s.price * factor / 100;
            let percent = self.promotion.map_or(0, |p| p.discount_percent);
            let discount = gross * quantity * percent / 100;
            // VAT included at 20%: a sixth of what the customer pays.
            let tax = (gross * quantity - discount) / 6;
            lines.push(LineInput {
                sku: Some(s.sku.clone()),
                quantity: Some(quantity),
                unit_price: Some(Money::new(gross - gross / 6, currency)),
                discount: (discount > 0).then(|| Money::new(discount - discount / 6, currency)),
                tax: Some(Money::new(tax, currency)),
                external_id: None,
            });
        }
        let shipping = match (channel, service_level) {
            ("pos", _) => 0,
            (_, ServiceLevel::NextDay) => 995,
            (_, ServiceLevel::Express) => 695,
            _ => [0, 395, 495][rng.below(3) as usize],
        };
        let mut tags = Vec::new();
        if rng.below(12) == 0 {
            tags.push("gift".to_owned());
        }
        if let Some(p) = self.promotion {
            tags.push(p.tag.to_owned());
        }
        OrderInput {
            channel: Some(channel.into()),
            external_id: Some(format!("DEMO-{channel}-{}", 10_000 + self.n)),
            placed_at: Some(self.at.to_string()),
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
            service_level: Some(service_level),
            notes: None,
            tags: Some(tags),
            totals: None,
            priority: None,
            payment_token: None,
        }
    }
}
