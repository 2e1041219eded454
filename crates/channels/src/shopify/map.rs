//! Shopify payloads in our terms, as pure functions: an order as an `OrderInput` (and
//! the notices it amounts to), a refund as a `ChannelRefund`, products as listings.
//!
//! Money: each price is read exactly from Shopify's decimal text. Tax and discount
//! Shopify gives per line (`tax_lines`, `discount_allocations`, or the older
//! `total_discount`) stay on their line; given only for the order (`tax_lines` on the
//! order, `total_discounts`), they are split over the lines by each line's gross.
//! With `taxes_included`, prices contain the tax, so each line's unit price is taken
//! net of it (core's `per_unit` of the price less its tax) and shipping likewise, and Shopify's
//! tax-inclusive subtotal is not compared with ours.

use jiff::Timestamp;
use switchyard_core::catalog::AddressInput;
use switchyard_core::order::{CustomerInput, LineInput, OrderInput, ShippingInput, TotalsInput};
use switchyard_core::validation::{FieldError, Invalid};
use switchyard_core::{Currency, Money};

use super::model::{Address, Decimal, Id, Order, Product, Refund, TaxLine};
use crate::{ChannelError, ChannelRefund, Listing, Notice};

/// Reads money in one currency, keeping every problem by field.
struct Reader {
    currency: Currency,
    errors: Vec<FieldError>,
}

impl Reader {
    fn money(&mut self, text: &Decimal, field: impl Into<String>) -> Money {
        Money::from_decimal(&text.0, self.currency).unwrap_or_else(|e| {
            self.errors.push(e.at(field));
            Money::zero(self.currency)
        })
    }

    fn sum(&mut self, lines: &[TaxLine], field: &str) -> Money {
        let amounts: Vec<Money> = lines.iter().map(|t| self.money(&t.price, field)).collect();
        self.total(amounts, field)
    }

    fn total(&mut self, amounts: impl IntoIterator<Item = Money>, field: &str) -> Money {
        Money::sum(self.currency, amounts).unwrap_or_else(|_| self.overflow(field))
    }

    fn overflow(&mut self, field: &str) -> Money {
        self.errors
            .push(Invalid::new("out_of_range", "amount is too large").at(field));
        Money::zero(self.currency)
    }

    fn split(&mut self, amount: Money, weights: &[i64], field: &str) -> Vec<Money> {
        amount
            .allocate(weights)
            .unwrap_or_else(|_| weights.iter().map(|_| self.overflow(field)).collect())
    }
}

pub(super) fn unmappable(external_id: &str, errors: Vec<FieldError>) -> ChannelError {
    ChannelError::Unmappable {
        external_id: external_id.to_owned(),
        errors,
    }
}

fn text(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    text(Some(&[first.unwrap_or(""), last.unwrap_or("")].join(" ")))
}

fn address(a: &Address) -> AddressInput {
    AddressInput {
        name: text(a.name.as_deref()).or_else(|| full_name(a.first_name.as_deref(), a.last_name.as_deref())),
        company: text(a.company.as_deref()),
        line1: text(a.address1.as_deref()),
        line2: text(a.address2.as_deref()),
        city: text(a.city.as_deref()),
        region: text(a.province_code.as_deref()).or_else(|| text(a.province.as_deref())),
        postal_code: text(a.zip.as_deref()),
        country: text(a.country_code.as_deref()).map(|c| c.to_ascii_uppercase()),
        phone: text(a.phone.as_deref()),
    }
}

fn customer(order: &Order) -> CustomerInput {
    let c = order.customer.as_ref();
    let billing = order.billing_address.as_ref();
    let shipping = order.shipping_address.as_ref();
    CustomerInput {
        email: text(order.email.as_deref())
            .or_else(|| text(order.contact_email.as_deref()))
            .or_else(|| text(c.and_then(|c| c.email.as_deref()))),
        name: c
            .and_then(|c| full_name(c.first_name.as_deref(), c.last_name.as_deref()))
            .or_else(|| billing.and_then(|a| address(a).name))
            .or_else(|| shipping.and_then(|a| address(a).name)),
        phone: text(order.phone.as_deref())
            .or_else(|| text(c.and_then(|c| c.phone.as_deref())))
            .or_else(|| text(billing.and_then(|a| a.phone.as_deref()))),
    }
}

/// When the order was placed, as RFC 3339 in UTC (`processed_at`, else `created_at`);
/// text that is no time is passed on for the order's parse to name.
fn placed_at(order: &Order) -> Option<String> {
    let raw = text(order.processed_at.as_deref()).or_else(|| text(order.created_at.as_deref()))?;
    Some(raw.parse::<Timestamp>().map(|t| t.to_string()).unwrap_or(raw))
}

/// The order as an `OrderInput`, checked as the order's own parse will check it (a
/// line without a SKU, a total that does not add up: `Unmappable`, by field).
pub fn order_input(channel: &str, order: &Order) -> Result<OrderInput, ChannelError> {
    let id = order.id.0.as_str();
    let currency = match order.currency.as_deref().map(Currency::parse) {
        Some(Ok(c)) => c,
        Some(Err(e)) => return Err(unmappable(id, vec![e.at("/currency")])),
        None => {
            return Err(unmappable(
                id,
                vec![Invalid::new("required", "is required").at("/currency")],
            ));
        }
    };
    let mut r = Reader {
        currency,
        errors: Vec::new(),
    };
    let included = order.taxes_included.unwrap_or(false);
    let items = &order.line_items;
    let prices: Vec<Money> = (items.iter().enumerate())
        .map(|(i, l)| r.money(&l.price, format!("/lines/{i}/unit_price")))
        .collect();
    let gross: Vec<Money> = (prices.iter().zip(items).enumerate())
        .map(|(i, (p, l))| {
            p.checked_mul(l.quantity)
                .unwrap_or_else(|_| r.overflow(&format!("/lines/{i}/unit_price")))
        })
        .collect();
    let weights: Vec<i64> = gross.iter().map(|m| m.amount).collect();

    let shipping_prices: Vec<Money> = (order.shipping_lines.iter())
        .map(|s| r.money(&s.price, "/shipping/amount"))
        .collect();
    let shipping_gross = r.total(shipping_prices, "/shipping/amount");
    let shipping_taxes: Vec<Money> = (order.shipping_lines.iter())
        .map(|s| r.sum(&s.tax_lines, "/shipping/tax"))
        .collect();
    let shipping_tax = r.total(shipping_taxes, "/shipping/tax");

    let taxes: Vec<Money> = if items.iter().any(|l| !l.tax_lines.is_empty()) {
        (items.iter().enumerate())
            .map(|(i, l)| r.sum(&l.tax_lines, &format!("/lines/{i}/tax")))
            .collect()
    } else {
        // Only the order's tax: what is not the shipping's is the lines'.
        let order_tax = if order.tax_lines.is_empty() {
            (order.total_tax.as_ref()).map_or(Money::zero(currency), |t| r.money(t, "/totals/tax"))
        } else {
            r.sum(&order.tax_lines, "/totals/tax")
        };
        let pool = order_tax
            .checked_sub(shipping_tax)
            .unwrap_or_else(|_| r.overflow("/totals/tax"));
        r.split(pool, &weights, "/totals/tax")
    };

    let discounts: Vec<Money> = if items.iter().any(|l| !l.discount_allocations.is_empty()) {
        (items.iter().enumerate())
            .map(|(i, l)| {
                let field = format!("/lines/{i}/discount");
                let amounts: Vec<Money> = (l.discount_allocations.iter())
                    .map(|d| r.money(&d.amount, field.as_str()))
                    .collect();
                r.total(amounts, &field)
            })
            .collect()
    } else if items
        .iter()
        .any(|l| l.total_discount.as_ref().is_some_and(|d| d.0.trim() != "0.00"))
    {
        (items.iter().enumerate())
            .map(|(i, l)| match &l.total_discount {
                Some(d) => r.money(d, format!("/lines/{i}/discount")),
                None => Money::zero(currency),
            })
            .collect()
    } else {
        let order_discount =
            (order.total_discounts.as_ref()).map_or(Money::zero(currency), |d| r.money(d, "/totals/discount"));
        r.split(order_discount, &weights, "/totals/discount")
    };

    let mut lines = Vec::with_capacity(items.len());
    for (i, l) in items.iter().enumerate() {
        let (unit_price, discount) = if included {
            match gross[i].checked_sub(taxes[i]).and_then(|net| net.per_unit(l.quantity)) {
                Ok((unit, rounding)) => (unit, discounts[i].checked_add(rounding).unwrap_or(discounts[i])),
                Err(_) => {
                    r.errors
                        .push(Invalid::new("out_of_range", "must be at least 1").at(format!("/lines/{i}/quantity")));
                    (prices[i], discounts[i])
                }
            }
        } else {
            (prices[i], discounts[i])
        };
        let sku = text(l.sku.as_deref());
        if sku.is_none() {
            r.errors
                .push(Invalid::new("required", "the Shopify line item has no SKU").at(format!("/lines/{i}/sku")));
        }
        lines.push(LineInput {
            sku,
            quantity: Some(l.quantity),
            unit_price: Some(unit_price),
            discount: Some(discount),
            tax: Some(taxes[i]),
            external_id: Some(l.id.0.clone()),
        });
    }
    let shipping_amount = if included {
        shipping_gross
            .checked_sub(shipping_tax)
            .unwrap_or_else(|_| r.overflow("/shipping/amount"))
    } else {
        shipping_gross
    };

    let mut channel_figure = |value: &Option<Decimal>, field: &str| value.as_ref().map(|v| r.money(v, field));
    let totals = TotalsInput {
        // Shopify's subtotal includes tax when its prices do; ours never does.
        subtotal: if included {
            None
        } else {
            channel_figure(&order.total_line_items_price, "/totals/subtotal")
        },
        discount: if included {
            None
        } else {
            channel_figure(&order.total_discounts, "/totals/discount")
        },
        tax: channel_figure(&order.total_tax, "/totals/tax"),
        shipping: None,
        total: channel_figure(&order.total_price, "/totals/total"),
    };

    let input = OrderInput {
        channel: Some(channel.to_owned()),
        external_id: Some(id.to_owned()),
        placed_at: placed_at(order),
        currency: Some(currency.as_str().to_owned()),
        customer: Some(customer(order)),
        shipping_address: order.shipping_address.as_ref().map(address),
        billing_address: order.billing_address.as_ref().map(address),
        lines: Some(lines),
        shipping: Some(ShippingInput {
            amount: Some(shipping_amount),
            tax: Some(shipping_tax),
        }),
        service_level: None,
        notes: text(order.note.as_deref()),
        tags: order
            .tags
            .as_deref()
            .map(|t| t.split(',').filter_map(|t| text(Some(t))).collect()),
        totals: Some(totals),
        priority: None,
        payment_token: None,
    };
    let mut errors = r.errors;
    if errors.is_empty()
        && let Err(parse_errors) = input.parse()
    {
        errors = parse_errors;
    }
    if errors.is_empty() {
        Ok(input)
    } else {
        Err(unmappable(id, errors))
    }
}

/// What an order amounts to: the order, its cancellation if Shopify cancelled it, and
/// a refund for each of its refunds that paid money back.
pub fn notices_for_order(channel: &str, order: &Order) -> Result<Vec<Notice>, ChannelError> {
    let input = order_input(channel, order)?;
    let currency = input.currency.as_deref().and_then(|c| Currency::parse(c).ok());
    let mut notices = vec![Notice::Order(Box::new(input))];
    if text(order.cancelled_at.as_deref()).is_some() {
        notices.push(Notice::Cancelled {
            external_id: order.id.0.clone(),
            reason: text(order.cancel_reason.as_deref()),
        });
    }
    for refund in &order.refunds {
        if let Some(refunded) = refund_notice(refund, Some(&order.id), currency)? {
            notices.push(refunded);
        }
    }
    Ok(notices)
}

/// A refund as the money it paid back: its successful `refund` transactions summed
/// (`None` when it paid nothing back, as a refund that only restocks).
pub fn refund_notice(
    refund: &Refund,
    order: Option<&Id>,
    currency: Option<Currency>,
) -> Result<Option<Notice>, ChannelError> {
    let external_id = (refund.order_id.as_ref().or(order))
        .ok_or_else(|| ChannelError::Unreadable("a refund without its order_id".into()))?
        .0
        .clone();
    let paid: Vec<_> = (refund.transactions.iter())
        .filter(|t| t.kind == "refund" && t.status.as_deref() == Some("success"))
        .collect();
    if paid.is_empty() {
        return Ok(None);
    }
    let mut amounts = Vec::with_capacity(paid.len());
    for (i, t) in paid.iter().enumerate() {
        let field = format!("/transactions/{i}/amount");
        let currency = match t.currency.as_deref().map(Currency::parse) {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                return Err(unmappable(
                    &external_id,
                    vec![e.at(format!("/transactions/{i}/currency"))],
                ));
            }
            None => currency.ok_or_else(|| {
                unmappable(
                    &external_id,
                    vec![Invalid::new("required", "is required").at(format!("/transactions/{i}/currency"))],
                )
            })?,
        };
        amounts
            .push(Money::from_decimal(&t.amount.0, currency).map_err(|e| unmappable(&external_id, vec![e.at(field)]))?);
    }
    let first = amounts[0].currency;
    let amount = Money::sum(first, amounts).map_err(|e| {
        unmappable(
            &external_id,
            vec![Invalid::new("invalid_amount", e.to_string()).at("/transactions")],
        )
    })?;
    Ok(Some(Notice::Refunded(ChannelRefund {
        external_id,
        refund_id: refund.id.0.clone(),
        amount,
        reason: text(refund.note.as_deref()),
    })))
}

/// Each product variant with a SKU: the variant is the listing, its inventory item is
/// where stock is set.
pub fn listings(products: &[Product]) -> Vec<Listing> {
    (products.iter().flat_map(|p| &p.variants))
        .filter_map(|v| {
            Some(Listing {
                sku: text(v.sku.as_deref())?,
                listing_id: v.id.0.clone(),
                item_id: v.inventory_item_id.as_ref().map(|i| i.0.clone()),
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
