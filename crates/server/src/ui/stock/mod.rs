//! Stock, catalog and purchasing pages: levels per SKU and location with the ledger
//! and the stock movements people make (`levels`, `moves`), purchase orders and their
//! receipts (`purchasing`), and the products with their kit components (`catalog`).
//! Each handler calls the store function its JSON API twin calls, with core's parsing.

mod catalog;
mod levels;
mod moves;
mod purchasing;

use axum::Router;
use axum::routing::{get, post};
use switchyard_core::FieldError;
use switchyard_core::validation::Invalid;

use super::Errors;
use super::location_codes;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui/stock", get(levels::list))
        .route("/ui/stock/{sku}", get(levels::sku))
        .route("/ui/stock/{sku}/receive", post(moves::receive))
        .route("/ui/stock/{sku}/adjust", post(moves::adjust))
        .route("/ui/stock/{sku}/count", post(moves::count))
        .route("/ui/stock/{sku}/transfer", post(moves::transfer))
        .route("/ui/purchase-orders", get(purchasing::list).post(purchasing::create))
        .route("/ui/purchase-orders/new", get(purchasing::new))
        .route("/ui/purchase-orders/{key}", get(purchasing::page))
        .route("/ui/purchase-orders/{key}/receive", post(purchasing::receive))
        .route("/ui/purchase-orders/{key}/close", post(purchasing::close))
        .route("/ui/purchase-orders/{key}/cancel", post(purchasing::cancel))
        .route(
            "/ui/purchasing/suggestions",
            get(purchasing::suggestions).post(purchasing::accept_suggestions),
        )
        .route("/ui/purchasing/suggestions.csv", get(purchasing::suggestions_csv))
        .route("/ui/products", get(catalog::list).post(catalog::create))
        .route("/ui/products/new", get(catalog::new))
        .route("/ui/products/{sku}", get(catalog::page).post(catalog::update))
        .route("/ui/products/{sku}/components", post(catalog::components))
}

/// Numbers as a form sends them (text), read for core's inputs: blank is none, and
/// text that is no whole number is that field's error, reported with what core finds.
#[derive(Default)]
struct Typed {
    bad: Vec<FieldError>,
}

impl Typed {
    /// `raw` as a whole number; `field` is core's pointer (`/quantity`).
    fn whole(&mut self, field: &str, raw: &str) -> Option<i64> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        raw.parse().map_or_else(
            |_| {
                self.bad
                    .push(Invalid::new("invalid_number", "must be a whole number").at(field));
                None
            },
            Some,
        )
    }

    /// Blank as none, anything else as typed.
    fn text(raw: &str) -> Option<String> {
        let raw = raw.trim();
        (!raw.is_empty()).then(|| raw.to_owned())
    }

    /// Core's verdict on the input, with the fields that were no number: those keep
    /// their own error rather than core's "required".
    fn check<T>(self, parsed: Result<T, Vec<FieldError>>) -> Result<T, Errors> {
        match parsed {
            Ok(value) if self.bad.is_empty() => Ok(value),
            Ok(_) => Err(Errors::fields(&self.bad)),
            Err(found) => {
                let mut all = self.bad;
                let others: Vec<FieldError> = found
                    .into_iter()
                    .filter(|e| !all.iter().any(|b| b.field == e.field))
                    .collect();
                all.extend(others);
                Err(Errors::fields(&all))
            }
        }
    }
}

/// The cursor link of a list's next page: its filters and the cursor.
fn next_link(path: &str, filters: &[(&str, &str)], cursor: Option<&str>) -> Option<String> {
    let cursor = cursor?;
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in filters.iter().filter(|(_, v)| !v.is_empty()) {
        query.append_pair(k, v);
    }
    query.append_pair("cursor", cursor);
    Some(format!("{path}?{}", query.finish()))
}

/// `key` (a SKU may hold a `/`) as one segment of a page's path.
fn segment(key: &str) -> String {
    url::form_urlencoded::byte_serialize(key.as_bytes()).collect()
}

/// A change of units as the pages show it: `+5`, `0`, `-2`.
fn signed(n: i64) -> String {
    if n > 0 { format!("+{n}") } else { n.to_string() }
}

/// A time as the pages show it (UTC).
fn when(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_field_that_is_no_number_keeps_its_own_error() {
        let mut typed = Typed::default();
        assert_eq!(typed.whole("/quantity", " 12 "), Some(12));
        assert_eq!(typed.whole("/counted", ""), None);
        assert_eq!(typed.whole("/quantity", "twelve"), None);
        let core = vec![Invalid::new("required", "is required").at("/quantity")];
        let errors = typed.check::<()>(Err(core)).unwrap_err();
        assert_eq!(errors.get("quantity"), Some("must be a whole number"));
    }

    #[test]
    fn the_next_page_keeps_the_filters() {
        let link = next_link("/ui/stock", &[("sku", "TEE 1"), ("location", "")], Some("a|b"));
        assert_eq!(link.as_deref(), Some("/ui/stock?sku=TEE+1&cursor=a%7Cb"));
        assert_eq!(next_link("/ui/stock", &[], None), None);
        assert_eq!(segment("MUG/L"), "MUG%2FL");
    }
}
