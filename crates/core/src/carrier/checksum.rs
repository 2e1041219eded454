//! Tracking-number formats and their check digits, as carriers publish them. Each
//! function takes a normalised number (upper case, no spaces) and says whether it is
//! a valid number of that format. The test numbers are the public set of
//! jkeen/tracking_number_data (MIT), in `testdata/`.

/// UPU member countries (ISO 3166-1 alpha-2) that issue S10 numbers, from the UPU
/// list as published in jkeen/tracking_number_data (MIT).
const UPU_MEMBERS: &str = "AF AL DZ AO AG AR AM AU AT AZ BS BH BD BB BY BE BZ BJ BT BO BA BW BR BN BG BF BI KH CM CA CV \
     CF TD CL CN HK CO KM CG CR HR CU CY CZ CI KP CD DK DJ DM DO EC EG SV GQ ER EE ET FJ FI FR GA GM GE DE GH GB GR GD GT \
     GN GW GY HT HN HU IS IN ID IR IQ IE IL IT JM JP JO KZ KE KI KR KW KG LA LV LB LS LR LY LI LT LU MG MW MY MV ML MT MR \
     MU MX MD MC MN ME MA MZ MM NA NR NP NL NZ NI NE NG NO OM PK PA PG PY PE PH PL PT QA RO RU RW KN LC VC WS SM ST SA SN \
     RS SC SL SG SK SI SB SO ZA SS ES LK SD SR SZ SE CH SY TJ TZ TH MK TL TG TO TT TN TR TM TV UG UA AE US UY UZ VU VA VE \
     VN YE ZM ZW";

fn digits(s: &str) -> Option<Vec<u32>> {
    s.chars().map(|c| c.to_digit(10)).collect()
}

fn last_digit(s: &str) -> Option<u32> {
    s.chars().last().and_then(|c| c.to_digit(10))
}

pub use crate::validation::gs1_check_digit;

fn gs1_ok(number: &str) -> bool {
    match (digits(number), last_digit(number)) {
        (Some(d), Some(check)) if d.len() > 1 => gs1_check_digit(&d[..d.len() - 1]) == check,
        _ => false,
    }
}

/// UPS's value of a character: digits as themselves, letters as (ASCII - 63) mod 10.
fn ups_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        'A'..='Z' => Some((c as u32 - 63) % 10),
        _ => None,
    }
}

/// The UPS check digit of the 15 characters after `1Z`: odd positions (from 1) doubled.
pub fn ups_check_digit(body: &str) -> Option<u32> {
    let mut sum = 0;
    for (i, c) in body.chars().enumerate() {
        let v = ups_value(c)?;
        sum += if i % 2 == 1 { v * 2 } else { v };
    }
    Some((10 - sum % 10) % 10)
}

/// UPS `1Z` + 6 shipper + 2 service + 7 package characters + check digit.
pub fn ups(number: &str) -> bool {
    number.len() == 18
        && number.starts_with("1Z")
        && number.is_ascii()
        && ups_check_digit(&number[2..17]).is_some_and(|c| Some(c) == last_digit(number))
}

/// A USPS number without its routing prefix: 20 digits (plain or legacy `91` with the
/// `91` left off), or an IMpb of 22 or 26 digits starting 92 to 95, or a 22-digit `91`.
fn usps_body(n: &str) -> bool {
    if digits(n).is_none() {
        return false;
    }
    match n.len() {
        20 => gs1_ok(n) || (!n.starts_with("91") && gs1_ok(&format!("91{n}"))),
        22 => matches!(&n[..2], "91" | "92" | "93" | "94" | "95") && gs1_ok(n),
        26 => matches!(&n[..2], "92" | "93" | "94" | "95") && gs1_ok(n),
        _ => false,
    }
}

/// USPS domestic numbers, optionally behind the `420` + ZIP (or ZIP+4) routing prefix
/// that IMpb barcodes carry.
pub fn usps(number: &str) -> bool {
    if usps_body(number) {
        return true;
    }
    number.starts_with("420") && [8, 12].iter().any(|&p| number.get(p..).is_some_and(usps_body))
}

/// FedEx's weighted check: weights repeat over the body, sum mod 11, then mod 10.
fn fedex_weighted(body: &[u32], weights: &[u32]) -> u32 {
    body.iter().zip(weights.iter().cycle()).map(|(d, w)| d * w).sum::<u32>() % 11 % 10
}

/// The FedEx mod 10 of Ground numbers: odd positions (from 1) tripled.
fn fedex_mod10(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 1 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10
}

/// FedEx Express (12), Ground (15), SSCC-18, Ground 96 (22), ASTRA (32) and Express or
/// Ground GSN (34) numbers.
pub fn fedex(number: &str) -> bool {
    let Some(d) = digits(number) else {
        return false;
    };
    match d.len() {
        12 => fedex_weighted(&d[..11], &[3, 1, 7]) == d[11],
        15 => fedex_mod10(&d[..14]) == d[14],
        18 => number.starts_with("00") && gs1_check_digit(&d[2..17]) == d[17],
        22 => number.starts_with("96") && fedex_mod10(&d[7..21]) == d[21],
        32 => d[0] == 3 && fedex_weighted(&d[16..27], &[3, 1, 7]) == d[27],
        34 => fedex_weighted(&d[20..33], &[1, 7, 3]) == d[33],
        _ => false,
    }
}

/// DHL Express air waybills: 10 or 11 digits, the last the rest mod 7.
pub fn dhl_express(number: &str) -> bool {
    if !(number.len() == 10 || number.len() == 11) || digits(number).is_none() {
        return false;
    }
    let body: u64 = number[..number.len() - 1].parse().unwrap_or(u64::MAX);
    last_digit(number).is_some_and(|c| body % 7 == u64::from(c))
}

/// The UPU S10 check digit of 8 serial digits: weights 8 6 4 2 3 5 9 7, 11 minus the
/// sum mod 11, with 10 written 0 and 11 written 5.
pub fn s10_check_digit(serial: &[u32]) -> u32 {
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = serial.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    }
}

/// A UPU S10 number (`RB123456785GB`): 2 letters, 8 digits, check digit, the issuing
/// country. Returns the country when valid.
pub fn s10(number: &str) -> Option<&str> {
    let b = number.as_bytes();
    if b.len() != 13 || !b[..2].iter().all(u8::is_ascii_uppercase) || !b[11..].iter().all(u8::is_ascii_uppercase) {
        return None;
    }
    // By byte position: anything but ASCII there is no S10 number (and no char boundary).
    let serial = digits(number.get(2..10)?)?;
    let check = number.get(10..11)?.parse::<u32>().ok()?;
    let country = &number[11..];
    (s10_check_digit(&serial) == check && UPU_MEMBERS.split_whitespace().any(|c| c == country)).then_some(country)
}

/// Digits of `seed`, `n` of them, for numbers the simulated carrier issues.
fn seed_digits(mut seed: u64, n: usize) -> Vec<u32> {
    (0..n)
        .map(|_| {
            let d = (seed % 10) as u32;
            seed = (seed / 10) ^ seed.rotate_left(17);
            d
        })
        .collect()
}

fn text(d: &[u32]) -> String {
    d.iter().map(|d| char::from(b'0' + *d as u8)).collect()
}

/// A valid UPS number for the simulated carrier: shipper `SWY0A1`, service `03` (Ground).
pub fn issue_ups(seed: u64, service: &str) -> String {
    let body = format!("SWY0A1{service}{}", text(&seed_digits(seed, 7)));
    format!("1Z{body}{}", ups_check_digit(&body).unwrap_or(0))
}

/// A valid USPS IMpb (22 digits, `9400 1...`).
pub fn issue_usps(seed: u64) -> String {
    let mut d = vec![9, 4, 0, 0, 1, 9, 0, 5, 5, 5, 0, 1];
    d.extend(seed_digits(seed, 9));
    let check = gs1_check_digit(&d);
    format!("{}{check}", text(&d))
}

/// A valid FedEx Express 12-digit number.
pub fn issue_fedex(seed: u64) -> String {
    let mut d = seed_digits(seed, 11);
    d[0] = 7;
    let check = fedex_weighted(&d, &[3, 1, 7]);
    format!("{}{check}", text(&d))
}

/// A valid DHL Express 10-digit waybill.
pub fn issue_dhl_express(seed: u64) -> String {
    let body = 100_000_000 + seed % 900_000_000;
    format!("{body}{}", body % 7)
}

/// A valid S10 number of `country` with the service indicator `service`.
pub fn issue_s10(seed: u64, service: &str, country: &str) -> String {
    let serial = seed_digits(seed, 8);
    format!("{service}{}{}{country}", text(&serial), s10_check_digit(&serial))
}
