//! The bulk path: one write transaction per batch on the writer connection.

use std::sync::MutexGuard;

use chrono::{NaiveDate, Utc};
use rusqlite::{Connection, params};
use store::{
    BatchCounts, BatchHeader, BatchSummary, BatchWriter, EncodedRecords, IdOrder, QuarantinedRow,
    StoreError, StoreResult,
};

use crate::codec::{clamp, micros, truncate_to_micros};
use crate::{SqliteStore, database};

const INSERT_RECORD: &str = "INSERT OR IGNORE INTO records (id, entity_key, kind, batch, \
     source_record_id, line, reported_at, sensitivity, caveats, data_class, predicate, \
     review_by, properties) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

const INSERT_QUARANTINED: &str = "INSERT INTO quarantine (batch_id, agency, feed, source_file, \
     line, field, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// A record's label columns, bound again only when they change.
#[derive(Clone, Copy, PartialEq)]
struct LabelColumns<'a> {
    sensitivity: model::Sensitivity,
    caveats: &'a str,
    data_class: model::DataClass,
    predicate: Option<&'a str>,
    review_by: Option<NaiveDate>,
}

/// Holds the writer connection (and so the store's single write slot) until it
/// commits or is dropped; dropping rolls back.
pub(crate) struct SqliteBatchWriter<'store> {
    connection: MutexGuard<'store, Connection>,
    store: &'store SqliteStore,
    header: BatchHeader,
    /// The batch's seq: its records name it, and its row takes it at commit.
    seq: i64,
    open: bool,
    /// New records of this batch by kind and agency, added to `record_counts` at commit.
    tallies: Tallies,
    id_order: IdOrder,
}

impl<'store> SqliteBatchWriter<'store> {
    pub(crate) fn begin(
        connection: MutexGuard<'store, Connection>,
        store: &'store SqliteStore,
        header: BatchHeader,
    ) -> StoreResult<SqliteBatchWriter<'store>> {
        // A failed rollback in an earlier writer's Drop can leave a transaction open.
        if !connection.is_autocommit() {
            connection.execute_batch("ROLLBACK").map_err(database)?;
        }
        store.checkpointer.before_batch(&connection);
        // IMMEDIATE takes the write lock now, so a concurrent process waits here
        // (busy_timeout) rather than failing at the first insert.
        connection
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(database)?;
        let mut writer = SqliteBatchWriter {
            connection,
            store,
            header,
            seq: 0,
            open: true,
            tallies: Tallies::default(),
            id_order: IdOrder::new(),
        };
        // Cleared by Drop, also on the failures below.
        store.batch_open(true);
        // Batches are never deleted and this transaction holds the write lock to its
        // commit, so the next seq stays this batch's. (On failure, dropping the writer
        // rolls back.)
        writer.seq = writer
            .connection
            .query_row("SELECT coalesce(max(seq), 0) + 1 FROM batches", [], |row| {
                row.get(0)
            })
            .map_err(database)?;
        Ok(writer)
    }

    fn check_batch(&self, found: model::BatchId) -> StoreResult<()> {
        if found == self.header.id {
            Ok(())
        } else {
            Err(StoreError::ForeignBatch {
                expected: self.header.id,
                found,
            })
        }
    }
}

impl BatchWriter for SqliteBatchWriter<'_> {
    fn write_encoded(&mut self, chunks: &[&EncodedRecords]) -> StoreResult<u64> {
        for record in chunks.iter().flat_map(|chunk| chunk.iter()) {
            record.check_batch(&self.header)?;
        }
        let mut statement = self
            .connection
            .prepare_cached(INSERT_RECORD)
            .map_err(database)?;
        // A reset statement keeps its parameters' values, so what repeats from record to
        // record (the batch, the kind, the labels) is bound only when it changes. The
        // cached statement comes back with its bindings cleared: bind all first.
        statement
            .raw_bind_parameter(4, self.seq)
            .map_err(database)?;
        let mut bound_kind: Option<&str> = None;
        let mut bound_labels: Option<LabelColumns<'_>> = None;
        let mut written = 0;
        // In id order: OR IGNORE keeps the first of equal ids, the merge puts it first.
        for record in self.id_order.merge(chunks) {
            let labels = LabelColumns {
                sensitivity: record.sensitivity,
                caveats: record.caveats,
                data_class: record.data_class,
                predicate: record.predicate,
                review_by: record.review_by,
            };
            // Binding by position, without params!'s array of trait objects.
            let bind = |statement: &mut rusqlite::CachedStatement<'_>| -> rusqlite::Result<()> {
                statement.raw_bind_parameter(1, record.id.as_bytes().as_slice())?;
                statement.raw_bind_parameter(2, record.entity_key.as_bytes().as_slice())?;
                if bound_kind != Some(record.kind) {
                    statement.raw_bind_parameter(3, record.kind)?;
                }
                statement.raw_bind_parameter(5, record.source_record_id)?;
                statement.raw_bind_parameter(6, clamp(record.line))?;
                statement.raw_bind_parameter(7, micros(record.reported_at))?;
                if bound_labels != Some(labels) {
                    statement.raw_bind_parameter(8, record.sensitivity.as_str())?;
                    statement.raw_bind_parameter(9, record.caveats)?;
                    statement.raw_bind_parameter(10, record.data_class.as_str())?;
                    statement.raw_bind_parameter(11, record.predicate)?;
                    let review_by = record.review_by.map(|date| date.to_string());
                    statement.raw_bind_parameter(12, review_by.as_deref())?;
                }
                statement.raw_bind_parameter(13, record.properties_json)?;
                Ok(())
            };
            bind(&mut statement).map_err(database)?;
            bound_kind = Some(record.kind);
            bound_labels = Some(labels);
            // raw_execute() returns changes(): 0 when OR IGNORE skipped a duplicate id.
            let changed = statement.raw_execute().map_err(database)?;
            if changed > 0 {
                written += 1;
                self.tallies.add(record.kind, record.agency);
            }
        }
        Ok(written)
    }

    fn write_quarantined(&mut self, rows: &[QuarantinedRow]) -> StoreResult<()> {
        for row in rows {
            self.check_batch(row.batch_id)?;
        }
        let mut statement = self
            .connection
            .prepare_cached(INSERT_QUARANTINED)
            .map_err(database)?;
        for row in rows {
            statement
                .execute(params![
                    row.batch_id.as_bytes().as_slice(),
                    row.agency,
                    row.feed,
                    row.source_file,
                    clamp(row.line),
                    row.field,
                    row.reason,
                    store::raw_without_nul(&row.raw),
                ])
                .map_err(database)?;
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>, counts: BatchCounts) -> StoreResult<BatchSummary> {
        let id = self.header.id;
        let already_committed = self
            .connection
            .prepare_cached("SELECT 1 FROM batches WHERE id = ?1")
            .and_then(|mut statement| statement.exists([id.as_bytes().as_slice()]))
            .map_err(database)?;
        if already_committed {
            // Drop rolls back everything this writer wrote.
            return Err(StoreError::BatchExists(id));
        }
        let header = BatchHeader {
            started_at: truncate_to_micros(self.header.started_at),
            ..self.header.clone()
        };
        let committed_at = truncate_to_micros(Utc::now());
        self.connection
            .execute(
                "INSERT INTO batches (seq, id, agency, feed, source_file, content_hash, \
                 started_at, committed_at, rows_read, rows_accepted, rows_quarantined, \
                 records_written, duplicates_skipped) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    self.seq,
                    id.as_bytes().as_slice(),
                    header.agency,
                    header.feed,
                    header.source_file,
                    header.content_hash,
                    micros(header.started_at),
                    micros(committed_at),
                    clamp(counts.rows_read),
                    clamp(counts.rows_accepted),
                    clamp(counts.rows_quarantined),
                    clamp(counts.records_written),
                    clamp(counts.duplicates_skipped),
                ],
            )
            .map_err(database)?;
        {
            let mut statement = self
                .connection
                .prepare_cached(
                    "INSERT INTO record_counts (kind, agency, records) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (kind, agency) DO UPDATE SET records = records + excluded.records",
                )
                .map_err(database)?;
            for (kind, agency, records) in &self.tallies.counts {
                statement
                    .execute(params![kind, agency, clamp(*records)])
                    .map_err(database)?;
            }
        }
        self.connection.execute_batch("COMMIT").map_err(database)?;
        self.open = false;
        // A server keeps this connection for its life: the pages a large batch cached
        // go back to the system rather than stay with it. The next batch reads what it
        // needs again, from the operating system's cache of the file. The batch is
        // committed whatever this says. An exclusive store lives for one bulk load,
        // and its next batch would read most of the id index back: it keeps the
        // cache (the large world 2.5 s faster, peak memory the same).
        if self.store.exclusive.is_none() {
            let _ = self.connection.execute_batch("PRAGMA shrink_memory");
        }
        let summary = BatchSummary {
            header,
            counts,
            committed_at,
        };
        self.store.batch_committed(&summary);
        Ok(summary)
    }
}

impl Drop for SqliteBatchWriter<'_> {
    fn drop(&mut self) {
        self.store.batch_open(false);
        if self.open && !self.connection.is_autocommit() {
            // If this fails the next begin() rolls back before it starts; a crash
            // instead leaves the transaction uncommitted in the WAL, which SQLite
            // ignores on recovery.
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

/// New records by kind and agency. A batch holds a handful of kinds of mostly one
/// agency, so a short list searched from the last hit beats a map keyed by owned
/// strings, which would allocate per record.
#[derive(Default)]
struct Tallies {
    counts: Vec<(String, String, u64)>,
    last: usize,
}

impl Tallies {
    fn add(&mut self, kind: &str, agency: &str) {
        let matches = |entry: &(String, String, u64)| entry.0 == kind && entry.1 == agency;
        if let Some(entry) = self.counts.get_mut(self.last)
            && matches(entry)
        {
            entry.2 += 1;
            return;
        }
        match self.counts.iter().position(matches) {
            Some(index) => {
                self.counts[index].2 += 1;
                self.last = index;
            }
            None => {
                self.counts.push((kind.to_string(), agency.to_string(), 1));
                self.last = self.counts.len() - 1;
            }
        }
    }
}
