//! Orders from a file: a CSV or TSV export (Amazon's unshipped-orders report built in,
//! any other layout through a [`Mapping`]) read into [`OrderInput`]s, one per order id
//! however its rows are spread over the file. Pure: nothing here touches the store.
//! Each problem names the row as a spreadsheet numbers it (the header is row 1), the
//! column and the reason; an order with any bad row is refused whole, so nothing is
//! half-imported. Money is read from its text with `Money::from_decimal`, exactly.

mod mapping;
mod order;

use std::collections::HashMap;

use serde::Serialize;
use switchyard_core::order::{OrderDraft, OrderInput};
use switchyard_core::validation::FieldError;

pub use mapping::{Columns, Field, Mapping, ShippingPer, Source};

/// One problem of a file: the row as a spreadsheet shows it (the header is row 1), the
/// column's header, and what is wrong. Never carries a customer's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub row: usize,
    pub column: String,
    pub reason: String,
    /// The order id of the row, when it has one.
    pub order: Option<String>,
}

/// One order of the file.
#[derive(Debug, Clone)]
pub struct FileOrder {
    pub external_id: String,
    /// Its rows, in file order: line `i` of the order is row `rows[i]`.
    pub rows: Vec<usize>,
    pub input: OrderInput,
    /// The order checked by `OrderInput::parse`; `None` when any of its rows has a
    /// problem (which `Import::problems` names), so it is not placed.
    pub draft: Option<OrderDraft>,
}

/// What a file holds.
#[derive(Debug, Clone)]
pub struct Import {
    /// Rows below the header.
    pub rows: usize,
    /// Every order of the file, in the order each first appears.
    pub orders: Vec<FileOrder>,
    /// Every problem, by row.
    pub problems: Vec<Problem>,
    columns: Option<Columns>,
}

/// The field separator of a file: from its name's extension (`.csv` comma; `.tsv`,
/// `.tab` tab), else from its header line (the most frequent of tab, comma and
/// semicolon; Amazon's `.txt` reports are tab-separated).
pub fn delimiter(file_name: Option<&str>, content: &[u8]) -> u8 {
    let extension = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("csv") => b',',
        Some("tsv" | "tab") => b'\t',
        _ => sniff(content),
    }
}

fn sniff(content: &[u8]) -> u8 {
    let header = content.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |d: u8| header.iter().filter(|b| **b == d).count();
    [b'\t', b',', b';']
        .into_iter()
        .max_by_key(|d| count(*d))
        .unwrap_or(b',')
}

/// Reads a file into orders for `channel`. A header that lacks a mapped column gives
/// no orders, only its problems (row 1).
pub fn read(content: &[u8], delimiter: u8, mapping: &Mapping, channel: &str) -> Import {
    let content = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
    // Tab-separated files (Amazon's among them) do not quote: a `"` in a product name
    // is text.
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(delimiter != b'\t')
        .flexible(true)
        .has_headers(false)
        .from_reader(content);
    let mut records = reader.byte_records();
    let mut problems = Vec::new();
    let header = match records.next() {
        Some(Ok(h)) => cells(&h, 1, &mut problems),
        Some(Err(e)) => return Import::unreadable(1, &e),
        None => Vec::new(),
    };
    let columns = match Columns::find(mapping, &header) {
        Ok(c) => c,
        Err(missing) => {
            return Import {
                rows: records.count(),
                orders: Vec::new(),
                problems: missing,
                columns: None,
            };
        }
    };
    let mut groups: Vec<(String, Vec<order::Row>)> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut rows = 0;
    for record in records {
        rows += 1;
        let number = rows + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.extend(Import::unreadable(number, &e).problems);
                continue;
            }
        };
        let cells = cells(&record, number, &mut problems);
        let Some(id) = columns.get(&cells, Field::OrderId).map(str::to_owned) else {
            problems.push(Problem {
                row: number,
                column: columns.label(Field::OrderId),
                reason: "is blank: every row needs its order's id".into(),
                order: None,
            });
            continue;
        };
        let at = *by_id.entry(id.clone()).or_insert_with(|| {
            groups.push((id, Vec::new()));
            groups.len() - 1
        });
        if let Some((_, group)) = groups.get_mut(at) {
            group.push(order::Row { number, cells });
        }
    }
    let mut orders = Vec::with_capacity(groups.len());
    for (id, group) in groups {
        let (order, found) = order::build(&columns, mapping, channel, id, &group, &problems);
        problems.extend(found);
        orders.push(order);
    }
    problems.sort_by_key(|p| p.row);
    Import {
        rows,
        orders,
        problems,
        columns: Some(columns),
    }
}

/// A record's cells as text; a cell that is not UTF-8 is a problem and reads as blank.
fn cells(record: &csv::ByteRecord, row: usize, problems: &mut Vec<Problem>) -> Vec<String> {
    record
        .iter()
        .enumerate()
        .map(|(i, cell)| match std::str::from_utf8(cell) {
            Ok(text) => text.to_owned(),
            Err(_) => {
                problems.push(Problem {
                    row,
                    column: format!("column {}", i + 1),
                    reason: "is not UTF-8 text (save the file as UTF-8)".into(),
                    order: None,
                });
                String::new()
            }
        })
        .collect()
}

impl Import {
    fn unreadable(row: usize, error: &csv::Error) -> Import {
        let reason = match error.kind() {
            csv::ErrorKind::Io(_) => "cannot be read".to_owned(),
            _ => "is not a valid CSV or TSV row".to_owned(),
        };
        Import {
            rows: 0,
            orders: Vec::new(),
            problems: vec![Problem {
                row,
                column: String::new(),
                reason,
                order: None,
            }],
            columns: None,
        }
    }

    /// Orders ready to place (none of their rows has a problem).
    pub fn ready(&self) -> impl Iterator<Item = (&FileOrder, &OrderDraft)> {
        self.orders.iter().filter_map(|o| o.draft.as_ref().map(|d| (o, d)))
    }

    /// A problem found when placing `order` (a field of its `OrderInput`, such as
    /// `/lines/1/sku` for an unknown SKU), at the row and column it came from.
    pub fn locate(&self, order: &FileOrder, error: &FieldError) -> Problem {
        match &self.columns {
            Some(columns) => order::locate(columns, order, &error.field, error.message.clone()),
            None => Problem {
                row: order.rows.first().copied().unwrap_or(1),
                column: String::new(),
                reason: error.message.clone(),
                order: Some(order.external_id.clone()),
            },
        }
    }

    /// A problem with the whole of `order` (it cannot be placed), at its first row.
    pub fn refuse(&self, order: &FileOrder, reason: String) -> Problem {
        self.locate(
            order,
            &FieldError {
                field: "/external_id".into(),
                code: "refused",
                message: reason,
            },
        )
    }
}
