//! Code 128 barcodes for tracking numbers: the bars as modules (1 = bar), drawn on a
//! sheet with the quiet zones scanners need.

use barcoders::sym::code128::Code128;

use crate::DocumentError;
use crate::sheet::Sheet;

/// The modules of `data` in Code 128: character set C for an even run of digits (half
/// the width), set B otherwise.
pub fn modules(data: &str) -> Result<Vec<u8>, DocumentError> {
    if data.is_empty() || !data.chars().all(|c| c.is_ascii_graphic()) {
        return Err(DocumentError::Barcode(format!("{data:?} cannot be a Code 128 barcode")));
    }
    let all_digits = data.chars().all(|c| c.is_ascii_digit());
    let encoded = if all_digits && data.len().is_multiple_of(2) {
        format!("\u{0106}{data}")
    } else {
        format!("\u{0181}{data}")
    };
    Code128::new(encoded)
        .map(|c| c.encode())
        .map_err(|e| DocumentError::Barcode(e.to_string()))
}

/// Quiet zone each side, in modules (the standard asks for at least 10).
const QUIET: usize = 12;

/// Draws the barcode of `data` centred in `width` from `x`, `height` tall at `y`; the
/// module width is as wide as fits, at most `max_module` points. Returns its width.
pub fn draw(
    sheet: &mut Sheet,
    data: &str,
    (x, y): (f32, f32),
    (width, height): (f32, f32),
    max_module: f32,
) -> Result<f32, DocumentError> {
    let bars = modules(data)?;
    let module = (width / (bars.len() + 2 * QUIET) as f32).min(max_module);
    if module < 0.5 {
        return Err(DocumentError::Barcode(format!("{data} is too long to print legibly")));
    }
    let drawn = bars.len() as f32 * module;
    let left = x + (width - drawn) / 2.0;
    let mut i = 0;
    while i < bars.len() {
        if bars[i] == 1 {
            let start = i;
            while i < bars.len() && bars[i] == 1 {
                i += 1;
            }
            sheet.rect(left + start as f32 * module, y, (i - start) as f32 * module, height);
        } else {
            i += 1;
        }
    }
    Ok(drawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_use_the_compact_set_and_letters_set_b() {
        let digits = modules("9400109699938860246126").unwrap();
        let letters = modules("1Z5R89390357567127").unwrap();
        // Start, 11 pairs, check, stop: 13 symbols of 11 modules and a 13-module stop.
        assert_eq!(digits.len(), 11 * 13 + 13);
        assert!(letters.len() > digits.len());
        assert!(modules("").is_err());
        assert!(modules("with space").is_err());
    }
}
