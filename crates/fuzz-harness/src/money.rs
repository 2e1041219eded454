//! Money and quantities as request bodies carry them: `{"amount": 1250, "currency":
//! "GBP"}`, currency codes, unit counts, and the checked arithmetic on them.

use switchyard_core::inventory::{MAX_QUANTITY, Quantity};
use switchyard_core::{Currency, Money, MoneyError};

use crate::{json, must};

pub fn money(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        currency(text);
    }
    if let Some(m) = json::<Money>(data) {
        round_trips(m);
    }
    if let Some(ms) = json::<Vec<Money>>(data) {
        arithmetic(&ms);
    }
    if let Some(units) = json::<i64>(data) {
        quantity(units);
    }
}

/// A code accepted is the trimmed input upper-cased, and parses back to itself.
fn currency(text: &str) {
    if let Ok(c) = Currency::parse(text) {
        assert_eq!(c.as_str(), text.trim().to_ascii_uppercase());
        assert_eq!(Currency::parse(c.as_str()), Ok(c));
    }
}

/// parse(format(m)) == m, for JSON and for the text documents print.
fn round_trips(m: Money) {
    let body = must(serde_json::to_vec(&m), "serialize money");
    assert_eq!(json::<Money>(&body), Some(m), "JSON round trip");
    assert_eq!(
        minor_units(&m.to_string(), m.currency),
        Some(i128::from(m.amount)),
        "{m}"
    );
}

/// Reads `-12.50 GBP` back into minor units: a reference parser of `Money`'s `Display`.
fn minor_units(text: &str, currency: Currency) -> Option<i128> {
    let number = text.strip_suffix(currency.as_str())?.strip_suffix(' ')?;
    let (sign, digits) = match number.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, number),
    };
    let exponent = currency.exponent() as usize;
    let (major, minor) = match digits.split_once('.') {
        Some((major, minor)) if minor.len() == exponent => (major, minor),
        None if exponent == 0 => (digits, ""),
        _ => return None,
    };
    let all = format!("{major}{minor}");
    if all.is_empty() || !all.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    all.parse::<i128>().ok().map(|n| sign * n)
}

/// Checked arithmetic agrees with 128-bit arithmetic: it refuses exactly what leaves
/// the 64-bit range, and never mixes currencies.
fn arithmetic(ms: &[Money]) {
    let Some(first) = ms.first() else { return };
    let currency = first.currency;
    let mut partial = Some(0i128);
    let mut mixed = false;
    for m in ms {
        mixed |= m.currency != currency;
        partial = partial
            .map(|p| p + i128::from(m.amount))
            .filter(|p| i64::try_from(*p).is_ok());
    }
    let sum = Money::sum(currency, ms.iter().copied());
    match (mixed, partial) {
        (true, _) => assert!(matches!(sum, Err(MoneyError::CurrencyMismatch(..))), "{sum:?}"),
        (false, None) => assert_eq!(sum, Err(MoneyError::Overflow)),
        (false, Some(total)) => assert_eq!(sum.map(|s| i128::from(s.amount)), Ok(total)),
    }
    if let [a, b, ..] = ms {
        pair(*a, *b);
    }
}

fn pair(a: Money, b: Money) {
    let wide = |f: fn(i128, i128) -> i128, y: i128| {
        i64::try_from(f(i128::from(a.amount), y)).map_err(|_| MoneyError::Overflow)
    };
    let expect = |r: Result<i64, MoneyError>| {
        if a.currency == b.currency {
            r.map(|amount| Money::new(amount, a.currency))
        } else {
            Err(MoneyError::CurrencyMismatch(a.currency, b.currency))
        }
    };
    assert_eq!(a.checked_add(b), expect(wide(|x, y| x + y, i128::from(b.amount))));
    assert_eq!(a.checked_sub(b), expect(wide(|x, y| x - y, i128::from(b.amount))));
    assert_eq!(
        a.checked_mul(b.amount),
        wide(|x, y| x * y, i128::from(b.amount)).map(|amount| Money::new(amount, a.currency))
    );
}

/// A quantity is 1 to `MAX_QUANTITY` units, however it arrives.
fn quantity(units: i64) {
    let valid = (1..=MAX_QUANTITY).contains(&units);
    assert_eq!(Quantity::new(units).is_ok(), valid, "{units}");
    let body = units.to_string();
    let parsed = json::<Quantity>(body.as_bytes());
    assert_eq!(parsed.map(Quantity::get), valid.then_some(units));
}
