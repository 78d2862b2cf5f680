//! The storage interface: one trait, several backends, one conformance suite.
//!
//! Only backend crates know SQL. Callers hand over records ([`EncodedRecords`] on the
//! bulk path, or [`SourceRecord`]s) and [`QuarantinedRow`]s inside a [`BatchWriter`], which is atomic: either its commit
//! lands the whole batch, or nothing of it is visible (drop, error, crash, kill -9).
//! Every backend keeps timestamps to the microsecond (truncated towards the past).

pub mod audit;
pub mod conformance;
pub mod conformance_audit;
pub mod conformance_directory;
pub mod conformance_operations;
pub mod conformance_resolution;
pub mod conformance_retention;
pub mod conformance_watchlists;
pub mod directory;
pub mod dissemination;
mod encoded;
pub mod operations;
pub mod resolution;
pub mod retention;
mod stored;
mod types;
pub mod watchlists;

pub use audit::{
    AuditAction, AuditAnchor, AuditEntry, AuditFault, AuditLog, AuditOutcome, AuditQuery,
    AuditVerification, ChainHash, NewAuditEntry,
};
pub use directory::{
    Agency, Agreement, ApiToken, CaseFile, Directory, LogonAttempt, Session, UserAccount,
    Validation,
};
pub use dissemination::{Dissemination, DisseminationTarget, disseminations};
pub use encoded::{
    EncodedRecord, EncodedRecords, IdOrder, RecordHead, TextRef, write_properties_json,
};
pub use operations::{
    NewNotification, NewOperation, Notification, NotifiedOverlap, Operations, RegisteredOperation,
};
pub use resolution::{
    AssignmentUpdate, EntityRedirect, Judgement, JudgementKind, NewJudgement, PairRole,
    RedirectReason, ResolutionRun, ResolutionState, RunPair, active_judgements,
};
pub use retention::{PurgeRequest, Purged, Retention, ReviewItem, Tombstone, review_due};
pub use stored::{StoredLabels, decode_properties};
pub use watchlists::{Alert, Disclosure, NewAlert, NewWatch, Watch, Watchlists};

pub use types::{
    BatchCounts, BatchHeader, BatchSummary, KindAgencyCount, QuarantineCount, QuarantinedRow,
    RecordQuery, StoreStatus,
};

use model::{BatchId, RecordId, SourceRecord};

/// What went wrong in a store. Callers can tell their own mistakes from the store's.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL or options do not name a usable store.
    #[error("cannot open store {url}: {reason}")]
    Open { url: String, reason: String },
    /// The database holds a schema newer than this build understands.
    #[error("the database is at schema version {found}; this build knows up to {known}")]
    SchemaTooNew { found: i64, known: i64 },
    /// A batch with this id was already committed. Reported by
    /// [`BatchWriter::commit`], which then rolls the whole batch back.
    #[error("batch {0} is already committed")]
    BatchExists(BatchId),
    /// A record or quarantined row names another batch than the open one (a caller's
    /// bug); nothing of that call was written.
    #[error("the open batch is {expected}, but a row names batch {found}")]
    ForeignBatch { expected: BatchId, found: BatchId },
    /// A record's agency, feed or source file is not its batch's (a caller's bug): a
    /// batch brings the records of one file of one feed. Nothing of that call was
    /// written.
    #[error("the open batch's {field} is {batch:?}, but a record's is {record:?}")]
    ForeignProvenance {
        field: &'static str,
        batch: String,
        record: String,
    },
    /// Stored data that does not parse back (a bug or a hand edit).
    #[error("corrupt row in {table}: {reason}")]
    Corrupt { table: &'static str, reason: String },
    /// The caller asked for something the store's rules forbid (say, a judgement
    /// without a reason); nothing was written.
    #[error("refused: {0}")]
    Refused(String),
    /// The database failed; the message is for logs, not for end users.
    #[error("database error: {0}")]
    Database(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A time as every backend keeps it: to the microsecond, truncated towards the past
/// (PostgreSQL's resolution).
pub fn truncate_to_micros(moment: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_micros(moment.timestamp_micros()).unwrap_or(moment)
}

/// A quarantined row's `raw` text as every backend stores it: NUL, which PostgreSQL
/// text cannot hold, becomes U+FFFD like the other bytes lossy decoding replaced.
pub fn raw_without_nul(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains('\0') {
        std::borrow::Cow::Owned(raw.replace('\0', "\u{fffd}"))
    } else {
        std::borrow::Cow::Borrowed(raw)
    }
}

/// The storage interface. Implementations are cheap to share across threads.
pub trait Store: Send + Sync {
    /// `sqlite` or `postgres`, for reports.
    fn backend(&self) -> &'static str;

    /// Starts an atomic batch. Nothing written through the writer is visible to
    /// readers until [`BatchWriter::commit`] returns.
    fn begin_batch(&self, header: BatchHeader) -> StoreResult<Box<dyn BatchWriter + '_>>;

    /// The committed batch with this id, if any.
    fn committed_batch(&self, id: BatchId) -> StoreResult<Option<BatchSummary>>;

    /// All committed batches, oldest first.
    fn batches(&self) -> StoreResult<Vec<BatchSummary>>;

    /// Counts by kind and agency, and quarantined rows by feed.
    fn status(&self) -> StoreResult<StoreStatus>;

    /// Quarantined rows, in batch (commit) order then line order; `batch` narrows to
    /// one batch. `limit` 0 gives an empty page.
    fn quarantined(
        &self,
        batch: Option<BatchId>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Vec<QuarantinedRow>>;

    /// One record by id.
    fn record(&self, id: RecordId) -> StoreResult<Option<SourceRecord>>;

    /// Records matching a query, ordered by id, one page at a time (`limit` 0 gives an
    /// empty page).
    fn records(&self, query: &RecordQuery) -> StoreResult<Vec<SourceRecord>>;

    /// The store's append-only, hash-chained audit log (see [`audit`]). A separate
    /// trait so that audit code can be handed the log alone.
    fn audit(&self) -> &dyn AuditLog;

    /// Judgements, entity assignment, redirects and runs of entity resolution (see
    /// [`resolution`]).
    fn resolution(&self) -> &dyn ResolutionState;

    /// Registered planned operations and deconfliction notifications (see
    /// [`operations`]).
    fn operations(&self) -> &dyn Operations;

    /// Standing watches and their alerts (see [`watchlists`]).
    fn watchlists(&self) -> &dyn Watchlists;

    /// Purges and tombstones (see [`retention`]).
    fn retention(&self) -> &dyn Retention;

    /// Agencies, accounts, cases, agreements, log-ons, sessions, tokens and Part 23
    /// validations (see [`directory`]).
    fn directory(&self) -> &dyn Directory;
}

/// An open, uncommitted batch. Dropping it without commit rolls it back.
pub trait BatchWriter {
    /// Writes the records of one or more chunks; returns how many were new. Records
    /// whose id is already stored (in an earlier batch or earlier in this one) are
    /// skipped, not errors; of equal ids within one call the first is kept, in the
    /// order given: chunk after chunk, and within a chunk record after record. A
    /// record naming another batch, or with another agency, feed or source file than
    /// the batch's, fails the whole call with [`StoreError::ForeignBatch`] or
    /// [`StoreError::ForeignProvenance`] before anything is written
    /// ([`EncodedRecord::check_batch`]). Stores write the records in id order
    /// ([`IdOrder`]), so that more chunks in one call walk the id index with more
    /// locality.
    fn write_encoded(&mut self, chunks: &[&EncodedRecords]) -> StoreResult<u64>;

    /// [`BatchWriter::write_encoded`] for records built the general way.
    fn write_records(&mut self, records: &[SourceRecord]) -> StoreResult<u64> {
        self.write_encoded(&[&EncodedRecords::from_records(records)])
    }

    /// Writes quarantined rows of this batch.
    fn write_quarantined(&mut self, rows: &[QuarantinedRow]) -> StoreResult<()>;

    /// Makes the whole batch visible at once, with its final counts.
    fn commit(self: Box<Self>, counts: BatchCounts) -> StoreResult<BatchSummary>;
}
