//! Switchyard's printed documents: the 4x6 inch shipping label (PDF, and ZPL for
//! thermal printers) with the tracking number as a Code 128 barcode, the packing slip,
//! and the pick list. Pure functions from the data to bytes: no IO, no clock — the
//! caller says what to print, including the dates.

mod code128;
mod label;
mod pick_list;
mod returns;
mod sheet;
mod slip;

use switchyard_core::catalog::Address;

pub use code128::modules as code128_modules;
pub use label::{label_pdf, label_zpl};
pub use pick_list::pick_list_pdf;
pub use returns::{ReturnTerms, return_instructions};
pub use slip::packing_slip_pdf;

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the embedded font could not be read")]
    Font,
    #[error("the page could not be laid out")]
    Layout,
    #[error("barcode: {0}")]
    Barcode(String),
    #[error("PDF: {0}")]
    Pdf(String),
}

/// A name and the lines of its postal address, as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    pub lines: Vec<String>,
}

impl Party {
    /// The address as its country's post prints it: company, street lines, town with
    /// region and postal code, country.
    pub fn from_address(address: &Address) -> Party {
        let mut lines = Vec::new();
        lines.extend(address.company.clone());
        lines.push(address.line1.clone());
        lines.extend(address.line2.clone());
        let town = [
            Some(address.city.as_str()),
            address.region.as_deref(),
            address.postal_code.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        lines.push(town);
        lines.push(address.country.clone());
        Party {
            name: address.name.clone(),
            lines,
        }
    }
}

/// What a shipping label shows.
#[derive(Debug, Clone)]
pub struct LabelData {
    pub carrier: String,
    pub service: String,
    pub tracking_number: String,
    pub from: Party,
    pub to: Party,
    /// The recipient's phone, for the carrier.
    pub phone: Option<String>,
    pub weight_grams: i64,
    /// e.g. "box-s 300 x 200 x 100 mm".
    pub package: String,
    pub shipment: String,
    pub order: String,
    /// The day it ships, as printed (YYYY-MM-DD).
    pub ship_date: String,
}

/// One line of a packing slip.
#[derive(Debug, Clone)]
pub struct SlipLine {
    pub sku: String,
    pub title: String,
    pub quantity: i64,
}

/// What a packing slip shows.
#[derive(Debug, Clone)]
pub struct PackingSlipData {
    pub seller: String,
    pub order: String,
    pub shipment: String,
    pub placed: String,
    pub ship_to: Party,
    /// The shipping location, by its name: the sender, and where returns go when the
    /// channel takes them.
    pub ship_from: Party,
    pub lines: Vec<SlipLine>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// The channel's return window and the parcel's delivery, for the returns section.
    pub returns: ReturnTerms,
}

/// One SKU to pick.
#[derive(Debug, Clone)]
pub struct PickLine {
    pub bin: Option<String>,
    pub sku: String,
    pub title: String,
    pub barcode: Option<String>,
    pub quantity: i64,
    /// "#1: 2, #3: 1": each tote and the units that go in it.
    pub totes: String,
}

/// A shipment on a pick list, by tote.
#[derive(Debug, Clone)]
pub struct PickTote {
    pub slot: i64,
    pub shipment: String,
    pub order: String,
    pub units: i64,
}

/// What a pick list shows.
#[derive(Debug, Clone)]
pub struct PickListData {
    pub number: String,
    pub location: String,
    pub created: String,
    pub created_by: String,
    pub lines: Vec<PickLine>,
    pub totes: Vec<PickTote>,
}

/// "1 tote", "3 totes".
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Grams as printed: "640 g", "1.25 kg".
pub fn weight(grams: i64) -> String {
    if grams < 1000 {
        format!("{grams} g")
    } else {
        let kg = grams as f64 / 1000.0;
        format!("{} kg", format!("{kg:.2}").trim_end_matches('0').trim_end_matches('.'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_read_as_grams_or_kilograms() {
        assert_eq!(weight(640), "640 g");
        assert_eq!(weight(1250), "1.25 kg");
        assert_eq!(weight(2000), "2 kg");
    }

    #[test]
    fn addresses_print_town_region_and_postcode_on_one_line() {
        let a = Address {
            name: "Sam Lee".into(),
            company: Some("Lee & Co".into()),
            line1: "245 Main Street".into(),
            line2: None,
            city: "Brooklyn".into(),
            region: Some("NY".into()),
            postal_code: Some("11211".into()),
            country: "US".into(),
            phone: None,
        };
        let p = Party::from_address(&a);
        assert_eq!(p.lines, ["Lee & Co", "245 Main Street", "Brooklyn NY 11211", "US"]);
    }
}
