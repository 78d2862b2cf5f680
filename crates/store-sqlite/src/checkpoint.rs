//! Checkpoints off the batch writer's path.
//!
//! In WAL mode a commit appends to the WAL, and a checkpoint copies the WAL back into
//! the database file and syncs both: for a batch of hundreds of thousands of records,
//! a second or more, most of it waiting on the disk. SQLite runs it on the committing
//! connection, so the writer sat idle while the next file's records were ready. Here
//! the batch writer's connection never checkpoints (`wal_autocheckpoint=0`); after each
//! batch commits, a thread with a connection of its own runs a passive checkpoint while
//! the writer goes on. A checkpoint that runs beside a writer cannot let the WAL start
//! over, so a batch that finds the WAL larger than [`WAL_CAP`] first waits for the
//! checkpoint in progress; the next write then starts the WAL from the beginning.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use rusqlite::Connection;

use crate::BUSY_TIMEOUT;

/// How large the WAL may grow while checkpoints trail the writer (by one batch more at
/// most). A checkpoint of a few hundred MiB waits on the disk for half a second or more,
/// and the batch that waits for it holds up the whole ingest pipeline: at 256 MiB the
/// medium world's large files waited so, idling both cores for 0.4 s; 1 GiB of disk lets
/// checkpoints trail by a few batches (medium ingest 4.54 → 4.38 s, median of five).
pub(crate) const WAL_CAP: u64 = 1 << 30;

pub(crate) struct Checkpointer {
    shared: Arc<Shared>,
    wal: PathBuf,
    /// [`WAL_CAP`], but for tests.
    cap: u64,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    requested: bool,
    running: bool,
    stopping: bool,
}

impl Checkpointer {
    pub(crate) fn start(database: &Path) -> Checkpointer {
        Checkpointer::start_with_cap(database, WAL_CAP)
    }

    /// No thread and no checkpoints: for a store without a WAL (the exclusive mode).
    pub(crate) fn idle(database: &Path) -> Checkpointer {
        Checkpointer {
            shared: Arc::default(),
            wal: wal_path(database),
            cap: u64::MAX,
            thread: None,
        }
    }

    fn start_with_cap(database: &Path, cap: u64) -> Checkpointer {
        let shared = Arc::new(Shared::default());
        let thread = {
            let shared = Arc::clone(&shared);
            let database = database.to_path_buf();
            std::thread::Builder::new()
                .name("sqlite-checkpoint".into())
                .spawn(move || run(&shared, &database))
                .ok()
        };
        Checkpointer {
            shared,
            wal: wal_path(database),
            cap,
            thread,
        }
    }

    /// Asks for a checkpoint (a batch just committed).
    pub(crate) fn request(&self) {
        let mut state = self.shared.lock();
        state.requested = true;
        self.shared.changed.notify_all();
    }

    /// Before a batch begins: if the WAL has grown past [`WAL_CAP`], waits until no
    /// checkpoint is asked for or running. Without the thread (it could not start),
    /// the caller checkpoints itself.
    pub(crate) fn before_batch(&self, connection: &Connection) {
        let size = std::fs::metadata(&self.wal).map_or(0, |metadata| metadata.len());
        if size <= self.cap {
            return;
        }
        if self.thread.is_none() {
            checkpoint(connection);
            return;
        }
        let mut state = self.shared.lock();
        while state.requested || state.running {
            state = self
                .shared
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl Drop for Checkpointer {
    /// Finishes the checkpoint asked for, if any, and stops the thread.
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.changed.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn wal_path(database: &Path) -> PathBuf {
    let mut wal = database.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

fn run(shared: &Shared, database: &Path) {
    let mut connection: Option<Connection> = None;
    loop {
        {
            let mut state = shared.lock();
            while !state.requested && !state.stopping {
                state = shared
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if !state.requested {
                return;
            }
            state.requested = false;
            state.running = true;
        }
        if connection.is_none() {
            connection = Connection::open(database)
                .and_then(|opened| opened.busy_timeout(BUSY_TIMEOUT).map(|()| opened))
                .ok();
        }
        if let Some(connection) = &connection {
            checkpoint(connection);
        }
        shared.lock().running = false;
        shared.changed.notify_all();
    }
}

/// A passive checkpoint: copies what it can without waiting for readers or writers.
/// A failure leaves the WAL to the next one (and to SQLite when the last connection
/// closes), so it is not an error of any batch.
fn checkpoint(connection: &Connection) {
    let _ = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames in the WAL (the second column of `wal_checkpoint`).
    fn wal_frames(connection: &Connection) -> i64 {
        connection
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get(1))
            .unwrap()
    }

    fn write_rows(connection: &Connection, rows: usize) {
        connection.execute_batch("BEGIN").unwrap();
        for row in 0..rows {
            connection
                .execute("INSERT INTO t VALUES (?1, zeroblob(2000))", [row as i64])
                .unwrap();
        }
        connection.execute_batch("COMMIT").unwrap();
    }

    /// Writes a batch, lets `checkpointer` (if any) run, writes one row more, and
    /// counts the WAL's frames: a checkpoint finished before the second write lets
    /// the WAL start over.
    fn frames_after_two_writes(use_checkpointer: bool) -> i64 {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("wal.db");
        let connection = Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
                 CREATE TABLE t (n INTEGER, b BLOB);",
            )
            .unwrap();
        write_rows(&connection, 500);
        if use_checkpointer {
            // A cap of 0: the next batch always waits for the checkpoint asked for.
            let checkpointer = Checkpointer::start_with_cap(&path, 0);
            checkpointer.request();
            checkpointer.before_batch(&connection);
        }
        write_rows(&connection, 1);
        wal_frames(&connection)
    }

    #[test]
    fn a_batch_past_the_cap_waits_for_the_checkpoint_and_the_wal_starts_over() {
        let without = frames_after_two_writes(false);
        let with = frames_after_two_writes(true);
        // 500 rows of 2 kB are some 130 pages; one row more is a frame or two.
        assert!(without > 100, "{without}");
        assert!(with < 5, "{with}");
    }
}
