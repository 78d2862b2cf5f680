//! Numbered schema migrations, embedded in the binary and applied at open.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use store::{StoreError, StoreResult};

use crate::database;

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

/// In order; a released migration is never edited, only followed by a new one.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "audit",
        sql: include_str!("../migrations/0002_audit.sql"),
    },
    Migration {
        version: 3,
        name: "resolution",
        sql: include_str!("../migrations/0003_resolution.sql"),
    },
    Migration {
        version: 4,
        name: "operations",
        sql: include_str!("../migrations/0004_operations.sql"),
    },
    Migration {
        version: 5,
        name: "watchlists_retention",
        sql: include_str!("../migrations/0005_watchlists_retention.sql"),
    },
    Migration {
        version: 6,
        name: "directory",
        sql: include_str!("../migrations/0006_directory.sql"),
    },
    Migration {
        version: 7,
        name: "records_name_their_batch",
        sql: include_str!("../migrations/0007_records_name_their_batch.sql"),
    },
];

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Brings the schema up to [`SCHEMA_VERSION`] in one transaction, or refuses a
/// database written by a newer build.
pub(crate) fn apply(connection: &mut Connection) -> StoreResult<()> {
    // IMMEDIATE: two processes opening a new file at once migrate one after the other.
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(database)?;
    transaction
        .execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    INTEGER PRIMARY KEY,
                 name       TEXT NOT NULL,
                 applied_at INTEGER NOT NULL
             )",
        )
        .map_err(database)?;
    let current: i64 = transaction
        .query_row("SELECT max(version) FROM schema_migrations", [], |row| {
            row.get(0)
        })
        .optional()
        .map_err(database)?
        .flatten()
        .unwrap_or(0);
    if current > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    for migration in MIGRATIONS
        .iter()
        .filter(|migration| migration.version > current)
    {
        transaction.execute_batch(migration.sql).map_err(|error| {
            StoreError::Database(format!(
                "migration {} ({}): {error}",
                migration.version, migration.name
            ))
        })?;
        transaction
            .execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![
                    migration.version,
                    migration.name,
                    chrono::Utc::now().timestamp_micros()
                ],
            )
            .map_err(database)?;
    }
    transaction.commit().map_err(database)
}
