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

/// An ISO 3166-1 alpha-2 country code, upper-cased.
pub fn country(raw: &str) -> Result<String, Invalid> {
    let value = raw.trim().to_ascii_uppercase();
    if value.len() == 2 && value.chars().all(|c| c.is_ascii_uppercase()) {
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
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(email("Ann@Example.COM").ok().as_deref(), Some("ann@example.com"));
        for bad in ["a@b", "@x.com", "a@@x.com", "a b@x.com", "a@x.com."] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}
