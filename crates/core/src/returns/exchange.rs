//! Replacement orders, for exchanges and claims: pricing the replacement lines against
//! the catalog, paying for them with a return's credit, and the order that carries them
//! (same customer and addresses, no shipping charged, found again when retried).

use super::ReplacementLine;
use crate::catalog::Address;
use crate::money::{Currency, Money, MoneyError};
use crate::order::{Customer, LineDraft, OrderDraft, ServiceLevel, Totals};
use crate::validation::{FieldError, Invalid};

/// A catalog product as a replacement line is priced from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplacementProduct {
    pub sku: String,
    pub price: Option<Money>,
    /// Archived products are not sent.
    pub archived: bool,
}

/// Prices replacement lines in the order's `currency`: each at the price given, else
/// its product's. `products[i]` is the product `wanted[i]` names, if there is one. A
/// SKU with no live product, a line with no price or a price in another currency is
/// named at its field; all are reported at once. The lines carry no discount or tax.
pub fn price_replacements(
    wanted: &[ReplacementLine],
    products: &[Option<ReplacementProduct>],
    currency: Currency,
) -> Result<Vec<LineDraft>, Vec<FieldError>> {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (i, w) in wanted.iter().enumerate() {
        let at = |f: &str| format!("/lines/{i}/{f}");
        let Some(product) = products.get(i).and_then(Option::as_ref).filter(|p| !p.archived) else {
            errors.push(
                Invalid::new("unknown_sku", format!("there is no product with SKU {} to send", w.sku)).at(at("sku")),
            );
            continue;
        };
        let Some(unit_price) = w.unit_price.or(product.price) else {
            errors.push(Invalid::new("required", format!("{} has no price: give one", w.sku)).at(at("unit_price")));
            continue;
        };
        if unit_price.currency != currency {
            errors.push(
                Invalid::new(
                    "currency_mismatch",
                    format!("is in {}, but the order is in {currency}", unit_price.currency),
                )
                .at(at("unit_price")),
            );
            continue;
        }
        let total = unit_price
            .checked_mul(w.quantity.get())
            .map_err(|e| vec![Invalid::new("out_of_range", e.to_string()).at(at("quantity"))])?;
        lines.push(LineDraft {
            sku: product.sku.clone(),
            quantity: w.quantity,
            unit_price,
            discount: Money::zero(currency),
            tax: Money::zero(currency),
            total,
            external_id: None,
        });
    }
    if errors.is_empty() { Ok(lines) } else { Err(errors) }
}

/// Pays for replacement `lines` with a return's `credit`: each line, in order, is
/// discounted by as much of the credit as its price allows, so the replacement order
/// charges only what the credit does not cover. Returns the credit left over, which
/// goes back to the customer.
pub fn apply_credit(lines: &mut [LineDraft], credit: Money) -> Result<Money, MoneyError> {
    let mut left = credit;
    for line in lines.iter_mut() {
        let gross = line.unit_price.checked_mul(line.quantity.get())?;
        let room = gross.checked_sub(line.discount)?;
        let take = Money::new(left.amount.clamp(0, room.amount.max(0)), left.currency);
        line.discount = line.discount.checked_add(take)?;
        line.total = gross.checked_sub(line.discount)?.checked_add(line.tax)?;
        left = left.checked_sub(take)?;
    }
    Ok(left)
}

/// What an exchange comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeTerms {
    /// The replacement's lines, the credit taken off them as discounts.
    pub lines: Vec<LineDraft>,
    /// What the replacement costs beyond the credit: negative when credit is left.
    pub difference: Money,
    /// Credit the replacement does not use, refunded on the original order.
    pub refund: Option<Money>,
}

/// Pays for the replacement `lines` (priced in `currency`) with a return's `credit`
/// (`apply_credit`); what is left of the credit goes back to the customer.
pub fn exchange_terms(
    mut lines: Vec<LineDraft>,
    credit: Money,
    currency: Currency,
) -> Result<ExchangeTerms, MoneyError> {
    let gross = Money::sum(currency, lines.iter().map(|l| l.total))?;
    let left = apply_credit(&mut lines, credit)?;
    Ok(ExchangeTerms {
        lines,
        difference: gross.checked_sub(credit)?,
        refund: (left.amount > 0).then_some(left),
    })
}

/// What a replacement order is for: it is tagged so, and known by an external id made
/// from the return or claim, so a retried request finds the order it placed before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplacementFor<'a> {
    /// An exchange, for the return with this RMA number.
    Exchange(&'a str),
    /// A claim's free replacement, for the claim with this id.
    Claim(&'a str),
}

/// How an exchange's replacement order's external id ends, after the RMA number: what
/// tells its placement apart from a new sale (the customer gets an exchange email).
pub const EXCHANGE_SUFFIX: &str = "-EXCHANGE";

impl ReplacementFor<'_> {
    pub fn tag(self) -> &'static str {
        match self {
            ReplacementFor::Exchange(_) => "exchange",
            ReplacementFor::Claim(_) => "claim",
        }
    }

    pub fn external_id(self) -> String {
        match self {
            ReplacementFor::Exchange(rma) => format!("{rma}{EXCHANGE_SUFFIX}"),
            ReplacementFor::Claim(claim) => claim.to_owned(),
        }
    }
}

/// The order a replacement goes out on the back of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplacedOrder {
    pub channel: String,
    pub currency: Currency,
    pub customer: Customer,
    pub shipping_address: Address,
    pub billing_address: Address,
    pub service_level: ServiceLevel,
    pub priority: i64,
}

/// A replacement order for `of`: same channel, customer, addresses, service and
/// priority, no shipping charged, tagged and identified by what it is `for`.
pub fn replacement_order(
    of: &ReplacedOrder,
    purpose: ReplacementFor<'_>,
    lines: Vec<LineDraft>,
    notes: String,
) -> Result<OrderDraft, MoneyError> {
    let zero = Money::zero(of.currency);
    let totals = Totals::compute(of.currency, &lines, zero, zero)?;
    Ok(OrderDraft {
        channel: of.channel.clone(),
        external_id: Some(purpose.external_id()),
        placed_at: None,
        currency: of.currency,
        customer: of.customer.clone(),
        shipping_address: of.shipping_address.clone(),
        billing_address: of.billing_address.clone(),
        lines,
        shipping: zero,
        shipping_tax: zero,
        service_level: of.service_level,
        notes: Some(notes),
        tags: vec![purpose.tag().to_owned()],
        totals,
        priority: of.priority,
        payment_token: None,
    })
}
