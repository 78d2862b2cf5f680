//! The ingest driver: one data file into one atomic batch, or into nothing when the
//! same file is already in.
//!
//! Reading and mapping run on a helper thread and hand chunks to the calling thread,
//! which alone writes to the store: a `BatchWriter` need not be `Send`, and on two cores
//! parsing and SQLite inserts then overlap instead of taking turns.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};

use chrono::{DateTime, Utc};
use model::{BatchId, Schema};
use serde::{Deserialize, Serialize};
use store::{
    BatchCounts, BatchHeader, BatchSummary, EncodedRecords, QuarantinedRow, Store, StoreError,
};

use crate::IngestError;
use crate::mapper::{BatchContext, RawRow, RowMapper};
use crate::profile::MappingProfile;
use crate::read::{
    BadRow, Decoder, OpenError, ReadItem, ReadOptions, RowReader, open_reader, raw_row_text,
};
use crate::sent::SentIds;

/// How to run an ingest. Time is a parameter, so reruns and tests are reproducible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOptions {
    /// When the batch starts: its header's time, and the reported-at of rows that do
    /// not carry their own.
    pub now: DateTime<Utc>,
    /// Rows read, mapped and handed to the store as one chunk. Each chunk's records go
    /// in sorted by id, so larger chunks walk the id index with more locality.
    pub chunk_rows: usize,
    pub read: ReadOptions,
}

impl IngestOptions {
    pub fn new(now: DateTime<Utc>) -> IngestOptions {
        IngestOptions {
            now,
            chunk_rows: 12_000,
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

/// One data file to ingest, with the profile of its feed.
#[derive(Debug, Clone, Copy)]
pub struct FileToIngest<'a> {
    pub profile: &'a MappingProfile,
    pub path: &'a Path,
}

/// Why a run of [`ingest_files`] stopped: the file at `index` could not be ingested.
/// The files before it are committed (or were in already); nothing of it or of the
/// files after it is stored.
#[derive(Debug)]
pub struct FileFailure {
    pub index: usize,
    pub error: IngestError,
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
    let file = FileToIngest {
        profile,
        path: data_path,
    };
    let reports = ingest_files(store, &[file], options, &mut |_, event| progress(event))
        .map_err(|failure| failure.error)?;
    reports
        .into_iter()
        .next()
        .ok_or_else(|| IngestError::Store(StoreError::Refused("no file was ingested".into())))
}

/// Ingests files one batch each, in the order given, as [`ingest_file`] does for one;
/// `progress` hears of the file at each index. Stops at the first file that cannot be
/// ingested.
///
/// The files flow through a pipeline whose stages overlap on every core: a thread
/// hashes the files ahead; one reads rows into blocks; two map blocks into chunks of
/// records; and the calling thread alone writes to the store (a `BatchWriter` need not
/// be `Send`), taking the chunks in reading order and committing each batch while the
/// next file is already being mapped. Every stage holds a bounded number of blocks and
/// chunks, so memory stays flat.
pub fn ingest_files(
    store: &dyn Store,
    files: &[FileToIngest<'_>],
    options: &IngestOptions,
    progress: &mut dyn FnMut(usize, ProgressEvent),
) -> Result<Vec<FileReport>, FileFailure> {
    let block_rows = options.chunk_rows.max(1);
    std::thread::scope(|scope| {
        // Room for every file's hash: the hashing thread runs ahead of the whole run,
        // so a large file after small ones finds its hash ready (one of 1.8 GB after
        // nine small ones stalled every other thread for a second).
        let (hash_sender, hashes) =
            mpsc::sync_channel::<std::io::Result<FileHash>>(files.len().max(1));
        // Blocks wait here for a mapping thread: enough to keep them busy. Shared by
        // the mapping threads, so that when they all stop the reader's sends fail.
        let (block_sender, blocks) = mpsc::sync_channel::<RowBlock>(MAPPING_THREADS);
        let blocks = Arc::new(Mutex::new(blocks));
        // Mapped blocks go back to the reading thread, which fills them again.
        let (block_recycler, recycled_blocks) = mpsc::channel::<RowBlock>();
        // Everything for the writer, numbered in reading order.
        let (sender, receiver) = mpsc::sync_channel::<(u64, Message)>(2 * CHUNKS_IN_FLIGHT);
        // Closed when this thread leaves the scope, early or not, so no mapping
        // thread waits for a buffer that will never come back.
        let buffers = ClosingBuffers(Arc::new(ChunkBuffers::new()));
        scope.spawn(move || hash_files(files, &hash_sender));
        let reading = ReadFiles {
            store,
            files,
            options,
            block_rows,
            writer: sender.clone(),
            blocks: block_sender,
            recycled: recycled_blocks,
        };
        scope.spawn(move || reading.run(&hashes));
        for _ in 0..MAPPING_THREADS {
            let blocks = Arc::clone(&blocks);
            let buffers = Arc::clone(&buffers.0);
            let (sender, recycler) = (sender.clone(), block_recycler.clone());
            scope.spawn(move || map_blocks(&blocks, &buffers, &sender, &recycler));
        }
        // The threads hold the only senders and block queue: the loop below ends when
        // all of them are done, and they stop when it does.
        drop((sender, block_recycler, blocks));
        let mut writing = WriteFiles {
            store,
            files,
            progress,
            reports: Vec::with_capacity(files.len()),
            open: None,
        };
        writing.progress_of_next();
        let mut next = 0;
        let mut waiting: BTreeMap<u64, Message> = BTreeMap::new();
        for (number, message) in receiver {
            waiting.insert(number, message);
            while let Some(message) = waiting.remove(&next) {
                next += 1;
                let index = writing.reports.len();
                writing
                    .take(message, &buffers.0)
                    .map_err(|error| FileFailure { index, error })?;
            }
        }
        if writing.reports.len() < files.len() {
            // The threads ended without a word: one of them panicked.
            let index = writing.reports.len();
            let error = StoreError::Refused("an ingest thread stopped".into()).into();
            return Err(FileFailure { index, error });
        }
        Ok(writing.reports)
    })
}

/// Threads mapping rows into records. Two: on the two-core machines this is measured
/// on, mapping is the larger half of an ingest and the writer the other.
const MAPPING_THREADS: usize = 2;

/// How much lower than the rest of the run a mapping thread's scheduling priority is
/// (its nice value, higher is lower). The writer is the pipeline's narrowest stage: on
/// two cores with two mapping threads beside it, a fair share left it two thirds of a
/// core, and the chunks it had not written piled up to the end of the run. With the
/// mapping threads behind it, the writer runs whenever it has a chunk and they take
/// the rest (docs/benchmarks.md, item 14: faster in most alternated pairs on both
/// backends, the cores idle 0.1–0.2 s less).
const MAPPING_NICENESS: i32 = 10;

/// Lowers the calling mapping thread's priority by [`MAPPING_NICENESS`] (capped at the
/// lowest, 19). Linux only, where a nice value is a thread's own; elsewhere, and if
/// the system refuses, the thread keeps its priority: only speed depends on it.
fn yield_to_the_writer() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let thread = Some(rustix::thread::gettid());
        if let Ok(nice) = getpriority_process(thread) {
            let _ = setpriority_process(thread, (nice + MAPPING_NICENESS).min(19));
        }
    }
}

/// Chunks the writer hands to the store at once, merged in id order ([`store::IdOrder`]):
/// inserts that walk the id index with more records land more often on a page just
/// visited. Once a store's index outgrows the caches that is most of its cost: the
/// large world (15M records) into SQLite took 13 % less user CPU with eight chunks
/// than with one (the writer thread 29 % less), for some 230 MiB more memory
/// (docs/benchmarks.md, item 18).
const CHUNKS_PER_WRITE: usize = 8;

/// Chunks mapped but not yet written, at most: those the writer is writing and as many
/// again for the mapping threads to fill meanwhile. With only four more, the mapping
/// threads stopped whenever the writer wrote, and the two stages took turns instead of
/// sharing the cores (docs/benchmarks.md, item 19). Memory stays bounded by the count.
const CHUNKS_IN_FLIGHT: usize = 2 * CHUNKS_PER_WRITE;

/// Record buffers for chunks, a fixed number of them passed around: a mapping thread
/// takes one before it takes a block, and the writer gives it back once written. That
/// bounds the chunks in flight, and since buffers are taken before blocks (which go out
/// in reading order), the chunk the writer waits for always has its buffer.
struct ChunkBuffers {
    state: Mutex<BufferState>,
    returned: Condvar,
}

#[derive(Default)]
struct BufferState {
    free: Vec<EncodedRecords>,
    made: usize,
    /// The writer is gone: nobody gives buffers back any more.
    closed: bool,
}

impl ChunkBuffers {
    fn new() -> ChunkBuffers {
        ChunkBuffers {
            state: Mutex::new(BufferState::default()),
            returned: Condvar::new(),
        }
    }

    /// An empty buffer, waiting for one while all are in flight; `None` once closed.
    fn take(&self) -> Option<EncodedRecords> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if state.closed {
                return None;
            }
            if let Some(mut buffer) = state.free.pop() {
                buffer.clear();
                return Some(buffer);
            }
            if state.made < CHUNKS_IN_FLIGHT {
                state.made += 1;
                return Some(EncodedRecords::new());
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn give_back(&self, buffer: EncodedRecords) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.free.push(buffer);
        self.returned.notify_one();
    }

    fn close(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.closed = true;
        self.returned.notify_all();
    }
}

/// The writer's handle on the buffers: closes them when dropped.
struct ClosingBuffers(Arc<ChunkBuffers>);

impl Drop for ClosingBuffers {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// A file's size and content hash, from the hashing thread.
struct FileHash {
    bytes_total: u64,
    content_hash: String,
}

/// What the mapping thread tells the writing one, file after file.
enum Message {
    /// The file's batch is committed already: nothing to write.
    AlreadyIn {
        summary: BatchSummary,
        bytes_total: u64,
    },
    /// The file's batch begins.
    Begin {
        header: BatchHeader,
        bytes_total: u64,
    },
    Chunk(Chunk),
    /// Every row of the file was sent: commit.
    End,
    /// The file cannot be ingested; nothing of it may be committed.
    Failed(IngestError),
}

/// The writing side of [`ingest_files`], on the calling thread.
struct WriteFiles<'run, 'store> {
    store: &'store dyn Store,
    files: &'run [FileToIngest<'run>],
    progress: &'run mut dyn FnMut(usize, ProgressEvent),
    reports: Vec<FileReport>,
    open: Option<OpenBatch<'store>>,
}

/// The batch being written.
struct OpenBatch<'store> {
    writer: Box<dyn store::BatchWriter + 'store>,
    header: BatchHeader,
    bytes_total: u64,
    counts: BatchCounts,
    records_produced: u64,
    /// Chunks received, in reading order, not yet written: up to [`CHUNKS_PER_WRITE`].
    unwritten: Vec<EncodedRecords>,
}

impl OpenBatch<'_> {
    /// Writes the chunks gathered so far in one call and gives their buffers back.
    fn write_unwritten(&mut self, buffers: &ChunkBuffers) -> Result<(), StoreError> {
        if self.unwritten.is_empty() {
            return Ok(());
        }
        let chunks: Vec<&EncodedRecords> = self.unwritten.iter().collect();
        self.counts.records_written += self.writer.write_encoded(&chunks)?;
        for chunk in self.unwritten.drain(..) {
            buffers.give_back(chunk);
        }
        Ok(())
    }
}

impl<'store> WriteFiles<'_, 'store> {
    /// The next file's turn begins: it is being hashed, or is already.
    fn progress_of_next(&mut self) {
        let index = self.reports.len();
        if index < self.files.len() {
            let event = ProgressEvent {
                stage: Stage::Hashing,
                bytes_done: 0,
                bytes_total: 0,
                rows_read: 0,
                rows_quarantined: 0,
            };
            (self.progress)(index, event);
        }
    }

    fn take(&mut self, message: Message, buffers: &ChunkBuffers) -> Result<(), IngestError> {
        let index = self.reports.len();
        match message {
            Message::Failed(error) => Err(error),
            Message::AlreadyIn {
                summary,
                bytes_total,
            } => {
                let counts = already_ingested_counts(&summary);
                self.finish(true, summary.header, counts, bytes_total);
                Ok(())
            }
            Message::Begin {
                header,
                bytes_total,
            } => {
                let writer = self.store.begin_batch(header.clone())?;
                self.open = Some(OpenBatch {
                    writer,
                    header,
                    bytes_total,
                    counts: BatchCounts::default(),
                    records_produced: 0,
                    unwritten: Vec::with_capacity(CHUNKS_PER_WRITE),
                });
                Ok(())
            }
            Message::Chunk(chunk) => {
                let Some(open) = self.open.as_mut() else {
                    return Err(StoreError::Refused("a chunk came before its batch".into()).into());
                };
                open.records_produced += chunk.records.len() as u64 + chunk.duplicates_dropped;
                if !chunk.quarantined.is_empty() {
                    open.writer.write_quarantined(&chunk.quarantined)?;
                }
                if chunk.records.is_empty() {
                    buffers.give_back(chunk.records);
                } else {
                    open.unwritten.push(chunk.records);
                    if open.unwritten.len() == CHUNKS_PER_WRITE {
                        open.write_unwritten(buffers)?;
                    }
                }
                let counts = &mut open.counts;
                counts.rows_read += chunk.rows_read;
                counts.rows_accepted += chunk.rows_accepted;
                counts.rows_quarantined += chunk.quarantined.len() as u64;
                let event = ProgressEvent {
                    stage: Stage::Reading,
                    bytes_done: chunk.bytes_read,
                    bytes_total: open.bytes_total,
                    rows_read: counts.rows_read,
                    rows_quarantined: counts.rows_quarantined,
                };
                (self.progress)(index, event);
                Ok(())
            }
            Message::End => {
                let Some(mut open) = self.open.take() else {
                    return Err(StoreError::Refused("a batch ended before it began".into()).into());
                };
                open.write_unwritten(buffers)?;
                let mut counts = open.counts;
                counts.duplicates_skipped = open.records_produced - counts.records_written;
                debug_assert_eq!(
                    counts.rows_read,
                    counts.rows_accepted + counts.rows_quarantined
                );
                let batch_id = open.header.id;
                match open.writer.commit(counts) {
                    Ok(summary) => {
                        self.finish(false, summary.header, summary.counts, open.bytes_total);
                        Ok(())
                    }
                    // Someone else committed the same file meanwhile; ours was rolled back.
                    Err(StoreError::BatchExists(_)) => {
                        match self.store.committed_batch(batch_id)? {
                            Some(summary) => {
                                let counts = already_ingested_counts(&summary);
                                self.finish(true, summary.header, counts, open.bytes_total);
                                Ok(())
                            }
                            None => Err(StoreError::BatchExists(batch_id).into()),
                        }
                    }
                    Err(error) => Err(error.into()),
                }
            }
        }
    }

    /// Reports the file done and announces the next.
    fn finish(
        &mut self,
        already_ingested: bool,
        header: BatchHeader,
        counts: BatchCounts,
        bytes_total: u64,
    ) {
        let index = self.reports.len();
        let file = &self.files[index];
        let event = ProgressEvent {
            stage: Stage::Finished,
            bytes_done: bytes_total,
            bytes_total,
            rows_read: counts.rows_read,
            rows_quarantined: counts.rows_quarantined,
        };
        (self.progress)(index, event);
        self.reports.push(FileReport {
            agency: file.profile.agency.clone(),
            feed: file.profile.feed.clone(),
            file: file.path.to_string_lossy().into_owned(),
            batch_id: header.id,
            already_ingested,
            counts,
        });
        self.progress_of_next();
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

/// The hashing thread: each file's size and BLAKE3 hash, in order, until the files end
/// or the mapping thread hangs up.
fn hash_files(files: &[FileToIngest<'_>], sender: &mpsc::SyncSender<std::io::Result<FileHash>>) {
    for file in files {
        let hash = std::fs::metadata(file.path).and_then(|metadata| {
            Ok(FileHash {
                bytes_total: metadata.len(),
                content_hash: hash_file(file.path)?,
            })
        });
        if sender.send(hash).is_err() {
            return;
        }
    }
}

/// The reading thread: for each file, either word that it is in already, or its batch
/// header, its blocks of rows and its end; or why it fails, and then nothing more.
struct ReadFiles<'run> {
    store: &'run dyn Store,
    files: &'run [FileToIngest<'run>],
    options: &'run IngestOptions,
    block_rows: usize,
    writer: mpsc::SyncSender<(u64, Message)>,
    blocks: mpsc::SyncSender<RowBlock>,
    recycled: mpsc::Receiver<RowBlock>,
}

impl ReadFiles<'_> {
    fn run(&self, hashes: &mpsc::Receiver<std::io::Result<FileHash>>) {
        let mut number = 0;
        for file in self.files {
            let read_error = |source: OpenError| IngestError::Read {
                path: file.path.to_path_buf(),
                source,
            };
            let Ok(hash) = hashes.recv() else { return };
            let started = hash
                .map_err(|error| read_error(OpenError::Io(error)))
                .and_then(|hash| start_file(self.store, file, self.options, hash));
            let (mapper, reader, header, bytes_total) = match started {
                Ok(Started::AlreadyIn {
                    summary,
                    bytes_total,
                }) => {
                    let message = Message::AlreadyIn {
                        summary,
                        bytes_total,
                    };
                    if !self.send(&mut number, message) {
                        return;
                    }
                    continue;
                }
                Ok(Started::New {
                    mapper,
                    reader,
                    header,
                    bytes_total,
                }) => (mapper, reader, header, bytes_total),
                Err(error) => {
                    self.send(&mut number, Message::Failed(error));
                    return;
                }
            };
            let work = Arc::new(FileWork {
                context: BatchContext {
                    batch_id: header.id,
                    source_file: header.source_file.clone(),
                    batch_time: self.options.now,
                },
                mapper: *mapper,
                decoder: reader.decoder(),
            });
            let begin = Message::Begin {
                header,
                bytes_total,
            };
            if !self.send(&mut number, begin) {
                return;
            }
            match self.read_blocks(reader, &work, &mut number) {
                Ok(true) => {
                    if !self.send(&mut number, Message::End) {
                        return;
                    }
                }
                // The writer hung up: it failed, and the batch is rolled back.
                Ok(false) => return,
                Err(error) => {
                    let error = read_error(OpenError::Io(error));
                    self.send(&mut number, Message::Failed(error));
                    return;
                }
            }
        }
    }

    /// Sends a message straight to the writer, numbered; false if it hung up.
    fn send(&self, number: &mut u64, message: Message) -> bool {
        let sent = self.writer.send((*number, message)).is_ok();
        *number += 1;
        sent
    }

    /// Reads every row of one file into blocks for the mapping threads: true when the
    /// file ended, false when they hung up, or the error reading failed with.
    fn read_blocks(
        &self,
        mut reader: Box<dyn RowReader>,
        work: &Arc<FileWork>,
        number: &mut u64,
    ) -> std::io::Result<bool> {
        loop {
            let mut block = self.recycled.try_recv().unwrap_or_default();
            block.start(*number, work, self.block_rows);
            let mut ended = false;
            while block.items.len() < self.block_rows {
                let row = block.next_row();
                match reader.next_row(row)? {
                    None => {
                        ended = true;
                        break;
                    }
                    Some(ReadItem::Row) => {
                        let raw = reader.raw_bytes();
                        block.keep_row(raw);
                    }
                    Some(ReadItem::Bad(bad)) => block.items.push(BlockItem::Bad(bad)),
                }
            }
            block.bytes_read = reader.bytes_read();
            if !block.items.is_empty() {
                *number += 1;
                if self.blocks.send(block).is_err() {
                    return Ok(false);
                }
            }
            if ended {
                return Ok(true);
            }
        }
    }
}

/// What every block of one file shares.
struct FileWork {
    mapper: RowMapper,
    context: BatchContext,
    /// Decodes the bytes of a row the mapper rejects, for the quarantine.
    decoder: Decoder,
}

/// Rows read in a row, for a mapping thread. Buffers are kept from use to use.
#[derive(Default)]
struct RowBlock {
    /// Its place in the writer's order.
    number: u64,
    work: Option<Arc<FileWork>>,
    /// Columns of the file's rows.
    slots: usize,
    /// The rows filled so far are `rows[..filled]`; the rest are spare.
    rows: Vec<RawRow>,
    filled: usize,
    /// Each good row's bytes as in the file, kept until it maps (or is quarantined).
    raw: Vec<u8>,
    raw_ends: Vec<usize>,
    items: Vec<BlockItem>,
    bytes_read: u64,
}

enum BlockItem {
    /// The row at this index of `rows`.
    Row(usize),
    Bad(BadRow),
}

impl RowBlock {
    /// Readies the block for `rows` rows of `work`'s file. Its lists are sized for a
    /// whole block at once: grown step by step, each step copied them into fresh
    /// memory, which showed in the run's first blocks.
    fn start(&mut self, number: u64, work: &Arc<FileWork>, rows: usize) {
        self.number = number;
        self.work = Some(Arc::clone(work));
        self.slots = work.mapper.columns().len();
        if self
            .rows
            .first()
            .is_some_and(|row| row.slot_count() != self.slots)
        {
            for row in &mut self.rows {
                row.set_slot_count(self.slots);
            }
        }
        self.filled = 0;
        self.raw.clear();
        self.raw_ends.clear();
        self.items.clear();
        self.bytes_read = 0;
        self.raw_ends.reserve(rows);
        self.items.reserve(rows);
        self.rows.reserve(rows.saturating_sub(self.rows.len()));
    }

    /// The row to read into next.
    fn next_row(&mut self) -> &mut RawRow {
        if self.filled == self.rows.len() {
            self.rows.push(RawRow::new(self.slots));
        }
        &mut self.rows[self.filled]
    }

    /// Keeps the row just read into [`RowBlock::next_row`], with its bytes.
    fn keep_row(&mut self, raw: &[u8]) {
        self.items.push(BlockItem::Row(self.filled));
        self.filled += 1;
        self.raw.extend_from_slice(raw);
        self.raw_ends.push(self.raw.len());
    }

    /// The text a quarantine keeps for the row at `index` of `rows`.
    fn raw_text(&self, index: usize, decoder: &Decoder) -> String {
        let start = if index == 0 {
            0
        } else {
            self.raw_ends[index - 1]
        };
        raw_row_text(decoder, &self.raw[start..self.raw_ends[index]])
    }
}

/// A mapping thread: takes a chunk buffer, then the next block, maps its rows and
/// hands the chunk to the writer, until the reading thread is done.
fn map_blocks(
    blocks: &Mutex<mpsc::Receiver<RowBlock>>,
    buffers: &ChunkBuffers,
    writer: &mpsc::SyncSender<(u64, Message)>,
    recycler: &mpsc::Sender<RowBlock>,
) {
    yield_to_the_writer();
    let mut seen = SentIds::new();
    let mut seen_batch = None;
    loop {
        let Some(records) = buffers.take() else {
            return;
        };
        let block = {
            let blocks = blocks.lock().unwrap_or_else(PoisonError::into_inner);
            blocks.recv()
        };
        let Ok(block) = block else { return };
        let Some(work) = block.work.clone() else {
            return;
        };
        // Repeats are left out within one batch only.
        if seen_batch != Some(work.context.batch_id) {
            seen.clear();
            seen_batch = Some(work.context.batch_id);
        }
        let chunk = map_block(&block, &work, records, &mut seen);
        let number = block.number;
        // The reading thread may have finished; then the block is dropped here.
        let _ = recycler.send(block);
        if writer.send((number, Message::Chunk(chunk))).is_err() {
            return;
        }
    }
}

/// Maps one block's rows into a chunk: records for the good rows, the rest quarantined
/// with their line, field and reason, in reading order; records sorted by id.
fn map_block(
    block: &RowBlock,
    work: &FileWork,
    records: EncodedRecords,
    seen: &mut SentIds,
) -> Chunk {
    let mapper = &work.mapper;
    let context = &work.context;
    let mut chunk = Chunk {
        records,
        bytes_read: block.bytes_read,
        ..Chunk::default()
    };
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
    for item in &block.items {
        chunk.rows_read += 1;
        match item {
            BlockItem::Row(index) => {
                let row = &block.rows[*index];
                let mut first_sending = |entity, id| seen.first_sending(entity, id);
                match mapper.map_row_keeping(row, context, &mut chunk.records, &mut first_sending) {
                    Ok(left_out) => {
                        chunk.rows_accepted += 1;
                        chunk.duplicates_dropped += left_out;
                    }
                    Err(error) => {
                        let bad = BadRow {
                            line: row.line,
                            field: error.field,
                            reason: error.reason,
                            raw: block.raw_text(*index, &work.decoder),
                        };
                        quarantine(&mut chunk, bad);
                    }
                }
            }
            BlockItem::Bad(bad) => quarantine(&mut chunk, bad.clone()),
        }
    }
    chunk.records.sort_by_id();
    chunk
}

/// A file about to be read, or one that is in already.
enum Started {
    AlreadyIn {
        summary: BatchSummary,
        bytes_total: u64,
    },
    New {
        mapper: Box<RowMapper>,
        reader: Box<dyn RowReader>,
        header: BatchHeader,
        bytes_total: u64,
    },
}

fn start_file(
    store: &dyn Store,
    file: &FileToIngest<'_>,
    options: &IngestOptions,
    hash: FileHash,
) -> Result<Started, IngestError> {
    let profile = file.profile;
    let mapper = RowMapper::compile(profile, Schema::builtin())?;
    let batch_id = BatchId::new(&profile.agency, &profile.feed, &hash.content_hash);
    if let Some(summary) = store.committed_batch(batch_id)? {
        return Ok(Started::AlreadyIn {
            summary,
            bytes_total: hash.bytes_total,
        });
    }
    let read_error = |source: OpenError| IngestError::Read {
        path: file.path.to_path_buf(),
        source,
    };
    let data = File::open(file.path).map_err(|error| read_error(OpenError::Io(error)))?;
    let reader = open_reader(profile, &mapper, data, options.read).map_err(read_error)?;
    let header = BatchHeader {
        id: batch_id,
        agency: profile.agency.clone(),
        feed: profile.feed.clone(),
        source_file: file.path.to_string_lossy().into_owned(),
        content_hash: hash.content_hash,
        started_at: options.now,
    };
    Ok(Started::New {
        mapper: Box::new(mapper),
        reader,
        header,
        bytes_total: hash.bytes_total,
    })
}

/// BLAKE3 of the file's bytes, as hex, read in blocks so memory stays flat.
fn hash_file(path: &Path) -> std::io::Result<String> {
    const BLOCK: usize = 1 << 20;
    let mut file = File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut block = vec![0u8; BLOCK];
    loop {
        let read = match file.read(&mut block) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&block[..read]);
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// A mapped block, for the writer.
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

    #[cfg(target_os = "linux")]
    #[test]
    fn a_mapping_thread_runs_behind_the_writer() {
        use rustix::process::getpriority_process;
        let own = getpriority_process(None).unwrap();
        let (before, after) = std::thread::spawn(|| {
            let thread = Some(rustix::thread::gettid());
            let before = getpriority_process(thread).unwrap();
            yield_to_the_writer();
            (before, getpriority_process(thread).unwrap())
        })
        .join()
        .unwrap();
        assert_eq!(after, (before + MAPPING_NICENESS).min(19));
        // The calling thread, the writer, keeps its priority.
        assert_eq!(getpriority_process(None).unwrap(), own);
    }

    #[test]
    fn chunks_are_sorted_by_id_and_repeats_left_out_keeping_the_first() {
        let names = ["d", "a", "c", "a", "b", "d", "e", "c", "a"];
        let mut sent = SentIds::new();
        let mut kept = |lines: std::ops::Range<usize>| -> Vec<SourceRecord> {
            lines
                .map(|line| record(names[line], line as u64))
                .filter(|record| sent.first_sending(0, record.id))
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
