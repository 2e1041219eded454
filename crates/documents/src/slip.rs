//! The packing slip: an A4 page that goes in the parcel — who sold it, the order and
//! shipment, where it goes, what is in it, and how to send something back (when the
//! channel takes returns).

use crate::sheet::{INCH, Sheet};
use crate::{DocumentError, PackingSlipData, Party, return_instructions};

/// A4 in points.
const A4: (f32, f32) = (595.0, 842.0);

fn block(sheet: &mut Sheet, x: f32, y: f32, title: &str, party: &Party) -> f32 {
    sheet.text_at(x, y, 8.0, true, title);
    let mut y = y + 12.0;
    sheet.text_at(x, y, 11.0, true, &party.name);
    y += 14.0;
    for line in &party.lines {
        sheet.text_at(x, y, 10.0, false, line);
        y += 13.0;
    }
    y
}

/// The packing slip as a PDF (A4; long orders run over pages).
pub fn packing_slip_pdf(slip: &PackingSlipData) -> Result<Vec<u8>, DocumentError> {
    let mut sheet = Sheet::new(A4.0, A4.1, 0.6 * INCH);
    let (left, right) = (sheet.margin, sheet.width - sheet.margin);
    let top = sheet.y;
    sheet.text_at(left, top, 20.0, true, &slip.seller);
    sheet.text_right(right, top, 16.0, true, "PACKING SLIP");
    sheet.text_right(right, top + 22.0, 10.0, false, &format!("Order {}", slip.order));
    sheet.text_right(right, top + 36.0, 10.0, false, &format!("Shipment {}", slip.shipment));
    sheet.text_right(right, top + 50.0, 10.0, false, &format!("Placed {}", slip.placed));
    sheet.y = top + 70.0;
    sheet.rule(1.0, 6.0);
    let y = sheet.y;
    let below_to = block(&mut sheet, left, y, "SHIP TO", &slip.ship_to);
    let middle = left + sheet.inner() / 2.0;
    let instructions = return_instructions(&slip.order, &slip.returns);
    let (title, sender) = if instructions.is_empty() {
        ("SHIPPED FROM", format!("{}, {}", slip.seller, slip.ship_from.name))
    } else {
        (
            "RETURN ADDRESS",
            format!("{} returns, {}", slip.seller, slip.ship_from.name),
        )
    };
    let from = Party {
        name: sender,
        lines: slip.ship_from.lines.clone(),
    };
    let below_from = block(&mut sheet, middle, y, title, &from);
    sheet.y = below_to.max(below_from) + 8.0;
    if let (Some(carrier), Some(number)) = (&slip.carrier, &slip.tracking_number) {
        let y = sheet.y;
        sheet.text_at(
            left,
            y,
            10.0,
            false,
            &format!("Shipped with {carrier}, tracking number {number}"),
        );
        sheet.y += 16.0;
    }
    sheet.rule(1.0, 6.0);
    let (qty, sku) = (right - 40.0, left + 0.0);
    let title = left + 140.0;
    let header = |sheet: &mut Sheet| {
        let y = sheet.y;
        sheet.text_at(sku, y, 9.0, true, "SKU");
        sheet.text_at(title, y, 9.0, true, "ITEM");
        sheet.text_right(right, y, 9.0, true, "QTY");
        sheet.y += 14.0;
    };
    header(&mut sheet);
    for line in &slip.lines {
        let lines = crate::sheet::wrap(&line.title, 10.0, false, qty - title - 10.0);
        if sheet.ensure(lines.len().max(1) as f32 * 13.0 + 4.0) {
            header(&mut sheet);
        }
        let y = sheet.y;
        sheet.text_at(sku, y, 10.0, false, &line.sku);
        sheet.text_right(right, y, 10.0, true, &line.quantity.to_string());
        for text in &lines {
            let y = sheet.y;
            sheet.text_at(title, y, 10.0, false, text);
            sheet.y += 13.0;
        }
        sheet.y += 4.0;
    }
    let units: i64 = slip.lines.iter().map(|l| l.quantity).sum();
    sheet.rule(0.5, 4.0);
    let y = sheet.y;
    sheet.text_right(right, y, 10.0, true, &crate::count(units as usize, "item"));
    sheet.y += 24.0;
    if !instructions.is_empty() {
        sheet.ensure(80.0);
        let inner = sheet.inner();
        sheet.paragraph(left, 11.0, true, inner, "Returns");
        for instruction in &instructions {
            sheet.paragraph(left, 9.5, false, inner, instruction);
        }
    }
    sheet.render(&format!("Packing slip {}", slip.shipment))
}
