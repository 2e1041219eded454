//! Locations: what a valid location is when it is created or changed (address,
//! position, routing priority, cut-off and handling days), when one may be archived,
//! and its fulfilment settings.

use serde::{Deserialize, Serialize};

use super::{Address, AddressInput, identity, within};
use crate::shipment::ReleaseMode;
use crate::validation::{FieldError, Invalid, Validator};

string_enum!(
    /// What kind of place a location is.
    LocationKind {
        Warehouse = "warehouse",
        Store = "store",
        ThirdParty = "3pl",
        Fba = "fba",
        Dropship = "dropship",
    }
);

/// A location's routing priority when none is given.
pub const DEFAULT_PRIORITY: i64 = 100;
/// The largest routing priority.
pub const PRIORITY_MAX: i64 = 1_000_000;
/// A location's daily cut-off when none is given.
pub const DEFAULT_CUTOFF: &str = "16:00";
/// The most working days an order may wait at a location before its parcel leaves.
pub const HANDLING_DAYS_MAX: i64 = 30;

/// A location as it arrives for creation or replacement.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    #[cfg_attr(feature = "openapi", schema(example = "LON"))]
    pub code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "London warehouse"))]
    pub name: Option<String>,
    pub kind: Option<LocationKind>,
    pub address: Option<AddressInput>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Breaks ties between otherwise equal routing plans: lower numbers first. Default 100.
    pub priority: Option<i64>,
    /// IANA time zone of the cut-off, e.g. Europe/London. Required when the address's
    /// country has several (US, CA, AU, BR, RU, ES, ...); otherwise its country's one.
    #[cfg_attr(feature = "openapi", schema(example = "Europe/London"))]
    pub timezone: Option<String>,
    /// Daily cut-off, HH:MM local time: orders in by then leave the same working day. Default 16:00.
    #[cfg_attr(feature = "openapi", schema(example = "15:30"))]
    pub cutoff: Option<String>,
    /// Working days between an order reaching the location and its parcel leaving. Default 0.
    pub handling_days: Option<i64>,
    /// Whether it ships parcels to customers. Default true.
    pub ships_to_customers: Option<bool>,
    /// Whether customers may collect orders there. Default false.
    pub allows_pickup: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LocationDraft {
    pub code: String,
    pub name: String,
    pub kind: LocationKind,
    pub address: Address,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub priority: i64,
    pub timezone: String,
    pub cutoff_minutes: i64,
    pub handling_days: i64,
    pub ships_to_customers: bool,
    pub allows_pickup: bool,
}

/// Parses "HH:MM" (24-hour) into minutes after midnight.
pub fn cutoff_minutes(raw: &str) -> Result<i64, Invalid> {
    let bad = || Invalid::new("invalid_time", "must be a time of day as HH:MM, e.g. 16:00");
    let (h, m) = raw.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if (0..24).contains(&h) && (0..60).contains(&m) && raw.trim().len() == 5 {
        Ok(h * 60 + m)
    } else {
        Err(bad())
    }
}

/// Minutes after midnight as "HH:MM".
pub fn format_cutoff(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn coordinate(value: f64, limit: f64, what: &str) -> Result<f64, Invalid> {
    if value.is_finite() && (-limit..=limit).contains(&value) {
        Ok(value)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("{what} must be between -{limit} and {limit}"),
        ))
    }
}

fn time_zone(raw: &str) -> Result<String, Invalid> {
    let tz = raw.trim();
    match crate::routing::promise::time_zone(tz) {
        Some(_) => Ok(tz.to_owned()),
        None => Err(Invalid::new(
            "invalid_time_zone",
            "must be an IANA time zone such as Europe/London",
        )),
    }
}

/// The time zone of every place in `country` (ISO 3166-1 alpha-2), when it keeps one
/// clock: GB's is Europe/London, DE's Europe/Berlin; none for the US, which has several.
pub fn time_zone_of_country(country: &str) -> Option<&'static str> {
    let table = super::country_zones::SINGLE_TIME_ZONE;
    let at = table.binary_search_by(|(c, _)| (*c).cmp(country)).ok()?;
    table.get(at).map(|(_, zone)| *zone)
}

/// A location's time zone: the one given, else its country's single one.
fn location_time_zone(raw: Option<&str>, country: &str) -> Result<String, Invalid> {
    match raw {
        Some(raw) => time_zone(raw),
        None => time_zone_of_country(country).map(str::to_owned).ok_or_else(|| {
            Invalid::new(
                "required",
                format!("is required for locations in {country}, which has more than one time zone"),
            )
        }),
    }
}

impl LocationInput {
    pub fn parse(&self) -> Result<LocationDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let (code, name) = identity(&mut v, self.code.as_deref(), self.name.as_deref());
        let kind = v.require("/kind", self.kind);
        let address = match v.require("/address", self.address.as_ref()) {
            Some(a) => match Address::parse(a, "/address") {
                Ok(a) => Some(a),
                Err(errors) => {
                    errors.into_iter().for_each(|e| v.push(e));
                    None
                }
            },
            None => None,
        };
        let latitude = v.check_opt("/latitude", self.latitude, |l| coordinate(l, 90.0, "latitude"));
        let longitude = v.check_opt("/longitude", self.longitude, |l| coordinate(l, 180.0, "longitude"));
        if self.latitude.is_some() != self.longitude.is_some() {
            v.push(Invalid::new("required", "latitude and longitude go together").at("/longitude"));
        }
        let priority = v.check(
            "/priority",
            within(self.priority.unwrap_or(DEFAULT_PRIORITY), 0..=PRIORITY_MAX),
        );
        let timezone = match (self.timezone.as_deref(), &address) {
            (raw, Some(a)) => v.check("/timezone", location_time_zone(raw, &a.country)),
            (Some(raw), None) => v.check("/timezone", time_zone(raw)),
            // Without a valid address the time zone cannot be derived; its errors say why.
            (None, None) => None,
        };
        let cutoff = v.check(
            "/cutoff",
            cutoff_minutes(self.cutoff.as_deref().unwrap_or(DEFAULT_CUTOFF)),
        );
        let handling_days = v.check(
            "/handling_days",
            within(self.handling_days.unwrap_or(0), 0..=HANDLING_DAYS_MAX),
        );
        v.finish(|| {
            Some(LocationDraft {
                code: code?,
                name: name?,
                kind: kind?,
                address: address?,
                latitude: latitude?,
                longitude: longitude?,
                priority: priority?,
                timezone: timezone?,
                cutoff_minutes: cutoff?,
                handling_days: handling_days?,
                ships_to_customers: self.ships_to_customers.unwrap_or(true),
                allows_pickup: self.allows_pickup.unwrap_or(false),
            })
        })
    }

    /// Changes the fields present in this patch of `current`; the result is validated
    /// as a whole, as a new location would be.
    pub fn apply(&self, current: &LocationDraft) -> Result<LocationDraft, Vec<FieldError>> {
        let merged = LocationInput {
            code: self.code.clone().or_else(|| Some(current.code.clone())),
            name: self.name.clone().or_else(|| Some(current.name.clone())),
            kind: self.kind.or(Some(current.kind)),
            address: self
                .address
                .clone()
                .or_else(|| Some(AddressInput::from(&current.address))),
            latitude: self.latitude.or(current.latitude),
            longitude: self.longitude.or(current.longitude),
            priority: self.priority.or(Some(current.priority)),
            timezone: self.timezone.clone().or_else(|| Some(current.timezone.clone())),
            cutoff: self
                .cutoff
                .clone()
                .or_else(|| Some(format_cutoff(current.cutoff_minutes))),
            handling_days: self.handling_days.or(Some(current.handling_days)),
            ships_to_customers: self.ships_to_customers.or(Some(current.ships_to_customers)),
            allows_pickup: self.allows_pickup.or(Some(current.allows_pickup)),
        };
        merged.parse()
    }
}

/// A location may be archived once no stock there is reserved for open orders;
/// `reserved_units` is the sum of its reservations. An `Invalid` here is a conflict.
pub fn may_archive_location(code: &str, reserved_units: i64) -> Result<(), Invalid> {
    if reserved_units > 0 {
        Err(Invalid::new(
            "location_in_use",
            format!("{code} has {reserved_units} units reserved for open orders; cancel or re-route them first"),
        ))
    } else {
        Ok(())
    }
}

/// How a location's work reaches its floor.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FulfilmentSettingsInput {
    /// `manual`: an operator releases work; `auto`: the server releases it as it comes.
    pub release_mode: Option<ReleaseMode>,
}

impl FulfilmentSettingsInput {
    /// The release mode, which must be given.
    pub fn parse(&self) -> Result<ReleaseMode, Vec<FieldError>> {
        let mut v = Validator::new();
        let mode = v.require("/release_mode", self.release_mode);
        v.finish(|| mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lon() -> LocationInput {
        LocationInput {
            code: Some("LON".into()),
            name: Some("London".into()),
            kind: Some(LocationKind::Warehouse),
            address: Some(AddressInput {
                name: Some("Switchyard Ltd".into()),
                line1: Some("2 Dock Road".into()),
                city: Some("London".into()),
                postal_code: Some("E16 1AA".into()),
                country: Some("GB".into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_location_gets_the_named_defaults() {
        let l = lon().parse().unwrap();
        assert_eq!(l.priority, DEFAULT_PRIORITY);
        assert_eq!(l.timezone, "Europe/London", "GB keeps one clock");
        assert_eq!(format_cutoff(l.cutoff_minutes), DEFAULT_CUTOFF);
        assert_eq!(
            (l.handling_days, l.ships_to_customers, l.allows_pickup),
            (0, true, false)
        );
    }

    #[test]
    fn a_location_names_each_bad_field() {
        let mut bad = lon();
        bad.latitude = Some(95.0);
        bad.priority = Some(PRIORITY_MAX + 1);
        bad.timezone = Some("Mars/Olympus".into());
        bad.cutoff = Some("4pm".into());
        bad.handling_days = Some(HANDLING_DAYS_MAX + 1);
        let errors = bad.parse().unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "/latitude",
                "/longitude",
                "/priority",
                "/timezone",
                "/cutoff",
                "/handling_days"
            ]
        );
        assert_eq!(errors[5].message, "must be between 0 and 30");
    }

    #[test]
    fn a_time_zone_is_named_or_the_only_one_of_the_country() {
        let in_country = |country: &str, timezone: Option<&str>| {
            let mut l = lon();
            if let Some(a) = l.address.as_mut() {
                a.country = Some(country.into());
                a.region = Some("NY".into());
            }
            l.timezone = timezone.map(str::to_owned);
            l.parse().map(|l| l.timezone)
        };
        assert_eq!(in_country("DE", None), Ok("Europe/Berlin".into()));
        assert_eq!(in_country("JP", None), Ok("Asia/Tokyo".into()));
        assert_eq!(in_country("GB", Some(" UTC ")), Ok("UTC".into()));
        assert_eq!(
            in_country("US", Some("America/New_York")),
            Ok("America/New_York".into())
        );
        for several in ["US", "CA", "AU", "BR", "RU", "ES", "MX"] {
            let errors = in_country(several, None).unwrap_err();
            assert_eq!((errors[0].field.as_str(), errors[0].code), ("/timezone", "required"));
            assert_eq!(
                errors[0].message,
                format!("is required for locations in {several}, which has more than one time zone")
            );
        }
        let no_address = LocationInput { address: None, ..lon() };
        assert_eq!(fields(&no_address.parse().unwrap_err()), ["/address"]);
    }

    #[test]
    fn every_country_time_zone_is_one_the_clock_knows() {
        let table = super::super::country_zones::SINGLE_TIME_ZONE;
        assert!(table.windows(2).all(|w| w[0].0 < w[1].0), "sorted for binary search");
        for (country, zone) in table {
            assert!(crate::validation::country(country).is_ok(), "{country}");
            assert!(crate::routing::promise::time_zone(zone).is_some(), "{zone}");
        }
        assert_eq!(time_zone_of_country("GB"), Some("Europe/London"));
        assert_eq!(time_zone_of_country("US"), None);
        assert_eq!(time_zone_of_country("ZZ"), None);
    }

    #[test]
    fn coordinates_south_and_west_are_negative_and_bounded() {
        let at = |latitude: f64, longitude: f64| LocationInput {
            latitude: Some(latitude),
            longitude: Some(longitude),
            ..lon()
        };
        let sydney = at(-33.87, 151.21).parse().unwrap();
        assert_eq!((sydney.latitude, sydney.longitude), (Some(-33.87), Some(151.21)));
        let edges = at(-90.0, -180.0).parse().unwrap();
        assert_eq!((edges.latitude, edges.longitude), (Some(-90.0), Some(-180.0)));
        let errors = at(-90.5, -180.5).parse().unwrap_err();
        assert_eq!(fields(&errors), ["/latitude", "/longitude"]);
        assert_eq!(errors[0].message, "latitude must be between -90 and 90");
    }

    #[test]
    fn cutoffs_are_hh_mm() {
        assert_eq!(cutoff_minutes("15:30"), Ok(930));
        assert_eq!(format_cutoff(930), "15:30");
        for bad in ["24:00", "9:30", "12:60", "noon"] {
            assert!(cutoff_minutes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_name_and_is_checked_whole() {
        let current = lon().parse().unwrap();
        let patch = LocationInput {
            name: Some("London DC".into()),
            priority: Some(5),
            ..Default::default()
        };
        let changed = patch.apply(&current).unwrap();
        assert_eq!((changed.name.as_str(), changed.priority), ("London DC", 5));
        assert_eq!(changed.address, current.address);
        assert_eq!(changed.cutoff_minutes, current.cutoff_minutes);
        assert_eq!(LocationInput::default().apply(&current), Ok(current.clone()));

        let bad = LocationInput {
            priority: Some(-1),
            address: Some(AddressInput {
                country: Some("GB".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            fields(&bad.apply(&current).unwrap_err()),
            [
                "/address/name",
                "/address/line1",
                "/address/city",
                "/address/postal_code",
                "/priority"
            ]
        );
    }

    #[test]
    fn a_location_with_reserved_stock_stays() {
        assert!(may_archive_location("LON", 0).is_ok());
        let refused = may_archive_location("LON", 2).unwrap_err();
        assert_eq!(refused.code, "location_in_use");
        assert_eq!(
            refused.message,
            "LON has 2 units reserved for open orders; cancel or re-route them first"
        );
    }

    #[test]
    fn fulfilment_settings_name_a_release_mode() {
        let auto = FulfilmentSettingsInput {
            release_mode: Some(ReleaseMode::Auto),
        };
        assert_eq!(auto.parse(), Ok(ReleaseMode::Auto));
        let errors = FulfilmentSettingsInput::default().parse().unwrap_err();
        assert_eq!(
            (errors[0].field.as_str(), errors[0].code),
            ("/release_mode", "required")
        );
    }
}
