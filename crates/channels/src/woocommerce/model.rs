//! WooCommerce REST API v3 payloads, as far as the connector reads them. Money is
//! kept as the text WooCommerce writes (`"29.35"`) and read exactly by the mapping;
//! fields WooCommerce may leave out or send empty default to empty.

use serde::{Deserialize, Serialize};

/// An order (`GET /orders/{id}`, one element of `GET /orders`, and the body of an
/// `order.created` / `order.updated` webhook).
#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    pub id: u64,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub currency: String,
    /// UTC, without an offset: `2017-03-22T19:28:02`.
    #[serde(default)]
    pub date_created_gmt: Option<String>,
    #[serde(default)]
    pub discount_total: String,
    #[serde(default)]
    pub shipping_total: String,
    #[serde(default)]
    pub total_tax: String,
    #[serde(default)]
    pub total: String,
    /// Whether the shop's prices included tax at checkout. The REST figures of lines
    /// and shipping exclude tax either way (WooCommerce stores them net).
    #[serde(default)]
    pub prices_include_tax: bool,
    #[serde(default)]
    pub billing: Address,
    #[serde(default)]
    pub shipping: Address,
    #[serde(default)]
    pub customer_note: String,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
    #[serde(default)]
    pub shipping_lines: Vec<ShippingLine>,
    #[serde(default)]
    pub fee_lines: Vec<FeeLine>,
    #[serde(default)]
    pub refunds: Vec<RefundSummary>,
}

/// A billing or shipping address (`billing` has `email`; both may have `phone`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Address {
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub address_1: String,
    pub address_2: String,
    pub city: String,
    pub state: String,
    pub postcode: String,
    pub country: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LineItem {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub sku: Option<String>,
    pub quantity: i64,
    /// Before discounts, net of tax.
    pub subtotal: String,
    /// After discounts, net of tax.
    pub total: String,
    /// Tax on `total`.
    pub total_tax: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ShippingLine {
    pub total: String,
    pub total_tax: String,
}

/// A fee (gift wrap, cash-on-delivery charge; negative for a discount given as a fee).
#[derive(Debug, Clone, Deserialize)]
pub struct FeeLine {
    #[serde(default)]
    pub name: String,
    pub total: String,
    pub total_tax: String,
}

/// A refund as the order lists it: `total` is negative (`"-10.00"`).
#[derive(Debug, Clone, Deserialize)]
pub struct RefundSummary {
    pub id: u64,
    #[serde(default)]
    pub reason: Option<String>,
    pub total: String,
}

/// A product or a variation (`GET /products`, `GET /products/{id}/variations`).
#[derive(Debug, Clone, Deserialize)]
pub struct Product {
    pub id: u64,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub sku: String,
    /// `null` when the product's stock is not managed.
    #[serde(default)]
    pub stock_quantity: Option<i64>,
}

/// One stock update of a `POST /products/batch` (or variations batch) call.
#[derive(Debug, Clone, Serialize)]
pub struct StockUpdate {
    pub id: u64,
    pub stock_quantity: i64,
    pub manage_stock: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Batch<'a> {
    pub update: &'a [StockUpdate],
}

/// A batch call's answer: each update's product, or its error, in the order sent.
#[derive(Debug, Clone, Deserialize)]
pub struct BatchReply {
    #[serde(default)]
    pub update: Vec<BatchItem>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BatchItem {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub error: Option<WpError>,
}

/// WordPress's error shape: `{"code": .., "message": .., "data": {"status": 401}}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WpError {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub data: Option<WpErrorData>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WpErrorData {
    #[serde(default)]
    pub status: Option<u16>,
}

/// An order note (`GET/POST /orders/{id}/notes`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Note {
    pub note: String,
    #[serde(default)]
    pub customer_note: bool,
}

/// The status change of `PUT /orders/{id}`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusChange<'a> {
    pub status: &'a str,
}
