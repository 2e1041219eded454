//! Tracking numbers as operators type them and carriers send them: normalised, then
//! checked against each carrier's formats and check digits.

use switchyard_core::carrier::{Carrier, checksum, normalise};

pub fn tracking_number(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let number = normalise(text);
    assert_eq!(normalise(&number), number, "normalising twice changes {text:?}");
    assert!(!number.chars().any(|c| c.is_whitespace() || c == '-'), "{number:?}");
    // The format checks are public and say they take normalised numbers; they must
    // still only answer for anything else.
    for raw in [text, number.as_str()] {
        checksum::ups(raw);
        checksum::usps(raw);
        checksum::fedex(raw);
        checksum::dhl_express(raw);
        checksum::s10(raw);
    }
    for carrier in Carrier::ALL {
        validated(*carrier, text, &number);
    }
}

/// A number accepted is the normalised input, is accepted again as it is stored, and
/// links to the carrier's tracking page.
fn validated(carrier: Carrier, text: &str, number: &str) {
    match carrier.validate(text) {
        Ok(valid) => {
            assert_eq!(valid, number);
            assert!(carrier.accepts(&valid));
            assert_eq!(carrier.validate(&valid), Ok(valid.clone()));
            assert!(carrier.tracking_url(&valid).contains(&valid));
        }
        Err(_) => assert!(number.is_empty() || !carrier.accepts(number), "{number:?} refused"),
    }
}
