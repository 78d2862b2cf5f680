//! Plain data crossing the storage interface.

use chrono::{DateTime, Utc};
use model::{BatchId, EntityKey, RecordId};
use serde::{Deserialize, Serialize};

/// What is known about a batch when it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchHeader {
    pub id: BatchId,
    pub agency: String,
    pub feed: String,
    pub source_file: String,
    /// BLAKE3 of the file's bytes, hex.
    pub content_hash: String,
    pub started_at: DateTime<Utc>,
}

/// What a batch did, row by row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCounts {
    /// Data rows read from the file (header excluded).
    pub rows_read: u64,
    /// Rows that produced records.
    pub rows_accepted: u64,
    /// Rows quarantined with a reason.
    pub rows_quarantined: u64,
    /// Records written that were not stored before.
    pub records_written: u64,
    /// Records skipped because an identical record was already stored.
    pub duplicates_skipped: u64,
}

/// A committed batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub header: BatchHeader,
    pub counts: BatchCounts,
    pub committed_at: DateTime<Utc>,
}

/// A row that could not be taken in, with where it was and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedRow {
    pub batch_id: BatchId,
    pub agency: String,
    pub feed: String,
    pub source_file: String,
    /// The line the row starts on (1-based, header included).
    pub line: u64,
    /// The column or property at fault, when one is.
    pub field: Option<String>,
    pub reason: String,
    /// The row as read (lossily decoded), so it can be fixed and resent.
    pub raw: String,
}

/// Records of one kind and one agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindAgencyCount {
    pub kind: String,
    pub agency: String,
    pub records: u64,
}

/// Quarantined rows of one feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineCount {
    pub agency: String,
    pub feed: String,
    pub rows: u64,
}

/// What is in a store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStatus {
    /// Sorted by kind, then agency.
    pub records: Vec<KindAgencyCount>,
    /// Sorted by agency, then feed.
    pub quarantined: Vec<QuarantineCount>,
    pub batches: u64,
}

impl StoreStatus {
    pub fn total_records(&self) -> u64 {
        self.records.iter().map(|count| count.records).sum()
    }

    pub fn total_quarantined(&self) -> u64 {
        self.quarantined.iter().map(|count| count.rows).sum()
    }
}

/// A page of records. Filters combine with AND; `after` continues from a previous page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RecordQuery {
    pub kind: Option<String>,
    pub agency: Option<String>,
    pub entity_key: Option<EntityKey>,
    pub batch_id: Option<BatchId>,
    pub after: Option<RecordId>,
    pub limit: u64,
}
