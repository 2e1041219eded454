//! Products (SKUs): what a valid product is when it is created or changed, and barcodes
//! with their GTIN check digits.

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::validation::{self, FieldError, Invalid, Validator};

/// Longest product title.
pub const TITLE_MAX: usize = 300;
/// Heaviest product, in grams (a tonne).
pub const WEIGHT_MAX_GRAMS: i64 = 1_000_000;

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
    if (0..=WEIGHT_MAX_GRAMS).contains(&grams) {
        Ok(grams)
    } else {
        Err(Invalid::new(
            "out_of_range",
            format!("must be between 0 and {WEIGHT_MAX_GRAMS} grams"),
        ))
    }
}

fn title(raw: &str) -> Result<String, Invalid> {
    validation::text(raw, TITLE_MAX)
}

impl ProductInput {
    pub fn parse(&self) -> Result<ProductDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let sku = v
            .require("/sku", self.sku.as_deref())
            .and_then(|s| v.check("/sku", validation::code(s, "sku")));
        let title = v
            .require("/title", self.title.as_deref())
            .and_then(|t| v.check("/title", title(t)));
        let barcode = v.check_opt("/barcode", self.barcode.as_deref(), barcode);
        let weight_grams = v.check_opt("/weight_grams", self.weight_grams, weight);
        let price = v.check_opt("/price", self.price, Money::bounded);
        let cost = v.check_opt("/cost", self.cost, Money::bounded);
        v.finish(|| {
            Some(ProductDraft {
                sku: sku?,
                title: title?,
                barcode: barcode?,
                weight_grams: weight_grams?,
                price: price?,
                cost: cost?,
            })
        })
    }
}

impl ProductPatch {
    /// Applies the patch to `current`, validating what changes.
    pub fn apply(&self, current: &ProductDraft) -> Result<ProductDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let title = v.check_opt("/title", self.title.as_deref(), title);
        let barcode = v.check_opt("/barcode", self.barcode.as_deref(), barcode);
        let weight_grams = v.check_opt("/weight_grams", self.weight_grams, weight);
        let price = v.check_opt("/price", self.price, Money::bounded);
        let cost = v.check_opt("/cost", self.cost, Money::bounded);
        v.finish(|| {
            Some(ProductDraft {
                sku: current.sku.clone(),
                title: title?.unwrap_or_else(|| current.title.clone()),
                barcode: barcode?.or_else(|| current.barcode.clone()),
                weight_grams: weight_grams?.or(current.weight_grams),
                price: price?.or(current.price),
                cost: cost?.or(current.cost),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;

    fn tee() -> ProductDraft {
        ProductInput {
            sku: Some(" TEE ".into()),
            title: Some("Tee".into()),
            weight_grams: Some(180),
            ..Default::default()
        }
        .parse()
        .unwrap()
    }

    #[test]
    fn gtin_check_digits_are_verified() {
        assert!(barcode("5012345678900").is_ok());
        assert!(barcode("5012345678901").is_err());
        assert!(barcode("036000291452").is_ok());
        assert!(barcode("INTERNAL-42").is_ok());
    }

    #[test]
    fn only_all_digit_codes_of_a_gtin_length_need_a_check_digit() {
        // Eight characters, not all digits: an internal label, whatever its last digit.
        assert_eq!(barcode("ABCD-124"), Ok("ABCD-124".into()));
        // All digits, but five of them: no GTIN is that long.
        assert_eq!(barcode("12345"), Ok("12345".into()));
        assert_eq!(
            barcode("50123457").map_err(|e| e.code),
            Err("invalid_barcode"),
            "an eight-digit GTIN is checked"
        );
    }

    #[test]
    fn a_product_names_each_bad_field() {
        let errors = ProductInput {
            title: Some("x".repeat(TITLE_MAX + 1)),
            weight_grams: Some(WEIGHT_MAX_GRAMS + 1),
            price: Some(Money::new(-1, Currency::parse("GBP").unwrap())),
            cost: Some(Money::new(i64::MAX, Currency::parse("GBP").unwrap())),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("/sku", "required"),
                ("/title", "too_long"),
                ("/weight_grams", "out_of_range"),
                ("/price", "out_of_range"),
                ("/cost", "out_of_range")
            ]
        );
        assert_eq!(errors[2].message, "must be between 0 and 1000000 grams");
        assert_eq!(errors[4].message, "must be at most 10000000000.00 GBP");
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let current = tee();
        assert_eq!(current.sku, "TEE");
        let patch = ProductPatch {
            title: Some("Organic tee".into()),
            ..Default::default()
        };
        let changed = patch.apply(&current).unwrap();
        assert_eq!(changed.title, "Organic tee");
        assert_eq!(changed.weight_grams, Some(180));
        let blank = ProductPatch {
            title: Some(" ".into()),
            ..Default::default()
        };
        assert_eq!(blank.apply(&current).unwrap_err()[0].field, "/title");
    }
}
