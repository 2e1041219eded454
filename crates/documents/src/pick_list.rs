//! The printed pick list: an A4 sheet per walk — lines in bin order with the total of
//! each SKU, a box to tick, the totes each unit goes to — then the totes and the
//! shipments they hold, with a barcode of the list's number to scan at confirmation.

use crate::sheet::{INCH, Sheet, wrap};
use crate::{DocumentError, PickListData, code128, count};

const A4: (f32, f32) = (595.0, 842.0);

/// The pick list as a PDF.
pub fn pick_list_pdf(list: &PickListData) -> Result<Vec<u8>, DocumentError> {
    let mut sheet = Sheet::new(A4.0, A4.1, 0.5 * INCH);
    let (left, right) = (sheet.margin, sheet.width - sheet.margin);
    let top = sheet.y;
    sheet.text_at(left, top, 18.0, true, &format!("Pick list {}", list.number));
    sheet.text_at(
        left,
        top + 24.0,
        10.0,
        false,
        &format!("{} · {} · by {}", list.location, list.created, list.created_by),
    );
    let units: i64 = list.lines.iter().map(|l| l.quantity).sum();
    sheet.text_at(
        left,
        top + 38.0,
        10.0,
        false,
        &format!(
            "{}, {}, {}",
            count(list.lines.len(), "SKU"),
            count(units as usize, "unit"),
            count(list.totes.len(), "tote")
        ),
    );
    code128::draw(&mut sheet, &list.number, (right - 170.0, top), (170.0, 36.0), 1.5)?;
    sheet.y = top + 56.0;
    sheet.rule(1.0, 4.0);
    let (bin, sku, item, qty, totes) = (left + 18.0, left + 90.0, left + 190.0, right - 130.0, right - 110.0);
    let header = |sheet: &mut Sheet| {
        let y = sheet.y;
        for (x, text) in [(bin, "BIN"), (sku, "SKU"), (item, "ITEM"), (totes, "TOTES")] {
            sheet.text_at(x, y, 8.5, true, text);
        }
        sheet.text_right(qty, y, 8.5, true, "QTY");
        sheet.y += 13.0;
    };
    header(&mut sheet);
    for line in &list.lines {
        let title = wrap(&line.title, 9.5, false, qty - item - 30.0);
        let tote_lines = wrap(&line.totes, 9.0, false, right - totes);
        let rows = title.len().max(tote_lines.len()).max(1) + usize::from(line.barcode.is_some());
        if sheet.ensure(rows as f32 * 12.0 + 6.0) {
            header(&mut sheet);
        }
        let y = sheet.y;
        // The box the picker ticks.
        sheet.rect(left, y + 1.0, 9.0, 0.8);
        sheet.rect(left, y + 9.2, 9.0, 0.8);
        sheet.rect(left, y + 1.0, 0.8, 9.0);
        sheet.rect(left + 8.2, y + 1.0, 0.8, 9.0);
        sheet.text_at(bin, y, 10.0, true, line.bin.as_deref().unwrap_or("—"));
        sheet.text_at(sku, y, 9.5, false, &line.sku);
        sheet.text_right(qty, y, 11.0, true, &line.quantity.to_string());
        for (i, text) in title.iter().enumerate() {
            sheet.text_at(item, y + i as f32 * 12.0, 9.5, false, text);
        }
        for (i, text) in tote_lines.iter().enumerate() {
            sheet.text_at(totes, y + i as f32 * 12.0, 9.0, false, text);
        }
        if let Some(barcode) = &line.barcode {
            sheet.text_at(
                item,
                y + title.len() as f32 * 12.0,
                8.0,
                false,
                &format!("barcode {barcode}"),
            );
        }
        sheet.y += rows as f32 * 12.0 + 6.0;
    }
    sheet.rule(1.0, 6.0);
    sheet.ensure(40.0);
    let y = sheet.y;
    sheet.text_at(left, y, 11.0, true, "Totes");
    sheet.y += 16.0;
    for tote in &list.totes {
        sheet.ensure(14.0);
        let y = sheet.y;
        sheet.text_at(left, y, 10.0, true, &format!("{}", tote.slot));
        sheet.text_at(left + 30.0, y, 10.0, false, &tote.shipment);
        sheet.text_at(left + 170.0, y, 10.0, false, &format!("order {}", tote.order));
        sheet.text_right(right, y, 10.0, false, &format!("{} units", tote.units));
        sheet.y += 14.0;
    }
    sheet.render(&format!("Pick list {}", list.number))
}
