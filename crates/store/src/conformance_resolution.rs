//! The resolution-state part of the conformance suite (see
//! `resolution_conformance_tests!`).
//!
//! Like [`crate::conformance`], each case takes a fresh, empty store and panics with
//! the promise of [`ResolutionState`] that was broken.

use chrono::Utc;
use model::RecordId;
use serde_json::json;

use crate::resolution::{
    AssignmentUpdate, JudgementKind, NewJudgement, PairRole, RedirectReason, ResolutionState,
    RunPair, active_judgements,
};
use crate::{Store, StoreError};

/// Expands to one `#[test]` per resolution conformance case, like `conformance_tests!`.
#[macro_export]
macro_rules! resolution_conformance_tests {
    ($fresh_store:expr) => {
        $crate::resolution_conformance_tests!(@cases $fresh_store;
            resolution_state_of_a_fresh_store_is_empty,
            judgements_append_with_ids_times_and_round_trip,
            judgements_without_reason_or_on_one_record_are_refused,
            reversals_must_name_an_earlier_unreversed_judgement,
            replaying_the_log_drops_reversed_entries_and_later_entries_win,
            assignment_is_replaced_whole_with_runs_pairs_and_redirects,
            redirects_are_followed_to_the_id_in_use,
            a_refused_assignment_changes_nothing,
        );
    };
    (@cases $fresh_store:expr; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                let fixture = $fresh_store;
                $crate::conformance_resolution::$case(
                    $crate::conformance::StoreUnderTest::store_under_test(&fixture),
                );
            }
        )+
    };
}

/// A record id for tests: `n` in its last byte.
pub fn record_id(n: u8) -> RecordId {
    let mut bytes = [0u8; 16];
    bytes[0] = 0x5a;
    bytes[15] = n;
    RecordId::from_bytes(bytes)
}

fn judgement(kind: JudgementKind, left: u8, right: u8, reason: &str) -> NewJudgement {
    NewJudgement {
        kind,
        left: record_id(left),
        right: record_id(right),
        decided_by: "analyst.lopez".to_string(),
        reason: reason.to_string(),
        reverses: None,
    }
}

fn update(assignments: &[(u8, &str)], redirects: &[(&str, &str)]) -> AssignmentUpdate {
    AssignmentUpdate {
        started_at: Utc::now(),
        threshold: 7.25,
        model: json!({"match_proportion": 0.01, "fields": [{"field": "name", "weights": [1.5, -2.0]}]}),
        counts: json!({"records": assignments.len(), "clusters": 2}),
        assignments: assignments
            .iter()
            .map(|(record, entity)| (record_id(*record), entity.to_string()))
            .collect(),
        redirects: redirects
            .iter()
            .map(|(from, to)| (from.to_string(), to.to_string(), RedirectReason::Merged))
            .collect(),
        pairs: vec![
            RunPair {
                role: PairRole::Review,
                rank: 2,
                left: record_id(1),
                right: record_id(3),
                weight: Some(-0.5),
                probability: Some(0.41),
                evidence: json!([{"field": "name", "level": "exact", "weight": 4.5}]),
            },
            RunPair {
                role: PairRole::Review,
                rank: 1,
                left: record_id(2),
                right: record_id(3),
                weight: Some(0.25),
                probability: Some(0.52),
                evidence: json!([]),
            },
            RunPair {
                role: PairRole::Judged,
                rank: 1,
                left: record_id(1),
                right: record_id(2),
                weight: None,
                probability: None,
                evidence: json!(null),
            },
        ],
    }
}

fn state(store: &dyn Store) -> &dyn ResolutionState {
    store.resolution()
}

// ---------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------

pub fn resolution_state_of_a_fresh_store_is_empty(store: &dyn Store) {
    let state = state(store);
    assert!(state.judgements().unwrap().is_empty(), "no judgements");
    assert!(state.assignment().unwrap().is_empty(), "no assignment");
    assert!(state.redirects().unwrap().is_empty(), "no redirects");
    assert_eq!(state.latest_run().unwrap(), None, "no run");
    assert!(state.run_pairs(PairRole::Review).unwrap().is_empty());
    assert_eq!(state.resolve_entity("P-none").unwrap(), None);
}

pub fn judgements_append_with_ids_times_and_round_trip(store: &dyn Store) {
    let state = state(store);
    let before = Utc::now() - chrono::Duration::seconds(1);
    let mut unicode = judgement(
        JudgementKind::Different,
        3,
        4,
        "twins — José's brother; DOB differs \"on paper\"\nsee case 24-117",
    );
    unicode.decided_by = "agente.núñez".to_string();
    let first = state
        .append_judgement(judgement(JudgementKind::Same, 1, 2, "same licence photo"))
        .unwrap();
    let second = state.append_judgement(unicode.clone()).unwrap();
    assert_eq!((first.id, second.id), (1, 2), "ids count up from 1");
    assert!(first.decided_at >= before && first.decided_at <= Utc::now());
    assert!(
        second.decided_at >= first.decided_at,
        "times follow the log"
    );
    assert_eq!(second.judgement, unicode);
    assert_eq!(
        state.judgements().unwrap(),
        vec![first, second],
        "the log reads back as appended, to the microsecond"
    );
}

pub fn judgements_without_reason_or_on_one_record_are_refused(store: &dyn Store) {
    let state = state(store);
    for bad in [
        judgement(JudgementKind::Same, 1, 2, "   "),
        judgement(JudgementKind::Same, 1, 1, "one record"),
        NewJudgement {
            decided_by: String::new(),
            ..judgement(JudgementKind::Different, 1, 2, "no user")
        },
    ] {
        match state.append_judgement(bad.clone()) {
            Err(StoreError::Refused(_)) => {}
            other => panic!("{bad:?} must be refused, got {other:?}"),
        }
    }
    assert!(state.judgements().unwrap().is_empty(), "nothing written");
}

pub fn reversals_must_name_an_earlier_unreversed_judgement(store: &dyn Store) {
    let state = state(store);
    let original = state
        .append_judgement(judgement(JudgementKind::Different, 1, 2, "different DOB"))
        .unwrap();
    let reversal_of = |id: u64, kind: JudgementKind, left: u8, right: u8| NewJudgement {
        reverses: Some(id),
        ..judgement(kind, left, right, "withdrawn: the DOB was a typo")
    };
    for (bad, what) in [
        (
            reversal_of(9, JudgementKind::Different, 1, 2),
            "a missing entry",
        ),
        (reversal_of(1, JudgementKind::Same, 1, 2), "another kind"),
        (
            reversal_of(1, JudgementKind::Different, 1, 3),
            "other records",
        ),
    ] {
        match state.append_judgement(bad) {
            Err(StoreError::Refused(_)) => {}
            other => panic!("a reversal of {what} must be refused, got {other:?}"),
        }
    }
    // Records may come in either order.
    let reversal = state
        .append_judgement(reversal_of(1, JudgementKind::Different, 2, 1))
        .unwrap();
    assert_eq!(reversal.judgement.reverses, Some(original.id));
    for (bad, what) in [
        (
            reversal_of(1, JudgementKind::Different, 1, 2),
            "a reversed entry",
        ),
        (reversal_of(2, JudgementKind::Different, 2, 1), "a reversal"),
    ] {
        match state.append_judgement(bad) {
            Err(StoreError::Refused(_)) => {}
            other => panic!("a reversal of {what} must be refused, got {other:?}"),
        }
    }
    assert_eq!(state.judgements().unwrap(), vec![original, reversal]);
}

pub fn replaying_the_log_drops_reversed_entries_and_later_entries_win(store: &dyn Store) {
    let state = state(store);
    let append = |entry: NewJudgement| state.append_judgement(entry).unwrap();
    append(judgement(JudgementKind::Same, 1, 2, "first look"));
    let later = append(judgement(JudgementKind::Different, 2, 1, "second look"));
    let kept_apart = append(judgement(JudgementKind::Different, 3, 4, "twins"));
    let reversed = append(judgement(JudgementKind::Same, 5, 6, "hasty"));
    append(NewJudgement {
        reverses: Some(reversed.id),
        ..judgement(JudgementKind::Same, 5, 6, "withdrawn")
    });
    let log = state.judgements().unwrap();
    let active: Vec<u64> = active_judgements(&log)
        .iter()
        .map(|entry| entry.id)
        .collect();
    assert_eq!(active, vec![later.id, kept_apart.id]);
}

pub fn assignment_is_replaced_whole_with_runs_pairs_and_redirects(store: &dyn Store) {
    let state = state(store);
    let first = state
        .replace_assignment(update(&[(1, "P-a"), (2, "P-a"), (3, "P-b")], &[]))
        .unwrap();
    assert_eq!(first.id, 1);
    assert_eq!(state.latest_run().unwrap(), Some(first.clone()));
    assert_eq!(first.threshold, 7.25);
    assert_eq!(first.model["fields"][0]["weights"][1], json!(-2.0));
    assert_eq!(first.counts["records"], json!(3));
    let assignment = state.assignment().unwrap();
    assert_eq!(assignment.len(), 3);
    assert_eq!(assignment[&record_id(3)], "P-b");
    assert_eq!(
        state.entity_records("P-a").unwrap(),
        vec![record_id(1), record_id(2)]
    );
    assert_eq!(
        state.entity_of(record_id(2)).unwrap().as_deref(),
        Some("P-a")
    );
    let review = state.run_pairs(PairRole::Review).unwrap();
    assert_eq!(
        review.iter().map(|pair| pair.rank).collect::<Vec<_>>(),
        vec![1, 2],
        "pairs come back by rank"
    );
    assert_eq!(review[1].evidence[0]["level"], json!("exact"));
    assert_eq!(review[1].probability, Some(0.41));
    let judged = state.run_pairs(PairRole::Judged).unwrap();
    assert_eq!((judged.len(), judged[0].weight), (1, None));

    let mut second_update = update(
        &[(1, "P-a"), (2, "P-a"), (3, "P-a"), (4, "P-c")],
        &[("P-b", "P-a")],
    );
    second_update.pairs.truncate(1);
    let second = state.replace_assignment(second_update).unwrap();
    assert_eq!(second.id, 2);
    assert!(second.finished_at >= first.finished_at);
    let assignment = state.assignment().unwrap();
    assert_eq!(
        assignment.len(),
        4,
        "the assignment is replaced, not merged"
    );
    assert_eq!(assignment[&record_id(3)], "P-a");
    assert_eq!(state.run_pairs(PairRole::Review).unwrap().len(), 1);
    assert!(
        state.run_pairs(PairRole::Judged).unwrap().is_empty(),
        "pairs are the newest run's"
    );
    let redirects = state.redirects().unwrap();
    assert_eq!(redirects.len(), 1);
    assert_eq!(
        (
            redirects[0].from.as_str(),
            redirects[0].to.as_str(),
            redirects[0].reason,
            redirects[0].run
        ),
        ("P-b", "P-a", RedirectReason::Merged, 2)
    );
}

pub fn redirects_are_followed_to_the_id_in_use(store: &dyn Store) {
    let state = state(store);
    state
        .replace_assignment(update(&[(1, "P-a"), (2, "P-b"), (3, "P-c")], &[]))
        .unwrap();
    state
        .replace_assignment(update(
            &[(1, "P-b"), (2, "P-b"), (3, "P-c")],
            &[("P-a", "P-b")],
        ))
        .unwrap();
    state
        .replace_assignment(update(
            &[(1, "P-c"), (2, "P-c"), (3, "P-c")],
            &[("P-b", "P-c")],
        ))
        .unwrap();
    assert_eq!(
        state.resolve_entity("P-a").unwrap(),
        Some(vec![
            "P-a".to_string(),
            "P-b".to_string(),
            "P-c".to_string()
        ])
    );
    assert_eq!(
        state.resolve_entity("P-c").unwrap(),
        Some(vec!["P-c".to_string()])
    );
    assert_eq!(state.resolve_entity("P-zzz").unwrap(), None);
}

pub fn a_refused_assignment_changes_nothing(store: &dyn Store) {
    let state = state(store);
    let first = state
        .replace_assignment(update(&[(1, "P-a"), (2, "P-b")], &[]))
        .unwrap();
    // A redirect away from an id the same update still assigns would make a loop.
    match state.replace_assignment(update(&[(1, "P-a"), (2, "P-a")], &[("P-a", "P-b")])) {
        Err(StoreError::Refused(_)) => {}
        other => panic!("a redirect from an assigned id must be refused, got {other:?}"),
    }
    state
        .replace_assignment(update(&[(1, "P-a"), (2, "P-a")], &[("P-b", "P-a")]))
        .unwrap();
    // An id already redirected cannot be redirected again: one id, one successor.
    match state.replace_assignment(update(&[(1, "P-c"), (2, "P-c")], &[("P-b", "P-c")])) {
        Err(StoreError::Refused(_)) | Err(StoreError::Database(_)) => {}
        other => panic!("a second redirect of one id must be refused, got {other:?}"),
    }
    let latest = state.latest_run().unwrap().unwrap();
    assert_eq!(latest.id, first.id + 1, "the refused runs left no row");
    assert_eq!(state.assignment().unwrap()[&record_id(2)], "P-a");
    assert_eq!(state.redirects().unwrap().len(), 1);
}
