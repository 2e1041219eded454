//! Money: integer minor units bound to an ISO 4217 currency. Arithmetic is checked and
//! refuses to mix currencies; floats never appear.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::validation::Invalid;

/// A currency prices can be given in: an ISO 4217 code from the `iso_currency` crate's
/// table, which also gives its minor units (JPY 0, GBP 2, KWD 3). Codes ISO lists that
/// are not money a shop charges are refused: funds and units of account (CLF, USN,
/// XDR...), precious metals (XAU), and the testing and "no currency" codes (XTS, XXX).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "GBP"))]
pub struct Currency(iso_currency::Currency);

impl Currency {
    /// ISO 4217's "no currency": what costs are counted in when nothing named a currency
    /// (a routing simulation without one). Never accepted from a client.
    pub const NONE: Currency = Currency(iso_currency::Currency::XXX);

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let code = raw.trim().to_ascii_uppercase();
        let Some(known) = iso_currency::Currency::from_code(&code) else {
            return Err(Invalid::new(
                "invalid_currency",
                "must be an ISO 4217 currency code such as GBP, EUR or USD",
            ));
        };
        if known.is_fund() || known.is_special() || known.exponent().is_none() {
            return Err(Invalid::new(
                "invalid_currency",
                format!("{code} ({}) is not a currency prices can be given in", known.name()),
            ));
        }
        Ok(Self(known))
    }

    pub fn as_str(&self) -> &'static str {
        self.0.code()
    }

    /// Digits after the decimal point: ISO 4217's minor units of the currency (0 for
    /// `NONE`, which has none).
    pub fn exponent(&self) -> u32 {
        self.0.exponent().map_or(0, u32::from)
    }

    /// `minor` units of this currency as a number of major units, to draw (a chart's
    /// axis); never to add up or store: money is summed in minor units.
    #[allow(clippy::cast_precision_loss)]
    pub fn major_units(&self, minor: i64) -> f64 {
        minor as f64 / 10_f64.powi(self.exponent().cast_signed())
    }
}

/// Alphabetical by code, as the three letters read.
impl Ord for Currency {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Currency {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Currency::parse(&raw).map_err(|e| serde::de::Error::custom(e.message))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(Currency, Currency),
    #[error("amount out of range")]
    Overflow,
}

/// The largest amount a client may give for a price, cost, fee or charge, and the
/// largest total an order may reach, in minor units: ten billion of a two-decimal
/// currency. Far above any real order, and far enough below `i64::MAX` that sums and
/// products of such amounts are caught by checked arithmetic before they could wrap.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// An amount of money in minor units (pence, cents) of its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"amount": 1250, "currency": "GBP"})))]
pub struct Money {
    /// Minor units: 1250 GBP is 12.50 GBP; 1250 JPY is 1250 JPY.
    pub amount: i64,
    pub currency: Currency,
}

impl Money {
    pub const fn new(amount: i64, currency: Currency) -> Self {
        Self { amount, currency }
    }

    pub const fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount = self.amount.checked_add(other.amount).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount = self.amount.checked_sub(other.amount).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        let amount = self.amount.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// Sums amounts of one currency; an empty sum is zero in `currency`.
    pub fn sum(currency: Currency, items: impl IntoIterator<Item = Money>) -> Result<Money, MoneyError> {
        items.into_iter().try_fold(Money::zero(currency), Money::checked_add)
    }

    pub fn is_negative(&self) -> bool {
        self.amount < 0
    }

    /// Reads a decimal amount as a channel writes it (`"12.50"`, `"6.0"`, `"1250"`,
    /// `"-3.10"`) exactly into minor units of `currency`: no float is involved, digits
    /// beyond the currency's minor units are refused unless they are zeros
    /// (`"10.000"` GBP is 1000; `"10.005"` is an error, never rounded).
    pub fn from_decimal(text: &str, currency: Currency) -> Result<Money, Invalid> {
        let bad = || {
            Invalid::new(
                "invalid_amount",
                format!("`{text}` is not a decimal amount in {currency}"),
            )
        };
        let trimmed = text.trim();
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(bad());
        }
        let exponent = currency.exponent() as usize;
        let (kept, dropped) = fraction.split_at(fraction.len().min(exponent));
        if dropped.bytes().any(|b| b != b'0') {
            return Err(Invalid::new(
                "invalid_amount",
                format!("`{text}` has more decimals than {currency} has minor units ({exponent})"),
            ));
        }
        let too_large = || Invalid::new("out_of_range", format!("`{text}` is too large"));
        let mut amount: i64 = 0;
        for b in whole
            .bytes()
            .chain(kept.bytes())
            .chain(std::iter::repeat_n(b'0', exponent - kept.len()))
        {
            amount = amount
                .checked_mul(10)
                .and_then(|a| a.checked_add(i64::from(b - b'0')))
                .ok_or_else(too_large)?;
        }
        Ok(Money::new(if negative { -amount } else { amount }, currency))
    }

    /// Splits this amount over parts in proportion to `weights` (a channel's
    /// order-level tax or discount over the lines, by each line's price), in minor
    /// units that add up exactly: each part gets its floor share, and the units left go
    /// one each to the parts with the largest remainders (the earliest on a tie). All
    /// weights zero (or none positive) splits evenly. Negative weights count as zero.
    pub fn allocate(self, weights: &[i64]) -> Result<Vec<Money>, MoneyError> {
        if weights.is_empty() {
            return Ok(Vec::new());
        }
        let clean: Vec<i128> = weights.iter().map(|w| i128::from((*w).max(0))).collect();
        let total_weight: i128 = clean.iter().sum();
        let clean = if total_weight == 0 { vec![1; clean.len()] } else { clean };
        let total_weight: i128 = clean.iter().sum();
        // A negative amount is split as its size, then negated, so it splits as its
        // positive twin does.
        let sign = if self.amount < 0 { -1 } else { 1 };
        let amount = i128::from(self.amount).abs();
        let mut parts: Vec<i128> = clean.iter().map(|w| (amount * w).div_euclid(total_weight)).collect();
        let mut left = amount - parts.iter().sum::<i128>();
        let mut order: Vec<usize> = (0..clean.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse((amount * clean[i]).rem_euclid(total_weight)));
        for &i in order.iter().cycle().take(clean.len() * 2) {
            if left == 0 {
                break;
            }
            parts[i] += 1;
            left -= 1;
        }
        parts
            .into_iter()
            .map(|p| {
                i64::try_from(sign * p)
                    .map(|p| Money::new(p, self.currency))
                    .map_err(|_| MoneyError::Overflow)
            })
            .collect()
    }

    /// A line's price for `quantity` units (`self`, as channels that give no exact unit
    /// price send it) as a unit price and a discount with `unit × quantity − discount`
    /// equal to `self` exactly: the unit price is rounded up to a minor unit and the
    /// units that adds are given back as the discount (`10.00` for 3 is 3.34 each, 0.02
    /// off). A quantity below 1 is `Overflow`, as no unit price can make it up.
    pub fn per_unit(self, quantity: i64) -> Result<(Money, Money), MoneyError> {
        if quantity < 1 {
            return Err(MoneyError::Overflow);
        }
        let unit = Money::new(self.amount.div_euclid(quantity), self.currency);
        let short = self.amount.rem_euclid(quantity);
        if short == 0 {
            return Ok((unit, Money::zero(self.currency)));
        }
        let unit = unit.checked_add(Money::new(1, self.currency))?;
        let back = unit.checked_mul(quantity)?.checked_sub(self)?;
        Ok((unit, back))
    }

    /// An amount a client may give (a price, cost, fee, charge) or a total may reach:
    /// from zero to `MAX_AMOUNT`.
    pub fn bounded(self) -> Result<Money, Invalid> {
        if self.is_negative() {
            Err(Invalid::new("out_of_range", "must not be negative"))
        } else if self.amount > MAX_AMOUNT {
            let max = Money::new(MAX_AMOUNT, self.currency);
            Err(Invalid::new("out_of_range", format!("must be at most {max}")))
        } else {
            Ok(self)
        }
    }
}

impl Money {
    /// The amount as a decimal without its currency (`"12.50"`, `"1250"` for JPY): what
    /// a form field shows, and `from_decimal` reads back.
    pub fn decimal(&self) -> String {
        let exp = self.currency.exponent();
        let sign = if self.amount < 0 { "-" } else { "" };
        let abs = self.amount.unsigned_abs();
        if exp == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(exp);
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = exp as usize)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.decimal(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gbp() -> Currency {
        Currency::parse("GBP").unwrap_or(Currency::NONE)
    }

    proptest! {
        #[test]
        fn per_unit_gives_back_the_line_price(amount in 0i64..1_000_000_000, quantity in 1i64..10_000) {
            let (unit, discount) = Money::new(amount, gbp()).per_unit(quantity).unwrap_or((Money::zero(gbp()), Money::zero(gbp())));
            prop_assert_eq!(unit.amount * quantity - discount.amount, amount);
            prop_assert!((0..quantity).contains(&discount.amount));
        }
    }

    #[test]
    fn currencies_are_three_letters_upper_cased() {
        assert_eq!(Currency::parse("eur").map(|c| c.to_string()), Ok("EUR".into()));
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
    }

    #[test]
    fn only_iso_4217_currencies_one_can_charge_in_are_accepted() {
        for code in ["ZZZ", "ABC", "XXX", "XTS", "XAU", "XDR", "CLF", "USN", "BOV", "UYW"] {
            let err = Currency::parse(code).unwrap_err();
            assert_eq!(err.code, "invalid_currency", "{code}");
        }
        assert_eq!(
            Currency::parse("clf").unwrap_err().message,
            "CLF (Unidad de Fomento) is not a currency prices can be given in"
        );
        assert_eq!(currency("CHF").exponent(), 2);
        assert_eq!(Currency::NONE.exponent(), 0);
    }

    #[test]
    fn major_units_follow_the_currencys_exponent() {
        assert!((currency("GBP").major_units(12_345) - 123.45).abs() < 1e-9);
        assert!((currency("JPY").major_units(12_345) - 12_345.0).abs() < 1e-9);
        assert!((currency("KWD").major_units(12_345) - 12.345).abs() < 1e-9);
    }

    /// The Arab Accounting Dinar is a unit of account ISO lists with two decimals: being
    /// special refuses it, whatever its minor units (the other special codes tested have
    /// none, so they were refused for that too).
    #[test]
    fn a_unit_of_account_with_minor_units_is_still_no_price_currency() {
        let err = Currency::parse("XAD").unwrap_err();
        assert_eq!(err.code, "invalid_currency");
        assert!(err.message.starts_with("XAD ("), "{}", err.message);
    }

    #[test]
    fn currencies_sort_by_their_code() {
        let mut codes = [currency("USD"), currency("AMD"), currency("XCG"), currency("EUR")];
        codes.sort();
        assert_eq!(codes.map(|c| c.as_str()), ["AMD", "EUR", "USD", "XCG"]);
    }

    #[test]
    fn money_refuses_to_mix_currencies() {
        let usd = Currency::parse("USD").unwrap_or(gbp());
        let err = Money::new(1, gbp()).checked_add(Money::new(1, usd));
        assert_eq!(err, Err(MoneyError::CurrencyMismatch(gbp(), usd)));
    }

    #[test]
    fn money_displays_in_major_units() {
        assert_eq!(Money::new(1250, gbp()).to_string(), "12.50 GBP");
        assert_eq!(Money::new(-5, gbp()).to_string(), "-0.05 GBP");
        let jpy = Currency::parse("JPY").unwrap_or(gbp());
        assert_eq!(Money::new(1250, jpy).to_string(), "1250 JPY");
    }

    #[test]
    fn decimal_strings_become_minor_units_exactly() {
        let gbp = gbp();
        let jpy = Currency::parse("JPY").unwrap();
        let kwd = Currency::parse("KWD").unwrap();
        for (text, currency, amount) in [
            ("12.50", gbp, 1250),
            ("6.0", gbp, 600),
            ("0.1", gbp, 10),
            ("199.00", gbp, 19900),
            ("10.000", gbp, 1000),
            (" 7 ", gbp, 700),
            ("-3.10", gbp, -310),
            ("+4", gbp, 400),
            (".5", gbp, 50),
            ("1250", jpy, 1250),
            ("1250.00", jpy, 1250),
            ("1.234", kwd, 1234),
            ("0.29", gbp, 29),
        ] {
            assert_eq!(
                Money::from_decimal(text, currency).unwrap(),
                Money::new(amount, currency),
                "{text}"
            );
        }
        for (text, currency) in [
            ("10.005", gbp),
            ("12.5.0", gbp),
            ("1e3", gbp),
            ("", gbp),
            ("-", gbp),
            (".", gbp),
            ("12,50", gbp),
            ("12.5", jpy),
            ("99999999999999999999", gbp),
            ("NaN", gbp),
        ] {
            assert!(Money::from_decimal(text, currency).is_err(), "{text} should be refused");
        }
    }

    #[test]
    fn a_line_price_becomes_a_unit_price_and_the_rounding_given_back() {
        let gbp = |a| Money::new(a, Currency::parse("GBP").unwrap());
        assert_eq!(gbp(1200).per_unit(2), Ok((gbp(600), gbp(0))));
        assert_eq!(gbp(1000).per_unit(3), Ok((gbp(334), gbp(2))));
        assert_eq!(gbp(1).per_unit(4), Ok((gbp(1), gbp(3))));
        assert_eq!(gbp(0).per_unit(5), Ok((gbp(0), gbp(0))));
        for (amount, quantity) in [(999, 7), (1, 1), (123_456, 100)] {
            let (unit, back) = gbp(amount).per_unit(quantity).unwrap();
            assert_eq!(unit.amount * quantity - back.amount, amount);
            assert!(back.amount >= 0 && back.amount < quantity);
        }
        assert_eq!(gbp(100).per_unit(0), Err(MoneyError::Overflow));
        assert_eq!(
            gbp(i64::MAX).per_unit(2),
            Err(MoneyError::Overflow),
            "the rounded-up price overflows"
        );
    }

    #[test]
    fn an_amount_is_allocated_in_proportion_and_adds_up_exactly() {
        let gbp = gbp();
        let split = |amount: i64, weights: &[i64]| -> Vec<i64> {
            Money::new(amount, gbp)
                .allocate(weights)
                .unwrap()
                .iter()
                .map(|m| m.amount)
                .collect()
        };
        assert_eq!(split(1000, &[1, 1]), vec![500, 500]);
        assert_eq!(
            split(100, &[1, 1, 1]),
            vec![34, 33, 33],
            "the unit left goes to the first on a tie"
        );
        assert_eq!(split(1166, &[19900, 19900, 19900]), vec![389, 389, 388]);
        assert_eq!(
            split(10, &[3, 1]),
            vec![8, 2],
            "7.5 and 2.5: the remainders tie, the first wins"
        );
        assert_eq!(split(7, &[0, 0]), vec![4, 3], "no weight splits evenly");
        assert_eq!(split(0, &[5, 7]), vec![0, 0]);
        assert_eq!(split(5, &[0, 9]), vec![0, 5]);
        assert_eq!(split(-100, &[1, 1, 1]), vec![-34, -33, -33]);
        assert!(split(5, &[]).is_empty());
        for (amount, weights) in [
            (999_999, vec![3, 5, 7, 11]),
            (1, vec![1, 1, 1, 1]),
            (12345, vec![1, 0, 2]),
        ] {
            assert_eq!(split(amount, &weights).iter().sum::<i64>(), amount);
        }
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        assert_eq!(
            Money::new(i64::MAX, gbp()).checked_add(Money::new(1, gbp())),
            Err(MoneyError::Overflow)
        );
        assert_eq!(Money::new(i64::MAX, gbp()).checked_mul(2), Err(MoneyError::Overflow));
    }

    #[test]
    fn a_given_amount_is_between_zero_and_max_amount() {
        assert_eq!(Money::new(0, gbp()).bounded(), Ok(Money::new(0, gbp())));
        assert_eq!(
            Money::new(MAX_AMOUNT, gbp()).bounded(),
            Ok(Money::new(MAX_AMOUNT, gbp()))
        );
        for (amount, why) in [
            (-1, "must not be negative"),
            (i64::MIN, "must not be negative"),
            (MAX_AMOUNT + 1, "must be at most 10000000000.00 GBP"),
            (i64::MAX, "must be at most 10000000000.00 GBP"),
        ] {
            let err = Money::new(amount, gbp()).bounded().unwrap_err();
            assert_eq!((err.code, err.message.as_str()), ("out_of_range", why), "{amount}");
        }
    }

    proptest! {
        #[test]
        fn addition_then_subtraction_is_identity(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
            let (a, b) = (Money::new(a, gbp()), Money::new(b, gbp()));
            prop_assert_eq!(a.checked_add(b).and_then(|s| s.checked_sub(b)), Ok(a));
        }

        #[test]
        fn sum_matches_integer_sum(xs in proptest::collection::vec(-1_000_000i64..1_000_000, 0..20)) {
            let total = Money::sum(gbp(), xs.iter().map(|x| Money::new(*x, gbp())));
            prop_assert_eq!(total, Ok(Money::new(xs.iter().sum(), gbp())));
        }
    }

    fn currency(code: &str) -> Currency {
        Currency::parse(code).unwrap_or(Currency::NONE)
    }

    #[test]
    fn three_decimal_currencies_display_three_digits_after_the_point() {
        for code in ["BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD"] {
            assert_eq!(Money::new(1250, currency(code)).to_string(), format!("1.250 {code}"));
        }
        assert_eq!(Money::new(-5, currency("KWD")).to_string(), "-0.005 KWD");
    }

    #[test]
    fn zero_decimal_currencies_display_whole_units() {
        for code in [
            "JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "BIF", "DJF", "GNF", "KMF", "RWF", "VUV",
            "XPF",
        ] {
            assert_eq!(Money::new(1250, currency(code)).to_string(), format!("1250 {code}"));
        }
        assert_eq!(Money::new(-7, currency("JPY")).to_string(), "-7 JPY");
    }

    #[test]
    fn two_decimal_amounts_split_into_major_and_minor_units() {
        assert_eq!(Money::new(123_456, gbp()).to_string(), "1234.56 GBP");
        assert_eq!(Money::new(5, gbp()).to_string(), "0.05 GBP");
        assert_eq!(Money::zero(gbp()).to_string(), "0.00 GBP");
    }

    #[test]
    fn only_an_amount_below_zero_is_negative() {
        assert!(Money::new(-1, gbp()).is_negative());
        assert!(!Money::zero(gbp()).is_negative());
        assert!(!Money::new(1, gbp()).is_negative());
    }

    #[test]
    fn multiplying_scales_the_amount_and_keeps_the_currency() {
        assert_eq!(Money::new(250, gbp()).checked_mul(3), Ok(Money::new(750, gbp())));
    }

    #[test]
    fn subtraction_refuses_other_currencies_and_overflow() {
        let usd = currency("USD");
        assert_eq!(
            Money::new(5, gbp()).checked_sub(Money::new(1, usd)),
            Err(MoneyError::CurrencyMismatch(gbp(), usd))
        );
        assert_eq!(
            Money::new(i64::MIN, gbp()).checked_sub(Money::new(1, gbp())),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::new(5, gbp()).checked_sub(Money::new(7, gbp())),
            Ok(Money::new(-2, gbp()))
        );
    }

    #[test]
    fn a_sum_refuses_an_amount_in_another_currency() {
        let usd = currency("USD");
        assert_eq!(
            Money::sum(gbp(), [Money::new(1, gbp()), Money::new(1, usd)]),
            Err(MoneyError::CurrencyMismatch(gbp(), usd))
        );
        assert_eq!(Money::sum(usd, []), Ok(Money::zero(usd)));
    }

    #[test]
    fn currencies_travel_as_their_code() {
        assert_eq!(serde_json::to_string(&gbp()).unwrap(), "\"GBP\"");
        assert_eq!(serde_json::from_str::<Currency>("\" gbp \"").unwrap(), gbp());
        assert!(serde_json::from_str::<Currency>("\"POUND\"").is_err());
        assert_eq!(gbp().as_str(), "GBP");
    }
}
