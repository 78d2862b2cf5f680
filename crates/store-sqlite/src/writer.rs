//! The bulk path: one write transaction per batch on the writer connection.

use std::sync::MutexGuard;

use chrono::Utc;
use rusqlite::{Connection, params};
use store::{
    BatchCounts, BatchHeader, BatchSummary, BatchWriter, QuarantinedRow, StoreError, StoreResult,
};

use crate::codec::{clamp, micros, truncate_to_micros};
use crate::database;

const INSERT_RECORD: &str = "INSERT OR IGNORE INTO records (id, entity_key, kind, agency, feed, \
     source_record_id, batch_id, source_file, line, reported_at, sensitivity, caveats, \
     data_class, predicate, review_by, properties) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";

const INSERT_QUARANTINED: &str = "INSERT INTO quarantine (batch_id, agency, feed, source_file, \
     line, field, reason, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// Holds the writer connection (and so the store's single write slot) until it
/// commits or is dropped; dropping rolls back.
pub(crate) struct SqliteBatchWriter<'store> {
    connection: MutexGuard<'store, Connection>,
    header: BatchHeader,
    open: bool,
    /// Reused for every record's properties JSON.
    json: Vec<u8>,
}

impl<'store> SqliteBatchWriter<'store> {
    pub(crate) fn begin(
        connection: MutexGuard<'store, Connection>,
        header: BatchHeader,
    ) -> StoreResult<SqliteBatchWriter<'store>> {
        // A failed rollback in an earlier writer's Drop can leave a transaction open.
        if !connection.is_autocommit() {
            connection.execute_batch("ROLLBACK").map_err(database)?;
        }
        // IMMEDIATE takes the write lock now, so a concurrent process waits here
        // (busy_timeout) rather than failing at the first insert.
        connection
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(database)?;
        Ok(SqliteBatchWriter {
            connection,
            header,
            open: true,
            json: Vec::with_capacity(1024),
        })
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
    fn write_records(&mut self, records: &[model::SourceRecord]) -> StoreResult<u64> {
        for record in records {
            self.check_batch(record.provenance.batch_id)?;
        }
        let mut statement = self
            .connection
            .prepare_cached(INSERT_RECORD)
            .map_err(database)?;
        let mut written = 0;
        for record in records {
            self.json.clear();
            serde_json::to_writer(&mut self.json, &record.properties)
                .map_err(|error| StoreError::Database(format!("properties to JSON: {error}")))?;
            let properties = std::str::from_utf8(&self.json)
                .map_err(|error| StoreError::Database(format!("properties JSON: {error}")))?;
            let labels = &record.labels;
            let provenance = &record.provenance;
            // execute() returns changes(): 0 when OR IGNORE skipped a duplicate id.
            written += statement
                .execute(params![
                    record.id.as_bytes().as_slice(),
                    record.entity_key.as_bytes().as_slice(),
                    record.kind,
                    provenance.agency,
                    provenance.feed,
                    provenance.source_record_id,
                    provenance.batch_id.as_bytes().as_slice(),
                    provenance.source_file,
                    clamp(provenance.line),
                    micros(provenance.reported_at),
                    labels.sensitivity.as_str(),
                    labels.caveats_text(),
                    labels.data_class.as_str(),
                    labels
                        .predicate
                        .as_ref()
                        .map(|predicate| predicate.as_str()),
                    labels.review_by.map(|date| date.to_string()),
                    properties,
                ])
                .map_err(database)? as u64;
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
                "INSERT INTO batches (id, agency, feed, source_file, content_hash, started_at, \
                 committed_at, rows_read, rows_accepted, rows_quarantined, records_written, \
                 duplicates_skipped) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
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
        self.connection.execute_batch("COMMIT").map_err(database)?;
        self.open = false;
        Ok(BatchSummary {
            header,
            counts,
            committed_at,
        })
    }
}

impl Drop for SqliteBatchWriter<'_> {
    fn drop(&mut self) {
        if self.open && !self.connection.is_autocommit() {
            // If this fails the next begin() rolls back before it starts; a crash
            // instead leaves the transaction uncommitted in the WAL, which SQLite
            // ignores on recovery.
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}
