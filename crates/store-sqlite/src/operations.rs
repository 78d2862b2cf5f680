//! Deconfliction state in SQLite (see `store::operations`): registered operations and
//! notifications, both append-only (migration 0004).
//!
//! Writes open their own connection under `BEGIN IMMEDIATE` with `synchronous=FULL`,
//! like audit appends: a registration or a notice that officers rely on must not vanish
//! on power loss, and an open ingest batch must not hold it up.

use chrono::Utc;
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use store::{
    NewNotification, NewOperation, Notification, Operations, RegisteredOperation, StoreError,
    StoreResult,
};

use crate::{SqliteStore, codec, database};

const OPERATION_COLUMNS: &str = "id, agency, label, source, contact_name, contact_phone, \
     latitude, longitude, radius_m, starts_at, ends_at, targets, registered_by, registered_at";

const NOTIFICATION_COLUMNS: &str = "id, notified_at, operation, operation_agency, \
     other_operation, other_agency, reasons";

impl Operations for SqliteStore {
    fn register_operation(&self, operation: NewOperation) -> StoreResult<RegisteredOperation> {
        if let Some(problem) = operation.problem() {
            return Err(StoreError::Refused(problem));
        }
        let mut connection = self.durable_connection()?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database)?;
        if let Some(source) = &operation.source {
            let taken = transaction
                .query_row(
                    "SELECT id FROM operations WHERE source = ?1",
                    [source],
                    |row| row.get::<_, i64>(0),
                )
                .optional()
                .map_err(database)?;
            if let Some(id) = taken {
                return Err(StoreError::Refused(format!(
                    "{source} is registered already, as operation {id}"
                )));
            }
        }
        let next: i64 = transaction
            .query_row(
                "SELECT coalesce(max(id), 0) + 1 FROM operations",
                [],
                |row| row.get(0),
            )
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
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                ),
                params![
                    next,
                    stored.agency,
                    stored.label,
                    stored.source,
                    stored.contact_name,
                    stored.contact_phone,
                    stored.latitude,
                    stored.longitude,
                    stored.radius_m,
                    codec::micros(stored.starts_at),
                    codec::micros(stored.ends_at),
                    targets,
                    stored.registered_by,
                    codec::micros(registered.registered_at),
                ],
            )
            .map_err(database)?;
        transaction.commit().map_err(database)?;
        Ok(registered)
    }

    fn registered_operations(&self) -> StoreResult<Vec<RegisteredOperation>> {
        self.read(|connection| {
            let sql = format!("SELECT {OPERATION_COLUMNS} FROM operations ORDER BY id");
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement.query([]).map_err(database)?;
            let mut operations = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                operations.push(operation_from_row(row)?);
            }
            Ok(operations)
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
        let mut connection = self.durable_connection()?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(database)?;
        let agency_of = |id: u64| -> StoreResult<String> {
            transaction
                .query_row(
                    "SELECT agency FROM operations WHERE id = ?1",
                    [codec::clamp(id)],
                    |row| row.get(0),
                )
                .optional()
                .map_err(database)?
                .ok_or_else(|| StoreError::Refused(format!("operation {id} is not registered")))
        };
        let operation_agency = agency_of(notification.operation)?;
        let other_agency = agency_of(notification.other_operation)?;
        let next: i64 = transaction
            .query_row(
                "SELECT coalesce(max(id), 0) + 1 FROM operation_notifications",
                [],
                |row| row.get(0),
            )
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
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ),
                params![
                    next,
                    codec::micros(appended.notified_at),
                    codec::clamp(appended.operation),
                    appended.operation_agency,
                    codec::clamp(appended.other_operation),
                    appended.other_agency,
                    overlaps,
                ],
            )
            .map_err(database)?;
        transaction.commit().map_err(database)?;
        Ok(appended)
    }

    fn notifications(&self, agency: Option<&str>) -> StoreResult<Vec<Notification>> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {NOTIFICATION_COLUMNS} FROM operation_notifications \
                 WHERE ?1 IS NULL OR operation_agency = ?1 OR other_agency = ?1 ORDER BY id"
            );
            let mut statement = connection.prepare_cached(&sql).map_err(database)?;
            let mut rows = statement.query([agency]).map_err(database)?;
            let mut notifications = Vec::new();
            while let Some(row) = rows.next().map_err(database)? {
                notifications.push(notification_from_row(row)?);
            }
            Ok(notifications)
        })
    }
}

fn corrupt(table: &'static str) -> impl Fn(String) -> StoreError {
    move |reason| StoreError::Corrupt { table, reason }
}

fn operation_from_row(row: &Row<'_>) -> StoreResult<RegisteredOperation> {
    let targets: String = row.get(11).map_err(database)?;
    let targets = serde_json::from_str(&targets)
        .map_err(|error| corrupt("operations")(format!("targets {targets:?}: {error}")))?;
    Ok(RegisteredOperation {
        id: codec::count(row.get(0).map_err(database)?),
        registered_at: codec::moment(row.get(13).map_err(database)?, "operations")?,
        operation: NewOperation {
            agency: row.get(1).map_err(database)?,
            label: row.get(2).map_err(database)?,
            source: row.get(3).map_err(database)?,
            contact_name: row.get(4).map_err(database)?,
            contact_phone: row.get(5).map_err(database)?,
            latitude: row.get(6).map_err(database)?,
            longitude: row.get(7).map_err(database)?,
            radius_m: row.get(8).map_err(database)?,
            starts_at: codec::moment(row.get(9).map_err(database)?, "operations")?,
            ends_at: codec::moment(row.get(10).map_err(database)?, "operations")?,
            targets,
            registered_by: row.get(12).map_err(database)?,
        },
    })
}

fn notification_from_row(row: &Row<'_>) -> StoreResult<Notification> {
    let overlaps: String = row.get(6).map_err(database)?;
    let overlaps = serde_json::from_str(&overlaps).map_err(|error| {
        corrupt("operation_notifications")(format!("overlaps {overlaps:?}: {error}"))
    })?;
    Ok(Notification {
        id: codec::count(row.get(0).map_err(database)?),
        notified_at: codec::moment(row.get(1).map_err(database)?, "operation_notifications")?,
        operation: codec::count(row.get(2).map_err(database)?),
        operation_agency: row.get(3).map_err(database)?,
        other_operation: codec::count(row.get(4).map_err(database)?),
        other_agency: row.get(5).map_err(database)?,
        overlaps,
    })
}
