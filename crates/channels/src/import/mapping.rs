//! Which column of an order file holds what: Amazon's report built in, any other
//! layout described in TOML, and the columns found in a file's header.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchyard_core::order::ServiceLevel;

use super::Problem;

/// Where a field's value comes from: a column, by its header, or the same value for
/// every row (`currency = { value = "GBP" }`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Source {
    Column(String),
    Constant { value: String },
}

/// How the file gives shipping: for each line (Amazon: summed over the order's rows),
/// or for the order (on one row, or repeated alike on each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShippingPer {
    #[default]
    Line,
    Order,
}

/// A file's layout. Exactly one of `unit_price` and `line_price` (the price of all the
/// line's units) is given; fields left out are left out of the order.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub order_id: Source,
    pub line_id: Option<Source>,
    pub sku: Source,
    pub quantity: Source,
    pub unit_price: Option<Source>,
    pub line_price: Option<Source>,
    pub discount: Option<Source>,
    pub tax: Option<Source>,
    pub shipping: Option<Source>,
    pub shipping_tax: Option<Source>,
    #[serde(default)]
    pub shipping_per: ShippingPer,
    pub currency: Source,
    pub email: Option<Source>,
    pub name: Option<Source>,
    pub phone: Option<Source>,
    pub recipient: Option<Source>,
    pub company: Option<Source>,
    pub address1: Option<Source>,
    pub address2: Option<Source>,
    pub address3: Option<Source>,
    pub city: Option<Source>,
    pub region: Option<Source>,
    pub postal_code: Option<Source>,
    pub country: Option<Source>,
    pub ship_phone: Option<Source>,
    pub placed_at: Option<Source>,
    pub service_level: Option<Source>,
    pub notes: Option<Source>,
    /// The file's words for service levels (`"Expedited" = "express"`); a value not
    /// listed must be one of ours (`standard`, `express`, `next_day`).
    #[serde(default)]
    pub service_levels: BTreeMap<String, ServiceLevel>,
}

/// Every field a mapping can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    OrderId,
    LineId,
    Sku,
    Quantity,
    Price,
    Discount,
    Tax,
    Shipping,
    ShippingTax,
    Currency,
    Email,
    Name,
    Phone,
    Recipient,
    Company,
    Address1,
    Address2,
    Address3,
    City,
    Region,
    PostalCode,
    Country,
    ShipPhone,
    PlacedAt,
    ServiceLevel,
    Notes,
}

impl Field {
    pub const ALL: [Field; 26] = [
        Field::OrderId,
        Field::LineId,
        Field::Sku,
        Field::Quantity,
        Field::Price,
        Field::Discount,
        Field::Tax,
        Field::Shipping,
        Field::ShippingTax,
        Field::Currency,
        Field::Email,
        Field::Name,
        Field::Phone,
        Field::Recipient,
        Field::Company,
        Field::Address1,
        Field::Address2,
        Field::Address3,
        Field::City,
        Field::Region,
        Field::PostalCode,
        Field::Country,
        Field::ShipPhone,
        Field::PlacedAt,
        Field::ServiceLevel,
        Field::Notes,
    ];

    /// Fields of the order rather than of a line: every row of an order that fills
    /// one must agree with the order's first row.
    pub fn is_per_order(self) -> bool {
        !matches!(
            self,
            Field::LineId
                | Field::Sku
                | Field::Quantity
                | Field::Price
                | Field::Discount
                | Field::Tax
                | Field::Shipping
                | Field::ShippingTax
        )
    }
}

/// Amazon's words for its ship service levels (`ShipServiceLevel` in its order
/// reports and Orders API), as our levels.
const AMAZON_LEVELS: [(&str, ServiceLevel); 8] = [
    ("Standard", ServiceLevel::Standard),
    ("FreeEconomy", ServiceLevel::Standard),
    ("Scheduled", ServiceLevel::Standard),
    ("Expedited", ServiceLevel::Express),
    ("SecondDay", ServiceLevel::Express),
    ("Priority", ServiceLevel::Express),
    ("NextDay", ServiceLevel::NextDay),
    ("SameDay", ServiceLevel::NextDay),
];

impl Mapping {
    /// Amazon's unshipped-orders report (and the seller-fulfilled order report of the
    /// same columns): tab-separated, one row per order item, `item-price` the price of
    /// all the item's units, shipping and its tax given per item.
    pub fn amazon() -> Mapping {
        let col = |name: &str| Some(Source::Column(name.to_owned()));
        Mapping {
            order_id: Source::Column("order-id".into()),
            line_id: col("order-item-id"),
            sku: Source::Column("sku".into()),
            quantity: Source::Column("quantity-purchased".into()),
            unit_price: None,
            line_price: col("item-price"),
            discount: None,
            tax: col("item-tax"),
            shipping: col("shipping-price"),
            shipping_tax: col("shipping-tax"),
            shipping_per: ShippingPer::Line,
            currency: Source::Column("currency".into()),
            email: col("buyer-email"),
            name: col("buyer-name"),
            phone: col("buyer-phone-number"),
            recipient: col("recipient-name"),
            company: None,
            address1: col("ship-address-1"),
            address2: col("ship-address-2"),
            address3: col("ship-address-3"),
            city: col("ship-city"),
            region: col("ship-state"),
            postal_code: col("ship-postal-code"),
            country: col("ship-country"),
            ship_phone: col("ship-phone-number"),
            placed_at: col("purchase-date"),
            service_level: col("ship-service-level"),
            notes: col("delivery-Instructions"),
            service_levels: AMAZON_LEVELS.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        }
    }

    /// A mapping written in TOML: each field's column header as a string, or
    /// `{ value = "..." }` for a constant.
    pub fn from_toml(text: &str) -> Result<Mapping, String> {
        toml::from_str::<Mapping>(text)
            .map_err(|e| e.message().to_owned())?
            .checked()
    }

    /// The same mapping as a JSON object (the API's import body carries one).
    pub fn from_json(value: serde_json::Value) -> Result<Mapping, String> {
        serde_json::from_value::<Mapping>(value)
            .map_err(|e| e.to_string())?
            .checked()
    }

    fn checked(self) -> Result<Mapping, String> {
        match (&self.unit_price, &self.line_price) {
            (Some(_), None) | (None, Some(_)) => Ok(self),
            _ => Err("give exactly one of `unit_price` and `line_price`".into()),
        }
    }

    pub fn source(&self, field: Field) -> Option<&Source> {
        match field {
            Field::OrderId => Some(&self.order_id),
            Field::LineId => self.line_id.as_ref(),
            Field::Sku => Some(&self.sku),
            Field::Quantity => Some(&self.quantity),
            Field::Price => self.line_price.as_ref().or(self.unit_price.as_ref()),
            Field::Discount => self.discount.as_ref(),
            Field::Tax => self.tax.as_ref(),
            Field::Shipping => self.shipping.as_ref(),
            Field::ShippingTax => self.shipping_tax.as_ref(),
            Field::Currency => Some(&self.currency),
            Field::Email => self.email.as_ref(),
            Field::Name => self.name.as_ref(),
            Field::Phone => self.phone.as_ref(),
            Field::Recipient => self.recipient.as_ref(),
            Field::Company => self.company.as_ref(),
            Field::Address1 => self.address1.as_ref(),
            Field::Address2 => self.address2.as_ref(),
            Field::Address3 => self.address3.as_ref(),
            Field::City => self.city.as_ref(),
            Field::Region => self.region.as_ref(),
            Field::PostalCode => self.postal_code.as_ref(),
            Field::Country => self.country.as_ref(),
            Field::ShipPhone => self.ship_phone.as_ref(),
            Field::PlacedAt => self.placed_at.as_ref(),
            Field::ServiceLevel => self.service_level.as_ref(),
            Field::Notes => self.notes.as_ref(),
        }
    }

    /// Whether the price column is the price of all the line's units.
    pub fn prices_lines(&self) -> bool {
        self.line_price.is_some()
    }

    /// The level a service-level cell names: the mapping's word for it (any case), or
    /// one of ours.
    pub fn service_level(&self, raw: &str) -> Option<ServiceLevel> {
        self.service_levels
            .iter()
            .find(|(word, _)| word.eq_ignore_ascii_case(raw))
            .map(|(_, level)| *level)
            .or_else(|| ServiceLevel::parse(&raw.to_ascii_lowercase()).ok())
    }

    /// The service levels a cell may name, for a problem's reason.
    pub fn service_level_words(&self) -> String {
        let ours = [ServiceLevel::Standard, ServiceLevel::Express, ServiceLevel::NextDay];
        let words: Vec<&str> = self
            .service_levels
            .keys()
            .map(String::as_str)
            .chain(ours.iter().map(|l| l.as_str()))
            .collect();
        words.join(", ")
    }
}

/// Where each mapped field is in one file: a column's index, or a constant.
#[derive(Debug, Clone)]
pub struct Columns {
    found: BTreeMap<Field, Found>,
    labels: BTreeMap<Field, String>,
}

#[derive(Debug, Clone)]
enum Found {
    At(usize),
    Constant(String),
}

impl Columns {
    /// Finds each mapped column in the header (ignoring case and surrounding spaces);
    /// a missing one is a problem of row 1.
    pub fn find(mapping: &Mapping, header: &[String]) -> Result<Columns, Vec<Problem>> {
        let mut found = BTreeMap::new();
        let mut labels = BTreeMap::new();
        let mut problems = Vec::new();
        for field in Field::ALL {
            let Some(source) = mapping.source(field) else {
                continue;
            };
            match source {
                Source::Column(name) => {
                    labels.insert(field, name.clone());
                    match header.iter().position(|h| h.trim().eq_ignore_ascii_case(name.trim())) {
                        Some(i) => {
                            found.insert(field, Found::At(i));
                        }
                        None => problems.push(Problem {
                            row: 1,
                            column: name.clone(),
                            reason: "the header has no such column".into(),
                            order: None,
                        }),
                    }
                }
                Source::Constant { value } => {
                    labels.insert(field, format!("{} (constant)", key(field)));
                    found.insert(field, Found::Constant(value.clone()));
                }
            }
        }
        if problems.is_empty() {
            Ok(Columns { found, labels })
        } else {
            Err(problems)
        }
    }

    /// The field's value in `cells`, trimmed; `None` when unmapped or blank.
    pub fn get<'a>(&'a self, cells: &'a [String], field: Field) -> Option<&'a str> {
        let value = match self.found.get(&field)? {
            Found::At(i) => cells.get(*i).map(String::as_str).unwrap_or_default(),
            Found::Constant(v) => v.as_str(),
        };
        Some(value.trim()).filter(|v| !v.is_empty())
    }

    /// What a report calls the field: its column's header, or the mapping's key for a
    /// constant or a field the mapping leaves out.
    pub fn label(&self, field: Field) -> String {
        self.labels
            .get(&field)
            .cloned()
            .unwrap_or_else(|| key(field).to_owned())
    }
}

/// The field's key in a TOML mapping.
pub fn key(field: Field) -> &'static str {
    match field {
        Field::OrderId => "order_id",
        Field::LineId => "line_id",
        Field::Sku => "sku",
        Field::Quantity => "quantity",
        Field::Price => "unit_price",
        Field::Discount => "discount",
        Field::Tax => "tax",
        Field::Shipping => "shipping",
        Field::ShippingTax => "shipping_tax",
        Field::Currency => "currency",
        Field::Email => "email",
        Field::Name => "name",
        Field::Phone => "phone",
        Field::Recipient => "recipient",
        Field::Company => "company",
        Field::Address1 => "address1",
        Field::Address2 => "address2",
        Field::Address3 => "address3",
        Field::City => "city",
        Field::Region => "region",
        Field::PostalCode => "postal_code",
        Field::Country => "country",
        Field::ShipPhone => "ship_phone",
        Field::PlacedAt => "placed_at",
        Field::ServiceLevel => "service_level",
        Field::Notes => "notes",
    }
}
