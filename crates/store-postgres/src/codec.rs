//! Rows to domain types: uuid ids, timestamptz times (microseconds), JSON properties.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use model::{BatchId, EntityKey, Provenance, RecordId, SourceRecord};
use postgres::Row;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use store::{
    BatchCounts, BatchHeader, BatchSummary, QuarantinedRow, StoreError, StoreResult, StoredLabels,
    decode_properties,
};

use crate::database;

pub(crate) const RECORD_COLUMNS: &str = "id, entity_key, kind, agency, feed, source_record_id, \
     batch_id, source_file, line, reported_at, sensitivity, caveats, data_class, predicate, \
     review_by, properties";

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

/// Writes properties into `json` (cleared first) as the JSON object serde_json would
/// write for them. Hand-written because serde_json's serializer, plus a fresh String
/// per record, was a fifth of the client's time on the bulk path; this one reuses
/// the caller's buffer and copies runs of plain text whole.
pub(crate) fn properties_json(properties: &BTreeMap<String, Vec<String>>, json: &mut String) {
    json.clear();
    json.push('{');
    for (index, (property, values)) in properties.iter().enumerate() {
        if index > 0 {
            json.push(',');
        }
        push_json_string(property, json);
        json.push_str(":[");
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                json.push(',');
            }
            push_json_string(value, json);
        }
        json.push(']');
    }
    json.push('}');
}

/// A JSON string literal, escaped as serde_json escapes: quote, backslash and the
/// control characters below U+0020, nothing else.
fn push_json_string(text: &str, json: &mut String) {
    json.push('"');
    // Nearly every value needs no escape; a branch-free pass (which the compiler
    // vectorises) finds that out faster than the byte loop below.
    let plain = !text.bytes().fold(false, |seen, byte| {
        seen | (byte < 0x20) | (byte == b'"') | (byte == b'\\')
    });
    if plain {
        json.push_str(text);
        json.push('"');
        return;
    }
    let mut plain_from = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Every byte matched above is ASCII, so `at` is a char boundary.
        json.push_str(&text[plain_from..at]);
        if escape.is_empty() {
            json.push_str(&format!("\\u{byte:04x}"));
        } else {
            json.push_str(escape);
        }
        plain_from = at + 1;
    }
    json.push_str(&text[plain_from..]);
    json.push('"');
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[test]
    fn properties_json_is_what_serde_json_writes() {
        let mut json = String::from("left over");
        for properties in [
            BTreeMap::new(),
            BTreeMap::from([("name".to_string(), vec![])]),
            BTreeMap::from([
                (
                    "name".to_string(),
                    vec!["Ana \"La Flaca\" Ruiz".to_string(), "ß→東京".to_string()],
                ),
                (
                    "note\\".to_string(),
                    vec!["tab\tnew\nline\r\u{0}\u{8}\u{c}\u{1f}\u{7f}\u{2028}".to_string()],
                ),
            ]),
        ] {
            super::properties_json(&properties, &mut json);
            assert_eq!(json, serde_json::to_string(&properties).unwrap());
        }
    }
}
