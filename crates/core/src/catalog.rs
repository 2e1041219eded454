//! The catalog and the network: products (SKUs), locations and channels, the inputs
//! that create and change them, and what makes each of them valid.

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::payment::{CaptureMode, PaymentProvider};
use crate::returns::RefundOn;
use crate::routing::SplitPolicy;
use crate::validation::{self, FieldError, Invalid, Validator};

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

string_enum!(
    /// Where a channel's orders come from.
    ChannelKind {
        Web = "web",
        Shopify = "shopify",
        Amazon = "amazon",
        Etsy = "etsy",
        Ebay = "ebay",
        Woocommerce = "woocommerce",
        Pos = "pos",
        Wholesale = "wholesale",
        Api = "api",
    }
);

string_enum!(
    /// What happens to an order that asks for more than can be reserved.
    ShortagePolicy {
        /// Refuse the order (checkouts we control: the customer is still there).
        Reject = "reject",
        /// Accept it and mark the short lines backordered (marketplaces: the sale happened).
        Backorder = "backorder",
    }
);

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
        let name = req(&mut v, "name", &input.name, 200);
        let line1 = req(&mut v, "line1", &input.line1, 200);
        let city = req(&mut v, "city", &input.city, 100);
        let country = v
            .require(at("country"), input.country.as_deref())
            .and_then(|c| v.check(at("country"), validation::country(c)));
        let company = v.check(at("company"), validation::optional_text(input.company.as_deref(), 200));
        let line2 = v.check(at("line2"), validation::optional_text(input.line2.as_deref(), 200));
        let region = v.check(at("region"), validation::optional_text(input.region.as_deref(), 100));
        let postal_code = v.check(
            at("postal_code"),
            validation::optional_text(input.postal_code.as_deref(), 20).map(|p| p.map(|p| p.to_ascii_uppercase())),
        );
        let phone = v.check(at("phone"), validation::optional_text(input.phone.as_deref(), 40));
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

/// A GTIN (8, 12, 13 or 14 digits) must carry a correct check digit; other barcodes
/// (internal Code 128 labels) are accepted as codes.
pub fn barcode(raw: &str) -> Result<String, Invalid> {
    let value = validation::code(raw, "barcode")?;
    let digits: Vec<u32> = value.chars().filter_map(|c| c.to_digit(10)).collect();
    let is_gtin = digits.len() == value.len() && matches!(value.len(), 8 | 12 | 13 | 14);
    if is_gtin && !gtin_check_digit_ok(&digits) {
        return Err(Invalid::new(
            "invalid_barcode",
            "GTIN check digit does not match: re-scan or re-type the barcode",
        ));
    }
    Ok(value)
}

fn gtin_check_digit_ok(digits: &[u32]) -> bool {
    let Some((check, body)) = digits.split_last() else {
        return false;
    };
    validation::gs1_check_digit(body) == *check
}

/// A product as it arrives for creation.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[cfg_attr(feature = "openapi", schema(example = "TEE-ORG-M"))]
    pub sku: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "Organic cotton tee, medium"))]
    pub title: Option<String>,
    /// GTIN/EAN/UPC (check digit verified) or any internal barcode.
    #[cfg_attr(feature = "openapi", schema(example = "5012345678900"))]
    pub barcode: Option<String>,
    /// Shipping weight in grams.
    pub weight_grams: Option<i64>,
    pub price: Option<Money>,
    pub cost: Option<Money>,
}

/// A product's fields after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDraft {
    pub sku: String,
    pub title: String,
    pub barcode: Option<String>,
    pub weight_grams: Option<i64>,
    pub price: Option<Money>,
    pub cost: Option<Money>,
}

/// The changeable fields of a product; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    pub title: Option<String>,
    pub barcode: Option<String>,
    pub weight_grams: Option<i64>,
    pub price: Option<Money>,
    pub cost: Option<Money>,
}

fn weight(grams: i64) -> Result<i64, Invalid> {
    if (0..=1_000_000_000).contains(&grams) {
        Ok(grams)
    } else {
        Err(Invalid::new("out_of_range", "must be between 0 and 1000000000 grams"))
    }
}

fn price(m: Money) -> Result<Money, Invalid> {
    if m.is_negative() {
        Err(Invalid::new("out_of_range", "must not be negative"))
    } else {
        Ok(m)
    }
}

impl ProductInput {
    pub fn parse(&self) -> Result<ProductDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let sku = v
            .require("/sku", self.sku.as_deref())
            .and_then(|s| v.check("/sku", validation::code(s, "sku")));
        let title = v
            .require("/title", self.title.as_deref())
            .and_then(|t| v.check("/title", validation::text(t, 300)));
        let barcode = v.check_opt("/barcode", self.barcode.as_deref(), barcode);
        let weight_grams = v.check_opt("/weight_grams", self.weight_grams, weight);
        let price_ = v.check_opt("/price", self.price, price);
        let cost = v.check_opt("/cost", self.cost, price);
        v.finish(|| {
            Some(ProductDraft {
                sku: sku?,
                title: title?,
                barcode: barcode?,
                weight_grams: weight_grams?,
                price: price_?,
                cost: cost?,
            })
        })
    }
}

impl ProductPatch {
    /// Applies the patch to `current`, validating what changes.
    pub fn apply(&self, current: &ProductDraft) -> Result<ProductDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let title = v.check_opt("/title", self.title.as_deref(), |t| validation::text(t, 300));
        let barcode = v.check_opt("/barcode", self.barcode.as_deref(), barcode);
        let weight_grams = v.check_opt("/weight_grams", self.weight_grams, weight);
        let price_ = v.check_opt("/price", self.price, price);
        let cost = v.check_opt("/cost", self.cost, price);
        v.finish(|| {
            Some(ProductDraft {
                sku: current.sku.clone(),
                title: title?.unwrap_or_else(|| current.title.clone()),
                barcode: barcode?.or_else(|| current.barcode.clone()),
                weight_grams: weight_grams?.or(current.weight_grams),
                price: price_?.or(current.price),
                cost: cost?.or(current.cost),
            })
        })
    }
}

/// Only ordinary products hold stock: a kit's stock is its components' stock, so it is
/// never received, counted, adjusted or bought itself.
pub fn holds_stock(sku: &str, is_kit: bool) -> Result<(), Invalid> {
    if is_kit {
        Err(Invalid::new(
            "kit",
            format!("{sku} is a kit: it has no stock of its own; use its components"),
        ))
    } else {
        Ok(())
    }
}

/// One component of a kit as it arrives.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ComponentInput {
    /// SKU (or product id) of the component.
    #[cfg_attr(feature = "openapi", schema(example = "MUG-FERN"))]
    pub sku: Option<String>,
    /// Units of the component in one kit.
    #[cfg_attr(feature = "openapi", schema(example = 2))]
    pub quantity: Option<i64>,
}

/// Parses a kit's components: each named once, with a positive quantity. An empty
/// list makes the product an ordinary one again.
pub fn parse_components(
    inputs: &[ComponentInput],
) -> Result<Vec<(String, crate::inventory::Quantity)>, Vec<FieldError>> {
    let mut v = Validator::new();
    let mut parts: Vec<(String, crate::inventory::Quantity)> = Vec::new();
    for (i, c) in inputs.iter().enumerate() {
        let sku = v
            .require(format!("/{i}/sku"), c.sku.as_deref())
            .and_then(|s| v.check(format!("/{i}/sku"), validation::code(s, "sku")));
        let quantity = v
            .require(format!("/{i}/quantity"), c.quantity)
            .and_then(|q| v.check(format!("/{i}/quantity"), crate::inventory::Quantity::new(q)));
        if let (Some(sku), Some(quantity)) = (sku, quantity) {
            if parts.iter().any(|(s, _)| *s == sku) {
                v.push(Invalid::new("duplicate", "is listed twice").at(format!("/{i}/sku")));
            }
            parts.push((sku, quantity));
        }
    }
    v.finish(|| Some(parts))
}

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
    /// IANA time zone of the cut-off, e.g. Europe/London. Default UTC.
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
        let priority = v.check("/priority", within(self.priority.unwrap_or(100), 0..=1_000_000));
        let timezone = v.check("/timezone", {
            let tz = self.timezone.as_deref().map(str::trim).unwrap_or("UTC");
            match crate::routing::promise::time_zone(tz) {
                Some(_) => Ok(tz.to_owned()),
                None => Err(Invalid::new(
                    "invalid_time_zone",
                    "must be an IANA time zone such as Europe/London",
                )),
            }
        });
        let cutoff = v.check("/cutoff", cutoff_minutes(self.cutoff.as_deref().unwrap_or("16:00")));
        let handling_days = v.check("/handling_days", {
            let d = self.handling_days.unwrap_or(0);
            if (0..=30).contains(&d) {
                Ok(d)
            } else {
                Err(Invalid::new("out_of_range", "must be between 0 and 30"))
            }
        });
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
}

/// The code and name every location and channel has.
fn identity(v: &mut Validator, code: Option<&str>, name: Option<&str>) -> (Option<String>, Option<String>) {
    let code = v
        .require("/code", code)
        .and_then(|c| v.check("/code", validation::code(c, "code")));
    let name = v
        .require("/name", name)
        .and_then(|n| v.check("/name", validation::text(n, 200)));
    (code, name)
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

/// A channel as it arrives for creation or replacement.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelInput {
    #[cfg_attr(feature = "openapi", schema(example = "amazon-uk"))]
    pub code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "Amazon UK"))]
    pub name: Option<String>,
    pub kind: Option<ChannelKind>,
    /// Codes (or ids) of the locations this channel's orders may ship from.
    #[cfg_attr(feature = "openapi", schema(example = json!(["LON", "MCR-3PL"])))]
    pub ship_from: Option<Vec<String>>,
    /// Default `reject`.
    pub shortage_policy: Option<ShortagePolicy>,
    /// Default `allow`: split across locations when one cannot ship everything.
    pub split_policy: Option<SplitPolicy>,
    /// Who takes the money of this channel's orders; default `manual`.
    pub payment_provider: Option<PaymentProvider>,
    /// When the money is taken; default `on_shipment`.
    pub capture_mode: Option<CaptureMode>,
    /// Days after delivery (or shipment, when delivery is not known) a return may be
    /// requested; default 30, at most 365.
    #[cfg_attr(feature = "openapi", schema(example = 30))]
    pub return_window_days: Option<i64>,
    /// When returns are refunded; default `receipt`.
    pub refund_on: Option<RefundOn>,
    /// Percent of the goods kept when a return is the customer's choice (not a fault of
    /// the seller); default 0.
    #[cfg_attr(feature = "openapi", schema(example = 10))]
    pub restocking_fee_percent: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDraft {
    pub code: String,
    pub name: String,
    pub kind: ChannelKind,
    /// Location references, in the order given, not yet resolved.
    pub ship_from: Vec<String>,
    pub shortage_policy: ShortagePolicy,
    pub split_policy: SplitPolicy,
    pub policies: ChannelPolicies,
}

/// How a channel takes money and accepts returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelPolicies {
    pub payment_provider: PaymentProvider,
    pub capture_mode: CaptureMode,
    pub return_window_days: i64,
    pub refund_on: RefundOn,
    pub restocking_fee_percent: i64,
}

impl Default for ChannelPolicies {
    fn default() -> Self {
        ChannelPolicies {
            payment_provider: PaymentProvider::Manual,
            capture_mode: CaptureMode::OnShipment,
            return_window_days: 30,
            refund_on: RefundOn::Receipt,
            restocking_fee_percent: 0,
        }
    }
}

fn within(value: i64, range: std::ops::RangeInclusive<i64>) -> Result<i64, Invalid> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be between {} and {}", range.start(), range.end()),
        ))
    }
}

impl ChannelInput {
    pub fn parse(&self) -> Result<ChannelDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let (code, name) = identity(&mut v, self.code.as_deref(), self.name.as_deref());
        let kind = v.require("/kind", self.kind);
        let mut ship_from = Vec::new();
        for (i, raw) in self.ship_from.iter().flatten().enumerate() {
            if let Some(code) = v.check(format!("/ship_from/{i}"), validation::code(raw, "location")) {
                if ship_from.contains(&code) {
                    v.push(Invalid::new("duplicate", "is listed twice").at(format!("/ship_from/{i}")));
                }
                ship_from.push(code);
            }
        }
        let defaults = ChannelPolicies::default();
        let window = self
            .return_window_days
            .map(|days| v.check("/return_window_days", within(days, 0..=365)));
        let fee = self
            .restocking_fee_percent
            .map(|percent| v.check("/restocking_fee_percent", within(percent, 0..=100)));
        v.finish(|| {
            Some(ChannelDraft {
                code: code?,
                name: name?,
                kind: kind?,
                ship_from,
                shortage_policy: self.shortage_policy.unwrap_or(ShortagePolicy::Reject),
                split_policy: self.split_policy.unwrap_or(SplitPolicy::Allow),
                policies: ChannelPolicies {
                    payment_provider: self.payment_provider.unwrap_or(defaults.payment_provider),
                    capture_mode: self.capture_mode.unwrap_or(defaults.capture_mode),
                    return_window_days: window.map_or(Some(defaults.return_window_days), |w| w)?,
                    refund_on: self.refund_on.unwrap_or(defaults.refund_on),
                    restocking_fee_percent: fee.map_or(Some(defaults.restocking_fee_percent), |f| f)?,
                },
            })
        })
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
    fn gtin_check_digits_are_verified() {
        assert!(barcode("5012345678900").is_ok());
        assert!(barcode("5012345678901").is_err());
        assert!(barcode("036000291452").is_ok());
        assert!(barcode("INTERNAL-42").is_ok());
    }
}
