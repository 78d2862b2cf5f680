//! Rows to domain types and back: ids as 16-byte BLOBs, times as microseconds.

use chrono::{DateTime, NaiveDate, Utc};
use model::{BatchId, EntityKey, Provenance, RecordId, SourceRecord};
use rusqlite::Row;
use store::{
    BatchCounts, BatchHeader, BatchSummary, QuarantinedRow, StoreError, StoreResult, StoredLabels,
    decode_properties,
};

use crate::database;

/// A record's columns, with the provenance its batch holds, from [`RECORDS_WITH_BATCH`].
pub(crate) const RECORD_COLUMNS: &str = "r.id, r.entity_key, r.kind, b.agency, b.feed, \
     r.source_record_id, b.id, b.source_file, r.line, r.reported_at, r.sensitivity, r.caveats, \
     r.data_class, r.predicate, r.review_by, r.properties";

/// Records (`r`) with their batches (`b`). CROSS JOIN keeps `records` the outer loop,
/// so a scan in id order stays one and each batch is a rowid look-up.
pub(crate) const RECORDS_WITH_BATCH: &str = "records r CROSS JOIN batches b ON b.seq = r.batch";

pub(crate) const BATCH_COLUMNS: &str = "id, agency, feed, source_file, content_hash, started_at, \
     committed_at, rows_read, rows_accepted, rows_quarantined, records_written, duplicates_skipped";

pub(crate) const QUARANTINE_COLUMNS: &str =
    "q.batch_id, q.agency, q.feed, q.source_file, q.line, q.field, q.reason, q.raw";

pub(crate) fn record_from_row(row: &Row<'_>) -> StoreResult<SourceRecord> {
    let corrupt = |reason: String| StoreError::Corrupt {
        table: "records",
        reason,
    };
    let text = |index: usize| row.get::<_, String>(index).map_err(database);
    let review_by = row
        .get::<_, Option<String>>(14)
        .map_err(database)?
        .map(|text| {
            text.parse::<NaiveDate>()
                .map_err(|error| corrupt(format!("review_by {text:?}: {error}")))
        })
        .transpose()?;
    let labels = StoredLabels {
        sensitivity: &text(10)?,
        caveats: &text(11)?,
        data_class: &text(12)?,
        predicate: row
            .get::<_, Option<String>>(13)
            .map_err(database)?
            .as_deref(),
        review_by,
    }
    .decode()?;
    let properties = {
        let json = row
            .get_ref(15)
            .map_err(database)?
            .as_str()
            .map_err(|error| corrupt(error.to_string()))?;
        decode_properties(json)?
    };
    Ok(SourceRecord {
        id: RecordId::from_bytes(id_bytes(row, 0, "records")?),
        entity_key: EntityKey::from_bytes(id_bytes(row, 1, "records")?),
        kind: text(2)?,
        properties,
        labels,
        provenance: Provenance {
            agency: text(3)?,
            feed: text(4)?,
            source_record_id: text(5)?,
            batch_id: BatchId::from_bytes(id_bytes(row, 6, "records")?),
            source_file: text(7)?,
            line: count(row.get(8).map_err(database)?),
            reported_at: moment(row.get(9).map_err(database)?, "records")?,
        },
    })
}

pub(crate) fn batch_from_row(row: &Row<'_>) -> StoreResult<BatchSummary> {
    let text = |index: usize| row.get::<_, String>(index).map_err(database);
    let number = |index: usize| row.get::<_, i64>(index).map_err(database).map(count);
    Ok(BatchSummary {
        header: BatchHeader {
            id: BatchId::from_bytes(id_bytes(row, 0, "batches")?),
            agency: text(1)?,
            feed: text(2)?,
            source_file: text(3)?,
            content_hash: text(4)?,
            started_at: moment(row.get(5).map_err(database)?, "batches")?,
        },
        committed_at: moment(row.get(6).map_err(database)?, "batches")?,
        counts: BatchCounts {
            rows_read: number(7)?,
            rows_accepted: number(8)?,
            rows_quarantined: number(9)?,
            records_written: number(10)?,
            duplicates_skipped: number(11)?,
        },
    })
}

pub(crate) fn quarantined_from_row(row: &Row<'_>) -> StoreResult<QuarantinedRow> {
    let text = |index: usize| row.get::<_, String>(index).map_err(database);
    Ok(QuarantinedRow {
        batch_id: BatchId::from_bytes(id_bytes(row, 0, "quarantine")?),
        agency: text(1)?,
        feed: text(2)?,
        source_file: text(3)?,
        line: count(row.get(4).map_err(database)?),
        field: row.get(5).map_err(database)?,
        reason: text(6)?,
        raw: text(7)?,
    })
}

/// Microseconds since the Unix epoch; stored times are truncated to the microsecond.
pub(crate) fn micros(moment: DateTime<Utc>) -> i64 {
    moment.timestamp_micros()
}

/// The time as stored: truncated to the microsecond, towards the past.
pub(crate) use store::truncate_to_micros;

pub(crate) fn moment(micros: i64, table: &'static str) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros).ok_or_else(|| StoreError::Corrupt {
        table,
        reason: format!("time {micros} out of range"),
    })
}

/// A stored count or line number; SQLite integers are signed.
pub(crate) fn count(value: i64) -> u64 {
    value.max(0) as u64
}

/// A count, line, offset or limit as a SQLite integer. Values past 2^63 are not
/// counts anyone has; they saturate (a limit of `u64::MAX` means "all").
pub(crate) fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn id_bytes(row: &Row<'_>, index: usize, table: &'static str) -> StoreResult<[u8; 16]> {
    let blob = row
        .get_ref(index)
        .map_err(database)?
        .as_blob()
        .map_err(|error| StoreError::Corrupt {
            table,
            reason: error.to_string(),
        })?;
    blob.try_into().map_err(|_| StoreError::Corrupt {
        table,
        reason: format!("id of {} bytes, expected 16", blob.len()),
    })
}
