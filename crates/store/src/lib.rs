//! Switchyard's persistence. One schema and one set of queries serve SQLite (the
//! embedded default, called directly through rusqlite) and PostgreSQL (through sqlx);
//! `db` runs a query on either, and where the dialects differ the `Backend` says so.
//! Writes go through `Store::write`, which on SQLite
//! serialises writers inside the process (their transactions start `IMMEDIATE`, so no
//! write ever waits on a lock held by a reader) and commits concurrent writers
//! together, one fsync for many.

/// Runs `$body` in a write transaction of `$store` with `$tx: &mut WriteTx`, and
/// commits what it did, or rolls it back when it fails (`?` inside the body fails the
/// transaction, not the caller). A transaction that lost a race (`concurrent_update`,
/// a serialisation failure or deadlock on PostgreSQL, a busy SQLite) runs again from
/// the start after a random pause that grows with each attempt, for up to 5 s
/// (`retry::Backoff`), so the body must read everything it decides on inside the
/// transaction. Evaluates to the body's result.
///
/// A macro rather than a function taking an async closure: the closure's future would
/// have to be `Send` for every borrow of the transaction, which the compiler cannot
/// yet prove for the handlers' futures.
macro_rules! transact {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let mut backoff = $crate::retry::Backoff::new();
        loop {
            let mut guard = $store.write().await?;
            let result = {
                let $tx: &mut $crate::WriteTx = &mut guard;
                async { $body }.await
            };
            match guard.finish(result).await {
                Err(e) if e.is_contention() && backoff.wait().await => continue,
                other => break other,
            }
        }
    }};
}

pub mod api_key;
pub mod atp;
pub mod catalog;
pub mod check;
pub mod connection;
pub mod dashboard;
pub mod db;
pub mod error;
pub mod feedback;
pub mod forecast;
pub mod idempotency;
pub mod inventory;
mod journal;
pub mod link;
pub mod order;
pub mod outbox;
pub mod page;
pub mod payment;
pub mod purchase;
pub mod replenish;
pub mod report;
mod retry;
pub mod returns;
mod routing;
pub mod saved_view;
pub mod shipment;
pub mod stats;
pub mod stock_sync;
pub mod stock_view;
#[cfg(test)]
mod testing;
pub mod user;
pub mod webhook;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::Connection;
use sqlx::any::AnyPoolOptions;
use switchyard_core::Clock;

pub use error::{StoreError, StoreResult};
pub use page::{Page, PageRequest};
pub use writer::WriteTx;

/// Which database engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database and the clock every write is stamped with.
#[derive(Clone)]
pub struct Store {
    pool: db::Pool,
    backend: Backend,
    /// Where the database is, as given.
    url: Arc<str>,
    /// SQLite's one writer, which commits concurrent writes together.
    group: Option<Arc<writer::Group>>,
    keys: Arc<api_key::KeyCache>,
    clock: Arc<dyn Clock>,
}

/// The file a `sqlite:` URL names. Every connection opens the same file, so an
/// in-memory database (one per connection) is refused, and so are URL options: the
/// store sets the connection's options itself.
fn sqlite_path(url: &str) -> StoreResult<&str> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    if path.is_empty() || path.contains(":memory:") || path.contains("mode=memory") {
        return Err(StoreError::Config(format!(
            "{url:?} is not a database file: use sqlite://FILE"
        )));
    }
    if path.contains('?') {
        return Err(StoreError::Config(format!(
            "{url:?}: options in a SQLite URL are not supported (the store sets WAL, synchronous=FULL \
             and the rest itself): use sqlite://FILE"
        )));
    }
    Ok(path)
}

impl Store {
    /// Connects to `url` (`sqlite://path` or `postgres://...`). A SQLite file is created
    /// when missing and opened in WAL mode with `synchronous=FULL`: an acknowledged
    /// write survives power loss.
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL {url:?}: use sqlite://FILE or postgres://..."
            )));
        };
        let pool = match backend {
            Backend::Sqlite => db::Pool::Sqlite(db::lite::Pool::open(sqlite_path(url)?)?),
            Backend::Postgres => db::Pool::Postgres(
                AnyPoolOptions::new()
                    .max_connections(16)
                    // No ping before every use: it is a network round trip per acquire
                    // (a placement acquires a dozen times). A connection that broke
                    // fails its next query, which answers an error that acknowledges
                    // nothing, and is not reused; idle ones are closed before a server
                    // or proxy would drop them.
                    .test_before_acquire(false)
                    .idle_timeout(Duration::from_secs(300))
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await?,
            ),
        };
        let group = (backend == Backend::Sqlite).then(|| writer::Group::new(pool.clone()));
        Ok(Store {
            pool,
            backend,
            url: url.into(),
            group,
            keys: Arc::default(),
            clock,
        })
    }

    /// Applies the migrations that have not run yet (through sqlx, on a connection of
    /// their own).
    pub async fn migrate(&self) -> StoreResult<()> {
        let failed = |e: sqlx::migrate::MigrateError| StoreError::Config(format!("migration failed: {e}"));
        let mut conn = match &self.pool {
            db::Pool::Postgres(pool) => pool.acquire().await?.detach(),
            db::Pool::Sqlite(_) => sqlx::AnyConnection::connect(&self.url).await?,
        };
        // The portable schema, for both backends.
        let mut shared = sqlx::migrate!("./migrations");
        shared.set_ignore_missing(true);
        shared.run(&mut conn).await.map_err(failed)?;
        // What only one backend has, numbered apart so the sets never clash:
        // PostgreSQL's sequences and trigram indexes from 1001, SQLite's full-text
        // index from 2001.
        let mut own = match self.backend {
            Backend::Postgres => sqlx::migrate!("./migrations-postgres"),
            Backend::Sqlite => sqlx::migrate!("./migrations-sqlite"),
        };
        own.set_ignore_missing(true);
        own.run(&mut conn).await.map_err(failed)?;
        conn.close().await?;
        Ok(())
    }

    /// A store on the same database whose writes are stamped by another clock.
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> Store {
        Store { clock, ..self.clone() }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn pool(&self) -> &db::Pool {
        &self.pool
    }

    /// Succeeds when the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        db::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// For loading much history at once (the demo): on SQLite, `false` stops the
    /// writer's commits from waiting for fsync until it is set `true` again (see
    /// `writer::Group::set_durable`); on PostgreSQL it changes nothing.
    pub async fn set_durable_commits(&self, full: bool) -> StoreResult<()> {
        match &self.group {
            Some(group) => group.set_durable(full).await,
            None => Ok(()),
        }
    }

    /// Begins a write transaction: on SQLite a turn in the transaction concurrent
    /// writers share (see `writer`), on PostgreSQL a transaction of its own.
    pub async fn write(&self) -> StoreResult<WriteTx> {
        match &self.group {
            Some(group) => group.begin(self.clock.as_ref()).await,
            None => writer::postgres(&self.pool, self.clock.as_ref()).await,
        }
    }
}

impl Store {
    /// Whether a named marker (e.g. "demo loaded") was set.
    pub async fn has_marker(&self, name: &str) -> StoreResult<bool> {
        let found: Option<i64> = db::query_scalar("SELECT value FROM counter WHERE name = $1")
            .bind(format!("marker:{name}"))
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }

    /// Whether the database holds nothing but its schema: no API key, location,
    /// channel, product, shipping zone, order or purchase order (all else hangs off them).
    pub async fn is_empty(&self) -> StoreResult<bool> {
        for table in [
            "api_key",
            "location",
            "channel",
            "product",
            "shipping_zone",
            "sales_order",
            "purchase_order",
        ] {
            let found = db::query(format!("SELECT 1 FROM {table} LIMIT 1"))
                .fetch_optional(&self.pool)
                .await?;
            if found.is_some() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Sets a named marker; setting it twice is harmless.
    pub async fn set_marker(&self, name: &str) -> StoreResult<()> {
        let mut tx = self.write().await?;
        let result = db::query("INSERT INTO counter (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(format!("marker:{name}"))
            .bind(db::micros(self.now()))
            .execute(&mut **tx)
            .await
            .map(|_| ())
            .map_err(StoreError::from);
        tx.finish(result).await
    }
}

#[cfg(test)]
mod tests {
    use super::sqlite_path;

    #[test]
    fn a_sqlite_url_names_a_file_or_is_refused_with_why() {
        assert_eq!(sqlite_path("sqlite://shop.db").unwrap(), "shop.db");
        assert_eq!(sqlite_path("sqlite:shop.db").unwrap(), "shop.db");
        assert_eq!(sqlite_path("sqlite:///var/lib/shop.db").unwrap(), "/var/lib/shop.db");
        for url in [
            "sqlite::memory:",
            "sqlite://",
            "sqlite://shop.db?mode=memory&cache=shared",
        ] {
            let error = sqlite_path(url).unwrap_err().to_string();
            assert!(error.contains("not a database file"), "{url}: {error}");
        }
        let error = sqlite_path("sqlite://shop.db?mode=ro").unwrap_err().to_string();
        assert!(error.contains("options in a SQLite URL are not supported"), "{error}");
    }
}
