//! Scan verification at the pack bench: every unit scanned (by SKU or barcode) must
//! belong to the shipment, and every item must be scanned exactly as many times as it
//! ships. Problems name the item, so the packer knows what to take out or add.

use crate::validation::{FieldError, Invalid};

/// An item a shipment expects in its package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedItem {
    pub sku: String,
    pub barcode: Option<String>,
    pub title: String,
    pub quantity: i64,
}

/// A scan that matched nothing in the shipment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrayScan {
    /// Index in the scans sent.
    pub index: usize,
    pub code: String,
}

/// What the scans are short of or over, and what matched nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScanReport {
    pub stray: Vec<StrayScan>,
    /// (item index, scanned count) for each item scanned a wrong number of times.
    pub miscounted: Vec<(usize, i64)>,
}

impl ScanReport {
    pub fn is_clean(&self) -> bool {
        self.stray.is_empty() && self.miscounted.is_empty()
    }

    /// The problems as field errors. `name_stray` says what a stray code is, when the
    /// catalog knows it (e.g. "MUG-BLUE (Blue mug)"); `shipment` names the shipment.
    pub fn errors(
        &self,
        items: &[ExpectedItem],
        shipment: &str,
        name_stray: impl Fn(&str) -> Option<String>,
    ) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for stray in &self.stray {
            let what = name_stray(&stray.code).unwrap_or_else(|| format!("{:?}, an unknown code,", stray.code));
            errors.push(
                Invalid::new(
                    "wrong_item",
                    format!("{what} is not in shipment {shipment}: take it out"),
                )
                .at(format!("/scans/{}", stray.index)),
            );
        }
        for (i, scanned) in &self.miscounted {
            let item = &items[*i];
            let message = if *scanned < item.quantity {
                format!(
                    "{} ({}): scanned {scanned} of {}; add {} more",
                    item.sku,
                    item.title,
                    item.quantity,
                    item.quantity - scanned
                )
            } else {
                format!(
                    "{} ({}): scanned {scanned}, but the shipment has {}; take {} out",
                    item.sku,
                    item.title,
                    item.quantity,
                    scanned - item.quantity
                )
            };
            errors.push(Invalid::new("wrong_count", message).at("/scans"));
        }
        errors
    }
}

/// The item a scanned code stands for: its SKU (case-insensitively) or its barcode.
fn matches(item: &ExpectedItem, code: &str) -> bool {
    item.sku.eq_ignore_ascii_case(code) || item.barcode.as_deref() == Some(code)
}

/// Checks `scans` against `items`.
pub fn verify(items: &[ExpectedItem], scans: &[String]) -> ScanReport {
    let mut counts = vec![0i64; items.len()];
    let mut report = ScanReport::default();
    for (index, code) in scans.iter().enumerate() {
        let code = code.trim();
        match items.iter().position(|item| matches(item, code)) {
            Some(i) => counts[i] += 1,
            None => report.stray.push(StrayScan {
                index,
                code: code.to_owned(),
            }),
        }
    }
    report.miscounted = items
        .iter()
        .zip(&counts)
        .enumerate()
        .filter(|(_, (item, n))| item.quantity != **n)
        .map(|(i, (_, n))| (i, *n))
        .collect();
    report
}

/// What one more scan of a code does at the bench, given the scans so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextScan {
    /// It belongs: item `item` now has `scanned` of its `quantity`.
    Fits { item: usize, scanned: i64 },
    /// Nothing in the shipment is this code.
    Stray,
    /// Every unit of item `item` is already scanned.
    TooMany { item: usize },
}

/// How many of each item `scans` hold: a code fills the first item it matches that has
/// room, so an item listed twice (two lines of one product) takes its units in order.
/// Scans that fit nowhere are not counted.
pub fn tally(items: &[ExpectedItem], scans: &[String]) -> Vec<i64> {
    let mut counts = vec![0i64; items.len()];
    for code in scans {
        if let NextScan::Fits { item, scanned } = place(items, &counts, code) {
            counts[item] = scanned;
        }
    }
    counts
}

fn place(items: &[ExpectedItem], counts: &[i64], code: &str) -> NextScan {
    let code = code.trim();
    let mut matching = (0..items.len()).filter(|&i| matches(&items[i], code)).peekable();
    let Some(&first) = matching.peek() else {
        return NextScan::Stray;
    };
    match matching.find(|&i| counts[i] < items[i].quantity) {
        Some(item) => NextScan::Fits {
            item,
            scanned: counts[item] + 1,
        },
        None => NextScan::TooMany { item: first },
    }
}

/// Whether one more scan of `code` still fits the items after `scans` (checked at once
/// at the bench, so a wrong item is refused before it goes in the box).
pub fn next_scan(items: &[ExpectedItem], scans: &[String], code: &str) -> NextScan {
    place(items, &tally(items, scans), code)
}

impl NextScan {
    /// What the bench says about the scan of `code` into `whole` ("this shipment").
    pub fn message(&self, items: &[ExpectedItem], code: &str, whole: &str) -> String {
        match self {
            NextScan::Fits { item, scanned } => {
                let item = &items[*item];
                format!("{} ({}): {scanned} of {}", item.sku, item.title, item.quantity)
            }
            NextScan::Stray => format!("Wrong item: {} is not in {whole}", code.trim()),
            NextScan::TooMany { item } => {
                let item = &items[*item];
                format!("Too many: all {} of {} already scanned", item.quantity, item.sku)
            }
        }
    }
}
