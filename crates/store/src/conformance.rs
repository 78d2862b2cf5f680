//! The conformance suite every backend runs (see `conformance_tests!`).
//!
//! Each case is a public function taking a fresh, empty store and panicking with a
//! message that says which promise of [`Store`] was broken. A backend's integration
//! test runs all of them with one line:
//!
//! ```text
//! store::conformance_tests!(fresh_sqlite_store());
//! ```
//!
//! Timestamps are kept to the microsecond (PostgreSQL's resolution); the suite holds
//! every backend to that, so records read back equal records written once their
//! timestamps are truncated (see [`truncate_to_micros`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeZone, Utc};
use model::{
    BatchId, CriminalPredicate, DataClass, EntityKey, Provenance, RecordId, SecurityLabels,
    Sensitivity, SourceRecord,
};

use crate::{
    BatchCounts, BatchHeader, BatchSummary, KindAgencyCount, QuarantineCount, QuarantinedRow,
    RecordQuery, Store, StoreError, StoreStatus, truncate_to_micros,
};

/// Expands to one `#[test]` per conformance case. The expression is evaluated once per
/// test and must give something [`StoreUnderTest`]: a store, or a fixture that also
/// owns what the store needs (a temporary directory, a database).
#[macro_export]
macro_rules! conformance_tests {
    ($fresh_store:expr) => {
        $crate::conformance_tests!(@cases $fresh_store; readers_do_not_see_an_open_batch);
        $crate::conformance_tests!(@without_concurrent_reads $fresh_store);
    };
    // Every case but those that read beside an open batch on the batch's own thread:
    // for a store that holds its file alone (SQLite's exclusive mode), which refuses
    // such reads rather than show the batch (other threads' reads wait for it).
    (@without_concurrent_reads $fresh_store:expr) => {
        $crate::conformance_tests!(@cases $fresh_store;
            record_round_trip,
            labels_and_kinds_changing_from_record_to_record_round_trip,
            timestamps_keep_microseconds,
            missing_things_are_none,
            dropped_batch_leaves_nothing,
            duplicates_are_skipped_within_and_across_batches,
            chunks_written_together_keep_the_first_of_equal_ids,
            committing_a_committed_batch_id_fails_and_changes_nothing,
            batches_keep_headers_and_exact_counts,
            quarantine_comes_back_in_batch_then_line_order,
            status_counts_by_kind_and_agency,
            record_queries_filter_and_page,
            records_from_another_batch_are_refused,
            a_panicking_writer_rolls_back_and_the_store_stays_usable,
            batches_from_several_threads_all_land,
        );
    };
    (@cases $fresh_store:expr; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                let fixture = $fresh_store;
                $crate::conformance::$case(
                    $crate::conformance::StoreUnderTest::store_under_test(&fixture),
                );
            }
        )+
    };
}

/// What `conformance_tests!` needs from the value its expression produces.
pub trait StoreUnderTest {
    fn store_under_test(&self) -> &dyn Store;
}

impl<S: Store> StoreUnderTest for S {
    fn store_under_test(&self) -> &dyn Store {
        self
    }
}

impl StoreUnderTest for Box<dyn Store> {
    fn store_under_test(&self) -> &dyn Store {
        self.as_ref()
    }
}

// ---------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------

/// Every field of a record comes back as written: labels with predicate and review
/// date, caveats, provenance, unicode and awkward characters, many values.
pub fn record_round_trip(store: &dyn Store) {
    let header = header("dea", "informants", "informants-2024.csv", "round-trip");
    let mut properties = BTreeMap::new();
    properties.insert(
        "name".to_string(),
        vec![
            "José Ñúñez García".to_string(),
            "张伟".to_string(),
            "Ωμέγα \u{1F680} \u{200D}".to_string(),
            "quote ' double \" backslash \\ tab \t newline \n cr \r end".to_string(),
            "comma, semicolon; pipe | {json} [array] \\N null".to_string(),
            "nul \u{0} byte".to_string(),
            String::new(),
        ],
    );
    properties.insert(
        "alias".to_string(),
        (0..500).map(|index| format!("alias-{index:04}")).collect(),
    );
    for index in 0..40 {
        properties.insert(
            format!("property_{index:02}"),
            vec![format!("value {index}")],
        );
    }
    properties.insert("ünïcödé_property".to_string(), vec!["x".to_string()]);
    let reported_at = Utc.with_ymd_and_hms(2023, 11, 5, 17, 45, 12).unwrap()
        + chrono::Duration::microseconds(123_456);
    let labels = SecurityLabels::new(
        Sensitivity::Restricted,
        [
            "informant".to_string(),
            "orcon".to_string(),
            "grand jury".to_string(),
        ],
        DataClass::CriminalIntelligence,
        Some(CriminalPredicate::new("reasonable suspicion of 21 USC 841 distribution").unwrap()),
        Some(date("2027-03-31")),
        reported_at.date_naive(),
    )
    .unwrap();
    let provenance = Provenance {
        agency: "dea".to_string(),
        feed: "informants".to_string(),
        source_record_id: "CI-0042/α".to_string(),
        batch_id: header.id,
        source_file: "informants-2024.csv".to_string(),
        line: 4_000_000_123,
        reported_at,
    };
    let rich = SourceRecord::new(
        "Person",
        EntityKey::new("dea", "Person", "informants", &["CI-0042"]),
        properties,
        labels,
        provenance,
    );
    let bare = record(&header, "Phone", "bare", 7, &[]);
    let bare = SourceRecord {
        properties: BTreeMap::new(),
        ..bare
    };

    commit(store, &header, &[rich.clone(), bare.clone()], &[]);

    assert_eq!(
        store.record(rich.id).expect("record"),
        Some(rich.clone()),
        "record(id) must return every field as written"
    );
    assert_eq!(
        store.record(bare.id).expect("record"),
        Some(bare.clone()),
        "a record with no properties, no caveats and no predicate must round-trip"
    );
    let mut expected = vec![rich, bare];
    expected.sort_by_key(|record| record.id);
    assert_eq!(
        store.records(&all_records()).expect("records"),
        expected,
        "records(query) must return every field as written, ordered by id"
    );
}

/// Records whose kind and labels change from one to the next, each label alone, in
/// runs and back again, over two writes (a bulk writer may carry values over from
/// record to record, and must not carry over one that changed).
pub fn labels_and_kinds_changing_from_record_to_record_round_trip(store: &dyn Store) {
    let header = header("dea", "subjects", "subjects.csv", "changing labels");
    let reported = Utc
        .with_ymd_and_hms(2024, 4, 30, 8, 30, 0)
        .unwrap()
        .date_naive();
    let labels = |sensitivity, caveats: &[&str], data_class, predicate: Option<&str>, review_by| {
        SecurityLabels::new(
            sensitivity,
            caveats.iter().map(|caveat| caveat.to_string()),
            data_class,
            predicate.map(|text| CriminalPredicate::new(text).unwrap()),
            review_by,
            reported,
        )
        .expect("valid labels")
    };
    let plain = labels(
        Sensitivity::LawEnforcement,
        &[],
        DataClass::InvestigativeCase,
        None,
        None,
    );
    let orcon = labels(
        Sensitivity::LawEnforcement,
        &["orcon"],
        DataClass::InvestigativeCase,
        None,
        None,
    );
    let restricted = labels(
        Sensitivity::Restricted,
        &[],
        DataClass::InvestigativeCase,
        None,
        None,
    );
    let health = labels(
        Sensitivity::LawEnforcement,
        &[],
        DataClass::PublicHealth,
        None,
        None,
    );
    let intelligence = |predicate, review_by| {
        labels(
            Sensitivity::LawEnforcement,
            &[],
            DataClass::CriminalIntelligence,
            Some(predicate),
            Some(date(review_by)),
        )
    };
    let suspicion = intelligence("suspicion of distribution", "2027-01-01");
    let later_review = intelligence("suspicion of distribution", "2027-06-30");
    let other_predicate = intelligence("suspicion of laundering", "2027-06-30");
    let sequence = [
        ("Person", &plain),
        ("Phone", &plain),
        ("Phone", &orcon),
        ("Person", &orcon),
        ("Vehicle", &suspicion),
        ("Vehicle", &later_review),
        ("Person", &other_predicate),
        // The second write starts as the first ended.
        ("Person", &other_predicate),
        ("Phone", &plain),
        ("Phone", &restricted),
        ("Person", &health),
        ("Person", &plain),
        ("Vehicle", &suspicion),
    ];
    let records: Vec<SourceRecord> = sequence
        .iter()
        .enumerate()
        .map(|(line, (kind, labels))| {
            let key = format!("K{line}");
            let plain = record(&header, kind, &key, line as u64 + 2, &[("name", &key)]);
            SourceRecord::new(
                kind,
                plain.entity_key,
                plain.properties,
                (*labels).clone(),
                plain.provenance,
            )
        })
        .collect();
    let mut writer = store.begin_batch(header.clone()).expect("begin batch");
    assert_eq!(writer.write_records(&records[..7]).expect("write"), 7);
    assert_eq!(writer.write_records(&records[7..]).expect("write"), 6);
    let count = records.len() as u64;
    writer
        .commit(counts(count, count, 0, count, 0))
        .expect("commit batch");
    let mut expected = records;
    expected.sort_by_key(|record| record.id);
    assert_eq!(
        store.records(&all_records()).expect("records"),
        expected,
        "every record must keep its own kind and labels"
    );
}

/// Timestamps are truncated to the microsecond, before and after 1970 alike.
pub fn timestamps_keep_microseconds(store: &dyn Store) {
    let mut header = header("cbp", "manifests", "old.csv", "timestamps");
    header.started_at = Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 59).unwrap()
        + chrono::Duration::nanoseconds(987_654_321);
    let after_epoch = Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap()
        + chrono::Duration::nanoseconds(123_456_789);
    let before_epoch = Utc.with_ymd_and_hms(1969, 7, 20, 20, 17, 40).unwrap()
        + chrono::Duration::nanoseconds(999_999_999);
    let mut written = Vec::new();
    for (index, reported_at) in [after_epoch, before_epoch].into_iter().enumerate() {
        let mut record = record(
            &header,
            "Parcel",
            &format!("p{index}"),
            2 + index as u64,
            &[],
        );
        record.provenance.reported_at = reported_at;
        written.push(record);
    }
    commit(store, &header, &written, &[]);

    for record in written {
        let read = store
            .record(record.id)
            .expect("record")
            .expect("stored record");
        assert_eq!(
            read.provenance.reported_at,
            truncate_to_micros(record.provenance.reported_at),
            "reported_at must be kept to the microsecond, truncated towards the past"
        );
    }
    let summary = store
        .committed_batch(header.id)
        .expect("batch")
        .expect("committed batch");
    assert_eq!(
        summary.header.started_at,
        truncate_to_micros(header.started_at),
        "started_at must be kept to the microsecond"
    );
}

/// Asking for what is not there gives `None` or empty, never an error.
pub fn missing_things_are_none(store: &dyn Store) {
    let unknown_record = RecordId::from_bytes([7; 16]);
    let unknown_batch = BatchId::new("nobody", "nothing", "none");
    assert_eq!(
        store.record(unknown_record).expect("record"),
        None,
        "unknown record"
    );
    assert_eq!(
        store.committed_batch(unknown_batch).expect("batch"),
        None,
        "unknown batch"
    );
    assert_empty(store, "a fresh store");
    assert!(
        !store.backend().is_empty(),
        "backend() must name the backend"
    );
}

/// A batch dropped without commit leaves nothing: no records, quarantine, batch or
/// counts, and the same batch id can be committed afterwards.
pub fn dropped_batch_leaves_nothing(store: &dyn Store) {
    let header = header("sheriff", "bookings", "bookings.csv", "dropped");
    let records = [
        record(&header, "Person", "a", 2, &[("name", "Ann")]),
        record(&header, "Person", "b", 3, &[("name", "Bob")]),
    ];
    let rows = [quarantined(&header, 4, "bad date")];
    {
        let mut writer = store.begin_batch(header.clone()).expect("begin batch");
        assert_eq!(writer.write_records(&records).expect("write records"), 2);
        writer.write_quarantined(&rows).expect("write quarantined");
        // Dropped here without commit, as on an error or a panic in ingest.
    }
    assert_empty(store, "after a dropped batch");
    for record in &records {
        assert_eq!(
            store.record(record.id).expect("record"),
            None,
            "a record of a dropped batch must not be stored"
        );
    }

    // Nothing was left behind that would make the rerun a duplicate.
    let summary = commit(store, &header, &records, &rows);
    assert_eq!(
        summary.counts.records_written, 2,
        "rerun after a dropped batch"
    );
    assert_eq!(store.status().expect("status").total_records(), 2);
    assert_eq!(
        store.quarantined(None, 0, 100).expect("quarantined"),
        rows.to_vec()
    );
}

/// A reader sees nothing of a batch until it commits, then all of it at once.
pub fn readers_do_not_see_an_open_batch(store: &dyn Store) {
    let earlier = header("fbi", "tips", "tips-1.csv", "earlier");
    let earlier_records = [record(&earlier, "Person", "e", 2, &[("name", "Earl")])];
    commit(store, &earlier, &earlier_records, &[]);
    let status_before = store.status().expect("status");
    let batches_before = store.batches().expect("batches");

    let header = header("fbi", "tips", "tips-2.csv", "open");
    let records = [
        record(&header, "Person", "o1", 2, &[("name", "Olga")]),
        record(&header, "Vehicle", "o2", 3, &[("plate", "7ABC123")]),
    ];
    let rows = [quarantined(&header, 4, "no plate")];
    let mut writer = store.begin_batch(header.clone()).expect("begin batch");
    writer.write_records(&records).expect("write records");
    writer.write_quarantined(&rows).expect("write quarantined");

    assert_eq!(
        store.status().expect("status"),
        status_before,
        "status during an open batch"
    );
    assert_eq!(
        store.batches().expect("batches"),
        batches_before,
        "batches during an open batch"
    );
    assert_eq!(
        store.committed_batch(header.id).expect("batch"),
        None,
        "open batch is not committed"
    );
    assert!(
        store
            .quarantined(None, 0, 100)
            .expect("quarantined")
            .is_empty(),
        "quarantine during an open batch"
    );
    assert_eq!(
        store.records(&all_records()).expect("records"),
        earlier_records.to_vec()
    );
    for record in &records {
        assert_eq!(
            store.record(record.id).expect("record"),
            None,
            "record of an open batch"
        );
    }
    let by_batch = RecordQuery {
        batch_id: Some(header.id),
        ..all_records()
    };
    assert!(
        store.records(&by_batch).expect("records").is_empty(),
        "records of an open batch"
    );

    writer.commit(counts(2, 2, 1, 2, 0)).expect("commit");
    assert_eq!(
        store.status().expect("status").total_records(),
        3,
        "all records after commit"
    );
    assert_eq!(
        store.quarantined(None, 0, 100).expect("quarantined"),
        rows.to_vec()
    );
    assert!(store.committed_batch(header.id).expect("batch").is_some());
}

/// Records already stored, earlier in the batch or in an earlier batch, are skipped;
/// `write_records` counts only new ones and the first stored version is kept.
pub fn duplicates_are_skipped_within_and_across_batches(store: &dyn Store) {
    let first = header("dea", "seizures", "seizures-1.csv", "dup-1");
    let one = record(&first, "Seizure", "s1", 2, &[("drug", "fentanyl")]);
    let two = record(&first, "Seizure", "s2", 3, &[("drug", "heroin")]);
    let three = record(&first, "Seizure", "s3", 4, &[("drug", "cocaine")]);
    let mut writer = store.begin_batch(first.clone()).expect("begin batch");
    assert_eq!(
        writer
            .write_records(&[one.clone(), two.clone(), one.clone()])
            .expect("write"),
        2,
        "a duplicate inside one call must be skipped"
    );
    assert_eq!(
        writer
            .write_records(&[two.clone(), three.clone(), three.clone()])
            .expect("write"),
        1,
        "a duplicate of an earlier call of the same batch must be skipped"
    );
    assert_eq!(
        writer.write_records(&[]).expect("write"),
        0,
        "an empty write"
    );
    writer.commit(counts(5, 5, 0, 3, 2)).expect("commit");

    // The same content re-sent in a later file: same ids, other provenance.
    let second = header("dea", "seizures", "seizures-2.csv", "dup-2");
    let resent_one = SourceRecord {
        provenance: Provenance {
            batch_id: second.id,
            source_file: second.source_file.clone(),
            line: 99,
            ..one.provenance.clone()
        },
        ..one.clone()
    };
    assert_eq!(
        resent_one.id, one.id,
        "test set-up: content-derived ids ignore provenance"
    );
    let four = record(&second, "Seizure", "s4", 3, &[("drug", "methamphetamine")]);
    let mut writer = store.begin_batch(second.clone()).expect("begin batch");
    assert_eq!(
        writer
            .write_records(&[resent_one, four.clone()])
            .expect("write"),
        1,
        "a record stored by an earlier batch must be skipped"
    );
    writer.commit(counts(2, 2, 0, 1, 1)).expect("commit");

    assert_eq!(store.status().expect("status").total_records(), 4);
    assert_eq!(
        store.record(one.id).expect("record"),
        Some(one),
        "the first stored version (and its provenance) must be kept"
    );
    let mut expected = vec![two, three, four];
    expected.sort_by_key(|record| record.id);
    let mut found = store.records(&all_records()).expect("records");
    found.retain(|record| expected.iter().any(|wanted| wanted.id == record.id));
    assert_eq!(found, expected);
}

/// Several chunks written in one call: of equal ids the first in the order given is
/// kept (chunk after chunk, then record after record), whether the chunks are sorted
/// by id or not, and the count is of new records only.
pub fn chunks_written_together_keep_the_first_of_equal_ids(store: &dyn Store) {
    let header = header("dea", "seizures", "seizures-chunks.csv", "chunks");
    let seizure =
        |key: &str, line: u64, drug: &str| record(&header, "Seizure", key, line, &[("drug", drug)]);
    // The same content on other lines: the same id, another provenance.
    let (first, later, latest) = (
        seizure("s1", 2, "fentanyl"),
        seizure("s1", 40, "fentanyl"),
        seizure("s1", 70, "fentanyl"),
    );
    assert!(
        first.id == later.id && later.id == latest.id && first.provenance != later.provenance,
        "test set-up: content-derived ids ignore the line"
    );
    let others: Vec<SourceRecord> = (0..30)
        .map(|index| seizure(&format!("s-{index}"), 3 + index, "heroin"))
        .collect();
    // Each chunk in sort order, as ingest sends them, or not: both must hold.
    let sorted = |mut records: Vec<SourceRecord>| {
        records.sort_by_key(|record| record.id);
        crate::EncodedRecords::from_records(&records)
    };
    let unsorted = |records: Vec<SourceRecord>| crate::EncodedRecords::from_records(&records);
    let chunks = [
        sorted([&others[..10], std::slice::from_ref(&first)].concat()),
        unsorted([std::slice::from_ref(&later), &others[10..20]].concat()),
        crate::EncodedRecords::new(),
        sorted([&others[20..], std::slice::from_ref(&latest), &others[..5]].concat()),
    ];
    let chunk_refs: Vec<&crate::EncodedRecords> = chunks.iter().collect();
    let mut writer = store.begin_batch(header.clone()).expect("begin batch");
    assert_eq!(
        writer.write_encoded(&chunk_refs).expect("write chunks"),
        31,
        "thirty others and one of the three copies are new"
    );
    assert_eq!(
        writer
            .write_encoded(&[&chunks[1], &chunks[0]])
            .expect("write again"),
        0,
        "every id of a second call is stored already"
    );
    writer.commit(counts(38, 38, 0, 31, 29)).expect("commit");
    assert_eq!(
        store.record(first.id).expect("record"),
        Some(first),
        "the copy of the first chunk is kept"
    );
    let mut expected = others;
    expected.sort_by_key(|record| record.id);
    let mut found = store.records(&all_records()).expect("records");
    found.retain(|record| expected.iter().any(|other| other.id == record.id));
    assert_eq!(found, expected);
}

/// Committing a batch id that is already committed fails with `BatchExists` and
/// leaves records, quarantine, batches and status as they were.
pub fn committing_a_committed_batch_id_fails_and_changes_nothing(store: &dyn Store) {
    let header = header("hsi", "parcels", "parcels.csv", "twice");
    let records = [record(&header, "Parcel", "p1", 2, &[("tracking", "LX123")])];
    let rows = [quarantined(&header, 3, "no tracking number")];
    commit(store, &header, &records, &rows);
    let before = snapshot(store);

    let mut writer = store.begin_batch(header.clone()).expect("begin batch");
    let new_record = record(&header, "Parcel", "p2", 4, &[("tracking", "LX999")]);
    assert_eq!(
        writer
            .write_records(std::slice::from_ref(&new_record))
            .expect("write"),
        1
    );
    writer
        .write_quarantined(&[quarantined(&header, 5, "second try")])
        .expect("write quarantined");
    match writer.commit(counts(3, 1, 1, 1, 0)) {
        Err(StoreError::BatchExists(id)) => {
            assert_eq!(id, header.id, "BatchExists names the batch")
        }
        other => panic!("committing a committed batch id must give BatchExists, got {other:?}"),
    }

    assert_eq!(
        snapshot(store),
        before,
        "a refused commit must change nothing"
    );
    assert_eq!(store.record(new_record.id).expect("record"), None);
}

/// `committed_batch` and `batches` give back the header and the exact counts given
/// at commit, oldest batch first, with a commit time.
pub fn batches_keep_headers_and_exact_counts(store: &dyn Store) {
    let started = Utc::now();
    let first = header("dea", "arrests", "arrests.csv", "counts-1");
    let second = header("sheriff", "arrests", "arrests.csv", "counts-2");
    let first_counts = counts(10, 7, 3, 6, 1);
    let second_counts = BatchCounts {
        rows_read: 5_000_000_000,
        rows_accepted: 4_999_999_999,
        rows_quarantined: 1,
        records_written: 4_000_000_000,
        duplicates_skipped: 999_999_999,
    };
    let first_summary = commit_with(store, &first, &[], &[], first_counts);
    let second_summary = commit_with(store, &second, &[], &[], second_counts);
    let finished = Utc::now();

    for (summary, header, counts) in [
        (&first_summary, &first, first_counts),
        (&second_summary, &second, second_counts),
    ] {
        assert_eq!(summary.header, *header, "commit returns the header");
        assert_eq!(summary.counts, counts, "commit returns the counts");
        assert!(
            summary.committed_at >= truncate_to_micros(started) && summary.committed_at <= finished,
            "committed_at {} must be the commit time",
            summary.committed_at
        );
        assert_eq!(
            store.committed_batch(header.id).expect("batch").as_ref(),
            Some(summary),
            "committed_batch returns what commit returned"
        );
    }
    assert_eq!(
        store.batches().expect("batches"),
        vec![first_summary, second_summary],
        "batches(): all committed batches, oldest first"
    );
    assert_eq!(store.status().expect("status").batches, 2);
}

/// Quarantined rows come back in batch (commit) order then line order, narrowed to
/// one batch on request, and paged with offset and limit.
pub fn quarantine_comes_back_in_batch_then_line_order(store: &dyn Store) {
    let mut pair = [
        header("fbi", "tips", "tips-a.csv", "quarantine-a"),
        header("cbp", "manifests", "manifest-b.jsonl", "quarantine-b"),
    ];
    // Commit the batch with the larger id first, so that commit order and id order differ.
    pair.sort_by_key(|header| std::cmp::Reverse(header.id));
    let [older, newer] = pair;
    let older_rows = [9, 2, 30, 5].map(|line| quarantined(&older, line, "bad phone"));
    let mut newer_rows = [7, 3].map(|line| quarantined(&newer, line, "unknown drug"));
    newer_rows[0].field = None;
    newer_rows[1].raw = "ünïcode,\"quoted, field\"\ttab\nnewline".to_string();
    // PostgreSQL text cannot hold NUL: every backend stores it in `raw` (already a
    // lossy decoding) as U+FFFD.
    newer_rows[0].raw = "garbage \u{0} byte".to_string();

    let mut writer = store.begin_batch(older.clone()).expect("begin batch");
    writer
        .write_quarantined(&older_rows[..2])
        .expect("write quarantined");
    writer
        .write_quarantined(&older_rows[2..])
        .expect("write quarantined");
    writer.commit(counts(4, 0, 4, 0, 0)).expect("commit");
    commit_with(store, &newer, &[], &newer_rows, counts(2, 0, 2, 0, 0));

    let mut expected_older = older_rows.to_vec();
    expected_older.sort_by_key(|row| row.line);
    let mut expected_newer = newer_rows.to_vec();
    expected_newer[0].raw = "garbage \u{fffd} byte".to_string();
    expected_newer.sort_by_key(|row| row.line);
    let expected_all: Vec<_> = expected_older
        .iter()
        .chain(&expected_newer)
        .cloned()
        .collect();

    assert_eq!(
        store.quarantined(None, 0, 100).expect("quarantined"),
        expected_all,
        "all rows: oldest batch first, then by line"
    );
    assert_eq!(
        store
            .quarantined(Some(older.id), 0, 100)
            .expect("quarantined"),
        expected_older
    );
    assert_eq!(
        store
            .quarantined(Some(newer.id), 0, 100)
            .expect("quarantined"),
        expected_newer
    );
    assert_eq!(
        store
            .quarantined(Some(BatchId::new("x", "y", "z")), 0, 100)
            .expect("quarantined"),
        Vec::new(),
        "an unknown batch has no rows"
    );
    let mut paged = Vec::new();
    for offset in (0..8).step_by(4) {
        let page = store.quarantined(None, offset, 4).expect("quarantined");
        assert!(page.len() <= 4, "a page holds at most `limit` rows");
        paged.extend(page);
    }
    assert_eq!(
        paged, expected_all,
        "pages of 4 cover every row once, in order"
    );
    assert_eq!(
        store
            .quarantined(Some(older.id), 1, 2)
            .expect("quarantined"),
        expected_older[1..3].to_vec(),
        "offset and limit within one batch"
    );
    assert!(
        store
            .quarantined(None, 6, 10)
            .expect("quarantined")
            .is_empty(),
        "offset past the end"
    );
    assert!(
        store
            .quarantined(None, 0, 0)
            .expect("quarantined")
            .is_empty(),
        "limit 0"
    );
    assert_eq!(
        store
            .quarantined(None, 0, u64::MAX)
            .expect("quarantined")
            .len(),
        6,
        "limit u64::MAX"
    );
}

/// Status counts records by kind and agency and quarantined rows by agency and
/// feed, each sorted, plus the number of committed batches.
pub fn status_counts_by_kind_and_agency(store: &dyn Store) {
    let dea = header("dea", "seizures", "s.csv", "status-1");
    let sheriff = header("sheriff", "bookings", "b.csv", "status-2");
    let dea_records = [
        record(&dea, "Seizure", "1", 2, &[]),
        record(&dea, "Seizure", "2", 3, &[]),
        record(&dea, "Person", "3", 4, &[]),
        record(&dea, "Zebra", "4", 5, &[]),
    ];
    let sheriff_records = [
        record(&sheriff, "Person", "5", 2, &[]),
        record(&sheriff, "Person", "6", 3, &[]),
        record(&sheriff, "Person", "7", 4, &[]),
        record(&sheriff, "Arrest", "8", 5, &[]),
    ];
    let dea_rows = [quarantined(&dea, 6, "x"), quarantined(&dea, 7, "y")];
    let sheriff_rows = [quarantined(&sheriff, 6, "z")];
    commit(store, &sheriff, &sheriff_records, &sheriff_rows);
    commit(store, &dea, &dea_records, &dea_rows);

    let count = |kind: &str, agency: &str, records: u64| KindAgencyCount {
        kind: kind.to_string(),
        agency: agency.to_string(),
        records,
    };
    let quarantine = |agency: &str, feed: &str, rows: u64| QuarantineCount {
        agency: agency.to_string(),
        feed: feed.to_string(),
        rows,
    };
    assert_eq!(
        store.status().expect("status"),
        StoreStatus {
            records: vec![
                count("Arrest", "sheriff", 1),
                count("Person", "dea", 1),
                count("Person", "sheriff", 3),
                count("Seizure", "dea", 2),
                count("Zebra", "dea", 1),
            ],
            quarantined: vec![
                quarantine("dea", "seizures", 2),
                quarantine("sheriff", "bookings", 1)
            ],
            batches: 2,
        },
        "status: records by kind then agency, quarantine by agency then feed"
    );
}

/// Every filter of `RecordQuery` and `after` paging: pages in id order that cover
/// each matching record exactly once.
pub fn record_queries_filter_and_page(store: &dyn Store) {
    let first = header("dea", "mixed", "mixed-1.csv", "query-1");
    let second = header("sheriff", "mixed", "mixed-2.csv", "query-2");
    // A third agency's batch, committed between the other two.
    let third = header("cbp", "mixed", "mixed-3.csv", "query-3");
    let shared_key = EntityKey::new("dea", "Person", "subjects", &["S-1"]);
    let mut written = Vec::new();
    for (header, agency_batch) in [(&first, 0u64), (&second, 1u64)] {
        for index in 0..23u64 {
            let kind = ["Person", "Phone", "Seizure"][(index % 3) as usize];
            // Every fifth record is the third agency's, interleaved by id with the rest.
            let header = if index % 5 == 0 { &third } else { header };
            let record = record(
                header,
                kind,
                &format!("{agency_batch}-{index}"),
                index + 2,
                &[("value", &format!("v{index}"))],
            );
            written.push(record);
        }
    }
    // Two versions of one entity, in different batches.
    for (header, name) in [(&first, "Sam"), (&second, "Samuel")] {
        let mut version = record(header, "Person", "S-1", 90, &[("name", name)]);
        version.entity_key = shared_key;
        version = SourceRecord::new(
            &version.kind,
            version.entity_key,
            version.properties,
            version.labels,
            version.provenance,
        );
        written.push(version);
    }
    let mut by_batch: BTreeMap<BatchId, Vec<SourceRecord>> = BTreeMap::new();
    for record in &written {
        by_batch
            .entry(record.provenance.batch_id)
            .or_default()
            .push(record.clone());
    }
    for header in [&first, &third, &second] {
        commit(store, header, &by_batch[&header.id], &[]);
    }

    let queries = [
        RecordQuery::default(),
        RecordQuery {
            kind: Some("Person".into()),
            ..RecordQuery::default()
        },
        RecordQuery {
            kind: Some("Nothing".into()),
            ..RecordQuery::default()
        },
        RecordQuery {
            agency: Some("cbp".into()),
            ..RecordQuery::default()
        },
        RecordQuery {
            agency: Some("dea".into()),
            kind: Some("Phone".into()),
            ..RecordQuery::default()
        },
        RecordQuery {
            entity_key: Some(shared_key),
            ..RecordQuery::default()
        },
        RecordQuery {
            batch_id: Some(second.id),
            ..RecordQuery::default()
        },
        RecordQuery {
            batch_id: Some(third.id),
            agency: Some("cbp".into()),
            kind: Some("Person".into()),
            ..RecordQuery::default()
        },
        RecordQuery {
            batch_id: Some(first.id),
            kind: Some("Seizure".into()),
            agency: Some("dea".into()),
            ..RecordQuery::default()
        },
        RecordQuery {
            entity_key: Some(shared_key),
            batch_id: Some(first.id),
            ..RecordQuery::default()
        },
    ];
    for query in queries {
        let mut expected: Vec<SourceRecord> = written
            .iter()
            .filter(|record| query.kind.as_ref().is_none_or(|kind| record.kind == *kind))
            .filter(|record| {
                query
                    .agency
                    .as_ref()
                    .is_none_or(|agency| record.provenance.agency == *agency)
            })
            .filter(|record| query.entity_key.is_none_or(|key| record.entity_key == key))
            .filter(|record| {
                query
                    .batch_id
                    .is_none_or(|batch| record.provenance.batch_id == batch)
            })
            .cloned()
            .collect();
        expected.sort_by_key(|record| record.id);
        for page_size in [1, 4, 1000] {
            let mut collected = Vec::new();
            let mut after = None;
            loop {
                let page = store
                    .records(&RecordQuery {
                        after,
                        limit: page_size,
                        ..query.clone()
                    })
                    .expect("records");
                assert!(
                    page.len() as u64 <= page_size,
                    "a page holds at most `limit` records"
                );
                let Some(last) = page.last() else { break };
                after = Some(last.id);
                collected.extend(page);
                assert!(
                    collected.len() <= written.len(),
                    "paging must end ({query:?})"
                );
            }
            assert_eq!(
                collected, expected,
                "pages of {page_size} must cover each match once, in id order, for {query:?}"
            );
        }
    }
    assert!(
        store
            .records(&RecordQuery {
                limit: 0,
                ..RecordQuery::default()
            })
            .expect("records")
            .is_empty(),
        "limit 0 gives an empty page"
    );
    assert_eq!(
        store
            .records(&RecordQuery {
                limit: u64::MAX,
                ..RecordQuery::default()
            })
            .expect("records")
            .len(),
        written.len(),
        "limit u64::MAX gives everything"
    );
}

/// A record or quarantined row naming another batch than the open one is a caller's
/// mistake: it is refused, and the batch can still be committed without it.
pub fn records_from_another_batch_are_refused(store: &dyn Store) {
    let other = header("dea", "seizures", "s.csv", "foreign-other");
    let header = header("dea", "seizures", "s.csv", "foreign-open");
    let own = record(&header, "Seizure", "own", 2, &[]);
    let foreign = record(&other, "Seizure", "foreign", 3, &[]);
    let mut writer = store.begin_batch(header.clone()).expect("begin batch");
    match writer.write_records(&[own.clone(), foreign.clone()]) {
        Err(StoreError::ForeignBatch { expected, found }) => {
            assert_eq!(
                (expected, found),
                (header.id, other.id),
                "ForeignBatch names both batches"
            );
        }
        result => panic!("a record of another batch must give ForeignBatch, got {result:?}"),
    }
    match writer.write_quarantined(&[quarantined(&other, 4, "x")]) {
        Err(StoreError::ForeignBatch { .. }) => {}
        result => {
            panic!("a quarantined row of another batch must give ForeignBatch, got {result:?}")
        }
    }
    // A batch brings one file of one feed: its records' agency, feed and source file
    // are the batch's, which the stores keep once.
    for (field, change) in [
        (
            "agency",
            (|provenance| provenance.agency = "cbp".into()) as fn(&mut Provenance),
        ),
        ("feed", |provenance| provenance.feed = "arrests".into()),
        ("source file", |provenance| {
            provenance.source_file = "t.csv".into()
        }),
    ] {
        let mut stray = record(&header, "Seizure", "stray", 5, &[]);
        change(&mut stray.provenance);
        match writer.write_records(&[own.clone(), stray]) {
            Err(StoreError::ForeignProvenance { field: named, .. }) => {
                assert_eq!(named, field, "ForeignProvenance names the field");
            }
            result => {
                panic!("a record of another {field} must give ForeignProvenance, got {result:?}")
            }
        }
    }
    assert_eq!(
        writer
            .write_records(std::slice::from_ref(&own))
            .expect("write"),
        1,
        "nothing of the refused call was written"
    );
    writer.commit(counts(1, 1, 0, 1, 0)).expect("commit");
    assert_eq!(store.records(&all_records()).expect("records"), vec![own]);
    assert!(
        store
            .quarantined(None, 0, 10)
            .expect("quarantined")
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------
// Helpers, public so that backends can write their own extra tests with them
// ---------------------------------------------------------------------------------

/// A database from before migration 7, which moved each record's agency, feed, source
/// file and batch id to its batch row, as each backend's test writes it in SQL: these
/// two batches, and records with ids of 16 equal bytes (the byte below), of the batch at
/// the index, at the line, out of id order.
pub fn batches_before_migration_7() -> [BatchHeader; 2] {
    [
        header("dea", "seizures", "/in/seizures.csv", "old-1"),
        header("sheriff", "bookings", "/in/bookings.csv", "old-2"),
    ]
}

/// See [`batches_before_migration_7`]: (id byte, batch index, line).
pub const RECORDS_BEFORE_MIGRATION_7: [(u8, usize, u64); 3] = [(9, 1, 7), (3, 0, 2), (5, 1, 8)];

/// After migration 7, the records of [`batches_before_migration_7`] read back with
/// their batch's provenance, in id order, and filter by agency. (Reported-at, which the
/// migration copies as it is, is whatever each backend's test wrote.)
pub fn check_records_after_migration_7(store: &dyn Store) {
    let batches = batches_before_migration_7();
    let records = store
        .records(&all_records())
        .expect("records after migration");
    let seen: Vec<_> = records
        .iter()
        .map(|record| (*record.id.as_bytes(), record.provenance.clone()))
        .collect();
    let mut expected: Vec<_> = RECORDS_BEFORE_MIGRATION_7
        .iter()
        .map(|&(byte, batch, line)| {
            let header = &batches[batch];
            let provenance = Provenance {
                agency: header.agency.clone(),
                feed: header.feed.clone(),
                source_record_id: format!("R-{byte}"),
                batch_id: header.id,
                source_file: header.source_file.clone(),
                line,
                reported_at: seen
                    .iter()
                    .find(|(id, _)| *id == [byte; 16])
                    .map_or_else(Utc::now, |(_, provenance)| provenance.reported_at),
            };
            ([byte; 16], provenance)
        })
        .collect();
    expected.sort_by_key(|(id, _)| *id);
    assert_eq!(seen, expected, "each record keeps its batch's provenance");
    let sheriff = store
        .records(&RecordQuery {
            agency: Some("sheriff".into()),
            ..all_records()
        })
        .expect("records by agency");
    assert_eq!(
        sheriff.len(),
        2,
        "the agency filter reads the batch's agency"
    );
}

/// A batch header whose id derives from agency, feed and a made-up content hash.
pub fn header(agency: &str, feed: &str, source_file: &str, content: &str) -> BatchHeader {
    let content_hash = format!("hash of {content}");
    BatchHeader {
        id: BatchId::new(agency, feed, &content_hash),
        agency: agency.to_string(),
        feed: feed.to_string(),
        source_file: source_file.to_string(),
        content_hash,
        started_at: Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap()
            + chrono::Duration::microseconds(250),
    }
}

/// A record of the batch's agency and feed, keyed by `key`, with the given properties.
pub fn record(
    header: &BatchHeader,
    kind: &str,
    key: &str,
    line: u64,
    properties: &[(&str, &str)],
) -> SourceRecord {
    let reported_at = Utc.with_ymd_and_hms(2024, 4, 30, 8, 30, 0).unwrap();
    let labels = SecurityLabels::new(
        Sensitivity::LawEnforcement,
        [],
        DataClass::InvestigativeCase,
        None,
        None,
        reported_at.date_naive(),
    )
    .expect("valid labels");
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (property, value) in properties {
        values
            .entry(property.to_string())
            .or_default()
            .push(value.to_string());
    }
    SourceRecord::new(
        kind,
        EntityKey::new(&header.agency, kind, &header.feed, &[key]),
        values,
        labels,
        Provenance {
            agency: header.agency.clone(),
            feed: header.feed.clone(),
            source_record_id: key.to_string(),
            batch_id: header.id,
            source_file: header.source_file.clone(),
            line,
            reported_at,
        },
    )
}

/// A quarantined row of the batch at `line`.
pub fn quarantined(header: &BatchHeader, line: u64, reason: &str) -> QuarantinedRow {
    QuarantinedRow {
        batch_id: header.id,
        agency: header.agency.clone(),
        feed: header.feed.clone(),
        source_file: header.source_file.clone(),
        line,
        field: Some("date".to_string()),
        reason: reason.to_string(),
        raw: format!("row {line},13/45/2024"),
    }
}

/// The counts of a batch, in the order of [`BatchCounts`]' fields.
pub fn counts(
    rows_read: u64,
    rows_accepted: u64,
    rows_quarantined: u64,
    records_written: u64,
    duplicates_skipped: u64,
) -> BatchCounts {
    BatchCounts {
        rows_read,
        rows_accepted,
        rows_quarantined,
        records_written,
        duplicates_skipped,
    }
}

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a valid date")
}

fn all_records() -> RecordQuery {
    RecordQuery {
        limit: 10_000,
        ..RecordQuery::default()
    }
}

/// Writes and commits one batch, with counts that match what was written.
fn commit(
    store: &dyn Store,
    header: &BatchHeader,
    records: &[SourceRecord],
    rows: &[QuarantinedRow],
) -> BatchSummary {
    let distinct = records
        .iter()
        .map(|record| record.id)
        .collect::<BTreeSet<_>>()
        .len() as u64;
    let rows_read = records.len() as u64 + rows.len() as u64;
    let counts = counts(
        rows_read,
        records.len() as u64,
        rows.len() as u64,
        distinct,
        0,
    );
    commit_with(store, header, records, rows, counts)
}

fn commit_with(
    store: &dyn Store,
    header: &BatchHeader,
    records: &[SourceRecord],
    rows: &[QuarantinedRow],
    counts: BatchCounts,
) -> BatchSummary {
    let mut writer = store.begin_batch(header.clone()).expect("begin batch");
    writer.write_records(records).expect("write records");
    writer.write_quarantined(rows).expect("write quarantined");
    writer.commit(counts).expect("commit batch")
}

/// Everything a caller can observe, for before/after comparisons.
fn snapshot(
    store: &dyn Store,
) -> (
    StoreStatus,
    Vec<BatchSummary>,
    Vec<SourceRecord>,
    Vec<QuarantinedRow>,
) {
    (
        store.status().expect("status"),
        store.batches().expect("batches"),
        store.records(&all_records()).expect("records"),
        store.quarantined(None, 0, 10_000).expect("quarantined"),
    )
}

fn assert_empty(store: &dyn Store, when: &str) {
    assert_eq!(
        store.status().expect("status"),
        StoreStatus::default(),
        "status {when}"
    );
    assert_eq!(
        store.batches().expect("batches"),
        Vec::new(),
        "batches {when}"
    );
    assert_eq!(
        store.records(&all_records()).expect("records"),
        Vec::new(),
        "records {when}"
    );
    assert_eq!(
        store.quarantined(None, 0, 100).expect("quarantined"),
        Vec::new(),
        "quarantine {when}"
    );
}

/// A writer abandoned by a panic rolls back, and the same batch can then be written.
pub fn a_panicking_writer_rolls_back_and_the_store_stays_usable(store: &dyn Store) {
    let header = header("dea", "f", "f.csv", "panic");
    let record = record(&header, "Person", "p", 2, &[]);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut writer = store.begin_batch(header.clone()).unwrap();
        writer.write_records(std::slice::from_ref(&record)).unwrap();
        panic!("ingest failed mid-batch");
    }));
    assert!(outcome.is_err());
    assert_eq!(store.record(record.id).unwrap(), None);
    let mut writer = store.begin_batch(header).unwrap();
    assert_eq!(
        writer.write_records(std::slice::from_ref(&record)).unwrap(),
        1
    );
    writer.commit(BatchCounts::default()).unwrap();
    assert!(store.record(record.id).unwrap().is_some());
}

/// One store shared by several threads, each committing its own batch.
pub fn batches_from_several_threads_all_land(store: &dyn Store) {
    std::thread::scope(|scope| {
        for thread in 0..4 {
            scope.spawn(move || {
                let header = header("dea", "f", "f.csv", &format!("thread {thread}"));
                let record = record(&header, "Person", &format!("p{thread}"), 2, &[]);
                let mut writer = store.begin_batch(header).unwrap();
                writer.write_records(&[record]).unwrap();
                writer.commit(BatchCounts::default()).unwrap();
                store.status().unwrap();
            });
        }
    });
    assert_eq!(store.status().unwrap().batches, 4);
    assert_eq!(store.status().unwrap().total_records(), 4);
}
