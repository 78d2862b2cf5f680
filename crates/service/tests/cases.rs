//! The case workspace and the administration of agreements through the façade: a
//! case makes its records need-to-know, membership gives and takes them, and
//! agreements change what another agency reads.

mod support;

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use model::{DataClass, RecordId, Sensitivity};
use service::ServiceError;
use store::Agreement;
use support::{all_records, sign_on, world};

/// The tests change the shared world, so they take turns.
fn turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn readable(user: &str) -> HashSet<RecordId> {
    world()
        .service
        .readable_records(&sign_on(user))
        .expect("readable records")
        .into_iter()
        .collect()
}

/// An unregistered DEA case number some of whose records the DEA analyst reads, with
/// the ids of all records naming it.
fn open_dea_case_number() -> (String, Vec<RecordId>) {
    let registered: HashSet<String> = world()
        .store
        .directory()
        .cases()
        .expect("cases")
        .into_iter()
        .map(|case| case.id)
        .collect();
    let analyst = readable("dea.analyst");
    let records = all_records();
    let number = records
        .iter()
        .filter(|record| record.provenance.agency == "dea" && analyst.contains(&record.id))
        .filter_map(|record| record.properties.get("case_number")?.first().cloned())
        .find(|number| !registered.contains(number))
        .expect("an unregistered DEA case number the analyst reads");
    let ids = records
        .iter()
        .filter(|record| {
            record
                .properties
                .get("case_number")
                .is_some_and(|values| values.contains(&number))
        })
        .map(|record| record.id)
        .collect();
    (number, ids)
}

#[test]
fn a_case_hides_its_records_from_non_members_until_they_are_added() {
    let _turn = turn();
    let service = &world().service;
    let (number, ids) = open_dea_case_number();
    assert!(
        ids.iter().any(|id| readable("dea.analyst").contains(id)),
        "before the case is opened the analyst reads its records"
    );

    let supervisor = sign_on("dea.supervisor");
    let case = service
        .create_case(&supervisor, &number, "Test investigation")
        .expect("the supervisor opens the case");
    assert_eq!(case.agency, "dea");
    assert_eq!(case.members, vec!["dea.supervisor".to_string()]);
    let again = service.create_case(&supervisor, &number, "Twice");
    assert!(
        matches!(again, Err(ServiceError::BadRequest(_))),
        "{again:?}"
    );

    let analyst = readable("dea.analyst");
    assert!(
        ids.iter().all(|id| !analyst.contains(id)),
        "a non-member reads a record of the case"
    );
    assert!(matches!(
        service.case_workspace(&sign_on("dea.analyst"), &number),
        Err(ServiceError::NotFound(_))
    ));
    let workspace = service
        .case_workspace(&sign_on("dea.supervisor"), &number)
        .expect("the supervisor's workspace");
    assert!(
        !workspace.records.is_empty(),
        "the member sees the case's records"
    );
    assert!(workspace.may_manage);
    assert!(!workspace.entities.is_empty());
    assert!(
        workspace
            .records
            .iter()
            .all(|record| ids.iter().any(|id| id.to_string() == record.id))
    );

    service
        .add_case_member(&sign_on("dea.supervisor"), &number, "dea.analyst")
        .expect("the supervisor adds the analyst");
    let analyst = readable("dea.analyst");
    assert!(
        ids.iter().any(|id| analyst.contains(id)),
        "the new member reads the case's records"
    );
    let workspace = service
        .case_workspace(&sign_on("dea.analyst"), &number)
        .expect("the member's workspace");
    assert!(!workspace.records.is_empty());
    assert!(!workspace.may_manage);
    assert!(
        workspace
            .members
            .iter()
            .any(|member| member.user == "dea.analyst")
    );

    // A member who is not a supervisor removes no one.
    let refused = service.remove_case_member(&sign_on("dea.analyst"), &number, "dea.supervisor");
    assert!(
        matches!(refused, Err(ServiceError::Forbidden(_))),
        "{refused:?}"
    );

    // Administrators see the members but no records.
    let admin = service
        .case_workspace(&sign_on("hidta.admin"), &number)
        .expect("the administrator's workspace");
    assert_eq!(admin.members.len(), 2);
    assert!(admin.records.is_empty() && admin.entities.is_empty());

    service
        .remove_case_member(&sign_on("hidta.admin"), &number, "dea.analyst")
        .expect("the administrator removes the analyst");
    let analyst = readable("dea.analyst");
    assert!(
        ids.iter().all(|id| !analyst.contains(id)),
        "a removed member still reads the case's records"
    );
    let missing = service.remove_case_member(&sign_on("hidta.admin"), &number, "dea.analyst");
    assert!(
        matches!(missing, Err(ServiceError::NotFound(_))),
        "{missing:?}"
    );
}

#[test]
fn an_analyst_opens_no_case_and_changes_no_agreement() {
    let _turn = turn();
    let service = &world().service;
    let analyst = sign_on("dea.analyst");
    let opened = service.create_case(&analyst, "ANALYST-CASE-1", "Not allowed");
    assert!(
        matches!(opened, Err(ServiceError::Forbidden(_))),
        "{opened:?}"
    );
    // Another agency's supervisor opens no case for DEA.
    let other = service.create_case_for(
        &sign_on("dea.supervisor"),
        &service::CaseRequest {
            id: "CBP-CASE-1".to_string(),
            title: "Not theirs".to_string(),
            agency: Some("cbp".to_string()),
        },
    );
    assert!(
        matches!(other, Err(ServiceError::Forbidden(_))),
        "{other:?}"
    );
    let agreement = Agreement {
        from_agency: "sheriff".to_string(),
        to_agency: "dea".to_string(),
        data_classes: vec![DataClass::InvestigativeCase],
        max_sensitivity: Sensitivity::LawEnforcement,
    };
    for result in [
        service.put_agreement(&analyst, &agreement).map(|_| ()),
        service.remove_agreement(&analyst, "dea", "cbp"),
        service.agreements(&analyst).map(|_| ()),
        service
            .put_agency(
                &analyst,
                &store::Agency {
                    id: "dea".to_string(),
                    name: "renamed".to_string(),
                    contact: String::new(),
                },
            )
            .map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(ServiceError::Forbidden(_))),
            "{result:?}"
        );
    }
    let supervisor = sign_on("dea.supervisor");
    assert!(matches!(
        service.put_agreement(&supervisor, &agreement),
        Err(ServiceError::Forbidden(_))
    ));
    // The refusals are in the audit log.
    let denied = world()
        .store
        .audit()
        .entries(&store::AuditQuery {
            newest_first: true,
            limit: 50,
            ..store::AuditQuery::default()
        })
        .expect("audit entries")
        .into_iter()
        .filter(|entry| {
            entry.entry.actor == "dea.analyst"
                && entry.entry.action == store::AuditAction::PermissionChange
                && entry.entry.outcome == store::AuditOutcome::Denied
        })
        .count();
    assert!(denied >= 3, "{denied} denied permission changes audited");
}

#[test]
fn an_agreement_gives_another_agency_its_records_and_removing_it_takes_them_away() {
    let _turn = turn();
    let service = &world().service;
    let admin = sign_on("hidta.admin");
    let records = all_records();
    let sheriff_read = |readable: &HashSet<RecordId>| {
        records
            .iter()
            .filter(|record| record.provenance.agency == "sheriff" && readable.contains(&record.id))
            .count()
    };
    let before = readable("dea.analyst");
    let baseline = sheriff_read(&before);
    service
        .put_agreement(
            &admin,
            &Agreement {
                from_agency: "sheriff".to_string(),
                to_agency: "dea".to_string(),
                data_classes: vec![DataClass::InvestigativeCase, DataClass::Public],
                max_sensitivity: Sensitivity::LawEnforcement,
            },
        )
        .expect("the administrator adds the agreement");
    assert!(
        service
            .agreements(&admin)
            .expect("agreements")
            .iter()
            .any(|agreement| agreement.from_agency == "sheriff" && agreement.to_agency == "dea")
    );
    let shared = readable("dea.analyst");
    assert!(
        sheriff_read(&shared) > baseline,
        "the agreement gives DEA the Sheriff's records ({baseline} before, {} after)",
        sheriff_read(&shared)
    );
    service
        .remove_agreement(&admin, "sheriff", "dea")
        .expect("the administrator removes it");
    let after = readable("dea.analyst");
    assert_eq!(sheriff_read(&after), baseline);
    assert_eq!(after, before, "removing the agreement restores the view");
    assert!(matches!(
        service.remove_agreement(&admin, "sheriff", "dea"),
        Err(ServiceError::NotFound(_))
    ));
}

#[test]
fn administrators_maintain_agencies_and_open_cases_for_any_agency() {
    let _turn = turn();
    let service = &world().service;
    let admin = sign_on("hidta.admin");
    let agency = service
        .put_agency(
            &admin,
            &store::Agency {
                id: "port_police".to_string(),
                name: "Port Police".to_string(),
                contact: "Port desk, +1 310 555 0199".to_string(),
            },
        )
        .expect("the administrator adds an agency");
    assert!(
        service
            .agencies(&admin)
            .expect("agencies")
            .contains(&agency)
    );
    let case = service
        .create_case_for(
            &admin,
            &service::CaseRequest {
                id: "PORT-0001".to_string(),
                title: "Port case".to_string(),
                agency: Some("port_police".to_string()),
            },
        )
        .expect("the administrator opens a case for another agency");
    assert_eq!(case.agency, "port_police");
    assert!(case.members.is_empty());
}
