//! Carriers: the registry of the carriers Switchyard knows (name, tracking link,
//! tracking-number formats with their check digits, services), and the providers that
//! buy labels and report tracking behind one trait — `manual` (an operator enters the
//! carrier's number) and `simulated` (numbers in the carrier's real format and a
//! plausible journey, for demos and tests, driven by the clock it is given).

use jiff::Timestamp;
use serde::Serialize;

use crate::order::ServiceLevel;
use crate::shipment::TrackingEvent;
use crate::validation::Invalid;

pub mod checksum;
pub mod easypost;
pub mod simulated;

string_enum!(
    /// A carrier in the registry.
    Carrier {
        Ups = "ups",
        Usps = "usps",
        Fedex = "fedex",
        DhlExpress = "dhl_express",
        RoyalMail = "royal_mail",
    }
);

string_enum!(
    /// Who issues a shipment's label and reports its journey.
    Provider {
        /// The operator buys the label in the carrier's own tool and enters its number.
        Manual = "manual",
        /// Switchyard issues numbers in the carrier's format and simulates the journey.
        Simulated = "simulated",
    }
);

/// What the registry says about a carrier.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarrierInfo {
    pub code: Carrier,
    pub name: &'static str,
    /// `{tracking_number}` is replaced by the number.
    pub tracking_url_template: &'static str,
    /// The tracking-number formats accepted, in words.
    pub formats: &'static [&'static str],
    /// The default service for the `standard`, `express` and `next_day` service levels.
    pub services: [&'static str; 3],
}

const REGISTRY: [CarrierInfo; 5] = [
    CarrierInfo {
        code: Carrier::Ups,
        name: "UPS",
        tracking_url_template: "https://www.ups.com/track?tracknum={tracking_number}",
        formats: &["1Z + 16 characters, mod 10 check digit (e.g. 1Z5R89390357567127)"],
        services: ["UPS Ground", "UPS 2nd Day Air", "UPS Next Day Air"],
    },
    CarrierInfo {
        code: Carrier::Usps,
        name: "USPS",
        tracking_url_template: "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking_number}",
        formats: &[
            "20 digits, mod 10 check digit",
            "IMpb of 22 or 26 digits starting 91-95, optionally behind 420 + ZIP",
            "UPU S10 ending US (e.g. EC123456785US)",
        ],
        services: [
            "USPS Ground Advantage",
            "USPS Priority Mail",
            "USPS Priority Mail Express",
        ],
    },
    CarrierInfo {
        code: Carrier::Fedex,
        name: "FedEx",
        tracking_url_template: "https://www.fedex.com/fedextrack/?trknbr={tracking_number}",
        formats: &[
            "Express: 12 digits (weighted mod 11 check digit)",
            "Ground: 15 digits, 96 + 20 digits, SSCC-18 (00 + 16 digits)",
            "32 digits (ASTRA) and 34 digits",
        ],
        services: ["FedEx Ground", "FedEx 2Day", "FedEx Priority Overnight"],
    },
    CarrierInfo {
        code: Carrier::DhlExpress,
        name: "DHL Express",
        tracking_url_template: "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={tracking_number}",
        formats: &["air waybill of 10 or 11 digits, mod 7 check digit"],
        services: ["DHL Express Worldwide", "DHL Express 12:00", "DHL Express 9:00"],
    },
    CarrierInfo {
        code: Carrier::RoyalMail,
        name: "Royal Mail",
        tracking_url_template: "https://www.royalmail.com/track-your-item#/tracking-results/{tracking_number}",
        formats: &["UPU S10 ending GB, mod 11 check digit (e.g. RB123456785GB)"],
        services: [
            "Royal Mail Tracked 48",
            "Royal Mail Tracked 24",
            "Royal Mail Special Delivery Guaranteed",
        ],
    },
];

/// Upper case without spaces or dashes: how tracking numbers are compared and stored.
pub fn normalise(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

impl Carrier {
    pub fn info(self) -> &'static CarrierInfo {
        match self {
            Carrier::Ups => &REGISTRY[0],
            Carrier::Usps => &REGISTRY[1],
            Carrier::Fedex => &REGISTRY[2],
            Carrier::DhlExpress => &REGISTRY[3],
            Carrier::RoyalMail => &REGISTRY[4],
        }
    }

    pub fn registry() -> &'static [CarrierInfo] {
        &REGISTRY
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The public tracking page of `tracking_number`.
    pub fn tracking_url(self, tracking_number: &str) -> String {
        self.info()
            .tracking_url_template
            .replace("{tracking_number}", tracking_number)
    }

    /// The carrier's default service for a service level.
    pub fn default_service(self, level: ServiceLevel) -> &'static str {
        let services = &self.info().services;
        match level {
            ServiceLevel::Standard => services[0],
            ServiceLevel::Express => services[1],
            ServiceLevel::NextDay => services[2],
        }
    }

    /// Whether `number` (already normalised) is one of this carrier's formats.
    pub fn accepts(self, number: &str) -> bool {
        match self {
            Carrier::Ups => checksum::ups(number),
            Carrier::Usps => checksum::usps(number) || checksum::s10(number) == Some("US"),
            Carrier::Fedex => checksum::fedex(number),
            Carrier::DhlExpress => checksum::dhl_express(number),
            Carrier::RoyalMail => checksum::s10(number) == Some("GB"),
        }
    }

    /// The tracking number, normalised, if it is valid for this carrier.
    pub fn validate(self, raw: &str) -> Result<String, Invalid> {
        let number = normalise(raw);
        if number.is_empty() {
            return Err(Invalid::new("required", "must not be blank"));
        }
        if self.accepts(&number) {
            Ok(number)
        } else {
            Err(Invalid::new(
                "invalid_tracking_number",
                format!(
                    "{number} is not a valid {} tracking number (format or check digit); expected {}",
                    self.name(),
                    self.info().formats.join(", or ")
                ),
            ))
        }
    }
}

/// A label being bought: which shipment (its id seeds simulated numbers), the service,
/// and what the operator entered.
#[derive(Debug, Clone)]
pub struct LabelOrder<'a> {
    pub shipment_id: &'a str,
    pub carrier: Carrier,
    pub level: ServiceLevel,
    /// The number the operator entered, validated (manual provider).
    pub entered: Option<&'a str>,
}

/// A parcel on its way, as a provider needs it to report tracking.
#[derive(Debug, Clone)]
pub struct Parcel<'a> {
    pub carrier: Carrier,
    pub tracking_number: &'a str,
    pub shipped_at: Timestamp,
    pub promised_delivery_at: Option<Timestamp>,
    /// Town the parcel left from, and the one it goes to.
    pub origin: &'a str,
    pub destination: &'a str,
}

/// A source of labels and tracking. Built-in providers are pure: the simulated one
/// derives everything from the shipment and the time it is asked at.
pub trait CarrierProvider: Send + Sync {
    /// The tracking number of a new label.
    fn tracking_number(&self, order: &LabelOrder<'_>) -> Result<String, Invalid>;
    /// Every tracking event the carrier has reported for `parcel` by `now`, oldest first.
    fn tracking_events(&self, parcel: &Parcel<'_>, now: Timestamp) -> Vec<TrackingEvent>;
}

/// The operator's own carrier account: numbers come from them, events by API.
#[derive(Debug, Default)]
pub struct ManualProvider;

impl CarrierProvider for ManualProvider {
    fn tracking_number(&self, order: &LabelOrder<'_>) -> Result<String, Invalid> {
        let entered = order
            .entered
            .ok_or_else(|| Invalid::new("required", "is required with the manual provider"))?;
        order.carrier.validate(entered)
    }

    fn tracking_events(&self, _: &Parcel<'_>, _: Timestamp) -> Vec<TrackingEvent> {
        Vec::new()
    }
}

impl Provider {
    /// The implementation behind this provider.
    pub fn implementation(self) -> &'static dyn CarrierProvider {
        match self {
            Provider::Manual => &ManualProvider,
            Provider::Simulated => &simulated::SimulatedProvider,
        }
    }
}

#[cfg(test)]
mod tests;
