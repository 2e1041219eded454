//! One order's rows into an `OrderInput`: per-order fields from the first row that
//! fills them (later rows may leave them blank, or must agree), a line per row, and
//! each problem at the row and column it came from.

use switchyard_core::Money;
use switchyard_core::catalog::AddressInput;
use switchyard_core::money::Currency;
use switchyard_core::order::{CustomerInput, LineInput, OrderInput, ShippingInput};

use super::mapping::{Columns, Field, Mapping, ShippingPer};
use super::{FileOrder, Problem};

/// A row of the file below the header.
#[derive(Debug, Clone)]
pub(super) struct Row {
    /// As a spreadsheet numbers it: the header is row 1.
    pub number: usize,
    pub cells: Vec<String>,
}

/// Reads one order's rows (never empty). `earlier` holds problems found reading the
/// file: an order with a row among them is refused too.
pub(super) fn build(
    columns: &Columns,
    mapping: &Mapping,
    channel: &str,
    external_id: String,
    rows: &[Row],
    earlier: &[Problem],
) -> (FileOrder, Vec<Problem>) {
    let mut reader = Reader {
        columns,
        mapping,
        rows,
        external_id: &external_id,
        problems: Vec::new(),
    };
    reader.check_agreement();
    let currency = reader.order_value(Field::Currency);
    let money_in = currency.and_then(|c| Currency::parse(c).ok());
    let lines = rows.iter().map(|row| reader.line(row, money_in)).collect();
    let shipping = money_in.and_then(|c| {
        let amount = reader.shipping(Field::Shipping, c);
        let tax = reader.shipping(Field::ShippingTax, c);
        (amount.is_some() || tax.is_some()).then_some(ShippingInput { amount, tax })
    });
    let service_level = reader.service_level();
    let value = |field| reader.order_value(field).map(str::to_owned);
    let line2 = match (value(Field::Address2), value(Field::Address3)) {
        (Some(a), Some(b)) => Some(format!("{a}, {b}")),
        (a, b) => a.or(b),
    };
    let input = OrderInput {
        channel: Some(channel.to_owned()),
        external_id: Some(external_id.clone()),
        placed_at: value(Field::PlacedAt),
        currency: currency.map(str::to_owned),
        customer: Some(CustomerInput {
            email: value(Field::Email),
            name: value(Field::Name),
            phone: value(Field::Phone),
        }),
        shipping_address: Some(AddressInput {
            name: value(Field::Recipient),
            company: value(Field::Company),
            line1: value(Field::Address1),
            line2,
            city: value(Field::City),
            region: value(Field::Region),
            postal_code: value(Field::PostalCode),
            country: value(Field::Country),
            phone: value(Field::ShipPhone),
        }),
        billing_address: None,
        lines: Some(lines),
        shipping,
        service_level,
        notes: value(Field::Notes),
        ..OrderInput::default()
    };
    let mut problems = reader.problems;
    let numbers: Vec<usize> = rows.iter().map(|r| r.number).collect();
    let mut order = FileOrder {
        external_id,
        rows: numbers,
        input,
        draft: None,
    };
    match order.input.parse() {
        Ok(draft) => order.draft = Some(draft),
        Err(errors) => {
            // A cell the reader could not read is missing from the input: its problem
            // is already named, and `parse`'s "is required" would only repeat it.
            let named: Vec<(usize, String)> = problems.iter().map(|p| (p.row, p.column.clone())).collect();
            problems.extend(
                errors
                    .into_iter()
                    .map(|e| locate(columns, &order, &e.field, e.message))
                    .filter(|p| !named.contains(&(p.row, p.column.clone()))),
            );
        }
    }
    let marked = |p: &Problem| order.rows.contains(&p.row);
    if !problems.is_empty() || earlier.iter().any(marked) {
        order.draft = None;
    }
    (order, problems)
}

struct Reader<'a> {
    columns: &'a Columns,
    mapping: &'a Mapping,
    rows: &'a [Row],
    external_id: &'a str,
    problems: Vec<Problem>,
}

impl<'a> Reader<'a> {
    fn problem(&mut self, row: usize, field: Field, reason: String) {
        self.problems.push(Problem {
            row,
            column: self.columns.label(field),
            reason,
            order: Some(self.external_id.to_owned()),
        });
    }

    fn per_order(&self, field: Field) -> bool {
        match field {
            Field::Shipping | Field::ShippingTax => self.mapping.shipping_per == ShippingPer::Order,
            other => other.is_per_order(),
        }
    }

    /// The first row filling `field`, with its value.
    fn first(&self, field: Field) -> Option<(&'a Row, &'a str)> {
        let columns = self.columns;
        self.rows
            .iter()
            .find_map(|row| columns.get(&row.cells, field).map(|v| (row, v)))
    }

    fn order_value(&self, field: Field) -> Option<&'a str> {
        self.first(field).map(|(_, v)| v)
    }

    /// Each per-order field filled on several rows holds the same value on each.
    fn check_agreement(&mut self) {
        let fields: Vec<Field> = Field::ALL.into_iter().filter(|f| self.per_order(*f)).collect();
        for field in fields {
            let Some((first, value)) = self.first(field) else {
                continue;
            };
            let columns = self.columns;
            let differing: Vec<usize> = self
                .rows
                .iter()
                .filter(|row| columns.get(&row.cells, field).is_some_and(|v| v != value))
                .map(|row| row.number)
                .collect();
            for row in differing {
                let reason = format!("differs from row {} of the same order", first.number);
                self.problem(row, field, reason);
            }
        }
    }

    fn money(&mut self, row: &Row, field: Field, currency: Currency) -> Option<Money> {
        let columns = self.columns;
        let text = columns.get(&row.cells, field)?;
        match Money::from_decimal(text, currency) {
            Ok(m) => Some(m),
            Err(e) => {
                self.problem(row.number, field, e.message);
                None
            }
        }
    }

    fn line(&mut self, row: &Row, currency: Option<Currency>) -> LineInput {
        let columns = self.columns;
        let quantity = columns
            .get(&row.cells, Field::Quantity)
            .and_then(|q| match q.parse::<i64>() {
                Ok(q) => Some(q),
                Err(_) => {
                    self.problem(row.number, Field::Quantity, format!("`{q}` is not a whole number"));
                    None
                }
            });
        let (mut unit_price, mut discount, mut tax) = (None, None, None);
        if let Some(c) = currency {
            let price = self.money(row, Field::Price, c);
            discount = self.money(row, Field::Discount, c);
            tax = self.money(row, Field::Tax, c);
            unit_price = price;
            if self.mapping.prices_lines()
                && let (Some(price), Some(q)) = (price, quantity)
                && let Ok((unit, rounding)) = price.per_unit(q)
            {
                unit_price = Some(unit);
                discount = match discount {
                    Some(d) => d.checked_add(rounding).ok(),
                    None => Some(rounding).filter(|r| r.amount != 0),
                };
            }
        }
        LineInput {
            sku: columns.get(&row.cells, Field::Sku).map(str::to_owned),
            quantity,
            unit_price,
            discount,
            tax,
            external_id: columns.get(&row.cells, Field::LineId).map(str::to_owned),
        }
    }

    /// Shipping or its tax: summed over the rows when given per line, else the
    /// order's one value.
    fn shipping(&mut self, field: Field, currency: Currency) -> Option<Money> {
        if self.per_order(field) {
            let (row, _) = self.first(field)?;
            return self.money(row, field, currency);
        }
        let mut sum: Option<Money> = None;
        for row in self.rows {
            if let Some(m) = self.money(row, field, currency) {
                let total = sum.unwrap_or(Money::zero(currency)).checked_add(m);
                match total {
                    Ok(t) => sum = Some(t),
                    Err(_) => {
                        self.problem(row.number, field, "makes the order's total too large".into());
                        return None;
                    }
                }
            }
        }
        sum
    }

    fn service_level(&mut self) -> Option<switchyard_core::order::ServiceLevel> {
        let (row, word) = self.first(Field::ServiceLevel)?;
        let level = self.mapping.service_level(word);
        if level.is_none() {
            let reason = format!(
                "`{word}` is not a service level; use one of {}",
                self.mapping.service_level_words()
            );
            self.problem(row.number, Field::ServiceLevel, reason);
        }
        level
    }
}

/// The row and column a field of the order's `OrderInput` (a JSON pointer such as
/// `/lines/1/unit_price` or `/shipping_address/country`) came from.
pub(super) fn locate(columns: &Columns, order: &FileOrder, pointer: &str, reason: String) -> Problem {
    let first = order.rows.first().copied().unwrap_or(1);
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let (row, field) = match parts.as_slice() {
        ["lines", i, name, ..] => {
            let row = i.parse::<usize>().ok().and_then(|i| order.rows.get(i).copied());
            (row.unwrap_or(first), line_field(name))
        }
        _ => (first, order_field(&parts)),
    };
    Problem {
        row,
        column: field.map_or_else(|| "channel".to_owned(), |f| columns.label(f)),
        reason,
        order: Some(order.external_id.clone()),
    }
}

fn line_field(name: &str) -> Option<Field> {
    Some(match name {
        "sku" => Field::Sku,
        "quantity" => Field::Quantity,
        "unit_price" => Field::Price,
        "discount" => Field::Discount,
        "tax" => Field::Tax,
        "external_id" => Field::LineId,
        _ => Field::OrderId,
    })
}

/// The field of an order-level pointer; `None` for the channel (given by the caller,
/// not the file).
fn order_field(parts: &[&str]) -> Option<Field> {
    Some(match parts {
        ["channel", ..] => return None,
        ["placed_at"] => Field::PlacedAt,
        ["currency"] => Field::Currency,
        ["customer", "name"] => Field::Name,
        ["customer", "phone"] => Field::Phone,
        ["customer", ..] => Field::Email,
        ["shipping_address" | "billing_address", part] => match *part {
            "name" => Field::Recipient,
            "company" => Field::Company,
            "line2" => Field::Address2,
            "city" => Field::City,
            "region" => Field::Region,
            "postal_code" => Field::PostalCode,
            "country" => Field::Country,
            "phone" => Field::ShipPhone,
            _ => Field::Address1,
        },
        ["shipping_address" | "billing_address"] => Field::Address1,
        ["shipping", "tax"] => Field::ShippingTax,
        ["shipping", ..] => Field::Shipping,
        ["lines"] => Field::Sku,
        ["notes"] => Field::Notes,
        ["service_level"] => Field::ServiceLevel,
        _ => Field::OrderId,
    })
}
