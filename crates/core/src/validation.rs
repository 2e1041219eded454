//! Field-by-field validation: parsers return a `FieldError`, a `Validator` collects
//! them under the path of the field they belong to, so a client learns every problem
//! of a request at once instead of one per round trip.

use serde::Serialize;

/// One problem with one field of an input. `field` is a JSON pointer (RFC 6901)
/// into the request body, e.g. `/lines/0/quantity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

/// A problem found by a parser before it knows where the value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            code: self.code,
            message: self.message,
        }
    }
}

/// A whole number typed into a form (spaces around it ignored).
pub fn whole_number(raw: &str) -> Result<i64, Invalid> {
    raw.trim()
        .parse()
        .map_err(|_| Invalid::new("invalid_number", "must be a whole number"))
}

/// Collects field errors; `finish` turns the collection into a result.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the parsed value, or records its error under `field`.
    pub fn check<T>(&mut self, field: impl Into<String>, parsed: Result<T, Invalid>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(invalid) => {
                self.errors.push(invalid.at(field));
                None
            }
        }
    }

    /// Like `check` for an optional input: absent stays absent.
    pub fn check_opt<T, I>(
        &mut self,
        field: impl Into<String>,
        input: Option<I>,
        parse: impl FnOnce(I) -> Result<T, Invalid>,
    ) -> Option<Option<T>> {
        match input {
            None => Some(None),
            Some(raw) => self.check(field, parse(raw)).map(Some),
        }
    }

    /// Records a required field that is missing.
    pub fn require<T>(&mut self, field: impl Into<String>, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.push(Invalid::new("required", "is required").at(field));
        }
        value
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when nothing was recorded; `value` is only built in that case.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty()
            && let Some(value) = build()
        {
            return Ok(value);
        }
        let mut errors = self.errors;
        if errors.is_empty() {
            errors.push(Invalid::new("invalid", "is invalid").at(""));
        }
        Err(errors)
    }
}

/// Whether a text may span lines. Free text (a note, a description) may hold line
/// breaks and tabs; every other text (names, titles, codes, addresses) is one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Line,
    Free,
}

/// The fields whose text is free, by name: the last segment of the field's JSON pointer.
pub const FREE_TEXT_FIELDS: &[&str] = &["note", "notes", "customer_note", "description", "message", "content"];

impl TextKind {
    /// The kind of text the field named `name` holds (a body field's last pointer
    /// segment, a query or path parameter's name).
    pub fn of_field(name: &str) -> TextKind {
        if FREE_TEXT_FIELDS.contains(&name) {
            TextKind::Free
        } else {
            TextKind::Line
        }
    }
}

/// What is wrong with a character no text of `kind` may hold, or `None` when it may.
/// Refused everywhere: control characters (C0, DEL, C1), bidirectional controls
/// (which reorder what people read: U+061C, U+200E/F, U+202A-E, U+2066-9), invisible
/// characters (zero-width space, joiners, word joiner, invisible operators, byte-order
/// mark) and the Unicode line and paragraph separators. Line breaks (CR, LF) and tabs
/// are allowed in free text only.
fn refused(c: char, kind: TextKind) -> Option<&'static str> {
    match c {
        '\n' | '\r' | '\t' if kind == TextKind::Free => None,
        '\n' | '\r' | '\t' => Some("line breaks or tabs"),
        '\u{2028}' | '\u{2029}' => Some("Unicode line or paragraph separators"),
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => Some("control characters"),
        '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            Some("bidirectional controls")
        }
        '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' => Some("invisible characters"),
        _ => None,
    }
}

/// Checks that `raw` holds only characters a text of `kind` may: see `refused`. The
/// error names the first offending character by code point and position.
pub fn visible(raw: &str, kind: TextKind) -> Result<(), Invalid> {
    match raw
        .chars()
        .enumerate()
        .find_map(|(i, c)| refused(c, kind).map(|what| (i, c, what)))
    {
        None => Ok(()),
        Some((i, c, what)) => Err(Invalid::new(
            "invalid_characters",
            format!(
                "must not contain {what} (U+{:04X} at character {})",
                u32::from(c),
                i + 1
            ),
        )),
    }
}

/// A trimmed, non-empty text of at most `max` characters.
pub fn text(raw: &str, max: usize) -> Result<String, Invalid> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(Invalid::new("required", "must not be blank"));
    }
    if trimmed.chars().count() > max {
        return Err(Invalid::new("too_long", format!("must be at most {max} characters")));
    }
    Ok(trimmed.to_owned())
}

/// Like `text`, but blank input means "none".
pub fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => text(value, max).map(Some),
    }
}

/// Longest reason an operator gives for an action (a cancellation, a rejection).
pub const REASON_MAX: usize = 500;

/// An operator's reason for an action: trimmed, at most 500 characters, blank is none.
pub fn reason(raw: Option<&str>) -> Result<Option<String>, Invalid> {
    optional_text(raw, REASON_MAX)
}

/// An operator's reason given as the `reason` field of a request body: see `reason`;
/// a problem is named under `/reason`.
pub fn reason_field(raw: Option<&str>) -> Result<Option<String>, Vec<FieldError>> {
    reason(raw).map_err(|e| vec![e.at("/reason")])
}

/// A query parameter that must be given: absent or blank is missing (named `name`);
/// the value is trimmed.
pub fn required_param(name: &str, raw: Option<&str>) -> Result<String, Vec<FieldError>> {
    match raw.map(str::trim) {
        None | Some("") => Err(vec![Invalid::new("required", "is required").at(name)]),
        Some(value) => Ok(value.to_owned()),
    }
}

/// A code that identifies a resource for people and integrations: 1 to 64 characters
/// of letters, digits, `-`, `_`, `.` and `/`, no spaces.
pub fn code(raw: &str, what: &str) -> Result<String, Invalid> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Invalid::new("required", "must not be blank"));
    }
    if value.len() > 64 {
        return Err(Invalid::new(
            "too_long",
            format!("{what} must be at most 64 characters"),
        ));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        return Err(Invalid::new(
            "invalid_format",
            format!("{what} may contain only letters, digits, '-', '_', '.' and '/'"),
        ));
    }
    Ok(value.to_owned())
}

/// A plausible email address: one `@` with text on both sides and a dot in the domain.
pub fn email(raw: &str) -> Result<String, Invalid> {
    let value = text(raw, 254)?;
    let mut parts = value.split('@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let valid = parts.next().is_none()
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace);
    if valid {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(Invalid::new(
            "invalid_email",
            "must be an email address like name@example.com",
        ))
    }
}

/// An ISO 3166-1 alpha-2 country code, upper-cased: one the `iso_country` crate's
/// table assigns (so not `ZZ`, `XX` or `UK`).
pub fn country(raw: &str) -> Result<String, Invalid> {
    let value = raw.trim().to_ascii_uppercase();
    if value.len() == 2 && value.parse::<iso_currency::Country>().is_ok() {
        Ok(value)
    } else {
        Err(Invalid::new(
            "invalid_country",
            "must be an ISO 3166-1 alpha-2 country code such as GB or US",
        ))
    }
}

/// The GS1 mod 10 check digit of `body` (GTINs, SSCCs, USPS numbers): from the right,
/// weights 3, 1, 3, ...
pub fn gs1_check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validator_reports_every_field_it_was_given() {
        let mut v = Validator::new();
        let a = v.check("/a", text("  ", 10));
        let b = v.check("/b", email("nobody"));
        let c = v.check("/c", country("gb"));
        assert_eq!(c.as_deref(), Some("GB"));
        let result = v.finish(|| Some((a?, b?, c?)));
        let errors = result.err().unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["/a", "/b"]);
    }

    #[test]
    fn control_bidi_and_invisible_characters_are_refused_in_every_text() {
        let refused = [
            ("a\u{0}b", "control characters (U+0000 at character 2)"),
            ("\u{1b}[31m", "control characters (U+001B at character 1)"),
            ("a\u{7f}", "control characters (U+007F at character 2)"),
            ("a\u{85}", "control characters (U+0085 at character 2)"),
            ("abc\u{202e}gpj.exe", "bidirectional controls (U+202E at character 4)"),
            ("\u{2066}x", "bidirectional controls (U+2066 at character 1)"),
            ("\u{200f}x", "bidirectional controls (U+200F at character 1)"),
            ("pay\u{200b}pal", "invisible characters (U+200B at character 4)"),
            ("a\u{200d}", "invisible characters (U+200D at character 2)"),
            ("a\u{2060}", "invisible characters (U+2060 at character 2)"),
            ("\u{feff}x", "invisible characters (U+FEFF at character 1)"),
        ];
        for kind in [TextKind::Line, TextKind::Free] {
            for (text, why) in refused {
                let err = visible(text, kind).unwrap_err();
                assert_eq!(err.code, "invalid_characters");
                assert_eq!(err.message, format!("must not contain {why}"), "{text:?}");
            }
        }
    }

    #[test]
    fn line_breaks_and_tabs_only_in_free_text() {
        for text in ["two\nlines", "crlf\r\nend", "a\tb"] {
            assert_eq!(visible(text, TextKind::Free), Ok(()));
            let err = visible(text, TextKind::Line).unwrap_err();
            assert!(
                err.message.starts_with("must not contain line breaks or tabs"),
                "{text:?}"
            );
        }
        assert!(visible("a\u{2028}b", TextKind::Free).is_err());
        for fine in [
            "Ann Smith",
            "Zoë Ørsted-Ñúñez",
            "東京都",
            "مرحبا",
            "👍 ok",
            "a\u{ad}b",
            "",
        ] {
            assert_eq!(visible(fine, TextKind::Line), Ok(()), "{fine:?}");
        }
    }

    #[test]
    fn notes_and_descriptions_are_free_text_and_the_rest_one_line() {
        for free in ["note", "notes", "customer_note", "description", "message"] {
            assert_eq!(TextKind::of_field(free), TextKind::Free);
        }
        for line in ["name", "title", "reason", "sku", "q", "0", ""] {
            assert_eq!(TextKind::of_field(line), TextKind::Line);
        }
    }

    #[test]
    fn codes_refuse_spaces_and_accept_slashes() {
        assert!(code("SKU 1", "sku").is_err());
        assert_eq!(code(" TEE/RED-M ", "sku").ok().as_deref(), Some("TEE/RED-M"));
    }

    #[test]
    fn a_reason_is_at_most_reason_max_characters_under_reason() {
        assert_eq!(reason_field(Some("  ")), Ok(None));
        assert_eq!(reason_field(Some(" damaged ")), Ok(Some("damaged".into())));
        let errors = reason_field(Some(&"x".repeat(REASON_MAX + 1))).unwrap_err();
        assert_eq!((errors[0].field.as_str(), errors[0].code), ("/reason", "too_long"));
        assert_eq!(errors[0].message, "must be at most 500 characters");
    }

    #[test]
    fn a_required_parameter_is_trimmed_and_blank_is_missing() {
        assert_eq!(required_param("sku", Some(" TEE ")), Ok("TEE".into()));
        for missing in [None, Some(" ")] {
            let errors = required_param("sku", missing).unwrap_err();
            assert_eq!((errors[0].field.as_str(), errors[0].code), ("sku", "required"));
        }
    }

    #[test]
    fn a_text_is_trimmed_and_may_be_exactly_as_long_as_its_limit() {
        assert_eq!(text("  Tee  ", 3), Ok("Tee".into()));
        assert_eq!(text("Tees", 3).map_err(|e| e.code), Err("too_long"));
        assert_eq!(text(" \t ", 3).map_err(|e| e.code), Err("required"));
        // Characters, not bytes: three accented letters are three characters.
        assert_eq!(text("Zoë", 3), Ok("Zoë".into()));
        assert_eq!(optional_text(None, 3), Ok(None));
        assert_eq!(optional_text(Some(" "), 3), Ok(None));
        assert_eq!(optional_text(Some(" ab "), 3), Ok(Some("ab".into())));
        assert_eq!(optional_text(Some("abcd"), 3).map_err(|e| e.code), Err("too_long"));
        assert_eq!(
            reason(Some(&"x".repeat(REASON_MAX))).map(|r| r.map(|r| r.len())),
            Ok(Some(REASON_MAX))
        );
    }

    #[test]
    fn a_code_is_one_to_sixty_four_allowed_characters() {
        assert_eq!(code(" ", "sku").map_err(|e| e.code), Err("required"));
        let longest = "A".repeat(64);
        assert_eq!(code(&longest, "sku"), Ok(longest.clone()));
        let too_long = code(&"A".repeat(65), "sku").unwrap_err();
        assert_eq!(
            (too_long.code, too_long.message.as_str()),
            ("too_long", "sku must be at most 64 characters")
        );
        assert_eq!(code("a-b_c.d/e9", "sku"), Ok("a-b_c.d/e9".into()));
        for bad in ["TEE+RED", "TÉE", "a,b"] {
            let err = code(bad, "location code").unwrap_err();
            assert_eq!(err.code, "invalid_format", "{bad}");
            assert!(
                err.message.starts_with("location code may contain only"),
                "{}",
                err.message
            );
        }
    }

    #[test]
    fn a_country_is_an_assigned_iso_3166_code_upper_cased() {
        assert_eq!(country(" us "), Ok("US".into()));
        assert_eq!(country("ss"), Ok("SS".into()));
        for bad in ["", "G", "GBR", "G1", "1B", "É", "ZZ", "XX", "UK", "AA"] {
            assert_eq!(country(bad).map_err(|e| e.code), Err("invalid_country"), "{bad:?}");
        }
    }

    #[test]
    fn a_domain_starting_with_a_dot_is_no_email() {
        assert!(email("a@.example.com").is_err());
        assert_eq!(email(" a.b@x.co "), Ok("a.b@x.co".into()));
    }

    #[test]
    fn optional_fields_stay_absent_and_required_ones_are_named() {
        let mut v = Validator::new();
        assert_eq!(v.check_opt("/a", None::<&str>, |raw| text(raw, 5)), Some(None));
        assert!(v.is_empty());
        assert_eq!(
            v.check_opt("/b", Some(" x "), |raw| text(raw, 5)),
            Some(Some("x".into()))
        );
        assert_eq!(v.check_opt("/c", Some("toolong"), |raw| text(raw, 5)), None);
        assert!(!v.is_empty());
        assert_eq!(v.require("/d", Some(1)), Some(1));
        assert_eq!(v.require::<i32>("/e", None), None);
        let errors = v.finish(|| Some(())).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(fields, [("/c", "too_long"), ("/e", "required")]);
    }

    #[test]
    fn a_validator_with_nothing_recorded_builds_its_value_or_says_invalid() {
        assert_eq!(Validator::new().finish(|| Some(7)), Ok(7));
        let errors = Validator::new().finish(|| None::<i32>).unwrap_err();
        assert_eq!(
            errors,
            [FieldError {
                field: String::new(),
                code: "invalid",
                message: "is invalid".into(),
            }]
        );
    }

    #[test]
    fn the_gs1_check_digit_weighs_from_the_right() {
        // GTIN-13 4006381333931 and GTIN-12 036000291452.
        assert_eq!(gs1_check_digit(&[4, 0, 0, 6, 3, 8, 1, 3, 3, 3, 9, 3]), 1);
        assert_eq!(gs1_check_digit(&[0, 3, 6, 0, 0, 0, 2, 9, 1, 4, 5]), 2);
        // A sum that is a multiple of ten has check digit 0, not 10.
        assert_eq!(gs1_check_digit(&[0, 0]), 0);
        assert_eq!(gs1_check_digit(&[5, 5]), 0);
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(email("Ann@Example.COM").ok().as_deref(), Some("ann@example.com"));
        for bad in ["a@b", "@x.com", "a@@x.com", "a b@x.com", "a@x.com."] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}
