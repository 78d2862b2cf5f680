//! Retention in PostgreSQL (see `store::retention`): the purge transaction and
//! tombstones (migration 0005).
//!
//! A purge takes the watchlists lock (purges and checks take turns) and commits with
//! `synchronous_commit = on`: the record row, its `record_counts` share, its assignment
//! row and the run pairs naming it go, and the tombstone lands, in one transaction.

use chrono::{NaiveDate, Utc};
use model::{EntityKey, RecordId};
use postgres::Row;
use store::{PurgeRequest, Purged, Retention, StoreError, StoreResult, Tombstone};

use crate::codec::Uuid;
use crate::watchlists::uuid_at;
use crate::{PostgresStore, codec, database};

const TOMBSTONE_COLUMNS: &str =
    "record_id, entity_key, agency, feed, kind, review_by, purged_at, purged_by, reason";

impl Retention for PostgresStore {
    fn purge_record(&self, request: PurgeRequest) -> StoreResult<Purged> {
        if let Some(problem) = request.problem() {
            return Err(StoreError::Refused(problem));
        }
        self.write_durable(|transaction| {
            let id = Uuid(*request.record.as_bytes());
            let stored = transaction
                .query_opt(
                    "SELECT r.entity_key, b.agency, b.feed, r.kind, r.review_by \
                     FROM records r JOIN batches b ON b.seq = r.batch \
                     WHERE r.id = $1 FOR UPDATE OF r",
                    &[&id],
                )
                .map_err(database)?;
            let Some(stored) = stored else {
                let purged = transaction
                    .query_opt(
                        "SELECT 1 FROM record_tombstones WHERE record_id = $1",
                        &[&id],
                    )
                    .map_err(database)?
                    .is_some();
                return Err(StoreError::Refused(if purged {
                    format!("record {} is purged already", request.record)
                } else {
                    format!("no record {} in the store", request.record)
                }));
            };
            let entity_key = uuid_at(&stored, 0, "records")?;
            let agency: String = stored.try_get(1).map_err(database)?;
            let feed: String = stored.try_get(2).map_err(database)?;
            let kind: String = stored.try_get(3).map_err(database)?;
            let review_by: Option<NaiveDate> = stored.try_get(4).map_err(database)?;
            transaction
                .execute("DELETE FROM records WHERE id = $1", &[&id])
                .map_err(database)?;
            transaction
                .execute(
                    "UPDATE record_counts SET records = records - 1 \
                     WHERE kind = $1 AND agency = $2",
                    &[&kind, &agency],
                )
                .map_err(database)?;
            transaction
                .execute("DELETE FROM record_counts WHERE records <= 0", &[])
                .map_err(database)?;
            let assignments_removed = transaction
                .execute(
                    "DELETE FROM resolution_assignments WHERE record_id = $1",
                    &[&id],
                )
                .map_err(database)?;
            let run_pairs_removed = transaction
                .execute(
                    "DELETE FROM resolution_run_pairs \
                     WHERE left_record = $1 OR right_record = $1",
                    &[&id],
                )
                .map_err(database)?;
            let next: i64 = transaction
                .query_one(
                    "SELECT coalesce(max(seq), 0) + 1 FROM record_tombstones",
                    &[],
                )
                .and_then(|row| row.try_get(0))
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
                        "INSERT INTO record_tombstones (seq, {TOMBSTONE_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                         ON CONFLICT (record_id) DO NOTHING"
                    ),
                    &[
                        &next,
                        &id,
                        &Uuid(entity_key),
                        &tombstone.agency,
                        &tombstone.feed,
                        &tombstone.kind,
                        &tombstone.review_by,
                        &tombstone.purged_at,
                        &tombstone.purged_by,
                        &tombstone.reason,
                    ],
                )
                .map_err(database)?;
            // A record sent again after its purge keeps its first tombstone.
            let sql =
                format!("SELECT {TOMBSTONE_COLUMNS} FROM record_tombstones WHERE record_id = $1");
            let stored = transaction.query_one(&sql, &[&id]).map_err(database)?;
            let tombstone = tombstone_from_row(&stored)?;
            Ok(Purged {
                tombstone,
                assignments_removed,
                run_pairs_removed,
            })
        })
    }

    fn tombstones(&self) -> StoreResult<Vec<Tombstone>> {
        self.read(|transaction| {
            let sql = format!("SELECT {TOMBSTONE_COLUMNS} FROM record_tombstones ORDER BY seq");
            let rows = transaction.query(&sql, &[]).map_err(database)?;
            rows.iter().map(tombstone_from_row).collect()
        })
    }
}

fn tombstone_from_row(row: &Row) -> StoreResult<Tombstone> {
    Ok(Tombstone {
        record: RecordId::from_bytes(uuid_at(row, 0, "record_tombstones")?),
        entity_key: EntityKey::from_bytes(uuid_at(row, 1, "record_tombstones")?),
        agency: row.try_get(2).map_err(database)?,
        feed: row.try_get(3).map_err(database)?,
        kind: row.try_get(4).map_err(database)?,
        review_by: row.try_get(5).map_err(database)?,
        purged_at: row.try_get(6).map_err(database)?,
        purged_by: row.try_get(7).map_err(database)?,
        reason: row.try_get(8).map_err(database)?,
    })
}
