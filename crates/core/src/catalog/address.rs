//! Postal addresses: what a complete one is, field lengths, and which countries need a
//! postal code or a region.

use serde::{Deserialize, Serialize};

use crate::validation::{self, FieldError, Invalid, Validator};

/// Longest name, company or address line.
pub const ADDRESS_LINE_MAX: usize = 200;
/// Longest city or region.
pub const CITY_MAX: usize = 100;
/// Longest postal code.
pub const POSTAL_CODE_MAX: usize = 20;
/// Longest phone number.
pub const PHONE_MAX: usize = 40;

/// Countries whose addresses have no postal code.
const NO_POSTCODE: &[&str] = &[
    "AE", "AG", "AO", "AW", "BF", "BI", "BJ", "BO", "BS", "BW", "BZ", "CD", "CF", "CG", "CI", "CK", "CM", "DJ", "DM",
    "ER", "FJ", "GA", "GD", "GH", "GM", "GQ", "GY", "HK", "JM", "KI", "KM", "KN", "KP", "LC", "ML", "MO", "MR", "MW",
    "NR", "NU", "QA", "RW", "SB", "SC", "SL", "SR", "ST", "SY", "TD", "TG", "TK", "TL", "TO", "TT", "TV", "UG", "VU",
    "YE", "ZW",
];
/// Countries whose addresses need a state, province or territory.
const REGION_REQUIRED: &[&str] = &["US", "CA", "AU"];

/// A postal address as it arrives; `Address::parse` makes it valid.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddressInput {
    /// Recipient or business name.
    pub name: Option<String>,
    pub company: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub city: Option<String>,
    /// State, province or county; required for US, CA and AU.
    pub region: Option<String>,
    /// Required except in countries without postal codes.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[cfg_attr(feature = "openapi", schema(example = "GB"))]
    pub country: Option<String>,
    pub phone: Option<String>,
}

/// A complete postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    pub name: String,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    pub phone: Option<String>,
}

impl Address {
    /// Validates every field, reporting problems under `path` (e.g. `/shipping_address`).
    pub fn parse(input: &AddressInput, path: &str) -> Result<Address, Vec<FieldError>> {
        let mut v = Validator::new();
        let at = |f: &str| format!("{path}/{f}");
        let req = |v: &mut Validator, f: &str, raw: &Option<String>, max| {
            let present = v.require(at(f), raw.as_deref());
            present.and_then(|r| v.check(at(f), validation::text(r, max)))
        };
        let optional = |v: &mut Validator, f: &str, raw: &Option<String>, max| {
            v.check(at(f), validation::optional_text(raw.as_deref(), max))
        };
        let name = req(&mut v, "name", &input.name, ADDRESS_LINE_MAX);
        let line1 = req(&mut v, "line1", &input.line1, ADDRESS_LINE_MAX);
        let city = req(&mut v, "city", &input.city, CITY_MAX);
        let country = v
            .require(at("country"), input.country.as_deref())
            .and_then(|c| v.check(at("country"), validation::country(c)));
        let company = optional(&mut v, "company", &input.company, ADDRESS_LINE_MAX);
        let line2 = optional(&mut v, "line2", &input.line2, ADDRESS_LINE_MAX);
        let region = optional(&mut v, "region", &input.region, CITY_MAX);
        let postal_code = optional(&mut v, "postal_code", &input.postal_code, POSTAL_CODE_MAX)
            .map(|p| p.map(|p| p.to_ascii_uppercase()));
        let phone = optional(&mut v, "phone", &input.phone, PHONE_MAX);
        if let Some(country) = country.as_deref() {
            if matches!(postal_code, Some(None)) && !NO_POSTCODE.contains(&country) {
                v.push(
                    Invalid::new("required", format!("is required for addresses in {country}")).at(at("postal_code")),
                );
            }
            if matches!(region, Some(None)) && REGION_REQUIRED.contains(&country) {
                v.push(Invalid::new("required", format!("is required for addresses in {country}")).at(at("region")));
            }
        }
        v.finish(|| {
            Some(Address {
                name: name?,
                company: company?,
                line1: line1?,
                line2: line2?,
                city: city?,
                region: region?,
                postal_code: postal_code?,
                country: country?,
                phone: phone?,
            })
        })
    }
}

impl From<&Address> for AddressInput {
    /// A valid address as input again, e.g. to merge a change into it.
    fn from(a: &Address) -> Self {
        AddressInput {
            name: Some(a.name.clone()),
            company: a.company.clone(),
            line1: Some(a.line1.clone()),
            line2: a.line2.clone(),
            city: Some(a.city.clone()),
            region: a.region.clone(),
            postal_code: a.postal_code.clone(),
            country: Some(a.country.clone()),
            phone: a.phone.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uk_address() -> AddressInput {
        AddressInput {
            name: Some("Ann Smith".into()),
            line1: Some("1 High St".into()),
            city: Some("Leeds".into()),
            postal_code: Some("ls1 4ap".into()),
            country: Some("gb".into()),
            ..Default::default()
        }
    }

    #[test]
    fn an_address_is_normalised() {
        let a = Address::parse(&uk_address(), "/a").unwrap();
        assert_eq!(a.country, "GB");
        assert_eq!(a.postal_code.as_deref(), Some("LS1 4AP"));
    }

    #[test]
    fn an_address_names_each_missing_field() {
        let errors = Address::parse(&AddressInput::default(), "/shipping_address").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "/shipping_address/name",
                "/shipping_address/line1",
                "/shipping_address/city",
                "/shipping_address/country"
            ]
        );
    }

    #[test]
    fn postal_code_and_region_depend_on_the_country() {
        let mut hk = uk_address();
        hk.country = Some("HK".into());
        hk.postal_code = None;
        assert!(Address::parse(&hk, "").is_ok());
        let mut us = uk_address();
        us.country = Some("US".into());
        let errors = Address::parse(&us, "").unwrap_err();
        assert_eq!(errors[0].field, "/region");
    }

    #[test]
    fn field_lengths_are_the_named_limits() {
        let mut long = uk_address();
        long.line1 = Some("x".repeat(ADDRESS_LINE_MAX));
        long.phone = Some("1".repeat(PHONE_MAX + 1));
        let errors = Address::parse(&long, "").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].field.as_str(), errors[0].code), ("/phone", "too_long"));
    }

    #[test]
    fn an_address_round_trips_through_its_input() {
        let a = Address::parse(&uk_address(), "").unwrap();
        assert_eq!(Address::parse(&AddressInput::from(&a), ""), Ok(a));
    }
}
