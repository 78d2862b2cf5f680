//! The retention part of the conformance suite (see `retention_conformance_tests!`):
//! purge and tombstones on every backend, and the review clock over them.
//!
//! Like [`crate::conformance`], each case takes a fresh, empty store and panics with
//! the promise of [`crate::Retention`] that was broken.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use model::{
    CriminalPredicate, DataClass, EntityKey, Provenance, SecurityLabels, Sensitivity, SourceRecord,
};
use serde_json::json;

use crate::conformance::{counts, header, record};
use crate::resolution::{AssignmentUpdate, PairRole, RunPair};
use crate::retention::{PurgeRequest, review_due};
use crate::{
    AuditAction, AuditOutcome, BatchHeader, NewAuditEntry, RecordQuery, Store, StoreError,
};

/// Expands to one `#[test]` per retention conformance case, like `conformance_tests!`.
#[macro_export]
macro_rules! retention_conformance_tests {
    ($fresh_store:expr) => {
        $crate::retention_conformance_tests!(@cases $fresh_store;
            a_fresh_store_has_no_tombstones,
            a_purge_removes_the_record_and_its_derived_rows_and_keeps_a_tombstone,
            purges_without_who_or_why_or_of_unknown_records_are_refused,
            a_purge_keeps_the_audit_chain_intact,
            corrections_and_purges_do_not_reset_the_review_clock,
            a_record_sent_again_after_its_purge_is_purged_under_its_first_tombstone,
        );
    };
    (@cases $fresh_store:expr; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                let fixture = $fresh_store;
                $crate::conformance_retention::$case(
                    $crate::conformance::StoreUnderTest::store_under_test(&fixture),
                );
            }
        )+
    };
}

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a valid date")
}

/// A criminal-intelligence Person of dea/informants keyed `key`, reviewed by `review_by`.
pub fn intelligence(header: &BatchHeader, key: &str, name: &str, review_by: &str) -> SourceRecord {
    let reported_at = Utc.with_ymd_and_hms(2024, 4, 30, 8, 30, 0).unwrap();
    let labels = SecurityLabels::new(
        Sensitivity::LawEnforcement,
        [],
        DataClass::CriminalIntelligence,
        Some(CriminalPredicate::new("reasonable suspicion of 21 USC 841").unwrap()),
        Some(date(review_by)),
        reported_at.date_naive(),
    )
    .expect("valid labels");
    SourceRecord::new(
        "Person",
        EntityKey::new(&header.agency, "Person", &header.feed, &[key]),
        BTreeMap::from([("name".to_string(), vec![name.to_string()])]),
        labels,
        Provenance {
            agency: header.agency.clone(),
            feed: header.feed.clone(),
            source_record_id: key.to_string(),
            batch_id: header.id,
            source_file: header.source_file.clone(),
            line: 2,
            reported_at,
        },
    )
}

fn commit(store: &dyn Store, header: &BatchHeader, records: &[SourceRecord]) {
    let mut writer = store.begin_batch(header.clone()).expect("begin batch");
    let written = writer.write_records(records).expect("write records");
    let rows = records.len() as u64;
    writer
        .commit(counts(rows, rows, 0, written, rows - written))
        .expect("commit batch");
}

fn all_records(store: &dyn Store) -> Vec<SourceRecord> {
    store
        .records(&RecordQuery {
            limit: 10_000,
            ..RecordQuery::default()
        })
        .unwrap()
}

fn purge(record: model::RecordId) -> PurgeRequest {
    PurgeRequest {
        record,
        purged_by: "supervisor.ortiz".to_string(),
        reason: "review date passed without revalidation".to_string(),
    }
}

pub fn a_fresh_store_has_no_tombstones(store: &dyn Store) {
    assert!(store.retention().tombstones().unwrap().is_empty());
    assert!(
        review_due(store, date("2099-01-01"), None)
            .unwrap()
            .is_empty()
    );
}

pub fn a_purge_removes_the_record_and_its_derived_rows_and_keeps_a_tombstone(store: &dyn Store) {
    let header = header("dea", "informants", "ci.csv", "purge");
    let doomed = intelligence(&header, "CI-1", "JOHN DOE", "2025-01-31");
    let kept = intelligence(&header, "CI-2", "JANE ROE", "2026-01-31");
    let other = record(&header, "Phone", "p1", 3, &[("number", "+12135550100")]);
    commit(
        store,
        &header,
        &[doomed.clone(), kept.clone(), other.clone()],
    );
    store
        .resolution()
        .replace_assignment(AssignmentUpdate {
            started_at: Utc::now(),
            threshold: 5.0,
            model: json!({}),
            counts: json!({}),
            assignments: vec![(doomed.id, "e-1".to_string()), (kept.id, "e-1".to_string())],
            redirects: Vec::new(),
            pairs: vec![
                RunPair {
                    role: PairRole::Link,
                    rank: 1,
                    left: doomed.id,
                    right: kept.id,
                    weight: Some(9.0),
                    probability: Some(0.99),
                    evidence: json!([{"field": "name", "left": "JOHN DOE"}]),
                },
                RunPair {
                    role: PairRole::Review,
                    rank: 1,
                    left: kept.id,
                    right: other.id,
                    weight: Some(1.0),
                    probability: Some(0.5),
                    evidence: json!([]),
                },
            ],
        })
        .unwrap();
    let before = Utc::now() - chrono::Duration::seconds(1);
    let purged = store.retention().purge_record(purge(doomed.id)).unwrap();
    assert_eq!(purged.assignments_removed, 1);
    assert_eq!(purged.run_pairs_removed, 1);
    let tombstone = &purged.tombstone;
    assert_eq!(tombstone.record, doomed.id);
    assert_eq!(tombstone.entity_key, doomed.entity_key);
    assert_eq!(
        (
            tombstone.agency.as_str(),
            tombstone.feed.as_str(),
            tombstone.kind.as_str()
        ),
        ("dea", "informants", "Person")
    );
    assert_eq!(tombstone.review_by, Some(date("2025-01-31")));
    assert_eq!(tombstone.purged_by, "supervisor.ortiz");
    assert!(tombstone.purged_at >= before && tombstone.purged_at <= Utc::now());
    assert_eq!(tombstone.purged_at.timestamp_subsec_nanos() % 1_000, 0);
    assert_eq!(
        store.retention().tombstones().unwrap(),
        vec![tombstone.clone()]
    );
    // Gone from every read path; the rest stays.
    assert_eq!(store.record(doomed.id).unwrap(), None);
    assert_eq!(all_records(store).len(), 2);
    let persons: u64 = store
        .status()
        .unwrap()
        .records
        .iter()
        .filter(|count| count.kind == "Person")
        .map(|count| count.records)
        .sum();
    assert_eq!(persons, 1, "status counts the purge");
    let assignment = store.resolution().assignment().unwrap();
    assert_eq!(assignment.get(&doomed.id), None);
    assert_eq!(assignment.get(&kept.id).map(String::as_str), Some("e-1"));
    assert!(
        store
            .resolution()
            .run_pairs(PairRole::Link)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .resolution()
            .run_pairs(PairRole::Review)
            .unwrap()
            .len(),
        1
    );
    // Once purged, always purged.
    match store.retention().purge_record(purge(doomed.id)) {
        Err(StoreError::Refused(reason)) => assert!(reason.contains("purged"), "{reason}"),
        other => panic!("a second purge must be refused, got {other:?}"),
    }
}

pub fn purges_without_who_or_why_or_of_unknown_records_are_refused(store: &dyn Store) {
    let header = header("dea", "informants", "ci.csv", "refused");
    let stored = intelligence(&header, "CI-1", "JOHN DOE", "2025-01-31");
    commit(store, &header, std::slice::from_ref(&stored));
    for request in [
        PurgeRequest {
            purged_by: " ".to_string(),
            ..purge(stored.id)
        },
        PurgeRequest {
            reason: String::new(),
            ..purge(stored.id)
        },
        purge(crate::conformance_resolution::record_id(9)),
    ] {
        match store.retention().purge_record(request.clone()) {
            Err(StoreError::Refused(_)) => {}
            other => panic!("{request:?} must be refused, got {other:?}"),
        }
    }
    assert!(store.record(stored.id).unwrap().is_some());
    assert!(store.retention().tombstones().unwrap().is_empty());
}

pub fn a_purge_keeps_the_audit_chain_intact(store: &dyn Store) {
    let header = header("dea", "informants", "ci.csv", "audited");
    let stored = intelligence(&header, "CI-1", "JOHN DOE", "2025-01-31");
    commit(store, &header, std::slice::from_ref(&stored));
    let entry = |action: AuditAction| NewAuditEntry {
        actor: "supervisor.ortiz".to_string(),
        actor_agency: "dea".to_string(),
        action,
        target: format!("record:{}", stored.id),
        reason: "review".to_string(),
        case_number: None,
        source: "cli".to_string(),
        outcome: AuditOutcome::Allowed,
    };
    store.audit().append(entry(AuditAction::View)).unwrap();
    store.retention().purge_record(purge(stored.id)).unwrap();
    store.audit().append(entry(AuditAction::Purge)).unwrap();
    let verification = crate::audit::verify(store.audit(), None).unwrap();
    assert!(verification.is_intact(), "{verification:?}");
    assert_eq!(verification.entries_checked, 2);
}

pub fn corrections_and_purges_do_not_reset_the_review_clock(store: &dyn Store) {
    let first = header("dea", "informants", "ci-1.csv", "clock 1");
    let original = intelligence(&first, "CI-1", "JOHN DOE", "2025-01-31");
    let untouched = intelligence(&first, "CI-2", "JANE ROE", "2027-06-30");
    commit(store, &first, &[original.clone(), untouched.clone()]);
    // A correction arrives with a later review-by date: the original date still counts.
    let second = header("dea", "informants", "ci-2.csv", "clock 2");
    let corrected = intelligence(&second, "CI-1", "JOHN Q DOE", "2028-12-31");
    commit(store, &second, std::slice::from_ref(&corrected));
    let due = review_due(store, date("2025-02-01"), None).unwrap();
    let due_records: Vec<_> = due.iter().map(|item| item.record).collect();
    let mut expected = vec![original.id, corrected.id];
    expected.sort();
    assert_eq!(due_records, expected, "{due:?}");
    assert!(
        due.iter()
            .all(|item| item.effective_review_by == date("2025-01-31"))
    );
    assert_eq!(
        due.iter()
            .find(|item| item.record == corrected.id)
            .unwrap()
            .review_by,
        date("2028-12-31")
    );
    // Purging the original keeps its date in the tombstone: the correction stays due.
    store.retention().purge_record(purge(original.id)).unwrap();
    let due = review_due(store, date("2025-02-01"), None).unwrap();
    assert_eq!(
        due.iter().map(|item| item.record).collect::<Vec<_>>(),
        vec![corrected.id]
    );
    // The window and the agency narrow; another agency has nothing due.
    assert_eq!(
        review_due(store, date("2027-06-30"), None).unwrap().len(),
        2
    );
    assert!(
        review_due(store, date("2030-01-01"), Some("sheriff"))
            .unwrap()
            .is_empty()
    );
}

pub fn a_record_sent_again_after_its_purge_is_purged_under_its_first_tombstone(store: &dyn Store) {
    let first = header("dea", "informants", "ci-1.csv", "again 1");
    let doomed = intelligence(&first, "CI-1", "JOHN DOE", "2025-01-31");
    commit(store, &first, std::slice::from_ref(&doomed));
    let original = store.retention().purge_record(purge(doomed.id)).unwrap();
    // Another file sends the same record: the writer stores it again.
    let second = header("dea", "informants", "ci-2.csv", "again 2");
    let resent = SourceRecord {
        provenance: Provenance {
            batch_id: second.id,
            source_file: second.source_file.clone(),
            ..doomed.provenance.clone()
        },
        ..doomed.clone()
    };
    commit(store, &second, std::slice::from_ref(&resent));
    assert!(store.record(doomed.id).unwrap().is_some());
    let again = store
        .retention()
        .purge_record(PurgeRequest {
            reason: "sent again".to_string(),
            ..purge(doomed.id)
        })
        .unwrap();
    assert_eq!(
        again.tombstone, original.tombstone,
        "the first tombstone stays"
    );
    assert_eq!(store.record(doomed.id).unwrap(), None);
    assert_eq!(store.retention().tombstones().unwrap().len(), 1);
}
