//! The ingest driver: one data file into one atomic batch, or into nothing when the
//! same file is already in.
//!
//! Reading and mapping run on a helper thread and hand chunks to the calling thread,
//! which alone writes to the store: a `BatchWriter` need not be `Send`, and on two cores
//! parsing and SQLite inserts then overlap instead of taking turns.

use std::collections::HashSet;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Read;
use std::path::Path;
use std::sync::mpsc;

use chrono::{DateTime, Utc};
use model::{BatchId, RecordId, Schema};
use serde::{Deserialize, Serialize};
use store::{
    BatchCounts, BatchHeader, BatchSummary, EncodedRecords, QuarantinedRow, Store, StoreError,
};

use crate::IngestError;
use crate::mapper::{BatchContext, RawRow, RowMapper};
use crate::profile::MappingProfile;
use crate::read::{BadRow, OpenError, ReadItem, ReadOptions, RowReader, open_reader};

/// How to run an ingest. Time is a parameter, so reruns and tests are reproducible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOptions {
    /// When the batch starts: its header's time, and the reported-at of rows that do
    /// not carry their own.
    pub now: DateTime<Utc>,
    /// Records (or quarantined rows) handed to the store per write.
    pub chunk_rows: usize,
    pub read: ReadOptions,
}

impl IngestOptions {
    pub fn new(now: DateTime<Utc>) -> IngestOptions {
        IngestOptions {
            now,
            chunk_rows: 10_000,
            read: ReadOptions::default(),
        }
    }
}

/// What an ingest is doing, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Hashing the file to find out whether it is already in.
    Hashing,
    /// Reading, mapping and writing rows.
    Reading,
    /// Done: committed, or found already ingested.
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressEvent {
    pub stage: Stage,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub rows_read: u64,
    pub rows_quarantined: u64,
}

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReport {
    pub agency: String,
    pub feed: String,
    pub file: String,
    pub batch_id: BatchId,
    /// The file was in already; nothing was written and `counts` says what it gave then.
    pub already_ingested: bool,
    pub counts: BatchCounts,
}

/// Ingests one data file with its profile into one batch.
///
/// The batch id derives from agency, feed and the BLAKE3 hash of the file's bytes. If
/// that batch is committed already, nothing is written and the report says so; every
/// record the file gave counts as a skipped duplicate. Otherwise every row ends up as
/// records or as a quarantined row, and all of it lands with one commit. An error
/// before the commit leaves nothing behind, so a rerun gives the same counts.
pub fn ingest_file(
    store: &dyn Store,
    profile: &MappingProfile,
    data_path: &Path,
    options: &IngestOptions,
    progress: &mut dyn FnMut(ProgressEvent),
) -> Result<FileReport, IngestError> {
    let mapper = RowMapper::compile(profile, Schema::builtin())?;
    let source_file = data_path.to_string_lossy().into_owned();
    let read_error = |source: OpenError| IngestError::Read {
        path: data_path.to_path_buf(),
        source,
    };
    let io_error = |source: std::io::Error| read_error(OpenError::Io(source));

    let bytes_total = std::fs::metadata(data_path).map_err(io_error)?.len();
    let content_hash = hash_file(data_path, bytes_total, progress).map_err(io_error)?;
    let batch_id = BatchId::new(&profile.agency, &profile.feed, &content_hash);
    let report = |already_ingested: bool, counts: BatchCounts| FileReport {
        agency: profile.agency.clone(),
        feed: profile.feed.clone(),
        file: source_file.clone(),
        batch_id,
        already_ingested,
        counts,
    };
    let finished = |counts: &BatchCounts| ProgressEvent {
        stage: Stage::Finished,
        bytes_done: bytes_total,
        bytes_total,
        rows_read: counts.rows_read,
        rows_quarantined: counts.rows_quarantined,
    };
    if let Some(summary) = store.committed_batch(batch_id)? {
        let counts = already_ingested_counts(&summary);
        progress(finished(&counts));
        return Ok(report(true, counts));
    }

    let file = File::open(data_path).map_err(io_error)?;
    let reader = open_reader(profile, &mapper, file, options.read).map_err(read_error)?;
    let header = BatchHeader {
        id: batch_id,
        agency: profile.agency.clone(),
        feed: profile.feed.clone(),
        source_file: source_file.clone(),
        content_hash,
        started_at: options.now,
    };
    let context = BatchContext {
        batch_id,
        source_file: source_file.clone(),
        batch_time: options.now,
    };
    let mut writer = store.begin_batch(header)?;
    let chunk_rows = options.chunk_rows.max(1);
    // Two chunks in flight: enough to keep both threads busy, little enough memory.
    let (sender, receiver) = mpsc::sync_channel::<Result<Chunk, std::io::Error>>(2);
    // Written chunks go back to the reading thread, which fills their buffers again.
    let (recycler, recycled) = mpsc::channel::<EncodedRecords>();
    let mut counts = BatchCounts::default();
    let mut records_produced = 0;
    std::thread::scope(|scope| -> Result<(), IngestError> {
        let mapper = &mapper;
        let context = &context;
        scope.spawn(move || produce(reader, mapper, context, chunk_rows, &sender, &recycled));
        for chunk in receiver {
            let chunk = chunk.map_err(io_error)?;
            if !chunk.records.is_empty() {
                counts.records_written += writer.write_encoded(&chunk.records)?;
            }
            records_produced += chunk.records.len() as u64 + chunk.duplicates_dropped;
            if !chunk.quarantined.is_empty() {
                writer.write_quarantined(&chunk.quarantined)?;
            }
            // The reading thread may have finished; then the records are dropped here.
            let _ = recycler.send(chunk.records);
            counts.rows_read += chunk.rows_read;
            counts.rows_accepted += chunk.rows_accepted;
            counts.rows_quarantined += chunk.quarantined.len() as u64;
            progress(ProgressEvent {
                stage: Stage::Reading,
                bytes_done: chunk.bytes_read,
                bytes_total,
                rows_read: counts.rows_read,
                rows_quarantined: counts.rows_quarantined,
            });
        }
        Ok(())
    })?;
    counts.duplicates_skipped = records_produced - counts.records_written;
    debug_assert_eq!(
        counts.rows_read,
        counts.rows_accepted + counts.rows_quarantined
    );

    match writer.commit(counts) {
        Ok(summary) => {
            progress(finished(&summary.counts));
            Ok(report(false, summary.counts))
        }
        // Someone else committed the same file meanwhile; ours was rolled back.
        Err(StoreError::BatchExists(_)) => match store.committed_batch(batch_id)? {
            Some(summary) => {
                let counts = already_ingested_counts(&summary);
                progress(finished(&counts));
                Ok(report(true, counts))
            }
            None => Err(StoreError::BatchExists(batch_id).into()),
        },
        Err(error) => Err(error.into()),
    }
}

/// A rerun of a committed file: its rows as counted then, and every record it gave
/// skipped as a duplicate.
fn already_ingested_counts(summary: &BatchSummary) -> BatchCounts {
    BatchCounts {
        records_written: 0,
        duplicates_skipped: summary.counts.records_written + summary.counts.duplicates_skipped,
        ..summary.counts
    }
}

/// BLAKE3 of the file's bytes, as hex, read in blocks so memory stays flat.
fn hash_file(
    path: &Path,
    bytes_total: u64,
    progress: &mut dyn FnMut(ProgressEvent),
) -> std::io::Result<String> {
    const BLOCK: usize = 1 << 20;
    const REPORT_EVERY: u64 = 64 << 20;
    let mut file = File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut block = vec![0u8; BLOCK];
    let mut done: u64 = 0;
    let mut next_report = 0;
    loop {
        let read = match file.read(&mut block) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&block[..read]);
        done += read as u64;
        if done >= next_report {
            progress(ProgressEvent {
                stage: Stage::Hashing,
                bytes_done: done,
                bytes_total,
                rows_read: 0,
                rows_quarantined: 0,
            });
            next_report = done + REPORT_EVERY;
        }
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// What the reading thread hands to the writing one.
#[derive(Default)]
struct Chunk {
    records: EncodedRecords,
    quarantined: Vec<QuarantinedRow>,
    rows_read: u64,
    rows_accepted: u64,
    bytes_read: u64,
    /// Records dropped as repeats of records already sent (see [`SentIds`]).
    duplicates_dropped: u64,
}

/// Reads and maps every row, sending chunks until the file ends, reading fails, or the
/// writer hangs up (it failed, and the batch will be rolled back).
fn produce(
    mut reader: Box<dyn RowReader>,
    mapper: &RowMapper,
    context: &BatchContext,
    chunk_rows: usize,
    sender: &mpsc::SyncSender<Result<Chunk, std::io::Error>>,
    recycled: &mpsc::Receiver<EncodedRecords>,
) {
    let mut row = RawRow::new(mapper.columns().len());
    let mut chunk = Chunk::default();
    let mut seen = SentIds::new();
    let quarantine = |chunk: &mut Chunk, bad: BadRow| {
        chunk.quarantined.push(QuarantinedRow {
            batch_id: context.batch_id,
            agency: mapper.agency().to_string(),
            feed: mapper.feed().to_string(),
            source_file: context.source_file.clone(),
            line: bad.line,
            field: bad.field,
            reason: bad.reason,
            raw: bad.raw,
        });
    };
    loop {
        match reader.next_row(&mut row) {
            Err(error) => {
                let _ = sender.send(Err(error));
                return;
            }
            Ok(None) => break,
            Ok(Some(ReadItem::Row)) => {
                chunk.rows_read += 1;
                let mut first_sending = |id| seen.first_sending(id);
                match mapper.map_row_keeping(&row, context, &mut chunk.records, &mut first_sending)
                {
                    Ok(left_out) => {
                        chunk.rows_accepted += 1;
                        chunk.duplicates_dropped += left_out;
                    }
                    Err(error) => {
                        let bad = BadRow {
                            line: row.line,
                            field: error.field,
                            reason: error.reason,
                            raw: reader.raw_text(),
                        };
                        quarantine(&mut chunk, bad);
                    }
                }
            }
            Ok(Some(ReadItem::Bad(bad))) => {
                chunk.rows_read += 1;
                quarantine(&mut chunk, bad);
            }
        }
        if chunk.records.len() >= chunk_rows || chunk.quarantined.len() >= chunk_rows {
            chunk.bytes_read = reader.bytes_read();
            let records = match recycled.try_recv() {
                Ok(mut records) => {
                    records.clear();
                    records
                }
                Err(_) => EncodedRecords::new(),
            };
            let mut full = std::mem::replace(
                &mut chunk,
                Chunk {
                    records,
                    ..Chunk::default()
                },
            );
            full.records.sort_by_id();
            if sender.send(Ok(full)).is_err() {
                return;
            }
        }
    }
    chunk.bytes_read = reader.bytes_read();
    chunk.records.sort_by_id();
    let _ = sender.send(Ok(chunk));
}

/// Record ids the reading thread has sent in this batch, so that it can leave out a
/// record the store would skip anyway: a feed repeats the same person or vehicle on
/// many rows, and each repeat is an identical record (ids derive from content). The
/// mapper asks before it builds a record ([`RowMapper::map_row_keeping`]), so a repeat
/// costs its hashing and nothing more: neither its strings and maps nor, on the busier
/// writing thread, its encoding and index probe. Bounded, so memory stays flat: when
/// full it forgets everything, and later repeats fall back on the store's own
/// duplicate check.
struct SentIds {
    ids: HashSet<u128, BuildHasherDefault<IdHasher>>,
}

impl SentIds {
    /// Seven eighths of 2^19, the most a table of 2^19 buckets holds before it grows:
    /// 17 bytes a bucket, about 9 MiB.
    const CAPACITY: usize = (1 << 19) / 8 * 7;

    fn new() -> SentIds {
        SentIds {
            ids: HashSet::with_capacity_and_hasher(Self::CAPACITY, Default::default()),
        }
    }

    /// Whether a record with this id is to be sent: true the first time an id is seen
    /// (since the memory was last full), false for a repeat. The first read is the one
    /// kept, as the store would keep it.
    fn first_sending(&mut self, id: RecordId) -> bool {
        if self.ids.len() >= Self::CAPACITY {
            self.ids.clear();
        }
        self.ids.insert(u128::from_be_bytes(*id.as_bytes()))
    }
}

/// Record ids are BLAKE3 output already: their low bits are as good a hash as any.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::DateTime;
    use model::{DataClass, EntityKey, Provenance, SecurityLabels, Sensitivity, SourceRecord};

    use super::*;

    fn record(name: &str, line: u64) -> SourceRecord {
        let labels = SecurityLabels::new(
            Sensitivity::LawEnforcement,
            [],
            DataClass::InvestigativeCase,
            None,
            None,
            "2024-01-01".parse().unwrap(),
        )
        .unwrap();
        SourceRecord::new(
            "Person",
            EntityKey::new("sheriff", "Person", "bookings", &[name]),
            BTreeMap::from([("name".to_string(), vec![name.to_string()])]),
            labels,
            Provenance {
                agency: "sheriff".into(),
                feed: "bookings".into(),
                source_record_id: line.to_string(),
                batch_id: BatchId::new("sheriff", "bookings", "h"),
                source_file: "bookings.csv".into(),
                line,
                reported_at: DateTime::UNIX_EPOCH,
            },
        )
    }

    #[test]
    fn chunks_are_sorted_by_id_and_repeats_left_out_keeping_the_first() {
        let names = ["d", "a", "c", "a", "b", "d", "e", "c", "a"];
        let mut sent = SentIds::new();
        let mut kept = |lines: std::ops::Range<usize>| -> Vec<SourceRecord> {
            lines
                .map(|line| record(names[line], line as u64))
                .filter(|record| sent.first_sending(record.id))
                .collect()
        };
        let mut first = kept(0..6);
        let mut expected = [vec![record("d", 0)], vec![record("a", 1)]].concat();
        expected.extend([record("c", 2), record("b", 4)]);
        assert_eq!(first, expected);
        expected.sort_by_key(|record| record.id);
        let mut encoded = EncodedRecords::from_records(&first);
        encoded.sort_by_id();
        first = encoded.decode().unwrap();
        assert_eq!(first, expected);
        // A repeat of an earlier chunk's record is left out too.
        assert_eq!(kept(6..9), vec![record("e", 6)]);
    }
}
