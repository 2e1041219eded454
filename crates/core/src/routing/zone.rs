//! Shipping zones: where a location ships, at which service level, for what cost and
//! how fast. The most specific zone matching a destination applies: a postal-code
//! prefix beats a region, which beats the whole country.

use serde::{Deserialize, Serialize};

use crate::money::{Currency, Money};
use crate::order::ServiceLevel;
use crate::validation::{self, FieldError, Invalid, Validator};

/// A zone as it arrives.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ZoneInput {
    /// ISO 3166-1 alpha-2 destination country.
    #[cfg_attr(feature = "openapi", schema(example = "GB"))]
    pub country: Option<String>,
    /// Only this state, province or county of the country.
    pub region: Option<String>,
    /// Only postal codes starting with this (spaces ignored), e.g. "BT" for Northern Ireland.
    pub postal_prefix: Option<String>,
    pub service_level: Option<ServiceLevel>,
    pub cost_per_shipment: Option<Money>,
    /// Added per kilogram of the shipment's weight. Default zero.
    pub cost_per_kg: Option<Money>,
    /// Working days from leaving the location to delivery.
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub transit_days: Option<i64>,
}

/// A valid zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Zone {
    pub country: String,
    pub region: Option<String>,
    pub postal_prefix: Option<String>,
    pub service_level: ServiceLevel,
    pub cost_per_shipment: Money,
    pub cost_per_kg: Money,
    pub transit_days: i64,
}

impl From<&Zone> for ZoneInput {
    /// A valid zone as input again, e.g. to change one of a location's zones.
    fn from(z: &Zone) -> Self {
        ZoneInput {
            country: Some(z.country.clone()),
            region: z.region.clone(),
            postal_prefix: z.postal_prefix.clone(),
            service_level: Some(z.service_level),
            cost_per_shipment: Some(z.cost_per_shipment),
            cost_per_kg: Some(z.cost_per_kg),
            transit_days: Some(z.transit_days),
        }
    }
}

/// Where an order goes.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub country: &'a str,
    pub region: Option<&'a str>,
    pub postal_code: Option<&'a str>,
}

fn compact(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Parses a location's whole list of zones; they must share one currency.
pub fn parse_zones(inputs: &[ZoneInput]) -> Result<Vec<Zone>, Vec<FieldError>> {
    let mut v = Validator::new();
    let mut zones = Vec::new();
    let mut currency: Option<Currency> = None;
    for (i, z) in inputs.iter().enumerate() {
        let at = |f: &str| format!("/{i}/{f}");
        let country = v
            .require(at("country"), z.country.as_deref())
            .and_then(|c| v.check(at("country"), validation::country(c)));
        let region = v.check(at("region"), validation::optional_text(z.region.as_deref(), 100));
        let postal_prefix = v.check(
            at("postal_prefix"),
            validation::optional_text(z.postal_prefix.as_deref(), 20).map(|p| p.map(|p| compact(&p))),
        );
        let service_level = v.require(at("service_level"), z.service_level);
        let mut money = |field: &str, value: Option<Money>, required: bool| -> Option<Money> {
            let value = if required { v.require(at(field), value)? } else { value? };
            let first = *currency.get_or_insert(value.currency);
            let checked = if value.currency != first {
                Err(Invalid::new(
                    "currency_mismatch",
                    format!("all zones of a location use one currency ({first})"),
                ))
            } else {
                value.bounded()
            };
            v.check(at(field), checked)
        };
        let cost_per_shipment = money("cost_per_shipment", z.cost_per_shipment, true);
        let cost_per_kg = match z.cost_per_kg {
            Some(m) => money("cost_per_kg", Some(m), false),
            None => cost_per_shipment.map(|m| Money::zero(m.currency)),
        };
        let transit_days = v.require(at("transit_days"), z.transit_days).and_then(|d| {
            v.check(
                at("transit_days"),
                if (0..=60).contains(&d) {
                    Ok(d)
                } else {
                    Err(Invalid::new("out_of_range", "must be between 0 and 60"))
                },
            )
        });
        if let (Some(country), Some(region), Some(prefix), Some(level), Some(cost), Some(per_kg), Some(days)) = (
            country,
            region,
            postal_prefix,
            service_level,
            cost_per_shipment,
            cost_per_kg,
            transit_days,
        ) {
            let zone = Zone {
                country,
                region,
                postal_prefix: prefix,
                service_level: level,
                cost_per_shipment: cost,
                cost_per_kg: per_kg,
                transit_days: days,
            };
            if zones.iter().any(|other: &Zone| {
                (&other.country, &other.region, &other.postal_prefix, other.service_level)
                    == (&zone.country, &zone.region, &zone.postal_prefix, zone.service_level)
            }) {
                v.push(
                    Invalid::new("duplicate", "the same destination and service level is listed twice")
                        .at(format!("/{i}")),
                );
            }
            zones.push(zone);
        }
    }
    v.finish(|| Some(zones))
}

impl Zone {
    /// How specific a match this zone is for `dest`, or `None` when it does not match.
    fn specificity(&self, dest: &Destination<'_>) -> Option<usize> {
        if !self.country.eq_ignore_ascii_case(dest.country) {
            return None;
        }
        let mut score = 1;
        if let Some(region) = &self.region {
            if !dest.region.is_some_and(|r| r.trim().eq_ignore_ascii_case(region)) {
                return None;
            }
            score += 1;
        }
        if let Some(prefix) = &self.postal_prefix {
            if !dest
                .postal_code
                .is_some_and(|p| compact(p).starts_with(prefix.as_str()))
            {
                return None;
            }
            score += 1 + prefix.len();
        }
        Some(score)
    }
}

/// The zone of `zones` that applies to `dest` at `level`, if any.
pub fn best_zone<'a>(zones: &'a [Zone], dest: &Destination<'_>, level: ServiceLevel) -> Option<&'a Zone> {
    zones
        .iter()
        .filter(|z| z.service_level == level)
        .filter_map(|z| z.specificity(dest).map(|s| (s, z)))
        .max_by_key(|(s, _)| *s)
        .map(|(_, z)| z)
}

/// Transit days assumed for a location with no zones configured: it ships anywhere at
/// no recorded cost.
pub fn default_transit_days(level: ServiceLevel) -> i64 {
    match level {
        ServiceLevel::Standard => 3,
        ServiceLevel::Express => 2,
        ServiceLevel::NextDay => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(country: &str, region: Option<&str>, prefix: Option<&str>, cost: i64) -> ZoneInput {
        ZoneInput {
            country: Some(country.into()),
            region: region.map(Into::into),
            postal_prefix: prefix.map(Into::into),
            service_level: Some(ServiceLevel::Standard),
            cost_per_shipment: Some(Money::new(cost, Currency::parse("GBP").unwrap())),
            cost_per_kg: None,
            transit_days: Some(2),
        }
    }

    #[test]
    fn the_most_specific_zone_wins() {
        let zones = parse_zones(&[
            zone("GB", None, None, 400),
            zone("GB", None, Some("bt"), 900),
            zone("US", Some("NY"), None, 1500),
        ])
        .unwrap();
        let belfast = Destination {
            country: "GB",
            region: None,
            postal_code: Some("BT1 5GS"),
        };
        let leeds = Destination {
            country: "gb",
            region: None,
            postal_code: Some("LS1 4AP"),
        };
        assert_eq!(
            best_zone(&zones, &belfast, ServiceLevel::Standard)
                .unwrap()
                .cost_per_shipment
                .amount,
            900
        );
        assert_eq!(
            best_zone(&zones, &leeds, ServiceLevel::Standard)
                .unwrap()
                .cost_per_shipment
                .amount,
            400
        );
        assert!(best_zone(&zones, &leeds, ServiceLevel::Express).is_none());
        let texas = Destination {
            country: "US",
            region: Some("TX"),
            postal_code: Some("78701"),
        };
        assert!(best_zone(&zones, &texas, ServiceLevel::Standard).is_none());
    }

    #[test]
    fn a_postal_prefix_beats_a_region_which_beats_the_country() {
        // Listed least specific last, so a tie would pick the wrong zone.
        let zones = parse_zones(&[
            zone("GB", None, Some("G"), 700),
            zone("GB", Some("Scotland"), None, 500),
            zone("GB", None, Some("BT1"), 950),
            zone("GB", None, Some("BT"), 900),
            zone("GB", None, None, 400),
        ])
        .unwrap();
        let cost = |region: Option<&str>, postal_code: &str| {
            let dest = Destination {
                country: "GB",
                region,
                postal_code: Some(postal_code),
            };
            best_zone(&zones, &dest, ServiceLevel::Standard)
                .unwrap()
                .cost_per_shipment
                .amount
        };
        assert_eq!(
            cost(Some("Scotland"), "G2 1AA"),
            700,
            "Glasgow: even a one-letter prefix beats the region"
        );
        assert_eq!(
            cost(Some(" scotland "), "EH1 1AA"),
            500,
            "Edinburgh: the region beats the country"
        );
        assert_eq!(cost(None, "BT1 5GS"), 950, "the longer prefix wins");
        assert_eq!(cost(None, "BT9 5AB"), 900);
        assert_eq!(cost(Some("England"), "LS1 4AP"), 400);
    }

    #[test]
    fn a_location_without_zones_assumes_three_two_or_one_days() {
        assert_eq!(default_transit_days(ServiceLevel::Standard), 3);
        assert_eq!(default_transit_days(ServiceLevel::Express), 2);
        assert_eq!(default_transit_days(ServiceLevel::NextDay), 1);
    }

    #[test]
    fn zones_of_a_location_share_one_currency_and_name_bad_fields() {
        let mut eur = zone("DE", None, None, 500);
        eur.cost_per_shipment = Some(Money::new(500, Currency::parse("EUR").unwrap()));
        let mut bad = zone("Germany", None, None, -1);
        bad.transit_days = Some(99);
        let mut absurd = zone("FR", None, None, i64::MAX);
        absurd.cost_per_kg = Some(Money::new(i64::MAX, Currency::parse("GBP").unwrap()));
        let errors = parse_zones(&[zone("GB", None, None, 400), eur, bad, absurd]).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "/1/cost_per_shipment",
                "/2/country",
                "/2/cost_per_shipment",
                "/2/transit_days",
                "/3/cost_per_shipment",
                "/3/cost_per_kg"
            ]
        );
        assert_eq!(errors[5].message, "must be at most 10000000000.00 GBP");
    }
}
