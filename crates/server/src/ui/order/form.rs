//! The order page's forms as the handlers read them: fields by name into the types
//! core's input parsers take (what cannot be read is a field error, like core's own),
//! and a refused form kept with what was typed, to show again with its errors.

use switchyard_core::FieldError;
use switchyard_core::validation::Invalid;

use crate::ui::Errors;

/// A posted form: its fields in the order sent.
pub type Fields = Vec<(String, String)>;

/// The value of `name` in `fields` ("" when absent).
pub fn value<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// Reads a form's fields, collecting what could not be read.
pub struct Reading<'a> {
    fields: &'a [(String, String)],
    errors: Vec<FieldError>,
}

impl<'a> Reading<'a> {
    pub fn new(fields: &'a [(String, String)]) -> Self {
        Reading {
            fields,
            errors: Vec::new(),
        }
    }

    /// The field's text, `None` when blank.
    pub fn text(&self, name: &str) -> Option<String> {
        let v = value(self.fields, name).trim();
        (!v.is_empty()).then(|| v.to_owned())
    }

    /// The field read by `parse`, `None` when blank or unreadable (then an error of
    /// the field).
    pub fn parsed<T>(&mut self, name: &str, parse: impl FnOnce(&str) -> Result<T, Invalid>) -> Option<T> {
        let raw = self.text(name)?;
        self.check(name, parse(&raw))
    }

    /// `result` of reading field `name`, or its error.
    pub fn check<T>(&mut self, name: &str, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e.at(format!("/{name}")));
                None
            }
        }
    }

    /// Core's verdict on the input read, with the fields that could not be read
    /// first (core's error of such a field, e.g. "required", would only repeat it).
    pub fn finish<T>(self, parsed: Result<T, Vec<FieldError>>) -> Result<T, Vec<FieldError>> {
        match (self.errors.is_empty(), parsed) {
            (true, parsed) => parsed,
            (false, Ok(_)) => Err(self.errors),
            (false, Err(more)) => {
                let mut errors = self.errors;
                let others: Vec<FieldError> = more
                    .into_iter()
                    .filter(|e| errors.iter().all(|seen| seen.field != e.field))
                    .collect();
                errors.extend(others);
                Err(errors)
            }
        }
    }
}

/// The refund form's `qty_{line_no}` fields that ask for units, in the order sent
/// (the order of the request's `lines`): line number, field name, quantity typed.
pub fn refund_quantities(fields: &[(String, String)]) -> impl Iterator<Item = (i64, &str, &str)> {
    fields.iter().filter_map(|(name, raw)| {
        let line_no = name.strip_prefix("qty_")?.parse::<i64>().ok()?;
        let raw = raw.trim();
        (!raw.is_empty() && raw != "0").then_some((line_no, name.as_str(), raw))
    })
}

/// A form that was refused: which one (`hold`, `cancel_line_2`...), why, and what was typed.
pub struct Refused {
    pub action: String,
    pub errors: Errors,
    pub typed: Fields,
}

impl Refused {
    pub fn new(action: impl Into<String>, errors: Errors, typed: Fields) -> Self {
        Refused {
            action: action.into(),
            errors,
            typed,
        }
    }

    pub fn value(&self, field: &str) -> &str {
        value(&self.typed, field)
    }

    /// The error of line `line_no` in a refused refund: of its field, or of its place
    /// in the request's `lines`.
    pub fn line_error(&self, line_no: i64) -> Option<&str> {
        if let Some(own) = self.errors.get(&format!("qty_{line_no}")) {
            return Some(own);
        }
        let at = refund_quantities(&self.typed).position(|(l, _, _)| l == line_no)?;
        ["quantity", "line_no"]
            .iter()
            .find_map(|f| self.errors.get(&format!("lines/{at}/{f}")))
    }
}
