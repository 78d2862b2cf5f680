//! The deconfliction part of the conformance suite (see `operations_conformance_tests!`).
//!
//! Like [`crate::conformance`], each case takes a fresh, empty store and panics with
//! the promise of [`Operations`] that was broken.

use chrono::{Duration, TimeZone, Utc};

use crate::operations::{NewNotification, NewOperation, NotifiedOverlap};
use crate::{Store, StoreError};

/// Expands to one `#[test]` per deconfliction conformance case, like
/// `conformance_tests!`.
#[macro_export]
macro_rules! operations_conformance_tests {
    ($fresh_store:expr) => {
        $crate::operations_conformance_tests!(@cases $fresh_store;
            operations_of_a_fresh_store_are_empty,
            operations_register_with_ids_times_and_round_trip,
            invalid_operations_and_repeated_sources_are_refused,
            notifications_name_both_agencies_and_filter_by_agency,
            invalid_notifications_are_refused,
        );
    };
    (@cases $fresh_store:expr; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                let fixture = $fresh_store;
                $crate::conformance_operations::$case(
                    $crate::conformance::StoreUnderTest::store_under_test(&fixture),
                );
            }
        )+
    };
}

/// A valid operation of `agency`, `hours` long from 2024-05-01 08:00:00.123456 UTC.
pub fn new_operation(agency: &str, hours: i64, targets: &[&str]) -> NewOperation {
    let starts_at =
        Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap() + Duration::microseconds(123_456);
    NewOperation {
        agency: agency.to_string(),
        label: format!("{agency} op"),
        source: None,
        contact_name: format!("Contact at {agency}"),
        contact_phone: "+12135550100".to_string(),
        latitude: 34.052_235,
        longitude: -118.243_683,
        radius_m: 250.5,
        starts_at,
        ends_at: starts_at + Duration::hours(hours),
        targets: targets.iter().map(|target| (*target).to_string()).collect(),
        registered_by: "agent.smith".to_string(),
    }
}

pub fn operations_of_a_fresh_store_are_empty(store: &dyn Store) {
    let operations = store.operations();
    assert!(operations.registered_operations().unwrap().is_empty());
    assert!(operations.notifications(None).unwrap().is_empty());
    assert!(operations.notifications(Some("dea")).unwrap().is_empty());
}

pub fn operations_register_with_ids_times_and_round_trip(store: &dyn Store) {
    let operations = store.operations();
    let before = Utc::now() - Duration::seconds(1);
    let first = operations
        .register_operation(new_operation("dea", 4, &["a1b2", "record:ff00"]))
        .unwrap();
    let second = operations
        .register_operation(NewOperation {
            source: Some("record:00112233445566778899aabbccddeeff".to_string()),
            ..new_operation("sheriff", 2, &[])
        })
        .unwrap();
    assert_eq!((first.id, second.id), (1, 2), "ids count from 1");
    assert!(first.registered_at >= before && first.registered_at <= Utc::now());
    assert_eq!(
        first.registered_at.timestamp_subsec_nanos() % 1_000,
        0,
        "kept to the microsecond"
    );
    assert_eq!(
        first.operation,
        new_operation("dea", 4, &["a1b2", "record:ff00"])
    );
    let stored = operations.registered_operations().unwrap();
    assert_eq!(stored, vec![first, second], "round trip, by id");
}

pub fn invalid_operations_and_repeated_sources_are_refused(store: &dyn Store) {
    let operations = store.operations();
    let valid = new_operation("dea", 3, &[]);
    let invalid = [
        NewOperation {
            agency: " ".to_string(),
            ..valid.clone()
        },
        NewOperation {
            contact_phone: String::new(),
            ..valid.clone()
        },
        NewOperation {
            radius_m: 0.0,
            ..valid.clone()
        },
        NewOperation {
            latitude: 91.0,
            ..valid.clone()
        },
        NewOperation {
            ends_at: valid.starts_at,
            ..valid.clone()
        },
        NewOperation {
            targets: vec![String::new()],
            ..valid.clone()
        },
    ];
    for operation in invalid {
        assert!(
            matches!(
                operations.register_operation(operation.clone()),
                Err(StoreError::Refused(_))
            ),
            "{operation:?}"
        );
    }
    let sourced = NewOperation {
        source: Some("record:aa".to_string()),
        ..valid
    };
    operations.register_operation(sourced.clone()).unwrap();
    assert!(
        matches!(
            operations.register_operation(sourced),
            Err(StoreError::Refused(_))
        ),
        "one registration per source"
    );
    assert_eq!(operations.registered_operations().unwrap().len(), 1);
}

pub fn notifications_name_both_agencies_and_filter_by_agency(store: &dyn Store) {
    let operations = store.operations();
    let dea = operations
        .register_operation(new_operation("dea", 4, &["t"]))
        .unwrap();
    let sheriff = operations
        .register_operation(new_operation("sheriff", 4, &["t"]))
        .unwrap();
    let police = operations
        .register_operation(new_operation("lapd", 4, &[]))
        .unwrap();
    let overlap_start = dea.operation.starts_at;
    let overlaps = vec![
        NotifiedOverlap::SpaceTime {
            distance_m: 12.75,
            overlap_start,
            overlap_end: overlap_start + Duration::hours(4),
        },
        NotifiedOverlap::SharedTarget,
    ];
    let before = Utc::now() - Duration::seconds(1);
    let first = operations
        .append_notification(NewNotification {
            operation: sheriff.id,
            other_operation: dea.id,
            overlaps: overlaps.clone(),
        })
        .unwrap();
    assert_eq!(first.id, 1);
    assert!(first.notified_at >= before);
    assert_eq!(
        (first.operation_agency.as_str(), first.other_agency.as_str()),
        ("sheriff", "dea"),
        "the store names the agencies of the two operations"
    );
    assert_eq!(first.overlaps, overlaps);
    let second = operations
        .append_notification(NewNotification {
            operation: police.id,
            other_operation: sheriff.id,
            overlaps: vec![NotifiedOverlap::SharedTarget],
        })
        .unwrap();
    assert_eq!(
        operations.notifications(None).unwrap(),
        vec![first.clone(), second.clone()]
    );
    assert_eq!(
        operations.notifications(Some("dea")).unwrap(),
        vec![first.clone()]
    );
    assert_eq!(
        operations.notifications(Some("sheriff")).unwrap(),
        vec![first, second.clone()]
    );
    assert_eq!(
        operations.notifications(Some("lapd")).unwrap(),
        vec![second]
    );
    assert!(operations.notifications(Some("fbi")).unwrap().is_empty());
}

pub fn invalid_notifications_are_refused(store: &dyn Store) {
    let operations = store.operations();
    let dea = operations
        .register_operation(new_operation("dea", 4, &[]))
        .unwrap();
    for notification in [
        NewNotification {
            operation: dea.id,
            other_operation: dea.id,
            overlaps: vec![NotifiedOverlap::SharedTarget],
        },
        NewNotification {
            operation: dea.id,
            other_operation: 99,
            overlaps: vec![NotifiedOverlap::SharedTarget],
        },
        NewNotification {
            operation: dea.id,
            other_operation: dea.id + 1,
            overlaps: Vec::new(),
        },
    ] {
        assert!(
            matches!(
                operations.append_notification(notification.clone()),
                Err(StoreError::Refused(_))
            ),
            "{notification:?}"
        );
    }
    assert!(operations.notifications(None).unwrap().is_empty());
}
