//! SQLite, called directly: statements run on the calling thread against a
//! connection of a small pool, prepared once per connection and cached.
//!
//! Why not through sqlx: its SQLite driver runs each connection on a worker thread of
//! its own, so every statement is a round trip between threads (two wake-ups). A
//! placement is some thirty statements; those hand-offs, not SQLite, were most of its
//! CPU time. Here a statement costs what SQLite costs: a cached prepared statement, a
//! few binds and steps.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::OpenFlags;
use rusqlite::types::{Value, ValueRef};

use super::Arg;

/// How many prepared statements each connection keeps: every distinct query text the
/// store runs, with room to spare (multi-row INSERTs come in ten sizes per table).
const STATEMENT_CACHE: usize = 512;
/// Idle connections kept for reuse; statements run without awaiting, so at most one
/// per runtime thread is busy at a time, plus the writer's and those held across awaits.
const IDLE: usize = 16;
/// The write-ahead log is copied back into the database file (a checkpoint, inside
/// the COMMIT that crosses the mark) each time it has grown by this many pages, 16 MB.
/// A page changed again and again between checkpoints is copied once, so fewer, larger
/// checkpoints copy less: against SQLite's default of 1,000 pages, placements ran 7 %
/// faster at the same p99 (docs/benchmarks.md).
const CHECKPOINT_PAGES: u32 = 4000;
/// A statement that takes this long is logged as a warning.
const SLOW: Duration = Duration::from_secs(1);

/// Connections to one database file.
#[derive(Clone)]
pub struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    path: String,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl Pool {
    /// Opens (and creates when missing) the database at `path`, in WAL mode with
    /// `synchronous=FULL`.
    pub fn open(path: &str) -> rusqlite::Result<Pool> {
        let pool = Pool {
            shared: Arc::new(Shared {
                path: path.to_owned(),
                idle: Mutex::new(Vec::new()),
            }),
        };
        let first = pool.connect()?;
        pool.give(first);
        Ok(pool)
    }

    fn connect(&self) -> rusqlite::Result<rusqlite::Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = rusqlite::Connection::open_with_flags(&self.shared.path, flags)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
        )?;
        conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(conn)
    }

    /// An idle connection, or a new one.
    pub fn take(&self) -> rusqlite::Result<Conn> {
        let idle = self.shared.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.connect()?,
        };
        Ok(Conn {
            conn: Some(conn),
            pool: self.clone(),
        })
    }

    fn give(&self, conn: rusqlite::Connection) {
        let mut idle = self.shared.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE {
            idle.push(conn);
        }
    }

    /// Closes the idle connections.
    pub fn close(&self) {
        self.shared.idle.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// A connection taken from a pool; it goes back when dropped.
pub struct Conn {
    conn: Option<rusqlite::Connection>,
    pool: Pool,
}

impl Conn {
    fn get(&self) -> rusqlite::Result<&rusqlite::Connection> {
        self.conn.as_ref().ok_or_else(|| {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISUSE),
                Some("the connection was closed".into()),
            )
        })
    }

    pub fn is_open(&self) -> bool {
        self.conn.is_some()
    }

    /// Closes the connection instead of handing it back (its state is unknown).
    pub fn close_on_drop(&mut self) {
        self.conn = None;
    }

    /// Runs `sql` with `args` bound to `$1`, `$2`, ... and answers its rows (at most
    /// `limit`) and how many rows it changed.
    pub fn run(&self, sql: &str, args: &[Arg], limit: usize) -> rusqlite::Result<Output> {
        logged(sql, || run(self.get()?, sql, args, limit))
    }

    /// Runs statements without parameters, one after the other.
    pub fn batch(&self, sql: &str) -> rusqlite::Result<()> {
        logged(sql, || self.get()?.execute_batch(sql))
    }
}

/// Runs `statement`, logging `sql` at debug level (`switchyard_store::sql`) with how
/// long it took, and at warn level when it took a second or more.
fn logged<T>(sql: &str, statement: impl FnOnce() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let started = Instant::now();
    let output = statement();
    let elapsed = started.elapsed();
    if elapsed >= SLOW {
        tracing::warn!(target: "switchyard_store::sql", ?elapsed, sql, "slow statement");
    } else {
        tracing::debug!(target: "switchyard_store::sql", ?elapsed, sql);
    }
    output
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A connection left inside a transaction (a cancelled caller's) must not
            // be reused as if it were clean.
            if conn.is_autocommit() {
                self.pool.give(conn);
            }
        }
    }
}

/// What a statement answered.
pub struct Output {
    pub names: Arc<[String]>,
    pub rows: Vec<Vec<Value>>,
    pub changed: u64,
}

fn run(conn: &rusqlite::Connection, sql: &str, args: &[Arg], limit: usize) -> rusqlite::Result<Output> {
    let mut stmt = conn.prepare_cached(sql)?;
    for (i, arg) in args.iter().enumerate() {
        if let Some(index) = stmt.parameter_index(&format!("${}", i + 1))? {
            match arg {
                Arg::Text(t) => stmt.raw_bind_parameter(index, t.as_str())?,
                Arg::OptText(t) => stmt.raw_bind_parameter(index, t.as_deref())?,
                Arg::Int(i) => stmt.raw_bind_parameter(index, i)?,
                Arg::OptInt(i) => stmt.raw_bind_parameter(index, i)?,
                Arg::Bool(b) => stmt.raw_bind_parameter(index, b)?,
                Arg::Real(r) => stmt.raw_bind_parameter(index, r)?,
                Arg::OptReal(r) => stmt.raw_bind_parameter(index, r)?,
            }
        }
    }
    let names: Arc<[String]> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let width = names.len();
    let mut rows = Vec::new();
    let mut cursor = stmt.raw_query();
    // All of a statement's changes are made by its first step, RETURNING or not.
    while rows.len() < limit {
        let Some(row) = cursor.next()? else { break };
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(match row.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(i) => Value::Integer(i),
                ValueRef::Real(r) => Value::Real(r),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            });
        }
        rows.push(values);
    }
    drop(cursor);
    // SQLite counts the changes of the last INSERT, UPDATE or DELETE; a read changes
    // nothing, whatever ran before it.
    let changed = if stmt.readonly() { 0 } else { conn.changes() };
    Ok(Output { names, rows, changed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_reports_its_own_changes_and_a_read_none() {
        let path = std::env::temp_dir().join(format!("switchyard-lite-{}.db", std::process::id()));
        let pool = Pool::open(path.to_str().unwrap()).unwrap();
        let conn = pool.take().unwrap();
        conn.batch("CREATE TABLE t (x INTEGER NOT NULL)").unwrap();
        let insert = conn.run(
            "INSERT INTO t (x) VALUES ($1), ($2)",
            &[Arg::Int(1), Arg::Int(2)],
            usize::MAX,
        );
        assert_eq!(insert.unwrap().changed, 2);
        let read = conn
            .run("SELECT x FROM t WHERE x >= $1 ORDER BY x", &[Arg::Int(2)], usize::MAX)
            .unwrap();
        assert_eq!((read.changed, read.rows), (0, vec![vec![Value::Integer(2)]]));
        let limited = conn.run("SELECT x FROM t ORDER BY x", &[], 1).unwrap();
        assert_eq!(limited.rows, vec![vec![Value::Integer(1)]]);
        let none = conn
            .run("UPDATE t SET x = 3 WHERE x = $1", &[Arg::Int(9)], usize::MAX)
            .unwrap();
        assert_eq!(none.changed, 0);
        drop(conn);
        pool.close();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
