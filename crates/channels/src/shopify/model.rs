//! Shopify Admin REST payloads, as far as the connector reads them. Money is kept as
//! the decimal text Shopify wrote (`"199.00"`), never as a float; ids (JSON numbers)
//! are kept as text.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A decimal amount as Shopify wrote it: a JSON string (`"199.00"`) or, in older
/// payloads, a JSON number, kept as its literal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal(pub String);

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(Decimal(s)),
            Value::Number(n) => Ok(Decimal(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a decimal amount, got {other}"
            ))),
        }
    }
}

/// A Shopify id (a JSON number, sometimes a string), kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(Id(s)),
            Value::Number(n) if n.is_u64() => Ok(Id(n.to_string())),
            other => Err(serde::de::Error::custom(format!("expected an id, got {other}"))),
        }
    }
}

/// A list Shopify may write as `null`: read as empty.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    pub id: Id,
    pub email: Option<String>,
    pub contact_email: Option<String>,
    pub phone: Option<String>,
    pub created_at: Option<String>,
    pub processed_at: Option<String>,
    pub currency: Option<String>,
    #[serde(default)]
    pub taxes_included: Option<bool>,
    pub total_price: Option<Decimal>,
    pub total_line_items_price: Option<Decimal>,
    pub total_discounts: Option<Decimal>,
    pub total_tax: Option<Decimal>,
    #[serde(default, deserialize_with = "list")]
    pub tax_lines: Vec<TaxLine>,
    #[serde(default, deserialize_with = "list")]
    pub line_items: Vec<LineItem>,
    #[serde(default, deserialize_with = "list")]
    pub shipping_lines: Vec<ShippingLine>,
    pub billing_address: Option<Address>,
    pub shipping_address: Option<Address>,
    pub customer: Option<Customer>,
    pub cancelled_at: Option<String>,
    pub cancel_reason: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub refunds: Vec<Refund>,
    pub note: Option<String>,
    /// Comma-separated, as Shopify keeps them.
    pub tags: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LineItem {
    pub id: Id,
    pub sku: Option<String>,
    pub quantity: i64,
    pub price: Decimal,
    /// The line's discount in older payloads (deprecated for `discount_allocations`).
    pub total_discount: Option<Decimal>,
    #[serde(default, deserialize_with = "list")]
    pub discount_allocations: Vec<DiscountAllocation>,
    #[serde(default, deserialize_with = "list")]
    pub tax_lines: Vec<TaxLine>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DiscountAllocation {
    pub amount: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TaxLine {
    pub price: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ShippingLine {
    pub price: Decimal,
    #[serde(default, deserialize_with = "list")]
    pub tax_lines: Vec<TaxLine>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Address {
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
    pub province_code: Option<String>,
    pub zip: Option<String>,
    pub country_code: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Customer {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
}

/// A refund (the `refunds/create` body, or one of an order's `refunds`).
#[derive(Debug, Clone, Deserialize)]
pub struct Refund {
    pub id: Id,
    pub order_id: Option<Id>,
    pub note: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub transactions: Vec<Transaction>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Transaction {
    pub kind: String,
    pub status: Option<String>,
    pub amount: Decimal,
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Shop {
    pub name: Option<String>,
    pub myshopify_domain: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Product {
    #[serde(default, deserialize_with = "list")]
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Variant {
    pub id: Id,
    pub sku: Option<String>,
    pub inventory_item_id: Option<Id>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InventoryLevel {
    pub inventory_item_id: Id,
    pub available: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FulfillmentOrder {
    pub id: Id,
    pub status: String,
    #[serde(default, deserialize_with = "list")]
    pub line_items: Vec<FulfillmentOrderLine>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FulfillmentOrderLine {
    pub id: Id,
    pub line_item_id: Id,
    pub fulfillable_quantity: i64,
}
