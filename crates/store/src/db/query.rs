//! How the store runs a statement on either backend: `query(sql).bind(..).fetch_*(to)`
//! where `to` is the pool or a connection. PostgreSQL goes through sqlx; SQLite
//! through `lite`, on the calling thread. Queries are written once, with `$n`
//! placeholders, which both engines read.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use rusqlite::types::Value;
use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, AssertSqlSafe};

use super::{Arg, lite};

/// A database error, from either engine.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("the query answered no row")]
    RowNotFound,
    #[error("column {column}: {message}")]
    Decode { column: String, message: String },
}

impl DbError {
    /// The engine's error code: SQLSTATE on PostgreSQL, the extended result code on
    /// SQLite.
    pub fn code(&self) -> Option<String> {
        match self {
            DbError::Sqlx(sqlx::Error::Database(db)) => db.code().map(|c| c.into_owned()),
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => Some(e.extended_code.to_string()),
            _ => None,
        }
    }

    /// Whether this is the violation of the named constraint. SQLite names only CHECK
    /// constraints in its messages, so UNIQUE violations are recognised by their columns.
    pub fn violates(&self, constraint: &str, sqlite_columns: &str) -> bool {
        let message = match self {
            DbError::Sqlx(sqlx::Error::Database(db)) => {
                if db.constraint() == Some(constraint) {
                    return true;
                }
                db.message().to_owned()
            }
            DbError::Sqlite(e @ rusqlite::Error::SqliteFailure(..)) => e.to_string(),
            _ => return false,
        };
        message.contains(constraint)
            || (!sqlite_columns.is_empty() && message.contains(&format!("UNIQUE constraint failed: {sqlite_columns}")))
    }
}

type DbResult<T> = Result<T, DbError>;

/// The store's connections.
#[derive(Clone)]
pub enum Pool {
    Postgres(AnyPool),
    Sqlite(lite::Pool),
}

impl Pool {
    pub async fn acquire(&self) -> DbResult<Conn> {
        Ok(Conn(match self {
            Pool::Postgres(pool) => Link::Postgres(pool.acquire().await?),
            Pool::Sqlite(pool) => Link::Sqlite(pool.take()?),
        }))
    }

    pub async fn close(&self) {
        match self {
            Pool::Postgres(pool) => pool.close().await,
            Pool::Sqlite(pool) => pool.close(),
        }
    }
}

/// A connection taken from the pool; back to it when dropped.
pub struct Conn(Link);

/// A connection, to run statements on (`&mut *conn`).
pub enum Link {
    Postgres(PoolConnection<Any>),
    Sqlite(lite::Conn),
}

impl Link {
    /// Whether the connection can still be used (not closed after a failure).
    pub fn is_open(&self) -> bool {
        match self {
            Link::Postgres(_) => true,
            Link::Sqlite(conn) => conn.is_open(),
        }
    }

    /// Closes the connection when dropped instead of handing it back.
    pub fn close_on_drop(&mut self) {
        match self {
            Link::Postgres(conn) => conn.close_on_drop(),
            Link::Sqlite(conn) => conn.close_on_drop(),
        }
    }
}

impl Deref for Conn {
    type Target = Link;
    fn deref(&self) -> &Link {
        &self.0
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Link {
        &mut self.0
    }
}

/// Where a statement runs: any connection of the pool, or a given one.
pub enum Target<'a> {
    Pool(&'a Pool),
    Link(&'a mut Link),
}

impl<'a> From<&'a Pool> for Target<'a> {
    fn from(pool: &'a Pool) -> Self {
        Target::Pool(pool)
    }
}

impl<'a> From<&'a mut Link> for Target<'a> {
    fn from(link: &'a mut Link) -> Self {
        Target::Link(link)
    }
}

impl<'a> From<&'a mut Conn> for Target<'a> {
    fn from(conn: &'a mut Conn) -> Self {
        Target::Link(&mut conn.0)
    }
}

/// A statement with its arguments.
#[must_use]
pub struct Query {
    sql: Cow<'static, str>,
    args: Vec<Arg>,
}

/// A statement; `$1`, `$2`, ... are bound in order by `bind`.
pub fn query(sql: impl Into<Cow<'static, str>>) -> Query {
    Query {
        sql: sql.into(),
        args: Vec::new(),
    }
}

/// Statements without parameters, run one after the other.
pub async fn batch<'a>(sql: &str, to: impl Into<Target<'a>>) -> DbResult<()> {
    match to.into() {
        Target::Pool(Pool::Postgres(pool)) => sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(pool).await?,
        Target::Link(Link::Postgres(conn)) => {
            sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
                .execute(&mut **conn)
                .await?
        }
        Target::Pool(Pool::Sqlite(pool)) => return Ok(pool.take()?.batch(sql)?),
        Target::Link(Link::Sqlite(conn)) => return Ok(conn.batch(sql)?),
    };
    Ok(())
}

/// What a statement changed.
pub struct Done {
    rows: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows
    }
}

/// A row as the engine answered it.
pub enum Row {
    Postgres(AnyRow),
    Sqlite(LiteRow),
}

pub struct LiteRow {
    names: Arc<[String]>,
    values: Vec<Value>,
}

impl Query {
    pub fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub(super) fn with_args(sql: String, args: Vec<Arg>) -> Self {
        Query { sql: sql.into(), args }
    }

    fn sqlx(&self) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments> {
        let mut q = match &self.sql {
            Cow::Borrowed(s) => sqlx::query(*s),
            Cow::Owned(s) => sqlx::query(AssertSqlSafe(s.clone())),
        };
        for arg in &self.args {
            q = match arg {
                Arg::Text(t) => q.bind(t.as_str()),
                Arg::OptText(t) => q.bind(t.as_deref()),
                Arg::Int(i) => q.bind(*i),
                Arg::OptInt(i) => q.bind(*i),
                Arg::Bool(b) => q.bind(*b),
                Arg::Real(r) => q.bind(*r),
                Arg::OptReal(r) => q.bind(*r),
            };
        }
        q
    }

    /// Runs on SQLite, keeping at most `limit` rows.
    fn lite(&self, conn: &lite::Conn, limit: usize) -> DbResult<(Vec<Row>, u64)> {
        let out = conn.run(&self.sql, &self.args, limit)?;
        let rows = out
            .rows
            .into_iter()
            .map(|values| {
                Row::Sqlite(LiteRow {
                    names: Arc::clone(&out.names),
                    values,
                })
            })
            .collect();
        Ok((rows, out.changed))
    }

    pub async fn execute<'a>(self, to: impl Into<Target<'a>>) -> DbResult<Done> {
        let rows = match to.into() {
            Target::Pool(Pool::Postgres(pool)) => self.sqlx().execute(pool).await?.rows_affected(),
            Target::Link(Link::Postgres(conn)) => self.sqlx().execute(&mut **conn).await?.rows_affected(),
            Target::Pool(Pool::Sqlite(pool)) => self.lite(&pool.take()?, usize::MAX)?.1,
            Target::Link(Link::Sqlite(conn)) => self.lite(conn, usize::MAX)?.1,
        };
        Ok(Done { rows })
    }

    async fn fetch(self, to: Target<'_>, limit: usize) -> DbResult<Vec<Row>> {
        Ok(match to {
            Target::Pool(Pool::Postgres(pool)) => self.fetch_any(pool, limit).await?,
            Target::Link(Link::Postgres(conn)) => self.fetch_any(&mut **conn, limit).await?,
            Target::Pool(Pool::Sqlite(pool)) => self.lite(&pool.take()?, limit)?.0,
            Target::Link(Link::Sqlite(conn)) => self.lite(conn, limit)?.0,
        })
    }

    async fn fetch_any<'c>(&self, to: impl sqlx::Executor<'c, Database = Any>, limit: usize) -> DbResult<Vec<Row>> {
        let rows = if limit == 1 {
            self.sqlx().fetch_optional(to).await?.into_iter().collect()
        } else {
            self.sqlx().fetch_all(to).await?
        };
        Ok(rows.into_iter().map(Row::Postgres).collect())
    }

    pub async fn fetch_all<'a>(self, to: impl Into<Target<'a>>) -> DbResult<Vec<Row>> {
        self.fetch(to.into(), usize::MAX).await
    }

    pub async fn fetch_optional<'a>(self, to: impl Into<Target<'a>>) -> DbResult<Option<Row>> {
        Ok(self.fetch(to.into(), 1).await?.pop())
    }

    pub async fn fetch_one<'a>(self, to: impl Into<Target<'a>>) -> DbResult<Row> {
        self.fetch_optional(to).await?.ok_or(DbError::RowNotFound)
    }
}

/// A statement answering one column, decoded as `O`.
#[must_use]
pub struct Scalar<O> {
    query: Query,
    out: PhantomData<fn() -> O>,
}

pub fn query_scalar<O: Decode>(sql: impl Into<Cow<'static, str>>) -> Scalar<O> {
    Scalar {
        query: query(sql),
        out: PhantomData,
    }
}

impl<O: Decode> Scalar<O> {
    pub fn bind(self, arg: impl Into<Arg>) -> Self {
        Scalar {
            query: self.query.bind(arg),
            out: PhantomData,
        }
    }

    pub async fn fetch_all<'a>(self, to: impl Into<Target<'a>>) -> DbResult<Vec<O>> {
        self.query.fetch_all(to).await?.iter().map(|r| r.try_get(0)).collect()
    }

    pub async fn fetch_optional<'a>(self, to: impl Into<Target<'a>>) -> DbResult<Option<O>> {
        self.query.fetch_optional(to).await?.map(|r| r.try_get(0)).transpose()
    }

    pub async fn fetch_one<'a>(self, to: impl Into<Target<'a>>) -> DbResult<O> {
        self.query.fetch_one(to).await?.try_get(0)
    }
}

/// A column, by name or position.
pub trait Column: sqlx::ColumnIndex<AnyRow> + Copy + std::fmt::Display {
    fn position(self, names: &[String]) -> Option<usize>;
}

impl Column for &str {
    fn position(self, names: &[String]) -> Option<usize> {
        names.iter().position(|n| n == self)
    }
}

impl Column for usize {
    fn position(self, names: &[String]) -> Option<usize> {
        (self < names.len()).then_some(self)
    }
}

/// A type a column decodes to.
pub trait Decode: Sized + for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any> {
    /// From a SQLite value; `None` when the value is not of this type.
    fn from_sqlite(value: &Value) -> Option<Self>;
}

impl Decode for i64 {
    fn from_sqlite(value: &Value) -> Option<Self> {
        match value {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }
}

impl Decode for bool {
    fn from_sqlite(value: &Value) -> Option<Self> {
        i64::from_sqlite(value).map(|i| i != 0)
    }
}

impl Decode for f64 {
    fn from_sqlite(value: &Value) -> Option<Self> {
        match value {
            Value::Real(r) => Some(*r),
            Value::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl Decode for String {
    fn from_sqlite(value: &Value) -> Option<Self> {
        match value {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn from_sqlite(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::from_sqlite(other).map(Some),
        }
    }
}

impl Row {
    pub fn try_get<T: Decode, C: Column>(&self, column: C) -> DbResult<T> {
        match self {
            Row::Postgres(row) => Ok(sqlx::Row::try_get(row, column)?),
            Row::Sqlite(row) => {
                let fail = |message: &str| DbError::Decode {
                    column: column.to_string(),
                    message: message.to_owned(),
                };
                let i = column.position(&row.names).ok_or_else(|| fail("no such column"))?;
                T::from_sqlite(&row.values[i]).ok_or_else(|| fail(&format!("unexpected value {:?}", row.values[i])))
            }
        }
    }
}
