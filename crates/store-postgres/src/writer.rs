//! The bulk path: one transaction per batch; each `write_encoded` call COPYs the
//! records that are new straight into `records`.
//!
//! The server process is the bottleneck, so the client does what it can first: it
//! merges the call's chunks in id order ([`IdOrder`]) and drops repeats of an id
//! within the call, keeping the first; one indexed look-up then names the ids already
//! stored (by earlier batches or earlier calls of this one), and COPY writes the rest.
//! A store that found `records` empty looks up only ids it may have written itself
//! (`written`): in a first load, few.
//! COPY inserts in multi-row batches, much cheaper than `INSERT … SELECT`, and in key
//! order, walking the primary key's B-tree left to right.
//!
//! A concurrent batch may store one of the ids between look-up and COPY; COPY then
//! fails on the primary key, and under a savepoint, so the call falls back to the
//! path that tolerates any duplicate: COPY into a temporary staging table, then
//! `INSERT … SELECT … ON CONFLICT (id) DO NOTHING` (not `WHERE NOT EXISTS`, which
//! would fail the same way). Either way the count of new records is exact.
//!
//! The rows inserted are tallied by kind and agency, and the tallies added to
//! `record_counts` at commit, in the batch's transaction.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use model::{BatchId, RecordId};
use postgres::Client;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use store::{
    BatchCounts, BatchHeader, BatchSummary, BatchWriter, EncodedRecord, EncodedRecords, IdOrder,
    QuarantinedRow, StoreError, StoreResult,
};

use crate::codec::{Uuid, clamp, truncate_to_micros};
use crate::{PostgresStore, database};

/// For the fallback path only; per connection, created on first use. DELETE ROWS
/// empties it at each commit, TRUNCATE after each call.
const CREATE_STAGING: &str = "CREATE TEMPORARY TABLE IF NOT EXISTS staging_records_by_batch (
    id uuid, entity_key uuid, kind text, batch bigint, source_record_id text, line bigint,
    reported_at timestamptz, sensitivity text, caveats text, data_class text, predicate text,
    review_by date, properties text
) ON COMMIT DELETE ROWS";

const COPY_STAGING: &str = "COPY staging_records_by_batch (id, entity_key, kind, batch, \
    source_record_id, line, reported_at, sensitivity, caveats, data_class, predicate, \
    review_by, properties) FROM STDIN (FORMAT binary)";

const COPY_RECORDS: &str = "COPY records (id, entity_key, kind, batch, source_record_id, line, \
    reported_at, sensitivity, caveats, data_class, predicate, review_by, properties) \
    FROM STDIN (FORMAT binary)";

/// Ids of a call (sorted, distinct) that are already stored, committed or earlier in
/// this batch.
const FIND_STORED: &str = "SELECT id FROM records WHERE id = ANY($1::uuid[])";

const RECORD_TYPES: [Type; 13] = [
    Type::UUID,
    Type::UUID,
    Type::TEXT,
    Type::INT8,
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

/// Staging rows come in id order (a temporary table's scan returns them as written),
/// so no ORDER BY is needed here.
const MOVE_STAGED: &str = "WITH moved AS (INSERT INTO records (id, entity_key, kind, batch, \
    source_record_id, line, reported_at, sensitivity, caveats, data_class, predicate, \
    review_by, properties) \
    SELECT id, entity_key, kind, batch, source_record_id, line, reported_at, sensitivity, \
    caveats, data_class, predicate, review_by, properties \
    FROM staging_records_by_batch ON CONFLICT (id) DO NOTHING RETURNING kind) \
    SELECT kind, count(*) FROM moved GROUP BY kind";

/// Adds a batch's tallies to the counts. Keys come sorted, so two batches committing
/// at once lock the rows they share in the same order and cannot deadlock.
const ADD_COUNTS: &str = "INSERT INTO record_counts (kind, agency, records) \
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) \
    ON CONFLICT (kind, agency) DO UPDATE SET records = record_counts.records + EXCLUDED.records";

const COPY_QUARANTINE: &str = "COPY quarantine (batch_id, agency, feed, source_file, line, \
    field, reason, raw) FROM STDIN (FORMAT binary)";

const QUARANTINE_TYPES: [Type; 8] = [
    Type::UUID,
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
    /// The batch's seq: its records name it, and its row takes it at commit.
    seq: i64,
    /// Records this batch inserted, by kind (all of the batch's agency); added to
    /// `record_counts` at commit.
    inserted: HashMap<String, i64>,
}

impl<'store> PostgresBatchWriter<'store> {
    pub(crate) fn begin(
        store: &'store PostgresStore,
        mut client: Client,
        header: BatchHeader,
    ) -> StoreResult<PostgresBatchWriter<'store>> {
        // The look-up of stored ids must probe the primary key, one descent per id:
        // statistics of a table filling up during the load lag behind it, and the
        // planner then picks a scan of all records per call (quadratic in the load).
        // Nothing else in a batch's transaction reads a table a scan could serve
        // better, and SET LOCAL ends with the transaction.
        // Nor in parallel: a parallel look-up writes its plan, with the call's tens of
        // thousands of ids in it, out as text, and every worker (a new process each
        // call) parses it back, byte by byte: an eighth of a large load's CPU.
        client
            .batch_execute(
                "BEGIN; SET LOCAL enable_seqscan = off; \
                 SET LOCAL max_parallel_workers_per_gather = 0",
            )
            .map_err(database)?;
        let seq = client
            .query_one(
                "SELECT nextval(pg_get_serial_sequence('batches', 'seq'))",
                &[],
            )
            .and_then(|row| row.try_get(0))
            .map_err(database)?;
        if store.written.unknown() {
            let empty: bool = client
                .query_one("SELECT NOT EXISTS (SELECT FROM records)", &[])
                .and_then(|row| row.try_get(0))
                .map_err(database)?;
            store.written.found_records(empty);
        }
        let writer = PostgresBatchWriter {
            store,
            client: Some(client),
            header,
            seq,
            inserted: HashMap::new(),
        };
        Ok(writer)
    }

    fn client(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("a writer holds its client until commit or drop")
    }

    /// The path that tolerates any duplicate, also one a concurrent batch stores
    /// meanwhile: COPY into staging, then INSERT … ON CONFLICT DO NOTHING, whose
    /// unique check waits for the other batch to commit or roll back.
    fn write_through_staging(&mut self, in_id_order: &[EncodedRecord<'_>]) -> StoreResult<u64> {
        let seq = self.seq;
        let client = self.client();
        client.batch_execute(CREATE_STAGING).map_err(database)?;
        copy_records(client, COPY_STAGING, seq, in_id_order).map_err(database)?;
        let tallies = client.query(MOVE_STAGED, &[]).map_err(database)?;
        client
            .batch_execute("TRUNCATE staging_records_by_batch")
            .map_err(database)?;
        let mut written = 0;
        for tally in &tallies {
            let kind: String = tally.try_get(0).map_err(database)?;
            let records: i64 = tally.try_get(1).map_err(database)?;
            *self.inserted.entry(kind).or_default() += records;
            written += records.max(0) as u64;
        }
        Ok(written)
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
    fn write_encoded(&mut self, chunks: &[&EncodedRecords]) -> StoreResult<u64> {
        for record in chunks.iter().flat_map(|chunk| chunk.iter()) {
            record.check_batch(&self.header)?;
        }
        if chunks.iter().all(|chunk| chunk.is_empty()) {
            return Ok(0);
        }
        // The merge puts the first of equal ids first, and dedup keeps it.
        let mut id_order = IdOrder::new();
        let mut in_id_order: Vec<EncodedRecord<'_>> = id_order.merge(chunks).collect();
        in_id_order.dedup_by_key(|record| record.id);
        let ids: Vec<RecordId> = in_id_order.iter().map(|record| record.id).collect();
        let to_look_up: Vec<Uuid> = self
            .store
            .written
            .maybe_stored(&ids)
            .iter()
            .map(|id| Uuid(*id.as_bytes()))
            .collect();
        let seq = self.seq;
        let written = &self.store.written;
        let client = self.client();
        let stored: HashSet<[u8; 16]> = if to_look_up.is_empty() {
            HashSet::new()
        } else {
            client
                .query(FIND_STORED, &[&to_look_up])
                .map_err(database)?
                .iter()
                .map(|row| row.try_get::<_, Uuid>(0).map(|uuid| uuid.0))
                .collect::<Result<_, _>>()
                .map_err(database)?
        };
        let fresh: Vec<EncodedRecord<'_>> = in_id_order
            .iter()
            .copied()
            .filter(|record| !stored.contains(record.id.as_bytes()))
            .collect();
        client
            .batch_execute("SAVEPOINT direct_copy")
            .map_err(database)?;
        match copy_records(client, COPY_RECORDS, seq, &fresh) {
            Ok(()) => {
                client
                    .batch_execute("RELEASE SAVEPOINT direct_copy")
                    .map_err(database)?;
                written.add(fresh.iter().map(|record| record.id));
                // Tallied with borrowed keys first: a String per record cost more than
                // the rest of the tally.
                let mut tallies: HashMap<&str, i64> = HashMap::new();
                for record in &fresh {
                    *tallies.entry(record.kind).or_default() += 1;
                }
                for (kind, records) in tallies {
                    *self.inserted.entry(kind.to_string()).or_default() += records;
                }
                Ok(fresh.len() as u64)
            }
            Err(error) if error.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                // A concurrent batch committed one of these ids after the look-up, or,
                // while the store tracks its ids, at any time since it began: so
                // another writer stores ids too, and from now on all are looked up.
                written.stop();
                client
                    .batch_execute("ROLLBACK TO SAVEPOINT direct_copy")
                    .map_err(database)?;
                self.write_through_staging(&in_id_order)
            }
            Err(error) => Err(database(error)),
        }
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
                &Uuid(*row.batch_id.as_bytes()),
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
        let seq = self.seq;
        // The unique id decides, even between two writers racing with one batch id.
        let inserted = self
            .client()
            .execute(
                "INSERT INTO batches (seq, id, agency, feed, source_file, content_hash, \
                 started_at, committed_at, rows_read, rows_accepted, rows_quarantined, \
                 records_written, duplicates_skipped) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (id) DO NOTHING",
                &[
                    &seq,
                    &Uuid(*header.id.as_bytes()),
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
        let mut tallies: Vec<_> = std::mem::take(&mut self.inserted).into_iter().collect();
        tallies.sort();
        if !tallies.is_empty() {
            let kinds: Vec<&str> = tallies.iter().map(|(kind, _)| kind.as_str()).collect();
            let agencies: Vec<&str> = vec![header.agency.as_str(); tallies.len()];
            let records: Vec<i64> = tallies.iter().map(|(_, records)| *records).collect();
            self.client()
                .execute(ADD_COUNTS, &[&kinds, &agencies, &records])
                .map_err(database)?;
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

/// COPYs records, in the order given, into `records` or the staging table (same
/// columns). Returns the driver's error as is, so that the caller can tell a unique
/// violation apart.
fn copy_records(
    client: &mut Client,
    copy_sql: &str,
    batch_seq: i64,
    records: &[EncodedRecord<'_>],
) -> Result<(), postgres::Error> {
    let sink = client.copy_in(copy_sql)?;
    let mut copy = BinaryCopyInWriter::new(sink, &RECORD_TYPES);
    for record in records {
        let line = clamp(record.line);
        let reported_at = truncate_to_micros(record.reported_at);
        let values: [&(dyn ToSql + Sync); 13] = [
            &Uuid(*record.id.as_bytes()),
            &Uuid(*record.entity_key.as_bytes()),
            &record.kind,
            &batch_seq,
            &record.source_record_id,
            &line,
            &reported_at,
            &record.sensitivity.as_str(),
            &record.caveats,
            &record.data_class.as_str(),
            &record.predicate,
            &record.review_by,
            &record.properties_json,
        ];
        copy.write(&values)?;
    }
    copy.finish()?;
    Ok(())
}
