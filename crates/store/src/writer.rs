//! The write path: `WriteTx`, the one way to change the database.
//!
//! PostgreSQL: each `WriteTx` is a plain transaction on a connection of its own.
//!
//! SQLite has one writer at a time and pays one fsync per COMMIT, so writers share
//! transactions (group commit). Callers still take turns one at a time on one
//! connection, each inside its own SAVEPOINT within a transaction that stays open while
//! more callers wait for their turn:
//!
//! - `finish(Ok)` releases the caller's savepoint, gives up the turn, and waits until
//!   the COMMIT of the transaction holding its work has succeeded. Nothing is
//!   acknowledged before it is durable; if that COMMIT fails, every caller in it gets
//!   the error.
//! - `finish(Err)` rolls back to the caller's savepoint: the others' work is untouched.
//! - A `WriteTx` dropped unfinished (its future cancelled) cannot roll back in `drop`,
//!   so it leaves its savepoint marked; whoever takes the connection next rolls back to
//!   it before doing anything else, and a COMMIT never runs before that.
//! - Whenever rolling back to a savepoint fails, the state of the transaction is
//!   unknown: the whole transaction is rolled back and every caller waiting on it gets
//!   the error (none of them was acknowledged).
//! - Rows a caller appended to the timeline, outbox and ledger (see `journal`) join
//!   the batch when its savepoint is released and are written just before the COMMIT;
//!   a rolled-back caller's rows are dropped with it. Should writing them fail, or the
//!   committing task be cut short, the whole transaction rolls back.
//! - The transaction commits as soon as no caller is waiting for a turn; a caller
//!   that takes the turn and finds `MAX_BATCH` callers waiting on the COMMIT hands
//!   the turn to the COMMIT first and queues again. The COMMIT runs in a task of its
//!   own, so a cancelled caller cannot interrupt it. The writer keeps its connection
//!   (and with it a page cache no other connection's writes make stale).

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError};

use jiff::Timestamp;
use switchyard_core::Clock;
use tokio::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard, oneshot};

use crate::db::{self, Arg, Conn, Pool};
use crate::error::{StoreError, StoreResult};
use crate::journal::{Appends, Journal};

/// How many callers' work may wait on one SQLite COMMIT before it runs regardless of
/// callers still waiting for a turn.
const MAX_BATCH: usize = 64;

/// A write transaction. It derefs to its connection, so queries run as
/// `.execute(&mut **tx)`; end it with `finish`.
pub struct WriteTx {
    lane: Lane,
    /// When the caller's turn began, by the store's clock: the time its records are stamped with.
    now: Timestamp,
    /// Timeline, outbox and ledger rows, written when the transaction finishes.
    appends: Appends,
}

enum Lane {
    /// A turn in the shared SQLite transaction, inside the caller's savepoint.
    Sqlite(Turn),
    /// A PostgreSQL transaction of its own.
    Postgres(Plain),
}

impl Deref for WriteTx {
    type Target = Conn;
    fn deref(&self) -> &Self::Target {
        match &self.lane {
            Lane::Sqlite(turn) => &turn.conn,
            Lane::Postgres(plain) => &plain.conn,
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match &mut self.lane {
            Lane::Sqlite(turn) => &mut turn.conn,
            Lane::Postgres(plain) => &mut plain.conn,
        }
    }
}

impl WriteTx {
    /// When this transaction's turn began, by the store's clock.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub async fn commit(self) -> StoreResult<()> {
        self.finish(Ok(())).await
    }

    /// Undoes this transaction's work now, before the turn is given up.
    pub async fn rollback(self) {
        match self.lane {
            Lane::Sqlite(mut turn) => turn.undo().await,
            Lane::Postgres(plain) => plain.rollback().await,
        }
    }

    /// Appends a row to an append-only table; it is written when the transaction
    /// finishes (see `journal`).
    pub(crate) fn append(&mut self, table: Journal, row: Vec<Arg>) {
        self.appends.push(table, row);
    }

    /// Writes the rows appended so far now, for a row about to refer to one of them.
    pub(crate) async fn write_appends(&mut self) -> StoreResult<()> {
        let mut appends = std::mem::take(&mut self.appends);
        appends.write(self).await
    }

    /// Commits `result`'s work when it is `Ok` and answers once it is durable; rolls
    /// it back otherwise.
    /// A request run with an `Idempotency-Key` marks its key in the same
    /// transaction (see `idempotency`).
    pub async fn finish<T>(mut self, result: StoreResult<T>) -> StoreResult<T> {
        let result = match result {
            Ok(value) => crate::idempotency::mark_committed(&mut self).await.map(|()| value),
            Err(error) => Err(error),
        };
        match self.lane {
            Lane::Sqlite(turn) => turn.finish(result, self.appends).await,
            Lane::Postgres(plain) => plain.finish(result, self.appends).await,
        }
    }
}

/// A PostgreSQL transaction; dropped while `open`, its connection is closed, which
/// rolls it back.
struct Plain {
    conn: Conn,
    open: bool,
}

impl Drop for Plain {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}

impl Plain {
    async fn finish<T>(mut self, result: StoreResult<T>, mut appends: Appends) -> StoreResult<T> {
        let result = match result {
            Ok(value) => appends.write(&mut self.conn).await.map(|()| value),
            Err(error) => Err(error),
        };
        match result {
            Ok(value) => {
                db::batch("COMMIT", &mut self.conn).await?;
                self.open = false;
                Ok(value)
            }
            Err(error) => {
                self.rollback().await;
                Err(error)
            }
        }
    }

    async fn rollback(mut self) {
        match db::batch("ROLLBACK", &mut self.conn).await {
            Ok(()) => self.open = false,
            Err(error) => tracing::warn!(%error, "rollback failed; closing the connection"),
        }
    }
}

/// Begins a PostgreSQL transaction.
pub(crate) async fn postgres(pool: &Pool, clock: &dyn Clock) -> StoreResult<WriteTx> {
    let mut conn = pool.acquire().await?;
    db::batch("BEGIN", &mut conn).await?;
    Ok(WriteTx {
        lane: Lane::Postgres(Plain { conn, open: true }),
        now: clock.now(),
        appends: Appends::default(),
    })
}

/// The SQLite writer of one store: the connection callers take turns on, and the
/// transaction they share.
pub(crate) struct Group {
    pool: Pool,
    /// The writer's connection, held while a transaction is open or callers are
    /// still coming; locking it is taking the turn (first come, first served).
    conn: Arc<Mutex<Option<Conn>>>,
    /// Callers waiting for a turn.
    waiting: AtomicUsize,
    batch: std::sync::Mutex<Batch>,
}

#[derive(Default)]
struct Batch {
    /// While a transaction is open: whom to tell how its COMMIT went.
    members: Option<Vec<oneshot::Sender<Result<(), String>>>>,
    /// The timeline, outbox and ledger rows of the callers whose work is in the open
    /// transaction, written just before its COMMIT.
    appends: Appends,
    /// The savepoint of a caller dropped mid-work, not yet rolled back.
    undo: Option<String>,
    /// A ROLLBACK of the whole transaction was cut short: the next user repeats it.
    rollback: bool,
    savepoints: u64,
}

impl Group {
    pub(crate) fn new(pool: Pool) -> Arc<Group> {
        Arc::new(Group {
            pool,
            conn: Arc::new(Mutex::new(None)),
            waiting: AtomicUsize::new(0),
            batch: std::sync::Mutex::new(Batch::default()),
        })
    }

    fn batch(&self) -> std::sync::MutexGuard<'_, Batch> {
        self.batch.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits for the turn and opens a savepoint for the caller, beginning a
    /// transaction when none is open.
    pub(crate) async fn begin(self: &Arc<Self>, clock: &dyn Clock) -> StoreResult<WriteTx> {
        let waiting = Waiting::enter(self);
        let mut slot = Arc::clone(&self.conn).lock_owned().await;
        while self.full() {
            // The full batch commits now, in a task that keeps the turn; this caller
            // queues again behind the ones already waiting.
            let group = Arc::clone(self);
            tokio::spawn(async move { group.commit(slot).await });
            slot = Arc::clone(&self.conn).lock_owned().await;
        }
        waiting.served();
        if !slot.as_ref().is_some_and(|conn| conn.is_open()) {
            *slot = Some(self.pool.acquire().await?);
        }
        let conn = OwnedMutexGuard::try_map(slot, Option::as_mut)
            .map_err(|_| StoreError::Config("the writer has no connection".into()))?;
        // From here on, dropping the turn hands the connection on properly.
        let mut turn = Turn {
            group: Arc::clone(self),
            conn,
            savepoint: None,
        };
        self.settle(&mut turn.conn).await;
        let name = {
            let mut batch = self.batch();
            batch.savepoints += 1;
            format!("w{}", batch.savepoints)
        };
        if self.batch().members.is_none() {
            // Marked open first: should this BEGIN be cut short, it still gets a COMMIT.
            self.batch().members = Some(Vec::new());
            if let Err(error) = db::batch("BEGIN IMMEDIATE", &mut **turn.conn).await {
                self.batch().members = None;
                return Err(error.into());
            }
        }
        turn.savepoint = Some(name.clone());
        db::batch(&format!("SAVEPOINT {name}"), &mut **turn.conn).await?;
        Ok(WriteTx {
            lane: Lane::Sqlite(turn),
            now: clock.now(),
            appends: Appends::default(),
        })
    }

    /// Sets how the writer's COMMITs reach the disk: `full` (the default: each waits
    /// for its fsync, so an acknowledged write survives power loss) or not (WAL with
    /// `synchronous=NORMAL`: a power cut may lose the last commits, never corrupt the
    /// file). Taken as a turn between transactions. A writer connection opened later
    /// (after an error) is `full` again.
    pub(crate) async fn set_durable(&self, full: bool) -> StoreResult<()> {
        let mut slot = Arc::clone(&self.conn).lock_owned().await;
        if !slot.as_ref().is_some_and(|conn| conn.is_open()) {
            *slot = Some(self.pool.acquire().await?);
        }
        let Some(conn) = slot.as_mut() else {
            return Err(StoreError::Config("the writer has no connection".into()));
        };
        self.settle(conn).await;
        if self.batch().members.is_some() {
            return Err(StoreError::Config("a write transaction is open".into()));
        }
        let level = if full { "FULL" } else { "NORMAL" };
        db::batch(&format!("PRAGMA synchronous = {level}"), &mut *conn).await?;
        Ok(())
    }

    /// Finishes what a caller that was dropped mid-way left undone.
    async fn settle(&self, conn: &mut Conn) {
        let (undo, rollback) = {
            let mut batch = self.batch();
            (batch.undo.take(), batch.rollback)
        };
        if rollback {
            self.abort(conn, "the batch was rolled back".into()).await;
        } else if let Some(name) = undo {
            self.roll_back_to(conn, &name).await;
        }
    }

    /// Undoes one caller's work; if that fails, the whole transaction.
    async fn roll_back_to(&self, conn: &mut Conn, savepoint: &str) {
        if let Err(error) = db::batch(&format!("ROLLBACK TO {savepoint}; RELEASE {savepoint}"), &mut *conn).await {
            tracing::warn!(%error, "rollback to a savepoint failed; rolling back the whole batch");
            self.abort(conn, format!("the batch was rolled back: {error}")).await;
        }
    }

    /// Rolls back the open transaction; everyone waiting on it gets `reason`.
    async fn abort(&self, conn: &mut Conn, reason: String) {
        let members = {
            let mut batch = self.batch();
            batch.rollback = true;
            batch.appends = Appends::default();
            batch.members.take()
        };
        if let Err(error) = db::batch("ROLLBACK", &mut *conn).await {
            // Usually SQLite has rolled back on its own already; if not, closing the
            // connection does.
            tracing::warn!(%error, "rollback failed; closing the writer's connection");
            conn.close_on_drop();
        }
        self.batch().rollback = false;
        for member in members.into_iter().flatten() {
            // A member that stopped waiting needs no answer.
            let _ = member.send(Err(reason.clone()));
        }
    }

    fn full(&self) -> bool {
        self.batch().members.as_ref().is_some_and(|m| m.len() >= MAX_BATCH)
    }

    /// After a turn: commit now, in a task of its own, when nobody else is waiting
    /// for a turn (a full batch is committed by the next caller to take the turn).
    fn after_turn(self: &Arc<Self>) {
        if self.waiting.load(Ordering::SeqCst) == 0 {
            self.spawn_flush();
        }
    }

    fn spawn_flush(self: &Arc<Self>) {
        let group = Arc::clone(self);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { group.flush().await });
            }
            Err(_) => tracing::warn!("no runtime to commit the write batch on"),
        }
    }

    /// Takes the turn and commits.
    async fn flush(self: Arc<Self>) {
        let slot = Arc::clone(&self.conn).lock_owned().await;
        self.commit(slot).await;
    }

    /// Commits the open transaction.
    async fn commit(&self, mut slot: OwnedMutexGuard<Option<Conn>>) {
        let Some(conn) = slot.as_mut() else { return };
        self.settle(conn).await;
        if self.batch().members.is_some() {
            let mut appends = {
                let mut batch = self.batch();
                // Cut short from here on (its task dropped), the transaction has lost
                // rows its members wrote: the next user rolls it back.
                batch.rollback = true;
                std::mem::take(&mut batch.appends)
            };
            let committed = match appends.write(conn).await {
                Ok(()) => db::batch("COMMIT", &mut *conn)
                    .await
                    .map_err(|error| format!("the batch did not commit: {error}")),
                Err(error) => Err(format!(
                    "the batch's timeline, outbox and ledger rows were not written: {error}"
                )),
            };
            match committed {
                Ok(()) => {
                    let members = {
                        let mut batch = self.batch();
                        batch.rollback = false;
                        batch.members.take()
                    };
                    for member in members.into_iter().flatten() {
                        let _ = member.send(Ok(()));
                    }
                }
                Err(reason) => self.abort(conn, reason).await,
            }
        }
        // The writer keeps its connection, and with it a page cache no other
        // connection's writes have made stale; one closed on a failure is replaced.
        if slot.as_ref().is_some_and(|conn| !conn.is_open()) {
            *slot = None;
        }
    }
}

/// A caller waiting for the turn. One that gives up while waiting may have been the
/// one a finished caller counted on to commit; if no one else waits, it commits.
struct Waiting<'a> {
    group: &'a Arc<Group>,
    served: bool,
}

impl<'a> Waiting<'a> {
    fn enter(group: &'a Arc<Group>) -> Self {
        group.waiting.fetch_add(1, Ordering::SeqCst);
        Waiting { group, served: false }
    }

    fn served(mut self) {
        self.served = true;
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.group.waiting.fetch_sub(1, Ordering::SeqCst) == 1 && !self.served {
            self.group.spawn_flush();
        }
    }
}

/// A caller's turn on the SQLite writer, inside its own savepoint.
struct Turn {
    group: Arc<Group>,
    conn: OwnedMappedMutexGuard<Option<Conn>, Conn>,
    /// The caller's savepoint while its work is neither released nor rolled back.
    savepoint: Option<String>,
}

impl Turn {
    /// Releases the caller's savepoint and hands its appended rows to the batch, or
    /// rolls its work back; then waits for the batch's COMMIT.
    async fn finish<T>(mut self, result: StoreResult<T>, appends: Appends) -> StoreResult<T> {
        let value = match result {
            Ok(value) => value,
            Err(error) => {
                self.undo().await;
                return Err(error);
            }
        };
        if let Some(name) = &self.savepoint {
            if let Err(error) = db::batch(&format!("RELEASE {name}"), &mut **self.conn).await {
                self.undo().await;
                return Err(error.into());
            }
            self.savepoint = None;
        }
        let (sender, committed) = oneshot::channel();
        {
            let mut batch = self.group.batch();
            batch.appends.extend(appends);
            if let Some(members) = &mut batch.members {
                members.push(sender);
            }
        }
        // Gives up the turn; the COMMIT comes from the last caller in line.
        drop(self);
        match committed.await {
            Ok(Ok(())) => Ok(value),
            Ok(Err(reason)) => Err(StoreError::NotCommitted(reason)),
            Err(_) => Err(StoreError::NotCommitted("the batch ended before it committed".into())),
        }
    }

    /// Rolls back the caller's work; the turn stays taken until dropped. The savepoint
    /// is forgotten only once rolled back, so a cut-short rollback is redone.
    async fn undo(&mut self) {
        if let Some(name) = self.savepoint.clone() {
            self.group.roll_back_to(&mut self.conn, &name).await;
            self.savepoint = None;
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(name) = self.savepoint.take() {
            self.group.batch().undo = Some(name);
        }
        self.group.after_turn();
    }
}

#[cfg(test)]
mod tests;
