//! Writers that share one SQLite transaction: what each caller's outcome does to
//! the others'. Callers are lined up behind a held turn, so they share a batch
//! by construction; nothing here depends on timing.

use std::sync::Arc;

use switchyard_core::SystemClock;
use tokio::task::JoinHandle;

use super::*;
use crate::Store;
use crate::testing::TempDb;

/// What a queued caller does with its turn after writing its row.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Then {
    Commit,
    Fail,
    Drop,
}

/// Writes a counter row and appends an outbox message, both named `name`.
async fn write_row(tx: &mut WriteTx, name: &str) {
    db::query("INSERT INTO counter (name, value) VALUES ($1, 1)")
        .bind(name)
        .execute(&mut ***tx)
        .await
        .unwrap();
    let now = tx.now();
    crate::outbox::enqueue(tx, now, "test.row", name, &serde_json::json!({}));
}

fn caller(store: &Store, name: String, then: Then) -> JoinHandle<StoreResult<()>> {
    let store = store.clone();
    tokio::spawn(async move {
        let mut tx = store.write().await?;
        write_row(&mut tx, &name).await;
        match then {
            Then::Commit => tx.finish(Ok(())).await,
            Then::Fail => tx.finish(Err(StoreError::invalid("/", "no", "refused"))).await,
            Then::Drop => {
                drop(tx);
                Ok(())
            }
        }
    })
}

/// Waits (without timing anything) until `n` callers wait for the turn.
async fn until_waiting(store: &Store, n: usize) {
    let group = store.group.as_ref().unwrap();
    while group.waiting.load(Ordering::SeqCst) < n {
        tokio::task::yield_now().await;
    }
}

async fn rows(store: &Store) -> Vec<String> {
    db::query_scalar("SELECT name FROM counter WHERE name LIKE 'w-%' ORDER BY name")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

/// The names of the outbox messages `write_row` appended, in the order written.
async fn messages(store: &Store) -> Vec<String> {
    db::query_scalar("SELECT aggregate_id FROM outbox_message WHERE topic = 'test.row' ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_and_dropped_callers_take_only_their_own_work_with_them() {
    let db = TempDb::open(Arc::new(SystemClock)).await;
    let store = &db.store;
    let mut first = store.write().await.unwrap();
    write_row(&mut first, "w-00").await;
    let plan = [
        Then::Commit,
        Then::Fail,
        Then::Commit,
        Then::Drop,
        Then::Commit,
        Then::Fail,
        Then::Drop,
        Then::Commit,
    ];
    let mut callers = Vec::new();
    for (i, then) in plan.iter().enumerate() {
        callers.push((*then, caller(store, format!("w-{:02}", i + 1), *then)));
        until_waiting(store, i + 1).await;
    }
    first.finish(Ok(())).await.unwrap();
    let mut expected = vec!["w-00".to_owned()];
    for (i, (then, handle)) in callers.into_iter().enumerate() {
        let outcome = handle.await.unwrap();
        match then {
            Then::Commit => {
                outcome.unwrap();
                expected.push(format!("w-{:02}", i + 1));
            }
            Then::Fail => assert!(matches!(outcome, Err(StoreError::Invalid(_)))),
            Then::Drop => outcome.unwrap(),
        }
    }
    assert_eq!(rows(store).await, expected);
    // Appended rows go with their caller's work: written for the ones that
    // committed, in their order, and for no one else.
    assert_eq!(messages(store).await, expected);
    // The writer is free again and the books are whole.
    let mut tx = store.write().await.unwrap();
    write_row(&mut tx, "w-99").await;
    tx.finish(Ok(())).await.unwrap();
    assert_eq!(rows(store).await.last().map(String::as_str), Some("w-99"));
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_batch_commits_before_the_next_caller_works() {
    let db = TempDb::open(Arc::new(SystemClock)).await;
    let store = &db.store;
    let mut first = store.write().await.unwrap();
    write_row(&mut first, "w-000").await;
    let mut callers = Vec::new();
    for i in 1..MAX_BATCH {
        callers.push(caller(store, format!("w-{i:03}"), Then::Commit));
        until_waiting(store, i).await;
    }
    // The next caller finds the batch full: everything before it is durable
    // (visible outside the writer) by the time it works.
    let last = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.write().await?;
            let committed = rows(&store).await.len();
            write_row(&mut tx, "w-last").await;
            tx.finish(Ok(committed)).await
        })
    };
    until_waiting(store, MAX_BATCH).await;
    first.finish(Ok(())).await.unwrap();
    for handle in callers {
        handle.await.unwrap().unwrap();
    }
    assert_eq!(last.await.unwrap().unwrap(), MAX_BATCH);
    assert_eq!(rows(store).await.len(), MAX_BATCH + 1);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_cancelled_mid_work_is_rolled_back_before_the_next_one_runs() {
    let db = TempDb::open(Arc::new(SystemClock)).await;
    let store = &db.store;
    let first = store.write().await.unwrap();
    // Writes its row, then never finishes: its task is cancelled mid-work.
    let (written, wrote) = oneshot::channel();
    let stuck = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.write().await.unwrap();
            write_row(&mut tx, "w-cancelled").await;
            let _ = written.send(());
            std::future::pending::<()>().await;
            drop(tx);
        })
    };
    until_waiting(store, 1).await;
    // `first` waits on the batch, which cannot commit while `stuck` holds the turn.
    let first = tokio::spawn(first.finish(Ok(())));
    wrote.await.unwrap();
    let next = caller(store, "w-next".into(), Then::Commit);
    until_waiting(store, 1).await;
    stuck.abort();
    assert!(stuck.await.unwrap_err().is_cancelled());
    next.await.unwrap().unwrap();
    first.await.unwrap().unwrap();
    assert_eq!(rows(store).await, ["w-next"]);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_gives_up_waiting_does_not_strand_the_batch() {
    let db = TempDb::open(Arc::new(SystemClock)).await;
    let store = &db.store;
    let mut first = store.write().await.unwrap();
    write_row(&mut first, "w-first").await;
    let waiter = caller(store, "w-gave-up".into(), Then::Commit);
    until_waiting(store, 1).await;
    // `first` gives up the turn counting on the waiter to commit, and the waiter is
    // cancelled: before or after it gets the turn, whichever comes first here.
    let finished = {
        let store = store.clone();
        tokio::spawn(async move {
            let outcome = first.finish(Ok(())).await;
            (outcome, rows(&store).await)
        })
    };
    waiter.abort();
    let (outcome, rows_then) = finished.await.unwrap();
    outcome.unwrap();
    assert!(rows_then.contains(&"w-first".to_owned()));
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_commit_fails_every_caller_in_the_batch_is_told() {
    let db = TempDb::open(Arc::new(SystemClock)).await;
    let store = &db.store;
    db::batch(
        "CREATE TABLE parent (id TEXT PRIMARY KEY); \
         CREATE TABLE child (parent_id TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
        store.pool(),
    )
    .await
    .unwrap();
    let mut first = store.write().await.unwrap();
    write_row(&mut first, "w-innocent").await;
    // Breaks a deferred foreign key: only the COMMIT can notice.
    let breaker = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut tx = store.write().await?;
            db::query("INSERT INTO child (parent_id) VALUES ('nobody')")
                .execute(&mut **tx)
                .await?;
            tx.finish(Ok(())).await
        })
    };
    until_waiting(store, 1).await;
    let innocent = first.finish(Ok(())).await;
    assert!(matches!(innocent, Err(StoreError::NotCommitted(_))), "{innocent:?}");
    let broken = breaker.await.unwrap();
    assert!(matches!(broken, Err(StoreError::NotCommitted(_))), "{broken:?}");
    assert!(rows(store).await.is_empty());
    // The next batch starts clean.
    let mut tx = store.write().await.unwrap();
    write_row(&mut tx, "w-after").await;
    tx.finish(Ok(())).await.unwrap();
    assert_eq!(rows(store).await, ["w-after"]);
    db.close().await;
}

/// The writer connection's `synchronous` level, read inside a write turn: 2 is FULL
/// (each COMMIT waits for fsync), 1 is NORMAL.
async fn synchronous(store: &Store) -> i64 {
    let mut tx = store.write().await.unwrap();
    let level: i64 = db::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut **tx)
        .await
        .unwrap();
    tx.finish(Ok(())).await.unwrap();
    level
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_load_commits_without_waiting_for_the_disk_and_then_durably_again() {
    let db = TempDb::open(Arc::new(SystemClock)).await;
    let store = &db.store;
    assert_eq!(synchronous(store).await, 2, "durable by default");
    store.set_durable_commits(false).await.unwrap();
    assert_eq!(synchronous(store).await, 1);
    caller(store, "w-01".into(), Then::Commit).await.unwrap().unwrap();
    store.set_durable_commits(true).await.unwrap();
    assert_eq!(synchronous(store).await, 2);
    caller(store, "w-02".into(), Then::Commit).await.unwrap().unwrap();
    assert_eq!(rows(store).await, ["w-01", "w-02"]);
}
