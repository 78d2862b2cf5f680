//! The shared conformance suite against PostgreSQL, each test in a fresh database of
//! one throwaway cluster, plus what only this backend has: URLs and migrations.

use store::Store;
use store_postgres::{PostgresStore, SCHEMA_VERSION};

fn fresh_postgres_store() -> PostgresStore {
    PostgresStore::open(&pg_throwaway::fresh_database_url()).expect("open store")
}

store::conformance_tests!(fresh_postgres_store());
store::resolution_conformance_tests!(fresh_postgres_store());
store::operations_conformance_tests!(fresh_postgres_store());
store::watchlists_conformance_tests!(fresh_postgres_store());
store::retention_conformance_tests!(fresh_postgres_store());
store::directory_conformance_tests!(fresh_postgres_store());

#[path = "audit/tamper.rs"]
mod audit_tamper;

#[test]
fn reopening_keeps_the_schema_and_a_newer_schema_is_refused() {
    let url = pg_throwaway::fresh_database_url();
    drop(PostgresStore::open(&url).unwrap());
    drop(PostgresStore::open(&url).unwrap());
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let versions: Vec<i64> = client
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        versions,
        (1..=SCHEMA_VERSION).collect::<Vec<_>>(),
        "each migration once"
    );
    client
        .execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, 'future')",
            &[&(SCHEMA_VERSION + 1)],
        )
        .unwrap();
    match PostgresStore::open(&url) {
        Err(store::StoreError::SchemaTooNew { found, known }) => {
            assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn urls_that_name_no_reachable_database_are_open_errors() {
    let cluster = pg_throwaway::shared();
    for url in [
        "sqlite:x.db".to_string(),
        "postgres://app@127.0.0.1:1/nothing".to_string(),
        cluster.url("no_such_database"),
    ] {
        match PostgresStore::open(&url) {
            Err(store::StoreError::Open { .. }) => {}
            other => panic!("{url}: expected an Open error, got {other:?}"),
        }
    }
    // The socket form works too.
    let url = pg_throwaway::fresh_database_url();
    let database = url.rsplit('/').next().unwrap();
    let socket_url = format!(
        "postgres://app@localhost/{database}?host={}&port={}",
        cluster.directory().display(),
        cluster.port()
    );
    assert_eq!(
        PostgresStore::open(&socket_url).unwrap().backend(),
        "postgres"
    );
}

#[test]
fn the_store_is_shared_across_threads() {
    // Running batches from several threads is a conformance case; this pins the type.
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PostgresStore>();
}

#[test]
fn a_record_stored_by_a_concurrent_batch_is_a_duplicate_not_an_error() {
    let url = pg_throwaway::fresh_database_url();
    let store = PostgresStore::open(&url).unwrap();
    let mut observer = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let first = store::conformance::header("dea", "f", "f.csv", "race 1");
    let second = store::conformance::header("dea", "f", "g.csv", "race 2");
    let record = store::conformance::record(&first, "Person", "p", 2, &[]);
    let resent = model::SourceRecord {
        provenance: model::Provenance {
            batch_id: second.id,
            source_file: second.source_file.clone(),
            ..record.provenance.clone()
        },
        ..record.clone()
    };
    let mut first_writer = store.begin_batch(first).unwrap();
    assert_eq!(
        first_writer
            .write_records(std::slice::from_ref(&record))
            .unwrap(),
        1
    );
    let written_by_second = std::thread::scope(|scope| {
        // The second batch's look-up cannot see the first batch's record, so its
        // COPY meets the key and waits for the first batch to end.
        let second_writer = scope.spawn(|| {
            let mut writer = store.begin_batch(second).unwrap();
            let written = writer.write_records(&[resent]).unwrap();
            writer.commit(store::BatchCounts::default()).unwrap();
            written
        });
        // (Unless the second writer ended already: then its join below tells why.)
        while !second_writer.is_finished()
            && observer
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                    &[],
                )
                .unwrap()
                .get::<_, i64>(0)
                == 0
        {
            std::thread::yield_now();
        }
        // Committing makes that COPY fail on the key; the writer falls back to the
        // path that skips the record.
        first_writer.commit(store::BatchCounts::default()).unwrap();
        second_writer.join().unwrap()
    });
    assert_eq!(written_by_second, 0);
    let status = store.status().unwrap();
    assert_eq!((status.total_records(), status.batches), (1, 2));
    assert_eq!(store.record(record.id).unwrap(), Some(record));
}

#[test]
fn a_first_load_takes_ids_another_store_wrote_for_duplicates() {
    // `loader` finds `records` empty, so it skips the look-ups of ids it never wrote;
    // `other` finds records and looks every id up. An id that `other` stores is one
    // `loader` never wrote: its COPY meets the key, falls back to the path that skips
    // the record, and looks every id up from then on.
    let url = pg_throwaway::fresh_database_url();
    let loader = PostgresStore::open(&url).unwrap();
    let other = PostgresStore::open(&url).unwrap();
    let write = |store: &PostgresStore, name: &str, keys: &[&str]| -> u64 {
        let header = store::conformance::header("dea", "f", &format!("{name}.csv"), name);
        let records: Vec<_> = keys
            .iter()
            .map(|key| store::conformance::record(&header, "Person", key, 1, &[]))
            .collect();
        let mut writer = store.begin_batch(header).unwrap();
        let written = writer.write_records(&records).unwrap();
        writer.commit(store::BatchCounts::default()).unwrap();
        written
    };
    assert_eq!(write(&loader, "first", &["a", "b"]), 2);
    assert_eq!(write(&other, "second", &["c"]), 1);
    assert_eq!(write(&loader, "third", &["c", "d"]), 1);
    assert_eq!(write(&loader, "fourth", &["b", "d", "e"]), 1);
    assert_eq!(write(&other, "fifth", &["a", "e", "f"]), 1);
    let status = loader.status().unwrap();
    assert_eq!((status.total_records(), status.batches), (6, 5));
}

#[test]
fn directory_logs_refuse_update_delete_and_truncate() {
    use store::conformance_directory::{moment, stored_records, user_account};
    let url = pg_throwaway::fresh_database_url();
    let store = PostgresStore::open(&url).unwrap();
    let directory = store.directory();
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
    let records = stored_records(&store, 1);
    directory
        .record_validation(&store::Validation {
            record: records[0],
            decision: "validated".to_string(),
            by: "supervisor.dea".to_string(),
            at: moment(2),
            note: String::new(),
        })
        .unwrap();
    let mut raw = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for sql in [
        "UPDATE logon_attempts SET succeeded = true",
        "DELETE FROM logon_attempts",
        "TRUNCATE logon_attempts",
        "UPDATE validations SET decision = 'rejected'",
        "DELETE FROM validations",
        "TRUNCATE validations",
        "DELETE FROM users",
    ] {
        assert!(raw.batch_execute(sql).is_err(), "{sql} must be refused");
    }
    assert_eq!(directory.recent_failures("a.smith", moment(0)).unwrap(), 1);
    assert_eq!(
        directory.validations().unwrap()[&records[0]].decision,
        "validated"
    );
    assert!(directory.user("a.smith").unwrap().is_some());
}

/// Migration 7 moves each record's agency, feed, source file and batch id to its batch
/// row: a database written before it reads back the same records.
#[test]
fn records_written_before_migration_7_keep_their_provenance() {
    use store::conformance::{RECORDS_BEFORE_MIGRATION_7, batches_before_migration_7};
    let url = pg_throwaway::fresh_database_url();
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
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .batch_execute(
                "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, \
                 name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
            )
            .unwrap();
        for (index, sql) in old_migrations.iter().enumerate() {
            client.batch_execute(sql).unwrap();
            client
                .execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, 'old')",
                    &[&(index as i64 + 1)],
                )
                .unwrap();
        }
        for header in &batches {
            client
                .execute(
                    "INSERT INTO batches (id, agency, feed, source_file, content_hash, \
                     started_at, committed_at, rows_read, rows_accepted, rows_quarantined, \
                     records_written, duplicates_skipped) \
                     VALUES ($1::text::uuid, $2, $3, $4, $5, now(), now(), 1, 1, 0, 1, 0)",
                    &[
                        &header.id.to_hex(),
                        &header.agency,
                        &header.feed,
                        &header.source_file,
                        &header.content_hash,
                    ],
                )
                .unwrap();
        }
        for (byte, batch, line) in RECORDS_BEFORE_MIGRATION_7 {
            let header = &batches[batch];
            client
                .execute(
                    "INSERT INTO records (id, entity_key, kind, agency, feed, source_record_id, \
                     batch_id, source_file, line, reported_at, sensitivity, caveats, data_class, \
                     properties) VALUES ($1::text::uuid, $1::text::uuid, 'Person', $2, $3, $4, \
                     $5::text::uuid, $6, $7, now(), 'restricted', '', 'investigative_case', \
                     '{\"name\":[\"A\"]}')",
                    &[
                        &format!("{byte:02x}").repeat(16),
                        &header.agency,
                        &header.feed,
                        &format!("R-{byte}"),
                        &header.id.to_hex(),
                        &header.source_file,
                        &(line as i64),
                    ],
                )
                .unwrap();
        }
    }
    let store = PostgresStore::open(&url).unwrap();
    store::conformance::check_records_after_migration_7(&store);
}
