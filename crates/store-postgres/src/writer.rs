//! The bulk path: one transaction per batch; each `write_records` call COPYs into a
//! temporary staging table, then moves the rows over with `ON CONFLICT DO NOTHING`.
//!
//! COPY cannot skip duplicates itself, so the staging table takes everything and
//! `INSERT … SELECT … ON CONFLICT (id) DO NOTHING` keeps the first of each id:
//! against earlier batches, earlier calls, and earlier rows of the same COPY (a
//! DO NOTHING insert sees the rows the same statement inserted before). Its row
//! count is the number of new records. Binary COPY means no text escaping at all.

use chrono::Utc;
use model::{BatchId, SourceRecord};
use postgres::Client;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use store::{
    BatchCounts, BatchHeader, BatchSummary, BatchWriter, QuarantinedRow, StoreError, StoreResult,
};

use crate::codec::{clamp, truncate_to_micros};
use crate::{PostgresStore, database};

/// Per connection; DELETE ROWS empties it at each commit, TRUNCATE after each call.
const CREATE_STAGING: &str = "CREATE TEMPORARY TABLE IF NOT EXISTS staging_records (
    id bytea, entity_key bytea, kind text, agency text, feed text, source_record_id text,
    batch_id bytea, source_file text, line bigint, reported_at timestamptz,
    sensitivity text, caveats text, data_class text, predicate text, review_by date,
    properties text
) ON COMMIT DELETE ROWS";

const COPY_STAGING: &str = "COPY staging_records (id, entity_key, kind, agency, feed, \
    source_record_id, batch_id, source_file, line, reported_at, sensitivity, caveats, \
    data_class, predicate, review_by, properties) FROM STDIN (FORMAT binary)";

const STAGING_TYPES: [Type; 16] = [
    Type::BYTEA,
    Type::BYTEA,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::BYTEA,
    Type::TEXT,
    Type::INT8,
    Type::TIMESTAMPTZ,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::DATE,
    Type::TEXT,
];

const MOVE_STAGED: &str = "INSERT INTO records (id, entity_key, kind, agency, feed, \
    source_record_id, batch_id, source_file, line, reported_at, sensitivity, caveats, \
    data_class, predicate, review_by, properties) \
    SELECT id, entity_key, kind, agency, feed, source_record_id, batch_id, source_file, line, \
    reported_at, sensitivity, caveats, data_class, predicate, review_by, properties \
    FROM staging_records ON CONFLICT (id) DO NOTHING";

const COPY_QUARANTINE: &str = "COPY quarantine (batch_id, agency, feed, source_file, line, \
    field, reason, raw) FROM STDIN (FORMAT binary)";

const QUARANTINE_TYPES: [Type; 8] = [
    Type::BYTEA,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::INT8,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
];

/// Holds one client with an open transaction until it commits or is dropped;
/// dropping rolls back.
pub(crate) struct PostgresBatchWriter<'store> {
    store: &'store PostgresStore,
    client: Option<Client>,
    header: BatchHeader,
}

impl<'store> PostgresBatchWriter<'store> {
    pub(crate) fn begin(
        store: &'store PostgresStore,
        mut client: Client,
        header: BatchHeader,
    ) -> StoreResult<PostgresBatchWriter<'store>> {
        client.batch_execute("BEGIN").map_err(database)?;
        let mut writer = PostgresBatchWriter {
            store,
            client: Some(client),
            header,
        };
        // From here on, Drop rolls back whatever fails.
        writer
            .client()
            .batch_execute(CREATE_STAGING)
            .map_err(database)?;
        Ok(writer)
    }

    fn client(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a writer holds its client until commit or drop")
    }

    fn check_batch(&self, found: BatchId) -> StoreResult<()> {
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

impl BatchWriter for PostgresBatchWriter<'_> {
    fn write_records(&mut self, records: &[SourceRecord]) -> StoreResult<u64> {
        for record in records {
            self.check_batch(record.provenance.batch_id)?;
        }
        if records.is_empty() {
            return Ok(0);
        }
        let client = self.client();
        let sink = client.copy_in(COPY_STAGING).map_err(database)?;
        let mut copy = BinaryCopyInWriter::new(sink, &STAGING_TYPES);
        for record in records {
            let properties = serde_json::to_string(&record.properties)
                .map_err(|error| StoreError::Database(format!("properties to JSON: {error}")))?;
            let labels = &record.labels;
            let provenance = &record.provenance;
            let line = clamp(provenance.line);
            let reported_at = truncate_to_micros(provenance.reported_at);
            let caveats = labels.caveats_text();
            let predicate = labels
                .predicate
                .as_ref()
                .map(|predicate| predicate.as_str());
            let values: [&(dyn ToSql + Sync); 16] = [
                &record.id.as_bytes().as_slice(),
                &record.entity_key.as_bytes().as_slice(),
                &record.kind,
                &provenance.agency,
                &provenance.feed,
                &provenance.source_record_id,
                &provenance.batch_id.as_bytes().as_slice(),
                &provenance.source_file,
                &line,
                &reported_at,
                &labels.sensitivity.as_str(),
                &caveats,
                &labels.data_class.as_str(),
                &predicate,
                &labels.review_by,
                &properties,
            ];
            copy.write(&values).map_err(database)?;
        }
        copy.finish().map_err(database)?;
        let written = client.execute(MOVE_STAGED, &[]).map_err(database)?;
        client
            .batch_execute("TRUNCATE staging_records")
            .map_err(database)?;
        Ok(written)
    }

    fn write_quarantined(&mut self, rows: &[QuarantinedRow]) -> StoreResult<()> {
        for row in rows {
            self.check_batch(row.batch_id)?;
        }
        if rows.is_empty() {
            return Ok(());
        }
        let sink = self.client().copy_in(COPY_QUARANTINE).map_err(database)?;
        let mut copy = BinaryCopyInWriter::new(sink, &QUARANTINE_TYPES);
        for row in rows {
            let line = clamp(row.line);
            let raw = store::raw_without_nul(&row.raw);
            let values: [&(dyn ToSql + Sync); 8] = [
                &row.batch_id.as_bytes().as_slice(),
                &row.agency,
                &row.feed,
                &row.source_file,
                &line,
                &row.field,
                &row.reason,
                &raw,
            ];
            copy.write(&values).map_err(database)?;
        }
        copy.finish().map_err(database)?;
        Ok(())
    }

    fn commit(mut self: Box<Self>, counts: BatchCounts) -> StoreResult<BatchSummary> {
        let header = BatchHeader {
            started_at: truncate_to_micros(self.header.started_at),
            ..self.header.clone()
        };
        let committed_at = truncate_to_micros(Utc::now());
        // The unique id decides, even between two writers racing with one batch id.
        let inserted = self
            .client()
            .execute(
                "INSERT INTO batches (id, agency, feed, source_file, content_hash, started_at, \
                 committed_at, rows_read, rows_accepted, rows_quarantined, records_written, \
                 duplicates_skipped) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (id) DO NOTHING",
                &[
                    &header.id.as_bytes().as_slice(),
                    &header.agency,
                    &header.feed,
                    &header.source_file,
                    &header.content_hash,
                    &header.started_at,
                    &committed_at,
                    &clamp(counts.rows_read),
                    &clamp(counts.rows_accepted),
                    &clamp(counts.rows_quarantined),
                    &clamp(counts.records_written),
                    &clamp(counts.duplicates_skipped),
                ],
            )
            .map_err(database)?;
        if inserted == 0 {
            // Drop rolls back everything this writer wrote.
            return Err(StoreError::BatchExists(header.id));
        }
        self.client().batch_execute("COMMIT").map_err(database)?;
        if let Some(client) = self.client.take() {
            self.store.give_back(client);
        }
        Ok(BatchSummary {
            header,
            counts,
            committed_at,
        })
    }
}

impl Drop for PostgresBatchWriter<'_> {
    fn drop(&mut self) {
        if let Some(mut client) = self.client.take() {
            // A client whose rollback fails is closed rather than reused; the server
            // rolls back the transaction of a closed connection itself.
            if client.batch_execute("ROLLBACK").is_ok() {
                self.store.give_back(client);
            }
        }
    }
}
