//! Retention in SQLite (see `store::retention`): the purge transaction and tombstones
//! (migration 0005).
//!
//! A purge runs on its own connection under `BEGIN IMMEDIATE` with `synchronous=FULL`
//! (it waits for an open ingest batch, which holds the write lock): the record row,
//! its `record_counts` share, its assignment row and the run pairs naming it go, and
//! the tombstone lands, in one transaction.

use chrono::{NaiveDate, Utc};
use model::{EntityKey, RecordId};
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use store::{PurgeRequest, Purged, Retention, StoreError, StoreResult, Tombstone};

use crate::watchlists::id_at;
use crate::{SqliteStore, codec, database};

const TOMBSTONE_COLUMNS: &str =
    "record_id, entity_key, agency, feed, kind, review_by, purged_at, purged_by, reason";

impl Retention for SqliteStore {
    fn purge_record(&self, request: PurgeRequest) -> StoreResult<Purged> {
        if let Some(problem) = request.problem() {
            return Err(StoreError::Refused(problem));
        }
        let mut connection = self.durable_connection()?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database)?;
        let id = request.record.as_bytes().as_slice();
        let stored = transaction
            .query_row(
                "SELECT r.entity_key, b.agency, b.feed, r.kind, r.review_by \
                 FROM records r JOIN batches b ON b.seq = r.batch WHERE r.id = ?1",
                [id],
                |row| {
                    Ok((
                        row.get::<_, Vec<u8>>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, Option<String>>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(database)?;
        let Some((entity_key, agency, feed, kind, review_by)) = stored else {
            let purged = transaction
                .query_row(
                    "SELECT 1 FROM record_tombstones WHERE record_id = ?1",
                    [id],
                    |_| Ok(()),
                )
                .optional()
                .map_err(database)?
                .is_some();
            return Err(StoreError::Refused(if purged {
                format!("record {} is purged already", request.record)
            } else {
                format!("no record {} in the store", request.record)
            }));
        };
        let entity_key: [u8; 16] =
            entity_key
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::Corrupt {
                    table: "records",
                    reason: "entity key of the wrong length".to_string(),
                })?;
        let review_by = review_by
            .map(|text| {
                text.parse::<NaiveDate>()
                    .map_err(|error| StoreError::Corrupt {
                        table: "records",
                        reason: format!("review_by {text:?}: {error}"),
                    })
            })
            .transpose()?;
        transaction
            .execute("DELETE FROM records WHERE id = ?1", [id])
            .map_err(database)?;
        transaction
            .execute(
                "UPDATE record_counts SET records = records - 1 WHERE kind = ?1 AND agency = ?2",
                params![kind, agency],
            )
            .map_err(database)?;
        transaction
            .execute("DELETE FROM record_counts WHERE records <= 0", [])
            .map_err(database)?;
        let assignments_removed = transaction
            .execute(
                "DELETE FROM resolution_assignments WHERE record_id = ?1",
                [id],
            )
            .map_err(database)?;
        let run_pairs_removed = transaction
            .execute(
                "DELETE FROM resolution_run_pairs WHERE left_record = ?1 OR right_record = ?1",
                [id],
            )
            .map_err(database)?;
        let tombstone = Tombstone {
            record: request.record,
            entity_key: EntityKey::from_bytes(entity_key),
            agency,
            feed,
            kind,
            review_by,
            purged_at: codec::truncate_to_micros(Utc::now()),
            purged_by: request.purged_by,
            reason: request.reason,
        };
        transaction
            .execute(
                &format!(
                    "INSERT INTO record_tombstones ({TOMBSTONE_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                     ON CONFLICT (record_id) DO NOTHING"
                ),
                params![
                    id,
                    entity_key.as_slice(),
                    tombstone.agency,
                    tombstone.feed,
                    tombstone.kind,
                    tombstone.review_by.map(|date| date.to_string()),
                    codec::micros(tombstone.purged_at),
                    tombstone.purged_by,
                    tombstone.reason,
                ],
            )
            .map_err(database)?;
        // A record sent again after its purge keeps its first tombstone.
        let sql = format!("SELECT {TOMBSTONE_COLUMNS} FROM record_tombstones WHERE record_id = ?1");
        let tombstone = transaction
            .query_row(&sql, [id], |row| Ok(tombstone_from_row(row)))
            .map_err(database)??;
        transaction.commit().map_err(database)?;
        Ok(Purged {
            tombstone,
            assignments_removed: assignments_removed as u64,
            run_pairs_removed: run_pairs_removed as u64,
        })
    }

    fn tombstones(&self) -> StoreResult<Vec<Tombstone>> {
        self.read(|connection| {
            let sql = format!("SELECT {TOMBSTONE_COLUMNS} FROM record_tombstones ORDER BY seq");
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            let mut tombstones = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                tombstones.push(tombstone_from_row(row)?);
            }
            Ok(tombstones)
        })
    }
}

fn tombstone_from_row(row: &Row<'_>) -> StoreResult<Tombstone> {
    let review_by: Option<String> = row.get(5).map_err(database)?;
    Ok(Tombstone {
        record: RecordId::from_bytes(id_at(row, 0)?),
        entity_key: EntityKey::from_bytes(id_at(row, 1)?),
        agency: row.get(2).map_err(database)?,
        feed: row.get(3).map_err(database)?,
        kind: row.get(4).map_err(database)?,
        review_by: review_by
            .map(|text| {
                text.parse()
                    .map_err(|error: chrono::ParseError| StoreError::Corrupt {
                        table: "record_tombstones",
                        reason: error.to_string(),
                    })
            })
            .transpose()?,
        purged_at: codec::moment(row.get(6).map_err(database)?, "record_tombstones")?,
        purged_by: row.get(7).map_err(database)?,
        reason: row.get(8).map_err(database)?,
    })
}
