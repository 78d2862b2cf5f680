//! Deconfliction state in PostgreSQL (see `store::operations`): registered operations
//! and notifications, both append-only (migration 0004).
//!
//! Writes take a transaction-scoped advisory lock, so concurrent registrations get
//! consecutive ids, and commit with `synchronous_commit = on`: a registration or a
//! notice that officers rely on must not vanish.

use chrono::{DateTime, Utc};
use postgres::{Row, Transaction};
use store::{
    NewNotification, NewOperation, Notification, Operations, RegisteredOperation, StoreError,
    StoreResult,
};

use crate::{PostgresStore, codec, database};

const OPERATION_COLUMNS: &str = "id, agency, label, source, contact_name, contact_phone, \
     latitude, longitude, radius_m, starts_at, ends_at, targets, registered_by, registered_at";

const NOTIFICATION_COLUMNS: &str = "id, notified_at, operation, operation_agency, \
     other_operation, other_agency, reasons";

/// Any fixed number: deconfliction writers take turns.
const OPERATIONS_LOCK: i64 = 0x0003_de2c_0f11;

impl PostgresStore {
    /// Runs `write` in a transaction holding the operations lock, synchronously
    /// committed.
    fn write_operations<T>(
        &self,
        write: impl FnOnce(&mut Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.locked_write(OPERATIONS_LOCK, write)
    }
}

impl Operations for PostgresStore {
    fn register_operation(&self, operation: NewOperation) -> StoreResult<RegisteredOperation> {
        if let Some(problem) = operation.problem() {
            return Err(StoreError::Refused(problem));
        }
        self.write_operations(|transaction| {
            if let Some(source) = &operation.source {
                let taken = transaction
                    .query_opt("SELECT id FROM operations WHERE source = $1", &[source])
                    .map_err(database)?;
                if let Some(row) = taken {
                    let id: i64 = row.try_get(0).map_err(database)?;
                    return Err(StoreError::Refused(format!(
                        "{source} is registered already, as operation {id}"
                    )));
                }
            }
            let next: i64 = transaction
                .query_one("SELECT coalesce(max(id), 0) + 1 FROM operations", &[])
                .and_then(|row| row.try_get(0))
                .map_err(database)?;
            let registered = RegisteredOperation {
                id: codec::count(next),
                registered_at: codec::truncate_to_micros(Utc::now()),
                operation: NewOperation {
                    starts_at: codec::truncate_to_micros(operation.starts_at),
                    ends_at: codec::truncate_to_micros(operation.ends_at),
                    ..operation
                },
            };
            let stored = &registered.operation;
            let targets = serde_json::to_string(&stored.targets)
                .map_err(|error| StoreError::Database(error.to_string()))?;
            transaction
                .execute(
                    &format!(
                        "INSERT INTO operations ({OPERATION_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                    ),
                    &[
                        &next,
                        &stored.agency,
                        &stored.label,
                        &stored.source,
                        &stored.contact_name,
                        &stored.contact_phone,
                        &stored.latitude,
                        &stored.longitude,
                        &stored.radius_m,
                        &stored.starts_at,
                        &stored.ends_at,
                        &targets,
                        &stored.registered_by,
                        &registered.registered_at,
                    ],
                )
                .map_err(database)?;
            Ok(registered)
        })
    }

    fn registered_operations(&self) -> StoreResult<Vec<RegisteredOperation>> {
        self.read(|transaction| {
            let sql = format!("SELECT {OPERATION_COLUMNS} FROM operations ORDER BY id");
            let rows = transaction.query(&sql, &[]).map_err(database)?;
            rows.iter().map(operation_from_row).collect()
        })
    }

    fn append_notification(&self, notification: NewNotification) -> StoreResult<Notification> {
        if notification.operation == notification.other_operation {
            return Err(StoreError::Refused(
                "a notification needs two different operations".to_string(),
            ));
        }
        if notification.overlaps.is_empty() {
            return Err(StoreError::Refused(
                "a notification needs the overlap it is about".to_string(),
            ));
        }
        self.write_operations(|transaction| {
            let mut agency_of = |id: u64| -> StoreResult<String> {
                transaction
                    .query_opt(
                        "SELECT agency FROM operations WHERE id = $1",
                        &[&codec::clamp(id)],
                    )
                    .map_err(database)?
                    .map(|row| row.try_get(0).map_err(database))
                    .transpose()?
                    .ok_or_else(|| StoreError::Refused(format!("operation {id} is not registered")))
            };
            let operation_agency = agency_of(notification.operation)?;
            let other_agency = agency_of(notification.other_operation)?;
            let next: i64 = transaction
                .query_one(
                    "SELECT coalesce(max(id), 0) + 1 FROM operation_notifications",
                    &[],
                )
                .and_then(|row| row.try_get(0))
                .map_err(database)?;
            let appended = Notification::appended(
                codec::count(next),
                notification,
                operation_agency,
                other_agency,
            );
            let overlaps = serde_json::to_string(&appended.overlaps)
                .map_err(|error| StoreError::Database(error.to_string()))?;
            transaction
                .execute(
                    &format!(
                        "INSERT INTO operation_notifications ({NOTIFICATION_COLUMNS}) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    ),
                    &[
                        &next,
                        &appended.notified_at,
                        &codec::clamp(appended.operation),
                        &appended.operation_agency,
                        &codec::clamp(appended.other_operation),
                        &appended.other_agency,
                        &overlaps,
                    ],
                )
                .map_err(database)?;
            Ok(appended)
        })
    }

    fn notifications(&self, agency: Option<&str>) -> StoreResult<Vec<Notification>> {
        self.read(|transaction| {
            let sql = format!(
                "SELECT {NOTIFICATION_COLUMNS} FROM operation_notifications \
                 WHERE $1::text IS NULL OR operation_agency = $1 OR other_agency = $1 \
                 ORDER BY id"
            );
            let rows = transaction.query(&sql, &[&agency]).map_err(database)?;
            rows.iter().map(notification_from_row).collect()
        })
    }
}

fn operation_from_row(row: &Row) -> StoreResult<RegisteredOperation> {
    let targets: String = row.try_get(11).map_err(database)?;
    let targets = serde_json::from_str(&targets).map_err(|error| StoreError::Corrupt {
        table: "operations",
        reason: format!("targets {targets:?}: {error}"),
    })?;
    Ok(RegisteredOperation {
        id: codec::count(row.try_get(0).map_err(database)?),
        registered_at: row.try_get::<_, DateTime<Utc>>(13).map_err(database)?,
        operation: NewOperation {
            agency: row.try_get(1).map_err(database)?,
            label: row.try_get(2).map_err(database)?,
            source: row.try_get(3).map_err(database)?,
            contact_name: row.try_get(4).map_err(database)?,
            contact_phone: row.try_get(5).map_err(database)?,
            latitude: row.try_get(6).map_err(database)?,
            longitude: row.try_get(7).map_err(database)?,
            radius_m: row.try_get(8).map_err(database)?,
            starts_at: row.try_get(9).map_err(database)?,
            ends_at: row.try_get(10).map_err(database)?,
            targets,
            registered_by: row.try_get(12).map_err(database)?,
        },
    })
}

fn notification_from_row(row: &Row) -> StoreResult<Notification> {
    let overlaps: String = row.try_get(6).map_err(database)?;
    let overlaps = serde_json::from_str(&overlaps).map_err(|error| StoreError::Corrupt {
        table: "operation_notifications",
        reason: format!("overlaps {overlaps:?}: {error}"),
    })?;
    Ok(Notification {
        id: codec::count(row.try_get(0).map_err(database)?),
        notified_at: row.try_get(1).map_err(database)?,
        operation: codec::count(row.try_get(2).map_err(database)?),
        operation_agency: row.try_get(3).map_err(database)?,
        other_operation: codec::count(row.try_get(4).map_err(database)?),
        other_agency: row.try_get(5).map_err(database)?,
        overlaps,
    })
}
