//! Watchlists in SQLite (see `store::watchlists`): watches, append-only alerts and the
//! batches checked (migration 0005).
//!
//! Writes open their own connection under `BEGIN IMMEDIATE` with `synchronous=FULL`,
//! like audit appends: an alert that was raised (and audited as a dissemination) must
//! not vanish on power loss, and an open ingest batch must not hold it up.

use std::collections::BTreeSet;

use chrono::Utc;
use model::{BatchId, RecordId};
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use store::{Alert, NewAlert, NewWatch, StoreError, StoreResult, Watch, Watchlists};

use crate::{SqliteStore, codec, database};

const WATCH_COLUMNS: &str = "id, created_at, agency, user_id, target, reference, reason, \
     case_number, watcher, removed_at, removed_by";

const ALERT_COLUMNS: &str = "id, alerted_at, watch_id, watcher_agency, watcher_user, \
     record_id, record_agency, record_feed, record_kind, batch_id, disclosure, \
     redacted_fields, contact";

impl Watchlists for SqliteStore {
    fn add_watch(&self, watch: NewWatch) -> StoreResult<Watch> {
        if let Some(problem) = watch.problem() {
            return Err(StoreError::Refused(problem));
        }
        let mut connection = self.durable_connection()?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database)?;
        let next: i64 = transaction
            .query_row("SELECT coalesce(max(id), 0) + 1 FROM watches", [], |row| {
                row.get(0)
            })
            .map_err(database)?;
        let added = Watch {
            id: codec::count(next),
            created_at: codec::truncate_to_micros(Utc::now()),
            watch,
            removed_at: None,
            removed_by: None,
        };
        let stored = &added.watch;
        transaction
            .execute(
                &format!(
                    "INSERT INTO watches ({WATCH_COLUMNS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, NULL)"
                ),
                params![
                    next,
                    codec::micros(added.created_at),
                    stored.agency,
                    stored.user,
                    stored.target,
                    stored.reference,
                    stored.reason,
                    stored.case_number,
                    stored.watcher.to_string(),
                ],
            )
            .map_err(database)?;
        transaction.commit().map_err(database)?;
        Ok(added)
    }

    fn watches(&self, agency: Option<&str>) -> StoreResult<Vec<Watch>> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {WATCH_COLUMNS} FROM watches WHERE ?1 IS NULL OR agency = ?1 ORDER BY id"
            );
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement.query([agency]).map_err(database)?;
            let mut watches = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                watches.push(watch_from_row(row)?);
            }
            Ok(watches)
        })
    }

    fn remove_watch(&self, id: u64, agency: &str, removed_by: &str) -> StoreResult<Watch> {
        if removed_by.trim().is_empty() {
            return Err(StoreError::Refused(
                "removing a watch needs the user who removes it".to_string(),
            ));
        }
        let mut connection = self.durable_connection()?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database)?;
        let sql = format!("SELECT {WATCH_COLUMNS} FROM watches WHERE id = ?1");
        let found = transaction
            .query_row(&sql, [codec::clamp(id)], |row| Ok(watch_from_row(row)))
            .optional()
            .map_err(database)?
            .transpose()?;
        let watch = match found {
            Some(watch) if watch.watch.agency == agency => watch,
            _ => {
                return Err(StoreError::Refused(format!("{agency} has no watch {id}")));
            }
        };
        if !watch.is_active() {
            return Err(StoreError::Refused(format!(
                "watch {id} is removed already"
            )));
        }
        let removed_at = codec::truncate_to_micros(Utc::now());
        transaction
            .execute(
                "UPDATE watches SET removed_at = ?2, removed_by = ?3 WHERE id = ?1",
                params![codec::clamp(id), codec::micros(removed_at), removed_by],
            )
            .map_err(database)?;
        transaction.commit().map_err(database)?;
        Ok(Watch {
            removed_at: Some(removed_at),
            removed_by: Some(removed_by.to_string()),
            ..watch
        })
    }

    fn checked_batches(&self) -> StoreResult<BTreeSet<BatchId>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT batch_id FROM watch_checked_batches")
                .map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            let mut batches = BTreeSet::new();
            while let Some(row) = rows.next().map_err(database)? {
                batches.insert(BatchId::from_bytes(id_at(row, 0)?));
            }
            Ok(batches)
        })
    }

    fn record_check(&self, batches: &[BatchId], alerts: Vec<NewAlert>) -> StoreResult<Vec<Alert>> {
        let mut connection = self.durable_connection()?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database)?;
        let now = codec::truncate_to_micros(Utc::now());
        let mut next: i64 = transaction
            .query_row(
                "SELECT coalesce(max(id), 0) + 1 FROM watch_alerts",
                [],
                |row| row.get(0),
            )
            .map_err(database)?;
        let mut appended = Vec::new();
        for alert in alerts {
            let watcher = transaction
                .query_row(
                    "SELECT agency, user_id FROM watches WHERE id = ?1",
                    [codec::clamp(alert.watch)],
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
                )
                .optional()
                .map_err(database)?;
            let Some((watcher_agency, watcher_user)) = watcher else {
                return Err(StoreError::Refused(format!(
                    "watch {} does not exist",
                    alert.watch
                )));
            };
            let redacted = serde_json::to_string(&alert.redacted_fields)
                .map_err(|error| StoreError::Database(error.to_string()))?;
            let inserted = transaction
                .execute(
                    &format!(
                        "INSERT INTO watch_alerts ({ALERT_COLUMNS}) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
                         ON CONFLICT (watch_id, record_id) DO NOTHING"
                    ),
                    params![
                        next,
                        codec::micros(now),
                        codec::clamp(alert.watch),
                        watcher_agency,
                        watcher_user,
                        alert.record.as_bytes().as_slice(),
                        alert.record_agency,
                        alert.record_feed,
                        alert.record_kind,
                        alert.batch.as_bytes().as_slice(),
                        alert.disclosure.as_str(),
                        redacted,
                        alert.contact,
                    ],
                )
                .map_err(database)?;
            if inserted == 1 {
                appended.push(Alert {
                    id: codec::count(next),
                    alerted_at: now,
                    watcher_agency,
                    watcher_user,
                    alert,
                });
                next += 1;
            }
        }
        for batch in batches {
            transaction
                .execute(
                    "INSERT INTO watch_checked_batches (batch_id, checked_at) VALUES (?1, ?2) \
                     ON CONFLICT (batch_id) DO NOTHING",
                    params![batch.as_bytes().as_slice(), codec::micros(now)],
                )
                .map_err(database)?;
        }
        transaction.commit().map_err(database)?;
        Ok(appended)
    }

    fn alerts(&self, agency: Option<&str>) -> StoreResult<Vec<Alert>> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {ALERT_COLUMNS} FROM watch_alerts \
                 WHERE ?1 IS NULL OR watcher_agency = ?1 ORDER BY id"
            );
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement.query([agency]).map_err(database)?;
            let mut alerts = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                alerts.push(alert_from_row(row)?);
            }
            Ok(alerts)
        })
    }
}

fn corrupt(table: &'static str, reason: String) -> StoreError {
    StoreError::Corrupt { table, reason }
}

/// A 16-byte id column.
pub(crate) fn id_at(row: &Row<'_>, index: usize) -> StoreResult<[u8; 16]> {
    let blob: Vec<u8> = row.get(index).map_err(database)?;
    blob.as_slice()
        .try_into()
        .map_err(|_| corrupt("watch_alerts", format!("id of {} bytes", blob.len())))
}

fn watch_from_row(row: &Row<'_>) -> StoreResult<Watch> {
    let watcher: String = row.get(8).map_err(database)?;
    let watcher = serde_json::from_str(&watcher)
        .map_err(|error| corrupt("watches", format!("watcher {watcher:?}: {error}")))?;
    let removed_at: Option<i64> = row.get(9).map_err(database)?;
    Ok(Watch {
        id: codec::count(row.get(0).map_err(database)?),
        created_at: codec::moment(row.get(1).map_err(database)?, "watches")?,
        watch: NewWatch {
            agency: row.get(2).map_err(database)?,
            user: row.get(3).map_err(database)?,
            target: row.get(4).map_err(database)?,
            reference: row.get(5).map_err(database)?,
            reason: row.get(6).map_err(database)?,
            case_number: row.get(7).map_err(database)?,
            watcher,
        },
        removed_at: removed_at
            .map(|micros| codec::moment(micros, "watches"))
            .transpose()?,
        removed_by: row.get(10).map_err(database)?,
    })
}

fn alert_from_row(row: &Row<'_>) -> StoreResult<Alert> {
    let disclosure: String = row.get(10).map_err(database)?;
    let redacted: String = row.get(11).map_err(database)?;
    Ok(Alert {
        id: codec::count(row.get(0).map_err(database)?),
        alerted_at: codec::moment(row.get(1).map_err(database)?, "watch_alerts")?,
        watcher_agency: row.get(3).map_err(database)?,
        watcher_user: row.get(4).map_err(database)?,
        alert: NewAlert {
            watch: codec::count(row.get(2).map_err(database)?),
            record: RecordId::from_bytes(id_at(row, 5)?),
            record_agency: row.get(6).map_err(database)?,
            record_feed: row.get(7).map_err(database)?,
            record_kind: row.get(8).map_err(database)?,
            batch: BatchId::from_bytes(id_at(row, 9)?),
            disclosure: disclosure
                .parse()
                .map_err(|reason| corrupt("watch_alerts", reason))?,
            redacted_fields: serde_json::from_str(&redacted)
                .map_err(|error| corrupt("watch_alerts", error.to_string()))?,
            contact: row.get(12).map_err(database)?,
        },
    })
}
