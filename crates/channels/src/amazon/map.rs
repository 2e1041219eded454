//! An Amazon order (Orders API v0: the order and its items) as our `OrderInput`: pure,
//! no I/O.
//!
//! Where Amazon's money lands in our order model:
//! - `ItemPrice` is the price of the item's whole quantity: the unit price is it over
//!   the quantity, rounded up with what that overcharges added to the line's discount
//!   (`Money::per_unit`), so the line's total is Amazon's to the minor unit.
//! - `PromotionDiscount` is the line's discount; `ItemTax` less `PromotionDiscountTax`
//!   its tax.
//! - Outside the US and Canada Amazon's prices include VAT (`ItemTax` is the VAT inside
//!   `ItemPrice`): the unit price, the discount and the shipping are then taken net of
//!   their tax, so tax is not counted twice. The option `prices_include_tax` overrides
//!   what the marketplace implies.
//! - Our order has no gift-wrap or fee fields: each item's `GiftWrapPrice` is added to
//!   the order's shipping and its `GiftWrapTax` to the shipping tax, and the
//!   cash-on-delivery fee (`CODFee` less `CODFeeDiscount`) to the shipping too.
//!   `ShippingDiscount` (and its tax) lowers the shipping.
//! - `PointsGranted` (Amazon Japan's points, which the seller grants the buyer for a
//!   later purchase) is not money the buyer paid or saved on this order: left out.
//! - `OrderTotal` is sent as the order's total, so parsing checks our sum against it.
//!
//! Orders still `Pending` (no price or address yet) are skipped: Amazon lists them again
//! once they are `Unshipped`. Orders Amazon fulfils from its own stock (`AFN`) are
//! skipped too: there is nothing for us to ship. An order without the buyer's e-mail or
//! the full shipping address (the app was not granted that personal data, or the call
//! was made without a restricted data token) is `Unmappable`, naming what is missing.

use switchyard_core::catalog::AddressInput;
use switchyard_core::order::{CustomerInput, LineInput, OrderInput, ServiceLevel, ShippingInput, TotalsInput};
use switchyard_core::validation::{FieldError, Invalid};
use switchyard_core::{Currency, Money, MoneyError};

use super::model::{Address, Amount, Order, OrderItem};
use crate::{ChannelError, Notice};

/// Marketplaces whose prices are quoted before sales tax: the US and Canada.
const TAX_EXCLUSIVE_MARKETPLACES: [&str; 2] = ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"];

/// What an Amazon order amounts to: nothing (pending, or fulfilled by Amazon), the
/// order, or the order and its cancellation. A cancelled order that cannot be mapped
/// (cancelled before it had a price) is the cancellation alone.
pub fn notices(
    channel: &str,
    order: &Order,
    items: &[OrderItem],
    prices_include_tax: Option<bool>,
) -> Result<Vec<Notice>, ChannelError> {
    if is_skipped(order) {
        return Ok(Vec::new());
    }
    let mapped = order_input(channel, order, items, prices_include_tax);
    if order.order_status != "Canceled" {
        return Ok(vec![Notice::Order(Box::new(mapped?))]);
    }
    let cancelled = Notice::Cancelled {
        external_id: order.amazon_order_id.clone(),
        reason: None,
    };
    Ok(match mapped {
        Ok(input) => vec![Notice::Order(Box::new(input)), cancelled],
        Err(_) => vec![cancelled],
    })
}

/// Whether an order is left out: not priced yet, or shipped by Amazon.
pub fn is_skipped(order: &Order) -> bool {
    matches!(order.order_status.as_str(), "Pending" | "PendingAvailability")
        || order.fulfillment_channel.as_deref() == Some("AFN")
}

/// Whether the order's prices include tax: the option when set, else its marketplace.
fn includes_tax(order: &Order, prices_include_tax: Option<bool>) -> bool {
    prices_include_tax.unwrap_or_else(|| {
        order
            .marketplace_id
            .as_deref()
            .is_none_or(|m| !TAX_EXCLUSIVE_MARKETPLACES.contains(&m))
    })
}

/// The order as our `OrderInput`, or every reason it cannot be one.
pub fn order_input(
    channel: &str,
    order: &Order,
    items: &[OrderItem],
    prices_include_tax: Option<bool>,
) -> Result<OrderInput, ChannelError> {
    let unmappable = |errors| ChannelError::Unmappable {
        external_id: order.amazon_order_id.clone(),
        errors,
    };
    let code = order
        .order_total
        .as_ref()
        .or_else(|| items.iter().find_map(|i| i.item_price.as_ref()))
        .map(|a| a.currency_code.as_str());
    let currency = match code.map(Currency::parse) {
        Some(Ok(c)) => c,
        Some(Err(e)) => return Err(unmappable(vec![e.at("/currency")])),
        None => {
            let e = Invalid::new("required", "Amazon gave no OrderTotal or ItemPrice to take it from");
            return Err(unmappable(vec![e.at("/currency")]));
        }
    };
    let mut r = Reader {
        currency,
        errors: Vec::new(),
    };
    let include_tax = includes_tax(order, prices_include_tax);
    let lines: Vec<LineInput> = items
        .iter()
        .filter(|item| item.quantity_ordered > 0)
        .enumerate()
        .map(|(i, item)| r.line(i, item, include_tax))
        .collect();
    if lines.is_empty() {
        let e = Invalid::new("required", "Amazon gave no order item with a quantity");
        r.errors.push(e.at("/lines"));
    }
    let shipping = r.shipping(items, include_tax);
    let customer = r.customer(order);
    let shipping_address = match &order.shipping_address {
        Some(a) if a.address_line1.is_some() => Some(address(a)),
        _ => {
            r.errors.push(
                Invalid::new(
                    "required",
                    "Amazon gave no full ShippingAddress (the app needs the shippingAddress data element)",
                )
                .at("/shipping_address"),
            );
            None
        }
    };
    let total = order
        .order_total
        .as_ref()
        .map(|t| r.money("/totals/total", "OrderTotal", Some(t)));
    if !r.errors.is_empty() {
        return Err(unmappable(r.errors));
    }
    Ok(OrderInput {
        channel: Some(channel.to_owned()),
        external_id: Some(order.amazon_order_id.clone()),
        placed_at: Some(order.purchase_date.clone()),
        currency: Some(currency.as_str().to_owned()),
        customer: Some(customer),
        shipping_address,
        billing_address: None,
        lines: Some(lines),
        shipping: Some(shipping),
        service_level: Some(service_level(order.shipment_service_level_category.as_deref())),
        totals: Some(TotalsInput {
            total,
            ..TotalsInput::default()
        }),
        ..OrderInput::default()
    })
}

/// Reads Amazon's amounts in the order's currency, keeping every problem by field.
struct Reader {
    currency: Currency,
    errors: Vec<FieldError>,
}

impl Reader {
    /// `amount` in minor units; zero when absent or wrong (the problem kept, at `at`).
    fn money(&mut self, at: &str, name: &str, amount: Option<&Amount>) -> Money {
        let zero = Money::zero(self.currency);
        let Some(a) = amount else { return zero };
        if a.currency_code != self.currency.as_str() {
            let message = format!(
                "Amazon's {name} is in {}, but the order is in {}",
                a.currency_code, self.currency
            );
            self.errors.push(Invalid::new("currency_mismatch", message).at(at));
            return zero;
        }
        match Money::from_decimal(&a.amount, self.currency) {
            Ok(m) => m,
            Err(e) => {
                self.errors
                    .push(Invalid::new(e.code, format!("Amazon's {name}: {}", e.message)).at(at));
                zero
            }
        }
    }

    /// `a - b`, or zero with the problem kept.
    fn minus(&mut self, at: &str, a: Money, b: Money) -> Money {
        self.arith(at, a.checked_sub(b))
    }

    fn arith(&mut self, at: &str, result: Result<Money, MoneyError>) -> Money {
        result.unwrap_or_else(|e| {
            self.errors.push(Invalid::new("out_of_range", e.to_string()).at(at));
            Money::zero(self.currency)
        })
    }

    fn line(&mut self, i: usize, item: &OrderItem, include_tax: bool) -> LineInput {
        let at = |f: &str| format!("/lines/{i}/{f}");
        if item.seller_sku.is_none() {
            let message = format!("Amazon's order item {} has no SellerSKU", item.order_item_id);
            self.errors.push(Invalid::new("required", message).at(at("sku")));
        }
        let price = self.money(&at("unit_price"), "ItemPrice", item.item_price.as_ref());
        let tax = self.money(&at("tax"), "ItemTax", item.item_tax.as_ref());
        let promotion = self.money(&at("discount"), "PromotionDiscount", item.promotion_discount.as_ref());
        let promotion_tax = self.money(&at("tax"), "PromotionDiscountTax", item.promotion_discount_tax.as_ref());
        let (net, discount) = if include_tax {
            let net = self.minus(&at("unit_price"), price, tax);
            (net, self.minus(&at("discount"), promotion, promotion_tax))
        } else {
            (price, promotion)
        };
        let line_tax = self.minus(&at("tax"), tax, promotion_tax);
        let (unit_price, rounding) = match net.per_unit(item.quantity_ordered).ok() {
            Some(split) => split,
            None => {
                let message = format!("{net} cannot be a price for {} units", item.quantity_ordered);
                self.errors
                    .push(Invalid::new("out_of_range", message).at(at("unit_price")));
                (Money::zero(self.currency), Money::zero(self.currency))
            }
        };
        let discount = self.arith(&at("discount"), discount.checked_add(rounding));
        LineInput {
            sku: item.seller_sku.clone(),
            quantity: Some(item.quantity_ordered),
            unit_price: Some(unit_price),
            discount: Some(discount),
            tax: Some(line_tax),
            external_id: Some(item.order_item_id.clone()),
        }
    }

    /// The order's shipping: each item's shipping less its shipping discount, plus its
    /// gift wrap and cash-on-delivery fee; net of their tax where prices include it.
    fn shipping(&mut self, items: &[OrderItem], include_tax: bool) -> ShippingInput {
        let (amount_at, tax_at) = ("/shipping/amount", "/shipping/tax");
        let mut amount = Money::zero(self.currency);
        let mut tax = Money::zero(self.currency);
        for item in items {
            let wrap = item.buyer_info.as_ref();
            let charges = [
                ("ShippingPrice", item.shipping_price.as_ref(), 1),
                ("ShippingDiscount", item.shipping_discount.as_ref(), -1),
                ("GiftWrapPrice", wrap.and_then(|w| w.gift_wrap_price.as_ref()), 1),
                ("CODFee", item.cod_fee.as_ref(), 1),
                ("CODFeeDiscount", item.cod_fee_discount.as_ref(), -1),
            ];
            for (name, charge, sign) in charges {
                let m = self.money(amount_at, name, charge);
                amount = self.arith(amount_at, m.checked_mul(sign).and_then(|m| amount.checked_add(m)));
            }
            let taxes = [
                ("ShippingTax", item.shipping_tax.as_ref(), 1),
                ("ShippingDiscountTax", item.shipping_discount_tax.as_ref(), -1),
                ("GiftWrapTax", wrap.and_then(|w| w.gift_wrap_tax.as_ref()), 1),
            ];
            for (name, charge, sign) in taxes {
                let m = self.money(tax_at, name, charge);
                tax = self.arith(tax_at, m.checked_mul(sign).and_then(|m| tax.checked_add(m)));
            }
        }
        if include_tax {
            amount = self.minus(amount_at, amount, tax);
        }
        ShippingInput {
            amount: Some(amount),
            tax: Some(tax),
        }
    }

    fn customer(&mut self, order: &Order) -> CustomerInput {
        let buyer = order.buyer_info.as_ref();
        let email = buyer.and_then(|b| b.buyer_email.clone());
        if email.is_none() {
            self.errors.push(
                Invalid::new(
                    "required",
                    "Amazon gave no BuyerEmail (the app needs the buyerInfo data element)",
                )
                .at("/customer/email"),
            );
        }
        let address = order.shipping_address.as_ref();
        CustomerInput {
            email,
            name: buyer
                .and_then(|b| b.buyer_name.clone())
                .or_else(|| address.and_then(|a| a.name.clone())),
            phone: address.and_then(|a| a.phone.clone()),
        }
    }
}

fn address(a: &Address) -> AddressInput {
    let line2 = [&a.address_line2, &a.address_line3]
        .into_iter()
        .flatten()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    AddressInput {
        name: a.name.clone(),
        company: a.company_name.clone(),
        line1: a.address_line1.clone(),
        line2: (!line2.is_empty()).then_some(line2),
        city: a
            .city
            .clone()
            .or_else(|| a.district.clone())
            .or_else(|| a.county.clone()),
        region: a.state_or_region.clone(),
        postal_code: a.postal_code.clone(),
        country: a.country_code.clone(),
        phone: a.phone.clone(),
    }
}

/// Amazon's `ShipmentServiceLevelCategory` as our service level.
fn service_level(category: Option<&str>) -> ServiceLevel {
    match category {
        Some("NextDay" | "SameDay") => ServiceLevel::NextDay,
        Some("Expedited" | "Priority" | "SecondDay") => ServiceLevel::Express,
        _ => ServiceLevel::Standard,
    }
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
