//! Cursor pagination: lists return `{data, next_cursor}`; the cursor is the sort key of
//! the last item, so pages stay stable while rows are added and no `COUNT(*)` is run.
//! The store works with raw sort keys; the server hands them out sealed (opaque, bound
//! to the list's filters: `switchyard_server::paging`) and checks `limit`'s range.

use serde::{Deserialize, Serialize};
use switchyard_core::validation::Invalid;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// The query parameter that carries a cursor.
pub const CURSOR_PARAM: &str = "cursor";
/// The query parameter that carries the page size, 1..=`MAX_LIMIT`.
pub const LIMIT_PARAM: &str = "limit";
/// The longest cursor a list gives out (two keys and a separator at most).
pub const CURSOR_MAX: usize = 200;

/// Checks that `raw` can be a cursor of some list: the sort keys lists give out are
/// ids, codes (letters, digits, `-`, `_`, `.`, `/`), numbers and times, joined by `|`,
/// so anything else (control characters, spaces, quotes, non-ASCII) is not a cursor.
/// An empty cursor is let through, as before this check.
pub fn check_cursor(raw: &str) -> Result<(), Invalid> {
    let valid = raw.len() <= CURSOR_MAX
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'|' | b':'));
    if valid {
        Ok(())
    } else {
        Err(Invalid::new(
            "invalid_cursor",
            "is not a cursor this list gave out: pass `next_cursor` back as it came",
        ))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl PageRequest {
    /// The page size, within 1..=MAX_LIMIT (the server refuses a `limit` outside it;
    /// other callers are held to it here).
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page (or follow the `Link: rel="next"`
    /// header); `null` on the last page. Opaque: it is valid only with the filters of
    /// the request that gave it out. (Serialized last: the server finds it there.)
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says there is more.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Page<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let next_cursor = if more { rows.last().map(cursor_of) } else { None };
        Page {
            data: rows,
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_the_sort_keys_lists_give_out() {
        for given in [
            "",
            "ord_01m95g1zgy000002ahn17bzz1v",
            "TEE/RED-M",
            "A-01|TEE",
            "1796000000000000|shp_1",
            "-5|x",
        ] {
            assert_eq!(check_cursor(given), Ok(()), "{given}");
        }
        let too_long = "x".repeat(CURSOR_MAX + 1);
        for garbage in [
            "a+b",
            "a\u{0}b",
            "two words",
            "ord_'; DROP TABLE orders",
            "\u{202e}x",
            "é",
            &too_long,
        ] {
            assert_eq!(check_cursor(garbage).unwrap_err().code, "invalid_cursor", "{garbage:?}");
        }
    }
}
