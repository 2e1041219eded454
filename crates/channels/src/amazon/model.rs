//! The SP-API payloads the connector reads and writes: Orders API v0 (`getOrders`,
//! `getOrder`, `getOrderItems`, `confirmShipment`), the Listings Items API 2021-08-01,
//! the Tokens API's restricted data token and the `ORDER_CHANGE` notification. Field
//! names are Amazon's (PascalCase in Orders v0, camelCase elsewhere); amounts stay the
//! decimal text Amazon writes, for `Money::from_decimal`.

use serde::{Deserialize, Serialize};

/// Every Orders v0 reply wraps its content in `payload`.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    pub payload: T,
}

/// `getOrders`: one page of orders and the token of the next.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrdersPage {
    #[serde(default)]
    pub orders: Vec<Order>,
    pub next_token: Option<String>,
}

/// An order as `getOrders` and `getOrder` describe it (the fields we use).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Order {
    pub amazon_order_id: String,
    pub purchase_date: String,
    /// `Pending`, `Unshipped`, `PartiallyShipped`, `Shipped`, `Canceled`, ...
    pub order_status: String,
    /// `MFN` (the seller ships) or `AFN` (Amazon ships from its own stock).
    pub fulfillment_channel: Option<String>,
    pub order_total: Option<Amount>,
    pub marketplace_id: Option<String>,
    pub shipment_service_level_category: Option<String>,
    pub shipping_address: Option<Address>,
    pub buyer_info: Option<BuyerInfo>,
}

/// Money as Amazon writes it: `{"CurrencyCode": "USD", "Amount": "11.01"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Amount {
    pub currency_code: String,
    pub amount: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Address {
    pub name: Option<String>,
    pub company_name: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub address_line3: Option<String>,
    pub city: Option<String>,
    pub county: Option<String>,
    pub district: Option<String>,
    pub state_or_region: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuyerInfo {
    pub buyer_email: Option<String>,
    pub buyer_name: Option<String>,
}

/// `getOrderItems`: one page of an order's items.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemsPage {
    #[serde(default)]
    pub order_items: Vec<OrderItem>,
    pub next_token: Option<String>,
}

/// One order item. `ItemPrice` and the other amounts are for the whole quantity.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderItem {
    pub order_item_id: String,
    #[serde(rename = "SellerSKU")]
    pub seller_sku: Option<String>,
    pub quantity_ordered: i64,
    pub item_price: Option<Amount>,
    pub item_tax: Option<Amount>,
    pub shipping_price: Option<Amount>,
    pub shipping_tax: Option<Amount>,
    pub shipping_discount: Option<Amount>,
    pub shipping_discount_tax: Option<Amount>,
    pub promotion_discount: Option<Amount>,
    pub promotion_discount_tax: Option<Amount>,
    #[serde(rename = "CODFee")]
    pub cod_fee: Option<Amount>,
    #[serde(rename = "CODFeeDiscount")]
    pub cod_fee_discount: Option<Amount>,
    pub buyer_info: Option<ItemBuyerInfo>,
}

/// An item's buyer details: the gift wrap bought with it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemBuyerInfo {
    pub gift_wrap_price: Option<Amount>,
    pub gift_wrap_tax: Option<Amount>,
}

/// `createRestrictedDataToken`'s request: the calls the token is for and the
/// personal data (buyer, shipping address) they may return.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestrictedRequest {
    pub restricted_resources: Vec<RestrictedResource>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestrictedResource {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub data_elements: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestrictedToken {
    pub restricted_data_token: String,
    pub expires_in: u64,
}

/// `confirmShipment`'s request.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentConfirmation {
    pub marketplace_id: String,
    pub package_detail: PackageDetail,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageDetail {
    /// A positive number naming the package within the order.
    pub package_reference_id: String,
    pub carrier_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping_method: Option<String>,
    pub tracking_number: String,
    pub ship_date: String,
    pub order_items: Vec<ConfirmedItem>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmedItem {
    pub order_item_id: String,
    pub quantity: i64,
}

/// `patchListingsItem`'s request: JSON Patch operations on a listing's attributes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingPatch {
    pub product_type: String,
    pub patches: Vec<PatchOperation>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PatchOperation {
    pub op: String,
    pub path: String,
    pub value: Vec<Availability>,
}

/// `fulfillment_availability` as a listing attribute (snake case, as attributes are).
#[derive(Debug, Serialize, Deserialize)]
pub struct Availability {
    pub fulfillment_channel_code: String,
    pub quantity: i64,
}

/// The reply to a listing patch: `ACCEPTED` or `INVALID` with its issues.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingSubmission {
    pub sku: String,
    pub status: String,
    pub submission_id: String,
    #[serde(default)]
    pub issues: Vec<serde_json::Value>,
}

/// A listing as `getListingsItem` and `searchListingsItems` answer it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingItem {
    pub sku: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fulfillment_availability: Vec<ItemAvailability>,
}

/// `fulfillmentAvailability` as `includedData` returns it (camel case).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemAvailability {
    pub fulfillment_channel_code: String,
    pub quantity: Option<i64>,
}

/// One page of `searchListingsItems`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingsPage {
    pub number_of_results: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    pub items: Vec<ListingItem>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// An `ORDER_CHANGE` notification (as the seller's relay forwards it from SQS or
/// EventBridge); other notification types share the outer fields.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Notification {
    pub notification_type: String,
    pub payload: Option<NotificationPayload>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotificationPayload {
    pub order_change_notification: Option<OrderChange>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderChange {
    pub amazon_order_id: String,
}
