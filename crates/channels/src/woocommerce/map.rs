//! WooCommerce order → our terms: pure functions, no I/O.
//!
//! WooCommerce keeps each line's `subtotal` (before coupons) and `total` (after) net
//! of tax, with the line's tax in `total_tax`, whether or not the shop's prices
//! include tax (`prices_include_tax` only says how the customer saw them), so a line's
//! unit price is its subtotal over its quantity, its discount `subtotal - total`, its
//! tax `total_tax`: nothing is counted twice. Shipping lines are net with their tax
//! beside them. A fee (gift wrap, a cash-on-delivery charge) is a charge besides the
//! goods, kept with the shipping; a negative fee is a discount, split over the lines by
//! their price. The order's own `total`, `total_tax`, `discount_total` and
//! `shipping_total` go in `totals`, so `OrderInput::parse` checks our sums against them.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use switchyard_core::catalog::AddressInput;
use switchyard_core::money::{Currency, Money, MoneyError};
use switchyard_core::order::{CustomerInput, LineInput, OrderInput, ShippingInput, TotalsInput};
use switchyard_core::validation::{FieldError, Invalid};

use super::model::{Address, Order};
use crate::{ChannelError, ChannelRefund, Notice};

/// Order statuses that are not an order yet (a block checkout's draft) or any more (in
/// the bin): nothing to place.
const NOT_ORDERS: [&str; 2] = ["checkout-draft", "trash"];

/// What an order amounts to: the order, its cancellation when WooCommerce has it
/// `cancelled`, and each of its refunds.
pub fn notices(channel: &str, order: &Order) -> Result<Vec<Notice>, ChannelError> {
    if NOT_ORDERS.contains(&order.status.as_str()) {
        return Ok(vec![Notice::Ignored {
            topic: format!("order.{}", order.status),
        }]);
    }
    let input = order_input(channel, order)?;
    let mut notices = vec![Notice::Order(Box::new(input))];
    if order.status == "cancelled" {
        notices.push(Notice::Cancelled {
            external_id: order.id.to_string(),
            reason: None,
        });
    }
    notices.extend(refunds(order)?.into_iter().map(Notice::Refunded));
    Ok(notices)
}

/// The order as an `OrderInput`, or every field that cannot be mapped.
pub fn order_input(channel: &str, order: &Order) -> Result<OrderInput, ChannelError> {
    let external_id = order.id.to_string();
    let currency = Currency::parse(&order.currency).map_err(|e| unmappable(&external_id, vec![e.at("/currency")]))?;
    let mut p = Problems {
        currency,
        errors: Vec::new(),
    };
    let mut lines = Vec::new();
    let mut rounding = Money::zero(currency);
    for (i, item) in order.line_items.iter().enumerate() {
        let at = |f: &str| format!("/lines/{i}/{f}");
        let sku = item.sku.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if sku.is_none() {
            p.push(
                at("sku"),
                Invalid::new(
                    "required",
                    format!("the line `{}` has no SKU in WooCommerce", item.name),
                ),
            );
        }
        if item.quantity < 1 {
            p.push(at("quantity"), Invalid::new("out_of_range", "must be at least 1"));
        }
        let subtotal = p.money(at("unit_price"), &item.subtotal);
        let total = p.money(at("discount"), &item.total);
        let tax = p.money(at("tax"), &item.total_tax);
        let (Some(subtotal), Some(total), Some(tax)) = (subtotal, total, tax) else {
            continue;
        };
        let Ok((unit_price, back)) = subtotal.per_unit(item.quantity) else {
            continue;
        };
        rounding = p.add(&at("discount"), rounding, back);
        let discount = subtotal.checked_sub(total).and_then(|d| d.checked_add(back));
        lines.push(LineInput {
            sku: sku.map(str::to_owned),
            quantity: Some(item.quantity),
            unit_price: Some(unit_price),
            discount: discount.ok(),
            tax: Some(tax),
            external_id: Some(item.id.to_string()),
        });
    }
    let mut shipping = Money::zero(currency);
    let mut shipping_tax = Money::zero(currency);
    for line in &order.shipping_lines {
        shipping = p.add_text("/shipping/amount", shipping, &line.total);
        shipping_tax = p.add_text("/shipping/tax", shipping_tax, &line.total_tax);
    }
    let mut fee_charges = Money::zero(currency);
    let (mut fee_discount, mut fee_tax_back) = (Money::zero(currency), Money::zero(currency));
    for fee in &order.fee_lines {
        let (Some(total), Some(tax)) = (
            p.money("/shipping/amount", &fee.total),
            p.money("/shipping/tax", &fee.total_tax),
        ) else {
            continue;
        };
        if total.is_negative() {
            fee_discount = p.add("/lines", fee_discount, Money::new(-total.amount, currency));
            fee_tax_back = p.add("/lines", fee_tax_back, Money::new(-tax.amount, currency));
        } else {
            fee_charges = p.add("/shipping/amount", fee_charges, total);
            shipping_tax = p.add("/shipping/tax", shipping_tax, tax);
        }
    }
    shipping = p.add("/shipping/amount", shipping, fee_charges);
    if fee_discount.amount != 0 || fee_tax_back.amount != 0 {
        spread_fee_discount(&mut p, &mut lines, fee_discount, fee_tax_back);
    }
    let mut discount = p
        .money("/totals/discount", &order.discount_total)
        .map(|d| p.add("/totals/discount", d, rounding))
        .map(|d| p.add("/totals/discount", d, fee_discount));
    let shipping_total = p
        .money("/totals/shipping", &order.shipping_total)
        .map(|s| p.add("/totals/shipping", s, fee_charges));
    let tax = p.money("/totals/tax", &order.total_tax);
    let total = p.money("/totals/total", &order.total);
    let placed_at = order.date_created_gmt.as_deref().and_then(|t| p.utc("/placed_at", t));
    if let (Some(tax), Some(total), true) = (tax, total, p.errors.is_empty()) {
        let figures = order.line_items.len() + order.shipping_lines.len() + order.fee_lines.len();
        let woo = Sums { tax, total };
        match close_rounding_gaps(&mut lines, shipping, shipping_tax, woo, figures) {
            Ok(back) => discount = discount.map(|d| p.add("/totals/discount", d, back)),
            Err(_) => p.push("/totals", Invalid::new("out_of_range", "amount is too large")),
        }
    }
    if !p.errors.is_empty() {
        return Err(unmappable(&external_id, p.errors));
    }
    let totals = TotalsInput {
        subtotal: None,
        discount,
        tax,
        shipping: shipping_total,
        total,
    };
    let billing = address(&order.billing);
    let shipping_address = if order.shipping.address_1.trim().is_empty() {
        // No shipping address (a virtual order, local pickup): the billing one.
        billing.clone()
    } else {
        address(&order.shipping)
    };
    Ok(OrderInput {
        channel: Some(channel.to_owned()),
        external_id: Some(external_id),
        placed_at,
        currency: Some(currency.as_str().to_owned()),
        customer: Some(CustomerInput {
            email: non_empty(order.billing.email.as_deref().unwrap_or_default()),
            name: non_empty(&full_name(&order.billing)).or_else(|| non_empty(&full_name(&order.shipping))),
            phone: non_empty(order.billing.phone.as_deref().unwrap_or_default()),
        }),
        shipping_address: Some(shipping_address),
        billing_address: Some(billing),
        lines: Some(lines),
        shipping: Some(ShippingInput {
            amount: Some(shipping),
            tax: Some(shipping_tax),
        }),
        notes: non_empty(&order.customer_note),
        totals: Some(totals),
        ..OrderInput::default()
    })
}

/// The order's refunds (WooCommerce lists them with negative totals) as positive
/// amounts.
pub fn refunds(order: &Order) -> Result<Vec<ChannelRefund>, ChannelError> {
    let external_id = order.id.to_string();
    let currency = Currency::parse(&order.currency).map_err(|e| unmappable(&external_id, vec![e.at("/currency")]))?;
    let mut p = Problems {
        currency,
        errors: Vec::new(),
    };
    let mut refunds = Vec::new();
    for (i, refund) in order.refunds.iter().enumerate() {
        if let Some(total) = p.money(format!("/refunds/{i}/total"), &refund.total) {
            refunds.push(ChannelRefund {
                external_id: external_id.clone(),
                refund_id: refund.id.to_string(),
                amount: Money::new(total.amount.saturating_abs(), currency),
                reason: refund.reason.as_deref().and_then(non_empty),
            });
        }
    }
    if p.errors.is_empty() {
        Ok(refunds)
    } else {
        Err(unmappable(&external_id, p.errors))
    }
}

/// A negative fee's amount and tax taken off the lines, in proportion to their price.
fn spread_fee_discount(p: &mut Problems, lines: &mut [LineInput], discount: Money, tax_back: Money) {
    let weights: Vec<i64> = lines
        .iter()
        .map(|l| {
            let unit = l.unit_price.map_or(0, |m| m.amount);
            unit.saturating_mul(l.quantity.unwrap_or(0))
        })
        .collect();
    let (Ok(discounts), Ok(taxes)) = (discount.allocate(&weights), tax_back.allocate(&weights)) else {
        p.push("/lines", Invalid::new("out_of_range", "the order's fees are too large"));
        return;
    };
    for ((line, d), t) in lines.iter_mut().zip(discounts).zip(taxes) {
        line.discount = line.discount.and_then(|x| x.checked_add(d).ok());
        line.tax = line.tax.and_then(|x| x.checked_sub(t).ok());
    }
}

/// WooCommerce's own tax and total of an order.
struct Sums {
    tax: Money,
    total: Money,
}

/// WooCommerce keeps line figures unrounded and rounds each one in its API, so its
/// figures can miss its own totals by a minor unit per figure: with prices that
/// include tax (9.99 with 20% VAT is 8.325 + 1.665, sent as 8.33 and 1.67 of an order
/// of 9.99), or with tax rounded at the order's subtotal (line taxes 0.45 and 0.45 of
/// an order's 0.91). A gap of at most one unit per figure is closed where the rounding
/// opened it: a tax gap in the lines' tax, then a total gap in the lines' net prices
/// (given back as discount, or added to the price). A larger gap is left for
/// `OrderInput::parse` to refuse. Answers the discount added.
fn close_rounding_gaps(
    lines: &mut [LineInput],
    shipping: Money,
    shipping_tax: Money,
    woo: Sums,
    figures: usize,
) -> Result<Money, MoneyError> {
    let currency = woo.total.currency;
    let zero = Money::zero(currency);
    let most = i64::try_from(figures).unwrap_or(i64::MAX);
    let closable = |gap: Money| gap.amount != 0 && gap.amount.abs() <= most;
    let gross = |l: &LineInput| l.unit_price.unwrap_or(zero).checked_mul(l.quantity.unwrap_or(0));
    let weights = lines
        .iter()
        .map(|l| gross(l).map(|g| g.amount))
        .collect::<Result<Vec<_>, _>>()?;
    if lines.is_empty() {
        return Ok(zero);
    }
    let line_tax = Money::sum(currency, lines.iter().map(|l| l.tax.unwrap_or(zero)))?;
    let tax_gap = woo.tax.checked_sub(line_tax.checked_add(shipping_tax)?)?;
    if closable(tax_gap) {
        for (line, part) in lines.iter_mut().zip(tax_gap.allocate(&weights)?) {
            line.tax = Some(line.tax.unwrap_or(zero).checked_add(part)?);
        }
    }
    let mut ours = shipping.checked_add(shipping_tax)?;
    for line in lines.iter() {
        let net = gross(line)?.checked_sub(line.discount.unwrap_or(zero))?;
        ours = ours.checked_add(net)?.checked_add(line.tax.unwrap_or(zero))?;
    }
    let gap = woo.total.checked_sub(ours)?;
    let mut back = zero;
    if !closable(gap) {
        return Ok(back);
    }
    let size = Money::new(gap.amount.abs(), currency);
    for ((line, part), weight) in lines.iter_mut().zip(size.allocate(&weights)?).zip(&weights) {
        let added = if gap.is_negative() {
            part
        } else {
            let quantity = line.quantity.unwrap_or(1);
            let (unit, rounding) = Money::new(*weight, currency).checked_add(part)?.per_unit(quantity)?;
            line.unit_price = Some(unit);
            rounding
        };
        line.discount = Some(line.discount.unwrap_or(zero).checked_add(added)?);
        back = back.checked_add(added)?;
    }
    Ok(back)
}

fn address(a: &Address) -> AddressInput {
    AddressInput {
        name: non_empty(&full_name(a)),
        company: non_empty(&a.company),
        line1: non_empty(&a.address_1),
        line2: non_empty(&a.address_2),
        city: non_empty(&a.city),
        region: non_empty(&a.state),
        postal_code: non_empty(&a.postcode),
        country: non_empty(&a.country),
        phone: a.phone.as_deref().and_then(non_empty),
    }
}

fn full_name(a: &Address) -> String {
    format!("{} {}", a.first_name.trim(), a.last_name.trim())
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn unmappable(external_id: &str, errors: Vec<FieldError>) -> ChannelError {
    ChannelError::Unmappable {
        external_id: external_id.to_owned(),
        errors,
    }
}

/// The problems found while mapping one order, by the `OrderInput` field they touch.
struct Problems {
    currency: Currency,
    errors: Vec<FieldError>,
}

impl Problems {
    fn push(&mut self, field: impl Into<String>, problem: Invalid) {
        self.errors.push(problem.at(field));
    }

    /// A WooCommerce amount in the order's currency, read exactly.
    fn money(&mut self, field: impl Into<String>, text: &str) -> Option<Money> {
        Money::from_decimal(text, self.currency)
            .map_err(|e| self.push(field, e))
            .ok()
    }

    fn add(&mut self, field: &str, a: Money, b: Money) -> Money {
        a.checked_add(b).unwrap_or_else(|_| {
            self.push(field, Invalid::new("out_of_range", "amount is too large"));
            a
        })
    }

    fn add_text(&mut self, field: &str, a: Money, text: &str) -> Money {
        match self.money(field, text) {
            Some(b) => self.add(field, a, b),
            None => a,
        }
    }

    /// WooCommerce's `*_gmt` time (UTC without an offset) as RFC 3339.
    fn utc(&mut self, field: &str, text: &str) -> Option<String> {
        let parsed = text
            .parse::<DateTime>()
            .ok()
            .and_then(|d| d.to_zoned(TimeZone::UTC).ok());
        match parsed {
            Some(z) => Some(z.timestamp().to_string()),
            None => {
                self.push(field, Invalid::new("invalid_time", format!("`{text}` is not a time")));
                None
            }
        }
    }
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
