//! The 4x6 inch shipping label: sender, recipient, carrier and service, weight, and the
//! tracking number as a Code 128 barcode — as a PDF for any printer, and as ZPL for
//! Zebra-compatible thermal printers at 203 dpi (the printer draws the barcode).

use crate::sheet::{INCH, Sheet, width};
use crate::{DocumentError, LabelData, Party, code128, weight};

fn party(sheet: &mut Sheet, title: &str, party: &Party, (name_size, line_size): (f32, f32), max: f32) {
    let x = sheet.margin;
    let y = sheet.y;
    sheet.text_at(x, y, 7.0, true, title);
    sheet.y += 9.0;
    sheet.paragraph(x, name_size, true, max, &party.name);
    for line in &party.lines {
        sheet.paragraph(x, line_size, false, max, line);
    }
}

/// The label as a one-page 4x6 inch PDF.
pub fn label_pdf(label: &LabelData) -> Result<Vec<u8>, DocumentError> {
    let mut sheet = Sheet::new(4.0 * INCH, 6.0 * INCH, 12.0);
    let right = sheet.width - sheet.margin;
    let top = sheet.y;
    sheet.text_right(right, top, 7.0, true, "SHIP DATE");
    sheet.text_right(right, top + 9.0, 9.0, false, &label.ship_date);
    sheet.text_right(right, top + 22.0, 7.0, true, "WEIGHT");
    sheet.text_right(right, top + 31.0, 9.0, false, &weight(label.weight_grams));
    party(&mut sheet, "FROM", &label.from, (9.0, 8.0), 180.0);
    sheet.y = sheet.y.max(top + 44.0);
    sheet.rule(1.5, 4.0);
    let inner = sheet.inner();
    party(&mut sheet, "SHIP TO", &label.to, (16.0, 13.0), inner);
    if let Some(phone) = &label.phone {
        sheet.paragraph(sheet.margin, 9.0, false, inner, &format!("Tel. {phone}"));
    }
    sheet.rule(1.5, 4.0);
    let (x, y) = (sheet.margin, sheet.y);
    sheet.text_at(x, y, 18.0, true, &label.carrier);
    sheet.y += 22.0;
    sheet.paragraph(x, 11.0, false, inner, &label.service);
    sheet.rule(1.0, 4.0);
    let y = sheet.y;
    sheet.text_at(x, y, 7.0, true, "TRACKING #");
    sheet.y += 12.0;
    let y = sheet.y;
    code128::draw(&mut sheet, &label.tracking_number, (x, y), (inner, 72.0), 1.2)?;
    sheet.y += 78.0;
    let y = sheet.y;
    let centre = sheet.width / 2.0;
    let text_width = width(&label.tracking_number, 12.0, true);
    sheet.text_at(centre - text_width / 2.0, y, 12.0, true, &label.tracking_number);
    sheet.y += 16.0;
    sheet.rule(1.0, 4.0);
    sheet.paragraph(
        x,
        9.0,
        false,
        inner,
        &format!("Shipment {}   Order {}", label.shipment, label.order),
    );
    sheet.paragraph(x, 8.0, false, inner, &label.package);
    if sheet.page_count() > 1 {
        // A label is one page: addresses this long do not fit on 4x6.
        return Err(DocumentError::Layout);
    }
    sheet.render(&format!("Label {} {}", label.carrier, label.tracking_number))
}

/// Field data for ZPL: `^FH_` lets `_XX` stand for a byte in hex, so the control
/// characters `^` and `~` (and `_` itself) can be printed.
fn zpl_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '^' => "_5E".to_owned(),
            '~' => "_7E".to_owned(),
            '_' => "_5F".to_owned(),
            c if c.is_control() => " ".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// A text field of `size` dots at (`x`, `y`), in the scalable font 0.
fn field(zpl: &mut String, x: i32, y: i32, size: i32, text: &str) {
    zpl.push_str(&format!("^FO{x},{y}^A0N,{size},{size}^FH_^FD{}^FS\n", zpl_text(text)));
}

/// The label in ZPL II for a 4x6 inch label at 203 dpi (812 x 1218 dots), UTF-8 (`^CI28`).
pub fn label_zpl(label: &LabelData) -> String {
    let mut zpl = String::from("^XA\n^CI28\n^PW812\n^LL1218\n^LH0,0\n");
    let mut y = 30;
    field(&mut zpl, 30, y, 20, "FROM");
    field(&mut zpl, 560, y, 20, "SHIP DATE");
    field(&mut zpl, 560, y + 24, 26, &label.ship_date);
    field(&mut zpl, 560, y + 60, 20, "WEIGHT");
    field(&mut zpl, 560, y + 84, 26, &weight(label.weight_grams));
    y += 24;
    for line in std::iter::once(&label.from.name).chain(&label.from.lines) {
        field(&mut zpl, 30, y, 24, line);
        y += 28;
    }
    y = y.max(150) + 10;
    zpl.push_str(&format!("^FO30,{y}^GB752,4,4^FS\n"));
    y += 20;
    field(&mut zpl, 30, y, 22, "SHIP TO");
    y += 28;
    field(&mut zpl, 30, y, 46, &label.to.name);
    y += 52;
    for line in &label.to.lines {
        field(&mut zpl, 30, y, 38, line);
        y += 42;
    }
    if let Some(phone) = &label.phone {
        field(&mut zpl, 30, y, 26, &format!("Tel. {phone}"));
        y += 30;
    }
    y += 10;
    zpl.push_str(&format!("^FO30,{y}^GB752,4,4^FS\n"));
    y += 20;
    field(&mut zpl, 30, y, 54, &label.carrier);
    y += 60;
    field(&mut zpl, 30, y, 32, &label.service);
    y += 46;
    zpl.push_str(&format!("^FO30,{y}^GB752,3,3^FS\n"));
    y += 16;
    field(&mut zpl, 30, y, 20, "TRACKING #");
    y += 28;
    // Module width 3 dots where it fits, else 2; automatic subset selection (`A`).
    let module = if label.tracking_number.len() <= 16 { 3 } else { 2 };
    zpl.push_str(&format!(
        "^FO60,{y}^BY{module}^BCN,200,Y,N,N,A^FD{}^FS\n",
        zpl_text(&label.tracking_number)
    ));
    y += 270;
    zpl.push_str(&format!("^FO30,{y}^GB752,3,3^FS\n"));
    y += 16;
    field(
        &mut zpl,
        30,
        y,
        26,
        &format!("Shipment {}   Order {}", label.shipment, label.order),
    );
    y += 32;
    field(&mut zpl, 30, y, 22, &label.package);
    zpl.push_str("^XZ\n");
    zpl
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label() -> LabelData {
        LabelData {
            carrier: "UPS".into(),
            service: "UPS Ground".into(),
            tracking_number: "1Z5R89390357567127".into(),
            from: Party {
                name: "London warehouse".into(),
                lines: vec!["1 Dock Road".into(), "London E16 2QU".into(), "GB".into()],
            },
            to: Party {
                name: "Ann Smith".into(),
                lines: vec!["1 High Street".into(), "Leeds LS1 4AP".into(), "GB".into()],
            },
            phone: Some("+44 113 496 0000".into()),
            weight_grams: 640,
            package: "box-s".into(),
            shipment: "SO-100001-1".into(),
            order: "SO-100001".into(),
            ship_date: "2026-11-17".into(),
        }
    }

    #[test]
    fn the_pdf_is_one_page_of_pdf() {
        let pdf = label_pdf(&label()).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 1000);
    }

    #[test]
    fn zpl_fields_escape_control_characters() {
        let mut l = label();
        l.to.name = "Ann ^Smith~_".into();
        let zpl = label_zpl(&l);
        assert!(zpl.starts_with("^XA") && zpl.trim_end().ends_with("^XZ"));
        assert!(zpl.contains("^FDAnn _5ESmith_7E_5F^FS"));
        assert!(zpl.contains("^BCN,200,Y,N,N,A^FD1Z5R89390357567127^FS"));
    }
}
