//! The shared conformance suite against SQLite, plus what only SQLite has: URLs,
//! migrations and the file itself.

use store::Store;
use store::conformance::StoreUnderTest;
use store_sqlite::{SCHEMA_VERSION, SqliteStore};

/// A store in its own temporary file; the directory lives as long as the store.
struct SqliteFixture {
    store: SqliteStore,
    _directory: tempfile::TempDir,
}

impl StoreUnderTest for SqliteFixture {
    fn store_under_test(&self) -> &dyn Store {
        &self.store
    }
}

fn fresh_sqlite_store() -> SqliteFixture {
    fresh_store_opened_by(SqliteStore::open)
}

/// A store in a new file of its own, opened by `open` (shared or exclusive).
fn fresh_store_opened_by(open: fn(&str) -> store::StoreResult<SqliteStore>) -> SqliteFixture {
    let directory = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite:{}", directory.path().join("store.db").display());
    SqliteFixture {
        store: open(&url).expect("open store"),
        _directory: directory,
    }
}

store::conformance_tests!(fresh_sqlite_store());
store::resolution_conformance_tests!(fresh_sqlite_store());
store::operations_conformance_tests!(fresh_sqlite_store());
store::watchlists_conformance_tests!(fresh_sqlite_store());
store::retention_conformance_tests!(fresh_sqlite_store());
store::directory_conformance_tests!(fresh_sqlite_store());

#[path = "audit/tamper.rs"]
mod audit_tamper;

#[path = "exclusive/bulk_load.rs"]
mod exclusive;

#[test]
fn every_url_form_opens_the_same_file() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("forms.db");
    let header = store::conformance::header("dea", "f", "f.csv", "forms");
    {
        let store = SqliteStore::open(&path.display().to_string()).unwrap();
        let writer = store.begin_batch(header.clone()).unwrap();
        writer.commit(store::BatchCounts::default()).unwrap();
    }
    assert!(path.is_file(), "open creates the file");
    for url in [
        format!("sqlite:{}", path.display()),
        format!("sqlite://{}", path.display()),
    ] {
        let store = SqliteStore::open(&url).unwrap();
        assert!(store.committed_batch(header.id).unwrap().is_some(), "{url}");
        assert_eq!(store.path(), path);
    }
}

#[test]
fn reopening_keeps_the_schema_and_a_newer_schema_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("schema.db");
    drop(SqliteStore::open(&path.display().to_string()).unwrap());
    drop(SqliteStore::open(&path.display().to_string()).unwrap());
    let connection = rusqlite::Connection::open(&path).unwrap();
    let versions: Vec<i64> = connection
        .prepare("SELECT version FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        versions,
        (1..=SCHEMA_VERSION).collect::<Vec<_>>(),
        "each migration once"
    );
    connection
        .execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, 'future', 0)",
            [SCHEMA_VERSION + 1],
        )
        .unwrap();
    drop(connection);
    match SqliteStore::open(&path.display().to_string()) {
        Err(store::StoreError::SchemaTooNew { found, known }) => {
            assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn a_missing_directory_or_a_non_database_file_is_an_open_error() {
    let directory = tempfile::tempdir().unwrap();
    let missing = directory.path().join("no/such/dir/x.db");
    assert!(matches!(
        SqliteStore::open(&missing.display().to_string()),
        Err(store::StoreError::Open { .. })
    ));
    let garbage = directory.path().join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 8192]).unwrap();
    assert!(matches!(
        SqliteStore::open(&garbage.display().to_string()),
        Err(store::StoreError::Open { .. })
    ));
}

#[test]
fn the_store_is_shared_across_threads() {
    // Running batches from several threads is a conformance case; this pins the type.
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SqliteStore>();
}

#[test]
fn directory_logs_refuse_update_and_delete() {
    use store::conformance_directory::{moment, stored_records, user_account};
    let fixture = fresh_sqlite_store();
    let directory = fixture.store.directory();
    directory
        .create_user(&user_account("a.smith", "DEA"))
        .unwrap();
    directory
        .record_logon_attempt(&store::LogonAttempt {
            user: "a.smith".to_string(),
            at: moment(1),
            succeeded: false,
            source: "cli".to_string(),
        })
        .unwrap();
    let records = stored_records(&fixture.store, 1);
    directory
        .record_validation(&store::Validation {
            record: records[0],
            decision: "validated".to_string(),
            by: "supervisor.dea".to_string(),
            at: moment(2),
            note: String::new(),
        })
        .unwrap();
    let raw = rusqlite::Connection::open(fixture.store.path()).unwrap();
    for sql in [
        "UPDATE logon_attempts SET succeeded = 1",
        "DELETE FROM logon_attempts",
        "UPDATE validations SET decision = 'rejected'",
        "DELETE FROM validations",
        "DELETE FROM users",
    ] {
        assert!(raw.execute(sql, []).is_err(), "{sql} must be refused");
    }
    assert_eq!(directory.recent_failures("a.smith", moment(0)).unwrap(), 1);
    assert_eq!(
        directory.validations().unwrap()[&records[0]].decision,
        "validated"
    );
    assert!(directory.user("a.smith").unwrap().is_some());
}

/// Migration 7 moves each record's agency, feed, source file and batch id to its batch
/// row: a database written before it reads back the same records, in the same order.
#[test]
fn records_written_before_migration_7_keep_their_provenance() {
    use store::conformance::{RECORDS_BEFORE_MIGRATION_7, batches_before_migration_7};
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("old.db");
    let old_migrations = [
        include_str!("../migrations/0001_init.sql"),
        include_str!("../migrations/0002_audit.sql"),
        include_str!("../migrations/0003_resolution.sql"),
        include_str!("../migrations/0004_operations.sql"),
        include_str!("../migrations/0005_watchlists_retention.sql"),
        include_str!("../migrations/0006_directory.sql"),
    ];
    let batches = batches_before_migration_7();
    {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, \
                 name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
            )
            .unwrap();
        for (index, sql) in old_migrations.iter().enumerate() {
            connection.execute_batch(sql).unwrap();
            connection
                .execute(
                    "INSERT INTO schema_migrations VALUES (?1, 'old', 0)",
                    [index as i64 + 1],
                )
                .unwrap();
        }
        for header in &batches {
            connection
                .execute(
                    "INSERT INTO batches (id, agency, feed, source_file, content_hash, \
                     started_at, committed_at, rows_read, rows_accepted, rows_quarantined, \
                     records_written, duplicates_skipped) \
                     VALUES (?1, ?2, ?3, ?4, ?5, 0, 0, 1, 1, 0, 1, 0)",
                    rusqlite::params![
                        header.id.as_bytes().as_slice(),
                        header.agency,
                        header.feed,
                        header.source_file,
                        header.content_hash
                    ],
                )
                .unwrap();
        }
        for (byte, batch, line) in RECORDS_BEFORE_MIGRATION_7 {
            let header = &batches[batch];
            connection
                .execute(
                    "INSERT INTO records (id, entity_key, kind, agency, feed, source_record_id, \
                     batch_id, source_file, line, reported_at, sensitivity, caveats, data_class, \
                     properties) VALUES (?1, ?1, 'Person', ?2, ?3, ?4, ?5, ?6, ?7, 0, \
                     'restricted', '', 'investigative_case', '{\"name\":[\"A\"]}')",
                    rusqlite::params![
                        [byte; 16].as_slice(),
                        header.agency,
                        header.feed,
                        format!("R-{byte}"),
                        header.id.as_bytes().as_slice(),
                        header.source_file,
                        line as i64
                    ],
                )
                .unwrap();
        }
    }
    let store = SqliteStore::open(&path.display().to_string()).unwrap();
    store::conformance::check_records_after_migration_7(&store);
    // The table was rebuilt in its old row order, which is ingest order.
    let connection = rusqlite::Connection::open(&path).unwrap();
    let row_order: Vec<Vec<u8>> = connection
        .prepare("SELECT id FROM records ORDER BY rowid")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let written: Vec<Vec<u8>> = RECORDS_BEFORE_MIGRATION_7
        .iter()
        .map(|(byte, _, _)| vec![*byte; 16])
        .collect();
    assert_eq!(row_order, written);
}
