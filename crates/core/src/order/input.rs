//! Order input: what a valid order is, parsed field by field into an `OrderDraft`,
//! with its totals computed and checked.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::ServiceLevel;
use crate::catalog::{Address, AddressInput};
use crate::inventory::Quantity;
use crate::money::{Currency, Money, MoneyError};
use crate::payment::PaymentToken;
use crate::validation::{self, FieldError, Invalid, Validator};

/// The customer who placed an order.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    #[cfg_attr(feature = "openapi", schema(example = "ann@example.com"))]
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "Ann Smith"))]
    pub name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
}

/// One line of an order as it arrives.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    #[cfg_attr(feature = "openapi", schema(example = "TEE-ORG-M"))]
    pub sku: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = 2))]
    pub quantity: Option<i64>,
    /// Price of one unit before discount and tax.
    pub unit_price: Option<Money>,
    /// Discount for the whole line. Default zero.
    pub discount: Option<Money>,
    /// Tax for the whole line. Default zero.
    pub tax: Option<Money>,
    /// The channel's own id of this line (a Shopify line item, an Amazon order item),
    /// which fulfilments and cancellations pushed back to the channel name.
    #[cfg_attr(feature = "openapi", schema(example = "466157049"))]
    pub external_id: Option<String>,
}

/// The shipping the customer paid for.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShippingInput {
    pub amount: Option<Money>,
    pub tax: Option<Money>,
}

/// Totals as the channel computed them; each one sent is checked against ours.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TotalsInput {
    pub subtotal: Option<Money>,
    pub discount: Option<Money>,
    pub tax: Option<Money>,
    pub shipping: Option<Money>,
    pub total: Option<Money>,
}

/// An order as a channel or integrator sends it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// The channel's code (or id).
    #[cfg_attr(feature = "openapi", schema(example = "web"))]
    pub channel: Option<String>,
    /// The channel's own order id; the same channel and external id is the same order.
    #[cfg_attr(feature = "openapi", schema(example = "1001"))]
    pub external_id: Option<String>,
    /// When the customer placed it (RFC 3339); default now.
    pub placed_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(example = "GBP"))]
    pub currency: Option<String>,
    pub customer: Option<CustomerInput>,
    pub shipping_address: Option<AddressInput>,
    /// Default: the shipping address.
    pub billing_address: Option<AddressInput>,
    pub lines: Option<Vec<LineInput>>,
    pub shipping: Option<ShippingInput>,
    pub service_level: Option<ServiceLevel>,
    pub notes: Option<String>,
    pub tags: Option<Vec<String>>,
    pub totals: Option<TotalsInput>,
    /// 0 to 100, default 0: when backordered stock arrives, higher priorities are
    /// served first. The tag `priority` raises an order to at least 10.
    pub priority: Option<i64>,
    /// The customer's payment method as the channel's payment provider tokenised it
    /// (never a card number). With the `test` provider, `tok_decline` is declined and
    /// `tok_error` fails.
    #[cfg_attr(feature = "openapi", schema(example = "tok_visa_4242"))]
    pub payment_token: Option<String>,
}

/// A valid order line with its computed total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDraft {
    pub sku: String,
    pub quantity: Quantity,
    pub unit_price: Money,
    pub discount: Money,
    pub tax: Money,
    pub total: Money,
    pub external_id: Option<String>,
}

/// An order's totals: `total = subtotal - discount + tax + shipping`, where `tax`
/// includes the tax on shipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    pub subtotal: Money,
    pub discount: Money,
    pub tax: Money,
    pub shipping: Money,
    pub total: Money,
}

/// A valid order, ready to be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDraft {
    pub channel: String,
    pub external_id: Option<String>,
    pub placed_at: Option<Timestamp>,
    pub currency: Currency,
    pub customer: Customer,
    pub shipping_address: Address,
    pub billing_address: Address,
    pub lines: Vec<LineDraft>,
    pub shipping: Money,
    pub shipping_tax: Money,
    pub service_level: ServiceLevel,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub totals: Totals,
    pub priority: i64,
    pub payment_token: Option<PaymentToken>,
}

/// The priority a tagged order gets at least.
pub const PRIORITY_TAG_LEVEL: i64 = 10;

/// An order may carry at most this many lines.
pub const MAX_LINES: usize = 500;

/// A money field of an order: in the order's currency, from zero to `MAX_AMOUNT`.
fn order_money(m: Money, currency: Option<Currency>) -> Result<Money, Invalid> {
    if let Some(c) = currency
        && m.currency != c
    {
        return Err(Invalid::new(
            "currency_mismatch",
            format!("is in {}, but the order is in {c}", m.currency),
        ));
    }
    m.bounded()
}

fn overflow(_: MoneyError) -> Invalid {
    Invalid::new("out_of_range", "amount is too large")
}

impl LineInput {
    fn parse(&self, i: usize, currency: Option<Currency>, v: &mut Validator) -> Option<LineDraft> {
        let at = |f: &str| format!("/lines/{i}/{f}");
        let sku = v
            .require(at("sku"), self.sku.as_deref())
            .and_then(|s| v.check(at("sku"), validation::code(s, "sku")));
        let quantity = v
            .require(at("quantity"), self.quantity)
            .and_then(|q| v.check(at("quantity"), Quantity::new(q)));
        let unit_price = v
            .require(at("unit_price"), self.unit_price)
            .and_then(|m| v.check(at("unit_price"), order_money(m, currency)));
        let currency = currency?;
        let discount = v.check(
            at("discount"),
            order_money(self.discount.unwrap_or(Money::zero(currency)), Some(currency)),
        );
        let tax = v.check(
            at("tax"),
            order_money(self.tax.unwrap_or(Money::zero(currency)), Some(currency)),
        );
        let external_id = match self.external_id.as_deref() {
            Some(id) => Some(v.check(at("external_id"), validation::text(id, 100))?),
            None => None,
        };
        let (sku, quantity, unit_price, discount, tax) = (sku?, quantity?, unit_price?, discount?, tax?);
        let gross = v.check(
            at("unit_price"),
            unit_price.checked_mul(quantity.get()).map_err(overflow),
        )?;
        if discount.amount > gross.amount {
            v.push(
                Invalid::new("out_of_range", format!("{discount} is more than the line's {gross}")).at(at("discount")),
            );
            return None;
        }
        let total = v.check(
            at("tax"),
            gross
                .checked_sub(discount)
                .and_then(|m| m.checked_add(tax))
                .map_err(overflow),
        )?;
        Some(LineDraft {
            sku,
            quantity,
            unit_price,
            discount,
            tax,
            total,
            external_id,
        })
    }
}

impl Totals {
    /// Computes an order's totals from its lines and shipping.
    pub fn compute(
        currency: Currency,
        lines: &[LineDraft],
        shipping: Money,
        shipping_tax: Money,
    ) -> Result<Totals, MoneyError> {
        let subtotal = lines.iter().try_fold(Money::zero(currency), |sum, l| {
            sum.checked_add(l.unit_price.checked_mul(l.quantity.get())?)
        })?;
        let discount = Money::sum(currency, lines.iter().map(|l| l.discount))?;
        let tax = Money::sum(currency, lines.iter().map(|l| l.tax))?.checked_add(shipping_tax)?;
        let total = subtotal
            .checked_sub(discount)?
            .checked_add(tax)?
            .checked_add(shipping)?;
        Ok(Totals {
            subtotal,
            discount,
            tax,
            shipping,
            total,
        })
    }

    /// Totals an order may have: each from zero to `MAX_AMOUNT` (an order of exactly
    /// `i64::MAX` is as absurd as one that wraps around).
    fn bounded(self) -> Result<Totals, Invalid> {
        let all = [
            ("subtotal", self.subtotal),
            ("discount", self.discount),
            ("tax", self.tax),
            ("shipping", self.shipping),
            ("total", self.total),
        ];
        for (name, m) in all {
            m.bounded()
                .map_err(|e| Invalid::new(e.code, format!("the order's {name} {}", e.message)))?;
        }
        Ok(self)
    }
}

impl OrderInput {
    /// Validates the whole order and computes its totals, reporting every problem at once.
    pub fn parse(&self) -> Result<OrderDraft, Vec<FieldError>> {
        let mut v = Validator::new();
        let channel = v
            .require("/channel", self.channel.as_deref())
            .and_then(|c| v.check("/channel", validation::code(c, "channel")));
        let external_id = v.check_opt("/external_id", self.external_id.as_deref(), |e| {
            validation::text(e, 128)
        });
        let placed_at = v.check_opt("/placed_at", self.placed_at.as_deref(), |t| {
            t.parse::<Timestamp>()
                .map_err(|_| Invalid::new("invalid_time", "must be an RFC 3339 time such as 2026-11-20T14:03:00Z"))
        });
        let currency = v
            .require("/currency", self.currency.as_deref())
            .and_then(|c| v.check("/currency", Currency::parse(c)));
        let customer = v.require("/customer", self.customer.as_ref()).and_then(|c| {
            let email = v
                .require("/customer/email", c.email.as_deref())
                .and_then(|e| v.check("/customer/email", validation::email(e)));
            let name = v
                .require("/customer/name", c.name.as_deref())
                .and_then(|n| v.check("/customer/name", validation::text(n, 200)));
            let phone = v.check("/customer/phone", validation::optional_text(c.phone.as_deref(), 40));
            Some(Customer {
                email: email?,
                name: name?,
                phone: phone?,
            })
        });
        let address = |v: &mut Validator, path: &str, input: &AddressInput| match Address::parse(input, path) {
            Ok(a) => Some(a),
            Err(errors) => {
                errors.into_iter().for_each(|e| v.push(e));
                None
            }
        };
        let shipping_address = v
            .require("/shipping_address", self.shipping_address.as_ref())
            .and_then(|a| address(&mut v, "/shipping_address", a));
        let billing_address = match &self.billing_address {
            Some(a) => address(&mut v, "/billing_address", a),
            None => shipping_address.clone(),
        };
        let raw_lines = v.require("/lines", self.lines.as_ref());
        let mut lines = Vec::new();
        if let Some(raw_lines) = raw_lines {
            if raw_lines.is_empty() {
                v.push(Invalid::new("required", "an order needs at least one line").at("/lines"));
            }
            if raw_lines.len() > MAX_LINES {
                v.push(Invalid::new("too_long", format!("an order may have at most {MAX_LINES} lines")).at("/lines"));
            }
            for (i, line) in raw_lines.iter().enumerate().take(MAX_LINES) {
                if let Some(line) = line.parse(i, currency, &mut v) {
                    lines.push(line);
                }
            }
        }
        let shipping_input = self.shipping.clone().unwrap_or_default();
        let zero = currency.map(Money::zero);
        let shipping = zero.and_then(|z| {
            v.check(
                "/shipping/amount",
                order_money(shipping_input.amount.unwrap_or(z), currency),
            )
        });
        let shipping_tax =
            zero.and_then(|z| v.check("/shipping/tax", order_money(shipping_input.tax.unwrap_or(z), currency)));
        let notes = v.check("/notes", validation::optional_text(self.notes.as_deref(), 4000));
        let payment_token = v.check_opt("/payment_token", self.payment_token.as_deref(), PaymentToken::parse);
        let priority = v.check("/priority", {
            let p = self.priority.unwrap_or(0);
            if (0..=100).contains(&p) {
                Ok(p)
            } else {
                Err(Invalid::new("out_of_range", "must be between 0 and 100"))
            }
        });
        let mut tags: Vec<String> = Vec::new();
        for (i, tag) in self.tags.iter().flatten().enumerate() {
            if let Some(tag) = v.check(format!("/tags/{i}"), validation::text(tag, 64))
                && !tags.contains(&tag)
            {
                tags.push(tag);
            }
        }
        let totals = match (currency, shipping, shipping_tax, v.is_empty()) {
            (Some(c), Some(s), Some(st), true) => v.check(
                "/totals",
                Totals::compute(c, &lines, s, st)
                    .map_err(overflow)
                    .and_then(Totals::bounded),
            ),
            _ => None,
        };
        if let (Some(sent), Some(ours)) = (&self.totals, &totals) {
            let pairs = [
                ("subtotal", sent.subtotal, ours.subtotal),
                ("discount", sent.discount, ours.discount),
                ("tax", sent.tax, ours.tax),
                ("shipping", sent.shipping, ours.shipping),
                ("total", sent.total, ours.total),
            ];
            for (name, sent, ours) in pairs {
                if let Some(sent) = sent
                    && sent != ours
                {
                    v.push(
                        Invalid::new(
                            "totals_mismatch",
                            format!("is {sent}, but the lines and shipping add up to {ours}"),
                        )
                        .at(format!("/totals/{name}")),
                    );
                }
            }
        }
        v.finish(|| {
            Some(OrderDraft {
                channel: channel?,
                external_id: external_id?,
                placed_at: placed_at?,
                currency: currency?,
                customer: customer?,
                shipping_address: shipping_address?,
                billing_address: billing_address?,
                lines,
                shipping: shipping?,
                shipping_tax: shipping_tax?,
                service_level: self.service_level.unwrap_or(ServiceLevel::Standard),
                notes: notes?,
                priority: priority?.max(if tags.iter().any(|t| t.eq_ignore_ascii_case("priority")) {
                    PRIORITY_TAG_LEVEL
                } else {
                    0
                }),
                tags,
                totals: totals?,
                payment_token: payment_token?,
            })
        })
    }
}
