//! Rows to domain types: uuid ids, timestamptz times (microseconds), JSON properties.

use chrono::{DateTime, Utc};
use model::{BatchId, EntityKey, Provenance, RecordId, SourceRecord};
use postgres::Row;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use store::{
    BatchCounts, BatchHeader, BatchSummary, QuarantinedRow, StoreError, StoreResult, StoredLabels,
    decode_properties,
};

use crate::database;

/// A record's columns, with the provenance its batch holds, from [`RECORDS_WITH_BATCH`].
pub(crate) const RECORD_COLUMNS: &str = "r.id, r.entity_key, r.kind, b.agency, b.feed, \
     r.source_record_id, b.id, b.source_file, r.line, r.reported_at, r.sensitivity, r.caveats, \
     r.data_class, r.predicate, r.review_by, r.properties";

/// Records (`r`) with their batches (`b`).
pub(crate) const RECORDS_WITH_BATCH: &str = "records r JOIN batches b ON b.seq = r.batch";

pub(crate) const BATCH_COLUMNS: &str = "id, agency, feed, source_file, content_hash, started_at, \
     committed_at, rows_read, rows_accepted, rows_quarantined, records_written, duplicates_skipped";

pub(crate) const QUARANTINE_COLUMNS: &str =
    "q.batch_id, q.agency, q.feed, q.source_file, q.line, q.field, q.reason, q.raw";

pub(crate) fn record_from_row(row: &Row) -> StoreResult<SourceRecord> {
    let text = |index: usize| row.try_get::<_, String>(index).map_err(database);
    let labels = StoredLabels {
        sensitivity: row.try_get(10).map_err(database)?,
        caveats: row.try_get(11).map_err(database)?,
        data_class: row.try_get(12).map_err(database)?,
        predicate: row.try_get(13).map_err(database)?,
        review_by: row.try_get(14).map_err(database)?,
    }
    .decode()?;
    let properties = decode_properties(row.try_get(15).map_err(database)?)?;
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
            line: count(row.try_get(8).map_err(database)?),
            reported_at: row.try_get::<_, DateTime<Utc>>(9).map_err(database)?,
        },
    })
}

pub(crate) fn batch_from_row(row: &Row) -> StoreResult<BatchSummary> {
    let text = |index: usize| row.try_get::<_, String>(index).map_err(database);
    let number = |index: usize| row.try_get::<_, i64>(index).map_err(database).map(count);
    Ok(BatchSummary {
        header: BatchHeader {
            id: BatchId::from_bytes(id_bytes(row, 0, "batches")?),
            agency: text(1)?,
            feed: text(2)?,
            source_file: text(3)?,
            content_hash: text(4)?,
            started_at: row.try_get(5).map_err(database)?,
        },
        committed_at: row.try_get(6).map_err(database)?,
        counts: BatchCounts {
            rows_read: number(7)?,
            rows_accepted: number(8)?,
            rows_quarantined: number(9)?,
            records_written: number(10)?,
            duplicates_skipped: number(11)?,
        },
    })
}

pub(crate) fn quarantined_from_row(row: &Row) -> StoreResult<QuarantinedRow> {
    let text = |index: usize| row.try_get::<_, String>(index).map_err(database);
    Ok(QuarantinedRow {
        batch_id: BatchId::from_bytes(id_bytes(row, 0, "quarantine")?),
        agency: text(1)?,
        feed: text(2)?,
        source_file: text(3)?,
        line: count(row.try_get(4).map_err(database)?),
        field: row.try_get(5).map_err(database)?,
        reason: text(6)?,
        raw: text(7)?,
    })
}

/// The time as stored: truncated to the microsecond, towards the past. Done here
/// rather than left to the driver, which truncates towards 2000-01-01.
pub(crate) use store::truncate_to_micros;

/// A stored count or line number; PostgreSQL has no unsigned integers.
pub(crate) fn count(value: i64) -> u64 {
    value.max(0) as u64
}

/// A count, line, offset or limit as a bigint; values past 2^63 saturate (a limit
/// of `u64::MAX` means "all").
pub(crate) fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A 16-byte id as a PostgreSQL `uuid`, whose binary form is the 16 bytes as they are.
/// Hand-written rather than the `uuid` crate: nothing here needs more than the bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Uuid(pub(crate) [u8; 16]);

impl ToSql for Uuid {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::UUID
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Uuid {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Uuid, Box<dyn std::error::Error + Sync + Send>> {
        let bytes: [u8; 16] = raw
            .try_into()
            .map_err(|_| format!("uuid of {} bytes, expected 16", raw.len()))?;
        Ok(Uuid(bytes))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::UUID
    }
}

fn id_bytes(row: &Row, index: usize, table: &'static str) -> StoreResult<[u8; 16]> {
    row.try_get::<_, Uuid>(index)
        .map(|uuid| uuid.0)
        .map_err(|error| StoreError::Corrupt {
            table,
            reason: crate::describe(&error),
        })
}
