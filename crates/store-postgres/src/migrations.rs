//! Numbered schema migrations, embedded in the binary and applied at open.

use postgres::Client;
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

/// Any fixed number: servers starting at once take turns migrating.
const MIGRATION_LOCK: i64 = 0x0001_d7e4_d1c7;

/// Brings the schema up to [`SCHEMA_VERSION`] in one transaction, or refuses a
/// database written by a newer build.
pub(crate) fn apply(client: &mut Client) -> StoreResult<()> {
    let mut transaction = client.transaction().map_err(database)?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(database)?;
    transaction
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    bigint PRIMARY KEY,
                 name       text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .map_err(database)?;
    let current: i64 = transaction
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )
        .and_then(|row| row.try_get(0))
        .map_err(database)?;
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
        transaction.batch_execute(migration.sql).map_err(|error| {
            StoreError::Database(format!(
                "migration {} ({}): {}",
                migration.version,
                migration.name,
                crate::describe(&error)
            ))
        })?;
        transaction
            .execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[&migration.version, &migration.name],
            )
            .map_err(database)?;
    }
    transaction.commit().map_err(database)
}
