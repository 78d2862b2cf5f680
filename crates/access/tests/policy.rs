//! The access decision from the side of the user who must not see: named cases for
//! each rule, then properties over random users, records and agreements.
//!
//! The random cases come from a seeded ChaCha generator (reproducible everywhere, and
//! no property-testing framework to build); a failure prints the seed and the case.

use std::collections::{BTreeMap, BTreeSet};

use access::{
    Case, CaseId, Decision, PROTECTED_FIELDS_CAVEAT, Part23Status, Policy, RecordFacts, Role,
    SharingAgreement, User, decide, may_read_audit_log,
};
use model::{CriminalPredicate, DataClass, EntityKind, Schema, SecurityLabels, Sensitivity};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const AGENCIES: &[&str] = &["dea", "cbp", "sdpd", "health"];
const CAVEATS: &[&str] = &["INFORMANT", "ORCON", "GRAND-JURY"];
const CASES: &[&str] = &["C-1", "C-2", "C-3"];

fn user(agency: &str, roles: &[Role], clearance: Sensitivity) -> User {
    User {
        id: format!("{agency}-user"),
        agency: agency.to_string(),
        roles: roles.iter().copied().collect(),
        cases: BTreeSet::new(),
        clearance,
        caveats: BTreeSet::new(),
    }
}

fn labels(sensitivity: Sensitivity, data_class: DataClass, caveats: &[&str]) -> SecurityLabels {
    let intelligence = data_class == DataClass::CriminalIntelligence;
    SecurityLabels {
        sensitivity,
        caveats: caveats.iter().map(|caveat| caveat.to_string()).collect(),
        data_class,
        predicate: intelligence.then(|| CriminalPredicate::new("suspected trafficking").unwrap()),
        review_by: intelligence.then(|| "2030-01-01".parse().unwrap()),
    }
}

fn person() -> &'static EntityKind {
    Schema::builtin().kind("Person").expect("Person kind")
}

fn seizure() -> &'static EntityKind {
    Schema::builtin()
        .kinds()
        .find(|kind| kind.properties.values().all(|property| !property.protected))
        .expect("a kind without protected properties")
}

/// Decides with the record owned by `owner`, validated, tied to `cases`.
fn check(
    user: &User,
    kind: &EntityKind,
    labels: &SecurityLabels,
    owner: &str,
    cases: &[&str],
    policy: &Policy,
) -> Decision {
    let cases: BTreeSet<CaseId> = cases.iter().map(|case| CaseId(case.to_string())).collect();
    decide(
        user,
        &RecordFacts {
            kind,
            labels,
            owning_agency: owner,
            cases: &cases,
            part23: Part23Status::Validated,
        },
        policy,
    )
}

fn contacts() -> Policy {
    Policy {
        agreements: Vec::new(),
        contacts: BTreeMap::from([("dea".to_string(), "DEA watch desk".to_string())]),
    }
}

#[test]
fn own_agency_sees_own_records_and_protected_fields_are_redacted() {
    let analyst = user("dea", &[Role::Analyst], Sensitivity::LawEnforcement);
    let case_labels = labels(
        Sensitivity::LawEnforcement,
        DataClass::InvestigativeCase,
        &[],
    );
    assert_eq!(
        check(&analyst, seizure(), &case_labels, "dea", &[], &contacts()),
        Decision::Full
    );
    assert_eq!(
        check(&analyst, person(), &case_labels, "dea", &[], &contacts()),
        Decision::Redacted {
            fields: vec!["informant".to_string()]
        }
    );
    let mut handler = analyst.clone();
    handler.caveats.insert(PROTECTED_FIELDS_CAVEAT.to_string());
    assert_eq!(
        check(&handler, person(), &case_labels, "dea", &[], &contacts()),
        Decision::Full,
        "an informant handler of the owning agency"
    );
}

#[test]
fn another_agency_gets_a_pointer_without_an_agreement_and_content_with_one() {
    let analyst = user("cbp", &[Role::Analyst], Sensitivity::Restricted);
    let intelligence = labels(
        Sensitivity::LawEnforcement,
        DataClass::CriminalIntelligence,
        &[],
    );
    assert_eq!(
        check(&analyst, seizure(), &intelligence, "dea", &[], &contacts()),
        Decision::Pointer {
            agency: "dea".to_string(),
            contact: Some("DEA watch desk".to_string())
        }
    );
    let mut policy = contacts();
    policy.agreements.push(SharingAgreement {
        from_agency: "dea".to_string(),
        to_agency: "cbp".to_string(),
        data_classes: BTreeSet::from([DataClass::CriminalIntelligence]),
        max_sensitivity: Sensitivity::LawEnforcement,
    });
    assert_eq!(
        check(&analyst, seizure(), &intelligence, "dea", &[], &policy),
        Decision::Full
    );
    let mut handler = analyst.clone();
    handler.caveats.insert(PROTECTED_FIELDS_CAVEAT.to_string());
    assert!(
        matches!(
            check(&handler, person(), &intelligence, "dea", &[], &policy),
            Decision::Redacted { .. }
        ),
        "protected fields stay with the owning agency"
    );
    let restricted = labels(
        Sensitivity::Restricted,
        DataClass::CriminalIntelligence,
        &[],
    );
    assert_eq!(
        check(&analyst, seizure(), &restricted, "dea", &[], &policy),
        Decision::Deny,
        "restricted: above the agreement, and no pointer"
    );
}

#[test]
fn pending_intelligence_is_never_visible_outside_the_owning_agency() {
    let intelligence = labels(Sensitivity::Sensitive, DataClass::CriminalIntelligence, &[]);
    let no_cases = BTreeSet::new();
    let pending = RecordFacts {
        kind: seizure(),
        labels: &intelligence,
        owning_agency: "dea",
        cases: &no_cases,
        part23: Part23Status::PendingValidation,
    };
    let mut policy = contacts();
    policy.agreements.push(SharingAgreement {
        from_agency: "dea".to_string(),
        to_agency: "cbp".to_string(),
        data_classes: DataClass::ALL.iter().copied().collect(),
        max_sensitivity: Sensitivity::Restricted,
    });
    let outsider = user("cbp", &[Role::Supervisor], Sensitivity::Restricted);
    assert_eq!(decide(&outsider, &pending, &policy), Decision::Deny);
    let insider = user("dea", &[Role::Analyst], Sensitivity::Sensitive);
    assert_eq!(decide(&insider, &pending, &policy), Decision::Full);
}

#[test]
fn epidemiologists_see_public_health_and_public_data_only() {
    let epidemiologist = user("health", &[Role::Epidemiologist], Sensitivity::Restricted);
    let overdoses = labels(Sensitivity::Sensitive, DataClass::PublicHealth, &[]);
    assert_eq!(
        check(
            &epidemiologist,
            seizure(),
            &overdoses,
            "health",
            &[],
            &contacts()
        ),
        Decision::Full
    );
    let public = labels(Sensitivity::Public, DataClass::Public, &[]);
    assert_eq!(
        check(&epidemiologist, seizure(), &public, "dea", &[], &contacts()),
        Decision::Full,
        "public data needs no agreement"
    );
    let case = labels(Sensitivity::Sensitive, DataClass::InvestigativeCase, &[]);
    assert_eq!(
        check(
            &epidemiologist,
            seizure(),
            &case,
            "health",
            &[],
            &contacts()
        ),
        Decision::Deny,
        "not even its own agency's case records, and no pointer"
    );
}

#[test]
fn auditors_and_administrators_read_no_records_and_only_auditors_read_the_log() {
    let public = labels(Sensitivity::Public, DataClass::Public, &[]);
    for role in [Role::Auditor, Role::Administrator] {
        let reader = user("dea", &[role], Sensitivity::Restricted);
        assert_eq!(
            check(&reader, seizure(), &public, "dea", &[], &contacts()),
            Decision::Deny,
            "{role:?}"
        );
        assert_eq!(may_read_audit_log(&reader), role == Role::Auditor);
    }
    assert!(!may_read_audit_log(&user(
        "dea",
        &[Role::Supervisor],
        Sensitivity::Restricted
    )));
}

#[test]
fn case_records_need_case_membership() {
    let case_labels = labels(Sensitivity::Sensitive, DataClass::InvestigativeCase, &[]);
    let mut investigator = user("dea", &[Role::Investigator], Sensitivity::Restricted);
    assert!(matches!(
        check(
            &investigator,
            seizure(),
            &case_labels,
            "dea",
            &["C-1"],
            &contacts()
        ),
        Decision::Pointer { .. }
    ));
    let cases = [Case {
        id: CaseId("C-1".to_string()),
        owning_agency: "dea".to_string(),
        members: BTreeSet::from([investigator.id.clone()]),
    }];
    investigator.cases = Case::memberships(&cases, &investigator.id);
    assert_eq!(
        check(
            &investigator,
            seizure(),
            &case_labels,
            "dea",
            &["C-1", "C-2"],
            &contacts()
        ),
        Decision::Full
    );
}

#[test]
fn unknown_users_are_denied() {
    let public = labels(Sensitivity::Public, DataClass::Public, &[]);
    let mut nobody = user("dea", &[Role::Analyst], Sensitivity::Restricted);
    nobody.roles.clear();
    assert_eq!(
        check(&nobody, seizure(), &public, "dea", &[], &contacts()),
        Decision::Deny
    );
    let mut anonymous = user("dea", &[Role::Analyst], Sensitivity::Restricted);
    anonymous.id = " ".to_string();
    assert_eq!(
        check(&anonymous, seizure(), &public, "dea", &[], &contacts()),
        Decision::Deny
    );
    let analyst = user("dea", &[Role::Analyst], Sensitivity::Restricted);
    assert_eq!(
        check(&analyst, seizure(), &public, "", &[], &contacts()),
        Decision::Deny,
        "a record without an owner"
    );
}

// ---------------------------------------------------------------- properties

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn some_of(rng: &mut ChaCha8Rng, items: &[&str], probability: f64) -> BTreeSet<String> {
    items
        .iter()
        .filter(|_| rng.random_bool(probability))
        .map(|item| item.to_string())
        .collect()
}

fn random_user(rng: &mut ChaCha8Rng) -> User {
    let roles = Role::ALL
        .iter()
        .copied()
        .filter(|_| rng.random_bool(0.3))
        .collect();
    User {
        id: if rng.random_bool(0.05) {
            String::new()
        } else {
            format!("user{}", rng.random_range(0..1000))
        },
        agency: pick(rng, AGENCIES).to_string(),
        roles,
        cases: some_of(rng, CASES, 0.3).into_iter().map(CaseId).collect(),
        clearance: *pick(rng, Sensitivity::ALL),
        caveats: some_of(rng, CAVEATS, 0.3),
    }
}

fn random_labels(rng: &mut ChaCha8Rng) -> SecurityLabels {
    let caveats = some_of(rng, CAVEATS, 0.2);
    let caveats: Vec<&str> = caveats.iter().map(String::as_str).collect();
    labels(
        *pick(rng, Sensitivity::ALL),
        *pick(rng, DataClass::ALL),
        &caveats,
    )
}

fn random_policy(rng: &mut ChaCha8Rng) -> Policy {
    let mut policy = contacts();
    for _ in 0..rng.random_range(0..4) {
        policy.agreements.push(SharingAgreement {
            from_agency: pick(rng, AGENCIES).to_string(),
            to_agency: pick(rng, AGENCIES).to_string(),
            data_classes: DataClass::ALL
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.5))
                .collect(),
            max_sensitivity: *pick(rng, Sensitivity::ALL),
        });
    }
    policy
}

/// Runs `property` on many random (user, record, policy) cases.
fn for_random_cases(
    property: impl Fn(&User, &RecordFacts<'_>, &Policy, &Decision) -> Result<(), String>,
) {
    const SEED: u64 = 0x1d7e_4d1c;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    // Full, Redacted, Pointer, Deny: each must occur, or the properties held vacuously.
    let mut seen = [0u32; 4];
    for case_number in 0..20_000 {
        let user = random_user(&mut rng);
        let labels = random_labels(&mut rng);
        let owner = if rng.random_bool(0.02) {
            ""
        } else {
            *pick(&mut rng, AGENCIES)
        };
        let cases: BTreeSet<CaseId> = some_of(&mut rng, CASES, 0.25)
            .into_iter()
            .map(CaseId)
            .collect();
        let kind = if rng.random_bool(0.5) {
            person()
        } else {
            seizure()
        };
        let part23 = if rng.random_bool(0.3) {
            Part23Status::PendingValidation
        } else {
            Part23Status::Validated
        };
        let policy = random_policy(&mut rng);
        let record = RecordFacts {
            kind,
            labels: &labels,
            owning_agency: owner,
            cases: &cases,
            part23,
        };
        let decision = decide(&user, &record, &policy);
        seen[match decision {
            Decision::Full => 0,
            Decision::Redacted { .. } => 1,
            Decision::Pointer { .. } => 2,
            Decision::Deny => 3,
        }] += 1;
        if let Err(broken) = property(&user, &record, &policy, &decision) {
            panic!(
                "seed {SEED:#x}, case {case_number}: {broken}\nuser {user:?}\nlabels {labels:?}\n\
                 owner {owner:?}, cases {cases:?}, {part23:?}\npolicy {policy:?}\n→ {decision:?}"
            );
        }
    }
    assert!(
        seen.iter().all(|count| *count > 100),
        "too few of some decision (Full, Redacted, Pointer, Deny): {seen:?}"
    );
}

fn require(condition: bool, broken: &str) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(broken.to_string())
    }
}

#[test]
fn property_content_needs_clearance_caveats_agreement_and_case_membership() {
    for_random_cases(|user, record, policy, decision| {
        if !decision.reveals_content() {
            return Ok(());
        }
        let labels = record.labels;
        require(
            user.clearance >= labels.sensitivity,
            "content without clearance",
        )?;
        require(
            labels.caveats.is_subset(&user.caveats),
            "content without the caveats",
        )?;
        let agreed = policy.agreements.iter().any(|agreement| {
            agreement.from_agency == record.owning_agency
                && agreement.to_agency == user.agency
                && agreement.data_classes.contains(&labels.data_class)
                && labels.sensitivity <= agreement.max_sensitivity
        });
        let public =
            labels.data_class == DataClass::Public && labels.sensitivity == Sensitivity::Public;
        require(
            user.agency == record.owning_agency || agreed || public,
            "another agency's content without an agreement",
        )?;
        require(
            record.cases.is_empty() || !record.cases.is_disjoint(&user.cases),
            "case content without membership",
        )?;
        require(
            user.roles.iter().any(|role| role.reads(labels.data_class)),
            "content of a class the user's roles do not read",
        )
    });
}

#[test]
fn property_unknown_users_auditors_and_administrators_see_nothing() {
    for_random_cases(|user, record, _, decision| {
        let unknown =
            user.id.trim().is_empty() || user.roles.is_empty() || record.owning_agency.is_empty();
        let no_reader_role = user
            .roles
            .iter()
            .all(|role| matches!(role, Role::Auditor | Role::Administrator));
        require(
            !(unknown || no_reader_role) || *decision == Decision::Deny,
            "not denied",
        )
    });
}

#[test]
fn property_pending_intelligence_stays_in_the_owning_agency() {
    for_random_cases(|user, record, _, decision| {
        let pending = record.labels.data_class == DataClass::CriminalIntelligence
            && record.part23 == Part23Status::PendingValidation;
        require(
            !pending || user.agency == record.owning_agency || *decision == Decision::Deny,
            "pending intelligence shown (or pointed at) outside its agency",
        )
    });
}

#[test]
fn property_epidemiologists_alone_see_only_health_and_public_data_and_get_no_pointers() {
    for_random_cases(|user, record, _, decision| {
        let only_epidemiologist = user.roles.iter().all(|role| {
            matches!(
                role,
                Role::Epidemiologist | Role::Auditor | Role::Administrator
            )
        });
        if !only_epidemiologist {
            return Ok(());
        }
        require(
            !matches!(decision, Decision::Pointer { .. }),
            "a pointer to an epidemiologist",
        )?;
        require(
            !decision.reveals_content()
                || matches!(
                    record.labels.data_class,
                    DataClass::PublicHealth | DataClass::Public
                ),
            "law-enforcement content to an epidemiologist",
        )
    });
}

#[test]
fn property_pointers_and_redaction_reveal_no_more_than_allowed() {
    for_random_cases(|user, record, _, decision| match decision {
        Decision::Pointer { agency, .. } => {
            require(
                agency == record.owning_agency,
                "a pointer to another agency",
            )?;
            require(
                record.labels.sensitivity < Sensitivity::Restricted,
                "a pointer to a restricted record",
            )?;
            require(
                user.roles.iter().any(|role| role.is_law_enforcement()),
                "a pointer to a non-law-enforcement user",
            )
        }
        Decision::Full => require(
            record
                .kind
                .properties
                .values()
                .all(|property| !property.protected)
                || (user.agency == record.owning_agency
                    && user.caveats.contains(PROTECTED_FIELDS_CAVEAT)),
            "protected fields shown",
        ),
        Decision::Redacted { fields } => require(
            fields.iter().all(|field| {
                record
                    .kind
                    .property(field)
                    .is_some_and(|property| property.protected)
            }) && !fields.is_empty(),
            "redacted the wrong fields",
        ),
        Decision::Deny => Ok(()),
    });
}

#[test]
fn property_a_cleared_member_of_the_owning_agency_sees_own_records() {
    for_random_cases(|user, record, _, decision| {
        let labels = record.labels;
        let entitled = !user.id.trim().is_empty()
            && user.agency == record.owning_agency
            && user.roles.iter().any(|role| role.reads(labels.data_class))
            && user.clearance >= labels.sensitivity
            && labels.caveats.is_subset(&user.caveats)
            && (record.cases.is_empty() || !record.cases.is_disjoint(&user.cases));
        require(!entitled || decision.reveals_content(), "own record denied")
    });
}
