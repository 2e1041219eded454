//! Sales channels end to end: orders arriving from each channel's fake by signed
//! webhook and by poll, taken once, shipped, cancelled and refunded on either side;
//! the set-up they share in `support`.

mod amazon;
mod ebay;
mod shopify;
pub mod support;
mod woocommerce;
