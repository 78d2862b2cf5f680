//! A store that holds its file alone (`SqliteStore::open_exclusive`, for bulk loads):
//! the shared conformance cases that hold for it, and what only it promises, tried
//! from the side of the connection that must be kept out.

use std::path::Path;

use rusqlite::Connection;
use store::conformance::{counts, header, record};
use store::{Store, StoreError};
use store_sqlite::SqliteStore;

use super::{SqliteFixture, fresh_store_opened_by};

fn fresh_exclusive_store() -> SqliteFixture {
    fresh_store_opened_by(SqliteStore::open_exclusive)
}

// Not `readers_do_not_see_an_open_batch`: here such a read is refused instead (below).
store::conformance_tests!(@without_concurrent_reads fresh_exclusive_store());

fn url(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

/// A connection of another process's kind, which gives up at once rather than wait.
fn outsider(path: &Path) -> Connection {
    let connection = Connection::open(path).unwrap();
    connection.busy_timeout(std::time::Duration::ZERO).unwrap();
    connection
}

fn commit_one(store: &dyn Store, name: &str) -> store::BatchHeader {
    let header = header("dea", "seizures", &format!("{name}.csv"), name);
    let mut writer = store.begin_batch(header.clone()).unwrap();
    let records = [record(&header, "Person", name, 2, &[("name", name)])];
    writer.write_records(&records).unwrap();
    writer.commit(counts(1, 1, 0, 1, 0)).unwrap();
    header
}

#[test]
fn no_other_connection_reads_the_file_until_the_store_is_dropped_and_then_it_is_wal_again() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("bulk.db");
    let store = SqliteStore::open_exclusive(&url(&path)).unwrap();
    commit_one(&store, "first");

    let error = outsider(&path)
        .query_row("SELECT count(*) FROM records", [], |row| {
            row.get::<_, i64>(0)
        })
        .expect_err("another connection must not read while the store holds the file");
    assert!(error.to_string().contains("locked"), "{error}");

    drop(store);
    let outsider = outsider(&path);
    let records: i64 = outsider
        .query_row("SELECT count(*) FROM records", [], |row| row.get(0))
        .unwrap();
    assert_eq!(records, 1);
    let mode: String = outsider
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(
        !directory.path().join("bulk.db-journal").exists(),
        "no journal left behind"
    );
}

#[test]
fn the_file_is_refused_while_another_store_has_it_open_and_taken_once_it_is_closed() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("served.db");
    let served = SqliteStore::open(&url(&path)).unwrap();
    let committed = commit_one(&served, "served");

    match SqliteStore::open_exclusive(&url(&path)) {
        Err(StoreError::Open { reason, .. }) => {
            assert!(reason.contains("needs the database to itself"), "{reason}");
        }
        other => panic!("expected an open error, got {other:?}"),
    }
    // The refusal changed nothing for the store that has the file.
    assert!(served.committed_batch(committed.id).unwrap().is_some());
    commit_one(&served, "after the refusal");

    drop(served);
    let bulk = SqliteStore::open_exclusive(&url(&path)).unwrap();
    assert_eq!(bulk.batches().unwrap().len(), 2);
    assert!(bulk.committed_batch(committed.id).unwrap().is_some());
}

#[test]
fn while_a_batch_is_open_its_thread_is_refused_reads_others_wait_and_batches_are_known() {
    let directory = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_exclusive(&url(&directory.path().join("open.db"))).unwrap();
    let earlier = commit_one(&store, "earlier");

    let open = header("dea", "seizures", "open.csv", "open");
    let mut writer = store.begin_batch(open.clone()).unwrap();
    writer
        .write_records(&[record(&open, "Person", "o", 2, &[("name", "Olga")])])
        .unwrap();
    match store.status() {
        Err(StoreError::Refused(reason)) => assert!(reason.contains("exclusive"), "{reason}"),
        other => panic!("the batch's own thread must be refused a read, got {other:?}"),
    }
    assert!(
        store.committed_batch(earlier.id).unwrap().is_some(),
        "the batch committed before is known"
    );
    assert!(
        store.committed_batch(open.id).unwrap().is_none(),
        "the open batch is not committed"
    );
    std::thread::scope(|scope| {
        // Another thread's read waits for the commit, then sees the batch whole.
        let reader = scope.spawn(|| store.status().unwrap());
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(!reader.is_finished(), "a read must not see the open batch");
        let summary = writer.commit(counts(1, 1, 0, 1, 0)).unwrap();
        assert_eq!(store.committed_batch(open.id).unwrap(), Some(summary));
        let status = reader.join().unwrap();
        assert_eq!(status.batches, 2);
        assert_eq!(status.total_records(), 2);
    });
    assert_eq!(store.status().unwrap().batches, 2, "the thread reads again");
}

#[test]
fn a_store_reopened_after_an_exclusive_one_sees_everything_it_committed() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("reopen.db");
    let (status, batches) = {
        let bulk = SqliteStore::open_exclusive(&url(&path)).unwrap();
        commit_one(&bulk, "one");
        commit_one(&bulk, "two");
        (bulk.status().unwrap(), bulk.batches().unwrap())
    };
    let shared = SqliteStore::open(&url(&path)).unwrap();
    assert_eq!(shared.status().unwrap(), status);
    assert_eq!(shared.batches().unwrap(), batches);
}

/// The marker an exclusive first load keeps beside its file while it runs unsynced.
fn unsynced_marker(path: &Path) -> std::path::PathBuf {
    let mut marker = path.as_os_str().to_owned();
    marker.push("-unsynced");
    marker.into()
}

/// How many batches a store that opens the file afterwards finds.
fn batches_in(path: &Path) -> usize {
    SqliteStore::open(&url(path))
        .unwrap()
        .batches()
        .unwrap()
        .len()
}

#[cfg(target_os = "linux")]
fn this_boot() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .unwrap()
        .trim()
        .to_string()
}

#[cfg(target_os = "linux")]
#[test]
fn a_first_load_is_marked_unsynced_until_it_ends_and_a_load_into_data_is_not() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("first.db");
    let marker = unsynced_marker(&path);
    let first = SqliteStore::open_exclusive(&url(&path)).unwrap();
    assert!(
        marker.exists(),
        "a load into a new file runs unsynced, marked"
    );
    let marked = std::fs::read_to_string(&marker).unwrap();
    assert_eq!(marked.lines().next(), Some(this_boot().as_str()));
    commit_one(&first, "first");
    assert!(marker.exists(), "until the load ends, not at each batch");
    drop(first);
    assert!(!marker.exists(), "the file is synced and the marker gone");

    let second = SqliteStore::open_exclusive(&url(&path)).unwrap();
    assert!(!marker.exists(), "a file that holds data syncs every batch");
    commit_one(&second, "second");
    drop(second);
    assert_eq!(batches_in(&path), 2);
}

#[cfg(target_os = "linux")]
#[test]
fn an_unsynced_load_of_another_boot_refuses_the_file_to_every_store_until_it_is_deleted() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("stopped.db");
    commit_one(&SqliteStore::open(&url(&path)).unwrap(), "before");
    let marker = unsynced_marker(&path);
    // What a machine that stopped mid-load leaves: the marker of a boot now past.
    std::fs::write(&marker, "00000000-0000-0000-0000-000000000000\n").unwrap();

    for open in [SqliteStore::open, SqliteStore::open_exclusive] {
        match open(&url(&path)) {
            Err(StoreError::Open { reason, .. }) => {
                assert!(reason.contains("delete it"), "{reason}");
                assert!(reason.contains("stopped.db-unsynced"), "{reason}");
            }
            other => panic!("a possibly damaged file must be refused, got {other:?}"),
        }
    }
    assert!(marker.exists(), "a refusal removes nothing");

    // Deleted as asked and loaded again: the stale marker does not stand in the way.
    std::fs::remove_file(&path).unwrap();
    let again = SqliteStore::open_exclusive(&url(&path)).unwrap();
    commit_one(&again, "again");
    drop(again);
    assert!(!marker.exists());
    assert_eq!(batches_in(&path), 1);
}

#[cfg(target_os = "linux")]
#[test]
fn a_load_stopped_on_this_boot_is_synced_by_the_next_store_or_finished_by_the_next_load() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("killed.db");
    commit_one(&SqliteStore::open(&url(&path)).unwrap(), "before");
    let marker = unsynced_marker(&path);
    // What a load killed on this boot leaves: the kernel kept every write it was given.
    std::fs::write(&marker, format!("{}\n", this_boot())).unwrap();

    let rerun = SqliteStore::open_exclusive(&url(&path)).unwrap();
    assert!(
        marker.exists(),
        "the rerun finishes the load, still unsynced"
    );
    commit_one(&rerun, "rerun");
    drop(rerun);
    assert!(!marker.exists(), "synced once the rerun ends");

    std::fs::write(&marker, format!("{}\n", this_boot())).unwrap();
    let shared = SqliteStore::open(&url(&path)).unwrap();
    assert!(
        !marker.exists(),
        "a shared store syncs the file and takes the marker away"
    );
    assert_eq!(shared.batches().unwrap().len(), 2);
}
