//! The embedded storage backend: one SQLite file in WAL mode.
//!
//! One writer connection behind a mutex, held by a [`BatchWriter`] for its whole life
//! (SQLite has a single writer anyway), and a small pool of reader connections. In WAL
//! mode a reader sees the last committed transaction, so an open batch stays
//! invisible to everyone else until it commits. A store opened for a bulk load
//! ([`SqliteStore::open_exclusive`]) instead holds the file alone, with a rollback
//! journal, and its reads wait for the writer (see the `exclusive` module).

mod audit;
mod checkpoint;
mod codec;
mod directory;
mod exclusive;
mod migrations;
mod operations;
mod resolution;
mod retention;
mod unsynced;
mod watchlists;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use model::{BatchId, RecordId, SourceRecord};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params, params_from_iter};
use store::{AuditLog, Directory, Operations, ResolutionState, Retention, Watchlists};
use store::{
    BatchHeader, BatchSummary, BatchWriter, KindAgencyCount, QuarantineCount, QuarantinedRow,
    RecordQuery, Store, StoreError, StoreResult, StoreStatus,
};

pub use migrations::SCHEMA_VERSION;

/// How long a connection waits for another process's lock before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Idle reader connections kept open; more are opened on demand and closed after use.
const MAX_IDLE_READERS: usize = 8;

/// A store in one SQLite file. Cheap to share across threads (`Send + Sync`).
pub struct SqliteStore {
    /// First, so that dropping the store finishes its checkpoint while the other
    /// connections are still open.
    checkpointer: checkpoint::Checkpointer,
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// Idle durable-write connections (see [`SqliteStore::durable_connection`]).
    durable: Mutex<Vec<Connection>>,
    audit_queue: audit::AuditQueue,
    /// Present when the store holds its file exclusively ([`SqliteStore::open_exclusive`]).
    exclusive: Option<exclusive::Exclusive>,
}

/// A pooled durable-write connection; back to the pool when dropped outside a
/// transaction (one left open by a panic is closed instead, rolling it back). In an
/// exclusively held store, the writer connection instead.
pub(crate) struct DurableConnection<'a> {
    store: &'a SqliteStore,
    connection: Option<Connection>,
    writer: Option<MutexGuard<'a, Connection>>,
}

impl std::ops::Deref for DurableConnection<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match &self.writer {
            Some(writer) => writer,
            None => self.connection.as_ref().expect("present until dropped"),
        }
    }
}

impl std::ops::DerefMut for DurableConnection<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        match &mut self.writer {
            Some(writer) => writer,
            None => self.connection.as_mut().expect("present until dropped"),
        }
    }
}

impl Drop for DurableConnection<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take()
            && connection.is_autocommit()
        {
            let mut idle = self
                .store
                .durable
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if idle.len() < MAX_IDLE_READERS {
                idle.push(connection);
            }
        }
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if self.exclusive.is_some() {
            // On failure the file keeps its rollback journal, still sound; the next
            // store to open it turns WAL on.
            let _ = exclusive::leave(&self.lock_writer());
        }
        if let Some(unsynced) = self
            .exclusive
            .as_mut()
            .and_then(|held| held.unsynced.take())
        {
            // On failure the marker stays, and the next store to open the file syncs it.
            let _ = unsynced.finish();
        }
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// A connection of its own for short writes that must be on disk when they return
    /// (audit entries, judgements, operations, watches, purges): `synchronous=FULL`,
    /// waiting up to [`BUSY_TIMEOUT`] for the single writer lock.
    /// Connections are pooled: opening one parses the whole schema, which showed in
    /// server profiles when every request appended an audit entry.
    pub(crate) fn durable_connection(&self) -> StoreResult<DurableConnection<'_>> {
        if self.exclusive.is_some() {
            return Ok(DurableConnection {
                store: self,
                connection: None,
                writer: Some(self.writer_between_batches()?),
            });
        }
        let idle = self
            .durable
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let connection = match idle {
            Some(connection) => connection,
            None => {
                let connection = Connection::open(self.path()).map_err(database)?;
                connection.busy_timeout(BUSY_TIMEOUT).map_err(database)?;
                connection
                    .pragma_update(None, "synchronous", "FULL")
                    .map_err(database)?;
                connection
            }
        };
        Ok(DurableConnection {
            store: self,
            connection: Some(connection),
            writer: None,
        })
    }

    /// Opens (creating if missing) the store named by `sqlite:PATH`, `sqlite://PATH` or a
    /// bare path, and brings its schema up to date. The directory must exist.
    pub fn open(url_or_path: &str) -> StoreResult<SqliteStore> {
        SqliteStore::open_with(url_or_path, false)
    }

    /// Opens the store as [`SqliteStore::open`] does, for a bulk load that has the
    /// file to itself: no other connection can read or write it until this store is
    /// dropped, and batches are written through a rollback journal rather than the WAL,
    /// each new page once (see the `exclusive` module). Fails while another connection
    /// (a server) has the file open. Within the store, reads other than
    /// `committed_batch` wait for an open batch to commit, and are refused to the
    /// thread that holds it. A load into a new file syncs once, when the store is
    /// dropped, rather than at every commit (see the `unsynced` module).
    pub fn open_exclusive(url_or_path: &str) -> StoreResult<SqliteStore> {
        SqliteStore::open_with(url_or_path, true)
    }

    fn open_with(url_or_path: &str, exclusive: bool) -> StoreResult<SqliteStore> {
        let path = path_from_url(url_or_path)?;
        let open_error = |reason: String| StoreError::Open {
            url: url_or_path.to_string(),
            reason,
        };
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            && !parent.is_dir()
        {
            return Err(open_error(format!(
                "directory {} does not exist",
                parent.display()
            )));
        }
        let new_file = std::fs::metadata(&path).map_or(true, |metadata| metadata.len() == 0);
        let mut writer = Connection::open(&path).map_err(|error| open_error(error.to_string()))?;
        configure_writer(&writer).map_err(|error| open_error(why_not_opened(&error)))?;
        if exclusive {
            exclusive::enter(&writer).map_err(open_error)?;
        }
        // Only now: a connection that holds the file (configured for WAL, or taken
        // exclusively) knows no unsynced load is running in another process.
        let left_behind = if new_file {
            unsynced::Unsynced::forget_stale(&path)
                .map_err(|error| open_error(error.to_string()))?;
            None
        } else {
            unsynced::Unsynced::left_behind(&path).map_err(open_error)?
        };
        migrations::apply(&mut writer).map_err(|error| match error {
            StoreError::Database(reason) => open_error(reason),
            other => other,
        })?;
        let (checkpointer, exclusive) = if exclusive {
            let unsynced = match left_behind {
                Some(unsynced) => Some(unsynced),
                None if new_file => unsynced::Unsynced::begin(&path)
                    .map_err(|error| open_error(format!("marking the load unsynced: {error}")))?,
                None => None,
            };
            if unsynced.is_some() {
                writer
                    .pragma_update(None, "synchronous", "OFF")
                    .map_err(|error| open_error(error.to_string()))?;
            }
            let state = exclusive::Exclusive::load(&writer, unsynced)?;
            (checkpoint::Checkpointer::idle(&path), Some(state))
        } else {
            if let Some(unsynced) = left_behind {
                unsynced.finish().map_err(|error| {
                    open_error(format!("syncing what an exclusive load left: {error}"))
                })?;
            }
            (checkpoint::Checkpointer::start(&path), None)
        };
        Ok(SqliteStore {
            checkpointer,
            exclusive,
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            durable: Mutex::new(Vec::new()),
            audit_queue: audit::AuditQueue::default(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held unwound through the writer's Drop, which
        // rolled the batch back; the connection itself is fine to reuse.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The writer connection of an exclusively held store, for a read or a durable
    /// write, once no batch holds it: it would show the batch uncommitted. Refused to
    /// the thread that holds the open batch, which would wait for itself.
    fn writer_between_batches(&self) -> StoreResult<MutexGuard<'_, Connection>> {
        if let Some(exclusive) = &self.exclusive
            && exclusive.holds_the_batch(std::thread::current().id())
        {
            return Err(StoreError::Refused(
                "the store is held for an exclusive ingest and this thread's batch is \
                 open; read once it commits"
                    .into(),
            ));
        }
        Ok(self.lock_writer())
    }

    /// A batch began on this thread (`true`) or ended (`false`).
    pub(crate) fn batch_open(&self, open: bool) {
        if let Some(exclusive) = &self.exclusive {
            exclusive.set_batch_thread(open.then(|| std::thread::current().id()));
        }
    }

    /// After a batch commits.
    pub(crate) fn batch_committed(&self, summary: &BatchSummary) {
        self.checkpointer.request();
        if let Some(exclusive) = &self.exclusive {
            exclusive.committed.add(summary);
        }
    }

    /// Runs `read` on a reader connection, inside one read transaction so that the
    /// queries it makes see one snapshot.
    fn read<T>(
        &self,
        read: impl FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        if self.exclusive.is_some() {
            let mut writer = self.writer_between_batches()?;
            let transaction = writer.transaction().map_err(database)?;
            let value = read(&transaction)?;
            transaction.commit().map_err(database)?;
            return Ok(value);
        }
        let idle = self
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut connection = match idle {
            Some(connection) => connection,
            None => open_reader(&self.path)?,
        };
        let result = (|| {
            let transaction = connection.transaction().map_err(database)?;
            let value = read(&transaction)?;
            transaction.commit().map_err(database)?;
            Ok(value)
        })();
        if connection.is_autocommit() {
            let mut idle = self.readers.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < MAX_IDLE_READERS {
                idle.push(connection);
            }
        }
        result
    }
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn begin_batch(&self, header: BatchHeader) -> StoreResult<Box<dyn BatchWriter + '_>> {
        let writer = writer::SqliteBatchWriter::begin(self.lock_writer(), self, header)?;
        Ok(Box::new(writer))
    }

    fn committed_batch(&self, id: BatchId) -> StoreResult<Option<BatchSummary>> {
        if let Some(exclusive) = &self.exclusive {
            return Ok(exclusive.committed.get(id));
        }
        self.read(|connection| {
            let sql = format!("SELECT {} FROM batches WHERE id = ?1", codec::BATCH_COLUMNS);
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement
                .query([id.as_bytes().as_slice()])
                .map_err(database)?;
            match rows.next().map_err(database)? {
                Some(row) => Ok(Some(codec::batch_from_row(row)?)),
                None => Ok(None),
            }
        })
    }

    fn batches(&self) -> StoreResult<Vec<BatchSummary>> {
        self.read(|connection| batches_in_order(connection))
    }

    fn status(&self) -> StoreResult<StoreStatus> {
        self.read(|connection| {
            let mut records = Vec::new();
            let mut statement = connection
                // Kept by the batch writer; grouping records would scan them all.
                .prepare_cached("SELECT kind, agency, records FROM record_counts")
                .map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            while let Some(row) = rows.next().map_err(database)? {
                records.push(KindAgencyCount {
                    kind: row.get(0).map_err(database)?,
                    agency: row.get(1).map_err(database)?,
                    records: codec::count(row.get(2).map_err(database)?),
                });
            }
            let mut quarantined = Vec::new();
            let mut statement = connection
                .prepare_cached(
                    "SELECT agency, feed, count(*) FROM quarantine GROUP BY agency, feed",
                )
                .map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            while let Some(row) = rows.next().map_err(database)? {
                quarantined.push(QuarantineCount {
                    agency: row.get(0).map_err(database)?,
                    feed: row.get(1).map_err(database)?,
                    rows: codec::count(row.get(2).map_err(database)?),
                });
            }
            let batches: i64 = connection
                .query_row("SELECT count(*) FROM batches", [], |row| row.get(0))
                .map_err(database)?;
            Ok(StoreStatus {
                records,
                quarantined,
                batches: codec::count(batches),
            }
            .sorted())
        })
    }

    fn quarantined(
        &self,
        batch: Option<BatchId>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Vec<QuarantinedRow>> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {} FROM quarantine q JOIN batches b ON b.id = q.batch_id \
                 WHERE (?1 IS NULL OR q.batch_id = ?1) \
                 ORDER BY b.seq, q.line, q.seq LIMIT ?2 OFFSET ?3",
                codec::QUARANTINE_COLUMNS
            );
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let batch = batch.map(|id| id.as_bytes().to_vec());
            let mut rows = statement
                .query(params![batch, codec::clamp(limit), codec::clamp(offset)])
                .map_err(database)?;
            let mut quarantined = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                quarantined.push(codec::quarantined_from_row(row)?);
            }
            Ok(quarantined)
        })
    }

    fn record(&self, id: RecordId) -> StoreResult<Option<SourceRecord>> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {} FROM {} WHERE r.id = ?1",
                codec::RECORD_COLUMNS,
                codec::RECORDS_WITH_BATCH
            );
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let row = statement
                .query_row([id.as_bytes().as_slice()], |row| {
                    Ok(codec::record_from_row(row))
                })
                .optional()
                .map_err(database)?;
            row.transpose()
        })
    }

    fn records(&self, query: &RecordQuery) -> StoreResult<Vec<SourceRecord>> {
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        let mut condition = |sql: &str, value: Value| {
            values.push(value);
            conditions.push(format!("{sql} ?{}", values.len()));
        };
        if let Some(kind) = &query.kind {
            condition("r.kind =", Value::Text(kind.clone()));
        }
        if let Some(agency) = &query.agency {
            condition("b.agency =", Value::Text(agency.clone()));
        }
        if let Some(entity_key) = query.entity_key {
            condition(
                "r.entity_key =",
                Value::Blob(entity_key.as_bytes().to_vec()),
            );
        }
        if let Some(batch_id) = query.batch_id {
            condition("b.id =", Value::Blob(batch_id.as_bytes().to_vec()));
        }
        if let Some(after) = query.after {
            condition("r.id >", Value::Blob(after.as_bytes().to_vec()));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        values.push(Value::Integer(codec::clamp(query.limit)));
        let sql = format!(
            "SELECT {} FROM {} {filter} ORDER BY r.id LIMIT ?{}",
            codec::RECORD_COLUMNS,
            codec::RECORDS_WITH_BATCH,
            values.len()
        );
        self.read(|connection| {
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement
                .query(params_from_iter(values))
                .map_err(database)?;
            let mut records = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                records.push(codec::record_from_row(row)?);
            }
            Ok(records)
        })
    }

    fn audit(&self) -> &dyn AuditLog {
        self
    }

    fn resolution(&self) -> &dyn ResolutionState {
        self
    }

    fn operations(&self) -> &dyn Operations {
        self
    }

    fn watchlists(&self) -> &dyn Watchlists {
        self
    }

    fn retention(&self) -> &dyn Retention {
        self
    }

    fn directory(&self) -> &dyn Directory {
        self
    }
}

/// The file named by a store URL: `sqlite:PATH`, `sqlite://PATH` or a bare path.
fn path_from_url(url: &str) -> StoreResult<PathBuf> {
    let open_error = |reason: &str| StoreError::Open {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let path = match url.strip_prefix("sqlite://") {
        Some(path) => path,
        None => url.strip_prefix("sqlite:").unwrap_or(url),
    };
    if path.is_empty() {
        return Err(open_error("no file path given (expected sqlite:PATH)"));
    }
    if path.contains("://") {
        return Err(open_error(
            "not a SQLite URL (expected sqlite:PATH, sqlite://PATH or a path)",
        ));
    }
    // Each connection of an in-memory database is its own database, so readers would
    // never see what the writer commits.
    if path == ":memory:" || path.starts_with("file:") {
        return Err(open_error(
            "in-memory and URI databases are not supported; use a file",
        ));
    }
    Ok(PathBuf::from(path))
}

/// Why the writer connection could not be set up, with what a user can do about a
/// file that another process holds.
fn why_not_opened(error: &rusqlite::Error) -> String {
    if error.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
        format!(
            "{error}: another process holds the file (an `ingest --exclusive` keeps it \
             until it ends); try again then"
        )
    } else {
        error.to_string()
    }
}

/// The page size of a new database file: SQLite's largest. A bulk load appends records
/// page after page, and every page costs the writer a B-tree balance, a cache entry and,
/// at commit, a write into fresh page cache that is slow on virtual machines; fewer,
/// larger pages cost less. The large world (15M records) went in 59-60 s against
/// 68-71 s with 8 KiB pages (`--exclusive`; 70 s against 80 s with WAL), the medium
/// world 3.2 s against 3.6-3.8 s. Point reads and small commits (audit entries) move
/// whole pages; see docs/benchmarks.md, item 23, for what that costs them. A file keeps
/// the page size it was created with.
pub(crate) const PAGE_SIZE: u32 = 65_536;

/// The writer's settings. WAL with synchronous=NORMAL may lose the last commits on
/// power loss but never integrity or atomicity.
fn configure_writer(connection: &Connection) -> rusqlite::Result<()> {
    connection.busy_timeout(BUSY_TIMEOUT)?;
    // Only takes effect while the file is still empty (before the first table).
    connection.pragma_update(None, "page_size", PAGE_SIZE)?;
    connection.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    // A large page cache keeps the random-keyed id index in memory during bulk ingest
    // (negative means KiB). 512 MiB holds the index of some 20M records: 15M records
    // went in 1.25 times as fast as with 256 MiB, and 1 GiB gained nothing more. The
    // writer releases the cache after each batch (see the batch writer's commit).
    connection.pragma_update(None, "cache_size", -524_288)?;
    connection.pragma_update(None, "temp_store", "MEMORY")?;
    // Truncate the WAL after checkpoints so a big ingest does not leave a huge file.
    connection.pragma_update(None, "journal_size_limit", 67_108_864)?;
    // Batches are checkpointed by the store's checkpoint thread (see `checkpoint`).
    connection.pragma_update(None, "wal_autocheckpoint", 0)?;
    connection.set_prepared_statement_cache_capacity(32);
    Ok(())
}

fn open_reader(path: &Path) -> StoreResult<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags).map_err(database)?;
    connection.busy_timeout(BUSY_TIMEOUT).map_err(database)?;
    connection
        .pragma_update(None, "query_only", true)
        .map_err(database)?;
    connection
        .pragma_update(None, "cache_size", -65_536)
        .map_err(database)?;
    connection
        .pragma_update(None, "mmap_size", 268_435_456_i64)
        .map_err(database)?;
    Ok(connection)
}

/// Every committed batch, oldest first.
pub(crate) fn batches_in_order(connection: &Connection) -> StoreResult<Vec<BatchSummary>> {
    let sql = format!("SELECT {} FROM batches ORDER BY seq", codec::BATCH_COLUMNS);
    let mut statement = connection.prepare_cached(&sql).map_err(database)?;
    let mut rows = statement.query([]).map_err(database)?;
    let mut batches = Vec::new();
    while let Some(row) = rows.next().map_err(database)? {
        batches.push(codec::batch_from_row(row)?);
    }
    Ok(batches)
}

/// A database failure: for logs, not for end users.
pub(crate) fn database(error: rusqlite::Error) -> StoreError {
    StoreError::Database(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_file_is_explained() {
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("database is locked".into()),
        );
        let reason = why_not_opened(&busy);
        assert!(reason.starts_with("database is locked"), "{reason}");
        assert!(reason.contains("ingest --exclusive"), "{reason}");
        let other = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
            None,
        );
        assert!(!why_not_opened(&other).contains("exclusive"));
    }

    #[test]
    fn urls_name_files() {
        for (url, expected) in [
            ("sqlite:data/interdict.db", "data/interdict.db"),
            ("sqlite:///var/lib/interdict.db", "/var/lib/interdict.db"),
            ("sqlite://interdict.db", "interdict.db"),
            ("/tmp/x.db", "/tmp/x.db"),
            ("x.db", "x.db"),
        ] {
            assert_eq!(
                path_from_url(url).unwrap(),
                PathBuf::from(expected),
                "{url}"
            );
        }
        for url in [
            "sqlite:",
            "",
            "postgres://app@localhost/x",
            "sqlite::memory:",
            "sqlite:file:x.db?mode=memory",
        ] {
            assert!(
                matches!(path_from_url(url), Err(StoreError::Open { .. })),
                "{url}"
            );
        }
    }
}
