//! Watchlists in PostgreSQL (see `store::watchlists`): watches, append-only alerts and
//! the batches checked (migration 0005).
//!
//! Writes take a transaction-scoped advisory lock, so concurrent checks get
//! consecutive alert ids, and commit with `synchronous_commit = on`: an alert that was
//! raised (and audited as a dissemination) must not vanish.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use model::{BatchId, RecordId};
use postgres::{Row, Transaction};
use store::{Alert, NewAlert, NewWatch, StoreError, StoreResult, Watch, Watchlists};

use crate::codec::Uuid;
use crate::{PostgresStore, codec, database};

const WATCH_COLUMNS: &str = "id, created_at, agency, user_id, target, reference, reason, \
     case_number, watcher, removed_at, removed_by";

const ALERT_COLUMNS: &str = "id, alerted_at, watch_id, watcher_agency, watcher_user, \
     record_id, record_agency, record_feed, record_kind, batch_id, disclosure, \
     redacted_fields, contact";

/// Any fixed number: watchlist and retention writers take turns.
const WATCHLISTS_LOCK: i64 = 0x0005_3a7c_4e11;

impl PostgresStore {
    /// Runs `write` in a transaction holding the watchlists lock, synchronously
    /// committed.
    pub(crate) fn write_durable<T>(
        &self,
        write: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.locked_write(WATCHLISTS_LOCK, write)
    }
}

impl Watchlists for PostgresStore {
    fn add_watch(&self, watch: NewWatch) -> StoreResult<Watch> {
        if let Some(problem) = watch.problem() {
            return Err(StoreError::Refused(problem));
        }
        self.write_durable(|transaction| {
            let next: i64 = transaction
                .query_one("SELECT coalesce(max(id), 0) + 1 FROM watches", &[])
                .and_then(|row| row.try_get(0))
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
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL)"
                    ),
                    &[
                        &next,
                        &added.created_at,
                        &stored.agency,
                        &stored.user,
                        &stored.target,
                        &stored.reference,
                        &stored.reason,
                        &stored.case_number,
                        &stored.watcher.to_string(),
                    ],
                )
                .map_err(database)?;
            Ok(added)
        })
    }

    fn watches(&self, agency: Option<&str>) -> StoreResult<Vec<Watch>> {
        self.read(|transaction| {
            let sql = format!(
                "SELECT {WATCH_COLUMNS} FROM watches \
                 WHERE $1::text IS NULL OR agency = $1 ORDER BY id"
            );
            let rows = transaction.query(&sql, &[&agency]).map_err(database)?;
            rows.iter().map(watch_from_row).collect()
        })
    }

    fn remove_watch(&self, id: u64, agency: &str, removed_by: &str) -> StoreResult<Watch> {
        if removed_by.trim().is_empty() {
            return Err(StoreError::Refused(
                "removing a watch needs the user who removes it".to_string(),
            ));
        }
        self.write_durable(|transaction| {
            let sql = format!("SELECT {WATCH_COLUMNS} FROM watches WHERE id = $1");
            let found = transaction
                .query_opt(&sql, &[&codec::clamp(id)])
                .map_err(database)?
                .as_ref()
                .map(watch_from_row)
                .transpose()?;
            let watch = match found {
                Some(watch) if watch.watch.agency == agency => watch,
                _ => return Err(StoreError::Refused(format!("{agency} has no watch {id}"))),
            };
            if !watch.is_active() {
                return Err(StoreError::Refused(format!(
                    "watch {id} is removed already"
                )));
            }
            let removed_at = codec::truncate_to_micros(Utc::now());
            transaction
                .execute(
                    "UPDATE watches SET removed_at = $2, removed_by = $3 WHERE id = $1",
                    &[&codec::clamp(id), &removed_at, &removed_by],
                )
                .map_err(database)?;
            Ok(Watch {
                removed_at: Some(removed_at),
                removed_by: Some(removed_by.to_string()),
                ..watch
            })
        })
    }

    fn checked_batches(&self) -> StoreResult<BTreeSet<BatchId>> {
        self.read(|transaction| {
            let rows = transaction
                .query("SELECT batch_id FROM watch_checked_batches", &[])
                .map_err(database)?;
            rows.iter()
                .map(|row| {
                    Ok(BatchId::from_bytes(uuid_at(
                        row,
                        0,
                        "watch_checked_batches",
                    )?))
                })
                .collect()
        })
    }

    fn record_check(&self, batches: &[BatchId], alerts: Vec<NewAlert>) -> StoreResult<Vec<Alert>> {
        self.write_durable(|transaction| {
            let now = codec::truncate_to_micros(Utc::now());
            let mut next: i64 = transaction
                .query_one("SELECT coalesce(max(id), 0) + 1 FROM watch_alerts", &[])
                .and_then(|row| row.try_get(0))
                .map_err(database)?;
            let mut appended = Vec::new();
            for alert in alerts {
                let watcher = transaction
                    .query_opt(
                        "SELECT agency, user_id FROM watches WHERE id = $1",
                        &[&codec::clamp(alert.watch)],
                    )
                    .map_err(database)?;
                let Some(watcher) = watcher else {
                    return Err(StoreError::Refused(format!(
                        "watch {} does not exist",
                        alert.watch
                    )));
                };
                let watcher_agency: String = watcher.try_get(0).map_err(database)?;
                let watcher_user: String = watcher.try_get(1).map_err(database)?;
                let redacted = serde_json::to_string(&alert.redacted_fields)
                    .map_err(|error| StoreError::Database(error.to_string()))?;
                let inserted = transaction
                    .execute(
                        &format!(
                            "INSERT INTO watch_alerts ({ALERT_COLUMNS}) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                             ON CONFLICT (watch_id, record_id) DO NOTHING"
                        ),
                        &[
                            &next,
                            &now,
                            &codec::clamp(alert.watch),
                            &watcher_agency,
                            &watcher_user,
                            &Uuid(*alert.record.as_bytes()),
                            &alert.record_agency,
                            &alert.record_feed,
                            &alert.record_kind,
                            &Uuid(*alert.batch.as_bytes()),
                            &alert.disclosure.as_str(),
                            &redacted,
                            &alert.contact,
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
                        "INSERT INTO watch_checked_batches (batch_id, checked_at) \
                         VALUES ($1, $2) ON CONFLICT (batch_id) DO NOTHING",
                        &[&Uuid(*batch.as_bytes()), &now],
                    )
                    .map_err(database)?;
            }
            Ok(appended)
        })
    }

    fn alerts(&self, agency: Option<&str>) -> StoreResult<Vec<Alert>> {
        self.read(|transaction| {
            let sql = format!(
                "SELECT {ALERT_COLUMNS} FROM watch_alerts \
                 WHERE $1::text IS NULL OR watcher_agency = $1 ORDER BY id"
            );
            let rows = transaction.query(&sql, &[&agency]).map_err(database)?;
            rows.iter().map(alert_from_row).collect()
        })
    }
}

fn corrupt(table: &'static str, reason: String) -> StoreError {
    StoreError::Corrupt { table, reason }
}

/// A `uuid` id column.
pub(crate) fn uuid_at(row: &Row, index: usize, table: &'static str) -> StoreResult<[u8; 16]> {
    row.try_get::<_, Uuid>(index)
        .map(|uuid| uuid.0)
        .map_err(|error| corrupt(table, crate::describe(&error)))
}

fn watch_from_row(row: &Row) -> StoreResult<Watch> {
    let watcher: String = row.try_get(8).map_err(database)?;
    let watcher = serde_json::from_str(&watcher)
        .map_err(|error| corrupt("watches", format!("watcher {watcher:?}: {error}")))?;
    Ok(Watch {
        id: codec::count(row.try_get(0).map_err(database)?),
        created_at: row.try_get(1).map_err(database)?,
        watch: NewWatch {
            agency: row.try_get(2).map_err(database)?,
            user: row.try_get(3).map_err(database)?,
            target: row.try_get(4).map_err(database)?,
            reference: row.try_get(5).map_err(database)?,
            reason: row.try_get(6).map_err(database)?,
            case_number: row.try_get(7).map_err(database)?,
            watcher,
        },
        removed_at: row
            .try_get::<_, Option<DateTime<Utc>>>(9)
            .map_err(database)?,
        removed_by: row.try_get(10).map_err(database)?,
    })
}

fn alert_from_row(row: &Row) -> StoreResult<Alert> {
    let disclosure: String = row.try_get(10).map_err(database)?;
    let redacted: String = row.try_get(11).map_err(database)?;
    Ok(Alert {
        id: codec::count(row.try_get(0).map_err(database)?),
        alerted_at: row.try_get(1).map_err(database)?,
        watcher_agency: row.try_get(3).map_err(database)?,
        watcher_user: row.try_get(4).map_err(database)?,
        alert: NewAlert {
            watch: codec::count(row.try_get(2).map_err(database)?),
            record: RecordId::from_bytes(uuid_at(row, 5, "watch_alerts")?),
            record_agency: row.try_get(6).map_err(database)?,
            record_feed: row.try_get(7).map_err(database)?,
            record_kind: row.try_get(8).map_err(database)?,
            batch: BatchId::from_bytes(uuid_at(row, 9, "watch_alerts")?),
            disclosure: disclosure
                .parse()
                .map_err(|reason| corrupt("watch_alerts", reason))?,
            redacted_fields: serde_json::from_str(&redacted)
                .map_err(|error| corrupt("watch_alerts", error.to_string()))?,
            contact: row.try_get(12).map_err(database)?,
        },
    })
}
