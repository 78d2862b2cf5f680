//! The watchlist part of the conformance suite (see `watchlists_conformance_tests!`).
//!
//! Like [`crate::conformance`], each case takes a fresh, empty store and panics with
//! the promise of [`crate::Watchlists`] that was broken.

use chrono::{Duration, Utc};
use model::BatchId;
use serde_json::json;

use crate::conformance_resolution::record_id;
use crate::watchlists::{Disclosure, NewAlert, NewWatch};
use crate::{Store, StoreError};

/// Expands to one `#[test]` per watchlist conformance case, like `conformance_tests!`.
#[macro_export]
macro_rules! watchlists_conformance_tests {
    ($fresh_store:expr) => {
        $crate::watchlists_conformance_tests!(@cases $fresh_store;
            watchlists_of_a_fresh_store_are_empty,
            watches_register_with_ids_times_and_round_trip,
            invalid_watches_are_refused,
            watches_are_removed_once_and_only_by_their_agency,
            checks_append_new_alerts_once_and_mark_batches,
            a_check_naming_an_unknown_watch_changes_nothing,
        );
    };
    (@cases $fresh_store:expr; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                let fixture = $fresh_store;
                $crate::conformance_watchlists::$case(
                    $crate::conformance::StoreUnderTest::store_under_test(&fixture),
                );
            }
        )+
    };
}

/// A valid watch of `agency` on `target`.
pub fn new_watch(agency: &str, target: &str) -> NewWatch {
    NewWatch {
        agency: agency.to_string(),
        user: format!("analyst.{agency}"),
        target: target.to_string(),
        reference: "dea/subjects/S-1".to_string(),
        reason: "subject of case 24-117".to_string(),
        case_number: Some("24-117".to_string()),
        watcher: json!({"roles": ["analyst"], "clearance": "law_enforcement", "caveats": []}),
    }
}

fn batch(n: u8) -> BatchId {
    BatchId::from_bytes([n; 16])
}

/// An alert of `watch` about record `n`.
pub fn new_alert(watch: u64, n: u8, disclosure: Disclosure) -> NewAlert {
    NewAlert {
        watch,
        record: record_id(n),
        record_agency: "dea".to_string(),
        record_feed: "subjects".to_string(),
        record_kind: "Person".to_string(),
        batch: batch(n),
        disclosure,
        redacted_fields: if disclosure == Disclosure::Redacted {
            vec!["informant".to_string()]
        } else {
            Vec::new()
        },
        contact: Some("DEA duty desk, +1 213 555 0100".to_string()),
    }
}

pub fn watchlists_of_a_fresh_store_are_empty(store: &dyn Store) {
    let watchlists = store.watchlists();
    assert!(watchlists.watches(None).unwrap().is_empty());
    assert!(watchlists.alerts(None).unwrap().is_empty());
    assert!(watchlists.checked_batches().unwrap().is_empty());
}

pub fn watches_register_with_ids_times_and_round_trip(store: &dyn Store) {
    let watchlists = store.watchlists();
    let before = Utc::now() - Duration::seconds(1);
    let first = watchlists
        .add_watch(new_watch("sheriff", "entity:e-42"))
        .unwrap();
    let second = watchlists
        .add_watch(NewWatch {
            case_number: None,
            ..new_watch("dea", "key:00112233445566778899aabbccddeeff")
        })
        .unwrap();
    assert_eq!((first.id, second.id), (1, 2), "ids count from 1");
    assert!(first.created_at >= before && first.created_at <= Utc::now());
    assert_eq!(first.created_at.timestamp_subsec_nanos() % 1_000, 0);
    assert!(first.is_active());
    assert_eq!(
        watchlists.watches(None).unwrap(),
        vec![first.clone(), second.clone()]
    );
    assert_eq!(watchlists.watches(Some("sheriff")).unwrap(), vec![first]);
    assert_eq!(watchlists.watches(Some("dea")).unwrap(), vec![second]);
}

pub fn invalid_watches_are_refused(store: &dyn Store) {
    let watchlists = store.watchlists();
    for watch in [
        NewWatch {
            reason: "  ".to_string(),
            ..new_watch("dea", "entity:e-1")
        },
        NewWatch {
            user: String::new(),
            ..new_watch("dea", "entity:e-1")
        },
        new_watch("dea", "dea/subjects/S-1"),
        new_watch("dea", "key:"),
    ] {
        match watchlists.add_watch(watch.clone()) {
            Err(StoreError::Refused(_)) => {}
            other => panic!("{watch:?} must be refused, got {other:?}"),
        }
    }
    assert!(watchlists.watches(None).unwrap().is_empty());
}

pub fn watches_are_removed_once_and_only_by_their_agency(store: &dyn Store) {
    let watchlists = store.watchlists();
    let watch = watchlists
        .add_watch(new_watch("sheriff", "entity:e-42"))
        .unwrap();
    assert!(matches!(
        watchlists.remove_watch(watch.id, "dea", "analyst.dea"),
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        watchlists.remove_watch(99, "sheriff", "sgt.lee"),
        Err(StoreError::Refused(_))
    ));
    let removed = watchlists
        .remove_watch(watch.id, "sheriff", "sgt.lee")
        .unwrap();
    assert!(!removed.is_active());
    assert_eq!(removed.removed_by.as_deref(), Some("sgt.lee"));
    assert_eq!(removed.watch, watch.watch, "nothing else changes");
    assert!(matches!(
        watchlists.remove_watch(watch.id, "sheriff", "sgt.lee"),
        Err(StoreError::Refused(_))
    ));
    assert_eq!(watchlists.watches(None).unwrap(), vec![removed]);
}

pub fn checks_append_new_alerts_once_and_mark_batches(store: &dyn Store) {
    let watchlists = store.watchlists();
    let sheriff = watchlists
        .add_watch(new_watch("sheriff", "entity:e-42"))
        .unwrap();
    let dea = watchlists
        .add_watch(new_watch("dea", "entity:e-42"))
        .unwrap();
    let appended = watchlists
        .record_check(
            &[batch(1), batch(2)],
            vec![
                new_alert(sheriff.id, 1, Disclosure::Pointer),
                new_alert(dea.id, 1, Disclosure::Redacted),
            ],
        )
        .unwrap();
    assert_eq!(appended.len(), 2);
    assert_eq!((appended[0].id, appended[1].id), (1, 2));
    assert_eq!(appended[0].watcher_agency, "sheriff");
    assert_eq!(appended[0].watcher_user, "analyst.sheriff");
    assert_eq!(
        appended[0].alert,
        new_alert(sheriff.id, 1, Disclosure::Pointer)
    );
    assert_eq!(
        appended[1].alert,
        new_alert(dea.id, 1, Disclosure::Redacted)
    );
    assert_eq!(
        watchlists.checked_batches().unwrap(),
        [batch(1), batch(2)].into_iter().collect()
    );
    // The same (watch, record) again is no news; a batch checked twice stays once.
    let again = watchlists
        .record_check(
            &[batch(2), batch(3)],
            vec![
                new_alert(sheriff.id, 1, Disclosure::Pointer),
                new_alert(sheriff.id, 2, Disclosure::Pointer),
            ],
        )
        .unwrap();
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0].id, 3);
    assert_eq!(again[0].alert.record, record_id(2));
    assert_eq!(watchlists.checked_batches().unwrap().len(), 3);
    let all = watchlists.alerts(None).unwrap();
    assert_eq!(
        all.iter().map(|alert| alert.id).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let sheriffs = watchlists.alerts(Some("sheriff")).unwrap();
    assert_eq!(
        sheriffs.iter().map(|alert| alert.id).collect::<Vec<_>>(),
        [1, 3]
    );
    assert_eq!(sheriffs[0], appended[0]);
    assert!(watchlists.alerts(Some("fbi")).unwrap().is_empty());
}

pub fn a_check_naming_an_unknown_watch_changes_nothing(store: &dyn Store) {
    let watchlists = store.watchlists();
    let watch = watchlists
        .add_watch(new_watch("sheriff", "entity:e-42"))
        .unwrap();
    match watchlists.record_check(
        &[batch(1)],
        vec![
            new_alert(watch.id, 1, Disclosure::Pointer),
            new_alert(77, 2, Disclosure::Pointer),
        ],
    ) {
        Err(StoreError::Refused(_)) => {}
        other => panic!("an alert of an unknown watch must be refused, got {other:?}"),
    }
    assert!(watchlists.alerts(None).unwrap().is_empty());
    assert!(watchlists.checked_batches().unwrap().is_empty());
}
