//! Exclusive mode: a bulk load that has the database file to itself.
//!
//! In WAL mode every page a batch writes reaches the disk twice: into the WAL at
//! commit, then into the database file at the checkpoint, and a batch larger than the
//! WAL cap waits for that checkpoint before it begins. That is the price of readers
//! that never wait. A store opened with [`crate::SqliteStore::open_exclusive`] does
//! without such readers: it holds SQLite's exclusive lock for its whole life
//! (`locking_mode=EXCLUSIVE`) and writes through a rollback journal. Pages past the end
//! of the file (most of what a bulk load writes) go to the file once; only pages that
//! a batch changes (the id index, the last page of a table) are copied to the journal
//! first. A batch stays atomic: a crash leaves a hot journal, which the next
//! connection rolls back before it reads. When the store is dropped it turns WAL back
//! on, so the file is as every other store expects it.
//!
//! Nothing else can read the file meanwhile, and within the store every read and
//! durable write goes through the writer connection. While a batch is open that
//! connection would show it uncommitted, so a read waits for the batch to commit, and
//! the thread that holds the batch (which would wait for itself) is refused. Except
//! `committed_batch`, which the ingest pipeline asks ahead of the writer: no one else
//! can commit, so the batches this store has seen committed are all there are.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::thread::ThreadId;

use model::BatchId;
use rusqlite::Connection;
use store::{BatchSummary, StoreResult};

use crate::batches_in_order;
use crate::unsynced::Unsynced;

/// What an exclusively held store knows that no connection may be asked meanwhile.
#[derive(Debug)]
pub(crate) struct Exclusive {
    pub(crate) committed: CommittedBatches,
    /// The thread whose batch is open, if one is: a batch writer holds a mutex guard,
    /// so it stays on the thread that began it.
    batch_thread: Mutex<Option<ThreadId>>,
    /// Present while the load runs without syncs (a first load; see `unsynced`).
    pub(crate) unsynced: Option<Unsynced>,
}

impl Exclusive {
    pub(crate) fn load(
        connection: &Connection,
        unsynced: Option<Unsynced>,
    ) -> StoreResult<Exclusive> {
        Ok(Exclusive {
            committed: CommittedBatches::load(connection)?,
            batch_thread: Mutex::default(),
            unsynced,
        })
    }

    /// A batch begins (`Some`, its thread) or ends (`None`).
    pub(crate) fn set_batch_thread(&self, thread: Option<ThreadId>) {
        *self
            .batch_thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = thread;
    }

    pub(crate) fn holds_the_batch(&self, thread: ThreadId) -> bool {
        *self
            .batch_thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            == Some(thread)
    }
}

/// The committed batches of an exclusively held store.
#[derive(Debug)]
pub(crate) struct CommittedBatches {
    by_id: Mutex<HashMap<BatchId, BatchSummary>>,
}

impl CommittedBatches {
    /// Every batch in the file, read once the exclusive lock is held.
    fn load(connection: &Connection) -> StoreResult<CommittedBatches> {
        let by_id = batches_in_order(connection)?
            .into_iter()
            .map(|summary| (summary.header.id, summary))
            .collect();
        Ok(CommittedBatches {
            by_id: Mutex::new(by_id),
        })
    }

    pub(crate) fn get(&self, id: BatchId) -> Option<BatchSummary> {
        self.lock().get(&id).cloned()
    }

    pub(crate) fn add(&self, summary: &BatchSummary) {
        self.lock().insert(summary.header.id, summary.clone());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BatchId, BatchSummary>> {
        self.by_id.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Takes the file for this connection alone, with a rollback journal. Fails, changing
/// nothing, while another connection has the file open in WAL mode.
pub(crate) fn enter(connection: &Connection) -> Result<(), String> {
    connection
        .pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(|error| error.to_string())?;
    // Leaving WAL needs every other connection closed; SQLite says so with "database
    // is locked", or by staying in WAL.
    let mode: String = connection
        .pragma_update_and_check(None, "journal_mode", "TRUNCATE", |row| row.get(0))
        .map_err(|error| in_use(&error.to_string()))?;
    if !mode.eq_ignore_ascii_case("truncate") {
        return Err(in_use(&format!("the journal stayed {mode}")));
    }
    // FULL: a rollback journal with NORMAL may, on power loss at the wrong moment,
    // corrupt the file on some file systems. It costs a sync of the journal per batch.
    // A load into a new file turns syncs off after this (see `unsynced`).
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(|error| error.to_string())?;
    // The lock is taken at the first write and then kept; take it now, so that no one
    // opens the file between here and the first batch.
    connection
        .execute_batch("BEGIN EXCLUSIVE; COMMIT")
        .map_err(|error| in_use(&error.to_string()))?;
    Ok(())
}

fn in_use(detail: &str) -> String {
    format!(
        "an exclusive ingest needs the database to itself, and another connection \
         (a server, another command) has it open ({detail})"
    )
}

/// Gives the file back: the lock released and WAL on again, as [`enter`] found it.
/// On failure the file stays in rollback-journal mode, which is still a sound
/// database; the next store that opens it turns WAL on.
pub(crate) fn leave(connection: &Connection) -> rusqlite::Result<()> {
    if !connection.is_autocommit() {
        connection.execute_batch("ROLLBACK")?;
    }
    // NORMAL takes effect when the connection next lets go of its lock: after a read.
    connection.pragma_update(None, "locking_mode", "NORMAL")?;
    connection.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
    connection.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    connection.pragma_update(None, "synchronous", "NORMAL")
}
