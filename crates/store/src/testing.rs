//! A migrated SQLite store in a file of its own, for the store's unit tests.

use std::path::PathBuf;
use std::sync::Arc;

use switchyard_core::id::EventId;
use switchyard_core::{Clock, SystemClock};

use crate::Store;

pub struct TempDb {
    pub store: Store,
    path: PathBuf,
}

impl TempDb {
    pub async fn open(clock: Arc<dyn Clock>) -> TempDb {
        let name = EventId::new_at(SystemClock.now()).to_string();
        let path = std::env::temp_dir().join(format!("switchyard-{name}.db"));
        let store = Store::connect(&format!("sqlite://{}", path.display()), clock)
            .await
            .unwrap();
        store.migrate().await.unwrap();
        TempDb { store, path }
    }

    /// Another store (another process, as far as caches go) on the same database.
    pub async fn reopen(&self, clock: Arc<dyn Clock>) -> Store {
        Store::connect(&format!("sqlite://{}", self.path.display()), clock)
            .await
            .unwrap()
    }

    pub async fn close(self) {
        self.store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.path.display()));
        }
    }
}
