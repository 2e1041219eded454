//! eBay's `Order` (Sell Fulfillment API) in our terms: pure functions, no I/O.
//!
//! Money. `lineItemCost` is the price of all the line's units before discounts, so the
//! unit price is that split exactly by the quantity (never rounded: a cost that does
//! not split is refused). A line's discount is `lineItemCost - discountedLineItemCost`
//! (or the sum of its `appliedPromotions`), its tax the sum of its `taxes[]`; an
//! order-level `priceDiscount` or `tax` that no line carries is split over the lines
//! by their gross price. Shipping is `pricingSummary.deliveryCost` less any
//! `deliveryDiscount`; for Global Shipping Program orders eBay counts the buyer's
//! import charges in `deliveryCost`, so they are part of our shipping too.
//!
//! Tax eBay collects and remits (`ebayCollectAndRemitTaxes`: US sales tax, AU/NZ GST,
//! UK/EU import VAT) is recorded as the line's tax: the buyer paid it, it is in the
//! line's `taxes[]`, and eBay's docs count it in `lineItems.total` and
//! `pricingSummary.total`, the figure our totals are checked against (older orders
//! whose total leaves it out are taken with it added). The seller
//! does not keep it (eBay remits it), which is the finance side's business, not the
//! order's. eBay's listed prices are the prices the buyer pays (VAT-inclusive on
//! EU/UK sites, where eBay reports no separate tax), so nothing is counted twice.
//!
//! Addresses. The order ships to `fulfillmentStartInstructions[0].shippingStep.shipTo`:
//! for a Global Shipping Program order that is eBay's shipping centre (the buyer's own
//! address is `finalDestinationAddress`, which eBay's partner ships to), so the
//! centre is our shipping address. The buyer's registration address, when eBay gives
//! it, is the billing address; its email is the customer's.

use switchyard_core::Money;
use switchyard_core::catalog::AddressInput;
use switchyard_core::money::Currency;
use switchyard_core::order::{CustomerInput, LineInput, OrderInput, ShippingInput, TotalsInput};
use switchyard_core::validation::{FieldError, Invalid};

use super::model::{Amount, Contact, LineItem, Order, PricingSummary};
use crate::{ChannelError, Notice};

/// eBay's `cancelState` of a cancelled order.
const CANCELED: &str = "CANCELED";

/// What one eBay order amounts to: the order, its cancellation if eBay cancelled it,
/// and each refund paid (by `refundId`, told once however often eBay lists it).
pub fn notices(channel: &str, order: &Order) -> Result<Vec<Notice>, ChannelError> {
    let input = order_input(channel, order)?;
    let currency = input
        .currency
        .as_deref()
        .and_then(|c| Currency::parse(c).ok())
        .ok_or_else(|| unmappable(order, vec![Invalid::new("required", "is required").at("/currency")]))?;
    let mut notices = vec![Notice::Order(Box::new(input))];
    if let Some(status) = &order.cancel_status
        && status.cancel_state.as_deref() == Some(CANCELED)
    {
        notices.push(Notice::Cancelled {
            external_id: order.order_id.clone(),
            reason: status.cancel_requests.iter().find_map(|r| r.cancel_reason.clone()),
        });
    }
    notices.extend(refunds::refunds(order, currency)?.into_iter().map(Notice::Refunded));
    Ok(notices)
}

/// The order as an `OrderInput` that parses (its totals checked against eBay's), or
/// `Unmappable` with every problem named by the `OrderInput` field it is about.
pub fn order_input(channel: &str, order: &Order) -> Result<OrderInput, ChannelError> {
    let mut m = Mapper::default();
    let summary = order.pricing_summary.clone().unwrap_or_default();
    m.currency = match summary.total.as_ref().map(|t| Currency::parse(&t.currency)) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            m.errors.push(e.at("/currency"));
            None
        }
        None => {
            m.errors
                .push(Invalid::new("required", "eBay's order has no pricingSummary.total").at("/currency"));
            None
        }
    };
    let discount = m.size("/totals/discount", summary.price_discount.as_ref());
    let tax = m.money("/totals/tax", summary.tax.as_ref());
    let lines = m.lines(order, discount, tax);
    let shipping = m.shipping(&summary);
    let totals = TotalsInput {
        subtotal: m.money("/totals/subtotal", summary.price_subtotal.as_ref()),
        discount,
        tax,
        shipping,
        total: m.money("/totals/total", summary.total.as_ref()),
    };
    let ship_to = order
        .fulfillment_start_instructions
        .first()
        .and_then(|f| f.shipping_step.as_ref())
        .and_then(|s| s.ship_to.as_ref());
    let registered = order.buyer.as_ref().and_then(|b| b.buyer_registration_address.as_ref());
    let customer = CustomerInput {
        email: first([registered, ship_to], |c| c.email.clone()),
        name: first([registered, ship_to], |c| c.full_name.clone())
            .or_else(|| order.buyer.as_ref().and_then(|b| b.username.clone())),
        phone: first([registered, ship_to], phone),
    };
    let input = OrderInput {
        channel: Some(channel.to_owned()),
        external_id: Some(order.order_id.clone()),
        placed_at: Some(order.creation_date.clone()),
        currency: m.currency.map(|c| c.as_str().to_owned()),
        customer: Some(customer),
        shipping_address: ship_to.and_then(address),
        billing_address: registered.and_then(address),
        lines: Some(lines),
        shipping: Some(ShippingInput {
            amount: shipping,
            tax: None,
        }),
        notes: order.buyer_checkout_notes.clone().filter(|n| !n.trim().is_empty()),
        totals: Some(totals),
        ..OrderInput::default()
    };
    let remitted = m.remitted(order);
    if !m.errors.is_empty() {
        return Err(unmappable(order, m.errors));
    }
    let input = total_with_remitted_tax(input, remitted);
    input.parse().map_err(|errors| unmappable(order, errors))?;
    Ok(input)
}

/// eBay's total as the lines add it up, remitted tax included. eBay's docs count
/// the tax it collects and remits in `pricingSummary.total`, but orders from before
/// that change leave it out; such a total, short by exactly the remitted tax, is
/// taken with the tax added. Any other difference stays, for `parse` to refuse.
fn total_with_remitted_tax(mut input: OrderInput, remitted: Option<Money>) -> OrderInput {
    let Some(remitted) = remitted.filter(|r| r.amount != 0) else {
        return input;
    };
    let Some(sent) = input.totals.as_ref().and_then(|t| t.total) else {
        return input;
    };
    let mut unchecked = input.clone();
    if let Some(t) = unchecked.totals.as_mut() {
        t.total = None;
    }
    let Ok(ours) = unchecked.parse().map(|d| d.totals.total) else {
        return input;
    };
    if sent != ours
        && sent.checked_add(remitted) == Ok(ours)
        && let Some(t) = input.totals.as_mut()
    {
        t.total = Some(ours);
    }
    input
}

fn unmappable(order: &Order, errors: Vec<FieldError>) -> ChannelError {
    ChannelError::Unmappable {
        external_id: order.order_id.clone(),
        errors,
    }
}

/// The first of the contacts that has the field.
fn first(contacts: [Option<&Contact>; 2], field: impl Fn(&Contact) -> Option<String>) -> Option<String> {
    contacts
        .into_iter()
        .flatten()
        .find_map(|c| field(c).filter(|v| !v.trim().is_empty()))
}

fn phone(contact: &Contact) -> Option<String> {
    contact.primary_phone.as_ref().and_then(|p| p.phone_number.clone())
}

fn address(contact: &Contact) -> Option<AddressInput> {
    let a = contact.contact_address.as_ref()?;
    Some(AddressInput {
        name: contact.full_name.clone(),
        company: contact.company_name.clone(),
        line1: a.address_line1.clone(),
        line2: a.address_line2.clone(),
        city: a.city.clone(),
        region: a.state_or_province.clone(),
        postal_code: a.postal_code.clone(),
        country: a.country_code.clone(),
        phone: phone(contact),
    })
}

/// Reads amounts in the order's currency, collecting what is wrong by field.
#[derive(Default)]
struct Mapper {
    currency: Option<Currency>,
    errors: Vec<FieldError>,
}

impl Mapper {
    /// An amount, if eBay gave one: exact, in the order's currency.
    fn money(&mut self, at: &str, amount: Option<&Amount>) -> Option<Money> {
        let (amount, currency) = (amount?, self.currency?);
        if !amount.currency.trim().eq_ignore_ascii_case(currency.as_str()) {
            self.errors.push(
                Invalid::new(
                    "currency_mismatch",
                    format!("is in {}, but the order is in {currency}", amount.currency),
                )
                .at(at),
            );
            return None;
        }
        match Money::from_decimal(&amount.value, currency) {
            Ok(m) => Some(m),
            Err(e) => {
                self.errors.push(e.at(at));
                None
            }
        }
    }

    /// The size of an amount eBay writes negative (a discount), if it gave one.
    fn size(&mut self, at: &str, amount: Option<&Amount>) -> Option<Money> {
        let m = self.money(at, amount)?;
        if m.is_negative() {
            self.arith(at, Money::zero(m.currency).checked_sub(m))
        } else {
            Some(m)
        }
    }

    fn arith(&mut self, at: &str, result: Result<Money, switchyard_core::money::MoneyError>) -> Option<Money> {
        result
            .map_err(|e| self.errors.push(Invalid::new("out_of_range", e.to_string()).at(at)))
            .ok()
    }

    fn sum(&mut self, at: &str, amounts: Vec<Money>) -> Option<Money> {
        let currency = self.currency?;
        self.arith(at, Money::sum(currency, amounts))
    }

    /// The lines, with an order-level discount and tax no line carries spread over
    /// them by their gross price.
    fn lines(&mut self, order: &Order, discount: Option<Money>, tax: Option<Money>) -> Vec<LineInput> {
        let (mut lines, weights): (Vec<LineInput>, Vec<i64>) = order
            .line_items
            .iter()
            .enumerate()
            .map(|(i, line)| self.line(i, line))
            .unzip();
        if lines.is_empty() {
            self.errors
                .push(Invalid::new("required", "eBay's order has no line items").at("/lines"));
            return lines;
        }
        self.spread(&mut lines, &weights, discount, |l| &mut l.discount);
        self.spread(&mut lines, &weights, tax, |l| &mut l.tax);
        lines
    }

    /// An order-level amount no line carries, split over the lines by `weights`.
    fn spread(
        &mut self,
        lines: &mut [LineInput],
        weights: &[i64],
        order_level: Option<Money>,
        field: impl Fn(&mut LineInput) -> &mut Option<Money>,
    ) {
        let Some(amount) = order_level.filter(|m| m.amount != 0) else {
            return;
        };
        if lines.iter_mut().any(|l| field(l).is_some_and(|m| m.amount != 0)) {
            return;
        }
        let parts = match amount.allocate(weights) {
            Ok(parts) => parts,
            Err(e) => {
                self.errors
                    .push(Invalid::new("out_of_range", e.to_string()).at("/totals"));
                return;
            }
        };
        for (line, part) in lines.iter_mut().zip(parts) {
            *field(line) = Some(part);
        }
    }

    /// One line, and its gross price in minor units (its weight in a spread).
    fn line(&mut self, i: usize, line: &LineItem) -> (LineInput, i64) {
        let at = |f: &str| format!("/lines/{i}/{f}");
        let sku = line.sku.clone().filter(|s| !s.trim().is_empty());
        if sku.is_none() {
            self.errors
                .push(Invalid::new("required", format!("eBay's line {} has no SKU", line.line_item_id)).at(at("sku")));
        }
        let gross = self.money(&at("unit_price"), line.line_item_cost.as_ref());
        if line.line_item_cost.is_none() {
            self.errors
                .push(Invalid::new("required", "eBay's line has no lineItemCost").at(at("unit_price")));
        }
        // eBay gives the price of all the line's units; one unit's price is rounded up
        // and what that adds is given back as discount (`Money::per_unit`).
        let split = gross.and_then(|g| {
            g.per_unit(line.quantity)
                .map_err(|e| {
                    self.errors
                        .push(Invalid::new("out_of_range", e.to_string()).at(at("unit_price")))
                })
                .ok()
        });
        let unit_price = split.map(|(unit, _)| unit);
        let discount = match (&line.discounted_line_item_cost, gross) {
            (Some(discounted), Some(gross)) => self
                .money(&at("discount"), Some(discounted))
                .and_then(|d| self.arith(&at("discount"), gross.checked_sub(d))),
            _ => {
                let promotions: Vec<Money> = line
                    .applied_promotions
                    .iter()
                    .filter_map(|p| self.size(&at("discount"), p.discount_amount.as_ref()))
                    .collect();
                self.sum(&at("discount"), promotions)
            }
        };
        let taxes: Vec<Money> = line
            .taxes
            .iter()
            .filter_map(|t| self.money(&at("tax"), t.amount.as_ref()))
            .collect();
        let tax = self.sum(&at("tax"), taxes);
        let discount = match (discount, split) {
            (Some(d), Some((_, rounding))) => self.arith(&at("discount"), d.checked_add(rounding)),
            (d, _) => d,
        };
        let line = LineInput {
            sku,
            quantity: Some(line.quantity),
            unit_price,
            discount,
            tax,
            external_id: Some(line.line_item_id.clone()),
        };
        (line, gross.map_or(0, |g| g.amount))
    }

    /// The tax eBay collects and remits on the order's lines, if any line has some.
    fn remitted(&mut self, order: &Order) -> Option<Money> {
        let amounts: Vec<Money> = order
            .line_items
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.ebay_collect_and_remit_taxes.iter().map(move |t| (i, t)))
            .filter_map(|(i, t)| self.money(&format!("/lines/{i}/tax"), t.amount.as_ref()))
            .collect();
        self.sum("/totals/tax", amounts)
    }

    /// What the buyer paid for delivery: `deliveryCost` less `deliveryDiscount`.
    fn shipping(&mut self, summary: &PricingSummary) -> Option<Money> {
        let cost = self.money("/shipping/amount", summary.delivery_cost.as_ref())?;
        match self.size("/shipping/amount", summary.delivery_discount.as_ref()) {
            Some(discount) => self.arith("/shipping/amount", cost.checked_sub(discount)),
            None => Some(cost),
        }
    }
}

mod refunds;
#[cfg(test)]
mod tests;
