//! How the repositories talk to the database: `query` runs a statement on either
//! backend (`lite` is SQLite's side), and small helpers read time, JSON, id and enum
//! columns, build queries from optional filters with numbered placeholders, and insert
//! many rows at once.

pub mod lite;
mod query;

pub use query::{Column, Conn, DbError, Decode, Done, Link, Pool, Query, Row, Target, batch, query, query_scalar};

use jiff::Timestamp;

use switchyard_core::Currency;
use switchyard_core::validation::Invalid;

use crate::error::{StoreError, StoreResult};

/// Microseconds since the epoch: how every time is stored.
/// A SQL list of states as core spells them, for `status IN (...)`: the set comes from
/// the core enum's own constant (e.g. `LineStatus::WAITING`), never from a literal.
/// The spellings are fixed identifiers, so they are written inline, not bound.
pub fn one_of<E: switchyard_core::Spelled>(states: &[E]) -> String {
    let quoted: Vec<String> = states.iter().map(|s| format!("'{}'", s.spelling())).collect();
    format!("({})", quoted.join(", "))
}

/// One state as core spells it, quoted for SQL: `db::is(LineStatus::Shipped)` is
/// `'shipped'`. For a state fixed by the statement itself; bind states that vary.
pub fn is<E: switchyard_core::Spelled>(state: E) -> String {
    format!("'{}'", state.spelling())
}

pub fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub fn time(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub fn get_time(row: &Row, col: &str) -> StoreResult<Timestamp> {
    Ok(time(row.try_get::<i64, _>(col)?))
}

pub fn get_opt_time(row: &Row, col: &str) -> StoreResult<Option<Timestamp>> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(time))
}

pub fn get_json<T: serde::de::DeserializeOwned>(row: &Row, col: &str) -> StoreResult<T> {
    let raw: String = row.try_get(col)?;
    Ok(serde_json::from_str(&raw)?)
}

/// A value for a dynamically built query.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Int(i64),
    /// Text or NULL.
    OptText(Option<String>),
    /// An integer or NULL.
    OptInt(Option<i64>),
    Bool(bool),
    Real(f64),
    OptReal(Option<f64>),
}

/// `From` conversions into `Arg`, one per Rust type a query binds.
macro_rules! arg_from {
    ($($ty:ty => |$v:ident| $arg:expr;)*) => {
        $(impl From<$ty> for Arg {
            fn from($v: $ty) -> Self {
                $arg
            }
        })*
    };
}

arg_from! {
    i64 => |i| Arg::Int(i);
    Option<i64> => |i| Arg::OptInt(i);
    bool => |b| Arg::Bool(b);
    f64 => |r| Arg::Real(r);
    Option<f64> => |r| Arg::OptReal(r);
    String => |t| Arg::Text(t);
    &str => |t| Arg::Text(t.to_owned());
    &String => |t| Arg::Text(t.clone());
    Option<String> => |t| Arg::OptText(t);
    Option<&str> => |t| Arg::OptText(t.map(str::to_owned));
    Option<&String> => |t| Arg::OptText(t.cloned());
}

/// A query assembled from optional filters, with `$n` placeholders numbered in order.
#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    /// Appends raw SQL.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// Appends ` LIMIT n` with `n` written out: SQLite re-prepares a statement every
    /// time a parameter in its LIMIT is bound (the planner may use its value), which
    /// made list queries pay a full parse on every execution.
    pub fn limit(&mut self, n: i64) -> &mut Self {
        self.text.push_str(&format!(" LIMIT {n}"));
        self
    }

    /// Appends a comma-separated list of placeholders bound to `args`.
    pub fn list(&mut self, args: impl IntoIterator<Item = Arg>) -> &mut Self {
        for (i, arg) in args.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(arg);
        }
        self
    }

    /// Adds ` AND <left><placeholder><right>` (or `WHERE` for the first filter).
    pub fn filter(&mut self, left: &str, arg: Arg, right: &str) -> &mut Self {
        let joiner = if self.text.contains(" WHERE ") {
            " AND "
        } else {
            " WHERE "
        };
        self.text.push_str(joiner);
        self.text.push_str(left);
        self.bind(arg);
        self.text.push_str(right);
        self
    }

    /// Adds a case-insensitive substring search of `q` over `columns`; `%`, `_` and `\\`
    /// in `q` match themselves.
    pub fn search(&mut self, columns: &[&str], q: &str) -> &mut Self {
        let escaped: String = q
            .to_lowercase()
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let pattern = format!("%{escaped}%");
        let joiner = if self.text.contains(" WHERE ") {
            " AND ("
        } else {
            " WHERE ("
        };
        self.text.push_str(joiner);
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                self.text.push_str(" OR ");
            }
            self.text.push_str(&format!("LOWER({column}) LIKE "));
            self.bind(Arg::Text(pattern.clone()));
            self.text.push_str(" ESCAPE '\\'");
        }
        self.text.push(')');
        self
    }

    pub fn query(&self) -> Query {
        Query::with_args(self.text.clone(), self.args.clone())
    }
}

/// Rows per multi-row INSERT at most: well under the bound-parameter limits of both
/// databases.
const ROWS_PER_INSERT: usize = 256;

/// How many of `left` rows the next INSERT takes: all of up to four, else the largest
/// power of two. Each row count is a statement of its own in every connection's
/// statement cache; this keeps a table to ten of them however batch sizes vary,
/// instead of one per size, which crowded the cache and had statements prepared again.
fn next_chunk(left: usize) -> usize {
    if left <= 4 {
        left
    } else {
        let most = left.min(ROWS_PER_INSERT);
        1 << most.ilog2()
    }
}

/// Inserts `rows` in as few statements as `next_chunk` allows; `insert` is
/// `INSERT INTO table (columns) VALUES `.
pub async fn insert_rows(conn: &mut Link, insert: &str, rows: &[Vec<Arg>]) -> StoreResult<()> {
    let mut rest = rows;
    while !rest.is_empty() {
        let (chunk, after) = rest.split_at(next_chunk(rest.len()));
        let mut sql = Sql::new(insert);
        for (i, row) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.list(row.iter().cloned()).push(")");
        }
        sql.query().execute(&mut *conn).await?;
        rest = after;
    }
    Ok(())
}

/// A currency column.
pub fn get_currency(row: &Row, col: &str) -> StoreResult<Currency> {
    Currency::parse(&row.try_get::<String, _>(col)?).map_err(|e| StoreError::Corrupt(e.message))
}

/// Checks that a guarded update changed its one row; none means another writer got
/// there first (`concurrent_update`, which `transact!` retries). `what` names the row.
pub fn changed_one(result: &Done, what: impl FnOnce() -> String) -> StoreResult<()> {
    if result.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            code: "concurrent_update",
            message: format!("{} changed while this request ran; retry", what()),
        })
    }
}

/// A typed id column.
pub fn get_id<T: TryFrom<String, Error = String>>(row: &Row, col: &str) -> StoreResult<T> {
    T::try_from(row.try_get::<String, _>(col)?).map_err(StoreError::Corrupt)
}

/// An enum column, spelled as the enum spells itself.
pub fn get_enum<T>(row: &Row, col: &str, parse: fn(&str) -> Result<T, Invalid>) -> StoreResult<T> {
    let raw: String = row.try_get(col)?;
    parse(&raw).map_err(|_| StoreError::Corrupt(format!("unknown {col} {raw:?}")))
}

#[cfg(test)]
mod tests {
    use super::next_chunk;

    #[test]
    fn inserts_come_in_a_few_sizes_that_add_up() {
        let mut sizes = std::collections::BTreeSet::new();
        for total in 0..1000 {
            let (mut left, mut statements) = (total, 0);
            while left > 0 {
                let n = next_chunk(left);
                assert!((1..=left).contains(&n));
                sizes.insert(n);
                left -= n;
                statements += 1;
            }
            // Never more statements than a power-of-two split needs, plus one.
            assert!(statements <= total / 256 + 9, "{total}: {statements}");
        }
        assert_eq!(sizes.len(), 10, "{sizes:?}");
    }
}
