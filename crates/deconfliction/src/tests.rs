//! Hand-checkable cases: places a known distance apart, windows that overlap or touch,
//! shared targets, and the index agreeing with the all-pairs test on random data.

use chrono::{Duration, TimeZone, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

/// 2020-03-01 at `hour` UTC (hours past 24 roll over).
fn at(hour: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 3, 1, 0, 0, 0).unwrap() + Duration::hours(hour)
}

/// Metres per degree of latitude on the sphere used here.
fn metres_per_degree() -> f64 {
    EARTH_RADIUS_M * std::f64::consts::PI / 180.0
}

/// An operation at latitude 34 + `north_m` metres north, longitude -118, for hours
/// `from..to` of 2020-03-01, with targets.
fn operation(
    id: OperationId,
    north_m: f64,
    radius_m: f64,
    from: i64,
    to: i64,
    targets: &[&str],
) -> Operation {
    Operation::new(
        id,
        if id.is_multiple_of(2) {
            "dea"
        } else {
            "sheriff"
        },
        Contact {
            name: format!("Agent {id}"),
            phone: format!("+1213555{id:04}"),
        },
        LatLon {
            lat: 34.0 + north_m / metres_per_degree(),
            lon: -118.0,
        },
        radius_m,
        TimeWindow {
            start: at(from),
            end: at(to),
        },
        targets
            .iter()
            .map(|target| TargetRef((*target).to_string()))
            .collect(),
    )
    .unwrap()
}

fn check(first: &Operation, second: &Operation, expected: &[&str]) {
    let reasons = conflict_reasons(first, second, &Rules::default());
    let kinds: Vec<&str> = reasons
        .iter()
        .map(|reason| match reason {
            ConflictReason::SpaceTime { .. } => "space_time",
            ConflictReason::SharedTarget { .. } => "shared_target",
        })
        .collect();
    assert_eq!(kinds, expected, "{first:?} vs {second:?}");
    // The index gives the same answer, from both sides.
    let index = OperationIndex::with_operations(vec![first.clone()], Rules::default()).unwrap();
    let found = index.conflicts(second);
    assert_eq!(found.len(), usize::from(!expected.is_empty()));
    if let Some(conflict) = found.first() {
        assert_eq!(conflict.reasons, reasons);
    }
    let mut index = OperationIndex::new(Rules::default());
    index.insert(second.clone()).unwrap();
    assert_eq!(
        index.conflicts(first).len(),
        usize::from(!expected.is_empty())
    );
}

#[test]
fn circles_600_m_apart_with_radii_400_and_300_conflict() {
    let reasons = conflict_reasons(
        &operation(1, 0.0, 400.0, 8, 12, &[]),
        &operation(2, 600.0, 300.0, 10, 14, &[]),
        &Rules::default(),
    );
    let [
        ConflictReason::SpaceTime {
            distance_m,
            overlap,
        },
    ] = &reasons[..]
    else {
        panic!("{reasons:?}");
    };
    assert!((distance_m - 600.0).abs() < 0.01, "{distance_m}");
    assert_eq!(
        overlap,
        &TimeWindow {
            start: at(10),
            end: at(12)
        }
    );
}

#[test]
fn circles_apart_do_not_conflict() {
    check(
        &operation(1, 0.0, 400.0, 8, 12, &[]),
        &operation(2, 701.0, 300.0, 8, 12, &[]),
        &[],
    );
}

#[test]
fn touching_circles_conflict() {
    // 700 m apart with radii 400 + 300: the edges touch (up to float rounding, which
    // the test absorbs by touching from a hair inside).
    check(
        &operation(1, 0.0, 400.0, 8, 12, &[]),
        &operation(2, 699.999, 300.0, 8, 12, &[]),
        &["space_time"],
    );
    // Exactly touching: the second radius is the distance less the first radius.
    let first = operation(1, 0.0, 400.0, 8, 12, &[]);
    let probe = operation(2, 700.0, 300.0, 8, 12, &[]);
    let touching = Operation {
        radius_m: first.distance_m(&probe) - first.radius_m,
        ..probe
    };
    check(&first, &touching, &["space_time"]);
}

#[test]
fn windows_that_only_touch_do_not_conflict() {
    check(
        &operation(1, 0.0, 400.0, 8, 12, &[]),
        &operation(2, 10.0, 300.0, 12, 16, &[]),
        &[],
    );
    check(
        &operation(1, 0.0, 400.0, 8, 12, &[]),
        &operation(2, 10.0, 300.0, 11, 16, &[]),
        &["space_time"],
    );
}

#[test]
fn shared_targets_conflict_within_the_horizon_wherever_they_are() {
    let far_away = 50_000.0;
    check(
        &operation(1, 0.0, 100.0, 8, 12, &["entity:A", "entity:B"]),
        &operation(2, far_away, 100.0, 24 * 29, 24 * 29 + 4, &["entity:B"]),
        &["shared_target"],
    );
    check(
        &operation(1, 0.0, 100.0, 8, 12, &["entity:A"]),
        &operation(
            2,
            far_away,
            100.0,
            24 * 31 + 12,
            24 * 31 + 16,
            &["entity:A"],
        ),
        &[],
    );
    // Same place, same time, same target: both reasons.
    check(
        &operation(1, 0.0, 100.0, 8, 12, &["entity:A"]),
        &operation(2, 50.0, 100.0, 9, 10, &["entity:A", "entity:C"]),
        &["space_time", "shared_target"],
    );
}

#[test]
fn without_a_horizon_any_shared_target_conflicts() {
    let rules = Rules {
        shared_target_horizon: None,
    };
    let reasons = conflict_reasons(
        &operation(1, 0.0, 100.0, 8, 12, &["entity:A"]),
        &operation(2, 9_000.0, 100.0, 24 * 400, 24 * 400 + 2, &["entity:A"]),
        &rules,
    );
    assert_eq!(reasons.len(), 1);
}

#[test]
fn invalid_operations_are_refused() {
    let contact = Contact {
        name: "A".into(),
        phone: "+1".into(),
    };
    let window = TimeWindow {
        start: at(2),
        end: at(3),
    };
    let centre = LatLon {
        lat: 34.0,
        lon: -118.0,
    };
    let build = |centre: LatLon, radius: f64, window: TimeWindow| {
        Operation::new(
            1,
            "dea",
            contact.clone(),
            centre,
            radius,
            window,
            Vec::new(),
        )
    };
    assert_eq!(build(centre, 0.0, window), Err(OperationError::Radius(0.0)));
    assert!(matches!(
        build(
            centre,
            10.0,
            TimeWindow {
                start: at(3),
                end: at(3)
            }
        ),
        Err(OperationError::Window { .. })
    ));
    assert_eq!(
        build(
            LatLon {
                lat: 95.0,
                lon: 0.0
            },
            10.0,
            window
        ),
        Err(OperationError::Latitude(95.0))
    );
    assert_eq!(
        build(
            LatLon {
                lat: 0.0,
                lon: 179.9999
            },
            1_000.0,
            window
        ),
        Err(OperationError::Wraps)
    );
}

#[test]
fn duplicate_ids_are_refused() {
    let mut index = OperationIndex::new(Rules::default());
    index.insert(operation(1, 0.0, 10.0, 1, 2, &[])).unwrap();
    assert_eq!(
        index.insert(operation(1, 0.0, 10.0, 1, 2, &[])),
        Err(OperationError::Duplicate(1))
    );
}

#[test]
fn pointer_notices_name_the_other_party_and_nothing_of_its_operation() {
    let dea = operation(2, 0.0, 400.0, 8, 12, &["entity:secret-dea"]);
    let sheriff = operation(1, 120.0, 300.0, 10, 14, &["entity:secret-dea"]);
    let reasons = conflict_reasons(&dea, &sheriff, &Rules::default());
    let [for_dea, for_sheriff] = pointer_notices(&dea, &sheriff, &reasons);
    assert_eq!(for_dea.your_operation, Some(2));
    assert_eq!(for_dea.other_agency, "sheriff");
    assert_eq!(for_dea.other_contact, sheriff.contact);
    assert_eq!(for_sheriff.other_agency, "dea");
    assert_eq!(
        for_sheriff.overlaps,
        vec![
            OverlapKind::SpaceTime {
                distance_band: DistanceBand::Under500M,
                overlap: TimeWindow {
                    start: at(10),
                    end: at(12)
                }
            },
            OverlapKind::SharedTarget
        ]
    );
    let shown = serde_json::to_string(&for_sheriff).unwrap();
    assert!(!shown.contains("secret"), "{shown}");
    assert!(!shown.contains("34.00"), "{shown}");
}

#[test]
fn the_index_finds_exactly_what_all_pairs_find() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let operations: Vec<Operation> = (0..2_000)
        .map(|id| {
            let start = rng.random_range(0..24 * 60);
            let target = format!("entity:{}", rng.random_range(0..300));
            Operation::new(
                id,
                "dea",
                Contact {
                    name: "A".into(),
                    phone: "+1".into(),
                },
                LatLon {
                    lat: 34.0 + rng.random_range(0.0..0.2),
                    lon: -118.0 + rng.random_range(0.0..0.2),
                },
                rng.random_range(50.0..2_000.0),
                TimeWindow {
                    start: at(start),
                    end: at(start + rng.random_range(1..12)),
                },
                vec![TargetRef(target)],
            )
            .unwrap()
        })
        .collect();
    let rules = Rules::default();
    let mut expected = Vec::new();
    for (position, first) in operations.iter().enumerate() {
        for second in &operations[position + 1..] {
            let reasons = conflict_reasons(first, second, &rules);
            if !reasons.is_empty() {
                expected.push((first.id, second.id, reasons));
            }
        }
    }
    assert!(expected.len() > 100, "{}", expected.len());
    let bulk = OperationIndex::with_operations(operations.clone(), rules).unwrap();
    let mut inserted = OperationIndex::new(rules);
    for operation in operations {
        inserted.insert(operation).unwrap();
    }
    for index in [bulk, inserted] {
        let found: Vec<_> = index
            .all_conflicts()
            .into_iter()
            .map(|(first, conflict)| (first, conflict.other, conflict.reasons))
            .collect();
        assert_eq!(found, expected);
    }
}
