//! The floor: releasing work and pick lists (`work`), the pack bench (`pack`) and the
//! returns bench (`returns`). The benches are made for a USB barcode scanner (it types
//! the code, then Enter): every scan is checked at once by core against what is
//! expected, and the scans so far travel in the form, so the pages keep no state.

mod pack;
mod returns;
mod work;

use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use switchyard_core::FieldError;
use switchyard_core::validation::Invalid;

use super::{error_page, is_htmx, render, render_status};
use crate::AppState;
use crate::error::ApiResult;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(work::routes())
        .merge(pack::routes())
        .merge(returns::routes())
}

/// A posted form's fields in order, repeated names kept (one `scan` per unit).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &[u8]) -> Fields {
        Fields(
            url::form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The field `name` as typed, or "".
    fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    /// The field `name`, trimmed, when not blank.
    fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// Every value of the field `name`, in order.
    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// A whole number typed into the field at `pointer`: none when blank; a field error in
/// `typed` when it is not a number (core's checks then do not repeat it).
fn number(typed: &mut Vec<FieldError>, pointer: &str, raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    raw.parse().ok().or_else(|| {
        typed.push(Invalid::new("not_a_number", "must be a whole number").at(pointer));
        None
    })
}

/// The typed-in errors, then core's for the fields that have none yet.
fn merged(mut typed: Vec<FieldError>, parsed: Vec<FieldError>) -> Vec<FieldError> {
    for e in parsed {
        if !typed.iter().any(|t| t.field == e.field) {
            typed.push(e);
        }
    }
    typed
}

/// A refused scan or form: 422 for a plain form; 200 for htmx, which swaps in only
/// successful answers (the page says what was refused either way).
fn refused(headers: &HeaderMap, page: &impl Template) -> Response {
    if is_htmx(headers) {
        render(page)
    } else {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
    }
}

/// A printed document (PDF) from the API's document code, or the page saying why there
/// is none.
fn document(result: ApiResult<Response>) -> Response {
    result.unwrap_or_else(|e| {
        let status = e.status();
        let problem = e.into_problem();
        if status.is_server_error() {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The document could not be made. Try again.",
            );
        }
        error_page(status, &problem.title, &problem.detail)
    })
}
