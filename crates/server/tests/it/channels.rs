//! Sales channels end to end, each against a local fake of the channel's API: orders
//! arriving by signed webhook and by poll, taken once, shipped, cancelled and refunded
//! on either side; stock pushed to them; the set-up they share in `support`.

mod amazon;
mod ebay;
mod shopify;
mod stock;
pub mod support;
mod woocommerce;
