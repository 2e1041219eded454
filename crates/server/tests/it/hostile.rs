//! Hostile input: control and invisible characters in text, paths, queries and cursors
//! (`text`), numbers past every bound (`numbers`), and a corpus of hostile inputs sent
//! to every write route of the OpenAPI document (`corpus`). Each must be a 4xx problem
//! naming what is wrong, never a 500, and change nothing.

mod corpus;
mod numbers;
mod text;

use crate::helpers::Resp;

/// The `(field, code)` pairs of a problem's `errors`, sorted (a body's fields are
/// walked in no promised order).
pub fn named(r: &Resp) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = r.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {}", r.body))
        .iter()
        .map(|e| (crate::helpers::at(e).to_owned(), e["code"].as_str().unwrap().to_owned()))
        .collect();
    fields.sort();
    fields
}

/// `(field, code)` pairs as `named` gives them, from string slices.
pub fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = expected
        .iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect();
    v.sort();
    v
}
