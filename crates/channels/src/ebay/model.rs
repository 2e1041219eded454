//! eBay's payloads as its REST APIs write them (Sell Fulfillment v1, Sell Inventory v1,
//! Post-Order v2): only the fields the connector reads or writes. Money is an
//! `Amount` whose `value` is decimal text (`"6.0"`), read exactly by `map`.

use serde::{Deserialize, Serialize};

/// A page of `GET /sell/fulfillment/v1/order` (`OrderSearchPagedCollection`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPage {
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub orders: Vec<Order>,
}

/// An amount of money: decimal text and an ISO 4217 code.
#[derive(Debug, Clone, Deserialize)]
pub struct Amount {
    pub value: String,
    pub currency: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub order_id: String,
    pub creation_date: String,
    #[serde(default)]
    pub buyer: Option<Buyer>,
    #[serde(default)]
    pub buyer_checkout_notes: Option<String>,
    #[serde(default)]
    pub pricing_summary: Option<PricingSummary>,
    #[serde(default)]
    pub cancel_status: Option<CancelStatus>,
    #[serde(default)]
    pub payment_summary: Option<PaymentSummary>,
    #[serde(default)]
    pub fulfillment_start_instructions: Vec<FulfillmentStartInstruction>,
    #[serde(default)]
    pub line_items: Vec<LineItem>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Buyer {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub buyer_registration_address: Option<Contact>,
}

/// eBay's `ExtendedContact`: a person or business with an address.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub contact_address: Option<Address>,
    #[serde(default)]
    pub primary_phone: Option<Phone>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(default)]
    pub address_line1: Option<String>,
    #[serde(default)]
    pub address_line2: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub state_or_province: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 (eBay's `CountryCodeEnum`).
    #[serde(default)]
    pub country_code: Option<String>,
}

/// A phone, `{}` when the buyer gave none.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Phone {
    #[serde(default)]
    pub phone_number: Option<String>,
}

/// The order's money. Discounts are negative amounts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PricingSummary {
    #[serde(default)]
    pub price_subtotal: Option<Amount>,
    #[serde(default)]
    pub price_discount: Option<Amount>,
    #[serde(default)]
    pub delivery_cost: Option<Amount>,
    #[serde(default)]
    pub delivery_discount: Option<Amount>,
    #[serde(default)]
    pub tax: Option<Amount>,
    #[serde(default)]
    pub total: Option<Amount>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelStatus {
    #[serde(default)]
    pub cancel_state: Option<String>,
    #[serde(default)]
    pub cancel_requests: Vec<CancelRequest>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelRequest {
    #[serde(default)]
    pub cancel_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentSummary {
    #[serde(default)]
    pub refunds: Vec<Refund>,
}

/// A refund, as `paymentSummary.refunds[]` (with a `refundStatus`) and a line's
/// `refunds[]` (without) write it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    #[serde(default)]
    pub refund_id: Option<String>,
    #[serde(default)]
    pub refund_reference_id: Option<String>,
    #[serde(default)]
    pub amount: Option<Amount>,
    #[serde(default)]
    pub refund_status: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FulfillmentStartInstruction {
    #[serde(default)]
    pub shipping_step: Option<ShippingStep>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingStep {
    #[serde(default)]
    pub ship_to: Option<Contact>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    pub line_item_id: String,
    #[serde(default)]
    pub sku: Option<String>,
    pub quantity: i64,
    /// The price of all the line's units, before discounts.
    #[serde(default)]
    pub line_item_cost: Option<Amount>,
    /// `lineItemCost` less the line's promotions, when it has any.
    #[serde(default)]
    pub discounted_line_item_cost: Option<Amount>,
    #[serde(default)]
    pub applied_promotions: Vec<AppliedPromotion>,
    #[serde(default)]
    pub taxes: Vec<Tax>,
    /// The part of `taxes` eBay collects and remits itself.
    #[serde(default)]
    pub ebay_collect_and_remit_taxes: Vec<Tax>,
    #[serde(default)]
    pub refunds: Vec<Refund>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedPromotion {
    #[serde(default)]
    pub discount_amount: Option<Amount>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Tax {
    #[serde(default)]
    pub amount: Option<Amount>,
}

/// A page of `GET /sell/inventory/v1/inventory_item`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItemPage {
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub inventory_items: Vec<InventoryItem>,
}

/// An inventory item (`GET /sell/inventory/v1/inventory_item/{sku}` answers one).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryItem {
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub availability: Option<Availability>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Availability {
    #[serde(default)]
    pub ship_to_location_availability: Option<ShipToLocationAvailability>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ShipToLocationAvailability {
    #[serde(default)]
    pub quantity: Option<i64>,
}

/// A page of `GET /sell/inventory/v1/offer?sku=`.
#[derive(Debug, Deserialize)]
pub struct OfferPage {
    #[serde(default)]
    pub offers: Vec<Offer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub offer_id: String,
    #[serde(default)]
    pub listing: Option<OfferListing>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferListing {
    #[serde(default)]
    pub listing_id: Option<String>,
}

/// The body of `POST /sell/inventory/v1/bulk_update_price_quantity`.
#[derive(Debug, Serialize)]
pub struct BulkPriceQuantity {
    pub requests: Vec<PriceQuantity>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceQuantity {
    pub sku: String,
    pub ship_to_location_availability: ShipToLocationAvailability,
    pub offers: Vec<OfferQuantity>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferQuantity {
    pub offer_id: String,
    pub available_quantity: i64,
}

/// The answer to a bulk update: one response per offer.
#[derive(Debug, Deserialize)]
pub struct BulkPriceQuantityResponse {
    #[serde(default)]
    pub responses: Vec<PriceQuantityResponse>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceQuantityResponse {
    pub status_code: u16,
    #[serde(default)]
    pub sku: Option<String>,
    #[serde(default)]
    pub offer_id: Option<String>,
    #[serde(default)]
    pub errors: Vec<ErrorDetail>,
}

/// One of eBay's `errors[]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    #[serde(default)]
    pub error_id: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
}

/// The body of `POST /sell/fulfillment/v1/order/{orderId}/shipping_fulfillment`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingFulfillment {
    pub line_items: Vec<LineItemReference>,
    pub shipped_date: String,
    pub shipping_carrier_code: String,
    pub tracking_number: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItemReference {
    pub line_item_id: String,
    pub quantity: i64,
}

/// The body of `POST /post-order/v2/cancellation`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCancelRequest {
    pub legacy_order_id: String,
    pub cancel_reason: String,
}
